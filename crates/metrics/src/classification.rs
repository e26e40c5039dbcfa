//! Accuracy at the policy threshold: confusion matrix and the proportions built from
//! it, each with its Wilson interval, beside the majority-class baseline (checked against
//! tests/reference/monitoring_a.json). AUC and Brier with their seeded bootstrap
//! intervals are `metrics::auc`, `metrics::brier` and `metrics::bootstrap_ci`; the
//! bootstrap is checked against scipy at the bottom of this file.

use serde::Serialize;

use super::{wilson_interval, Z95};

/// A row is flagged (predicted positive, "høj risiko") when its probability is
/// `>= threshold`: the threshold itself is inclusive, as the pipeline's high band
/// `p >= high_from`.
pub fn flagged(p: f64, threshold: f64) -> bool {
    p >= threshold
}

/// Confusion matrix at a threshold (scikit-learn `confusion_matrix(y, p >= t, labels=[0, 1])`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Confusion {
    pub tp: u64,
    pub fp: u64,
    pub tn: u64,
    #[serde(rename = "fn")]
    pub fn_: u64,
}

impl Confusion {
    /// Counts the four cells. `None` for mismatched lengths, a NaN probability or a
    /// label other than 0/1.
    pub fn count(p: &[f64], y: &[u32], threshold: f64) -> Option<Self> {
        if p.len() != y.len() || p.iter().any(|v| v.is_nan()) || y.iter().any(|&v| v > 1) {
            return None;
        }
        let mut c = Confusion {
            tp: 0,
            fp: 0,
            tn: 0,
            fn_: 0,
        };
        for (&pi, &yi) in p.iter().zip(y) {
            match (flagged(pi, threshold), yi == 1) {
                (true, true) => c.tp += 1,
                (true, false) => c.fp += 1,
                (false, false) => c.tn += 1,
                (false, true) => c.fn_ += 1,
            }
        }
        Some(c)
    }

    pub fn n(&self) -> u64 {
        self.tp + self.fp + self.tn + self.fn_
    }
}

/// A share k/n with its Wilson 95 % interval. With n = 0 the value is `None` and the
/// interval (0, 1), i.e. nothing is known (scikit-learn would warn and return 0).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rate {
    pub numerator: u64,
    pub denominator: u64,
    pub value: Option<f64>,
    pub ci_low: f64,
    pub ci_high: f64,
}

impl Rate {
    pub fn new(numerator: u64, denominator: u64) -> Self {
        let (ci_low, ci_high) = wilson_interval(numerator, denominator);
        Rate {
            numerator,
            denominator,
            value: (denominator > 0).then(|| numerator as f64 / denominator as f64),
            ci_low,
            ci_high,
        }
    }
}

/// A figure that is not a share of counts, with a 95 % interval ((0, 1) when `value` is `None`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub value: Option<f64>,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// Every accuracy figure of one set of rows at one threshold, ready to store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    pub threshold: f64,
    pub n: u64,
    pub tp: u64,
    pub fp: u64,
    pub tn: u64,
    #[serde(rename = "fn")]
    pub fn_: u64,
    /// (tp + tn) / n.
    pub accuracy: Rate,
    /// Majority-class accuracy on the same rows: max(positives, negatives) / n
    /// (scikit-learn `DummyClassifier(strategy="most_frequent")`).
    pub majority_accuracy: Rate,
    /// positives / n: the observed base rate.
    pub prevalence: Rate,
    /// Mean of the recalls of the classes present (scikit-learn `balanced_accuracy_score`).
    /// Interval: Wald for the mean of two independent shares, clipped to [0, 1]; with one
    /// class present, that class's Wilson interval. No reference library has one.
    pub balanced_accuracy: Estimate,
    /// tp / (tp + fp).
    pub precision: Rate,
    /// tp / (tp + fn), the true-positive rate.
    pub recall: Rate,
    /// fp / (fp + tn).
    pub fpr: Rate,
    /// fn / (fn + tp).
    pub fnr: Rate,
    /// tn / (tn + fp) = 1 − FPR; beside CBPE's estimated specificity.
    pub specificity: Rate,
    /// (tp + fp) / n: the share flagged high risk.
    pub selection_rate: Rate,
    /// tn / (tn + fn), the negative predictive value: of those not flagged high risk,
    /// the share who found work or education (scikit-learn
    /// `precision_score(pos_label=0)`; tests/reference/npv.py).
    pub npv: Rate,
    /// 2tp / (2tp + fp + fn) (scikit-learn `f1_score`); beside CBPE's estimated F1.
    /// `None` when tp + fp + fn = 0; no interval.
    pub f1: Option<f64>,
}

