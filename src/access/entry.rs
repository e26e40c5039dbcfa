//! What the audit log records, in a file of its own: the entry a request or command
//! reports, its outcome, the chain's start, the rows about the server itself, the
//! result of a chain check and the log's counters. The log (`audit`), its writer
//! thread, the aggregator of anonymous repeats and the chain check all use them;
//! none of those files needs another for these types.

use chrono::{DateTime, Utc};

use super::roles::Role;

/// The hash before the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, as a request or command reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub user: Option<String>,
    pub role: Option<Role>,
    pub client: Option<String>,
    pub method: String,
    /// The route table's pattern, e.g. `/d/{slug}`; `None` when no route matched.
    pub route: Option<String>,
    pub path: String,
    pub query: Option<String>,
    /// visning, eksport, administration, login, logout, kørsel, statisk, sundhed.
    pub action: String,
    pub outcome: Outcome,
    /// The HTTP status; 0 for a command-line action.
    pub status: u16,
    pub detail: Option<String>,
}

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Allowed,
    Refused,
    NotFound,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "tilladt",
            Outcome::Refused => "afvist",
            Outcome::NotFound => "ikke fundet",
            Outcome::Failed => "fejl",
        }
    }

    /// The outcome an HTTP status means.
    pub fn of_status(status: u16) -> Outcome {
        match status {
            400 | 401 | 403 | 405 | 413 | 415 | 429 => Outcome::Refused,
            404 => Outcome::NotFound,
            s if s >= 500 => Outcome::Failed,
            _ => Outcome::Allowed,
        }
    }
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Verification {
    /// Rows in the chain, as far as the check saw.
    pub rows: u64,
    /// The first row whose number, link or hash is wrong.
    pub broken_at: Option<i64>,
    /// Rows recomputed by this check (after the checkpoint it started from).
    pub checked: u64,
    /// The checkpoint the check started from; `None`: from the first row.
    pub from_checkpoint: Option<i64>,
    /// When every row was last recomputed (UTC), if ever.
    pub last_full_check: Option<String>,
}

/// Counts since the log was opened, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AuditStats {
    /// Rows stored.
    pub written: u64,
    /// Anonymous requests counted into summary rows instead of a row each.
    pub summed: u64,
    /// Transactions that failed (and were retried).
    pub failed_writes: u64,
}

/// The `path` of the rows about the server itself (action [`LIFECYCLE_ACTION`]).
pub const LIFECYCLE_START: &str = "/drift/start";
pub const LIFECYCLE_STOP: &str = "/drift/stop";
pub const LIFECYCLE_UNCLEAN: &str = "/drift/uren-stop";
pub const LIFECYCLE_ACTION: &str = "drift";

/// A row about the server itself, not about a request.
pub(super) fn lifecycle_entry(path: &str, detail: String) -> AuditEntry {
    AuditEntry {
        at: Utc::now(),
        user: None,
        role: None,
        client: None,
        method: "-".into(),
        route: None,
        path: path.into(),
        query: None,
        action: LIFECYCLE_ACTION.into(),
        outcome: Outcome::Allowed,
        status: 0,
        detail: Some(detail),
    }
}
