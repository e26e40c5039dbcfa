//! What the tree must beat, computed on the same validation cohorts every time:
//! the base rate (and its majority-class guess) and a logistic regression
//! (smartcore) on the same features.

use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::logistic_regression::{LogisticRegression, LogisticRegressionParameters};

use super::ModelError;
use crate::metrics::{auc, bootstrap_ci, brier, wilson_interval};

/// Validation figures of one method.
#[derive(Debug, Clone, PartialEq)]
pub struct Validation {
    /// `tree`, `base_rate` or `logistic_regression`.
    pub method: &'static str,
    pub n: usize,
    pub brier: Option<f64>,
    pub auc: Option<f64>,
    pub log_loss: Option<f64>,
    /// Accuracy at probability 0.5 (for `base_rate`: always guessing the majority class).
    pub accuracy: f64,
    pub accuracy_ci: (f64, f64),
    /// Seeded percentile-bootstrap 95 % intervals.
    pub brier_ci: Option<(f64, f64)>,
    pub auc_ci: Option<(f64, f64)>,
}

/// Resamples for the bootstrap intervals of validation figures.
const BOOTSTRAP_RESAMPLES: usize = 1000;
const BOOTSTRAP_SEED: u64 = 20_260_101;

/// Figures of a set of probabilities against the validation labels.
pub fn validate(method: &'static str, p: &[f64], y: &[u32]) -> Validation {
    let correct = p
        .iter()
        .zip(y)
        .filter(|(p, &y)| u32::from(**p >= 0.5) == y)
        .count();
    Validation {
        method,
        n: y.len(),
        brier: brier(p, y),
        auc: auc(p, y),
        log_loss: log_loss(p, y),
        accuracy: correct as f64 / y.len().max(1) as f64,
        accuracy_ci: wilson_interval(correct as u64, y.len() as u64),
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

/// Column means and standard deviations of the training rows, so the solver
/// sees features on one scale.
struct Standardiser {
    mean: Vec<f64>,
    sd: Vec<f64>,
}

impl Standardiser {
    fn fit(x: &[Vec<f64>]) -> Standardiser {
        let m = x.first().map_or(0, Vec::len);
        let n = x.len().max(1) as f64;
        let mean: Vec<f64> = (0..m)
            .map(|j| x.iter().map(|r| r[j]).sum::<f64>() / n)
            .collect();
        let sd = (0..m)
            .map(|j| {
                let v = x.iter().map(|r| (r[j] - mean[j]).powi(2)).sum::<f64>() / n;
                // A constant column stays constant (0) instead of dividing by zero.
                if v > 0.0 {
                    v.sqrt()
                } else {
                    1.0
                }
            })
            .collect();
        Standardiser { mean, sd }
    }

    fn apply(&self, x: &[Vec<f64>]) -> Vec<Vec<f64>> {
        x.iter()
            .map(|r| {
                r.iter()
                    .enumerate()
                    .map(|(j, v)| (v - self.mean[j]) / self.sd[j])
                    .collect()
            })
            .collect()
    }
}

/// Fits a logistic regression on the training rows and returns the probability
/// of class 1 for each evaluation row.
pub fn logistic_probabilities(
    train_x: &[Vec<f64>],
    train_y: &[u32],
    eval_x: &[Vec<f64>],
) -> Result<Vec<f64>, ModelError> {
    let scaler = Standardiser::fit(train_x);
    let xt = DenseMatrix::from_2d_vec(&scaler.apply(train_x))
        .map_err(|e| ModelError::Fit(e.to_string()))?;
    let y: Vec<i32> = train_y.iter().map(|&v| v as i32).collect();
    let fitted = LogisticRegression::fit(&xt, &y, LogisticRegressionParameters::default())
        .map_err(|e| ModelError::Fit(e.to_string()))?;
    let coef = fitted.coefficients();
    let intercept = *fitted.intercept().get((0, 0));
    // smartcore orders classes ascending, so the coefficients are for class 1.
    Ok(scaler
        .apply(eval_x)
        .iter()
        .map(|r| {
            let z: f64 = intercept
                + r.iter()
                    .enumerate()
                    .map(|(j, v)| v * coef.get((0, j)))
                    .sum::<f64>();
            1.0 / (1.0 + (-z).exp())
        })
        .collect())
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
        let v = validate("base_rate", &[0.3; 10], &[0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
        assert!((v.accuracy - 0.7).abs() < 1e-12);
        assert_eq!(v.auc, Some(0.5), "constant scores rank nothing");
    }
}
