//! Checking one extract file against the contract: the header, every value
//! against its column type, start before end, and keys delivered twice. The
//! readers (CSV in `read.rs`, Parquet in `parquet.rs`) hand over each row as text
//! fields, so both formats get exactly the same checks and the same errors.

use chrono::{Datelike, NaiveDate};
use duckdb::types::Value;
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use super::columns::ColumnsBuilder;
use super::fasthash::{FastMap, FastSet};
use super::{IngestError, ParsedFile, RowError};
use crate::extracts::{self, ColumnType, Extract};
use crate::pseudonym::{mask, pseudonym_text, Cpr, Pseudonymiser};
use crate::store::date_value;

/// A row's fields as text, whatever the file format.
pub(super) trait Fields {
    fn field(&self, i: usize) -> Option<&str>;
    fn count(&self) -> usize;
}

impl Fields for csv::StringRecord {
    fn field(&self, i: usize) -> Option<&str> {
        self.get(i)
    }
    fn count(&self) -> usize {
        self.len()
    }
}

impl Fields for Vec<String> {
    fn field(&self, i: usize) -> Option<&str> {
        self.get(i).map(String::as_str)
    }
    fn count(&self) -> usize {
        self.len()
    }
}

/// Checks the rows of one file and keeps the good ones as database values.
pub(super) struct FileChecker<'a> {
    extract: &'static Extract,
    file: String,
    /// The field number of each contract column, in contract order.
    positions: Vec<usize>,
    key_positions: Vec<usize>,
    /// Contract column numbers of a start and an end date that must be in order.
    interval: Option<(usize, usize)>,
    /// The field number of the CPR.
    cpr_position: Option<usize>,
    /// Each date column's contract number and the index of its value in a
    /// parsed row, and whether it is a month: compared with the birth date.
    date_slots: Vec<(usize, usize, bool)>,
    n_fields: usize,
    month_end: NaiveDate,
    pseudo: &'a Pseudonymiser,
    /// The line of each key seen so far: keys of a CPR and a date packed into
    /// one number (`packed_key`), other short keys inline, without an
    /// allocation per row; longer ones as text.
    packs_key: bool,
    /// Each good row's packed key ([`NOT_PACKED`] if its key went to the maps
    /// below); repeats are found by sorting when the file is read
    /// ([`FileChecker::finish`]), because a map of 1.4 million keys a month
    /// cost a cache miss per row of a national load.
    packed_keys: Vec<u64>,
    /// Each good row's citizen (the CPR's pseudonym as a number).
    person_keys: Vec<u128>,
    first_line_of_key: FastMap<InlineKey, u64>,
    first_line_of_long_key: FastMap<String, u64>,
    key_buf: String,
    columns: ColumnsBuilder,
    /// One row's values, reused from row to row.
    row: Vec<Value>,
    lines: Vec<u64>,
    cpr_heads: Vec<[u8; 6]>,
    bad_lines: usize,
}

impl<'a> FileChecker<'a> {
    /// Checks the header (field names in file order) against the contract.
    pub(super) fn new(
        extract: &'static Extract,
        file: String,
        header: &[String],
        month_end: NaiveDate,
        pseudo: &'a Pseudonymiser,
        expected_rows: usize,
    ) -> Result<Self, IngestError> {
        let positions = column_positions(extract, header, &file)?;
        let position_of = |name: &str| extract.columns.iter().position(|c| c.name == name);
        let key_positions = extract
            .key
            .iter()
            .filter_map(|k| position_of(k).map(|i| positions[i]))
            .collect();
        let interval = position_of("startdato").zip(position_of("slutdato"));
        let cpr_position = extract
            .columns
            .iter()
            .position(|c| c.ty == ColumnType::Cpr)
            .map(|i| positions[i]);
        let key_types: Vec<ColumnType> = extract
            .key
            .iter()
            .filter_map(|k| extract.columns.iter().find(|c| c.name == *k).map(|c| c.ty))
            .collect();
        let packs_key = packable(&key_types);
        let mut date_slots = Vec::new();
        let mut slot = 0;
        for (i, c) in extract.columns.iter().enumerate() {
            if matches!(c.ty, ColumnType::Date | ColumnType::Month) {
                date_slots.push((i, slot, c.ty == ColumnType::Month));
            }
            // A citizen's CPR gives three values (pseudonym, birth date, sex).
            slot += if c.ty == ColumnType::Cpr && extract.id == extracts::CITIZENS.id {
                3
            } else {
                1
            };
        }
        let mut packed_keys = Vec::new();
        let mut first_line_of_key = FastMap::default();
        if packs_key {
            packed_keys.reserve(expected_rows);
        } else {
            first_line_of_key.reserve(expected_rows);
        }
        Ok(FileChecker {
            extract,
            file,
            positions,
            key_positions,
            interval,
            cpr_position,
            date_slots,
            n_fields: header.len(),
            month_end,
            pseudo,
            packs_key,
            packed_keys,
            person_keys: Vec::with_capacity(expected_rows),
            first_line_of_key,
            first_line_of_long_key: FastMap::default(),
            key_buf: String::new(),
            columns: ColumnsBuilder::new(extract, expected_rows),
            row: Vec::with_capacity(extract.columns.len() + 2),
            lines: Vec::with_capacity(expected_rows),
            cpr_heads: Vec::with_capacity(expected_rows),
            bad_lines: 0,
        })
    }

