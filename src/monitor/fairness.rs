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
use crate::vocabulary::Dimension;
use chrono::NaiveDate;

/// The columns of `metric_fairness` in the order its writers append values
/// (here and `monitor::unknown`), by name.
pub(super) const COLUMNS: &[&str] = &[
    "cohort_month",
    "window_from",
    "model_version",
    "dimension",
    "grp",
    "metric",
    "n",
    "numerator",
    "denominator",
    "value",
    "ci_low",
    "ci_high",
    "reference_group",
    "ratio",
    "p_value",
    "p_adjusted",
    "ratio_outside",
    "significant",
    "flagged",
    "suppress",
    "computed_in_run",
];

/// Danish name of an audited dimension, for alert texts: its vocabulary set's name.
fn dimension_label(d: &str) -> &str {
    match d.parse::<Dimension>() {
        Ok(dimension) => dimension.name(),
        Err(_) => d,
    }
}

/// A group's Danish label from the vocabulary (a dimension's code is the name of
/// its code set), as the cockpit and the report show it; a district is its name.
fn group_label(dimension: &str, group: &str) -> String {
    crate::vocabulary::get().label_or_code(dimension, group)
}

/// A group's rows and, in the same order, their cohort months (the clusters of the
/// calibration test).
type Clustered = (GroupRows, Vec<NaiveDate>);

/// The groups of one dimension, each with its rows' cohort months.
fn groups(rows: &[&MonitorRow], key: impl Fn(&MonitorRow) -> String) -> Vec<Clustered> {
    let mut by: BTreeMap<String, Clustered> = BTreeMap::new();
    for r in rows {
        let Some(y) = r.label else { continue };
        let (g, cohorts) = by.entry(key(r)).or_insert_with_key(|k| {
            (
                GroupRows {
                    group: k.clone(),
                    probabilities: Vec::new(),
                    labels: Vec::new(),
                    flagged: Vec::new(),
                },
                Vec::new(),
            )
        });
        g.probabilities.push(r.probability);
        g.labels.push(y);
        g.flagged.push(r.flagged());
        cohorts.push(r.cohort_month);
    }
    by.into_values().collect()
}

pub fn write(
    conn: &Connection,
    input: &MonitorInput<'_>,
    w: &Window<'_>,
) -> Result<Vec<Alert>, MonitorError> {
    let rows = &w.scope.rows;
    let mut grouped: Vec<(String, Vec<Clustered>)> = DIMENSIONS
        .iter()
        .enumerate()
        .map(|(i, d)| (d.to_string(), groups(rows, |r| r.groups[i].clone())))
        .collect();
    grouped.push((
        Dimension::SexAgeBand.as_code().into(),
        groups(rows, |r| {
            [r.groups[0].as_str(), " ", r.groups[1].as_str()].concat()
        }),
    ));
    #[allow(clippy::type_complexity)]
    let (dims, clusters): (Vec<(String, Vec<GroupRows>)>, Vec<Vec<Vec<NaiveDate>>>) = grouped
        .into_iter()
        .map(|(d, gs)| {
            let (rows, cohorts): (Vec<GroupRows>, Vec<Vec<NaiveDate>>) = gs.into_iter().unzip();
            ((d, rows), cohorts)
        })
        .unzip();
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
        &clusters,
        &FlagRule {
            ratio_low: cfg.fairness_ratio_low,
            ratio_high: cfg.fairness_ratio_high,
            min_gap: cfg.calibration_tolerance,
            alpha: cfg.fairness_alpha,
        },
    );
    // By column name, in the order of the values appended below.
    let mut app = conn.appender_with_columns("metric_fairness", COLUMNS)?;
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
                    group_label(&g.dimension, &g.group),
                    crate::present::format::number(ratio, 2),
                    crate::present::format::number(100.0 * g.value.unwrap_or(f64::NAN), 1),
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

/// A group's calibration in the large against the rest of its dimension, with a
/// standard error that lets the cohorts differ.
#[derive(Debug, Clone, Copy)]
struct Comparison {
    /// The group's observed/expected ratio over the rest's; none when a mean is 0.
    ratio: Option<f64>,
    /// Calibration in the large (observed − mean predicted) of the group minus the rest's.
    diff: f64,
    /// Cluster-robust (CR1) standard error of `diff`, clusters = cohorts.
    se_clustered: f64,
    /// Standard error of `diff` as if every row were independent.
    se_independent: f64,
    /// Degrees of freedom of the t test: clusters − 1.
    df: f64,
}

