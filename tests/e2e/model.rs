//! The model registry after a backfill: every trained version has a recorded
//! champion/challenger decision, and each cohort was scored by the model that was
//! in use in its month.

use jobcockpit::store::query_table;

use crate::helpers::shared_app;

#[test]
fn every_cohort_is_scored_by_the_champion_of_its_month() {
    let t = shared_app();
    let conn = t.app.store.lock();
    let counts = query_table(
        &conn,
        "select (select count(*) from model_versions), (select count(*) from model_decisions),
                (select count(*) from model_decisions where promoted),
                (select count(*) from model_validation where method = 'logistic_regression')",
        [],
    )
    .unwrap();
    let c: Vec<i64> = counts.rows[0].iter().map(|v| v.as_i64().unwrap()).collect();
    assert!(c[0] >= 10, "a model each month once cohorts mature: {c:?}");
    assert_eq!(c[0], c[1], "one decision per trained version");
    assert!(c[2] >= 1 && c[2] <= c[1], "{c:?}");
    assert_eq!(
        c[3], c[0],
        "the logistic-regression baseline is computed for every version"
    );

    let mismatched = query_table(
        &conn,
        "with champion_by_month as (
             select run_month, champion_after from model_decisions
         ),
         used as (
             select distinct s.cohort_month, s.model_version from model_scores s
         )
         select u.cohort_month, u.model_version,
             (select d.champion_after from champion_by_month d
              where d.run_month <= u.cohort_month order by d.run_month desc limit 1) as champion
         from used u
         where u.model_version is distinct from champion",
        [],
    )
    .unwrap();
    assert!(
        mismatched.rows.is_empty(),
        "scored by a model not in use: {:?}",
        mismatched.rows
    );
}

#[test]
fn the_tree_beats_both_baselines_on_validation_on_average() {
    let t = shared_app();
    let conn = t.app.store.lock();
    let r = query_table(
        &conn,
        "select method, avg(brier), avg(auc) from model_validation group by method order by method",
        [],
    )
    .unwrap();
    let get = |m: &str| {
        r.rows
            .iter()
            .find(|row| row[0] == jobcockpit::table::Cell::Text(m.into()))
            .unwrap()
            .clone()
    };
    let (tree, base) = (get("tree"), get("base_rate"));
    assert!(
        tree[1].as_f64().unwrap() < base[1].as_f64().unwrap(),
        "Brier: tree {tree:?} vs base rate {base:?}"
    );
    assert!(
        tree[2].as_f64().unwrap() > 0.6,
        "AUC of the tree on validation: {tree:?}"
    );
}
