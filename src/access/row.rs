//! The audit log's stored row, in a file of its own because both the log (which
//! chains rows) and the backend (which stores and reads them) need it; neither
//! should import the other.

/// One stored row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
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
