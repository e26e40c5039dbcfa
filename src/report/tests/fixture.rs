//! A month of fake marts, as the pipeline would leave them for June 2024, before
//! disclosure control. Small groups on purpose: a fairness group of 3 persons, a
//! mature cohort of 4, a month with 4 second interviews, a programme started by 2.
//! The hidden figures' texts, had they been shown, are in [`SECRETS`].

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};

use crate::table::{Cell, Table};

/// Texts of hidden figures that must appear nowhere in the report.
pub const SECRETS: [&str; 2] = ["66,6 %", "43,2 %"];
/// The small fairness group's rate as the report would show it.
pub const SMALL_GROUP_RATE_SHOWN: &str = "66,6 %";

fn d(y: i32, m: u32) -> Cell {
    Cell::Date(NaiveDate::from_ymd_opt(y, m, 1).unwrap())
}

fn t(s: &str) -> Cell {
    Cell::Text(s.into())
}

fn table(columns: &[&str], rows: Vec<Vec<Cell>>) -> Table {
    Table {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows,
    }
}

pub fn params() -> BTreeMap<String, f64> {
    [
        ("horizon_months", 12.0),
        ("window_cohorts", 12.0),
        ("validation_months", 3.0),
        ("training_months", 36.0),
        ("low_below", 0.3),
        ("high_from", 0.6),
        ("promotion_tolerance", 0.002),
        ("psi_warning", 0.1),
        ("psi_alert", 0.25),
        ("fairness_ratio_low", 0.8),
        ("fairness_ratio_high", 1.25),
        ("calibration_bins", 10.0),
        ("calibration_tolerance", 0.05),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Months from January 2023 to June 2024.
fn months() -> Vec<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
    (0..18).map(|i| first + Months::new(i)).collect()
}

pub fn raw_marts() -> BTreeMap<String, Table> {
    use Cell::{Float as F, Int as I, Null as N};
    let mut m = BTreeMap::new();
    let months = months();
    let inflow = months
        .iter()
        .enumerate()
        .map(|(i, mo)| {
            vec![
                Cell::Date(*mo),
                I(200 + i as i64),
                I(2100 + 7 * i as i64),
                I(if i == 15 { 4 } else { 120 + i as i64 }),
            ]
        })
        .collect();
    m.insert(
        "mart_inflow".into(),
        table(
            &["month", "new_spells", "caseload", "second_interviews"],
            inflow,
        ),
    );
    let cohorts = months
        .iter()
        .enumerate()
        .map(|(i, mo)| {
            let mature = i < 6;
            let n = if i == 3 { 4 } else { 120 + i as i64 };
            let observed = if i == 3 {
                0.4321
            } else {
                0.40 + 0.005 * i as f64
            };
            vec![
                Cell::Date(*mo),
                I(n),
                I(n),
                F(0.41 + 0.003 * i as f64),
                F(0.2),
                I(i64::from(mature)),
                if mature { I(n - n / 10) } else { I(0) },
                if mature { I(n / 10) } else { N },
                if mature { F(observed) } else { N },
                if mature { F(observed - 0.08) } else { N },
                if mature { F(observed + 0.08) } else { N },
                if mature { F(observed - 0.03) } else { N },
                if mature { F(observed - 0.09) } else { N },
                if mature { F(observed + 0.03) } else { N },
                if mature { F(0.19) } else { N },
                t(&format!("{}-a1b2c3d4", mo.format("%Y-%m"))),
            ]
        })
        .collect();
    m.insert(
        "mart_cohorts".into(),
        table(
            &[
                "cohort_month",
                "n",
                "n_scored",
                "mean_predicted",
                "share_high_risk",
                "mature",
                "n_labelled",
                "n_unknown",
                "observed_rate",
                "observed_ci_low",
                "observed_ci_high",
                "survival_horizon",
                "survival_ci_low",
                "survival_ci_high",
                "brier",
                "model_version",
            ],
            cohorts,
        ),
    );
    m.insert(
        "mart_quality".into(),
        table(
            &[
                "window_from",
                "window_to",
                "model_version",
                "n",
                "accuracy",
                "accuracy_ci_low",
                "accuracy_ci_high",
                "majority_accuracy",
                "majority_ci_low",
                "majority_ci_high",
                "auc",
                "auc_ci_low",
                "auc_ci_high",
                "brier",
                "brier_ci_low",
                "brier_ci_high",
                "n_positive",
                "recall",
                "recall_ci_low",
                "recall_ci_high",
                "n_negative",
                "fpr",
                "fpr_ci_low",
                "fpr_ci_high",
                "ece",
                "citl",
                "citl_ci_low",
                "citl_ci_high",
                "slope",
                "slope_ci_low",
                "slope_ci_high",
            ],
            vec![vec![
                d(2022, 7),
                d(2023, 6),
                t("flere"),
                I(1590),
                F(0.679),
                F(0.656),
                F(0.702),
                F(0.577),
                F(0.552),
                F(0.601),
                F(0.737),
                F(0.714),
                F(0.762),
                F(0.201),
                F(0.192),
                F(0.210),
                I(673),
                F(0.395),
                F(0.359),
                F(0.433),
                I(917),
                F(0.112),
                F(0.093),
                F(0.134),
                F(0.03),
                F(-0.012),
                F(-0.03),
                F(0.01),
                F(1.08),
                F(0.9),
                F(1.3),
            ]],
        ),
    );
    m.insert(
        "mart_estimates".into(),
        table(
            &[
                "cohort_month",
                "model_version",
                "n",
                "accuracy_estimated",
                "accuracy_realised",
            ],
            vec![vec![d(2024, 6), t("2024-06-a1b2c3d4"), I(137), F(0.69), N]],
        ),
    );
    let bins = (0..10)
        .map(|b| {
            let p = 0.1 + 0.08 * b as f64;
            vec![
                t("quantile"),
                I(b),
                d(2023, 6),
                t("flere"),
                F(p - 0.04),
                F(p + 0.04),
                I(159),
                F(p),
                F(p + 0.02),
                F(p - 0.05),
                F(p + 0.08),
            ]
        })
        .collect();
    m.insert(
        "mart_reliability".into(),
        table(
            &[
                "strategy",
                "bin",
                "cohort_month",
                "model_version",
                "bin_low",
                "bin_high",
                "n",
                "mean_predicted",
                "observed_rate",
                "ci_low",
                "ci_high",
            ],
            bins,
        ),
    );
    let fair =
        |dim: &str, grp: &str, metric: &str, n: i64, value: f64, ratio: f64, flagged: bool| {
            vec![
                t(dim),
                t(grp),
                t(metric),
                d(2022, 7),
                d(2023, 6),
                I(n),
                I(n),
                F(value),
                F(value - 0.05),
                F(value + 0.05),
                t("dansk"),
                F(ratio),
                F(0.01),
                I(i64::from(flagged)),
            ]
        };
    m.insert(
        "mart_fairness".into(),
        table(
            &[
                "dimension",
                "grp",
                "metric",
                "window_from",
                "cohort_month",
                "n",
                "denominator",
                "value",
                "ci_low",
                "ci_high",
                "reference_group",
                "ratio",
                "p_adjusted",
                "flagged",
            ],
            vec![
                fair("origin", "dansk", "selection_rate", 1200, 0.21, 1.0, false),
                fair(
                    "origin",
                    "efterkommer_vestlig",
                    "selection_rate",
                    3,
                    0.6660,
                    3.17,
                    false,
                ),
                fair(
                    "age_band",
                    "55_plus",
                    "selection_rate",
                    311,
                    0.52,
                    4.46,
                    false,
                ),
                fair("age_band", "55_plus", "citl", 311, 0.071, 1.31, true),
                fair(
                    "origin",
                    "efterkommer_vestlig",
                    "citl",
                    3,
                    0.1234,
                    1.4,
                    false,
                ),
                fair("sex", "K", "selection_rate", 700, 0.22, 1.05, false),
            ],
        ),
    );
    m.insert(
        "mart_drift".into(),
        table(
            &[
                "cohort_month",
                "model_version",
                "feature",
                "feature_label",
                "n",
                "psi",
                "js_distance",
                "level",
            ],
            vec![
                vec![
                    d(2024, 6),
                    t("v"),
                    t("age"),
                    t("Alder"),
                    I(137),
                    F(0.26),
                    F(0.1),
                    t("alarm"),
                ],
                vec![
                    d(2024, 6),
                    t("v"),
                    t("education_level"),
                    t("Uddannelsesniveau"),
                    I(137),
                    F(0.12),
                    F(0.1),
                    t("advarsel"),
                ],
                vec![
                    d(2024, 6),
                    t("v"),
                    t("driving_licence"),
                    t("Kørekort"),
                    I(137),
                    F(0.01),
                    F(0.01),
                    t("ok"),
                ],
            ],
        ),
    );
    m.insert(
        "mart_alerts".into(),
        table(
            &[
                "severity",
                "kind",
                "subject",
                "message",
                "first_seen_month",
                "last_seen_month",
                "severity_rank",
            ],
            vec![
                vec![
                    t("alarm"),
                    t("drift"),
                    t("age"),
                    t("Alder: kohorten fra 06-2024 afviger (PSI 0,26)."),
                    d(2024, 4),
                    d(2024, 6),
                    I(0),
                ],
                vec![
                    t("advarsel"),
                    t("retfaerdighed"),
                    t("age_band=55_plus:fpr"),
                    t("Aldersgruppe: gruppen »55 år og derover« …"),
                    d(2023, 9),
                    d(2024, 6),
                    I(1),
                ],
            ],
        ),
    );
    let mut programmes = Vec::new();
    for (band, order) in [("lav", 1), ("mellem", 2), ("hoej", 3)] {
        for (kind, n) in [
            ("alle", 150),
            ("ingen", 250),
            ("virksomhedspraktik", 90),
            ("jobrotation", if band == "hoej" { 2 } else { 12 }),
        ] {
            let still = 0.3 + 0.1 * order as f64;
            programmes.push(vec![
                d(2022, 7),
                d(2023, 6),
                t(band),
                I(order),
                t(kind),
                I(n),
                F(n as f64 / 400.0),
                I(n),
                F(still),
                F(still - 0.05),
                F(still + 0.05),
            ]);
        }
    }
    m.insert(
        "mart_programmes".into(),
        table(
            &[
                "window_from",
                "window_to",
                "risk_band",
                "band_order",
                "programme_type",
                "n",
                "share_of_band",
                "n_labelled",
                "still_unemployed",
                "ci_low",
                "ci_high",
            ],
            programmes,
        ),
    );
    let decision = |m: NaiveDate, promoted: bool| {
        let v = |x: NaiveDate| t(&format!("{}-a1b2c3d4", x.format("%Y-%m")));
        let before = m - Months::new(1);
        vec![
            Cell::Date(m),
            v(m),
            v(before),
            I(i64::from(promoted)),
            if promoted { v(m) } else { v(before) },
            F(0.002),
            d(2020, 7),
            d(2023, 6),
            d(2023, 4),
            d(2023, 6),
            I(3),
            I(60),
            I(4830),
            I(374),
            F(0.1843),
            F(0.1851),
            t("Ny model taget i brug: Brier 0,1843 mod 0,1851 (tolerance 0,002)."),
            F(0.71),
            F(0.67),
            F(0.76),
            F(0.77),
            F(0.72),
            F(0.81),
            F(0.17),
            F(0.20),
            F(0.60),
            F(0.24),
            F(0.186),
            F(0.773),
        ]
    };
    m.insert(
        "mart_model_changes".into(),
        table(
            &[
                "run_month",
                "challenger_version",
                "champion_before",
                "promoted",
                "champion_after",
                "tolerance",
                "train_from",
                "train_to",
                "val_from",
                "val_to",
                "max_depth",
                "min_samples_leaf",
                "n_train",
                "n_val",
                "challenger_brier",
                "champion_brier",
                "reason",
                "accuracy",
                "accuracy_ci_low",
                "accuracy_ci_high",
                "auc",
                "auc_ci_low",
                "auc_ci_high",
                "brier_ci_low",
                "brier_ci_high",
                "baseline_accuracy",
                "baseline_brier",
                "logistic_brier",
                "logistic_auc",
            ],
            vec![decision(d0(2024, 5), false), decision(d0(2024, 6), true)],
        ),
    );
    let mut batches: Vec<Vec<Cell>> = months
        .iter()
        .map(|mo| {
            let id = format!("b{}", mo.format("%Y%m"));
            vec![
                Cell::Date(*mo),
                t(&id),
                I(1),
                N,
                N,
                I(20_000),
                I(0),
                N,
                Cell::Date(*mo + Months::new(1)),
            ]
        })
        .collect();
    batches.push(vec![
        d(2024, 3),
        t("b202403old"),
        I(0),
        t("b202403"),
        N,
        I(19_950),
        I(2),
        N,
        d(2024, 4),
    ]);
    batches[14][4] = t("b202403old");
    batches[14][7] = I(19_950);
    batches[14][6] = I(3);
    m.insert(
        "mart_data_quality".into(),
        table(
            &[
                "batch_month",
                "batch_id",
                "in_force",
                "superseded_by",
                "replaces",
                "rows_loaded",
                "rows_quarantined",
                "rows_replaced",
                "loaded_on",
            ],
            batches,
        ),
    );
    m.insert(
        "mart_quarantine".into(),
        table(
            &[
                "batch_month",
                "batch_id",
                "in_force",
                "file",
                "column_name",
                "rows_quarantined",
            ],
            vec![vec![
                d(2024, 3),
                t("b202403"),
                I(1),
                t("status.csv"),
                t("status"),
                I(3),
            ]],
        ),
    );
    m
}

fn d0(y: i32, m: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, 1).unwrap()
}

/// Makes June's decision a challenger that was not promoted.
pub fn kept_not_promoted(m: &mut BTreeMap<String, Table>) {
    if let Some(t) = m.get_mut("mart_model_changes") {
        let p = t.column_index("promoted").unwrap();
        for r in &mut t.rows {
            r[p] = Cell::Int(0);
        }
    }
}
