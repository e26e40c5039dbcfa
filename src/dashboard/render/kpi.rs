//! The KPI component: one value from a chosen row, with its interval and details.

use chrono::Months;
use serde::Serialize;

use super::{at, key_text, show, shown, ComponentView, Cx, KpiView, Mart, RenderError};
use crate::dashboard::spec::{ColumnSpec, Kpi};
use crate::present::format::{self, Format, Shown};
use crate::present::messages::Messages;
use crate::table::Cell;

/// A KPI's change since an earlier month: "+12 siden oktober 2026 (da 975)".
#[derive(Debug, Serialize)]
pub struct Change {
    /// The difference, signed ("+12", "−3,1 procentpoint"); unknown when either
    /// value is hidden or not known; none when the mart has no row for the month.
    pub delta: Option<Shown>,
    /// "siden oktober 2026", or "ingen tal for oktober 2026 at sammenligne med".
    pub since: String,
    /// The earlier value, and its 95 % interval when the figure has one.
    pub then: Shown,
    pub then_interval: Option<(Shown, Shown)>,
}

pub(super) fn kpi(k: &Kpi, mart: &Mart, cx: &Cx) -> Result<ComponentView, RenderError> {
    let t = cx.t;
    let value_i = mart.index(&k.column)?;
    let row = pick_row(k, mart)?;
    let cell_at = |i: usize| row.map_or(&Cell::Null, |r| at(r, i));
    let value_spec = ColumnSpec {
        column: k.column.clone(),
        label: k.label.clone(),
        format: k.format,
        decimals: k.decimals,
        if_null: k.if_null.clone(),
    };
    let value = show(cell_at(value_i), &value_spec, cx);
    let interval = interval_of(k, mart, row, cx)?;
    let changes = match &k.compare {
        Some(month_col) => changes(k, mart, row, month_col, &value_spec, cx)?,
        None => Vec::new(),
    };
    let words = match &k.in_words {
        Some(guess) => in_words(
            cell_at(value_i),
            cell_at(mart.index(guess)?),
            k,
            mart,
            row,
            t,
        )?,
        None => None,
    };
    let details = k
        .details
        .iter()
        .map(|d| {
            Ok((
                d.label.clone(),
                show(cell_at(mart.index(&d.column)?), d, cx),
            ))
        })
        .collect::<Result<Vec<_>, RenderError>>()?;
    let suppressed = value.state == "suppressed"
        || interval
            .iter()
            .any(|(a, b)| a.state == "suppressed" || b.state == "suppressed")
        || details.iter().any(|(_, s)| s.state == "suppressed");
    Ok(ComponentView::Kpi(KpiView {
        label: k.label.clone(),
        value,
        unit: k.unit.clone(),
        note: k.note.clone(),
        interval,
        details,
        suppressed,
        threshold: words
            .as_ref()
            .and(cx.threshold)
            .map(|h| Messages::fill(t.threshold_note, &[("hoej", h)])),
        changes,
        words,
    }))
}

/// The KPI's 95 % interval in `row`, when both ends are known.
fn interval_of(
    k: &Kpi,
    mart: &Mart,
    row: Option<&Vec<Cell>>,
    cx: &Cx,
) -> Result<Option<(Shown, Shown)>, RenderError> {
    let (Some(lo), Some(hi)) = (&k.ci_low, &k.ci_high) else {
        return Ok(None);
    };
    let cell_at = |i: usize| row.map_or(&Cell::Null, |r| at(r, i));
    let (lo, hi) = (cell_at(mart.index(lo)?), cell_at(mart.index(hi)?));
    // An interval is only worth showing when both ends are known.
    Ok(
        (!matches!(lo, Cell::Null) && !matches!(hi, Cell::Null)).then(|| {
            (
                shown(lo, k.format, k.decimals, None, cx.t),
                shown(hi, k.format, k.decimals, None, cx.t),
            )
        }),
    )
}

