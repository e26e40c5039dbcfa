//! What a caseworker types, checked: the CPR number (named problems, never the
//! number itself in a message) and the short note of a judgement.

use chrono::{Datelike, NaiveDate};

use crate::pseudonym::{Cpr, PseudonymError};

/// What is wrong with a typed CPR number. The messages name the problem and never
/// repeat the digits, so a mistyped number is not echoed to the screen or a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CprProblem {
    #[error("Skriv borgerens CPR-nummer.")]
    Empty,
    #[error("CPR-nummeret må kun indeholde cifre og en bindestreg efter de første 6 cifre (DDMMÅÅ-SSSS).")]
    NotDigits,
    #[error("CPR-nummeret skal have 10 cifre; der er skrevet {0}.")]
    WrongLength(usize),
    #[error("De første 6 cifre er ikke en dato, der findes: dag eller måned er forkert (DDMMÅÅ).")]
    NoSuchDate,
    #[error("Datoen findes ikke i det århundrede, som 7. ciffer angiver (århundredereglen). Tjek 7. ciffer og året.")]
    NoSuchDateInCentury,
    #[error("Efter 7. ciffer (århundredereglen) ville borgeren være født i fremtiden. Tjek 7. ciffer og året.")]
    BornInFuture,
    #[error("Efter 7. ciffer (århundredereglen) ville borgeren være født før 1900. Tjek 7. ciffer og året.")]
    BornBefore1900,
}

/// Parses a CPR number as typed: `DDMMÅÅ-SSSS` or ten digits, spaces around
/// ignored. `today` decides what is a birth in the future.
pub fn parse_cpr(raw: &str, today: NaiveDate) -> Result<Cpr, CprProblem> {
    let typed = raw.trim();
    if typed.is_empty() {
        return Err(CprProblem::Empty);
    }
    // The one dash the format allows sits after the 6th digit.
    let chars: Vec<char> = typed.chars().collect();
    let dash_at_six = chars.get(6) == Some(&'-');
    let digits: String = chars
        .iter()
        .enumerate()
        .filter(|(i, _)| !(dash_at_six && *i == 6))
        .map(|(_, c)| *c)
        .collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(CprProblem::NotDigits);
    }
    if digits.len() != 10 {
        return Err(CprProblem::WrongLength(digits.len()));
    }
    let cpr = match Cpr::parse(&digits) {
        Ok(cpr) => cpr,
        Err(PseudonymError::BirthDate { .. }) => {
            // Would the day and month exist in some year (a leap year has them all)?
            let b = digits.as_bytes();
            let two = |i: usize| u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0');
            return Err(if NaiveDate::from_ymd_opt(2000, two(2), two(0)).is_some() {
                CprProblem::NoSuchDateInCentury
            } else {
                CprProblem::NoSuchDate
            });
        }
        Err(_) => return Err(CprProblem::NotDigits),
    };
    if cpr.birth_date() > today {
        return Err(CprProblem::BornInFuture);
    }
    if cpr.birth_date().year() < 1900 {
        return Err(CprProblem::BornBefore1900);
    }
    Ok(cpr)
}

/// The longest note a caseworker may add to her judgement, in characters.
pub const NOTE_MAX_CHARS: usize = 300;

/// What is wrong with a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoteProblem {
    #[error("Bemærkningen er for lang: højst {NOTE_MAX_CHARS} tegn.")]
    TooLong,
    #[error("Bemærkningen ligner et CPR-nummer. Skriv ikke CPR-numre eller andre personnumre i bemærkningen.")]
    CprLike,
    #[error(
        "Bemærkningen indeholder tegn, der ikke kan gemmes (f.eks. linjeskift eller styretegn)."
    )]
    ControlCharacter,
}

/// Checks an optional note: trimmed, empty is none; at most [`NOTE_MAX_CHARS`];
/// no control characters; nothing shaped like a CPR number (six digits, an
/// optional dash, slash, dot or space, four digits).
pub fn check_note(raw: Option<&str>) -> Result<Option<String>, NoteProblem> {
    let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > NOTE_MAX_CHARS {
        return Err(NoteProblem::TooLong);
    }
    if text.chars().any(char::is_control) {
        return Err(NoteProblem::ControlCharacter);
    }
    if has_cpr_shape(text) {
        return Err(NoteProblem::CprLike);
    }
    Ok(Some(text.to_string()))
}

/// Whether a text holds ten digits in a row, or six and four with one separator
/// (`-`, `/`, `.` or a space) between them.
pub fn has_cpr_shape(text: &str) -> bool {
    let c: Vec<char> = text.chars().collect();
    let digits_at = |from: usize, n: usize| {
        from + n <= c.len() && c[from..from + n].iter().all(char::is_ascii_digit)
    };
    (0..c.len()).any(|i| {
        digits_at(i, 6)
            && (digits_at(i + 6, 4)
                || (i + 6 < c.len()
                    && matches!(c[i + 6], '-' | '/' | '.' | ' ')
                    && digits_at(i + 7, 4)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
    }

    #[test]
    fn a_well_formed_number_parses_with_or_without_the_dash() {
        let a = parse_cpr(" 010190-1233 ", today()).unwrap();
        let b = parse_cpr("0101901233", today()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.masked(), "010190-****");
    }

    #[test]
    fn each_kind_of_bad_number_is_named_and_never_echoed() {
        let cases = [
            ("", CprProblem::Empty),
            ("0101a0-1233", CprProblem::NotDigits),
            ("010190 1233", CprProblem::NotDigits),
            ("01019-01233", CprProblem::NotDigits),
            ("010190-123", CprProblem::WrongLength(9)),
            ("010190-12345", CprProblem::WrongLength(11)),
            ("01019012334", CprProblem::WrongLength(11)),
            ("321390-1233", CprProblem::NoSuchDate),
            // 29 February 1900 does not exist (7th digit 0-3: the 1900s); 2000 had one.
            ("290200-1233", CprProblem::NoSuchDateInCentury),
            // 7th digit 4 and year 30: born 2030.
            ("010130-4233", CprProblem::BornInFuture),
            // 7th digit 5 and year 80: born 1880.
            ("010180-5233", CprProblem::BornBefore1900),
        ];
        for (raw, want) in cases {
            let got = parse_cpr(raw, today()).unwrap_err();
            assert_eq!(got, want, "{raw}");
            let message = got.to_string();
            let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
            assert!(
                digits.len() < 4 || !message.contains(&digits[..4]),
                "{message} repeats the number"
            );
        }
    }

    #[test]
    fn a_note_with_a_cpr_shaped_number_is_refused() {
        for bad in [
            "ring til 0101901233",
            "cpr 010190-1233",
            "010190 1233 er hendes",
            "010190/1233",
        ] {
            assert_eq!(check_note(Some(bad)), Err(NoteProblem::CprLike), "{bad}");
        }
        assert_eq!(
            check_note(Some("møde 12-03 kl. 10, tlf 12345678")),
            Ok(Some("møde 12-03 kl. 10, tlf 12345678".into()))
        );
        assert_eq!(check_note(Some("  ")), Ok(None));
        assert_eq!(check_note(None), Ok(None));
        assert_eq!(
            check_note(Some(&"x".repeat(NOTE_MAX_CHARS + 1))),
            Err(NoteProblem::TooLong)
        );
        assert_eq!(
            check_note(Some(&"æ".repeat(NOTE_MAX_CHARS))).map(|n| n.is_some()),
            Ok(true)
        );
        assert_eq!(check_note(Some("a\nb")), Err(NoteProblem::ControlCharacter));
    }
}
