//! The fitted decision tree as data: its nodes, routing a row to its leaf, each
//! leaf's rule path in plain Danish, and leaf probabilities from observed rates.
//!
//! The tree is fitted by our own CART (`super::cart`), which returns this node list.
//! The node layout is the one smartcore 0.7 serialises to (the first model versions
//! were fitted with smartcore), so artefacts written by those versions still load.
//! Leaf probabilities are the smoothed observed rates of the training rows in each
//! leaf, not a one-hot majority vote, so they can be calibrated and explained.

use serde::{Deserialize, Serialize};

use crate::policy::{FeatureKind, FeaturePolicy};
use jobcockpit_metrics::wilson_interval_weighted;

/// One node of a fitted tree. A row goes to `true_child` when its
/// value is `<= split_value`; a node without children is a leaf.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeNode {
    pub output: usize,
    pub n_node_samples: usize,
    pub split_feature: usize,
    pub split_value: Option<f64>,
    pub true_child: Option<usize>,
    pub false_child: Option<usize>,
}

/// A leaf with what the explanation shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Leaf {
    /// Index of the leaf's node in the tree.
    pub leaf_id: usize,
    pub rule: String,
    /// Training rows that reached this leaf, and how many were still unemployed.
    pub n: u64,
    pub n_pos: u64,
    /// The smoothed observed rate: the model's probability for this leaf.
    pub probability: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// The leaf (node index) a row ends in: `<=` goes to `true_child`, as scikit-learn
/// and smartcore route it.
pub fn route(nodes: &[TreeNode], row: &[f64]) -> usize {
    let mut id = 0;
    loop {
        let node = &nodes[id];
        match (node.true_child, node.false_child) {
            (Some(t), Some(f)) => {
                id = if row[node.split_feature] <= node.split_value.unwrap_or(f64::NAN) {
                    t
                } else {
                    f
                };
            }
            _ => return id,
        }
    }
}

/// Leaf probabilities from the training rows: `(positives + a·base) / (n + a)`,
/// with a Wilson 95 % interval on the same pseudo-counts, so the interval shown
/// belongs to the number the model scores with (#14: the explanation once showed
/// the raw rate beside a smoothed score). Leaves are ordered by id.
pub fn leaves(
    nodes: &[TreeNode],
    x: &[Vec<f64>],
    y: &[u32],
    smoothing: f64,
    policy: &FeaturePolicy,
) -> Vec<Leaf> {
    let base = y.iter().map(|&v| f64::from(v)).sum::<f64>() / y.len().max(1) as f64;
    let mut counts = vec![(0u64, 0u64); nodes.len()];
    for (row, &label) in x.iter().zip(y) {
        let leaf = route(nodes, row);
        counts[leaf].0 += 1;
        counts[leaf].1 += u64::from(label);
    }
    (0..nodes.len())
        .filter(|&id| nodes[id].true_child.is_none())
        .map(|id| {
            let (n, n_pos) = counts[id];
            let (k, m) = (n_pos as f64 + smoothing * base, n as f64 + smoothing);
            let probability = k / m;
            let (ci_low, ci_high) = wilson_interval_weighted(k, m);
            Leaf {
                leaf_id: id,
                rule: rule_path(nodes, id, policy),
                n,
                n_pos,
                probability,
                ci_low,
                ci_high,
            }
        })
        .collect()
}

impl Leaf {
    /// The explanation a caseworker can read to the citizen: the rule, how many
    /// similar people the model learned from, and what happened to them. The rate
    /// is the leaf's probability, the very number stored as the score.
    pub fn explanation(&self, horizon_months: u32) -> String {
        let pct = |x: f64| jobcockpit_present::format::percent(x, 0);
        format!(
            "{} → {} af {} lignende personer var stadig ledige {} måneder senere (95 %-interval {} til {}).",
            self.rule,
            pct(self.probability),
            jobcockpit_present::format::number(self.n as f64, 0),
            horizon_months,
            pct(self.ci_low),
            pct(self.ci_high)
        )
    }
}

/// The inputs (indices into the version's input list) the splits on the way from
/// the root to `leaf` look at, each once, in the order they are first used.
pub fn path_inputs(nodes: &[TreeNode], leaf: usize) -> Vec<usize> {
    let mut parent = vec![None; nodes.len()];
    for (id, n) in nodes.iter().enumerate() {
        for child in [n.true_child, n.false_child].into_iter().flatten() {
            if let Some(p) = parent.get_mut(child) {
                *p = Some(id);
            }
        }
    }
    let mut path = Vec::new();
    let mut at = leaf;
    while let Some(Some(p)) = parent.get(at) {
        path.push(nodes[*p].split_feature);
        at = *p;
    }
    path.reverse();
    let mut seen = Vec::new();
    for f in path {
        if !seen.contains(&f) {
            seen.push(f);
        }
    }
    seen
}

/// The conditions on the way from the root to `leaf`, in Danish.
pub fn rule_path(nodes: &[TreeNode], leaf: usize, policy: &FeaturePolicy) -> String {
    let mut parent = vec![None; nodes.len()];
    for (id, n) in nodes.iter().enumerate() {
        if let Some(t) = n.true_child {
            parent[t] = Some((id, true));
        }
        if let Some(f) = n.false_child {
            parent[f] = Some((id, false));
        }
    }
    let mut parts = Vec::new();
    let mut at = leaf;
    while let Some((p, went_true)) = parent[at] {
        parts.push(condition(&nodes[p], went_true, policy));
        at = p;
    }
    if parts.is_empty() {
        return "Alle borgere (ingen opdeling)".into();
    }
    parts.reverse();
    parts.join(" og ")
}

