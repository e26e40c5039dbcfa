//! Fairness over the window of mature cohorts: for sex, age band, district,
//! target group, origin and sex x age band, each group's selection rate, FPR, FNR,
//! precision and calibration in the large, with intervals, ratios to a reference
//! group and Benjamini-Hochberg corrected tests. Protected attributes are audited
//! whether or not the model uses them.
//!
//! What is flagged (and raises an alert) is a group whose risk the model gets
//! wrong in one direction compared with everybody else in the same dimension
//! (the rest, [`REST`]; the rates keep the largest group as their reference): its
//! observed/expected ratio (observed rate over mean predicted risk) divided by the
//! rest's is outside [low, high] (Aequitas' 0.8-1.25), the two calibrations in
//! the large differ by more than `calibration_tolerance` (5 points: a ratio alone
//! is large for any small gap in a low-risk group, e.g. 20 % predicted and 25 %
//! observed), and the difference is significant after Benjamini-Hochberg across
//! every group's calibration test. The four rates keep
//! their ratios, tests and the `ratio_outside`/`significant` marks, but never
//! flag: where the groups' true risks differ (older people stay unemployed more
//! often, in the generator and in reality), a calibrated model must select them
//! more often and cannot have equal error rates (Chouldechova 2017; Kleinberg,
//! Mullainathan and Raghavan 2017), so these ratios are outside the band on any
//! data and flagged every age band and target group in every run of data without
//! any planted bias. They are shown as descriptions, not as findings.

use std::collections::BTreeMap;

use duckdb::{params, Connection};

use super::alerts::{Alert, Severity};
use super::rows::{MonitorRow, DIMENSIONS};
use super::{MonitorError, MonitorInput, Window};
use crate::metrics::fairness::{self, AuditConfig, AuditRow, GroupRows};
use crate::store::date_value;

/// Danish names of the audited dimensions, for alert texts.
fn dimension_label(d: &str) -> &str {
    match d {
        "sex" => "Køn",
        "age_band" => "Aldersgruppe",
        "district" => "Bydel",
        "target_group" => "Målgruppe",
        "origin" => "Herkomst",
        "sex_age_band" => "Køn og aldersgruppe",
        other => other,
    }
}

/// The groups of one dimension.
fn groups<'a>(rows: &[&'a MonitorRow], key: impl Fn(&MonitorRow) -> String) -> Vec<GroupRows> {
    let mut by: BTreeMap<String, GroupRows> = BTreeMap::new();
    for r in rows {
        let Some(y) = r.label else { continue };
        let g = by.entry(key(r)).or_insert_with_key(|k| GroupRows {
            group: k.clone(),
            probabilities: Vec::new(),
            labels: Vec::new(),
            flagged: Vec::new(),
        });
        g.probabilities.push(r.probability);
        g.labels.push(y);
        g.flagged.push(r.flagged());
    }
    by.into_values().collect()
}

pub fn write(
    conn: &Connection,
    input: &MonitorInput<'_>,
    w: &Window<'_>,
) -> Result<Vec<Alert>, MonitorError> {
    let rows = &w.scope.rows;
    let mut dims: Vec<(String, Vec<GroupRows>)> = DIMENSIONS
        .iter()
        .enumerate()
        .map(|(i, d)| (d.to_string(), groups(rows, |r| r.groups[i].clone())))
        .collect();
    dims.push((
        "sex_age_band".into(),
        groups(rows, |r| {
            [r.groups[0].as_str(), " ", r.groups[1].as_str()].concat()
        }),
    ));
    let cfg = input.cfg();
    let mut results = fairness::audit(
        &dims,
        &AuditConfig {
            ratio_low: cfg.fairness_ratio_low,
            ratio_high: cfg.fairness_ratio_high,
            alpha: cfg.fairness_alpha,
            k: input.k,
        },
    );
    flag_calibration(
        &mut results,
        &dims,
        &FlagRule {
            ratio_low: cfg.fairness_ratio_low,
            ratio_high: cfg.fairness_ratio_high,
            min_gap: cfg.calibration_tolerance,
            alpha: cfg.fairness_alpha,
        },
    );
    let mut app = conn.appender("metric_fairness")?;
    let mut alerts = Vec::new();
    for g in &results {
        app.append_row(params![
            date_value(w.scope.cohort_month),
            date_value(w.from),
            w.scope.model_version,
            g.dimension,
            g.group,
            g.metric,
            g.n as i64,
            g.numerator,
            g.denominator as i64,
            g.value,
            g.ci_low,
            g.ci_high,
            g.reference_group,
            g.ratio,
            g.p_value,
            g.p_adjusted,
            g.ratio_outside,
            g.significant,
            g.flagged,
            g.suppress,
            input.run_id
        ])?;
        // A flagged group too small to show is not named in an alert either.
        if g.flagged && !g.suppress {
            let ratio = g.ratio.unwrap_or(f64::NAN);
            alerts.push(Alert {
                kind: "retfaerdighed",
                severity: Severity::Warning,
                subject: [g.dimension.as_str(), "=", &g.group, ":", &g.metric].concat(),
                message: format!(
                    "{}: modellen {} risikoen for gruppen »{}« i forhold til alle øvrige: forholdet mellem faktisk og forudsagt andel stadig ledige er {} gange de øvriges (faktisk minus forudsagt {} procentpoint), og forskellen er statistisk signifikant efter korrektion for mange test ({} personer, {} kohorter).",
                    dimension_label(&g.dimension),
                    if ratio > 1.0 { "undervurderer" } else { "overvurderer" },
                    g.group,
                    crate::dashboard::format::number(ratio, 2),
                    crate::dashboard::format::number(100.0 * g.value.unwrap_or(f64::NAN), 1),
                    g.n,
                    input.cfg().window_cohorts,
                ),
                value: g.ratio,
            });
        }
    }
    app.flush()?;
    Ok(alerts)
}

