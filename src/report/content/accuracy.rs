//! Predicted against observed for the latest mature cohorts, accuracy beside the
//! baseline with its interval in words ("ud af 100 borgere"), and calibration.

use super::cells::{of100, rows, Column, NumFmt, RCell, Row, V};
use super::cohorts::{chart_block, labelled_chart, last, series, share_args};
use super::summary::window_args;
use super::{Block, Ctx};
use crate::present::chart::Kind;
use crate::present::format::{self, Format};
use crate::table::Cell;

/// Mature cohorts shown one by one in the table.
const MATURE_ROWS: usize = 6;

pub fn blocks(ctx: &Ctx) -> Vec<Block> {
    let cohorts = last(ctx, "mart_cohorts", "cohort_month", ctx.spec.history_months);
    let mut out = vec![
        Block::Paragraph {
            text: ctx.f("traefsikkerhed.intro", &[]),
        },
        chart_block(
            ctx,
            "traefsikkerhed.chart",
            Kind::Line,
            &cohorts,
            "cohort_month",
            vec![
                series(
                    ctx,
                    &cohorts,
                    "mean_predicted",
                    "traefsikkerhed.chart.predicted",
                    None,
                ),
                series(
                    ctx,
                    &cohorts,
                    "observed_rate",
                    "traefsikkerhed.chart.observed",
                    Some((
                        "observed_ci_low",
                        "observed_ci_high",
                        "traefsikkerhed.chart.band",
                    )),
                ),
            ],
            Format::Percent,
        ),
    ];
    out.push(mature_table(ctx, &cohorts));
    out.push(Block::Heading {
        text: ctx.f("traefsikkerhed.words.heading", &[]),
    });
    match rows(ctx.inputs.mart("mart_quality")).next() {
        Some(q) if q.v("accuracy") != V::Unknown => {
            out.push(Block::Bullets {
                items: in_words(ctx, &q),
            });
            out.push(baseline_table(ctx, &q));
        }
        _ => out.push(Block::Paragraph {
            text: ctx.f("traefsikkerhed.words.none", &[]),
        }),
    }
    if let Some(p) = estimate(ctx) {
        out.push(Block::Paragraph { text: p });
    }
    out
}

fn mature_table(ctx: &Ctx, cohorts: &[Row]) -> Block {
    let mature: Vec<&Row> = cohorts.iter().filter(|r| r.flag("mature")).collect();
    let u = ctx.t.t("common.unknown");
    let pct = |r: &Row, c: &str| RCell::num(r.v(c), NumFmt::Percent(1), &u);
    let rows = mature
        .iter()
        .rev()
        .take(MATURE_ROWS)
        .map(|r| {
            let inside = match (
                r.v("mean_predicted"),
                r.v("observed_ci_low"),
                r.v("observed_ci_high"),
            ) {
                (V::Num(p), V::Num(lo), V::Num(hi)) => {
                    RCell::text(ctx.t.t(if lo <= p && p <= hi {
                        "common.yes"
                    } else {
                        "common.no"
                    }))
                }
                (V::Unknown, ..) => RCell::unknown(&u),
                _ => RCell::hidden(),
            };
            vec![
                RCell::month(r.date("cohort_month"), &u),
                RCell::num(r.v("n"), NumFmt::Integer, &u),
                RCell::num(r.v("n_unknown"), NumFmt::Integer, &u),
                pct(r, "mean_predicted"),
                pct(r, "observed_rate"),
                pct(r, "observed_ci_low"),
                pct(r, "observed_ci_high"),
                inside,
                pct(r, "survival_horizon"),
            ]
        })
        .collect();
    let h = |k: &str| ctx.t.t(&format!("traefsikkerhed.table.{k}"));
    ctx.table(
        "traefsikkerhed.table",
        vec![
            Column::text(h("cohort")),
            Column::num(h("persons")),
            Column::num(h("unknown")),
            Column::num(h("predicted")),
            Column::num(h("observed")),
            Column::num(h("low")),
            Column::num(h("high")),
            Column::text(h("inside")),
            Column::num(h("survival")),
        ],
        rows,
        &[],
    )
}

