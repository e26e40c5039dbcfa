//! Reading disclosed mart rows and formatting their cells for the report: a hidden
//! value stays hidden ("–"), an unknown one says so, and each cell keeps its typed
//! value for the spreadsheet.

use chrono::NaiveDate;
use serde::Serialize;

use crate::present::format;
use crate::table::{Cell, Table};

/// A number as the report may use it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum V {
    Num(f64),
    /// Removed by disclosure control.
    Hidden,
    /// Null: not known (yet).
    Unknown,
}

impl V {
    pub fn num(self) -> Option<f64> {
        match self {
            V::Num(v) => Some(v),
            _ => None,
        }
    }
}

/// One row of a disclosed mart, read by column name; a column the mart lacks
/// reads as unknown.
#[derive(Clone, Copy)]
pub struct Row<'a> {
    table: &'a Table,
    cells: &'a [Cell],
}

impl<'a> Row<'a> {
    pub fn cell(&self, col: &str) -> &'a Cell {
        static NULL: Cell = Cell::Null;
        self.table
            .column_index(col)
            .and_then(|i| self.cells.get(i))
            .unwrap_or(&NULL)
    }

    pub fn v(&self, col: &str) -> V {
        match self.cell(col) {
            Cell::Suppressed => V::Hidden,
            c => c
                .as_f64()
                .filter(|v| v.is_finite())
                .map_or(V::Unknown, V::Num),
        }
    }

    pub fn num(&self, col: &str) -> Option<f64> {
        self.v(col).num()
    }

    pub fn text(&self, col: &str) -> Option<&'a str> {
        match self.cell(col) {
            Cell::Text(t) => Some(t),
            _ => None,
        }
    }

    pub fn date(&self, col: &str) -> Option<NaiveDate> {
        match self.cell(col) {
            Cell::Date(d) => Some(*d),
            _ => None,
        }
    }

    pub fn flag(&self, col: &str) -> bool {
        matches!(self.cell(col), Cell::Int(1))
    }
}

/// The rows of a table.
pub fn rows(t: &Table) -> impl DoubleEndedIterator<Item = Row<'_>> + ExactSizeIterator {
    t.rows.iter().map(move |r| Row { table: t, cells: r })
}

/// How a number is written in the spreadsheet.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum NumFmt {
    Integer,
    Percent(usize),
    Decimal(usize),
}

/// A cell's typed value for the spreadsheet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum XValue {
    Number(f64, NumFmt),
    Date(NaiveDate),
    Text(String),
}

/// A formatted table cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RCell {
    pub text: String,
    /// `value`, `suppressed` or `unknown`.
    pub state: &'static str,
    #[serde(skip)]
    pub value: XValue,
}

impl RCell {
    pub fn text(s: impl Into<String>) -> RCell {
        let s = s.into();
        RCell {
            value: XValue::Text(s.clone()),
            text: s,
            state: "value",
        }
    }

    pub fn hidden() -> RCell {
        RCell {
            text: "–".into(),
            state: "suppressed",
            value: XValue::Text("–".into()),
        }
    }

    pub fn unknown(label: &str) -> RCell {
        RCell {
            text: label.into(),
            state: "unknown",
            value: XValue::Text(label.into()),
        }
    }

    /// A number in `fmt`; `unknown` is the text for a null.
    pub fn num(v: V, fmt: NumFmt, unknown: &str) -> RCell {
        match v {
            V::Hidden => RCell::hidden(),
            V::Unknown => RCell::unknown(unknown),
            V::Num(x) => RCell {
                text: match fmt {
                    NumFmt::Integer => format::number(x, 0),
                    NumFmt::Percent(d) => format::percent(x, d),
                    NumFmt::Decimal(d) => format::number(x, d),
                },
                state: "value",
                value: XValue::Number(x, fmt),
            },
        }
    }

    /// A month (`jan. 2024`), kept as a date in the spreadsheet.
    pub fn month(d: Option<NaiveDate>, unknown: &str) -> RCell {
        match d {
            Some(d) => RCell {
                text: format::month_short(d),
                state: "value",
                value: XValue::Date(d),
            },
            None => RCell::unknown(unknown),
        }
    }

    /// A date (`05-12-2024`).
    pub fn date(d: Option<NaiveDate>, unknown: &str) -> RCell {
        match d {
            Some(d) => RCell {
                text: format::date(d),
                state: "value",
                value: XValue::Date(d),
            },
            None => RCell::unknown(unknown),
        }
    }
}

/// A table column: its heading and whether it holds numbers (right-aligned).
#[derive(Debug, Clone, Serialize)]
pub struct Column {
    pub label: String,
    pub numeric: bool,
}

impl Column {
    pub fn text(label: String) -> Column {
        Column {
            label,
            numeric: false,
        }
    }

    pub fn num(label: String) -> Column {
        Column {
            label,
            numeric: true,
        }
    }
}

/// A share as "n ud af 100": the whole number of 100.
pub fn of100(share: f64) -> String {
    format::number((share * 100.0).round(), 0)
}
