//! Where users and the audit log are kept: the encrypted store in production
//! ([`StoreBackend`], its own connection, SQL in `sql/access/`), or memory for the
//! router's unit tests ([`MemoryBackend`]).

use std::sync::Mutex;

use duckdb::types::{TimeUnit, Value};
use duckdb::{params, Connection};

use super::row::AuditRow;
use super::users::User;
use super::AccessError;
use crate::store::{Store, StoreError};

/// Storage of users and audit rows.
pub trait Backend: Send + Sync + 'static {
    fn load_users(&self) -> Result<Vec<User>, AccessError>;
    /// Creates or replaces a user.
    fn save_user(&self, user: &User) -> Result<(), AccessError>;
    /// The number and hash of the last audit row.
    fn last_audit(&self) -> Result<Option<(i64, String)>, AccessError>;
    /// Appends rows in one transaction: all or none.
    fn append_audit(&self, rows: &[AuditRow]) -> Result<(), AccessError>;
    fn recent_audit(&self, user: Option<&str>, limit: usize) -> Result<Vec<AuditRow>, AccessError>;
    fn each_audit(
        &self,
        user: Option<&str>,
        f: &mut dyn FnMut(AuditRow) -> Result<(), AccessError>,
    ) -> Result<(), AccessError>;
}

const USER_SAVE: &str = include_str!("../../sql/access/user_save.sql");
const USERS_ALL: &str = include_str!("../../sql/access/users_all.sql");
/// Appended to in the column order of `sql/schema/020_access.sql`.
const AUDIT_TABLE: &str = "access_audit";
const AUDIT_LAST: &str = include_str!("../../sql/access/audit_last.sql");
const AUDIT_READ: &str = include_str!("../../sql/access/audit_read.sql");
const AUDIT_RECENT: &str = include_str!("../../sql/access/audit_recent.sql");

/// Users and audit in the encrypted store, through a connection of their own, so
/// neither waits for a pipeline run holding the main connection, and the
/// cockpit's mart reader never touches them.
pub struct StoreBackend {
    conn: Mutex<Connection>,
}

