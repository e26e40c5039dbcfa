//! Reading one extract file: decoding, the header against the contract, and
//! every value against its column type.

use std::path::Path;

use chrono::{Datelike, NaiveDate};
use duckdb::types::Value;
use sha2::{Digest, Sha256};

use super::{IngestError, ParsedFile, RowError};
use crate::extracts::{self, ColumnType, Extract};
use crate::pseudonym::{mask, Cpr, Pseudonymiser};
use crate::store::date_value;

pub(super) fn parse_file(
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
    let key_positions: Vec<usize> = extract
        .key
        .iter()
        .filter_map(|k| {
            extract
                .columns
                .iter()
                .position(|c| c.name == *k)
                .map(|i| positions[i])
        })
        .collect();
    let mut first_line_of_key: std::collections::HashMap<Vec<String>, u64> =
        std::collections::HashMap::new();
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    let mut bad_lines = 0usize;
    for record in reader.records() {
        let record = record.map_err(|e| IngestError::Csv {
            file: file.clone(),
            line: e.position().map(|p| p.line() + 1).unwrap_or(0),
            message: e.to_string(),
        })?;
        // The csv crate's record position counts the header row's line as the
        // first record's; a person reading the file counts the header as line 1.
        let line = record.position().map(|p| p.line() + 1).unwrap_or(0);
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
            // A key delivered twice in one file: the first row counts, the repeat is quarantined.
            let key: Vec<String> = key_positions
                .iter()
                .map(|&p| record.get(p).unwrap_or("").trim().to_string())
                .collect();
            if let Some(first) = first_line_of_key.get(&key) {
                ok = false;
                errors.push(RowError {
                    file: file.clone(),
                    line,
                    column: extract.key.join("+"),
                    value: key
                        .iter()
                        .map(|v| {
                            if Cpr::parse(v).is_ok() {
                                mask(v)
                            } else {
                                v.clone()
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("+"),
                    reason: format!("samme nøgle som linje {first}"),
                });
            } else {
                first_line_of_key.insert(key, line);
            }
        }
        if ok {
            rows.push(out);
            lines.push(line);
        } else {
            bad_lines += 1;
        }
    }
    Ok(ParsedFile {
        extract,
        checksum,
        file,
        rows,
        lines,
        bad_lines,
    })
}

/// Danish systems write UTF-8 with or without a BOM, or Windows-1252.
pub(super) fn decode(bytes: &[u8]) -> String {
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

pub(super) struct CellContext<'a> {
    pub(super) extract: &'a Extract,
    pub(super) column: &'a str,
    pub(super) month_end: NaiveDate,
}

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
