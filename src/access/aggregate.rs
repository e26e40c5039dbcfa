//! Anonymous requests, summed instead of logged row by row. A stranger hammering
//! `/login` or a static file used to add a row per request (364,000 rows in 25
//! seconds), which buried the requests that matter and slowed the admin page.
//!
//! Within a window of [`WINDOW`]:
//! - the first of each distinct anonymous request (client, method, path, query,
//!   outcome, status, detail) is written as its own row; exact repeats are counted
//!   and written as one summary row when the window ends;
//! - a client may add at most `distinct_per_client` distinct rows; beyond that its
//!   requests are counted per (client, method, route, status) and summed likewise;
//! - at most [`MAX_DISTINCT`] distinct rows from all clients together; beyond that
//!   every anonymous request is counted per (method, route, status), client "flere".
//!
//! Requests of a logged-in user are never summed: who saw what stays row by row;
//! nor are rows that are not requests (status 0).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::entry::AuditEntry;

/// How long counts are gathered before their summary rows are written.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Distinct anonymous rows per window from all clients together.
pub const MAX_DISTINCT: usize = 5_000;
/// The client named in a summary over many clients.
pub const MANY_CLIENTS: &str = "flere";

/// What a request exactly repeats.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Exact {
    client: Option<String>,
    method: String,
    path: String,
    query: Option<String>,
    outcome: &'static str,
    status: u16,
    detail: Option<String>,
}

/// A coarser key for requests over a limit: the route, not the path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Coarse {
    client: String,
    method: String,
    route: Option<String>,
    status: u16,
}

struct Tally {
    first: AuditEntry,
    /// Requests counted beyond the first (exact) or all of them (coarse).
    count: u64,
    last_at: DateTime<Utc>,
}

/// The counts of the current window.
pub struct Aggregator {
    distinct_per_client: usize,
    started: Instant,
    exact: HashMap<Exact, Tally>,
    per_client: HashMap<String, usize>,
    coarse: HashMap<Coarse, Tally>,
    /// Requests counted (not written) since the start, for the metrics.
    summed: u64,
}

impl Aggregator {
    pub fn new(distinct_per_client: usize, now: Instant) -> Self {
        Aggregator {
            distinct_per_client: distinct_per_client.max(1),
            started: now,
            exact: HashMap::new(),
            per_client: HashMap::new(),
            coarse: HashMap::new(),
            summed: 0,
        }
    }

    /// Requests counted instead of written, since the start.
    pub fn summed(&self) -> u64 {
        self.summed
    }

    /// The entry to write now, or `None` when it was counted.
    pub fn admit(&mut self, e: AuditEntry) -> Option<AuditEntry> {
        // A user's request, or a row that is not a request (status 0: the
        // command line, alerts, the server's start and stop): always its own row.
        if e.user.is_some() || e.status == 0 {
            return Some(e);
        }
        let key = Exact {
            client: e.client.clone(),
            method: e.method.clone(),
            path: e.path.clone(),
            query: e.query.clone(),
            outcome: e.outcome.as_str(),
            status: e.status,
            detail: e.detail.clone(),
        };
        if let Some(t) = self.exact.get_mut(&key) {
            t.count += 1;
            t.last_at = e.at;
            self.summed += 1;
            return None;
        }
        let client = e.client.clone().unwrap_or_default();
        let used = self.per_client.get(&client).copied().unwrap_or(0);
        if used < self.distinct_per_client && self.exact.len() < MAX_DISTINCT {
            *self.per_client.entry(client).or_default() += 1;
            self.exact.insert(
                key,
                Tally {
                    first: e.clone(),
                    count: 0,
                    last_at: e.at,
                },
            );
            return Some(e);
        }
        let client = if self.exact.len() >= MAX_DISTINCT {
            MANY_CLIENTS.to_string()
        } else {
            client
        };
        let coarse = Coarse {
            client,
            method: e.method.clone(),
            route: e.route.clone(),
            status: e.status,
        };
        self.summed += 1;
        let at = e.at;
        self.coarse
            .entry(coarse)
            .and_modify(|t| {
                t.count += 1;
                t.last_at = at;
            })
            .or_insert(Tally {
                first: e,
                count: 1,
                last_at: at,
            });
        None
    }

