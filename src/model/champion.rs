//! Champion and challenger: each month's newly trained tree (the challenger)
//! replaces the model in use (the champion) only if it is not worse on the same
//! validation cohorts by more than the configured tolerance. Both are judged on
//! cohorts neither was fitted on for the comparison: the challenger's figure is
//! from its fit without the validation months, and the champion was trained in
//! an earlier month whose window ended before them.

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
    pub reason: String,
}

/// Decides whether `challenger` replaces `champion` (version, tree).
pub fn decide(
    challenger: &TrainOutcome,
    champion: Option<(&str, &TrainedTree)>,
    tolerance: f64,
) -> Decision {
    let challenger_brier = challenger.val_brier.unwrap_or(f64::INFINITY);
    let Some((version, tree)) = champion else {
        return Decision {
            promote: true,
            challenger_brier,
            champion_version: None,
            champion_brier: None,
            reason: "Første model: der var ingen model i brug.".into(),
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

    fn challenger(val_brier: f64) -> TrainOutcome {
        let d = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
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
            val_x: vec![vec![0.0], vec![1.0], vec![0.0], vec![1.0]],
            val_y: vec![0, 1, 0, 1],
            val_spell_ids: vec![],
            val_probabilities: vec![],
        }
    }

    #[test]
    fn a_worse_challenger_is_refused_and_the_champion_stays() {
        // The champion's Brier on these rows is 0.01; the challenger's 0.25.
        let d = decide(
            &challenger(0.25),
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
    fn the_first_model_is_always_promoted() {
        let d = decide(&challenger(0.3), None, 0.002);
        assert!(d.promote);
        assert_eq!(d.champion_version, None);
    }
}
