//! `reports/report.toml`: the marts the report reads and how many months it shows.
//! Each mart is disclosed by the rule of its mart file (`sql/marts/mart_x.toml`),
//! the same rule every cockpit page uses, so the report hides exactly what the
//! cockpit hides.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::digest::Digest;
use super::ReportError;
use crate::disclosure::Rule;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    marts: Vec<String>,
    history_months: usize,
    table_months: usize,
}

/// The report's marts with the rule each one is disclosed by.
#[derive(Debug, Clone)]
pub struct ReportSpec {
    pub marts: BTreeMap<String, Rule>,
    /// Months shown in the charts.
    pub history_months: usize,
    /// Months shown in the tables.
    pub table_months: usize,
}

impl ReportSpec {
    /// Reads `report.toml` in `reports_dir`; a mart that does not exist is refused.
    pub fn load(reports_dir: &Path, digest: &mut Digest) -> Result<ReportSpec, ReportError> {
        let path = reports_dir.join("report.toml");
        let text = std::fs::read_to_string(&path).map_err(ReportError::io(&path))?;
        digest.add("report.toml", text.as_bytes());
        let bad = |message: String| ReportError::Spec {
            path: path.clone(),
            message,
        };
        let file: File = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
        let mut marts = BTreeMap::new();
        for name in &file.marts {
            let mart = crate::marts::get(name)
                .map_err(|e| bad(e.to_string()))?
                .ok_or_else(|| bad(format!("'{name}' er ikke en mart (sql/marts/)")))?;
            marts.insert(name.clone(), mart.disclosure.rule());
        }
        Ok(ReportSpec {
            marts,
            history_months: file.history_months.max(1),
            table_months: file.table_months.max(1),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<ReportSpec, ReportError> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("report.toml"), text).unwrap();
        ReportSpec::load(dir.path(), &mut Digest::default())
    }

    const MONTHS: &str = "history_months = 24\ntable_months = 12\n";

    #[test]
    fn each_mart_of_the_report_gets_the_rule_of_its_mart_file() {
        let spec = load(&format!("marts = [\"mart_programmes\"]\n{MONTHS}")).unwrap();
        let rule = &spec.marts["mart_programmes"];
        let file = crate::marts::get("mart_programmes").unwrap().unwrap();
        assert_eq!(*rule, file.disclosure.rule());
        assert_eq!(rule.count.as_deref(), Some("n"));
    }

    #[test]
    fn a_name_in_the_report_that_is_not_a_mart_is_refused() {
        let err = load(&format!("marts = [\"mart_nope\"]\n{MONTHS}")).unwrap_err();
        assert!(err.to_string().contains("mart_nope"), "{err}");
    }

    #[test]
    fn the_report_cannot_declare_a_rule_of_its_own() {
        let text = format!(
            "marts = [\"mart_programmes\"]\n{MONTHS}[rules.mart_programmes]\ncount = \"n\"\n"
        );
        assert!(load(&text).is_err());
    }
}
