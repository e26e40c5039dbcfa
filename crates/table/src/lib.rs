//! A small, typed result table: what marts hand to the disclosure control, the
//! cockpit and the reports. Keeping it independent of DuckDB lets the web layer
//! and the renderer be tested without a store.

use chrono::NaiveDate;
use serde::Serialize;

/// One value of a result table.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Cell {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    Date(NaiveDate),
    /// Removed by disclosure control; rendered as a dash with an explanation.
    Suppressed,
}

impl Cell {
    /// The value as a float, when it is numeric.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Cell::Int(v) => Some(*v as f64),
            Cell::Float(v) => Some(*v),
            _ => None,
        }
    }

    /// The value as an integer, when it is a whole number.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Cell::Int(v) => Some(*v),
            _ => None,
        }
    }
}

/// A named-column table of cells.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// Index of a column by name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// All values of one column, top to bottom.
    pub fn column(&self, name: &str) -> Option<Vec<&Cell>> {
        let i = self.column_index(name)?;
        Some(self.rows.iter().map(|r| &r[i]).collect())
    }
}
