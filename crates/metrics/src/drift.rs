//! Drift of a current sample against a reference sample: Population Stability Index
//! and Jensen-Shannon distance, binned exactly as Evidently does
//! (`evidently.legacy.calculations.stattests` `psi` and `jensenshannon`, helper
//! `get_binned_data`). See docs/metrics.md.

use serde::{Deserialize, Serialize};

/// Share put into an empty bin before PSI (Evidently): 0.0001, or the smallest
/// non-empty share / 1e6 when that share is itself at most 0.0001.
pub const EMPTY_BIN_SHARE: f64 = 0.0001;

/// A numeric feature with at most this many distinct reference values is binned by
/// value, like a category (Evidently: `reference_data.nunique() > 20` for bins).
pub const MAX_DISTINCT_AS_CATEGORIES: usize = 20;

/// What drift needs to know of a reference sample, computed once and stored: the
/// distinct reference values (or categories) and how often each occurs. Evidently
/// draws numeric bin edges from the pooled reference + current sample, so edges
/// cannot be fixed in advance; the value counts reproduce them exactly without
/// keeping the reference rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Binning {
    /// Numeric: sorted distinct values (NaN dropped) with their counts. The values
    /// are stored as decimal strings because serde_json's default float parser can
    /// be one unit in the last place off, which could move a value across an edge.
    Numeric {
        #[serde(with = "exact_floats")]
        values: Vec<f64>,
        counts: Vec<u64>,
    },
    /// Categorical: sorted distinct categories with their counts.
    Categorical {
        categories: Vec<String>,
        counts: Vec<u64>,
    },
}

/// The drift of one current sample against a [`Binning`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drift {
    /// Population Stability Index (natural log).
    pub psi: f64,
    /// Jensen-Shannon distance (natural log, so at most √ln 2 ≈ 0.833).
    pub jensen_shannon: f64,
    /// Numeric bins (Sturges over the pooled sample): the edges, last bin closed.
    /// Empty when the bins are values or categories.
    pub edges: Vec<f64>,
    /// Bin labels when binned by value or category.
    pub categories: Vec<String>,
    /// Reference share per bin, before the empty-bin share is put in.
    pub reference_shares: Vec<f64>,
    /// Current share per bin, before the empty-bin share is put in.
    pub current_shares: Vec<f64>,
}

/// How serious a drift value is against the configured thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftLevel {
    Ok,
    Warning,
    Alert,
}

/// Thresholds for [`DriftLevel`]; a value at or above a threshold reaches it
/// (Evidently: drift when `psi >= threshold`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DriftThresholds {
    pub warning: f64,
    pub alert: f64,
}

impl Default for DriftThresholds {
    /// The usual PSI rule of thumb: 0.1 warning, 0.25 alert.
    fn default() -> Self {
        Self {
            warning: 0.1,
            alert: 0.25,
        }
    }
}

impl DriftThresholds {
    /// The level a drift value reaches (NaN counts as no drift).
    pub fn level(&self, value: f64) -> DriftLevel {
        if value >= self.alert {
            DriftLevel::Alert
        } else if value >= self.warning {
            DriftLevel::Warning
        } else {
            DriftLevel::Ok
        }
    }
}

impl DriftLevel {
    /// The level of `value` given a warning and an alert threshold.
    pub fn of(value: f64, warning: f64, alert: f64) -> Self {
        DriftThresholds { warning, alert }.level(value)
    }

    /// Stable code for tables: "ok", "warning", "alert".
    pub fn code(self) -> &'static str {
        match self {
            DriftLevel::Ok => "ok",
            DriftLevel::Warning => "warning",
            DriftLevel::Alert => "alert",
        }
    }
}

