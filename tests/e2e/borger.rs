//! The caseworker's look-up of one citizen (#14) against the real app: who may look
//! up, the neutral answer, bad numbers, the score shown is the score stored, the
//! judgement form and its ticket, the hourly limit, the JSON form, the oversight
//! marts and their recovery of the synthetic caseworkers' planted accuracy, and
//! that no raw CPR number is left anywhere after a session of look-ups.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use jobcockpit::access::Role;
use jobcockpit::lookup::simulate::{expected_accuracy, Caseworkers};
use jobcockpit::pseudonym::Cpr;
use jobcockpit::store::query_table;
use jobcockpit::synth::SynthConfig;
use jobcockpit::table::Cell;

use crate::helpers::{
    backfilled_app_with, repo_path, spawn_server, user_for, Client, Server, TestApp, PASSWORD,
};

/// Look-ups one user may make in an hour in these tests.
const PER_HOUR: u32 = 40;
const ALARM: u32 = 30;

fn synth() -> SynthConfig {
    SynthConfig {
        seed: 29,
        years: 5,
        population: 20_000,
        ..SynthConfig::default()
    }
}

/// A backfilled municipality whose synthetic caseworkers have judged a share of
/// the scored spells, with the marts rebuilt over their judgements.
fn lookup_app() -> &'static TestApp {
    static APP: OnceLock<TestApp> = OnceLock::new();
    APP.get_or_init(|| {
        let t = backfilled_app_with(
            &synth(),
            |s| {
                s.lookup =
                    jobcockpit::config::LookupSettings::new(PER_HOUR, ALARM, 3).expect("settings")
            },
            |_| {},
        );
        t.app
            .simulate_caseworkers(&Caseworkers::default())
            .expect("synthetic caseworkers");
        t
    })
}

/// Which delivered citizens fall in which case of the look-up.
struct Citizens {
    /// Current spell with a stored score: CPR -> (probability, risk band).
    scored: BTreeMap<String, (f64, String)>,
    /// Current spell without a score yet.
    unscored: Vec<String>,
    /// Every spell ended before the window: the neutral answer.
    closed: Vec<String>,
    /// Well-formed numbers that were never delivered.
    unknown: Vec<String>,
}

