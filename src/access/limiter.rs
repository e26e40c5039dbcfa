//! Login throttling and lock-out, in memory. Every attempt counts as a failure
//! until it succeeds, so parallel guesses cannot slip past the limit while their
//! passwords are being hashed.
//!
//! Counted by address and account together, so a stranger cannot lock a named
//! user out: six wrong passwords for "anna" from the stranger's address throttle
//! "anna" *from that address*, while anna from her own address still gets in.
//! - per user name and address: at most [`PER_MINUTE`] failures in a minute; the
//!   next attempt is refused without looking at the password. [`LOCK_AFTER`]
//!   failures within [`LOCK_WINDOW`] lock the name from that address for
//!   [`LOCK_FOR`] (a new password lifts it);
//! - per client address: at most [`PER_MINUTE_ADDRESS`] failures in a minute, for
//!   every name, higher because a municipality's users may share one address;
//! - per user name from every address: beyond [`ACCOUNT_CEILING`] failures within
//!   [`LOCK_WINDOW`] (many addresses guessing one password), attempts are refused
//!   from every address except those the user has logged in from before;
//! - [`ALERT_USER`] failures for one name, or [`ALERT_ADDRESS`] from one address,
//!   within [`LOCK_WINDOW`] raise an alert for the administrator
//!   ([`Limiter::take_alerts`]), once per window.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Failed logins per user name and address within [`WINDOW`] before the next is refused.
pub const PER_MINUTE: usize = 5;
/// Failed logins per client address within [`WINDOW`] before the next is refused.
pub const PER_MINUTE_ADDRESS: usize = 30;
/// The throttling window.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Failed logins per user name and address within [`LOCK_WINDOW`] that lock the pair.
pub const LOCK_AFTER: usize = 10;
pub const LOCK_WINDOW: Duration = Duration::from_secs(15 * 60);
pub const LOCK_FOR: Duration = Duration::from_secs(15 * 60);
/// Failed logins per user name from all addresses within [`LOCK_WINDOW`] beyond
/// which only addresses the user has logged in from may try.
pub const ACCOUNT_CEILING: usize = 50;
/// Failed logins per user name (any address) within [`LOCK_WINDOW`] that raise an alert.
pub const ALERT_USER: usize = 10;
/// Failed logins from one address (any name) within [`LOCK_WINDOW`] that raise an alert.
pub const ALERT_ADDRESS: usize = 30;
/// Addresses remembered per user as known (a successful login from there).
const KNOWN_PER_USER: usize = 20;
/// Beyond this many tracked keys the oldest are forgotten (memory bound).
const MAX_KEYS: usize = 50_000;

/// Whether an attempt may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Open,
    /// Too many failures in the last minute; try again after this long.
    Throttled(Duration),
    /// The user name is locked from this address for this long.
    Locked(Duration),
}

/// An alert for the administrator: Danish text naming the user or address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub message: String,
}

#[derive(Default)]
struct Track {
    failures: VecDeque<Instant>,
    locked_until: Option<Instant>,
    alerted_until: Option<Instant>,
}

/// Failure history per (user name, address), per address and per user name.
#[derive(Default)]
pub struct Limiter {
    pairs: HashMap<(String, String), Track>,
    addresses: HashMap<String, Track>,
    users: HashMap<String, Track>,
    known: HashMap<String, VecDeque<String>>,
    alerts: Vec<Alert>,
}

fn recent(track: &Track, now: Instant, window: Duration) -> usize {
    track
        .failures
        .iter()
        .filter(|t| now.saturating_duration_since(**t) < window)
        .count()
}

fn retry_after(track: &Track, now: Instant, limit: usize, window: Duration) -> Duration {
    // The attempt that will drop out of the window first decides the wait.
    let inside: Vec<&Instant> = track
        .failures
        .iter()
        .filter(|t| now.saturating_duration_since(**t) < window)
        .collect();
    let oldest_that_matters = inside.len().saturating_sub(limit);
    inside
        .get(oldest_that_matters)
        .map(|t| window.saturating_sub(now.saturating_duration_since(**t)))
        .unwrap_or(window)
}

