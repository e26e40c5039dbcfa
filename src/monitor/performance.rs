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
use rand::{Rng, SeedableRng};

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

/// `metrics::bootstrap_ci(p, y, auc, resamples, seed)`, bit for bit, in O(n) per
/// resample instead of a sort: the same random draws pick the same rows, but a
/// resample is kept as how often each row was drawn, and its tied-rank sum is
/// walked over the rows sorted once. Groups of equal scores, their average ranks
/// and the order of the additions are those `auc` meets on the sorted resample, so
/// every resample's AUC is the same float. The window's AUC interval (12 cohorts,
/// 1000 resamples) was the largest single cost of the monitor step.
pub fn bootstrap_auc_ci(p: &[f64], y: &[u32], resamples: usize, seed: u64) -> Option<(f64, f64)> {
    if p.is_empty() || p.len() != y.len() {
        return None;
    }
    let n = p.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    // Runs of equal scores in sorted order: (start, end) into `order`.
    let mut groups = Vec::new();
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && p[order[j + 1]] == p[order[i]] {
            j += 1;
        }
        groups.push((i, j + 1));
        i = j + 1;
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut drawn = vec![0u64; n];
    let mut values = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        drawn.iter_mut().for_each(|c| *c = 0);
        for _ in 0..n {
            drawn[rng.random_range(0..n)] += 1;
        }
        let n_pos: u64 = (0..n).filter(|&k| y[k] == 1).map(|k| drawn[k]).sum();
        let n_neg = n as u64 - n_pos;
        if n_pos == 0 || n_neg == 0 {
            continue;
        }
        let (mut rank_sum_pos, mut below) = (0.0, 0u64);
        for &(a, b) in &groups {
            let (mut count, mut pos) = (0u64, 0u64);
            for &k in &order[a..b] {
                count += drawn[k];
                pos += if y[k] == 1 { drawn[k] } else { 0 };
            }
            if count == 0 {
                continue;
            }
            let avg_rank = (below + below + count - 1) as f64 / 2.0 + 1.0;
            rank_sum_pos += avg_rank * pos as f64;
            below += count;
        }
        let (pf, nf) = (n_pos as f64, n_neg as f64);
        values.push((rank_sum_pos - pf * (pf + 1.0) / 2.0) / (pf * nf));
    }
    if values.len() * 2 < resamples {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let quantile = |q: f64| {
        let pos = q * (values.len() - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        values[lo] + (values[hi] - values[lo]) * (pos - lo as f64)
    };
    Some((quantile(0.025), quantile(0.975)))
}

/// The calibration figures the caller needs for the calibration alert.
#[derive(Debug, Clone)]
pub struct CalibrationSummary {
    pub n: u64,
    pub mean_predicted: f64,
    pub observed_rate: f64,
    pub observed_ci: (f64, f64),
}

impl CalibrationSummary {
    /// Calibration in the large of labelled rows, with the predictions taken as
    /// fixed: the interval is the observed rate's Wilson interval; `None` when empty.
    pub fn of(p: &[f64], y: &[u32]) -> Option<CalibrationSummary> {
        if p.is_empty() {
            return None;
        }
        let n = p.len() as u64;
        let positives = y.iter().map(|&v| u64::from(v)).sum::<u64>();
        Some(CalibrationSummary {
            n,
            mean_predicted: p.iter().sum::<f64>() / n as f64,
            observed_rate: positives as f64 / n as f64,
            observed_ci: wilson_interval(positives, n),
        })
    }
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
    // Computed over the known outcomes; how many mature spells had none is
    // stored beside them (numerator unknown, denominator all mature spells).
    let unknown = scope.unknown();
    let mut rows = vec![
        Row::count("unknown", unknown, n + unknown),
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
        Row::rate("npv", &c.npv),
        Row::rate("selection_rate", &c.selection_rate),
        Row::score(
            "balanced_accuracy",
            c.balanced_accuracy.value,
            c.balanced_accuracy
                .value
                .map(|_| (c.balanced_accuracy.ci_low, c.balanced_accuracy.ci_high)),
            n,
        ),
    ];
    rows.push(Row::score(
        "auc",
        auc(&p, &y),
        bootstrap_auc_ci(&p, &y, resamples, seed),
        n,
    ));
    rows.push(Row::score(
        "brier",
        brier(&p, &y),
        bootstrap_ci(&p, &y, brier, resamples, seed),
        n,
    ));
    rows.push(Row::score(
        "log_loss",
        calibration::log_loss(&p, &y),
        None,
        n,
    ));
    // By column name, in the order of the values below: a column added to the table
    // cannot shift them.
    let mut app = conn.appender_with_columns(
        "metric_performance",
        &[
            "scope",
            "cohort_month",
            "model_version",
            "threshold",
            "metric",
            "value",
            "ci_low",
            "ci_high",
            "numerator",
            "denominator",
            "computed_in_run",
        ],
    )?;
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

/// The logistic recalibration figures stored in `metric_calibration`: the
/// intercept is calibration in the large (the intercept alone, slope fixed at 1:
/// y ~ σ(a + logit p), docs/metrics.md), not the intercept of the joint
/// intercept-and-slope fit, which answers another question and differed by up
/// to 0.43 on real cohorts; the slope and its interval are from the joint fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recalibration {
    pub intercept: Option<f64>,
    pub slope: Option<f64>,
    pub slope_ci: Option<(f64, f64)>,
}

impl Recalibration {
    pub fn of(y: &[u32], p: &[f64]) -> Recalibration {
        let fit = calibration::logistic_recalibration(y, p);
        Recalibration {
            intercept: calibration::calibration_intercept(y, p).map(|c| c.value),
            slope: fit.as_ref().map(|f| f.slope),
            slope_ci: fit.as_ref().map(|f| f.slope_ci),
        }
    }
}

fn write_calibration(
    conn: &Connection,
    input: &MonitorInput<'_>,
    scope: &Scope<'_>,
    p: &[f64],
    y: &[u32],
) -> Result<CalibrationSummary, MonitorError> {
    // Calibration in the large with the predictions taken as fixed: the interval
    // is the observed rate's Wilson interval shifted by the mean prediction.
    let summary = CalibrationSummary::of(p, y).expect("labelled rows");
    let CalibrationSummary {
        n,
        mean_predicted,
        observed_rate,
        observed_ci,
    } = summary.clone();
    let citl = observed_rate - mean_predicted;
    let bins = input.cfg().calibration_bins;
    let ece = calibration::expected_calibration_error(y, p, bins);
    let fit = Recalibration::of(y, p);
    conn.execute(
        "insert into metric_calibration (scope, cohort_month, model_version, n, mean_predicted,
             observed_rate, ece, citl, citl_ci_low, citl_ci_high, intercept, slope, slope_ci_low,
             slope_ci_high, computed_in_run, n_unknown)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            fit.intercept,
            fit.slope,
            fit.slope_ci.map(|c| c.0),
            fit.slope_ci.map(|c| c.1),
            input.run_id,
            scope.unknown() as i64
        ],
    )?;
    let mut app = conn.appender_with_columns(
        "metric_calibration_bins",
        &[
            "scope",
            "cohort_month",
            "model_version",
            "strategy",
            "bin",
            "bin_low",
            "bin_high",
            "n",
            "mean_predicted",
            "observed_rate",
            "ci_low",
            "ci_high",
            "computed_in_run",
        ],
    )?;
    for strategy in [Strategy::Uniform, Strategy::Quantile] {
        append_bins(
            &mut app,
            input,
            scope,
            strategy,
            &calibration::curve(y, p, bins, strategy),
        )?;
    }
    app.flush()?;
    Ok(summary)
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

