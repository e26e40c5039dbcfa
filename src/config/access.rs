//! Settings of access control (`[access]`): a settings type, so it lives here and
//! `access` imports it (never the other way round).

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// Settings of access control (`[access]` in the configuration file).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccessSettings {
    /// Browsers reach the cockpit over https (natively or through the proxy in
    /// `ops/`): cookies get `Secure` and the `__Host-` prefix, responses HSTS.
    pub https: bool,
    /// A session unused this long ends (seconds; default 30 minutes).
    pub idle_timeout_secs: u64,
    /// A session ends this long after login however much it is used (seconds;
    /// default 10 hours, a working day).
    pub absolute_timeout_secs: u64,
    /// Single sign-on: the header in which the municipality's reverse proxy puts
    /// the authenticated user name (e.g. `X-Remote-User`). Off when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sso_header: Option<String>,
    /// Addresses of the proxies whose `sso_header` and `X-Forwarded-For` are
    /// believed. The header from any other address is refused.
    pub trusted_proxies: Vec<IpAddr>,
    /// Distinct anonymous requests one client address may add to the audit log
    /// as rows of their own per minute; exact repeats, and anything beyond this,
    /// are summed into one row per minute (`access::aggregate`).
    pub anonymous_rows_per_minute: usize,
    /// Each response waits until its audit row is stored, so a crash loses no
    /// row of an answered request (on by default). Off: rows are queued and
    /// stored in the background, as fast as the pages allow, and a crash can
    /// lose what was queued (a clean stop still stores everything).
    pub audit_before_response: bool,
}

impl Default for AccessSettings {
    fn default() -> Self {
        AccessSettings {
            https: false,
            idle_timeout_secs: 30 * 60,
            absolute_timeout_secs: 10 * 60 * 60,
            sso_header: None,
            trusted_proxies: Vec::new(),
            anonymous_rows_per_minute: 120,
            audit_before_response: true,
        }
    }
}
