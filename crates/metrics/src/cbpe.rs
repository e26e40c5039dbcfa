//! Confidence-based performance estimation (CBPE, NannyML 0.13) for binary
//! classification: the expected confusion matrix and metrics of a chunk whose
//! outcomes are not known yet, from its probabilities alone.
//!
//! NannyML first checks on the reference set whether isotonic recalibration would
//! help and applies it if so. Our probabilities are leaf rates, already calibrated on
//! the training cohorts, so the estimator here takes them as given: it equals NannyML's
//! `CBPE(..., calibrator=NoopCalibrator())` (checked in tests/reference/monitoring_a.py).
//! A row is predicted positive when p >= threshold (as `classification::flagged`).

use serde::Serialize;

use super::classification::flagged;

/// NannyML draws its confidence band at estimate ± 3 sampling errors.
pub const SAMPLING_ERROR_RANGE: f64 = 3.0;

/// Estimated performance of one chunk. Ratios whose expected denominator is 0 are
/// `None` (NannyML returns 0 there); every metric is `None` for an empty chunk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CbpeEstimate {
    pub n: u64,
    pub threshold: f64,
    /// Expected true positives: Σ p over flagged rows.
    pub tp: f64,
    /// Expected false positives: Σ (1 − p) over flagged rows.
    pub fp: f64,
    /// Expected true negatives: Σ (1 − p) over rows not flagged.
    pub tn: f64,
    /// Expected false negatives: Σ p over rows not flagged.
    #[serde(rename = "fn")]
    pub fn_: f64,
    pub accuracy: Option<f64>,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub specificity: Option<f64>,
    pub f1: Option<f64>,
    /// NannyML `estimate_roc_auc`; `None` when no positive or no negative is expected.
    pub roc_auc: Option<f64>,
}

fn ratio(num: f64, den: f64) -> Option<f64> {
    (den != 0.0).then(|| num / den)
}

/// CBPE estimates for a chunk of calibrated probabilities at `threshold`
/// (NannyML's `estimate_accuracy`, `estimate_precision`, …, confusion matrix without
/// normalisation). The caller passes probabilities in [0, 1] (the leaf rates are).
pub fn estimate(p: &[f64], threshold: f64) -> CbpeEstimate {
    let (mut tp, mut fp, mut tn, mut fn_) = (0.0, 0.0, 0.0, 0.0);
    for &pi in p {
        if flagged(pi, threshold) {
            tp += pi;
            fp += 1.0 - pi;
        } else {
            tn += 1.0 - pi;
            fn_ += pi;
        }
    }
    CbpeEstimate {
        n: p.len() as u64,
        threshold,
        tp,
        fp,
        tn,
        fn_,
        accuracy: ratio(tp + tn, p.len() as f64),
        precision: ratio(tp, tp + fp),
        recall: ratio(tp, tp + fn_),
        specificity: ratio(tn, tn + fp),
        f1: ratio(tp, tp + 0.5 * (fp + fn_)),
        roc_auc: estimate_roc_auc(p),
    }
}

/// numpy `round(x, 5)`: scale, round half to even, scale back.
fn round5(x: f64) -> f64 {
    (x * 1e5).round_ties_even() / 1e5
}

/// NannyML's `estimate_roc_auc(p, p)`: rows sorted by p descending; expected true and
/// false positives are cumulative sums of p and 1 − p, rounded to 5 decimals as
/// NannyML does, and the curve they trace is integrated with the trapezoid rule.
/// Tied scores need no tie handling: tied rows carry the same p, so their order does
/// not change the cumulative sums. `None` when Σ p or Σ (1 − p) is 0.
pub fn estimate_roc_auc(p: &[f64]) -> Option<f64> {
    if p.is_empty() {
        return None;
    }
    let mut sorted = p.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let mut tps = Vec::with_capacity(p.len() + 1);
    let mut fps = Vec::with_capacity(p.len() + 1);
    tps.push(0.0);
    fps.push(0.0);
    let mut cum = 0.0;
    for (i, &pi) in sorted.iter().enumerate() {
        cum += pi;
        tps.push(round5(cum));
        fps.push(round5(1.0 + i as f64 - cum));
    }
    let (tp_all, fp_all) = (tps[p.len()], fps[p.len()]);
    if tp_all == 0.0 || fp_all == 0.0 {
        return None;
    }
    let area = (1..tps.len())
        .map(|i| {
            let dx = fps[i] / fp_all - fps[i - 1] / fp_all;
            dx * (tps[i] / tp_all + tps[i - 1] / tp_all) / 2.0
        })
        .sum();
    Some(area)
}

/// What NannyML's sampling-error estimate learns from the reference set (labelled rows,
/// the same threshold): per metric the population standard deviation of its
/// observation-level terms and the share of rows they come from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CbpeReference {
    pub threshold: f64,
    pub n: u64,
    accuracy_std: f64,
    precision: Option<(f64, f64)>,
    recall: Option<(f64, f64)>,
    specificity: Option<(f64, f64)>,
    f1: Option<(f64, f64)>,
    roc_auc: Option<(f64, f64)>,
    tp_std: f64,
    fp_std: f64,
    tn_std: f64,
    fn_std: f64,
}

