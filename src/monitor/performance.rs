//! Performance and calibration of the scores of a mature cohort (or the window):
//! the confusion matrix at the policy threshold with every rate and its interval,
//! the majority-class baseline beside accuracy, AUC and Brier with seeded
//! bootstrap intervals, and calibration (reliability bins, ECE, calibration in
//! the large, slope).

use duckdb::{params, Appender, Connection};

use super::alerts::{Alert, Severity};
use super::{MonitorError, MonitorInput, Scope};
use crate::metrics::calibration::{self, Strategy};
use crate::metrics::classification::{self, Rate};
use crate::metrics::{auc, bootstrap_ci, brier, wilson_interval};
use crate::store::date_value;

/// One row of `metric_performance`.
struct Row<'a> {
    metric: &'a str,
    value: Option<f64>,
    ci: Option<(f64, f64)>,
    numerator: Option<u64>,
    denominator: Option<u64>,
}

impl<'a> Row<'a> {
    fn rate(metric: &'a str, r: &Rate) -> Row<'a> {
        Row {
            metric,
            value: r.value,
            ci: r.value.map(|_| (r.ci_low, r.ci_high)),
            numerator: Some(r.numerator),
            denominator: Some(r.denominator),
        }
    }

    fn count(metric: &'a str, k: u64, n: u64) -> Row<'a> {
        Row {
            metric,
            value: Some(k as f64),
            ci: None,
            numerator: Some(k),
            denominator: Some(n),
        }
    }

    fn score(metric: &'a str, value: Option<f64>, ci: Option<(f64, f64)>, n: u64) -> Row<'a> {
        Row {
            metric,
            value,
            ci,
            numerator: None,
            denominator: Some(n),
        }
    }
}

/// The calibration figures the caller needs for the calibration alert.
pub struct CalibrationSummary {
    pub n: u64,
    pub mean_predicted: f64,
    pub observed_rate: f64,
    pub observed_ci: (f64, f64),
}

/// Writes performance and calibration of the labelled rows of `scope`.
pub fn write(
    conn: &Connection,
    input: &MonitorInput<'_>,
    scope: &Scope<'_>,
) -> Result<Option<CalibrationSummary>, MonitorError> {
    let (p, y) = scope.labelled();
    if p.is_empty() {
        return Ok(None);
    }
    let n = p.len() as u64;
    let cfg = input.cfg();
    let threshold = input.pipeline.scoring.high_from;
    let c = classification::at_threshold(&p, &y, threshold);
    let resamples = cfg.bootstrap_resamples;
    let seed = cfg.bootstrap_seed;
    let mut rows = vec![
        Row::count("tp", c.tp, n),
        Row::count("fp", c.fp, n),
        Row::count("tn", c.tn, n),
        Row::count("fn", c.fn_, n),
        Row::rate("accuracy", &c.accuracy),
        Row::rate("majority_accuracy", &c.majority_accuracy),
        Row::rate("base_rate", &c.prevalence),
        Row::rate("precision", &c.precision),
        Row::rate("recall", &c.recall),
        Row::rate("fpr", &c.fpr),
        Row::rate("fnr", &c.fnr),
        Row::rate("selection_rate", &c.selection_rate),
        Row::score(
            "balanced_accuracy",
            c.balanced_accuracy.value,
            c.balanced_accuracy.value.map(|_| (c.balanced_accuracy.ci_low, c.balanced_accuracy.ci_high)),
            n,
        ),
    ];
    rows.push(Row::score(
        "auc",
        auc(&p, &y),
        bootstrap_ci(&p, &y, auc, resamples, seed),
        n,
    ));
    rows.push(Row::score(
        "brier",
        brier(&p, &y),
        bootstrap_ci(&p, &y, brier, resamples, seed),
        n,
    ));
    rows.push(Row::score("log_loss", calibration::log_loss(&p, &y), None, n));
    let mut app = conn.appender("metric_performance")?;
    for r in &rows {
        app.append_row(params![
            scope.name,
            date_value(scope.cohort_month),
            scope.model_version,
            threshold,
            r.metric,
            r.value,
            r.ci.map(|c| c.0),
            r.ci.map(|c| c.1),
            r.numerator.map(|v| v as i64),
            r.denominator.map(|v| v as i64),
            input.run_id
        ])?;
    }
    app.flush()?;
    write_calibration(conn, input, scope, &p, &y).map(Some)
}

fn write_calibration(
    conn: &Connection,
    input: &MonitorInput<'_>,
    scope: &Scope<'_>,
    p: &[f64],
    y: &[u32],
) -> Result<CalibrationSummary, MonitorError> {
    let n = p.len() as u64;
    let positives = y.iter().map(|&v| u64::from(v)).sum::<u64>();
    let observed_rate = positives as f64 / n as f64;
    let mean_predicted = p.iter().sum::<f64>() / n as f64;
    // Calibration in the large with the predictions taken as fixed: the interval
    // is the observed rate's Wilson interval shifted by the mean prediction.
    let observed_ci = wilson_interval(positives, n);
    let citl = observed_rate - mean_predicted;
    let bins = input.cfg().calibration_bins;
    let ece = calibration::expected_calibration_error(y, p, bins);
    let fit = calibration::logistic_recalibration(y, p);
    conn.execute(
        "insert into metric_calibration values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        params![
            scope.name,
            date_value(scope.cohort_month),
            scope.model_version,
            n as i64,
            mean_predicted,
            observed_rate,
            ece,
            citl,
            observed_ci.0 - mean_predicted,
            observed_ci.1 - mean_predicted,
            fit.as_ref().map(|f| f.intercept),
            fit.as_ref().map(|f| f.slope),
            fit.as_ref().map(|f| f.slope_ci.0),
            fit.as_ref().map(|f| f.slope_ci.1),
            input.run_id
        ],
    )?;
    let mut app = conn.appender("metric_calibration_bins")?;
    for strategy in [Strategy::Uniform, Strategy::Quantile] {
        append_bins(&mut app, input, scope, strategy, &calibration::curve(y, p, bins, strategy))?;
    }
    app.flush()?;
    Ok(CalibrationSummary {
        n,
        mean_predicted,
        observed_rate,
        observed_ci,
    })
}

fn append_bins(
    app: &mut Appender<'_>,
    input: &MonitorInput<'_>,
    scope: &Scope<'_>,
    strategy: Strategy,
    bins: &[calibration::Bin],
) -> Result<(), MonitorError> {
    for (i, b) in bins.iter().enumerate() {
        app.append_row(params![
            scope.name,
            date_value(scope.cohort_month),
            scope.model_version,
            strategy.code(),
            i as i32,
            b.low,
            b.high,
            b.n as i64,
            b.mean_predicted,
            b.observed_rate,
            b.ci_low,
            b.ci_high,
            input.run_id
        ])?;
    }
    Ok(())
}

/// An alert when the latest mature cohort's observed rate is off the predicted
/// by more than the tolerance, and the prediction lies outside the observed
/// rate's 95 % interval (a small cohort's noise alone does not raise it).
pub fn calibration_alert(
    input: &MonitorInput<'_>,
    month: chrono::NaiveDate,
    c: &CalibrationSummary,
) -> Option<Alert> {
    let gap = c.observed_rate - c.mean_predicted;
    let outside = c.mean_predicted < c.observed_ci.0 || c.mean_predicted > c.observed_ci.1;
    if gap.abs() <= input.cfg().calibration_tolerance || !outside {
        return None;
    }
    let pct = |x: f64| crate::dashboard::format::percent(x, 1);
    Some(Alert {
        kind: "kalibrering",
        severity: Severity::Warning,
        subject: "seneste modne kohorte".into(),
        message: format!(
            "Kohorten fra {} havde {} stadig ledige mod forudsagt {} (95 %-interval {} til {}, {} personer). Modellen {} risikoen.",
            month.format("%m-%Y"),
            pct(c.observed_rate),
            pct(c.mean_predicted),
            pct(c.observed_ci.0),
            pct(c.observed_ci.1),
            c.n,
            if gap > 0.0 { "undervurderer" } else { "overvurderer" }
        ),
        value: Some(gap),
    })
}