/// Mean recall over the classes present, as scikit-learn's `balanced_accuracy_score`
/// (with one class present it is that class's recall), with the interval described at
/// `Classification::balanced_accuracy`.
pub fn balanced_accuracy(c: &Confusion) -> Estimate {
    let classes: Vec<(u64, u64)> = [(c.tp, c.tp + c.fn_), (c.tn, c.tn + c.fp)]
        .into_iter()
        .filter(|&(_, n)| n > 0)
        .collect();
    match classes.as_slice() {
        [] => Estimate {
            value: None,
            ci_low: 0.0,
            ci_high: 1.0,
        },
        [(k, n)] => {
            let (ci_low, ci_high) = wilson_interval(*k, *n);
            Estimate {
                value: Some(*k as f64 / *n as f64),
                ci_low,
                ci_high,
            }
        }
        _ => {
            let share = |&(k, n): &(u64, u64)| k as f64 / n as f64;
            let variance = |&(k, n): &(u64, u64)| {
                let r = k as f64 / n as f64;
                r * (1.0 - r) / n as f64
            };
            let value = classes.iter().map(share).sum::<f64>() / 2.0;
            let se = classes.iter().map(variance).sum::<f64>().sqrt() / 2.0;
            Estimate {
                value: Some(value),
                ci_low: (value - Z95 * se).max(0.0),
                ci_high: (value + Z95 * se).min(1.0),
            }
        }
    }
}

