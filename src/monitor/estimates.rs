//! Performance estimated before outcomes arrive (NannyML's CBPE) and, a horizon
//! later, realised. The estimate of a cohort is written once, by the first run
//! that monitors its scores (in a monthly operation: the run that scored it), and
//! never rewritten; its realised value is refreshed by every run once the cohort
//! is mature, so corrected outcome deliveries are taken into account.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use duckdb::{params, Connection};

use super::rows::MonitorRow;
use super::{MonitorError, MonitorInput};
use crate::metrics::classification;
use crate::metrics::{auc, cbpe};
use crate::store::date_value;

/// The metrics estimated, in table order.
pub const METRICS: [&str; 6] = [
    "accuracy",
    "precision",
    "recall",
    "specificity",
    "f1",
    "auc",
];

pub fn write(
    conn: &Connection,
    input: &MonitorInput<'_>,
    cohorts: &BTreeMap<NaiveDate, Vec<&MonitorRow>>,
) -> Result<(), MonitorError> {
    let threshold = input.pipeline.scoring.high_from;
    // What is stored already: (cohort, version, metric) -> realised.
    let stored: HashMap<(NaiveDate, String, String), Option<f64>> = {
        let mut stmt = conn.prepare(
            "select cohort_month::varchar, model_version, metric, realised from metric_cbpe",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                (
                    parse_date(&r.get::<_, String>(0)?),
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ),
                r.get::<_, Option<f64>>(3)?,
            ))
        })?;
        rows.collect::<Result<_, _>>()?
    };
    for (month, rows) in cohorts {
        // One version scores a cohort; a cohort re-scored by another version gets
        // an estimate of its own.
        let mut by_version: BTreeMap<&str, Vec<&MonitorRow>> = BTreeMap::new();
        for r in rows {
            by_version.entry(&r.model_version).or_default().push(r);
        }
        for (version, rs) in by_version {
            let key = |metric: &str| (*month, version.to_string(), metric.to_string());
            if !stored.contains_key(&key(METRICS[0])) {
                let p: Vec<f64> = rs.iter().map(|r| r.probability).collect();
                let e = cbpe::estimate(&p, threshold);
                let values = [
                    e.accuracy,
                    e.precision,
                    e.recall,
                    e.specificity,
                    e.f1,
                    e.roc_auc,
                ];
                for (metric, value) in METRICS.iter().zip(values) {
                    conn.execute(
                        "insert into metric_cbpe (cohort_month, model_version, metric, estimated,
                             estimated_in_run, realised, realised_in_run)
                         values (?, ?, ?, ?, ?, null, null)",
                        params![date_value(*month), version, metric, value, input.run_id],
                    )?;
                }
            }
            // Realised once the follow-up has passed, over the known outcomes
            // (one unknown outcome must not keep it unrealised for ever).
            if rs.iter().all(|r| r.mature) {
                let (p, y): (Vec<f64>, Vec<u32>) = rs
                    .iter()
                    .filter_map(|r| r.label.map(|y| (r.probability, y)))
                    .unzip();
                let c = classification::at_threshold(&p, &y, threshold);
                let values = [
                    c.accuracy.value,
                    c.precision.value,
                    c.recall.value,
                    c.specificity.value,
                    c.f1,
                    auc(&p, &y),
                ];
                for (metric, value) in METRICS.iter().zip(values) {
                    let unchanged = match stored.get(&key(metric)) {
                        Some(Some(old)) => value.is_some_and(|v| v == *old),
                        _ => false,
                    };
                    if unchanged {
                        continue;
                    }
                    conn.execute(
                        "update metric_cbpe set realised = ?, realised_in_run = ?
                         where cohort_month = ? and model_version = ? and metric = ?",
                        params![value, input.run_id, date_value(*month), version, metric],
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// A date DuckDB printed as `YYYY-MM-DD`.
fn parse_date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}
