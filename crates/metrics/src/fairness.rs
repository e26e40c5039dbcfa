//! Group fairness of the high-risk flag: per group rates with Wilson intervals
//! (as Fairlearn's `MetricFrame` and statsmodels), disparity ratios to a reference
//! group (as Aequitas), two-proportion z-tests (statsmodels `proportions_ztest`)
//! corrected with Benjamini-Hochberg across the whole run (statsmodels
//! `multipletests(method="fdr_bh")`). See docs/metrics.md.

use super::{wilson_interval, Z95};
use serde::{Deserialize, Serialize};

/// What one group contributes: confusion counts at the policy threshold and the sums
/// calibration-in-the-large needs. Built from rows or summed in SQL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupCounts {
    pub n: u64,
    /// Flagged and still unemployed.
    pub tp: u64,
    /// Flagged, not still unemployed.
    pub fp: u64,
    /// Not flagged, not still unemployed.
    pub tn: u64,
    /// Not flagged, still unemployed.
    pub fn_: u64,
    /// Σ predicted probability.
    pub sum_p: f64,
    /// Σ (label − probability)².
    pub sum_sq_residual: f64,
}

impl GroupCounts {
    /// Adds one person: outcome label (1 = still unemployed), flag, probability.
    pub fn add(&mut self, label: bool, flagged: bool, probability: f64) {
        self.n += 1;
        match (label, flagged) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (false, false) => self.tn += 1,
            (true, false) => self.fn_ += 1,
        }
        self.sum_p += probability;
        let r = f64::from(u8::from(label)) - probability;
        self.sum_sq_residual += r * r;
    }

    /// Counts of rows; `None` if the slices differ in length.
    pub fn from_rows(labels: &[bool], flags: &[bool], probabilities: &[f64]) -> Option<Self> {
        if labels.len() != flags.len() || labels.len() != probabilities.len() {
            return None;
        }
        let mut c = Self::default();
        for ((&y, &f), &p) in labels.iter().zip(flags).zip(probabilities) {
            c.add(y, f, p);
        }
        Some(c)
    }

    /// (numerator, denominator) of a rate.
    pub fn rate_counts(&self, metric: Rate) -> (u64, u64) {
        match metric {
            Rate::SelectionRate => (self.tp + self.fp, self.n),
            Rate::FalsePositiveRate => (self.fp, self.fp + self.tn),
            Rate::FalseNegativeRate => (self.fn_, self.fn_ + self.tp),
            Rate::Precision => (self.tp, self.tp + self.fp),
        }
    }
}

/// The rates compared between groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rate {
    /// Share flagged high risk (of all).
    SelectionRate,
    /// Flagged among those who did not stay unemployed.
    FalsePositiveRate,
    /// Not flagged among those who stayed unemployed.
    FalseNegativeRate,
    /// Still unemployed among the flagged.
    Precision,
}

impl Rate {
    /// Short code for tables: selection_rate, fpr, fnr, precision.
    pub fn code(self) -> &'static str {
        match self {
            Rate::SelectionRate => "selection_rate",
            Rate::FalsePositiveRate => "fpr",
            Rate::FalseNegativeRate => "fnr",
            Rate::Precision => "precision",
        }
    }

    pub const ALL: [Rate; 4] = [
        Rate::SelectionRate,
        Rate::FalsePositiveRate,
        Rate::FalseNegativeRate,
        Rate::Precision,
    ];
}

/// One group of an attribute (an intersection is a group with a composite key,
/// e.g. "K|50+").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub key: String,
    pub counts: GroupCounts,
}

/// One sensitive attribute (sex, age band, ...) with its groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribute {
    pub name: String,
    pub groups: Vec<Group>,
    /// Reference group key; `None` takes the largest group (Aequitas' `maj`; the
    /// first in `groups` order on a tie).
    pub reference: Option<String>,
}

/// Settings of a fairness run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FairnessOptions {
    /// Groups with fewer persons are computed but marked `suppress`.
    pub min_group_size: u64,
    /// A ratio outside [low, high] is a disparity (Aequitas: τ = 0.8, 1/τ = 1.25).
    pub ratio_low: f64,
    pub ratio_high: f64,
    /// False discovery rate for the Benjamini-Hochberg adjusted p-values.
    pub alpha: f64,
}

