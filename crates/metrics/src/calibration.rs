//! Calibration: reliability bins, expected calibration error, calibration-in-the-large,
//! calibration slope and log loss, each following the reference implementation named
//! in its doc line (checked against tests/reference/monitoring_a.json).

use serde::Serialize;

use super::{wilson_interval, Z95};

/// Bins used by the stored expected calibration error (uniform bins, the common choice).
pub const ECE_BINS: usize = 10;

/// Probabilities are clipped to [LOGIT_CLIP, 1 − LOGIT_CLIP] before the logit, so a leaf
/// with rate 0 or 1 gives a finite offset instead of ±∞.
pub const LOGIT_CLIP: f64 = 1e-15;

/// How reliability bin edges are chosen (scikit-learn `calibration_curve` `strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// `n_bins` equal-width bins on [0, 1].
    Uniform,
    /// Edges at the 0, 1/n_bins, …, 1 quantiles of the probabilities (numpy linear).
    Quantile,
}

impl Strategy {
    /// The name stored in the metric tables (scikit-learn's spelling).
    pub fn code(self) -> &'static str {
        match self {
            Strategy::Uniform => "uniform",
            Strategy::Quantile => "quantile",
        }
    }
}

/// One non-empty reliability bin. The first bin holds [low, high], every other
/// (low, high]: a probability equal to an inner edge counts in the bin below it,
/// as numpy's `searchsorted(edges, p)` (side "left") does inside scikit-learn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bin {
    /// Position among the `n_bins` bins (0-based); empty bins are dropped, so gaps show them.
    pub index: usize,
    /// Lower and upper bin edge.
    pub low: f64,
    pub high: f64,
    pub n: u64,
    pub positives: u64,
    pub mean_predicted: f64,
    pub observed_rate: f64,
    /// Wilson 95 % interval of the observed rate.
    pub ci_low: f64,
    pub ci_high: f64,
}

/// A fitted coefficient with its standard error and Wald 95 % interval (as statsmodels'
/// `bse` and `conf_int()`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Coefficient {
    pub value: f64,
    pub se: f64,
    pub ci: (f64, f64),
}

impl Coefficient {
    fn new(value: f64, variance: f64) -> Option<Self> {
        let se = variance.sqrt();
        (value.is_finite() && se.is_finite()).then_some(Coefficient {
            value,
            se,
            ci: (value - Z95 * se, value + Z95 * se),
        })
    }
}

/// Logistic recalibration y ~ a + b·logit(p): b is the calibration slope (1 is ideal).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Recalibration {
    pub intercept: f64,
    pub intercept_se: f64,
    pub intercept_ci: (f64, f64),
    pub slope: f64,
    pub slope_se: f64,
    pub slope_ci: (f64, f64),
}

/// Every calibration figure of one set of rows, ready to store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    pub n: u64,
    pub positives: u64,
    pub observed_rate: f64,
    pub mean_predicted: f64,
    /// Calibration-in-the-large as a difference: observed rate − mean predicted.
    pub in_the_large: f64,
    /// Calibration-in-the-large as the intercept of y ~ 1 with offset logit(p); `None` with one class.
    pub intercept: Option<Coefficient>,
    /// Calibration slope; `None` with one class, constant p, or (quasi-)separation.
    pub slope: Option<Recalibration>,
    /// Expected calibration error over `ECE_BINS` uniform bins.
    pub ece: f64,
    /// Log loss with labels = [0, 1], so it is defined with one class too.
    pub log_loss: f64,
}

fn valid(p: &[f64], y: &[u32]) -> bool {
    !p.is_empty()
        && p.len() == y.len()
        && p.iter().all(|v| (0.0..=1.0).contains(v))
        && y.iter().all(|&v| v <= 1)
}

