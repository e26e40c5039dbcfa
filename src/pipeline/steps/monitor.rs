//! `monitor`: the monitoring tables and alerts (`crate::monitor` owns them).

use duckdb::Connection;

use super::StepResult;
use crate::monitor;
use crate::pipeline::{Context, RunLog, RunReport};

pub(super) fn run(conn: &Connection, ctx: &Context<'_>, report: &RunReport) -> StepResult {
    let input = monitor::MonitorInput {
        run_id: &report.run_id,
        run_month: report.month,
        pipeline: ctx.pipeline,
        policy: ctx.policy,
        k: ctx.settings.disclosure_k.get(),
        failed_runs: RunLog::failed_since_success(conn)?,
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
