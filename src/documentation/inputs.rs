//! What the documents are built from: the marts they quote, through the same
//! disclosure control as the cockpit, the pipeline's parameters and the system's
//! facts (versions, hashes, the feature policy, retention settings). Encoded for
//! the archive exactly as the committee report's inputs ([`crate::report::inputs`]).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use duckdb::Connection;
use sha2::{Digest as _, Sha256};

use super::DocError;
use crate::config::{PipelineConfig, Settings};
use crate::disclosure;
use crate::model::policy::FeaturePolicy;
use crate::report::{inputs as report_inputs, Inputs};
use crate::store;
use crate::table::{Cell, Table};

/// The marts the documents quote: tables only. A view over the live run log
/// (`mart_runs`, `mart_open_alerts`) changes once the run that wrote the documents
/// is recorded, so the month's documents could not be rebuilt byte for byte from it.
pub const MARTS: &[&str] = &[
    "mart_model_card",
    "mart_performance",
    "mart_calibration",
    "mart_fairness",
    "mart_proxy",
    "mart_drift",
    "mart_alerts",
    "mart_model_changes",
    "mart_judgements",
    "mart_judgement_accuracy",
    "mart_lookup_use",
    "mart_data_quality",
    "mart_quarantine",
    "mart_cohort_groups",
];

/// The facts table's name in the inputs (not a mart: settings and versions).
pub const SYSTEM: &str = "system";

/// Reads the marts (built for `month`) and the facts.
pub fn gather(
    conn: &Connection,
    settings: &Settings,
    pipeline: &PipelineConfig,
    policy: &FeaturePolicy,
    month: NaiveDate,
) -> Result<Inputs, DocError> {
    let built = report_inputs::marts_month(conn)?;
    if built != Some(month) {
        return Err(DocError::NoInputs {
            month: month.format("%Y-%m").to_string(),
            built: built.map_or_else(|| "ingen måned".into(), |m| m.format("%Y-%m").to_string()),
        });
    }
    let k = settings.disclosure_k;
    let mut marts = BTreeMap::new();
    for name in MARTS {
        let mart = crate::marts::get(name)
            .map_err(|e| DocError::Spec(e.to_string()))?
            .ok_or_else(|| DocError::Spec(format!("{name} er ikke en mart")))?;
        let table = store::read_mart(conn, name)?;
        marts.insert(
            (*name).to_string(),
            disclosure::apply(table, &mart.disclosure.rule(), k),
        );
    }
    marts.insert(SYSTEM.into(), system(settings, policy));
    let mut params = report_inputs::params(pipeline);
    params.insert(
        "retention_months".into(),
        f64::from(settings.citizen.retention_months()),
    );
    params.insert(
        "log_retention_months".into(),
        f64::from(settings.access.log_retention_months.get()),
    );
    params.insert(
        "bootstrap_resamples".into(),
        pipeline.monitoring.bootstrap_resamples as f64,
    );
    Ok(Inputs {
        month,
        k: k.get(),
        params,
        marts,
    })
}

/// SHA-256 over every SQL file the binary carries (migrations, staging, features,
/// marts): which transformations made the figures.
pub fn sql_sha256() -> String {
    let mut h = Sha256::new();
    let files = store::MIGRATIONS
        .iter()
        .chain(store::STAGING)
        .chain(store::FEATURES)
        .map(|f| (f.name, f.sql));
    let marts = crate::marts::catalogue()
        .map(|c| c.iter().map(|m| (m.name, m.sql)).collect::<Vec<_>>())
        .unwrap_or_default();
    for (name, sql) in files.chain(marts) {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(sql.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

/// The facts as key/value rows: a key may repeat (one row per model input).
fn system(settings: &Settings, policy: &FeaturePolicy) -> Table {
    let mut rows: Vec<(&str, String)> = vec![
        ("jobcockpit_version", env!("CARGO_PKG_VERSION").to_string()),
        ("policy_sha256", policy.hash.clone()),
        ("sql_sha256", sql_sha256()),
        ("controller", settings.citizen.controller().to_string()),
        ("complaint", settings.citizen.complaint().to_string()),
    ];
    for f in &policy.inputs {
        rows.push(("input", f.label.clone()));
    }
    for n in &policy.never_inputs {
        rows.push(("never_input", n.clone()));
    }
    for n in &policy.protected {
        rows.push(("protected", n.clone()));
    }
    Table {
        columns: vec!["key".into(), "value".into()],
        rows: rows
            .into_iter()
            .map(|(k, v)| vec![Cell::Text(k.into()), Cell::Text(v)])
            .collect(),
    }
}

/// The facts of `key`, in order.
pub fn facts<'a>(inputs: &'a Inputs, key: &str) -> Vec<&'a str> {
    inputs
        .mart(SYSTEM)
        .rows
        .iter()
        .filter(|r| matches!(&r[0], Cell::Text(k) if k == key))
        .filter_map(|r| match &r[1] {
            Cell::Text(v) => Some(v.as_str()),
            _ => None,
        })
        .collect()
}

/// The first fact of `key`, or "" when absent.
pub fn fact<'a>(inputs: &'a Inputs, key: &str) -> &'a str {
    facts(inputs, key).first().copied().unwrap_or("")
}