/// Floats as shortest round-trip decimal strings (Rust's `Display` and `parse` are
/// exact both ways).
mod exact_floats {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(values: &[f64], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(values.iter().map(|v| v.to_string()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|v| v.parse().map_err(serde::de::Error::custom))
            .collect()
    }
}

/// -0.0 and 0.0 are one value (as in pandas' value_counts).
fn canonical(v: f64) -> f64 {
    if v == 0.0 {
        0.0
    } else {
        v
    }
}

/// Sorted distinct values with counts, NaN dropped.
fn value_counts(sample: &[f64]) -> (Vec<f64>, Vec<u64>) {
    let mut sorted: Vec<f64> = sample
        .iter()
        .copied()
        .filter(|v| !v.is_nan())
        .map(canonical)
        .collect();
    sorted.sort_by(f64::total_cmp);
    let (mut values, mut counts) = (Vec::new(), Vec::<u64>::new());
    for v in sorted {
        match (values.last(), counts.last_mut()) {
            (Some(&last), Some(c)) if last == v => *c += 1,
            _ => {
                values.push(v);
                counts.push(1);
            }
        }
    }
    (values, counts)
}

fn category_counts<S: ToString>(sample: &[S]) -> (Vec<String>, Vec<u64>) {
    let mut map = std::collections::BTreeMap::<String, u64>::new();
    for s in sample {
        *map.entry(s.to_string()).or_default() += 1;
    }
    (map.keys().cloned().collect(), map.into_values().collect())
}

/// Union of two keyed count lists: keys of the first in order, then new keys of the
/// second in order; returns (keys, counts in first, counts in second).
fn union_counts<K: Clone + PartialEq>(
    a: (&[K], &[u64]),
    b: (&[K], &[u64]),
) -> (Vec<K>, Vec<u64>, Vec<u64>) {
    let mut keys: Vec<K> = a.0.to_vec();
    let mut ca: Vec<u64> = a.1.to_vec();
    let mut cb = vec![0; keys.len()];
    for (k, &c) in b.0.iter().zip(b.1) {
        match keys.iter().position(|x| x == k) {
            Some(i) => cb[i] += c,
            None => {
                keys.push(k.clone());
                ca.push(0);
                cb.push(c);
            }
        }
    }
    (keys, ca, cb)
}

fn shares(counts: &[u64]) -> Vec<f64> {
    let n: u64 = counts.iter().sum();
    counts.iter().map(|&c| c as f64 / n as f64).collect()
}

/// Sturges bin edges of numpy's `histogram_bin_edges(pooled, bins="sturges")`:
/// width = range / (log2 n + 1), ceil(range / width) equal bins, `linspace` edges.
fn sturges_edges(min: f64, max: f64, n: u64) -> Vec<f64> {
    let (first, last) = if min == max {
        (min - 0.5, max + 0.5)
    } else {
        (min, max)
    };
    let delta = last - first;
    let width = (max - min) / ((n as f64).log2() + 1.0);
    let bins = if width != 0.0 {
        (delta / width).ceil() as usize
    } else {
        1
    };
    let step = delta / bins as f64;
    let mut edges: Vec<f64> = (0..=bins).map(|i| i as f64 * step + first).collect();
    edges[bins] = last;
    edges
}

/// Counts per bin as `numpy.histogram` with explicit edges: bin i holds
/// edges[i] <= v < edges[i+1], the last bin also v == last edge; values outside
/// are not counted.
fn histogram(values: &[f64], counts: &[u64], edges: &[f64]) -> Vec<u64> {
    let bins = edges.len() - 1;
    let mut out = vec![0; bins];
    for (&v, &c) in values.iter().zip(counts) {
        if v < edges[0] || v > edges[bins] {
            continue;
        }
        let i = edges
            .partition_point(|&e| e <= v)
            .saturating_sub(1)
            .min(bins - 1);
        out[i] += c;
    }
    out
}

impl Binning {
    /// Drift of a current sample of either kind (categorical profiles compare the
    /// values' `to_string()`); `None` when either sample is empty.
    pub fn drift(&self, current: &[f64]) -> Option<Drift> {
        match self {
            Binning::Numeric { .. } => self.drift_numeric(current),
            Binning::Categorical { .. } => self.drift_categorical(current),
        }
    }

    /// PSI of a current sample against this reference; NaN when undefined (an
    /// empty sample), which [`DriftLevel::of`] treats as no drift.
    pub fn psi(&self, current: &[f64]) -> f64 {
        self.drift(current).map_or(f64::NAN, |d| d.psi)
    }

    /// Jensen-Shannon distance of a current sample; NaN when undefined.
    pub fn js_distance(&self, current: &[f64]) -> f64 {
        self.drift(current).map_or(f64::NAN, |d| d.jensen_shannon)
    }

    /// Profile of a numeric reference sample (NaN dropped).
    pub fn numeric(reference: &[f64]) -> Self {
        let (values, counts) = value_counts(reference);
        Binning::Numeric { values, counts }
    }

