//! One module per step of the run. The steps between ingest and report run in the
//! run's transaction on one connection; [`run_in_transaction`] dispatches them.

pub(super) mod documentation;
mod effects;
mod evaluate;
mod features;
pub(super) mod ingest;
mod marts;
mod monitor;
pub(super) mod report;
mod retention;
mod score;
mod train;

use duckdb::Connection;

use super::{Context, RunReport};
use crate::config::Step;

/// What a step did (rows, a line for the run log), or why it failed.
pub(super) type StepResult = Result<(i64, String), Box<dyn std::error::Error + Send + Sync>>;

/// Runs one of the steps that share the run's transaction.
pub(super) fn run_in_transaction(
    step: Step,
    conn: &Connection,
    ctx: &Context<'_>,
    report: &mut RunReport,
) -> StepResult {
    match step {
        Step::Retention => retention::run(conn, ctx, report),
        Step::Features => features::run(conn),
        Step::Train => train::run(conn, ctx, report),
        Step::Score => score::run(conn, ctx, report),
        Step::Evaluate => evaluate::run(conn, report),
        Step::Monitor => monitor::run(conn, ctx, report),
        Step::Effects => effects::run(conn, ctx, report),
        Step::Marts => marts::run(conn),
        // The runner runs these outside the transaction (see `pipeline::run_steps`).
        Step::Ingest | Step::Report | Step::Dokumentation => {
            Err(format!("trinnet '{step}' kører ikke i kørslens transaktion").into())
        }
    }
}
