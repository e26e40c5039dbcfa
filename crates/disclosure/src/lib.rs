//! Disclosure control: every figure a mart hands to a page, an export or a report passes
//! here first ([`apply`]). The method, its parameters and what a reader loses are in
//! `docs/disclosure.md`; in short, four layers, in this order:
//!
//! 1. **Cell-key perturbation** ([`ckey`]): a count `c` with a cell-key column `c_ckey`
//!    beside it in the mart is published as `c` plus a small noise (at most ±3, unbiased)
//!    looked up from its true value and its cell key. The same persons always get the
//!    same noise; a different set of persons gets unrelated noise. So differencing two
//!    overlapping filters, or the same cell in two months, leaves noise that does not
//!    cancel. Sums of per-person values in 0..1 (`sum_predicted`) are perturbed alike.
//! 2. **Derived figures** ([`Ratio`], [`Interval`]): rates, means and their Wilson
//!    intervals are computed here from the *perturbed* counts, never taken from the mart,
//!    so an exact rate cannot give the exact count back. In a mart with cell keys, a
//!    figure that is neither perturbed nor derived from perturbed values is suppressed
//!    everywhere (fail closed).
//! 3. **Primary suppression**: in a row where a count is below `k` (true value), the
//!    count and every figure it protects become [`Cell::Suppressed`]. A [`Rule`] names the
//!    dimension columns (never touched), the row count (protects every figure) and partial
//!    counts (protect themselves and listed figures). A figure that no count protects, or
//!    whose count is missing, null or not a whole number, is suppressed in every row.
//! 4. **Complementary suppression** ([`Breakdown`]): where rows break a total down
//!    (districts of a month, say), no breakdown may have exactly one hidden cell, nor
//!    hidden cells that add up to fewer than `k` persons: the next smallest sibling is
//!    hidden too, and when none is left, the total. So "total minus the visible
//!    siblings" never gives back a group under `k`.
//!
//! Cell keys are dropped from the output. A null figure stays null ("not known yet").
//!
//! Filters (see `dashboard::filter`) only *select* rows of a table that has passed here
//! whole, one breakdown at a time, so every combination a reader can ask for is a cell
//! this module has already protected together with its siblings and total.
//!
//! What remains (documented in `docs/disclosure.md`): marts without cell keys (the model
//! monitoring tables) get primary suppression only; they are not filterable and each row
//! is a whole cohort or pooled window.

pub mod ckey;
mod secondary;

use std::collections::HashSet;

use jobcockpit_metrics::wilson_interval;
use jobcockpit_table::{Cell, Table};

/// The smallest threshold the product accepts (Statistics Denmark's rule for
/// researchers); anything lower is refused at start-up.
pub const MIN_K: u32 = 3;
/// The threshold used when the configuration does not name one.
pub const DEFAULT_K: u32 = 5;
/// A column named `<count>` + this suffix holds the cell key of `<count>`.
pub const CKEY_SUFFIX: &str = "_ckey";

/// What a page says about the noise, in Danish, for pages that show perturbed figures.
pub const PERTURBATION_NOTE_DA: &str = "Antal og andele er tilført en lille, fast tilfældig \
    afvigelse (højst 3 personer), så ingen kan regne sig frem til enkeltpersoner ved at \
    sammenligne tal. Samme gruppe får altid samme afvigelse; summer af delgrupper kan \
    derfor afvige lidt fra totalen.";
/// The short version, for a table footnote.
pub const PERTURBATION_SHORT_DA: &str =
    "Tallene er let afrundet med en fast tilfældig afvigelse på højst 3 for at beskytte borgerne.";
/// Why a whole row of a breakdown can be hidden although it has k persons or more.
pub const SECONDARY_NOTE_DA: &str = "Enkelte grupper med {k} personer eller flere kan også \
    være skjult, så de skjulte tal ikke kan regnes ud fra totalen.";

/// A threshold that would publish cells smaller than [`MIN_K`] persons.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("diskretionsgrænsen k={0} er under minimum {MIN_K}")]
pub struct ThresholdTooLow(pub u32);

/// Accepts a configured threshold, refusing one below [`MIN_K`].
pub fn check_k(k: u32) -> Result<u32, ThresholdTooLow> {
    if k < MIN_K {
        Err(ThresholdTooLow(k))
    } else {
        Ok(k)
    }
}

/// The smallest number of persons behind any figure shown. At least [`MIN_K`] by
/// construction ([`DisclosureK::new`] and deserialising are the only ways in), so
/// [`apply`] and every caller take it as it is: the threshold is checked once, where
/// the configuration is read.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "u32", into = "u32")]
pub struct DisclosureK(u32);