impl Default for FairnessOptions {
    fn default() -> Self {
        Self {
            min_group_size: 5,
            ratio_low: 0.8,
            ratio_high: 1.25,
            alpha: 0.05,
        }
    }
}

/// One rate of one group, compared with the reference group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateResult {
    pub numerator: u64,
    pub denominator: u64,
    /// `None` when the denominator is 0.
    pub value: Option<f64>,
    /// Wilson 95 % interval ((0, 1) when the denominator is 0).
    pub low: f64,
    pub high: f64,
    /// value / reference value; `None` when either is undefined or the reference is 0.
    pub ratio: Option<f64>,
    pub ratio_outside_band: bool,
    /// Two-proportion z against the reference group (`None` for the reference
    /// itself, empty denominators, or no variance in the pooled sample).
    pub z: Option<f64>,
    /// Two-sided p; 1 when the pooled sample has no variance (statsmodels: NaN).
    pub p_value: Option<f64>,
    /// Benjamini-Hochberg adjusted over every test of the run.
    pub p_adjusted: Option<f64>,
    /// Ratio outside the band and adjusted p below alpha.
    pub flagged: bool,
}

/// Calibration-in-the-large: observed rate − mean predicted probability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationInTheLarge {
    pub observed_rate: f64,
    pub mean_predicted: f64,
    pub value: f64,
    /// Normal-approximation 95 % interval value ± z·s/√n, s the sample standard
    /// deviation (n − 1) of the residuals y − p (statsmodels
    /// `DescrStatsW(y - p).zconfint_mean()`); `None` for fewer than 2 persons.
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// All figures of one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupResult {
    pub key: String,
    pub n: u64,
    pub is_reference: bool,
    /// Fewer than `min_group_size` persons: never to be shown.
    pub suppress: bool,
    pub selection_rate: RateResult,
    pub false_positive_rate: RateResult,
    pub false_negative_rate: RateResult,
    pub precision: RateResult,
    /// `None` when the group is empty.
    pub calibration_in_the_large: Option<CalibrationInTheLarge>,
    /// Any of the four rates flagged.
    pub flagged: bool,
}

impl GroupResult {
    /// The result for one rate.
    pub fn rate(&self, metric: Rate) -> &RateResult {
        match metric {
            Rate::SelectionRate => &self.selection_rate,
            Rate::FalsePositiveRate => &self.false_positive_rate,
            Rate::FalseNegativeRate => &self.false_negative_rate,
            Rate::Precision => &self.precision,
        }
    }

    fn rate_mut(&mut self, metric: Rate) -> &mut RateResult {
        match metric {
            Rate::SelectionRate => &mut self.selection_rate,
            Rate::FalsePositiveRate => &mut self.false_positive_rate,
            Rate::FalseNegativeRate => &mut self.false_negative_rate,
            Rate::Precision => &mut self.precision,
        }
    }
}

/// All groups of one attribute.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttributeResult {
    pub name: String,
    /// `None` when the attribute has no groups or the given key is absent.
    pub reference: Option<String>,
    pub groups: Vec<GroupResult>,
}

/// One fairness run: every attribute, tests corrected together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FairnessReport {
    pub attributes: Vec<AttributeResult>,
    /// Number of tests in the Benjamini-Hochberg family.
    pub tests: usize,
}

/// Standard normal survival function 1 − Φ(x) = erfc(x/√2)/2.
pub fn normal_sf(x: f64) -> f64 {
    0.5 * erfc(x / std::f64::consts::SQRT_2)
}

/// Complementary error function to about 1e-15 absolute: a positive-term series
/// for erf below 3 (no cancellation), a continued fraction above.
fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    if x < 3.0 {
        // erf x = 2/√π · e^{-x²} · Σ_k 2^k x^{2k+1} / (1·3·…·(2k+1))
        let (mut term, mut sum, mut k) = (x, x, 0.0);
        while term > sum * 1e-17 {
            k += 1.0;
            term *= 2.0 * x * x / (2.0 * k + 1.0);
            sum += term;
        }
        1.0 - 2.0 / std::f64::consts::PI.sqrt() * (-x * x).exp() * sum
    } else if x > 27.0 {
        0.0
    } else {
        // erfc x = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), by
        // Lentz's method.
        let tiny = 1e-300;
        let mut f = x;
        let (mut c, mut d) = (x, 0.0);
        for j in 1..300 {
            let a = f64::from(j) / 2.0;
            d = x + a * d;
            d = if d == 0.0 { tiny } else { d };
            c = x + a / c;
            c = if c == 0.0 { tiny } else { c };
            d = 1.0 / d;
            let delta = c * d;
            f *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        (-x * x).exp() / std::f64::consts::PI.sqrt() / f
    }
}

