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
