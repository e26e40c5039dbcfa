//! Reading one extract file of a delivery: `<name>.csv` as Danish systems write it,
//! or `<name>.parquet`, into the one set of checks in `parse.rs`. Problems with the
//! file as a whole (encoding, header, a cut-off end, no rows at all) refuse the
//! delivery; problems with single rows are counted against the bad-row limit.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use chrono::NaiveDate;

use super::decode::{self, Encoding, Windows1252};
use super::open::{open_regular, present, unchanged_since};
use super::parse::{shown, FileChecker};
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
    match (present(&csv)?, present(&parquet)?) {
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
        value: shown(value),
        reason: reason.into(),
    })
}

/// The contract's name of field `i` of `header`, or nothing when the header
/// has no contract column there: a message names columns, never other text.
fn column_name(extract: &Extract, header: &[String], i: usize) -> String {
    header
        .get(i)
        .map(|h| h.trim().trim_start_matches('\u{feff}'))
        .filter(|h| extract.columns.iter().any(|c| c.name == *h))
        .unwrap_or_default()
        .to_string()
}

/// The header's fields, from the first line's bytes.
fn header_fields(bytes: &[u8], encoding: Encoding) -> Vec<String> {
    let text = match encoding {
        Encoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
        Encoding::Windows1252 => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    };
    text.trim_start_matches('\u{feff}')
        .split(extracts::DELIMITER as char)
        .map(str::to_string)
        .collect()
}

/// The first line of a file that the first pass refused, to name the column
/// of a bad byte (lines are short: at most [`extracts::MAX_LINE_BYTES`]).
fn first_line(mut file: &File) -> Vec<u8> {
    let mut buf = vec![0u8; extracts::MAX_LINE_BYTES + 3];
    let mut n = 0;
    if file.seek(SeekFrom::Start(0)).is_ok() {
        while n < buf.len() {
            match file.read(&mut buf[n..]) {
                Ok(0) | Err(_) => break,
                Ok(k) => n += k,
            }
        }
    }
    buf.truncate(n);
    let line = buf.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line).to_vec()
}

/// Two passes over the file, each a block at a time: the first
/// (`decode::scan`) checks it as a whole and finds its encoding, the second
/// parses and checks the rows. Neither holds the file in memory.
fn parse_csv(
    path: &Path,
    extract: &'static Extract,
    month_end: NaiveDate,
    pseudo: &Pseudonymiser,
    errors: &mut Vec<RowError>,
    progress: &dyn Progress,
) -> Result<ParsedFile, IngestError> {
    let file = path.display().to_string();
    let (f, before) = open_regular(path)?;
    let io = |source| IngestError::Read {
        path: path.to_path_buf(),
        source,
    };
    let scanned = match decode::scan(
        &mut (&f).take(before.len()),
        extracts::DELIMITER,
        extracts::MAX_LINE_BYTES,
    )
    .map_err(io)?
    {
        Ok(s) => s,
        Err(e) => {
            // A bad byte in a data line is named by its column; the header
            // itself may be what is unreadable.
            let column = match e.field {
                Some(field) if e.line > 1 => {
                    let header = header_fields(&first_line(&f), Encoding::Windows1252);
                    column_name(extract, &header, field)
                }
                _ => String::new(),
            };
            return Err(file_error(&file, e.line, &column, &e.value, e.reason));
        }
    };
    if !scanned.has_text {
        return Err(file_error(
            &file,
            1,
            "",
            "",
            "filen er tom; en fil uden rækker skal stadig have sin overskriftsrække",
        ));
    }
    if !scanned.last_line.is_empty() {
        let header = header_fields(&scanned.header, scanned.encoding);
        // The contract ends every row with a line break, the last one too: a file
        // that stops mid-line was cut off (a full disk, an interrupted copy).
        let last = header_fields(&scanned.last_line, scanned.encoding);
        let field = last.len().saturating_sub(1);
        return Err(file_error(
            &file,
            scanned.line_breaks + 1,
            &column_name(extract, &header, field),
            last.last().map_or("", String::as_str),
            "filen slutter midt i en linje uden linjeskift: den er sandsynligvis afkortet, så hele filen afvises",
        ));
    }
    let bom = if scanned.bom { 3 } else { 0 };
    let mut body = &f;
    body.seek(SeekFrom::Start(bom)).map_err(io)?;
    let body = body.take(scanned.size - bom);
    let text: Box<dyn Read + '_> = match scanned.encoding {
        Encoding::Utf8 => Box::new(body),
        Encoding::Windows1252 => Box::new(Windows1252::new(body)),
    };
    progress.start(&file, scanned.size);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(extracts::DELIMITER)
        .flexible(true)
        .buffer_capacity(1 << 20)
        .from_reader(text);
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
    if let Some(i) = header.iter().position(|h| h.contains(['\n', '\r'])) {
        return Err(line_break_in_field(&file, 1, String::new(), &header[i]));
    }
    // One row per line after the header: the first pass refused line breaks
    // anywhere but at the end of a line.
    let rows = usize::try_from(scanned.line_breaks.saturating_sub(1)).unwrap_or(0);
    let mut checker = FileChecker::new(extract, file.clone(), &header, month_end, pseudo, rows)?;
    let mut record = csv::StringRecord::new();
    let mut n = 0usize;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                if let csv::ErrorKind::Io(source) = e.kind() {
                    return Err(io(std::io::Error::new(source.kind(), source.to_string())));
                }
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
        if memchr::memchr2(b'\n', b'\r', record.as_slice().as_bytes()).is_some() {
            let i = record
                .iter()
                .position(|v| v.contains(['\n', '\r']))
                .unwrap_or(0);
            return Err(line_break_in_field(
                &file,
                line,
                column_name(extract, &header, i),
                record.get(i).unwrap_or_default(),
            ));
        }
        checker.check(line, &record, errors);
        n += 1;
        if n.is_multiple_of(PROGRESS_EVERY) {
            progress.advance(record.position().map_or(0, |p| p.byte()));
        }
    }
    progress.finish();
    unchanged_since(&f, &before, &file)?;
    let name = extract.file.to_string();
    checker.finish(scanned.checksum, name, errors)
}

/// A quoted field that runs over a line break: a `"` opened and never closed
/// swallows every following line into one value (with the CPR numbers in
/// them), so the whole file is refused. The value shown is the field up to its
/// first line break, masked.
fn line_break_in_field(file: &str, line: u64, column: String, value: &str) -> IngestError {
    let before_break = value.split(['\n', '\r']).next().unwrap_or_default();
    file_error(
        file,
        line,
        &column,
        before_break,
        "feltet fortsætter over et linjeskift: et citationstegn (\") er åbnet uden at blive lukket, eller værdien indeholder et linjeskift, som kontrakten ikke tillader; hele filen afvises, fordi rækkerne derefter ikke kan skilles ad",
    )
}
