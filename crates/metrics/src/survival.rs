//! Kaplan-Meier curve of the share still unemployed, month by month after the 2nd
//! interview, with right-censoring where follow-up is incomplete, Greenwood
//! variance and the exponential Greenwood (log(−log)) 95 % interval, as lifelines'
//! `KaplanMeierFitter` (`survival_function_`, `confidence_interval_`). See
//! docs/metrics.md.

use super::Z95;
use serde::Serialize;

/// One step of the curve: a time at which someone left unemployment or follow-up
/// ended (plus time 0), as a row of lifelines' event table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KmPoint {
    pub time: f64,
    /// Persons with duration ≥ time.
    pub at_risk: u64,
    /// Left unemployment at this time.
    pub events: u64,
    /// Follow-up ended at this time while still unemployed.
    pub censored: u64,
    /// Share still unemployed just after this time.
    pub survival: f64,
    /// Greenwood sum Σ d/(n(n−d)) up to this time (steps with n = d add 0, as in
    /// lifelines); the variance of `survival` is survival² times this.
    pub greenwood_sum: f64,
    /// Exponential Greenwood 95 % interval; (1, 1) while the curve is at 1 and
    /// (0, 0) once it reaches 0 (lifelines fills the undefined values so).
    pub low: f64,
    pub high: f64,
}

impl KmPoint {
    /// Greenwood variance of the survival estimate.
    pub fn variance(&self) -> f64 {
        self.survival * self.survival * self.greenwood_sum
    }
}

/// The Kaplan-Meier curve of durations (months from the 2nd interview until leaving
/// unemployment or end of follow-up) and whether leaving was observed. One point at
/// time 0 and one per distinct duration, in order. `None` for no persons,
/// different lengths, or a negative or non-finite duration.
pub fn kaplan_meier_curve(durations: &[f64], left_unemployment: &[bool]) -> Option<Vec<KmPoint>> {
    if durations.is_empty()
        || durations.len() != left_unemployment.len()
        || durations.iter().any(|d| !d.is_finite() || *d < 0.0)
    {
        return None;
    }
    let mut rows: Vec<(f64, bool)> = durations
        .iter()
        .map(|&d| if d == 0.0 { 0.0 } else { d })
        .zip(left_unemployment.iter().copied())
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut points = Vec::new();
    let mut at_risk = rows.len() as u64;
    let (mut log_s, mut greenwood_sum) = (0.0_f64, 0.0_f64);
    // lifelines' event table starts at time 0 even when nobody's duration is 0.
    if rows[0].0 > 0.0 {
        points.push(point(0.0, at_risk, 0, 0, 0.0, 0.0));
    }
    let mut i = 0;
    while i < rows.len() {
        let t = rows[i].0;
        let j = i + rows[i..].iter().take_while(|r| r.0 == t).count();
        let events = rows[i..j].iter().filter(|r| r.1).count() as u64;
        let removed = (j - i) as u64;
        let (n, d) = (at_risk as f64, events as f64);
        // Summed on the log scale like lifelines: ln(n − d) − ln n.
        log_s += (n - d).ln() - n.ln();
        if at_risk > events {
            greenwood_sum += d / (n * (n - d));
        }
        points.push(point(
            t,
            at_risk,
            events,
            removed - events,
            log_s,
            greenwood_sum,
        ));
        at_risk -= removed;
        i = j;
    }
    Some(points)
}

fn point(time: f64, at_risk: u64, events: u64, censored: u64, log_s: f64, gw: f64) -> KmPoint {
    let (low, high) = exponential_greenwood(log_s, gw);
    KmPoint {
        time,
        at_risk,
        events,
        censored,
        survival: log_s.exp(),
        greenwood_sum: gw,
        low,
        high,
    }
}

/// exp(−exp(ln(−v) ∓ z·√gw / v)) with v = ln S: the interval for ln(−ln S), mapped
/// back; undefined cases become 1 as in lifelines' `fillna(1.0)`.
fn exponential_greenwood(v: f64, gw: f64) -> (f64, f64) {
    let bound = |sign: f64| {
        let b = (-(((-v).ln() + sign * Z95 * gw.sqrt() / v).exp())).exp();
        if b.is_nan() {
            1.0
        } else {
            b
        }
    };
    (bound(-1.0), bound(1.0))
}

/// The curve as a step function at time `t` (lifelines `survival_function_at_times`
/// and `confidence_interval_.asof`): the last point at or before `t`.
pub fn at_time(curve: &[KmPoint], t: f64) -> Option<&KmPoint> {
    let i = curve.partition_point(|p| p.time <= t);
    i.checked_sub(1).map(|i| &curve[i])
}

/// One month of the monthly table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthPoint {
    /// 1..=horizon months after the 2nd interview.
    pub month: u32,
    /// Persons still followed and unemployed at the start of the month (duration ≥ month).
    pub at_risk: u64,
    /// Left unemployment in this month.
    pub events: u64,
    /// Follow-up ended in this month while still unemployed.
    pub censored: u64,
    /// Kaplan-Meier share still unemployed at the end of the month.
    pub survival: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// Share still unemployed month by month, 1..=`horizon`, from whole-month
