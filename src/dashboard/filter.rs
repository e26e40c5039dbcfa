//! Filters: the only way a reader narrows a page. A page file declares the filters it
//! offers (`filters = ["periode", "maalgruppe", "aldersgruppe", "distrikt"]`) and each of
//! its marts declares how it is filtered (`filter = { group = "dimension", value = "grp",
//! period = "cohort_month" }`).
//!
//! Filtering happens after disclosure control, on the whole protected mart, by selecting
//! rows; nothing from a request reaches SQL. The allowed values are read from the
//! protected marts themselves: a group is offered only where at least one of its rows
//! holds k persons or more. At most one group filter (target group, age band or
//! district) applies at a time, so every view is one breakdown that the disclosure
//! control protected together with its siblings and total; the period only selects
//! months, which are disjoint cells. The form offers the groups in one list, so the
//! reader cannot ask for two at once; a URL that does is refused with a 400.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Datelike;
use serde::{Deserialize, Serialize};

use super::spec::{Dashboard, MartFilter};
use crate::present::messages::DA;
use crate::table::{Cell, Table};

/// A filter a page can offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterKind {
    Periode,
    Maalgruppe,
    Aldersgruppe,
    Distrikt,
}

impl FilterKind {
    /// The breakdown's name in a filterable mart's group column; None for the period.
    pub fn dimension(self) -> Option<&'static str> {
        match self {
            FilterKind::Periode => None,
            FilterKind::Maalgruppe => Some("maalgruppe"),
            FilterKind::Aldersgruppe => Some("aldersgruppe"),
            FilterKind::Distrikt => Some("distrikt"),
        }
    }

    /// The Danish label: the name of the breakdown's code set in the vocabulary.
    pub fn label(self) -> &'static str {
        match self.dimension() {
            None => DA.filter.period,
            Some(d) => crate::vocabulary::get()
                .breakdown(d)
                .map_or(d, |set| set.name.as_str()),
        }
    }

    fn from_dimension(d: &str) -> Option<FilterKind> {
        [
            FilterKind::Maalgruppe,
            FilterKind::Aldersgruppe,
            FilterKind::Distrikt,
        ]
        .into_iter()
        .find(|k| k.dimension() == Some(d))
    }
}

/// The query parameter of the group filter; its value is `<dimension>:<group>`.
pub const GROUP_PARAM: &str = "gruppe";
/// The query parameter of the period filter; its value is a year.
pub const PERIOD_PARAM: &str = "periode";
/// The value of the group column in a filterable mart's total rows.
pub const TOTAL: &str = "alle";

/// What the reader asked for, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// (breakdown, group code)
    pub group: Option<(FilterKind, String)>,
    pub year: Option<i32>,
}

impl Selection {
    /// The canonical query string ("" or "?gruppe=…&periode=…"), for links and caching.
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        if let Some((kind, code)) = &self.group {
            let value = format!("{}:{code}", kind.dimension().unwrap_or_default());
            parts.push(format!("{GROUP_PARAM}={}", encode(&value)));
        }
        if let Some(y) = self.year {
            parts.push(format!("{PERIOD_PARAM}={y}"));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

/// A request whose filters are not allowed on this page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("unknown or repeated parameter {0:?}")]
    Parameter(String),
    #[error("the page offers no filter {0:?}")]
    NotOffered(String),
    #[error("value {0:?} is not allowed")]
    Value(String),
}

/// The values a page may be filtered by: read from its protected marts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    /// Per offered group filter: (code, Danish label), in label order.
    pub groups: BTreeMap<FilterKind, Vec<(String, String)>>,
    /// Years, newest first; empty when the page offers no period filter.
    pub years: Vec<i32>,
}

