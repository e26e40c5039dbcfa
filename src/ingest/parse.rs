//! Checking one extract file against the contract: the header, every value
//! against its column type, start before end, and keys delivered twice. The
//! readers (CSV in `read.rs`, Parquet in `parquet.rs`) hand over each row as text
//! fields, so both formats get exactly the same checks and the same errors.

use chrono::{Datelike, NaiveDate};
use duckdb::types::Value;

use super::columns::ColumnsBuilder;
use super::fxhash::FxHashMap;
use super::{IngestError, ParsedFile, RowError};
use crate::extracts::{self, ColumnType, Extract};
use crate::pseudonym::{mask, Cpr, Pseudonymiser};
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
    n_fields: usize,
    month_end: NaiveDate,
    pseudo: &'a Pseudonymiser,
    /// The line of each key seen so far: short keys (nearly all) inline, without
    /// an allocation per row; longer ones as text.
    first_line_of_key: FxHashMap<InlineKey, u64>,
    first_line_of_long_key: FxHashMap<String, u64>,
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
        Ok(FileChecker {
            extract,
            file,
            positions,
            key_positions,
            interval,
            cpr_position,
            n_fields: header.len(),
            month_end,
            pseudo,
            first_line_of_key: FxHashMap::default(),
            first_line_of_long_key: FxHashMap::default(),
            key_buf: String::new(),
            columns: ColumnsBuilder::new(extract),
            row: Vec::with_capacity(extract.columns.len() + 2),
            lines: Vec::new(),
            cpr_heads: Vec::new(),
            bad_lines: 0,
        })
    }

    fn error(&self, line: u64, column: &str, value: String, reason: String) -> RowError {
        RowError {
            file: self.file.clone(),
            line,
            column: column.to_string(),
            value: scrub_cpr(&value),
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
            let value = fields.field(last).unwrap_or("");
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
        let mut ok = true;
        for (col, &pos) in self.extract.columns.iter().zip(&self.positions) {
            let raw = fields.field(pos).unwrap_or("");
            let ctx = CellContext {
                extract: self.extract,
                column: col.name,
                month_end: self.month_end,
            };
            if let Err(reason) = parse_value(raw, col.ty, col.nullable, &ctx, self.pseudo, &mut out)
            {
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
            ok = self.check_key(line, fields, errors);
        }
        if ok {
            if let Err(i) = self.columns.push_row(&out) {
                // The checks above give every column its type; this would be a bug.
                ok = false;
                errors.push(self.error(
                    line,
                    "",
                    String::new(),
                    format!("intern fejl: værdi nr. {} i rækken har ikke kolonnens type", i + 1),
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
        } else {
            self.bad_lines += 1;
        }
    }

    /// A key delivered twice in one file: the first row counts, the repeat is refused.
    fn check_key<F: Fields>(&mut self, line: u64, fields: &F, errors: &mut Vec<RowError>) -> bool {
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
        let Some(first) = seen else {
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

    fn masked_if_cpr(&self, v: &str) -> String {
        scrub_cpr(v)
    }

    /// The file checked, with its checksum.
    pub(super) fn finish(self, checksum: String, file_name: String) -> ParsedFile {
        ParsedFile {
            extract: self.extract,
            checksum,
            file: self.file,
            file_name,
            columns: self.columns.finish(),
            lines: self.lines,
            cpr_heads: self.cpr_heads,
            bad_lines: self.bad_lines,
            person_keys: Vec::new(),
        }
    }
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
            column: column.to_string(),
            value: value.to_string(),
            reason,
        })
    };
    if let ([(_, found)], [expected]) = (unknown.as_slice(), missing.as_slice()) {
        return Err(header_error(
            expected,
            found,
            format!("kolonnen '{expected}' mangler, og overskriften har i stedet '{found}' (omdøbt kolonne?)"),
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

/// Parses one value and pushes its database value(s). Returns the reason in
/// Danish when the value is refused.
pub(super) fn parse_value(
    raw: &str,
    ty: ColumnType,
    nullable: bool,
    ctx: &CellContext<'_>,
    pseudo: &Pseudonymiser,
    out: &mut Vec<Value>,
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
            out.push(Value::Text(pseudo.pseudonym(&cpr)));
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
            out.push(Value::Text(v.to_string()))
        }
        ColumnType::Integer => out.push(Value::Int(
            v.parse().map_err(|_| "ikke et helt tal".to_string())?,
        )),
        ColumnType::Decimal => {
            // The contract has a decimal comma and no thousands separator, so a
            // point is refused rather than guessed at ("2.5" must not become 25).
            if v.contains('.') {
                return Err(
                    "decimaltal skrives med komma og uden tusindtalsseparator (fx 3,5)".into(),
                );
            }
            let x: f64 = v
                .replace(',', ".")
                .parse()
                .map_err(|_| "ikke et decimaltal".to_string())?;
            out.push(Value::Double(x));
        }
        ColumnType::Date | ColumnType::Month => {
            let d = parse_date(v).ok_or_else(|| {
                "ikke en gyldig dato på formen dd-mm-åååå (eller åååå-mm-dd)".to_string()
            })?;
            if ty == ColumnType::Month && d.day() != 1 {
                return Err("en måned skrives som den 1. i måneden".into());
            }
            // A programme's planned end lies in the future; every other date must not.
            let planned = ctx.extract.id == extracts::PROGRAMMES.id && ctx.column == "slutdato";
            if d > ctx.month_end && !planned {
                return Err(format!(
                    "datoen ligger efter leveringsmånedens slutning ({})",
                    ctx.month_end.format(extracts::DATE_FORMAT)
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
            _ => return Err("skal være 'ja' eller 'nej'".into()),
        },
    }
    Ok(())
}