/// numpy `linspace(0, 1, n + 1)`: i·(1/n), last edge exactly 1 (so 0.3 is 0.30000000000000004).
fn uniform_edges(n_bins: usize) -> Vec<f64> {
    let step = 1.0 / n_bins as f64;
    let mut edges: Vec<f64> = (0..=n_bins).map(|i| i as f64 * step + 0.0).collect();
    edges[n_bins] = 1.0;
    edges
}

/// numpy `percentile(p, linspace(0, 1, n + 1) * 100)` with the default linear method,
/// including its rounding: q·100/100, virtual index (len − 1)·q and numpy's two-sided lerp.
fn quantile_edges(p: &[f64], n_bins: usize) -> Vec<f64> {
    let mut sorted = p.to_vec();
    sorted.sort_by(f64::total_cmp);
    let last = sorted.len() - 1;
    uniform_edges(n_bins)
        .into_iter()
        .map(|q| {
            let q = q * 100.0 / 100.0;
            let virtual_index = last as f64 * q;
            if virtual_index >= last as f64 {
                return sorted[last];
            }
            let prev = virtual_index.floor();
            let gamma = virtual_index - prev;
            let (a, b) = (sorted[prev as usize], sorted[prev as usize + 1]);
            let diff = b - a;
            if gamma >= 0.5 {
                b - diff * (1.0 - gamma)
            } else {
                a + diff * gamma
            }
        })
        .collect()
}

/// The `n_bins + 1` bin edges scikit-learn's `calibration_curve` uses. `None` for no
/// rows, `n_bins = 0` or a probability outside [0, 1] (scikit-learn raises).
pub fn bin_edges(p: &[f64], n_bins: usize, strategy: Strategy) -> Option<Vec<f64>> {
    if p.is_empty() || n_bins == 0 || !p.iter().all(|v| (0.0..=1.0).contains(v)) {
        return None;
    }
    Some(match strategy {
        Strategy::Uniform => uniform_edges(n_bins),
        Strategy::Quantile => quantile_edges(p, n_bins),
    })
}

/// Reliability bins as scikit-learn's `calibration_curve(y, p, n_bins, strategy)`:
/// same edges, same bin of each row, empty bins dropped; `mean_predicted` and
/// `observed_rate` are its `prob_pred` and `prob_true`. Empty for no rows, `n_bins = 0`,
/// mismatched lengths, a probability outside [0, 1] or a label other than 0/1.
pub fn curve(y: &[u32], p: &[f64], n_bins: usize, strategy: Strategy) -> Vec<Bin> {
    if !valid(p, y) {
        return Vec::new();
    }
    let Some(edges) = bin_edges(p, n_bins, strategy) else {
        return Vec::new();
    };
    let inner = &edges[1..n_bins];
    let (mut sum_p, mut pos, mut count) =
        (vec![0.0; n_bins], vec![0u64; n_bins], vec![0u64; n_bins]);
    for (&pi, &yi) in p.iter().zip(y) {
        // searchsorted side "left": the number of inner edges strictly below pi.
        let bin = inner.partition_point(|&e| e < pi);
        sum_p[bin] += pi;
        pos[bin] += u64::from(yi);
        count[bin] += 1;
    }
    (0..n_bins)
        .filter(|&b| count[b] > 0)
        .map(|b| {
            let (ci_low, ci_high) = wilson_interval(pos[b], count[b]);
            Bin {
                index: b,
                low: edges[b],
                high: edges[b + 1],
                n: count[b],
                positives: pos[b],
                mean_predicted: sum_p[b] / count[b] as f64,
                observed_rate: pos[b] as f64 / count[b] as f64,
                ci_low,
                ci_high,
            }
        })
        .collect()
}

/// Expected calibration error: Σ_b (n_b / n)·|observed_b − mean predicted_b| over the
/// non-empty `Strategy::Uniform` bins of `curve` (weights are bin counts); the stored
/// figure uses `ECE_BINS`. `None` when `curve` has no bins (invalid input).
pub fn expected_calibration_error(y: &[u32], p: &[f64], n_bins: usize) -> Option<f64> {
    expected_calibration_error_with(y, p, n_bins, Strategy::Uniform)
}

