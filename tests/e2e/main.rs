//! The walking skeleton end to end: synthetic extracts, backfill of every month,
//! the real server on port 0, and the overview page's numbers against the store.

mod access;
mod at_rest;
mod borger;
mod censoring;
mod citizen;
mod dokumentation;
mod effects;
mod failures;
mod helpers;
mod ingest_cli;
mod kill;
mod leakage;
mod model;
mod monitoring;
mod monitoring_validation;
mod ops;
mod report;
mod schedule;
mod threshold;

use helpers::{shared_app, spawn_server};
use jobcockpit::present::format;
use jobcockpit::store::query_table;
use jobcockpit::table::Cell;

/// The text of the KPI value that follows the heading `title`.
fn kpi_text(page: &str, title: &str) -> String {
    let after = &page[page
        .find(&format!("<h2>{title}</h2>"))
        .expect("KPI heading")..];
    let start =
        after.find("<p class=\"kpi-value\">").expect("KPI value") + "<p class=\"kpi-value\">".len();
    let end = start + after[start..].find("</p>").expect("end of KPI value");
    after[start..end].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_shows_the_numbers_the_pipeline_stored() {
    let t = tokio::task::spawn_blocking(shared_app).await.unwrap();
    let (kpi, cohorts, runs, people) = {
        let conn = t.app.store.lock();
        let kpi = query_table(&conn, "select * from mart_kpi", []).unwrap();
        let cohorts = query_table(
            &conn,
            "select * from mart_cohorts where mature and n_scored > 0",
            [],
        )
        .unwrap();
        let runs = query_table(
            &conn,
            "select status, count(*) from pipeline_runs group by all",
            [],
        )
        .unwrap();
        let people = query_table(&conn, "select person_id from raw_citizens limit 20", []).unwrap();
        (kpi, cohorts, runs, people)
    };
    assert_eq!(
        runs.rows,
        vec![vec![Cell::Text("succeeded".into()), Cell::Int(60)]],
        "every month ran"
    );
    assert!(
        cohorts.rows.len() >= 3,
        "several mature, scored cohorts: {}",
        cohorts.rows.len()
    );

    let server = spawn_server(t.app.clone()).await;
    let (status, page) = server.get("/d/overblik").await;
    assert_eq!(status, 200, "{page}");

    let kpi_value = |name: &str| kpi.rows[0][kpi.column_index(name).unwrap()].clone();
    let inflow = kpi_value("inflow_latest").as_f64().unwrap();
    let observed = kpi_value("latest_mature_observed").as_f64().unwrap();
    let predicted = kpi_value("latest_mature_predicted").as_f64().unwrap();
    // Each headline figure stands in its own KPI box, right after its heading.
    assert!(kpi_text(&page, "Tilgang seneste måned").starts_with(&format::number(inflow, 0)));
    assert_eq!(
        kpi_text(&page, "Faktisk andel stadig ledig efter 12 måneder"),
        format::percent(observed, 1)
    );
    // The prediction for the same cohort stands beside it, in the same box.
    let box_start = page
        .find("<h2>Faktisk andel stadig ledig efter 12 måneder</h2>")
        .expect("KPI heading");
    let box_end = box_start
        + page[box_start..]
            .find("</article>")
            .expect("end of KPI box");
    assert!(
        page[box_start..box_end].contains(&format::percent(predicted, 1)),
        "predicted share beside the observed one"
    );
    // Every mature cohort's observed rate appears in the cohort table, on the
    // page about cohorts; and every page in the menu renders.
    let (status, cohorts_page) = server.get("/d/kohorter").await;
    assert_eq!(status, 200, "{cohorts_page}");
    for slug in [
        "kohorter",
        "kalibrering",
        "retfaerdighed",
        "indsatser",
        "virker",
        "drift",
        "koersler",
    ] {
        let (status, body) = server.get(&format!("/d/{slug}")).await;
        assert_eq!(status, 200, "/d/{slug}: {body}");
        assert!(!body.contains("<script"), "/d/{slug} has no script");
    }
    let rate = cohorts.column_index("observed_rate").unwrap();
    for row in &cohorts.rows {
        let shown = format::percent(row[rate].as_f64().unwrap(), 1);
        assert!(
            cohorts_page.contains(&shown),
            "cohort rate {shown} is on the page"
        );
    }
    // Aggregates only: no pseudonym reaches the pages.
    for row in &people.rows {
        if let Cell::Text(id) = &row[0] {
            assert!(
                !page.contains(id.as_str()) && !cohorts_page.contains(id.as_str()),
                "a pseudonym leaked into the page"
            );
        }
    }
    // The Wilson interval computed in SQL agrees with the Rust function checked
    // against statsmodels.
    let wilson = {
        let conn = t.app.store.lock();
        query_table(
            &conn,
            "select n_labelled, round(observed_rate * n_labelled)::bigint, observed_ci_low, observed_ci_high
             from metric_cohorts where mature and n_labelled > 0",
            [],
        )
        .unwrap()
    };
    assert!(!wilson.rows.is_empty());
    for row in &wilson.rows {
        let (n, k) = (
            row[0].as_i64().unwrap() as u64,
            row[1].as_i64().unwrap() as u64,
        );
        let (lo, hi) = jobcockpit::metrics::wilson_interval(k, n);
        assert!(
            (row[2].as_f64().unwrap() - lo).abs() < 1e-9,
            "low for {k}/{n}"
        );
        assert!(
            (row[3].as_f64().unwrap() - hi).abs() < 1e-9,
            "high for {k}/{n}"
        );
    }
    let (health, _) = server.get("/healthz").await;
    assert_eq!(health, 200);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scores_made_at_the_time_beat_guessing_the_base_rate_once_outcomes_arrive() {
    let t = tokio::task::spawn_blocking(shared_app).await.unwrap();
    let conn = t.app.store.lock();
    // Out of time: each cohort's scores were made in its own month by the model of
    // that month; the baseline predicts that model's training base rate for everyone.
    let r = query_table(
        &conn,
        "select count(*), avg(power(s.probability - l.label, 2)), avg(power(v.base_rate - l.label, 2))
         from model_scores s
         join feat_labels l using (spell_id)
         join model_versions v on v.version = s.model_version
         where l.mature and l.label is not null",
        [],
    )
    .unwrap();
    let n = r.rows[0][0].as_i64().unwrap();
    let (model, baseline) = (
        r.rows[0][1].as_f64().unwrap(),
        r.rows[0][2].as_f64().unwrap(),
    );
    assert!(n >= 500, "enough matured scored spells: {n}");
    assert!(
        model < baseline,
        "Brier {model} must beat the base-rate baseline {baseline}"
    );
}