    /// The summary rows of a window that has ended (and a fresh window), else none.
    pub fn expired(&mut self, now: Instant) -> Vec<AuditEntry> {
        if now.saturating_duration_since(self.started) < WINDOW {
            return Vec::new();
        }
        self.started = now;
        self.drain()
    }

    /// The summary rows of everything counted so far (at a stop).
    pub fn drain(&mut self) -> Vec<AuditEntry> {
        self.per_client.clear();
        let mut out: Vec<AuditEntry> = self
            .exact
            .drain()
            .filter(|(_, t)| t.count > 0)
            .map(|(_, t)| summary_of_repeats(t))
            .collect();
        out.extend(self.coarse.drain().map(|(k, t)| summary_over_limit(k, t)));
        out.sort_by_key(|e| e.at);
        out
    }
}

fn span(first: DateTime<Utc>, last: DateTime<Utc>) -> String {
    format!(
        "{}–{} UTC",
        first.format("%H:%M:%S"),
        last.format("%H:%M:%S")
    )
}

fn summary_of_repeats(t: Tally) -> AuditEntry {
    let mut e = t.first;
    let note = format!(
        "samlet: {} ens anonyme forespørgsler mere {}",
        t.count,
        span(e.at, t.last_at)
    );
    e.detail = Some(match e.detail.take() {
        Some(d) => format!("{d}; {note}"),
        None => note,
    });
    e.at = t.last_at;
    e
}

fn summary_over_limit(k: Coarse, t: Tally) -> AuditEntry {
    let mut e = t.first;
    e.detail = Some(format!(
        "samlet: {} anonyme forespørgsler til ruten {}, {} (over grænsen for enkeltrækker pr. minut)",
        t.count,
        k.route.as_deref().unwrap_or("(ingen rute)"),
        span(e.at, t.last_at)
    ));
    e.client = Some(k.client);
    // The path and query of the first one only; the route says what they share.
    e.query = None;
    e.at = t.last_at;
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Outcome;

    fn anonymous(client: &str, path: &str, query: Option<&str>) -> AuditEntry {
        AuditEntry {
            at: Utc::now(),
            user: None,
            role: None,
            client: Some(client.into()),
            method: "GET".into(),
            route: Some("/login".into()),
            path: path.into(),
            query: query.map(str::to_string),
            action: "login".into(),
            outcome: Outcome::Allowed,
            status: 200,
            detail: None,
        }
    }

    #[test]
    fn a_thousand_identical_anonymous_requests_become_two_rows() {
        let t0 = Instant::now();
        let mut a = Aggregator::new(120, t0);
        let written = (0..1000)
            .filter_map(|_| a.admit(anonymous("10.0.0.66", "/login", None)))
            .count();
        assert_eq!(written, 1);
        assert!(a.expired(t0 + Duration::from_secs(59)).is_empty());
        let summary = a.expired(t0 + WINDOW);
        assert_eq!(summary.len(), 1);
        let detail = summary[0].detail.clone().unwrap();
        assert!(detail.contains("999 ens anonyme"), "{detail}");
        assert_eq!(a.summed(), 999);
        // A new window writes the first one again.
        assert!(a.admit(anonymous("10.0.0.66", "/login", None)).is_some());
    }

    #[test]
    fn a_logged_in_users_requests_are_never_summed() {
        let mut a = Aggregator::new(1, Instant::now());
        for _ in 0..10 {
            let mut e = anonymous("10.0.0.1", "/d/overblik", None);
            e.user = Some("anna".into());
            assert!(a.admit(e).is_some());
        }
        assert!(a.drain().is_empty());
    }

    #[test]
    fn distinct_requests_beyond_the_clients_limit_are_summed_per_route() {
        let t0 = Instant::now();
        let mut a = Aggregator::new(5, t0);
        let written = (0..50)
            .filter_map(|i| a.admit(anonymous("10.0.0.66", "/login", Some(&format!("x={i}")))))
            .count();
        assert_eq!(written, 5);
        // Another client is not held back by the first one's flood.
        assert!(a
            .admit(anonymous("10.0.0.5", "/login", Some("x=1")))
            .is_some());
        let rows = a.drain();
        assert_eq!(rows.len(), 1);
        assert!(
            rows[0]
                .detail
                .as_deref()
                .unwrap()
                .contains("samlet: 45 anonyme"),
            "{rows:?}"
        );
        assert_eq!(rows[0].client.as_deref(), Some("10.0.0.66"));
    }
}
