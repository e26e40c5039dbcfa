//! Loading one monthly delivery into the raw tables: read each file of the
//! extract contract, check every value against its column type, pseudonymise the
//! CPR, and append the whole batch in one transaction, or nothing.

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use duckdb::types::Value;
use sha2::{Digest, Sha256};

use crate::extracts::{self, ColumnType, Extract};
use crate::pseudonym::{mask, Cpr, Pseudonymiser};
use crate::store::{date_value, Store};

/// Most row errors reported for one batch; the count of the rest is given.
const MAX_REPORTED_ERRORS: usize = 25;

/// One bad value: where it is and why it is refused. CPRs are masked.
#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    pub file: String,
    pub line: u64,
    pub column: String,
    pub value: String,
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, linje {}, kolonne '{}', værdi '{}': {}",
            self.file, self.line, self.column, self.value, self.reason
        )
    }
}

/// Ingest errors. A batch with any of these is not loaded at all.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("mappen {0} er ikke en månedslevering (navnet skal være ÅÅÅÅ-MM)")]
    BadFolder(PathBuf),
    #[error("filen {path} kunne ikke læses: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{file}: kolonnen '{column}' mangler i overskriften")]
    MissingColumn { file: String, column: String },
    #[error("{file}: ukendt kolonne '{column}' i overskriften")]
    UnknownColumn { file: String, column: String },
    #[error("{file}, linje {line}: {message}")]
    Csv {
        file: String,
        line: u64,
        message: String,
    },
    #[error("leveringen {dir} blev afvist: {count} fejl, fx:\n{}", .errors.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    Rows {
        dir: PathBuf,
        count: usize,
        errors: Vec<RowError>,
    },
    #[error("databasefejl under indlæsning af {dir}: {source}")]
    Db { dir: PathBuf, source: duckdb::Error },
}

/// What a load did.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadReport {
    pub batch_id: String,
    pub month: NaiveDate,
    /// True when the same files were loaded before; nothing was loaded again.
    pub already_loaded: bool,
    /// Rows per extract id, in contract order.
    pub rows: Vec<(&'static str, usize)>,
}

impl LoadReport {
    pub fn total_rows(&self) -> usize {
        self.rows.iter().map(|(_, n)| n).sum()
    }
}

/// The month a delivery folder covers, from its name `YYYY-MM`.
pub fn folder_month(dir: &Path) -> Result<NaiveDate, IngestError> {
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    NaiveDate::parse_from_str(&format!("{name}-01"), "%Y-%m-%d")
        .map_err(|_| IngestError::BadFolder(dir.to_path_buf()))
}

/// Delivery folders under `root`, oldest first.
pub fn delivery_folders(root: &Path) -> Result<Vec<(NaiveDate, PathBuf)>, IngestError> {
    let entries = std::fs::read_dir(root).map_err(|source| IngestError::Read {
        path: root.to_path_buf(),
        source,
    })?;
    let mut out: Vec<(NaiveDate, PathBuf)> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .filter_map(|p| folder_month(&p).ok().map(|m| (m, p)))
        .collect();
    out.sort();
    Ok(out)
}

/// A file read and checked, ready to append.
struct ParsedFile {
    extract: &'static Extract,
    checksum: String,
    rows: Vec<Vec<Value>>,
}

