//! The reliability diagram, heat map and interval plot: each turns its mart rows into
//! chart input and a data table that repeats every drawn number for screen readers.

use std::collections::BTreeMap;

use super::{at, located, show, table_view, ComponentView, Cx, Mart, RenderError, TableView};
use crate::dashboard::spec::{ColumnSpec, Heatmap, IntervalPlot, Reliability};
use crate::present::chart::{self, IntervalRow};
use crate::present::format::{Format, Shown};
use crate::table::Cell;

/// A column shown in the format of another (an interval end in its figure's format).
fn like(column: &str, label: String, of: &ColumnSpec) -> ColumnSpec {
    ColumnSpec {
        column: column.into(),
        label,
        format: of.format,
        decimals: of.decimals,
        if_null: None,
    }
}

fn interval_labels(cx: &Cx) -> (String, String) {
    (
        format!("{}, {}", cx.t.interval, cx.t.lower),
        format!("{}, {}", cx.t.interval, cx.t.upper),
    )
}

pub(super) fn reliability(
    r: &Reliability,
    id: String,
    mart: &Mart,
    cx: &Cx,
) -> Result<ComponentView, RenderError> {
    let (p, o) = (
        mart.index(&r.predicted.column)?,
        mart.index(&r.observed.column)?,
    );
    let (lo, hi) = (mart.index(&r.ci_low)?, mart.index(&r.ci_high)?);
    let bins = mart
        .table
        .rows
        .iter()
        .map(|row| chart::reliability::BinInput {
            predicted: at(row, p).as_f64(),
            observed: at(row, o).as_f64(),
            low: at(row, lo).as_f64(),
            high: at(row, hi).as_f64(),
        })
        .collect();
    let input = chart::ReliabilityInput {
        id,
        title: r.title.clone(),
        x_label: r.predicted.label.clone(),
        y_label: r.observed.label.clone(),
        bins,
    };
    let (lower, upper) = interval_labels(cx);
    let mut specs = r.columns.clone();
    specs.push(r.predicted.clone());
    specs.push(r.observed.clone());
    specs.push(like(&r.ci_low, lower, &r.observed));
    specs.push(like(&r.ci_high, upper, &r.observed));
    specs.extend(r.count.iter().cloned());
    Ok(ComponentView::Reliability {
        chart: chart::reliability::layout(&input, cx.t),
        caption: r.caption.clone(),
        table: table_view(&located(&specs, mart)?, mart.table, cx),
    })
}

pub(super) fn heatmap(
    h: &Heatmap,
    id: String,
    mart: &Mart,
    cx: &Cx,
) -> Result<ComponentView, RenderError> {
    let (xi, yi, vi) = (
        mart.index(&h.x.column)?,
        mart.index(&h.y.column)?,
        mart.index(&h.value.column)?,
    );
    // Columns and rows in the order the mart first names them.
    let mut columns: Vec<String> = Vec::new();
    let mut rows: Vec<String> = Vec::new();
    let mut cells: BTreeMap<(usize, usize), Shown> = BTreeMap::new();
    let mut numbers: BTreeMap<(usize, usize), Option<f64>> = BTreeMap::new();
    for row in &mart.table.rows {
        let x = show(at(row, xi), &h.x, cx).text;
        let y = show(at(row, yi), &h.y, cx).text;
        let c = position(&mut columns, x);
        let r = position(&mut rows, y);
        cells.insert((r, c), show(at(row, vi), &h.value, cx));
        numbers.insert((r, c), at(row, vi).as_f64());
    }
    let values = (0..rows.len())
        .map(|r| {
            (0..columns.len())
                .map(|c| match cells.get(&(r, c)) {
                    Some(s) => (numbers.get(&(r, c)).copied().flatten(), s.text.clone()),
                    None => (None, cx.t.suppressed_mark.to_string()),
                })
                .collect()
        })
        .collect();
    let input = chart::HeatmapInput {
        id,
        title: h.title.clone(),
        x_label: h.x.label.clone(),
        y_label: h.y.label.clone(),
        columns: columns.clone(),
        rows: rows.clone(),
        values,
        thresholds: h.thresholds.clone(),
        levels: h.levels.clone(),
    };
    // The data table is the grid itself: one row per heat map row.
    let unknown = || Shown {
        text: cx.t.unknown.into(),
        state: "unknown",
        numeric: false,
    };
    let table_rows: Vec<Vec<Shown>> = rows
        .iter()
        .enumerate()
        .map(|(r, label)| {
            let mut line = vec![Shown {
                text: label.clone(),
                state: "value",
                numeric: false,
            }];
            line.extend(
                (0..columns.len()).map(|c| cells.get(&(r, c)).cloned().unwrap_or_else(unknown)),
            );
            line
        })
        .collect();
    let mut headers = vec![(h.y.label.clone(), false)];
    headers.extend(columns.iter().map(|c| (c.clone(), true)));
    Ok(ComponentView::Heatmap {
        chart: chart::heatmap::layout(&input, cx.t),
        caption: h.caption.clone(),
        table: TableView {
            headers,
            suppressed: table_rows.iter().flatten().any(|s| s.state == "suppressed"),
            rows: table_rows,
            links: Vec::new(),
        },
    })
}