/// Two-sided two-proportion z-test with pooled variance, as statsmodels
/// `proportions_ztest([k1, k2], [n1, n2])`: (z, p). `None` when a denominator is 0
/// or the pooled proportion is 0 or 1 (statsmodels returns NaN there).
pub fn proportions_ztest(k1: u64, n1: u64, k2: u64, n2: u64) -> Option<(f64, f64)> {
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let pooled = (k1 + k2) as f64 / (n1f + n2f);
    let var = pooled * (1.0 - pooled) * (1.0 / n1f + 1.0 / n2f);
    if var <= 0.0 {
        return None;
    }
    let z = (k1 as f64 / n1f - k2 as f64 / n2f) / var.sqrt();
    Some((z, 2.0 * normal_sf(z.abs())))
}

/// Benjamini-Hochberg adjusted p-values in input order, as statsmodels
/// `multipletests(p, method="fdr_bh")[1]`.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut adjusted = vec![0.0; m];
    let mut running = f64::INFINITY;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(p[i] * m as f64 / (rank + 1) as f64);
        adjusted[i] = running.min(1.0);
    }
    adjusted
}

fn rate_result(c: &GroupCounts, metric: Rate) -> RateResult {
    let (k, d) = c.rate_counts(metric);
    let (low, high) = wilson_interval(k, d);
    RateResult {
        numerator: k,
        denominator: d,
        value: (d > 0).then(|| k as f64 / d as f64),
        low,
        high,
        ratio: None,
        ratio_outside_band: false,
        z: None,
        p_value: None,
        p_adjusted: None,
        flagged: false,
    }
}

fn citl(c: &GroupCounts) -> Option<CalibrationInTheLarge> {
    if c.n == 0 {
        return None;
    }
    let n = c.n as f64;
    let observed_rate = (c.tp + c.fn_) as f64 / n;
    let mean_predicted = c.sum_p / n;
    let value = observed_rate - mean_predicted;
    let (low, high) = if c.n >= 2 {
        let var = ((c.sum_sq_residual - n * value * value) / (n - 1.0)).max(0.0);
        let half = Z95 * (var / n).sqrt();
        (Some(value - half), Some(value + half))
    } else {
        (None, None)
    };
    Some(CalibrationInTheLarge {
        observed_rate,
        mean_predicted,
        value,
        low,
        high,
    })
}

