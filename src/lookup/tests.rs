//! The look-up against a small store written by hand: who is found, who gets the
//! neutral answer, the score shown is the score stored, and judgements are
//! stored once per ticket.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::*;
use crate::encryption::EncryptionKey;
use crate::model::tree::TreeNode;
use crate::pseudonym::Cpr;

const OPEN: &str = "010190-1233";
const CLOSED_RECENTLY: &str = "020290-1234";
const CLOSED_LONG_AGO: &str = "030390-1235";
const UNKNOWN: &str = "040490-1236";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
}

fn pseudo() -> Pseudonymiser {
    Pseudonymiser::new(vec![9; 32]).unwrap()
}

/// A store with one delivery (2024-06) and three citizens: one with an open,
/// scored spell; one whose spell ended in May 2024; one whose ended in 2022.
fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let key = EncryptionKey::from_hex(&"cd".repeat(32)).unwrap();
    let store = Store::open(&dir.path().join("s.duckdb"), &key).unwrap();
    let p = |cpr: &str| pseudo().pseudonym(&Cpr::parse(cpr).unwrap());
    let tree = serde_json::to_string(&vec![
        TreeNode {
            output: 0,
            n_node_samples: 0,
            split_feature: 1,
            split_value: Some(29.5),
            true_child: Some(1),
            false_child: Some(2),
        },
        TreeNode {
            output: 0,
            n_node_samples: 0,
            split_feature: 0,
            split_value: None,
            true_child: None,
            false_child: None,
        },
        TreeNode {
            output: 0,
            n_node_samples: 0,
            split_feature: 0,
            split_value: None,
            true_child: None,
            false_child: None,
        },
    ])
    .unwrap();
    {
        let conn = store.lock();
        conn.execute_batch(
            "insert into load_batches (batch_id, batch_month, source_dir, file_checksums, rows_loaded, loaded_at, duration_ms)
             values ('b1', date '2024-06-01', 'x', '{}', 1, timestamp '2024-07-01 00:00:00', 1);
             insert into pipeline_runs (run_id, run_month, trigger, started_at, status)
             values ('r1', date '2024-03-01', 'cli', timestamp '2024-04-05 06:00:00', 'succeeded');",
        )
        .unwrap();
        for (cpr, spell, end) in [
            (OPEN, "s-open", None),
            (CLOSED_RECENTLY, "s-recent", Some("2024-05-10")),
            (CLOSED_LONG_AGO, "s-old", Some("2022-01-31")),
        ] {
            conn.execute(
                "insert into raw_spells (batch_id, spell_id, person_id, target_group, start_date, end_date)
                 values ('b1', ?, ?, 'dagpenge', date '2021-06-01', ?::date)",
                duckdb::params![spell, p(cpr), end],
            )
            .unwrap();
            conn.execute(
                "insert into raw_interviews (batch_id, interview_id, spell_id, person_id, interview_date, seq, team)
                 values ('b1', ? || '-2', ?, ?, date '2024-03-12', 2, 'Team Nord')",
                duckdb::params![spell, spell, p(cpr)],
            )
            .unwrap();
        }
        conn.execute_batch(&format!(
            "insert into model_versions (version, trained_in_run, run_month, train_from, train_to, n_train,
                base_rate, params, features, tree, created_at)
             values ('v1', 'r0', date '2024-03-01', date '2021-01-01', date '2023-03-01', 1000, 0.4, '{{}}',
                '[\"driving_licence\", \"age\"]', '{tree}', timestamp '2024-04-05 06:00:00');
             insert into model_leaves (version, leaf_id, rule, n, n_pos, probability, ci_low, ci_high)
             values ('v1', 1, 'Alder ≤ 29,5', 341, 246, 0.7187, 0.67, 0.77),
                    ('v1', 2, 'Alder > 29,5', 659, 154, 0.2391, 0.21, 0.27);
             insert into model_scores (spell_id, person_id, cohort_month, model_version, probability, risk_band, leaf_id, scored_in_run)
             values ('s-open', '{}', date '2024-03-01', 'v1', 0.7187, 'hoej', 1, 'r1');
             insert into model_validation (version, method, n, accuracy, accuracy_ci_low, accuracy_ci_high)
             values ('v1', 'tree', 900, 0.74, 0.71, 0.77), ('v1', 'base_rate', 900, 0.60, 0.57, 0.63);",
            p(OPEN)
        ))
        .unwrap();
    }
    (dir, store)
}

fn lookup(store: &Store, per_hour: u32) -> Lookup {
    let labels = HashMap::from([
        ("age".to_string(), "Alder".to_string()),
        ("driving_licence".to_string(), "Kørekort".to_string()),
    ]);
    Lookup::open(
        store,
        pseudo(),
        LookupSettings::new(per_hour, per_hour.min(3), 3).unwrap(),
        labels,
        (0.30, 0.60),
    )
    .unwrap()
}

fn ask<'a>(user: &'a str, cpr: &'a str) -> Asked<'a> {
    Asked {
        user,
        cpr,
        purpose: Some("jobplan"),
        with_ticket: true,
    }
}

