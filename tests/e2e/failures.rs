//! A bad delivery: the run fails loudly, is recorded as failed with the file,
//! line, column and reason, and the cockpit's marts stay as they were.

use jobcockpit::store::query_table;
use jobcockpit::synth::SynthConfig;

use crate::helpers::{backfilled_app, small_synth};

#[test]
fn a_bad_delivery_fails_the_run_and_leaves_the_marts_untouched() {
    let t = backfilled_app(&SynthConfig {
        years: 3,
        ..small_synth()
    });
    let inbox = t.app.settings.inbox_dir();
    let marts_before = {
        let conn = t.app.store.lock();
        query_table(
            &conn,
            "select * from mart_cohorts order by cohort_month",
            [],
        )
        .unwrap()
    };

    // Next month's delivery: last month's files, with one status code misspelt.
    let next = inbox.join("2022-01");
    std::fs::create_dir_all(&next).unwrap();
    for e in std::fs::read_dir(inbox.join("2021-12")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), next.join(e.file_name())).unwrap();
    }
    let status = std::fs::read_to_string(next.join("status.csv")).unwrap();
    let bad = status
        .replacen(";ydelse\r\n", ";ledig\r\n", 1)
        .replace("-12-2021;", "-01-2022;");
    std::fs::write(next.join("status.csv"), bad).unwrap();

    let month = chrono::NaiveDate::from_ymd_opt(2022, 1, 1).unwrap();
    let err = t.app.run_month(month, "test").unwrap_err().to_string();
    assert!(err.contains("status.csv"), "{err}");
    assert!(err.contains("linje"), "{err}");
    assert!(err.contains("'status'"), "{err}");
    assert!(err.contains("'ledig'"), "{err}");
    assert!(err.contains("ukendt kode"), "{err}");

    let conn = t.app.store.lock();
    let run = query_table(
        &conn,
        "select r.status, s.step, s.status from pipeline_runs r join pipeline_steps s using (run_id)
         where r.run_month = '2022-01-01'",
        [],
    )
    .unwrap();
    assert_eq!(run.rows.len(), 1, "only the ingest step was attempted");
    let texts: Vec<String> = run.rows[0].iter().map(|c| format!("{c:?}")).collect();
    assert_eq!(
        texts,
        ["Text(\"failed\")", "Text(\"ingest\")", "Text(\"failed\")"]
    );
    let batches: i64 = conn
        .query_row(
            "select count(*) from load_batches where batch_month = '2022-01-01'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(batches, 0, "nothing of the bad batch was loaded");
    let marts_after = query_table(
        &conn,
        "select * from mart_cohorts order by cohort_month",
        [],
    )
    .unwrap();
    assert_eq!(
        marts_before, marts_after,
        "the cockpit still shows the last good run"
    );
}
