//! Unit tests of reading and checking values.

use super::parse::{decode, parse_value, CellContext};
use super::*;
use crate::extracts::{self, ColumnType};
use crate::pseudonym::Pseudonymiser;
use chrono::NaiveDate;
use duckdb::types::Value;

fn pseudo() -> Pseudonymiser {
    Pseudonymiser::new(vec![7; 32]).unwrap()
}

fn ctx() -> CellContext<'static> {
    CellContext {
        extract: &extracts::SPELLS,
        column: "startdato",
        month_end: NaiveDate::from_ymd_opt(2024, 3, 31).unwrap(),
    }
}

#[test]
fn windows_1252_and_utf8_with_bom_decode_to_the_same_text() {
    let utf8 = "\u{feff}distrikt\r\nNørrevang\r\n".as_bytes().to_vec();
    let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode("distrikt\r\nNørrevang\r\n");
    assert_eq!(decode(&utf8), decode(&cp1252));
}

#[test]
fn a_date_after_the_delivery_month_is_refused() {
    let mut out = Vec::new();
    let err = parse_value(
        "01-04-2024",
        ColumnType::Date,
        false,
        &ctx(),
        &pseudo(),
        &mut out,
    )
    .unwrap_err();
    assert!(err.contains("31-03-2024"), "{err}");
}

#[test]
fn decimal_commas_are_read_and_points_refused() {
    let mut out = Vec::new();
    parse_value(
        "3,5",
        ColumnType::Decimal,
        false,
        &ctx(),
        &pseudo(),
        &mut out,
    )
    .unwrap();
    assert_eq!(out, vec![Value::Double(3.5)]);
    let err = parse_value(
        "2.5",
        ColumnType::Decimal,
        false,
        &ctx(),
        &pseudo(),
        &mut out,
    )
    .unwrap_err();
    assert!(err.contains("komma"), "{err}");
}

#[test]
fn an_unknown_code_names_the_allowed_ones() {
    let mut out = Vec::new();
    let err = parse_value(
        "x",
        ColumnType::Code(extracts::STATUSES),
        false,
        &ctx(),
        &pseudo(),
        &mut out,
    )
    .unwrap_err();
    assert!(err.contains("beskaeftiget"), "{err}");
}

#[test]
fn a_cpr_becomes_a_pseudonym_and_never_stays_in_the_output() {
    let mut out = Vec::new();
    let c = CellContext {
        extract: &extracts::CITIZENS,
        column: "cpr",
        month_end: ctx().month_end,
    };
    parse_value(
        "010190-1233",
        ColumnType::Cpr,
        false,
        &c,
        &pseudo(),
        &mut out,
    )
    .unwrap();
    assert_eq!(out.len(), 3, "pseudonym, birth date, sex");
    assert!(!format!("{out:?}").contains("0101901233"));
    assert!(!format!("{out:?}").contains("010190-1233"));
}

#[test]
fn the_last_day_of_february_in_a_leap_year() {
    assert_eq!(
        last_day(NaiveDate::from_ymd_opt(2024, 2, 10).unwrap()).to_string(),
        "2024-02-29"
    );
}

#[test]
fn a_bad_value_is_reported_on_its_line_in_the_file_counting_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let text = "\u{feff}cpr;maaned;status\r\n010190-1233;01-03-2024;ydelse\r\n010190-1233;01-03-2024;ukendt\r\n";
    std::fs::write(dir.path().join("status.csv"), text).unwrap();
    let mut errors = Vec::new();
    let month_end = NaiveDate::from_ymd_opt(2024, 3, 31).unwrap();
    let parsed = super::parse::parse_file(
        dir.path(),
        &extracts::STATUS,
        month_end,
        &pseudo(),
        &mut errors,
    )
    .unwrap();
    assert_eq!(parsed.lines, vec![2]);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 3, "{}", errors[0]);
}

#[test]
fn a_truncated_last_line_is_reported_on_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = "cpr;maaned;status\r\n010190-1233;01-03-2024;ydelse\r\n010190-1233;01-03-20";
    std::fs::write(dir.path().join("status.csv"), text).unwrap();
    let month_end = NaiveDate::from_ymd_opt(2024, 3, 31).unwrap();
    let err = super::parse::parse_file(
        dir.path(),
        &extracts::STATUS,
        month_end,
        &pseudo(),
        &mut Vec::new(),
    )
    .err()
    .expect("a truncated row is an error");
    let text = err.to_string();
    assert!(text.contains("linje 3"), "{text}");
}
