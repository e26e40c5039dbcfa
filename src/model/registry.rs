//! The model registry in the store: every trained version with its window,
//! parameters, validation figures and tree, the leaves that explain it, the
//! champion decisions and the scores made with it. The only writer of the model
//! tables; every insert names its columns.

use chrono::NaiveDate;
use duckdb::{named_params, params, Connection, OptionalExt};

use super::Score;
use crate::store::date_value;

const VERSION_INSERT: &str = include_str!("../../sql/model/version_insert.sql");
const DECISION_INSERT: &str = include_str!("../../sql/model/decision_insert.sql");
const OUT_OF_TIME_INSERT: &str = include_str!("../../sql/model/out_of_time_insert.sql");

use super::champion::Decision;
use super::policy::FeaturePolicy;
use super::tree::{Leaf, TreeNode};
use super::{ModelError, TrainOutcome, TrainedTree};

/// Records a trained version. Re-recording the same version (a re-run on the
/// same data) replaces it.
pub fn save(
    conn: &Connection,
    run_id: &str,
    run_month: NaiveDate,
    outcome: &TrainOutcome,
    policy: &FeaturePolicy,
) -> Result<(), ModelError> {
    let t = &outcome.tree;
    let params_json = serde_json::json!({
        "max_depth": t.max_depth,
        "min_samples_leaf": t.min_samples_leaf,
        "feature_policy_sha256": policy.hash,
    });
    conn.execute(
        "delete from model_leaves where version = ?",
        [&outcome.version],
    )?;
    conn.execute(
        "delete from model_validation where version = ?",
        [&outcome.version],
    )?;
    conn.execute(
        "delete from model_explainability_price where version = ?",
        [&outcome.version],
    )?;
    conn.execute(
        "delete from model_versions where version = ?",
        [&outcome.version],
    )?;
    conn.execute(
        VERSION_INSERT,
        named_params! {
            "version": outcome.version,
            "run_id": run_id,
            "run_month": run_month.to_string(),
            "train_from": outcome.train_from.to_string(),
            "train_to": outcome.train_to.to_string(),
            "n_train": outcome.n_train as i64,
            "base_rate": outcome.base_rate,
            "params": params_json.to_string(),
            "features": serde_json::to_string(&policy.input_names()).unwrap_or_default(),
            "tree": serde_json::to_string(&t.nodes).unwrap_or_default(),
            "val_from": outcome.val_from.to_string(),
            "val_to": outcome.train_to.to_string(),
            "n_val": outcome.validations.first().map(|v| v.n as i64),
            "val_brier": outcome.val_brier,
            "val_brier_baseline": outcome.val_brier_baseline,
        },
    )?;
    let mut val = conn.appender_with_columns(
        "model_validation",
        &[
            "version",
            "method",
            "n",
            "brier",
            "auc",
            "log_loss",
            "accuracy",
            "accuracy_ci_low",
            "accuracy_ci_high",
            "brier_ci_low",
            "brier_ci_high",
            "auc_ci_low",
            "auc_ci_high",
            "threshold",
            "calibration_gap",
        ],
    )?;
    for v in &outcome.validations {
        val.append_row(params![
            outcome.version,
            v.method,
            v.n as i64,
            v.brier,
            v.auc,
            v.log_loss,
            v.accuracy,
            v.accuracy_ci.0,
            v.accuracy_ci.1,
            v.brier_ci.map(|c| c.0),
            v.brier_ci.map(|c| c.1),
            v.auc_ci.map(|c| c.0),
            v.auc_ci.map(|c| c.1),
            v.threshold,
            v.calibration_gap
        ])?;
    }
    val.flush()?;
    let mut price = conn.appender_with_columns(
        "model_explainability_price",
        &[
            "version",
            "method",
            "n",
            "brier_difference",
            "brier_ci_low",
            "brier_ci_high",
            "auc_difference",
            "auc_ci_low",
            "auc_ci_high",
        ],
    )?;
    for p in &outcome.prices {
        price.append_row(params![
            outcome.version,
            p.method,
            p.n as i64,
            p.brier_difference,
            p.brier_ci.0,
            p.brier_ci.1,
            p.auc_difference,
            p.auc_ci.map(|c| c.0),
            p.auc_ci.map(|c| c.1)
        ])?;
    }
    price.flush()?;
    let mut app = conn.appender_with_columns(
        "model_leaves",
        &[
            "version",
            "leaf_id",
            "rule",
            "n",
            "n_pos",
            "probability",
            "ci_low",
            "ci_high",
        ],
    )?;
    for l in &t.leaves {
        app.append_row(params![
            outcome.version,
            l.leaf_id as i32,
            l.rule,
            l.n as i64,
            l.n_pos as i64,
            l.probability,
            l.ci_low,
            l.ci_high
        ])?;
    }
    app.flush()?;
    Ok(())
}

