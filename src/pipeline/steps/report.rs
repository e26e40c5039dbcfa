//! `report`: the month's committee report, written after the run's results are
//! committed, so its files only ever describe stored results.

use duckdb::Connection;

use crate::pipeline::Context;

/// Rows and the run log's line, or the report's error.
pub(in crate::pipeline) fn run(
    conn: &Connection,
    ctx: &Context<'_>,
    month: chrono::NaiveDate,
) -> Result<(i64, String), crate::report::ReportError> {
    crate::report::step(conn, ctx.settings, ctx.pipeline, month)
}
