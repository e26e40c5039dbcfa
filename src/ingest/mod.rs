//! Loading one monthly delivery into the raw tables: read each file of the
//! extract contract, check every value against its column type, pseudonymise the
//! CPR, and append the whole batch in one transaction, or nothing.

mod parse;
#[cfg(test)]
mod tests;

use parse::parse_file;

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use duckdb::types::Value;
use sha2::{Digest, Sha256};

use crate::extracts::{self, Extract};
use crate::pseudonym::Pseudonymiser;
use crate::store::Store;

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
    #[error("leveringen {dir} blev afvist: {bad_rows} af {total_rows} rækker er fejlbehæftede (over grænsen), {count} fejl, fx:\n{}", .errors.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    Rows {
        dir: PathBuf,
        count: usize,
        bad_rows: usize,
        total_rows: usize,
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
    /// Rows loaded per extract id, in contract order.
    pub rows: Vec<(&'static str, usize)>,
    /// Rows set aside in `raw_quarantine`, with the reason (CPR masked).
    pub quarantined: Vec<RowError>,
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
    file: String,
    rows: Vec<Vec<Value>>,
    /// The file line of each row in `rows`.
    lines: Vec<u64>,
    /// Rows refused while reading.
    bad_lines: usize,
}

impl ParsedFile {
    /// Removes the rows for which `keep` is false, quarantining each with `reason`.
    fn retain(
        &mut self,
        errors: &mut Vec<RowError>,
        column: &str,
        mut keep: impl FnMut(&[Value]) -> Option<String>,
    ) {
        let mut rows = Vec::with_capacity(self.rows.len());
        let mut lines = Vec::with_capacity(self.lines.len());
        for (row, line) in std::mem::take(&mut self.rows)
            .into_iter()
            .zip(std::mem::take(&mut self.lines))
        {
            match keep(&row) {
                None => {
                    rows.push(row);
                    lines.push(line);
                }
                Some(reason) => {
                    self.bad_lines += 1;
                    errors.push(RowError {
                        file: self.file.clone(),
                        line,
                        column: column.into(),
                        value: String::new(),
                        reason,
                    });
                }
            }
        }
        self.rows = rows;
        self.lines = lines;
    }
}

/// Which value of a raw row holds the person and the spell it refers to, per extract.
fn reference_positions(extract_id: &str) -> (Option<usize>, Option<usize>) {
    match extract_id {
        "spells" => (Some(1), None),
        "interviews" | "programmes" => (Some(2), Some(1)),
        "cvs" | "status" => (Some(0), None),
        _ => (None, None),
    }
}

fn text_of(v: &Value) -> &str {
    match v {
        Value::Text(s) => s,
        _ => "",
    }
}

/// Quarantines rows that refer to a citizen or spell neither in this batch nor
/// in any earlier one (interview -> spell -> citizen).
fn check_references(
    conn: &duckdb::Connection,
    parsed: &mut [ParsedFile],
    errors: &mut Vec<RowError>,
) -> Result<(), duckdb::Error> {
    let known = |sql: &str| -> Result<std::collections::HashSet<String>, duckdb::Error> {
        conn.prepare(sql)?
            .query_map([], |r| r.get::<_, String>(0))?
            .collect()
    };
    let mut persons = known("select distinct person_id from raw_citizens")?;
    let mut spells = known("select distinct spell_id from raw_spells")?;
    for p in parsed.iter() {
        match p.extract.id {
            "citizens" => persons.extend(p.rows.iter().map(|r| text_of(&r[0]).to_string())),
            "spells" => spells.extend(p.rows.iter().map(|r| text_of(&r[0]).to_string())),
            _ => {}
        }
    }
    for p in parsed.iter_mut() {
        let (person, spell) = reference_positions(p.extract.id);
        if let Some(i) = person {
            p.retain(errors, "cpr", |r| {
                (!persons.contains(text_of(&r[i]))).then(|| {
                    "borgeren findes ikke i borgere.csv i denne eller en tidligere levering".into()
                })
            });
        }
        if let Some(i) = spell {
            p.retain(errors, "forloeb_id", |r| {
                (!spells.contains(text_of(&r[i])))
                    .then(|| format!("forløbet '{}' findes ikke i ydelsesforloeb.csv i denne eller en tidligere levering", text_of(&r[i])))
            });
        }
    }
    Ok(())
}

/// Loads one delivery folder. Every file is read and checked before anything is
/// written; the write is one transaction.
pub fn load_batch(
    store: &Store,
    dir: &Path,
    pseudo: &Pseudonymiser,
    max_bad_share: f64,
) -> Result<LoadReport, IngestError> {
    read_and_load(store, dir, pseudo, max_bad_share, false)
}

/// Reads and checks a delivery exactly as [`load_batch`] does, and reports what
/// would be loaded and quarantined, without writing anything.
pub fn dry_run(
    store: &Store,
    dir: &Path,
    pseudo: &Pseudonymiser,
    max_bad_share: f64,
) -> Result<LoadReport, IngestError> {
    read_and_load(store, dir, pseudo, max_bad_share, true)
}

fn read_and_load(
    store: &Store,
    dir: &Path,
    pseudo: &Pseudonymiser,
    max_bad_share: f64,
    dry_run: bool,
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
            quarantined: Vec::new(),
        });
    }
    check_references(&conn, &mut parsed, &mut errors).map_err(db)?;
    let bad: usize = parsed.iter().map(|p| p.bad_lines).sum();
    let good: usize = parsed.iter().map(|p| p.rows.len()).sum();
    let share = bad as f64 / (bad + good).max(1) as f64;
    if share > max_bad_share || good == 0 {
        let count = errors.len();
        errors.truncate(MAX_REPORTED_ERRORS);
        return Err(IngestError::Rows {
            dir: dir.to_path_buf(),
            count,
            bad_rows: bad,
            total_rows: bad + good,
            errors,
        });
    }
    let rows: Vec<(&'static str, usize)> = parsed
        .iter()
        .map(|p| (p.extract.id, p.rows.len()))
        .collect();
    if dry_run {
        return Ok(LoadReport {
            batch_id,
            month,
            already_loaded: false,
            rows,
            quarantined: errors,
        });
    }
    conn.execute_batch("begin transaction").map_err(db)?;
    let result = append_all(&conn, &batch_id, &parsed).and_then(|total| {
        let mut q = conn.appender("raw_quarantine")?;
        for e in &errors {
            q.append_row(duckdb::params![batch_id, e.file, e.line as i64, e.column, e.value, e.reason])?;
        }
        q.flush()?;
        Ok(total)
    }).and_then(|total| {
        let checksums: serde_json::Map<String, serde_json::Value> = parsed
            .iter()
            .map(|p| (p.extract.file.to_string(), p.checksum.clone().into()))
            .collect();
        conn.execute(
            "insert into load_batches (batch_id, batch_month, source_dir, file_checksums, rows_loaded, loaded_at,
                 duration_ms, rows_quarantined) values (?, ?::date, ?, ?, ?, now(), ?, ?)",
            duckdb::params![
                batch_id,
                month.to_string(),
                dir.display().to_string(),
                serde_json::Value::Object(checksums).to_string(),
                total as i64,
                started.elapsed().as_millis() as i64,
                bad as i64
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
        quarantined: errors,
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

/// The last day of the month of `d`.
pub fn last_day(d: NaiveDate) -> NaiveDate {
    let first = d.with_day(1).expect("day 1 exists");
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .expect("date in range");
    next.pred_opt().expect("date in range")
}