#[test]
fn an_open_spell_is_found_with_the_stored_score_and_its_explanation() {
    let (_dir, store) = store();
    let l = lookup(&store, 60);
    let out = l.find(ask("anna", OPEN), today()).unwrap();
    let Answer::Found(found) = out.answer else {
        panic!("{:?}", out.answer)
    };
    assert_eq!(found.masked, "010190-****");
    let score = found.score.as_ref().unwrap();
    assert_eq!(
        score.probability, 0.7187,
        "the stored score, not a recomputed one"
    );
    assert_eq!(score.risk_band, "hoej");
    assert_eq!(score.comparison_n, 341);
    assert_eq!(score.inputs_used, vec!["Alder"]);
    assert_eq!(score.inputs_all, vec!["Kørekort", "Alder"]);
    assert_eq!(score.run_month, NaiveDate::from_ymd_opt(2024, 3, 1));
    assert_eq!(score.accuracy.unwrap().accuracy, 0.74);
    assert_eq!(score.accuracy_guess.unwrap().accuracy, 0.60);
    assert!(found.ticket.is_some());
    assert!(out.audit.contains("fundet med score") && out.audit.contains("jobplan"));
    assert!(!out.audit.contains("010190"), "{}", out.audit);
}

#[test]
fn unknown_and_long_closed_numbers_get_the_same_neutral_answer() {
    let (_dir, store) = store();
    let l = lookup(&store, 60);
    for cpr in [UNKNOWN, CLOSED_LONG_AGO] {
        let out = l.find(ask("anna", cpr), today()).unwrap();
        assert!(
            matches!(out.answer, Answer::Neutral { .. }),
            "{cpr}: {:?}",
            out.answer
        );
        assert!(out.audit.contains("svar: neutralt"));
    }
    // Closed within three months of the newest delivery: still found.
    let out = l.find(ask("anna", CLOSED_RECENTLY), today()).unwrap();
    let Answer::Found(found) = out.answer else {
        panic!("{:?}", out.answer)
    };
    assert!(found.score.is_none() && found.ticket.is_none());
}

#[test]
fn a_missing_purpose_or_a_bad_number_is_refused_before_anything_is_read() {
    let (_dir, store) = store();
    let l = lookup(&store, 60);
    let mut asked = ask("anna", OPEN);
    asked.purpose = None;
    assert!(matches!(
        l.find(asked, today()).unwrap().answer,
        Answer::Refused(Problem::NoPurpose)
    ));
    asked.purpose = Some("nysgerrighed");
    assert!(matches!(
        l.find(asked, today()).unwrap().answer,
        Answer::Refused(Problem::NoPurpose)
    ));
    let out = l.find(ask("anna", "010190-12"), today()).unwrap();
    assert!(matches!(
        out.answer,
        Answer::Refused(Problem::Cpr(CprProblem::WrongLength(8)))
    ));
    assert!(!out.audit.contains("010190"));
}

#[test]
fn the_look_up_after_the_hourly_limit_is_throttled_and_the_alarm_is_raised_first() {
    let (_dir, store) = store();
    let l = lookup(&store, 4);
    let alarms: Vec<bool> = (0..4)
        .map(|_| l.find(ask("anna", UNKNOWN), today()).unwrap().alarm)
        .collect();
    assert_eq!(alarms, [false, false, true, true], "alarm from the 3rd");
    let out = l.find(ask("anna", OPEN), today()).unwrap();
    assert!(
        matches!(out.answer, Answer::Throttled(60)),
        "{:?}",
        out.answer
    );
    assert!(matches!(
        l.find(ask("bo", OPEN), today()).unwrap().answer,
        Answer::Found(_)
    ));
}

fn judgements(store: &Store) -> i64 {
    crate::store::count_rows(&store.lock(), "lookup_judgements").unwrap()
}

#[test]
fn a_judgement_is_stored_once_per_ticket_and_only_by_its_user() {
    let (_dir, store) = store();
    let l = lookup(&store, 60);
    let Answer::Found(found) = l.find(ask("anna", OPEN), today()).unwrap().answer else {
        panic!()
    };
    let ticket = found.ticket.clone().unwrap();
    let form = JudgementForm {
        ticket: &ticket,
        own_assessment: Some("mellem"),
        agreement: Some("uenig"),
        reason: Some("helbred"),
        note: Some("Har fået et konkret tilbud om praktik."),
    };
    assert_eq!(l.record("bo", &form).unwrap(), Recorded::StaleTicket);
    let bad = JudgementForm {
        note: Some("hendes nummer er 0101901233"),
        ..form.clone()
    };
    assert_eq!(
        l.record("anna", &bad).unwrap(),
        Recorded::Refused(Problem::Note(NoteProblem::CprLike))
    );
    let missing = JudgementForm {
        reason: None,
        ..form.clone()
    };
    assert_eq!(
        l.record("anna", &missing).unwrap(),
        Recorded::Refused(Problem::NoReason)
    );
    assert_eq!(judgements(&store), 0, "nothing stored by a refused form");
    assert_eq!(l.record("anna", &form).unwrap(), Recorded::Stored);
    assert_eq!(
        l.record("anna", &form).unwrap(),
        Recorded::StaleTicket,
        "replayed"
    );
    assert_eq!(judgements(&store), 1);

    // A later judgement of the same spell is a new row, the first untouched.
    let Answer::Found(again) = l.find(ask("anna", OPEN), today()).unwrap().answer else {
        panic!()
    };
    let second = JudgementForm {
        ticket: again.ticket.as_deref().unwrap(),
        own_assessment: Some("hoej"),
        agreement: Some("enig"),
        reason: Some("andet"),
        note: None,
    };
    assert_eq!(l.record("anna", &second).unwrap(), Recorded::Stored);
    let rows = crate::store::query_table(
        &store.lock(),
        "select own_assessment, agreement, model_probability, model_version, spell_id
         from lookup_judgements order by recorded_at, own_assessment desc",
        [],
    )
    .unwrap();
    assert_eq!(rows.rows.len(), 2);
    assert_eq!(rows.rows[0][0], crate::table::Cell::Text("mellem".into()));
    assert_eq!(rows.rows[1][0], crate::table::Cell::Text("hoej".into()));
    assert_eq!(rows.rows[0][2].as_f64(), Some(0.7187));
}
