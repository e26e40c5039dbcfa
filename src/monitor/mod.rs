//! Monitoring every cohort (the pipeline's `monitor` step): outcome tracking and
//! survival by risk band, performance at the policy threshold next to the
//! majority baseline, calibration, performance estimated before outcomes arrive
//! (CBPE), drift against the scoring model's training reference, fairness by
//! protected group, and the alerts the cockpit shows.
//!
//! The formulas live in `crate::metrics` and are checked against the reference
//! libraries there; this module chooses the rows, calls them and stores the
//! results in the `metric_*` tables (sql/schema/011_monitoring.sql). Every table
//! but `metric_cbpe`, `model_reference` and `alerts` is recomputed from scratch
//! each run, because outcomes and corrected deliveries arrive late.

mod alerts;
mod drift;
mod estimates;
mod fairness;
mod outcomes;
mod performance;
mod proxy;
pub mod rows;
mod unknown;

use chrono::NaiveDate;
use duckdb::Connection;

use crate::config::{MonitoringConfig, PipelineConfig};
use crate::model::policy::FeaturePolicy;
use crate::store::StoreError;
use rows::MonitorRow;

/// Monitoring errors.
#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    #[error("kolonnen '{0}' mangler i overvågningens datasæt")]
    Column(String),
    #[error("modellen kunne ikke læses: {0}")]
    Model(#[from] crate::model::ModelError),
    #[error("proxy-analysen: {0}")]
    Proxy(String),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("databasefejl: {0}")]
    Db(#[from] duckdb::Error),
}

/// What a monitoring run needs.
pub struct MonitorInput<'a> {
    pub run_id: &'a str,
    pub run_month: NaiveDate,
    pub pipeline: &'a PipelineConfig,
    pub policy: &'a FeaturePolicy,
    /// The disclosure threshold: groups under it are computed but marked.
    pub k: u32,
    /// Failed runs since the last that succeeded, (month `MM-YYYY`, failures), from
    /// the run log (`pipeline::RunLog`, which owns the run tables): each raises an alarm.
    pub failed_runs: Vec<(String, i64)>,
}

impl MonitorInput<'_> {
    fn cfg(&self) -> &MonitoringConfig {
        &self.pipeline.monitoring
    }
}

/// What a monitoring run did.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub scored_rows: usize,
    pub cohorts: usize,
    pub mature_cohorts: usize,
    pub open_alerts: usize,
}

/// The tables recomputed by every run.
const RECOMPUTED: &[&str] = &[
    "metric_risk_bands",
    "metric_survival",
    "metric_performance",
    "metric_calibration",
    "metric_calibration_bins",
    "metric_drift",
    "metric_fairness",
    "metric_proxy",
];

/// Runs monitoring for the run month inside the caller's transaction.
#[tracing::instrument(skip_all, fields(month = %input.run_month), err)]
pub fn run(conn: &Connection, input: &MonitorInput<'_>) -> Result<Summary, MonitorError> {
    let rows = rows::load(conn, input.policy)?;
    let cohorts = rows::by_cohort(&rows);
    for t in RECOMPUTED {
        crate::store::clear_table(conn, t)?;
    }
    // A cohort is evaluated once its follow-up time has passed, on the spells
    // whose outcome is known; the unknown ones (moved out, died, missing in the
    // registers) are counted beside every figure, never waited for.
    let mature: Vec<NaiveDate> = cohorts
        .iter()
        .filter(|(_, rs)| rs.iter().all(|r| r.mature))
        .map(|(m, _)| *m)
        .collect();
    let window = Window::latest(&cohorts, &mature, input.cfg().window_cohorts);

    let mut found = Vec::new();
    for (month, rs) in &cohorts {
        let scope = Scope::cohort(*month, rs);
        outcomes::write(conn, input, &scope)?;
        if mature.contains(month) {
            performance::write(conn, input, &scope)?;
        }
    }
    found.extend(calibration_alert(input, &cohorts, &mature));
    if let Some(w) = &window {
        outcomes::write(conn, input, &w.scope)?;
        performance::write(conn, input, &w.scope)?;
        found.extend(fairness::write(conn, input, w)?);
        proxy::write(conn, input, w)?;
        found.extend(unknown::write(conn, input, w)?);
    }
    estimates::write(conn, input, &cohorts)?;
    found.extend(drift::write(conn, input, &cohorts)?);
    let open_alerts = alerts::update(conn, input, found)?;
    Ok(Summary {
        scored_rows: rows.len(),
        cohorts: cohorts.len(),
        mature_cohorts: mature.len(),
        open_alerts,
    })
}

