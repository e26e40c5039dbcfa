//! Issue #17 end to end: the `effects` step on the backfilled test municipality,
//! its estimates, and the page "Virker indsatserne?".

use crate::helpers::{shared_app, spawn_server};
use jobcockpit::store::query_table;
use jobcockpit::table::Cell;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_effects_step_estimates_with_intervals_and_the_page_shows_them_with_the_caveat() {
    let t = tokio::task::spawn_blocking(shared_app).await.unwrap();
    let (est, steps, treated) = {
        let conn = t.app.store.lock();
        let q = |sql: &str| query_table(&conn, sql, []).unwrap();
        (
            q("select grouping, effect, effect_ci_low, effect_ci_high, suppressed_reason,
                      naive, n_treated, persons_treated
               from effect_estimates"),
            q("select s.detail, s.rows, r.run_month = (select max(run_month) from pipeline_runs) as last
               from pipeline_steps s join pipeline_runs r using (run_id)
               where s.step = 'effects' order by r.run_month"),
            q("select spell_id from effect_treated limit 20"),
        )
    };
    assert!(!est.rows.is_empty(), "the last run estimated effects");
    let mut estimated = 0;
    for r in &est.rows {
        match (r[1].as_f64(), r[2].as_f64(), r[3].as_f64()) {
            (Some(e), Some(lo), Some(hi)) => {
                assert!(lo <= e && e <= hi, "{r:?}");
                assert!(
                    r[5].as_f64().is_some(),
                    "the naive difference stands beside it"
                );
                estimated += 1;
            }
            _ => assert!(
                matches!(&r[4], Cell::Text(s) if s.starts_with("for få")),
                "a group without an estimate says why: {r:?}"
            ),
        }
        assert!(r[7].as_i64().unwrap() <= r[6].as_i64().unwrap());
    }
    assert!(estimated >= 1, "at least one group is big enough");
    let groupings: std::collections::BTreeSet<String> = est
        .rows
        .iter()
        .filter_map(|r| match &r[0] {
            Cell::Text(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        groupings.len(),
        3,
        "risk band, target group and all: {groupings:?}"
    );
    // Only the newest month's run estimates; the backfill's earlier runs skip.
    let last: Vec<_> = steps
        .rows
        .iter()
        .filter(|r| r[2].as_i64() == Some(1))
        .collect();
    assert_eq!(last.len(), 1);
    assert!(last[0][1].as_i64().unwrap() > 0);
    assert!(steps
        .rows
        .iter()
        .filter(|r| r[2].as_i64() == Some(0))
        .all(|r| matches!(&r[0], Cell::Text(s) if s.starts_with("sprunget over"))));

    let server = spawn_server(t.app.clone()).await;
    let (status, page) = server.get("/d/virker").await;
    assert_eq!(status, 200, "{page}");
    for text in [
        "Virker indsatserne?",
        "ingen skjulte forskelle",
        "Fastlåsning",
        "Simpel forskel",
        "Robusthed",
    ] {
        assert!(page.contains(text), "the page says {text:?}");
    }
    for r in &treated.rows {
        if let Cell::Text(id) = &r[0] {
            assert!(!page.contains(id.as_str()), "no spell id on the page");
        }
    }
    server.stop().await;
}