/// The allowed values of `dashboard`'s filters, from its marts after disclosure control.
/// A group is allowed when one of its rows in a filterable mart has a visible row count.
pub fn options(dashboard: &Dashboard, marts: &BTreeMap<String, Table>) -> Options {
    let mut groups: BTreeMap<FilterKind, BTreeSet<String>> = BTreeMap::new();
    let mut years = BTreeSet::new();
    for (name, spec) in &dashboard.marts {
        let (Some(f), Some(table)) = (&spec.filter, marts.get(name)) else {
            continue;
        };
        let (Some(gi), Some(vi)) = (table.column_index(&f.group), table.column_index(&f.value))
        else {
            continue;
        };
        let count = spec.count.as_deref().and_then(|c| table.column_index(c));
        let period = f.period.as_deref().and_then(|p| table.column_index(p));
        for row in &table.rows {
            let visible = count.is_some_and(|c| matches!(row.get(c), Some(Cell::Int(_))));
            if let (Some(Cell::Text(dim)), Some(Cell::Text(code)), true) =
                (row.get(gi), row.get(vi), visible)
            {
                if let Some(kind) = FilterKind::from_dimension(dim) {
                    if dashboard.filters.contains(&kind) {
                        groups.entry(kind).or_default().insert(code.clone());
                    }
                }
            }
            if let Some(Cell::Date(d)) = period.and_then(|p| row.get(p)) {
                years.insert(d.year());
            }
        }
    }
    Options {
        groups: groups
            .into_iter()
            .map(|(kind, codes)| {
                let mut v: Vec<(String, String)> = codes
                    .into_iter()
                    .map(|c| {
                        let label = group_label(kind, &c);
                        (c, label)
                    })
                    .collect();
                v.sort_by(|a, b| {
                    sort_key(kind, &a.0)
                        .cmp(&sort_key(kind, &b.0))
                        .then(a.1.cmp(&b.1))
                });
                (kind, v)
            })
            .collect(),
        years: if dashboard.filters.contains(&FilterKind::Periode) {
            years.into_iter().rev().collect()
        } else {
            Vec::new()
        },
    }
}

/// Validates a request's query parameters against the page's options.
pub fn parse(params: &[(String, String)], options: &Options) -> Result<Selection, FilterError> {
    let mut sel = Selection::default();
    let mut seen = BTreeSet::new();
    for (key, value) in params {
        if !seen.insert(key.as_str()) {
            return Err(FilterError::Parameter(key.clone()));
        }
        let value = value.trim();
        match key.as_str() {
            GROUP_PARAM => {
                if value.is_empty() || value == TOTAL {
                    continue;
                }
                let (dim, code) = value
                    .split_once(':')
                    .ok_or_else(|| FilterError::Value(value.into()))?;
                let kind = FilterKind::from_dimension(dim)
                    .ok_or_else(|| FilterError::NotOffered(dim.into()))?;
                let allowed = options
                    .groups
                    .get(&kind)
                    .ok_or_else(|| FilterError::NotOffered(dim.into()))?;
                if !allowed.iter().any(|(c, _)| c == code) {
                    return Err(FilterError::Value(value.into()));
                }
                sel.group = Some((kind, code.to_string()));
            }
            PERIOD_PARAM => {
                if value.is_empty() {
                    continue;
                }
                if options.years.is_empty() {
                    return Err(FilterError::NotOffered(key.clone()));
                }
                let year: i32 = value
                    .parse()
                    .map_err(|_| FilterError::Value(value.into()))?;
                if !options.years.contains(&year) {
                    return Err(FilterError::Value(value.into()));
                }
                sel.year = Some(year);
            }
            _ => return Err(FilterError::Parameter(key.clone())),
        }
    }
    Ok(sel)
}

/// The rows of a protected, filterable mart that the selection shows: the total rows
/// or one group's rows, in the selected year. Marts without a filter are unchanged.
pub fn select(table: &Table, filter: Option<&MartFilter>, sel: &Selection) -> Table {
    let Some(f) = filter else {
        return table.clone();
    };
    let gi = table.column_index(&f.group);
    let vi = table.column_index(&f.value);
    let pi = f.period.as_deref().and_then(|p| table.column_index(p));
    let (dim, code) = match &sel.group {
        Some((kind, code)) => (kind.dimension().unwrap_or(TOTAL), code.as_str()),
        None => (TOTAL, TOTAL),
    };
    let text = |row: &[Cell], i: Option<usize>| match i.and_then(|i| row.get(i)) {
        Some(Cell::Text(s)) => Some(s.clone()),
        _ => None,
    };
    Table {
        columns: table.columns.clone(),
        rows: table
            .rows
            .iter()
            .filter(|r| text(r, gi).as_deref() == Some(dim) && text(r, vi).as_deref() == Some(code))
            .filter(|r| match (sel.year, pi.and_then(|p| r.get(p))) {
                (None, _) => true,
                (Some(y), Some(Cell::Date(d))) => d.year() == y,
                (Some(_), _) => false,
            })
            .cloned()
            .collect(),
    }
}

