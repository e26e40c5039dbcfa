//! Champion/challenger decisions, the gate and the planted overfit champion.

use super::*;
use crate::model::cart;
use crate::model::tree::{Leaf, TreeNode};

fn month(y: i32, m: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, 1).unwrap()
}

/// A champion trained up to 2024-10: the validation cohort 2024-11 is unseen by it.
fn champion<'a>(version: &'a str, tree: &'a TrainedTree) -> Champion<'a> {
    Champion {
        version,
        tree,
        trained_to: month(2024, 10),
    }
}

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
    let d = month(2024, 1);
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
        val_cohort_months: vec![month(2024, 11); 40],
        val_spell_ids: vec![],
        val_probabilities,
        val_base_rate: 0.5,
        prices: vec![],
        threshold: 0.6,
    }
}

#[test]
fn a_worse_challenger_is_refused_and_the_champion_stays() {
    // The champion's Brier on these rows is 0.01; the challenger's 0.2
    // (better than guessing's 0.25, so only the champion stops it).
    let d = decide(
        &challenger(0.2),
        Some(champion("2024-12-champion", &good_champion())),
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
        Some(champion("2024-12-champion", &good_champion())),
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
        d.reason.contains("ikke rammer bedre end at gætte") && d.reason.contains("ingen borgere"),
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
        Some(champion("2024-12-champion", &one_leaf_tree(0.5))),
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

/// Rows of `months` (300 a month): input 0 carries the signal (risk 0.1 to 0.82),
/// every other input is noise with distinct values a deep tree can memorise.
fn planted_rows(months: &[NaiveDate], width: usize) -> (Vec<Vec<f64>>, Vec<u32>, Vec<NaiveDate>) {
    use rand::Rng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(18);
    let (mut x, mut y, mut m) = (vec![], vec![], vec![]);
    for &month in months {
        for _ in 0..300 {
            let s = f64::from(rng.random_range(0..10u32));
            let mut row = vec![s];
            row.extend((1..width).map(|_| rng.random::<f64>()));
            y.push(u32::from(rng.random::<f64>() < 0.1 + 0.08 * s));
            x.push(row);
            m.push(month);
        }
    }
    (x, y, m)
}

/// Issue #18: the champion was refitted on its whole window, validation months
/// included. A planted overfit champion (an unlimited tree, unsmoothed leaves, on
/// the old window) is nearly perfect on the two validation cohorts it was trained
/// on. Judged on the challenger's whole validation set (the old rule) it is kept;
/// judged on the one cohort neither has seen (the rule now), it is replaced.
#[test]
fn a_planted_overfit_champion_is_kept_by_the_old_rule_and_replaced_by_the_new() {
    let cfg = crate::config::PipelineConfig::load(std::path::Path::new("pipelines/monthly.toml"))
        .unwrap();
    let policy =
        crate::model::policy::FeaturePolicy::load(std::path::Path::new("model/features.toml"))
            .unwrap();
    let width = policy.input_names().len();
    let months: Vec<NaiveDate> = (1..=6).map(|m| month(2023, m)).collect();
    let (x, y, cohort) = planted_rows(&months, width);
    let (val_from, champion_to) = (month(2023, 4), month(2023, 5));
    let pick = |keep: &dyn Fn(NaiveDate) -> bool| {
        let idx: Vec<usize> = (0..x.len()).filter(|&i| keep(cohort[i])).collect();
        (
            idx.iter().map(|&i| x[i].clone()).collect::<Vec<_>>(),
            idx.iter().map(|&i| y[i]).collect::<Vec<_>>(),
            idx.iter().map(|&i| cohort[i]).collect::<Vec<_>>(),
        )
    };
    // The champion: trained last month on cohorts up to 2023-05, memorising them.
    let (old_x, old_y, _) = pick(&|m| m <= champion_to);
    let threads = cart::available_threads();
    let nodes = cart::fit(
        &cart::Columns::new(&old_x, threads).unwrap(),
        &old_y,
        cart::CartParams {
            max_depth: 64,
            min_samples_leaf: 1,
        },
        threads,
    )
    .unwrap();
    let overfit = TrainedTree {
        leaves: crate::model::tree::leaves(&nodes, &old_x, &old_y, 0.0, &policy),
        nodes,
        max_depth: 64,
        min_samples_leaf: 1,
    };
    // The challenger: an honest shallow tree fitted before its validation months.
    let (fit_x, fit_y, _) = pick(&|m| m < val_from);
    let honest = crate::model::fit_tree(&fit_x, &fit_y, 2, 60, &cfg, &policy).unwrap();
    let (val_x, val_y, val_cohort_months) = pick(&|m| m >= val_from);
    let val_probabilities: Vec<f64> = val_x
        .iter()
        .map(|r| honest.leaf_for(r).probability)
        .collect();
    let base = fit_y.iter().map(|&v| f64::from(v)).sum::<f64>() / fit_y.len() as f64;
    let outcome = TrainOutcome {
        version: "2023-07-challenger".into(),
        tree: honest.clone(),
        n_train: x.len(),
        base_rate: base,
        val_brier: brier(&val_probabilities, &val_y),
        val_brier_baseline: None,
        train_from: months[0],
        train_to: months[5],
        val_from,
        validations: vec![],
        val_x,
        val_y,
        val_cohort_months,
        val_spell_ids: vec![],
        val_probabilities,
        val_base_rate: base,
        prices: vec![],
        threshold: 0.6,
    };
    let champion_at = |trained_to| Champion {
        version: "2023-06-overfit",
        tree: &overfit,
        trained_to,
    };
    // The old rule: the champion judged on all three validation cohorts, as if it
    // had seen none of them.
    let old_rule = decide(&outcome, Some(champion_at(month(2023, 3))), 0.002);
    assert!(old_rule.gate.passed, "{}", old_rule.reason);
    assert!(
        !old_rule.promote,
        "the old rule keeps the overfit champion: {}",
        old_rule.reason
    );
    // The rule now: only 2023-06, which neither has seen.
    let new_rule = decide(&outcome, Some(champion_at(champion_to)), 0.002);
    assert!(new_rule.promote, "{}", new_rule.reason);
    let c = new_rule.comparison.as_ref().unwrap();
    assert_eq!((c.n_cohorts, c.n_spells, c.from), (1, 300, month(2023, 6)));
    assert!(c.difference_ci.1 < 0.0, "beyond noise: {c:?}");
    assert_eq!(c.champion_by_cohort.len(), 1);
    assert!(
        new_rule
            .reason
            .contains("1 kohorte (juni 2023, 300 forløb)")
            && new_rule.reason.contains("95 %-interval"),
        "{}",
        new_rule.reason
    );
}

#[test]
fn without_a_cohort_neither_has_seen_the_champion_stays_and_says_why() {
    let mut ch = challenger(0.011);
    ch.val_cohort_months = vec![month(2024, 10); 40];
    let d = decide(
        &ch,
        Some(champion("2024-12-champion", &good_champion())),
        0.002,
    );
    assert!(!d.promote && d.comparison.is_none());
    assert!(d.reason.contains("ingen af dem"), "{}", d.reason);
}
