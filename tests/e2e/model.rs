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

#[test]
fn the_same_data_and_seed_give_the_same_model_byte_for_byte() {
    let t = shared_app();
    let conn = t.app.store.lock();
    let (month, version, tree): (String, String, String) = conn
        .query_row(
            "select strftime(run_month, '%Y-%m-%d'), version, tree from model_versions order by run_month desc limit 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let month = chrono::NaiveDate::parse_from_str(&month, "%Y-%m-%d").unwrap();
    let again = jobcockpit::model::train(&conn, month, &t.app.pipeline, &t.app.policy)
        .unwrap()
        .unwrap();
    assert_eq!(again.version, version);
    assert_eq!(serde_json::to_string(&again.tree.nodes).unwrap(), tree);
}

#[test]
fn the_tree_splits_first_on_the_strongest_drivers_of_the_generator() {
    let t = shared_app();
    let conn = t.app.store.lock();
    let latest: String = conn
        .query_row(
            "select version from model_versions order by run_month desc limit 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let tree = jobcockpit::model::registry::load(&conn, &latest).unwrap();
    let names = t.app.policy.input_names();
    // docs/extracts.md: target group, age, education and prior employment drive the
    // hazard; the root and its children must split on those, not on noise.
    let drivers = [
        "tg_dagpenge",
        "tg_kontanthjaelp_jobparat",
        "tg_kontanthjaelp_aktivitetsparat",
        "tg_uddannelseshjaelp",
        "tg_integrationsydelse",
        "age",
        "education_level",
        "experience_years",
        "months_employed_36",
        "months_benefit_36",
    ];
    let root = &tree.nodes[0];
    assert!(
        drivers.contains(&names[root.split_feature]),
        "root splits on {}",
        names[root.split_feature]
    );
    for child in [root.true_child, root.false_child].into_iter().flatten() {
        let n = &tree.nodes[child];
        if n.true_child.is_some() {
            assert!(
                drivers.contains(&names[n.split_feature]),
                "level 2 splits on {}",
                names[n.split_feature]
            );
        }
    }
}

#[test]
fn every_score_has_a_danish_explanation_from_its_leaf() {
    let t = shared_app();
    let conn = t.app.store.lock();
    let (scores, explained, empty): (i64, i64, i64) = conn
        .query_row(
            "select (select count(*) from model_scores), count(*), count(*) filter (where rule = '' or leaf_n = 0)
             from model_score_explanations",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert!(scores > 0);
    assert_eq!(scores, explained, "every score joins its leaf");
    assert_eq!(
        empty, 0,
        "every leaf used for scoring has a rule and training people"
    );
}

/// `jobcockpit model verify` (issue #18): a demo version refitted from the
/// batches in force at its run month gives its artefact file back byte for byte;
/// a tampered copy of the artefact is caught, naming the line; the store is
/// left as it was.
#[test]
fn a_registered_version_is_refitted_and_its_artefact_matches_byte_for_byte() {
    use jobcockpit::model::verify::{verify, Verdict};
    let t = shared_app();
    let conn = t.app.store.lock();
    let versions: Vec<String> = conn
        .prepare("select version from model_versions order by run_month desc")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let run_month_before: String = conn
        .query_row("select run_month::varchar from run_params", [], |r| {
            r.get(0)
        })
        .unwrap();
    let models = t.app.settings.data_dir.models();
    let k = t.app.settings.disclosure_k.get();
    // The latest version and one from the middle of the backfill.
    for version in [&versions[0], &versions[versions.len() / 2]] {
        let verdict = verify(&conn, version, &t.app.pipeline, &t.app.policy, k, &models).unwrap();
        let stored = std::fs::read_to_string(models.join(format!("{version}.json"))).unwrap();
        assert_eq!(
            verdict,
            Verdict::Identical {
                bytes: stored.len()
            },
            "{version}"
        );
    }
    // A tampered artefact: one leaf count changed.
    let tampered = tempfile::tempdir().unwrap();
    let version = &versions[0];
    let stored = std::fs::read_to_string(models.join(format!("{version}.json"))).unwrap();
    let changed = stored.replacen("\"n_train\": ", "\"n_train\": 1", 1);
    std::fs::write(tampered.path().join(format!("{version}.json")), changed).unwrap();
    let verdict = verify(
        &conn,
        version,
        &t.app.pipeline,
        &t.app.policy,
        k,
        tampered.path(),
    )
    .unwrap();
    let Verdict::Differs { line, why } = verdict else {
        panic!("a tampered artefact passed")
    };
    assert!(line > 1 && why.contains("n_train"), "{why}");
    // Unknown versions are a clear error; the store's run month is untouched.
    let err = verify(
        &conn,
        "1999-01-deadbeef",
        &t.app.pipeline,
        &t.app.policy,
        k,
        &models,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("findes ikke"), "{err}");
    let run_month_after: String = conn
        .query_row("select run_month::varchar from run_params", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(run_month_before, run_month_after);
}