/// Sums over one group's labelled rows, from which its calibration follows; a
/// group's and its dimension's sums give the rest of the dimension by subtraction.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    n: f64,
    /// Σ y
    y: f64,
    /// Σ p
    p: f64,
    /// Σ (y − p)²
    d2: f64,
}

impl Sums {
    fn of(g: &GroupRows) -> Sums {
        let mut s = Sums::default();
        for (&y, &p) in g.labels.iter().zip(&g.probabilities) {
            let y = f64::from(y);
            s.n += 1.0;
            s.y += y;
            s.p += p;
            s.d2 += (y - p) * (y - p);
        }
        s
    }

    fn minus(self, o: Sums) -> Sums {
        Sums {
            n: self.n - o.n,
            y: self.y - o.y,
            p: self.p - o.p,
            d2: self.d2 - o.d2,
        }
    }

    fn plus(self, o: Sums) -> Sums {
        Sums {
            n: self.n + o.n,
            y: self.y + o.y,
            p: self.p + o.p,
            d2: self.d2 + o.d2,
        }
    }
}

/// Observed rate, mean predicted risk and the standard error of calibration in
/// the large (sample standard deviation of y − p over √n, as
/// `metrics::fairness`'s interval) of a set of labelled rows.
struct GroupCalibration {
    observed: f64,
    expected: f64,
    se: f64,
}

impl GroupCalibration {
    fn of(s: Sums) -> Option<GroupCalibration> {
        // n is a count held in an f64; below 2 rows there is no standard deviation.
        if s.n < 1.5 {
            return None;
        }
        let observed = s.y / s.n;
        let expected = s.p / s.n;
        let citl = observed - expected;
        // Σ (d − mean d)² = Σ d² − n·mean², never below 0 (rounding).
        let ss = (s.d2 - s.n * citl * citl).max(0.0);
        Some(GroupCalibration {
            observed,
            expected,
            se: (ss / (s.n - 1.0) / s.n).sqrt(),
        })
    }

    fn citl(&self) -> f64 {
        self.observed - self.expected
    }
}

/// What a group's calibration is compared with: everybody else in the same
/// dimension (stored as the `citl` row's reference group).
pub const REST: &str = "oevrige";

/// When a group's calibration is flagged (see the module documentation).
struct FlagRule {
    ratio_low: f64,
    ratio_high: f64,
    /// Smallest difference of calibration in the large from the rest's.
    min_gap: f64,
    alpha: f64,
}