/// Compares group `index` of a dimension with all its other groups together.
/// Each group comes with its rows' clusters (cohort months), in row order.
///
/// `diff` is the coefficient of a group indicator in the least-squares fit
/// y − p = a + b·[in group]; `se` is its cluster-robust (CR1) standard error with
/// the cohorts as clusters, exactly as statsmodels' `OLS(...).fit(cov_type=
/// "cluster", cov_kwds={"groups": cohort})` (small-sample factor
/// G/(G − 1)·(N − 1)/(N − 2)), and the test is a t test with G − 1 degrees of
/// freedom as statsmodels' with `use_t=True`. Why clusters: everybody in a cohort
/// shares the same calendar months and is scored by the same model version, so
/// the rows are not independent; a test that treats them so finds group
/// differences that come and go between cohorts "significant". With few rows of
/// a small group in each cohort the cluster estimate is itself noisy and can come
/// out below the independent-rows one, so the larger of the two is used (the
/// independent-rows s.e. is that of two independent means, √(s²_g/n_g + s²_r/n_r)).
fn compare<T: Ord + Copy>(groups: &[(&GroupRows, &[T])], index: usize) -> Option<Comparison> {
    // (n, Σ y, Σ p, Σ (y − p)²) of the group and of the rest.
    let mut sums = [(0.0_f64, 0.0_f64, 0.0_f64, 0.0_f64); 2];
    for (i, (g, _)) in groups.iter().enumerate() {
        let side = &mut sums[usize::from(i != index)];
        for (&y, &p) in g.labels.iter().zip(&g.probabilities) {
            let y = f64::from(y);
            side.0 += 1.0;
            side.1 += y;
            side.2 += p;
            side.3 += (y - p) * (y - p);
        }
    }
    let [(ng, yg, pg, d2g), (nr, yr, pr, d2r)] = sums;
    if ng < 1.0 || nr < 1.0 {
        return None;
    }
    let (mean_g, mean_r) = ((yg - pg) / ng, (yr - pr) / nr);
    // Each row's influence on `diff`, summed per cluster.
    let mut scores: BTreeMap<T, f64> = BTreeMap::new();
    for (i, (g, clusters)) in groups.iter().enumerate() {
        let (mean, n, sign) = if i == index {
            (mean_g, ng, 1.0)
        } else {
            (mean_r, nr, -1.0)
        };
        for ((&y, &p), c) in g.labels.iter().zip(&g.probabilities).zip(clusters.iter()) {
            *scores.entry(*c).or_insert(0.0) += sign * (f64::from(y) - p - mean) / n;
        }
    }
    let clusters = scores.len() as f64;
    let n = ng + nr;
    // One cohort gives no estimate of how cohorts vary: no test (and no flag)
    // until the window holds two.
    if clusters < 2.0 || n < 3.0 {
        return None;
    }
    let meat: f64 = scores.values().map(|s| s * s).sum();
    let var_clustered = clusters / (clusters - 1.0) * (n - 1.0) / (n - 2.0) * meat;
    // Sample variance of y − p on each side (n − 1; none for a single row).
    let sample_var = |d2: f64, mean: f64, n: f64| {
        if n > 1.0 {
            ((d2 - n * mean * mean) / (n - 1.0)).max(0.0)
        } else {
            0.0
        }
    };
    let var_independent = sample_var(d2g, mean_g, ng) / ng + sample_var(d2r, mean_r, nr) / nr;
    let (og, eg, or, er) = (yg / ng, pg / ng, yr / nr, pr / nr);
    let ratio = (eg > 0.0 && er > 0.0 && or > 0.0).then(|| (og / eg) / (or / er));
    Some(Comparison {
        ratio,
        diff: mean_g - mean_r,
        se_clustered: var_clustered.sqrt(),
        se_independent: var_independent.sqrt(),
        df: clusters - 1.0,
    })
}

impl Comparison {
    /// The standard error the test uses: the larger of the two.
    fn se(&self) -> f64 {
        self.se_clustered.max(self.se_independent)
    }

    /// Two-sided p-value of the t test with `df` degrees of freedom.
    fn p_value(&self) -> f64 {
        let se = self.se();
        if se > 0.0 {
            t_test_p(self.diff / se, self.df)
        } else {
            1.0
        }
    }
}

