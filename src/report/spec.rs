//! `reports/report.toml`: the marts the report reads and, for a mart no cockpit page
//! reads, its disclosure rule. A mart a page declares always gets the page's rule,
//! so the report hides exactly what the cockpit hides.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::archive::Digest;
use super::ReportError;
use crate::dashboard::spec::{Dashboard, MartSpec};
use crate::disclosure::Rule;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    marts: Vec<String>,
    history_months: usize,
    table_months: usize,
    #[serde(default)]
    rules: BTreeMap<String, MartSpec>,
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
    /// Reads `report.toml` in `reports_dir` and the page files in `dashboards_dir`.
    pub fn load(
        reports_dir: &Path,
        dashboards_dir: &Path,
        digest: &mut Digest,
    ) -> Result<ReportSpec, ReportError> {
        let path = reports_dir.join("report.toml");
        let text = std::fs::read_to_string(&path).map_err(ReportError::io(&path))?;
        digest.add("report.toml", text.as_bytes());
        let file: File = toml::from_str(&text).map_err(|e| ReportError::Spec {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let pages = page_rules(dashboards_dir)?;
        let mut marts = BTreeMap::new();
        for name in &file.marts {
            if !crate::store::mart_names().any(|m| m == name) {
                return Err(ReportError::Spec {
                    path,
                    message: format!("'{name}' er ikke en mart (sql/marts/)"),
                });
            }
            let rule = match pages.get(name) {
                Some(rule) => rule.clone(),
                None => file
                    .rules
                    .get(name)
                    .map(MartSpec::rule)
                    .ok_or_else(|| ReportError::NoRule(name.clone()))?,
            };
            marts.insert(name.clone(), rule);
        }
        Ok(ReportSpec {
            marts,
            history_months: file.history_months.max(1),
            table_months: file.table_months.max(1),
        })
    }
}

/// The rule each mart gets on the cockpit's pages. Two pages that declare one mart
/// differently would make "as the cockpit does" ambiguous, so that is refused.
fn page_rules(dir: &Path) -> Result<BTreeMap<String, Rule>, ReportError> {
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(ReportError::io(dir))? {
        let path = entry.map_err(ReportError::io(dir))?.path();
        if path.extension().is_some_and(|e| e == "toml") {
            paths.push(path);
        }
    }
    paths.sort();
    let mut rules: BTreeMap<String, Rule> = BTreeMap::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(ReportError::io(&path))?;
        let page = Dashboard::parse(&text).map_err(|e| ReportError::Spec {
            path: path.clone(),
            message: e.to_string(),
        })?;
        for (name, spec) in &page.marts {
            let rule = spec.rule();
            match rules.get(name) {
                Some(existing) if *existing != rule => {
                    return Err(ReportError::ConflictingRules(name.clone()))
                }
                _ => {
                    rules.insert(name.clone(), rule);
                }
            }
        }
    }
    Ok(rules)
}
