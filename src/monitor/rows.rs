//! The rows monitoring reads: one per scored spell (sql/monitor/monitor_rows.sql),
//! and the training rows of a model version (its drift reference).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use duckdb::Connection;

use super::MonitorError;
use crate::model::policy::FeaturePolicy;
use crate::store::query_table;
use crate::table::{Cell, Table};

const MONITOR_ROWS: &str = include_str!("../../sql/monitor/monitor_rows.sql");
/// A version's drift reference is exactly the rows it was trained on, so it is read
/// by the training query itself (one query, not a copy that could drift apart).
const REFERENCE_ROWS: &str = include_str!("../../sql/model/training_set.sql");

/// The protected attributes audited for fairness, in the order of `MonitorRow::groups`.
pub const DIMENSIONS: [&str; 5] = ["sex", "age_band", "district", "target_group", "origin"];

/// One scored spell as monitoring sees it.
#[derive(Debug, Clone)]
pub struct MonitorRow {
    pub cohort_month: NaiveDate,
    pub model_version: String,
    pub probability: f64,
    pub risk_band: String,
    /// The outcome: 1 still unemployed at the horizon; `None` until mature, and
    /// `None` for a mature spell whose outcome was not observed (censored).
    pub label: Option<u32>,
    /// The follow-up time has passed (the status data cover the outcome month).
    pub mature: bool,
    /// Values of [`DIMENSIONS`].
    pub groups: [String; 5],
    /// First month (1..horizon) after the cohort month with a job or education.
    pub exit_month: Option<u32>,
    /// Months after the cohort month covered by status data (0..horizon).
    pub followup_months: u32,
    /// The last month after the cohort month with an observed status (not
    /// `fraflyttet`, `doed`, `ukendt` or missing); 0 if none. The survival
    /// curves censor the person there.
    pub observed_months: u32,
    /// Model inputs in policy order.
    pub features: Vec<f64>,
}

impl MonitorRow {
    /// Mature, but the outcome was not observed.
    pub fn unknown(&self) -> bool {
        self.mature && self.label.is_none()
    }

    /// The survival time and whether leaving unemployment was observed: an exit
    /// in a month the person was observed is an event; otherwise the person is
    /// censored at the last observed month (lifelines' convention), never
    /// followed beyond the horizon.
    pub fn survival_time(&self, horizon: u32) -> (u32, bool) {
        let observed = self.observed_months.min(self.followup_months).min(horizon);
        match self.exit_month {
            Some(m) if m <= observed => (m, true),
            _ => (observed, false),
        }
    }

    /// Flagged at the policy threshold: the high-risk band.
    pub fn flagged(&self) -> bool {
        self.risk_band == crate::vocabulary::RiskBand::Hoej.as_code()
    }
}

fn column(t: &Table, name: &str) -> Result<usize, MonitorError> {
    t.column_index(name)
        .ok_or_else(|| MonitorError::Column(name.to_string()))
}

fn text(c: &Cell) -> String {
    match c {
        Cell::Text(s) => s.clone(),
        Cell::Null => String::new(),
        Cell::Int(v) => v.to_string(),
        other => format!("{other:?}"),
    }
}

/// Loads every scored spell up to the run month.
pub fn load(conn: &Connection, policy: &FeaturePolicy) -> Result<Vec<MonitorRow>, MonitorError> {
    let t = query_table(conn, MONITOR_ROWS, [])?;
    let c = |n: &str| column(&t, n);
    let (month, version, prob, band, label) = (
        c("cohort_month")?,
        c("model_version")?,
        c("probability")?,
        c("risk_band")?,
        c("label")?,
    );
    let mature = c("mature")?;
    let dims: Vec<usize> = DIMENSIONS.iter().map(|d| c(d)).collect::<Result<_, _>>()?;
    let (exit, followup, observed) = (
        c("exit_month")?,
        c("followup_months")?,
        c("observed_months")?,
    );
    let feats: Vec<usize> = policy
        .input_names()
        .iter()
        .map(|n| c(n))
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(t.rows.len());
    for r in &t.rows {
        let Cell::Date(cohort_month) = r[month] else {
            return Err(MonitorError::Column("cohort_month".into()));
        };
        let is_mature = r[mature].as_i64() == Some(1);
        out.push(MonitorRow {
            cohort_month,
            model_version: text(&r[version]),
            probability: r[prob].as_f64().unwrap_or(f64::NAN),
            risk_band: text(&r[band]),
            label: if is_mature {
                r[label].as_i64().map(|v| v as u32)
            } else {
                None
            },
            mature: is_mature,
            groups: std::array::from_fn(|i| text(&r[dims[i]])),
            exit_month: r[exit].as_i64().map(|v| v as u32),
            followup_months: r[followup].as_i64().unwrap_or(0).max(0) as u32,
            observed_months: r[observed].as_i64().unwrap_or(0).max(0) as u32,
            features: feats
                .iter()
                .map(|&i| r[i].as_f64().unwrap_or(0.0))
                .collect(),
        });
    }
    Ok(out)
}

/// The rows by cohort month, oldest first.
pub fn by_cohort(rows: &[MonitorRow]) -> BTreeMap<NaiveDate, Vec<&MonitorRow>> {
    let mut m: BTreeMap<NaiveDate, Vec<&MonitorRow>> = BTreeMap::new();
    for r in rows {
        m.entry(r.cohort_month).or_default().push(r);
    }
    m
}

/// The training rows of a version's window (labelled, mature): model inputs in
/// policy order and labels, the reference its drift is measured against.
pub fn reference(
    conn: &Connection,
    policy: &FeaturePolicy,
    train_from: NaiveDate,
    train_to: NaiveDate,
) -> Result<(Vec<Vec<f64>>, Vec<u32>), MonitorError> {
    let t = query_table(
        conn,
        REFERENCE_ROWS,
        [train_from.to_string(), train_to.to_string()],
    )?;
    let feats: Vec<usize> = policy
        .input_names()
        .iter()
        .map(|n| column(&t, n))
        .collect::<Result<_, _>>()?;
    let label = column(&t, "label")?;
    Ok(t.rows
        .iter()
        .map(|r| {
            let x = feats
                .iter()
                .map(|&i| r[i].as_f64().unwrap_or(0.0))
                .collect();
            (x, r[label].as_i64().unwrap_or(0) as u32)
        })
        .unzip())
}
