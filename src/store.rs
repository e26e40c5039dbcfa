//! The embedded DuckDB store: opening, migrations, and running the SQL files of
//! the pipeline. SQL lives in `sql/`; it is embedded in the binary so a deployed
//! binary needs no source tree. The database file is encrypted (see `encryption`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use duckdb::Connection;

use crate::config::StoreSettings;
use crate::encryption::{self, EncryptionError, EncryptionKey};
use crate::marts::{self, MartError};
use crate::table::{Cell, Table};

/// Store errors, with the SQL file or migration that failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Open(#[from] EncryptionError),
    #[error("migreringen {name} fejlede: {source}")]
    Migration {
        name: &'static str,
        source: duckdb::Error,
    },
    #[error("SQL-filen {name} fejlede: {source}")]
    Sql { name: String, source: duckdb::Error },
    #[error("databasefejl: {0}")]
    Db(#[from] duckdb::Error),
    #[error("ukendt mart: {0}")]
    UnknownMart(String),
    #[error(transparent)]
    Marts(#[from] MartError),
}

/// One embedded SQL file.
#[derive(Debug, Clone, Copy)]
pub struct SqlFile {
    pub name: &'static str,
    pub sql: &'static str,
}

macro_rules! sql_file {
    ($path:literal) => {
        SqlFile {
            name: $path,
            sql: include_str!(concat!("../sql/", $path)),
        }
    };
}

/// Migrations in order. An applied migration is never edited.
pub const MIGRATIONS: &[SqlFile] = &[
    sql_file!("schema/001_init.sql"),
    sql_file!("schema/002_run_params.sql"),
    sql_file!("schema/003_model_validation.sql"),
    sql_file!("schema/004_model_decisions.sql"),
    sql_file!("schema/005_model_cards.sql"),
    sql_file!("schema/006_score_explanations.sql"),
    sql_file!("schema/007_validation_intervals.sql"),
    sql_file!("schema/008_quarantine.sql"),
    sql_file!("schema/009_batch_supersessions.sql"),
    sql_file!("schema/011_monitoring.sql"),
    sql_file!("schema/012_unknown_outcomes.sql"),
    sql_file!("schema/020_access.sql"),
    sql_file!("schema/021_access_audit_rows.sql"),
    sql_file!("schema/022_lookup_judgements.sql"),
    sql_file!("schema/030_audit_checkpoints.sql"),
    sql_file!("schema/031_access_sessions.sql"),
    sql_file!("schema/040_citizen_rights.sql"),
    sql_file!("schema/044_effects.sql"),
    sql_file!("schema/048_model_honesty.sql"),
    sql_file!("schema/060_proxy_audit.sql"),
];

/// Staging views (latest delivery wins, only batches up to the run month). The
/// batches in force come first: every other view reads deliveries through it.
pub const STAGING: &[SqlFile] = &[
    sql_file!("staging/batches_in_force.sql"),
    sql_file!("staging/stg_citizens.sql"),
    sql_file!("staging/stg_spells.sql"),
    sql_file!("staging/stg_interviews.sql"),
    sql_file!("staging/stg_cvs.sql"),
    sql_file!("staging/stg_programmes.sql"),
    sql_file!("staging/stg_status.sql"),
];

/// Feature tables, in dependency order.
pub const FEATURES: &[SqlFile] = &[
    sql_file!("features/feat_status.sql"),
    sql_file!("features/feat_cohort.sql"),
    sql_file!("features/feat_features.sql"),
    sql_file!("features/feat_labels.sql"),
    sql_file!("features/feat_model_matrix.sql"),
];

/// Per-cohort metrics; takes the run id as its one parameter.
pub const METRIC_COHORTS: SqlFile = sql_file!("metrics/metric_cohorts.sql");

/// The mart table names, from the mart files (`sql/marts/`, see `crate::marts`).
pub fn mart_names() -> impl Iterator<Item = &'static str> {
    marts::names()
}

/// Builds every mart, each after the marts it reads.
pub fn run_marts(conn: &Connection) -> Result<(), StoreError> {
    for m in marts::catalogue()? {
        run_mart_sql(conn, m)?;
    }
    Ok(())
}

