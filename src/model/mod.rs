//! The model: a decision tree (our exact CART, `cart`) trained each month on mature cohorts,
//! with hyper-parameters chosen on the most recent mature cohorts (a time split),
//! leaf probabilities from observed rates, and scoring with a rule explanation.

pub mod baseline;
pub mod benchmark;
pub mod card;
pub mod champion;
pub mod grid;
pub mod price;
pub mod registry;
pub mod verify;

/// The tree itself (crates/tree, compiled and tested without DuckDB): the exact
/// CART learner, the node list with its routing and Danish rules, the feature policy.
pub use jobcockpit_tree::{cart, policy, tree};

use chrono::NaiveDate;
use duckdb::Connection;
use serde::Serialize;

use crate::config::PipelineConfig;
use crate::metrics::brier;
use crate::store::{query_table, StoreError};
use crate::table::Table;
use grid::GridChoice;
use policy::FeaturePolicy;
use tree::{Leaf, TreeNode};

/// Model errors.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Learn(#[from] jobcockpit_tree::TreeError),
    #[error("træet kunne ikke læses: {0}")]
    Tree(String),
    #[error("træning fejlede: {0}")]
    Fit(String),
    #[error("modelversionen kunne ikke genskabes byte for byte: {0}")]
    Unverified(String),
    #[error("kolonnen '{0}' mangler i modelmatricen")]
    MissingColumn(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("databasefejl: {0}")]
    Db(#[from] duckdb::Error),
}

const TRAINING_SET: &str = include_str!("../../sql/model/training_set.sql");
const SCORING_SET: &str = include_str!("../../sql/model/scoring_set.sql");

/// Rows of the model matrix: ids, feature values in policy order, labels.
pub struct Matrix {
    pub spell_ids: Vec<String>,
    pub person_ids: Vec<String>,
    pub cohort_months: Vec<NaiveDate>,
    pub x: Vec<Vec<f64>>,
    pub y: Vec<u32>,
}

impl Matrix {
    fn from_table(t: &Table, policy: &FeaturePolicy, labelled: bool) -> Result<Matrix, ModelError> {
        let idx = |name: &str| {
            t.column_index(name)
                .ok_or_else(|| ModelError::MissingColumn(name.to_string()))
        };
        let feature_idx: Vec<usize> = policy
            .input_names()
            .iter()
            .map(|n| idx(n))
            .collect::<Result<_, _>>()?;
        let (spell, person, month) = (idx("spell_id")?, idx("person_id")?, idx("cohort_month")?);
        let label = if labelled { Some(idx("label")?) } else { None };
        let mut m = Matrix {
            spell_ids: vec![],
            person_ids: vec![],
            cohort_months: vec![],
            x: vec![],
            y: vec![],
        };
        for row in &t.rows {
            m.spell_ids.push(text(&row[spell]));
            m.person_ids.push(text(&row[person]));
            m.cohort_months.push(match &row[month] {
                crate::table::Cell::Date(d) => *d,
                other => return Err(ModelError::Fit(format!("ugyldig kohortemåned {other:?}"))),
            });
            m.x.push(
                feature_idx
                    .iter()
                    .map(|&i| row[i].as_f64().unwrap_or(0.0))
                    .collect(),
            );
            if let Some(l) = label {
                m.y.push(row[l].as_i64().unwrap_or(0) as u32);
            }
        }
        Ok(m)
    }

    fn subset(&self, keep: impl Fn(NaiveDate) -> bool) -> (Vec<Vec<f64>>, Vec<u32>) {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..self.x.len() {
            if keep(self.cohort_months[i]) {
                x.push(self.x[i].clone());
                y.push(self.y[i]);
            }
        }
        (x, y)
    }
}

fn text(c: &crate::table::Cell) -> String {
    match c {
        crate::table::Cell::Text(s) => s.clone(),
        other => format!("{other:?}"),
    }
}

/// A trained tree ready to score: nodes and leaves.
#[derive(Debug, Clone, Serialize)]
pub struct TrainedTree {
    pub nodes: Vec<TreeNode>,
    pub leaves: Vec<Leaf>,
    pub max_depth: u16,
    pub min_samples_leaf: usize,
}

impl TrainedTree {
    /// The leaf a row falls in.
    pub fn leaf_for(&self, row: &[f64]) -> &Leaf {
        let id = tree::route(&self.nodes, row);
        self.leaves
            .iter()
            .find(|l| l.leaf_id == id)
            .expect("every routed node is a leaf")
    }
}

