//! The figure components beyond line, bar and table: reliability diagram, heat map,
//! interval plot and document. Each reads one mart, optionally only the rows that
//! match `where = { column = "…", equals = "…" }`.

use serde::Deserialize;

use super::ColumnSpec;

/// Keeps only the rows where `column`, as text, equals `equals` (dates as `åååå-mm-dd`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowFilter {
    pub column: String,
    pub equals: String,
}

/// Predicted against observed share per bin of predicted risk, with the observed
/// share's interval; the diagonal is perfect calibration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reliability {
    pub mart: String,
    pub title: String,
    pub caption: Option<String>,
    #[serde(rename = "where")]
    pub rows: Option<RowFilter>,
    /// The mean predicted risk of each bin (x).
    pub predicted: ColumnSpec,
    /// The observed share of each bin (y).
    pub observed: ColumnSpec,
    pub ci_low: String,
    pub ci_high: String,
    /// Persons in each bin: shown in the data table.
    pub count: Option<ColumnSpec>,
    /// Further columns for the data table (e.g. the bin's range), shown first.
    #[serde(default)]
    pub columns: Vec<ColumnSpec>,
}

/// A grid of coloured cells: `y` rows by `x` columns, each cell's `value` placed in
/// the level its thresholds give, and written in the cell.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Heatmap {
    pub mart: String,
    pub title: String,
    pub caption: Option<String>,
    #[serde(rename = "where")]
    pub rows: Option<RowFilter>,
    pub x: ColumnSpec,
    pub y: ColumnSpec,
    pub value: ColumnSpec,
    /// Ascending bounds between levels: a value at or above `thresholds[i]` is in level `i + 1`.
    pub thresholds: Vec<f64>,
    /// One Danish legend text per level (one more than there are thresholds).
    pub levels: Vec<String>,
}

/// One row per group: a point with its 95 % interval, optionally under group
/// headings and with flagged rows marked in words.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntervalPlot {
    pub mart: String,
    pub title: String,
    pub caption: Option<String>,
    #[serde(rename = "where")]
    pub rows: Option<RowFilter>,
    /// The row's name on the left.
    pub label: ColumnSpec,
    /// Rows with the same value here are drawn together under it as a heading.
    pub group: Option<ColumnSpec>,
    pub value: ColumnSpec,
    pub ci_low: String,
    pub ci_high: String,
    /// A yes/no column; a flagged row is drawn in bold and marked with this label.
    pub flag: Option<ColumnSpec>,
    /// A column naming each row's reference group: the row whose `label` code equals
    /// it is marked as the reference, and its value is drawn as a dashed line
    /// through its block.
    pub reference: Option<String>,
    /// Fixed x range upper end (e.g. 1.0 for shares); by default the data's.
    pub x_max: Option<f64>,
    /// Further columns for the data table (e.g. persons, ratio), after the drawn ones.
    #[serde(default)]
    pub columns: Vec<ColumnSpec>,
}

/// A text kept in a mart as Markdown (the model card), shown as HTML without any
/// raw HTML it may contain.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub mart: String,
    pub title: String,
    pub caption: Option<String>,
    #[serde(rename = "where")]
    pub rows: Option<RowFilter>,
    /// The Markdown column; the last row (after `where`) is shown.
    pub column: String,
    /// Shown folded (`<details>`) until opened.
    #[serde(default)]
    pub folded: bool,
}

impl Heatmap {
    /// Checks the levels against the thresholds.
    pub(super) fn check(&self) -> Result<(), String> {
        if self.levels.len() != self.thresholds.len() + 1 {
            return Err("a heat map needs one level text more than it has thresholds".into());
        }
        if self.levels.len() > 5 {
            return Err("a heat map has at most 5 levels".into());
        }
        if self.thresholds.windows(2).any(|w| w[0] >= w[1]) {
            return Err("heat map thresholds must increase".into());
        }
        if !self.value.format.is_numeric() {
            return Err("a heat map's value must be integer, percent or decimal".into());
        }
        Ok(())
    }
}
