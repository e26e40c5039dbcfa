//! `retention`: individual rows past `citizen.retention_months` deleted in the run's
//! transaction, before staging and features read them (`crate::retention`); the run
//! log's line says how many rows per table, never whose.

use duckdb::Connection;

use super::StepResult;
use crate::pipeline::{Context, RunReport};

pub(super) fn run(conn: &Connection, ctx: &Context<'_>, report: &RunReport) -> StepResult {
    let deleted = crate::retention::apply(conn, &ctx.settings.citizen, report.month)?;
    Ok((deleted.total() as i64, deleted.detail()))
}
