//! Where users and the audit log are kept: the encrypted store in production
//! ([`StoreBackend`], its own connection, SQL in `sql/access/`), or memory for the
//! router's unit tests ([`MemoryBackend`]).

use std::sync::Mutex;

use duckdb::types::{TimeUnit, Value};
use duckdb::{params, Connection};

use super::row::{AuditRow, Checkpoint};
use super::users::User;
use super::AccessError;
use crate::store::{Store, StoreError};

/// Storage of users, sessions (`super::session_rows`) and audit rows.
pub trait Backend: super::sessions::SessionRows + Send + Sync + 'static {
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
    /// One page, newest first: rows numbered below `before` (or the newest).
    fn audit_page(
        &self,
        user: Option<&str>,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<AuditRow>, AccessError>;
    /// Rows numbered above `seq`, oldest first, handed to `f`.
    fn audit_after(
        &self,
        seq: i64,
        f: &mut dyn FnMut(AuditRow) -> Result<(), AccessError>,
    ) -> Result<(), AccessError>;
    /// The row numbered `seq`.
    fn audit_row(&self, seq: i64) -> Result<Option<AuditRow>, AccessError>;
    /// How many rows, and the highest number.
    fn audit_count(&self) -> Result<(i64, i64), AccessError>;
    /// The last row about the server itself (action `drift`).
    fn last_lifecycle(&self) -> Result<Option<AuditRow>, AccessError>;
    /// The newest verified checkpoint of the chain.
    fn last_checkpoint(&self) -> Result<Option<Checkpoint>, AccessError>;
    fn save_checkpoint(&self, c: &Checkpoint) -> Result<(), AccessError>;
}

const USER_SAVE: &str = include_str!("../../sql/access/user_save.sql");
const USERS_ALL: &str = include_str!("../../sql/access/users_all.sql");
/// Appended to in the column order of `sql/schema/020_access.sql`.
const AUDIT_TABLE: &str = "access_audit";
const AUDIT_LAST: &str = include_str!("../../sql/access/audit_last.sql");
const AUDIT_READ: &str = include_str!("../../sql/access/audit_read.sql");
const AUDIT_RECENT: &str = include_str!("../../sql/access/audit_recent.sql");
const AUDIT_PAGE: &str = include_str!("../../sql/access/audit_page.sql");
const AUDIT_AFTER: &str = include_str!("../../sql/access/audit_after.sql");
const AUDIT_ROW: &str = include_str!("../../sql/access/audit_row.sql");
const AUDIT_COUNT: &str = include_str!("../../sql/access/audit_count.sql");
const AUDIT_LAST_LIFECYCLE: &str = include_str!("../../sql/access/audit_last_lifecycle.sql");
const CHECKPOINT_LAST: &str = include_str!("../../sql/access/checkpoint_last.sql");
const CHECKPOINT_SAVE: &str = include_str!("../../sql/access/checkpoint_save.sql");

/// Users and audit in the encrypted store, through connections of their own, so
/// neither waits for a pipeline run holding the main connection, and the
/// cockpit's mart reader never touches them. Writes (the audit writer, user
/// changes) and reads (the admin page, checks, exports) have a connection each,
/// so a long read never holds up the requests waiting for their audit row.
pub struct StoreBackend {
    conn: Mutex<Connection>,
    reads: Mutex<Connection>,
}

impl StoreBackend {
    pub fn new(store: &Store) -> Result<Self, StoreError> {
        Ok(StoreBackend {
            conn: Mutex::new(store.reader()?),
            reads: Mutex::new(store.reader()?),
        })
    }

