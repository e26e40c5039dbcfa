//! The appendices: method and limitations, and data quality (deliveries, rows in
//! quarantine, corrected re-deliveries, and the deliveries the report is built on).

use super::cells::{rows, Column, NumFmt, RCell, Row};
use super::cohorts::months_before;
use super::{Block, Ctx};
use crate::present::format;
use crate::report::archive::Manifest;

pub fn method(ctx: &Ctx) -> Vec<Block> {
    let p = |name: &str| format::number(ctx.inputs.param(name), 0);
    let mut args = vec![
        ("training", p("training_months")),
        ("validation", p("validation_months")),
        ("window", p("window_cohorts")),
        ("bins", p("calibration_bins")),
        ("low", format::percent(ctx.inputs.param("low_below"), 0)),
        ("high", format::percent(ctx.inputs.param("high_from"), 0)),
    ];
    let mut out = vec![Block::Heading {
        text: ctx.f("metode.method_heading", &[]),
    }];
    let mut items = ctx.t.list("metode.points", &with_base(ctx, &args));
    if let Some(m) = model_in_use(ctx) {
        let when = |c: &str| m.date(c).map(format::month_short).unwrap_or_default();
        args.extend([
            (
                "version",
                m.text("challenger_version").unwrap_or("").to_string(),
            ),
            (
                "depth",
                m.num("max_depth")
                    .map(|v| format::number(v, 0))
                    .unwrap_or_default(),
            ),
            (
                "leaf",
                m.num("min_samples_leaf")
                    .map(|v| format::number(v, 0))
                    .unwrap_or_default(),
            ),
            (
                "n_train",
                m.num("n_train")
                    .map(|v| format::number(v, 0))
                    .unwrap_or_else(|| "–".into()),
            ),
            ("from", when("train_from")),
            ("to", when("train_to")),
        ]);
        items.insert(1, ctx.f("metode.model_in_use", &args));
    }
    out.push(Block::Bullets { items });
    out.push(Block::Heading {
        text: ctx.f("metode.limits_heading", &[]),
    });
    out.push(Block::Bullets {
        items: ctx.t.list("metode.limits", &with_base(ctx, &args)),
    });
    out
}

/// The decision row of the model that scored this month's cohort.
fn model_in_use<'a>(ctx: &Ctx<'a>) -> Option<Row<'a>> {
    let version = Manifest::model_version_of(ctx.inputs)?;
    rows(ctx.inputs.mart("mart_model_changes"))
        .find(|r| r.text("challenger_version") == Some(version.as_str()))
}

fn with_base(ctx: &Ctx, more: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    let mut args = ctx.base_args();
    args.extend(more.iter().cloned());
    args
}