/// Fits a tree (`cart`, on all cores) with the given hyper-parameters and computes
/// its leaves. The same rows give the same nodes, byte for byte.
pub fn fit_tree(
    x: &[Vec<f64>],
    y: &[u32],
    max_depth: u16,
    min_samples_leaf: usize,
    cfg: &PipelineConfig,
    policy: &FeaturePolicy,
) -> Result<TrainedTree, ModelError> {
    let threads = cart::available_threads();
    let columns = cart::Columns::new(x, threads)?;
    let params = cart::CartParams {
        max_depth,
        min_samples_leaf,
    };
    let nodes = cart::fit(&columns, y, params, threads)?;
    let leaves = tree::leaves(&nodes, x, y, cfg.training.leaf_smoothing, policy);
    Ok(TrainedTree {
        nodes,
        leaves,
        max_depth,
        min_samples_leaf,
    })
}

/// What a training run produced.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    pub version: String,
    pub tree: TrainedTree,
    pub n_train: usize,
    pub base_rate: f64,
    pub val_brier: Option<f64>,
    pub val_brier_baseline: Option<f64>,
    pub train_from: NaiveDate,
    pub train_to: NaiveDate,
    pub val_from: NaiveDate,
    /// The tree and its baselines on the validation cohorts.
    pub validations: Vec<baseline::Validation>,
    /// The validation rows and their cohorts, kept so the champion can be judged
    /// on the cohorts that matured after its own training window.
    pub val_x: Vec<Vec<f64>>,
    pub val_y: Vec<u32>,
    pub val_cohort_months: Vec<NaiveDate>,
    /// The spells of the validation rows and the chosen tree's probabilities for
    /// them (fitted without the validation months), for group error rates.
    pub val_spell_ids: Vec<String>,
    pub val_probabilities: Vec<f64>,
    /// The base rate of the fitting months: guessing, the probability every
    /// validation row gets from the baseline the tree must beat to be used.
    pub val_base_rate: f64,
    /// The price of explainability: the tree against the benchmark ensemble and the
    /// logistic regression on the validation rows.
    pub prices: Vec<price::Price>,
    /// The policy threshold every accuracy and error rate of this version is at.
    pub threshold: f64,
}

/// The training window of a run: mature cohorts only (outcome month <= run month).
pub fn training_window(
    run_month: NaiveDate,
    cfg: &PipelineConfig,
) -> (NaiveDate, NaiveDate, NaiveDate) {
    let months = |n: u32| chrono::Months::new(n);
    let train_to = run_month - months(cfg.cohort.horizon_months);
    let train_from = train_to - months(cfg.training.window_months.saturating_sub(1));
    let val_from = train_to - months(cfg.training.validation_months.saturating_sub(1));
    (train_from, train_to, val_from)
}

/// Trains on the window of `run_month`. Returns `None` when there are too few
/// labelled rows (the first year of a new installation).
pub fn train(
    conn: &Connection,
    run_month: NaiveDate,
    cfg: &PipelineConfig,
    policy: &FeaturePolicy,
) -> Result<Option<TrainOutcome>, ModelError> {
    let (train_from, train_to, val_from) = training_window(run_month, cfg);
    let t = query_table(
        conn,
        TRAINING_SET,
        [train_from.to_string(), train_to.to_string()],
    )?;
    let m = Matrix::from_table(&t, policy, true)?;
    let (fit_x, fit_y) = m.subset(|d| d < val_from);
    let (val_x, val_y) = m.subset(|d| d >= val_from);
    let val_rows: Vec<usize> = (0..m.x.len())
        .filter(|&i| m.cohort_months[i] >= val_from)
        .collect();
    let val_spell_ids: Vec<String> = val_rows.iter().map(|&i| m.spell_ids[i].clone()).collect();
    let val_cohort_months: Vec<NaiveDate> = val_rows.iter().map(|&i| m.cohort_months[i]).collect();
    if fit_x.len() < cfg.training.min_train_rows || val_x.is_empty() || !has_both_classes(&fit_y) {
        return Ok(None);
    }
    let fit_base = mean(&fit_y);
    let GridChoice {
        val_brier,
        max_depth: depth,
        min_samples_leaf: leaf,
        val_probabilities: tree_p,
    } = grid::search(&fit_x, &fit_y, &val_x, &val_y, cfg, policy)?;
    let base_p = vec![fit_base; val_y.len()];
    let baseline = brier(&base_p, &val_y);
    // One threshold everywhere (issue #18): the policy's high-risk bound.
    let threshold = cfg.scoring.high_from;
    let mut validations = vec![
        baseline::validate("tree", &tree_p, &val_y, threshold),
        baseline::validate("base_rate", &base_p, &val_y, threshold),
    ];
    let mut prices = Vec::new();
    match baseline::logistic_probabilities(&fit_x, &fit_y, &val_x) {
        Ok(p) => {
            validations.push(baseline::validate(
                "logistic_regression",
                &p,
                &val_y,
                threshold,
            ));
            prices.push(price::Price::of("logistic_regression", &tree_p, &p, &val_y));
        }
        // A baseline that fails to converge must not stop the monthly run; it is logged.
        Err(e) => tracing::warn!(error = %e, "logistisk regression kunne ikke fittes"),
    }
    // The benchmark ensemble, same rows and split; its probabilities go no further.
    match benchmark::probabilities(&fit_x, &fit_y, &val_x) {
        Ok(p) => {
            validations.push(baseline::validate(benchmark::METHOD, &p, &val_y, threshold));
            prices.push(price::Price::of(benchmark::METHOD, &tree_p, &p, &val_y));
        }
        Err(e) => tracing::warn!(error = %e, "sammenligningsmodellen kunne ikke fittes"),
    }
    // The chosen parameters are refitted on the whole window, validation months included.
    let tree = fit_tree(&m.x, &m.y, depth, leaf, cfg, policy)?;
    let version = version_id(run_month, &tree, &policy.hash);
    // The cohorts the rows actually come from: early in an installation the window
    // reaches back before the first delivery, and the card must not name months
    // nobody was trained on.
    let (train_from, train_to) = covered(&m.cohort_months).unwrap_or((train_from, train_to));
    Ok(Some(TrainOutcome {
        version,
        tree,
        n_train: m.x.len(),
        base_rate: mean(&m.y),
        val_brier: Some(val_brier),
        val_brier_baseline: baseline,
        train_from,
        train_to,
        val_from,
        validations,
        val_x,
        val_y,
        val_cohort_months,
        val_spell_ids,
        val_probabilities: tree_p,
        val_base_rate: fit_base,
        prices,
        threshold,
    }))
}

