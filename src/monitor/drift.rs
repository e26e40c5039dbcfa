//! Drift: each cohort's model inputs, predicted risk and (once mature) outcome
//! rate compared with the training reference of the model version that scored
//! it. The reference is frozen the first time monitoring meets a version (in the
//! run that trained it), so later re-deliveries never move the yardstick.
//!
//! Every cohort's PSI and level (against the configured thresholds) are stored.
//! An alert, though, also needs the PSI to be beyond what sampling noise gives at
//! the cohort's size ([`noise_bound`]): a monthly cohort of about 200 people drawn
//! from the training population itself has a PSI of 0.05-0.2 on a numeric input
//! (Evidently's Sturges bins and empty-bin share), so the 0.1 rule of thumb, made
//! for large samples, alerted in nearly every run of an unchanged population.

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
use rand::{Rng, SeedableRng};

/// Pseudo-features: the predicted risk and the outcome (base rate).
pub const RISK: &str = "_risk";
pub const BASE_RATE: &str = "_base_rate";

/// The frozen reference binnings of a version, by feature.
type Reference = BTreeMap<String, Binning>;

/// Samples of the cohort's size drawn from the reference for [`noise_bound`].
pub const NOISE_SAMPLES: usize = 200;
/// Standard deviations above the mean of those samples' PSI an alert needs
/// (NannyML's default threshold on reference chunks: mean ± 3 standard deviations).
pub const NOISE_SDS: f64 = 3.0;

/// The PSI that sampling noise alone reaches at a sample of `n`: the mean plus
/// [`NOISE_SDS`] standard deviations (population, as NannyML) of the PSI of
/// [`NOISE_SAMPLES`] samples of `n` values drawn with replacement from the
/// reference itself, seeded. This is NannyML's threshold from chunks of the
/// reference period, with the chunks drawn from the stored value counts (the
/// reference rows are not kept). `None` for an empty sample or reference.
pub fn noise_bound(reference: &Binning, n: usize, seed: u64) -> Option<f64> {
    let (values, counts): (Vec<f64>, &[u64]) = match reference {
        Binning::Numeric { values, counts } => (values.clone(), counts),
        Binning::Categorical { categories, counts } => (
            categories
                .iter()
                .map(|c| c.parse::<f64>().ok())
                .collect::<Option<Vec<_>>>()?,
            counts,
        ),
    };
    let total: u64 = counts.iter().sum();
    if n == 0 || total == 0 {
        return None;
    }
    let cumulative: Vec<u64> = counts
        .iter()
        .scan(0, |acc, &c| {
            *acc += c;
            Some(*acc)
        })
        .collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut sample = vec![0.0; n];
    let mut psis = Vec::with_capacity(NOISE_SAMPLES);
    for _ in 0..NOISE_SAMPLES {
        for v in sample.iter_mut() {
            let u = rng.random_range(0..total);
            *v = values[cumulative.partition_point(|&c| c <= u)];
        }
        let psi = reference.psi(&sample);
        if psi.is_finite() {
            psis.push(psi);
        }
    }
    if psis.is_empty() {
        return None;
    }
    let k = psis.len() as f64;
    let mean = psis.iter().sum::<f64>() / k;
    let sd = (psis.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / k).sqrt();
    Some(mean + NOISE_SDS * sd)
}

/// A seed per feature (FNV-1a of its name), so each feature's noise samples do
/// not depend on the order of the features.
fn feature_seed(base: u64, feature: &str) -> u64 {
    feature.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    }) ^ base
}

