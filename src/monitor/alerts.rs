//! Alerts: the conditions found by this run's monitoring (drift, calibration,
//! fairness), plus data quality and failed runs read from the ledgers. An alert
//! stays open, with its first and last month seen, while its condition holds, and
//! is closed by the first run that no longer finds it.

use std::collections::HashSet;

use duckdb::{params, Connection, OptionalExt};

use super::{MonitorError, MonitorInput};
use crate::store::date_value;

/// One condition found by a run. Messages are Danish and aggregate-only.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub kind: &'static str,
    pub severity: Severity,
    pub subject: String,
    pub message: String,
    pub value: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Info,
    Warning,
    Alarm,
}

impl Severity {
    pub fn code(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "advarsel",
            Severity::Alarm => "alarm",
        }
    }
}

impl Alert {
    fn key(&self) -> String {
        [self.kind, ":", &self.subject].concat()
    }
}

/// Data-quality and pipeline conditions read from the ledgers of the run month.
fn ledger_alerts(conn: &Connection, input: &MonitorInput<'_>) -> Result<Vec<Alert>, MonitorError> {
    let mut out = Vec::new();
    let month = input.run_month.to_string();
    let quarantined: Option<(i64, i64)> = conn
        .query_row(
            "select sum(rows_quarantined)::bigint, sum(rows_loaded)::bigint
             from load_batches where batch_month = ?::date",
            [&month],
            |r| Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<i64>>(1)?)),
        )
        .optional()?
        .and_then(|(q, l)| Some((q?, l?)));
    if let Some((q, loaded)) = quarantined.filter(|(q, _)| *q > 0) {
        out.push(Alert {
            kind: "datakvalitet",
            severity: Severity::Info,
            subject: "karantæne".into(),
            message: format!(
                "{q} rækker fra leverancen for {} blev sat i karantæne (af {} indlæste); se Kørsler.",
                input.run_month.format("%m-%Y"),
                loaded + q
            ),
            value: Some(q as f64),
        });
    }
    // Failed runs since the last run that succeeded: somebody must look.
    for (m, n) in &input.failed_runs {
        out.push(Alert {
            kind: "koersel",
            severity: Severity::Alarm,
            subject: m.clone(),
            message: format!(
                "Kørslen for {m} fejlede {n} gang(e) siden sidste gennemførte kørsel; se Kørsler."
            ),
            value: Some(*n as f64),
        });
    }
    Ok(out)
}

/// Opens, refreshes and closes alerts; returns how many are open afterwards.
pub fn update(
    conn: &Connection,
    input: &MonitorInput<'_>,
    found: Vec<Alert>,
) -> Result<usize, MonitorError> {
    let mut found = found;
    found.extend(ledger_alerts(conn, input)?);
    let month = date_value(input.run_month);
    let mut seen = HashSet::new();
    for a in &found {
        let key = a.key();
        if !seen.insert(key.clone()) {
            continue;
        }
        let open: Option<String> = conn
            .query_row(
                "select status from alerts where alert_key = ?",
                [&key],
                |r| r.get(0),
            )
            .optional()?;
        match open.as_deref() {
            Some("aaben") => {
                conn.execute(
                    "update alerts set severity = ?, message = ?, value = ?, last_seen_month = ?, last_seen_at = now()
                     where alert_key = ?",
                    params![a.severity.code(), a.message, a.value, month, key],
                )?;
            }
            Some(_) => {
                // The condition is back: a new episode starts now.
                conn.execute(
                    "update alerts set severity = ?, message = ?, value = ?, first_seen_month = ?, last_seen_month = ?,
                     first_seen_at = now(), last_seen_at = now(), status = 'aaben' where alert_key = ?",
                    params![a.severity.code(), a.message, a.value, month, month, key],
                )?;
            }
            None => {
                conn.execute(
                    "insert into alerts (alert_key, kind, severity, subject, message, value,
                         first_seen_month, last_seen_month, first_seen_at, last_seen_at, status)
                     values (?, ?, ?, ?, ?, ?, ?, ?, now(), now(), 'aaben')",
                    params![
                        key,
                        a.kind,
                        a.severity.code(),
                        a.subject,
                        a.message,
                        a.value,
                        month,
                        month
                    ],
                )?;
            }
        }
    }
    let open_keys: Vec<String> = {
        let mut stmt = conn.prepare("select alert_key from alerts where status = 'aaben'")?;
        let keys = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        keys
    };
    for key in open_keys.iter().filter(|k| !seen.contains(*k)) {
        conn.execute(
            "update alerts set status = 'lukket' where alert_key = ?",
            [key],
        )?;
    }
    Ok(seen.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PipelineConfig;
    use crate::encryption::EncryptionKey;
    use crate::model::policy::FeaturePolicy;
    use crate::store::{query_table, Store};
    use chrono::NaiveDate;

    fn drift(psi: f64) -> Alert {
        Alert {
            kind: "drift",
            severity: if psi >= 0.25 {
                Severity::Alarm
            } else {
                Severity::Warning
            },
            subject: "age".into(),
            message: "Alder: afviger".into(),
            value: Some(psi),
        }
    }

    #[test]
    fn an_alert_opens_stays_open_while_seen_closes_when_gone_and_can_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let key = EncryptionKey::from_hex(&"17".repeat(32)).unwrap();
        let store = Store::open(&dir.path().join("t.duckdb"), &key).unwrap();
        let conn = store.lock();
        let pipeline =
            PipelineConfig::load(std::path::Path::new("pipelines/monthly.toml")).unwrap();
        let policy = FeaturePolicy::load(std::path::Path::new("model/features.toml")).unwrap();
        let month = |m: u32| NaiveDate::from_ymd_opt(2025, m, 1).unwrap();
        let run = |m: u32, found: Vec<Alert>| {
            let input = MonitorInput {
                run_id: "r",
                run_month: month(m),
                pipeline: &pipeline,
                policy: &policy,
                k: 5,
                failed_runs: Vec::new(),
            };
            update(&conn, &input, found).unwrap()
        };
        assert_eq!(run(1, vec![drift(0.12)]), 1);
        assert_eq!(run(2, vec![drift(0.30)]), 1);
        let state = |conn: &duckdb::Connection| {
            query_table(
                conn,
                "select status, severity, first_seen_month::varchar, last_seen_month::varchar, value from alerts",
                [],
            )
            .unwrap()
            .rows
        };
        use crate::table::Cell::{Float, Text};
        assert_eq!(
            state(&conn),
            vec![vec![
                Text("aaben".into()),
                Text("alarm".into()),
                Text("2025-01-01".into()),
                Text("2025-02-01".into()),
                Float(0.30)
            ]],
            "still open, first seen kept, severity and value refreshed"
        );
        assert_eq!(run(3, vec![]), 0);
        assert_eq!(
            state(&conn)[0][0],
            Text("lukket".into()),
            "closed when gone"
        );
        assert_eq!(run(4, vec![drift(0.11)]), 1);
        let s = state(&conn);
        assert_eq!(s.len(), 1, "one row per condition");
        assert_eq!(s[0][0], Text("aaben".into()));
        assert_eq!(s[0][2], Text("2025-04-01".into()), "a new episode starts");
    }
}
