//! Turns a dashboard spec and its (already disclosure-controlled) mart tables into a
//! page view: formatted Danish texts and chart geometry, ready for the templates.

mod document;
mod figures;
mod kpi;

use std::collections::BTreeMap;

use serde::Serialize;

use super::spec::{Chart, Codes, ColumnSpec, Component, Dashboard, RowFilter, TableSpec};
use crate::present::chart::{self, ChartView};
use crate::present::format::{self, Format, Shown};
use crate::present::messages::Messages;
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
    pub notice: Option<String>,
    /// "Data til og med <month>": the page's `as_of` month.
    pub as_of: Option<Shown>,
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
        /// Text instead of an empty table.
        if_empty: Option<String>,
        table: TableView,
    },
    Reliability {
        chart: chart::ReliabilityView,
        caption: Option<String>,
        table: TableView,
    },
    Heatmap {
        chart: chart::HeatmapView,
        caption: Option<String>,
        table: TableView,
    },
    Interval {
        chart: chart::IntervalView,
        caption: Option<String>,
        table: TableView,
    },
    /// A Markdown text (the model card) as sanitised HTML.
    Document {
        id: String,
        title: String,
        caption: Option<String>,
        html: Option<String>,
        folded: bool,
    },
}

impl ComponentView {
    /// The table a component shows, with its title: a table component's own, or the
    /// data table under a figure. KPIs and documents have none.
    pub fn data_table(&self) -> Option<(&str, &TableView)> {
        match self {
            ComponentView::Table { title, table, .. } => Some((title, table)),
            ComponentView::Chart { chart, table, .. } => Some((&chart.title, table)),
            ComponentView::Reliability { chart, table, .. } => Some((&chart.title, table)),
            ComponentView::Heatmap { chart, table, .. } => Some((&chart.title, table)),
            ComponentView::Interval { chart, table, .. } => Some((&chart.title, table)),
            ComponentView::Kpi(_) | ComponentView::Document { .. } => None,
        }
    }
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
    /// The change since the month before and a year before (`compare`).
    pub changes: Vec<kpi::Change>,
    /// The accuracy said in words (`in_words`).
    pub words: Option<String>,
    /// Beside the words: the high-risk threshold the accuracy is measured at, as a
    /// sentence, when the app knows it.
    pub threshold: Option<String>,
}

/// A table of formatted cells; also the "Vis tal" table under every chart.
#[derive(Debug, Serialize)]
pub struct TableView {
    pub headers: Vec<(String, bool)>,
    pub rows: Vec<Vec<Shown>>,
    pub suppressed: bool,
    /// Per row, where its first cell links to (a table's `link`); empty for none.
    pub links: Vec<Option<String>>,
}

/// Builds the view of `dashboard` from its marts; `{k}` in the intro and guide
/// becomes the disclosure threshold, `{hoej}` the high-risk threshold
/// (`[scoring] high_from` of the pipeline file) when the app knows it.
pub fn page(
    dashboard: &Dashboard,
    marts: &BTreeMap<String, Table>,
    k: u32,
    extras: &super::Extras,
    t: &Messages,
) -> Result<PageView, RenderError> {
    let threshold = extras.high_from.map(|h| format::percent(h, 0));
    let cx = Cx {
        t,
        labels: &dashboard.labels,
        pages: extras.pages.as_deref(),
        threshold: threshold.as_deref(),
    };
    let components = dashboard
        .components
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let table = marts
                .get(c.mart())
                .ok_or_else(|| RenderError::MissingMart(c.mart().into()))?;
            let id = format!("k{}", i + 1);
            let selected;
            let table = match c.rows() {
                Some(filter) => {
                    selected = select(c.mart(), table, filter)?;
                    &selected
                }
                None => table,
            };
            let mart = Mart {
                name: c.mart(),
                table,
            };
            match c {
                Component::Kpi(k) => kpi::kpi(k, &mart, &cx),
                Component::Line(ch) => chart(ch, chart::Kind::Line, id, &mart, &cx),
                Component::Bar(ch) => chart(ch, chart::Kind::Bar, id, &mart, &cx),
                Component::Survival(ch) => chart(ch, chart::Kind::Step, id, &mart, &cx),
                Component::Table(ts) => table_component(ts, id, &mart, &cx),
                Component::Reliability(r) => figures::reliability(r, id, &mart, &cx),
                Component::Heatmap(h) => figures::heatmap(h, id, &mart, &cx),
                Component::Interval(p) => figures::interval(p, id, &mart, &cx),
                Component::Document(d) => document::document(d, id, &mart),
            }
        })
        .collect::<Result<_, _>>()?;
    let fill = |text: &str| {
        Messages::fill(
            &Messages::with_k(text, k),
            &[("hoej", threshold.as_deref().unwrap_or("?"))],
        )
    };
    let as_of = match &dashboard.as_of {
        Some(a) => {
            let table = marts
                .get(&a.mart)
                .ok_or_else(|| RenderError::MissingMart(a.mart.clone()))?;
            let mart = Mart {
                name: &a.mart,
                table,
            };
            let i = mart.index(&a.column)?;
            let cell = table.rows.last().map_or(&Cell::Null, |r| at(r, i));
            Some(shown(cell, Format::MonthLong, None, None, t))
        }
        None => None,
    };
    Ok(PageView {
        slug: dashboard.slug.clone(),
        title: dashboard.title.clone(),
        intro: paragraphs(&fill(&dashboard.intro)),
        guide: dashboard.guide.iter().map(|g| fill(g)).collect(),
        notice: dashboard
            .notice
            .as_ref()
            .map(|n| paragraphs(&fill(n)).join(" ")),
        as_of,
        components,
    })
}

fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

/// What every component renderer needs besides its mart: texts and code labels.
struct Cx<'a> {
    t: &'a Messages,
    labels: &'a Codes,
    /// The pages a table's links may lead to (`None`: any).
    pages: Option<&'a [String]>,
    /// The high-risk threshold as shown ("60 %"), when the app knows it.
    threshold: Option<&'a str>,
}

struct Mart<'a> {
    name: &'a str,
    table: &'a Table,
}

/// The rows of `table` where `filter.column`, as text, equals `filter.equals`.
fn select(name: &str, table: &Table, filter: &RowFilter) -> Result<Table, RenderError> {
    let i = table
        .column_index(&filter.column)
        .ok_or_else(|| RenderError::MissingColumn {
            mart: name.into(),
            column: filter.column.clone(),
        })?;
    Ok(Table {
        columns: table.columns.clone(),
        rows: table
            .rows
            .iter()
            .filter(|r| key_text(at(r, i)).as_deref() == Some(filter.equals.as_str()))
            .cloned()
            .collect(),
    })
}

/// A cell as the text a `where` or a KPI's `row` compares with (dates as `åååå-mm-dd`).
fn key_text(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Int(v) => Some(v.to_string()),
        Cell::Text(s) => Some(s.clone()),
        Cell::Date(d) => Some(d.to_string()),
        _ => None,
    }
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

/// A cell of `spec`'s column as shown: a code gets its Danish text.
fn show(cell: &Cell, spec: &ColumnSpec, cx: &Cx) -> Shown {
    if let (Cell::Text(code), Some(texts)) = (cell, cx.labels.get(&spec.column)) {
        if let Some(text) = texts.get(code) {
            return shown(
                &Cell::Text(text.clone()),
                spec.format,
                spec.decimals,
                spec.if_null.as_deref(),
                cx.t,
            );
        }
    }
    shown(
        cell,
        spec.format,
        spec.decimals,
        spec.if_null.as_deref(),
        cx.t,
    )
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
    cx: &Cx,
) -> Result<ComponentView, RenderError> {
    let t = cx.t;
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
        y_min: c.y_min,
        y_max: c.y_max,
        y_decimals: c.y_decimals,
        x: rows.iter().map(|r| at(r, x_i).clone()).collect(),
        x_labels: rows
            .iter()
            .map(|r| show(at(r, x_i), &c.x, cx).text)
            .collect(),
        series,
    };
    let mut view = chart::layout(&input, t);
    // A value hidden by disclosure control is always worth the note, also where
    // it sits at the start or end of a line (which the layout does not count).
    let hidden = c.series.iter().any(|s| {
        mart.index(&s.column)
            .is_ok_and(|i| rows.iter().any(|r| matches!(at(r, i), Cell::Suppressed)))
    });
    view.has_gaps |= hidden;
    Ok(ComponentView::Chart {
        chart: view,
        caption: c.caption.clone(),
        table: table_view(&columns, mart.table, cx),
    })
}

fn table_component(
    ts: &TableSpec,
    id: String,
    mart: &Mart,
    cx: &Cx,
) -> Result<ComponentView, RenderError> {
    let columns = located(&ts.columns, mart)?;
    let link = ts.link.as_deref().map(|c| mart.index(c)).transpose()?;
    let mut rows = mart.table.rows.clone();
    if let Some(last) = ts.last {
        rows.drain(..rows.len().saturating_sub(last));
    }
    if ts.newest_first {
        rows.reverse();
    }
    let shown = Table {
        columns: mart.table.columns.clone(),
        rows,
    };
    let mut table = table_view(&columns, &shown, cx);
    if let Some(li) = link {
        // Only a page's slug ([a-z0-9-]) makes a link; anything else none.
        table.links = shown
            .rows
            .iter()
            .map(|r| match at(r, li) {
                Cell::Text(slug) if may_link(slug, cx.pages) => Some(format!("/d/{slug}")),
                _ => None,
            })
            .collect();
    }
    Ok(ComponentView::Table {
        id,
        title: ts.title.clone(),
        caption: ts.caption.clone(),
        if_empty: ts.if_empty.clone(),
        table,
    })
}

/// Whether a table may link to the page `slug`: a page's slug ([a-z0-9-]) the
/// viewer may open.
fn may_link(slug: &str, pages: Option<&[String]>) -> bool {
    let slug_ok = !slug.is_empty()
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    slug_ok && pages.is_none_or(|p| p.iter().any(|s| s == slug))
}

/// The columns of `specs`, located in the mart.
fn located(specs: &[ColumnSpec], mart: &Mart) -> Result<Vec<(usize, ColumnSpec)>, RenderError> {
    specs
        .iter()
        .map(|c| Ok((mart.index(&c.column)?, c.clone())))
        .collect()
}

fn table_view(columns: &[(usize, ColumnSpec)], table: &Table, cx: &Cx) -> TableView {
    let rows: Vec<Vec<Shown>> = table
        .rows
        .iter()
        .map(|r| {
            columns
                .iter()
                .map(|(i, spec)| show(at(r, *i), spec, cx))
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
        links: Vec::new(),
    }
}

#[cfg(test)]
mod lead_tests;
#[cfg(test)]
mod tests;