fn condition(node: &TreeNode, went_true: bool, policy: &FeaturePolicy) -> String {
    let feature = &policy.inputs[node.split_feature];
    let value = node.split_value.unwrap_or(f64::NAN);
    match feature.kind {
        // Flags are 0/1, so "<= 0.5" means "no".
        FeatureKind::Flag => format!(
            "{}: {}",
            feature.label,
            if went_true { "nej" } else { "ja" }
        ),
        FeatureKind::Number => {
            format!(
                "{} {} {}",
                feature.label,
                if went_true { "≤" } else { ">" },
                danish_number(value)
            )
        }
    }
}

/// A number with a decimal comma and at most two decimals.
fn danish_number(v: f64) -> String {
    let s = format!("{:.2}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> FeaturePolicy {
        FeaturePolicy::parse(
            "protected=[\"sex\"]\nnever_inputs=[\"sex\",\"origin\"]\n\
             [[input]]\nname=\"age\"\nlabel=\"Alder\"\nkind=\"number\"\n\
             [[input]]\nname=\"driving_licence\"\nlabel=\"Kørekort\"\nkind=\"flag\"\n",
        )
        .unwrap()
    }

    fn node(split: Option<(usize, f64, usize, usize)>) -> TreeNode {
        TreeNode {
            output: 0,
            n_node_samples: 0,
            split_feature: split.map_or(0, |s| s.0),
            split_value: split.map(|s| s.1),
            true_child: split.map(|s| s.2),
            false_child: split.map(|s| s.3),
        }
    }

    /// age <= 29.5 ? (licence <= 0.5 ? leaf3 : leaf4) : leaf2
    fn small_tree() -> Vec<TreeNode> {
        vec![
            node(Some((0, 29.5, 1, 2))),
            node(Some((1, 0.5, 3, 4))),
            node(None),
            node(None),
            node(None),
        ]
    }

    #[test]
    fn a_value_equal_to_the_threshold_goes_to_the_true_child() {
        let t = small_tree();
        assert_eq!(route(&t, &[29.5, 0.0]), 3);
        assert_eq!(route(&t, &[25.0, 1.0]), 4);
        assert_eq!(route(&t, &[30.0, 0.0]), 2);
    }

    #[test]
    fn a_rule_path_reads_as_danish_conditions() {
        assert_eq!(
            rule_path(&small_tree(), 3, &policy()),
            "Alder ≤ 29,5 og Kørekort: nej"
        );
        assert_eq!(rule_path(&small_tree(), 2, &policy()), "Alder > 29,5");
    }

    #[test]
    fn an_explanation_gives_rule_count_rate_and_interval() {
        let leaf = Leaf {
            leaf_id: 3,
            rule: "Alder ≤ 29,5 og Kørekort: nej".into(),
            n: 341,
            n_pos: 246,
            probability: 0.72,
            ci_low: 0.67,
            ci_high: 0.77,
        };
        assert_eq!(
            leaf.explanation(12),
            "Alder ≤ 29,5 og Kørekort: nej → 72 % af 341 lignende personer var stadig ledige 12 måneder senere \
             (95 %-interval 67 % til 77 %)."
        );
    }

    #[test]
    fn the_explanation_shows_the_probability_the_model_scores_with() {
        let x: Vec<Vec<f64>> = (0..40).map(|i| vec![f64::from(i), 0.0]).collect();
        let y: Vec<u32> = (0..40).map(|i| u32::from(i % 3 == 0)).collect();
        for leaf in leaves(&small_tree(), &x, &y, 10.0, &policy()) {
            let shown = jobcockpit_present::format::percent(leaf.probability, 0);
            assert!(leaf.explanation(12).contains(&format!("→ {shown} af")));
            assert!(
                leaf.ci_low <= leaf.probability && leaf.probability <= leaf.ci_high,
                "the interval holds the score: {leaf:?}"
            );
        }
    }

    #[test]
    fn the_inputs_on_a_path_are_listed_once_in_order() {
        assert_eq!(path_inputs(&small_tree(), 3), vec![0, 1]);
        assert_eq!(path_inputs(&small_tree(), 2), vec![0]);
        assert_eq!(path_inputs(&small_tree(), 0), Vec::<usize>::new());
    }

    #[test]
    fn leaf_probabilities_are_smoothed_observed_rates() {
        let x = vec![
            vec![20.0, 0.0],
            vec![21.0, 0.0],
            vec![40.0, 0.0],
            vec![41.0, 1.0],
        ];
        let y = vec![1, 1, 0, 1];
        let ls = leaves(&small_tree(), &x, &y, 2.0, &policy());
        let l3 = ls.iter().find(|l| l.leaf_id == 3).unwrap();
        assert_eq!((l3.n, l3.n_pos), (2, 2));
        // (2 + 2 * 0.75) / (2 + 2)
        assert!((l3.probability - 0.875).abs() < 1e-12);
        let l4 = ls.iter().find(|l| l.leaf_id == 4).unwrap();
        assert_eq!(l4.n, 0);
        assert!(
            (l4.probability - 0.75).abs() < 1e-12,
            "an empty leaf falls back to the base rate"
        );
    }
}
