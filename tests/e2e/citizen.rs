//! The citizen's rights and the data's lifetime (#15) against the real app: the
//! insight export holds every row the store has about a demo citizen (counted per
//! table by this file's own queries, not the export's) and her look-ups, its PDF
//! reads in poppler; an objection stops her scoring from the next run and the
//! look-up says so; an erasure leaves nothing of her; a short retention leaves no
//! row older than the limit in any table with a pseudonym (found from the schema,
//! not from the deletion's list), keeps the earlier months' aggregates and frees
//! space that later writes reuse.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use jobcockpit::access::Role;
use jobcockpit::citizen::command::{run, BorgerCommand, Parts};
use jobcockpit::citizen::{CitizenError, Refusal};
use jobcockpit::config::CitizenSettings;
use jobcockpit::present::format;
use jobcockpit::pseudonym::Cpr;
use jobcockpit::store::query_table;
use jobcockpit::synth::SynthConfig;
use jobcockpit::table::Cell;

use crate::helpers::{
    backfilled_app_with, repo_path, shared_app, small_synth, spawn_server, TestApp,
};

fn rights_synth() -> SynthConfig {
    SynthConfig {
        seed: 31,
        years: 5,
        population: 20_000,
        ..SynthConfig::default()
    }
}

/// pseudonym -> CPR of every delivered citizen (the deliveries are generated again:
/// the app deleted its own after loading them).
fn cprs(cfg: &SynthConfig, app: &jobcockpit::app::App) -> BTreeMap<String, String> {
    let again = tempfile::tempdir().expect("temp dir");
    jobcockpit::synth::generate(cfg, again.path()).expect("synth");
    let mut all = BTreeSet::new();
    for month in std::fs::read_dir(again.path()).unwrap() {
        let Ok(text) = std::fs::read_to_string(month.unwrap().path().join("borgere.csv")) else {
            continue;
        };
        let mut lines = text.lines();
        let header: Vec<&str> = lines
            .next()
            .unwrap()
            .trim_start_matches('\u{feff}')
            .split(';')
            .collect();
        let at = header.iter().position(|h| *h == "cpr").unwrap();
        for line in lines {
            all.insert(line.split(';').nth(at).unwrap().to_string());
        }
    }
    all.into_iter()
        .map(|c| (app.pseudonymiser.pseudonym(&Cpr::parse(&c).unwrap()), c))
        .collect()
}

fn text_cell(c: &Cell) -> String {
    match c {
        Cell::Text(s) => s.clone(),
        other => format!("{other:?}"),
    }
}

fn count(conn: &duckdb::Connection, sql: &str, person: &str) -> i64 {
    query_table(conn, sql, [person]).unwrap().rows[0][0]
        .as_i64()
        .unwrap()
}

/// Rows per table about one pseudonym, by this test's own queries.
fn held_by_query(conn: &duckdb::Connection, person: &str) -> BTreeMap<String, i64> {
    let mine = "person_id = ?";
    let her_spells = "spell_id in (select spell_id from raw_spells where person_id = ?)";
    [
        ("raw_citizens", mine),
        ("raw_spells", mine),
        ("raw_interviews", mine),
        ("raw_cvs", mine),
        ("raw_programmes", mine),
        ("raw_status", mine),
        ("model_scores", mine),
        ("model_validation_rows", her_spells),
        ("lookup_judgements", mine),
        ("citizen_objections", mine),
        ("retention_expired_persons", mine),
        ("feat_cohort", mine),
        ("feat_features", mine),
        ("feat_labels", her_spells),
        ("feat_model_matrix", mine),
    ]
    .iter()
    .map(|(t, w)| {
        (
            t.to_string(),
            count(conn, &format!("select count(*) from {t} where {w}"), person),
        )
    })
    .filter(|(_, n)| *n > 0)
    .collect()
}

fn parts(t: &TestApp) -> Parts<'_> {
    Parts {
        store: &t.app.store,
        pseudonymiser: &t.app.pseudonymiser,
        access: &t.app.access,
        settings: &t.app.settings.citizen,
    }
}

