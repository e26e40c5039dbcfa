//! The benchmark: a strong model nobody can read (gradient-boosted trees, the
//! XGBoost algorithm as `forust-ml` implements it), fitted each month on the same
//! rows and the same time split as the tree, to measure what explainability costs
//! ("forklarlighedens pris"). It is **never used for scoring**: nothing but its
//! validation figures leaves this module.
//!
//! The settings are fixed (no grid search): the figure must say how far the tree is
//! from what the same data allow without tuning the comparison towards either side.
//! They are those of scikit-learn's `HistGradientBoostingClassifier` as far as the
//! two agree (100 rounds, learning rate 0.1, 256 bins); tests/reference/benchmark.py
//! checks the figures against it on a fixture.

use forust_ml::objective::ObjectiveType;
use forust_ml::{GradientBooster, Matrix};

use super::ModelError;

/// The method name in `model_validation`.
pub const METHOD: &str = "benchmark";

/// Boosting rounds, learning rate, depth of each tree, L2 penalty on leaf weights,
/// histogram bins: fixed, see the module comment.
pub const ROUNDS: usize = 100;
pub const LEARNING_RATE: f32 = 0.1;
pub const MAX_DEPTH: usize = 5;
pub const L2: f32 = 1.0;
pub const BINS: u16 = 256;
const SEED: u64 = 20_260_101;

/// Fits the ensemble on the training rows and returns the probability of class 1
/// for each evaluation row.
pub fn probabilities(
    train_x: &[Vec<f64>],
    train_y: &[u32],
    eval_x: &[Vec<f64>],
) -> Result<Vec<f64>, ModelError> {
    let width = train_x.first().map_or(0, Vec::len);
    if train_x.is_empty() || width == 0 || train_x.len() != train_y.len() {
        return Err(ModelError::Fit(
            "sammenligningsmodellen fik ingen træningsrækker".into(),
        ));
    }
    let train = column_major(train_x, width);
    let y: Vec<f64> = train_y.iter().map(|&v| f64::from(v)).collect();
    let mut booster = GradientBooster::default()
        .set_objective_type(ObjectiveType::LogLoss)
        .set_iterations(ROUNDS)
        .set_learning_rate(LEARNING_RATE)
        .set_max_depth(MAX_DEPTH)
        .set_l2(L2)
        .set_nbins(BINS)
        .set_seed(SEED)
        .set_initialize_base_score(true);
    booster
        .fit_unweighted(&Matrix::new(&train, train_x.len(), width), &y, None)
        .map_err(|e| ModelError::Fit(format!("sammenligningsmodellen: {e}")))?;
    if eval_x.is_empty() {
        return Ok(vec![]);
    }
    let eval = column_major(eval_x, width);
    let log_odds = booster.predict(&Matrix::new(&eval, eval_x.len(), width), true);
    Ok(log_odds.iter().map(|&z| 1.0 / (1.0 + (-z).exp())).collect())
}

/// forust reads a matrix column by column.
fn column_major(x: &[Vec<f64>], width: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(x.len() * width);
    for j in 0..width {
        out.extend(x.iter().map(|r| r.get(j).copied().unwrap_or(f64::NAN)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ensemble_finds_an_interaction_one_split_cannot() {
        // y = x0 xor x1: no single split separates it, a few boosted trees do.
        let x: Vec<Vec<f64>> = (0..400)
            .map(|i| vec![f64::from(i % 2), f64::from((i / 2) % 2)])
            .collect();
        let y: Vec<u32> = x.iter().map(|r| u32::from(r[0] != r[1])).collect();
        let p = probabilities(&x, &y, &[vec![0.0, 0.0], vec![1.0, 0.0]]).unwrap();
        assert!(p[0] < 0.1 && p[1] > 0.9, "{p:?}");
    }

    #[test]
    fn no_rows_is_a_clear_error() {
        assert!(probabilities(&[], &[], &[]).is_err());
    }
}
