//! A corrected re-delivery of a month replaces exactly that month.

use super::tests::{pseudo, staging, temp_store, write_delivery};
use super::*;
use crate::store::query_table;
use crate::table::{Cell, Table};

const A: &str = "010190-1233";
const B: &str = "020285-2346";
const C: &str = "150375-3451";

fn status(cpr: &str, month: &str, status: &str) -> String {
    format!("{cpr};01-{month};{status}")
}

/// The rows of a staging table whose column `col` is `value`.
fn rows_where(t: &Table, col: &str, value: &str) -> Vec<Vec<Cell>> {
    let i = t.column_index(col).unwrap();
    t.rows
        .iter()
        .filter(|r| format!("{:?}", r[i]).contains(value))
        .cloned()
        .collect()
}

#[test]
fn a_corrected_month_replaces_exactly_that_month_and_the_supersession_is_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let (old_root, new_root) = (tmp.path().join("first"), tmp.path().join("corrected"));
    let (_s, store) = temp_store();
    let p = pseudo();
    let load = |dir: &std::path::Path| load_batch(&store, dir, &p, 0.0).unwrap();

    let feb = write_delivery(
        &old_root,
        "2024-02",
        &[
            (
                "borgere.csv",
                &[
                    &format!("{A};7100;Midtby;dansk"),
                    &format!("{B};7130;Nørrevang;dansk"),
                ],
            ),
            (
                "ydelsesforloeb.csv",
                &[
                    &format!("F1;{A};dagpenge;05-02-2024;"),
                    &format!("F2;{B};dagpenge;06-02-2024;"),
                ],
            ),
            (
                "status.csv",
                &[
                    &status(A, "02-2024", "ydelse"),
                    &status(B, "02-2024", "ydelse"),
                ],
            ),
        ],
    );
    // C is new in March, so March also carries C's register history (one month
    // of it here).
    let march_rows = [
        status(A, "03-2024", "ydelse"),
        status(B, "03-2024", "beskaeftiget"),
        status(C, "03-2024", "ydelse"),
        status(C, "02-2024", "beskaeftiget"),
    ];
    let march = write_delivery(
        &old_root,
        "2024-03",
        &[
            ("borgere.csv", &[&format!("{C};7160;Østerhøj;dansk")]),
            (
                "ydelsesforloeb.csv",
                &[&format!("F3;{C};dagpenge;04-03-2024;")],
            ),
            (
                "samtaler.csv",
                &[&format!("S1;F1;{A};05-03-2024;1;Team Midt")],
            ),
            (
                "status.csv",
                &[
                    &march_rows[0],
                    &march_rows[1],
                    &march_rows[2],
                    &march_rows[3],
                ],
            ),
        ],
    );
    let april = write_delivery(
        &old_root,
        "2024-04",
        &[(
            "status.csv",
            &[
                &status(A, "04-2024", "ydelse"),
                &status(B, "04-2024", "beskaeftiget"),
                &status(C, "04-2024", "ydelse"),
            ],
        )],
    );
    for dir in [&feb, &march, &april] {
        let r = load(dir);
        assert!(r.supersedes.is_none());
    }
    let before = staging(&store, "2024-04-01", "stg_status");
    let interviews_before = staging(&store, "2024-04-01", "stg_interviews");
    assert_eq!(before.rows.len(), 9);
    assert_eq!(interviews_before.rows.len(), 1);

    // The correction: A's March status changes, C's history row and the
    // interview are dropped. (B's March row stays: every known citizen has a
    // status every month, so a correction without it is refused.)
    let corrected = write_delivery(
        &new_root,
        "2024-03",
        &[
            ("borgere.csv", &[&format!("{C};7160;Østerhøj;dansk")]),
            (
                "ydelsesforloeb.csv",
                &[&format!("F3;{C};dagpenge;04-03-2024;")],
            ),
            (
                "status.csv",
                &[&status(A, "03-2024", "syg"), &march_rows[1], &march_rows[2]],
            ),
        ],
    );
    let dry = dry_run(&store, &corrected, &p, 0.0).unwrap();
    let old_batch = load_batch(&store, &march, &p, 0.0).unwrap().batch_id;
    assert_eq!(
        dry.supersedes.as_ref().map(|s| s.batch_id.as_str()),
        Some(old_batch.as_str())
    );
    let r = load(&corrected);
    let replaced = r
        .supersedes
        .expect("the corrected month replaces the first delivery");
    assert_eq!(replaced.batch_id, old_batch);
    assert_eq!(
        replaced.rows, 7,
        "citizen, spell, interview and four status rows"
    );

    let after = staging(&store, "2024-04-01", "stg_status");
    let id = |cpr: &str| p.pseudonym(&crate::pseudonym::Cpr::parse(cpr).unwrap());
    let march_after = rows_where(&after, "month", "2024-03");
    assert_eq!(march_after.len(), 3, "{march_after:?}");
    assert!(rows_where(&after, "person_id", &id(A))
        .iter()
        .any(|r| format!("{r:?}").contains("syg")));
    let feb_after = rows_where(&after, "month", "2024-02");
    let feb_text = format!("{feb_after:?}");
    assert_eq!(
        feb_after.len(),
        2,
        "C's history row dropped in the correction is gone: {feb_text}"
    );
    assert!(!feb_text.contains(&id(C)), "{feb_text}");
    assert_eq!(
        rows_where(&before, "month", "2024-04"),
        rows_where(&after, "month", "2024-04"),
        "April is untouched"
    );
    assert!(
        staging(&store, "2024-04-01", "stg_interviews")
            .rows
            .is_empty(),
        "the interview dropped in the correction is gone"
    );
    // Point in time: a run for February still sees no March data at all.
    assert!(rows_where(
        &staging(&store, "2024-02-01", "stg_status"),
        "month",
        "2024-03"
    )
    .is_empty());
    assert_eq!(
        rows_where(
            &staging(&store, "2024-03-01", "stg_status"),
            "month",
            "2024-03"
        ),
        march_after
    );

    // The ledger records which batch replaced which; the old rows are kept for audit.
    let conn = store.lock();
    let ledger = query_table(
        &conn,
        "select old_batch_id, new_batch_id, batch_month::varchar, rows_replaced, rows_new from batch_supersessions",
        [],
    )
    .unwrap();
    assert_eq!(
        ledger.rows,
        vec![vec![
            Cell::Text(old_batch.clone()),
            Cell::Text(r.batch_id.clone()),
            Cell::Text("2024-03-01".into()),
            Cell::Int(7),
            Cell::Int(5),
        ]]
    );
    let superseded_by: Option<String> = conn
        .query_row(
            "select superseded_by from load_batches where batch_id = ?",
            [&old_batch],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(superseded_by, Some(r.batch_id.clone()));
    let kept: i64 = conn
        .query_row(
            "select count(*) from raw_status where batch_id = ?",
            [&old_batch],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept, 4);
    drop(conn);

    // The same correction again, or the first delivery again: nothing is loaded.
    let again = load(&corrected);
    assert!(again.already_loaded && again.supersedes.is_none());
    let first_again = load(&march);
    assert!(first_again.already_loaded);
    assert_eq!(first_again.superseded_by, Some(r.batch_id.clone()));
    let count: i64 = store
        .lock()
        .query_row("select count(*) from load_batches", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 4);
    assert_eq!(staging(&store, "2024-04-01", "stg_status"), after);
}

