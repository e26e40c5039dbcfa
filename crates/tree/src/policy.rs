//! The feature policy (`model/features.toml`): which features the model may use,
//! with the Danish labels its explanations use, and which attributes are protected.

use std::path::Path;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::TreeError;

/// How a feature reads in a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureKind {
    /// A number: "Alder ≤ 29,5".
    Number,
    /// A 0/1 flag: "Kørekort: ja".
    Flag,
}

/// One model input.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputFeature {
    pub name: String,
    pub label: String,
    pub kind: FeatureKind,
}

/// The policy as written in the file, with the hash of its bytes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeaturePolicy {
    #[serde(rename = "input")]
    pub inputs: Vec<InputFeature>,
    pub protected: Vec<String>,
    pub never_inputs: Vec<String>,
    #[serde(skip)]
    pub hash: String,
}

impl FeaturePolicy {
    /// Reads and checks the policy file.
    pub fn load(path: &Path) -> Result<FeaturePolicy, TreeError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| TreeError::Policy(format!("kunne ikke læse {}: {e}", path.display())))?;
        Self::parse(&text).map_err(|e| TreeError::Policy(format!("{}: {e}", path.display())))
    }

    /// Parses and checks a policy text.
    pub fn parse(text: &str) -> Result<FeaturePolicy, String> {
        let mut policy: FeaturePolicy = toml::from_str(text).map_err(|e| e.to_string())?;
        for f in &policy.inputs {
            if policy.never_inputs.contains(&f.name) {
                return Err(format!(
                    "'{}' må aldrig bruges som input til modellen",
                    f.name
                ));
            }
        }
        for required in ["sex", "origin"] {
            if !policy.never_inputs.iter().any(|n| n == required) {
                return Err(format!("'{required}' skal stå i never_inputs"));
            }
        }
        if policy.inputs.is_empty() {
            return Err("politikken nævner ingen inputs".into());
        }
        policy.hash = hex::encode(Sha256::digest(text.as_bytes()));
        Ok(policy)
    }

    /// Input names in model column order.
    pub fn input_names(&self) -> Vec<&str> {
        self.inputs.iter().map(|f| f.name.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped policy lives with the product, at the workspace root.
    fn shipped() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../model/features.toml")
    }

    #[test]
    fn the_shipped_policy_is_valid_and_keeps_sex_and_origin_out() {
        let p = FeaturePolicy::load(&shipped()).unwrap();
        assert!(!p.input_names().contains(&"sex"));
        assert!(!p.input_names().contains(&"origin"));
        assert_eq!(p.hash.len(), 64);
    }

    #[test]
    fn a_policy_that_uses_sex_as_input_is_refused() {
        let text = std::fs::read_to_string(shipped()).unwrap()
            + "\n[[input]]\nname = \"sex\"\nlabel = \"Køn\"\nkind = \"flag\"\n";
        let err = FeaturePolicy::parse(&text).unwrap_err();
        assert!(err.contains("'sex' må aldrig"), "{err}");
    }
}
