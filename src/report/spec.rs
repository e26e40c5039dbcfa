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