/// One choice in a list: (value, label, selected).
pub type Choice = (String, String, bool);

/// The filter form and the active filters, ready for the templates.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FilterView {
    pub offered: bool,
    pub label: &'static str,
    pub hint: String,
    pub submit: &'static str,
    pub reset: &'static str,
    pub showing: &'static str,
    /// The group list: (optgroup label, [(value, label, selected)]).
    pub group_label: &'static str,
    pub all_groups: &'static str,
    pub groups: Vec<(String, Vec<Choice>)>,
    /// The period list: [(value, label, selected)]; empty when not offered.
    pub period_label: &'static str,
    pub all_periods: &'static str,
    pub years: Vec<Choice>,
    /// Labels of the filters in force, e.g. ["Distrikt: Vestby", "Periode: 2024"].
    pub active: Vec<String>,
    /// The canonical query string, appended to export links.
    pub query: String,
    pub export_label: &'static str,
    pub export_or: &'static str,
}

/// Builds the form for `dashboard` with `sel` selected; `{k}` in the hint becomes k.
pub fn view(dashboard: &Dashboard, options: &Options, sel: &Selection, k: u32) -> FilterView {
    let groups = options
        .groups
        .iter()
        .map(|(kind, values)| {
            let dim = kind.dimension().unwrap_or_default();
            (
                kind.label().to_string(),
                values
                    .iter()
                    .map(|(code, label)| {
                        let selected = sel.group.as_ref() == Some(&(*kind, code.clone()));
                        (format!("{dim}:{code}"), label.clone(), selected)
                    })
                    .collect(),
            )
        })
        .collect();
    let years = options
        .years
        .iter()
        .map(|y| (y.to_string(), y.to_string(), sel.year == Some(*y)))
        .collect();
    let mut active = Vec::new();
    if let Some((kind, code)) = &sel.group {
        active.push(format!("{}: {}", kind.label(), group_label(*kind, code)));
    }
    if let Some(y) = sel.year {
        active.push(format!("{}: {y}", FilterKind::Periode.label()));
    }
    let t = &DA.filter;
    FilterView {
        offered: !dashboard.filters.is_empty(),
        label: t.form_label,
        hint: t.hint.replace("{k}", &k.to_string()),
        submit: t.submit,
        reset: t.reset,
        showing: t.showing,
        group_label: t.group_label,
        all_groups: t.all_groups,
        groups,
        period_label: FilterKind::Periode.label(),
        all_periods: t.all_periods,
        years,
        active,
        query: sel.query(),
        export_label: t.export_label,
        export_or: t.export_or,
    }
}

/// The Danish label of a group code, from the vocabulary (districts are names).
pub fn group_label(kind: FilterKind, code: &str) -> String {
    breakdown_set(kind)
        .and_then(|set| set.label(code))
        .unwrap_or(code)
        .to_string()
}

/// An ordered set (age bands) in its order, everything else by label; a missing
/// value ('ukendt') last.
fn sort_key(kind: FilterKind, code: &str) -> usize {
    match breakdown_set(kind) {
        _ if code == "ukendt" => usize::MAX,
        Some(set) if set.ordered => set.position(code).unwrap_or(usize::MAX - 1),
        _ => usize::MAX - 1,
    }
}

fn breakdown_set(kind: FilterKind) -> Option<&'static crate::vocabulary::CodeSet> {
    crate::vocabulary::get().breakdown(kind.dimension()?)
}

/// Percent-encodes a query value (unreserved characters stay).
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests;
