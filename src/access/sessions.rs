//! Sessions: a random token (32 bytes from the OS random source) goes to the
//! browser as an HttpOnly cookie; the server keeps only its SHA-256, the user, the
//! role, a CSRF token and two clocks (idle and absolute time-out). The live ones
//! are held here in memory; each is also a row of `access_sessions` (written by
//! `Access` through the backend), so a restart keeps users logged in. The clocks are
//! wall-clock UTC so they mean the same after a restart.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use super::password::{os_random, PasswordError};
use super::roles::Role;

/// A stored session's last use is written again only after this long, so a page
/// view does not cost a write; a restored session may time out this much early.
pub const TOUCH_EVERY: Duration = Duration::seconds(60);

/// A logged-in user, as a request sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: String,
    pub role: Role,
    /// The token every state-changing form of this session must carry.
    pub csrf: String,
}

/// A stored session's last use to write: its token hash and the time.
pub type Touch = (String, DateTime<Utc>);

/// Storage of sessions.
pub trait SessionRows {
    fn load_sessions(&self) -> Result<Vec<Record>, super::AccessError>;
    fn save_session(&self, r: &Record) -> Result<(), super::AccessError>;
    fn touch_session(&self, token_hash: &str, at: DateTime<Utc>) -> Result<(), super::AccessError>;
    fn delete_session(&self, token_hash: &str) -> Result<(), super::AccessError>;
    fn delete_user_sessions(&self, user: &str) -> Result<(), super::AccessError>;
    /// Deletes the sessions idle since before `idle` or created before `absolute`.
    fn prune_sessions(
        &self,
        idle: DateTime<Utc>,
        absolute: DateTime<Utc>,
    ) -> Result<(), super::AccessError>;
}

/// A session as the store keeps it: the token's hash, never the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Hex SHA-256 of the cookie token.
    pub token_hash: String,
    pub session: Session,
    pub created: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}

struct Entry {
    session: Session,
    created: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    /// The last use written to the store.
    stored_seen: DateTime<Utc>,
}

/// The live sessions and their time-outs.
pub struct Sessions {
    by_hash: HashMap<[u8; 32], Entry>,
    idle: Duration,
    absolute: Duration,
}