/// Sampling errors (standard errors) of the CBPE estimates for a chunk of `n` rows;
/// the band NannyML shows is estimate ± `SAMPLING_ERROR_RANGE` × error.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CbpeSamplingErrors {
    pub n: u64,
    pub accuracy: Option<f64>,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub specificity: Option<f64>,
    pub f1: Option<f64>,
    pub roc_auc: Option<f64>,
    pub tp: f64,
    pub fp: f64,
    pub tn: f64,
    #[serde(rename = "fn")]
    pub fn_: f64,
}

/// Population standard deviation (numpy `std`, ddof 0) of `ones` ones and `zeros`
/// zeros, each multiplied by `scale`; `None` when there are no values.
fn std_of_binary(ones: u64, zeros: u64, scale: f64) -> Option<f64> {
    let n = (ones + zeros) as f64;
    if n == 0.0 {
        return None;
    }
    let mean = ones as f64 * scale / n;
    let var = (ones as f64 * (scale - mean).powi(2) + zeros as f64 * mean * mean) / n;
    Some(var.sqrt())
}

/// NannyML's `auroc_sampling_error_components`: with more positives than negatives the
/// classes and scores are flipped; rows are ranked by score (stable order for ties,
/// where NumPy's unstable sort makes NannyML's own value depend on the sort
/// implementation); for the j-th positive by rank r (0-based, the positive at rank 0 is
/// dropped as NannyML's `unique(...)[1:]` drops it) the term is (r − j) / n₋.
fn auroc_components(p: &[f64], y: &[u32]) -> Option<(f64, f64)> {
    let n_pos_raw = y.iter().filter(|&&v| v == 1).count();
    let flip = n_pos_raw as f64 / y.len() as f64 > 0.5;
    let (yy, pp): (Vec<u32>, Vec<f64>) = if flip {
        (
            y.iter().map(|&v| 1 - v).collect(),
            p.iter().map(|&v| 1.0 - v).collect(),
        )
    } else {
        (y.to_vec(), p.to_vec())
    };
    let mut order: Vec<usize> = (0..pp.len()).collect();
    order.sort_by(|&a, &b| pp[a].total_cmp(&pp[b]));
    let n_pos = yy.iter().filter(|&&v| v == 1).count();
    let n_neg = yy.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    let terms: Vec<f64> = order
        .iter()
        .enumerate()
        .filter(|&(rank, &i)| rank > 0 && yy[i] == 1)
        .enumerate()
        .map(|(j, (rank, _))| (rank - j) as f64 / n_neg as f64)
        .collect();
    if terms.is_empty() {
        return None;
    }
    let mean = terms.iter().sum::<f64>() / terms.len() as f64;
    let var = terms.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / terms.len() as f64;
    Some((var.sqrt(), n_pos as f64 / yy.len() as f64))
}

impl CbpeReference {
    /// Learns the sampling-error components from labelled reference rows, as NannyML's
    /// `*_sampling_error_components`. `None` for no rows, mismatched lengths or a label
    /// other than 0/1.
    pub fn fit(p: &[f64], y: &[u32], threshold: f64) -> Option<Self> {
        let c = super::classification::Confusion::count(p, y, threshold)?;
        let n = c.n();
        if n == 0 {
            return None;
        }
        let nf = n as f64;
        let share = |k: u64| k as f64 / nf;
        let with_share = |std: Option<f64>, fraction: f64| std.map(|s| (s, fraction));
        let f1 = {
            let m = c.tp + c.fp + c.fn_;
            let factor = m as f64 / ((c.fn_ + c.fp) as f64 * 0.5 + c.tp as f64);
            with_share(std_of_binary(c.tp, c.fp + c.fn_, factor), share(m))
        };
        Some(CbpeReference {
            threshold,
            n,
            accuracy_std: std_of_binary(c.tp + c.tn, c.fp + c.fn_, 1.0)?,
            precision: with_share(std_of_binary(c.tp, c.fp, 1.0), share(c.tp + c.fp)),
            recall: with_share(std_of_binary(c.tp, c.fn_, 1.0), share(c.tp + c.fn_)),
            specificity: with_share(std_of_binary(c.tn, c.fp, 1.0), share(c.tn + c.fp)),
            f1,
            roc_auc: auroc_components(p, y),
            tp_std: std_of_binary(c.tp, n - c.tp, 1.0)?,
            fp_std: std_of_binary(c.fp, n - c.fp, 1.0)?,
            tn_std: std_of_binary(c.tn, n - c.tn, 1.0)?,
            fn_std: std_of_binary(c.fn_, n - c.fn_, 1.0)?,
        })
    }

