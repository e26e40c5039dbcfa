//! What the tree must beat, computed on the same validation cohorts every time:
//! the base rate and a logistic regression (smartcore, through
//! `metrics::logistic`) on the same features; and the figures of any method on
//! those cohorts, accuracy at the policy threshold (issue #18: one threshold for
//! the card, the cockpit, the report and the caseworker look-up).

use super::ModelError;
use crate::metrics::{auc, bootstrap_ci, brier, wilson_interval};

/// Validation figures of one method.
#[derive(Debug, Clone, PartialEq)]
pub struct Validation {
    /// `tree`, `base_rate`, `logistic_regression` or `benchmark`.
    pub method: &'static str,
    pub n: usize,
    pub brier: Option<f64>,
    pub auc: Option<f64>,
    pub log_loss: Option<f64>,
    /// Accuracy at the policy threshold: a probability at or above it counts as
    /// "still on benefit" (for `base_rate`: everybody gets the same answer).
    pub accuracy: f64,
    pub accuracy_ci: (f64, f64),
    pub threshold: f64,
    /// Calibration in the large: mean predicted minus observed rate.
    pub calibration_gap: f64,
    /// Seeded percentile-bootstrap 95 % intervals.
    pub brier_ci: Option<(f64, f64)>,
    pub auc_ci: Option<(f64, f64)>,
}

/// Resamples for the bootstrap intervals of validation figures.
const BOOTSTRAP_RESAMPLES: usize = 1000;
const BOOTSTRAP_SEED: u64 = 20_260_101;

/// Figures of a set of probabilities against the validation labels.
pub fn validate(method: &'static str, p: &[f64], y: &[u32], threshold: f64) -> Validation {
    let correct = p
        .iter()
        .zip(y)
        .filter(|(p, &y)| u32::from(**p >= threshold) == y)
        .count();
    let n = y.len().max(1) as f64;
    let calibration_gap =
        p.iter().sum::<f64>() / n - y.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    Validation {
        method,
        n: y.len(),
        brier: brier(p, y),
        auc: auc(p, y),
        log_loss: log_loss(p, y),
        accuracy: correct as f64 / y.len().max(1) as f64,
        accuracy_ci: wilson_interval(correct as u64, y.len() as u64),
        threshold,
        calibration_gap,
        brier_ci: bootstrap_ci(p, y, brier, BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED),
        auc_ci: bootstrap_ci(p, y, auc, BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED),
    }
}

/// Mean negative log-likelihood, with probabilities clipped to [1e-15, 1 - 1e-15]
/// as scikit-learn's `log_loss` did before 1.5 (it now clips at the float epsilon).
pub fn log_loss(p: &[f64], y: &[u32]) -> Option<f64> {
    if p.is_empty() || p.len() != y.len() {
        return None;
    }
    let eps = 1e-15;
    let sum: f64 = p
        .iter()
        .zip(y)
        .map(|(&p, &y)| {
            let p = p.clamp(eps, 1.0 - eps);
            if y == 1 {
                -p.ln()
            } else {
                -(1.0 - p).ln()
            }
        })
        .sum();
    Some(sum / p.len() as f64)
}

/// Fits a logistic regression on the training rows and returns the probability
/// of class 1 for each evaluation row (the shared fit in `metrics::logistic`).
pub fn logistic_probabilities(
    train_x: &[Vec<f64>],
    train_y: &[u32],
    eval_x: &[Vec<f64>],
) -> Result<Vec<f64>, ModelError> {
    crate::metrics::logistic::logistic_probabilities(train_x, train_y, eval_x)
        .map_err(|e| ModelError::Fit(e.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logistic_regression_ranks_a_clear_signal_correctly() {
        let x: Vec<Vec<f64>> = (0..200).map(|i| vec![f64::from(i % 20), 1.0]).collect();
        let y: Vec<u32> = (0..200).map(|i| u32::from(i % 20 >= 10)).collect();
        let p = logistic_probabilities(&x, &y, &[vec![2.0, 1.0], vec![17.0, 1.0]]).unwrap();
        assert!(p[0] < 0.2 && p[1] > 0.8, "{p:?}");
    }

    #[test]
    fn the_majority_guess_is_right_as_often_as_the_majority_is_common() {
        let v = validate(
            "base_rate",
            &[0.3; 10],
            &[0, 0, 0, 0, 0, 0, 0, 1, 1, 1],
            0.6,
        );
        assert!((v.accuracy - 0.7).abs() < 1e-12);
        assert!(v.calibration_gap.abs() < 1e-12);
        assert_eq!(v.auc, Some(0.5), "constant scores rank nothing");
    }

    #[test]
    fn accuracy_is_counted_at_the_threshold_given_not_at_one_half() {
        // 0.55 is "high" at a 0.5 cut-off and not at the policy's 0.6.
        let (p, y) = ([0.55, 0.55, 0.7, 0.1], [0, 0, 1, 0]);
        assert!((validate("tree", &p, &y, 0.6).accuracy - 1.0).abs() < 1e-12);
        assert!((validate("tree", &p, &y, 0.5).accuracy - 0.5).abs() < 1e-12);
    }
}
