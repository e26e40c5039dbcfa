//! The load ledger and the write of a batch. A month has one batch in force:
//! deliveries are deltas (what became known in the month, docs/extracts.md), so a
//! corrected folder for a month is the whole truth about that month and replaces
//! the month's earlier batch whole, not key by key; otherwise a row dropped in the
//! correction would live on. The replaced batch is marked `superseded_by` and
//! recorded in `batch_supersessions`; its raw rows stay for audit (what earlier
//! runs and models saw) and staging ignores them.

use std::path::Path;
use std::time::Instant;

use chrono::NaiveDate;
use std::sync::Arc;

use duckdb::arrow::array::{ArrayRef, StringArray};
use duckdb::arrow::datatypes::{DataType, Field, Schema};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::Connection;

use super::fxhash::FxHashSet;
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

/// The text column `i` of a file's good rows. Every reference position is a
/// text column by the contract; anything else is a bug, reported as an error.
fn ids(p: &ParsedFile, i: usize) -> Result<&StringArray, duckdb::Error> {
    p.columns.text(i).ok_or_else(|| {
        duckdb::Error::ToSqlConversionFailure(
            format!("{}: kolonne {i} er ikke en tekstkolonne", p.extract.id).into(),
        )
    })
}

/// The pseudonym of the citizen each row of `p` refers to, as a number (a
/// malformed one, which the pseudonymiser never gives, as 0, which no
/// citizen has); empty for files that refer to no citizen.
pub(super) fn person_keys(p: &ParsedFile) -> Vec<u128> {
    let column = match p.extract.id {
        "citizens" => Some(0),
        id => reference_positions(id).0,
    };
    column
        .and_then(|i| p.columns.text(i))
        .map(|ids| {
            ids.iter()
                .map(|id| id.and_then(id128).unwrap_or(0))
                .collect()
        })
        .unwrap_or_default()
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
    cache: &mut CitizenCache,
) -> Result<usize, duckdb::Error> {
    let persons = cache.known_before(conn, month)?;
    let mut new_persons: FxHashSet<u128> = FxHashSet::default();
    let mut new_spells: FxHashSet<String> = FxHashSet::default();
    for p in parsed.iter() {
        match p.extract.id {
            "citizens" => new_persons.extend(p.person_keys.iter().filter(|&&k| k != 0)),
            "spells" => new_spells.extend(ids(p, 0)?.iter().flatten().map(str::to_string)),
            _ => {}
        }
    }
    // Spells: only the few that interviews and programmes refer to outside this
    // batch are looked up, instead of reading every spell ever delivered.
    let mut wanted: FxHashSet<String> = FxHashSet::default();
    for p in parsed.iter() {
        if let (_, Some(i)) = reference_positions(p.extract.id) {
            wanted.extend(
                ids(p, i)?
                    .iter()
                    .flatten()
                    .filter(|s| !new_spells.contains(*s))
                    .map(str::to_string),
            );
        }
    }
    let spells = known_spells(conn, month, &wanted)?;
    let known_person = |k: &u128| persons.contains(k) || new_persons.contains(k);
    let known_spell = |id: &str| spells.contains(id) || new_spells.contains(id);
    let failed = |e: String| duckdb::Error::ToSqlConversionFailure(e.into());
    for p in parsed.iter_mut() {
        let (person, spell) = reference_positions(p.extract.id);
        if person.is_some() {
            if p.person_keys.len() != p.len() {
                return Err(failed(format!(
                    "{}: borgernøglerne er ikke regnet ud for hver række",
                    p.extract.id
                )));
            }
            let refused: Vec<_> = p
                .person_keys
                .iter()
                .enumerate()
                .filter(|(_, k)| !known_person(k))
                .map(|(row, _)| {
                    (
                        row,
                        None,
                        "borgeren findes ikke i borgere.csv i denne eller en tidligere levering"
                            .to_string(),
                    )
                })
                .collect();
            p.remove(errors, "cpr", refused).map_err(failed)?;
        }
        if let Some(i) = spell {
            let refused: Vec<_> = ids(p, i)?
                .iter()
                .enumerate()
                .filter(|(_, id)| !known_spell(id.unwrap_or_default()))
                .map(|(row, id)| {
                    (
                        row,
                        Some(id.unwrap_or_default().to_string()),
                        "forløbet findes ikke i ydelsesforloeb.csv i denne eller en tidligere levering"
                            .to_string(),
                    )
                })
                .collect();
            p.remove(errors, "forloeb_id", refused).map_err(failed)?;
        }
    }
    Ok(persons.len() + new_persons.iter().filter(|p| !persons.contains(p)).count())
}

/// The citizens of the batches in force for the months before `before`. Every
/// status row refers to one, so all known citizens are needed; held as 128-bit
/// numbers (the pseudonym is 32 hex digits), since at national scale these are
/// millions of ids per month. Loading months in order, [`CitizenCache::loaded`]
/// adds each month's citizens instead of reading them all again from the store.
#[derive(Default)]
pub(super) struct CitizenCache {
    before: Option<NaiveDate>,
    ids: FxHashSet<u128>,
}

