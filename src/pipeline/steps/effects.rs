//! `effects`: programme effects by risk band (`crate::effects` owns the tables).

use duckdb::Connection;

use super::StepResult;
use crate::effects;
use crate::pipeline::{Context, RunReport};

pub(super) fn run(conn: &Connection, ctx: &Context<'_>, report: &RunReport) -> StepResult {
    let s = effects::run(conn, &report.run_id, &ctx.pipeline.effects)?;
    Ok((
        s.panel_rows as i64,
        format!(
            "{} måneder i risiko; {} effektskøn, heraf {} undertrykt",
            s.panel_rows, s.estimates, s.suppressed
        ),
    ))
}