impl DisclosureK {
    /// Refuses a threshold below [`MIN_K`].
    pub fn new(k: u32) -> Result<DisclosureK, ThresholdTooLow> {
        check_k(k).map(DisclosureK)
    }

    /// The threshold as a number.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for DisclosureK {
    fn default() -> Self {
        DisclosureK(DEFAULT_K)
    }
}

impl TryFrom<u32> for DisclosureK {
    type Error = ThresholdTooLow;
    fn try_from(k: u32) -> Result<Self, Self::Error> {
        DisclosureK::new(k)
    }
}

impl From<DisclosureK> for u32 {
    fn from(k: DisclosureK) -> u32 {
        k.0
    }
}

impl std::fmt::Display for DisclosureK {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

const _: () = assert!(MIN_K <= DEFAULT_K, "the default k must be allowed");

/// A figure computed here as `numerator / denominator` from the published values.
#[derive(Debug, Clone, PartialEq)]
pub struct Ratio {
    pub figure: String,
    pub numerator: String,
    pub denominator: String,
}

/// A Wilson 95 % interval for a [`Ratio`], computed from its published counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Interval {
    /// The ratio's figure column.
    pub ratio: String,
    pub low: String,
    pub high: String,
}

/// Rows that break a total down: rows with the same values in `within` and the same
/// value in `column` are siblings; the row whose `column` is `total` is their total.
#[derive(Debug, Clone, PartialEq)]
pub struct Breakdown {
    pub column: String,
    pub total: String,
    pub within: Vec<String>,
}

/// Which columns of one mart are dimensions and which counts protect which figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rule {
    /// Columns that describe a row; never suppressed.
    pub dimensions: Vec<String>,
    /// The row's count: protects itself and every figure of the row.
    pub count: Option<String>,
    /// Further counts, each protecting itself and the listed figures (for figures
    /// computed from a subgroup, e.g. `mean_predicted` from `n_scored`).
    pub partial: Vec<(String, Vec<String>)>,
    /// Figures computed here from published (perturbed) values.
    pub ratios: Vec<Ratio>,
    /// Wilson intervals of ratios.
    pub intervals: Vec<Interval>,
    /// How rows break totals down, for complementary suppression.
    pub breakdown: Option<Breakdown>,
}

impl Rule {
    /// A rule with one row count and the given dimensions.
    pub fn new(count: &str, dimensions: &[&str]) -> Self {
        Rule {
            dimensions: dimensions.iter().map(|d| d.to_string()).collect(),
            count: Some(count.to_string()),
            ..Rule::default()
        }
    }

    /// Adds a count that protects itself and `figures`.
    pub fn with_partial(mut self, count: &str, figures: &[&str]) -> Self {
        self.partial.push((
            count.to_string(),
            figures.iter().map(|f| f.to_string()).collect(),
        ));
        self
    }

    /// Adds a figure computed as `numerator / denominator`.
    pub fn with_ratio(mut self, figure: &str, numerator: &str, denominator: &str) -> Self {
        self.ratios.push(Ratio {
            figure: figure.into(),
            numerator: numerator.into(),
            denominator: denominator.into(),
        });
        self
    }

    /// Adds a Wilson interval for the ratio `ratio`.
    pub fn with_interval(mut self, ratio: &str, low: &str, high: &str) -> Self {
        self.intervals.push(Interval {
            ratio: ratio.into(),
            low: low.into(),
            high: high.into(),
        });
        self
    }

    /// Declares that rows with the same `within` values and `column` values are siblings
    /// under the row whose `column` is `total`.
    pub fn with_breakdown(mut self, column: &str, total: &str, within: &[&str]) -> Self {
        self.breakdown = Some(Breakdown {
            column: column.into(),
            total: total.into(),
            within: within.iter().map(|w| w.to_string()).collect(),
        });
        self
    }

    /// Every column named by the rule that the mart itself must have (ratios and
    /// intervals are added by [`apply`]).
    pub fn columns(&self) -> impl Iterator<Item = &str> {
        let derived: HashSet<&str> = self.derived().collect();
        self.dimensions
            .iter()
            .chain(self.count.iter())
            .chain(
                self.partial
                    .iter()
                    .flat_map(|(c, f)| std::iter::once(c).chain(f)),
            )
            .chain(
                self.ratios
                    .iter()
                    .flat_map(|r| [&r.numerator, &r.denominator]),
            )
            .map(String::as_str)
            .filter(move |c| !derived.contains(c))
    }