    /// Sampling errors for a chunk of `n` rows: std / √(n · share) for the ratios,
    /// std / √n for accuracy and std · √n for the confusion-matrix counts. A ratio whose
    /// reference share is 0 gets `None` (NannyML: NaN or ∞), and so does every ratio
    /// and accuracy for n = 0.
    pub fn sampling_errors(&self, n: u64) -> CbpeSamplingErrors {
        let nf = n as f64;
        let universal = |c: Option<(f64, f64)>| {
            c.and_then(|(std, share)| {
                let e = std / (nf * share).sqrt();
                e.is_finite().then_some(e)
            })
        };
        CbpeSamplingErrors {
            n,
            accuracy: (n > 0).then(|| self.accuracy_std / nf.sqrt()),
            precision: universal(self.precision),
            recall: universal(self.recall),
            specificity: universal(self.specificity),
            f1: universal(self.f1),
            roc_auc: universal(self.roc_auc),
            tp: self.tp_std * nf.sqrt(),
            fp: self.fp_std * nf.sqrt(),
            tn: self.tn_std * nf.sqrt(),
            fn_: self.fn_std * nf.sqrt(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Values from tests/reference/monitoring_a.py (NannyML's CBPE, NoopCalibrator).
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

    /// NannyML returns 0 for a ratio whose expected denominator is 0; we return None.
    fn same(actual: Option<f64>, expected: &Value, what: &str) {
        match (actual, expected.as_f64()) {
            (Some(a), Some(e)) => assert!((a - e).abs() <= 1e-9, "{what}: {a} vs {e}"),
            (None, None) => {}
            (None, Some(e)) => assert_eq!(e, 0.0, "{what}: None where NannyML has {e}"),
            (Some(a), None) => panic!("{what}: {a} where NannyML has nothing"),
        }
    }

    #[test]
    fn estimates_and_sampling_errors_match_nannyml() {
        let r = reference();
        let threshold = r["threshold"].as_f64().unwrap();
        let reference_rows = &r["cbpe_reference"];
        let fitted = CbpeReference::fit(
            &from_bits(&reference_rows["p_bits"]),
            &labels(&reference_rows["y"]),
            threshold,
        )
        .unwrap();
        for case in r["cases"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let p = from_bits(&case["p_bits"]);
            let e = &case["cbpe"];
            let est = estimate(&p, threshold);
            let se = fitted.sampling_errors(p.len() as u64);
            let rows = [
                ("roc_auc", est.roc_auc, se.roc_auc),
                ("f1", est.f1, se.f1),
                ("precision", est.precision, se.precision),
                ("recall", est.recall, se.recall),
                ("specificity", est.specificity, se.specificity),
                ("accuracy", est.accuracy, se.accuracy),
                ("true_positive", Some(est.tp), Some(se.tp)),
                ("false_positive", Some(est.fp), Some(se.fp)),
                ("true_negative", Some(est.tn), Some(se.tn)),
                ("false_negative", Some(est.fn_), Some(se.fn_)),
            ];
            for (metric, value, error) in rows {
                same(value, &e[metric]["value"], &format!("{name} {metric}"));
                same(
                    error,
                    &e[metric]["sampling_error"],
                    &format!("{name} {metric} error"),
                );
            }
        }
    }

    #[test]
    fn auroc_sampling_error_components_match_nannyml_quirks_included() {
        for case in reference()["auroc_components"].as_array().unwrap() {
            let (p, y) = (from_bits(&case["p_bits"]), labels(&case["y"]));
            let (std, fraction) = auroc_components(&p, &y).unwrap();
            let name = case["name"].as_str().unwrap();
            same(Some(std), &case["std"], name);
            same(Some(fraction), &case["fraction"], name);
        }
    }

    #[test]
    fn certain_predictions_are_estimated_as_perfect() {
        let est = estimate(&[1.0, 1.0, 0.0, 0.0, 0.0], 0.6);
        assert_eq!((est.tp, est.fp, est.tn, est.fn_), (2.0, 0.0, 3.0, 0.0));
        assert_eq!(est.accuracy, Some(1.0));
        assert_eq!(
            (est.precision, est.recall, est.f1),
            (Some(1.0), Some(1.0), Some(1.0))
        );
        assert_eq!(est.roc_auc, Some(1.0));
    }

    #[test]
    fn nothing_flagged_leaves_estimated_precision_unknown() {
        let est = estimate(&[0.1, 0.3, 0.5], 0.6);
        assert_eq!(est.precision, None);
        assert_eq!(est.recall, Some(0.0));
        assert!((est.specificity.unwrap() - 1.0).abs() < 1e-15);
    }

    #[test]
    fn tied_probabilities_give_the_same_auc_in_any_order() {
        let a = estimate_roc_auc(&[0.2, 0.7, 0.2, 0.7, 0.4]).unwrap();
        let b = estimate_roc_auc(&[0.7, 0.2, 0.4, 0.2, 0.7]).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn an_all_zero_chunk_has_no_estimated_auc() {
        assert_eq!(estimate_roc_auc(&[0.0, 0.0]), None);
        let empty = estimate(&[], 0.6);
        assert_eq!(
            (empty.accuracy, empty.precision, empty.roc_auc),
            (None, None, None)
        );
    }
}
