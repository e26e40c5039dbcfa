//! Champion and challenger: each month's newly trained tree (the challenger)
//! is put in use only if it beats guessing (the base rate) on the validation
//! cohorts, and then replaces the model in use (the champion) only if it is not
//! worse on the same cohorts by more than the configured tolerance. Both are
//! judged on cohorts neither was fitted on for the comparison: the challenger's
//! figure is from its fit without the validation months, and the champion was
//! trained in an earlier month whose window ended before them.
//!
//! The gate against guessing (docs/metrics.md, "Porten mod at gætte"): the
//! difference of Brier scores, tree minus base rate, on the same validation
//! rows, with a seeded paired percentile bootstrap 95 % interval (the same rows
//! drawn for both). The tree passes only if the whole interval lies below 0,
//! i.e. it is better than guessing beyond sampling noise; a tree that is worse,
//! equal, or better by no more than chance is never put in use. The month then
//! keeps the champion, or, without one, scores nobody.

use rand::{Rng, SeedableRng};

use super::{TrainOutcome, TrainedTree};
use crate::metrics::brier;
use crate::present::format::number;

/// The decision of one month, with its reason in Danish.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub promote: bool,
    pub challenger_brier: f64,
    pub champion_version: Option<String>,
    pub champion_brier: Option<f64>,
    /// How the challenger did against guessing.
    pub gate: Gate,
    pub reason: String,
}

/// The challenger against the base rate on the validation rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gate {
    /// Brier score of guessing the fitting months' base rate for everybody.
    pub base_rate_brier: f64,
    /// Tree minus base rate, and its paired bootstrap 95 % interval.
    pub difference: f64,
    pub difference_ci: (f64, f64),
    /// The whole interval below 0.
    pub passed: bool,
}

/// Resamples and seed of the paired bootstrap (as the validation intervals).
const GATE_RESAMPLES: usize = 1000;
const GATE_SEED: u64 = 20_260_101;

impl Gate {
    /// The gate for tree probabilities `p` and base rate `base` against labels `y`.
    pub fn of(p: &[f64], base: f64, y: &[u32]) -> Gate {
        let n = y.len();
        // Per row: squared error of the tree minus that of guessing.
        let d: Vec<f64> = p
            .iter()
            .zip(y)
            .map(|(&p, &y)| {
                let y = f64::from(y);
                (p - y).powi(2) - (base - y).powi(2)
            })
            .collect();
        let base_rate_brier = brier(&vec![base; n], y).unwrap_or(f64::INFINITY);
        if n == 0 || d.len() != n {
            return Gate {
                base_rate_brier,
                difference: f64::NAN,
                difference_ci: (f64::NAN, f64::NAN),
                passed: false,
            };
        }
        let difference = d.iter().sum::<f64>() / n as f64;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(GATE_SEED);
        let mut means: Vec<f64> = (0..GATE_RESAMPLES)
            .map(|_| (0..n).map(|_| d[rng.random_range(0..n)]).sum::<f64>() / n as f64)
            .collect();
        means.sort_by(f64::total_cmp);
        let quantile = |q: f64| {
            let pos = q * (means.len() - 1) as f64;
            let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
            means[lo] + (means[hi] - means[lo]) * (pos - lo as f64)
        };
        let difference_ci = (quantile(0.025), quantile(0.975));
        Gate {
            base_rate_brier,
            difference,
            difference_ci,
            passed: difference_ci.1 < 0.0,
        }
    }
}

