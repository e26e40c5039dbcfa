//! The dashboard file format. One TOML file in `dashboards/` is one page:
//!
//! ```toml
//! slug = "overblik"                 # the page's address: /d/overblik ([a-z0-9-])
//! title = "Overblik"                # Danish page title
//! order = 1                         # place in the menu (lowest first; default 100)
//! intro = "…"                       # paragraphs, separated by a blank line
//! guide = ["…", "…"]                # optional reading guide, one point per entry
//!                                   # ({k} in intro and guide becomes the threshold)
//! roles = ["ledelse", "dataenhed"]  # who may open it (src/access/roles.rs); nobody
//!                                   # when missing: access is denied by default
//!
//! # The marts the page reads are those its components name. Each mart's disclosure
//! # rule is in its own file beside its SQL (sql/marts/mart_x.toml, see src/marts.rs),
//! # so every page and the report protect a mart alike. A mart that does not exist
//! # is refused when the page is loaded.
//!
//! filters = ["periode", "maalgruppe", "aldersgruppe", "distrikt"]  # (top level) the
//! # filters the page offers (src/dashboard/filter.rs): every mart of the page must then
//! # declare `filter` (with `period` for "periode") and a breakdown in its mart file.
//! [[components]]
//! kind = "kpi"          # kpi | line | bar | table
//! mart = "mart_kpi"
//! …
//! ```
//!
//! Components:
//! - `kpi`: `label`, `column`, `format`, optional `decimals`, `unit`, `note`, `if_null`,
//!   `ci_low`/`ci_high` (shown as "95 %-interval"), `details` (a list of columns), and
//!   `row` (default: the last row; `{ last_with = "col" }`: the last row where `col` is
//!   not null; `{ column = "c", equals = "v" }`: the row where `c` is `v`), `compare`
//!   (the month column: the change since the month before and a year before is
//!   shown), `in_words` (the guess's accuracy column: the accuracy said as "ud af
//!   100 borgere ...", at the high-risk threshold).
//! - `line` and `bar`: `title`, optional `caption`, `x` (a column), `y_label`,
//!   `y_format`, optional `y_min` (instead of 0) and `y_max`, and `[[components.series]]` with `column`, `label`
//!   and, for lines, an optional `band = { low = "…", high = "…", label = "…" }`.
//! - `table`: `title`, optional `caption`, `[[components.columns]]`, and optional
//!   `if_empty` (text for no rows), `last` (only the last n rows), `newest_first`,
//!   `link` (a column holding a page's slug: the row's first cell links there).
//!
//! Page level: `as_of = { mart, column }` ("Data til og med <month>" under the
//! title) and `latest_report = true` (a link to the newest committee report).
//! - `survival`: as `line`, drawn as steps (Kaplan-Meier curves).
//! - `reliability`: `predicted` and `observed` (columns), `ci_low`, `ci_high`,
//!   optional `count` and `columns` (more columns for the data table).
//! - `heatmap`: `x`, `y`, `value` (columns), `thresholds` (ascending) and `levels`
//!   (one legend text per level, one more than thresholds).
//! - `interval`: `label`, `value` (columns), `ci_low`, `ci_high`, optional `group`
//!   (heading column), `flag` (yes/no column), `x_max`, `columns`.
//! - `document`: `column` (Markdown, e.g. the model card), optional `folded`.
//!
//! Every component but `kpi` takes `where = { column = "…", equals = "…" }` to read
//! only the matching rows. A page may set `notice`: a text shown in a box at the top.
//! Codes stored in marts (risk bands, programme types, groups) are shown with the
//! Danish texts of the vocabulary (`sql/vocabulary.toml`), by column name; a page may add its
//! own under `[labels.<column>]` (`code = "Dansk tekst"`).
//!
//! A column is `{ column, label, format, decimals, if_null }`; `format` is one of
//! `text integer percent decimal month month_long date yes_no` (see `format.rs`).

use std::collections::BTreeMap;

use serde::Deserialize;

pub use crate::marts::{BreakdownSpec, MartFilter, MartSpec};
use crate::present::format::Format;
pub use figures::{Document, Heatmap, IntervalPlot, Reliability, RowFilter};

/// One page, as written in its dashboard file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dashboard {
    pub slug: String,
    pub title: String,
    #[serde(default = "default_order")]
    pub order: i32,
    #[serde(default)]
    pub intro: String,
    #[serde(default)]
    pub guide: Vec<String>,
    /// A text shown in a box at the top of the page (e.g. "associations, not effects").
    pub notice: Option<String>,
    /// Danish texts for codes, by column name; the vocabulary's column labels are
    /// merged in at load (the page's own entries win).
    #[serde(default)]
    pub labels: Codes,
    /// Who may open the page (and anything under `/d/<slug>/`); nobody when empty.
    #[serde(default)]
    pub roles: Vec<crate::access::Role>,
    /// The filters the page offers (see `filter.rs`).
    #[serde(default)]
    pub filters: Vec<super::filter::FilterKind>,
    /// "Data til og med <month>" under the title: the last row's month in a mart.
    pub as_of: Option<AsOf>,
    /// A link to the newest committee report under the title, for roles that may
    /// read the reports (`src/web/reports.rs`).
    #[serde(default)]
    pub latest_report: bool,
    /// The marts the components name, each with the disclosure declaration of its
    /// mart file (filled in by [`Dashboard::parse`], never written in the page).
    #[serde(skip)]
    pub marts: BTreeMap<String, MartSpec>,
    pub components: Vec<Component>,
}

