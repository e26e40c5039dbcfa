//! Drift: each cohort's model inputs, predicted risk and (once mature) outcome
//! rate compared with the training reference of the model version that scored
//! it. The reference is frozen the first time monitoring meets a version (in the
//! run that trained it), so later re-deliveries never move the yardstick.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use duckdb::{params, Connection, OptionalExt};

use super::alerts::{Alert, Severity};
use super::rows::{self, MonitorRow};
use super::{MonitorError, MonitorInput};
use crate::metrics::drift::{Binning, DriftLevel};
use crate::model::policy::FeatureKind;
use crate::model::registry;
use crate::store::date_value;

/// Pseudo-features: the predicted risk and the outcome (base rate).
pub const RISK: &str = "_risk";
pub const BASE_RATE: &str = "_base_rate";

/// The frozen reference binnings of a version, by feature.
type Reference = BTreeMap<String, Binning>;

fn load_reference(conn: &Connection, version: &str) -> Result<Option<Reference>, MonitorError> {
    let mut stmt = conn.prepare("select feature, binning from model_reference where version = ?")?;
    let rows = stmt
        .query_map([version], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    if rows.is_empty() {
        return Ok(None);
    }
    let mut out = Reference::new();
    for (feature, json) in rows {
        out.insert(feature, serde_json::from_str(&json)?);
    }
    Ok(Some(out))
}

/// Builds and stores the reference of `version` from its training rows.
fn freeze_reference(
    conn: &Connection,
    input: &MonitorInput<'_>,
    version: &str,
) -> Result<Option<Reference>, MonitorError> {
    let window: Option<(String, String)> = conn
        .query_row(
            "select train_from::varchar, train_to::varchar from model_versions where version = ?",
            [version],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((from, to)) = window else {
        return Ok(None);
    };
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
    let (x, y) = rows::reference(conn, input.policy, date(&from), date(&to))?;
    if x.is_empty() {
        return Ok(None);
    }
    let tree = registry::load(conn, version)?;
    let mut reference = Reference::new();
    for (j, f) in input.policy.inputs.iter().enumerate() {
        let column: Vec<f64> = x.iter().map(|r| r[j]).collect();
        reference.insert(f.name.clone(), binning_for(f.kind, &column));
    }
    let risk: Vec<f64> = x.iter().map(|r| tree.leaf_for(r).probability).collect();
    reference.insert(RISK.into(), Binning::numeric(&risk));
    let labels: Vec<f64> = y.iter().map(|&v| f64::from(v)).collect();
    reference.insert(BASE_RATE.into(), Binning::categorical(&labels));
    let mut app = conn.appender("model_reference")?;
    for (feature, b) in &reference {
        app.append_row(params![version, feature, x.len() as i64, serde_json::to_string(b)?])?;
    }
    app.flush()?;
    Ok(Some(reference))
}

fn binning_for(kind: FeatureKind, values: &[f64]) -> Binning {
    match kind {
        FeatureKind::Flag => Binning::categorical(values),
        FeatureKind::Number => Binning::numeric(values),
    }
}

/// Writes drift of every cohort; returns alerts for the newest cohort.
pub fn write(
    conn: &Connection,
    input: &MonitorInput<'_>,
    cohorts: &BTreeMap<NaiveDate, Vec<&MonitorRow>>,
) -> Result<Vec<Alert>, MonitorError> {
    let cfg = input.cfg();
    let level = |psi: f64| DriftLevel::of(psi, cfg.psi_warning, cfg.psi_alert);
    let mut references: BTreeMap<String, Option<Reference>> = BTreeMap::new();
    let newest = cohorts.keys().next_back().copied();
    let mut alerts = Vec::new();
    let mut app_rows = Vec::new();
    for (month, rows) in cohorts {
        let mut by_version: BTreeMap<&str, Vec<&MonitorRow>> = BTreeMap::new();
        for r in rows {
            by_version.entry(&r.model_version).or_default().push(r);
        }
        for (version, rs) in by_version {
            if !references.contains_key(version) {
                let r = match load_reference(conn, version)? {
                    Some(r) => Some(r),
                    None => freeze_reference(conn, input, version)?,
                };
                references.insert(version.to_string(), r);
            }
            let Some(reference) = references[version].as_ref() else {
                continue;
            };
            let mut current: Vec<(String, Vec<f64>)> = input
                .policy
                .inputs
                .iter()
                .enumerate()
                .map(|(j, f)| (f.name.clone(), rs.iter().map(|r| r.features[j]).collect()))
                .collect();
            current.push((RISK.into(), rs.iter().map(|r| r.probability).collect()));
            if rs.iter().all(|r| r.label.is_some()) {
                current.push((
                    BASE_RATE.into(),
                    rs.iter().filter_map(|r| r.label.map(f64::from)).collect(),
                ));
            }
            for (feature, values) in current {
                let Some(b) = reference.get(&feature) else {
                    continue;
                };
                let psi = b.psi(&values);
                let js = b.js_distance(&values);
                let lvl = level(psi);
                if Some(*month) == newest && lvl != DriftLevel::Ok {
                    alerts.push(drift_alert(input, &feature, *month, psi, lvl));
                }
                app_rows.push((*month, version.to_string(), feature, values.len(), psi, js, lvl));
            }
        }
    }
    let mut app = conn.appender("metric_drift")?;
    for (month, version, feature, n, psi, js, lvl) in app_rows {
        let label = feature_label(input, &feature);
        app.append_row(params![
            date_value(month),
            version,
            feature,
            label,
            n as i64,
            psi,
            js,
            level_code(lvl),
            input.run_id
        ])?;
    }
    app.flush()?;
    Ok(alerts)
}

/// The level as stored and shown (Danish; the page prints it as it is).
fn level_code(level: DriftLevel) -> &'static str {
    match level {
        DriftLevel::Ok => "ok",
        DriftLevel::Warning => "advarsel",
        DriftLevel::Alert => "alarm",
    }
}

/// The Danish name of a feature or pseudo-feature.
fn feature_label(input: &MonitorInput<'_>, feature: &str) -> String {
    match feature {
        RISK => "Forudsagt risiko".to_string(),
        BASE_RATE => "Faktisk andel stadig ledig".to_string(),
        name => input
            .policy
            .inputs
            .iter()
            .find(|f| f.name == name)
            .map_or_else(|| name.to_string(), |f| f.label.clone()),
    }
}

fn drift_alert(
    input: &MonitorInput<'_>,
    feature: &str,
    month: NaiveDate,
    psi: f64,
    level: DriftLevel,
) -> Alert {
    let label = feature_label(input, feature);
    Alert {
        kind: "drift",
        severity: if level == DriftLevel::Alert {
            Severity::Alarm
        } else {
            Severity::Warning
        },
        message: format!(
            "{label}: kohorten fra {} afviger fra modellens træningsdata (PSI {}; advarsel fra {}, alarm fra {}).",
            month.format("%m-%Y"),
            crate::dashboard::format::number(psi, 3),
            crate::dashboard::format::number(input.cfg().psi_warning, 2),
            crate::dashboard::format::number(input.cfg().psi_alert, 2),
        ),
        subject: feature.to_string(),
        value: Some(psi),
    }
}