/// The value's change since the month before and the same month a year before,
/// each beside the earlier value (with its interval when the figure has one). A
/// month the mart has no row for is said to have no figures.
fn changes(
    k: &Kpi,
    mart: &Mart,
    row: Option<&Vec<Cell>>,
    month_col: &str,
    value_spec: &ColumnSpec,
    cx: &Cx,
) -> Result<Vec<Change>, RenderError> {
    let t = cx.t;
    let (mi, vi) = (mart.index(month_col)?, mart.index(&k.column)?);
    let Some(row) = row else {
        return Ok(Vec::new());
    };
    let Cell::Date(month) = at(row, mi) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for back in [1, 12] {
        let Some(then_month) = month.checked_sub_months(Months::new(back)) else {
            continue;
        };
        let earlier = mart
            .table
            .rows
            .iter()
            .find(|r| matches!(at(r, mi), Cell::Date(d) if *d == then_month));
        let then_text = format::month_long(then_month);
        let Some(earlier) = earlier else {
            out.push(Change {
                delta: None,
                since: Messages::fill(t.change_no_data, &[("month", &then_text)]),
                then: unknown(t.unknown),
                then_interval: None,
            });
            continue;
        };
        let since = Messages::fill(t.change_since, &[("month", &then_text)]);
        let then = show(at(earlier, vi), value_spec, cx);
        let delta = Some(match (at(row, vi).as_f64(), at(earlier, vi).as_f64()) {
            (Some(now), Some(before)) => Shown {
                text: signed(now - before, k.format, k.decimals, t),
                state: "value",
                numeric: true,
            },
            _ => unknown(t.change_unknown),
        });
        out.push(Change {
            delta,
            since,
            then,
            then_interval: interval_of(k, mart, Some(earlier), cx)?,
        });
    }
    Ok(out)
}

fn unknown(text: &str) -> Shown {
    Shown {
        text: text.into(),
        state: "unknown",
        numeric: false,
    }
}

/// A difference with its sign ("+12", "−3,1 procentpoint", "±0").
fn signed(d: f64, f: Format, decimals: Option<usize>, t: &Messages) -> String {
    let (scaled, unit) = match f {
        Format::Percent => (d * 100.0, format!(" {}", t.percentage_points)),
        _ => (d, String::new()),
    };
    let decimals = match f {
        Format::Integer => 0,
        _ => decimals.unwrap_or_else(|| f.default_decimals()),
    };
    let magnitude = format::number(scaled.abs(), decimals);
    let zero = format::number(0.0, decimals);
    let sign = if magnitude == zero {
        "±"
    } else if scaled < 0.0 {
        "−"
    } else {
        "+"
    };
    format!("{sign}{magnitude}{unit}")
}

/// "Ud af 100 borgere vurderer modellen 66 rigtigt (95 %-interval: 60 til 72), et
/// gæt 59.": an accuracy and its guess as whole persons out of 100.
fn in_words(
    accuracy: &Cell,
    guess: &Cell,
    k: &Kpi,
    mart: &Mart,
    row: Option<&Vec<Cell>>,
    t: &Messages,
) -> Result<Option<String>, RenderError> {
    let (Some(a), Some(g)) = (accuracy.as_f64(), guess.as_f64()) else {
        return Ok(None);
    };
    let per100 = |v: f64| format::number((v * 100.0).round(), 0);
    let cell_at = |i: usize| row.map_or(&Cell::Null, |r| at(r, i));
    let interval = match (&k.ci_low, &k.ci_high) {
        (Some(lo), Some(hi)) => match (
            cell_at(mart.index(lo)?).as_f64(),
            cell_at(mart.index(hi)?).as_f64(),
        ) {
            (Some(lo), Some(hi)) => Messages::fill(
                t.accuracy_words_interval,
                &[("low", &per100(lo)), ("high", &per100(hi))],
            ),
            _ => String::new(),
        },
        _ => String::new(),
    };
    Ok(Some(Messages::fill(
        t.accuracy_words,
        &[
            ("model", &per100(a)),
            ("interval", &interval),
            ("guess", &per100(g)),
        ],
    )))
}

fn pick_row<'a>(k: &Kpi, mart: &Mart<'a>) -> Result<Option<&'a Vec<Cell>>, RenderError> {
    let rows = &mart.table.rows;
    if let Some(col) = &k.row.last_with {
        let i = mart.index(col)?;
        return Ok(rows.iter().rev().find(|r| !matches!(at(r, i), Cell::Null)));
    }
    if let (Some(col), Some(want)) = (&k.row.column, &k.row.equals) {
        let i = mart.index(col)?;
        return Ok(rows
            .iter()
            .find(|r| key_text(at(r, i)).as_deref() == Some(want.as_str())));
    }
    Ok(rows.last())
}