/// The first and last cohort month among the training rows.
fn covered(months: &[NaiveDate]) -> Option<(NaiveDate, NaiveDate)> {
    Some((*months.iter().min()?, *months.iter().max()?))
}

fn has_both_classes(y: &[u32]) -> bool {
    y.contains(&0) && y.contains(&1)
}

fn mean(y: &[u32]) -> f64 {
    y.iter().map(|&v| f64::from(v)).sum::<f64>() / y.len().max(1) as f64
}

/// A version id that is the same for the same data, policy and parameters.
fn version_id(run_month: NaiveDate, tree: &TrainedTree, policy_hash: &str) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_string(tree).unwrap_or_default();
    let digest = Sha256::digest([json.as_bytes(), policy_hash.as_bytes()].concat());
    format!(
        "{}-{}",
        run_month.format("%Y-%m"),
        &hex::encode(digest)[..8]
    )
}

/// One scored spell.
#[derive(Debug, Clone)]
pub struct Score {
    pub spell_id: String,
    pub person_id: String,
    pub probability: f64,
    pub risk_band: &'static str,
    pub leaf_id: usize,
}

/// The risk band of a probability: `lav`, `mellem` or `hoej`.
pub fn risk_band(p: f64, cfg: &PipelineConfig) -> &'static str {
    crate::vocabulary::RiskBand::of(p, cfg.scoring.low_below, cfg.scoring.high_from).as_code()
}

/// Scores the cohort of `month` with `tree`.
pub fn score(
    conn: &Connection,
    month: NaiveDate,
    tree: &TrainedTree,
    cfg: &PipelineConfig,
    policy: &FeaturePolicy,
) -> Result<Vec<Score>, ModelError> {
    let t = query_table(conn, SCORING_SET, [month.to_string()])?;
    let m = Matrix::from_table(&t, policy, false)?;
    Ok((0..m.x.len())
        .map(|i| {
            let leaf = tree.leaf_for(&m.x[i]);
            Score {
                spell_id: m.spell_ids[i].clone(),
                person_id: m.person_ids[i].clone(),
                probability: leaf.probability,
                risk_band: risk_band(leaf.probability, cfg),
                leaf_id: leaf.leaf_id,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Early model cards named a training window reaching back before the first
    /// delivery; the version records the cohorts its rows come from.
    #[test]
    fn the_training_period_is_the_cohorts_the_rows_come_from_not_the_whole_window() {
        let cfg = PipelineConfig::load(std::path::Path::new("pipelines/monthly.toml")).unwrap();
        let d = |y, m| NaiveDate::from_ymd_opt(y, m, 1).unwrap();
        let (window_from, _, _) = training_window(d(2020, 6), &cfg);
        assert!(
            window_from < d(2019, 1),
            "the window reaches before the data"
        );
        let rows = [d(2019, 3), d(2019, 1), d(2019, 6)];
        assert_eq!(covered(&rows), Some((d(2019, 1), d(2019, 6))));
        assert_eq!(covered(&[]), None);
    }
}