/// Raises an alert once per [`LOCK_WINDOW`] when `track` reaches `threshold`.
fn alert_due(track: &mut Track, now: Instant, threshold: usize) -> Option<usize> {
    let n = recent(track, now, LOCK_WINDOW);
    if n < threshold || track.alerted_until.is_some_and(|u| u > now) {
        return None;
    }
    track.alerted_until = Some(now + LOCK_WINDOW);
    Some(n)
}

impl Limiter {
    /// Decides whether an attempt for `user` from `address` may proceed; if so,
    /// counts it as a failure until [`Limiter::succeeded`] says otherwise.
    pub fn begin(&mut self, user: &str, address: &str, now: Instant) -> Gate {
        self.prune(now);
        let user = user.to_lowercase();
        let pair = (user.clone(), address.to_string());
        if let Some(track) = self.pairs.get(&pair) {
            if let Some(until) = track.locked_until.filter(|u| *u > now) {
                return Gate::Locked(until - now);
            }
            if recent(track, now, WINDOW) >= PER_MINUTE {
                return Gate::Throttled(retry_after(track, now, PER_MINUTE, WINDOW));
            }
        }
        if let Some(track) = self.addresses.get(address) {
            if recent(track, now, WINDOW) >= PER_MINUTE_ADDRESS {
                return Gate::Throttled(retry_after(track, now, PER_MINUTE_ADDRESS, WINDOW));
            }
        }
        let known = self
            .known
            .get(&user)
            .is_some_and(|k| k.iter().any(|a| a == address));
        if let Some(track) = self.users.get(&user) {
            if !known && recent(track, now, LOCK_WINDOW) >= ACCOUNT_CEILING {
                return Gate::Throttled(retry_after(track, now, ACCOUNT_CEILING, LOCK_WINDOW));
            }
        }
        let track = self.pairs.entry(pair).or_default();
        track.failures.push_back(now);
        if recent(track, now, LOCK_WINDOW) >= LOCK_AFTER {
            track.locked_until = Some(now + LOCK_FOR);
        }
        let by_user = self.users.entry(user.clone()).or_default();
        by_user.failures.push_back(now);
        if let Some(n) = alert_due(by_user, now, ALERT_USER) {
            self.alerts.push(Alert {
                message: format!(
                    "Mange mislykkede login-forsøg for brugeren '{user}': {n} inden for 15 minutter \
                     (senest fra {address}). Brugeren kan stadig logge ind fra sin egen adresse; \
                     overvej at kontakte brugeren."
                ),
            });
        }
        let by_address = self.addresses.entry(address.to_string()).or_default();
        by_address.failures.push_back(now);
        if let Some(n) = alert_due(by_address, now, ALERT_ADDRESS) {
            self.alerts.push(Alert {
                message: format!(
                    "Mange mislykkede login-forsøg fra adressen {address}: {n} inden for 15 minutter. \
                     Adressen bremses; overvej at spærre den i firewallen."
                ),
            });
        }
        Gate::Open
    }

    /// The attempt begun for `user` from `address` was a correct login: it no
    /// longer counts, the failures from this address for this user are
    /// forgiven, and the address is known for the user from now on.
    pub fn succeeded(&mut self, user: &str, address: &str) {
        let user = user.to_lowercase();
        self.pairs.remove(&(user.clone(), address.to_string()));
        if let Some(track) = self.users.get_mut(&user) {
            track.failures.pop_back();
        }
        if let Some(track) = self.addresses.get_mut(address) {
            track.failures.pop_back();
        }
        let known = self.known.entry(user).or_default();
        if !known.iter().any(|a| a == address) {
            if known.len() >= KNOWN_PER_USER {
                known.pop_front();
            }
            known.push_back(address.to_string());
        }
    }

    /// Lifts every lock and forgets the failures of a user (a new password was set).
    pub fn clear_user(&mut self, user: &str) {
        let user = user.to_lowercase();
        self.pairs.retain(|(u, _), _| *u != user);
        self.users.remove(&user);
    }

    /// Alerts raised since the last call.
    pub fn take_alerts(&mut self) -> Vec<Alert> {
        std::mem::take(&mut self.alerts)
    }