    /// Profile of a categorical reference sample; categories are the values'
    /// `to_string()` (a 0/1 flag as f64 becomes "0" and "1").
    pub fn categorical<S: ToString>(reference: &[S]) -> Self {
        let (categories, counts) = category_counts(reference);
        Binning::Categorical { categories, counts }
    }

    /// Number of reference observations.
    pub fn reference_n(&self) -> u64 {
        match self {
            Binning::Numeric { counts, .. } | Binning::Categorical { counts, .. } => {
                counts.iter().sum()
            }
        }
    }

    /// Drift of a numeric current sample (NaN dropped). `None` when this is a
    /// categorical profile or either sample is empty.
    pub fn drift_numeric(&self, current: &[f64]) -> Option<Drift> {
        let Binning::Numeric { values, counts } = self else {
            return None;
        };
        let (cur_values, cur_counts) = value_counts(current);
        if values.is_empty() || cur_values.is_empty() {
            return None;
        }
        if values.len() <= MAX_DISTINCT_AS_CATEGORIES {
            let (keys, r, c) = union_counts((values, counts), (&cur_values, &cur_counts));
            let categories = keys.iter().map(|v| v.to_string()).collect();
            return Some(drift_from_counts(&r, &c, Vec::new(), categories));
        }
        let n = self.reference_n() + cur_counts.iter().sum::<u64>();
        let min = values[0].min(cur_values[0]);
        let max = values[values.len() - 1].max(cur_values[cur_values.len() - 1]);
        let edges = sturges_edges(min, max, n);
        let r = histogram(values, counts, &edges);
        let c = histogram(&cur_values, &cur_counts, &edges);
        Some(drift_from_counts(&r, &c, edges, Vec::new()))
    }

