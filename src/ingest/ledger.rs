//! The load ledger and the write of a batch. A month has one batch in force:
//! deliveries are deltas (what became known in the month, docs/extracts.md), so a
//! corrected folder for a month is the whole truth about that month and replaces
//! the month's earlier batch whole, not key by key; otherwise a row dropped in the
//! correction would live on. The replaced batch is marked `superseded_by` and
//! recorded in `batch_supersessions`; its raw rows stay for audit (what earlier
//! runs and models saw) and staging ignores them.

use std::collections::HashSet;
use std::path::Path;
use std::time::Instant;

use chrono::NaiveDate;
use duckdb::types::Value;
use duckdb::Connection;

use super::{ParsedFile, RowError, Superseded};

/// `None` if the batch was never loaded; otherwise the batch that has replaced it since, if any.
pub(super) fn loaded_before(
    conn: &Connection,
    batch_id: &str,
) -> Result<Option<Option<String>>, duckdb::Error> {
    let mut stmt = conn.prepare("select superseded_by from load_batches where batch_id = ?")?;
    let mut rows = stmt.query([batch_id])?;
    match rows.next()? {
        Some(r) => Ok(Some(r.get(0)?)),
        None => Ok(None),
    }
}

/// The batch in force for `month`, if one is loaded.
pub(super) fn current_batch(
    conn: &Connection,
    month: NaiveDate,
) -> Result<Option<Superseded>, duckdb::Error> {
    let mut stmt = conn.prepare(
        "select batch_id, rows_loaded from load_batches
         where batch_month = ?::date and superseded_by is null",
    )?;
    let mut rows = stmt.query([month.to_string()])?;
    match rows.next()? {
        Some(r) => Ok(Some(Superseded {
            batch_id: r.get(0)?,
            rows: r.get(1)?,
        })),
        None => Ok(None),
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

/// Quarantines rows that refer to a citizen or spell neither in this batch nor in
/// a batch in force for an earlier month (interview -> spell -> citizen). The
/// month's own earlier batch does not count: this batch replaces it. Returns how
/// many citizens are known.
pub(super) fn check_references(
    conn: &Connection,
    month: NaiveDate,
    parsed: &mut [ParsedFile],
    errors: &mut Vec<RowError>,
) -> Result<usize, duckdb::Error> {
    let known = |sql: &str| -> Result<HashSet<String>, duckdb::Error> {
        conn.prepare(sql)?
            .query_map([month.to_string()], |r| r.get::<_, String>(0))?
            .collect()
    };
    let mut persons = known(
        "select distinct r.person_id from raw_citizens r join load_batches b using (batch_id)
         where b.superseded_by is null and b.batch_month < ?::date",
    )?;
    let mut spells = known(
        "select distinct r.spell_id from raw_spells r join load_batches b using (batch_id)
         where b.superseded_by is null and b.batch_month < ?::date",
    )?;
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
                    (
                        None,
                        "borgeren findes ikke i borgere.csv i denne eller en tidligere levering"
                            .into(),
                    )
                })
            });
        }
        if let Some(i) = spell {
            p.retain(errors, "forloeb_id", |r| {
                (!spells.contains(text_of(&r[i]))).then(|| {
                    (
                        Some(text_of(&r[i]).to_string()),
                        "forløbet findes ikke i ydelsesforloeb.csv i denne eller en tidligere levering".into(),
                    )
                })
            });
        }
    }
    Ok(persons.len())
}

/// What [`write_batch`] writes.
pub(super) struct Batch<'a> {
    pub batch_id: &'a str,
    pub month: NaiveDate,
    pub dir: &'a Path,
    pub parsed: &'a [ParsedFile],
    pub quarantined: &'a [RowError],
    pub bad_rows: usize,
    pub started: Instant,
}

/// Appends the batch, its quarantine and its ledger row, and supersedes the
/// month's earlier batch, in one transaction. Returns the batch it replaced.
pub(super) fn write_batch(
    conn: &Connection,
    b: &Batch<'_>,
) -> Result<Option<Superseded>, duckdb::Error> {
    conn.execute_batch("begin transaction")?;
    let result = write_in_transaction(conn, b);
    match result {
        Ok(replaced) => {
            conn.execute_batch("commit")?;
            Ok(replaced)
        }
        Err(e) => {
            let _ = conn.execute_batch("rollback");
            Err(e)
        }
    }
}

fn write_in_transaction(
    conn: &Connection,
    b: &Batch<'_>,
) -> Result<Option<Superseded>, duckdb::Error> {
    let replaced = current_batch(conn, b.month)?;
    let total = append_all(conn, b.batch_id, b.parsed)?;
    let mut q = conn.appender("raw_quarantine")?;
    for e in b.quarantined {
        q.append_row(duckdb::params![
            b.batch_id,
            e.file,
            e.line as i64,
            e.column,
            e.value,
            e.reason
        ])?;
    }
    q.flush()?;
    drop(q);
    let checksums: serde_json::Map<String, serde_json::Value> = b
        .parsed
        .iter()
        .map(|p| (p.file_name.clone(), p.checksum.clone().into()))
        .collect();
    conn.execute(
        "insert into load_batches (batch_id, batch_month, source_dir, file_checksums, rows_loaded, loaded_at,
             duration_ms, rows_quarantined) values (?, ?::date, ?, ?, ?, now(), ?, ?)",
        duckdb::params![
            b.batch_id,
            b.month.to_string(),
            b.dir.display().to_string(),
            serde_json::Value::Object(checksums).to_string(),
            total as i64,
            b.started.elapsed().as_millis() as i64,
            b.bad_rows as i64
        ],
    )?;
    if let Some(old) = &replaced {
        conn.execute(
            "update load_batches set superseded_by = ? where batch_id = ?",
            [b.batch_id, old.batch_id.as_str()],
        )?;
        conn.execute(
            "insert into batch_supersessions (old_batch_id, new_batch_id, batch_month, superseded_at,
                 rows_replaced, rows_new) values (?, ?, ?::date, now(), ?, ?)",
            duckdb::params![
                old.batch_id,
                b.batch_id,
                b.month.to_string(),
                old.rows,
                total as i64
            ],
        )?;
    }
    Ok(replaced)
}

fn append_all(
    conn: &Connection,
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