    fn prune(&mut self, now: Instant) {
        let keep = |t: &mut Track| {
            t.failures
                .retain(|f| now.saturating_duration_since(*f) < LOCK_WINDOW);
            !t.failures.is_empty() || t.locked_until.is_some_and(|u| u > now)
        };
        if self.pairs.len() >= MAX_KEYS / 2 {
            self.pairs.retain(|_, t| keep(t));
            if self.pairs.len() >= MAX_KEYS {
                self.pairs.clear();
            }
        }
        for map in [&mut self.users, &mut self.addresses] {
            if map.len() < MAX_KEYS / 2 {
                continue;
            }
            map.retain(|_, t| keep(t));
            if map.len() >= MAX_KEYS {
                map.clear();
            }
        }
        if self.known.len() >= MAX_KEYS {
            self.known.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_failure_in_a_minute_from_one_address_is_throttled_and_a_minute_later_it_opens() {
        let mut l = Limiter::default();
        let t0 = Instant::now();
        for i in 0..5 {
            let now = t0 + Duration::from_secs(i);
            assert_eq!(l.begin("Anna", "10.0.0.1", now), Gate::Open, "attempt {i}");
        }
        let sixth = l.begin("anna", "10.0.0.1", t0 + Duration::from_secs(10));
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
    fn a_stranger_throttled_and_locked_for_a_name_does_not_keep_the_user_out() {
        let mut l = Limiter::default();
        let t0 = Instant::now();
        // Ten wrong passwords for "anna" from the stranger's address, spaced so
        // the per-minute limit lets them through: the pair is locked.
        for i in 0..LOCK_AFTER as u64 {
            assert_eq!(
                l.begin("anna", "203.0.113.66", t0 + Duration::from_secs(13 * i)),
                Gate::Open
            );
        }
        let later = t0 + Duration::from_secs(200);
        assert!(matches!(
            l.begin("anna", "203.0.113.66", later),
            Gate::Locked(_)
        ));
        // Anna from her own address: open, never having logged in there before.
        assert_eq!(l.begin("anna", "10.0.0.7", later), Gate::Open);
        l.succeeded("anna", "10.0.0.7");
        // The stranger is still locked out of that name.
        assert!(matches!(
            l.begin("anna", "203.0.113.66", later),
            Gate::Locked(_)
        ));
    }

    #[test]
    fn a_correct_login_is_not_counted_and_forgives_earlier_failures_from_that_address() {
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
    fn ten_failures_in_a_quarter_lock_the_name_from_that_address_until_cleared() {
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

    #[test]
    fn guessing_one_name_from_many_addresses_stops_at_the_ceiling_except_from_known_ones() {
        let mut l = Limiter::default();
        let t0 = Instant::now();
        assert_eq!(l.begin("anna", "10.0.0.7", t0), Gate::Open);
        l.succeeded("anna", "10.0.0.7");
        for i in 0..ACCOUNT_CEILING {
            let addr = format!("198.51.100.{i}");
            assert_eq!(l.begin("anna", &addr, t0), Gate::Open, "{addr}");
        }
        assert!(matches!(
            l.begin("anna", "198.51.100.250", t0),
            Gate::Throttled(_)
        ));
        assert_eq!(l.begin("anna", "10.0.0.7", t0), Gate::Open);
    }

    #[test]
    fn repeated_failures_raise_one_alert_per_name_and_per_address() {
        let mut l = Limiter::default();
        let t0 = Instant::now();
        for i in 0..ALERT_USER as u64 {
            l.begin("anna", &format!("10.1.0.{i}"), t0 + Duration::from_secs(i));
        }
        let alerts = l.take_alerts();
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        assert!(alerts[0].message.contains("'anna'"), "{alerts:?}");
        l.begin("anna", "10.1.0.99", t0 + Duration::from_secs(20));
        assert!(l.take_alerts().is_empty(), "once per window");
        for i in 0..ALERT_ADDRESS {
            l.begin(
                &format!("navn{i}"),
                "203.0.113.9",
                t0 + Duration::from_secs(30),
            );
        }
        let alerts = l.take_alerts();
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        assert!(alerts[0].message.contains("203.0.113.9"), "{alerts:?}");
    }
}
