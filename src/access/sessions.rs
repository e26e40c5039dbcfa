//! Sessions in memory: a random token (32 bytes from the OS random source) goes
//! to the browser as an HttpOnly cookie; the server keeps only its SHA-256, the
//! user, the role, a CSRF token and two clocks (idle and absolute time-out).
//! Nothing about a session is written to disk, so a restart logs everyone out.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::password::{os_random, PasswordError};
use super::roles::Role;

/// A logged-in user, as a request sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: String,
    pub role: Role,
    /// The token every state-changing form of this session must carry.
    pub csrf: String,
}

struct Entry {
    session: Session,
    created: Instant,
    last_seen: Instant,
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

impl Sessions {
    pub fn new(idle: Duration, absolute: Duration) -> Self {
        Sessions {
            by_hash: HashMap::new(),
            idle,
            absolute,
        }
    }

    /// Starts a session; returns the token for the cookie.
    pub fn create(
        &mut self,
        user: &str,
        role: Role,
        now: Instant,
    ) -> Result<(String, Session), PasswordError> {
        self.prune(now);
        let token = random_token()?;
        let session = Session {
            user: user.to_string(),
            role,
            csrf: random_token()?,
        };
        self.by_hash.insert(
            digest(&token),
            Entry {
                session: session.clone(),
                created: now,
                last_seen: now,
            },
        );
        Ok((token, session))
    }

    /// The session of a token, if it exists and has timed out neither way; using
    /// it restarts the idle clock. An expired session is removed.
    pub fn get(&mut self, token: &str, now: Instant) -> Option<Session> {
        let key = digest(token);
        let (idle, absolute) = (self.idle, self.absolute);
        let entry = self.by_hash.get_mut(&key)?;
        if !alive(entry, now, idle, absolute) {
            self.by_hash.remove(&key);
            return None;
        }
        entry.last_seen = now;
        Some(entry.session.clone())
    }

    /// Ends the session of a token (logout).
    pub fn remove(&mut self, token: &str) {
        self.by_hash.remove(&digest(token));
    }

    /// Ends every session of a user (disabled, new role, new password).
    pub fn remove_user(&mut self, user: &str) {
        self.by_hash.retain(|_, e| e.session.user != user);
    }

    /// Number of live sessions (expired ones are dropped first).
    pub fn len(&mut self, now: Instant) -> usize {
        self.prune(now);
        self.by_hash.len()
    }

    fn prune(&mut self, now: Instant) {
        let (idle, absolute) = (self.idle, self.absolute);
        self.by_hash.retain(|_, e| alive(e, now, idle, absolute));
    }
}

/// Neither idle too long nor older than the absolute limit.
fn alive(e: &Entry, now: Instant, idle: Duration, absolute: Duration) -> bool {
    now.saturating_duration_since(e.last_seen) < idle
        && now.saturating_duration_since(e.created) < absolute
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sessions() -> Sessions {
        Sessions::new(Duration::from_secs(60), Duration::from_secs(300))
    }

    #[test]
    fn a_token_finds_its_session_and_a_forged_one_finds_nothing() {
        let mut s = sessions();
        let now = Instant::now();
        let (token, session) = s.create("anna", Role::Ledelse, now).unwrap();
        assert_eq!(token.len(), 43);
        assert_eq!(s.get(&token, now), Some(session.clone()));
        assert_ne!(session.csrf, token);
        assert_eq!(s.get("forfalsket", now), None);
        assert_eq!(s.get(&random_token().unwrap(), now), None);
    }

    #[test]
    fn a_session_idle_too_long_is_gone_and_use_keeps_it_alive() {
        let mut s = sessions();
        let t0 = Instant::now();
        let (token, _) = s.create("anna", Role::Ledelse, t0).unwrap();
        assert!(s.get(&token, t0 + Duration::from_secs(50)).is_some());
        assert!(s.get(&token, t0 + Duration::from_secs(100)).is_some());
        assert!(s.get(&token, t0 + Duration::from_secs(160)).is_none());
        assert!(
            s.get(&token, t0 + Duration::from_secs(100)).is_none(),
            "removed"
        );
    }

    #[test]
    fn a_session_in_constant_use_still_ends_at_the_absolute_limit() {
        let mut s = sessions();
        let t0 = Instant::now();
        let (token, _) = s.create("anna", Role::Ledelse, t0).unwrap();
        for secs in (30..300).step_by(30) {
            assert!(
                s.get(&token, t0 + Duration::from_secs(secs)).is_some(),
                "{secs}"
            );
        }
        assert!(s.get(&token, t0 + Duration::from_secs(300)).is_none());
    }

    #[test]
    fn logout_and_user_changes_end_sessions() {
        let mut s = sessions();
        let now = Instant::now();
        let (a, _) = s.create("anna", Role::Ledelse, now).unwrap();
        let (b, _) = s.create("bo", Role::Admin, now).unwrap();
        let (c, _) = s.create("bo", Role::Admin, now).unwrap();
        s.remove(&a);
        assert!(s.get(&a, now).is_none());
        s.remove_user("bo");
        assert!(s.get(&b, now).is_none() && s.get(&c, now).is_none());
        assert_eq!(s.len(now), 0);
    }
}