/// `expected_calibration_error` over bins of either strategy.
pub fn expected_calibration_error_with(
    y: &[u32],
    p: &[f64],
    n_bins: usize,
    strategy: Strategy,
) -> Option<f64> {
    let bins = curve(y, p, n_bins, strategy);
    if bins.is_empty() {
        return None;
    }
    let n = p.len() as f64;
    Some(
        bins.iter()
            .map(|b| b.n as f64 / n * (b.observed_rate - b.mean_predicted).abs())
            .sum(),
    )
}

/// Log loss as scikit-learn's `log_loss(y, p, labels=[0, 1])`: p and 1 − p are each
/// clipped to [ε, 1 − ε] with ε = f64::EPSILON (scikit-learn ≥ 1.5). `None` for invalid input.
pub fn log_loss(p: &[f64], y: &[u32]) -> Option<f64> {
    if !valid(p, y) {
        return None;
    }
    let eps = f64::EPSILON;
    let sum: f64 = p
        .iter()
        .zip(y)
        .map(|(&pi, &yi)| {
            if yi == 1 {
                -pi.clamp(eps, 1.0 - eps).ln()
            } else {
                -(1.0 - pi).clamp(eps, 1.0 - eps).ln()
            }
        })
        .sum();
    Some(sum / p.len() as f64)
}

/// logit of p clipped to [LOGIT_CLIP, 1 − LOGIT_CLIP].
pub fn logit(p: f64) -> f64 {
    let p = p.clamp(LOGIT_CLIP, 1.0 - LOGIT_CLIP);
    (p / (1.0 - p)).ln()
}

fn sigmoid(eta: f64) -> f64 {
    if eta >= 0.0 {
        1.0 / (1.0 + (-eta).exp())
    } else {
        let e = eta.exp();
        e / (1.0 + e)
    }
}

fn both_classes(y: &[u32]) -> bool {
    y.contains(&0) && y.contains(&1)
}

const MAX_NEWTON_STEPS: usize = 100;
const NEWTON_TOL: f64 = 1e-12;
/// A coefficient beyond this means the likelihood has no maximum (separation).
const DIVERGED: f64 = 1e6;

/// Log-likelihood of 0/1 outcomes under log-odds eta, with a stable log(1 + e^eta).
fn log_likelihood(eta: impl Iterator<Item = f64>, y: &[u32]) -> f64 {
    eta.zip(y)
        .map(|(e, &yi)| f64::from(yi) * e - (e.max(0.0) + (-e.abs()).exp().ln_1p()))
        .sum()
}

/// Fitted (a, b) and the inverse information matrix (var a, cov ab, var b).
type LogisticFit = ((f64, f64), (f64, f64, f64));