fn citizens() -> &'static Citizens {
    static C: OnceLock<Citizens> = OnceLock::new();
    C.get_or_init(|| {
        let t = lookup_app();
        let again = tempfile::tempdir().expect("temp dir");
        jobcockpit::synth::generate(&synth(), again.path()).expect("synth");
        let mut all = BTreeSet::new();
        for month in std::fs::read_dir(again.path()).unwrap() {
            let file = month.unwrap().path().join("borgere.csv");
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            let mut lines = text.lines();
            let header: Vec<&str> = lines
                .next()
                .unwrap()
                .trim_start_matches('\u{feff}')
                .split(';')
                .collect();
            let cpr = header.iter().position(|h| *h == "cpr").unwrap();
            for line in lines {
                all.insert(line.split(';').nth(cpr).unwrap().to_string());
            }
        }
        let by_pseudonym: BTreeMap<String, String> = all
            .iter()
            .map(|c| {
                (
                    t.app.pseudonymiser.pseudonym(&Cpr::parse(c).unwrap()),
                    c.clone(),
                )
            })
            .collect();
        let conn = t.app.store.lock();
        let current = query_table(
            &conn,
            "with cutoff as (
                 select last_day(max(batch_month)) - interval 3 month as c
                 from load_batches where superseded_by is null
             ),
             lookable as (
                 select person_id, spell_id,
                        row_number() over (partition by person_id order by start_date desc, spell_id) as rn
                 from stg_spells
                 where end_date is null or end_date >= (select c from cutoff)
             ),
             firsts as (select person_id, spell_id from lookable where rn = 1),
             scores as (
                 select spell_id, probability, risk_band
                 from model_scores
                 qualify row_number() over (partition by spell_id order by cohort_month desc, model_version desc) = 1
             )
             select f.person_id, s.probability, s.risk_band
             from firsts as f left join scores as s using (spell_id)
             order by f.person_id",
            [],
        )
        .unwrap();
        let closed = query_table(
            &conn,
            "select distinct person_id from stg_spells
             where person_id not in (
                 select person_id from stg_spells
                 where end_date is null
                    or end_date >= (select last_day(max(batch_month)) - interval 3 month
                                    from load_batches where superseded_by is null)
             )
             order by person_id",
            [],
        )
        .unwrap();
        drop(conn);
        let mut c = Citizens {
            scored: BTreeMap::new(),
            unscored: vec![],
            closed: vec![],
            unknown: vec![],
        };
        for row in &current.rows {
            let Cell::Text(p) = &row[0] else { continue };
            let Some(cpr) = by_pseudonym.get(p) else {
                continue;
            };
            match (&row[1], &row[2]) {
                (Cell::Float(prob), Cell::Text(band)) => {
                    c.scored.insert(cpr.clone(), (*prob, band.clone()));
                }
                _ => c.unscored.push(cpr.clone()),
            }
        }
        for row in &closed.rows {
            if let Cell::Text(p) = &row[0] {
                if let Some(cpr) = by_pseudonym.get(p) {
                    c.closed.push(cpr.clone());
                }
            }
        }
        for candidate in [
            "311299-9999",
            "150575-1234",
            "010203-4321",
            "280282-2468",
            "121212-1212",
        ] {
            if !all.contains(candidate) {
                c.unknown.push(candidate.to_string());
            }
        }
        assert!(c.scored.len() >= 20, "{} scored", c.scored.len());
        assert!(!c.closed.is_empty() && !c.unknown.is_empty());
        c
    })
}

async fn server() -> Server {
    let t = tokio::task::spawn_blocking(lookup_app).await.unwrap();
    tokio::task::spawn_blocking(citizens).await.unwrap();
    spawn_server(t.app.clone()).await
}

/// A logged-in client of a test user of its own (the hourly limit is per user).
async fn client(server: &Server, name: &str, role: Role) -> Client {
    let app = &lookup_app().app;
    let _ = app.access.add_user(name, role, Some(PASSWORD));
    let mut c = server.anonymous();
    assert_eq!(c.login(name, PASSWORD).await.status(), 303, "{name}");
    c
}

async fn look_up(c: &Client, path: &str, cpr: &str, purpose: &str) -> (u16, String) {
    let resp = c.post(path, &[("cpr", cpr), ("formaal", purpose)]).await;
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

/// The value of a hidden field in a page.
fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html.find(&marker)? + marker.len();
    Some(html[at..at + html[at..].find('"')?].to_string())
}

