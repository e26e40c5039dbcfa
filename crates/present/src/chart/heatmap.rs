//! The heat map: rows by columns of cells, each coloured by the level its value
//! falls in and labelled with the value itself, so colour is never the only way to
//! read it (and it prints in grey). A hidden or unknown cell is blank with a dash.

use serde::Serialize;

use super::scale::round1;
use super::LegendItem;
use crate::messages::Messages;

const MIN_WIDTH: f64 = 720.0;
const RIGHT: f64 = 16.0;
const MIN_CELL: f64 = 44.0;
const CELL_H: f64 = 24.0;
const HEADER_H: f64 = 40.0;
const LINE: f64 = 18.0;
/// Rough width of one character at the 13 px of row labels, to size the label column.
const CHAR_W: f64 = 6.6;
const MAX_LABEL_W: f64 = 360.0;

/// What to draw: values by row and column, already formatted for the cells.
#[derive(Debug, Clone)]
pub struct HeatmapInput {
    pub id: String,
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub columns: Vec<String>,
    pub rows: Vec<String>,
    /// `values[row][column]`: the number (None: hidden or unknown) and its text.
    pub values: Vec<Vec<(Option<f64>, String)>>,
    pub thresholds: Vec<f64>,
    pub levels: Vec<String>,
}

/// A positioned column header, split in two lines at its last space ("jul." / "2024").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Header {
    pub x: f64,
    pub lines: Vec<String>,
}

/// One cell: position, level class (`h0` for no value, `h1`…) and text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellMark {
    pub x: f64,
    pub y: f64,
    pub class: String,
    pub text: String,
}

/// A row: its label and cells.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowMark {
    pub label: String,
    pub y: f64,
    pub cells: Vec<CellMark>,
}

/// Everything `charts.html` needs to draw the heat map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeatmapView {
    pub id: String,
    pub title: String,
    pub desc: String,
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub top: f64,
    pub cell_w: f64,
    pub cell_h: f64,
    pub x_label: String,
    pub y_label: String,
    pub headers: Vec<Header>,
    pub rows: Vec<RowMark>,
    pub legend: Vec<LegendItem>,
    pub has_gaps: bool,
    pub empty: bool,
}

/// The level of a value: 1 below the first threshold, i + 2 at or above threshold i.
pub fn level(v: f64, thresholds: &[f64]) -> usize {
    1 + thresholds.iter().filter(|t| v >= **t).count()
}

/// Lays out a heat map.
pub fn layout(input: &HeatmapInput, t: &Messages) -> HeatmapView {
    let longest = input
        .rows
        .iter()
        .map(|r| r.chars().count())
        .max()
        .unwrap_or(0);
    let left = (longest as f64 * CHAR_W + 16.0)
        .clamp(80.0, MAX_LABEL_W)
        .round();
    let n = input.columns.len().max(1) as f64;
    let cell_w = ((MIN_WIDTH - RIGHT - left) / n).max(MIN_CELL).floor();
    let width = (left + cell_w * n + RIGHT).max(MIN_WIDTH);

    let legend: Vec<LegendItem> = input
        .levels
        .iter()
        .enumerate()
        .map(|(i, label)| LegendItem {
            label: label.clone(),
            class: format!("h{}", i + 1),
            shape: "cell",
            y: LINE * (i as f64 + 1.0),
        })
        .collect();
    let top = LINE * (legend.len() as f64 + 1.0) + 8.0 + HEADER_H;

    let headers = input
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| Header {
            x: round1(left + cell_w * (i as f64 + 0.5)),
            lines: match c.rsplit_once(' ') {
                Some((a, b)) => vec![a.to_string(), b.to_string()],
                None => vec![c.clone()],
            },
        })
        .collect();
    let mut has_gaps = false;
    let mut counts = vec![0usize; input.levels.len() + 1];
    let rows = input
        .rows
        .iter()
        .enumerate()
        .map(|(r, label)| {
            let y = round1(top + CELL_H * r as f64);
            let cells = (0..input.columns.len())
                .map(|c| {
                    let (value, text) = input
                        .values
                        .get(r)
                        .and_then(|row| row.get(c))
                        .cloned()
                        .unwrap_or((None, t.suppressed_mark.to_string()));
                    let lvl = match value.filter(|v| v.is_finite()) {
                        Some(v) => level(v, &input.thresholds).min(input.levels.len()),
                        None => {
                            has_gaps = true;
                            0
                        }
                    };
                    counts[lvl] += 1;
                    CellMark {
                        x: round1(left + cell_w * c as f64),
                        y,
                        class: format!("h{lvl}"),
                        text: if lvl == 0 {
                            t.suppressed_mark.to_string()
                        } else {
                            text
                        },
                    }
                })
                .collect();
            RowMark {
                label: label.clone(),
                y,
                cells,
            }
        })
        .collect();
    let desc = describe(input, &counts, t);
    HeatmapView {
        id: input.id.clone(),
        title: input.title.clone(),
        desc,
        width,
        height: top + CELL_H * input.rows.len() as f64 + 12.0,
        left,
        top,
        cell_w,
        cell_h: CELL_H,
        x_label: input.x_label.clone(),
        y_label: input.y_label.clone(),
        headers,
        rows,
        legend,
        has_gaps,
        empty: input.rows.is_empty() || input.columns.is_empty(),
    }
}

/// "Varmekort med 20 rækker (Kendetegn) og 12 kolonner (Kohorte). Celler pr. niveau: …"
fn describe(input: &HeatmapInput, counts: &[usize], t: &Messages) -> String {
    let per_level: Vec<String> = input
        .levels
        .iter()
        .enumerate()
        .map(|(i, l)| format!("{l}: {}", counts.get(i + 1).copied().unwrap_or(0)))
        .collect();
    Messages::fill(
        t.heatmap_desc,
        &[
            ("rows", &input.rows.len().to_string()),
            ("y", &input.y_label),
            ("columns", &input.columns.len().to_string()),
            ("x", &input.x_label),
            ("levels", &per_level.join("; ")),
        ],
    )
}
