//! Disclosure control: every figure a mart hands to a page or report passes here first.
//!
//! # What this version does
//! Primary small-cell suppression by threshold `k`. A [`Rule`] names, for one mart,
//! the dimension columns (what a row describes: month, cohort, model version) and the
//! count columns (how many persons a figure is computed from). Every other column is a
//! *figure*. In a row where a count is below `k`, the count itself and every figure it
//! protects become [`Cell::Suppressed`]; dimensions are never touched. It fails closed:
//! a figure that no count protects, or whose count is missing, null or not a whole
//! number, is suppressed in every row. A null figure stays null: there is no number
//! to protect, and "not known yet" (an immature cohort, no mature cohort at all) is
//! truer than "fewer than k persons".
//!
//! # What it does not protect against (issue 6)
//! - Differencing: a suppressed cell can still be recovered from a visible total minus
//!   the visible cells, from overlapping groupings, or from consecutive months. There is
//!   no complementary (secondary) suppression yet.
//! - There is no noise ("cell key" perturbation), so the same table published twice
//!   gives the same small differences twice.
//! - A null figure is published as null, so a reader can tell that a figure is unknown
//!   (e.g. a cohort was not scored) even where its count is hidden.
//!
//! Until then, a page must not show a total next to a breakdown whose cells can be
//! suppressed.

use crate::table::{Cell, Table};

/// The smallest threshold the product accepts (Statistics Denmark's rule for
/// researchers); anything lower is refused at start-up.
pub const MIN_K: u32 = 3;
/// The threshold used when the configuration does not name one.
pub const DEFAULT_K: u32 = 5;

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
}

impl Rule {
    /// A rule with one row count and the given dimensions.
    pub fn new(count: &str, dimensions: &[&str]) -> Self {
        Rule {
            dimensions: dimensions.iter().map(|d| d.to_string()).collect(),
            count: Some(count.to_string()),
            partial: Vec::new(),
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

    /// Every column named by the rule, for checking a mart has them.
    pub fn columns(&self) -> impl Iterator<Item = &str> {
        self.dimensions
            .iter()
            .chain(self.count.iter())
            .chain(
                self.partial
                    .iter()
                    .flat_map(|(c, f)| std::iter::once(c).chain(f)),
            )
            .map(String::as_str)
    }

    /// The counts protecting `column`; empty for a dimension.
    fn counts_for<'a>(&'a self, column: &str) -> Vec<&'a str> {
        if self.dimensions.iter().any(|d| d == column) {
            return Vec::new();
        }
        let mut counts: Vec<&str> = self.count.iter().map(String::as_str).collect();
        for (count, figures) in &self.partial {
            if count == column || figures.iter().any(|f| f == column) {
                counts.push(count);
            }
        }
        counts
    }
}

