//! The price of explainability ("forklarlighedens pris"): how far the tree is from
//! another model on the same validation rows, as tree minus other for the Brier
//! score (positive: the tree is worse) and for the AUC (negative: the tree ranks
//! worse), each with a seeded paired bootstrap 95 % interval (the same rows drawn
//! for both models).

use rand::{Rng, SeedableRng};

use super::champion::paired_mean_ci;
use crate::metrics::auc;

/// Resamples and seed of the AUC interval (as the gate's).
const RESAMPLES: usize = 1000;
const SEED: u64 = 20_260_101;

/// The tree against one other method on the same validation rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Price {
    /// `benchmark` or `logistic_regression`.
    pub method: &'static str,
    pub n: usize,
    /// Tree minus method, and its interval.
    pub brier_difference: f64,
    pub brier_ci: (f64, f64),
    pub auc_difference: Option<f64>,
    pub auc_ci: Option<(f64, f64)>,
}

impl Price {
    /// Tree probabilities `tree` against `other`, both for labels `y`.
    pub fn of(method: &'static str, tree: &[f64], other: &[f64], y: &[u32]) -> Price {
        let d: Vec<f64> = tree
            .iter()
            .zip(other)
            .zip(y)
            .map(|((&a, &b), &y)| {
                let y = f64::from(y);
                (a - y).powi(2) - (b - y).powi(2)
            })
            .collect();
        let (brier_difference, brier_ci) = paired_mean_ci(&d);
        let auc_difference = auc(tree, y).zip(auc(other, y)).map(|(a, b)| a - b);
        Price {
            method,
            n: y.len(),
            brier_difference,
            brier_ci,
            auc_difference,
            auc_ci: auc_difference.and_then(|_| paired_auc_ci(tree, other, y)),
        }
    }
}

/// Percentile interval of AUC(tree) − AUC(other) over paired resamples; resamples
/// with a single class (no AUC) are skipped.
fn paired_auc_ci(a: &[f64], b: &[f64], y: &[u32]) -> Option<(f64, f64)> {
    let n = y.len();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(SEED);
    let mut diffs = Vec::with_capacity(RESAMPLES);
    let (mut pa, mut pb, mut py) = (vec![0.0; n], vec![0.0; n], vec![0u32; n]);
    for _ in 0..RESAMPLES {
        for k in 0..n {
            let i = rng.random_range(0..n);
            (pa[k], pb[k], py[k]) = (a[i], b[i], y[i]);
        }
        if let (Some(x), Some(z)) = (auc(&pa, &py), auc(&pb, &py)) {
            diffs.push(x - z);
        }
    }
    if diffs.is_empty() {
        return None;
    }
    diffs.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let pos = p * (diffs.len() - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        diffs[lo] + (diffs[hi] - diffs[lo]) * (pos - lo as f64)
    };
    Some((q(0.025), q(0.975)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_better_other_model_shows_as_a_positive_brier_price_with_an_interval_around_it() {
        let y: Vec<u32> = (0..200).map(|i| u32::from(i % 4 == 0)).collect();
        let other: Vec<f64> = y.iter().map(|&v| if v == 1 { 0.8 } else { 0.1 }).collect();
        let tree: Vec<f64> = (0..200)
            .map(|i| match (i % 8, i % 4) {
                (0, _) => 0.6,
                (_, 0) => 0.3,
                (_, 1) => 0.4,
                _ => 0.25,
            })
            .collect();
        let p = Price::of("benchmark", &tree, &other, &y);
        assert!(p.brier_difference > 0.0, "{p:?}");
        assert!(p.brier_ci.0 <= p.brier_difference && p.brier_difference <= p.brier_ci.1);
        let (lo, hi) = p.auc_ci.unwrap();
        assert!(
            p.auc_difference.unwrap() < 0.0 && lo <= hi && hi <= 0.0,
            "{p:?}"
        );
    }

    #[test]
    fn the_same_model_costs_nothing() {
        let y: Vec<u32> = (0..50).map(|i| u32::from(i % 3 == 0)).collect();
        let p: Vec<f64> = (0..50).map(|i| f64::from(i % 5) / 5.0).collect();
        let price = Price::of("logistic_regression", &p, &p, &y);
        assert_eq!(price.brier_difference, 0.0);
        assert_eq!(price.brier_ci, (0.0, 0.0));
        assert_eq!(price.auc_difference, Some(0.0));
    }
}