/// The calibration alert over the latest mature cohorts pooled
/// ([`performance::ALERT_COHORTS`]; see [`performance::calibration_alert`]).
fn calibration_alert(
    input: &MonitorInput<'_>,
    cohorts: &std::collections::BTreeMap<NaiveDate, Vec<&MonitorRow>>,
    mature: &[NaiveDate],
) -> Option<alerts::Alert> {
    let months: Vec<NaiveDate> = mature
        .iter()
        .rev()
        .take(performance::ALERT_COHORTS)
        .copied()
        .collect();
    let (newest, oldest) = (*months.first()?, *months.last()?);
    let (p, y): (Vec<f64>, Vec<u32>) = months
        .iter()
        .flat_map(|m| cohorts[m].iter())
        .filter_map(|r| r.label.map(|y| (r.probability, y)))
        .unzip();
    let c = performance::CalibrationSummary::of(&p, &y)?;
    performance::calibration_alert(input, (oldest, newest), &c)
}

/// A set of rows a figure is computed over: one cohort, or the window.
pub struct Scope<'a> {
    /// 'kohorte' or 'vindue'.
    pub name: &'static str,
    /// The cohort, or the newest cohort of the window.
    pub cohort_month: NaiveDate,
    /// The version that scored the rows, or 'flere' when several did.
    pub model_version: String,
    pub rows: Vec<&'a MonitorRow>,
}

impl<'a> Scope<'a> {
    fn cohort(month: NaiveDate, rows: &[&'a MonitorRow]) -> Scope<'a> {
        Scope {
            name: crate::vocabulary::Scope::Kohorte.as_code(),
            cohort_month: month,
            model_version: version_of(rows),
            rows: rows.to_vec(),
        }
    }

    /// Mature rows whose outcome is unknown (censored).
    fn unknown(&self) -> u64 {
        self.rows.iter().filter(|r| r.unknown()).count() as u64
    }

    /// Probabilities and labels of the labelled rows.
    fn labelled(&self) -> (Vec<f64>, Vec<u32>) {
        self.rows
            .iter()
            .filter_map(|r| r.label.map(|y| (r.probability, y)))
            .unzip()
    }
}

fn version_of(rows: &[&MonitorRow]) -> String {
    let first = rows.first().map(|r| r.model_version.as_str()).unwrap_or("");
    if rows.iter().all(|r| r.model_version == first) {
        first.to_string()
    } else {
        "flere".to_string()
    }
}

/// The latest mature cohorts pooled: enough people for fairness and calibration
/// figures that a single monthly cohort is too small for.
pub struct Window<'a> {
    pub from: NaiveDate,
    pub scope: Scope<'a>,
}

impl<'a> Window<'a> {
    fn latest(
        cohorts: &std::collections::BTreeMap<NaiveDate, Vec<&'a MonitorRow>>,
        mature: &[NaiveDate],
        size: u32,
    ) -> Option<Window<'a>> {
        let months: Vec<NaiveDate> = mature.iter().rev().take(size as usize).copied().collect();
        let (newest, oldest) = (*months.first()?, *months.last()?);
        let rows: Vec<&MonitorRow> = months
            .iter()
            .rev()
            .flat_map(|m| cohorts[m].iter().copied())
            .collect();
        Some(Window {
            from: oldest,
            scope: Scope {
                name: crate::vocabulary::Scope::Vindue.as_code(),
                cohort_month: newest,
                model_version: version_of(&rows),
                rows,
            },
        })
    }
}