/// Builds one mart on its own (for tests of one mart's SQL).
pub fn run_mart(conn: &Connection, name: &str) -> Result<(), StoreError> {
    let mart = marts::get(name)?.ok_or_else(|| StoreError::UnknownMart(name.to_string()))?;
    run_mart_sql(conn, mart)
}

fn run_mart_sql(conn: &Connection, mart: &marts::Mart) -> Result<(), StoreError> {
    conn.execute_batch(mart.sql)
        .map_err(|source| StoreError::Sql {
            name: mart.file.clone(),
            source,
        })
}

/// A handle on the store. Cloning shares the same database; DuckDB calls are
/// blocking, so async callers use `spawn_blocking`.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (or creates) the encrypted database file and applies pending
    /// migrations, with the default memory budget (`[store]`).
    pub fn open(path: &Path, key: &EncryptionKey) -> Result<Store, StoreError> {
        Store::open_within(path, key, &StoreSettings::default())
    }

    /// As [`Store::open`], inside the memory budget of `settings`.
    pub fn open_within(
        path: &Path,
        key: &EncryptionKey,
        settings: &StoreSettings,
    ) -> Result<Store, StoreError> {
        // A bad mart file is found before the store is touched, not by the first run.
        marts::catalogue()?;
        let conn = encryption::open_encrypted_within(path, key, Some(settings.memory_limit_mb()))?;
        let store = Store {
            conn: Arc::new(Mutex::new(conn)),
            path: path.to_path_buf(),
        };
        store.migrate()?;
        // Derived codes (the age band) are macros that staging, features and marts use.
        crate::vocabulary::create_macros(&store.lock()).map_err(|source| StoreError::Sql {
            name: "sql/vocabulary.toml".into(),
            source,
        })?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Exclusive access to the connection for a unit of work.
    pub fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves DuckDB itself consistent
        // (transactions roll back), so a poisoned lock is safe to reuse.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A separate connection to the same database, for readers that must not
    /// wait for a pipeline run holding the main connection.
    pub fn reader(&self) -> Result<Connection, StoreError> {
        Ok(encryption::clone_connection(&self.lock())?)
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let conn = self.lock();
        conn.execute_batch(
            "create table if not exists schema_migrations (name varchar primary key, applied_at timestamp not null)",
        )?;
        for m in MIGRATIONS {
            let applied: i64 = conn.query_row(
                "select count(*) from schema_migrations where name = ?",
                [m.name],
                |r| r.get(0),
            )?;
            if applied > 0 {
                continue;
            }
            conn.execute_batch("begin transaction")
                .map_err(|source| StoreError::Migration {
                    name: m.name,
                    source,
                })?;
            let result = conn.execute_batch(m.sql).and_then(|_| {
                conn.execute(
                    "insert into schema_migrations (name, applied_at) values (?, now())",
                    [m.name],
                )
                .map(|_| ())
            });
            match result {
                Ok(()) => conn.execute_batch("commit")?,
                Err(source) => {
                    let _ = conn.execute_batch("rollback");
                    return Err(StoreError::Migration {
                        name: m.name,
                        source,
                    });
                }
            }
        }
        Ok(())
    }
}

/// Runs a SQL file without parameters.
pub fn run_file(conn: &Connection, file: &SqlFile) -> Result<(), StoreError> {
    conn.execute_batch(file.sql)
        .map_err(|source| StoreError::Sql {
            name: file.name.to_string(),
            source,
        })
}

/// Number of rows in a table whose name comes from this crate, never from input.
pub fn count_rows(conn: &Connection, table: &'static str) -> Result<i64, StoreError> {
    let sql = ["select count(*) from ", table].concat();
    Ok(conn.query_row(&sql, [], |r| r.get(0))?)
}

/// Empties a table whose name comes from this crate, never from input.
pub fn clear_table(conn: &Connection, table: &'static str) -> Result<(), StoreError> {
    let sql = ["delete from ", table].concat();
    conn.execute(&sql, [])?;
    Ok(())
}

