//! One threshold everywhere (issue #18): with the policy threshold moved from the
//! shipped 60 % to 55 % in the pipeline file, the model card, the Drift og model
//! page, the committee report and the caseworker look-up all count at 55 % and say so.

use std::collections::BTreeSet;

use jobcockpit::access::Role;
use jobcockpit::pseudonym::Cpr;
use jobcockpit::store::query_table;
use jobcockpit::synth::SynthConfig;
use jobcockpit::table::Cell;

use crate::helpers::{backfilled_app_with, repo_path, spawn_server};

fn synth() -> SynthConfig {
    SynthConfig {
        seed: 18,
        years: 4,
        population: 12_000,
        ..SynthConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_card_the_cockpit_the_report_and_the_look_up_state_one_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = dir.path().join("monthly.toml");
    let shipped = std::fs::read_to_string(repo_path("pipelines/monthly.toml")).unwrap();
    assert!(
        shipped.contains("high_from = 0.60"),
        "the shipped threshold"
    );
    std::fs::write(
        &pipeline,
        shipped.replace("high_from = 0.60", "high_from = 0.55"),
    )
    .unwrap();
    let t = tokio::task::spawn_blocking(move || {
        backfilled_app_with(&synth(), |s| s.pipeline_file = pipeline, |_| {})
    })
    .await
    .unwrap();

    // The store: every validation figure of every version is at 0.55.
    let (thresholds, card, last_month, scored) = {
        let conn = t.app.store.lock();
        let thresholds =
            query_table(&conn, "select distinct threshold from model_validation", []).unwrap();
        let card = query_table(
            &conn,
            "select c.markdown from model_cards c join model_versions v using (version)
             order by v.run_month desc limit 1",
            [],
        )
        .unwrap();
        let last = query_table(
            &conn,
            "select max(run_month)::varchar from model_decisions",
            [],
        )
        .unwrap();
        let scored = query_table(
            &conn,
            "select distinct person_id from model_scores
             where cohort_month = (select max(cohort_month) from model_scores)",
            [],
        )
        .unwrap();
        (thresholds, card, last, scored)
    };
    let values: Vec<Option<f64>> = thresholds.rows.iter().map(|r| r[0].as_f64()).collect();
    assert_eq!(values, vec![Some(0.55)], "one threshold for every version");

    // 1. The model card.
    let Cell::Text(card) = &card.rows[0][0] else {
        panic!("no card")
    };
    assert!(
        card.contains("Træfsikkerhed ved tærsklen 55 %")
            && card.contains("Politiktærskel: risiko fra 55 % regnes som høj")
            && card.contains("Fejlrater i grupper (validering, tærskel 55 %)")
            && !card.contains("50 %"),
        "{card}"
    );

    // 2. The cockpit: Drift og model shows the threshold beside the accuracies.
    let server = spawn_server(t.app.clone()).await;
    let data = server.login(Role::Dataenhed).await;
    let (status, page) = data.get("/d/drift").await;
    assert_eq!(status, 200);
    assert!(page.contains("Tærskel for høj risiko"), "column missing");
    let column = page.find("Tærskel for høj risiko").unwrap();
    assert!(
        page[column..].contains("55,0 %"),
        "the threshold on the page"
    );

    // 3. The committee report of the last month.
    let Cell::Text(last) = &last_month.rows[0][0] else {
        panic!("no decision")
    };
    let month = &last[..7];
    let html = std::fs::read_to_string(
        t.app
            .settings
            .data_dir
            .reports()
            .join(month)
            .join(format!("rapport-{month}.html")),
    )
    .unwrap();
    assert!(
        html.contains("Rigtige vurderinger ved tærsklen 55 %")
            && html.contains("en risiko fra 55 % regnes som høj"),
        "the report states the threshold"
    );

    // 4. The caseworker look-up of a citizen scored in the latest cohort.
    let scored: BTreeSet<String> = scored
        .rows
        .iter()
        .filter_map(|r| match &r[0] {
            Cell::Text(p) => Some(p.clone()),
            _ => None,
        })
        .collect();
    let again = tempfile::tempdir().unwrap();
    jobcockpit::synth::generate(&synth(), again.path()).unwrap();
    // Every delivered citizen (each month's file names its newcomers), by pseudonym.
    let mut cprs = BTreeSet::new();
    for month in std::fs::read_dir(again.path()).unwrap() {
        let Ok(text) = std::fs::read_to_string(month.unwrap().path().join("borgere.csv")) else {
            continue;
        };
        let mut lines = text.lines();
        let header: Vec<&str> = lines
            .next()
            .unwrap()
            .trim_start_matches('\u{feff}')
            .split(';')
            .collect();
        let at = header.iter().position(|h| *h == "cpr").unwrap();
        for line in lines {
            cprs.insert(line.split(';').nth(at).unwrap().to_string());
        }
    }
    let caseworker = server.login(Role::Sagsbehandler).await;
    let mut stated = None;
    let candidates = cprs
        .iter()
        .filter(|cpr| scored.contains(&t.app.pseudonymiser.pseudonym(&Cpr::parse(cpr).unwrap())));
    for cpr in candidates.take(10) {
        let resp = caseworker
            .post("/borger", &[("cpr", cpr.as_str()), ("formaal", "jobplan")])
            .await;
        assert_eq!(resp.status().as_u16(), 200);
        let body = resp.text().await.unwrap();
        if body.contains("ramte den rigtigt") {
            stated = Some(body);
            break;
        }
    }
    let body = stated.expect("a scored citizen's look-up shows the model's accuracy");
    assert!(
        body.contains("når en risiko fra 55 % regnes som høj"),
        "the look-up states the threshold"
    );
    server.stop().await;
}