/// Fairness of every attribute of a run; the z-tests of all non-reference groups
/// and all four rates, across all attributes, form one Benjamini-Hochberg family.
pub fn fairness(attributes: &[Attribute], options: &FairnessOptions) -> FairnessReport {
    let mut results = Vec::with_capacity(attributes.len());
    // (attribute, group, rate, p) of every test.
    let mut tests: Vec<(usize, usize, Rate, f64)> = Vec::new();
    for (ai, attribute) in attributes.iter().enumerate() {
        let reference_index = match &attribute.reference {
            Some(key) => attribute.groups.iter().position(|g| &g.key == key),
            None => attribute
                .groups
                .iter()
                .enumerate()
                .fold(None, |best: Option<(usize, u64)>, (i, g)| match best {
                    Some((_, n)) if n >= g.counts.n => best,
                    _ => Some((i, g.counts.n)),
                })
                .map(|(i, _)| i),
        };
        let reference = reference_index.map(|i| attribute.groups[i].counts);
        let mut groups = Vec::with_capacity(attribute.groups.len());
        for (gi, group) in attribute.groups.iter().enumerate() {
            let c = &group.counts;
            let is_reference = Some(gi) == reference_index;
            let mut result = GroupResult {
                key: group.key.clone(),
                n: c.n,
                is_reference,
                suppress: c.n < options.min_group_size,
                selection_rate: rate_result(c, Rate::SelectionRate),
                false_positive_rate: rate_result(c, Rate::FalsePositiveRate),
                false_negative_rate: rate_result(c, Rate::FalseNegativeRate),
                precision: rate_result(c, Rate::Precision),
                calibration_in_the_large: citl(c),
                flagged: false,
            };
            if let Some(rc) = reference {
                for metric in Rate::ALL {
                    let (k, d) = c.rate_counts(metric);
                    let (kr, dr) = rc.rate_counts(metric);
                    let r = result.rate_mut(metric);
                    if d > 0 && dr > 0 && kr > 0 {
                        let ratio = (k as f64 / d as f64) / (kr as f64 / dr as f64);
                        r.ratio = Some(ratio);
                        r.ratio_outside_band =
                            !(options.ratio_low..=options.ratio_high).contains(&ratio);
                    }
                    if !is_reference && d > 0 && dr > 0 {
                        let (z, p) = match proportions_ztest(k, d, kr, dr) {
                            Some((z, p)) => (Some(z), p),
                            None => (None, 1.0),
                        };
                        r.z = z;
                        r.p_value = Some(p);
                        tests.push((ai, gi, metric, p));
                    }
                }
            }
            groups.push(result);
        }
        results.push(AttributeResult {
            name: attribute.name.clone(),
            reference: reference_index.map(|i| attribute.groups[i].key.clone()),
            groups,
        });
    }
    let adjusted = benjamini_hochberg(&tests.iter().map(|t| t.3).collect::<Vec<_>>());
    for (&(ai, gi, metric, _), &pa) in tests.iter().zip(&adjusted) {
        let g = &mut results[ai].groups[gi];
        let r = g.rate_mut(metric);
        r.p_adjusted = Some(pa);
        r.flagged = r.ratio_outside_band && pa < options.alpha;
        g.flagged |= r.flagged;
    }
    FairnessReport {
        attributes: results,
        tests: tests.len(),
    }
}

/// The rows of one group, for [`audit`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroupRows {
    pub group: String,
    pub probabilities: Vec<f64>,
    /// 1 = still unemployed at the horizon.
    pub labels: Vec<u32>,
    /// Flagged high risk at the policy threshold.
    pub flagged: Vec<bool>,
}

/// Settings of [`audit`] (see [`FairnessOptions`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AuditConfig {
    pub ratio_low: f64,
    pub ratio_high: f64,
    pub alpha: f64,
    /// Disclosure threshold: smaller groups are marked `suppress`.
    pub k: u32,
}

/// One (dimension, group, metric) row of an audit, flat for a metric table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRow {
    pub dimension: String,
    pub group: String,
    /// selection_rate, fpr, fnr, precision or citl.
    pub metric: String,
    pub n: u64,
    /// Count in the rate's numerator; `None` for citl.
    pub numerator: Option<u64>,
    /// The rate's denominator; n for citl.
    pub denominator: u64,
    pub value: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// Empty when the dimension has no reference group.
    pub reference_group: String,
    pub ratio: Option<f64>,
    pub p_value: Option<f64>,
    pub p_adjusted: Option<f64>,
    pub ratio_outside: bool,
    /// Adjusted p below alpha.
    pub significant: bool,
    pub flagged: bool,
    pub suppress: bool,
}

