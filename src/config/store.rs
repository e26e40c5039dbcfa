//! Settings of the store (`[store]`): DuckDB's memory budget.
//!
//! DuckDB takes 80 % of the machine's memory unless told otherwise, and a
//! national run was measured at 19 GiB resident that way; the cockpit in the same
//! process then has nothing left. The budget is set on the database when it is
//! opened, so every connection to it (the run's, the readers', the verbs') works
//! inside it; beyond it DuckDB spills to the store's encrypted temp directory.

use serde::{Deserialize, Serialize};

/// Settings of the store (`[store]` in the configuration file).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreSettings {
    /// DuckDB's memory budget in MiB. Unset: [`DEFAULT_SHARE_PERCENT`] % of the
    /// machine's memory, so the cockpit and the operating system keep the rest.
    pub memory_limit_mb: Option<MemoryLimitMb>,
}

/// The share of the machine's memory DuckDB gets when `memory_limit_mb` is unset.
pub const DEFAULT_SHARE_PERCENT: u64 = 60;

impl StoreSettings {
    /// The budget in MiB: the setting, or the default share of this machine's
    /// memory (never below the minimum).
    pub fn memory_limit_mb(&self) -> u64 {
        match self.memory_limit_mb {
            Some(m) => m.get(),
            None => default_limit_mb(machine_memory_mb()),
        }
    }
}

/// The default budget for a machine with `total_mb` MiB of memory.
fn default_limit_mb(total_mb: Option<u64>) -> u64 {
    match total_mb {
        Some(total) => (total * DEFAULT_SHARE_PERCENT / 100).max(MemoryLimitMb::MIN),
        // Memory unknown (not Linux): DuckDB's own guess is no worse than ours,
        // but a budget is always set, so assume an ordinary 8 GiB server.
        None => 8 * 1024 * DEFAULT_SHARE_PERCENT / 100,
    }
}

/// The machine's memory in MiB, the lower of physical memory and the cgroup
/// limit a container runs under.
fn machine_memory_mb() -> Option<u64> {
    let physical = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| meminfo_total_kb(&s))
        .map(|kb| kb / 1024);
    let cgroup = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map(|bytes| bytes / (1024 * 1024));
    match (physical, cgroup) {
        (Some(p), Some(c)) => Some(p.min(c)),
        (p, c) => p.or(c),
    }
}

fn meminfo_total_kb(meminfo: &str) -> Option<u64> {
    meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// A memory budget in MiB: at least [`MemoryLimitMb::MIN`], refused below when
/// the settings are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct MemoryLimitMb(u64);

impl MemoryLimitMb {
    /// The whole demo (72 monthly runs and the cockpit) peaks at about 400 MiB
    /// resident (README), so less than this is a typing error, not a budget.
    pub const MIN: u64 = 512;

    pub fn get(self) -> u64 {
        self.0
    }
}

impl TryFrom<u64> for MemoryLimitMb {
    type Error = String;
    fn try_from(mb: u64) -> Result<Self, String> {
        if mb >= Self::MIN {
            Ok(MemoryLimitMb(mb))
        } else {
            Err(format!(
                "store.memory_limit_mb={mb}: databasen skal have mindst {} MiB hukommelse",
                Self::MIN
            ))
        }
    }
}

impl From<MemoryLimitMb> for u64 {
    fn from(m: MemoryLimitMb) -> u64 {
        m.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_below_the_minimum_is_refused_with_the_reason() {
        let err = toml::from_str::<StoreSettings>("memory_limit_mb = 100").unwrap_err();
        assert!(err.to_string().contains("mindst 512 MiB"), "{err}");
        let ok: StoreSettings = toml::from_str("memory_limit_mb = 6144").unwrap();
        assert_eq!(ok.memory_limit_mb(), 6144);
    }

    #[test]
    fn the_default_is_a_share_of_the_machine_never_below_the_minimum() {
        assert_eq!(default_limit_mb(Some(10_000)), 6_000);
        assert_eq!(default_limit_mb(Some(600)), MemoryLimitMb::MIN);
        assert_eq!(default_limit_mb(None), 4_915);
        assert_eq!(
            meminfo_total_kb("MemTotal:       24576000 kB\nMemFree: 1 kB\n"),
            Some(24_576_000)
        );
    }
}
