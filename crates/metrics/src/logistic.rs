//! Unpenalised logistic regression (smartcore's LBFGS) on standardised features:
//! the model baselines' comparison model and the programme-effect estimator's
//! propensity and outcome models share it, so there is one implementation.

use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::logistic_regression::{LogisticRegression, LogisticRegressionParameters};

/// A fit failed (no rows, ragged rows, or the solver gave up).
#[derive(Debug, thiserror::Error)]
#[error("logistisk regression kunne ikke tilpasses: {0}")]
pub struct LogisticError(pub String);

/// Column means and standard deviations of the training rows, so the solver
/// sees features on one scale.
#[derive(Debug, Clone)]
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

    fn row(&self, r: &[f64]) -> Vec<f64> {
        r.iter()
            .enumerate()
            .map(|(j, v)| (v - self.mean[j]) / self.sd[j])
            .collect()
    }
}

/// A fitted model: the probability of class 1 for any row of the same width.
#[derive(Debug, Clone)]
pub struct Logistic {
    scaler: Standardiser,
    intercept: f64,
    coef: Vec<f64>,
}

impl Logistic {
    /// Fits on rows `x` with labels `y` (0 or 1). Both classes must occur.
    pub fn fit(x: &[Vec<f64>], y: &[u32]) -> Result<Logistic, LogisticError> {
        if x.is_empty() || x.len() != y.len() {
            return Err(LogisticError(format!(
                "{} rækker og {} udfald",
                x.len(),
                y.len()
            )));
        }
        let scaler = Standardiser::fit(x);
        let scaled: Vec<Vec<f64>> = x.iter().map(|r| scaler.row(r)).collect();
        let xt = DenseMatrix::from_2d_vec(&scaled).map_err(|e| LogisticError(e.to_string()))?;
        let yi: Vec<i32> = y.iter().map(|&v| v as i32).collect();
        let fitted = LogisticRegression::fit(&xt, &yi, LogisticRegressionParameters::default())
            .map_err(|e| LogisticError(e.to_string()))?;
        let c = fitted.coefficients();
        // smartcore orders classes ascending, so the coefficients are for class 1.
        let coef = (0..scaler.mean.len()).map(|j| *c.get((0, j))).collect();
        let intercept = *fitted.intercept().get((0, 0));
        Ok(Logistic {
            scaler,
            intercept,
            coef,
        })
    }

    /// The probability of class 1 for one row.
    pub fn predict(&self, row: &[f64]) -> f64 {
        let z: f64 = self.intercept
            + self
                .scaler
                .row(row)
                .iter()
                .zip(&self.coef)
                .map(|(v, c)| v * c)
                .sum::<f64>();
        1.0 / (1.0 + (-z).exp())
    }
}

/// Fits on the training rows and returns the probability of class 1 for each
/// evaluation row.
pub fn logistic_probabilities(
    train_x: &[Vec<f64>],
    train_y: &[u32],
    eval_x: &[Vec<f64>],
) -> Result<Vec<f64>, LogisticError> {
    let m = Logistic::fit(train_x, train_y)?;
    Ok(eval_x.iter().map(|r| m.predict(r)).collect())
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
    fn an_empty_training_set_is_an_error_not_a_panic() {
        assert!(Logistic::fit(&[], &[]).is_err());
    }
}