#[test]
fn a_correction_cannot_lean_on_citizens_delivered_only_in_later_months() {
    let tmp = tempfile::tempdir().unwrap();
    let (_s, store) = temp_store();
    let p = pseudo();
    let march = write_delivery(
        &tmp.path().join("a"),
        "2024-03",
        &[
            ("borgere.csv", &[&format!("{A};7100;Midtby;dansk")]),
            ("status.csv", &[&status(A, "03-2024", "ydelse")]),
        ],
    );
    let april = write_delivery(
        &tmp.path().join("a"),
        "2024-04",
        &[
            ("borgere.csv", &[&format!("{B};7100;Midtby;dansk")]),
            (
                "status.csv",
                &[
                    &status(A, "04-2024", "ydelse"),
                    &status(B, "04-2024", "ydelse"),
                ],
            ),
        ],
    );
    load_batch(&store, &march, &p, 0.0).unwrap();
    load_batch(&store, &april, &p, 0.0).unwrap();
    // A March correction with a status for B, who was first delivered in April.
    let corrected = write_delivery(
        &tmp.path().join("b"),
        "2024-03",
        &[
            ("borgere.csv", &[&format!("{A};7100;Midtby;dansk")]),
            (
                "status.csv",
                &[
                    &status(A, "03-2024", "ydelse"),
                    &status(B, "03-2024", "ydelse"),
                ],
            ),
        ],
    );
    let r = dry_run(&store, &corrected, &p, 1.0).unwrap();
    assert_eq!(r.quarantined.len(), 1, "{:?}", r.quarantined);
    assert!(r.quarantined[0].reason.contains("borgeren findes ikke"));
    assert_eq!(r.quarantined[0].value, "020285-****");
}