    fn error(&self, line: u64, column: &str, value: String, reason: String) -> RowError {
        RowError {
            file: self.file.clone(),
            line,
            column: column.to_string(),
            value: shown(&value),
            reason,
        }
    }

    /// Checks one row; a good row is kept, a bad one is counted and its errors
    /// (one per bad value) are added to `errors`.
    pub(super) fn check<F: Fields>(&mut self, line: u64, fields: &F, errors: &mut Vec<RowError>) {
        if fields.count() != self.n_fields {
            // An unquoted `;` in a value, or a line cut short: the fields no longer
            // line up with the header, so no value of the row can be trusted.
            let last = fields.count().saturating_sub(1);
            // A line without a single `;` is no row of the contract at all
            // (another file's content): nothing of it is shown.
            let value = if fields.count() > 1 {
                fields.field(last).unwrap_or("")
            } else {
                ""
            };
            errors.push(self.error(
                line,
                "",
                self.masked_if_cpr(value),
                format!(
                    "linjen har {} felter, men overskriften har {}",
                    fields.count(),
                    self.n_fields
                ),
            ));
            self.bad_lines += 1;
            return;
        }
        let mut out = std::mem::take(&mut self.row);
        out.clear();
        let mut person = None;
        let mut ok = true;
        for (col, &pos) in self.extract.columns.iter().zip(&self.positions) {
            let raw = fields.field(pos).unwrap_or("");
            let ctx = CellContext {
                extract: self.extract,
                column: col.name,
                month_end: self.month_end,
                range: col.range,
            };
            if let Err(reason) = parse_value(
                raw,
                col.ty,
                col.nullable,
                &ctx,
                self.pseudo,
                &mut out,
                &mut person,
            ) {
                ok = false;
                let value = if col.ty == ColumnType::Cpr {
                    mask(raw)
                } else {
                    raw.to_string()
                };
                errors.push(self.error(line, col.name, value, reason));
            }
        }
        if ok {
            if let Some((s, e)) = self.interval {
                let start = fields.field(self.positions[s]).and_then(parse_date);
                let end = fields.field(self.positions[e]).and_then(parse_date);
                if let (Some(start), Some(end)) = (start, end) {
                    if end < start {
                        ok = false;
                        errors.push(
                            self.error(
                                line,
                                self.extract.columns[e].name,
                                fields
                                    .field(self.positions[e])
                                    .unwrap_or("")
                                    .trim()
                                    .to_string(),
                                format!(
                                    "slutdatoen ligger før startdatoen ({})",
                                    start.format(extracts::DATE_FORMAT)
                                ),
                            ),
                        );
                    }
                }
            }
        }
        if ok {
            ok = self.check_not_before_birth(line, fields, person.map(|(_, b)| b), &out, errors);
        }
        let mut packed = NOT_PACKED;
        if ok {
            match self.packs_key.then(|| {
                packed_key(
                    self.key_positions
                        .iter()
                        .map(|&p| fields.field(p).unwrap_or("")),
                )
            }) {
                Some(Some(k)) => packed = k,
                _ => ok = self.check_key(line, fields, errors),
            }
        }
        if ok {
            if let Err(i) = self.columns.push_row(&out) {
                // The checks above give every column its type; this would be a bug.
                ok = false;
                errors.push(self.error(
                    line,
                    "",
                    String::new(),
                    format!(
                        "intern fejl: værdi nr. {} i rækken har ikke kolonnens type",
                        i + 1
                    ),
                ));
            }
        }
        self.row = out;
        if ok {
            let mut head = *b"??????";
            if let Some(cpr) = self.cpr_position.and_then(|p| fields.field(p)) {
                for (h, b) in head.iter_mut().zip(cpr.trim().bytes()) {
                    *h = b;
                }
            }
            self.lines.push(line);
            self.cpr_heads.push(head);
            // Every extract names its citizen by CPR; 0 is no citizen's key.
            self.person_keys.push(person.map_or(0, |(key, _)| key));
            if self.packs_key {
                self.packed_keys.push(packed);
            }
        } else {
            self.bad_lines += 1;
        }
    }

