//! Each trained version leaves an artefact file (tree, leaves, parameters,
//! validation figures, input batches: aggregate only) and a model card in Danish
//! in the data dir, and the card is kept in the store.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use duckdb::{params, Connection};
use minijinja::value::Serde;
use serde::Serialize;

use super::champion::Decision;
use super::policy::FeaturePolicy;
use super::{ModelError, TrainOutcome};
use crate::present::format::{number, percent};
use crate::store::query_table;
use crate::table::Cell;

const TEMPLATE: &str = include_str!("../../model/model_card.md.j2");
const GROUP_ERRORS: &str = include_str!("../../sql/model/group_errors.sql");
const INPUT_BATCHES: &str = include_str!("../../sql/model/input_batches.sql");
const CARD_INSERT: &str = include_str!("../../sql/model/card_insert.sql");

/// Where a version's artefact and card were written.
#[derive(Debug, Clone)]
pub struct Written {
    pub artefact: PathBuf,
    pub card: PathBuf,
}

#[derive(Serialize)]
struct ValidationRow {
    method: &'static str,
    brier: String,
    auc: String,
    accuracy: String,
    accuracy_ci: String,
    calibration: String,
}

#[derive(Serialize)]
struct PriceRow {
    method: &'static str,
    brier: String,
    auc: String,
}

#[derive(Serialize)]
struct GroupRow {
    dimension: String,
    group: String,
    n: String,
    observed: String,
    predicted: String,
    fpr: String,
    fnr: String,
}

/// Everything the card and the artefact need besides the trained outcome.
pub struct CardInput<'a> {
    pub run_id: &'a str,
    pub run_month: NaiveDate,
    pub horizon: u32,
    pub decision: &'a Decision,
    pub policy: &'a FeaturePolicy,
    pub k: u32,
    pub models_dir: &'a Path,
}

/// Stores the validation rows, writes the artefact and the card, and records the card.
pub fn write(
    conn: &Connection,
    outcome: &TrainOutcome,
    input: &CardInput<'_>,
) -> Result<Written, ModelError> {
    conn.execute(
        "delete from model_validation_rows where version = ?",
        [&outcome.version],
    )?;
    let mut app = conn.appender_with_columns(
        "model_validation_rows",
        &["version", "spell_id", "probability", "label"],
    )?;
    for ((spell, p), y) in outcome
        .val_spell_ids
        .iter()
        .zip(&outcome.val_probabilities)
        .zip(&outcome.val_y)
    {
        app.append_row(params![outcome.version, spell, p, *y as i32])?;
    }
    app.flush()?;
    let groups = query_table(
        conn,
        GROUP_ERRORS,
        [outcome.version.clone(), outcome.threshold.to_string()],
    )?;
    let batches = input_batches(conn)?;
    std::fs::create_dir_all(input.models_dir).map_err(|e| io(input.models_dir, e))?;
    let artefact = input.models_dir.join(format!("{}.json", outcome.version));
    let pretty = artefact_json(outcome, input, &batches)?;
    std::fs::write(&artefact, pretty).map_err(|e| io(&artefact, e))?;
    let markdown = render(outcome, input, &groups, batches.len())?;
    let card = input
        .models_dir
        .join(format!("{}.modelkort.md", outcome.version));
    std::fs::write(&card, &markdown).map_err(|e| io(&card, e))?;
    conn.execute(
        "delete from model_cards where version = ?",
        [&outcome.version],
    )?;
    conn.execute(
        CARD_INSERT,
        params![
            outcome.version,
            artefact.display().to_string(),
            card.display().to_string(),
            markdown
        ],
    )?;
    Ok(Written { artefact, card })
}

/// The batches in force at the run month (the run has set run_params).
fn input_batches(conn: &Connection) -> Result<Vec<String>, ModelError> {
    Ok(conn
        .prepare(INPUT_BATCHES)?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?)
}

/// The artefact file's text, as `write` writes it; `model verify` rebuilds it
/// and compares byte for byte.
pub fn artefact(
    conn: &Connection,
    outcome: &TrainOutcome,
    input: &CardInput<'_>,
) -> Result<String, ModelError> {
    artefact_json(outcome, input, &input_batches(conn)?)
}

fn artefact_json(
    outcome: &TrainOutcome,
    input: &CardInput<'_>,
    batches: &[String],
) -> Result<String, ModelError> {
    let json = serde_json::json!({
        "version": outcome.version,
        "trained_in_run": input.run_id,
        "run_month": input.run_month.to_string(),
        "train_from": outcome.train_from.to_string(),
        "train_to": outcome.train_to.to_string(),
        "validation_from": outcome.val_from.to_string(),
        "n_train": outcome.n_train,
        "base_rate": outcome.base_rate,
        "feature_policy_sha256": input.policy.hash,
        "features": input.policy.input_names(),
        "tree": outcome.tree,
        "input_batches": batches,
        "threshold": outcome.threshold,
        "decision": input.decision.reason,
    });
    serde_json::to_string_pretty(&json).map_err(|e| ModelError::Tree(e.to_string()))
}

fn io(path: &Path, e: std::io::Error) -> ModelError {
    ModelError::Tree(format!("{}: {e}", path.display()))
}

fn opt(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "–".into(), |x| number(x, decimals))
}