    pub(super) fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn reads(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.reads.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn one_row(&self, sql: &str, seq: Option<i64>) -> Result<Option<AuditRow>, AccessError> {
        let conn = self.reads();
        let mut stmt = conn.prepare(sql)?;
        let mut rows = match seq {
            Some(seq) => stmt.query(params![seq])?,
            None => stmt.query([])?,
        };
        Ok(rows.next()?.map(audit_row).transpose()?)
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
            // By column name, so a column added to the table cannot shift values.
            let mut app = conn.appender_with_columns(
                AUDIT_TABLE,
                &[
                    "seq",
                    "logged_at",
                    "username",
                    "role",
                    "client",
                    "method",
                    "route",
                    "path",
                    "query",
                    "action",
                    "outcome",
                    "status",
                    "detail",
                    "prev_hash",
                    "hash",
                ],
            )?;
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
        let conn = self.reads();
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
        let conn = self.reads();
        let mut stmt = conn.prepare(AUDIT_READ)?;
        let mut rows = stmt.query(params![user, user])?;
        while let Some(r) = rows.next()? {
            f(audit_row(r)?)?;
        }
        Ok(())
    }

    fn audit_page(
        &self,
        user: Option<&str>,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<AuditRow>, AccessError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        // Numbers have no gaps, so without a user filter the page lies in
        // [before - limit, before); with one, anywhere below `before`.
        let lowest = match (user, before) {
            (None, Some(b)) => b.saturating_sub(limit).max(0),
            (None, None) => {
                let (_, last) = self.audit_count()?;
                (last + 1).saturating_sub(limit).max(0)
            }
            (Some(_), _) => 0,
        };
        let conn = self.reads();
        let mut stmt = conn.prepare(AUDIT_PAGE)?;
        let rows = stmt.query_map(params![user, user, before, lowest, limit], audit_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn audit_after(
        &self,
        seq: i64,
        f: &mut dyn FnMut(AuditRow) -> Result<(), AccessError>,
    ) -> Result<(), AccessError> {
        let conn = self.reads();
        let mut stmt = conn.prepare(AUDIT_AFTER)?;
        let mut rows = stmt.query(params![seq])?;
        while let Some(r) = rows.next()? {
            f(audit_row(r)?)?;
        }
        Ok(())
    }

    fn audit_row(&self, seq: i64) -> Result<Option<AuditRow>, AccessError> {
        self.one_row(AUDIT_ROW, Some(seq))
    }

    fn audit_count(&self) -> Result<(i64, i64), AccessError> {
        let conn = self.reads();
        Ok(conn.query_row(AUDIT_COUNT, [], |r| Ok((r.get(0)?, r.get(1)?)))?)
    }

    fn last_lifecycle(&self) -> Result<Option<AuditRow>, AccessError> {
        self.one_row(AUDIT_LAST_LIFECYCLE, None)
    }

    fn last_checkpoint(&self) -> Result<Option<Checkpoint>, AccessError> {
        let conn = self.reads();
        let mut stmt = conn.prepare(CHECKPOINT_LAST)?;
        let mut rows = stmt.query([])?;
        match rows.next()? {
            Some(r) => Ok(Some(Checkpoint {
                seq: r.get(0)?,
                hash: r.get(1)?,
                rows: r.get(2)?,
                full: r.get(3)?,
                verified_at: r.get(4)?,
                full_at: r.get(5)?,
            })),
            None => Ok(None),
        }
    }

    fn save_checkpoint(&self, c: &Checkpoint) -> Result<(), AccessError> {
        self.conn().execute(
            CHECKPOINT_SAVE,
            params![c.seq, c.hash, c.rows, c.full, c.verified_at],
        )?;
        Ok(())
    }
}

/// Users and audit in memory: for tests, and for a router built without a store,
/// where nobody can log in until users are added.
#[derive(Default)]
pub struct MemoryBackend {
    users: Mutex<Vec<User>>,
    audit: Mutex<Vec<AuditRow>>,
    checkpoints: Mutex<Vec<Checkpoint>>,
    pub(super) sessions: Mutex<Vec<super::sessions::Record>>,
    /// Tests: the store refuses audit rows (a store that cannot be written).
    pub(super) refuse_audit: std::sync::atomic::AtomicBool,
}

impl MemoryBackend {
    fn rows(&self) -> std::sync::MutexGuard<'_, Vec<AuditRow>> {
        self.audit.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Changes a stored row as someone editing the database would (tests).
    #[doc(hidden)]
    pub fn tamper(&self, seq: i64, change: impl FnOnce(&mut AuditRow)) {
        if let Some(r) = self.rows().iter_mut().find(|r| r.seq == seq) {
            change(r);
        }
    }
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
        if self.refuse_audit.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(AccessError::AuditStopped(
                "lageret svarer ikke (test)".into(),
            ));
        }
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

    fn audit_page(
        &self,
        user: Option<&str>,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<AuditRow>, AccessError> {
        Ok(self
            .rows()
            .iter()
            .rev()
            .filter(|r| user.is_none() || r.user.as_deref() == user)
            .filter(|r| before.is_none_or(|b| r.seq < b))
            .take(limit)
            .cloned()
            .collect())
    }

    fn audit_after(
        &self,
        seq: i64,
        f: &mut dyn FnMut(AuditRow) -> Result<(), AccessError>,
    ) -> Result<(), AccessError> {
        let rows: Vec<AuditRow> = self
            .rows()
            .iter()
            .filter(|r| r.seq > seq)
            .cloned()
            .collect();
        rows.into_iter().try_for_each(f)
    }

    fn audit_row(&self, seq: i64) -> Result<Option<AuditRow>, AccessError> {
        Ok(self.rows().iter().find(|r| r.seq == seq).cloned())
    }

    fn audit_count(&self) -> Result<(i64, i64), AccessError> {
        let rows = self.rows();
        Ok((rows.len() as i64, rows.last().map_or(0, |r| r.seq)))
    }

    fn last_lifecycle(&self) -> Result<Option<AuditRow>, AccessError> {
        Ok(self
            .rows()
            .iter()
            .rev()
            .find(|r| r.action == "drift")
            .cloned())
    }

    fn last_checkpoint(&self) -> Result<Option<Checkpoint>, AccessError> {
        let all = self.checkpoints.lock().unwrap_or_else(|e| e.into_inner());
        let full_at = all
            .iter()
            .filter(|c| c.full)
            .map(|c| c.verified_at.clone())
            .max();
        Ok(all.last().cloned().map(|c| Checkpoint { full_at, ..c }))
    }

    fn save_checkpoint(&self, c: &Checkpoint) -> Result<(), AccessError> {
        self.checkpoints
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(c.clone());
        Ok(())
    }
}