    /// No date of a row lies before the birth of the citizen the row names (the
    /// birth date is in the CPR): a status five years before birth is an export
    /// error, and would be a feature value from before the person existed.
    fn check_not_before_birth<F: Fields>(
        &self,
        line: u64,
        fields: &F,
        birth: Option<NaiveDate>,
        values: &[Value],
        errors: &mut Vec<RowError>,
    ) -> bool {
        let Some(birth) = birth.filter(|_| !self.date_slots.is_empty()) else {
            return true;
        };
        // The parsed values hold each date as days since 1970: compared as such.
        let days = |d: NaiveDate| match date_value(d) {
            Value::Date32(x) => x,
            _ => i32::MIN,
        };
        let (birth_day, birth_month) = (days(birth), days(birth.with_day(1).unwrap_or(birth)));
        let mut ok = true;
        for &(col, slot, is_month) in &self.date_slots {
            let Some(Value::Date32(d)) = values.get(slot) else {
                continue;
            };
            // A month counts from the first of the month of birth.
            if *d < if is_month { birth_month } else { birth_day } {
                ok = false;
                let column = &self.extract.columns[col];
                let raw = fields.field(self.positions[col]).unwrap_or("");
                errors.push(self.error(
                    line,
                    column.name,
                    raw.trim().to_string(),
                    format!(
                        "datoen ligger før borgerens fødselsdato ({}, fra CPR-nummeret)",
                        birth.format(extracts::DATE_FORMAT)
                    ),
                ));
            }
        }
        ok
    }

    /// A key delivered twice in one file: the first row counts, the repeat is refused.
    fn check_key<F: Fields>(&mut self, line: u64, fields: &F, errors: &mut Vec<RowError>) -> bool {
        let Some(first) = self.first_line_of_text_key(line, fields) else {
            return true;
        };
        let value = self
            .key_positions
            .iter()
            .map(|&p| self.masked_if_cpr(fields.field(p).unwrap_or("").trim()))
            .collect::<Vec<_>>()
            .join("+");
        errors.push(self.error(
            line,
            &self.extract.key.join("+"),
            value,
            format!("samme nøgle som linje {first}"),
        ));
        false
    }

    /// The line where the row's key (as text) was first seen, if it was.
    fn first_line_of_text_key<F: Fields>(&mut self, line: u64, fields: &F) -> Option<u64> {
        self.key_buf.clear();
        for (i, &p) in self.key_positions.iter().enumerate() {
            if i > 0 {
                self.key_buf.push('\u{1f}');
            }
            self.key_buf.push_str(fields.field(p).unwrap_or("").trim());
        }
        let seen = match InlineKey::new(&self.key_buf) {
            Some(k) => match self.first_line_of_key.entry(k) {
                std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(line);
                    None
                }
            },
            None => match self.first_line_of_long_key.get(&self.key_buf) {
                Some(&first) => Some(first),
                None => {
                    self.first_line_of_long_key
                        .insert(self.key_buf.clone(), line);
                    None
                }
            },
        };
        seen
    }

    fn masked_if_cpr(&self, v: &str) -> String {
        scrub_cpr(v)
    }

    /// The file checked, with its checksum. Rows whose packed key repeats an
    /// earlier row's are refused here, the first row counting, as the maps do
    /// for the other keys while reading.
    pub(super) fn finish(
        self,
        checksum: String,
        file_name: String,
        errors: &mut Vec<RowError>,
    ) -> Result<ParsedFile, IngestError> {
        let repeats = if self.packs_key {
            self.packed_key_repeats()
        } else {
            Vec::new()
        };
        let key_columns = self.extract.key.join("+");
        let mut parsed = ParsedFile {
            extract: self.extract,
            checksum,
            file: self.file,
            file_name,
            columns: self.columns.finish(),
            lines: self.lines,
            cpr_heads: self.cpr_heads,
            bad_lines: self.bad_lines,
            person_keys: self.person_keys,
        };
        parsed
            .remove(errors, &key_columns, repeats)
            .map_err(|reason| {
                IngestError::File(RowError {
                    file: parsed.file.clone(),
                    line: 0,
                    column: String::new(),
                    value: String::new(),
                    reason: format!("intern fejl: {reason}"),
                })
            })?;
        Ok(parsed)
    }

    /// The rows (in order) whose packed key an earlier row has, each with its
    /// key as the error names it (CPR masked) and the earlier row's line.
    fn packed_key_repeats(&self) -> Vec<super::Refused> {
        let mut sorted: Vec<u64> = self
            .packed_keys
            .iter()
            .copied()
            .filter(|&k| k != NOT_PACKED)
            .collect();
        sorted.sort_unstable();
        let repeated: FastSet<u64> = sorted
            .windows(2)
            .filter(|w| w[0] == w[1])
            .map(|w| w[0])
            .collect();
        if repeated.is_empty() {
            return Vec::new();
        }
        let key_types: Vec<ColumnType> = self
            .extract
            .key
            .iter()
            .filter_map(|k| {
                self.extract
                    .columns
                    .iter()
                    .find(|c| c.name == *k)
                    .map(|c| c.ty)
            })
            .collect();
        let mut first_line: FastMap<u64, u64> = FastMap::default();
        let mut out = Vec::new();
        for (row, &k) in self.packed_keys.iter().enumerate() {
            if !repeated.contains(&k) {
                continue;
            }
            match first_line.entry(k) {
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(self.lines[row]);
                }
                std::collections::hash_map::Entry::Occupied(e) => {
                    let value = key_types
                        .iter()
                        .map(|t| match t {
                            ColumnType::Cpr => {
                                format!("{}-****", String::from_utf8_lossy(&self.cpr_heads[row]))
                            }
                            _ => packed_day(k)
                                .map(|d| d.format(extracts::DATE_FORMAT).to_string())
                                .unwrap_or_default(),
                        })
                        .collect::<Vec<_>>()
                        .join("+");
                    out.push((
                        row,
                        Some(value),
                        format!("samme nøgle som linje {}", e.get()),
                    ));
                }
            }
        }
        out
    }
}

