//! Danish number and date formatting: decimal comma, `.` as thousands separator,
//! `41,3 %`, `jan. 2024`, `dd-mm-åååå`.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::messages::Messages;
pub use super::number::number;
use jobcockpit_table::Cell;

/// How a column's values are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Shown as it comes (text, or a number in its plain form).
    #[default]
    Text,
    /// A whole number: `12.345`.
    Integer,
    /// A share 0..1 shown as a percentage: `41,3 %`.
    Percent,
    /// A decimal number: `0,137`.
    Decimal,
    /// A month, short: `jan. 2024`.
    Month,
    /// A month, written out: `januar 2024`.
    MonthLong,
    /// A date: `05-03-2024`.
    Date,
    /// A yes/no flag (1/0 or true/false): `ja`/`nej`.
    YesNo,
}

impl Format {
    /// Decimals used when a column does not name its own.
    pub fn default_decimals(self) -> usize {
        match self {
            Format::Percent => 1,
            Format::Decimal => 2,
            _ => 0,
        }
    }

    /// Whether values are numbers (right-aligned, tabular figures).
    pub fn is_numeric(self) -> bool {
        matches!(self, Format::Integer | Format::Percent | Format::Decimal)
    }
}

const MONTHS_SHORT: [&str; 12] = [
    "jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec.",
];
const MONTHS_LONG: [&str; 12] = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
];

/// A share 0..1 as a Danish percentage: `0.413` -> `41,3 %`.
pub fn percent(share: f64, decimals: usize) -> String {
    format!("{} %", number(share * 100.0, decimals))
}

/// `jan. 2024`.
pub fn month_short(date: NaiveDate) -> String {
    format!("{} {}", MONTHS_SHORT[date.month0() as usize], date.year())
}

/// `januar 2024`.
pub fn month_long(date: NaiveDate) -> String {
    format!("{} {}", MONTHS_LONG[date.month0() as usize], date.year())
}

/// `dd-mm-åååå`.
pub fn date(date: NaiveDate) -> String {
    date.format("%d-%m-%Y").to_string()
}

/// A formatted cell: its text and what kind of value it is, for the templates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shown {
    pub text: String,
    /// `value`, `suppressed` (under k) or `unknown` (null).
    pub state: &'static str,
    pub numeric: bool,
}

/// Formats one cell. A value of an unexpected type is shown as plain text rather
/// than failing the page; nulls and non-finite numbers are "not known yet".
pub fn cell(cell: &Cell, format: Format, decimals: Option<usize>, t: &Messages) -> Shown {
    let decimals = decimals.unwrap_or(format.default_decimals());
    let value = |text: String| Shown {
        text,
        state: "value",
        numeric: format.is_numeric(),
    };
    match cell {
        Cell::Suppressed => Shown {
            text: t.suppressed_mark.into(),
            state: "suppressed",
            numeric: format.is_numeric(),
        },
        Cell::Null => unknown(t),
        Cell::Float(v) if !v.is_finite() => unknown(t),
        Cell::Date(d) => value(match format {
            Format::Month => month_short(*d),
            Format::MonthLong => month_long(*d),
            _ => date(*d),
        }),
        Cell::Int(v) if format == Format::YesNo => value(yes_no(*v != 0, t)),
        Cell::Text(s) if format == Format::YesNo => match s.as_str() {
            "true" | "ja" | "1" => value(yes_no(true, t)),
            "false" | "nej" | "0" => value(yes_no(false, t)),
            _ => value(s.clone()),
        },
        Cell::Text(s) => value(s.clone()),
        Cell::Int(_) | Cell::Float(_) => {
            let v = cell.as_f64().unwrap_or_default();
            value(match format {
                Format::Percent => percent(v, decimals),
                Format::Decimal => number(v, decimals),
                Format::Integer => number(v, 0),
                _ => match cell {
                    Cell::Int(i) => number(*i as f64, 0),
                    _ => number(v, decimals.max(2)),
                },
            })
        }
    }
}

fn unknown(t: &Messages) -> Shown {
    Shown {
        text: t.unknown.into(),
        state: "unknown",
        numeric: false,
    }
}

fn yes_no(v: bool, t: &Messages) -> String {
    if v { t.yes } else { t.no }.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::DA;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn thousands_are_separated_by_a_dot() {
        assert_eq!(number(12345.0, 0), "12.345");
        assert_eq!(number(1234567.0, 0), "1.234.567");
        assert_eq!(number(999.0, 0), "999");
        assert_eq!(number(-12345.0, 0), "-12.345");
    }

    #[test]
    fn decimals_use_a_comma() {
        assert_eq!(number(0.137, 3), "0,137");
        assert_eq!(number(12345.678, 2), "12.345,68");
    }

    #[test]
    fn a_negative_value_that_rounds_to_zero_has_no_sign() {
        assert_eq!(number(-0.0004, 2), "0,00");
    }

    #[test]
    fn a_share_is_shown_as_a_percentage_with_one_decimal() {
        assert_eq!(percent(0.413, 1), "41,3 %");
        assert_eq!(
            cell(&Cell::Float(0.4129), Format::Percent, None, &DA).text,
            "41,3 %"
        );
        assert_eq!(
            cell(&Cell::Float(1.0), Format::Percent, Some(0), &DA).text,
            "100 %"
        );
    }

    #[test]
    fn months_are_written_the_danish_way() {
        assert_eq!(month_short(d(2024, 1, 1)), "jan. 2024");
        assert_eq!(month_short(d(2024, 5, 1)), "maj 2024");
        assert_eq!(month_long(d(2024, 1, 1)), "januar 2024");
        assert_eq!(month_long(d(2023, 3, 1)), "marts 2023");
    }

    #[test]
    fn dates_are_written_day_month_year() {
        assert_eq!(date(d(2024, 3, 5)), "05-03-2024");
        assert_eq!(
            cell(&Cell::Date(d(2024, 3, 5)), Format::Date, None, &DA).text,
            "05-03-2024"
        );
    }

    #[test]
    fn an_integer_column_rounds_floats_and_separates_thousands() {
        assert_eq!(
            cell(&Cell::Int(12345), Format::Integer, None, &DA).text,
            "12.345"
        );
        assert_eq!(
            cell(&Cell::Float(41.6), Format::Integer, None, &DA).text,
            "42"
        );
    }

    #[test]
    fn null_is_not_known_yet_and_suppressed_says_hidden() {
        let null = cell(&Cell::Null, Format::Percent, None, &DA);
        assert_eq!(
            (null.text.as_str(), null.state),
            ("endnu ikke kendt", "unknown")
        );
        let nan = cell(&Cell::Float(f64::NAN), Format::Decimal, None, &DA);
        assert_eq!(nan.state, "unknown");
        let hidden = cell(&Cell::Suppressed, Format::Integer, None, &DA);
        assert_eq!(
            (hidden.text.as_str(), hidden.state),
            ("skjult", "suppressed")
        );
    }

    #[test]
    fn flags_are_ja_or_nej() {
        assert_eq!(cell(&Cell::Int(1), Format::YesNo, None, &DA).text, "ja");
        assert_eq!(
            cell(&Cell::Text("false".into()), Format::YesNo, None, &DA).text,
            "nej"
        );
    }

    #[test]
    fn a_value_of_an_unexpected_type_is_shown_as_text() {
        assert_eq!(
            cell(&Cell::Text("v3".into()), Format::Percent, None, &DA).text,
            "v3"
        );
    }
}
