//! One-time tickets that bind a judgement form to the look-up that showed it: the
//! form carries only a random ticket; what it is about (citizen, spell, score)
//! stays on the server. A ticket is used once, by the user it was issued to,
//! within [`TTL`]; a forged, replayed or foreign one changes nothing.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::vocabulary::Purpose;

/// How long a look-up's form can be sent.
pub const TTL: Duration = Duration::from_secs(60 * 60);
/// At most this many open tickets; the oldest go first (memory bound).
const MAX_OPEN: usize = 20_000;

/// What a ticket stands for: the score the caseworker saw.
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    pub user: String,
    pub person_id: String,
    pub spell_id: String,
    pub cohort_month: chrono::NaiveDate,
    pub model_version: String,
    pub probability: f64,
    pub risk_band: String,
    pub purpose: Purpose,
}

/// Open tickets, by the SHA-256 of the ticket (the ticket itself is never kept).
#[derive(Debug, Default)]
pub struct Tickets {
    open: HashMap<[u8; 32], (Bound, Instant)>,
}

fn digest(ticket: &str) -> [u8; 32] {
    Sha256::digest(ticket.as_bytes()).into()
}

impl Tickets {
    /// Keeps `bound` under `ticket`, issued at `now`.
    pub fn issue(&mut self, ticket: &str, bound: Bound, now: Instant) {
        if self.open.len() >= MAX_OPEN {
            self.open
                .retain(|_, (_, at)| now.saturating_duration_since(*at) < TTL);
            if self.open.len() >= MAX_OPEN {
                if let Some(oldest) = self
                    .open
                    .iter()
                    .min_by_key(|(_, (_, at))| *at)
                    .map(|(k, _)| *k)
                {
                    self.open.remove(&oldest);
                }
            }
        }
        self.open.insert(digest(ticket), (bound, now));
    }

    /// Whether `ticket` is open for `user` (without using it).
    pub fn peek(&self, ticket: &str, user: &str, now: Instant) -> Option<&Bound> {
        self.open
            .get(&digest(ticket))
            .filter(|(b, at)| b.user == user && now.saturating_duration_since(*at) < TTL)
            .map(|(b, _)| b)
    }

    /// Uses `ticket`: what it stands for if it is open, for `user` and not too old;
    /// a ticket of another user stays open for its owner.
    pub fn take(&mut self, ticket: &str, user: &str, now: Instant) -> Option<Bound> {
        let key = digest(ticket);
        let (bound, at) = self.open.get(&key)?;
        if bound.user != user {
            return None;
        }
        let fresh = now.saturating_duration_since(*at) < TTL;
        let (bound, _) = self.open.remove(&key)?;
        fresh.then_some(bound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bound(user: &str) -> Bound {
        Bound {
            user: user.into(),
            person_id: "p".into(),
            spell_id: "s".into(),
            cohort_month: chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
            model_version: "v".into(),
            probability: 0.5,
            risk_band: "mellem".into(),
            purpose: Purpose::JobPlan,
        }
    }

    #[test]
    fn a_ticket_is_used_once_by_its_own_user_and_only_while_fresh() {
        let mut t = Tickets::default();
        let now = Instant::now();
        t.issue("abc", bound("anna"), now);
        assert_eq!(t.take("abc", "bo", now), None, "another user's ticket");
        assert_eq!(t.take("forged", "anna", now), None);
        assert_eq!(t.take("abc", "anna", now), Some(bound("anna")));
        assert_eq!(t.take("abc", "anna", now), None, "replayed");
        t.issue("old", bound("anna"), now);
        assert_eq!(t.take("old", "anna", now + TTL), None, "expired");
        assert_eq!(
            t.take("old", "anna", now),
            None,
            "an expired ticket is gone"
        );
    }
}
