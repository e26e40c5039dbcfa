//! Storage limitation (GDPR art. 5(1)(e), #15): the `retention` step of every run
//! deletes the individual rows of spells that ended more than
//! `citizen.retention_months` before the run month, and every row of a person who
//! has no spell left, from every table that holds a pseudonym
//! (`sql/citizen/delete_doomed.sql`, the one list of them), in the run's
//! transaction. Before that, the per-cohort figures and the monthly inflow of the
//! months before the cutoff are kept as they were computed from every row
//! (`retained_*`), and the marts step puts them back, so the aggregate pages keep
//! showing the earlier months with the same numbers. After the run commits,
//! [`reclaim`] checkpoints so the freed blocks leave the database's live data.
//!
//! The same deletion serves the erasure of one citizen (`citizen::erasure`): the
//! caller fills `doomed_spells` and `doomed_persons` and calls [`delete_doomed`].

use chrono::{Months, NaiveDate};
use duckdb::{params, Connection};

use crate::config::CitizenSettings;
use crate::store::SqlFile;

const DELETE_DOOMED: SqlFile = SqlFile {
    name: "citizen/delete_doomed.sql",
    sql: include_str!("../../sql/citizen/delete_doomed.sql"),
};
const DOOMED: SqlFile = SqlFile {
    name: "citizen/retention_doomed.sql",
    sql: include_str!("../../sql/citizen/retention_doomed.sql"),
};
const TOMBSTONES: &str = include_str!("../../sql/citizen/retention_tombstones.sql");
const QUARANTINE: &str = include_str!("../../sql/citizen/retention_quarantine.sql");
const FREEZE_COHORTS: SqlFile = SqlFile {
    name: "citizen/retention_freeze_cohorts.sql",
    sql: include_str!("../../sql/citizen/retention_freeze_cohorts.sql"),
};
const FREEZE_INFLOW: SqlFile = SqlFile {
    name: "citizen/retention_freeze_inflow.sql",
    sql: include_str!("../../sql/citizen/retention_freeze_inflow.sql"),
};
const RESTORE_COHORTS: SqlFile = SqlFile {
    name: "citizen/retention_restore_cohorts.sql",
    sql: include_str!("../../sql/citizen/retention_restore_cohorts.sql"),
};
const RESTORE_INFLOW: SqlFile = SqlFile {
    name: "citizen/retention_restore_inflow.sql",
    sql: include_str!("../../sql/citizen/retention_restore_inflow.sql"),
};

/// Errors of the retention; none names a person.
#[derive(Debug, thiserror::Error)]
pub enum RetentionError {
    #[error("sletningen efter opbevaringsfristen fejlede i {name}: {source}")]
    Sql { name: String, source: duckdb::Error },
    #[error("databasefejl i sletningen: {0}")]
    Db(#[from] duckdb::Error),
    #[error("opbevaringsfristen på {0} måneder kan ikke trækkes fra kørselsmåneden")]
    Cutoff(u32),
}

fn sql_err(name: &str) -> impl FnOnce(duckdb::Error) -> RetentionError + '_ {
    move |source| RetentionError::Sql {
        name: name.to_string(),
        source,
    }
}

/// What the retention deleted: rows per table (no identities), and the cutoff.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deleted {
    pub cutoff: Option<NaiveDate>,
    pub per_table: Vec<(String, usize)>,
}

impl Deleted {
    pub fn total(&self) -> usize {
        self.per_table.iter().map(|(_, n)| n).sum()
    }

    /// The run log's line: the cutoff and the rows deleted per table.
    pub fn detail(&self) -> String {
        let tables = self
            .per_table
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(t, n)| format!("{t} {n}"))
            .collect::<Vec<_>>();
        let cutoff = self
            .cutoff
            .map(|c| format!("forløb afsluttet før {c}; "))
            .unwrap_or_default();
        if tables.is_empty() {
            format!("{cutoff}intet at slette")
        } else {
            format!("{cutoff}slettet: {}", tables.join(", "))
        }
    }
}