    /// Drift of a categorical current sample over the union of categories. `None`
    /// when this is a numeric profile or either sample is empty.
    pub fn drift_categorical<S: ToString>(&self, current: &[S]) -> Option<Drift> {
        let Binning::Categorical { categories, counts } = self else {
            return None;
        };
        let (cur_cats, cur_counts) = category_counts(current);
        if categories.is_empty() || cur_cats.is_empty() {
            return None;
        }
        let (keys, r, c) = union_counts((categories, counts), (&cur_cats, &cur_counts));
        Some(drift_from_counts(&r, &c, Vec::new(), keys))
    }
}

fn drift_from_counts(r: &[u64], c: &[u64], edges: Vec<f64>, categories: Vec<String>) -> Drift {
    let (reference_shares, current_shares) = (shares(r), shares(c));
    Drift {
        psi: psi(&reference_shares, &current_shares),
        jensen_shannon: jensen_shannon_distance(&reference_shares, &current_shares),
        edges,
        categories,
        reference_shares,
        current_shares,
    }
}

/// Evidently's fill of empty bins: 0.0001, or min non-zero share / 1e6 if that
/// share is at most 0.0001. All-zero shares stay as they are.
fn fill_empty(shares: &[f64]) -> Vec<f64> {
    let min = shares
        .iter()
        .copied()
        .filter(|&s| s != 0.0)
        .fold(f64::INFINITY, f64::min);
    let fill = if min <= EMPTY_BIN_SHARE {
        min / 1e6
    } else {
        EMPTY_BIN_SHARE
    };
    shares
        .iter()
        .map(|&s| if s == 0.0 { fill } else { s })
        .collect()
}

/// PSI of two share vectors over the same bins: Σ (r − c)·ln(r / c) after empty
/// bins get [`EMPTY_BIN_SHARE`] (Evidently `psi_stat_test`).
pub fn psi(reference_shares: &[f64], current_shares: &[f64]) -> f64 {
    let (r, c) = (fill_empty(reference_shares), fill_empty(current_shares));
    r.iter()
        .zip(&c)
        .map(|(&r, &c)| (r - c) * (r / c).ln())
        .sum()
}

/// Jensen-Shannon distance of two share vectors, natural log, no empty-bin fill:
/// scipy `spatial.distance.jensenshannon(p, q)` (base None), which Evidently's
/// `jensenshannon_stat_test` calls. Both are first normalised to sum 1.
pub fn jensen_shannon_distance(p: &[f64], q: &[f64]) -> f64 {
    let (sp, sq): (f64, f64) = (p.iter().sum(), q.iter().sum());
    // scipy's rel_entr: x·ln(x/y), 0 when x = 0.
    let rel_entr = |x: f64, y: f64| if x > 0.0 { x * (x / y).ln() } else { 0.0 };
    let (mut left, mut right) = (0.0, 0.0);
    for (&a, &b) in p.iter().zip(q) {
        let (a, b) = (a / sp, b / sq);
        let m = (a + b) / 2.0;
        left += rel_entr(a, m);
        right += rel_entr(b, m);
    }
    ((left + right) / 2.0).max(0.0).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference() -> serde_json::Value {
        serde_json::from_str(include_str!("../../../tests/reference/monitoring_b.json")).unwrap()
    }

    #[test]
    fn psi_and_jensen_shannon_match_evidently() {
        let cases = reference()["drift"].as_array().unwrap().clone();
        assert!(cases.len() >= 9);
        for case in cases {
            let name = case["name"].as_str().unwrap();
            let drift = if case["kind"] == "numeric" {
                let f = |k: &str| -> Vec<f64> {
                    case[k]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_f64().unwrap())
                        .collect()
                };
                Binning::numeric(&f("reference")).drift_numeric(&f("current"))
            } else {
                let s = |k: &str| -> Vec<String> {
                    case[k]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_str().unwrap().to_owned())
                        .collect()
                };
                Binning::categorical(&s("reference")).drift_categorical(&s("current"))
            }
            .unwrap();
            let (psi, js) = (case["psi"].as_f64().unwrap(), case["js"].as_f64().unwrap());
            assert!(
                (drift.psi - psi).abs() < 1e-9,
                "{name}: PSI {} vs {psi}",
                drift.psi
            );
            assert!(
                (drift.jensen_shannon - js).abs() < 1e-9,
                "{name}: JS {} vs {js}",
                drift.jensen_shannon
            );
        }
    }

    #[test]
    fn a_stored_binning_survives_serialisation() {
        let b = Binning::numeric(&(0..50).map(|i| f64::from(i) * 0.37).collect::<Vec<_>>());
        let back: Binning = serde_json::from_str(&serde_json::to_string(&b).unwrap()).unwrap();
        assert_eq!(b, back);
        let cur: Vec<f64> = (0..30).map(|i| f64::from(i) * 0.5).collect();
        assert_eq!(b.drift_numeric(&cur), back.drift_numeric(&cur));
    }

    #[test]
    fn a_shifted_sample_drifts_and_the_same_sample_does_not() {
        let reference: Vec<f64> = (0..200).map(|i| f64::from(i % 40)).collect();
        let b = Binning::numeric(&reference);
        assert_eq!(b.drift_numeric(&reference).unwrap().psi, 0.0);
        let shifted: Vec<f64> = reference.iter().map(|v| v + 15.0).collect();
        let d = b.drift_numeric(&shifted).unwrap();
        assert_eq!(DriftThresholds::default().level(d.psi), DriftLevel::Alert);
        assert!(d.jensen_shannon > 0.3 && d.jensen_shannon <= 2f64.ln().sqrt());
    }

    #[test]
    fn empty_samples_and_mismatched_kinds_give_nothing() {
        assert!(Binning::numeric(&[]).drift_numeric(&[1.0]).is_none());
        assert!(Binning::numeric(&[1.0])
            .drift_numeric(&[f64::NAN])
            .is_none());
        assert!(Binning::numeric(&[1.0]).drift_categorical(&["a"]).is_none());
        assert!(Binning::categorical(&["a"]).drift_numeric(&[1.0]).is_none());
        assert!(Binning::numeric(&[]).psi(&[1.0]).is_nan());
        assert_eq!(DriftLevel::of(f64::NAN, 0.1, 0.25), DriftLevel::Ok);
    }

    #[test]
    fn a_flag_profiled_as_category_or_number_drifts_alike() {
        let r = [0.0, 1.0, 1.0, 0.0, 0.0, 0.0];
        let c = [1.0, 1.0, 1.0, 0.0];
        let (a, b) = (Binning::categorical(&r), Binning::numeric(&r));
        assert!((a.psi(&c) - b.psi(&c)).abs() < 1e-15);
        assert!((a.js_distance(&c) - b.js_distance(&c)).abs() < 1e-15);
        assert!(a.psi(&c) > 0.1);
    }

    #[test]
    fn thresholds_are_inclusive() {
        let t = DriftThresholds::default();
        assert_eq!(t.level(0.0999), DriftLevel::Ok);
        assert_eq!(t.level(0.1), DriftLevel::Warning);
        assert_eq!(t.level(0.25), DriftLevel::Alert);
    }
}
