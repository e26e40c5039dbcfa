//! Outcome tracking: each risk band's share and, once mature, its observed rate;
//! and Kaplan-Meier curves of the share still unemployed month by month after
//! the 2nd interview, by risk band, each person censored at their last observed
//! month (where the status data end, or earlier when they moved out, died or
//! dropped out of the registers).

use duckdb::{params, Connection};

use super::{MonitorError, MonitorInput, Scope};
use crate::metrics::survival::kaplan_meier;
use crate::metrics::wilson_interval;
use crate::store::date_value;

/// The risk bands in display order, and the curve over all bands.
pub const BANDS: [&str; 3] = ["lav", "mellem", "hoej"];
const ALL: &str = "alle";

pub fn write(
    conn: &Connection,
    input: &MonitorInput<'_>,
    scope: &Scope<'_>,
) -> Result<(), MonitorError> {
    let total = scope.rows.len();
    if total == 0 {
        return Ok(());
    }
    // By column name, in the order of the values appended below.
    let mut app = conn.appender_with_columns(
        "metric_risk_bands",
        &[
            "scope",
            "cohort_month",
            "model_version",
            "risk_band",
            "n",
            "share",
            "mean_predicted",
            "n_labelled",
            "n_unknown",
            "observed_rate",
            "observed_ci_low",
            "observed_ci_high",
            "computed_in_run",
        ],
    )?;
    for band in BANDS {
        let rs: Vec<_> = scope.rows.iter().filter(|r| r.risk_band == band).collect();
        if rs.is_empty() {
            continue;
        }
        let n = rs.len() as u64;
        let mean_predicted = rs.iter().map(|r| r.probability).sum::<f64>() / n as f64;
        let labels: Vec<u32> = rs.iter().filter_map(|r| r.label).collect();
        let n_labelled = labels.len() as u64;
        let n_unknown = rs.iter().filter(|r| r.unknown()).count() as u64;
        let positives = labels.iter().map(|&y| u64::from(y)).sum::<u64>();
        let (rate, lo, hi) = if n_labelled > 0 {
            let (lo, hi) = wilson_interval(positives, n_labelled);
            (
                Some(positives as f64 / n_labelled as f64),
                Some(lo),
                Some(hi),
            )
        } else {
            (None, None, None)
        };
        app.append_row(params![
            scope.name,
            date_value(scope.cohort_month),
            scope.model_version,
            band,
            n as i64,
            n as f64 / total as f64,
            mean_predicted,
            n_labelled as i64,
            n_unknown as i64,
            rate,
            lo,
            hi,
            input.run_id
        ])?;
    }
    app.flush()?;

    let horizon = input.pipeline.cohort.horizon_months;
    // By column name, in the order of the values appended below.
    let mut app = conn.appender_with_columns(
        "metric_survival",
        &[
            "scope",
            "cohort_month",
            "model_version",
            "risk_band",
            "month_after",
            "n_at_risk",
            "n_events",
            "n_censored",
            "survival",
            "ci_low",
            "ci_high",
            "computed_in_run",
        ],
    )?;
    for band in BANDS.iter().copied().chain([ALL]) {
        let (durations, events): (Vec<u32>, Vec<bool>) = scope
            .rows
            .iter()
            .filter(|r| band == ALL || r.risk_band == band)
            .map(|r| r.survival_time(horizon))
            .unzip();
        if durations.is_empty() {
            continue;
        }
        for p in kaplan_meier(&durations, &events, horizon) {
            app.append_row(params![
                scope.name,
                date_value(scope.cohort_month),
                scope.model_version,
                band,
                p.month as i32,
                p.at_risk as i64,
                p.events as i64,
                p.censored as i64,
                p.survival,
                p.ci_low,
                p.ci_high,
                input.run_id
            ])?;
        }
    }
    app.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::rows::MonitorRow;

    /// What sql/monitor/monitor_rows.sql derives from a person's status rows of
    /// months 1..horizon (None: no row): the first month with a job or
    /// education, and the last month with an observed status.
    fn row_from_path(path: &[Option<String>]) -> MonitorRow {
        let month = |i: usize| (i + 1) as u32;
        let exit_month = path
            .iter()
            .position(|s| matches!(s.as_deref(), Some("beskaeftiget" | "uddannelse")))
            .map(month);
        let observed_months = path
            .iter()
            .rposition(|s| {
                s.as_deref()
                    .is_some_and(|s| !crate::extracts::UNOBSERVED_STATUSES.contains(&s))
            })
            .map_or(0, month);
        let last = path.last().cloned().flatten();
        let known = last
            .as_deref()
            .filter(|s| !crate::extracts::UNOBSERVED_STATUSES.contains(s));
        MonitorRow {
            cohort_month: chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
            model_version: "v".into(),
            probability: 0.5,
            risk_band: "mellem".into(),
            label: known.map(|s| u32::from(!matches!(s, "beskaeftiget" | "uddannelse"))),
            mature: true,
            groups: std::array::from_fn(|_| String::new()),
            exit_month,
            followup_months: path.len() as u32,
            observed_months,
            features: vec![],
        }
    }

    #[derive(serde::Deserialize)]
    struct Fixture {
        horizon: u32,
        paths: Vec<Vec<Option<String>>>,
        durations: Vec<u32>,
        events: Vec<bool>,
        unknown_outcome_share: f64,
        survival_at_months: Vec<f64>,
        low_at_months: Vec<f64>,
        high_at_months: Vec<f64>,
    }

    /// 40 % of the outcomes unknown (moved out, died, register gaps, deliveries
    /// that end): each person censored at the last observed month, the curve is
    /// lifelines' Kaplan-Meier to 1e-9 (tests/reference/censoring.py).
    #[test]
    fn survival_with_per_person_censoring_matches_lifelines() {
        let f: Fixture =
            serde_json::from_str(include_str!("../../tests/reference/censoring.json")).unwrap();
        assert!((0.38..0.42).contains(&f.unknown_outcome_share));
        let rows: Vec<MonitorRow> = f.paths.iter().map(|p| row_from_path(p)).collect();
        let unknown = rows.iter().filter(|r| r.unknown()).count() as f64;
        assert!((unknown / rows.len() as f64 - f.unknown_outcome_share).abs() < 1e-12);
        let (durations, events): (Vec<u32>, Vec<bool>) =
            rows.iter().map(|r| r.survival_time(f.horizon)).unzip();
        assert_eq!(durations, f.durations);
        assert_eq!(events, f.events);
        let curve = kaplan_meier(&durations, &events, f.horizon);
        assert_eq!(curve.len(), f.horizon as usize);
        for (i, p) in curve.iter().enumerate() {
            assert!(
                (p.survival - f.survival_at_months[i]).abs() < 1e-9,
                "month {}",
                p.month
            );
            assert!(
                (p.ci_low - f.low_at_months[i]).abs() < 1e-9,
                "low {}",
                p.month
            );
            assert!(
                (p.ci_high - f.high_at_months[i]).abs() < 1e-9,
                "high {}",
                p.month
            );
        }
    }

    /// Before the fix everybody was followed to the end of the delivery: a person
    /// whose rows say they moved out counted as still unemployed and at risk.
    #[test]
    fn a_person_who_moved_out_is_censored_there_not_counted_as_unemployed() {
        let path: Vec<Option<String>> = ["ydelse", "ydelse", "fraflyttet"]
            .iter()
            .map(|s| Some(s.to_string()))
            .chain(std::iter::repeat_n(Some("fraflyttet".to_string()), 9))
            .collect();
        let r = row_from_path(&path);
        assert_eq!(r.survival_time(12), (2, false));
        assert!(r.unknown());
    }
}
