//! The benchmark: a strong model nobody can read (gradient-boosted trees, the
//! XGBoost algorithm as `forust-ml` implements it), fitted each month on the same
//! rows and the same time split as the tree, to measure what explainability costs
//! ("forklarlighedens pris"). It is **never used for scoring**: nothing but its
//! validation figures leaves this module.
//!
//! The settings are fixed (no grid search): the figure must say how far the tree is
//! from what the same data allow without tuning the comparison towards either side.
//! They are those of scikit-learn's `HistGradientBoostingClassifier` as far as the
//! two agree (100 rounds, learning rate 0.1, 256 bins);
//! tests/reference/benchmark_reference.py checks the figures against it on a fixture.
//!
//! Above `MAX_FIT_ROWS` fitting rows (national scale, not a municipality's window)
//! the ensemble is fitted on a seeded random sample of that many rows, so that its
//! cost stays within 5 times the tree's grid search (README, "Benchmark: the price
//! of explainability"); it still predicts every validation row.

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
/// Most fitting rows the ensemble is fitted on; more are sampled down (seeded).
pub const MAX_FIT_ROWS: usize = 200_000;

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
    let rows = fitting_rows(train_x.len());
    let picked: Vec<&[f64]> = rows.iter().map(|&i| train_x[i].as_slice()).collect();
    let train = column_major(&picked, width);
    let y: Vec<f64> = rows.iter().map(|&i| f64::from(train_y[i])).collect();
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
        .fit_unweighted(&Matrix::new(&train, rows.len(), width), &y, None)
        .map_err(|e| ModelError::Fit(format!("sammenligningsmodellen: {e}")))?;
    if eval_x.is_empty() {
        return Ok(vec![]);
    }
    let eval_rows: Vec<&[f64]> = eval_x.iter().map(Vec::as_slice).collect();
    let eval = column_major(&eval_rows, width);
    let log_odds = booster.predict(&Matrix::new(&eval, eval_x.len(), width), true);
    Ok(log_odds.iter().map(|&z| 1.0 / (1.0 + (-z).exp())).collect())
}

/// Every row, or above `MAX_FIT_ROWS` a seeded sample of that many, in row order.
fn fitting_rows(n: usize) -> Vec<usize> {
    if n <= MAX_FIT_ROWS {
        return (0..n).collect();
    }
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(SEED);
    let mut rows = rand::seq::index::sample(&mut rng, n, MAX_FIT_ROWS).into_vec();
    rows.sort_unstable();
    rows
}

/// forust reads a matrix column by column.
fn column_major(x: &[&[f64]], width: usize) -> Vec<f64> {
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
        // y = x0 >= 2 and x1 >= 2: one split leaves a mixed side, boosted trees do not.
        let x: Vec<Vec<f64>> = (0..800)
            .map(|i| vec![f64::from(i % 4), f64::from((i / 4) % 4)])
            .collect();
        let y: Vec<u32> = x
            .iter()
            .map(|r| u32::from(r[0] >= 2.0 && r[1] >= 2.0))
            .collect();
        let p = probabilities(&x, &y, &[vec![3.0, 0.0], vec![3.0, 3.0]]).unwrap();
        assert!(p[0] < 0.1 && p[1] > 0.9, "{p:?}");
    }

    /// tests/reference/benchmark_reference.py: scikit-learn's
    /// HistGradientBoostingClassifier with the same settings on a seeded fixture.
    /// The two bin and regularise differently, so the figures agree within a
    /// tolerance, not to the last digit (see the script).
    #[test]
    fn auc_and_brier_agree_with_scikit_learns_histogram_gradient_boosting() {
        let text = std::fs::read_to_string("tests/reference/benchmark_fixture.csv").unwrap();
        let reference: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string("tests/reference/benchmark_reference.json").unwrap(),
        )
        .unwrap();
        let (mut fit_x, mut fit_y, mut eval_x, mut eval_y) = (vec![], vec![], vec![], vec![]);
        for line in text.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            let x: Vec<f64> = cells[1..6].iter().map(|c| c.parse().unwrap()).collect();
            let y: u32 = cells[6].parse().unwrap();
            if cells[0] == "fit" {
                fit_x.push(x);
                fit_y.push(y);
            } else {
                eval_x.push(x);
                eval_y.push(y);
            }
        }
        let p = probabilities(&fit_x, &fit_y, &eval_x).unwrap();
        let auc = crate::metrics::auc(&p, &eval_y).unwrap();
        let brier = crate::metrics::brier(&p, &eval_y).unwrap();
        let (ref_auc, ref_brier) = (
            reference["eval_auc"].as_f64().unwrap(),
            reference["eval_brier"].as_f64().unwrap(),
        );
        assert!((auc - ref_auc).abs() < 0.01, "AUC {auc} against {ref_auc}");
        assert!(
            (brier - ref_brier).abs() < 0.002,
            "Brier {brier} against {ref_brier}"
        );
    }

    #[test]
    fn above_the_cap_a_seeded_sample_is_fitted() {
        assert_eq!(fitting_rows(5), vec![0, 1, 2, 3, 4]);
        let a = fitting_rows(MAX_FIT_ROWS + 10);
        assert_eq!(a.len(), MAX_FIT_ROWS);
        assert!(a.windows(2).all(|w| w[0] < w[1]) && a == fitting_rows(MAX_FIT_ROWS + 10));
    }

    #[test]
    fn no_rows_is_a_clear_error() {
        assert!(probabilities(&[], &[], &[]).is_err());
    }
}