/// The index of `item` in `list`, appending it when new.
fn position(list: &mut Vec<String>, item: String) -> usize {
    match list.iter().position(|x| *x == item) {
        Some(i) => i,
        None => {
            list.push(item);
            list.len() - 1
        }
    }
}

fn truthy(cell: &Cell) -> bool {
    match cell {
        Cell::Int(v) => *v != 0,
        Cell::Text(s) => matches!(s.as_str(), "true" | "ja" | "1"),
        _ => false,
    }
}

pub(super) fn interval(
    p: &IntervalPlot,
    id: String,
    mart: &Mart,
    cx: &Cx,
) -> Result<ComponentView, RenderError> {
    let (li, vi) = (mart.index(&p.label.column)?, mart.index(&p.value.column)?);
    let (lo, hi) = (mart.index(&p.ci_low)?, mart.index(&p.ci_high)?);
    let gi = p
        .group
        .as_ref()
        .map(|g| mart.index(&g.column))
        .transpose()?;
    let fi = p.flag.as_ref().map(|f| mart.index(&f.column)).transpose()?;
    let ri = p.reference.as_ref().map(|r| mart.index(r)).transpose()?;
    let rows = mart
        .table
        .rows
        .iter()
        .map(|row| {
            let value = show(at(row, vi), &p.value, cx);
            let (low, high) = (
                show(at(row, lo), &p.value, cx),
                show(at(row, hi), &p.value, cx),
            );
            let text = if value.state == "value" && low.state == "value" && high.state == "value" {
                let low = low.text.strip_suffix(" %").unwrap_or(&low.text);
                format!("{} ({low}–{})", value.text, high.text)
            } else {
                value.text.clone()
            };
            IntervalRow {
                group: gi.zip(p.group.as_ref()).map(|(i, g)| show(at(row, i), g, cx).text),
                label: show(at(row, li), &p.label, cx).text,
                value: at(row, vi).as_f64(),
                low: at(row, lo).as_f64(),
                high: at(row, hi).as_f64(),
                text,
                flagged: fi.is_some_and(|i| truthy(at(row, i))),
                // Compared as stored codes, before any Danish text replaces them.
                reference: ri.is_some_and(|i| {
                    matches!((at(row, i), at(row, li)), (Cell::Text(a), Cell::Text(b)) if a == b)
                }),
            }
        })
        .collect();
    let input = chart::IntervalInput {
        id,
        title: p.title.clone(),
        x_label: p.value.label.clone(),
        format: p.value.format,
        x_max: p.x_max,
        rows,
        flag_label: p.flag.as_ref().map(|f| f.label.clone()),
    };
    let (lower, upper) = interval_labels(cx);
    let mut specs: Vec<ColumnSpec> = p.group.iter().cloned().collect();
    specs.push(p.label.clone());
    specs.push(p.value.clone());
    specs.push(like(&p.ci_low, lower, &p.value));
    specs.push(like(&p.ci_high, upper, &p.value));
    if let Some(f) = &p.flag {
        specs.push(ColumnSpec {
            format: Format::YesNo,
            ..f.clone()
        });
    }
    specs.extend(p.columns.iter().cloned());
    Ok(ComponentView::Interval {
        chart: chart::interval::layout(&input, cx.t),
        caption: p.caption.clone(),
        table: table_view(&located(&specs, mart)?, mart.table, cx),
    })
}
