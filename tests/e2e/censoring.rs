//! Real outcomes are messy (#19): a demo where 40 % of the outcomes are unknown
//! (moves, deaths, register gaps) still gets its monitoring, alerts and report,
//! with the unknown counted beside every figure; and a month whose model is no
//! better than guessing puts nothing in use and says why.

use chrono::NaiveDate;
use jobcockpit::report::{archive, Archive};
use jobcockpit::store::query_table;
use jobcockpit::synth::SynthConfig;
use jobcockpit::table::{Cell, Table};

use crate::helpers::{backfilled_app, backfilled_app_with, small_synth, spawn_server, TestApp};

fn q(t: &TestApp, sql: &str) -> Table {
    let conn = t.app.store.lock();
    query_table(&conn, sql, []).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn int(t: &Table, row: usize, col: usize) -> i64 {
    t.rows[row][col].as_i64().unwrap_or(-1)
}

fn latest_report(t: &TestApp) -> String {
    let archive = Archive::new(&t.app.settings.data_dir);
    let latest = &archive.list().unwrap()[0].month;
    let month = NaiveDate::parse_from_str(&format!("{latest}-01"), "%Y-%m-%d").unwrap();
    std::fs::read_to_string(
        archive
            .month_dir(month)
            .join(format!("{}.html", archive::file_stem(month))),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitoring_runs_with_40_percent_censoring_and_shows_the_unknown() {
    let t = tokio::task::spawn_blocking(|| {
        backfilled_app(&SynthConfig {
            censored_percent: 40,
            ..small_synth()
        })
    })
    .await
    .unwrap();
    // Mature cohorts exist although every one has unknown outcomes.
    let c = q(
        &t,
        "select count(*), sum(n_unknown), sum(n), count(*) filter (where n_unknown > 0)
         from metric_cohorts where mature",
    );
    let (unknown, n) = (int(&c, 0, 1), int(&c, 0, 2));
    assert_eq!(
        int(&c, 0, 3),
        int(&c, 0, 0),
        "every mature cohort has unknown outcomes"
    );
    let scored = q(
        &t,
        "select count(*) from metric_cohorts where mature and n_scored > 0",
    );
    let mature = int(&scored, 0, 0);
    assert!(mature >= 12, "mature scored cohorts: {mature}");
    let share = unknown as f64 / n as f64;
    assert!((0.33..0.47).contains(&share), "unknown share {share}");

    // Every monitoring table is filled, and says how many were unknown.
    let perf = q(
        &t,
        "select count(distinct cohort_month), min(numerator), min(denominator)
         from metric_performance where scope = 'kohorte' and metric = 'unknown'",
    );
    assert_eq!(
        int(&perf, 0, 0),
        mature,
        "performance for each mature cohort"
    );
    assert!(int(&perf, 0, 1) > 0);
    let cal = q(
        &t,
        "select count(*), min(n_unknown), count(intercept) from metric_calibration where scope = 'kohorte'",
    );
    assert_eq!(int(&cal, 0, 0), mature);
    assert!(int(&cal, 0, 1) > 0);
    let fair = q(
        &t,
        "select count(*) filter (where metric = 'unknown_share'), count(*) filter (where metric = 'citl')
         from metric_fairness",
    );
    assert!(
        int(&fair, 0, 0) > 10 && int(&fair, 0, 1) > 10,
        "{:?}",
        fair.rows
    );
    let cbpe = q(&t, "select count(realised) from metric_cbpe");
    assert!(
        int(&cbpe, 0, 0) > 0,
        "estimates are realised once cohorts mature"
    );
    let base_rate_drift = q(
        &t,
        "select count(*) from metric_drift where feature = '_base_rate'",
    );
    assert!(
        int(&base_rate_drift, 0, 0) > 0,
        "the base rate's drift is measured"
    );
    let alerts = q(
        &t,
        "select count(*) from alerts where kind = 'ukendt_udfald' and status = 'aaben'",
    );
    assert!(
        int(&alerts, 0, 0) >= 1,
        "the high unknown share raises an alert"
    );

    // The survival curves censor each person at the last observed month: the
    // stored window curve is the Kaplan-Meier (lifelines' convention, checked in
    // monitor::outcomes) of times recomputed here from the status rows alone.
    let stored = q(
        &t,
        "select month_after, survival from metric_survival
         where scope = 'vindue' and risk_band = 'alle' order by month_after",
    );
    let window = q(
        &t,
        "select min(window_from)::varchar, max(cohort_month)::varchar from metric_fairness",
    );
    let (from, to) = match (&window.rows[0][0], &window.rows[0][1]) {
        (Cell::Text(a), Cell::Text(b)) => (a.clone(), b.clone()),
        other => panic!("{other:?}"),
    };
    let times = {
        let conn = t.app.store.lock();
        query_table(
            &conn,
            "with s as (
                 select sc.spell_id, sc.cohort_month, f.person_id
                 from model_scores sc join feat_features f using (spell_id)
                 where sc.cohort_month in (select cohort_month from metric_cohorts where mature)
                   and sc.cohort_month between ?::date and ?::date
             ),
             st as (
                 select s.spell_id, date_diff('month', s.cohort_month, r.month) as m, r.status
                 from s join stg_status r on r.person_id = s.person_id
                  and r.month > s.cohort_month and r.month <= s.cohort_month + interval 12 month
             ),
             agg as (
                 select s.spell_id,
                     min(m) filter (where status in ('beskaeftiget', 'uddannelse')) as exit,
                     coalesce(max(m) filter (where status not in ('fraflyttet', 'doed', 'ukendt')), 0) as seen
                 from s left join st using (spell_id) group by s.spell_id
             )
             select case when exit is not null and exit <= seen then exit else seen end,
                    exit is not null and exit <= seen
             from agg",
            [from, to],
        )
        .unwrap()
    };
    let (d, e): (Vec<u32>, Vec<bool>) = times
        .rows
        .iter()
        .map(|r| (r[0].as_i64().unwrap() as u32, r[1] == Cell::Int(1)))
        .unzip();
    assert!(e.iter().any(|x| !x), "censored persons in the window");
    let curve = jobcockpit::metrics::survival::kaplan_meier(&d, &e, 12);
    assert_eq!(curve.len(), stored.rows.len());
    for (p, row) in curve.iter().zip(&stored.rows) {
        assert_eq!(i64::from(p.month), row[0].as_i64().unwrap());
        let s = row[1].as_f64().unwrap();
        assert!(
            (p.survival - s).abs() < 1e-9,
            "month {}: {} vs {s}",
            p.month,
            p.survival
        );
    }

    // The report and the cockpit show the unknown beside the rates.
    let html = latest_report(&t);
    assert!(html.contains("Ukendt udfald"), "report names the unknown");
    assert!(
        html.contains("Overlevelsesestimat"),
        "and the survival estimate"
    );
    let server = spawn_server(t.app.clone()).await;
    let (status, page) = server.get("/d/kohorter").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Ukendt udfald") && page.contains("Overlevelsesestimat"));
    server.stop().await;
}

/// A feature-less month: the only input the policy allows is the days from the
/// spell's start to the 2nd interview, which the generator draws independently of
/// everything (docs/extracts.md), so no tree can beat guessing.
#[test]
fn a_model_no_better_than_guessing_is_never_put_in_use_and_the_report_says_why() {
    let policy_dir = tempfile::tempdir().unwrap();
    let policy = policy_dir.path().join("features.toml");
    std::fs::write(
        &policy,
        "protected = [\"sex\", \"age\", \"origin\", \"district\"]\n\
         never_inputs = [\"sex\", \"origin\"]\n\
         [[input]]\nname = \"days_to_second_interview\"\n\
         label = \"Dage fra forløbets start til 2. samtale\"\nkind = \"number\"\n",
    )
    .unwrap();
    let t = backfilled_app_with(
        &SynthConfig {
            years: 3,
            ..small_synth()
        },
        |s| s.policy_file = policy.clone(),
        |_| {},
    );
    let d = q(
        &t,
        "select count(*), count(*) filter (where promoted), count(*) filter (where not beats_base_rate),
                count(champion_after), min(reason)
         from model_decisions",
    );
    assert!(int(&d, 0, 0) >= 6, "models were trained: {:?}", d.rows);
    assert_eq!(int(&d, 0, 1), 0, "none put in use: {:?}", d.rows);
    assert_eq!(int(&d, 0, 2), int(&d, 0, 0), "each refused as guessing");
    assert_eq!(int(&d, 0, 3), 0, "no model in use in any month");
    let scored = q(&t, "select count(*) from model_scores");
    assert_eq!(int(&scored, 0, 0), 0, "nobody scored");
    let html = latest_report(&t);
    assert!(
        html.contains("ikke ramte bedre end blot at gætte"),
        "the report says why"
    );
    assert!(html.contains("ingen borgere i månedens kohorte fik en vurdering"));
}