    /// Columns computed by [`apply`].
    fn derived(&self) -> impl Iterator<Item = &str> {
        self.ratios.iter().map(|r| r.figure.as_str()).chain(
            self.intervals
                .iter()
                .flat_map(|i| [i.low.as_str(), i.high.as_str()]),
        )
    }

    /// The row count followed by the partial counts.
    fn all_counts(&self) -> Vec<&str> {
        self.count
            .iter()
            .map(String::as_str)
            .chain(self.partial.iter().map(|(c, _)| c.as_str()))
            .collect()
    }

    /// The ratio a derived column belongs to.
    fn ratio_of(&self, column: &str) -> Option<&Ratio> {
        let name = self
            .intervals
            .iter()
            .find(|i| i.low == column || i.high == column)
            .map_or(column, |i| i.ratio.as_str());
        self.ratios.iter().find(|r| r.figure == name)
    }

    /// The counts protecting `column`; empty for a dimension. A derived figure is also
    /// protected by its ratio's denominator when that is a count.
    fn counts_for<'a>(&'a self, column: &str) -> Vec<&'a str> {
        if self.dimensions.iter().any(|d| d == column) {
            return Vec::new();
        }
        let mut counts: Vec<&str> = self.count.iter().map(String::as_str).collect();
        let ratio = self.ratio_of(column);
        for (count, figures) in &self.partial {
            let listed = |c: &str| figures.iter().any(|f| f == c);
            if count == column
                || listed(column)
                || ratio.is_some_and(|r| listed(&r.figure) || r.denominator == *count)
            {
                counts.push(count);
            }
        }
        counts
    }
}

/// Runs the whole disclosure control over one mart (see the module documentation):
/// perturbation, derived figures, primary and complementary suppression; drops cell keys.
pub fn apply(table: Table, rule: &Rule, k: DisclosureK) -> Table {
    let k = i64::from(k.get());
    let truth = table.clone();
    let mut out = table;
    let perturbed = perturb(&mut out, k);
    let has_keys = out.columns.iter().any(|c| c.ends_with(CKEY_SUFFIX));
    let derived = derive(&mut out, rule, &perturbed, has_keys);

    // hidden[i][row]: whether count i of the rule is hidden in that row.
    let counts = rule.all_counts();
    let mut hidden: Vec<Vec<bool>> = counts
        .iter()
        .map(|c| match truth.column_index(c) {
            Some(i) => truth
                .rows
                .iter()
                // A true zero is nobody: it gives no one away (the noise keeps it
                // zero), so it is shown as 0 rather than "fewer than k".
                .map(|r| !matches!(r.get(i), Some(Cell::Int(n)) if *n >= k || *n == 0))
                .collect(),
            None => vec![true; truth.rows.len()],
        })
        .collect();
    if rule.count.is_some() {
        // A hidden row count hides the whole row, partial counts included.
        let (row, rest) = hidden.split_at_mut(1);
        for h in rest {
            h.iter_mut().zip(&row[0]).for_each(|(p, r)| *p |= *r);
        }
    }
    if let Some(b) = &rule.breakdown {
        secondary::complete(&truth, b, k, &counts, &mut hidden, rule.count.is_some());
    }

    // For each column: None = keep (dimension), Some(None) = hide everywhere,
    // Some(Some(indices into `counts`)) = hide where one of those is hidden.
    let plan: Vec<Option<Option<Vec<usize>>>> = out
        .columns
        .iter()
        .map(|column| {
            if rule.dimensions.iter().any(|d| d == column) {
                return None;
            }
            let trusted = !has_keys || perturbed.contains(column) || derived.contains(column);
            let protecting = rule.counts_for(column);
            if !trusted || protecting.is_empty() {
                return Some(None);
            }
            Some(Some(
                protecting
                    .iter()
                    .filter_map(|p| counts.iter().position(|c| c == p))
                    .collect(),
            ))
        })
        .collect();
    for (r, row) in out.rows.iter_mut().enumerate() {
        for (cell, p) in row.iter_mut().zip(&plan) {
            let hide = match p {
                None => false,
                Some(None) => true,
                Some(Some(idx)) => idx.iter().any(|&i| hidden[i][r]),
            };
            if hide && *cell != Cell::Null {
                *cell = Cell::Suppressed;
            }
        }
    }
    drop_keys(out)
}

