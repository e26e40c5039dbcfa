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
use duckdb::arrow::datatypes::{Field, Schema};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::Connection;

use super::fasthash::FastSet;
use super::{OrphanedRows, ParsedFile, RowError, Superseded};
use crate::extracts;

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

/// A batch id and its files' SHA-256 (file name, hex).
pub(super) type BatchFiles = (String, Vec<(String, String)>);

/// The batch in force for `month` and its files' SHA-256, if any.
pub(super) fn current_batch_files(
    conn: &Connection,
    month: NaiveDate,
) -> Result<Option<BatchFiles>, duckdb::Error> {
    let mut stmt = conn.prepare(
        "select batch_id, file_checksums from load_batches
         where batch_month = ?::date and superseded_by is null",
    )?;
    let mut rows = stmt.query([month.to_string()])?;
    let Some(r) = rows.next()? else {
        return Ok(None);
    };
    let (batch_id, json): (String, String) = (r.get(0)?, r.get(1)?);
    let files = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&json)
        .map(|m| {
            m.into_iter()
                .filter_map(|(k, v)| v.as_str().map(|c| (k, c.to_string())))
                .collect()
        })
        .unwrap_or_default();
    Ok(Some((batch_id, files)))
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

/// The citizens known when a month is loaded, and which of them the delivery's
/// status file leaves without a status for the month.
pub(super) struct KnownCitizens {
    /// In a batch in force for an earlier month, or in this delivery.
    pub count: usize,
    /// Known from earlier months, with no good status row for the month. Only
    /// a count: of these the load knows the pseudonym alone, never to be shown.
    pub earlier_without_status: usize,
    /// New in this delivery, with no good status row for the month (sorted), so
    /// that their `borgere.csv` rows can be named with the masked CPR.
    pub new_without_status: Vec<u128>,
    /// The register history of the citizens new in this delivery: how many are
    /// new, how many lack at least one of their 36 history months, and how many
    /// history months are missing in all (the history features would count
    /// them as months of nothing, so they are reported, never silently zero).
    pub history: HistoryGaps,
}

/// Missing register history at first contact (docs/extracts.md).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HistoryGaps {
    pub new_citizens: usize,
    pub incomplete: usize,
    pub missing_months: usize,
}

