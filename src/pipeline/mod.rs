//! The monthly pipeline runner: the [`Step`]s of `pipelines/monthly.toml` (parsed
//! and ordered by `config`) in a small loop, each timed and counted in the run log.
//! Ingest is its own transaction (a valid delivery stays loaded); every later step
//! up to `marts` runs in one transaction, so a failed run leaves the previous
//! month's results untouched; `report` runs after the commit. Each step is a
//! module of `steps/`.

mod inbox;
mod run_log;
mod steps;

use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use duckdb::{params, Connection};

use crate::config::{PipelineConfig, Settings, Step};
use crate::ingest::IngestError;
use crate::model::policy::FeaturePolicy;
use crate::pseudonym::Pseudonymiser;
use crate::store::{Store, StoreError};

pub use self::inbox::{remove_if_configured, Inbox, MonthFolder};
pub use self::run_log::RunLog;

/// Pipeline errors name the step that failed.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("ingen levering for {month} i {dir}")]
    NoDelivery { month: NaiveDate, dir: PathBuf },
    #[error("trinnet '{step}' fejlede: {source}")]
    Step {
        step: Step,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("kørslen for {month} afvist: der findes en gennemført kørsel for {latest}, og en ældre kørsel ville vise cockpittet som i {month}. Brug 'jobcockpit backfill' eller --force")]
    Behind { month: NaiveDate, latest: String },
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("databasefejl: {0}")]
    Db(#[from] duckdb::Error),
}

/// Everything a run needs besides the store.
pub struct Context<'a> {
    pub settings: &'a Settings,
    pub pipeline: &'a PipelineConfig,
    pub policy: &'a FeaturePolicy,
    pub pseudonymiser: &'a Pseudonymiser,
}

/// One step's record.
#[derive(Debug, Clone)]
pub struct StepRecord {
    pub step: Step,
    pub duration_ms: u128,
    pub rows: i64,
    pub detail: String,
    /// The step failed; `detail` holds the error.
    pub failed: bool,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub run_id: String,
    pub month: NaiveDate,
    pub steps: Vec<StepRecord>,
    pub model_version: Option<String>,
}

impl RunReport {
    /// Whether the run scored a cohort: its `score` step scored at least one
    /// spell. A run with a model in use but no cohort of its own scored nobody.
    pub fn scored_a_cohort(&self) -> bool {
        self.steps
            .iter()
            .any(|s| s.step == Step::Score && !s.failed && s.rows > 0)
    }
}

/// Runs the pipeline for one month.
#[tracing::instrument(skip_all, fields(month = %month), err)]
pub fn run_month(
    store: &Store,
    ctx: &Context<'_>,
    month: NaiveDate,
    trigger: &str,
) -> Result<RunReport, PipelineError> {
    let log = RunLog::start(&store.lock(), month, trigger)?;
    let mut report = RunReport {
        run_id: log.run_id().to_string(),
        month,
        steps: Vec::new(),
        model_version: None,
    };
    let result = run_steps(store, ctx, &mut report);
    let conn = store.lock();
    log.record_steps(&conn, &report.steps)?;
    match result {
        Ok(()) => {
            log.succeeded(&conn)?;
            Ok(report)
        }
        Err(e) => {
            // The cockpit's Kørsler page names this run id as where the reason is.
            tracing::error!(run = %report.run_id, error = %e, "kørslen fejlede");
            log.failed(&conn, &e.to_string())?;
            Err(e)
        }
    }
}

impl RunReport {
    /// Records a step that took from `started` until now.
    fn record(&mut self, step: Step, started: Instant, outcome: Result<(i64, String), String>) {
        let (rows, detail, failed) = match outcome {
            Ok((rows, detail)) => (rows, detail, false),
            Err(e) => (0, e, true),
        };
        self.steps.push(StepRecord {
            step,
            duration_ms: started.elapsed().as_millis(),
            rows,
            detail,
            failed,
        });
    }
}