/// Replaces each value that has a cell-key column by its perturbed value; returns the
/// names of the perturbed columns. A value whose key is missing is suppressed.
fn perturb(table: &mut Table, k: i64) -> HashSet<String> {
    let pairs: Vec<(usize, usize)> = table
        .columns
        .iter()
        .enumerate()
        .filter_map(|(key_i, name)| {
            let value = name.strip_suffix(CKEY_SUFFIX)?;
            Some((table.column_index(value)?, key_i))
        })
        .collect();
    for row in &mut table.rows {
        for &(v, key_i) in &pairs {
            let key = match row.get(key_i) {
                Some(Cell::Int(key)) => Some(key.rem_euclid(i64::from(ckey::KEYS)) as u32),
                _ => None,
            };
            let cell = &mut row[v];
            *cell = match (&*cell, key) {
                (Cell::Null, _) => Cell::Null,
                (Cell::Int(n), Some(key)) => Cell::Int(ckey::perturb_count(*n, key, k)),
                (Cell::Float(s), Some(key)) => Cell::Float(ckey::perturb_sum(*s, key)),
                _ => Cell::Suppressed,
            };
        }
    }
    pairs
        .iter()
        .map(|&(v, _)| table.columns[v].clone())
        .collect()
}

/// Computes ratios and intervals from the (perturbed) values; returns the names of the
/// derived columns that may be published (in a mart with cell keys: only those whose
/// inputs were perturbed).
fn derive(
    table: &mut Table,
    rule: &Rule,
    perturbed: &HashSet<String>,
    has_keys: bool,
) -> HashSet<String> {
    let mut ok = HashSet::new();
    for ratio in &rule.ratios {
        let (Some(num), Some(den)) = (
            table.column_index(&ratio.numerator),
            table.column_index(&ratio.denominator),
        ) else {
            // Fail closed: inputs missing, so the figure is suppressed (not in `ok`).
            set_column(table, &ratio.figure, |_| Cell::Suppressed);
            continue;
        };
        let intervals: Vec<&Interval> = rule
            .intervals
            .iter()
            .filter(|i| i.ratio == ratio.figure)
            .collect();
        let parts = |row: &[Cell]| -> Result<Option<(f64, f64)>, ()> {
            match (&row[num], &row[den]) {
                (Cell::Suppressed, _) | (_, Cell::Suppressed) => Err(()),
                (a, b) => match (a.as_f64(), b.as_f64()) {
                    (Some(a), Some(b)) if b > 0.0 => Ok(Some((a.clamp(0.0, b), b))),
                    _ => Ok(None),
                },
            }
        };
        set_column(table, &ratio.figure, |row| match parts(row) {
            Err(()) => Cell::Suppressed,
            Ok(None) => Cell::Null,
            Ok(Some((a, b))) => Cell::Float(a / b),
        });
        for i in &intervals {
            let bounds = |row: &[Cell]| match parts(row) {
                Err(()) => Err(()),
                Ok(None) => Ok(None),
                Ok(Some((a, b))) => Ok(Some(wilson_interval(a.round() as u64, b.round() as u64))),
            };
            set_column(table, &i.low, |row| match bounds(row) {
                Err(()) => Cell::Suppressed,
                Ok(None) => Cell::Null,
                Ok(Some((lo, _))) => Cell::Float(lo),
            });
            set_column(table, &i.high, |row| match bounds(row) {
                Err(()) => Cell::Suppressed,
                Ok(None) => Cell::Null,
                Ok(Some((_, hi))) => Cell::Float(hi),
            });
        }
        let inputs_safe = !has_keys
            || (perturbed.contains(&ratio.numerator) && perturbed.contains(&ratio.denominator));
        if inputs_safe {
            ok.insert(ratio.figure.clone());
            for i in intervals {
                ok.insert(i.low.clone());
                ok.insert(i.high.clone());
            }
        }
    }
    ok
}

/// Sets (adding it if absent) a column from a function of each row.
fn set_column(table: &mut Table, name: &str, value: impl Fn(&[Cell]) -> Cell) {
    let i = match table.column_index(name) {
        Some(i) => i,
        None => {
            table.columns.push(name.to_string());
            for row in &mut table.rows {
                row.push(Cell::Null);
            }
            table.columns.len() - 1
        }
    };
    for row in &mut table.rows {
        let v = value(row);
        row[i] = v;
    }
}

/// Removes the cell-key columns: they are never published.
fn drop_keys(mut table: Table) -> Table {
    let keep: Vec<bool> = table
        .columns
        .iter()
        .map(|c| !c.ends_with(CKEY_SUFFIX))
        .collect();
    if keep.iter().all(|k| *k) {
        return table;
    }
    table.columns = std::mem::take(&mut table.columns)
        .into_iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(c, _)| c)
        .collect();
    for row in &mut table.rows {
        let cells = std::mem::take(row);
        *row = cells
            .into_iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(c, _)| c)
            .collect();
    }
    table
}

#[cfg(test)]
mod attack_tests;
#[cfg(test)]
mod tests;