fn default_order() -> i32 {
    100
}

/// Where a page's data ends: the month in `column` of the last row of `mart`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AsOf {
    pub mart: String,
    pub column: String,
}

/// Danish texts for stored codes: column name -> code -> text.
pub type Codes = BTreeMap<String, BTreeMap<String, String>>;

/// One block of a page.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Component {
    Kpi(Kpi),
    Line(Chart),
    Bar(Chart),
    Table(TableSpec),
    Survival(Chart),
    Reliability(Reliability),
    Heatmap(Heatmap),
    Interval(IntervalPlot),
    Document(Document),
}

impl Component {
    /// The mart the component reads.
    pub fn mart(&self) -> &str {
        match self {
            Component::Kpi(c) => &c.mart,
            Component::Line(c) | Component::Bar(c) | Component::Survival(c) => &c.mart,
            Component::Table(c) => &c.mart,
            Component::Reliability(c) => &c.mart,
            Component::Heatmap(c) => &c.mart,
            Component::Interval(c) => &c.mart,
            Component::Document(c) => &c.mart,
        }
    }

    /// The rows the component reads, when not all of the mart's.
    pub fn rows(&self) -> Option<&RowFilter> {
        match self {
            Component::Kpi(_) => None,
            Component::Line(c) | Component::Bar(c) | Component::Survival(c) => c.rows.as_ref(),
            Component::Table(c) => c.rows.as_ref(),
            Component::Reliability(c) => c.rows.as_ref(),
            Component::Heatmap(c) => c.rows.as_ref(),
            Component::Interval(c) => c.rows.as_ref(),
            Component::Document(c) => c.rows.as_ref(),
        }
    }
}

/// A column shown somewhere: in a table, on an axis, as a KPI detail.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    pub column: String,
    pub label: String,
    #[serde(default)]
    pub format: Format,
    pub decimals: Option<usize>,
    /// Text for a null value instead of "endnu ikke kendt".
    pub if_null: Option<String>,
}

/// One headline figure.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kpi {
    pub mart: String,
    pub label: String,
    pub column: String,
    #[serde(default)]
    pub format: Format,
    pub decimals: Option<usize>,
    pub unit: Option<String>,
    pub note: Option<String>,
    pub if_null: Option<String>,
    pub ci_low: Option<String>,
    pub ci_high: Option<String>,
    #[serde(default)]
    pub row: RowSpec,
    #[serde(default)]
    pub details: Vec<ColumnSpec>,
    /// The column holding each row's month: the value is shown with its change
    /// since the month before and the same month a year before.
    pub compare: Option<String>,
    /// An accuracy said in words beside the guess's accuracy in this column: "ud af
    /// 100 borgere vurderer modellen X rigtigt, et gæt Y".
    pub in_words: Option<String>,
}

/// Which row a KPI reads; the last row when empty.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowSpec {
    /// The last row where this column is not null.
    pub last_with: Option<String>,
    /// The row where `column` equals `equals` (compared as text; dates as `åååå-mm-dd`).
    pub column: Option<String>,
    pub equals: Option<String>,
}

/// A line or bar chart over one x column.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Chart {
    pub mart: String,
    pub title: String,
    pub caption: Option<String>,
    pub x: ColumnSpec,
    pub y_label: String,
    #[serde(default)]
    pub y_format: Format,
    pub y_decimals: Option<usize>,
    /// Where the y axis starts when not at 0 (e.g. to tell close Brier scores apart).
    pub y_min: Option<f64>,
    pub y_max: Option<f64>,
    pub series: Vec<Series>,
    #[serde(rename = "where")]
    pub rows: Option<RowFilter>,
}

/// One y series of a chart.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Series {
    pub column: String,
    pub label: String,
    pub band: Option<Band>,
}

/// An interval drawn as a shaded band around a line.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub low: String,
    pub high: String,
    pub label: String,
}

/// A table of rows.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    pub mart: String,
    pub title: String,
    pub caption: Option<String>,
    pub columns: Vec<ColumnSpec>,
    #[serde(rename = "where")]
    pub rows: Option<RowFilter>,
    /// Shown instead of the table when it has no rows (default "Der er endnu ingen tal.").
    pub if_empty: Option<String>,
    /// Only the last this many rows of the mart (after `where`).
    pub last: Option<usize>,
    /// The mart's last row first (marts are oldest first).
    #[serde(default)]
    pub newest_first: bool,
    /// A column holding a page's slug: each row's first cell links to `/d/<slug>`.
    pub link: Option<String>,
}