/// Maximum-likelihood logistic fit of y on log-odds a + b·x + offset, by Newton's
/// method from (0, 0) as statsmodels starts, halving a step that lowers the
/// likelihood. `fit_slope = false` fixes b = 0 (intercept only). Returns (a, b) and the
/// inverse information matrix (var a, cov, var b); `None` when the information matrix
/// is singular (constant x) or the estimates run away (separation: no maximum).
fn newton_logistic(x: &[f64], offset: &[f64], y: &[u32], fit_slope: bool) -> Option<LogisticFit> {
    let eta = |a: f64, b: f64| x.iter().zip(offset).map(move |(xi, o)| a + b * xi + o);
    let information = |a: f64, b: f64| {
        let (mut h00, mut h01, mut h11) = (0.0, 0.0, 0.0);
        for (e, &xi) in eta(a, b).zip(x) {
            let mu = sigmoid(e);
            let w = mu * (1.0 - mu);
            h00 += w;
            h01 += w * xi;
            h11 += w * xi * xi;
        }
        (h00, h01, h11)
    };
    // The inverse of the information matrix; `None` if it is (near) singular.
    let inverse = |(h00, h01, h11): (f64, f64, f64)| {
        if !fit_slope {
            return (h00 > 0.0 && h00.is_finite()).then(|| (1.0 / h00, 0.0, 0.0));
        }
        let det = h00 * h11 - h01 * h01;
        let scale = (h00 * h11).max(f64::MIN_POSITIVE);
        if det.is_nan() || det <= 1e-12 * scale {
            return None;
        }
        Some((h11 / det, -h01 / det, h00 / det))
    };
    let (mut a, mut b) = (0.0, 0.0);
    let mut ll = log_likelihood(eta(a, b), y);
    for _ in 0..MAX_NEWTON_STEPS {
        let (mut g0, mut g1) = (0.0, 0.0);
        for ((e, &xi), &yi) in eta(a, b).zip(x).zip(y) {
            let r = f64::from(yi) - sigmoid(e);
            g0 += r;
            g1 += r * xi;
        }
        let (v00, v01, v11) = inverse(information(a, b))?;
        let (mut da, mut db) = (
            v00 * g0 + v01 * g1,
            if fit_slope { v01 * g0 + v11 * g1 } else { 0.0 },
        );
        // Converged: the full Newton step is negligible (checked before any halving, as
        // near the maximum rounding noise in the likelihood could trigger one).
        if da.abs().max(db.abs()) < NEWTON_TOL * (1.0 + a.abs().max(b.abs())) {
            let (a, b) = (a + da, b + db);
            return Some(((a, b), inverse(information(a, b))?));
        }
        // A drop smaller than the likelihood's rounding noise is not a drop.
        let noise = 1e-10 * (1.0 + ll.abs());
        let mut halvings = 0;
        ll = loop {
            let candidate = log_likelihood(eta(a + da, b + db), y);
            if candidate >= ll - noise || halvings == 30 {
                break candidate;
            }
            da /= 2.0;
            db /= 2.0;
            halvings += 1;
        };
        a += da;
        b += db;
        if !a.is_finite() || !b.is_finite() || a.abs() >= DIVERGED || b.abs() >= DIVERGED {
            return None;
        }
    }
    None
}

/// Calibration-in-the-large as a logistic intercept: the maximum-likelihood `a` in
/// y ~ Bernoulli(σ(a + logit(p))), as statsmodels `GLM(y, ones, Binomial(),
/// offset=logit(p))`. 0 means calibrated in the large. `None` with one class.
pub fn calibration_intercept(y: &[u32], p: &[f64]) -> Option<Coefficient> {
    if !valid(p, y) || !both_classes(y) {
        return None;
    }
    let offset: Vec<f64> = p.iter().map(|&v| logit(v)).collect();
    let ((a, _), (var_a, _, _)) = newton_logistic(&vec![0.0; p.len()], &offset, y, false)?;
    Coefficient::new(a, var_a)
}

/// Calibration slope: the logistic regression y ~ a + b·logit(p) (as statsmodels
/// `Logit(y, add_constant(logit(p))).fit()`); b = 1 is ideal, b < 1 means predictions
/// are too extreme. `None` with one class, constant p or when the likelihood has no
/// maximum (separation).
pub fn logistic_recalibration(y: &[u32], p: &[f64]) -> Option<Recalibration> {
    if !valid(p, y) || !both_classes(y) {
        return None;
    }
    let x: Vec<f64> = p.iter().map(|&v| logit(v)).collect();
    let ((a, b), (var_a, _, var_b)) = newton_logistic(&x, &vec![0.0; p.len()], y, true)?;
    let (a, b) = (Coefficient::new(a, var_a)?, Coefficient::new(b, var_b)?);
    Some(Recalibration {
        intercept: a.value,
        intercept_se: a.se,
        intercept_ci: a.ci,
        slope: b.value,
        slope_se: b.se,
        slope_ci: b.ci,
    })
}