/// [`fairness`] over (dimension name, groups) with each dimension's largest group
/// as reference, flattened to one row per group and metric (four rates and citl).
/// Rows whose lengths differ within a group are cut to the shortest.
pub fn audit(dimensions: &[(String, Vec<GroupRows>)], config: &AuditConfig) -> Vec<AuditRow> {
    let attributes: Vec<Attribute> = dimensions
        .iter()
        .map(|(name, groups)| Attribute {
            name: name.clone(),
            reference: None,
            groups: groups
                .iter()
                .map(|g| {
                    let mut counts = GroupCounts::default();
                    for ((&y, &f), &p) in g.labels.iter().zip(&g.flagged).zip(&g.probabilities) {
                        counts.add(y == 1, f, p);
                    }
                    Group {
                        key: g.group.clone(),
                        counts,
                    }
                })
                .collect(),
        })
        .collect();
    let options = FairnessOptions {
        min_group_size: u64::from(config.k),
        ratio_low: config.ratio_low,
        ratio_high: config.ratio_high,
        alpha: config.alpha,
    };
    let report = fairness(&attributes, &options);
    let mut rows = Vec::new();
    for a in &report.attributes {
        let reference_group = a.reference.clone().unwrap_or_default();
        for g in &a.groups {
            let row = |metric: &str| AuditRow {
                dimension: a.name.clone(),
                group: g.key.clone(),
                metric: metric.to_owned(),
                n: g.n,
                numerator: None,
                denominator: g.n,
                value: None,
                ci_low: None,
                ci_high: None,
                reference_group: reference_group.clone(),
                ratio: None,
                p_value: None,
                p_adjusted: None,
                ratio_outside: false,
                significant: false,
                flagged: false,
                suppress: g.suppress,
            };
            for metric in Rate::ALL {
                let r = g.rate(metric);
                rows.push(AuditRow {
                    numerator: Some(r.numerator),
                    denominator: r.denominator,
                    value: r.value,
                    ci_low: Some(r.low),
                    ci_high: Some(r.high),
                    ratio: r.ratio,
                    p_value: r.p_value,
                    p_adjusted: r.p_adjusted,
                    ratio_outside: r.ratio_outside_band,
                    significant: r.p_adjusted.is_some_and(|p| p < config.alpha),
                    flagged: r.flagged,
                    ..row(metric.code())
                });
            }
            if let Some(c) = &g.calibration_in_the_large {
                rows.push(AuditRow {
                    value: Some(c.value),
                    ci_low: c.low,
                    ci_high: c.high,
                    ..row("citl")
                });
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference() -> serde_json::Value {
        serde_json::from_str(include_str!("../../../tests/reference/monitoring_b.json")).unwrap()
    }

    fn close(a: Option<f64>, b: &serde_json::Value, what: &str) {
        match (a, b.as_f64()) {
            (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{what}: {a} vs {b}"),
            (None, None) => {}
            (a, _) => panic!("{what}: {a:?} vs {b}"),
        }
    }

    /// Builds the run of the fixture: every attribute's groups from the rows.
    fn fixture_run() -> (Vec<Attribute>, serde_json::Value) {
        let r = reference()["fairness"].clone();
        let ints = |k: &str| -> Vec<u64> {
            r[k].as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect()
        };
        let (labels, flags) = (ints("labels"), ints("flags"));
        let probs: Vec<f64> = r["probabilities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let attributes = r["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                let keys: Vec<&str> = a["keys"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|k| k.as_str().unwrap())
                    .collect();
                let groups = a["groups"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|g| {
                        let key = g["key"].as_str().unwrap();
                        let mut counts = GroupCounts::default();
                        for i in (0..keys.len()).filter(|&i| keys[i] == key) {
                            counts.add(labels[i] == 1, flags[i] == 1, probs[i]);
                        }
                        Group {
                            key: key.to_owned(),
                            counts,
                        }
                    })
                    .collect();
                Attribute {
                    name: a["name"].as_str().unwrap().to_owned(),
                    groups,
                    reference: a["given_reference"].as_str().map(str::to_owned),
                }
            })
            .collect();
        (attributes, r)
    }

    #[test]
    fn group_rates_tests_and_flags_match_fairlearn_and_statsmodels() {
        let (attributes, expected) = fixture_run();
        let report = fairness(&attributes, &FairnessOptions::default());
        assert_eq!(report.tests as u64, expected["tests"].as_u64().unwrap());
        let mut flagged = 0;
        for (a, ea) in report
            .attributes
            .iter()
            .zip(expected["attributes"].as_array().unwrap())
        {
            assert_eq!(
                a.reference.as_deref(),
                ea["reference"].as_str(),
                "{}",
                a.name
            );
            for (g, eg) in a.groups.iter().zip(ea["groups"].as_array().unwrap()) {
                let at = format!("{}={}", a.name, g.key);
                assert_eq!(g.n, eg["n"].as_u64().unwrap(), "{at}");
                assert_eq!(g.suppress, g.n < 5);
                for (metric, name) in Rate::ALL.iter().zip([
                    "selection_rate",
                    "false_positive_rate",
                    "false_negative_rate",
                    "precision",
                ]) {
                    let (r, e) = (g.rate(*metric), &eg[name]);
                    let at = format!("{at} {name}");
                    close(r.value, &e["value"], &format!("{at} value"));
                    close(Some(r.low), &e["low"], &format!("{at} low"));
                    close(Some(r.high), &e["high"], &format!("{at} high"));
                    close(r.ratio, &e["ratio"], &format!("{at} ratio"));
                    close(r.z, &e["z"], &format!("{at} z"));
                    close(r.p_value, &e["p"], &format!("{at} p"));
                    close(r.p_adjusted, &e["p_adjusted"], &format!("{at} p_adjusted"));
                    assert_eq!(r.flagged, e["flagged"].as_bool().unwrap(), "{at} flagged");
                    flagged += usize::from(r.flagged);
                }
                let c = g.calibration_in_the_large.as_ref().unwrap();
                close(Some(c.value), &eg["citl"]["value"], &format!("{at} citl"));
                close(c.low, &eg["citl"]["low"], &format!("{at} citl low"));
                close(c.high, &eg["citl"]["high"], &format!("{at} citl high"));
            }
        }
        assert!(flagged >= 1, "the fixture plants one biased district");
    }

    #[test]
    fn the_flat_audit_carries_the_same_figures() {
        let rows = |keys: &[(&str, usize)]| -> Vec<GroupRows> {
            keys.iter()
                .map(|&(k, n)| GroupRows {
                    group: k.into(),
                    labels: (0..n).map(|i| u32::from(i % 3 == 0)).collect(),
                    flagged: (0..n)
                        .map(|i| i % 2 == 0 || (k == "c" && i % 5 == 1))
                        .collect(),
                    probabilities: (0..n).map(|i| 0.2 + 0.5 * ((i % 4) as f64) / 4.0).collect(),
                })
                .collect()
        };
        let dims = vec![("d".to_string(), rows(&[("a", 40), ("b", 60), ("c", 3)]))];
        let cfg = AuditConfig {
            ratio_low: 0.8,
            ratio_high: 1.25,
            alpha: 0.05,
            k: 5,
        };
        let flat = audit(&dims, &cfg);
        assert_eq!(flat.len(), 3 * 5);
        assert!(flat.iter().all(|r| r.reference_group == "b"));
        let c_sel = flat
            .iter()
            .find(|r| r.group == "c" && r.metric == "selection_rate")
            .unwrap();
        assert!(c_sel.suppress);
        assert_eq!((c_sel.numerator, c_sel.denominator), (Some(3), 3));
        let citl = flat
            .iter()
            .find(|r| r.group == "a" && r.metric == "citl")
            .unwrap();
        assert!(citl.ci_low.unwrap() < citl.value.unwrap());
    }

    #[test]
    fn benjamini_hochberg_matches_the_step_up_rule() {
        // statsmodels multipletests([0.01, 0.04, 0.03, 0.2], method="fdr_bh")[1]
        let adj = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.2]);
        for (a, e) in adj
            .iter()
            .zip([0.04, 0.04 * 4.0 / 3.0, 0.04 * 4.0 / 3.0, 0.2])
        {
            assert!((a - e).abs() < 1e-15, "{adj:?}");
        }
        assert!(benjamini_hochberg(&[]).is_empty());
    }

    #[test]
    fn the_normal_tail_is_accurate_far_out() {
        // scipy.stats.norm.sf
        assert!((normal_sf(0.0) - 0.5).abs() < 1e-16);
        assert!((normal_sf(1.959963984540054) - 0.025).abs() < 1e-15);
        assert!((normal_sf(5.0) - 2.866515718791933e-07).abs() < 1e-20);
        assert!((normal_sf(-1.0) - 0.8413447460685429).abs() < 1e-15);
    }

    #[test]
    fn a_group_without_variance_is_not_significant() {
        assert_eq!(proportions_ztest(0, 10, 0, 20), None);
        let a = Attribute {
            name: "x".into(),
            reference: None,
            groups: vec![
                Group {
                    key: "a".into(),
                    counts: GroupCounts {
                        n: 10,
                        tn: 10,
                        ..Default::default()
                    },
                },
                Group {
                    key: "b".into(),
                    counts: GroupCounts {
                        n: 3,
                        tn: 3,
                        ..Default::default()
                    },
                },
            ],
        };
        let r = fairness(&[a], &FairnessOptions::default());
        let b = &r.attributes[0].groups[1];
        assert!(b.suppress && !b.is_reference && !b.flagged);
        assert_eq!(b.selection_rate.p_value, Some(1.0));
        assert_eq!(r.attributes[0].reference.as_deref(), Some("a"));
    }
}
