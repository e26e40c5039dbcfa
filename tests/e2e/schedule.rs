//! The schedule on a controlled clock against the real app and store: a tick runs
//! its month's pipeline once and a second tick never; a tick missed while the
//! server was down is caught up at the next start.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use jobcockpit::schedule::Decision;
use jobcockpit::store::query_table;
use jobcockpit::synth::SynthConfig;

use crate::helpers::{backfilled_app_with, small_synth};

fn month(y: i32, m: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, 1).unwrap()
}

fn cph(y: i32, mo: u32, d: u32, h: u32) -> DateTime<Utc> {
    chrono_tz::Europe::Copenhagen
        .with_ymd_and_hms(y, mo, d, h, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn a_tick_runs_the_pipeline_once_and_a_missed_tick_is_caught_up_at_start() {
    // One year of deliveries; November and December held back from the backfill
    // (as if they arrived while the server was down).
    let held = tempfile::tempdir().unwrap();
    let held_path = held.path().to_path_buf();
    let t = backfilled_app_with(
        &SynthConfig {
            years: 1,
            population: 8_000,
            ..small_synth()
        },
        |_| {},
        |inbox| {
            for m in ["2019-11", "2019-12"] {
                std::fs::rename(inbox.join(m), held_path.join(m)).unwrap();
            }
        },
    );
    let inbox = t.app.settings.inbox_dir();
    for m in ["2019-11", "2019-12"] {
        std::fs::rename(held.path().join(m), inbox.join(m)).unwrap();
    }

    // The server starts on 20 December: the tick of 5 December (November) was
    // missed and its delivery is there, so it is run now.
    assert_eq!(
        t.app.catch_up(cph(2019, 12, 20, 12)),
        Decision::Ran(month(2019, 11))
    );
    // The tick of 5 January runs December; the same tick again, and a restart
    // the day after, run nothing.
    assert_eq!(
        t.app.scheduled_tick(cph(2020, 1, 5, 6)),
        Decision::Ran(month(2019, 12))
    );
    assert_eq!(
        t.app.scheduled_tick(cph(2020, 1, 5, 6)),
        Decision::AlreadyRun(month(2019, 12))
    );
    assert_eq!(
        t.app.catch_up(cph(2020, 1, 6, 9)),
        Decision::AlreadyRun(month(2019, 12))
    );

    let runs = query_table(
        &t.app.store.lock(),
        "select strftime(run_month, '%Y-%m'), trigger, status from pipeline_runs \
         where run_month >= date '2019-11-01' order by started_at",
        [],
    )
    .unwrap();
    let rows: Vec<Vec<String>> = runs
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    jobcockpit::table::Cell::Text(s) => s.clone(),
                    other => panic!("{other:?}"),
                })
                .collect()
        })
        .collect();
    assert_eq!(
        rows,
        [
            ["2019-11", "schedule:indhentet", "succeeded"],
            ["2019-12", "schedule", "succeeded"],
        ]
    );
}
