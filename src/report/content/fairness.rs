//! Fairness by group, with a reading guide: how often each group is judged high
//! risk beside the reference group, and every difference the monitoring flagged.

use super::cells::{rows, Column, NumFmt, RCell, Row, V};
use super::{Block, Ctx};
use crate::present::format;

/// Dimensions in reading order; any other follows in the mart's order.
const ORDER: [&str; 6] = [
    "sex",
    "age_band",
    "sex_age_band",
    "target_group",
    "origin",
    "district",
];
/// Codes whose order is not alphabetical; others keep the mart's order.
const GROUPS: [&str; 6] = ["K", "M", "under_30", "30_44", "45_54", "55_plus"];

pub fn blocks(ctx: &Ctx) -> Vec<Block> {
    let mut all: Vec<Row> = rows(ctx.inputs.mart("mart_fairness")).collect();
    all.sort_by_key(group_rank);
    let bounds = [
        (
            "low",
            format::number(ctx.inputs.param("fairness_ratio_low"), 2),
        ),
        (
            "high",
            format::number(ctx.inputs.param("fairness_ratio_high"), 2),
        ),
        (
            "gap",
            format::number(ctx.inputs.param("calibration_tolerance") * 100.0, 0),
        ),
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
        .map(|r| {
            (
                r.text("dimension").unwrap_or(""),
                r.text("grp").unwrap_or(""),
            )
        })
        .collect();
    groups.dedup();
    out.push(Block::Paragraph {
        text: if flagged.is_empty() {
            ctx.f("retfaerdighed.flagged_none", &[])
        } else {
            ctx.f(
                "retfaerdighed.flagged_some",
                &[
                    (
                        "flags",
                        ctx.t.count("retfaerdighed.count.flags", flagged.len()),
                    ),
                    (
                        "groups",
                        ctx.t.count("retfaerdighed.count.groups", groups.len()),
                    ),
                ],
            )
        },
    });
    let u = ctx.t.t("common.unknown");
    let yes_no = |r: Option<&Row>| match r.map(|r| r.cell("flagged")) {
        Some(crate::table::Cell::Suppressed) => RCell::hidden(),
        Some(_) => RCell::text(ctx.t.t(if r.is_some_and(|r| r.flag("flagged")) {
            "common.yes"
        } else {
            "common.no"
        })),
        None => RCell::unknown(&u),
    };
    let points = |r: Option<&Row>| match r {
        Some(r) => RCell::num(times100(r.v("value")), NumFmt::Decimal(1), &u),
        None => RCell::unknown(&u),
    };
    let find = |sel: &Row, metric: &str| {
        all.iter().find(|r| {
            r.text("metric") == Some(metric)
                && r.text("dimension") == sel.text("dimension")
                && r.text("grp") == sel.text("grp")
        })
    };
    let mut selection: Vec<&Row> = all
        .iter()
        .filter(|r| r.text("metric") == Some("selection_rate"))
        .collect();
    selection.sort_by_key(|r| group_rank(r));
    let groups_rows: Vec<Vec<RCell>> = selection
        .iter()
        .map(|r| {
            let citl = find(r, "citl");
            vec![
                RCell::text(dimension(ctx, r)),
                RCell::text(group(ctx, r.text("grp").unwrap_or(""))),
                RCell::num(r.v("n"), NumFmt::Integer, &u),
                RCell::num(r.v("value"), NumFmt::Percent(1), &u),
                points(citl),
                match citl {
                    Some(c) if c.text("grp") == c.text("reference_group") => {
                        RCell::text(ctx.t.t("retfaerdighed.table.is_reference"))
                    }
                    Some(c) => RCell::num(c.v("ratio"), NumFmt::Decimal(2), &u),
                    None => RCell::unknown(&u),
                },
                yes_no(citl),
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
            Column::num(h("gap")),
            Column::num(h("ratio")),
            Column::text(h("flagged")),
        ],
        groups_rows,
        &[],
    ));
    if flagged.is_empty() {
        return out;
    }
    let flagged_rows = flagged
        .iter()
        .map(|r| {
            vec![
                RCell::text(dimension(ctx, r)),
                RCell::text(group(ctx, r.text("grp").unwrap_or(""))),
                RCell::text(metric(ctx, r.text("metric").unwrap_or(""))),
                if r.text("metric") == Some("citl") {
                    points(Some(r))
                } else {
                    RCell::num(r.v("value"), NumFmt::Percent(1), &u)
                },
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

fn times100(v: V) -> V {
    match v {
        V::Num(x) => V::Num(x * 100.0),
        other => other,
    }
}

/// Groups in reading order: dimension as [`ORDER`], then women before men and ages
/// from young to old as [`GROUPS`], then the mart's order.
fn group_rank(r: &Row) -> (usize, Vec<usize>) {
    let d = r.text("dimension").unwrap_or("");
    let dim = ORDER.iter().position(|o| *o == d).unwrap_or(ORDER.len());
    let parts = r
        .text("grp")
        .unwrap_or("")
        .split(' ')
        .map(|p| GROUPS.iter().position(|g| *g == p).unwrap_or(GROUPS.len()))
        .collect();
    (dim, parts)
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
