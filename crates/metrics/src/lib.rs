//! Metric formulas shared by the model and the monitoring. Each follows the
//! reference implementation named in its doc line (see docs/metrics.md).

/// Reliability bins, ECE, calibration-in-the-large and slope, log loss.
pub mod calibration;
/// Confidence-based performance estimation (NannyML's CBPE) before outcomes arrive.
pub mod cbpe;
/// Confusion matrix and rates at the policy threshold, majority-class baseline.
pub mod classification;
/// PSI and Jensen-Shannon distance against a stored reference profile (Evidently's binning).
pub mod drift;
/// Programme effects on the treated: cross-fitted AIPW, clustered bootstrap, E-values.
pub mod effects;
/// Group rates, disparity ratios and BH-corrected tests (Fairlearn, Aequitas, statsmodels).
pub mod fairness;
/// Logistic regression on standardised features (smartcore), shared by model and effects.
pub mod logistic;
/// Proxy audit: how well the inputs predict a protected group (scikit-learn checked).
pub mod proxy;
/// Kaplan-Meier share still unemployed with exponential Greenwood intervals (lifelines).
pub mod survival;

/// z for a two-sided 95 % interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Wilson score interval for `k` successes out of `n` (as statsmodels'
/// `proportion_confint(method="wilson")`). With `n = 0` nothing is known: (0, 1).
pub fn wilson_interval(k: u64, n: u64) -> (f64, f64) {
    wilson_interval_weighted(k as f64, n as f64)
}

/// The Wilson interval for `k` of `n` where both may be fractional: a smoothed leaf
/// rate `(k + a·base) / (n + a)` gets the interval of its pseudo-counts, so the
/// interval always holds the rate the model scores with.
pub fn wilson_interval_weighted(k: f64, n: f64) -> (f64, f64) {
    if n <= 0.0 {
        return (0.0, 1.0);
    }
    let n_f = n;
    let p = (k / n_f).clamp(0.0, 1.0);
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denom;
    let half = Z95 * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Brier score: mean squared difference between probability and 0/1 outcome
/// (as scikit-learn's `brier_score_loss`). `None` for no rows.
pub fn brier(probabilities: &[f64], labels: &[u32]) -> Option<f64> {
    if probabilities.is_empty() || probabilities.len() != labels.len() {
        return None;
    }
    let sum: f64 = probabilities
        .iter()
        .zip(labels)
        .map(|(p, &y)| (p - f64::from(y)).powi(2))
        .sum();
    Some(sum / probabilities.len() as f64)
}

/// Area under the ROC curve from average ranks (Mann-Whitney U), which equals
/// scikit-learn's `roc_auc_score` including tied scores. `None` when only one
/// class is present (scikit-learn raises there).
pub fn auc(scores: &[f64], labels: &[u32]) -> Option<f64> {
    if scores.len() != labels.len() {
        return None;
    }
    let n_pos = labels.iter().filter(|&&y| y == 1).count();
    let n_neg = labels.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut rank_sum_pos = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        // Tied scores share the average of their 1-based ranks.
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum_pos += avg_rank * order[i..=j].iter().filter(|&&k| labels[k] == 1).count() as f64;
        i = j + 1;
    }
    let (p, n) = (n_pos as f64, n_neg as f64);
    Some((rank_sum_pos - p * (p + 1.0) / 2.0) / (p * n))
}