fn in_words(ctx: &Ctx, q: &Row) -> Vec<String> {
    let mut args = window_args(q);
    args.push((
        "n",
        q.num("n").map(|n| format::number(n, 0)).unwrap_or_default(),
    ));
    let mut items = Vec::new();
    items.extend(say(ctx, q, &args, "accuracy", "accuracy"));
    // Guessing the commoner outcome for everyone: which outcome that is depends
    // on whether fewer or more than half were still unemployed.
    let still = match (q.num("n_positive"), q.num("n")) {
        (Some(p), Some(n)) if n > 0.0 => p / n >= 0.5,
        _ => false,
    };
    args.push((
        "guess",
        ctx.t.t(if still {
            "traefsikkerhed.words.guess_still"
        } else {
            "traefsikkerhed.words.guess_job"
        }),
    ));
    items.extend(say(ctx, q, &args, "baseline", "majority"));
    for m in ["recall", "fpr", "auc"] {
        items.extend(say(ctx, q, &args, m, m));
    }
    items
}

/// One sentence "n ud af 100 (mellem lo og hi)" for the figure `col` of the pooled
/// window; a hidden figure says so, an unknown one is left out.
fn say(
    ctx: &Ctx,
    q: &Row,
    args: &[(&'static str, String)],
    key: &str,
    col: &str,
) -> Option<String> {
    let value = if col == "majority" {
        "majority_accuracy"
    } else {
        col
    };
    let v = q.v(value);
    match share_args(
        v,
        q.num(&format!("{col}_ci_low")),
        q.num(&format!("{col}_ci_high")),
    ) {
        Some(more) => {
            let mut a = args.to_vec();
            a.extend(more);
            Some(ctx.f(&format!("traefsikkerhed.words.{key}"), &a))
        }
        None if v == V::Hidden => Some(ctx.f("traefsikkerhed.words.hidden", args)),
        None => None,
    }
}

fn baseline_table(ctx: &Ctx, q: &Row) -> Block {
    let u = ctx.t.t("common.not_applicable");
    let h = |k: &str| ctx.t.t(&format!("traefsikkerhed.baseline.{k}"));
    let row = |label: &str, col: &str, fmt: NumFmt, base: Option<&str>| {
        vec![
            RCell::text(h(label)),
            RCell::num(q.v(col), fmt, &u),
            RCell::num(q.v(&format!("{col}_ci_low")), fmt, &u),
            RCell::num(q.v(&format!("{col}_ci_high")), fmt, &u),
            base.map_or_else(|| RCell::unknown(&u), |b| RCell::num(q.v(b), fmt, &u)),
        ]
    };
    ctx.table(
        "traefsikkerhed.baseline",
        vec![
            Column::text(h("measure")),
            Column::num(h("model")),
            Column::num(h("low")),
            Column::num(h("high")),
            Column::num(h("guess")),
        ],
        vec![
            row(
                "accuracy",
                "accuracy",
                NumFmt::Percent(1),
                Some("majority_accuracy"),
            ),
            row("recall", "recall", NumFmt::Percent(1), None),
            row("fpr", "fpr", NumFmt::Percent(1), None),
            row("auc", "auc", NumFmt::Decimal(3), None),
            row("brier", "brier", NumFmt::Decimal(3), None),
        ],
        &window_args(q),
    )
}

/// The estimated accuracy of the month's own cohort (CBPE), whose outcome is not
/// known yet.
fn estimate(ctx: &Ctx) -> Option<String> {
    let r = super::summary::month_row(ctx, "mart_estimates", "cohort_month")?;
    let acc = r.num("accuracy_estimated")?;
    Some(ctx.f("traefsikkerhed.estimate", &[("of100", of100(acc))]))
}

pub fn calibration(ctx: &Ctx) -> Vec<Block> {
    let bins: Vec<Row> = rows(ctx.inputs.mart("mart_reliability"))
        .filter(|r| r.text("strategy") == Some("quantile"))
        .collect();
    let mut out = vec![Block::Paragraph {
        text: ctx.f("kalibrering.intro", &[("bins", bins.len().to_string())]),
    }];
    if bins.is_empty() {
        out.push(Block::Paragraph {
            text: ctx.f("kalibrering.none", &[]),
        });
        return out;
    }
    let x_labels: Vec<String> = bins
        .iter()
        .map(|b| {
            b.num("mean_predicted")
                .map(|p| format::percent(p, 0))
                .unwrap_or_else(|| "–".into())
        })
        .collect();
    let x = (0..bins.len()).map(|i| Cell::Text(i.to_string())).collect();
    out.push(labelled_chart(
        ctx,
        "kalibrering.chart",
        Kind::Line,
        x,
        x_labels,
        vec![
            series(
                ctx,
                &bins,
                "mean_predicted",
                "kalibrering.chart.predicted",
                None,
            ),
            series(
                ctx,
                &bins,
                "observed_rate",
                "kalibrering.chart.observed",
                Some(("ci_low", "ci_high", "kalibrering.chart.band")),
            ),
        ],
        Format::Percent,
    ));
    if let Some(q) = rows(ctx.inputs.mart("mart_quality")).next() {
        out.push(Block::Bullets {
            items: calibration_words(ctx, &q),
        });
    }
    let u = ctx.t.t("common.unknown");
    let pct = |r: &Row, c: &str| RCell::num(r.v(c), NumFmt::Percent(1), &u);
    let table_rows = bins
        .iter()
        .enumerate()
        .map(|(i, b)| {
            vec![
                RCell::text((i + 1).to_string()),
                pct(b, "bin_low"),
                pct(b, "bin_high"),
                RCell::num(b.v("n"), NumFmt::Integer, &u),
                pct(b, "mean_predicted"),
                pct(b, "observed_rate"),
                pct(b, "ci_low"),
                pct(b, "ci_high"),
            ]
        })
        .collect();
    let h = |k: &str| ctx.t.t(&format!("kalibrering.table.{k}"));
    out.push(ctx.table(
        "kalibrering.table",
        vec![
            Column::text(h("group")),
            Column::num(h("from")),
            Column::num(h("to")),
            Column::num(h("persons")),
            Column::num(h("predicted")),
            Column::num(h("observed")),
            Column::num(h("low")),
            Column::num(h("high")),
        ],
        table_rows,
        &[],
    ));
    out
}

fn calibration_words(ctx: &Ctx, q: &Row) -> Vec<String> {
    let mut items = Vec::new();
    let points = |v: f64| format::number(v.abs() * 100.0, 1);
    if let Some(citl) = q.num("citl") {
        let key = if citl.abs() < 0.005 {
            "kalibrering.citl_even"
        } else if citl > 0.0 {
            "kalibrering.citl_under"
        } else {
            "kalibrering.citl_over"
        };
        items.push(ctx.f(key, &[("points", points(citl))]));
    }
    if let Some(ece) = q.num("ece") {
        items.push(ctx.f("kalibrering.ece", &[("points", points(ece))]));
    }
    if let Some(slope) = q.num("slope") {
        let key = if slope < 0.8 {
            "kalibrering.slope_steep"
        } else if slope > 1.25 {
            "kalibrering.slope_flat"
        } else {
            "kalibrering.slope_ok"
        };
        items.push(ctx.f(key, &[("slope", format::number(slope, 2))]));
    }
    if items.is_empty() && q.v("n") == V::Hidden {
        items.push(ctx.f("common.suppressed_note", &[]));
    }
    items
}