/// Quarantines rows that refer to a citizen or spell neither in this batch nor in
/// a batch in force for an earlier month (interview -> spell -> citizen). The
/// month's own earlier batch does not count: this batch replaces it. Returns the
/// citizens known and those without a status for `month`.
pub(super) fn check_references(
    conn: &Connection,
    month: NaiveDate,
    parsed: &mut [ParsedFile],
    errors: &mut Vec<RowError>,
    cache: &mut KnownCache,
) -> Result<KnownCitizens, duckdb::Error> {
    let (persons, spells) = cache.known_before(conn, month)?;
    let mut new_persons: FastSet<u128> = FastSet::default();
    let mut new_spells: FastSet<String> = FastSet::default();
    for p in parsed.iter() {
        match p.extract.id {
            "citizens" => new_persons.extend(p.person_keys.iter().copied()),
            "spells" => new_spells.extend(ids(p, 0)?.iter().flatten().map(str::to_string)),
            _ => {}
        }
    }
    let new_person_keys: Vec<u128> = {
        let mut v: Vec<u128> = new_persons.iter().copied().collect();
        v.sort_unstable();
        v
    };
    let known_spell = |id: &str| spells.contains(id) || new_spells.contains(id);
    let failed = |e: String| duckdb::Error::ToSqlConversionFailure(e.into());
    // The citizens with a status row for the month itself (history rows of new
    // citizens are for earlier months), sorted; rows refused below are of
    // unknown citizens, so they never stand in for a known one.
    let mut with_status: Vec<u128> = Vec::new();
    let mut history_rows: Vec<u128> = Vec::new();
    for p in parsed.iter_mut() {
        let (person, spell) = reference_positions(p.extract.id);
        if person.is_some() {
            let keys = if p.extract.id == extracts::STATUS.id {
                let (this_month, all, history) = status_keys(p, month)?;
                with_status = this_month;
                history_rows = history;
                all
            } else {
                sorted_unique(&p.person_keys)
            };
            // Sorted against sorted: one pass over both lists instead of a hash
            // lookup per row (a national status file has 1.4 million rows and
            // the set as many citizens, so each lookup was a cache miss). The
            // reader thread is the busier one, so the sort is done here.
            let unknown: FastSet<u128> = missing(&missing(&keys, persons), &new_person_keys)
                .into_iter()
                .collect();
            let refused: Vec<_> = if unknown.is_empty() {
                Vec::new()
            } else {
                p.person_keys
                    .iter()
                    .enumerate()
                    .filter(|(_, k)| unknown.contains(k))
                    .map(|(row, _)| {
                        (
                            row,
                            None,
                            "borgeren findes ikke i borgere.csv i denne eller en tidligere levering"
                                .to_string(),
                        )
                    })
                    .collect()
            };
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
    let new_only = missing(&new_person_keys, persons);
    let history = history_gaps(&new_only, &history_rows);
    Ok(KnownCitizens {
        count: persons.len() + new_only.len(),
        earlier_without_status: missing(persons, &with_status).len(),
        new_without_status: missing(&new_only, &with_status),
        history,
    })
}

/// How many of `new` (sorted) have fewer than the contract's history months
/// among `history_rows` (the keys of the good status rows of the 36 months before
/// the delivery month, one per month, sorted with repeats).
fn history_gaps(new: &[u128], history_rows: &[u128]) -> HistoryGaps {
    let months = extracts::HISTORY_MONTHS as usize;
    let mut gaps = HistoryGaps {
        new_citizens: new.len(),
        ..HistoryGaps::default()
    };
    for key in new {
        let from = history_rows.partition_point(|k| k < key);
        let to = history_rows.partition_point(|k| k <= key);
        let have = (to - from).min(months);
        if have < months {
            gaps.incomplete += 1;
            gaps.missing_months += months - have;
        }
    }
    gaps
}

/// The citizens of a status file's good rows, each list sorted without
/// repeats: those with a row for `month`, and all. The two halves are sorted
/// apart and merged, which costs what sorting all the keys once costs, so the
/// completeness check adds no second sort of a national file. Third, the keys
/// of the rows of the history months before `month`, sorted with repeats.
#[allow(clippy::type_complexity)]
fn status_keys(
    p: &ParsedFile,
    month: NaiveDate,
) -> Result<(Vec<u128>, Vec<u128>, Vec<u128>), duckdb::Error> {
    let months = p.columns.date(1).ok_or_else(|| {
        duckdb::Error::ToSqlConversionFailure(
            format!("{}: kolonne 1 er ikke en datokolonne", p.extract.id).into(),
        )
    })?;
    // Arrow's Date32: days since 1970-01-01.
    let target = month.to_epoch_days();
    let history_from = (month - chrono::Months::new(extracts::HISTORY_MONTHS)).to_epoch_days();
    let mut this_month = Vec::with_capacity(p.person_keys.len());
    let mut other = Vec::new();
    for (key, m) in p.person_keys.iter().zip(months.values().iter()) {
        if *m == target {
            this_month.push(*key);
        } else {
            other.push(*key);
        }
    }
    let mut history: Vec<u128> = p
        .person_keys
        .iter()
        .zip(months.values().iter())
        .filter(|(_, m)| (history_from..target).contains(*m))
        .map(|(k, _)| *k)
        .collect();
    history.sort_unstable();
    this_month.sort_unstable();
    this_month.dedup();
    other.sort_unstable();
    other.dedup();
    let all = merge(&this_month, &other);
    Ok((this_month, all, history))
}

/// The keys of `query` that are not in `known`; both sorted ascending.
pub(super) fn missing(query: &[u128], known: &[u128]) -> Vec<u128> {
    // A few keys against many (a month's programmes against every citizen):
    // binary search each instead of walking the whole known list.
    if query.len().saturating_mul(32) < known.len() {
        return query
            .iter()
            .filter(|q| known.binary_search(q).is_err())
            .copied()
            .collect();
    }
    let mut out = Vec::new();
    let mut known = known.iter().peekable();
    for q in query {
        while known.next_if(|k| *k < q).is_some() {}
        if known.peek() != Some(&q) {
            out.push(*q);
        }
    }
    out
}

/// `a` and `b` (each sorted ascending) as one sorted list without repeats.
fn merge(a: &[u128], b: &[u128]) -> Vec<u128> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let next = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x <= y => {
                i += 1;
                if x == y {
                    j += 1;
                }
                *x
            }
            (Some(x), None) => {
                i += 1;
                *x
            }
            (_, Some(y)) => {
                j += 1;
                *y
            }
            (None, None) => break,
        };
        if out.last() != Some(&next) {
            out.push(next);
        }
    }
    out
}

