//! `train`: a challenger trained on the mature cohorts, recorded in the registry,
//! the champion decided, and the model card written.

use duckdb::Connection;

use super::StepResult;
use crate::model::{self, card, champion, registry};
use crate::pipeline::{Context, RunReport};
use crate::present::format::number;

pub(super) fn run(conn: &Connection, ctx: &Context<'_>, report: &RunReport) -> StepResult {
    let Some(outcome) = model::train(conn, report.month, ctx.pipeline, ctx.policy)? else {
        return Ok((0, "for få modne kohorter til at træne en model".into()));
    };
    registry::save(conn, &report.run_id, report.month, &outcome, ctx.policy)?;
    // The champion as it stood before this month (a re-run must not meet itself).
    let previous = registry::champion(conn, report.month - chrono::Months::new(1))?;
    let tolerance = ctx.pipeline.training.promotion_tolerance;
    let decision = champion::decide(
        &outcome,
        previous
            .as_ref()
            .map(|(version, tree, trained_to)| champion::Champion {
                version,
                tree,
                trained_to: *trained_to,
            }),
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
        k: ctx.settings.disclosure_k.get(),
        models_dir: &ctx.settings.data_dir.models(),
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