fn audit_details(app: &jobcockpit::app::App) -> Vec<(String, String, String, String)> {
    app.access.audit().flush().unwrap();
    let t = query_table(
        &app.store.lock(),
        "select coalesce(username, ''), coalesce(route, ''), outcome, coalesce(detail, '')
         from access_audit order by seq",
        [],
    )
    .unwrap();
    t.rows
        .iter()
        .map(|r| {
            let s = |c: &Cell| match c {
                Cell::Text(s) => s.clone(),
                other => format!("{other:?}"),
            };
            (s(&r[0]), s(&r[1]), s(&r[2]), s(&r[3]))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_caseworkers_and_the_case_system_can_look_up_and_every_refusal_is_audited() {
    let server = server().await;
    let app = &lookup_app().app;
    let (cpr, _) = citizens().scored.iter().next().unwrap();
    for role in Role::ALL {
        let c = server.login(role).await;
        let me = user_for(app, role);
        let (page, body) = look_up(&c, "/borger", cpr, "jobplan").await;
        let (api, _) = look_up(&c, "/api/borger", cpr, "jobplan").await;
        match role {
            Role::Sagsbehandler => {
                assert_eq!(page, 200, "{body}");
                assert_eq!(api, 403);
            }
            Role::Fagsystem => {
                assert_eq!(page, 403);
                assert_eq!(api, 200);
            }
            _ => {
                assert_eq!((page, api), (403, 403), "{role}");
                assert!(body.contains("Ingen adgang") && !body.contains(&cpr[..6]));
            }
        }
        let rows = audit_details(app);
        for route in ["/borger", "/api/borger"] {
            let allowed = matches!(
                (role, route),
                (Role::Sagsbehandler, "/borger") | (Role::Fagsystem, "/api/borger")
            );
            let row = rows
                .iter()
                .rev()
                .find(|(u, r, _, _)| *u == me && r == route)
                .unwrap_or_else(|| panic!("{role} {route} is in the audit log"));
            assert_eq!(
                row.2,
                if allowed { "tilladt" } else { "afvist" },
                "{role} {route}"
            );
        }
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_closed_numbers_get_indistinguishable_answers() {
    let server = server().await;
    let c = client(&server, "e2e-neutral", Role::Sagsbehandler).await;
    let people = citizens();
    let mut answers = Vec::new();
    for cpr in people
        .unknown
        .iter()
        .take(2)
        .chain(people.closed.iter().take(2))
    {
        let (status, body) = look_up(&c, "/borger", cpr, "opfoelgning_2_samtale").await;
        let masked = format!("{}-****", &cpr[..6]);
        assert!(body.contains(&masked), "{cpr}: the masked number is shown");
        assert!(
            !body.contains(cpr.as_str()) && !body.contains(&cpr.replace('-', "")),
            "{cpr}: never the whole number"
        );
        answers.push((status, body.replace(&masked, "MASKERET")));
    }
    for (status, body) in &answers[1..] {
        assert_eq!(*status, answers[0].0);
        assert_eq!(
            body, &answers[0].1,
            "same body apart from the masked number"
        );
    }
    assert_eq!(answers[0].0, 200);
    assert!(answers[0].1.contains("Ingen oplysninger at vise"));
    // The JSON form answers the same way.
    let sys = client(&server, "e2e-neutral-api", Role::Fagsystem).await;
    let mut json = Vec::new();
    for cpr in [&people.unknown[0], &people.closed[0]] {
        let (status, body) = look_up(&sys, "/api/borger", cpr, "jobplan").await;
        json.push((
            status,
            body.replace(&format!("{}-****", &cpr[..6]), "MASKERET"),
        ));
    }
    assert_eq!(json[0], json[1]);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_number_or_a_missing_purpose_is_refused_naming_what_is_wrong() {
    let server = server().await;
    let c = client(&server, "e2e-invalid", Role::Sagsbehandler).await;
    let good = citizens().scored.keys().next().unwrap().clone();
    let cases = [
        ("0101x0-1234", "kun indeholde cifre"),
        ("010190-123", "10 cifre"),
        ("321390-1234", "ikke en dato"),
        ("290200-1234", "århundrede"),
        ("010130-4234", "fremtiden"),
        ("", "Skriv borgerens CPR-nummer"),
    ];
    for (cpr, says) in cases {
        let (status, body) = look_up(&c, "/borger", cpr, "jobplan").await;
        assert_eq!(status, 400, "{cpr}");
        assert!(body.contains(says), "{cpr}: {says}");
        if cpr.len() > 6 {
            assert!(!body.contains(cpr), "{cpr} is not echoed");
            assert!(!body.contains(&cpr[..6]), "{cpr}: not even its date");
        }
    }
    for purpose in ["", "nysgerrighed"] {
        let (status, body) = look_up(&c, "/borger", &good, purpose).await;
        assert_eq!(status, 400);
        assert!(body.contains("Vælg formålet"), "{purpose:?}");
        assert!(!body.contains(&good[..6]));
    }
    let resp = c.post("/borger", &[("cpr", good.as_str())]).await;
    assert_eq!(resp.status(), 400, "no purpose at all");
    server.stop().await;
}

/// The percentage text between two markers of the page.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let at = html.find(start).unwrap_or_else(|| panic!("{start}")) + start.len();
    &html[at..at + html[at..].find(end).unwrap()]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_explanation_shows_the_stored_score_and_the_json_form_carries_it_exactly() {
    let server = server().await;
    let c = client(&server, "e2e-score", Role::Sagsbehandler).await;
    let sys = client(&server, "e2e-score-api", Role::Fagsystem).await;
    for (cpr, (probability, band)) in citizens().scored.iter().take(8) {
        let (status, page) = look_up(&c, "/borger", cpr, "jobplan").await;
        assert_eq!(status, 200, "{page}");
        let shown = jobcockpit::present::format::percent(*probability, 0);
        let score = between(&page, "id=\"score\">", "</p>");
        assert!(score.contains(&shown), "{score} shows {shown}");
        let comparison = between(&page, "id=\"comparison\">", "</p>");
        assert!(
            comparison.contains(&format!("var {shown} (")),
            "{comparison}"
        );
        assert!(page.contains("baggrundsoplysning, ikke en afgørelse"));
        assert!(page.contains("Det ved modellen ikke"));
        assert!(page.contains("name=\"billet\""));
        assert!(
            !page.contains(cpr.as_str()) && !page.contains(&cpr.replace('-', "")),
            "only the masked number"
        );

        let (status, body) = look_up(&sys, "/api/borger", cpr, "jobplan").await;
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["svar"], "fundet");
        // The number as written, parsed exactly: serde_json's default float
        // parser is best-effort and can be one unit in the last place off.
        let after = &body[body.find("\"probability\":").expect("probability") + 14..];
        let written: String = after
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_digit() || ".eE-+".contains(*c))
            .collect();
        assert_eq!(written.parse::<f64>().ok(), Some(*probability), "{body}");
        assert_eq!(
            v["borger"]["score"]["risk_band"].as_str(),
            Some(band.as_str())
        );
        assert!(v["borger"]["score"]["ci_low"].as_f64().unwrap() <= *probability);
        assert!(v["borger"]["score"]["ci_high"].as_f64().unwrap() >= *probability);
        assert!(!body.contains("billet") && !body.contains(cpr.as_str()));
    }
    // The JSON form's description gives the session's form token.
    let (status, body) = sys.get("/api/borger").await;
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["csrf"].as_str(), sys.csrf.as_deref());
    server.stop().await;
}

fn judgement_count(app: &jobcockpit::app::App, person: &str) -> i64 {
    query_table(
        &app.store.lock(),
        "select count(*) from lookup_judgements where person_id = ? and source = 'cockpit'",
        [person],
    )
    .unwrap()
    .rows[0][0]
        .as_i64()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_judgement_is_stored_whole_once_and_a_forged_or_replayed_form_changes_nothing() {
    let server = server().await;
    let app = &lookup_app().app;
    let c = client(&server, "e2e-judge", Role::Sagsbehandler).await;
    let other = client(&server, "e2e-judge-other", Role::Sagsbehandler).await;
    let (cpr, _) = citizens().scored.iter().nth(3).unwrap();
    let (status, page) = look_up(&c, "/borger", cpr, "opfoelgning_2_samtale").await;
    assert_eq!(status, 200);
    let ticket = hidden(&page, "billet").expect("a ticket");
    let person = app.pseudonymiser.pseudonym(&Cpr::parse(cpr).unwrap());
    let before = judgement_count(app, &person);
    let fields = |t: &str| {
        vec![
            ("billet".to_string(), t.to_string()),
            ("egen_vurdering".into(), "mellem".into()),
            ("enighed".into(), "uenig".into()),
            ("begrundelse".into(), "helbred".into()),
            ("bemaerkning".into(), "Sygemeldt i to måneder.".into()),
        ]
    };
    let send = |c: &Client, f: Vec<(String, String)>, with_token: bool| {
        let c = c.clone();
        async move {
            let mut f: Vec<(String, String)> = f;
            if with_token {
                f.push(("csrf".into(), c.csrf.clone().unwrap()));
            }
            let pairs: Vec<(&str, &str)> =
                f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let resp = c.post_raw("/borger/vurdering", &pairs).await;
            let status = resp.status().as_u16();
            (status, resp.text().await.unwrap())
        }
    };
    // Without the CSRF token, forged, and another caseworker's use of the ticket.
    assert_eq!(send(&c, fields(&ticket), false).await.0, 403);
    assert_eq!(send(&c, fields("gaettet-billet"), true).await.0, 409);
    assert_eq!(send(&other, fields(&ticket), true).await.0, 409);
    // A note holding a CPR number is refused, and the ticket still works after.
    let mut bad = fields(&ticket);
    bad[4].1 = format!("ring om {cpr}");
    let (status, body) = send(&c, bad, true).await;
    assert_eq!(status, 400);
    assert!(body.contains("ligner et CPR-nummer") && !body.contains(cpr.as_str()));
    assert_eq!(judgement_count(app, &person), before, "nothing stored yet");

    let (status, body) = send(&c, fields(&ticket), true).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Din vurdering er gemt"));
    assert_eq!(send(&c, fields(&ticket), true).await.0, 409, "replayed");
    assert_eq!(judgement_count(app, &person), before + 1);

    // The row: pseudonym, spell, model version and the score she saw; no user.
    let row = query_table(
        &app.store.lock(),
        "select own_assessment, agreement, reason, note, model_probability, model_version, purpose
         from lookup_judgements where person_id = ? and source = 'cockpit'",
        [person.as_str()],
    )
    .unwrap();
    assert_eq!(row.rows.len(), 1);
    assert_eq!(row.rows[0][0], Cell::Text("mellem".into()));
    assert_eq!(row.rows[0][3], Cell::Text("Sygemeldt i to måneder.".into()));
    assert_eq!(
        row.rows[0][4].as_f64(),
        Some(citizens().scored[cpr.as_str()].0)
    );
    let columns = query_table(
        &app.store.lock(),
        "select column_name from information_schema.columns where table_name = 'lookup_judgements'",
        [],
    )
    .unwrap();
    for r in &columns.rows {
        let Cell::Text(name) = &r[0] else { continue };
        for word in [
            "user",
            "bruger",
            "caseworker",
            "sagsbehandler",
            "team",
            "office",
            "kontor",
        ] {
            assert!(!name.contains(word), "lookup_judgements.{name}");
        }
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_look_ups_is_throttled_with_a_message_and_raises_an_alarm() {
    let server = server().await;
    let app = &lookup_app().app;
    let c = client(&server, "e2e-burst", Role::Sagsbehandler).await;
    let unknown = citizens().unknown[0].clone();
    for i in 0..PER_HOUR {
        let (status, _) = look_up(&c, "/borger", &unknown, "jobplan").await;
        assert_eq!(status, 200, "look-up {i}");
    }
    let (status, body) = look_up(&c, "/borger", &unknown, "jobplan").await;
    assert_eq!(status, 429);
    assert!(
        body.contains("For mange opslag") && body.contains("40 opslag"),
        "{body}"
    );
    // Someone else is not held up.
    let other = client(&server, "e2e-burst-other", Role::Sagsbehandler).await;
    assert_eq!(look_up(&other, "/borger", &unknown, "jobplan").await.0, 200);
    let alarms = audit_details(app)
        .into_iter()
        .filter(|(u, _, _, d)| u == "e2e-burst" && d.contains("ALARM"))
        .count();
    // From the 30th look-up on, and the refused one.
    assert_eq!(
        alarms as u32,
        PER_HOUR - ALARM + 2,
        "alarm rows from the {ALARM}th on"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn judgements_are_aggregated_and_the_planted_caseworker_accuracy_is_recovered() {
    let t = tokio::task::spawn_blocking(lookup_app).await.unwrap();
    let conn = t.app.store.lock();
    let judged = query_table(
        &conn,
        "select sum(n), sum(n_disagree) from mart_judgements where risk_band = 'alle'",
        [],
    )
    .unwrap();
    let demo = query_table(
        &conn,
        "select count(distinct spell_id) from lookup_judgements where source = 'demo'",
        [],
    )
    .unwrap();
    assert!(judged.rows[0][0].as_f64().unwrap() >= demo.rows[0][0].as_f64().unwrap());
    assert!(
        judged.rows[0][1].as_f64().unwrap() > 0.0,
        "some disagreement"
    );

    let acc = query_table(
        &conn,
        "select judge, n, accuracy, accuracy_ci_low, accuracy_ci_high, brier
         from mart_judgement_accuracy order by judge_order",
        [],
    )
    .unwrap();
    assert_eq!(acc.rows.len(), 3, "model, caseworkers, combined");
    // The truth: per judged spell with a known outcome, whether the model's band
    // was right; the planted caseworker is right when she knows, else as the model.
    let truth = query_table(
        &conn,
        "with latest as (
             select * from lookup_judgements
             qualify row_number() over (partition by spell_id order by recorded_at desc, judgement_id desc) = 1
         )
         select (j.model_risk_band = 'hoej')::integer = l.label, j.source
         from latest as j join feat_labels as l using (spell_id)
         where l.mature and l.label is not null",
        [],
    )
    .unwrap();
    let model_right: Vec<bool> = truth
        .rows
        .iter()
        .filter(|r| r[1] == Cell::Text("demo".into()))
        .map(|r| r[0] == Cell::Int(1))
        .collect();
    assert!(
        model_right.len() >= 100,
        "{} judged with outcome",
        model_right.len()
    );
    let expected = expected_accuracy(Caseworkers::default().insight, &model_right);
    let row = |judge: &str| {
        acc.rows
            .iter()
            .find(|r| r[0] == Cell::Text(judge.into()))
            .unwrap()
            .clone()
    };
    let cw = row("sagsbehandlere");
    let (lo, hi) = (cw[3].as_f64().unwrap(), cw[4].as_f64().unwrap());
    assert!(
        lo <= expected && expected <= hi,
        "planted caseworker accuracy {expected:.4} within [{lo:.4}, {hi:.4}]"
    );
    let model = row("model");
    let model_expected =
        model_right.iter().filter(|r| **r).count() as f64 / model_right.len() as f64;
    assert!((model[3].as_f64().unwrap()..=model[4].as_f64().unwrap()).contains(&model_expected));
    // With real insight, the caseworkers beat the model on the same spells.
    assert!(cw[2].as_f64().unwrap() > model[2].as_f64().unwrap());
    println!(
        "recovery: planted {expected:.4}, measured {:.4} ({lo:.4}-{hi:.4}); model {:.4}; combined {:.4}",
        cw[2].as_f64().unwrap(),
        model[2].as_f64().unwrap(),
        row("kombineret")[2].as_f64().unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_mart_or_report_input_has_a_column_about_who_judged() {
    let t = tokio::task::spawn_blocking(lookup_app).await.unwrap();
    let words = [
        "caseworker",
        "sagsbehandler",
        "medarbejder",
        "employee",
        "team",
        "office",
        "kontor",
        "username",
        "bruger",
    ];
    let conn = t.app.store.lock();
    for mart in jobcockpit::store::mart_names() {
        let table = jobcockpit::store::read_mart(&conn, mart).unwrap();
        for c in &table.columns {
            let c = c.to_lowercase();
            assert!(!words.iter().any(|w| c.contains(w)), "{mart}.{c}");
        }
    }
    drop(conn);
    // The committee report's archived inputs (the export of every figure it shows).
    let archive = t.app.settings.report_archive_dir();
    let mut checked = 0;
    for month in std::fs::read_dir(&archive).unwrap() {
        let file = month.unwrap().path().join("grundlag.json");
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut keys = Vec::new();
        collect_keys(&v, &mut keys);
        for k in keys {
            let k = k.to_lowercase();
            assert!(
                !words.iter().any(|w| k.contains(w)),
                "{}: {k}",
                file.display()
            );
        }
        checked += 1;
    }
    assert!(checked > 0, "report inputs were checked");
}

fn collect_keys(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                collect_keys(v, out);
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                // Column names of a table are strings in a list.
                if let serde_json::Value::String(s) = v {
                    if s.len() < 40 && s.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                        out.push(s.clone());
                    }
                }
                collect_keys(v, out);
            }
        }
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_raw_cpr_is_left_in_the_store_or_the_audit_log_after_a_session_of_look_ups() {
    let server = server().await;
    let app = &lookup_app().app;
    let c = client(&server, "e2e-at-rest", Role::Sagsbehandler).await;
    let sys = client(&server, "e2e-at-rest-api", Role::Fagsystem).await;
    let people = citizens();
    let mut asked: Vec<String> = Vec::new();
    for cpr in people
        .scored
        .keys()
        .take(5)
        .chain(people.unscored.iter().take(2))
        .chain(people.closed.iter().take(2))
        .chain(people.unknown.iter().take(2))
    {
        for typed in [cpr.clone(), cpr.replace('-', "")] {
            assert_eq!(look_up(&c, "/borger", &typed, "partshoering").await.0, 200);
            assert_eq!(
                look_up(&sys, "/api/borger", &typed, "aktindsigt").await.0,
                200
            );
        }
        asked.push(cpr.clone());
    }
    // One judgement with a note, through the page.
    let (_, page) = look_up(
        &c,
        "/borger",
        people.scored.keys().next().unwrap(),
        "jobplan",
    )
    .await;
    let ticket = hidden(&page, "billet").unwrap();
    let resp = c
        .post(
            "/borger/vurdering",
            &[
                ("billet", ticket.as_str()),
                ("egen_vurdering", "hoej"),
                ("enighed", "enig"),
                ("begrundelse", "andet"),
                ("bemaerkning", "Talt med borgeren om praktik."),
            ],
        )
        .await;
    assert_eq!(resp.status(), 200);
    server.stop().await;

    // No text column of any table (audit log and judgements included) holds a
    // CPR-shaped value, and no audit detail holds a looked-up number's digits.
    let found = jobcockpit::store::cpr_shaped_values(&app.store.lock()).unwrap();
    assert!(found.is_empty(), "CPR-shaped values: {found:?}");
    let rows = audit_details(app);
    for cpr in &asked {
        let digits = cpr.replace('-', "");
        for (user, route, _, detail) in &rows {
            assert!(
                !detail.contains(&digits) && !detail.contains(cpr.as_str()),
                "{user} {route}: {detail}"
            );
        }
    }
    let lookups = rows
        .iter()
        .filter(|(u, _, _, d)| u == "e2e-at-rest" && d.contains("borgeropslag;"))
        .count();
    assert!(
        lookups >= asked.len(),
        "the look-ups are audited ({lookups})"
    );
}

/// The real binary: init, load a small delivery, add a caseworker, serve with
/// debug logging, look citizens up, stop; then no CPR number in any line it wrote,
/// in the store's text columns or in any file of the data dir.
#[test]
fn the_binary_logs_no_cpr_number_during_a_session_of_look_ups() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let bin = env!("CARGO_BIN_EXE_jobcockpit");
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut child = Command::new(bin)
            .args(args)
            .current_dir(repo_path(""))
            .env("JOBCOCKPIT_DATA_DIR", &data)
            .env_remove("JOBCOCKPIT_STORE_KEY")
            .env_remove("JOBCOCKPIT_PSEUDONYM_KEY")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(text) = stdin {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        }
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    let mut logs = run(&["init"], None);
    let inbox = data.join("inbox");
    let cfg = SynthConfig {
        seed: 5,
        years: 1,
        population: 10_000,
        ..SynthConfig::default()
    };
    jobcockpit::synth::generate(&cfg, &inbox).unwrap();
    let cprs = delivered(&inbox);
    assert!(cprs.len() > 20, "{} citizens delivered", cprs.len());
    logs.push_str(&run(&["ingest", inbox.to_str().unwrap()], None));
    logs.push_str(&run(
        &["user", "add", "e2e-log", "--role", "sagsbehandler"],
        Some(&format!("{PASSWORD}\n")),
    ));

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(bin)
        .arg("serve")
        .current_dir(repo_path(""))
        .env("JOBCOCKPIT_DATA_DIR", &data)
        .env("JOBCOCKPIT_BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "debug")
        .env_remove("JOBCOCKPIT_STORE_KEY")
        .env_remove("JOBCOCKPIT_PSEUDONYM_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let asked: Vec<String> = cprs.iter().take(10).cloned().collect();
    rt.block_on(async {
        let base = format!("http://127.0.0.1:{port}");
        let mut up = false;
        for _ in 0..200 {
            if reqwest::get(format!("{base}/healthz")).await.is_ok() {
                up = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(up, "the server came up");
        let mut c = Client::new(&base, false);
        assert_eq!(c.login("e2e-log", PASSWORD).await.status(), 303);
        for cpr in &asked {
            for typed in [cpr.clone(), cpr.replace('-', ""), format!("{}x", &cpr[..9])] {
                let resp = c
                    .post(
                        "/borger",
                        &[("cpr", typed.as_str()), ("formaal", "jobplan")],
                    )
                    .await;
                assert!(matches!(resp.status().as_u16(), 200 | 400));
            }
        }
    });
    // SIGTERM-free stop: kill the server, then read what it wrote.
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    logs.push_str(&String::from_utf8_lossy(&out.stdout));
    logs.push_str(&String::from_utf8_lossy(&out.stderr));
    assert!(logs.contains("/borger"), "debug logging was on: {logs}");
    for cpr in &asked {
        let digits = cpr.replace('-', "");
        assert!(
            !logs.contains(cpr.as_str()) && !logs.contains(&digits) && !logs.contains(&digits[..9]),
            "a CPR number in the log"
        );
    }
    // Every file of the data dir but the keys, searched byte for byte.
    let mut files = Vec::new();
    walk(&data, &mut files);
    for path in files.iter().filter(|p| !p.starts_with(data.join("keys"))) {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        for cpr in &asked {
            let digits = cpr.replace('-', "");
            for needle in [cpr.as_bytes(), digits.as_bytes()] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle),
                    "{} holds a CPR number",
                    path.display()
                );
            }
        }
    }
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Every CPR in the citizens' files of a synthetic inbox.
fn delivered(inbox: &Path) -> Vec<String> {
    let mut out = BTreeSet::new();
    let mut files = Vec::new();
    walk(inbox, &mut files);
    for f in files.iter().filter(|p| p.ends_with("borgere.csv")) {
        let text = std::fs::read_to_string(f).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines
            .next()
            .unwrap()
            .trim_start_matches('\u{feff}')
            .split(';')
            .collect();
        let i = header.iter().position(|h| *h == "cpr").unwrap();
        for l in lines {
            out.insert(l.split(';').nth(i).unwrap().to_string());
        }
    }
    out.into_iter().collect()
}
