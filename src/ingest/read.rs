//! Reading one extract file of a delivery: `<name>.csv` as Danish systems write it,
//! or `<name>.parquet`, into the one set of checks in `parse.rs`. Problems with the
//! file as a whole (encoding, header, a cut-off end, no rows at all) refuse the
//! delivery; problems with single rows are counted against the bad-row limit.

use std::path::Path;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use super::decode::{decode, line_and_field};
use super::parse::FileChecker;
use super::progress::Progress;
use super::{IngestError, ParsedFile, RowError};
use crate::extracts::{self, Extract};
use crate::pseudonym::Pseudonymiser;

/// How often (in rows) the progress display is told how far the reader is.
const PROGRESS_EVERY: usize = 1 << 15;

/// Reads and checks the extract's file in `dir`, CSV or Parquet.
pub(super) fn parse_file(
    dir: &Path,
    extract: &'static Extract,
    month_end: NaiveDate,
    pseudo: &Pseudonymiser,
    errors: &mut Vec<RowError>,
    progress: &dyn Progress,
) -> Result<ParsedFile, IngestError> {
    let csv = dir.join(extract.file);
    let parquet = dir.join(extract.parquet_file());
    match (csv.is_file(), parquet.is_file()) {
        (true, true) => Err(IngestError::File(RowError {
            file: parquet.display().to_string(),
            line: 0,
            column: String::new(),
            value: String::new(),
            reason: format!(
                "både {} og {} findes; levér udtrækket i ét format",
                extract.file,
                extract.parquet_file()
            ),
        })),
        (false, true) => {
            super::parquet::parse_parquet(&parquet, extract, month_end, pseudo, errors, progress)
        }
        _ => parse_csv(&csv, extract, month_end, pseudo, errors, progress),
    }
}

/// A whole-file error at `line` (the header is line 1).
fn file_error(
    file: &str,
    line: u64,
    column: &str,
    value: &str,
    reason: impl Into<String>,
) -> IngestError {
    IngestError::File(RowError {
        file: file.to_string(),
        line,
        column: column.to_string(),
        value: super::parse::scrub_cpr(value),
        reason: reason.into(),
    })
}

fn parse_csv(
    path: &Path,
    extract: &'static Extract,
    month_end: NaiveDate,
    pseudo: &Pseudonymiser,
    errors: &mut Vec<RowError>,
    progress: &dyn Progress,
) -> Result<ParsedFile, IngestError> {
    let bytes = std::fs::read(path).map_err(|source| IngestError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let file = path.display().to_string();
    let checksum = hex::encode(Sha256::digest(&bytes));
    let text = decode(&bytes).map_err(|e| {
        let (line, field) = line_and_field(&bytes, e.offset, extracts::DELIMITER);
        // The header names the column of a bad byte in a data line; a bad byte in
        // the header itself leaves the header unreadable.
        let header = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
        let column = if line > 1 {
            String::from_utf8_lossy(header)
                .trim_start_matches('\u{feff}')
                .split(extracts::DELIMITER as char)
                .nth(field)
                .map(|c| c.trim().to_string())
                .unwrap_or_default()
        } else {
            String::new()
        };
        file_error(&file, line, &column, &e.value, e.reason)
    })?;
    let body = text.trim_start_matches('\u{feff}');
    if body.trim().is_empty() {
        return Err(file_error(
            &file,
            1,
            "",
            "",
            "filen er tom; en fil uden rækker skal stadig have sin overskriftsrække",
        ));
    }
    if !body.ends_with('\n') {
        // The contract ends every row with a line break, the last one too: a file
        // that stops mid-line was cut off (a full disk, an interrupted copy).
        let line = 1 + body.matches('\n').count() as u64;
        let last = body.rsplit('\n').next().unwrap_or_default();
        let field = last.split(extracts::DELIMITER as char).count();
        let value = last
            .rsplit(extracts::DELIMITER as char)
            .next()
            .unwrap_or_default();
        let column = extract.columns.get(field - 1).map_or("", |c| c.name);
        return Err(file_error(
            &file,
            line,
            column,
            value,
            "filen slutter midt i en linje uden linjeskift: den er sandsynligvis afkortet, så hele filen afvises",
        ));
    }
    progress.start(&file, body.len() as u64);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(extracts::DELIMITER)
        .flexible(true)
        .from_reader(body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| {
            file_error(
                &file,
                1,
                "",
                "",
                format!("overskriften kan ikke læses: {e}"),
            )
        })?
        .iter()
        .map(str::to_string)
        .collect();
    // At most one row per line after the header (quoted line breaks make fewer).
    let lines = body.bytes().filter(|&b| b == b'\n').count();
    let mut checker = FileChecker::new(
        extract,
        file.clone(),
        &header,
        month_end,
        pseudo,
        lines.saturating_sub(1),
    )?;
    let mut record = csv::StringRecord::new();
    let mut n = 0usize;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() + 1);
                return Err(file_error(
                    &file,
                    line,
                    "",
                    "",
                    format!("linjen kan ikke læses som CSV: {e}"),
                ));
            }
        }
        // The csv crate's record position counts the header row's line as the
        // first record's; a person reading the file counts the header as line 1.
        let line = record.position().map_or(0, |p| p.line() + 1);
        checker.check(line, &record, errors);
        n += 1;
        if n.is_multiple_of(PROGRESS_EVERY) {
            progress.advance(record.position().map_or(0, |p| p.byte()));
        }
    }
    progress.finish();
    let name = extract.file.to_string();
    checker.finish(checksum, name, errors)
}
