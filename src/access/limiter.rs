//! Login throttling and lock-out, in memory. Every attempt counts as a failure
//! until it succeeds, so parallel guesses cannot slip past the limit while their
//! passwords are being hashed.
//!
//! - per user name: at most [`PER_MINUTE`] failures in a minute; the next attempt is
//!   refused without looking at the password. [`LOCK_AFTER`] failures within
//!   [`LOCK_WINDOW`] lock the name for [`LOCK_FOR`] (a new password lifts it);
//! - per client address: at most [`PER_MINUTE_ADDRESS`] failures in a minute, higher
//!   because a municipality's users may share one address behind its NAT.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Failed logins per user name within [`WINDOW`] before the next is refused.
pub const PER_MINUTE: usize = 5;
/// Failed logins per client address within [`WINDOW`] before the next is refused.
pub const PER_MINUTE_ADDRESS: usize = 30;
/// The throttling window.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Failed logins per user name within [`LOCK_WINDOW`] that lock it.
pub const LOCK_AFTER: usize = 10;
pub const LOCK_WINDOW: Duration = Duration::from_secs(15 * 60);
pub const LOCK_FOR: Duration = Duration::from_secs(15 * 60);
/// Beyond this many tracked keys the oldest are forgotten (memory bound).
const MAX_KEYS: usize = 50_000;

/// Whether an attempt may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Open,
    /// Too many failures in the last minute; try again after this long.
    Throttled(Duration),
    /// The user name is locked for this long.
    Locked(Duration),
}

#[derive(Default)]
struct Track {
    failures: VecDeque<Instant>,
    locked_until: Option<Instant>,
}

/// Failure history per user name and per client address.
#[derive(Default)]
pub struct Limiter {
    users: HashMap<String, Track>,
    addresses: HashMap<String, Track>,
}

fn recent(track: &Track, now: Instant, window: Duration) -> usize {
    track
        .failures
        .iter()
        .filter(|t| now.saturating_duration_since(**t) < window)
        .count()
}

fn retry_after(track: &Track, now: Instant, limit: usize) -> Duration {
    // The attempt that will drop out of the window first decides the wait.
    let inside: Vec<&Instant> = track
        .failures
        .iter()
        .filter(|t| now.saturating_duration_since(**t) < WINDOW)
        .collect();
    let oldest_that_matters = inside.len().saturating_sub(limit);
    inside
        .get(oldest_that_matters)
        .map(|t| WINDOW.saturating_sub(now.saturating_duration_since(**t)))
        .unwrap_or(WINDOW)
}

impl Limiter {
    /// Decides whether an attempt for `user` from `address` may proceed; if so,
    /// counts it as a failure until [`Limiter::succeeded`] says otherwise.
    pub fn begin(&mut self, user: &str, address: &str, now: Instant) -> Gate {
        self.prune(now);
        let user = user.to_lowercase();
        if let Some(track) = self.users.get(&user) {
            if let Some(until) = track.locked_until.filter(|u| *u > now) {
                return Gate::Locked(until - now);
            }
            if recent(track, now, WINDOW) >= PER_MINUTE {
                return Gate::Throttled(retry_after(track, now, PER_MINUTE));
            }
        }
        if let Some(track) = self.addresses.get(address) {
            if recent(track, now, WINDOW) >= PER_MINUTE_ADDRESS {
                return Gate::Throttled(retry_after(track, now, PER_MINUTE_ADDRESS));
            }
        }
        let track = self.users.entry(user).or_default();
        track.failures.push_back(now);
        if recent(track, now, LOCK_WINDOW) >= LOCK_AFTER {
            track.locked_until = Some(now + LOCK_FOR);
        }
        self.addresses
            .entry(address.to_string())
            .or_default()
            .failures
            .push_back(now);
        Gate::Open
    }

    /// The attempt begun for `user` from `address` was a correct login: it no
    /// longer counts, and the user's earlier failures are forgiven.
    pub fn succeeded(&mut self, user: &str, address: &str) {
        self.users.remove(&user.to_lowercase());
        if let Some(track) = self.addresses.get_mut(address) {
            track.failures.pop_back();
        }
    }

    /// Lifts a lock and forgets the failures of a user (a new password was set).
    pub fn clear_user(&mut self, user: &str) {
        self.users.remove(&user.to_lowercase());
    }

    fn prune(&mut self, now: Instant) {
        for map in [&mut self.users, &mut self.addresses] {
            if map.len() < MAX_KEYS / 2 {
                continue;
            }
            map.retain(|_, t| {
                t.failures
                    .retain(|f| now.saturating_duration_since(*f) < LOCK_WINDOW);
                !t.failures.is_empty() || t.locked_until.is_some_and(|u| u > now)
            });
            if map.len() >= MAX_KEYS {
                map.clear();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_failure_in_a_minute_is_throttled_and_a_minute_later_it_opens() {
        let mut l = Limiter::default();
        let t0 = Instant::now();
        for i in 0..5 {
            let now = t0 + Duration::from_secs(i);
            assert_eq!(l.begin("Anna", "10.0.0.1", now), Gate::Open, "attempt {i}");
        }
        let sixth = l.begin("anna", "10.0.0.2", t0 + Duration::from_secs(10));
        assert_eq!(sixth, Gate::Throttled(Duration::from_secs(50)));
        // Another user from the same address is not affected.
        assert_eq!(
            l.begin("bo", "10.0.0.1", t0 + Duration::from_secs(11)),
            Gate::Open
        );
        assert_eq!(
            l.begin("anna", "10.0.0.1", t0 + Duration::from_secs(61)),
            Gate::Open
        );
    }

    #[test]
    fn a_correct_login_is_not_counted_and_forgives_earlier_failures() {
        let mut l = Limiter::default();
        let now = Instant::now();
        for _ in 0..4 {
            l.begin("anna", "a", now);
        }
        assert_eq!(l.begin("anna", "a", now), Gate::Open);
        l.succeeded("anna", "a");
        for _ in 0..5 {
            assert_eq!(l.begin("anna", "a", now), Gate::Open);
        }
    }

    #[test]
    fn ten_failures_in_a_quarter_lock_the_name_until_cleared() {
        let mut l = Limiter::default();
        let t0 = Instant::now();
        for i in 0..LOCK_AFTER as u64 {
            // Spaced out so the per-minute limit never trips.
            assert_eq!(
                l.begin("anna", "a", t0 + Duration::from_secs(61 * i / 5)),
                Gate::Open
            );
        }
        let later = t0 + Duration::from_secs(200);
        assert!(matches!(l.begin("anna", "a", later), Gate::Locked(_)));
        l.clear_user("anna");
        assert_eq!(l.begin("anna", "a", later), Gate::Open);
    }

    #[test]
    fn many_failures_from_one_address_throttle_it_for_every_name() {
        let mut l = Limiter::default();
        let now = Instant::now();
        for i in 0..PER_MINUTE_ADDRESS {
            assert_eq!(l.begin(&format!("bruger{i}"), "10.0.0.9", now), Gate::Open);
        }
        assert!(matches!(l.begin("ny", "10.0.0.9", now), Gate::Throttled(_)));
        assert_eq!(l.begin("ny", "10.0.0.8", now), Gate::Open);
    }
}