/// A dashboard file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("invalid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Marts(#[from] crate::marts::MartError),
}

impl Dashboard {
    /// Parses and checks one dashboard file, taking each mart's disclosure
    /// declaration from its mart file; a mart that does not exist is refused.
    pub fn parse(text: &str) -> Result<Self, SpecError> {
        let catalogue = crate::marts::catalogue()?;
        Self::parse_with(text, |name| {
            catalogue
                .iter()
                .find(|m| m.name == name)
                .map(|m| m.disclosure.clone())
        })
    }

    /// As [`Dashboard::parse`], with the marts looked up in `marts` (tests render
    /// pages over made-up marts).
    pub fn parse_with(
        text: &str,
        marts: impl Fn(&str) -> Option<MartSpec>,
    ) -> Result<Self, SpecError> {
        let mut dashboard: Dashboard = toml::from_str(text)?;
        for (i, component) in dashboard.components.iter().enumerate() {
            let name = component.mart();
            if dashboard.marts.contains_key(name) {
                continue;
            }
            let spec = marts(name).ok_or_else(|| {
                SpecError::Invalid(format!(
                    "component {} ({name}): there is no such mart (sql/marts/)",
                    i + 1
                ))
            })?;
            dashboard.marts.insert(name.to_string(), spec);
        }
        if let Some(a) = &dashboard.as_of {
            if !dashboard.marts.contains_key(&a.mart) {
                let spec = marts(&a.mart).ok_or_else(|| {
                    SpecError::Invalid(format!("as_of ({}): there is no such mart", a.mart))
                })?;
                dashboard.marts.insert(a.mart.clone(), spec);
            }
        }
        dashboard.check().map_err(SpecError::Invalid)?;
        Ok(dashboard)
    }

    /// Whether a table of the page links to other pages (`link`).
    pub fn links_pages(&self) -> bool {
        self.components
            .iter()
            .any(|c| matches!(c, Component::Table(t) if t.link.is_some()))
    }

    fn check(&self) -> Result<(), String> {
        let slug_ok = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        if !slug_ok(&self.slug) {
            return Err(format!(
                "slug {:?} must be lowercase letters, digits and '-'",
                self.slug
            ));
        }
        if self.components.is_empty() {
            return Err("a dashboard needs at least one component".into());
        }
        self.check_filters()?;
        for (i, component) in self.components.iter().enumerate() {
            let at = |msg: &str| format!("component {} ({}): {msg}", i + 1, component.mart());
            match component {
                Component::Kpi(k) => {
                    let r = &k.row;
                    let mode = (
                        r.last_with.is_some(),
                        r.column.is_some(),
                        r.equals.is_some(),
                    );
                    if !matches!(
                        mode,
                        (false, false, false) | (true, false, false) | (false, true, true)
                    ) {
                        return Err(at("row is either { last_with } or { column, equals }"));
                    }
                    if k.ci_low.is_some() != k.ci_high.is_some() {
                        return Err(at("ci_low and ci_high go together"));
                    }
                    if k.in_words.is_some() && k.format != Format::Percent {
                        return Err(at("in_words is for a share (format = \"percent\")"));
                    }
                }
                Component::Line(c) | Component::Bar(c) | Component::Survival(c) => {
                    if c.series.is_empty() {
                        return Err(at("a chart needs at least one series"));
                    }
                    if !c.y_format.is_numeric() {
                        return Err(at("y_format must be integer, percent or decimal"));
                    }
                    if matches!(component, Component::Bar(_))
                        && c.series.iter().any(|s| s.band.is_some())
                    {
                        return Err(at("bands are drawn on line charts only"));
                    }
                }
                Component::Table(t) if t.columns.is_empty() => {
                    return Err(at("a table needs columns"))
                }
                Component::Table(_) => {}
                Component::Heatmap(h) => h.check().map_err(|e| at(&e))?,
                Component::Reliability(_) | Component::Interval(_) | Component::Document(_) => {}
            }
        }
        Ok(())
    }
}

impl Dashboard {
    /// Every mart of a page that offers filters must be filterable by them (and so,
    /// by its mart file's own check, protected by complementary suppression).
    fn check_filters(&self) -> Result<(), String> {
        use super::filter::FilterKind;
        for (name, m) in &self.marts {
            if self.filters.is_empty() {
                continue;
            }
            let Some(f) = &m.filter else {
                return Err(format!(
                    "{name}: the page offers filters, so the mart must declare `filter`"
                ));
            };
            if self.filters.contains(&FilterKind::Periode) && f.period.is_none() {
                return Err(format!(
                    "{name}: the page offers \"periode\", so `filter.period` is needed"
                ));
            }
        }
        Ok(())
    }
}

mod figures;
#[cfg(test)]
mod tests;