/// Mature cohorts pooled for the calibration alert: the latest quarter.
pub const ALERT_COHORTS: usize = 3;

/// An alert when the latest [`ALERT_COHORTS`] mature cohorts together had an
/// observed rate off the predicted by more than the tolerance, and the predicted
/// rate lies outside the observed rate's 95 % interval: calibration in the large
/// beyond `calibration_tolerance` with an interval that excludes 0.
///
/// Pooled, not the latest cohort alone: one monthly cohort (about 200 people in
/// the demo) has an interval of about ±7 points, so every gap that is
/// significant there is already above the 5-point tolerance, and a calibrated
/// model alerts in about one run of twenty by chance alone. Three cohorts halve
/// the interval, so a chance alert needs a gap beyond the tolerance at about 2.5
/// standard errors (about 1 % of runs), while a real shift is still seen within
/// the quarter it matures in. `months` is the oldest and newest cohort pooled.
pub fn calibration_alert(
    input: &MonitorInput<'_>,
    months: (chrono::NaiveDate, chrono::NaiveDate),
    c: &CalibrationSummary,
) -> Option<Alert> {
    let gap = c.observed_rate - c.mean_predicted;
    let outside = c.mean_predicted < c.observed_ci.0 || c.mean_predicted > c.observed_ci.1;
    if gap.abs() <= input.cfg().calibration_tolerance || !outside {
        return None;
    }
    let pct = |x: f64| crate::present::format::percent(x, 1);
    Some(Alert {
        kind: "kalibrering",
        severity: Severity::Warning,
        subject: "seneste modne kohorter".into(),
        message: format!(
            "Kohorterne fra {} til {} havde tilsammen {} stadig ledige mod forudsagt {} (95 %-interval {} til {}, {} personer). Modellen {} risikoen.",
            months.0.format("%m-%Y"),
            months.1.format("%m-%Y"),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{auc, bootstrap_ci};

    #[test]
    fn the_stored_intercept_is_calibration_in_the_large_not_the_joint_fits() {
        // Predictions too extreme and too low: the joint fit's intercept and the
        // intercept with the slope fixed at 1 differ clearly here.
        let p: Vec<f64> = (0..200)
            .map(|i| 0.02 + 0.9 * f64::from(i) / 200.0)
            .collect();
        let y: Vec<u32> = (0..200u32)
            .map(|i| u32::from(i % 3 != 0 || i > 150))
            .collect();
        let r = Recalibration::of(&y, &p);
        let citl = calibration::calibration_intercept(&y, &p).unwrap().value;
        let joint = calibration::logistic_recalibration(&y, &p).unwrap();
        assert!(
            (joint.intercept - citl).abs() > 0.1,
            "{} {citl}",
            joint.intercept
        );
        assert_eq!(r.intercept, Some(citl));
        assert_eq!(r.slope, Some(joint.slope));
    }

    #[test]
    fn the_fast_auc_bootstrap_is_the_general_one_bit_for_bit() {
        // Tied scores, unsorted rows, and a resample with one class now and then.
        for (n, seed) in [(7, 1), (40, 2), (300, 3), (2500, 4)] {
            let p: Vec<f64> = (0..n)
                .map(|i| f64::from((i * 37 % 11) as u32) / 11.0)
                .collect();
            let y: Vec<u32> = (0..n).map(|i| u32::from(i * 13 % 5 < 2)).collect();
            assert_eq!(
                bootstrap_auc_ci(&p, &y, 400, seed),
                bootstrap_ci(&p, &y, auc, 400, seed),
                "n = {n}"
            );
        }
        assert_eq!(bootstrap_auc_ci(&[0.2, 0.3], &[1, 1], 100, 1), None);
        assert_eq!(bootstrap_auc_ci(&[], &[], 100, 1), None);
    }
}
