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
//! # Every mart the page reads, and how disclosure control protects it. Columns not
//! # named in `dimensions` are figures; a figure is hidden in a row where one of its
//! # counts is below k, and so is a figure that no count protects.
//! [marts.mart_cohorts]
//! dimensions = ["cohort_month", "model_version"]   # describe the row, never hidden
//! count = "n"                                        # the row's count: protects all
//! counts = { n_scored = ["mean_predicted"] }         # counts of subgroups: protect
//!                                                    # themselves and the listed figures
//! # Disclosure control (src/disclosure/, docs/disclosure.md). A column `c_ckey` beside
//! # a count `c` makes the count perturbed (cell key); in such a mart only perturbed
//! # values and figures derived from them are published.
//! ratios = { observed_rate = ["n_unemployed", "n_labelled"] }  # figure = num / den,
//!                                                    # computed from the published counts
//! intervals = { observed_rate = ["ci_low", "ci_high"] }  # Wilson 95 % of a ratio
//! breakdown = { column = "dimension", total = "alle", within = ["cohort_month"] }
//!                                                    # rows that break a total down:
//!                                                    # complementary suppression
//! filter = { group = "dimension", value = "grp", period = "cohort_month" }
//!                                                    # how the page's filters select rows
//!
//! filters = ["periode", "maalgruppe", "aldersgruppe", "distrikt"]  # (top level) the
//! # filters the page offers (src/dashboard/filter.rs): every mart of the page must then
//! # declare `filter` (with `period` for "periode") and a breakdown.
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
//!   not null; `{ column = "c", equals = "v" }`: the row where `c` is `v`).
//! - `line` and `bar`: `title`, optional `caption`, `x` (a column), `y_label`,
//!   `y_format`, optional `y_min` (instead of 0) and `y_max`, and `[[components.series]]` with `column`, `label`
//!   and, for lines, an optional `band = { low = "…", high = "…", label = "…" }`.
//! - `table`: `title`, optional `caption`, `[[components.columns]]`, and optional
//!   `if_empty` (text for no rows), `last` (only the last n rows), `newest_first`.
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

use crate::disclosure::{Breakdown, Interval, Ratio, Rule};
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
    pub marts: BTreeMap<String, MartSpec>,
    pub components: Vec<Component>,
}

fn default_order() -> i32 {
    100
}

/// Danish texts for stored codes: column name -> code -> text.
pub type Codes = BTreeMap<String, BTreeMap<String, String>>;

/// A mart the page reads, with its disclosure declaration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MartSpec {
    #[serde(default)]
    pub dimensions: Vec<String>,
    pub count: Option<String>,
    #[serde(default)]
    pub counts: BTreeMap<String, Vec<String>>,
    /// figure = [numerator, denominator], computed from the published values.
    #[serde(default)]
    pub ratios: BTreeMap<String, [String; 2]>,
    /// ratio figure = [low, high]: its Wilson 95 % interval.
    #[serde(default)]
    pub intervals: BTreeMap<String, [String; 2]>,
    /// Rows that break a total down, for complementary suppression.
    pub breakdown: Option<BreakdownSpec>,
    /// How the page's filters select this mart's rows.
    pub filter: Option<MartFilter>,
}

/// `breakdown = { column, total, within }` (see [`crate::disclosure::Breakdown`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakdownSpec {
    pub column: String,
    pub total: String,
    #[serde(default)]
    pub within: Vec<String>,
}

/// `filter = { group, value, period }`: the column naming the breakdown of a row
/// ("alle" for totals), the column with the group, and the date column the period
/// filter selects on.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MartFilter {
    pub group: String,
    pub value: String,
    pub period: Option<String>,
}

impl MartSpec {
    /// The disclosure rule this declaration describes.
    pub fn rule(&self) -> Rule {
        Rule {
            dimensions: self.dimensions.clone(),
            count: self.count.clone(),
            partial: self
                .counts
                .iter()
                .map(|(c, f)| (c.clone(), f.clone()))
                .collect(),
            ratios: self
                .ratios
                .iter()
                .map(|(figure, [numerator, denominator])| Ratio {
                    figure: figure.clone(),
                    numerator: numerator.clone(),
                    denominator: denominator.clone(),
                })
                .collect(),
            intervals: self
                .intervals
                .iter()
                .map(|(ratio, [low, high])| Interval {
                    ratio: ratio.clone(),
                    low: low.clone(),
                    high: high.clone(),
                })
                .collect(),
            breakdown: self.breakdown.as_ref().map(|b| Breakdown {
                column: b.column.clone(),
                total: b.total.clone(),
                within: b.within.clone(),
            }),
        }
    }
}

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
}

/// A dashboard file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("invalid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("{0}")]
    Invalid(String),
}

impl Dashboard {
    /// Parses and checks one dashboard file.
    pub fn parse(text: &str) -> Result<Self, SpecError> {
        let dashboard: Dashboard = toml::from_str(text)?;
        dashboard.check().map_err(SpecError::Invalid)?;
        Ok(dashboard)
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
        for name in self.marts.keys() {
            let rest = name.strip_prefix("mart_").unwrap_or("");
            if rest.is_empty()
                || !rest
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(format!(
                    "mart {name:?} must be named mart_<lowercase_snake_case>"
                ));
            }
        }
        if self.components.is_empty() {
            return Err("a dashboard needs at least one component".into());
        }
        self.check_filters()?;
        for (i, component) in self.components.iter().enumerate() {
            let at = |msg: &str| format!("component {} ({}): {msg}", i + 1, component.mart());
            if !self.marts.contains_key(component.mart()) {
                return Err(at("the mart is not declared under [marts]"));
            }
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
    /// Every mart of a page that offers filters must be filterable by them and protected
    /// by complementary suppression; intervals belong to declared ratios.
    fn check_filters(&self) -> Result<(), String> {
        use super::filter::FilterKind;
        for (name, m) in &self.marts {
            for ratio in m.intervals.keys() {
                if !m.ratios.contains_key(ratio) {
                    return Err(format!(
                        "{name}: interval of {ratio:?}, which is not a ratio"
                    ));
                }
            }
            if m.filter.is_some() && m.breakdown.is_none() {
                return Err(format!("{name}: a filterable mart needs a breakdown"));
            }
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