/// durations: the Kaplan-Meier curve read as a step function at each month.
/// Empty when there are no persons or the slices differ in length.
pub fn kaplan_meier(
    durations: &[u32],
    left_unemployment: &[bool],
    horizon: u32,
) -> Vec<MonthPoint> {
    let d: Vec<f64> = durations.iter().map(|&m| f64::from(m)).collect();
    let Some(curve) = kaplan_meier_curve(&d, left_unemployment) else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(horizon as usize);
    for month in 1..=horizon {
        let Some(p) = at_time(&curve, f64::from(month)) else {
            continue;
        };
        let this = durations
            .iter()
            .zip(left_unemployment)
            .filter(|(&m, _)| m == month);
        let events = this.clone().filter(|(_, &e)| e).count() as u64;
        out.push(MonthPoint {
            month,
            at_risk: durations.iter().filter(|&&m| m >= month).count() as u64,
            events,
            censored: this.count() as u64 - events,
            survival: p.survival,
            ci_low: p.low,
            ci_high: p.high,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn floats(v: &serde_json::Value) -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    }

    #[test]
    fn kaplan_meier_matches_lifelines() {
        let all: serde_json::Value =
            serde_json::from_str(include_str!("../../../tests/reference/monitoring_b.json"))
                .unwrap();
        let cases = all["survival"].as_array().unwrap();
        assert!(cases.len() >= 6);
        for case in cases {
            let name = case["name"].as_str().unwrap();
            let d = floats(&case["durations"]);
            let e: Vec<bool> = case["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_bool().unwrap())
                .collect();
            let curve = kaplan_meier_curve(&d, &e).unwrap();
            assert_eq!(
                curve.len(),
                case["timeline"].as_array().unwrap().len(),
                "{name}"
            );
            let check = |got: Vec<f64>, key: &str| {
                for (i, (g, x)) in got.iter().zip(floats(&case[key])).enumerate() {
                    assert!((g - x).abs() < 1e-9, "{name} {key}[{i}]: {g} vs {x}");
                }
            };
            check(curve.iter().map(|p| p.time).collect(), "timeline");
            check(curve.iter().map(|p| p.survival).collect(), "survival");
            check(
                curve.iter().map(|p| p.greenwood_sum).collect(),
                "greenwood_sum",
            );
            check(curve.iter().map(|p| p.low).collect(), "low");
            check(curve.iter().map(|p| p.high).collect(), "high");
            check(curve.iter().map(|p| p.at_risk as f64).collect(), "at_risk");
            // The monthly reading is the step function at months 1..12.
            let monthly: Vec<&KmPoint> = (1..=12)
                .map(|m| at_time(&curve, f64::from(m)).unwrap())
                .collect();
            check(
                monthly.iter().map(|m| m.survival).collect(),
                "survival_at_months",
            );
            check(monthly.iter().map(|m| m.low).collect(), "low_at_months");
            check(monthly.iter().map(|m| m.high).collect(), "high_at_months");
            if d.iter().all(|x| x.fract() == 0.0) {
                let whole: Vec<u32> = d.iter().map(|&x| x as u32).collect();
                let table = kaplan_meier(&whole, &e, 12);
                check(
                    table.iter().map(|m| m.survival).collect(),
                    "survival_at_months",
                );
                check(table.iter().map(|m| m.ci_low).collect(), "low_at_months");
                check(table.iter().map(|m| m.ci_high).collect(), "high_at_months");
            }
        }
    }

    #[test]
    fn without_censoring_the_curve_is_the_plain_share() {
        // 10 persons, 3 leave in month 2, 1 in month 5: 70 % then 60 % remain.
        let d = [2.0, 2.0, 2.0, 5.0, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0];
        let e = [
            true, true, true, true, false, false, false, false, false, false,
        ];
        let d: Vec<u32> = d.iter().map(|&x| x as u32).collect();
        let m = kaplan_meier(&d, &e, 12);
        assert_eq!(m.len(), 12);
        assert_eq!(m[0].survival, 1.0);
        assert!((m[1].survival - 0.7).abs() < 1e-12);
        assert_eq!((m[1].at_risk, m[1].events, m[1].censored), (10, 3, 0));
        assert!((m[4].survival - 0.6).abs() < 1e-12);
        assert!(m[4].ci_low < 0.6 && 0.6 < m[4].ci_high);
        assert_eq!((m[11].at_risk, m[11].events, m[11].censored), (6, 0, 6));
    }

    #[test]
    fn bad_input_gives_no_curve() {
        assert!(kaplan_meier_curve(&[], &[]).is_none());
        assert!(kaplan_meier_curve(&[1.0], &[]).is_none());
        assert!(kaplan_meier_curve(&[-1.0], &[true]).is_none());
        assert!(kaplan_meier_curve(&[f64::NAN], &[true]).is_none());
        assert!(kaplan_meier(&[3], &[], 12).is_empty());
    }
}
