//! `score`: the month's cohort scored with the champion; the registry stores the
//! scores (the runner writes no model tables).

use duckdb::Connection;

use super::StepResult;
use crate::model::{self, registry};
use crate::pipeline::{Context, RunReport};

pub(super) fn run(conn: &Connection, ctx: &Context<'_>, report: &mut RunReport) -> StepResult {
    let Some((version, tree, _)) = registry::champion(conn, report.month)? else {
        return Ok((0, "ingen model endnu; kohorten scores ikke".into()));
    };
    // The tree's split indices refer to the feature list it was trained with.
    let trained_with = registry::input_names(conn, &version)?;
    if trained_with != ctx.policy.input_names() {
        return Err(format!(
            "modellen {version} er trænet med andre kendetegn end model/features.toml nævner nu; \
             den kan ikke score, før en ny model er trænet og taget i brug"
        )
        .into());
    }
    let scores = model::score(conn, report.month, &tree, ctx.pipeline, ctx.policy)?;
    registry::save_scores(conn, &report.run_id, report.month, &version, &scores)?;
    report.model_version = Some(version.clone());
    Ok((scores.len() as i64, format!("model {version}")))
}