/// Reads a whole mart as a [`Table`]. Only names of known marts are accepted, so
/// the table name joined into the statement can never come from a request.
pub fn read_mart(conn: &Connection, mart: &str) -> Result<Table, StoreError> {
    let name = mart_names()
        .find(|m| *m == mart)
        .ok_or_else(|| StoreError::UnknownMart(mart.to_string()))?;
    let sql = ["select * from ", name].concat();
    query_table(conn, &sql, [])
}

/// Runs a query and converts the result into a [`Table`].
pub fn query_table<P: duckdb::Params>(
    conn: &Connection,
    sql: &str,
    params: P,
) -> Result<Table, StoreError> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query(params)?;
    let columns: Vec<String> = rows.as_ref().map(|s| s.column_names()).unwrap_or_default();
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let mut cells = Vec::with_capacity(columns.len());
        for i in 0..columns.len() {
            cells.push(to_cell(row.get::<_, duckdb::types::Value>(i)?));
        }
        out.push(cells);
    }
    Ok(Table { columns, rows: out })
}

fn to_cell(v: duckdb::types::Value) -> Cell {
    use duckdb::types::Value as V;
    match v {
        V::Null => Cell::Null,
        V::Boolean(b) => Cell::Int(i64::from(b)),
        V::TinyInt(x) => Cell::Int(x.into()),
        V::SmallInt(x) => Cell::Int(x.into()),
        V::Int(x) => Cell::Int(x.into()),
        V::BigInt(x) => Cell::Int(x),
        V::HugeInt(x) => Cell::Int(x as i64),
        V::UTinyInt(x) => Cell::Int(x.into()),
        V::USmallInt(x) => Cell::Int(x.into()),
        V::UInt(x) => Cell::Int(x.into()),
        V::UBigInt(x) => Cell::Int(x as i64),
        V::Float(x) => Cell::Float(x.into()),
        V::Double(x) => Cell::Float(x),
        V::Decimal(d) => Cell::Float(d.to_string().parse().unwrap_or(f64::NAN)),
        V::Date32(days) => Cell::Date(date_from_days(days)),
        V::Text(s) | V::Enum(s) => Cell::Text(s),
        other => Cell::Text(format!("{other:?}")),
    }
}

/// A DuckDB DATE (days since 1970-01-01) as a chrono date.
/// A CPR number as it would stand in a stored text: six digits, an optional
/// dash and four digits, not inside a longer run of letters or digits (a
/// pseudonym or checksum in hex holds digit runs between its letters, which
/// are not CPR numbers). A masked `010190-****` does not match.
pub const CPR_PATTERN: &str = "(^|[^0-9A-Za-z])[0-9]{6}-?[0-9]{4}([^0-9A-Za-z]|$)";

/// Every text column of the store with values that look like a CPR number, and
/// how many: the proof, run by the tests after the demo's backfill and after
/// every bad delivery, that no raw CPR was stored under any input. Table and
/// column names come from the catalogue, never from input; the pattern is a
/// bound parameter.
pub fn cpr_shaped_values(conn: &Connection) -> Result<Vec<(String, String, i64)>, StoreError> {
    let columns: Vec<(String, String)> = conn
        .prepare(include_str!("../sql/checks/text_columns.sql"))?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let quoted = |name: &str| format!("\"{}\"", name.replace('"', "\"\""));
    let mut found = Vec::new();
    for (table, column) in columns {
        let sql = format!(
            "select count(*) from {} where regexp_matches({}::varchar, ?)",
            quoted(&table),
            quoted(&column)
        );
        let n: i64 = conn.query_row(&sql, [CPR_PATTERN], |r| r.get(0))?;
        if n > 0 {
            found.push((table, column, n));
        }
    }
    Ok(found)
}

pub fn date_from_days(days: i32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid epoch")
        + chrono::Duration::days(days.into())
}

/// A chrono date as a DuckDB DATE value.
pub fn date_value(d: chrono::NaiveDate) -> duckdb::types::Value {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid epoch");
    duckdb::types::Value::Date32((d - epoch).num_days() as i32)
}