/// All calibration figures of one set of rows. `None` for no rows or invalid input.
pub fn calibration(y: &[u32], p: &[f64]) -> Option<Calibration> {
    if !valid(p, y) {
        return None;
    }
    let n = p.len() as u64;
    let positives: u64 = y.iter().map(|&v| u64::from(v)).sum();
    let observed_rate = positives as f64 / n as f64;
    let mean_predicted = p.iter().sum::<f64>() / n as f64;
    Some(Calibration {
        n,
        positives,
        observed_rate,
        mean_predicted,
        in_the_large: observed_rate - mean_predicted,
        intercept: calibration_intercept(y, p),
        slope: logistic_recalibration(y, p),
        ece: expected_calibration_error(y, p, ECE_BINS)?,
        log_loss: log_loss(p, y)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Values from tests/reference/monitoring_a.py (scikit-learn, statsmodels).
    fn reference() -> Value {
        serde_json::from_str(include_str!("../../../tests/reference/monitoring_a.json")).unwrap()
    }

    /// Exact floats from their IEEE-754 bits (see the script).
    fn from_bits(v: &Value) -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| f64::from_bits(x.as_u64().unwrap()))
            .collect()
    }

    fn labels(v: &Value) -> Vec<u32> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as u32)
            .collect()
    }

    fn close(actual: f64, expected: &Value, tol: f64, what: &str) {
        let expected = expected.as_f64().unwrap();
        assert!(
            (actual - expected).abs() <= tol,
            "{what}: {actual} vs {expected}"
        );
    }

    /// statsmodels' {value, se, low, high} to 1e-6 (iterative fits).
    fn same_coefficient(value: f64, se: f64, ci: (f64, f64), expected: &Value, what: &str) {
        for (got, key) in [(value, "value"), (se, "se"), (ci.0, "low"), (ci.1, "high")] {
            close(got, &expected[key], 1e-6, &format!("{what}.{key}"));
        }
    }

    #[test]
    fn reliability_bins_match_scikit_learn_calibration_curve() {
        let r = reference();
        let mut bins_seen = 0;
        for case in r["cases"].as_array().unwrap() {
            let (p, y) = (from_bits(&case["p_bits"]), labels(&case["y"]));
            for e in case["reliability"].as_array().unwrap() {
                let n_bins = e["n_bins"].as_u64().unwrap() as usize;
                let strategy = match e["strategy"].as_str().unwrap() {
                    "uniform" => Strategy::Uniform,
                    _ => Strategy::Quantile,
                };
                assert_eq!(strategy.code(), e["strategy"].as_str().unwrap());
                let what = format!("{} {strategy:?} {n_bins}", case["name"]);
                // Edges must be bit-identical: a row on an edge changes bin otherwise.
                let edges = from_bits(&e["edges_bits"]);
                assert_eq!(bin_edges(&p, n_bins, strategy).unwrap(), edges, "{what}");
                let bins = curve(&y, &p, n_bins, strategy);
                let want = e["bins"].as_array().unwrap();
                assert_eq!(bins.len(), want.len(), "{what}: non-empty bins");
                for (b, w) in bins.iter().zip(want) {
                    assert_eq!(b.index as u64, w["index"].as_u64().unwrap(), "{what}");
                    assert_eq!(b.n, w["n"].as_u64().unwrap(), "{what}");
                    assert_eq!(b.positives, w["positives"].as_u64().unwrap(), "{what}");
                    assert_eq!(
                        (b.low, b.high),
                        (edges[b.index], edges[b.index + 1]),
                        "{what}"
                    );
                    close(b.mean_predicted, &w["mean_predicted"], 1e-12, &what);
                    close(b.observed_rate, &w["observed_rate"], 1e-12, &what);
                    close(b.ci_low, &w["observed_low"], 1e-9, &what);
                    close(b.ci_high, &w["observed_high"], 1e-9, &what);
                    bins_seen += 1;
                }
                let ece = expected_calibration_error_with(&y, &p, n_bins, strategy).unwrap();
                close(ece, &e["ece"], 1e-12, &format!("{what} ece"));
            }
        }
        assert!(bins_seen > 100, "{bins_seen}");
    }

    #[test]
    fn calibration_in_the_large_slope_and_log_loss_match_statsmodels_and_scikit_learn() {
        let r = reference();
        for case in r["cases"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let (p, y) = (from_bits(&case["p_bits"]), labels(&case["y"]));
            let e = &case["calibration"];
            let c = calibration(&y, &p).unwrap();
            close(c.observed_rate, &e["observed_rate"], 1e-12, name);
            close(c.mean_predicted, &e["mean_predicted"], 1e-12, name);
            close(
                c.log_loss,
                &e["log_loss"],
                1e-12,
                &format!("{name} log loss"),
            );
            assert_eq!(c.intercept.is_some(), !e["intercept"].is_null(), "{name}");
            if let Some(a) = &c.intercept {
                same_coefficient(
                    a.value,
                    a.se,
                    a.ci,
                    &e["intercept"],
                    &format!("{name} intercept"),
                );
            }
            assert_eq!(c.slope.is_some(), !e["slope"].is_null(), "{name}");
            if let Some(s) = &c.slope {
                let (ea, eb) = (&e["slope"]["intercept"], &e["slope"]["slope"]);
                same_coefficient(
                    s.intercept,
                    s.intercept_se,
                    s.intercept_ci,
                    ea,
                    &format!("{name} a"),
                );
                same_coefficient(
                    s.slope,
                    s.slope_se,
                    s.slope_ci,
                    eb,
                    &format!("{name} slope"),
                );
            }
        }
    }

    #[test]
    fn a_probability_on_an_inner_edge_counts_in_the_bin_below() {
        // 0.5 is an inner edge of 2 uniform bins: scikit-learn puts it in [0, 0.5].
        let bins = curve(&[1, 0], &[0.5, 0.9], 2, Strategy::Uniform);
        assert_eq!((bins[0].index, bins[0].n), (0, 1));
        assert_eq!((bins[1].index, bins[1].n), (1, 1));
    }

    #[test]
    fn empty_bins_are_dropped_and_keep_their_position() {
        let bins = curve(&[0, 1], &[0.05, 0.95], 10, Strategy::Uniform);
        assert_eq!(bins.iter().map(|b| b.index).collect::<Vec<_>>(), vec![0, 9]);
    }

    #[test]
    fn the_slope_is_undefined_when_every_probability_is_the_same() {
        let y = [0, 1, 0, 0, 1, 0];
        assert!(logistic_recalibration(&y, &[0.3; 6]).is_none());
        // ...but the intercept is the log odds ratio of observed to predicted.
        let a = calibration_intercept(&y, &[0.3; 6]).unwrap();
        let closed_form = logit(2.0 / 6.0) - logit(0.3);
        assert!(
            (a.value - closed_form).abs() < 1e-12,
            "{} vs {closed_form}",
            a.value
        );
    }

    #[test]
    fn perfectly_separated_outcomes_have_no_slope() {
        assert!(logistic_recalibration(&[0, 0, 1, 1], &[0.1, 0.2, 0.8, 0.9]).is_none());
    }

    #[test]
    fn invalid_input_gives_no_bins_and_no_figures() {
        assert!(curve(&[1], &[1.2], 10, Strategy::Uniform).is_empty());
        assert!(curve(&[1], &[0.2], 0, Strategy::Uniform).is_empty());
        assert_eq!(expected_calibration_error(&[], &[], 10), None);
        assert!(calibration(&[], &[]).is_none());
        assert!(log_loss(&[0.5], &[3]).is_none());
    }
}
