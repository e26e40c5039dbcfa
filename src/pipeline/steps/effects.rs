//! `effects`: programme effects by risk band (`crate::effects` owns the tables).
//! The estimates describe the latest cohorts, so a run of a month for which a
//! later delivery is already in the inbox (every month but the last of a
//! backfill) leaves them to the run of the newest month instead of computing
//! them again and again.

use duckdb::Connection;

use super::StepResult;
use crate::effects;
use crate::pipeline::inbox::Inbox;
use crate::pipeline::{Context, RunReport};

pub(super) fn run(conn: &Connection, ctx: &Context<'_>, report: &RunReport) -> StepResult {
    let months = Inbox::new(ctx.settings.data_dir.inbox()).months()?;
    if months.iter().any(|(m, _)| *m > report.month) {
        return Ok((
            0,
            "sprunget over: en senere måned er leveret, og dens kørsel skønner effekterne".into(),
        ));
    }
    let s = effects::run(conn, &report.run_id, &ctx.pipeline.effects)?;
    Ok((
        s.panel_rows as i64,
        format!(
            "{} måneder i risiko; {} effektskøn, heraf {} undertrykt",
            s.panel_rows, s.estimates, s.suppressed
        ),
    ))
}