fn load_reference(conn: &Connection, version: &str) -> Result<Option<Reference>, MonitorError> {
    let mut stmt =
        conn.prepare("select feature, binning from model_reference where version = ?")?;
    let rows = stmt
        .query_map([version], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
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
    // By column name, in the order of the values appended below.
    let mut app =
        conn.appender_with_columns("model_reference", &["version", "feature", "n", "binning"])?;
    for (feature, b) in &reference {
        app.append_row(params![
            version,
            feature,
            x.len() as i64,
            serde_json::to_string(b)?
        ])?;
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

/// Writes drift of every cohort; returns the alerts: model inputs and predicted
/// risk of the newest cohort, the base rate of the latest mature cohort (the
/// newest has no outcomes yet), each when its PSI reaches the warning threshold
/// and the noise bound.
pub fn write(
    conn: &Connection,
    input: &MonitorInput<'_>,
    cohorts: &BTreeMap<NaiveDate, Vec<&MonitorRow>>,
) -> Result<Vec<Alert>, MonitorError> {
    let cfg = input.cfg();
    let level = |psi: f64| DriftLevel::of(psi, cfg.psi_warning, cfg.psi_alert);
    let mut references: BTreeMap<String, Option<Reference>> = BTreeMap::new();
    let newest = cohorts.keys().next_back().copied();
    let latest_mature = cohorts
        .iter()
        .rev()
        .find(|(_, rs)| rs.iter().all(|r| r.mature))
        .map(|(m, _)| *m);
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
            if rs.iter().all(|r| r.mature) {
                current.push((
                    BASE_RATE.into(),
                    rs.iter().filter_map(|r| r.label.map(f64::from)).collect(),
                ));
            }
            for (feature, values) in current {
                let Some(b) = reference.get(&feature) else {
                    continue;
                };
                let (psi, js) = b
                    .drift(&values)
                    .map_or((f64::NAN, f64::NAN), |d| (d.psi, d.jensen_shannon));
                let lvl = level(psi);
                let alert_month = if feature == BASE_RATE {
                    latest_mature
                } else {
                    newest
                };
                if Some(*month) == alert_month && lvl != DriftLevel::Ok {
                    let seed = feature_seed(cfg.bootstrap_seed, &feature);
                    if let Some(bound) = noise_bound(b, values.len(), seed).filter(|&x| psi > x) {
                        alerts.push(drift_alert(
                            input,
                            &feature,
                            *month,
                            psi,
                            lvl,
                            bound,
                            values.len(),
                        ));
                    }
                }
                app_rows.push((
                    *month,
                    version.to_string(),
                    feature,
                    values.len(),
                    psi,
                    js,
                    lvl,
                ));
            }
        }
    }
    // By column name, in the order of the values appended below.
    let mut app = conn.appender_with_columns(
        "metric_drift",
        &[
            "cohort_month",
            "model_version",
            "feature",
            "feature_label",
            "n",
            "psi",
            "js_distance",
            "level",
            "computed_in_run",
        ],
    )?;
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
    noise: f64,
    n: usize,
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
            "{label}: kohorten fra {} afviger fra modellens træningsdata (PSI {}; advarsel fra {}, alarm fra {}; tilfældig variation i en kohorte på {} personer giver op til {}).",
            month.format("%m-%Y"),
            crate::present::format::number(psi, 3),
            crate::present::format::number(input.cfg().psi_warning, 2),
            crate::present::format::number(input.cfg().psi_alert, 2),
            n,
            crate::present::format::number(noise, 3),
        ),
        subject: feature.to_string(),
        value: Some(psi),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A skewed numeric reference like months employed: many zeros, a spread.
    fn reference() -> (Binning, Vec<f64>) {
        let values: Vec<f64> = (0..5000)
            .map(|i| f64::from((i * 7919 % 37) as u32) * f64::from(u8::from(i % 3 != 0)))
            .collect();
        (Binning::numeric(&values), values)
    }

    #[test]
    fn the_noise_bound_is_seeded_shrinks_with_size_and_is_rarely_passed_by_chance() {
        let (b, values) = reference();
        let bound = noise_bound(&b, 200, 7).unwrap();
        assert_eq!(
            Some(bound),
            noise_bound(&b, 200, 7),
            "same seed, same bound"
        );
        assert!(
            bound > 0.1,
            "noise at 200 people already passes the 0.1 rule: {bound}"
        );
        assert!(noise_bound(&b, 2000, 7).unwrap() < bound / 4.0);
        // Samples of the reference itself (other draws than the bound's) rarely pass it.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(99);
        let passed = (0..200)
            .filter(|_| {
                let s: Vec<f64> = (0..200)
                    .map(|_| values[rng.random_range(0..values.len())])
                    .collect();
                b.psi(&s) > bound
            })
            .count();
        assert!(passed <= 6, "{passed} of 200 unchanged samples passed");
        // A real shift (a third of the sample moved to the top values) passes it.
        let shifted: Vec<f64> = (0..200)
            .map(|i| {
                if i % 3 == 0 {
                    30.0 + (i % 7) as f64
                } else {
                    values[i * 17 % 5000]
                }
            })
            .collect();
        assert!(b.psi(&shifted) > bound, "{} vs {bound}", b.psi(&shifted));
    }

    #[test]
    fn the_noise_bound_of_a_flag_reads_its_categories() {
        let flags: Vec<f64> = (0..1000).map(|i| f64::from(u8::from(i % 4 == 0))).collect();
        let b = Binning::categorical(&flags);
        let bound = noise_bound(&b, 200, 1).unwrap();
        assert!(bound > 0.0 && bound < 0.1, "{bound}");
        assert_eq!(noise_bound(&b, 0, 1), None);
    }
}