/// Loads one delivery folder. Every file is read and checked before anything is
/// written; the write is one transaction.
pub fn load_batch(
    store: &Store,
    dir: &Path,
    pseudo: &Pseudonymiser,
) -> Result<LoadReport, IngestError> {
    let started = std::time::Instant::now();
    let month = folder_month(dir)?;
    let month_end = last_day(month);
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    for extract in extracts::ALL {
        parsed.push(parse_file(dir, extract, month_end, pseudo, &mut errors)?);
    }
    let batch_id = batch_id(&parsed);
    let rows: Vec<(&'static str, usize)> = parsed
        .iter()
        .map(|p| (p.extract.id, p.rows.len()))
        .collect();
    let conn = store.lock();
    let db = |source| IngestError::Db {
        dir: dir.to_path_buf(),
        source,
    };
    let seen: i64 = conn
        .query_row(
            "select count(*) from load_batches where batch_id = ?",
            [&batch_id],
            |r| r.get(0),
        )
        .map_err(db)?;
    if seen > 0 {
        return Ok(LoadReport {
            batch_id,
            month,
            already_loaded: true,
            rows,
        });
    }
    if !errors.is_empty() {
        let count = errors.len();
        errors.truncate(MAX_REPORTED_ERRORS);
        return Err(IngestError::Rows {
            dir: dir.to_path_buf(),
            count,
            errors,
        });
    }
    conn.execute_batch("begin transaction").map_err(db)?;
    let result = append_all(&conn, &batch_id, &parsed).and_then(|total| {
        let checksums: serde_json::Map<String, serde_json::Value> = parsed
            .iter()
            .map(|p| (p.extract.file.to_string(), p.checksum.clone().into()))
            .collect();
        conn.execute(
            "insert into load_batches values (?, ?::date, ?, ?, ?, now(), ?)",
            duckdb::params![
                batch_id,
                month.to_string(),
                dir.display().to_string(),
                serde_json::Value::Object(checksums).to_string(),
                total as i64,
                started.elapsed().as_millis() as i64
            ],
        )
    });
    match result {
        Ok(_) => conn.execute_batch("commit").map_err(db)?,
        Err(e) => {
            let _ = conn.execute_batch("rollback");
            return Err(db(e));
        }
    }
    Ok(LoadReport {
        batch_id,
        month,
        already_loaded: false,
        rows,
    })
}

fn append_all(
    conn: &duckdb::Connection,
    batch_id: &str,
    parsed: &[ParsedFile],
) -> Result<usize, duckdb::Error> {
    let mut total = 0;
    for p in parsed {
        let table = ["raw_", p.extract.id].concat();
        let mut app = conn.appender(&table)?;
        for row in &p.rows {
            let values =
                std::iter::once(Value::Text(batch_id.to_string())).chain(row.iter().cloned());
            app.append_row(duckdb::appender_params_from_iter(values))?;
        }
        app.flush()?;
        total += p.rows.len();
    }
    Ok(total)
}

/// A batch is identified by the checksums of its files.
fn batch_id(parsed: &[ParsedFile]) -> String {
    let mut h = Sha256::new();
    for p in parsed {
        h.update(p.extract.file.as_bytes());
        h.update(p.checksum.as_bytes());
    }
    hex::encode(&h.finalize()[..12])
}

fn parse_file(
    dir: &Path,
    extract: &'static Extract,
    month_end: NaiveDate,
    pseudo: &Pseudonymiser,
    errors: &mut Vec<RowError>,
) -> Result<ParsedFile, IngestError> {
    let path = dir.join(extract.file);
    let bytes = std::fs::read(&path).map_err(|source| IngestError::Read {
        path: path.clone(),
        source,
    })?;
    let checksum = hex::encode(Sha256::digest(&bytes));
    let text = decode(&bytes);
    let file = path.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(extracts::DELIMITER)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| IngestError::Csv {
            file: file.clone(),
            line: 1,
            message: e.to_string(),
        })?
        .clone();
    let positions = column_positions(extract, &header, &file)?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| IngestError::Csv {
            file: file.clone(),
            line: e.position().map(|p| p.line()).unwrap_or(0),
            message: e.to_string(),
        })?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let mut out = Vec::with_capacity(extract.columns.len() + 2);
        let mut ok = true;
        for (col, &pos) in extract.columns.iter().zip(&positions) {
            let raw = record.get(pos).unwrap_or("");
            let ctx = CellContext {
                extract,
                column: col.name,
                month_end,
            };
            match parse_value(raw, col.ty, col.nullable, &ctx, pseudo, &mut out) {
                Ok(()) => {}
                Err(reason) => {
                    ok = false;
                    let value = if col.ty == ColumnType::Cpr {
                        mask(raw)
                    } else {
                        raw.to_string()
                    };
                    errors.push(RowError {
                        file: file.clone(),
                        line,
                        column: col.name.to_string(),
                        value,
                        reason,
                    });
                }
            }
        }
        if ok {
            rows.push(out);
        }
    }
    Ok(ParsedFile {
        extract,
        checksum,
        rows,
    })
}

/// Danish systems write UTF-8 with or without a BOM, or Windows-1252.
fn decode(bytes: &[u8]) -> String {
    let without_bom = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(without_bom) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(without_bom)
            .0
            .into_owned(),
    }
}

fn column_positions(
    extract: &Extract,
    header: &csv::StringRecord,
    file: &str,
) -> Result<Vec<usize>, IngestError> {
    for h in header.iter() {
        if !extract.columns.iter().any(|c| c.name == h.trim()) {
            return Err(IngestError::UnknownColumn {
                file: file.to_string(),
                column: h.to_string(),
            });
        }
    }
    extract
        .columns
        .iter()
        .map(|c| {
            header
                .iter()
                .position(|h| h.trim() == c.name)
                .ok_or_else(|| IngestError::MissingColumn {
                    file: file.to_string(),
                    column: c.name.to_string(),
                })
        })
        .collect()
}

struct CellContext<'a> {
    extract: &'a Extract,
    column: &'a str,
    month_end: NaiveDate,
}

/// Parses one value and pushes its database value(s). Returns the reason in
/// Danish when the value is refused.
fn parse_value(
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
        ColumnType::Text => out.push(Value::Text(v.to_string())),
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
            let d = NaiveDate::parse_from_str(v, extracts::DATE_FORMAT)
                .map_err(|_| "ikke en dato på formen dd-mm-åååå".to_string())?;
            if ty == ColumnType::Month && d.day() != 1 {
                return Err("en måned skrives som den 1. i måneden".into());
            }
            // A programme's planned end lies in the future; every other date must not.
            let planned = ctx.extract.id == extracts::PROGRAMMES.id && ctx.column == "slutdato";
            if d > ctx.month_end && !planned {
                return Err(format!(
                    "datoen ligger efter leveringsmånedens slutning ({})",
                    ctx.month_end.format("%d-%m-%Y")
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

/// The last day of the month of `d`.
pub fn last_day(d: NaiveDate) -> NaiveDate {
    let first = d.with_day(1).expect("day 1 exists");
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .expect("date in range");
    next.pred_opt().expect("date in range")
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
