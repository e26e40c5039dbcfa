//! The monthly pipeline runner: the steps of `pipelines/monthly.toml` in order,
//! each timed and counted in `pipeline_steps`. Ingest is its own transaction
//! (a valid delivery stays loaded); every later step runs in one transaction,
//! so a failed run leaves the previous month's results untouched.

use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use duckdb::{params, Connection};

use crate::config::{PipelineConfig, Settings};
use crate::ingest::{self, IngestError};
use crate::model::{self, card, champion, policy::FeaturePolicy, registry, ModelError};
use crate::monitor;
use crate::present::format::number;
use crate::pseudonym::Pseudonymiser;
use crate::store::{self, count_rows, run_file, Store, StoreError};

/// Pipeline errors name the step that failed.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("ingen levering for {month} i {dir}")]
    NoDelivery { month: NaiveDate, dir: PathBuf },
    #[error("trinnet '{step}' fejlede: {source}")]
    Step {
        step: String,
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
    pub step: String,
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

/// Runs the pipeline for one month.
#[tracing::instrument(skip_all, fields(month = %month), err)]
pub fn run_month(
    store: &Store,
    ctx: &Context<'_>,
    month: NaiveDate,
    trigger: &str,
) -> Result<RunReport, PipelineError> {
    let run_id = format!(
        "{}-{}",
        month.format("%Y-%m"),
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f")
    );
    {
        let conn = store.lock();
        conn.execute(
            "insert into pipeline_runs values (?, ?::date, ?, now(), null, 'running', null)",
            params![run_id, month.to_string(), trigger],
        )?;
    }
    let mut report = RunReport {
        run_id: run_id.clone(),
        month,
        steps: Vec::new(),
        model_version: None,
    };
    let result = run_steps(store, ctx, &mut report);
    let conn = store.lock();
    record_steps(&conn, &report)?;
    match result {
        Ok(()) => {
            conn.execute(
                "update pipeline_runs set finished_at = now(), status = 'succeeded' where run_id = ?",
                [&run_id],
            )?;
            Ok(report)
        }
        Err(e) => {
            conn.execute(
                "update pipeline_runs set finished_at = now(), status = 'failed', error = ? where run_id = ?",
                params![e.to_string(), run_id],
            )?;
            Err(e)
        }
    }
}

fn run_steps(
    store: &Store,
    ctx: &Context<'_>,
    report: &mut RunReport,
) -> Result<(), PipelineError> {
    let steps = &ctx.pipeline.steps;
    if steps.iter().any(|s| s == "ingest") {
        let started = Instant::now();
        let dir = ctx
            .settings
            .inbox_dir()
            .join(report.month.format("%Y-%m").to_string());
        if dir.is_dir()
            && ingest::holds_no_delivery_files(&dir)
            && ingest::month_loaded(store, report.month)?
        {
            // Loaded before, its files deleted since: nothing to load again.
            report.steps.push(StepRecord {
                step: "ingest".into(),
                duration_ms: started.elapsed().as_millis(),
                rows: 0,
                detail: format!(
                    "allerede indlæst; leveringens filer er slettet efter indlæsningen ({})",
                    ingest::RECEIPT_FILE
                ),
                failed: false,
            });
            return transform_and_commit(store, ctx, report);
        }
        if !dir.is_dir() {
            return Err(PipelineError::NoDelivery {
                month: report.month,
                dir,
            });
        }
        let load = match ingest::load_batch(
            store,
            &dir,
            ctx.pseudonymiser,
            ctx.pipeline.ingest.max_bad_share,
        ) {
            Ok(load) => load,
            Err(e) => {
                report.steps.push(StepRecord {
                    step: "ingest".into(),
                    duration_ms: started.elapsed().as_millis(),
                    rows: 0,
                    detail: e.to_string(),
                    failed: true,
                });
                return Err(e.into());
            }
        };
        let mut detail = ingest_detail(&load);
        // The batch is committed: the files with raw CPRs can go. Failing to
        // delete them does not undo the load or stop the run; the run log and
        // the service log say so.
        if ctx.settings.remove_loaded_deliveries {
            match ingest::remove_loaded_delivery(&dir, &load) {
                Ok(r) => {
                    if !r.kept.is_empty() {
                        tracing::warn!(month = %report.month, kept = ?r.kept, "leveringsfiler beholdt: indholdet er ikke det indlæste");
                        detail.push_str(&format!(
                            "; beholdt (ikke det indlæste indhold): {}",
                            r.kept.join(", ")
                        ));
                    }
                }
                Err(e) => {
                    tracing::warn!(month = %report.month, error = %e, "leveringens filer kunne ikke slettes");
                    detail.push_str(&format!("; filerne kunne ikke slettes: {e}"));
                }
            }
        }
        let rows = if load.already_loaded {
            0
        } else {
            load.total_rows() as i64
        };
        report.steps.push(StepRecord {
            step: "ingest".into(),
            duration_ms: started.elapsed().as_millis(),
            rows,
            detail,
            failed: false,
        });
    }
    transform_and_commit(store, ctx, report)
}

/// The steps after ingest in one transaction, then the committee report.
fn transform_and_commit(
    store: &Store,
    ctx: &Context<'_>,
    report: &mut RunReport,
) -> Result<(), PipelineError> {
    let conn = store.lock();
    conn.execute_batch("begin transaction")?;
    let result = transform_steps(&conn, ctx, report);
    match result {
        Ok(()) => conn.execute_batch("commit")?,
        Err(_) => {
            let _ = conn.execute_batch("rollback");
        }
    }
    result?;
    // The committee report is written after the commit, so its files only ever
    // describe stored results; a failed report fails the run but, like ingest,
    // leaves the month's results in place.
    if ctx.pipeline.steps.iter().any(|s| s == "report") {
        let started = Instant::now();
        let outcome = crate::report::step(&conn, ctx.settings, ctx.pipeline, report.month);
        let (rows, detail, failed) = match &outcome {
            Ok((rows, detail)) => (*rows, detail.clone(), false),
            Err(e) => (0, e.to_string(), true),
        };
        report.steps.push(StepRecord {
            step: "report".into(),
            duration_ms: started.elapsed().as_millis(),
            rows,
            detail,
            failed,
        });
        outcome.map_err(|e| PipelineError::Step {
            step: "report".into(),
            source: Box::new(e),
        })?;
    }
    Ok(())
}

fn transform_steps(
    conn: &Connection,
    ctx: &Context<'_>,
    report: &mut RunReport,
) -> Result<(), PipelineError> {
    conn.execute("delete from run_params", [])?;
    conn.execute(
        "insert into run_params values (?::date, ?)",
        params![report.month.to_string(), ctx.pipeline.cohort.horizon_months],
    )?;
    for step in ctx
        .pipeline
        .steps
        .iter()
        .filter(|s| !matches!(s.as_str(), "ingest" | "report"))
    {
        let started = Instant::now();
        let outcome = run_step(conn, ctx, report, step);
        let duration_ms = started.elapsed().as_millis();
        let (rows, detail, failed) = match &outcome {
            Ok((rows, detail)) => (*rows, detail.clone(), false),
            Err(e) => (0, e.to_string(), true),
        };
        report.steps.push(StepRecord {
            step: step.clone(),
            duration_ms,
            rows,
            detail,
            failed,
        });
        outcome.map_err(|source| PipelineError::Step {
            step: step.clone(),
            source,
        })?;
    }
    Ok(())
}

type StepResult = Result<(i64, String), Box<dyn std::error::Error + Send + Sync>>;

fn run_step(
    conn: &Connection,
    ctx: &Context<'_>,
    report: &mut RunReport,
    step: &str,
) -> StepResult {
    match step {
        "features" => {
            for f in store::STAGING.iter().chain(store::FEATURES) {
                run_file(conn, f)?;
            }
            Ok((count_rows(conn, "feat_features")?, String::new()))
        }
        "train" => train_step(conn, ctx, report),
        "score" => score_step(conn, ctx, report),
        "evaluate" => {
            conn.execute("delete from metric_cohorts", [])?;
            conn.execute(store::METRIC_COHORTS.sql, [&report.run_id])
                .map_err(|source| StoreError::Sql {
                    name: store::METRIC_COHORTS.name.into(),
                    source,
                })?;
            Ok((count_rows(conn, "metric_cohorts")?, String::new()))
        }
        "monitor" => {
            let input = monitor::MonitorInput {
                run_id: &report.run_id,
                run_month: report.month,
                pipeline: ctx.pipeline,
                policy: ctx.policy,
                k: ctx.settings.disclosure_k,
            };
            let s = monitor::run(conn, &input)?;
            Ok((
                s.scored_rows as i64,
                format!(
                    "{} kohorter, heraf {} modne; {} åbne advarsler",
                    s.cohorts, s.mature_cohorts, s.open_alerts
                ),
            ))
        }
        "marts" => {
            store::run_marts(conn)?;
            Ok((count_rows(conn, "mart_cohorts")?, String::new()))
        }
        other => Err(format!("ukendt trin '{other}'").into()),
    }
}

fn train_step(conn: &Connection, ctx: &Context<'_>, report: &mut RunReport) -> StepResult {
    let Some(outcome) = model::train(conn, report.month, ctx.pipeline, ctx.policy)? else {
        return Ok((0, "for få modne kohorter til at træne en model".into()));
    };
    registry::save(conn, &report.run_id, report.month, &outcome, ctx.policy)?;
    // The champion as it stood before this month (a re-run must not meet itself).
    let previous = registry::champion(conn, report.month - chrono::Months::new(1))?;
    let tolerance = ctx.pipeline.training.promotion_tolerance;
    let decision = champion::decide(
        &outcome,
        previous.as_ref().map(|(v, t)| (v.as_str(), t)),
        tolerance,
    );
    registry::record_decision(
        conn,
        &report.run_id,
        report.month,
        &outcome.version,
        &decision,
        tolerance,
    )?;
    let card_input = card::CardInput {
        run_id: &report.run_id,
        run_month: report.month,
        horizon: ctx.pipeline.cohort.horizon_months,
        decision: &decision,
        policy: ctx.policy,
        k: ctx.settings.disclosure_k,
        models_dir: &ctx.settings.data_dir.join("models"),
    };
    card::write(conn, &outcome, &card_input)?;
    let detail = format!(
        "version {}: dybde {}, min. {} pr. blad, Brier på validering {} (basisrate {}). {}",
        outcome.version,
        outcome.tree.max_depth,
        outcome.tree.min_samples_leaf,
        outcome
            .val_brier
            .map_or_else(|| "–".into(), |b| number(b, 4)),
        outcome
            .val_brier_baseline
            .map_or_else(|| "–".into(), |b| number(b, 4)),
        decision.reason
    );
    Ok((outcome.n_train as i64, detail))
}

fn score_step(conn: &Connection, ctx: &Context<'_>, report: &mut RunReport) -> StepResult {
    let Some((version, tree)) = registry::champion(conn, report.month)? else {
        return Ok((0, "ingen model endnu; kohorten scores ikke".into()));
    };
    // The tree's split indices refer to the feature list it was trained with.
    let trained_with: String = conn.query_row(
        "select features from model_versions where version = ?",
        [&version],
        |r| r.get(0),
    )?;
    let now = serde_json::to_string(&ctx.policy.input_names())?;
    if trained_with != now {
        return Err(format!(
            "modellen {version} er trænet med andre kendetegn end model/features.toml nævner nu; \
             den kan ikke score, før en ny model er trænet og taget i brug"
        )
        .into());
    }
    let scores =
        model::score(conn, report.month, &tree, ctx.pipeline, ctx.policy).map_err(box_model)?;
    // A re-run of a month replaces that cohort's scores: one score per spell.
    conn.execute(
        "delete from model_scores where cohort_month = ?::date",
        [report.month.to_string()],
    )?;
    let mut app = conn.appender("model_scores")?;
    for s in &scores {
        app.append_row(params![
            s.spell_id,
            s.person_id,
            store::date_value(report.month),
            version,
            s.probability,
            s.risk_band,
            s.leaf_id as i32,
            report.run_id
        ])?;
    }
    app.flush()?;
    report.model_version = Some(version.clone());
    Ok((scores.len() as i64, format!("model {version}")))
}

/// The run log's line for the ingest step: which batch, whether it was loaded before
/// (and replaced since), which earlier batch of the month it replaces, and quarantine.
fn ingest_detail(load: &crate::ingest::LoadReport) -> String {
    let mut detail = match (&load.already_loaded, &load.superseded_by) {
        (true, Some(newer)) => format!(
            "batch {} var allerede indlæst og er siden erstattet af batch {newer}; intet indlæst igen",
            load.batch_id
        ),
        (true, None) => format!(
            "batch {} var allerede indlæst; intet indlæst igen",
            load.batch_id
        ),
        (false, _) => format!("batch {}", load.batch_id),
    };
    if let Some(old) = &load.supersedes {
        // A corrected re-delivery: the run log must say which month's rows changed.
        detail.push_str(&format!(
            "; erstatter batch {} for samme måned ({} rækker ude af brug)",
            old.batch_id, old.rows
        ));
    }
    if !load.already_loaded && !load.quarantined.is_empty() {
        detail.push_str(&format!(
            "; {} rækker sat i karantæne (se raw_quarantine)",
            load.quarantined.len()
        ));
    }
    detail
}

fn box_model(e: ModelError) -> Box<dyn std::error::Error + Send + Sync> {
    Box::new(e)
}

fn record_steps(conn: &Connection, report: &RunReport) -> Result<(), duckdb::Error> {
    for (i, s) in report.steps.iter().enumerate() {
        conn.execute(
            "insert into pipeline_steps values (?, ?, ?, now(), ?, ?, ?, ?)",
            params![
                report.run_id,
                s.step,
                i as i32,
                s.duration_ms as i64,
                s.rows,
                if s.failed { "failed" } else { "succeeded" },
                s.detail
            ],
        )?;
    }
    Ok(())
}

/// Runs every delivered month in order.
pub fn backfill(store: &Store, ctx: &Context<'_>) -> Result<Vec<RunReport>, PipelineError> {
    let months = ingest::delivery_folders(&ctx.settings.inbox_dir())?;
    let mut reports = Vec::with_capacity(months.len());
    for (month, _) in months {
        reports.push(run_month(store, ctx, month, "backfill")?);
    }
    Ok(reports)
}

#[cfg(test)]
mod tests {
    use super::ingest_detail;
    use crate::ingest::{LoadReport, Superseded};
    use chrono::NaiveDate;

    fn load() -> LoadReport {
        LoadReport {
            batch_id: "b2".into(),
            month: NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
            already_loaded: false,
            superseded_by: None,
            supersedes: None,
            rows: vec![("status", 10)],
            quarantined: Vec::new(),
            files: Vec::new(),
        }
    }

    #[test]
    fn a_re_delivery_is_named_in_the_run_log_with_the_batch_it_replaces() {
        let mut l = load();
        assert_eq!(ingest_detail(&l), "batch b2");
        l.supersedes = Some(Superseded {
            batch_id: "b1".into(),
            rows: 7,
        });
        assert_eq!(
            ingest_detail(&l),
            "batch b2; erstatter batch b1 for samme måned (7 rækker ude af brug)"
        );
    }

    #[test]
    fn a_repeated_batch_that_was_replaced_since_says_by_which() {
        let mut l = load();
        l.already_loaded = true;
        l.superseded_by = Some("b3".into());
        assert_eq!(
            ingest_detail(&l),
            "batch b2 var allerede indlæst og er siden erstattet af batch b3; intet indlæst igen"
        );
    }
}