/// `keys` sorted ascending without repeats: what [`missing`] takes.
pub(super) fn sorted_unique(keys: &[u128]) -> Vec<u128> {
    let mut v = keys.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

/// The citizens and spells of the batches in force for the months before
/// `before`. Every status row refers to a citizen, so all known citizens are
/// needed; they are held as 128-bit numbers (the pseudonym is 32 hex digits),
/// sorted, since at national scale these are over a million ids checked against
/// 1.4 million status rows a month. Loading months in order,
/// [`KnownCache::loaded`] adds each month's citizens and spells instead of
/// reading them all again from the store (looking spells up in the store each
/// month took most of the reference check's time).
#[derive(Default)]
pub(super) struct KnownCache {
    before: Option<NaiveDate>,
    /// Sorted ascending, no repeats.
    ids: Vec<u128>,
    spells: FastSet<String>,
}

impl KnownCache {
    /// The citizens (sorted) and spells of batches in force for months before `month`.
    fn known_before(
        &mut self,
        conn: &Connection,
        month: NaiveDate,
    ) -> Result<(&[u128], &FastSet<String>), duckdb::Error> {
        if !self.covers(conn, month)? {
            let earlier = |sql: &str| -> Result<Vec<RecordBatch>, duckdb::Error> {
                Ok(conn
                    .prepare(sql)?
                    .query_arrow([month.to_string()])?
                    .collect())
            };
            let batches = earlier(
                "select r.person_id from raw_citizens r join load_batches b using (batch_id)
                 where b.superseded_by is null and b.batch_month < ?::date
                 union all
                 -- Citizens whose rows the retention deleted (#15) were delivered.
                 select person_id from retention_expired_persons",
            )?;
            let mut ids = Vec::with_capacity(batches.iter().map(RecordBatch::num_rows).sum());
            for b in &batches {
                ids.extend(texts(b.column(0))?.into_iter().filter_map(id128));
            }
            ids.sort_unstable();
            ids.dedup();
            let batches = earlier(
                "select r.spell_id from raw_spells r join load_batches b using (batch_id)
                 where b.superseded_by is null and b.batch_month < ?::date",
            )?;
            let mut spells = FastSet::default();
            spells.reserve(batches.iter().map(RecordBatch::num_rows).sum());
            for b in &batches {
                spells.extend(texts(b.column(0))?.into_iter().map(str::to_string));
            }
            self.ids = ids;
            self.spells = spells;
            self.before = Some(month);
        }
        Ok((&self.ids, &self.spells))
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

    /// Drops what is held, so the next month reads it from the store again.
    pub(super) fn forget(&mut self) {
        self.before = None;
        self.ids = Vec::new();
        self.spells = FastSet::default();
    }

    /// `month`'s batch in force now holds `citizens` (pseudonyms) and
    /// `spells`: they count for the months after it.
    pub(super) fn loaded<'a>(
        &mut self,
        month: NaiveDate,
        citizens: impl Iterator<Item = u128>,
        spells: impl Iterator<Item = &'a str>,
    ) {
        if self.before == Some(month) {
            let mut new: Vec<u128> = citizens.collect();
            new.sort_unstable();
            self.ids = merge(&self.ids, &new);
            self.spells.extend(spells.map(str::to_string));
            self.before = month.checked_add_months(chrono::Months::new(1));
        }
    }
}

/// A pseudonym (32 hex digits) as a number.
fn id128(id: &str) -> Option<u128> {
    let mut bytes = [0u8; 16];
    hex::decode_to_slice(id, &mut bytes).ok()?;
    Some(u128::from_be_bytes(bytes))
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

/// Rows of later months that a correction would leave without their citizen or spell.
const CORRECTION_ORPHANS: &str = include_str!("../../sql/ingest/correction_orphans.sql");

/// Why a batch was not written; either way nothing was.
#[derive(Debug, thiserror::Error)]
pub(super) enum WriteError {
    #[error(transparent)]
    Db(#[from] duckdb::Error),
    /// The correction drops citizens or spells that later months' rows name.
    #[error("rettelsen ville efterlade rækker i senere måneder uden borger eller forløb")]
    Orphans(Vec<OrphanedRows>),
}

/// Appends the batch, its quarantine and its ledger row, and supersedes the
/// month's earlier batch, in one transaction. Returns the batch it replaced.
pub(super) fn write_batch(
    conn: &Connection,
    b: &Batch<'_>,
) -> Result<Option<Superseded>, WriteError> {
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

/// Writes the batch as [`write_batch`] does, with every check, and rolls it
/// back: what a dry run needs to refuse what the load would refuse.
pub(super) fn try_batch(conn: &Connection, b: &Batch<'_>) -> Result<(), WriteError> {
    conn.execute_batch("begin transaction")?;
    let result = write_in_transaction(conn, b);
    conn.execute_batch("rollback")?;
    result.map(|_| ())
}

fn write_in_transaction(
    conn: &Connection,
    b: &Batch<'_>,
) -> Result<Option<Superseded>, WriteError> {
    let replaced = current_batch(conn, b.month)?;
    let total = append_all(conn, b.batch_id, b.parsed)?;
    let mut q = conn.appender_with_columns(
        "raw_quarantine",
        &["batch_id", "file", "line", "column_name", "value", "reason"],
    )?;
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
        // Checked with the correction in place and the old batch out of force,
        // so the query sees the months as staging would; a refusal rolls all
        // of it back.
        let orphans = orphaned_by_correction(conn, &old.batch_id, b.batch_id, b.month)?;
        if !orphans.is_empty() {
            return Err(WriteError::Orphans(orphans));
        }
    }
    Ok(replaced)
}

/// Rows of later months' batches in force that name a citizen or spell the
/// correction `new` of `month` dropped from `old` (sql/ingest/correction_orphans.sql).
fn orphaned_by_correction(
    conn: &Connection,
    old: &str,
    new: &str,
    month: NaiveDate,
) -> Result<Vec<OrphanedRows>, duckdb::Error> {
    let mut stmt = conn.prepare(CORRECTION_ORPHANS)?;
    let rows = stmt.query_map(duckdb::params![old, new, month.to_string()], |r| {
        let examples = match r.get::<_, duckdb::types::Value>(4)? {
            duckdb::types::Value::List(values) => values
                .into_iter()
                .filter_map(|v| match v {
                    duckdb::types::Value::Text(t) => Some(t),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        Ok(OrphanedRows {
            month: r.get(0)?,
            file: r.get(1)?,
            column: r.get(2)?,
            rows: r.get(3)?,
            examples,
        })
    })?;
    rows.collect()
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
        // Named after the raw table's columns, and appended to those columns by
        // name: once per file, so the per-row path is unchanged.
        let mut names = vec!["batch_id"];
        names.extend(super::columns::stored_names(p.extract));
        let fields: Vec<Field> = names
            .iter()
            .zip(&columns)
            .map(|(name, a)| Field::new(*name, a.data_type().clone(), true))
            .collect();
        if fields.len() != columns.len() {
            return Err(duckdb::Error::InvalidColumnName(format!(
                "{table}: {} columns, {} names",
                columns.len(),
                fields.len()
            )));
        }
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
            .map_err(|e| duckdb::Error::ToSqlConversionFailure(Box::new(e)))?;
        let mut app = conn.appender_with_columns(&table, &names)?;
        app.append_record_batch(batch)?;
        app.flush()?;
        total += n;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_finds_exactly_the_keys_not_known() {
        assert_eq!(missing(&[1, 3, 5, 9], &[0, 3, 4, 5, 6]), vec![1, 9]);
        assert_eq!(missing(&[], &[1, 2]), Vec::<u128>::new());
        assert_eq!(missing(&[7], &[]), vec![7]);
        assert_eq!(missing(&[u128::MAX], &[u128::MAX]), Vec::<u128>::new());
        // The binary-search path for a few keys against many.
        let many: Vec<u128> = (0..1000).map(|i| i * 2).collect();
        assert_eq!(missing(&[4, 5, 1998, 2000], &many), vec![5, 2000]);
    }

    #[test]
    fn merge_gives_one_sorted_list_without_repeats() {
        assert_eq!(merge(&[1, 4, 6], &[2, 4, 7, 8]), vec![1, 2, 4, 6, 7, 8]);
        assert_eq!(merge(&[], &[3, 3]), vec![3]);
        assert_eq!(sorted_unique(&[5, 1, 5, 0]), vec![0, 1, 5]);
    }
}
