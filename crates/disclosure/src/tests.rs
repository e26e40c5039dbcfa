//! The rule mechanics: primary suppression, fail-closed cases, the threshold floor,
//! derived figures and complementary suppression.

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
    let out = apply(cohorts(), &rule(), k(5));
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
    let out = apply(cohorts(), &rule(), k(5));
    assert_eq!(out.rows[1][0], month(2));
}

#[test]
fn rows_at_or_above_k_are_untouched() {
    let out = apply(cohorts(), &rule(), k(4));
    assert_eq!(out.rows[0], cohorts().rows[0]);
    assert_eq!(out.rows[1], cohorts().rows[1]);
}

#[test]
fn a_figure_from_a_small_subgroup_is_suppressed_while_the_rest_of_the_row_stays() {
    let out = apply(cohorts(), &rule(), k(5));
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
    let out = apply(t, &rule(), k(5));
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
        k(5),
    );
    assert!(out.rows.iter().all(|r| r[1..]
        .iter()
        .all(|c| matches!(c, Cell::Suppressed | Cell::Null))));
}

#[test]
fn a_missing_count_column_suppresses_its_figures() {
    let out = apply(cohorts(), &Rule::new("persons", &["cohort_month"]), k(5));
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
fn a_threshold_below_three_cannot_be_made() {
    // apply takes a DisclosureK, so no caller can hand it k = 1 or 2.
    assert_eq!(DisclosureK::new(1), Err(ThresholdTooLow(1)));
    assert_eq!(DisclosureK::new(2), Err(ThresholdTooLow(2)));
    assert_eq!(DisclosureK::new(3).map(DisclosureK::get), Ok(3));
    assert_eq!(DisclosureK::default().get(), DEFAULT_K);
    // The way in that deserialising takes (`try_from = "u32"`).
    assert_eq!(DisclosureK::try_from(2), Err(ThresholdTooLow(2)));
}

/// A threshold for the tests.
fn k(k: u32) -> DisclosureK {
    DisclosureK::new(k).unwrap()
}

fn text(s: &str) -> Cell {
    Cell::Text(s.into())
}

/// One month broken down by district: the total and the given district counts.
fn districts(counts: &[(&str, i64)]) -> Table {
    let total: i64 = counts.iter().map(|(_, n)| n).sum();
    let mut rows = vec![vec![month(1), text("alle"), text("alle"), Cell::Int(total)]];
    for (d, n) in counts {
        rows.push(vec![month(1), text("distrikt"), text(d), Cell::Int(*n)]);
    }
    Table {
        columns: ["cohort_month", "dimension", "grp", "n"]
            .map(String::from)
            .to_vec(),
        rows,
    }
}

fn breakdown_rule() -> Rule {
    Rule::new("n", &["cohort_month", "dimension", "grp"]).with_breakdown(
        "dimension",
        "alle",
        &["cohort_month"],
    )
}

fn hidden_groups(t: &Table) -> Vec<String> {
    t.rows
        .iter()
        .filter(|r| r[3] == Cell::Suppressed)
        .map(|r| match &r[2] {
            Cell::Text(s) => s.clone(),
            _ => String::new(),
        })
        .collect()
}

#[test]
fn one_hidden_sibling_takes_the_next_smallest_with_it() {
    let out = apply(
        districts(&[("A", 50), ("B", 40), ("C", 27), ("D", 3)]),
        &breakdown_rule(),
        k(5),
    );
    assert_eq!(hidden_groups(&out), ["C", "D"]);
}

#[test]
fn hidden_siblings_that_add_up_to_fewer_than_k_take_another() {
    let out = apply(
        districts(&[("A", 50), ("B", 40), ("C", 2), ("D", 1)]),
        &breakdown_rule(),
        k(5),
    );
    assert_eq!(hidden_groups(&out), ["B", "C", "D"]);
}

#[test]
fn when_no_sibling_is_left_the_total_is_hidden() {
    // Two districts: one small, so the other is hidden, and the pair still holds only
    // what the total holds: the total itself (>= k) may stay.
    let out = apply(districts(&[("A", 50), ("D", 3)]), &breakdown_rule(), k(5));
    assert_eq!(hidden_groups(&out), ["A", "D"]);
    // A single small sibling alone under its total: the total must go.
    let out = apply(districts(&[("D", 3)]), &breakdown_rule(), k(5));
    assert_eq!(hidden_groups(&out), ["alle", "D"]);
}

#[test]
fn a_zero_is_shown_as_zero_and_needs_no_partner() {
    // Nobody gives no one away: an inflow of 0 was shown as "fewer than k" (#19).
    let out = apply(
        districts(&[("A", 50), ("B", 40), ("D", 0)]),
        &breakdown_rule(),
        k(5),
    );
    assert!(hidden_groups(&out).is_empty(), "{:?}", hidden_groups(&out));
    let d = out
        .rows
        .iter()
        .find(|r| r.contains(&Cell::Text("D".into())))
        .unwrap();
    assert!(d.contains(&Cell::Int(0)), "{d:?}");
}

#[test]
fn a_rate_is_computed_from_the_published_counts_not_taken_from_the_mart() {
    let t = Table {
        columns: ["m", "n", "n_ckey", "e", "e_ckey", "rate"]
            .map(String::from)
            .to_vec(),
        rows: vec![vec![
            month(1),
            Cell::Int(100),
            Cell::Int(17),
            Cell::Int(40),
            Cell::Int(200),
            Cell::Float(0.4),
        ]],
    };
    let rule = Rule::new("n", &["m"])
        .with_partial("e", &[])
        .with_ratio("rate", "e", "n")
        .with_interval("rate", "lo", "hi");
    let out = apply(t, &rule, k(5));
    assert_eq!(out.columns, ["m", "n", "e", "rate", "lo", "hi"]);
    let (n, e) = (
        out.rows[0][1].as_f64().unwrap(),
        out.rows[0][2].as_f64().unwrap(),
    );
    assert_eq!(out.rows[0][3], Cell::Float(e / n));
    let (lo, hi) = jobcockpit_metrics::wilson_interval(e as u64, n as u64);
    assert_eq!(out.rows[0][4..], [Cell::Float(lo), Cell::Float(hi)]);
}

#[test]
fn in_a_perturbed_mart_a_figure_not_derived_from_perturbed_counts_is_suppressed() {
    let t = Table {
        columns: ["m", "n", "n_ckey", "brier"].map(String::from).to_vec(),
        rows: vec![vec![
            month(1),
            Cell::Int(100),
            Cell::Int(3),
            Cell::Float(0.2),
        ]],
    };
    let out = apply(t, &Rule::new("n", &["m"]), k(5));
    assert_eq!(out.columns, ["m", "n", "brier"]);
    assert_eq!(out.rows[0][2], Cell::Suppressed);
    assert!(matches!(out.rows[0][1], Cell::Int(97..=103)));
}

#[test]
fn a_count_whose_cell_key_is_missing_is_suppressed() {
    let t = Table {
        columns: ["m", "n", "n_ckey"].map(String::from).to_vec(),
        rows: vec![vec![month(1), Cell::Int(100), Cell::Null]],
    };
    let out = apply(t, &Rule::new("n", &["m"]), k(5));
    assert_eq!(out.rows[0][1], Cell::Suppressed);
}
