//! Operations a municipality can run: request timings and counters
//! ([`telemetry`]), the Prometheus text format ([`prometheus`]), what `/readyz`
//! and `/metrics` read from the store and the machine ([`probe`]), and backup and
//! restore of the encrypted store ([`backup`]). The web layer serves them
//! (`src/web/ops.rs`); `ops/README.md` is the operator's side.

pub mod backup;
pub mod probe;
pub mod prometheus;
pub mod remote;
pub mod telemetry;

pub use self::probe::{Check, Probe, Readiness, StoreFigures};
pub use self::telemetry::{RouteClass, Telemetry};

/// Errors of the operations module.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    #[error("databasefejl: {0}")]
    Db(#[from] duckdb::Error),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Encryption(#[from] crate::encryption::EncryptionError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("sikkerhedskopien {path} kan ikke bruges: {why}")]
    BadBackup { path: String, why: String },
    #[error("datamappen {0} er ikke tom; gendan kun i en tom datamappe")]
    NotEmpty(String),
    #[error("serveren svarede ikke som ventet: {0}")]
    Server(String),
}

/// An I/O error naming the path.
pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> OpsError + '_ {
    move |source| OpsError::Io {
        path: path.display().to_string(),
        source,
    }
}