/// The model in use after the decisions of `run_month` and earlier: version, tree
/// and the last cohort of its training window.
pub fn champion(
    conn: &Connection,
    run_month: NaiveDate,
) -> Result<Option<(String, TrainedTree, NaiveDate)>, ModelError> {
    // The latest decision rules: its champion_after is null when a first model
    // was refused as no better than guessing (nobody is scored then).
    let version: Option<String> = conn
        .query_row(
            "select champion_after from model_decisions where run_month <= ?::date
             order by run_month desc, decided_at desc limit 1",
            [run_month.to_string()],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten();
    let Some(v) = version else {
        return Ok(None);
    };
    let trained_to: String = conn.query_row(
        "select train_to::varchar from model_versions where version = ?",
        [&v],
        |r| r.get(0),
    )?;
    let trained_to = NaiveDate::parse_from_str(&trained_to, "%Y-%m-%d")
        .map_err(|e| ModelError::Tree(format!("træningsvinduets slutning for {v}: {e}")))?;
    let tree = load(conn, &v)?;
    Ok(Some((v, tree, trained_to)))
}

/// Records a champion/challenger decision of a run.
pub fn record_decision(
    conn: &Connection,
    run_id: &str,
    run_month: NaiveDate,
    challenger: &str,
    d: &Decision,
    tolerance: f64,
) -> Result<(), ModelError> {
    conn.execute(
        "delete from model_decisions where run_month = ?::date",
        [run_month.to_string()],
    )?;
    let after = if d.promote {
        Some(challenger.to_string())
    } else {
        d.champion_version.clone()
    };
    let finite = |v: f64| v.is_finite().then_some(v);
    conn.execute(
        DECISION_INSERT,
        named_params! {
            "run_id": run_id,
            "run_month": run_month.to_string(),
            "challenger": challenger,
            "champion_before": d.champion_version,
            "promoted": d.promote,
            "champion_after": after,
            "challenger_brier": d.challenger_brier,
            "champion_brier": d.champion_brier,
            "tolerance": tolerance,
            "reason": d.reason,
            "base_rate_brier": finite(d.gate.base_rate_brier),
            "gate_difference": finite(d.gate.difference),
            "gate_ci_low": finite(d.gate.difference_ci.0),
            "gate_ci_high": finite(d.gate.difference_ci.1),
            "beats_base_rate": d.gate.passed,
            "compared_cohorts": d.comparison.as_ref().map(|c| c.n_cohorts as i64),
            "compared_spells": d.comparison.as_ref().map(|c| c.n_spells as i64),
            "compared_difference": d.comparison.as_ref().map(|c| c.difference),
            "compared_ci_low": d.comparison.as_ref().map(|c| c.difference_ci.0),
            "compared_ci_high": d.comparison.as_ref().map(|c| c.difference_ci.1),
        },
    )?;
    // The champion's out-of-time record: its Brier on each cohort matured after
    // its window, as judged by this run (a cohort is judged again while it stays
    // among the validation cohorts; the latest judgement is kept).
    if let (Some(version), Some(c)) = (&d.champion_version, &d.comparison) {
        for (cohort, n, brier) in &c.champion_by_cohort {
            conn.execute(
                "delete from model_out_of_time where version = ? and cohort_month = ?::date",
                params![version, cohort.to_string()],
            )?;
            conn.execute(
                OUT_OF_TIME_INSERT,
                named_params! {
                    "version": version,
                    "cohort_month": cohort.to_string(),
                    "n": *n as i64,
                    "brier": brier,
                    "recorded_month": run_month.to_string(),
                },
            )?;
        }
    }
    Ok(())
}

/// The input names a version was trained with, in the order its splits refer to.
pub fn input_names(conn: &Connection, version: &str) -> Result<Vec<String>, ModelError> {
    let json: String = conn.query_row(
        "select features from model_versions where version = ?",
        [version],
        |r| r.get(0),
    )?;
    serde_json::from_str(&json).map_err(|e| ModelError::Tree(e.to_string()))
}

/// Stores a cohort's scores made by `version`. A re-run of a month replaces that
/// cohort's scores: one score per spell.
pub fn save_scores(
    conn: &Connection,
    run_id: &str,
    cohort_month: NaiveDate,
    version: &str,
    scores: &[Score],
) -> Result<(), ModelError> {
    conn.execute(
        "delete from model_scores where cohort_month = ?::date",
        [cohort_month.to_string()],
    )?;
    let mut app = conn.appender_with_columns(
        "model_scores",
        &[
            "spell_id",
            "person_id",
            "cohort_month",
            "model_version",
            "probability",
            "risk_band",
            "leaf_id",
            "scored_in_run",
        ],
    )?;
    for s in scores {
        app.append_row(params![
            s.spell_id,
            s.person_id,
            date_value(cohort_month),
            version,
            s.probability,
            s.risk_band,
            s.leaf_id as i32,
            run_id
        ])?;
    }
    app.flush()?;
    Ok(())
}

/// Loads one version's tree and leaves.
pub fn load(conn: &Connection, version: &str) -> Result<TrainedTree, ModelError> {
    let (tree_json, params_json): (String, String) = conn.query_row(
        "select tree, params from model_versions where version = ?",
        [version],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let nodes: Vec<TreeNode> =
        serde_json::from_str(&tree_json).map_err(|e| ModelError::Tree(e.to_string()))?;
    let params: serde_json::Value =
        serde_json::from_str(&params_json).map_err(|e| ModelError::Tree(e.to_string()))?;
    let mut stmt = conn.prepare(
        "select leaf_id, rule, n, n_pos, probability, ci_low, ci_high from model_leaves where version = ? order by leaf_id",
    )?;
    let leaves = stmt
        .query_map([version], |r| {
            Ok(Leaf {
                leaf_id: r.get::<_, i32>(0)? as usize,
                rule: r.get(1)?,
                n: r.get::<_, i64>(2)? as u64,
                n_pos: r.get::<_, i64>(3)? as u64,
                probability: r.get(4)?,
                ci_low: r.get(5)?,
                ci_high: r.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let tree = TrainedTree {
        nodes,
        leaves,
        max_depth: params["max_depth"].as_u64().unwrap_or(0) as u16,
        min_samples_leaf: params["min_samples_leaf"].as_u64().unwrap_or(0) as usize,
    };
    Ok(tree)
}