#[test]
fn loading_months_together_gives_what_loading_them_one_by_one_gives() {
    let tmp = tempfile::tempdir().unwrap();
    let p = pseudo();
    let feb = write_delivery(
        tmp.path(),
        "2024-02",
        &[
            ("borgere.csv", &[&format!("{A};7100;Midtby;dansk")]),
            ("status.csv", &[&status(A, "02-2024", "ydelse")]),
        ],
    );
    let march = write_delivery(
        tmp.path(),
        "2024-03",
        &[
            ("borgere.csv", &[&format!("{B};7100;Midtby;dansk")]),
            (
                "status.csv",
                &[
                    &status(A, "03-2024", "syg"),
                    &status(B, "03-2024", "ydelse"),
                ],
            ),
        ],
    );
    let (_a, one_by_one) = temp_store();
    for dir in [&feb, &march] {
        load_batch(&one_by_one, dir, &p, 0.0).unwrap();
    }
    let (_b, together) = temp_store();
    let opts = LoadOptions {
        max_bad_share: 0.0,
        max_incomplete_history_share: 1.0,
        dry_run: false,
        progress: &NoProgress,
    };
    let threshold = |s: &Store| -> String {
        s.lock()
            .query_row("select current_setting('checkpoint_threshold')", [], |r| {
                r.get(0)
            })
            .unwrap()
    };
    let default_threshold = threshold(&together);
    let mut months = Vec::new();
    load_many(
        &together,
        &[feb.clone(), march.clone()],
        &p,
        &opts,
        |_, r| {
            months.push(r.month);
            true
        },
    )
    .unwrap();
    assert_eq!(months.len(), 2);
    // The larger checkpoint threshold of a bulk load is undone, and the months
    // are folded into the file: the WAL is empty.
    assert_eq!(threshold(&together), default_threshold);
    let wal = std::path::PathBuf::from(format!("{}.wal", together.path().display()));
    assert!(
        std::fs::metadata(&wal).map_or(0, |m| m.len()) == 0,
        "the WAL still holds {:?} bytes",
        std::fs::metadata(&wal).map(|m| m.len())
    );
    assert_eq!(
        staging(&one_by_one, "2024-03-01", "stg_status"),
        staging(&together, "2024-03-01", "stg_status")
    );
    // A refused month stops the load there; the months before it stay loaded.
    std::fs::write(march.join("status.csv"), "cpr;maaned\r\n").unwrap();
    let (_c, stopped) = temp_store();
    let err = load_many(&stopped, &[feb, march], &p, &opts, |_, _| true).unwrap_err();
    assert!(err.is_rejection(), "{err}");
    assert_eq!(threshold(&stopped), default_threshold);
    let n: i64 = stopped
        .lock()
        .query_row("select count(*) from load_batches", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn months_loaded_together_see_the_citizens_of_a_correction_loaded_with_them() {
    let tmp = tempfile::tempdir().unwrap();
    let p = pseudo();
    let (_s, store) = temp_store();
    let opts = LoadOptions {
        max_bad_share: 0.5,
        max_incomplete_history_share: 1.0,
        dry_run: false,
        progress: &NoProgress,
    };
    let citizen = |cpr: &str| format!("{cpr};7100;Midtby;dansk");
    let feb = write_delivery(
        &tmp.path().join("a"),
        "2024-02",
        &[
            ("borgere.csv", &[&citizen(A)]),
            ("status.csv", &[&status(A, "02-2024", "ydelse")]),
        ],
    );
    let march = write_delivery(
        &tmp.path().join("a"),
        "2024-03",
        &[
            ("borgere.csv", &[&citizen(B)]),
            (
                "status.csv",
                &[
                    &status(A, "03-2024", "ydelse"),
                    &status(B, "03-2024", "ydelse"),
                ],
            ),
        ],
    );
    load_many(&store, &[feb.clone(), march], &p, &opts, |_, _| true).unwrap();
    // March corrected (C instead of B), then April with statuses for A, B and C.
    let corrected = write_delivery(
        &tmp.path().join("b"),
        "2024-03",
        &[
            ("borgere.csv", &[&citizen(C)]),
            (
                "status.csv",
                &[
                    &status(A, "03-2024", "ydelse"),
                    &status(C, "03-2024", "ydelse"),
                ],
            ),
        ],
    );
    let april = write_delivery(
        &tmp.path().join("b"),
        "2024-04",
        &[(
            "status.csv",
            &[
                &status(A, "04-2024", "ydelse"),
                &status(B, "04-2024", "ydelse"),
                &status(C, "04-2024", "ydelse"),
            ],
        )],
    );
    let mut reports = Vec::new();
    load_many(&store, &[feb, corrected, april], &p, &opts, |_, r| {
        reports.push(r.clone());
        true
    })
    .unwrap();
    assert!(reports[0].already_loaded);
    assert!(reports[1].supersedes.is_some());
    let q = &reports[2].quarantined;
    assert_eq!(
        q.len(),
        1,
        "only B, dropped in the correction, is unknown: {q:?}"
    );
    assert_eq!(q[0].value, "020285-****");
}

/// The store's ledger and raw tables, to compare before and after a refusal.
fn store_state(store: &Store) -> Vec<Table> {
    let conn = store.lock();
    [
        "select batch_id, batch_month::varchar, superseded_by from load_batches order by all",
        "select count(*) from batch_supersessions",
        "select batch_id, count(*) from raw_citizens group by all order by all",
        "select batch_id, count(*) from raw_spells group by all order by all",
        "select batch_id, count(*) from raw_interviews group by all order by all",
        "select batch_id, count(*) from raw_programmes group by all order by all",
        "select batch_id, count(*) from raw_status group by all order by all",
        "select batch_id, count(*) from raw_quarantine group by all order by all",
    ]
    .iter()
    .map(|sql| query_table(&conn, sql, []).unwrap())
    .collect()
}

#[test]
fn a_correction_that_drops_a_citizen_later_months_use_is_refused_and_nothing_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let (_s, store) = temp_store();
    let p = pseudo();
    let citizen = |cpr: &str| format!("{cpr};7100;Midtby;dansk");
    let feb = write_delivery(
        &tmp.path().join("first"),
        "2024-02",
        &[
            ("borgere.csv", &[&citizen(A), &citizen(B)]),
            (
                "ydelsesforloeb.csv",
                &[
                    &format!("F1;{A};dagpenge;05-02-2024;"),
                    &format!("F2;{B};dagpenge;06-02-2024;"),
                ],
            ),
            (
                "status.csv",
                &[
                    &status(A, "02-2024", "ydelse"),
                    &status(B, "02-2024", "ydelse"),
                ],
            ),
        ],
    );
    // March names B and B's spell: an interview, a programme, a CV, a status.
    let march = write_delivery(
        &tmp.path().join("first"),
        "2024-03",
        &[
            (
                "samtaler.csv",
                &[&format!("S1;F2;{B};05-03-2024;1;Team Midt")],
            ),
            ("cv.csv", &[&format!("{B};06-03-2024;gymnasial;4,0;;nej")]),
            (
                "indsatser.csv",
                &[&format!(
                    "I1;F2;{B};virksomhedspraktik;18-03-2024;30-05-2024"
                )],
            ),
            (
                "status.csv",
                &[
                    &status(A, "03-2024", "ydelse"),
                    &status(B, "03-2024", "ydelse"),
                ],
            ),
        ],
    );
    load_batch(&store, &feb, &p, 0.0).unwrap();
    load_batch(&store, &march, &p, 0.0).unwrap();
    let before = store_state(&store);

    // February corrected without B (citizen, spell and status).
    let corrected = write_delivery(
        &tmp.path().join("corrected"),
        "2024-02",
        &[
            ("borgere.csv", &[&citizen(A)]),
            (
                "ydelsesforloeb.csv",
                &[&format!("F1;{A};dagpenge;05-02-2024;")],
            ),
            ("status.csv", &[&status(A, "02-2024", "ydelse")]),
        ],
    );
    // The dry run refuses what the load refuses, and leaves the store as it was too.
    let dry = dry_run(&store, &corrected, &p, 0.0).unwrap_err();
    assert!(
        matches!(dry, IngestError::CorrectionOrphans { .. }),
        "{dry}"
    );
    assert_eq!(store_state(&store), before);
    let err = load_batch(&store, &corrected, &p, 0.0).unwrap_err();
    assert!(err.is_rejection(), "{err}");
    let IngestError::CorrectionOrphans { rows, .. } = &err else {
        panic!("not refused as orphaning later rows: {err}");
    };
    let named: Vec<(&str, &str, &str, i64, Vec<String>)> = rows
        .iter()
        .map(|r| {
            (
                r.month.as_str(),
                r.file.as_str(),
                r.column.as_str(),
                r.rows,
                r.examples.clone(),
            )
        })
        .collect();
    let f2 = || vec!["F2".to_string()];
    assert_eq!(
        named,
        vec![
            ("2024-03", "cv.csv", "cpr", 1, vec![]),
            ("2024-03", "indsatser.csv", "cpr", 1, vec![]),
            ("2024-03", "indsatser.csv", "forloeb_id", 1, f2()),
            ("2024-03", "samtaler.csv", "cpr", 1, vec![]),
            ("2024-03", "samtaler.csv", "forloeb_id", 1, f2()),
            ("2024-03", "status.csv", "cpr", 1, vec![]),
        ]
    );
    let text = err.to_string();
    for part in [
        "rettelsen",
        "2024-02 blev afvist",
        "2024-03: status.csv, 1 række henviser til en borger, som rettelsen fjerner",
        "2024-03: samtaler.csv, 1 række henviser til et forløb, som rettelsen fjerner (fx F2)",
        "Intet er indlæst",
        "Lever også de senere måneder igen",
    ] {
        assert!(text.contains(part), "{part:?} not in: {text}");
    }
    let b_id = p.pseudonym(&crate::pseudonym::Cpr::parse(B).unwrap());
    assert!(!text.contains(&b_id) && !text.contains("020285"), "{text}");
    assert_eq!(
        store_state(&store),
        before,
        "a refused correction writes nothing"
    );

    // Kept in the correction, B's rows have their citizen and spell: accepted.
    let kept = write_delivery(
        &tmp.path().join("kept"),
        "2024-02",
        &[
            ("borgere.csv", &[&citizen(A), &citizen(B)]),
            (
                "ydelsesforloeb.csv",
                &[
                    &format!("F1;{A};dagpenge;05-02-2024;"),
                    &format!("F2;{B};kontanthjaelp_jobparat;06-02-2024;"),
                ],
            ),
            (
                "status.csv",
                &[
                    &status(A, "02-2024", "ydelse"),
                    &status(B, "02-2024", "syg"),
                ],
            ),
        ],
    );
    let r = load_batch(&store, &kept, &p, 0.0).unwrap();
    assert!(r.supersedes.is_some());
}
