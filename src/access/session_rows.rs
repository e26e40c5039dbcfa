//! Where sessions are kept between restarts ([`SessionRows`] for each backend):
//! `access_sessions` in the store (SQL in `sql/access/session_*.sql`), or memory for
//! the router's unit tests. Only the token's hash is written (`super::sessions`).

use chrono::{DateTime, NaiveDateTime, Utc};
use duckdb::params;

use super::backend::{MemoryBackend, StoreBackend};
use super::sessions::{Record, Session, SessionRows};
use super::AccessError;

const SESSION_SAVE: &str = include_str!("../../sql/access/session_save.sql");
const SESSION_TOUCH: &str = include_str!("../../sql/access/session_touch.sql");
const SESSION_DELETE: &str = include_str!("../../sql/access/session_delete.sql");
const SESSION_DELETE_USER: &str = include_str!("../../sql/access/session_delete_user.sql");
const SESSION_PRUNE: &str = include_str!("../../sql/access/session_prune.sql");
const SESSIONS_ALL: &str = include_str!("../../sql/access/sessions_all.sql");

/// The store's timestamp text (UTC, microseconds).
fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
}

fn parse_stamp(s: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc())
}

impl SessionRows for StoreBackend {
    fn load_sessions(&self) -> Result<Vec<Record>, AccessError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(SESSIONS_ALL)?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        let mut records = Vec::new();
        for row in rows {
            let (token_hash, user, role, csrf, created, last_seen) = row?;
            // A row that does not parse (a role no longer known) is not restored:
            // its user logs in again.
            let (Ok(role), Some(created), Some(last_seen)) =
                (role.parse(), parse_stamp(&created), parse_stamp(&last_seen))
            else {
                continue;
            };
            records.push(Record {
                token_hash,
                session: Session { user, role, csrf },
                created,
                last_seen,
            });
        }
        Ok(records)
    }

    fn save_session(&self, r: &Record) -> Result<(), AccessError> {
        self.conn().execute(
            SESSION_SAVE,
            params![
                r.token_hash,
                r.session.user,
                r.session.role.as_str(),
                r.session.csrf,
                stamp(r.created),
                stamp(r.last_seen)
            ],
        )?;
        Ok(())
    }

    fn touch_session(&self, token_hash: &str, at: DateTime<Utc>) -> Result<(), AccessError> {
        self.conn()
            .execute(SESSION_TOUCH, params![stamp(at), token_hash])?;
        Ok(())
    }

    fn delete_session(&self, token_hash: &str) -> Result<(), AccessError> {
        self.conn().execute(SESSION_DELETE, params![token_hash])?;
        Ok(())
    }

    fn delete_user_sessions(&self, user: &str) -> Result<(), AccessError> {
        self.conn().execute(SESSION_DELETE_USER, params![user])?;
        Ok(())
    }

    fn prune_sessions(
        &self,
        idle: DateTime<Utc>,
        absolute: DateTime<Utc>,
    ) -> Result<(), AccessError> {
        self.conn()
            .execute(SESSION_PRUNE, params![stamp(idle), stamp(absolute)])?;
        Ok(())
    }
}

impl MemoryBackend {
    fn stored(&self) -> std::sync::MutexGuard<'_, Vec<Record>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl SessionRows for MemoryBackend {
    fn load_sessions(&self) -> Result<Vec<Record>, AccessError> {
        Ok(self.stored().clone())
    }

    fn save_session(&self, r: &Record) -> Result<(), AccessError> {
        self.stored().push(r.clone());
        Ok(())
    }

    fn touch_session(&self, token_hash: &str, at: DateTime<Utc>) -> Result<(), AccessError> {
        for r in self
            .stored()
            .iter_mut()
            .filter(|r| r.token_hash == token_hash)
        {
            r.last_seen = at;
        }
        Ok(())
    }

    fn delete_session(&self, token_hash: &str) -> Result<(), AccessError> {
        self.stored().retain(|r| r.token_hash != token_hash);
        Ok(())
    }

    fn delete_user_sessions(&self, user: &str) -> Result<(), AccessError> {
        self.stored().retain(|r| r.session.user != user);
        Ok(())
    }

    fn prune_sessions(
        &self,
        idle: DateTime<Utc>,
        absolute: DateTime<Utc>,
    ) -> Result<(), AccessError> {
        self.stored()
            .retain(|r| r.last_seen >= idle && r.created >= absolute);
        Ok(())
    }
}