/// Replaces every figure computed from fewer than `k` persons by [`Cell::Suppressed`].
///
/// `k` below [`MIN_K`] is raised to it: the caller should have refused it already.
pub fn apply(mut table: Table, rule: &Rule, k: u32) -> Table {
    let k = i64::from(k.max(MIN_K));
    // For each column: None = dimension, Some(indices of its counts).
    let plan: Vec<Option<Vec<Option<usize>>>> = table
        .columns
        .iter()
        .map(|column| {
            if rule.dimensions.iter().any(|d| d == column) {
                return None;
            }
            let counts = rule.counts_for(column);
            Some(counts.iter().map(|c| table.column_index(c)).collect())
        })
        .collect();
    for row in &mut table.rows {
        let small = |i: &Option<usize>| match i.and_then(|i| row.get(i)) {
            Some(Cell::Int(n)) => *n < k,
            // Missing, null, already suppressed or not a count: fail closed.
            _ => true,
        };
        let hide: Vec<bool> = plan
            .iter()
            .map(|p| match p {
                None => false,
                Some(counts) => counts.is_empty() || counts.iter().any(small),
            })
            .collect();
        for (cell, hide) in row.iter_mut().zip(hide) {
            if hide && *cell != Cell::Null {
                *cell = Cell::Suppressed;
            }
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn month(m: u32) -> Cell {
        Cell::Date(NaiveDate::from_ymd_opt(2024, m, 1).unwrap())
    }

    fn cohorts() -> Table {
        Table {
            columns: [
                "cohort_month",
                "n",
                "n_scored",
                "mean_predicted",
                "observed_rate",
            ]
            .map(String::from)
            .to_vec(),
            rows: vec![
                vec![
                    month(1),
                    Cell::Int(40),
                    Cell::Int(38),
                    Cell::Float(0.3),
                    Cell::Float(0.25),
                ],
                vec![
                    month(2),
                    Cell::Int(4),
                    Cell::Int(4),
                    Cell::Float(0.5),
                    Cell::Float(0.75),
                ],
                vec![
                    month(3),
                    Cell::Int(30),
                    Cell::Int(2),
                    Cell::Float(0.9),
                    Cell::Null,
                ],
            ],
        }
    }

    fn rule() -> Rule {
        Rule::new("n", &["cohort_month"]).with_partial("n_scored", &["mean_predicted"])
    }

    #[test]
    fn a_count_under_k_is_suppressed_and_so_are_rates_computed_from_it() {
        let out = apply(cohorts(), &rule(), 5);
        assert_eq!(
            out.rows[1][1..],
            [
                Cell::Suppressed,
                Cell::Suppressed,
                Cell::Suppressed,
                Cell::Suppressed
            ]
        );
    }

    #[test]
    fn dimension_columns_are_kept_in_a_suppressed_row() {
        let out = apply(cohorts(), &rule(), 5);
        assert_eq!(out.rows[1][0], month(2));
    }

    #[test]
    fn rows_at_or_above_k_are_untouched() {
        let out = apply(cohorts(), &rule(), 4);
        assert_eq!(out.rows[0], cohorts().rows[0]);
        assert_eq!(out.rows[1], cohorts().rows[1]);
    }

    #[test]
    fn a_figure_from_a_small_subgroup_is_suppressed_while_the_rest_of_the_row_stays() {
        let out = apply(cohorts(), &rule(), 5);
        assert_eq!(
            out.rows[2],
            vec![
                month(3),
                Cell::Int(30),
                Cell::Suppressed,
                Cell::Suppressed,
                Cell::Null
            ]
        );
    }

    #[test]
    fn a_null_figure_stays_null_because_there_is_nothing_to_hide() {
        let mut t = cohorts();
        t.rows[1][4] = Cell::Null;
        let out = apply(t, &rule(), 5);
        assert_eq!(out.rows[1][3..], [Cell::Suppressed, Cell::Null]);
    }

    #[test]
    fn a_figure_no_count_protects_is_suppressed_everywhere() {
        let out = apply(
            cohorts(),
            &Rule {
                dimensions: vec!["cohort_month".into()],
                ..Rule::default()
            },
            5,
        );
        assert!(out.rows.iter().all(|r| r[1..]
            .iter()
            .all(|c| matches!(c, Cell::Suppressed | Cell::Null))));
    }

    #[test]
    fn a_missing_count_column_suppresses_its_figures() {
        let out = apply(cohorts(), &Rule::new("persons", &["cohort_month"]), 5);
        assert!(out
            .rows
            .iter()
            .all(|r| r[0] != Cell::Suppressed && r[1] == Cell::Suppressed));
    }

    #[test]
    fn a_threshold_below_three_is_refused() {
        assert_eq!(check_k(2), Err(ThresholdTooLow(2)));
        assert_eq!(check_k(3), Ok(3));
    }

    #[test]
    fn apply_never_uses_a_threshold_below_three() {
        let mut t = cohorts();
        t.rows[0][1] = Cell::Int(2);
        let out = apply(t, &rule(), 1);
        assert_eq!(out.rows[0][1], Cell::Suppressed);
    }
}