/// Sets ratio, p-values and the flag of each group's `citl` row (see the module
/// documentation), and clears the flag of every rate row. Each group is compared
/// with the rest of its dimension (every other group together), not with one
/// reference group: a single reference group's own chance error would move every
/// other group's test the same way (in unbiased synthetic data the largest
/// target group came out 4.6 points over-predicted by chance, and two groups
/// under-predicted by 6-8 points were flagged against it). The ratio is the
/// group's observed/expected ratio over the rest's; the test is a two-sided
/// z-test of the difference of the two calibrations in the large (disjoint rows,
/// normal approximation); the Benjamini-Hochberg family is every group's
/// calibration test of the run.
fn flag_calibration(rows: &mut [AuditRow], dims: &[(String, Vec<GroupRows>)], rule: &FlagRule) {
    let sums: BTreeMap<(&str, &str), Sums> = dims
        .iter()
        .flat_map(|(d, gs)| gs.iter().map(move |g| ((d.as_str(), g.group.as_str()), Sums::of(g))))
        .collect();
    let totals: BTreeMap<&str, Sums> = dims
        .iter()
        .map(|(d, gs)| {
            let total = gs
                .iter()
                .fold(Sums::default(), |acc, g| acc.plus(sums[&(d.as_str(), g.group.as_str())]));
            (d.as_str(), total)
        })
        .collect();
    // (row, p, |difference of calibration in the large|) of every test.
    let mut tests: Vec<(usize, f64, f64)> = Vec::new();
    for (i, row) in rows.iter_mut().enumerate() {
        row.flagged = false;
        if row.metric != "citl" {
            continue;
        }
        row.reference_group = REST.to_string();
        row.ratio = None;
        row.ratio_outside = false;
        row.p_value = None;
        row.p_adjusted = None;
        row.significant = false;
        let (Some(&group), Some(&total)) = (
            sums.get(&(row.dimension.as_str(), row.group.as_str())),
            totals.get(row.dimension.as_str()),
        ) else {
            continue;
        };
        let (Some(g), Some(r)) = (
            GroupCalibration::of(group),
            GroupCalibration::of(total.minus(group)),
        ) else {
            continue;
        };
        if g.expected > 0.0 && r.expected > 0.0 && r.observed > 0.0 {
            let ratio = (g.observed / g.expected) / (r.observed / r.expected);
            row.ratio = Some(ratio);
            row.ratio_outside = !(rule.ratio_low..=rule.ratio_high).contains(&ratio);
        }
        let se = (g.se * g.se + r.se * r.se).sqrt();
        let p = if se > 0.0 {
            2.0 * fairness::normal_sf(((g.citl() - r.citl()) / se).abs())
        } else {
            1.0
        };
        row.p_value = Some(p);
        tests.push((i, p, (g.citl() - r.citl()).abs()));
    }
    let adjusted = fairness::benjamini_hochberg(&tests.iter().map(|t| t.1).collect::<Vec<_>>());
    for (&(i, _, gap), &pa) in tests.iter().zip(&adjusted) {
        let row = &mut rows[i];
        row.p_adjusted = Some(pa);
        row.significant = pa < rule.alpha;
        row.flagged = row.ratio_outside && row.significant && gap > rule.min_gap;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A group made of parts of n people with predicted risk p, `observed` of
    /// them still unemployed.
    fn group(name: &str, parts: &[(usize, f64, f64)]) -> GroupRows {
        let mut g = GroupRows {
            group: name.into(),
            ..GroupRows::default()
        };
        for &(n, p, observed) in parts {
            let positives = (observed * n as f64).round() as usize;
            g.probabilities.extend(std::iter::repeat_n(p, n));
            g.labels.extend((0..n).map(|i| u32::from(i < positives)));
            g.flagged.extend(std::iter::repeat_n(p >= 0.6, n));
        }
        g
    }

    fn audit(dims: &[(String, Vec<GroupRows>)]) -> Vec<AuditRow> {
        let mut rows = fairness::audit(
            dims,
            &AuditConfig {
                ratio_low: 0.8,
                ratio_high: 1.25,
                alpha: 0.05,
                k: 5,
            },
        );
        let rule = FlagRule {
            ratio_low: 0.8,
            ratio_high: 1.25,
            min_gap: 0.05,
            alpha: 0.05,
        };
        flag_calibration(&mut rows, dims, &rule);
        rows
    }

    #[test]
    fn groups_with_different_but_well_predicted_risks_are_not_flagged() {
        // Older people stay unemployed twice as often, and the model says so: the
        // selection rate and error rates differ far beyond the band, but the
        // model is right about both groups.
        let dims = vec![(
            "age_band".to_string(),
            vec![
                group("young", &[(900, 0.2, 0.2), (300, 0.7, 0.7)]),
                group("old", &[(100, 0.2, 0.2), (500, 0.7, 0.7)]),
            ],
        )];
        let rows = audit(&dims);
        let sel = rows
            .iter()
            .find(|r| r.group == "old" && r.metric == "selection_rate")
            .unwrap();
        assert!(
            sel.ratio_outside && sel.significant,
            "a real disparity in selection"
        );
        assert!(rows.iter().all(|r| !r.flagged), "nothing flagged");
        let citl = rows
            .iter()
            .find(|r| r.group == "old" && r.metric == "citl")
            .unwrap();
        assert!(
            (citl.ratio.unwrap() - 1.0).abs() < 1e-9 && !citl.significant,
            "{citl:?}"
        );
    }

    #[test]
    fn a_small_gap_in_a_low_risk_group_is_not_flagged_however_large_its_ratio() {
        // 15 % predicted, 19 % observed: a ratio of 1.27 and significant in 3,000
        // people, but 4 points off where the reference is right.
        let dims = vec![(
            "target_group".to_string(),
            vec![
                group("A", &[(3000, 0.4, 0.4)]),
                group("B", &[(3000, 0.15, 0.19)]),
            ],
        )];
        let rows = audit(&dims);
        let b = rows
            .iter()
            .find(|r| r.group == "B" && r.metric == "citl")
            .unwrap();
        assert!(b.ratio_outside && b.significant && !b.flagged, "{b:?}");
    }

    #[test]
    fn a_group_whose_risk_is_underestimated_is_flagged_on_calibration_only() {
        let dims = vec![(
            "district".to_string(),
            vec![
                group("A", &[(1000, 0.4, 0.41)]),
                group("B", &[(600, 0.4, 0.39)]),
                group("C", &[(400, 0.4, 0.55)]),
                group("D", &[(30, 0.4, 0.57)]),
            ],
        )];
        let rows = audit(&dims);
        let flagged: Vec<(&str, &str)> = rows
            .iter()
            .filter(|r| r.flagged)
            .map(|r| (r.group.as_str(), r.metric.as_str()))
            .collect();
        assert_eq!(flagged, vec![("C", "citl")]);
        let c = rows
            .iter()
            .find(|r| r.group == "C" && r.metric == "citl")
            .unwrap();
        // Against the rest of the districts: 410 + 234 + 17 of 1,630 still unemployed,
        // all predicted 0.4.
        let rest = (410.0 + 234.0 + 17.0) / 1630.0;
        assert_eq!(c.reference_group, REST);
        assert!((c.ratio.unwrap() - (0.55 / 0.4) / (rest / 0.4)).abs() < 1e-12);
        assert!(c.p_adjusted.unwrap() >= c.p_value.unwrap());
        // The small group's gap is as large in ratio but not significant.
        let d = rows
            .iter()
            .find(|r| r.group == "D" && r.metric == "citl")
            .unwrap();
        assert!(d.ratio_outside && !d.significant && !d.flagged);
        // The largest group is tested like every other, against the rest.
        let a = rows
            .iter()
            .find(|r| r.group == "A" && r.metric == "citl")
            .unwrap();
        assert!(a.p_value.is_some() && !a.flagged, "{a:?}");
    }

    #[test]
    fn a_largest_group_off_by_chance_does_not_get_the_others_flagged() {
        // Seed 1 of the unbiased monitoring experiment, window 2023 (n, mean
        // predicted, observed per target group): the largest group over-predicted
        // by 4.6 points. Against it as reference, uddannelseshjaelp (8 points
        // under) had a ratio of 1.32, a 12.6-point gap and p < 0.05 after BH;
        // against the rest of the population it is 1.16 and not flagged.
        let dims = vec![(
            "target_group".to_string(),
            vec![
                group("kontanthjaelp_jobparat", &[(563, 0.44, 0.394)]),
                group("uddannelseshjaelp", &[(186, 0.447, 0.527)]),
                group("kontanthjaelp_aktivitetsparat", &[(312, 0.696, 0.753)]),
                group("dagpenge", &[(467, 0.205, 0.231)]),
                group("integrationsydelse", &[(52, 0.452, 0.519)]),
            ],
        )];
        let rows = audit(&dims);
        assert!(rows.iter().all(|r| !r.flagged), "nothing flagged");
        let u = rows
            .iter()
            .find(|r| r.group == "uddannelseshjaelp" && r.metric == "citl")
            .unwrap();
        let ratio = u.ratio.unwrap();
        assert!((1.1..1.2).contains(&ratio) && !u.ratio_outside, "{u:?}");
    }
}