impl StoreBackend {
    pub fn new(store: &Store) -> Result<Self, StoreError> {
        Ok(StoreBackend {
            conn: Mutex::new(store.reader()?),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn audit_row(r: &duckdb::Row<'_>) -> duckdb::Result<AuditRow> {
    Ok(AuditRow {
        seq: r.get(0)?,
        at: r.get(1)?,
        user: r.get(2)?,
        role: r.get(3)?,
        client: r.get(4)?,
        method: r.get(5)?,
        route: r.get(6)?,
        path: r.get(7)?,
        query: r.get(8)?,
        action: r.get(9)?,
        outcome: r.get(10)?,
        status: r.get(11)?,
        detail: r.get(12)?,
        prev_hash: r.get(13)?,
        hash: r.get(14)?,
    })
}

impl Backend for StoreBackend {
    fn load_users(&self) -> Result<Vec<User>, AccessError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(USERS_ALL)?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        let mut users = Vec::new();
        for row in rows {
            let (name, role, password_hash, enabled, created_at, updated_at) = row?;
            users.push(User {
                name,
                role: role.parse()?,
                enabled,
                password_hash,
                created_at,
                updated_at,
            });
        }
        Ok(users)
    }

    fn save_user(&self, u: &User) -> Result<(), AccessError> {
        self.conn().execute(
            USER_SAVE,
            params![
                u.name,
                u.role.as_str(),
                u.password_hash,
                u.enabled,
                u.created_at,
                u.updated_at
            ],
        )?;
        Ok(())
    }

    fn last_audit(&self) -> Result<Option<(i64, String)>, AccessError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(AUDIT_LAST)?;
        let mut rows = stmt.query([])?;
        match rows.next()? {
            Some(r) => Ok(Some((r.get(0)?, r.get(1)?))),
            None => Ok(None),
        }
    }

    fn append_audit(&self, rows: &[AuditRow]) -> Result<(), AccessError> {
        // DuckDB's appender, not one INSERT per row: a prepared INSERT stored
        // about 700 rows a second on the 2-core machine, the appender tens of
        // thousands (examples/bench_access.rs).
        let conn = self.conn();
        conn.execute_batch("begin transaction")?;
        let appended = (|| -> Result<(), AccessError> {
            let mut app = conn.appender(AUDIT_TABLE)?;
            for r in rows {
                let at = chrono::NaiveDateTime::parse_from_str(&r.at, "%Y-%m-%d %H:%M:%S%.f")
                    .map_err(|e| AccessError::AuditStopped(format!("tidspunkt {}: {e}", r.at)))?
                    .and_utc()
                    .timestamp_micros();
                app.append_row(params![
                    r.seq,
                    Value::Timestamp(TimeUnit::Microsecond, at),
                    r.user,
                    r.role,
                    r.client,
                    r.method,
                    r.route,
                    r.path,
                    r.query,
                    r.action,
                    r.outcome,
                    r.status,
                    r.detail,
                    r.prev_hash,
                    r.hash
                ])?;
            }
            app.flush()?;
            Ok(())
        })();
        match appended {
            Ok(()) => Ok(conn.execute_batch("commit")?),
            Err(e) => {
                let _ = conn.execute_batch("rollback");
                Err(e)
            }
        }
    }

    fn recent_audit(&self, user: Option<&str>, limit: usize) -> Result<Vec<AuditRow>, AccessError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(AUDIT_RECENT)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![user, user, limit], audit_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn each_audit(
        &self,
        user: Option<&str>,
        f: &mut dyn FnMut(AuditRow) -> Result<(), AccessError>,
    ) -> Result<(), AccessError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(AUDIT_READ)?;
        let mut rows = stmt.query(params![user, user])?;
        while let Some(r) = rows.next()? {
            f(audit_row(r)?)?;
        }
        Ok(())
    }
}

/// Users and audit in memory: for tests, and for a router built without a store,
/// where nobody can log in until users are added.
#[derive(Default)]
pub struct MemoryBackend {
    users: Mutex<Vec<User>>,
    audit: Mutex<Vec<AuditRow>>,
}

impl Backend for MemoryBackend {
    fn load_users(&self) -> Result<Vec<User>, AccessError> {
        Ok(self.users.lock().unwrap_or_else(|e| e.into_inner()).clone())
    }

    fn save_user(&self, user: &User) -> Result<(), AccessError> {
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        users.retain(|u| u.name != user.name);
        users.push(user.clone());
        Ok(())
    }

    fn last_audit(&self) -> Result<Option<(i64, String)>, AccessError> {
        let audit = self.audit.lock().unwrap_or_else(|e| e.into_inner());
        Ok(audit.last().map(|r| (r.seq, r.hash.clone())))
    }

    fn append_audit(&self, rows: &[AuditRow]) -> Result<(), AccessError> {
        self.audit
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(rows);
        Ok(())
    }

    fn recent_audit(&self, user: Option<&str>, limit: usize) -> Result<Vec<AuditRow>, AccessError> {
        let audit = self.audit.lock().unwrap_or_else(|e| e.into_inner());
        Ok(audit
            .iter()
            .rev()
            .filter(|r| user.is_none() || r.user.as_deref() == user)
            .take(limit)
            .cloned()
            .collect())
    }

    fn each_audit(
        &self,
        user: Option<&str>,
        f: &mut dyn FnMut(AuditRow) -> Result<(), AccessError>,
    ) -> Result<(), AccessError> {
        let rows: Vec<AuditRow> = self
            .audit
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|r| user.is_none() || r.user.as_deref() == user)
            .cloned()
            .collect();
        rows.into_iter().try_for_each(f)
    }
}