/// The packed key of a row whose key went to the text maps instead.
const NOT_PACKED: u64 = u64::MAX;

/// The date of a packed key (see [`packed_key`]).
fn packed_day(k: u64) -> Option<NaiveDate> {
    let day = i32::try_from(k & ((1 << 22) - 1)).ok()? - 366;
    NaiveDate::from_num_days_from_ce_opt(day)
}

/// Whether a key of these column types fits [`packed_key`]: one CPR, at most one date.
fn packable(types: &[ColumnType]) -> bool {
    let cprs = types.iter().filter(|t| **t == ColumnType::Cpr).count();
    let dates = types
        .iter()
        .filter(|t| matches!(t, ColumnType::Date | ColumnType::Month))
        .count();
    cprs == 1 && dates <= 1 && cprs + dates == types.len()
}

/// A key of one CPR and at most one date (citizens, CVs, status: the keys of
/// nearly every row of a national load) as one exact number: the CPR's ten
/// digits (below 2^34) above the date's day number (below 2^22), so the key
/// map holds 16 bytes per row instead of the key's text. The same CPR written
/// with or without its dash, and the same date in either accepted format, give
/// the same key. `None` when a field does not read as a CPR or a date (the
/// value checks refuse such a row before its key is looked at).
fn packed_key<'f>(fields: impl Iterator<Item = &'f str>) -> Option<u64> {
    let (mut cpr, mut day) = (None, 0u64);
    for field in fields {
        let v = field.trim();
        if let Some(d) = parse_date(v) {
            // Day numbers from year 0 to 9999, shifted to be positive: below 2^22.
            day = u64::try_from(i64::from(d.num_days_from_ce()) + 366).ok()?;
        } else {
            let (mut n, mut count) = (0u64, 0);
            for b in v.bytes().filter(|b| *b != b'-') {
                if !b.is_ascii_digit() || count == 10 {
                    return None;
                }
                n = n * 10 + u64::from(b - b'0');
                count += 1;
            }
            if count != 10 {
                return None;
            }
            cpr = Some(n);
        }
    }
    Some((cpr? << 22) | day)
}

/// A key of up to 39 bytes stored inline, its length in the last byte.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct InlineKey([u8; 40]);

impl InlineKey {
    fn new(key: &str) -> Option<InlineKey> {
        let b = key.as_bytes();
        (b.len() < 40).then(|| {
            let mut k = [0u8; 40];
            k[..b.len()].copy_from_slice(b);
            k[39] = b.len() as u8;
            InlineKey(k)
        })
    }
}

