//! The summary: exactly five sentences, one each on inflow, this month's
//! prediction, accuracy beside guessing, the monitoring's open alerts, and the model.

use super::cells::{of100, rows, Row, V};
use super::{Block, Ctx};
use crate::present::format;

pub fn blocks(ctx: &Ctx) -> Vec<Block> {
    vec![
        Block::Summary {
            items: vec![
                inflow(ctx),
                prediction(ctx),
                accuracy(ctx),
                alerts(ctx),
                model(ctx),
            ],
        },
        Block::Paragraph {
            text: ctx.f("resume.reading", &[]),
        },
    ]
}

/// The row of a mart whose date column is the report month.
pub fn month_row<'a>(ctx: &Ctx<'a>, mart: &str, col: &str) -> Option<Row<'a>> {
    rows(ctx.inputs.mart(mart)).find(|r| r.date(col) == Some(ctx.inputs.month))
}

fn inflow(ctx: &Ctx) -> String {
    let row = month_row(ctx, "mart_inflow", "month");
    match row.map(|r| (r.v("new_spells"), r.v("caseload"))) {
        Some((V::Num(new), V::Num(open))) => ctx.f(
            "resume.inflow",
            &[
                ("new", format::number(new, 0)),
                ("open", format::number(open, 0)),
            ],
        ),
        Some((V::Hidden, _)) | Some((_, V::Hidden)) => ctx.f("resume.inflow_hidden", &[]),
        _ => ctx.f("resume.inflow_none", &[]),
    }
}

fn prediction(ctx: &Ctx) -> String {
    let row = month_row(ctx, "mart_cohorts", "cohort_month");
    match row.map(|r| (r.v("n"), r.v("mean_predicted"))) {
        Some((V::Num(n), V::Num(p))) => ctx.f(
            "resume.prediction",
            &[("n", format::number(n, 0)), ("of100", of100(p))],
        ),
        Some((V::Hidden, _)) | Some((_, V::Hidden)) => ctx.f("resume.prediction_hidden", &[]),
        _ => ctx.f("resume.prediction_none", &[]),
    }
}

fn accuracy(ctx: &Ctx) -> String {
    let Some(q) = rows(ctx.inputs.mart("mart_quality")).next() else {
        return ctx.f("resume.accuracy_none", &[]);
    };
    let window = window_args(&q);
    match (q.v("accuracy"), q.v("majority_accuracy")) {
        (V::Num(acc), V::Num(base)) => {
            let mut args = window;
            args.extend([
                ("acc", of100(acc)),
                ("lo", of100(q.num("accuracy_ci_low").unwrap_or(acc))),
                ("hi", of100(q.num("accuracy_ci_high").unwrap_or(acc))),
                ("base", of100(base)),
            ]);
            ctx.f("resume.accuracy", &args)
        }
        (V::Hidden, _) | (_, V::Hidden) => ctx.f("resume.accuracy_hidden", &window),
        _ => ctx.f("resume.accuracy_none", &[]),
    }
}

/// `from` and `to`: the window of mature cohorts a pooled figure covers.
pub fn window_args(q: &Row) -> Vec<(&'static str, String)> {
    let m = |col| q.date(col).map(format::month_short).unwrap_or_default();
    vec![("from", m("window_from")), ("to", m("window_to"))]
}

fn alerts(ctx: &Ctx) -> String {
    let alerts: Vec<Row> = rows(ctx.inputs.mart("mart_alerts")).collect();
    if alerts.is_empty() {
        return ctx.f("resume.alerts_none", &[]);
    }
    let count = |f: &dyn Fn(&Row) -> bool| alerts.iter().filter(|r| f(r)).count();
    let (alarms, warnings) = (
        count(&|r| r.text("severity") == Some("alarm")),
        count(&|r| r.text("severity") == Some("advarsel")),
    );
    ctx.f(
        "resume.alerts",
        &[
            ("alarms", ctx.t.count("resume.count.alarms", alarms)),
            ("warnings", ctx.t.count("resume.count.warnings", warnings)),
            (
                "fairness",
                count(&|r| r.text("kind") == Some("retfaerdighed")).to_string(),
            ),
            (
                "drift",
                count(&|r| r.text("kind") == Some("drift")).to_string(),
            ),
        ],
    )
}

/// This month's champion/challenger decision, if a model was trained.
pub fn decision<'a>(ctx: &Ctx<'a>) -> Option<Row<'a>> {
    month_row(ctx, "mart_model_changes", "run_month")
}

fn model(ctx: &Ctx) -> String {
    let Some(d) = decision(ctx) else {
        return ctx.f("resume.model_none", &[]);
    };
    let key = match (d.flag("promoted"), d.text("champion_before")) {
        (false, None) if refused_as_guessing(&d) => "resume.model_none_guessing",
        (false, Some(_)) if refused_as_guessing(&d) => "resume.model_kept_guessing",
        (true, None) => "resume.model_first",
        // Promoted within the tolerance although its score was a little worse.
        (true, Some(_)) if worse_within_tolerance(&d) => "resume.model_promoted_within",
        (true, Some(_)) => "resume.model_promoted",
        (false, _) => "resume.model_kept",
    };
    ctx.f(key, &[])
}

/// A challenger refused because it did not beat guessing (the base rate); an
/// older decision without the gate's figures (null) was not.
pub fn refused_as_guessing(d: &Row) -> bool {
    !d.flag("promoted") && matches!(d.cell("beats_base_rate"), crate::table::Cell::Int(0))
}

/// A promoted challenger whose validation Brier score was a little worse than the
/// champion's (the promotion tolerance allows it).
pub fn worse_within_tolerance(d: &Row) -> bool {
    matches!(
        (d.num("challenger_brier"), d.num("champion_brier")),
        (Some(new), Some(old)) if new > old
    )
}
