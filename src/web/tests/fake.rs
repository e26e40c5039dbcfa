//! Fake mart sources for the router tests: the overview's marts in memory,
//! with one cohort and one month under k, an immature cohort and HTML in a text cell.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::NaiveDate;

use crate::table::{Cell, Table};
use crate::web::MartSource;

/// Marts from memory; records which marts were asked for.
#[derive(Default)]
pub(super) struct FakeMarts {
    pub tables: HashMap<String, Table>,
    pub asked: Mutex<Vec<String>>,
}

impl MartSource for FakeMarts {
    fn fetch(&self, mart: &str) -> Result<Table, anyhow::Error> {
        self.asked
            .lock()
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .push(mart.to_string());
        self.tables
            .get(mart)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("no such mart {mart}"))
    }
}

pub(super) struct BrokenStore;

impl MartSource for BrokenStore {
    fn fetch(&self, _: &str) -> Result<Table, anyhow::Error> {
        Err(anyhow::anyhow!("IO Error: Catalog Error: Table with name mart_inflow does not exist in /srv/secret/jobcockpit.duckdb"))
    }
}

fn d(y: i32, m: u32) -> Cell {
    Cell::Date(NaiveDate::from_ymd_opt(y, m, 1).unwrap())
}

fn table(columns: &[&str], rows: Vec<Vec<Cell>>) -> Table {
    Table {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows,
    }
}

pub(super) fn fake_marts() -> FakeMarts {
    use Cell::{Float as F, Int as I, Null as N};
    let text = |s: &str| Cell::Text(s.into());
    let inflow = table(
        &["month", "new_spells", "caseload", "second_interviews"],
        vec![
            vec![d(2024, 1), I(1234), I(12345), I(812)],
            vec![d(2024, 2), I(1302), I(12500), I(4)],
            vec![d(2024, 3), I(987), I(12410), I(790)],
        ],
    );
    let cohorts = table(
        &[
            "cohort_month",
            "n",
            "n_scored",
            "mean_predicted",
            "share_high_risk",
            "mature",
            "observed_rate",
            "observed_ci_low",
            "observed_ci_high",
            "brier",
            "model_version",
        ],
        vec![
            vec![
                d(2023, 1),
                I(250),
                I(240),
                F(0.413),
                F(0.22),
                I(1),
                F(0.388),
                F(0.329),
                F(0.45),
                F(0.1372),
                text("v1"),
            ],
            vec![
                d(2023, 2),
                I(4),
                I(4),
                F(0.61),
                F(0.5),
                I(1),
                F(0.7777),
                F(0.301),
                F(0.954),
                F(0.2),
                text("v1"),
            ],
            vec![
                d(2023, 3),
                I(260),
                I(255),
                F(0.417),
                F(0.25),
                I(1),
                F(0.402),
                F(0.343),
                F(0.463),
                F(0.141),
                text("<b>v2</b>"),
            ],
            vec![
                d(2023, 4),
                I(270),
                I(270),
                F(0.45),
                F(0.3),
                I(0),
                N,
                N,
                N,
                N,
                text("v2"),
            ],
        ],
    );
    let kpi = table(
        &[
            "latest_month",
            "inflow_latest",
            "caseload_latest",
            "latest_mature_cohort",
            "latest_mature_n",
            "latest_mature_n_scored",
            "latest_mature_observed",
            "latest_mature_ci_low",
            "latest_mature_ci_high",
            "latest_mature_predicted",
            "latest_mature_brier",
            "model_version",
            "open_alerts",
            "open_alarms",
        ],
        vec![vec![
            d(2024, 3),
            I(987),
            I(12410),
            d(2023, 3),
            I(260),
            I(258),
            F(0.402),
            F(0.343),
            F(0.463),
            F(0.417),
            F(0.141),
            text("v2"),
            I(1),
            I(0),
        ]],
    );
    let performance = table(
        &[
            "cohort_month",
            "model_version",
            "n",
            "accuracy",
            "accuracy_ci_low",
            "accuracy_ci_high",
            "majority_accuracy",
            "n_positive",
            "recall",
            "n_negative",
            "fpr",
            "n_flagged",
            "precision",
        ],
        vec![
            vec![
                d(2023, 1),
                text("v1"),
                I(250),
                F(0.68),
                F(0.62),
                F(0.74),
                F(0.575),
                I(100),
                F(0.4),
                I(150),
                F(0.1),
                I(60),
                F(0.66),
            ],
            vec![
                d(2023, 2),
                text("v1"),
                I(4),
                F(0.7501),
                F(0.3),
                F(0.95),
                F(0.5),
                I(2),
                F(0.5),
                I(2),
                F(0.5),
                I(1),
                F(1.0),
            ],
            vec![
                d(2023, 3),
                text("v2"),
                I(260),
                F(0.66),
                F(0.60),
                F(0.72),
                F(0.59),
                I(110),
                F(0.42),
                I(150),
                F(0.12),
                I(64),
                F(0.7),
            ],
        ],
    );
    let alerts = table(
        &[
            "severity",
            "kind",
            "subject",
            "message",
            "first_seen_month",
            "last_seen_month",
            "severity_rank",
            "page",
        ],
        vec![vec![
            text("advarsel"),
            text("kalibrering"),
            text("seneste"),
            text("Faktisk andel <b>v2</b> over forudsagt"),
            d(2024, 2),
            d(2024, 3),
            I(1),
            text("kalibrering"),
        ]],
    );
    let tables = [
        ("mart_inflow", inflow),
        ("mart_cohorts", cohorts),
        ("mart_kpi", kpi),
        ("mart_performance", performance),
        ("mart_open_alerts", alerts),
    ];
    FakeMarts {
        tables: tables
            .into_iter()
            .map(|(n, t)| (n.to_string(), t))
            .collect(),
        ..Default::default()
    }
}