/// Decides whether `challenger` replaces `champion` (version, tree).
pub fn decide(
    challenger: &TrainOutcome,
    champion: Option<(&str, &TrainedTree)>,
    tolerance: f64,
) -> Decision {
    let challenger_brier = challenger.val_brier.unwrap_or(f64::INFINITY);
    let gate = Gate::of(
        &challenger.val_probabilities,
        challenger.val_base_rate,
        &challenger.val_y,
    );
    if !gate.passed {
        return refused_as_guessing(challenger_brier, champion, gate);
    }
    let Some((version, tree)) = champion else {
        return Decision {
            promote: true,
            challenger_brier,
            champion_version: None,
            champion_brier: None,
            gate,
            reason: format!(
                "Første model: der var ingen model i brug, og den rammer bedre end at gætte \
                 (Brier {} mod basisratens {}).",
                number(challenger_brier, 4),
                number(gate.base_rate_brier, 4)
            ),
        };
    };
    let p: Vec<f64> = challenger
        .val_x
        .iter()
        .map(|r| tree.leaf_for(r).probability)
        .collect();
    let champion_brier = brier(&p, &challenger.val_y).unwrap_or(f64::INFINITY);
    let promote = challenger_brier <= champion_brier + tolerance;
    let (new, old, tol) = (
        number(challenger_brier, 4),
        number(champion_brier, 4),
        number(tolerance, 3),
    );
    let reason = if promote {
        format!(
            "Ny model taget i brug: Brier {new} mod {old} for model {version} \
             på de samme valideringskohorter (tolerance {tol})."
        )
    } else {
        format!(
            "Ny model afvist: Brier {new} er mere end {tol} dårligere end {old} \
             for model {version} på de samme valideringskohorter; {version} bruges fortsat."
        )
    };
    Decision {
        promote,
        challenger_brier,
        champion_version: Some(version.to_string()),
        champion_brier: Some(champion_brier),
        gate,
        reason,
    }
}

