//! No feature can see a row dated after the 2nd interview: every person's data
//! after their first reference date is deleted, the features are rebuilt, and
//! the feature rows of those first spells must be identical.

use jobcockpit::store::{self, query_table, run_file};
use jobcockpit::table::Table;

use jobcockpit::synth::SynthConfig;

use crate::helpers::{backfilled_app, small_synth};

const FIRST_SPELLS: &str = "select * from feat_features f
    where (f.person_id, f.reference_date) in (select person_id, min(reference_date) from feat_features group by all)
    order by spell_id";

fn rebuild_features(conn: &duckdb::Connection) {
    for f in store::STAGING.iter().chain(store::FEATURES) {
        run_file(conn, f).unwrap();
    }
}

#[test]
fn no_feature_sees_a_row_dated_after_the_second_interview() {
    // Its own store: this test deletes rows.
    let t = backfilled_app(&SynthConfig {
        years: 3,
        ..small_synth()
    });
    let conn = t.app.store.lock();
    let before: Table = query_table(&conn, FIRST_SPELLS, []).unwrap();
    assert!(
        before.rows.len() > 1000,
        "enough spells to mean something: {}",
        before.rows.len()
    );

    conn.execute_batch(
        "create temp table firsts as
             select person_id, min(reference_date) as d, min(cohort_month) as c from feat_features group by all;
         delete from raw_status r using firsts f where r.person_id = f.person_id and r.month >= f.c;
         delete from raw_cvs r using firsts f where r.person_id = f.person_id and r.registered_date > f.d;
         delete from raw_interviews r using firsts f
             where r.person_id = f.person_id and r.interview_date > f.d;
         delete from raw_spells r using firsts f where r.person_id = f.person_id and r.start_date > f.d;
         update raw_spells r set end_date = null from firsts f where r.person_id = f.person_id and r.end_date > f.d;
         delete from raw_programmes r using firsts f where r.person_id = f.person_id and r.start_date > f.d;",
    )
    .unwrap();
    let removed: i64 = conn
        .query_row(
            "select count(*) from raw_status r join firsts f using (person_id) where r.month >= f.c",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(removed, 0, "the future is gone");
    rebuild_features(&conn);
    let after = query_table(&conn, FIRST_SPELLS, []).unwrap();
    assert_eq!(before.columns, after.columns);
    assert_eq!(before.rows.len(), after.rows.len(), "the same first spells");
    for (b, a) in before.rows.iter().zip(&after.rows) {
        assert_eq!(b, a, "a feature changed when later data was removed");
    }
}