fn pdf_text(pdf: &Path) -> String {
    let o = Command::new("pdftotext")
        .args([pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(
        o.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Lines wrap anywhere: compare with single spaces.
    String::from_utf8(o.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizens_insight_objection_and_erasure_end_to_end() {
    let t = tokio::task::spawn_blocking(|| {
        let t = backfilled_app_with(&rights_synth(), |_| {}, |_| {});
        t.app
            .simulate_caseworkers(&jobcockpit::lookup::simulate::Caseworkers::default())
            .expect("synthetic caseworkers");
        t
    })
    .await
    .unwrap();
    let by_pseudonym = cprs(&rights_synth(), &t.app);
    // A citizen with a current spell, a score and a caseworker's judgement.
    let (demo, latest_cohort, objecting, erased) = {
        let conn = t.app.store.lock();
        let demo = query_table(
            &conn,
            "select s.person_id from model_scores s join lookup_judgements j using (person_id)
             join stg_spells p on p.person_id = s.person_id
             where p.end_date is null
             group by 1 order by count(*) desc, 1 limit 1",
            [],
        )
        .unwrap();
        let latest = query_table(
            &conn,
            "select max(cohort_month)::varchar from model_scores",
            [],
        )
        .unwrap();
        let latest = text_cell(&latest.rows[0][0]);
        let objecting = query_table(
            &conn,
            "select person_id from model_scores where cohort_month = ?::date order by spell_id limit 2",
            [latest.as_str()],
        )
        .unwrap();
        (
            text_cell(&demo.rows[0][0]),
            latest,
            text_cell(&objecting.rows[0][0]),
            text_cell(&objecting.rows[1][0]),
        )
    };
    let demo_cpr = by_pseudonym[&demo].clone();

    // Two look-ups of her by a caseworker: they belong in her insight.
    let server = spawn_server(t.app.clone()).await;
    let caseworker = server.login(Role::Sagsbehandler).await;
    for purpose in ["jobplan", "partshoering"] {
        let resp = caseworker
            .post(
                "/borger",
                &[("cpr", demo_cpr.as_str()), ("formaal", purpose)],
            )
            .await;
        assert_eq!(resp.status(), 200);
    }
    t.app.access.audit().flush().unwrap();

    // The export, as `jobcockpit borger indsigt` runs it.
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("indsigt");
    let said = run(
        &parts(&t),
        BorgerCommand::Indsigt {
            ud: dir.clone(),
            formaal: "indsigt_art15".into(),
        },
        &demo_cpr,
    )
    .expect("insight export");
    assert!(said.contains("Indsigt for"), "{said}");
    let expected = held_by_query(&t.app.store.lock(), &demo);
    for must in [
        "raw_citizens",
        "raw_spells",
        "model_scores",
        "lookup_judgements",
        "raw_status",
    ] {
        assert!(
            expected.contains_key(must),
            "the demo citizen has {must} rows: {expected:?}"
        );
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("indsigt.json")).unwrap()).unwrap();
    let exported: BTreeMap<String, i64> = json["tabeller"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_array().unwrap().len() as i64))
        .collect();
    assert_eq!(
        exported, expected,
        "the export holds every row the store has for her"
    );
    // Raw rows carry the month of the delivery they came in.
    assert!(json["tabeller"]["raw_spells"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["leveret"].is_string()));
    // The CSV has the same rows (one line per value).
    let csv_text = std::fs::read_to_string(dir.join("indsigt.csv")).unwrap();
    let mut csv_rows: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in csv_text.lines().skip(1) {
        let mut f = line.split(',');
        let (table, n) = (f.next().unwrap().to_string(), f.next().unwrap().to_string());
        csv_rows.entry(table).or_default().insert(n);
    }
    for (table, n) in &expected {
        assert_eq!(csv_rows[table].len() as i64, *n, "{table} in the CSV");
    }
    // Her look-ups: date, role and purpose, no employee name by default.
    let lookups = json["opslag"].as_array().unwrap();
    let caseworker_lookups: Vec<_> = lookups
        .iter()
        .filter(|l| l["rolle"] == "sagsbehandler")
        .collect();
    assert_eq!(caseworker_lookups.len(), 2, "{lookups:?}");
    assert_eq!(caseworker_lookups[0]["formaal"], "jobplan");
    assert_eq!(caseworker_lookups[1]["formaal"], "partshoering");
    assert!(lookups.iter().all(|l| l.get("medarbejder").is_none()));

    // The PDF opens in poppler and says what it must, with her scores.
    let text = pdf_text(&dir.join("indsigt.pdf"));
    for section in [
        "Hvad er Jobcockpit?",
        "De oplysninger, vi har om dig",
        "Dine vurderinger",
        "Hvad vurderingen betyder, og hvad den ikke betyder",
        "Sådan virker modellen",
        "Hvem har set dine oplysninger",
        "Din ret til at gøre indsigelse",
        "Sådan klager du",
        "Hvem er ansvarlig for dine oplysninger",
        t.app.settings.citizen.controller(),
    ] {
        let want = section.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.contains(&want), "the PDF says '{want}'");
    }
    let scores = query_table(
        &t.app.store.lock(),
        "select probability, model_version from model_scores where person_id = ?",
        [demo.as_str()],
    )
    .unwrap();
    assert!(!scores.rows.is_empty());
    for row in &scores.rows {
        let p = format::percent(row[0].as_f64().unwrap(), 0);
        assert!(text.contains(&p), "her score {p} is in the PDF");
        assert!(text.contains(&text_cell(&row[1])), "its model version");
    }
    assert!(text.contains(&Cpr::parse(&demo_cpr).unwrap().masked()));
    assert!(!text.contains(&demo_cpr), "never the whole number");
    // The export is audited, with the purpose and the pseudonym, never the number.
    let audit = query_table(
        &t.app.store.lock(),
        "select detail, outcome from access_audit where route = 'jobcockpit borger indsigt'",
        [],
    )
    .unwrap();
    assert_eq!(audit.rows.len(), 1);
    let detail = text_cell(&audit.rows[0][0]);
    assert!(
        detail.contains("formål: indsigt_art15") && detail.contains(&demo),
        "{detail}"
    );
    assert!(!detail.contains(&demo_cpr[..6]));
    // A second export into the same folder overwrites nothing.
    assert!(run(
        &parts(&t),
        BorgerCommand::Indsigt {
            ud: dir.clone(),
            formaal: "indsigt_art15".into()
        },
        &demo_cpr
    )
    .is_err());

    // The same export on the page of the role `jura`: the file itself, audited with
    // the purpose; every other role is refused by the guard.
    let lawyer = server.login(Role::Jura).await;
    let resp = lawyer
        .post(
            "/jura/indsigt",
            &[
                ("cpr", demo_cpr.as_str()),
                ("formaal", "dataportabilitet_art20"),
                ("format", "json"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let page_json: serde_json::Value =
        serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    let page_counts: BTreeMap<String, i64> = page_json["tabeller"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_array().unwrap().len() as i64))
        .collect();
    assert_eq!(
        page_counts, expected,
        "the page's export holds the same rows"
    );
    let resp = lawyer
        .post(
            "/jura/indsigt",
            &[
                ("cpr", demo_cpr.as_str()),
                ("formaal", "indsigt_art15"),
                ("format", "pdf"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    assert!(resp.bytes().await.unwrap().starts_with(b"%PDF"));
    let resp = lawyer
        .post(
            "/jura/indsigt",
            &[
                ("cpr", "311399-1234"),
                ("formaal", "indsigt_art15"),
                ("format", "pdf"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 400);
    let page = resp.text().await.unwrap();
    assert!(page.contains("De første 6 cifre er ikke en dato"), "{page}");
    assert!(!page.contains("311399"), "the number is not echoed");
    let resp = caseworker
        .post(
            "/jura/indsigt",
            &[
                ("cpr", demo_cpr.as_str()),
                ("formaal", "indsigt_art15"),
                ("format", "pdf"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 403, "a caseworker cannot export");
    t.app.access.audit().flush().unwrap();
    {
        let audit = query_table(
            &t.app.store.lock(),
            "select username, outcome, coalesce(detail, '') from access_audit where path = '/jura/indsigt' and method = 'POST' order by seq",
            [],
        )
        .unwrap();
        let rows: Vec<Vec<String>> = audit
            .rows
            .iter()
            .map(|r| r.iter().map(text_cell).collect())
            .collect();
        assert_eq!(rows.len(), 4, "{rows:?}");
        assert!(
            rows[0][2].contains("formål: dataportabilitet_art20") && rows[0][2].contains(&demo)
        );
        assert_eq!(rows[3][1], "afvist", "the refusal is audited");
        assert!(rows.iter().all(|r| !r[2].contains(&demo_cpr[..6])));
    }

    // Bad input: an invalid number is named, an unknown citizen has nothing.
    let err = run(
        &parts(&t),
        BorgerCommand::Indsigelse {
            grund: "indsigelse_art21".into(),
            fra: None,
        },
        "12345",
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "CPR-nummeret skal have 10 cifre; der er skrevet 5."
    );
    let unknown = "0101001234";
    assert!(
        !by_pseudonym.contains_key(&t.app.pseudonymiser.pseudonym(&Cpr::parse(unknown).unwrap()))
    );
    let err = run(
        &parts(&t),
        BorgerCommand::Indsigelse {
            grund: "indsigelse_art21".into(),
            fra: None,
        },
        unknown,
    )
    .unwrap_err();
    assert!(
        matches!(err, CitizenError::Refused(Refusal::Unknown(_))),
        "a mark on an unknown citizen is refused: {err}"
    );
    assert!(err.to_string().contains("ingen oplysninger"), "{err}");
    let unknown_dir = out.path().join("ukendt");
    run(
        &parts(&t),
        BorgerCommand::Indsigt {
            ud: unknown_dir.clone(),
            formaal: "aktindsigt".into(),
        },
        unknown,
    )
    .expect("an unknown citizen gets a letter");
    let text = pdf_text(&unknown_dir.join("indsigt.pdf"));
    assert!(text.contains("Vi har ingen oplysninger om dig"), "{text}");

    // Objection: not scored in the next run, not trained on, and the look-up says so.
    let objecting_cpr = by_pseudonym[&objecting].clone();
    run(
        &parts(&t),
        BorgerCommand::Indsigelse {
            grund: "indsigelse_art21".into(),
            fra: None,
        },
        &objecting_cpr,
    )
    .expect("mark");
    let again = run(
        &parts(&t),
        BorgerCommand::Indsigelse {
            grund: "indsigelse_art21".into(),
            fra: None,
        },
        &objecting_cpr,
    );
    assert!(matches!(
        again,
        Err(CitizenError::Refused(Refusal::AlreadyObjected(_)))
    ));
    let month = chrono::NaiveDate::parse_from_str(&latest_cohort, "%Y-%m-%d").unwrap();
    let app = t.app.clone();
    tokio::task::spawn_blocking(move || app.run_month(month, "cli").expect("the next run"))
        .await
        .unwrap();
    {
        let conn = t.app.store.lock();
        let hers = count(
            &conn,
            "select count(*) from model_scores where person_id = ? and cohort_month = (select max(cohort_month) from model_scores)",
            &objecting,
        );
        assert_eq!(hers, 0, "an objected citizen gets no score in the next run");
        let others = count(
            &conn,
            "select count(*) from model_scores where person_id <> ? and cohort_month = (select max(cohort_month) from model_scores)",
            &objecting,
        );
        assert!(others > 0, "the rest of the cohort is scored");
        let training = query_table(
            &conn,
            include_str!("../../sql/model/training_set.sql"),
            ["1900-01-01", "2100-01-01"],
        )
        .unwrap();
        let person = training.column_index("person_id").unwrap();
        assert!(!training.rows.is_empty());
        assert!(
            training
                .rows
                .iter()
                .all(|r| text_cell(&r[person]) != objecting),
            "she is not in the training set"
        );
        // Counted in inflow (the default): her spells are still in staging.
        assert!(
            count(
                &conn,
                "select count(*) from stg_spells where person_id = ?",
                &objecting
            ) > 0
        );
    }
    let resp = caseworker
        .post(
            "/borger",
            &[("cpr", objecting_cpr.as_str()), ("formaal", "jobplan")],
        )
        .await;
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("Borgeren har gjort indsigelse mod profilering"),
        "{page}"
    );
    assert!(!page.contains("id=\"score\""), "no score is shown");
    run(
        &parts(&t),
        BorgerCommand::OphaevIndsigelse {
            grund: "ophaevet_borger".into(),
            fra: None,
        },
        &objecting_cpr,
    )
    .expect("lift");
    {
        let conn = t.app.store.lock();
        assert_eq!(
            count(
                &conn,
                "select count(*) from citizen_objections where person_id = ?",
                &objecting
            ),
            2
        );
        assert_eq!(
            count(
                &conn,
                "select count(*) from citizen_objections_in_force where person_id = ?",
                &objecting
            ),
            0
        );
    }

    // Erasure: nothing of her is left, and its record does not name her.
    let erased_cpr = by_pseudonym[&erased].clone();
    let before = held_by_query(&t.app.store.lock(), &erased);
    assert!(!before.is_empty());
    run(
        &parts(&t),
        BorgerCommand::Slet {
            grundlag: "fejlleveret".into(),
        },
        &erased_cpr,
    )
    .expect("erasure");
    let after = held_by_query(&t.app.store.lock(), &erased);
    assert!(after.is_empty(), "left after erasure: {after:?}");
    {
        let conn = t.app.store.lock();
        let record = query_table(&conn, "select * from citizen_erasures", []).unwrap();
        assert_eq!(record.rows.len(), 1);
        let total: i64 = before.values().sum();
        let rows_deleted = record.rows[0][record.column_index("rows_deleted").unwrap()]
            .as_i64()
            .unwrap();
        assert_eq!(rows_deleted, total, "the record counts what was there");
        assert!(record.rows[0]
            .iter()
            .all(|c| !text_cell(c).contains(&erased)));
        let audit = query_table(
            &conn,
            "select detail from access_audit where route = 'jobcockpit borger slet'",
            [],
        )
        .unwrap();
        assert!(audit
            .rows
            .iter()
            .all(|r| !text_cell(&r[0]).contains(&erased)));
    }
    let err = run(
        &parts(&t),
        BorgerCommand::Slet {
            grundlag: "fejlleveret".into(),
        },
        &erased_cpr,
    )
    .unwrap_err();
    assert!(
        matches!(err, CitizenError::Refused(Refusal::Unknown(_))),
        "{err}"
    );
    server.stop().await;
}

/// A store run with the shortest retention the check allows (horizon 12 + window 36).
fn retention_app() -> &'static TestApp {
    static APP: OnceLock<TestApp> = OnceLock::new();
    APP.get_or_init(|| {
        backfilled_app_with(
            &small_synth(),
            |s| {
                s.citizen = CitizenSettings::default()
                    .with_retention_months(48)
                    .unwrap()
            },
            |_| {},
        )
    })
}

fn database_size(conn: &duckdb::Connection) -> (i64, i64) {
    let t = query_table(
        conn,
        "select used_blocks, free_blocks from pragma_database_size()",
        [],
    )
    .unwrap();
    (
        t.rows[0][0].as_i64().unwrap(),
        t.rows[0][1].as_i64().unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_retention_leaves_no_old_row_keeps_the_aggregates_and_frees_space() {
    let (t, full) = tokio::task::spawn_blocking(|| (retention_app(), shared_app()))
        .await
        .unwrap();
    let (last, first_month) = {
        let conn = t.app.store.lock();
        let last: String = text_cell(
            &query_table(
                &conn,
                "select max(run_month)::varchar from pipeline_runs",
                [],
            )
            .unwrap()
            .rows[0][0],
        );
        let last = chrono::NaiveDate::parse_from_str(&last, "%Y-%m-%d").unwrap();
        let cutoff = last - chrono::Months::new(48);
        let cutoff_s = cutoff.to_string();
        // No delivered spell ended before the cutoff, in any delivery.
        let old = query_table(
            &conn,
            "select count(*) from raw_spells where end_date < ?::date",
            [cutoff_s.as_str()],
        )
        .unwrap();
        assert_eq!(
            old.rows[0][0].as_i64(),
            Some(0),
            "spells past the retention"
        );
        // Every table with a pseudonym or a spell id (found from the schema): nothing
        // of a person or spell that is gone.
        let tables = query_table(
            &conn,
            "select distinct c.table_name, c.column_name from duckdb_columns() c
             join duckdb_tables() t using (table_name)
             where c.column_name in ('person_id', 'spell_id') and not t.temporary
               and c.table_name not like 'mart_%'
             order by 1, 2",
            [],
        )
        .unwrap();
        let mut checked = BTreeSet::new();
        for row in &tables.rows {
            let (table, column) = (text_cell(&row[0]), text_cell(&row[1]));
            // The one table meant to hold pseudonyms of persons who are gone: the
            // pseudonym alone, so later deliveries referring to them still load.
            if table == "retention_expired_persons" {
                continue;
            }
            let sql = format!(
                "select count(*) from {table} where {column} not in (select {column} from raw_spells)"
            );
            let n = query_table(&conn, &sql, []).unwrap().rows[0][0]
                .as_i64()
                .unwrap();
            assert_eq!(
                n, 0,
                "{table}.{column}: rows of a person or spell past the retention"
            );
            checked.insert(table);
        }
        for must in [
            "raw_citizens",
            "raw_status",
            "raw_cvs",
            "model_scores",
            "model_validation_rows",
            "feat_features",
        ] {
            assert!(checked.contains(must), "{must} was checked: {checked:?}");
        }
        // The run log says what was deleted, per table, without identities.
        let log = query_table(
            &conn,
            "select rows, detail from pipeline_steps where step = 'retention' and rows > 0 order by started_at",
            [],
        )
        .unwrap();
        assert!(!log.rows.is_empty(), "some run deleted rows");
        let detail = text_cell(&log.rows[0][1]);
        assert!(
            detail.contains("slettet: ") && detail.contains("raw_spells"),
            "{detail}"
        );
        // The expired persons' record holds nothing but pseudonyms.
        let expired =
            query_table(&conn, "select * from retention_expired_persons limit 1", []).unwrap();
        assert_eq!(expired.columns, ["person_id", "expired_on"]);
        assert!(!expired.rows.is_empty());
        // The earlier months' aggregates are what the store that kept everything shows.
        let full_conn = full.app.store.lock();
        let inflow = "select month::varchar, new_spells, caseload, second_interviews from mart_inflow where month < ?::date order by month";
        let kept = query_table(&conn, inflow, [cutoff_s.as_str()]).unwrap();
        let reference = query_table(&full_conn, inflow, [cutoff_s.as_str()]).unwrap();
        // From the first delivered month up to the cutoff (11 months with 5 years of
        // deliveries and 48 months' retention).
        assert!(
            kept.rows.len() >= 6,
            "the earlier months are still there: {}",
            kept.rows.len()
        );
        assert_eq!(
            kept.rows, reference.rows,
            "inflow of the earlier months unchanged"
        );
        let cohorts = "select cohort_month::varchar, n, n_labelled, observed_rate from metric_cohorts where cohort_month < ?::date order by 1";
        let kept = query_table(&conn, cohorts, [cutoff_s.as_str()]).unwrap();
        assert!(!kept.rows.is_empty());
        assert_eq!(
            kept.rows,
            query_table(&full_conn, cohorts, [cutoff_s.as_str()])
                .unwrap()
                .rows
        );
        (last, text_cell(&kept.rows[0][0]))
    };
    let server = spawn_server(t.app.clone()).await;
    let (status, page) = server.get("/d/overblik").await;
    assert_eq!(status, 200);
    let first = chrono::NaiveDate::parse_from_str(&first_month, "%Y-%m-%d").unwrap();
    assert!(
        page.contains(&format::month_short(first)),
        "the overview still shows {first}"
    );
    server.stop().await;

    // Space: a retention three years further on deletes most individual rows; after
    // its checkpoint their blocks are free, and writing about half as much again
    // reuses them instead of growing the file.
    let conn = t.app.store.lock();
    let file = t.app.settings.store_path();
    let (used_before, _) = database_size(&conn);
    let size_before = std::fs::metadata(&file).unwrap().len();
    conn.execute_batch("begin transaction").unwrap();
    let settings = t.app.settings.citizen.clone();
    let deleted =
        jobcockpit::retention::apply(&conn, &settings, last + chrono::Months::new(36)).unwrap();
    conn.execute_batch("commit").unwrap();
    jobcockpit::retention::reclaim(&conn);
    let (used_after, free_after) = database_size(&conn);
    let size_after = std::fs::metadata(&file).unwrap().len();
    // About half the freed bytes of poorly compressible text (32 hex digits a row).
    let rows = (free_after.max(1) * 262_144 / 2 / 40).to_string();
    conn.execute(
        "create table refill as select range as i, md5(range::varchar) as h from range(?::bigint)",
        [rows.as_str()],
    )
    .unwrap();
    conn.execute_batch("checkpoint").unwrap();
    let (used_refill, _) = database_size(&conn);
    let size_refill = std::fs::metadata(&file).unwrap().len();
    eprintln!(
        "i15-measure: deleted {} rows; used blocks {used_before} -> {used_after} (free {free_after}); \
         file {size_before} -> {size_after} bytes; refill of {rows} rows: used {used_refill}, file {size_refill} bytes",
        deleted.total()
    );
    assert!(deleted.total() > 10_000, "most rows: {}", deleted.total());
    assert!(
        used_after < used_before,
        "blocks freed: {used_before} -> {used_after}"
    );
    assert!(free_after > 0);
    assert!(used_refill > used_after, "the refill wrote blocks");
    assert!(
        size_refill <= size_after,
        "the refill reused freed blocks: file {size_after} -> {size_refill} bytes"
    );
    conn.execute_batch("drop table refill; checkpoint").unwrap();
}

#[test]
fn a_retention_shorter_than_horizon_plus_training_window_stops_the_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let settings = jobcockpit::config::Settings {
        data_dir: dir.path().join("data").into(),
        citizen: CitizenSettings::default()
            .with_retention_months(47)
            .unwrap(),
        ..Default::default()
    };
    jobcockpit::app::init(&settings).unwrap();
    let err = jobcockpit::app::App::open(settings).err().expect("refused");
    let text = err.to_string();
    assert!(
        text.contains("citizen.retention_months") && text.contains("kunne ikke trænes"),
        "{text}"
    );
}

#[test]
fn the_command_reads_the_number_from_stdin_and_names_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let bin = |args: &[&str], stdin: &str| {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_jobcockpit"))
            .args(args)
            .current_dir(repo_path(""))
            .env("JOBCOCKPIT_DATA_DIR", &data)
            .env_remove("JOBCOCKPIT_STORE_KEY")
            .env_remove("JOBCOCKPIT_PSEUDONYM_KEY")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    assert!(bin(&["init"], "").status.success());
    let out = dir.path().join("ud");
    let o = bin(
        &[
            "borger",
            "indsigt",
            "--ud",
            out.to_str().unwrap(),
            "--formaal",
            "indsigt_art15",
        ],
        "3113001234\n",
    );
    let said = String::from_utf8_lossy(&o.stderr).to_string() + &String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(2), "{said}");
    assert!(said.contains("De første 6 cifre er ikke en dato"), "{said}");
    let o = bin(
        &[
            "borger",
            "indsigt",
            "--ud",
            out.to_str().unwrap(),
            "--formaal",
            "indsigt_art15",
        ],
        "010190-1234\n",
    );
    let said = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{said}");
    assert!(said.contains("Ingen oplysninger om 010190-****"), "{said}");
    assert!(pdf_text(&out.join("indsigt.pdf")).contains("Vi har ingen oplysninger om dig"));
}