fn with_ci(v: Option<f64>, ci: Option<(f64, f64)>, decimals: usize) -> String {
    match ci {
        Some((lo, hi)) => format!(
            "{} ({} – {})",
            opt(v, decimals),
            number(lo, decimals),
            number(hi, decimals)
        ),
        None => opt(v, decimals),
    }
}

/// A calibration gap in percentage points with its sign ("+1,2 pct.-point").
fn signed_points(gap: f64) -> String {
    let sign = if gap > 0.0 { "+" } else { "" };
    format!("{sign}{} pct.-point", number(gap * 100.0, 1))
}

fn method_label(m: &str) -> &'static str {
    match m {
        "tree" => "Beslutningstræ (denne model)",
        "base_rate" => "Basisrate (samme gæt for alle)",
        "logistic_regression" => "Logistisk regression",
        "benchmark" => "Sammenligningsmodel: gradient boosting (bruges aldrig til vurderinger)",
        _ => "Anden metode",
    }
}

fn render(
    outcome: &TrainOutcome,
    input: &CardInput<'_>,
    groups: &crate::table::Table,
    n_batches: usize,
) -> Result<String, ModelError> {
    let validations: Vec<ValidationRow> = outcome
        .validations
        .iter()
        .map(|v| ValidationRow {
            method: method_label(v.method),
            brier: with_ci(v.brier, v.brier_ci, 4),
            auc: with_ci(v.auc, v.auc_ci, 3),
            accuracy: percent(v.accuracy, 1),
            accuracy_ci: format!(
                "{} – {}",
                percent(v.accuracy_ci.0, 1),
                percent(v.accuracy_ci.1, 1)
            ),
            calibration: signed_points(v.calibration_gap),
        })
        .collect();
    let prices: Vec<PriceRow> = outcome
        .prices
        .iter()
        .map(|p| PriceRow {
            method: method_label(p.method),
            brier: with_ci(Some(p.brier_difference), Some(p.brier_ci), 4),
            auc: with_ci(p.auc_difference, p.auc_ci, 3),
        })
        .collect();
    let get = |row: &[Cell], name: &str| {
        groups
            .column_index(name)
            .map(|i| row[i].clone())
            .unwrap_or(Cell::Null)
    };
    let share = |c: Cell| c.as_f64().map_or_else(|| "–".into(), |x| percent(x, 1));
    let mut groups: Vec<GroupRow> = groups
        .rows
        .iter()
        .map(|row| {
            let n = get(row, "n").as_i64().unwrap_or(0);
            let text = |c: Cell| match c {
                Cell::Text(s) => s,
                _ => String::new(),
            };
            let (dimension, group) = (text(get(row, "dimension")), text(get(row, "grp")));
            let vocabulary = crate::vocabulary::get();
            let group = vocabulary
                .label(&dimension, &group)
                .map_or(group, String::from);
            let dimension = vocabulary
                .set(&dimension)
                .map_or(dimension, |s| s.name.clone());
            if n < i64::from(input.k) {
                let hidden = format!("færre end {}", input.k);
                return GroupRow {
                    dimension,
                    group,
                    n: hidden,
                    observed: "–".into(),
                    predicted: "–".into(),
                    fpr: "–".into(),
                    fnr: "–".into(),
                };
            }
            GroupRow {
                dimension,
                group,
                n: number(n as f64, 0),
                observed: share(get(row, "observed_rate")),
                predicted: share(get(row, "mean_predicted")),
                fpr: share(get(row, "false_positive_rate")),
                fnr: share(get(row, "false_negative_rate")),
            }
        })
        .collect();
    groups.sort_by(|a, b| (&a.dimension, &a.group).cmp(&(&b.dimension, &b.group)));
    let labels: Vec<&str> = input
        .policy
        .inputs
        .iter()
        .map(|f| f.label.as_str())
        .collect();
    let mut env = minijinja::Environment::new();
    env.add_template("card", TEMPLATE)
        .map_err(|e| ModelError::Tree(e.to_string()))?;
    let ctx = minijinja::context! {
        version => outcome.version.clone(),
        run_id => input.run_id,
        run_month => input.run_month.format("%Y-%m").to_string(),
        horizon => input.horizon,
        train_from => outcome.train_from.format("%Y-%m").to_string(),
        train_to => outcome.train_to.format("%Y-%m").to_string(),
        val_from => outcome.val_from.format("%Y-%m").to_string(),
        n_train => number(outcome.n_train as f64, 0),
        base_rate => percent(outcome.base_rate, 1),
        n_batches => n_batches,
        max_depth => outcome.tree.max_depth,
        min_samples_leaf => outcome.tree.min_samples_leaf,
        n_leaves => outcome.tree.leaves.len(),
        inputs => minijinja::Value::from(Serde(&labels)),
        never_inputs => minijinja::Value::from(Serde(&input.policy.never_inputs)),
        protected => minijinja::Value::from(Serde(&input.policy.protected)),
        policy_hash => input.policy.hash.clone(),
        validations => minijinja::Value::from(Serde(&validations)),
        prices => minijinja::Value::from(Serde(&prices)),
        threshold => percent(outcome.threshold, 0),
        groups => minijinja::Value::from(Serde(&groups)),
        k => input.k,
        decision => input.decision.reason.clone(),
    };
    env.get_template("card")
        .and_then(|t| t.render(ctx))
        .map_err(|e| ModelError::Tree(e.to_string()))
}