/// Percentile bootstrap 95 % interval of `metric` over rows resampled with
/// replacement, `resamples` times, from a fixed seed (so the same data give the
/// same interval). Resamples where the metric is undefined (e.g. AUC with one
/// class) are skipped; `None` if fewer than half are defined.
pub fn bootstrap_ci(
    p: &[f64],
    y: &[u32],
    metric: fn(&[f64], &[u32]) -> Option<f64>,
    resamples: usize,
    seed: u64,
) -> Option<(f64, f64)> {
    use rand::{Rng, SeedableRng};
    if p.is_empty() || p.len() != y.len() {
        return None;
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let n = p.len();
    let (mut bp, mut by) = (vec![0.0; n], vec![0; n]);
    let mut values = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        for i in 0..n {
            let j = rng.random_range(0..n);
            bp[i] = p[j];
            by[i] = y[j];
        }
        if let Some(v) = metric(&bp, &by) {
            values.push(v);
        }
    }
    if values.len() * 2 < resamples {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some((quantile(&values, 0.025), quantile(&values, 0.975)))
}

/// Linear-interpolation quantile of sorted values (numpy's default method).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values from tests/reference/skeleton_metrics.py (statsmodels, scikit-learn).
    fn reference() -> serde_json::Value {
        serde_json::from_str(include_str!(
            "../../../tests/reference/skeleton_metrics.json"
        ))
        .unwrap()
    }

    #[test]
    fn wilson_matches_statsmodels() {
        for case in reference()["wilson"].as_array().unwrap() {
            let (k, n) = (case["k"].as_u64().unwrap(), case["n"].as_u64().unwrap());
            let (lo, hi) = wilson_interval(k, n);
            assert!(
                (lo - case["low"].as_f64().unwrap()).abs() < 1e-9,
                "{k}/{n}: {lo}"
            );
            assert!(
                (hi - case["high"].as_f64().unwrap()).abs() < 1e-9,
                "{k}/{n}: {hi}"
            );
        }
    }

    /// The (probabilities, labels, expected value) cases of one metric.
    fn cases(metric: &str) -> Vec<(Vec<f64>, Vec<u32>, f64)> {
        let floats = |v: &serde_json::Value| -> Vec<f64> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        };
        reference()[metric]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let y = floats(&c["y"]).into_iter().map(|v| v as u32).collect();
                (floats(&c["p"]), y, c[metric].as_f64().unwrap())
            })
            .collect()
    }

    #[test]
    fn brier_matches_scikit_learn() {
        for (p, y, expected) in cases("brier") {
            let b = brier(&p, &y).unwrap();
            assert!((b - expected).abs() < 1e-12, "{b} vs {expected}");
        }
    }

    #[test]
    fn auc_matches_scikit_learn_with_ties() {
        for (p, y, expected) in cases("auc") {
            let a = auc(&p, &y).unwrap();
            assert!((a - expected).abs() < 1e-12, "{a} vs {expected}");
        }
    }

    #[test]
    fn the_bootstrap_is_seeded_and_brackets_the_estimate() {
        let p: Vec<f64> = (0..200).map(|i| f64::from(i % 10) / 10.0).collect();
        let y: Vec<u32> = (0..200)
            .map(|i| u32::from(i % 10 >= 4 && i % 7 != 0))
            .collect();
        let a = bootstrap_ci(&p, &y, auc, 500, 1).unwrap();
        assert_eq!(
            a,
            bootstrap_ci(&p, &y, auc, 500, 1).unwrap(),
            "same seed, same interval"
        );
        let point = auc(&p, &y).unwrap();
        assert!(a.0 < point && point < a.1, "{a:?} around {point}");
        assert!(a.1 - a.0 < 0.2, "{a:?}");
    }

    #[test]
    fn auc_is_undefined_with_one_class() {
        assert_eq!(auc(&[0.2, 0.4], &[1, 1]), None);
    }

    #[test]
    fn wilson_with_no_observations_says_nothing_is_known() {
        assert_eq!(wilson_interval(0, 0), (0.0, 1.0));
    }

    #[test]
    fn brier_of_perfect_and_useless_forecasts() {
        assert_eq!(brier(&[1.0, 0.0], &[1, 0]), Some(0.0));
        assert_eq!(brier(&[0.5, 0.5], &[1, 0]), Some(0.25));
        assert_eq!(brier(&[], &[]), None);
    }
}
