//! Turns a dashboard spec and its (already disclosure-controlled) mart tables into a
//! page view: formatted Danish texts and chart geometry, ready for the templates.

mod kpi;

use std::collections::BTreeMap;

use serde::Serialize;

use super::chart::{self, ChartView};
use super::format::{self, Format, Shown};
use super::messages::Messages;
use super::spec::{Chart, ColumnSpec, Component, Dashboard, TableSpec};
use crate::table::{Cell, Table};

/// A mart that does not have what the dashboard file asks of it.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("mart {0} was not fetched")]
    MissingMart(String),
    #[error("mart {mart} has no column {column}")]
    MissingColumn { mart: String, column: String },
}

/// One page, ready for `dashboard.html`.
#[derive(Debug, Serialize)]
pub struct PageView {
    pub slug: String,
    pub title: String,
    pub intro: Vec<String>,
    pub guide: Vec<String>,
    pub components: Vec<ComponentView>,
}

/// One rendered block of a page.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ComponentView {
    Kpi(KpiView),
    Chart {
        chart: ChartView,
        caption: Option<String>,
        table: TableView,
    },
    Table {
        id: String,
        title: String,
        caption: Option<String>,
        table: TableView,
    },
}

/// A headline figure with its interval and details.
#[derive(Debug, Serialize)]
pub struct KpiView {
    pub label: String,
    pub value: Shown,
    pub unit: Option<String>,
    pub note: Option<String>,
    pub interval: Option<(Shown, Shown)>,
    pub details: Vec<(String, Shown)>,
    pub suppressed: bool,
}

/// A table of formatted cells; also the "Vis tal" table under every chart.
#[derive(Debug, Serialize)]
pub struct TableView {
    pub headers: Vec<(String, bool)>,
    pub rows: Vec<Vec<Shown>>,
    pub suppressed: bool,
}

/// Builds the view of `dashboard` from its marts; `{k}` in the intro and guide
/// becomes the disclosure threshold.
pub fn page(
    dashboard: &Dashboard,
    marts: &BTreeMap<String, Table>,
    k: u32,
    t: &Messages,
) -> Result<PageView, RenderError> {
    let components = dashboard
        .components
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let table = marts
                .get(c.mart())
                .ok_or_else(|| RenderError::MissingMart(c.mart().into()))?;
            let id = format!("k{}", i + 1);
            let mart = Mart {
                name: c.mart(),
                table,
            };
            match c {
                Component::Kpi(k) => kpi::kpi(k, &mart, t),
                Component::Line(ch) => chart(ch, chart::Kind::Line, id, &mart, t),
                Component::Bar(ch) => chart(ch, chart::Kind::Bar, id, &mart, t),
                Component::Table(ts) => table_component(ts, id, &mart, t),
            }
        })
        .collect::<Result<_, _>>()?;
    Ok(PageView {
        slug: dashboard.slug.clone(),
        title: dashboard.title.clone(),
        intro: paragraphs(&Messages::with_k(&dashboard.intro, k)),
        guide: dashboard
            .guide
            .iter()
            .map(|g| Messages::with_k(g, k))
            .collect(),
        components,
    })
}

fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

struct Mart<'a> {
    name: &'a str,
    table: &'a Table,
}

impl Mart<'_> {
    fn index(&self, column: &str) -> Result<usize, RenderError> {
        self.table
            .column_index(column)
            .ok_or_else(|| RenderError::MissingColumn {
                mart: self.name.into(),
                column: column.into(),
            })
    }
}

/// A row's cell; a short row (a mart bug) reads as null rather than panicking.
fn at(row: &[Cell], i: usize) -> &Cell {
    row.get(i).unwrap_or(&Cell::Null)
}

fn show(cell: &Cell, spec: &ColumnSpec, t: &Messages) -> Shown {
    shown(cell, spec.format, spec.decimals, spec.if_null.as_deref(), t)
}

fn shown(
    cell: &Cell,
    format: Format,
    decimals: Option<usize>,
    if_null: Option<&str>,
    t: &Messages,
) -> Shown {
    let mut s = format::cell(cell, format, decimals, t);
    if let (Some(text), "unknown") = (if_null, s.state) {
        s.text = text.into();
    }
    s
}

fn chart(
    c: &Chart,
    kind: chart::Kind,
    id: String,
    mart: &Mart,
    t: &Messages,
) -> Result<ComponentView, RenderError> {
    let rows = &mart.table.rows;
    let x_i = mart.index(&c.x.column)?;
    let numbers = |i: usize| rows.iter().map(|r| at(r, i).as_f64()).collect::<Vec<_>>();
    let y_spec = |column: &str, label: String| ColumnSpec {
        column: column.into(),
        label,
        format: c.y_format,
        decimals: c.y_decimals,
        if_null: None,
    };
    // The data table repeats every drawn number: x, each series, each band's ends.
    let mut columns = vec![(x_i, c.x.clone())];
    let mut series = Vec::new();
    for s in &c.series {
        let i = mart.index(&s.column)?;
        columns.push((i, y_spec(&s.column, s.label.clone())));
        let band = match &s.band {
            Some(b) => {
                let (lo, hi) = (mart.index(&b.low)?, mart.index(&b.high)?);
                columns.push((lo, y_spec(&b.low, format!("{}, {}", b.label, t.lower))));
                columns.push((hi, y_spec(&b.high, format!("{}, {}", b.label, t.upper))));
                Some(chart::BandInput {
                    label: b.label.clone(),
                    low: numbers(lo),
                    high: numbers(hi),
                })
            }
            None => None,
        };
        series.push(chart::SeriesInput {
            label: s.label.clone(),
            values: numbers(i),
            band,
        });
    }
    let input = chart::Input {
        id,
        kind,
        title: c.title.clone(),
        x_label: c.x.label.clone(),
        y_label: c.y_label.clone(),
        y_format: c.y_format,
        y_max: c.y_max,
        x: rows.iter().map(|r| at(r, x_i).clone()).collect(),
        x_labels: rows
            .iter()
            .map(|r| show(at(r, x_i), &c.x, t).text)
            .collect(),
        series,
    };
    Ok(ComponentView::Chart {
        chart: chart::layout(&input, t),
        caption: c.caption.clone(),
        table: table_view(&columns, mart.table, t),
    })
}

fn table_component(
    ts: &TableSpec,
    id: String,
    mart: &Mart,
    t: &Messages,
) -> Result<ComponentView, RenderError> {
    let columns = ts
        .columns
        .iter()
        .map(|c| Ok((mart.index(&c.column)?, c.clone())))
        .collect::<Result<Vec<_>, RenderError>>()?;
    Ok(ComponentView::Table {
        id,
        title: ts.title.clone(),
        caption: ts.caption.clone(),
        table: table_view(&columns, mart.table, t),
    })
}

fn table_view(columns: &[(usize, ColumnSpec)], table: &Table, t: &Messages) -> TableView {
    let rows: Vec<Vec<Shown>> = table
        .rows
        .iter()
        .map(|r| {
            columns
                .iter()
                .map(|(i, spec)| show(at(r, *i), spec, t))
                .collect()
        })
        .collect();
    TableView {
        headers: columns
            .iter()
            .map(|(_, c)| (c.label.clone(), c.format.is_numeric()))
            .collect(),
        suppressed: rows.iter().flatten().any(|s| s.state == "suppressed"),
        rows,
    }
}

#[cfg(test)]
mod tests;