pub fn data_quality(ctx: &Ctx) -> Vec<Block> {
    let since = months_before(ctx.inputs.month, ctx.spec.table_months as u32 - 1);
    let recent = |mart: &str| -> Vec<Row> {
        rows(ctx.inputs.mart(mart))
            .filter(|r| r.date("batch_month").is_some_and(|m| m >= since))
            .collect()
    };
    let mut deliveries = recent("mart_data_quality");
    // Newest first; a replaced delivery right after the correction that replaced it.
    deliveries.sort_by_key(|r| {
        std::cmp::Reverse((
            r.date("batch_month"),
            r.date("loaded_on"),
            r.flag("in_force"),
        ))
    });
    let sum = |col: &str| deliveries.iter().filter_map(|r| r.num(col)).sum::<f64>();
    let corrected = deliveries
        .iter()
        .filter(|r| r.text("replaces").is_some())
        .count();
    let mut out = vec![
        Block::Paragraph {
            text: ctx.f("datakvalitet.intro", &[]),
        },
        Block::Paragraph {
            text: ctx.f(
                "datakvalitet.summary",
                &[
                    ("months", ctx.spec.table_months.to_string()),
                    (
                        "deliveries",
                        ctx.t
                            .count("datakvalitet.count.deliveries", deliveries.len()),
                    ),
                    ("rows", format::number(sum("rows_loaded"), 0)),
                    (
                        "quarantined",
                        ctx.t
                            .count("datakvalitet.count.rows", sum("rows_quarantined") as usize),
                    ),
                    (
                        "corrected",
                        ctx.t.count("datakvalitet.count.corrected", corrected),
                    ),
                ],
            ),
        },
    ];
    let u = ctx.t.t("common.none");
    let status = |r: &Row| {
        RCell::text(ctx.t.t(if r.flag("in_force") {
            "datakvalitet.deliveries.status_in_force"
        } else {
            "datakvalitet.deliveries.status_replaced"
        }))
    };
    let table_rows = deliveries
        .iter()
        .map(|r| {
            vec![
                RCell::month(r.date("batch_month"), &u),
                RCell::date(r.date("loaded_on"), &u),
                RCell::num(r.v("rows_loaded"), NumFmt::Integer, &u),
                RCell::num(r.v("rows_quarantined"), NumFmt::Integer, &u),
                status(r),
                RCell::num(r.v("rows_replaced"), NumFmt::Integer, ""),
            ]
        })
        .collect();
    let h = |k: &str| ctx.t.t(&format!("datakvalitet.deliveries.{k}"));
    out.push(ctx.table(
        "datakvalitet.deliveries",
        vec![
            Column::text(h("month")),
            Column::text(h("loaded")),
            Column::num(h("rows")),
            Column::num(h("quarantined")),
            Column::text(h("status")),
            Column::num(h("replaced")),
        ],
        table_rows,
        &[("months", ctx.spec.table_months.to_string())],
    ));
    let quarantine: Vec<Vec<RCell>> = recent("mart_quarantine")
        .iter()
        .rev()
        .map(|r| {
            vec![
                RCell::month(r.date("batch_month"), &u),
                RCell::text(r.text("file").unwrap_or("")),
                RCell::text(
                    r.text("column_name")
                        .filter(|c| !c.is_empty())
                        .unwrap_or("–"),
                ),
                RCell::num(r.v("rows_quarantined"), NumFmt::Integer, &u),
            ]
        })
        .collect();
    if quarantine.is_empty() {
        out.push(Block::Paragraph {
            text: ctx.f(
                "datakvalitet.quarantine_none",
                &[("months", ctx.spec.table_months.to_string())],
            ),
        });
    } else {
        let h = |k: &str| ctx.t.t(&format!("datakvalitet.quarantine.{k}"));
        out.push(ctx.table(
            "datakvalitet.quarantine",
            vec![
                Column::text(h("month")),
                Column::text(h("file")),
                Column::text(h("column")),
                Column::num(h("rows")),
            ],
            quarantine,
            &[("months", ctx.spec.table_months.to_string())],
        ));
    }
    out.extend(basis(ctx));
    out
}

/// What the report is built from: the model version and the deliveries in force
/// (the manifest's list), the full list in the spreadsheet only.
fn basis(ctx: &Ctx) -> Vec<Block> {
    let in_force: Vec<Row> = rows(ctx.inputs.mart("mart_data_quality"))
        .filter(|r| r.flag("in_force"))
        .collect();
    let month = |r: Option<&Row>| {
        r.and_then(|r| r.date("batch_month"))
            .map(format::month_short)
            .unwrap_or_default()
    };
    let version =
        Manifest::model_version_of(ctx.inputs).unwrap_or_else(|| ctx.t.t("cover.no_model"));
    let mut out = vec![
        Block::Heading {
            text: ctx.f("datakvalitet.basis_heading", &[]),
        },
        Block::Paragraph {
            text: ctx.f(
                "datakvalitet.basis",
                &[
                    ("deliveries", in_force.len().to_string()),
                    ("first", month(in_force.first())),
                    ("last", month(in_force.last())),
                    ("version", version),
                ],
            ),
        },
    ];
    let u = ctx.t.t("common.none");
    let table_rows = in_force
        .iter()
        .map(|r| {
            vec![
                RCell::month(r.date("batch_month"), &u),
                RCell::text(r.text("batch_id").unwrap_or("")),
                RCell::num(r.v("rows_loaded"), NumFmt::Integer, &u),
            ]
        })
        .collect();
    let h = |k: &str| ctx.t.t(&format!("datakvalitet.batches.{k}"));
    let mut table = ctx.table(
        "datakvalitet.batches",
        vec![
            Column::text(h("month")),
            Column::text(h("batch")),
            Column::num(h("rows")),
        ],
        table_rows,
        &[],
    );
    if let Block::Table(t) = &mut table {
        t.print = false;
    }
    out.push(table);
    out
}
