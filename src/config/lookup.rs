//! Settings of the caseworker's look-up of one citizen (`[lookup]`, #14): a
//! settings type, so it lives here and `lookup` imports it. Parsed through
//! [`RawLookup`] so a value that makes no sense is refused at start-up.

use serde::{Deserialize, Serialize};

/// Settings of the look-up (`[lookup]` in the configuration file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawLookup", into = "RawLookup")]
pub struct LookupSettings {
    per_hour: u32,
    alarm_per_hour: u32,
    closed_within_months: u32,
}

/// The file's form of [`LookupSettings`], before its checks.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawLookup {
    /// Look-ups one user may make in an hour; the next is refused with a message.
    pub per_hour: u32,
    /// Look-ups by one user in an hour that raise an alert for the administrator.
    pub alarm_per_hour: u32,
    /// A citizen whose latest spell ended at most this many months before the
    /// latest delivery can still be looked up (0: open spells only).
    pub closed_within_months: u32,
}

impl Default for RawLookup {
    fn default() -> Self {
        LookupSettings::default().into()
    }
}

impl Default for LookupSettings {
    fn default() -> Self {
        LookupSettings {
            per_hour: 60,
            alarm_per_hour: 40,
            closed_within_months: 3,
        }
    }
}

impl From<LookupSettings> for RawLookup {
    fn from(s: LookupSettings) -> Self {
        RawLookup {
            per_hour: s.per_hour,
            alarm_per_hour: s.alarm_per_hour,
            closed_within_months: s.closed_within_months,
        }
    }
}

impl TryFrom<RawLookup> for LookupSettings {
    type Error = String;

    fn try_from(r: RawLookup) -> Result<Self, Self::Error> {
        if !(1..=10_000).contains(&r.per_hour) {
            return Err(format!(
                "lookup.per_hour={} skal være mellem 1 og 10000",
                r.per_hour
            ));
        }
        if r.alarm_per_hour == 0 || r.alarm_per_hour > r.per_hour {
            return Err(format!(
                "lookup.alarm_per_hour={} skal være mindst 1 og højst per_hour ({})",
                r.alarm_per_hour, r.per_hour
            ));
        }
        if r.closed_within_months > 120 {
            return Err(format!(
                "lookup.closed_within_months={} må højst være 120",
                r.closed_within_months
            ));
        }
        Ok(LookupSettings {
            per_hour: r.per_hour,
            alarm_per_hour: r.alarm_per_hour,
            closed_within_months: r.closed_within_months,
        })
    }
}

impl LookupSettings {
    /// Settings from values checked as a file's would be.
    pub fn new(
        per_hour: u32,
        alarm_per_hour: u32,
        closed_within_months: u32,
    ) -> Result<Self, String> {
        RawLookup {
            per_hour,
            alarm_per_hour,
            closed_within_months,
        }
        .try_into()
    }

    /// Look-ups one user may make in an hour.
    pub fn per_hour(&self) -> u32 {
        self.per_hour
    }

    /// Look-ups in an hour that raise an alert (at most [`Self::per_hour`]).
    pub fn alarm_per_hour(&self) -> u32 {
        self.alarm_per_hour
    }

    /// Months after its end that a closed spell can still be looked up.
    pub fn closed_within_months(&self) -> u32 {
        self.closed_within_months
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alarm_above_the_limit_or_a_zero_limit_is_refused() {
        assert!(LookupSettings::new(60, 40, 3).is_ok());
        assert!(LookupSettings::new(0, 1, 3)
            .unwrap_err()
            .contains("per_hour"));
        assert!(LookupSettings::new(10, 11, 3)
            .unwrap_err()
            .contains("alarm_per_hour"));
        assert!(LookupSettings::new(10, 5, 121)
            .unwrap_err()
            .contains("closed_within_months"));
    }

    #[test]
    fn a_bad_value_in_a_file_is_refused_when_parsed() {
        let err = toml::from_str::<LookupSettings>("per_hour = 5\nalarm_per_hour = 9\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("alarm_per_hour=9"), "{err}");
        let ok: LookupSettings = toml::from_str("per_hour = 5\nalarm_per_hour = 5\n").unwrap();
        assert_eq!((ok.per_hour(), ok.closed_within_months()), (5, 3));
    }
}
