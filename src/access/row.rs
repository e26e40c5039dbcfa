//! The audit log's stored row, in a file of its own because both the log (which
//! chains rows) and the backend (which stores and reads them) need it; neither
//! should import the other.

/// One stored row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditRow {
    pub seq: i64,
    /// UTC, `åååå-mm-dd tt:mm:ss.ffffff`.
    pub at: String,
    pub user: Option<String>,
    pub role: Option<String>,
    pub client: Option<String>,
    pub method: String,
    pub route: Option<String>,
    pub path: String,
    pub query: Option<String>,
    pub action: String,
    pub outcome: String,
    pub status: i32,
    pub detail: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// A point up to which the chain was found intact: checks after it start there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The last row the check covered.
    pub seq: i64,
    /// That row's hash.
    pub hash: String,
    /// Rows in the chain up to and including `seq`.
    pub rows: i64,
    /// Every row from the first was recomputed (not only those after a checkpoint).
    pub full: bool,
    /// UTC, `åååå-mm-dd tt:mm:ss`.
    pub verified_at: String,
    /// When the newest full check was made (UTC), if ever.
    pub full_at: Option<String>,
}