/// Two-sided p-value of a t statistic with `df` degrees of freedom.
fn t_test_p(t: f64, df: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    match StudentsT::new(0.0, 1.0, df) {
        Ok(dist) => (2.0 * dist.sf(t.abs())).min(1.0),
        Err(_) => 1.0,
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
/// target group came out 4.6 points over-predicted in one window, and two groups
/// under-predicted by 6-8 points were flagged against it). The ratio is the
/// group's observed/expected ratio over the rest's; the test is [`compare`]'s
/// cluster-robust t test; the Benjamini-Hochberg family is every group's
/// calibration test of the run. `clusters[d][g]` are the cohort months of the
/// rows of group g of dimension d.
fn flag_calibration<T: Ord + Copy>(
    rows: &mut [AuditRow],
    dims: &[(String, Vec<GroupRows>)],
    clusters: &[Vec<Vec<T>>],
    rule: &FlagRule,
) {
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
        let Some(d) = dims.iter().position(|(d, _)| *d == row.dimension) else {
            continue;
        };
        let Some(index) = dims[d].1.iter().position(|g| g.group == row.group) else {
            continue;
        };
        let groups: Vec<(&GroupRows, &[T])> = dims[d]
            .1
            .iter()
            .zip(&clusters[d])
            .map(|(g, c)| (g, c.as_slice()))
            .collect();
        let Some(c) = compare(&groups, index) else {
            continue;
        };
        if let Some(ratio) = c.ratio {
            row.ratio = Some(ratio);
            row.ratio_outside = !(rule.ratio_low..=rule.ratio_high).contains(&ratio);
        }
        let p = c.p_value();
        row.p_value = Some(p);
        tests.push((i, p, c.diff.abs()));
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

    #[test]
    fn an_alert_names_the_group_as_the_cockpit_does() {
        assert_eq!(group_label("age_band", "55_plus"), "55 år og derover");
        assert_eq!(
            group_label("target_group", "kontanthjaelp_jobparat"),
            "Kontanthjælp, jobparate"
        );
        // A district is its name; a code the vocabulary lacks is shown as it is.
        assert_eq!(group_label("district", "Vestby"), "Vestby");
        assert_eq!(dimension_label("age_band"), "Aldersgruppe");
    }

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
        audit_in_cohorts(dims, &round_robin(dims))
    }

    /// The audit and the calibration flags at the defaults (0.8-1.25, 5 points,
    /// alpha 0.05, k 5), with each row's cohort given.
    fn audit_in_cohorts(
        dims: &[(String, Vec<GroupRows>)],
        clusters: &[Vec<Vec<u32>>],
    ) -> Vec<AuditRow> {
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
        flag_calibration(&mut rows, dims, clusters, &rule);
        rows
    }

    /// Rows spread over 12 cohorts in turn: no cohort differs from another.
    fn round_robin(dims: &[(String, Vec<GroupRows>)]) -> Vec<Vec<Vec<u32>>> {
        dims.iter()
            .map(|(_, gs)| {
                gs.iter()
                    .map(|g| (0..g.labels.len() as u32).map(|i| i % 12).collect())
                    .collect()
            })
            .collect()
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

    type Dims = Vec<(String, Vec<GroupRows>)>;
    type Clusters = Vec<Vec<Vec<u32>>>;

    /// 12 cohorts; a group G of 50 per cohort, the rest R of 200 per cohort, all
    /// predicted 0.4. R is right in every cohort; G's observed share in cohort c
    /// is `g_observed(c)`.
    fn cohorts(g_observed: impl Fn(u32) -> f64) -> (Dims, Clusters) {
        let (mut g, mut r) = (group("G", &[]), group("R", &[]));
        let (mut gc, mut rc) = (Vec::new(), Vec::new());
        for c in 0..12 {
            for (target, clusters, n, observed) in [
                (&mut g, &mut gc, 50, g_observed(c)),
                (&mut r, &mut rc, 200, 0.4),
            ] {
                let part = group("", &[(n, 0.4, observed)]);
                target.probabilities.extend(part.probabilities);
                target.labels.extend(part.labels);
                target.flagged.extend(part.flagged);
                clusters.extend(std::iter::repeat_n(c, n));
            }
        }
        (
            vec![("district".to_string(), vec![g, r])],
            vec![vec![gc, rc]],
        )
    }

    fn citl_of(
        dims: &[(String, Vec<GroupRows>)],
        clusters: &[Vec<Vec<u32>>],
        name: &str,
    ) -> AuditRow {
        let rows = audit_in_cohorts(dims, clusters);
        rows.into_iter()
            .find(|r| r.group == name && r.metric == "citl")
            .unwrap()
    }

    #[test]
    fn the_same_gap_in_every_cohort_is_flagged_but_a_gap_from_three_cohorts_is_not() {
        // Every cohort: G 52 % observed where 40 % was predicted.
        let (dims, clusters) = cohorts(|_| 0.52);
        let steady = citl_of(&dims, &clusters, "G");
        assert!(steady.flagged, "{steady:?}");
        // The same 12-point gap over the window, but all of it from three cohorts
        // (88 % observed there, 40 % in the other nine): as significant as the
        // steady gap if the 3,000 people were independent (z about 5), but
        // across cohorts it is t = 1.9 with 11 degrees of freedom.
        let (dims, clusters) = cohorts(|c| if c < 3 { 0.88 } else { 0.4 });
        let bursty = citl_of(&dims, &clusters, "G");
        assert!((bursty.value.unwrap() - steady.value.unwrap()).abs() < 1e-12);
        assert!((bursty.ratio.unwrap() - steady.ratio.unwrap()).abs() < 1e-12);
        let p = bursty.p_value.unwrap();
        assert!(p > 0.05 && p < 0.15 && !bursty.flagged, "{bursty:?}");
    }

    #[derive(serde::Deserialize)]
    struct Reference {
        rows: Vec<ReferenceRow>,
        expected: Vec<Expected>,
    }

    #[derive(serde::Deserialize)]
    struct ReferenceRow {
        cohort: u32,
        group: String,
        y: u32,
        p: f64,
    }

    #[derive(serde::Deserialize)]
    struct Expected {
        group: String,
        diff: f64,
        se_clustered: f64,
        p_clustered: f64,
        df: f64,
        se_independent: Option<f64>,
    }

    #[test]
    fn the_comparison_matches_statsmodels_cluster_robust_ols() {
        // tests/reference/fairness_cluster.py: statsmodels OLS with cluster-robust
        // errors by cohort, use_t=True; CompareMeans for the independent rows.
        let r: Reference =
            serde_json::from_str(include_str!("../../tests/reference/fairness_cluster.json"))
                .unwrap();
        let mut by: BTreeMap<&str, (GroupRows, Vec<u32>)> = BTreeMap::new();
        for row in &r.rows {
            let (g, c) = by
                .entry(row.group.as_str())
                .or_insert_with(|| (group(&row.group, &[]), Vec::new()));
            g.probabilities.push(row.p);
            g.labels.push(row.y);
            g.flagged.push(false);
            c.push(row.cohort);
        }
        let groups: Vec<(&GroupRows, &[u32])> =
            by.values().map(|(g, c)| (g, c.as_slice())).collect();
        assert_eq!(groups.len(), r.expected.len());
        for (index, e) in r.expected.iter().enumerate() {
            assert_eq!(groups[index].0.group, e.group);
            let c = compare(&groups, index).unwrap();
            assert!(
                (c.diff - e.diff).abs() < 1e-9,
                "{}: diff {} vs {}",
                e.group,
                c.diff,
                e.diff
            );
            assert!(
                (c.se_clustered - e.se_clustered).abs() < 1e-9,
                "{}: clustered s.e. {} vs {}",
                e.group,
                c.se_clustered,
                e.se_clustered
            );
            assert_eq!(c.df, e.df);
            assert!(
                (t_test_p(c.diff / c.se_clustered, c.df) - e.p_clustered).abs() < 1e-9,
                "{}: p",
                e.group
            );
            match e.se_independent {
                Some(se) => assert!(
                    (c.se_independent - se).abs() < 1e-9,
                    "{}: independent s.e. {} vs {se}",
                    e.group,
                    c.se_independent
                ),
                // One person: no sample variance of the group; the rest's alone.
                None => assert!(c.se_independent > 0.0),
            }
        }
        // The group seen in one cohort only: its cluster s.e. is 6 times smaller
        // than the independent one, which is why the test takes the larger.
        let d = r.expected.iter().position(|e| e.group == "D").unwrap();
        let c = compare(&groups, d).unwrap();
        assert!(c.se_independent > 5.0 * c.se_clustered && c.se() == c.se_independent);
    }
}
