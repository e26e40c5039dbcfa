//! Reading `<extract>.parquet` with DuckDB's own Parquet reader (in a throwaway
//! in-memory database, so nothing of the file touches the store before it is
//! checked). Each value is written back as the text the CSV contract would hold
//! (`dd-mm-åååå`, decimal comma, `ja`/`nej`) and goes through the same checks as a
//! CSV row, so both formats give the same errors; a row's "line" is its row number.

use std::io::Read;
use std::os::fd::AsRawFd;
use std::path::Path;

use chrono::NaiveDate;
use duckdb::types::ValueRef;
use sha2::{Digest, Sha256};

use super::parse::FileChecker;
use super::progress::Progress;
use super::{IngestError, ParsedFile, RowError};
use crate::extracts::{self, Extract};
use crate::pseudonym::Pseudonymiser;
use crate::store::date_from_days;

pub(super) fn parse_parquet(
    path: &Path,
    extract: &'static Extract,
    month_end: NaiveDate,
    pseudo: &Pseudonymiser,
    errors: &mut Vec<RowError>,
    progress: &dyn Progress,
) -> Result<ParsedFile, IngestError> {
    let (f, before) = super::open::open_regular(path)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut (&f).take(before.len()), &mut hasher).map_err(|source| {
        IngestError::Read {
            path: path.to_path_buf(),
            source,
        }
    })?;
    let checksum = hex::encode(hasher.finalize());
    let file = path.display().to_string();
    // DuckDB opens the file descriptor already open here, not the path: a link
    // or another file swapped in at the path after the check is never read.
    let source = format!("/proc/self/fd/{}", f.as_raw_fd());
    let unreadable = |e: duckdb::Error| {
        IngestError::File(RowError {
            file: file.clone(),
            line: 0,
            column: String::new(),
            value: String::new(),
            reason: format!("Parquet-filen kan ikke læses: {e}"),
        })
    };
    let conn = duckdb::Connection::open_in_memory().map_err(unreadable)?;
    let total: i64 = conn
        .query_row(
            "select count(*) from read_parquet(?)",
            [source.as_str()],
            |r| r.get(0),
        )
        .map_err(unreadable)?;
    progress.start(&file, total.max(0) as u64);
    let mut stmt = conn
        .prepare("select * from read_parquet(?)")
        .map_err(unreadable)?;
    let mut rows = stmt.query([source.as_str()]).map_err(unreadable)?;
    let header: Vec<String> = rows.as_ref().map(|s| s.column_names()).unwrap_or_default();
    let mut checker = FileChecker::new(extract, file.clone(), &header, month_end, pseudo, 0)?;
    let mut fields: Vec<String> = Vec::with_capacity(header.len());
    let mut n: u64 = 0;
    while let Some(row) = rows.next().map_err(unreadable)? {
        n += 1;
        fields.clear();
        for i in 0..header.len() {
            fields.push(as_contract_text(row.get_ref(i).map_err(unreadable)?));
        }
        checker.check(n, &fields, errors);
        if n.is_multiple_of(1 << 15) {
            progress.advance(n);
        }
    }
    progress.finish();
    drop(rows);
    drop(stmt);
    super::open::unchanged_since(&f, &before, &file)?;
    let name = extract.parquet_file();
    checker.finish(checksum, name, errors)
}

