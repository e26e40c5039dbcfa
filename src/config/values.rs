//! Setting values that cannot hold a bad value: parsed once at start-up, so
//! nothing downstream checks them again.

use serde::{Deserialize, Deserializer};

/// The disclosure threshold k, at least `disclosure::MIN_K` by construction; the type
/// lives with the disclosure control that takes it (crates/disclosure).
pub use crate::disclosure::DisclosureK;

/// A secret (a key as hex, a password): `Debug` and `Display` print a mark instead,
/// so it cannot reach a log line or an error message; wiped when dropped.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    /// The value, for the one place that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([skjult])")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[skjult]")
    }
}

/// `deserialize_with` for a time zone written as its IANA name.
pub(super) fn deserialize_tz<'de, D: Deserializer<'de>>(d: D) -> Result<chrono_tz::Tz, D::Error> {
    let name = String::deserialize(d)?;
    name.parse()
        .map_err(|_| serde::de::Error::custom(format!("ukendt tidszone '{name}'")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disclosure::ThresholdTooLow;

    #[test]
    fn a_disclosure_threshold_below_three_cannot_be_made() {
        assert_eq!(DisclosureK::new(2), Err(ThresholdTooLow(2)));
        assert_eq!(DisclosureK::new(3).map(DisclosureK::get), Ok(3));
        let parsed: Result<DisclosureK, _> = serde_json::from_str("2");
        assert!(parsed.unwrap_err().to_string().contains("under minimum 3"));
    }

    #[test]
    fn a_secret_never_prints() {
        let s = Secret::new("00112233aabbccdd".into());
        assert_eq!(format!("{s}"), "[skjult]");
        assert!(!format!("{s:?}").contains("0011"));
        assert!(!format!("{:?}", Some(s.clone())).contains("aabb"));
        assert_eq!(s.expose(), "00112233aabbccdd");
    }
}
