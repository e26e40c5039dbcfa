//! Look-ups per user in the last hour, in memory: the limit a caseworker meets
//! (a Danish message, 429) and the volume that raises an alarm for the admin.
//! Counting is per user name, so one person's burst never slows another's work.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// The window the limits count in.
pub const WINDOW: Duration = Duration::from_secs(60 * 60);
/// Beyond this many users tracked, the idlest are forgotten (memory bound).
const MAX_USERS: usize = 10_000;

/// Whether a look-up may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Yes; this is the `n`th look-up in the window, counting this one.
    Open(u32),
    /// No: the limit is reached; the oldest look-up leaves the window after this long.
    Throttled(Duration),
}

/// Look-up times per user.
#[derive(Debug, Default)]
pub struct Window {
    users: HashMap<String, VecDeque<Instant>>,
}

impl Window {
    /// Counts a look-up by `user` at `now` unless `per_hour` are already in the window.
    pub fn attempt(&mut self, user: &str, per_hour: u32, now: Instant) -> Gate {
        if self.users.len() >= MAX_USERS && !self.users.contains_key(user) {
            self.users.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < WINDOW)
            });
        }
        let times = self.users.entry(user.to_string()).or_default();
        while times
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= WINDOW)
        {
            times.pop_front();
        }
        if times.len() >= per_hour as usize {
            let oldest = times.front().copied().unwrap_or(now);
            return Gate::Throttled(WINDOW.saturating_sub(now.saturating_duration_since(oldest)));
        }
        times.push_back(now);
        Gate::Open(times.len() as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_look_up_after_the_limit_is_refused_until_the_oldest_leaves_the_hour() {
        let mut w = Window::default();
        let t0 = Instant::now();
        for i in 1..=3 {
            assert_eq!(
                w.attempt("anna", 3, t0 + Duration::from_secs(i)),
                Gate::Open(i as u32)
            );
        }
        match w.attempt("anna", 3, t0 + Duration::from_secs(10)) {
            Gate::Throttled(wait) => assert_eq!(wait, WINDOW - Duration::from_secs(9)),
            other => panic!("{other:?}"),
        }
        // Another caseworker is not slowed by Anna's burst.
        assert_eq!(
            w.attempt("bo", 3, t0 + Duration::from_secs(10)),
            Gate::Open(1)
        );
        // An hour after the first, one look-up is free again.
        assert_eq!(
            w.attempt("anna", 3, t0 + WINDOW + Duration::from_secs(1)),
            Gate::Open(3)
        );
    }
}
