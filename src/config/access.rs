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
    /// How long the run log and the audit log are kept, in months (AI Act Art.
    /// 26(6): at least six). The log export (`jobcockpit logeksport`) and the
    /// accountability documents state it; nothing younger is ever deleted.
    pub log_retention_months: LogRetentionMonths,
}

/// Months the logs are kept: at least [`LogRetentionMonths::MIN`], refused below
/// when the settings are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct LogRetentionMonths(u32);

impl LogRetentionMonths {
    /// The AI Act's floor for a deployer's logs (Art. 26(6)).
    pub const MIN: u32 = 6;

    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for LogRetentionMonths {
    type Error = String;
    fn try_from(months: u32) -> Result<Self, String> {
        if (Self::MIN..=600).contains(&months) {
            Ok(LogRetentionMonths(months))
        } else {
            Err(format!(
                "access.log_retention_months={months}: logfilerne skal gemmes i mindst {} måneder (AI-forordningen art. 26, stk. 6) og højst 600",
                Self::MIN
            ))
        }
    }
}

impl From<LogRetentionMonths> for u32 {
    fn from(m: LogRetentionMonths) -> u32 {
        m.0
    }
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
            log_retention_months: LogRetentionMonths(12),
        }
    }
}

#[cfg(test)]
mod log_retention_tests {
    use super::*;

    #[test]
    fn a_log_retention_under_six_months_is_refused_with_the_article_named() {
        let err = toml::from_str::<AccessSettings>("log_retention_months = 5").unwrap_err();
        assert!(err.to_string().contains("art. 26, stk. 6"), "{err}");
        let ok: AccessSettings = toml::from_str("log_retention_months = 6").unwrap();
        assert_eq!(ok.log_retention_months.get(), 6);
        assert_eq!(AccessSettings::default().log_retention_months.get(), 12);
    }
}