/// The first day of the month `retention_months` before the run month: spells
/// that ended before it are past the retention.
pub fn cutoff(run_month: NaiveDate, retention_months: u32) -> Result<NaiveDate, RetentionError> {
    run_month
        .checked_sub_months(Months::new(retention_months))
        .ok_or(RetentionError::Cutoff(retention_months))
}

fn table_exists(conn: &Connection, name: &str) -> Result<bool, RetentionError> {
    let n: i64 = conn.query_row(
        "select count(*) from duckdb_tables() where table_name = ? and not temporary",
        [name],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

/// The `retention` step, in the run's transaction: writes the aggregate rule for
/// objected citizens, keeps the earlier months' aggregates, deletes what is past
/// the retention and returns the counts per table.
#[tracing::instrument(skip_all, fields(month = %run_month), err)]
pub fn apply(
    conn: &Connection,
    settings: &CitizenSettings,
    run_month: NaiveDate,
) -> Result<Deleted, RetentionError> {
    conn.execute("delete from citizen_policy", [])?;
    conn.execute(
        "insert into citizen_policy (objected_in_aggregates) values (?)",
        [settings.objected_in_aggregates()],
    )?;
    let cutoff = cutoff(run_month, settings.retention_months())?;
    conn.execute_batch("create or replace temp table retention_cutoff (cutoff date not null)")?;
    conn.execute(
        "insert into retention_cutoff values (?::date)",
        params![cutoff.to_string()],
    )?;
    if table_exists(conn, "metric_cohorts")? {
        conn.execute_batch(FREEZE_COHORTS.sql)
            .map_err(sql_err(FREEZE_COHORTS.name))?;
    }
    if table_exists(conn, "mart_inflow")? {
        conn.execute_batch(FREEZE_INFLOW.sql)
            .map_err(sql_err(FREEZE_INFLOW.name))?;
    }
    conn.execute_batch(DOOMED.sql)
        .map_err(sql_err(DOOMED.name))?;
    let mut per_table = delete_doomed(conn, Doomed::KeepTombstones)?;
    // Only the pseudonym stays, so later deliveries that refer to her still load.
    conn.execute(TOMBSTONES, [])
        .map_err(sql_err("citizen/retention_tombstones.sql"))?;
    let quarantined = conn
        .execute(QUARANTINE, [])
        .map_err(sql_err("citizen/retention_quarantine.sql"))?;
    per_table.push(("raw_quarantine".into(), quarantined));
    conn.execute_batch("drop table if exists doomed_spells; drop table if exists doomed_persons; drop table if exists retention_cutoff")?;
    Ok(Deleted {
        cutoff: Some(cutoff),
        per_table,
    })
}

/// The statements of `delete_doomed.sql`, one per table: (table, SQL).
pub fn doomed_statements() -> Vec<(&'static str, &'static str)> {
    DELETE_DOOMED
        .sql
        .split("-- table: ")
        .skip(1)
        .filter_map(|part| {
            let (table, sql) = part.split_once('\n')?;
            Some((table.trim(), sql.trim()))
        })
        .collect()
}

/// Whether a deletion removes the retention's own record of expired pseudonyms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doomed {
    /// The retention: an expired person stays expired (the record is all that is left).
    KeepTombstones,
    /// An erasure: every row of the pseudonym, the record included.
    Everything,
}

/// Deletes the rows of `doomed_spells` and `doomed_persons` (temporary tables the
/// caller filled) from every table that holds a pseudonym, in the caller's
/// transaction; the rows deleted per table.
pub fn delete_doomed(
    conn: &Connection,
    what: Doomed,
) -> Result<Vec<(String, usize)>, RetentionError> {
    let mut out = Vec::new();
    for (table, sql) in doomed_statements() {
        if what == Doomed::KeepTombstones && table == "retention_expired_persons" {
            continue;
        }
        // The feature tables exist from the first run's features step on.
        if !table_exists(conn, table)? {
            continue;
        }
        let n = conn.execute(sql, []).map_err(sql_err(DELETE_DOOMED.name))?;
        out.push((table.to_string(), n));
    }
    Ok(out)
}

/// Puts the kept per-cohort figures back after `evaluate` recomputed them (the
/// marts step calls it before building the marts).
pub fn restore_cohorts(conn: &Connection) -> Result<(), RetentionError> {
    if table_exists(conn, "retained_metric_cohorts")? {
        conn.execute_batch(RESTORE_COHORTS.sql)
            .map_err(sql_err(RESTORE_COHORTS.name))?;
    }
    Ok(())
}

/// Puts the kept inflow back after the marts were built.
pub fn restore_inflow(conn: &Connection) -> Result<(), RetentionError> {
    if table_exists(conn, "retained_mart_inflow")? && table_exists(conn, "mart_inflow")? {
        conn.execute_batch(RESTORE_INFLOW.sql)
            .map_err(sql_err(RESTORE_INFLOW.name))?;
    }
    Ok(())
}

/// After a commit that deleted rows: a checkpoint writes the tables without them,
/// so their blocks are freed (and reused by the next writes) and the write-ahead
/// log that still held them is emptied. A checkpoint DuckDB cannot take now (a
/// reader's transaction is open) is left to the next automatic one, and said.
pub fn reclaim(conn: &Connection) {
    match conn.execute_batch("checkpoint") {
        Ok(()) => tracing::info!("checkpoint efter sletning: den frigjorte plads kan genbruges"),
        Err(e) => {
            tracing::warn!(error = %e, "checkpoint efter sletning kunne ikke tages nu; den næste automatiske tager den")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encryption::EncryptionKey;
    use crate::store::{query_table, Store};

    /// A store with one delivery and three people: `gone` (her only spell ended in
    /// 2015), `back` (an old spell and an open one) and `objected` (open spell,
    /// an objection in force).
    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let key = EncryptionKey::from_hex(&"ab".repeat(32)).unwrap();
        let store = Store::open(&dir.path().join("s.duckdb"), &key).unwrap();
        store
            .lock()
            .execute_batch(
                "insert into load_batches (batch_id, batch_month, source_dir, file_checksums, rows_loaded, loaded_at, duration_ms)
                 values ('b1', date '2024-06-01', 'x', '{}', 1, timestamp '2024-07-01 00:00:00', 1);
                 insert into raw_citizens values
                    ('b1', 'gone', date '1980-01-01', 'K', '8000', 'Midt', 'dansk'),
                    ('b1', 'back', date '1981-01-01', 'M', '8000', 'Midt', 'dansk'),
                    ('b1', 'objected', date '1982-01-01', 'K', '8000', 'Midt', 'dansk');
                 insert into raw_spells values
                    ('b1', 's-gone', 'gone', 'dagpenge', date '2014-01-01', date '2015-01-31'),
                    ('b1', 's-back-old', 'back', 'dagpenge', date '2013-01-01', date '2014-06-30'),
                    ('b1', 's-back-now', 'back', 'dagpenge', date '2024-01-01', null),
                    ('b1', 's-obj', 'objected', 'dagpenge', date '2024-02-01', null);
                 insert into raw_status values
                    ('b1', 'gone', date '2024-05-01', 'beskaeftiget'),
                    ('b1', 'back', date '2024-05-01', 'ydelse');
                 insert into raw_interviews values
                    ('b1', 'i1', 's-back-old', 'back', date '2013-02-01', 1, 'T'),
                    ('b1', 'i2', 's-back-now', 'back', date '2024-02-01', 1, 'T');
                 insert into citizen_objections values
                    ('e1', 'objected', 'indsigelse', date '2024-03-01', 'indsigelse_art21', timestamp '2024-03-01 10:00:00');",
            )
            .unwrap();
        (dir, store)
    }

    fn ids(conn: &Connection, sql: &str) -> Vec<String> {
        query_table(conn, sql, [])
            .unwrap()
            .rows
            .iter()
            .map(|r| match &r[0] {
                crate::table::Cell::Text(t) => t.clone(),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn old_spells_and_people_without_a_spell_left_are_deleted_and_only_their_pseudonym_kept() {
        let (_dir, store) = store();
        let conn = store.lock();
        let settings = CitizenSettings::default()
            .with_retention_months(60)
            .unwrap();
        let month = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
        let deleted = apply(&conn, &settings, month).unwrap();
        assert_eq!(deleted.cutoff, NaiveDate::from_ymd_opt(2019, 6, 1));
        assert_eq!(
            ids(&conn, "select spell_id from raw_spells order by 1"),
            ["s-back-now", "s-obj"]
        );
        assert_eq!(
            ids(&conn, "select person_id from raw_citizens order by 1"),
            ["back", "objected"]
        );
        assert_eq!(ids(&conn, "select person_id from raw_status"), ["back"]);
        assert_eq!(
            ids(&conn, "select interview_id from raw_interviews"),
            ["i2"]
        );
        assert_eq!(
            ids(&conn, "select person_id from retention_expired_persons"),
            ["gone"]
        );
        let counted: std::collections::BTreeMap<_, _> = deleted.per_table.into_iter().collect();
        assert_eq!(counted["raw_spells"], 2);
        assert_eq!(counted["raw_citizens"], 1);
        assert_eq!(counted["raw_interviews"], 1);
    }

    #[test]
    fn objected_citizens_leave_the_aggregates_only_when_the_setting_says_so() {
        let (_dir, store) = store();
        let conn = store.lock();
        let month = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
        let counted = CitizenSettings::default();
        apply(&conn, &counted, month).unwrap();
        assert!(ids(&conn, "select person_id from citizen_aggregate_exclusions").is_empty());
        apply(&conn, &counted.with_objected_in_aggregates(false), month).unwrap();
        assert_eq!(
            ids(&conn, "select person_id from citizen_aggregate_exclusions"),
            ["objected"]
        );
        // A lifting after the mark ends it.
        conn.execute_batch(
            "insert into citizen_objections values
                ('e2', 'objected', 'ophaevet', date '2024-04-01', 'ophaevet_borger', timestamp '2024-04-01 10:00:00')",
        )
        .unwrap();
        assert!(ids(&conn, "select person_id from citizen_objections_in_force").is_empty());
        assert!(ids(&conn, "select person_id from citizen_aggregate_exclusions").is_empty());
    }

    #[test]
    fn the_cutoff_is_the_retention_before_the_run_month() {
        let m = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
        assert_eq!(
            cutoff(m, 60).unwrap(),
            NaiveDate::from_ymd_opt(2019, 3, 1).unwrap()
        );
    }

    #[test]
    fn every_table_with_a_pseudonym_has_a_delete_statement() {
        let tables: Vec<&str> = doomed_statements().iter().map(|(t, _)| *t).collect();
        for t in [
            "raw_citizens",
            "raw_spells",
            "raw_interviews",
            "raw_cvs",
            "raw_programmes",
            "raw_status",
            "model_scores",
            "model_validation_rows",
            "lookup_judgements",
            "citizen_objections",
            "retention_expired_persons",
            "feat_cohort",
            "feat_features",
            "feat_labels",
            "feat_model_matrix",
        ] {
            assert!(tables.contains(&t), "{t} mangler i delete_doomed.sql");
        }
        // Every statement deletes from the table its line names.
        for (t, sql) in doomed_statements() {
            assert!(sql.starts_with(&format!("delete from {t}\n")), "{t}: {sql}");
        }
    }

    #[test]
    fn the_run_log_line_names_tables_and_counts_only() {
        let d = Deleted {
            cutoff: NaiveDate::from_ymd_opt(2019, 3, 1),
            per_table: vec![("raw_spells".into(), 3), ("raw_cvs".into(), 0)],
        };
        assert_eq!(
            d.detail(),
            "forløb afsluttet før 2019-03-01; slettet: raw_spells 3"
        );
        assert_eq!(d.total(), 3);
    }
}