/// A new random token, base64url without padding (43 characters).
pub fn random_token() -> Result<String, PasswordError> {
    let mut bytes = [0u8; 32];
    os_random(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The hex SHA-256 a token is stored under.
pub fn token_hash(token: &str) -> String {
    hex::encode(digest(token))
}

impl Sessions {
    pub fn new(idle: std::time::Duration, absolute: std::time::Duration) -> Self {
        Sessions {
            by_hash: HashMap::new(),
            idle: Duration::from_std(idle).unwrap_or(Duration::MAX),
            absolute: Duration::from_std(absolute).unwrap_or(Duration::MAX),
        }
    }

    /// The times before which a session is past its idle / absolute time-out.
    pub fn cut_offs(&self, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        (now - self.idle, now - self.absolute)
    }

    /// Puts stored sessions back (at start); the ones past a time-out or with a
    /// malformed hash are left out. Returns how many were restored.
    pub fn restore(&mut self, records: Vec<Record>, now: DateTime<Utc>) -> usize {
        let mut restored = 0;
        for r in records {
            let Some(key) = hex::decode(&r.token_hash)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
            else {
                continue;
            };
            let entry = Entry {
                session: r.session,
                created: r.created,
                last_seen: r.last_seen,
                stored_seen: r.last_seen,
            };
            if self.alive(&entry, now) {
                self.by_hash.insert(key, entry);
                restored += 1;
            }
        }
        restored
    }

    /// Starts a session; returns the token for the cookie and the record to store.
    pub fn create(
        &mut self,
        user: &str,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<(String, Record), PasswordError> {
        self.prune(now);
        let token = random_token()?;
        let session = Session {
            user: user.to_string(),
            role,
            csrf: random_token()?,
        };
        let key = digest(&token);
        self.by_hash.insert(
            key,
            Entry {
                session: session.clone(),
                created: now,
                last_seen: now,
                stored_seen: now,
            },
        );
        let record = Record {
            token_hash: hex::encode(key),
            session,
            created: now,
            last_seen: now,
        };
        Ok((token, record))
    }

    /// The session of a token, if it exists and has timed out neither way; using
    /// it restarts the idle clock. An expired session is removed. The second value
    /// is the token hash and time to write as its last use, when that is due.
    pub fn get(&mut self, token: &str, now: DateTime<Utc>) -> Option<(Session, Option<Touch>)> {
        let key = digest(token);
        let alive = self.by_hash.get(&key).map(|e| self.alive(e, now))?;
        if !alive {
            self.by_hash.remove(&key);
            return None;
        }
        let entry = self.by_hash.get_mut(&key)?;
        entry.last_seen = now;
        let touch = (now - entry.stored_seen >= TOUCH_EVERY).then(|| {
            entry.stored_seen = now;
            (hex::encode(key), now)
        });
        Some((entry.session.clone(), touch))
    }

    /// Ends the session of a token (logout); returns the hash it was stored under.
    pub fn remove(&mut self, token: &str) -> String {
        let key = digest(token);
        self.by_hash.remove(&key);
        hex::encode(key)
    }

    /// Ends every session of a user (disabled, new role, new password).
    pub fn remove_user(&mut self, user: &str) {
        self.by_hash.retain(|_, e| e.session.user != user);
    }

    /// Number of live sessions (expired ones are dropped first).
    pub fn len(&mut self, now: DateTime<Utc>) -> usize {
        self.prune(now);
        self.by_hash.len()
    }

    fn prune(&mut self, now: DateTime<Utc>) {
        let (idle, absolute) = (self.idle, self.absolute);
        self.by_hash
            .retain(|_, e| now - e.last_seen < idle && now - e.created < absolute);
    }

    /// Neither idle too long nor older than the absolute limit.
    fn alive(&self, e: &Entry, now: DateTime<Utc>) -> bool {
        now - e.last_seen < self.idle && now - e.created < self.absolute
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sessions() -> Sessions {
        Sessions::new(
            std::time::Duration::from_secs(600),
            std::time::Duration::from_secs(3000),
        )
    }

    fn secs(s: i64) -> Duration {
        Duration::seconds(s)
    }

    #[test]
    fn a_token_finds_its_session_and_a_forged_one_finds_nothing() {
        let mut s = sessions();
        let now = Utc::now();
        let (token, record) = s.create("anna", Role::Ledelse, now).unwrap();
        assert_eq!(token.len(), 43);
        assert_eq!(record.token_hash, token_hash(&token));
        assert_ne!(record.token_hash, token);
        assert_eq!(
            s.get(&token, now).map(|g| g.0),
            Some(record.session.clone())
        );
        assert_ne!(record.session.csrf, token);
        assert_eq!(s.get("forfalsket", now), None);
        assert_eq!(s.get(&random_token().unwrap(), now), None);
    }

    #[test]
    fn a_session_idle_too_long_is_gone_and_use_keeps_it_alive() {
        let mut s = sessions();
        let t0 = Utc::now();
        let (token, _) = s.create("anna", Role::Ledelse, t0).unwrap();
        assert!(s.get(&token, t0 + secs(500)).is_some());
        assert!(s.get(&token, t0 + secs(1000)).is_some());
        assert!(s.get(&token, t0 + secs(1600)).is_none());
        assert!(s.get(&token, t0 + secs(1000)).is_none(), "removed");
    }

    #[test]
    fn a_session_in_constant_use_still_ends_at_the_absolute_limit() {
        let mut s = sessions();
        let t0 = Utc::now();
        let (token, _) = s.create("anna", Role::Ledelse, t0).unwrap();
        for n in (300..3000).step_by(300) {
            assert!(s.get(&token, t0 + secs(n)).is_some(), "{n}");
        }
        assert!(s.get(&token, t0 + secs(3000)).is_none());
    }

    #[test]
    fn last_use_is_written_at_most_once_a_minute() {
        let mut s = sessions();
        let t0 = Utc::now();
        let (token, record) = s.create("anna", Role::Ledelse, t0).unwrap();
        assert_eq!(s.get(&token, t0 + secs(10)).unwrap().1, None);
        assert_eq!(s.get(&token, t0 + secs(59)).unwrap().1, None);
        assert_eq!(
            s.get(&token, t0 + secs(61)).unwrap().1,
            Some((record.token_hash.clone(), t0 + secs(61)))
        );
        assert_eq!(s.get(&token, t0 + secs(100)).unwrap().1, None);
        assert!(s.get(&token, t0 + secs(125)).unwrap().1.is_some());
    }

    #[test]
    fn stored_sessions_come_back_after_a_restart_unless_timed_out() {
        let mut before = sessions();
        let t0 = Utc::now();
        let (kept, a) = before.create("anna", Role::Ledelse, t0).unwrap();
        let (idle, b) = before.create("bo", Role::Admin, t0 - secs(700)).unwrap();
        let (old, mut c) = before.create("cai", Role::Udvalg, t0 - secs(3100)).unwrap();
        c.last_seen = t0;
        let mut forged = a.clone();
        forged.token_hash = "ikke-hex".into();

        let mut after = sessions();
        assert_eq!(
            after.restore(vec![a.clone(), b, c, forged], t0 + secs(5)),
            1
        );
        assert_eq!(after.get(&kept, t0 + secs(5)).map(|g| g.0), Some(a.session));
        assert!(after.get(&idle, t0 + secs(5)).is_none(), "idle too long");
        assert!(
            after.get(&old, t0 + secs(5)).is_none(),
            "past the absolute limit"
        );
    }

    #[test]
    fn logout_and_user_changes_end_sessions() {
        let mut s = sessions();
        let now = Utc::now();
        let (a, ra) = s.create("anna", Role::Ledelse, now).unwrap();
        let (b, _) = s.create("bo", Role::Admin, now).unwrap();
        let (c, _) = s.create("bo", Role::Admin, now).unwrap();
        assert_eq!(s.remove(&a), ra.token_hash);
        assert!(s.get(&a, now).is_none());
        s.remove_user("bo");
        assert!(s.get(&b, now).is_none() && s.get(&c, now).is_none());
        assert_eq!(s.len(now), 0);
    }
}
