//! `dokumentation`: the month's accountability documents (#16), written after the
//! report from the same committed marts.

use duckdb::Connection;

use crate::pipeline::Context;

/// Files written and where, or the documents' error.
pub(in crate::pipeline) fn run(
    conn: &Connection,
    ctx: &Context<'_>,
    month: chrono::NaiveDate,
) -> Result<(i64, String), crate::documentation::DocError> {
    crate::documentation::step(conn, ctx.settings, ctx.pipeline, ctx.policy, month)
}