impl CitizenCache {
    /// The citizens of batches in force for months before `month`.
    fn known_before(
        &mut self,
        conn: &Connection,
        month: NaiveDate,
    ) -> Result<&FxHashSet<u128>, duckdb::Error> {
        if !self.covers(conn, month)? {
            let batches: Vec<RecordBatch> = conn
                .prepare(
                    "select r.person_id from raw_citizens r join load_batches b using (batch_id)
                     where b.superseded_by is null and b.batch_month < ?::date",
                )?
                .query_arrow([month.to_string()])?
                .collect();
            self.ids = FxHashSet::default();
            self.ids
                .reserve(batches.iter().map(RecordBatch::num_rows).sum());
            for b in &batches {
                self.ids
                    .extend(texts(b.column(0))?.into_iter().filter_map(id128));
            }
            self.before = Some(month);
        }
        Ok(&self.ids)
    }

    /// Whether the set already holds exactly the months before `month`: it was
    /// made for an earlier month, and no batch in force lies in between.
    fn covers(&self, conn: &Connection, month: NaiveDate) -> Result<bool, duckdb::Error> {
        let Some(before) = self.before else {
            return Ok(false);
        };
        if before > month {
            return Ok(false);
        }
        let between: i64 = conn.query_row(
            "select count(*) from load_batches where superseded_by is null
             and batch_month >= ?::date and batch_month < ?::date",
            [before.to_string(), month.to_string()],
            |r| r.get(0),
        )?;
        Ok(between == 0)
    }

    /// `month`'s batch in force now holds `citizens` (pseudonyms): they count
    /// for the months after it.
    pub(super) fn loaded<'a>(&mut self, month: NaiveDate, citizens: impl Iterator<Item = &'a str>) {
        if self.before == Some(month) {
            self.ids.extend(citizens.filter_map(id128));
            self.before = month.checked_add_months(chrono::Months::new(1));
        }
    }
}

/// A pseudonym (32 hex digits) as a number.
fn id128(id: &str) -> Option<u128> {
    (id.len() == 32)
        .then(|| u128::from_str_radix(id, 16).ok())
        .flatten()
}

/// Which of `wanted` are spells of a batch in force for an earlier month.
fn known_spells(
    conn: &Connection,
    month: NaiveDate,
    wanted: &FxHashSet<String>,
) -> Result<FxHashSet<String>, duckdb::Error> {
    if wanted.is_empty() {
        return Ok(FxHashSet::default());
    }
    // A temporary table lives in memory, for this connection only.
    conn.execute_batch(
        "create temp table if not exists ingest_wanted_spells (spell_id varchar);
         delete from ingest_wanted_spells;",
    )?;
    {
        let mut app = conn.appender("ingest_wanted_spells")?;
        let ids: Vec<&str> = wanted.iter().map(String::as_str).collect();
        let batch = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new(
                "spell_id",
                DataType::Utf8,
                false,
            )])),
            vec![Arc::new(StringArray::from(ids)) as ArrayRef],
        )
        .map_err(|e| duckdb::Error::ToSqlConversionFailure(Box::new(e)))?;
        app.append_record_batch(batch)?;
        app.flush()?;
    }
    let found = conn
        .prepare(
            "select distinct w.spell_id from ingest_wanted_spells w
             join raw_spells r using (spell_id) join load_batches b using (batch_id)
             where b.superseded_by is null and b.batch_month < ?::date",
        )?
        .query_map([month.to_string()], |r| r.get::<_, String>(0))?
        .collect();
    conn.execute_batch("delete from ingest_wanted_spells")?;
    found
}

/// The values of a text column DuckDB handed over as Arrow, whichever string layout it chose.
fn texts(a: &ArrayRef) -> Result<Vec<&str>, duckdb::Error> {
    use duckdb::arrow::array::{Array, LargeStringArray, StringViewArray};
    let any = a.as_any();
    if let Some(s) = any.downcast_ref::<StringArray>() {
        Ok(s.iter().flatten().collect())
    } else if let Some(s) = any.downcast_ref::<StringViewArray>() {
        Ok(s.iter().flatten().collect())
    } else if let Some(s) = any.downcast_ref::<LargeStringArray>() {
        Ok(s.iter().flatten().collect())
    } else {
        Err(duckdb::Error::ToSqlConversionFailure(
            format!("uventet Arrow-type for id'er: {}", a.data_type()).into(),
        ))
    }
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

/// Appends each file's rows as one Arrow record batch: DuckDB takes it in
/// 2,048-row chunks, where appending value by value cost several allocations
/// and FFI calls per value (the national-scale benchmark's hot spot). The
/// columns were built by the reader thread (`columns.rs`).
fn append_all(
    conn: &Connection,
    batch_id: &str,
    parsed: &[ParsedFile],
) -> Result<usize, duckdb::Error> {
    let mut total = 0;
    for p in parsed {
        let n = p.len();
        if n == 0 {
            continue;
        }
        let table = ["raw_", p.extract.id].concat();
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(p.columns.arrays().len() + 1);
        columns.push(Arc::new(StringArray::from_iter_values(
            std::iter::repeat_n(batch_id, n),
        )));
        columns.extend(p.columns.arrays().iter().cloned());
        let fields: Vec<Field> = columns
            .iter()
            .enumerate()
            .map(|(i, a)| Field::new(format!("c{i}"), a.data_type().clone(), true))
            .collect();
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
            .map_err(|e| duckdb::Error::ToSqlConversionFailure(Box::new(e)))?;
        let mut app = conn.appender(&table)?;
        app.append_record_batch(batch)?;
        app.flush()?;
        total += n;
    }
    Ok(total)
}
