//! Fairness by group, with a reading guide: how often each group is judged high
//! risk beside the reference group, and every difference the monitoring flagged.

use super::cells::{rows, Column, NumFmt, RCell, Row, V};
use super::{Block, Ctx};
use crate::present::format;
use crate::vocabulary::Dimension;

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

/// Groups in reading order: dimensions in [`Dimension`]'s order, then women before
/// men and ages from young to old (the vocabulary's order of sex and age band; other
/// codes are not ordered), then the mart's order.
fn group_rank(r: &Row) -> (usize, Vec<usize>) {
    let d = r.text("dimension").unwrap_or("");
    let dim = d
        .parse::<Dimension>()
        .ok()
        .and_then(|d| Dimension::ALL.iter().position(|o| *o == d))
        .unwrap_or(Dimension::ALL.len());
    let v = crate::vocabulary::get();
    let ordered: Vec<&str> = ["sex", "age_band"]
        .iter()
        .filter_map(|k| v.set(k).ok())
        .flat_map(|s| s.codes().filter(|c| *c != "ukendt"))
        .collect();
    let parts = r
        .text("grp")
        .unwrap_or("")
        .split(' ')
        .map(|p| {
            ordered
                .iter()
                .position(|g| *g == p)
                .unwrap_or(ordered.len())
        })
        .collect();
    (dim, parts)
}

fn with_base(ctx: &Ctx, more: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    let mut args = ctx.base_args();
    args.extend(more.iter().cloned());
    args
}

fn dimension(_ctx: &Ctx, r: &Row) -> String {
    crate::vocabulary::get().column_label("dimension", r.text("dimension").unwrap_or(""))
}

/// A group's display name, as the cockpit shows it (the reference group too).
pub fn group(_ctx: &Ctx, grp: &str) -> String {
    crate::vocabulary::get().column_label("reference_group", grp)
}

fn metric(_ctx: &Ctx, m: &str) -> String {
    crate::vocabulary::get().column_label("metric", m)
}
