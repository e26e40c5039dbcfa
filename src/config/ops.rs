//! Settings of operations (`[ops]`): who may read `/readyz` and `/metrics`, and
//! when readiness reports too little disk.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// Settings of operations (`[ops]` in the configuration file).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpsSettings {
    /// Client addresses that may read `/readyz` and `/metrics` (the TCP peer, or
    /// behind a trusted proxy the address it forwards). Anyone else gets 403.
    pub metrics_from: Vec<IpAddr>,
    /// `/readyz` says "not ready" when the data dir's file system has less than
    /// this many megabytes free.
    pub min_free_disk_mb: u64,
}

impl Default for OpsSettings {
    fn default() -> Self {
        OpsSettings {
            metrics_from: vec![
                IpAddr::from([127, 0, 0, 1]),
                IpAddr::from([0, 0, 0, 0, 0, 0, 0, 1]),
            ],
            min_free_disk_mb: 1024,
        }
    }
}