/// A challenger no better than guessing: never put in use.
fn refused_as_guessing(
    challenger_brier: f64,
    champion: Option<(&str, &TrainedTree)>,
    gate: Gate,
) -> Decision {
    let (lo, hi) = gate.difference_ci;
    let figures = format!(
        "Brier {} mod {} ved blot at gætte basisraten for alle; forskellen {} (95 %-interval {} til {}) er ikke sikkert under 0",
        number(challenger_brier, 4),
        number(gate.base_rate_brier, 4),
        number(gate.difference, 4),
        number(lo, 4),
        number(hi, 4)
    );
    let reason = match champion {
        Some((version, _)) => format!(
            "Ny model afvist, fordi den ikke rammer bedre end at gætte: {figures}. Model {version} bruges fortsat."
        ),
        None => format!(
            "Ny model afvist, fordi den ikke rammer bedre end at gætte: {figures}. Der er ingen model i brug, så ingen borgere i månedens kohorte får en vurdering."
        ),
    };
    Decision {
        promote: false,
        challenger_brier,
        champion_version: champion.map(|(v, _)| v.to_string()),
        champion_brier: None,
        gate,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tree::{Leaf, TreeNode};

    fn one_leaf_tree(p: f64) -> TrainedTree {
        TrainedTree {
            nodes: vec![TreeNode {
                output: 0,
                n_node_samples: 10,
                split_feature: 0,
                split_value: None,
                true_child: None,
                false_child: None,
            }],
            leaves: vec![Leaf {
                leaf_id: 0,
                rule: "Alle".into(),
                n: 10,
                n_pos: 5,
                probability: p,
                ci_low: 0.0,
                ci_high: 1.0,
            }],
            max_depth: 1,
            min_samples_leaf: 1,
        }
    }

    /// A champion that splits on x[0] <= 0.5 and predicts 0.1 / 0.9.
    fn good_champion() -> TrainedTree {
        let node = |split: Option<(f64, usize, usize)>| TreeNode {
            output: 0,
            n_node_samples: 10,
            split_feature: 0,
            split_value: split.map(|s| s.0),
            true_child: split.map(|s| s.1),
            false_child: split.map(|s| s.2),
        };
        let leaf = |id, p| Leaf {
            leaf_id: id,
            rule: String::new(),
            n: 10,
            n_pos: 1,
            probability: p,
            ci_low: 0.0,
            ci_high: 1.0,
        };
        TrainedTree {
            nodes: vec![node(Some((0.5, 1, 2))), node(None), node(None)],
            leaves: vec![leaf(1, 0.1), leaf(2, 0.9)],
            max_depth: 1,
            min_samples_leaf: 1,
        }
    }

    /// A challenger with validation Brier `val_brier` on 40 rows, half of them
    /// positive, whose base rate (0.5) has Brier 0.25.
    fn challenger(val_brier: f64) -> TrainOutcome {
        let d = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let val_y: Vec<u32> = (0..40).map(|i| i % 2).collect();
        let a = val_brier.sqrt();
        let val_probabilities = val_y
            .iter()
            .map(|&y| if y == 1 { 1.0 - a } else { a })
            .collect();
        TrainOutcome {
            version: "2025-01-challenger".into(),
            tree: one_leaf_tree(0.5),
            n_train: 100,
            base_rate: 0.5,
            val_brier: Some(val_brier),
            val_brier_baseline: Some(0.25),
            train_from: d,
            train_to: d,
            val_from: d,
            validations: vec![],
            val_x: val_y.iter().map(|&y| vec![f64::from(y)]).collect(),
            val_y,
            val_spell_ids: vec![],
            val_probabilities,
            val_base_rate: 0.5,
        }
    }

    #[test]
    fn a_worse_challenger_is_refused_and_the_champion_stays() {
        // The champion's Brier on these rows is 0.01; the challenger's 0.2
        // (better than guessing's 0.25, so only the champion stops it).
        let d = decide(
            &challenger(0.2),
            Some(("2024-12-champion", &good_champion())),
            0.002,
        );
        assert!(!d.promote);
        assert!((d.champion_brier.unwrap() - 0.01).abs() < 1e-12);
        assert!(
            d.reason.contains("afvist") && d.reason.contains("2024-12-champion"),
            "{}",
            d.reason
        );
    }

    #[test]
    fn a_challenger_within_the_tolerance_is_promoted() {
        let d = decide(
            &challenger(0.011),
            Some(("2024-12-champion", &good_champion())),
            0.002,
        );
        assert!(d.promote, "{}", d.reason);
    }

    #[test]
    fn the_first_model_is_promoted_when_it_beats_guessing() {
        let d = decide(&challenger(0.2), None, 0.002);
        assert!(d.promote, "{}", d.reason);
        assert!(d.gate.passed);
        assert_eq!(d.champion_version, None);
    }

    #[test]
    fn a_first_model_worse_than_guessing_is_not_put_in_use_and_nobody_is_scored() {
        let d = decide(&challenger(0.3), None, 0.002);
        assert!(!d.promote);
        assert!(!d.gate.passed);
        assert!((d.gate.base_rate_brier - 0.25).abs() < 1e-12);
        assert!(
            d.reason.contains("ikke rammer bedre end at gætte")
                && d.reason.contains("ingen borgere"),
            "{}",
            d.reason
        );
    }

    #[test]
    fn a_challenger_no_better_than_guessing_is_refused_and_the_champion_stays() {
        // Exactly the base rate's Brier: not better, so never in use, although a
        // champion-only rule with a tolerance would have let it through.
        let d = decide(
            &challenger(0.25),
            Some(("2024-12-champion", &one_leaf_tree(0.5))),
            0.002,
        );
        assert!(!d.promote);
        assert!(!d.gate.passed);
        assert_eq!(d.champion_version.as_deref(), Some("2024-12-champion"));
        assert!(
            d.reason.contains("2024-12-champion bruges fortsat"),
            "{}",
            d.reason
        );
    }

    #[test]
    fn the_gate_asks_the_whole_interval_of_the_difference_to_lie_below_zero() {
        // Noisy: the tree is much better on some rows and much worse on others;
        // the interval of the difference reaches above 0, so it does not pass.
        let y: Vec<u32> = (0..40).map(|i| i % 2).collect();
        let p: Vec<f64> = (0..40)
            .map(|i| match (i % 2, (i / 2) % 2) {
                (1, 0) => 0.9,
                (1, _) => 0.2,
                (_, 0) => 0.1,
                _ => 0.8,
            })
            .collect();
        let g = Gate::of(&p, 0.5, &y);
        assert!(g.difference_ci.0 < g.difference && g.difference < g.difference_ci.1);
        assert!(g.difference_ci.1 > 0.0 && !g.passed, "{g:?}");
    }
}