/// Accuracy figures at `threshold` (flagged when p >= threshold). Rows are taken in
/// pairs up to the shorter slice; the caller passes 0/1 labels (any other counts as 1)
/// and no NaN (a NaN is never flagged). No rows: every count 0, every value `None`.
pub fn at_threshold(p: &[f64], y: &[u32], threshold: f64) -> Classification {
    let mut c = Confusion {
        tp: 0,
        fp: 0,
        tn: 0,
        fn_: 0,
    };
    for (&pi, &yi) in p.iter().zip(y) {
        match (flagged(pi, threshold), yi != 0) {
            (true, true) => c.tp += 1,
            (true, false) => c.fp += 1,
            (false, false) => c.tn += 1,
            (false, true) => c.fn_ += 1,
        }
    }
    let n = c.n();
    let positives = c.tp + c.fn_;
    let f1_den = 2 * c.tp + c.fp + c.fn_;
    Classification {
        threshold,
        n,
        tp: c.tp,
        fp: c.fp,
        tn: c.tn,
        fn_: c.fn_,
        accuracy: Rate::new(c.tp + c.tn, n),
        majority_accuracy: Rate::new(positives.max(n - positives), n),
        prevalence: Rate::new(positives, n),
        balanced_accuracy: balanced_accuracy(&c),
        precision: Rate::new(c.tp, c.tp + c.fp),
        recall: Rate::new(c.tp, positives),
        fpr: Rate::new(c.fp, c.fp + c.tn),
        fnr: Rate::new(c.fn_, positives),
        specificity: Rate::new(c.tn, c.tn + c.fp),
        selection_rate: Rate::new(c.tp + c.fp, n),
        npv: Rate::new(c.tn, c.tn + c.fn_),
        f1: (f1_den > 0).then(|| (2 * c.tp) as f64 / f1_den as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{auc, bootstrap_ci, brier};
    use serde_json::Value;

    /// Values from tests/reference/monitoring_a.py (scikit-learn, statsmodels, scipy).
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

    fn floats(v: &Value) -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    }

    fn labels(v: &Value) -> Vec<u32> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as u32)
            .collect()
    }

    fn close(actual: f64, expected: f64, tol: f64, what: &str) {
        assert!(
            (actual - expected).abs() <= tol,
            "{what}: {actual} vs {expected}"
        );
    }

    /// `expected` is statsmodels' Wilson object {k, n, value, low, high} or null (n = 0).
    fn same_rate(actual: &Rate, expected: &Value, what: &str) {
        if expected.is_null() {
            assert_eq!(actual.denominator, 0, "{what}");
            assert_eq!(
                (actual.value, actual.ci_low, actual.ci_high),
                (None, 0.0, 1.0),
                "{what}"
            );
            return;
        }
        assert_eq!(actual.numerator, expected["k"].as_u64().unwrap(), "{what}");
        assert_eq!(
            actual.denominator,
            expected["n"].as_u64().unwrap(),
            "{what}"
        );
        let v = |key: &str| expected[key].as_f64().unwrap();
        close(
            actual.value.unwrap(),
            v("value"),
            1e-12,
            &format!("{what}.value"),
        );
        close(actual.ci_low, v("low"), 1e-9, &format!("{what}.low"));
        close(actual.ci_high, v("high"), 1e-9, &format!("{what}.high"));
    }

    #[test]
    fn npv_matches_scikit_learn_and_statsmodels() {
        let cases = reference();
        let npv: Value =
            serde_json::from_str(include_str!("../../../tests/reference/npv.json")).unwrap();
        let threshold = npv["threshold"].as_f64().unwrap();
        assert_eq!(threshold, cases["threshold"].as_f64().unwrap());
        let expected = npv["cases"].as_array().unwrap();
        let cases = cases["cases"].as_array().unwrap();
        assert_eq!(expected.len(), cases.len());
        for (case, e) in cases.iter().zip(expected) {
            let name = case["name"].as_str().unwrap();
            assert_eq!(name, e["name"].as_str().unwrap());
            let c = at_threshold(&from_bits(&case["p_bits"]), &labels(&case["y"]), threshold);
            same_rate(&c.npv, &e["npv"], &format!("{name} npv"));
        }
        // The fixture has a case where every row is flagged: NPV unknown, not 0.
        assert!(expected.iter().any(|e| e["npv"].is_null()));
    }

    #[test]
    fn accuracy_figures_match_scikit_learn_and_statsmodels() {
        let r = reference();
        let threshold = r["threshold"].as_f64().unwrap();
        for case in r["cases"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let (p, y) = (from_bits(&case["p_bits"]), labels(&case["y"]));
            let e = &case["classification"];
            let c = at_threshold(&p, &y, threshold);
            let cm = &e["confusion"];
            let count = |k: &str| cm[k].as_u64().unwrap();
            assert_eq!(
                (c.tp, c.fp, c.tn, c.fn_),
                (count("tp"), count("fp"), count("tn"), count("fn")),
                "{name}"
            );
            same_rate(&c.accuracy, &e["accuracy"], &format!("{name} accuracy"));
            close(
                c.accuracy.value.unwrap(),
                e["accuracy"]["sklearn"].as_f64().unwrap(),
                1e-12,
                name,
            );
            same_rate(
                &c.majority_accuracy,
                &e["baseline_accuracy"],
                &format!("{name} baseline"),
            );
            close(
                c.majority_accuracy.value.unwrap(),
                e["baseline_accuracy"]["sklearn"].as_f64().unwrap(),
                1e-12,
                name,
            );
            close(
                c.balanced_accuracy.value.unwrap(),
                e["balanced_accuracy"].as_f64().unwrap(),
                1e-12,
                name,
            );
            assert_eq!(
                c.precision.value,
                e["precision"].as_f64(),
                "{name} precision"
            );
            same_rate(
                &c.precision,
                &e["precision_ci"],
                &format!("{name} precision"),
            );
            assert_eq!(c.recall.value, e["recall"].as_f64(), "{name} recall");
            same_rate(&c.recall, &e["recall_ci"], &format!("{name} recall"));
            same_rate(&c.fpr, &e["fpr"], &format!("{name} fpr"));
            same_rate(&c.fnr, &e["fnr"], &format!("{name} fnr"));
            same_rate(
                &c.specificity,
                &e["specificity"],
                &format!("{name} specificity"),
            );
            same_rate(
                &c.selection_rate,
                &e["selection_rate"],
                &format!("{name} selection"),
            );
            match (c.f1, e["f1"].as_f64()) {
                (Some(a), Some(b)) => close(a, b, 1e-12, &format!("{name} f1")),
                (a, b) => assert_eq!(a, b, "{name} f1"),
            }
            assert_eq!(auc(&p, &y).is_some(), e["auc"].as_f64().is_some(), "{name}");
            if let Some(a) = e["auc"].as_f64() {
                close(auc(&p, &y).unwrap(), a, 1e-12, &format!("{name} auc"));
            }
            close(
                brier(&p, &y).unwrap(),
                e["brier"].as_f64().unwrap(),
                1e-12,
                name,
            );
        }
    }

    /// `metrics::bootstrap_ci` draws its own resamples, so it can only agree with
    /// scipy's percentile bootstrap (10,000 resamples) to Monte Carlo error: each bound
    /// within 6 % of the interval's width (measured worst 3.1 % over 4 seeds; the 90 %
    /// instead of the 95 % interval would be about 8 % off).
    #[test]
    fn bootstrap_intervals_agree_with_scipy_within_monte_carlo_error() {
        let r = reference();
        let mut checked = 0;
        for case in r["cases"].as_array().unwrap() {
            let e = &case["classification"];
            if e.get("auc_bootstrap").is_none() {
                continue;
            }
            let (p, y) = (from_bits(&case["p_bits"]), labels(&case["y"]));
            type Metric = fn(&[f64], &[u32]) -> Option<f64>;
            for (metric, key) in [(auc as Metric, "auc_bootstrap"), (brier, "brier_bootstrap")] {
                let (low, high) = bootstrap_ci(&p, &y, metric, 4000, 11).unwrap();
                let want = floats(&e[key]);
                let tol = 0.06 * (want[1] - want[0]);
                let name = format!("{} {key}", case["name"]);
                close(low, want[0], tol, &name);
                close(high, want[1], tol, &name);
            }
            checked += 1;
        }
        assert!(checked >= 2);
    }

    #[test]
    fn the_threshold_itself_is_flagged() {
        let c = at_threshold(&[0.6, 0.59999], &[1, 0], 0.6);
        assert_eq!((c.tp, c.fp, c.tn, c.fn_), (1, 0, 1, 0));
        assert_eq!(
            Confusion::count(&[0.6], &[0], 0.6),
            Some(Confusion {
                tp: 0,
                fp: 1,
                tn: 0,
                fn_: 0
            })
        );
    }

    #[test]
    fn nothing_flagged_leaves_precision_unknown_but_recall_zero() {
        let c = at_threshold(&[0.1, 0.2, 0.3], &[1, 0, 1], 0.6);
        assert_eq!(c.precision.value, None);
        assert_eq!(c.recall.value, Some(0.0));
        assert_eq!(c.selection_rate.value, Some(0.0));
        assert_eq!(c.fnr.value, Some(1.0));
    }

    #[test]
    fn the_baseline_is_the_majority_share() {
        let c = at_threshold(&[0.9, 0.9, 0.9, 0.1], &[0, 0, 0, 1], 0.6);
        assert_eq!(c.majority_accuracy.value, Some(0.75));
        assert_eq!(c.prevalence.value, Some(0.25));
        assert_eq!(c.accuracy.value, Some(0.0));
    }

    #[test]
    fn balanced_accuracy_has_an_interval_around_it() {
        let c = at_threshold(&[0.9, 0.9, 0.2, 0.2, 0.7, 0.1], &[1, 1, 1, 0, 0, 0], 0.6);
        let b = c.balanced_accuracy;
        let v = b.value.unwrap();
        assert!((v - (2.0 / 3.0 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
        assert!(b.ci_low < v && v < b.ci_high && b.ci_low >= 0.0 && b.ci_high <= 1.0);
        // One class: that class's recall with its Wilson interval.
        let one = at_threshold(&[0.9, 0.2], &[1, 1], 0.6).balanced_accuracy;
        assert_eq!(
            (one.value, (one.ci_low, one.ci_high)),
            (Some(0.5), wilson_interval(1, 2))
        );
    }

    #[test]
    fn no_rows_give_counts_of_zero_and_no_values() {
        let c = at_threshold(&[], &[], 0.6);
        assert_eq!(
            (c.n, c.accuracy.value, c.balanced_accuracy.value, c.f1),
            (0, None, None, None)
        );
        assert!(Confusion::count(&[0.5], &[2], 0.6).is_none());
        assert!(Confusion::count(&[f64::NAN], &[1], 0.6).is_none());
    }
}