/// A Parquet value as the CSV contract writes it.
fn as_contract_text(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => String::new(),
        ValueRef::Boolean(b) => if b { "ja" } else { "nej" }.to_string(),
        ValueRef::TinyInt(x) => x.to_string(),
        ValueRef::SmallInt(x) => x.to_string(),
        ValueRef::Int(x) => x.to_string(),
        ValueRef::BigInt(x) => x.to_string(),
        ValueRef::HugeInt(x) => x.to_string(),
        ValueRef::UTinyInt(x) => x.to_string(),
        ValueRef::USmallInt(x) => x.to_string(),
        ValueRef::UInt(x) => x.to_string(),
        ValueRef::UBigInt(x) => x.to_string(),
        ValueRef::Float(x) => x.to_string().replace('.', ","),
        ValueRef::Double(x) => x.to_string().replace('.', ","),
        ValueRef::Decimal(x) => x.to_string().replace('.', ","),
        ValueRef::Date32(days) => date_from_days(days)
            .format(extracts::DATE_FORMAT)
            .to_string(),
        ValueRef::Text(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        // Anything else (timestamps, blobs, lists) has no place in the contract;
        // its debug text fails the column's check with a clear reason.
        other => format!("{:?}", other.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{copy_delivery, fixtures, pseudo, staging, temp_store};
    use super::super::{dry_run, load_batch};
    use crate::extracts::{self, ColumnType};

    /// Writes `select` to a Parquet file. COPY takes no bound parameter for its
    /// target, so the (test-made, quote-free) path is part of the statement.
    fn copy_to_parquet(conn: &duckdb::Connection, select: &str, path: &std::path::Path) {
        let target = path.display().to_string();
        assert!(!target.contains('\''));
        conn.execute_batch(&format!("copy ({select}) to '{target}' (format parquet)"))
            .unwrap();
    }

    /// Converts every file of a CSV delivery to Parquet with DuckDB, with the
    /// contract's types as Parquet types (DATE, DOUBLE, BOOLEAN, INTEGER).
    fn to_parquet(csv_dir: &std::path::Path, out: &std::path::Path) {
        std::fs::create_dir_all(out).unwrap();
        let conn = duckdb::Connection::open_in_memory().unwrap();
        for e in extracts::ALL {
            let cols: Vec<String> = e
                .columns
                .iter()
                .map(|c| match c.ty {
                    ColumnType::Date | ColumnType::Month => {
                        format!("strptime({0}, '%d-%m-%Y')::date as {0}", c.name)
                    }
                    ColumnType::Decimal => format!("replace({0}, ',', '.')::double as {0}", c.name),
                    ColumnType::YesNo => format!("({0} = 'ja') as {0}", c.name),
                    ColumnType::Integer => format!("{0}::integer as {0}", c.name),
                    _ => c.name.to_string(),
                })
                .collect();
            let source = csv_dir.join(e.file).display().to_string();
            assert!(!source.contains('\''));
            let select = format!(
                "select {} from read_csv('{source}', delim = ';', header = true, all_varchar = true)",
                cols.join(", ")
            );
            copy_to_parquet(&conn, &select, &out.join(e.parquet_file()));
        }
    }

    #[test]
    fn a_parquet_delivery_loads_the_same_rows_as_the_same_delivery_in_csv() {
        let tmp = tempfile::tempdir().unwrap();
        let csv = tmp.path().join("csv/2024-03");
        copy_delivery(&fixtures().join("good/2024-03"), &csv);
        let parquet = tmp.path().join("parquet/2024-03");
        to_parquet(&csv, &parquet);
        assert!(parquet.join("status.parquet").is_file());
        let mut tables = Vec::new();
        for dir in [&csv, &parquet] {
            let (_t, store) = temp_store();
            let r = load_batch(&store, dir, &pseudo(), 0.0).unwrap();
            assert!(r.quarantined.is_empty(), "{:?}", r.quarantined);
            assert_eq!(r.total_rows(), 18);
            let views = [
                "stg_citizens",
                "stg_spells",
                "stg_interviews",
                "stg_cvs",
                "stg_programmes",
                "stg_status",
            ];
            tables.push(views.map(|v| staging(&store, "2024-03-01", v)));
        }
        assert_eq!(tables[0], tables[1]);
    }

    #[test]
    fn a_bad_value_in_a_parquet_file_gets_the_same_error_as_in_csv_naming_its_row() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("2024-03");
        copy_delivery(&fixtures().join("good/2024-03"), &dir);
        let bad_csv = tmp.path().join("status.csv");
        let text = std::fs::read_to_string(dir.join("status.csv"))
            .unwrap()
            .replace("01-03-2024;beskaeftiget", "01-03-2024;ledig");
        std::fs::write(&bad_csv, text).unwrap();
        let csv_error = {
            std::fs::copy(&bad_csv, dir.join("status.csv")).unwrap();
            let (_t, store) = temp_store();
            dry_run(&store, &dir, &pseudo(), 1.0).unwrap().quarantined
        };
        std::fs::remove_file(dir.join("status.csv")).unwrap();
        let conn = duckdb::Connection::open_in_memory().unwrap();
        let source = bad_csv.display().to_string();
        copy_to_parquet(
            &conn,
            &format!("select cpr, strptime(maaned, '%d-%m-%Y')::date as maaned, status from read_csv('{source}', delim = ';', header = true, all_varchar = true)"),
            &dir.join("status.parquet"),
        );
        let (_t, store) = temp_store();
        let q = dry_run(&store, &dir, &pseudo(), 1.0).unwrap().quarantined;
        assert_eq!(q.len(), 1, "{q:?}");
        assert_eq!(csv_error.len(), 1);
        assert!(q[0].file.ends_with("status.parquet"));
        assert_eq!(
            (q[0].line, &q[0].column, &q[0].value, &q[0].reason),
            (
                2,
                &csv_error[0].column,
                &csv_error[0].value,
                &csv_error[0].reason
            )
        );
        assert_eq!(csv_error[0].line, 3, "the CSV counts its header line");
        assert!(
            q[0].to_string()
                .contains("række 2, kolonne 'status', værdi 'ledig': ukendt kode"),
            "{}",
            q[0]
        );
    }

    #[test]
    fn a_delivery_with_both_csv_and_parquet_for_one_extract_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("2024-03");
        copy_delivery(&fixtures().join("good/2024-03"), &dir);
        let pq = tmp.path().join("pq");
        to_parquet(&dir, &pq);
        std::fs::copy(pq.join("cv.parquet"), dir.join("cv.parquet")).unwrap();
        let (_t, store) = temp_store();
        let err = dry_run(&store, &dir, &pseudo(), 1.0)
            .unwrap_err()
            .to_string();
        assert!(err.contains("både cv.csv og cv.parquet"), "{err}");
    }
}
