//! Every figure of the documents is taken from one cell of a disclosed mart through
//! [`Figures`], which records where it came from (mart, column, the row's dimension
//! values) and the text shown. The record is printed as the documents' last
//! appendix and read by the test that compares each shown figure with the mart, so
//! no figure can be written by hand.

use std::cell::RefCell;

use serde::Serialize;

use crate::present::format;
use crate::report::{Inputs, NumFmt, RCell, XValue};
use crate::table::{Cell, Table};

/// How a figure is shown.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Shape {
    Integer,
    Percent(usize),
    Decimal(usize),
    /// A share as "x ud af 100".
    Of100,
    Text,
    Month,
    /// A code shown by its Danish label for the column (the vocabulary's).
    Label,
    /// A flag: "ja" or "nej".
    YesNo,
}

/// Where one shown figure came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    pub mart: String,
    pub column: String,
    /// The row's dimension columns and their values (see [`key_text`]).
    pub key: Vec<(String, String)>,
    pub shape: Shape,
    pub shown: String,
}

/// A hidden cell, as everywhere in the cockpit and the report.
pub const HIDDEN: &str = "–";
/// A cell with no value yet.
pub const UNKNOWN: &str = "ikke kendt";

/// The text of one cell in a shape; the only formatting of figures in the documents.
pub fn show(cell: &Cell, shape: Shape, column: &str) -> String {
    match cell {
        Cell::Suppressed => HIDDEN.into(),
        Cell::Null => UNKNOWN.into(),
        Cell::Text(t) if shape == Shape::Label => crate::vocabulary::get().column_label(column, t),
        Cell::Text(t) => t.clone(),
        Cell::Int(v) if shape == Shape::YesNo => if *v != 0 { "ja" } else { "nej" }.into(),
        Cell::Date(d) => match shape {
            Shape::Month => format::month_long(*d),
            _ => format::date(*d),
        },
        c => match c.as_f64().filter(|v| v.is_finite()) {
            None => UNKNOWN.into(),
            Some(v) => match shape {
                Shape::Integer => format::number(v, 0),
                Shape::Percent(d) => format::percent(v, d),
                Shape::Decimal(d) => format::number(v, d),
                Shape::Of100 => format::number(v * 100.0, 0),
                Shape::Text | Shape::Month | Shape::Label | Shape::YesNo => format::number(v, 2),
            },
        },
    }
}

/// A cell as a key value: unambiguous, independent of the shape.
pub fn key_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(t) => t.clone(),
        Cell::Date(d) => d.to_string(),
        Cell::Null => "null".into(),
        Cell::Suppressed => "skjult".into(),
        c => c.as_f64().map_or_else(String::new, |v| format!("{v:?}")),
    }
}

/// The dimension columns of a mart (its file's `dimensions`), which name a row.
pub fn dimensions(mart: &str) -> Vec<String> {
    crate::marts::get(mart)
        .ok()
        .flatten()
        .map(|m| m.disclosure.dimensions.clone())
        .unwrap_or_default()
}

/// The disclosed marts of the month and the record of what was taken from them.
pub struct Figures<'a> {
    pub inputs: &'a Inputs,
    sources: RefCell<Vec<Source>>,
}

impl<'a> Figures<'a> {
    pub fn new(inputs: &'a Inputs) -> Figures<'a> {
        Figures {
            inputs,
            sources: RefCell::new(Vec::new()),
        }
    }

    pub fn mart(&self, name: &str) -> &'a Table {
        self.inputs.mart(name)
    }

    /// Indexes of the rows of `mart` for which `pred` holds.
    pub fn rows(&self, mart: &str, pred: impl Fn(&Table, &[Cell]) -> bool) -> Vec<usize> {
        let t = self.mart(mart);
        (0..t.rows.len()).filter(|&i| pred(t, &t.rows[i])).collect()
    }

    /// The shown text of `column` in row `row` of `mart`, recorded.
    pub fn fig(&self, mart: &str, row: usize, column: &str, shape: Shape) -> String {
        let t = self.mart(mart);
        let Some(cells) = t.rows.get(row) else {
            return UNKNOWN.into();
        };
        let cell = t
            .column_index(column)
            .and_then(|j| cells.get(j))
            .unwrap_or(&Cell::Null);
        let shown = show(cell, shape, column);
        let key = dimensions(mart)
            .into_iter()
            .filter_map(|d| {
                let j = t.column_index(&d)?;
                Some((d, key_text(&cells[j])))
            })
            .collect();
        self.sources.borrow_mut().push(Source {
            mart: mart.into(),
            column: column.into(),
            key,
            shape,
            shown: shown.clone(),
        });
        shown
    }

    /// A recorded figure as a table cell of the report's kind.
    pub fn cell(&self, mart: &str, row: usize, column: &str, shape: Shape) -> RCell {
        let text = self.fig(mart, row, column, shape);
        match text.as_str() {
            HIDDEN => RCell::hidden(),
            UNKNOWN => RCell::unknown(UNKNOWN),
            _ => {
                let t = self.mart(mart);
                let v = t
                    .column_index(column)
                    .and_then(|j| t.rows.get(row).and_then(|r| r.get(j)))
                    .and_then(Cell::as_f64);
                let fmt = match shape {
                    Shape::Integer => Some(NumFmt::Integer),
                    Shape::Percent(d) => Some(NumFmt::Percent(d)),
                    Shape::Decimal(d) => Some(NumFmt::Decimal(d)),
                    _ => None,
                };
                match (fmt, v) {
                    (Some(fmt), Some(v)) => RCell {
                        text,
                        state: "value",
                        value: XValue::Number(v, fmt),
                    },
                    _ => RCell::text(text),
                }
            }
        }
    }

    /// "x (y-z)": a figure with its interval, all three recorded.
    pub fn with_ci(&self, mart: &str, row: usize, cols: [&str; 3], shape: Shape) -> String {
        format!(
            "{} ({}-{})",
            self.fig(mart, row, cols[0], shape),
            self.fig(mart, row, cols[1], shape),
            self.fig(mart, row, cols[2], shape)
        )
    }

    /// Everything recorded so far.
    pub fn sources(&self) -> Vec<Source> {
        self.sources.borrow().clone()
    }
}

/// Reads a recorded figure again from `table` (a freshly disclosed mart): the row
/// with the same key, the same column, the same shape. `None` when no row has the key.
pub fn reread(table: &Table, source: &Source) -> Option<String> {
    let row = table.rows.iter().find(|r| {
        source.key.iter().all(|(col, want)| {
            table
                .column_index(col)
                .and_then(|j| r.get(j))
                .is_some_and(|c| key_text(c) == *want)
        })
    })?;
    let cell = table
        .column_index(&source.column)
        .and_then(|j| row.get(j))
        .unwrap_or(&Cell::Null);
    Some(show(cell, source.shape, &source.column))
}