fn run_steps(
    store: &Store,
    ctx: &Context<'_>,
    report: &mut RunReport,
) -> Result<(), PipelineError> {
    if ctx.pipeline.runs(Step::Ingest) {
        tracing::debug!(step = %Step::Ingest, "trinnet starter");
        let started = Instant::now();
        match steps::ingest::run(store, ctx, report.month) {
            Ok(done) => report.record(Step::Ingest, started, Ok(done)),
            // No folder: nothing was tried, so no step is recorded.
            Err(e @ PipelineError::NoDelivery { .. }) => return Err(e),
            Err(e) => {
                report.record(Step::Ingest, started, Err(e.to_string()));
                return Err(e);
            }
        }
    }
    let conn = store.lock();
    conn.execute_batch("begin transaction")?;
    let result = transform_steps(&conn, ctx, report);
    match result {
        Ok(()) => conn.execute_batch("commit")?,
        Err(_) => {
            let _ = conn.execute_batch("rollback");
        }
    }
    // The run's copy of the status in force (sql/features/feat_status.sql) lives in
    // this long-lived connection: free it now rather than hold it until the next run.
    let _ = conn.execute_batch("drop table if exists temp.feat_status");
    result?;
    // Rows the retention deleted leave the file's live blocks only at a checkpoint.
    if report
        .steps
        .iter()
        .any(|s| s.step == Step::Retention && s.rows > 0)
    {
        crate::retention::reclaim(&conn);
    }
    // The committee report is written after the commit, so its files only ever
    // describe stored results; a failed report fails the run but, like ingest,
    // leaves the month's results in place.
    if ctx.pipeline.runs(Step::Report) {
        tracing::debug!(step = %Step::Report, "trinnet starter");
        let started = Instant::now();
        let outcome = steps::report::run(&conn, ctx, report.month);
        report.record(
            Step::Report,
            started,
            outcome
                .as_ref()
                .map(Clone::clone)
                .map_err(ToString::to_string),
        );
        outcome.map_err(|e| PipelineError::Step {
            step: Step::Report,
            source: Box::new(e),
        })?;
    }
    // The accountability documents (#16) after the report, from the same
    // committed marts; like the report, a failure fails the run and keeps its results.
    if ctx.pipeline.runs(Step::Dokumentation) {
        tracing::debug!(step = %Step::Dokumentation, "trinnet starter");
        let started = Instant::now();
        let outcome = steps::documentation::run(&conn, ctx, report.month);
        report.record(
            Step::Dokumentation,
            started,
            outcome
                .as_ref()
                .map(Clone::clone)
                .map_err(ToString::to_string),
        );
        outcome.map_err(|e| PipelineError::Step {
            step: Step::Dokumentation,
            source: Box::new(e),
        })?;
    }
    Ok(())
}

/// The steps between ingest and report, in the run's transaction.
fn transform_steps(
    conn: &Connection,
    ctx: &Context<'_>,
    report: &mut RunReport,
) -> Result<(), PipelineError> {
    conn.execute("delete from run_params", [])?;
    conn.execute(
        include_str!("../../sql/pipeline/run_params_set.sql"),
        params![report.month.to_string(), ctx.pipeline.cohort.horizon_months],
    )?;
    for &step in ctx
        .pipeline
        .steps
        .iter()
        .filter(|s| !matches!(s, Step::Ingest | Step::Report | Step::Dokumentation))
    {
        tracing::debug!(step = %step, "trinnet starter");
        let started = Instant::now();
        let outcome = steps::run_in_transaction(step, conn, ctx, report);
        report.record(
            step,
            started,
            outcome
                .as_ref()
                .map(Clone::clone)
                .map_err(ToString::to_string),
        );
        outcome.map_err(|source| PipelineError::Step { step, source })?;
    }
    Ok(())
}

/// Runs every delivered month in order.
pub fn backfill(
    store: &Store,
    ctx: &Context<'_>,
    mut progress: impl FnMut(usize, usize, &RunReport),
) -> Result<Vec<RunReport>, PipelineError> {
    let months = Inbox::new(ctx.settings.data_dir.inbox()).months()?;
    let mut reports = Vec::with_capacity(months.len());
    for (i, (month, _)) in months.iter().enumerate() {
        let report = run_month(store, ctx, *month, "backfill")?;
        progress(i + 1, months.len(), &report);
        reports.push(report);
    }
    Ok(reports)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(steps: &[(Step, i64)], model: bool) -> RunReport {
        RunReport {
            run_id: "r".into(),
            month: NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
            steps: steps
                .iter()
                .map(|&(step, rows)| StepRecord {
                    step,
                    duration_ms: 0,
                    rows,
                    detail: String::new(),
                    failed: false,
                })
                .collect(),
            model_version: model.then(|| "v".to_string()),
        }
    }

    /// The backfill summary counted every run with a model in use as a scored
    /// cohort (32 where 20 were scored on real data).
    #[test]
    fn a_run_with_a_model_but_no_cohort_scored_nobody() {
        assert!(!run(&[(Step::Train, 900), (Step::Score, 0)], true).scored_a_cohort());
        assert!(run(&[(Step::Score, 212)], true).scored_a_cohort());
        assert!(!run(&[(Step::Train, 0)], false).scored_a_cohort());
    }
}