/// Masks every CPR-shaped run in a value (six digits, an optional dash, four
/// digits, not inside a longer number) as `DDMMÅÅ-****`, valid number or not, so
/// no message can carry one, whatever column it was delivered in.
pub(super) fn scrub_cpr(v: &str) -> String {
    let b = v.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.end <= b.len() && b[r].iter().all(u8::is_ascii_digit);
    let mut out = String::with_capacity(v.len());
    let mut i = 0;
    let mut last = 0;
    while i < b.len() {
        let starts = (i == 0 || !b[i - 1].is_ascii_digit()) && digits(i..i + 6);
        let tail = if starts && i + 6 < b.len() && b[i + 6] == b'-' {
            i + 7
        } else {
            i + 6
        };
        let ends = |e: usize| e == b.len() || !b[e].is_ascii_digit();
        if starts && digits(tail..tail + 4) && ends(tail + 4) {
            out.push_str(&v[last..i + 6]);
            out.push_str("-****");
            i = tail + 4;
            last = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&v[last..]);
    out
}

/// The most characters of a value a message shows; the rest is cut (`…`).
const SHOWN_CHARS: usize = 50;

/// A delivered value as a message may show it: CPR-shaped runs masked, cut to
/// [`SHOWN_CHARS`], and control characters written as `\u{..}` so a value
/// cannot forge lines in a log. Messages show only the value of the column they
/// name, never other content of the file.
pub(super) fn shown(v: &str) -> String {
    let scrubbed = scrub_cpr(v);
    let mut out = String::new();
    for (i, c) in scrubbed.chars().enumerate() {
        if i == SHOWN_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() || invisible(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// A header cell as a message may show it: only when it reads like a column
/// name (short, letters, digits, `_` and spaces). Anything else is file content
/// that is not a column's value (a key file or `/etc/passwd` delivered as
/// `status.csv`), and is not repeated.
pub(super) fn shown_header(h: &str) -> String {
    let h = h.trim().trim_start_matches('\u{feff}');
    let name_like = !h.is_empty()
        && h.chars().count() <= 30
        && h.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == ' ' || c == '-');
    if name_like && scrub_cpr(h) == h {
        h.to_string()
    } else {
        "(vises ikke: ligner ikke et kolonnenavn)".to_string()
    }
}

/// Characters that do not show, or show as something else, in a name: control
/// and format characters (zero-width space, joiners, direction marks, a BOM
/// inside a file, soft hyphen), separators other than the plain space (no-break
/// space, line separator), private use, unassigned code points and the
/// replacement character that marks a decoding error. "Mid\u{200b}tby" looks like
/// "Midtby" on every page and would be a district of its own.
pub(super) fn invisible(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_control();
    }
    c == '\u{fffd}'
        || matches!(
            c.general_category(),
            GeneralCategory::Control
                | GeneralCategory::Format
                | GeneralCategory::SpaceSeparator
                | GeneralCategory::LineSeparator
                | GeneralCategory::ParagraphSeparator
                | GeneralCategory::PrivateUse
                | GeneralCategory::Surrogate
                | GeneralCategory::Unassigned
        )
}

/// Matches the header to the contract. A renamed column shows up as one unknown
/// and one missing name; the message then names both.
fn column_positions(
    extract: &Extract,
    header: &[String],
    file: &str,
) -> Result<Vec<usize>, IngestError> {
    let known = |h: &str| extract.columns.iter().any(|c| c.name == h.trim());
    let unknown: Vec<(usize, &String)> = header
        .iter()
        .enumerate()
        .filter(|(_, h)| !known(h))
        .collect();
    let missing: Vec<&str> = extract
        .columns
        .iter()
        .map(|c| c.name)
        .filter(|name| !header.iter().any(|h| h.trim() == *name))
        .collect();
    let header_error = |column: &str, value: &str, reason: String| {
        IngestError::File(RowError {
            file: file.to_string(),
            line: 1,
            column: shown_header(column),
            value: if value.is_empty() {
                String::new()
            } else {
                shown_header(value)
            },
            reason,
        })
    };
    if let ([(_, found)], [expected]) = (unknown.as_slice(), missing.as_slice()) {
        return Err(header_error(
            expected,
            found,
            format!(
                "kolonnen '{expected}' mangler, og overskriften har i stedet '{}' (omdøbt kolonne?)",
                shown_header(found)
            ),
        ));
    }
    if let Some((_, found)) = unknown.first() {
        return Err(header_error(
            found,
            found,
            format!(
                "ukendt kolonne i overskriften (kontrakten har: {})",
                extract.header().join(", ")
            ),
        ));
    }
    if let Some(expected) = missing.first() {
        return Err(header_error(
            expected,
            "",
            "kolonnen mangler i overskriften".into(),
        ));
    }
    for (i, h) in header.iter().enumerate() {
        if header[..i].iter().any(|g| g.trim() == h.trim()) {
            return Err(header_error(
                h,
                h,
                "kolonnen står to gange i overskriften".into(),
            ));
        }
    }
    Ok(extract
        .columns
        .iter()
        .map(|c| header.iter().position(|h| h.trim() == c.name).unwrap_or(0))
        .collect())
}

pub(super) struct CellContext<'a> {
    pub(super) extract: &'a Extract,
    pub(super) column: &'a str,
    pub(super) month_end: NaiveDate,
    /// The column's plausible range, for numbers (`extracts::Column::range`).
    pub(super) range: Option<(f64, f64)>,
}

/// Whole years from `birth` to `date`.
fn whole_years(birth: NaiveDate, date: NaiveDate) -> i32 {
    let before_birthday = (date.month(), date.day()) < (birth.month(), birth.day());
    date.year() - birth.year() - i32::from(before_birthday)
}

/// A date as the contract writes it (`dd-mm-åååå`) or in ISO form (`åååå-mm-dd`).
pub(super) fn parse_date(raw: &str) -> Option<NaiveDate> {
    let v = raw.trim().as_bytes();
    if v.len() != 10 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        v[r].iter().try_fold(0u32, |n, b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    };
    let (y, m, d) = if v[2] == b'-' && v[5] == b'-' {
        (num(6..10)?, num(3..5)?, num(0..2)?)
    } else if v[4] == b'-' && v[7] == b'-' {
        (num(0..4)?, num(5..7)?, num(8..10)?)
    } else {
        return None;
    };
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

/// Text values a spreadsheet would run as a formula when the cell is opened
/// (OWASP's list). No text column of the contract (ids, districts, teams) can
/// start with one, so such a value is refused rather than stored.
const FORMULA_STARTS: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// A number within the column's plausible range, if it has one.
fn in_range(x: f64, range: Option<(f64, f64)>) -> Result<(), String> {
    match range {
        Some((min, max)) if !(min..=max).contains(&x) => Err(format!(
            "værdien ligger uden for det mulige interval {} til {}",
            decimal_comma(min),
            decimal_comma(max)
        )),
        _ => Ok(()),
    }
}

fn decimal_comma(x: f64) -> String {
    x.to_string().replace('.', ",")
}

/// A text value as it is stored: in Unicode's composed form (NFC), so "Åby"
/// typed with a combining ring (NFD, as macOS writes file names) is the same
/// district as "Åby"; refused if too long or if it holds a character that does
/// not show (see [`invisible`]).
fn clean_text(v: &str) -> Result<String, String> {
    if let Some(c) = v.chars().find(|&c| invisible(c)) {
        return Err(format!(
            "værdien indeholder et usynligt tegn eller kontroltegn ({}), så den ville ligne en anden værdi",
            c.escape_unicode()
        ));
    }
    let text: String = if v.is_ascii() {
        v.to_string()
    } else {
        v.nfc().collect()
    };
    if text.chars().count() > extracts::MAX_TEXT_CHARS {
        return Err(format!(
            "værdien er længere end {} tegn",
            extracts::MAX_TEXT_CHARS
        ));
    }
    Ok(text)
}

/// Parses one value and pushes its database value(s); a CPR's pseudonym also
/// goes to `person` as a number, with the birth date. Returns the reason in Danish when the value is
/// refused.
pub(super) fn parse_value(
    raw: &str,
    ty: ColumnType,
    nullable: bool,
    ctx: &CellContext<'_>,
    pseudo: &Pseudonymiser,
    out: &mut Vec<Value>,
    person: &mut Option<(u128, NaiveDate)>,
) -> Result<(), String> {
    let v = raw.trim();
    if v.is_empty() {
        if nullable {
            out.push(Value::Null);
            return Ok(());
        }
        return Err("værdien mangler".into());
    }
    match ty {
        ColumnType::Cpr => {
            let cpr = Cpr::parse(v).map_err(|e| e.to_string())?;
            if cpr.birth_date() > ctx.month_end {
                return Err(format!(
                    "fødselsdatoen i CPR-nummeret ({}) ligger efter leveringsmånedens slutning",
                    cpr.birth_date().format(extracts::DATE_FORMAT)
                ));
            }
            // A wrong century digit gives a valid date a century off (0-3 for a
            // 2000s birth year reads as the 1900s): nobody a job centre serves is
            // that old, so it is refused rather than aged 119 silently.
            let age = whole_years(cpr.birth_date(), ctx.month_end);
            if age > extracts::MAX_AGE_YEARS {
                return Err(format!(
                    "CPR-nummeret giver fødselsdatoen {} og en alder på {age} år ved leveringsmånedens slutning (højst {}); tjek 7. ciffer, som angiver århundredet",
                    cpr.birth_date().format(extracts::DATE_FORMAT),
                    extracts::MAX_AGE_YEARS
                ));
            }
            let key = pseudo.key(&cpr);
            *person = Some((key, cpr.birth_date()));
            out.push(Value::Text(pseudonym_text(key)));
            // Birth date and sex are derived here because the CPR is dropped now.
            if ctx.extract.id == extracts::CITIZENS.id {
                out.push(date_value(cpr.birth_date()));
                out.push(Value::Text(cpr.sex().code().into()));
            }
        }
        ColumnType::Text => {
            if v.starts_with(FORMULA_STARTS) {
                return Err("værdien begynder med et formeltegn (=, +, -, @) og kunne udføres som formel i et regneark".into());
            }
            out.push(Value::Text(clean_text(v)?))
        }
        ColumnType::Integer => {
            // Digits only (an optional minus): Rust's parser also takes "+5".
            let digits = v.strip_prefix('-').unwrap_or(v);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err("ikke et helt tal".into());
            }
            let x: i32 = v.parse().map_err(|_| "tallet er for stort".to_string())?;
            in_range(f64::from(x), ctx.range)?;
            out.push(Value::Int(x))
        }
        ColumnType::Decimal => {
            // The contract has a decimal comma and no thousands separator, so a
            // point is refused rather than guessed at ("2.5" must not become 25).
            if v.contains('.') {
                return Err(
                    "decimaltal skrives med komma og uden tusindtalsseparator (fx 3,5)".into(),
                );
            }
            // Digits, an optional minus and one decimal comma, nothing else: Rust's
            // parser also takes "NaN", "inf" and "1e3", which would reach the model.
            let (whole, fraction) = v.split_once(',').unwrap_or((v, "0"));
            let whole = whole.strip_prefix('-').unwrap_or(whole);
            let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            if !digits(whole) || !digits(fraction) {
                return Err("ikke et decimaltal (kun cifre og ét decimalkomma, fx 3,5)".into());
            }
            let x: f64 = v
                .replace(',', ".")
                .parse()
                .map_err(|_| "ikke et decimaltal".to_string())?;
            if !x.is_finite() {
                return Err("ikke et endeligt tal".into());
            }
            in_range(x, ctx.range)?;
            out.push(Value::Double(x));
        }
        ColumnType::Date | ColumnType::Month => {
            let d = parse_date(v).ok_or_else(|| {
                "ikke en gyldig dato på formen dd-mm-åååå (eller åååå-mm-dd)".to_string()
            })?;
            if ty == ColumnType::Month && d.day() != 1 {
                return Err("en måned skrives som den 1. i måneden".into());
            }
            let (y, m, day) = extracts::EARLIEST_DATE;
            let earliest = NaiveDate::from_ymd_opt(y, m, day).expect("a valid date");
            if d < earliest {
                return Err(format!(
                    "datoen ligger før {}; ingen dato i udtrækkene er så gammel",
                    earliest.format(extracts::DATE_FORMAT)
                ));
            }
            // A programme's planned end lies in the future; every other date must not.
            let planned = ctx.extract.id == extracts::PROGRAMMES.id && ctx.column == "slutdato";
            if d > ctx.month_end && !planned {
                return Err(format!(
                    "datoen ligger efter leveringsmånedens slutning ({})",
                    ctx.month_end.format(extracts::DATE_FORMAT)
                ));
            }
            let latest_planned = ctx
                .month_end
                .checked_add_months(chrono::Months::new(12 * extracts::MAX_PLANNED_YEARS))
                .unwrap_or(ctx.month_end);
            if planned && d > latest_planned {
                return Err(format!(
                    "en planlagt slutdato ligger højst {} år efter leveringsmåneden ({})",
                    extracts::MAX_PLANNED_YEARS,
                    latest_planned.format(extracts::DATE_FORMAT)
                ));
            }
            out.push(date_value(d));
        }
        ColumnType::Code(codes) => {
            if !codes.contains(&v) {
                return Err(format!("ukendt kode (tilladte: {})", codes.join(", ")));
            }
            out.push(Value::Text(v.to_string()));
        }
        ColumnType::PostalCode => {
            if v.len() != 4 || !v.bytes().all(|b| b.is_ascii_digit()) {
                return Err("et postnummer har fire cifre".into());
            }
            out.push(Value::Text(v.to_string()));
        }
        ColumnType::Disco => {
            if !(4..=6).contains(&v.len()) || !v.bytes().all(|b| b.is_ascii_digit()) {
                return Err("en DISCO-08-kode har 4 til 6 cifre".into());
            }
            out.push(Value::Text(v.to_string()));
        }
        ColumnType::YesNo => match v {
            "ja" => out.push(Value::Boolean(true)),
            "nej" => out.push(Value::Boolean(false)),
            extracts::UNKNOWN => out.push(Value::Null),
            _ => return Err("skal være 'ja', 'nej' eller 'ukendt'".into()),
        },
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extracts::{CITIZENS, STATUS};

    fn check_rows(extract: &'static Extract, rows: &[&[&str]]) -> (ParsedFile, Vec<RowError>) {
        let pseudo = Pseudonymiser::new(vec![0x42; 32]).unwrap();
        let header: Vec<String> = extract.header().iter().map(|h| h.to_string()).collect();
        let month_end = NaiveDate::from_ymd_opt(2024, 3, 31).unwrap();
        let mut checker =
            FileChecker::new(extract, "f.csv".into(), &header, month_end, &pseudo, 0).unwrap();
        let mut errors = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            let fields: Vec<String> = row.iter().map(|f| f.to_string()).collect();
            checker.check(i as u64 + 2, &fields, &mut errors);
        }
        let parsed = checker
            .finish("c".into(), "f.csv".into(), &mut errors)
            .unwrap();
        (parsed, errors)
    }

    #[test]
    fn a_cpr_whose_century_digit_implies_an_age_of_119_is_refused() {
        // 7th digit 1 with year 05: born 1905, 119 years old in March 2024.
        let (parsed, errors) = check_rows(
            &STATUS,
            &[
                &["010105-1233", "01-03-2024", "ydelse"],
                &["010190-1233", "01-03-2024", "ydelse"],
            ],
        );
        assert_eq!(parsed.len(), 1);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].reason.contains("119 år") && errors[0].reason.contains("7. ciffer"),
            "{}",
            errors[0].reason
        );
    }

    #[test]
    fn ukendt_is_a_value_of_a_yes_no_column_and_of_the_outcome_status() {
        let (parsed, errors) = check_rows(
            &STATUS,
            &[
                &["010190-1233", "01-03-2024", "fraflyttet"],
                &["020190-1234", "01-03-2024", "doed"],
                &["030190-1235", "01-03-2024", "ukendt"],
            ],
        );
        assert_eq!((parsed.len(), errors.len()), (3, 0), "{errors:?}");
        let (parsed, errors) = check_rows(
            &crate::extracts::CVS,
            &[&[
                "010190-1233",
                "01-03-2024",
                "ukendt",
                "3,5",
                "0310",
                "ukendt",
            ]],
        );
        assert_eq!((parsed.len(), errors.len()), (1, 0), "{errors:?}");
    }

    #[test]
    fn the_same_cpr_and_month_written_two_ways_is_one_key_and_the_repeat_is_refused() {
        let (parsed, errors) = check_rows(
            &STATUS,
            &[
                &["010190-1233", "01-03-2024", "ydelse"],
                &["0202901234", "01-03-2024", "ydelse"],
                &["0101901233", "2024-03-01", "syg"],
                &["010190-1233", "01-02-2024", "syg"],
                &["010190-1233", "01-03-2024", "syg"],
            ],
        );
        assert_eq!(parsed.len(), 3);
        assert_eq!(parsed.lines, vec![2, 3, 5]);
        assert_eq!(parsed.bad_lines, 2);
        let repeats: Vec<(u64, &str, &str, &str)> = errors
            .iter()
            .map(|e| {
                (
                    e.line,
                    e.column.as_str(),
                    e.value.as_str(),
                    e.reason.as_str(),
                )
            })
            .collect();
        assert_eq!(
            repeats,
            vec![
                (
                    4,
                    "cpr+maaned",
                    "010190-****+01-03-2024",
                    "samme nøgle som linje 2"
                ),
                (
                    6,
                    "cpr+maaned",
                    "010190-****+01-03-2024",
                    "samme nøgle som linje 2"
                ),
            ]
        );
    }

    #[test]
    fn packed_keys_are_exact_and_only_for_a_cpr_with_at_most_one_date() {
        let k = |f: &[&str]| packed_key(f.iter().copied());
        assert_eq!(
            k(&["010190-1233", "01-03-2024"]),
            k(&["0101901233", "2024-03-01"])
        );
        assert_ne!(
            k(&["010190-1233", "01-03-2024"]),
            k(&["010190-1234", "01-03-2024"])
        );
        assert_ne!(
            k(&["010190-1233", "01-03-2024"]),
            k(&["010190-1233", "02-03-2024"])
        );
        let day = k(&["9999999999", "31-12-9999"]).unwrap();
        assert_eq!(packed_day(day), NaiveDate::from_ymd_opt(9999, 12, 31));
        assert_eq!(
            packed_day(k(&["0000000000", "01-01-0000"]).unwrap()),
            NaiveDate::from_ymd_opt(0, 1, 1)
        );
        assert_eq!(k(&["01019O-1233"]), None);
        assert!(packable(&[ColumnType::Cpr, ColumnType::Month]));
        assert!(packable(&[ColumnType::Cpr]));
        assert!(!packable(&[ColumnType::Text]));
        assert!(!packable(&[ColumnType::Cpr, ColumnType::Text]));
        // A citizen delivered twice: the key is the CPR alone.
        let (parsed, errors) = check_rows(
            &CITIZENS,
            &[
                &["010190-1233", "2100", "Østerhøj", "dansk"],
                &["0101901233", "2100", "Østerhøj", "dansk"],
            ],
        );
        assert_eq!(parsed.len(), 1);
        assert_eq!(errors[0].value, "010190-****");
        assert_eq!(errors[0].reason, "samme nøgle som linje 2");
    }
}
