//! Fairness by group, with a reading guide: how often each group is judged high
//! risk beside the reference group, and every difference the monitoring flagged.

use super::cells::{rows, Column, NumFmt, RCell, Row};
use super::{Block, Ctx};
use crate::dashboard::format;

/// Dimensions in reading order; any other follows in the mart's order.
const ORDER: [&str; 6] = ["sex", "age_band", "sex_age_band", "target_group", "origin", "district"];

pub fn blocks(ctx: &Ctx) -> Vec<Block> {
    let mut all: Vec<Row> = rows(ctx.inputs.mart("mart_fairness")).collect();
    all.sort_by_key(|r| {
        let d = r.text("dimension").unwrap_or("");
        ORDER.iter().position(|o| *o == d).unwrap_or(ORDER.len())
    });
    let bounds = [
        ("low", format::number(ctx.inputs.param("fairness_ratio_low"), 2)),
        ("high", format::number(ctx.inputs.param("fairness_ratio_high"), 2)),
    ];
    let mut out = vec![
        Block::Paragraph {
            text: ctx.f("retfaerdighed.intro", &[]),
        },
        Block::Heading {
            text: ctx.f("retfaerdighed.guide_heading", &[]),
        },
        Block::Bullets {
            items: ctx.t.list("retfaerdighed.guide", &with_base(ctx, &bounds)),
        },
    ];
    if all.is_empty() {
        out.push(Block::Paragraph {
            text: ctx.f("retfaerdighed.none", &[]),
        });
        return out;
    }
    let flagged: Vec<&Row> = all.iter().filter(|r| r.flag("flagged")).collect();
    let mut groups: Vec<(&str, &str)> = flagged
        .iter()
        .map(|r| (r.text("dimension").unwrap_or(""), r.text("grp").unwrap_or("")))
        .collect();
    groups.dedup();
    out.push(Block::Paragraph {
        text: if flagged.is_empty() {
            ctx.f("retfaerdighed.flagged_none", &[])
        } else {
            ctx.f(
                "retfaerdighed.flagged_some",
                &[
                    ("flags", ctx.t.count("retfaerdighed.count.flags", flagged.len())),
                    ("groups", ctx.t.count("retfaerdighed.count.groups", groups.len())),
                ],
            )
        },
    });
    let u = ctx.t.t("common.unknown");
    let yes_no = |r: &Row| match r.cell("flagged") {
        crate::table::Cell::Suppressed => RCell::hidden(),
        _ => RCell::text(ctx.t.t(if r.flag("flagged") { "common.yes" } else { "common.no" })),
    };
    let selection: Vec<Vec<RCell>> = all
        .iter()
        .filter(|r| r.text("metric") == Some("selection_rate"))
        .map(|r| {
            vec![
                RCell::text(dimension(ctx, r)),
                RCell::text(group(ctx, r.text("grp").unwrap_or(""))),
                RCell::num(r.v("n"), NumFmt::Integer, &u),
                RCell::num(r.v("value"), NumFmt::Percent(1), &u),
                RCell::num(r.v("ci_low"), NumFmt::Percent(1), &u),
                RCell::num(r.v("ci_high"), NumFmt::Percent(1), &u),
                RCell::num(r.v("ratio"), NumFmt::Decimal(2), &u),
                yes_no(r),
            ]
        })
        .collect();
    let h = |k: &str| ctx.t.t(&format!("retfaerdighed.table.{k}"));
    out.push(ctx.table(
        "retfaerdighed.table",
        vec![
            Column::text(h("dimension")),
            Column::text(h("group")),
            Column::num(h("persons")),
            Column::num(h("high_risk")),
            Column::num(h("low")),
            Column::num(h("high")),
            Column::num(h("ratio")),
            Column::text(h("flagged")),
        ],
        selection,
        &[],
    ));
    let flagged_rows = flagged
        .iter()
        .map(|r| {
            vec![
                RCell::text(dimension(ctx, r)),
                RCell::text(group(ctx, r.text("grp").unwrap_or(""))),
                RCell::text(metric(ctx, r.text("metric").unwrap_or(""))),
                RCell::num(r.v("value"), NumFmt::Percent(1), &u),
                RCell::text(group(ctx, r.text("reference_group").unwrap_or(""))),
                RCell::num(r.v("ratio"), NumFmt::Decimal(2), &u),
                RCell::num(r.v("n"), NumFmt::Integer, &u),
            ]
        })
        .collect();
    let h = |k: &str| ctx.t.t(&format!("retfaerdighed.flags.{k}"));
    out.push(ctx.table(
        "retfaerdighed.flags",
        vec![
            Column::text(h("dimension")),
            Column::text(h("group")),
            Column::text(h("metric")),
            Column::num(h("value")),
            Column::text(h("reference")),
            Column::num(h("ratio")),
            Column::num(h("persons")),
        ],
        flagged_rows,
        &[],
    ));
    out
}

fn with_base(ctx: &Ctx, more: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    let mut args = ctx.base_args();
    args.extend(more.iter().cloned());
    args
}

fn dimension(ctx: &Ctx, r: &Row) -> String {
    let d = r.text("dimension").unwrap_or("");
    ctx.t
        .get(&format!("labels.dimension.{d}"))
        .map_or_else(|| d.to_string(), String::from)
}

/// A group's display name; a combined group ("K 55_plus") is named part by part.
pub fn group(ctx: &Ctx, grp: &str) -> String {
    grp.split(' ')
        .map(|part| {
            ctx.t
                .get(&format!("labels.group.{part}"))
                .map_or_else(|| part.to_string(), String::from)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn metric(ctx: &Ctx, m: &str) -> String {
    ctx.t
        .get(&format!("labels.metric.{m}"))
        .map_or_else(|| m.to_string(), String::from)
}
