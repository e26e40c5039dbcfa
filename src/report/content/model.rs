//! Model changes: this month's champion/challenger decision and why, the new
//! model beside its baselines and the benchmark ensemble (the price of
//! explainability), and the decisions of the past year.

use super::cells::{rows, Column, NumFmt, RCell, Row, V};
use super::summary::decision;
use super::{Block, Ctx};
use crate::present::format;

pub fn blocks(ctx: &Ctx) -> Vec<Block> {
    let tolerance = format::number(ctx.inputs.param("promotion_tolerance"), 3);
    let mut out = vec![Block::Paragraph {
        text: ctx.f(
            "modelskifte.intro",
            &[
                ("tolerance", tolerance),
                (
                    "validation",
                    format::number(ctx.inputs.param("validation_months"), 0),
                ),
            ],
        ),
    }];
    let u = ctx.t.t("common.not_applicable");
    match decision(ctx) {
        None => out.push(Block::Paragraph {
            text: ctx.f("modelskifte.none", &[]),
        }),
        Some(d) => {
            let version = |c: &str| d.text(c).unwrap_or("").to_string();
            let key = match (d.flag("promoted"), d.text("champion_before")) {
                (false, None) if super::summary::refused_as_guessing(&d) => {
                    "modelskifte.none_guessing"
                }
                (false, Some(_)) if super::summary::refused_as_guessing(&d) => {
                    "modelskifte.kept_guessing"
                }
                (true, None) => "modelskifte.first",
                (true, Some(_)) if super::summary::worse_within_tolerance(&d) => {
                    "modelskifte.promoted_within"
                }
                (true, Some(_)) => "modelskifte.promoted",
                (false, _) => "modelskifte.kept",
            };
            out.push(Block::Paragraph {
                text: ctx.f(
                    key,
                    &[
                        ("new", version("challenger_version")),
                        ("old", version("champion_before")),
                        ("after", version("champion_after")),
                    ],
                ),
            });
            let reason = match d.cell("reason") {
                crate::table::Cell::Text(r) => r.clone(),
                _ => ctx.f("common.suppressed_note", &[]),
            };
            out.push(Block::Caveat {
                title: ctx.f("modelskifte.reason", &[]),
                text: reason,
            });
            out.push(versus_baselines(ctx, &d, &u));
            if let Some(p) = price(ctx, &d) {
                out.push(p);
            }
        }
    }
    out.push(history(ctx, &u));
    out
}

fn versus_baselines(ctx: &Ctx, d: &Row, u: &str) -> Block {
    let h = |k: &str| ctx.t.t(&format!("modelskifte.baselines.{k}"));
    let brier = |c: &str| RCell::num(d.v(c), NumFmt::Decimal(4), u);
    let auc = |c: &str| RCell::num(d.v(c), NumFmt::Decimal(3), u);
    let acc = |c: &str| RCell::num(d.v(c), NumFmt::Percent(1), u);
    let none = || RCell::unknown(u);
    let mut table_rows = vec![
        vec![
            RCell::text(h("tree")),
            brier("challenger_brier"),
            auc("auc"),
            acc("accuracy"),
        ],
        vec![
            RCell::text(h("base_rate")),
            brier("baseline_brier"),
            none(),
            acc("baseline_accuracy"),
        ],
        vec![
            RCell::text(h("logistic")),
            brier("logistic_brier"),
            auc("logistic_auc"),
            none(),
        ],
    ];
    table_rows.push(vec![
        RCell::text(h("benchmark")),
        brier("benchmark_brier"),
        auc("benchmark_auc"),
        none(),
    ]);
    if d.v("champion_brier") != V::Unknown {
        table_rows.push(vec![
            RCell::text(h("champion")),
            brier("champion_brier"),
            none(),
            none(),
        ]);
    }
    let when = |c: &str| d.date(c).map(format::month_short).unwrap_or_default();
    ctx.table(
        "modelskifte.baselines",
        vec![
            Column::text(h("method")),
            Column::num(h("brier")),
            Column::num(h("auc")),
            Column::num(ctx.f("modelskifte.baselines.accuracy", &[])),
        ],
        table_rows,
        &[
            ("from", when("val_from")),
            ("to", when("val_to")),
            (
                "n",
                d.num("n_val")
                    .map(|n| format::number(n, 0))
                    .unwrap_or_else(|| "–".into()),
            ),
        ],
    )
}

/// "Forklarlighedens pris": the tree's Brier minus the benchmark's, with its interval.
fn price(ctx: &Ctx, d: &Row) -> Option<Block> {
    let (p, lo, hi) = (
        d.num("price_brier")?,
        d.num("price_brier_ci_low")?,
        d.num("price_brier_ci_high")?,
    );
    let key = if lo > 0.0 {
        "modelskifte.price.worse"
    } else if hi < 0.0 {
        "modelskifte.price.better"
    } else {
        "modelskifte.price.even"
    };
    Some(Block::Paragraph {
        text: ctx.f(
            key,
            &[
                ("difference", format::number(p, 4)),
                ("low", format::number(lo, 4)),
                ("high", format::number(hi, 4)),
            ],
        ),
    })
}

fn history(ctx: &Ctx, u: &str) -> Block {
    let all: Vec<Row> = rows(ctx.inputs.mart("mart_model_changes"))
        .filter(|r| r.date("run_month").is_some_and(|m| m <= ctx.inputs.month))
        .collect();
    let yes_no = |b: bool| RCell::text(ctx.t.t(if b { "common.yes" } else { "common.no" }));
    let table_rows = all
        .iter()
        .rev()
        .take(ctx.spec.table_months)
        .map(|r| {
            vec![
                RCell::month(r.date("run_month"), u),
                RCell::text(r.text("challenger_version").unwrap_or("")),
                yes_no(r.flag("promoted")),
                RCell::text(r.text("champion_after").unwrap_or("")),
                RCell::num(r.v("challenger_brier"), NumFmt::Decimal(4), u),
                RCell::num(r.v("champion_brier"), NumFmt::Decimal(4), u),
            ]
        })
        .collect();
    let h = |k: &str| ctx.t.t(&format!("modelskifte.history.{k}"));
    ctx.table(
        "modelskifte.history",
        vec![
            Column::text(h("month")),
            Column::text(h("tried")),
            Column::text(h("promoted")),
            Column::text(h("in_use")),
            Column::num(h("brier_new")),
            Column::num(h("brier_old")),
        ],
        table_rows,
        &[("months", ctx.spec.table_months.to_string())],
    )
}
