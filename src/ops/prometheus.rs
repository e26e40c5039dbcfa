//! The Prometheus text exposition format (version 0.0.4), written by hand: a
//! family is its `# HELP` and `# TYPE` lines and its samples.

use std::fmt::Write as _;

use super::telemetry::{HistogramSnapshot, BUCKETS};

/// The content type `/metrics` answers with.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A metrics page being written.
#[derive(Default)]
pub struct Text {
    out: String,
}

/// A label value with `\`, `"` and line breaks escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn labels(pairs: &[(&str, &str)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

/// A float as Prometheus writes it.
fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{v}")
    }
}

impl Text {
    /// Starts a family: `kind` is `counter`, `gauge` or `histogram`.
    pub fn family(&mut self, name: &str, kind: &str, help: &str) -> &mut Self {
        let _ = writeln!(self.out, "# HELP {name} {help}");
        let _ = writeln!(self.out, "# TYPE {name} {kind}");
        self
    }

    /// One sample of the current family.
    pub fn sample(&mut self, name: &str, labels_: &[(&str, &str)], value: f64) -> &mut Self {
        let _ = writeln!(self.out, "{name}{} {}", labels(labels_), number(value));
        self
    }

    /// A family with one unlabelled sample.
    pub fn single(&mut self, name: &str, kind: &str, help: &str, value: f64) -> &mut Self {
        self.family(name, kind, help).sample(name, &[], value)
    }

    /// The samples of one histogram (the family is started by the caller).
    pub fn histogram(&mut self, name: &str, labels_: &[(&str, &str)], h: &HistogramSnapshot) {
        for (bound, count) in BUCKETS.iter().zip(&h.cumulative) {
            let le = number(*bound);
            let mut with_le = labels_.to_vec();
            with_le.push(("le", &le));
            self.sample(&format!("{name}_bucket"), &with_le, *count as f64);
        }
        let mut inf = labels_.to_vec();
        inf.push(("le", "+Inf"));
        self.sample(&format!("{name}_bucket"), &inf, h.count as f64);
        self.sample(&format!("{name}_sum"), labels_, h.sum_seconds);
        self.sample(&format!("{name}_count"), labels_, h.count as f64);
    }

    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_samples_and_histograms_are_written_in_the_text_format() {
        let mut t = Text::default();
        t.single("jc_up", "gauge", "Oppe.", 1.0);
        t.family("jc_runs_total", "counter", "Kørsler.").sample(
            "jc_runs_total",
            &[("status", "fejl \"x\"")],
            2.0,
        );
        let h = HistogramSnapshot {
            cumulative: vec![1; BUCKETS.len()],
            count: 2,
            sum_seconds: 0.5,
        };
        t.family("jc_latency_seconds", "histogram", "Svartid.");
        t.histogram("jc_latency_seconds", &[("class", "view")], &h);
        let text = t.finish();
        assert!(text.starts_with("# HELP jc_up Oppe.\n# TYPE jc_up gauge\njc_up 1\n"));
        assert!(
            text.contains("jc_runs_total{status=\"fejl \\\"x\\\"\"} 2\n"),
            "{text}"
        );
        assert!(text.contains("jc_latency_seconds_bucket{class=\"view\",le=\"0.005\"} 1\n"));
        assert!(text.contains("jc_latency_seconds_bucket{class=\"view\",le=\"+Inf\"} 2\n"));
        assert!(text.contains("jc_latency_seconds_sum{class=\"view\"} 0.5\n"));
        assert!(text.contains("jc_latency_seconds_count{class=\"view\"} 2\n"));
    }
}
