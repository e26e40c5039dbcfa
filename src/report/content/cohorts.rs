//! Inflow and cohorts: new spells and 2nd interviews month by month, and this
//! year's cohorts with the model's prediction for each.

use chrono::NaiveDate;

use super::cells::{rows, Column, NumFmt, RCell, Row, V};
use super::{Block, Ctx};
use crate::present::chart::{self, BandInput, Input, Kind, SeriesInput};
use crate::present::format::{self, Format};
use crate::present::messages::DA;
use crate::table::Cell;

pub fn blocks(ctx: &Ctx) -> Vec<Block> {
    let inflow: Vec<Row> = last(ctx, "mart_inflow", "month", ctx.spec.history_months);
    let mut out = vec![Block::Paragraph {
        text: ctx.f("tilgang.intro", &[]),
    }];
    out.push(chart_block(
        ctx,
        "tilgang.chart",
        Kind::Line,
        &inflow,
        "month",
        vec![
            series(ctx, &inflow, "new_spells", "tilgang.chart.new_spells", None),
            series(
                ctx,
                &inflow,
                "second_interviews",
                "tilgang.chart.cohort",
                None,
            ),
        ],
        Format::Integer,
    ));
    let recent = last(ctx, "mart_inflow", "month", ctx.spec.table_months);
    let cohorts: Vec<Row> = rows(ctx.inputs.mart("mart_cohorts")).collect();
    let u = ctx.t.t("common.unknown");
    let not_scored = ctx.t.t("tilgang.table.not_scored");
    let table_rows = recent
        .iter()
        .rev()
        .map(|r| {
            let c = cohorts
                .iter()
                .find(|c| c.date("cohort_month") == r.date("month"));
            let score = |col: &str| match c {
                Some(c) => RCell::num(c.v(col), NumFmt::Percent(0), &not_scored),
                None => RCell::unknown(&not_scored),
            };
            vec![
                RCell::month(r.date("month"), &u),
                RCell::num(r.v("new_spells"), NumFmt::Integer, &u),
                RCell::num(r.v("caseload"), NumFmt::Integer, &u),
                RCell::num(r.v("second_interviews"), NumFmt::Integer, &u),
                score("mean_predicted"),
                score("share_high_risk"),
            ]
        })
        .collect();
    let h = |k: &str| ctx.t.t(&format!("tilgang.table.{k}"));
    out.push(ctx.table(
        "tilgang.table",
        vec![
            Column::text(h("month")),
            Column::num(h("new_spells")),
            Column::num(h("caseload")),
            Column::num(h("cohort")),
            Column::num(h("predicted")),
            Column::num(h("high_risk")),
        ],
        table_rows,
        &[("months", ctx.spec.table_months.to_string())],
    ));
    out
}

/// The last `n` rows up to the report month, oldest first.
pub fn last<'a>(ctx: &Ctx<'a>, mart: &str, col: &str, n: usize) -> Vec<Row<'a>> {
    let month = ctx.inputs.month;
    let upto: Vec<Row> = rows(ctx.inputs.mart(mart))
        .filter(|r| r.date(col).is_some_and(|d| d <= month))
        .collect();
    upto[upto.len().saturating_sub(n)..].to_vec()
}

/// One series of a chart: a column's values (hidden and unknown are gaps), with an
/// optional interval band (low and high columns).
pub fn series(
    ctx: &Ctx,
    rows: &[Row],
    col: &str,
    label_key: &str,
    band: Option<(&str, &str, &str)>,
) -> SeriesInput {
    let values = |c: &str| rows.iter().map(|r| r.num(c)).collect::<Vec<_>>();
    SeriesInput {
        label: ctx.f(label_key, &[]),
        values: values(col),
        band: band.map(|(low, high, key)| BandInput {
            label: ctx.f(key, &[]),
            low: values(low),
            high: values(high),
        }),
    }
}

/// A chart over months (`x_col` holds dates), laid out by the cockpit's chart module.
#[allow(clippy::too_many_arguments)]
pub fn chart_block(
    ctx: &Ctx,
    key: &str,
    kind: Kind,
    rows: &[Row],
    x_col: &str,
    series: Vec<SeriesInput>,
    y_format: Format,
) -> Block {
    let x: Vec<Cell> = rows.iter().map(|r| r.cell(x_col).clone()).collect();
    let x_labels = x.iter().map(month_label).collect();
    labelled_chart(ctx, key, kind, x, x_labels, series, y_format)
}

/// A chart with given x values and labels.
pub fn labelled_chart(
    ctx: &Ctx,
    key: &str,
    kind: Kind,
    x: Vec<Cell>,
    x_labels: Vec<String>,
    series: Vec<SeriesInput>,
    y_format: Format,
) -> Block {
    let input = Input {
        id: key.replace('.', "-"),
        kind,
        title: ctx.f(&format!("{key}.title"), &[]),
        x_label: ctx.f(&format!("{key}.x"), &[]),
        y_label: ctx.f(&format!("{key}.y"), &[]),
        y_format,
        y_min: None,
        y_max: (y_format == Format::Percent).then_some(1.0),
        y_decimals: None,
        x,
        x_labels,
        series,
    };
    let view = chart::layout(&input, &DA);
    let note = if view.has_gaps {
        ctx.f("common.gaps_note", &[])
    } else {
        String::new()
    };
    Block::Chart {
        chart: Box::new(view),
        caption: ctx.f(&format!("{key}.caption"), &[]),
        note,
    }
}

fn month_label(c: &Cell) -> String {
    match c {
        Cell::Date(d) => format::month_short(*d),
        _ => String::new(),
    }
}

/// The report month minus `n` months.
pub fn months_before(month: NaiveDate, n: u32) -> NaiveDate {
    month - chrono::Months::new(n)
}

/// A value as "n ud af 100 (mellem lo og hi)" arguments.
pub fn share_args(v: V, lo: Option<f64>, hi: Option<f64>) -> Option<[(&'static str, String); 3]> {
    let x = v.num()?;
    Some([
        ("of100", super::cells::of100(x)),
        ("lo", super::cells::of100(lo.unwrap_or(x))),
        ("hi", super::cells::of100(hi.unwrap_or(x))),
    ])
}
