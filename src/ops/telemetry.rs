//! What the server counts while it runs: a latency histogram per route class
//! and the health checks it answered (which are counted, not audited).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
pub const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// What kind of request, as the route table names its action; the label of
/// the latency histogram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteClass {
    View,
    Export,
    Admin,
    Login,
    Logout,
    Run,
    Static,
    Health,
    /// A caseworker's look-up of one citizen and her judgement (#14).
    Lookup,
    Unknown,
}

impl RouteClass {
    pub const ALL: [RouteClass; 10] = [
        RouteClass::View,
        RouteClass::Export,
        RouteClass::Admin,
        RouteClass::Login,
        RouteClass::Logout,
        RouteClass::Run,
        RouteClass::Static,
        RouteClass::Health,
        RouteClass::Lookup,
        RouteClass::Unknown,
    ];

    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            RouteClass::View => "view",
            RouteClass::Export => "export",
            RouteClass::Admin => "admin",
            RouteClass::Login => "login",
            RouteClass::Logout => "logout",
            RouteClass::Run => "run",
            RouteClass::Static => "static",
            RouteClass::Health => "health",
            RouteClass::Lookup => "lookup",
            RouteClass::Unknown => "unknown",
        }
    }

    fn index(self) -> usize {
        RouteClass::ALL
            .iter()
            .position(|c| *c == self)
            .unwrap_or(RouteClass::ALL.len() - 1)
    }
}

/// One histogram: counts per bucket (not cumulative), count and sum.
#[derive(Default)]
pub struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

/// A histogram read at one moment: cumulative counts per bucket, as Prometheus
/// wants them.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramSnapshot {
    pub cumulative: Vec<u64>,
    pub count: u64,
    pub sum_seconds: f64,
}

impl Histogram {
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> HistogramSnapshot {
        let mut running = 0;
        let cumulative = self
            .buckets
            .iter()
            .map(|b| {
                running += b.load(Ordering::Relaxed);
                running
            })
            .collect();
        HistogramSnapshot {
            cumulative,
            count: self.count.load(Ordering::Relaxed),
            sum_seconds: self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6,
        }
    }
}

/// The server's counters, shared by every request.
#[derive(Default)]
pub struct Telemetry {
    latency: [Histogram; RouteClass::ALL.len()],
    /// Health, readiness and metrics requests answered (never audited row by row).
    health_requests: AtomicU64,
    /// Responses replaced by an error because their audit row could not be stored.
    audit_refusals: AtomicU64,
}

impl Telemetry {
    /// Counts a finished request of `class` that took `took`.
    pub fn observe(&self, class: RouteClass, took: Duration) {
        self.latency[class.index()].observe(took);
        if class == RouteClass::Health {
            self.health_requests.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts a response that was refused because the audit log could not store it.
    pub fn audit_refused(&self) {
        self.audit_refusals.fetch_add(1, Ordering::Relaxed);
    }

    pub fn latency(&self, class: RouteClass) -> HistogramSnapshot {
        self.latency[class.index()].snapshot()
    }

    pub fn health_requests(&self) -> u64 {
        self.health_requests.load(Ordering::Relaxed)
    }

    pub fn audit_refusals(&self) -> u64 {
        self.audit_refusals.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_counts_each_request_in_its_bucket_and_cumulates() {
        let t = Telemetry::default();
        for ms in [3, 8, 8, 40, 700, 40_000] {
            t.observe(RouteClass::View, Duration::from_millis(ms));
        }
        let h = t.latency(RouteClass::View);
        assert_eq!(h.count, 6);
        // <= 5 ms: 1; <= 10 ms: 3; <= 50 ms: 4; <= 1 s: 5; the 40 s one only in +Inf.
        assert_eq!(h.cumulative[0], 1);
        assert_eq!(h.cumulative[1], 3);
        assert_eq!(h.cumulative[3], 4);
        assert_eq!(h.cumulative[7], 5);
        assert_eq!(*h.cumulative.last().unwrap(), 5);
        assert!((h.sum_seconds - 40.759).abs() < 1e-6);
        assert_eq!(t.latency(RouteClass::Admin).count, 0);
        assert_eq!(t.health_requests(), 0);
    }
}
