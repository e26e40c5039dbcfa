//! The accountability pack (#16) end to end on the shared backfilled store: every
//! figure in the documents is the figure in its mart (read again from the store),
//! the PDFs open in poppler with a bookmark per section, a past month regenerates
//! byte for byte and a changed input is refused, the proxy audit is stored and
//! shown, the logs export with the hash chain checked, and the page is served to
//! the roles it is for.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use jobcockpit::access::Role;
use jobcockpit::disclosure;
use jobcockpit::documentation::archive::INPUTS_FILE;
use jobcockpit::documentation::figures::{reread, Shape};
use jobcockpit::documentation::{self, Archive, DocContext, DocError, Kind, Layout, Source};
use jobcockpit::report::archive::parse_month;
use jobcockpit::store::{query_table, read_mart};
use jobcockpit::table::Cell;

use crate::helpers::{shared_app, spawn_server, TestApp};

fn month(s: &str) -> NaiveDate {
    parse_month(s).unwrap()
}

fn regenerate(t: &TestApp, m: NaiveDate) -> Result<documentation::Written, DocError> {
    let app = &t.app;
    let layout = Layout::load(&app.settings.reports_dir).unwrap();
    let ctx = DocContext {
        settings: &app.settings,
        pipeline: &app.pipeline,
        policy: &app.policy,
        layout: &layout,
    };
    documentation::regenerate(&app.store.lock(), &ctx, m)
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf" || e == "html"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_figure_in_the_documents_is_the_figure_in_its_mart() {
    let t = shared_app();
    let app = &t.app;
    let archive = Archive::new(&app.settings.data_dir);
    let latest = month(&archive.list().unwrap()[0].month);
    let layout = Layout::load(&app.settings.reports_dir).unwrap();
    let conn = app.store.lock();
    let inputs =
        documentation::inputs::gather(&conn, &app.settings, &app.pipeline, &app.policy, latest)
            .unwrap();
    let built = documentation::build(&layout, &inputs).unwrap();
    let mut checked = 0;
    let mut marts = std::collections::BTreeSet::new();
    for b in &built {
        let html = std::fs::read_to_string(archive.month_dir(latest).join(format!(
            "{}-{}.html",
            b.kind.slug(),
            latest.format("%Y-%m")
        )))
        .unwrap();
        assert!(!b.sources.is_empty(), "{:?} quotes figures", b.kind);
        for s in &b.sources {
            // The mart read again from the store, through its own disclosure rule.
            let rule = jobcockpit::marts::get(&s.mart)
                .unwrap()
                .unwrap()
                .disclosure
                .rule();
            let table = disclosure::apply(
                read_mart(&conn, &s.mart).unwrap(),
                &rule,
                app.settings.disclosure_k,
            );
            assert_eq!(
                reread(&table, s).as_deref(),
                Some(s.shown.as_str()),
                "{:?}: {}.{} at {:?}",
                b.kind,
                s.mart,
                s.column,
                s.key
            );
            // And the archived document shows it.
            if !matches!(s.shape, Shape::Text) {
                assert!(
                    html.contains(&s.shown),
                    "{} ({}.{}) in the HTML",
                    s.shown,
                    s.mart,
                    s.column
                );
            }
            marts.insert(s.mart.clone());
            checked += 1;
        }
    }
    println!("{checked} figures from {} marts checked", marts.len());
    for m in [
        "mart_performance",
        "mart_fairness",
        "mart_proxy",
        "mart_model_changes",
        "mart_calibration",
        "mart_cohort_groups",
        "mart_data_quality",
    ] {
        assert!(marts.contains(m), "the documents quote {m}: {marts:?}");
    }
    // The archived documents of the month are the ones these inputs give.
    drop(conn);
    let w = regenerate(t, latest).unwrap();
    assert_eq!(w.source, Source::Marts);
    assert_eq!(w.same_as_before, Some(true));
}

#[test]
fn a_past_month_regenerates_byte_for_byte_and_a_changed_input_is_refused() {
    let t = shared_app();
    let archive = Archive::new(&t.app.settings.data_dir);
    let entries = archive.list().unwrap();
    assert_eq!(entries.len(), 60, "documents for every run of the backfill");
    assert!(entries.iter().all(|e| e.files.len() == 8));
    let past = month(&entries[14].month);
    let dir = archive.month_dir(past);
    let before = files(&dir);
    let manifest = archive.manifest(past).unwrap().unwrap();
    let w = regenerate(t, past).unwrap();
    assert_eq!(w.source, Source::Archive);
    assert_eq!(w.same_as_before, Some(true));
    assert_eq!(files(&dir), before, "HTML and PDF are the same bytes");
    assert_eq!(archive.manifest(past).unwrap().unwrap(), manifest);

    // A changed input: refused, and nothing is rewritten.
    let m = month(&entries[31].month);
    let path = archive.month_dir(m).join(INPUTS_FILE);
    let original = std::fs::read_to_string(&path).unwrap();
    let before = files(&archive.month_dir(m));
    std::fs::write(&path, original.replacen("\"k\": 5", "\"k\": 3", 1)).unwrap();
    let err = regenerate(t, m).unwrap_err();
    let after = files(&archive.month_dir(m));
    std::fs::write(&path, &original).unwrap();
    assert!(matches!(err, DocError::Tampered { .. }), "{err}");
    assert!(err.to_string().contains("genskabes ikke"), "{err}");
    assert_eq!(after, before);
}

fn run(cmd: &str, args: &[&str]) -> std::process::Output {
    Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd} is needed (apt-get install -y poppler-utils): {e}"))
}

#[test]
fn every_pdf_opens_in_poppler_with_a_bookmark_per_section() {
    let t = shared_app();
    let archive = Archive::new(&t.app.settings.data_dir);
    let latest = month(&archive.list().unwrap()[0].month);
    let layout = Layout::load(&t.app.settings.reports_dir).unwrap();
    let inputs = archive.read_inputs(latest).unwrap().unwrap();
    let built = documentation::build(&layout, &inputs).unwrap();
    for b in &built {
        let pdf: PathBuf = archive.month_dir(latest).join(format!(
            "{}-{}.pdf",
            b.kind.slug(),
            latest.format("%Y-%m")
        ));
        let pdf_s = pdf.to_str().unwrap();
        let info = run("pdfinfo", &[pdf_s]);
        assert!(
            info.status.success(),
            "{}",
            String::from_utf8_lossy(&info.stderr)
        );
        let info = String::from_utf8(info.stdout).unwrap();
        let field = |name: &str| {
            info.lines()
                .find_map(|l| l.strip_prefix(name))
                .map(str::trim)
                .unwrap_or_default()
                .to_string()
        };
        assert_eq!(field("Title:"), b.doc.file_title, "{info}");
        assert_eq!(field("Tagged:"), "yes", "tagged for accessibility: {info}");
        let text = String::from_utf8(run("pdftotext", &[pdf_s, "-"]).stdout).unwrap();
        assert!(
            text.contains(&b.doc.title[..20]),
            "{:?}: title in the text",
            b.kind
        );
        // pdftohtml -xml writes the outline (the bookmarks) as <item> elements.
        let xml = run("pdftohtml", &["-xml", "-stdout", "-i", "-q", pdf_s]);
        let xml = String::from_utf8_lossy(&xml.stdout);
        let outline = &xml[xml.find("<outline>").expect("an outline")..];
        let items = outline.matches("<item").count();
        assert_eq!(
            items,
            b.doc.sections.len(),
            "{:?}: one bookmark per section",
            b.kind
        );
        for s in &b.doc.sections {
            let title = s.title.replace('&', "&amp;");
            assert!(
                outline.contains(&format!("{}  {}</item>", s.number, title)),
                "{:?}: a bookmark for »{}«: {outline}",
                b.kind,
                s.title
            );
        }
        if b.kind == Kind::Fria {
            assert!(text.contains("Udfyldes af kommunen"));
        }
    }
}

#[test]
fn the_proxy_audit_is_stored_for_sex_origin_and_district_with_intervals() {
    let t = shared_app();
    let conn = t.app.store.lock();
    let rows = query_table(
        &conn,
        "select dimension, grp, n_group, auc, ci_low, ci_high, strongest_input, strongest_auc, n from metric_proxy order by auc desc nulls last",
        [],
    )
    .unwrap();
    let dims: std::collections::BTreeSet<String> = rows
        .rows
        .iter()
        .filter_map(|r| match &r[0] {
            Cell::Text(d) => Some(d.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        dims.into_iter().collect::<Vec<_>>(),
        ["district", "origin", "sex"]
    );
    for r in &rows.rows {
        let Some(auc) = r[3].as_f64() else {
            // Only a group or its complement under k has no figure.
            let (n_group, n) = (r[2].as_i64().unwrap(), r[8].as_i64().unwrap());
            let k = i64::from(t.app.settings.disclosure_k.get());
            assert!(n_group < k || n - n_group < k, "{r:?}");
            continue;
        };
        let (lo, hi) = (r[4].as_f64().unwrap(), r[5].as_f64().unwrap());
        assert!(
            (0.0..=1.0).contains(&auc) && lo <= auc && auc <= hi,
            "{r:?}"
        );
        assert!(r[7].as_f64().unwrap() >= 0.5, "{r:?}");
        println!("{r:?}");
    }
}

#[test]
fn the_logs_of_a_period_export_with_the_hash_chain_checked() {
    let t = shared_app();
    let app = &t.app;
    let today = chrono::Utc::now().date_naive();
    let from = today - chrono::Days::new(1);
    let export = documentation::logs::export(
        &app.store,
        app.access.audit(),
        from,
        today,
        app.settings.access.log_retention_months,
    )
    .unwrap();
    assert!(export.chain_intact);
    assert_eq!(export.files.len(), 3);
    let runs = query_table(
        &app.store.lock(),
        "select count(*) from pipeline_runs as r left join pipeline_steps as s using (run_id) where r.started_at::date between ?::date and ?::date",
        [from.to_string(), today.to_string()],
    )
    .unwrap();
    assert_eq!(runs.rows[0][0].as_i64(), Some(export.run_rows as i64));
    assert!(export.run_rows > 60, "every step of the backfill's runs");
    let check = String::from_utf8(export.files[2].1.clone()).unwrap();
    assert!(check.contains("intakt"), "{check}");
    assert!(
        check.contains("opbevaringstid (måneder, mindst 6);12"),
        "{check}"
    );
    let runs_csv = String::from_utf8(export.files[0].1.clone()).unwrap();
    assert!(runs_csv.starts_with('\u{feff}'));
    assert!(
        runs_csv.contains(";dokumentation;"),
        "the step is in the run log"
    );
    // A period that ends before it begins is refused by name.
    let err = documentation::logs::export(
        &app.store,
        app.access.audit(),
        today,
        from,
        app.settings.access.log_retention_months,
    )
    .unwrap_err();
    assert!(err.to_string().contains("før den begynder"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn management_the_data_unit_and_the_lawyers_read_the_documents() {
    let t = tokio::task::spawn_blocking(shared_app).await.unwrap();
    let archive = Archive::new(&t.app.settings.data_dir);
    let latest = archive.list().unwrap()[0].month.clone();
    let server = spawn_server(t.app.clone()).await;
    let pdf = format!("/dokumentation/{latest}/fria-{latest}.pdf");
    for role in [Role::Ledelse, Role::Dataenhed, Role::Jura] {
        let c = server.login(role).await;
        let (status, page) = c.get("/dokumentation").await;
        assert_eq!(status, 200, "{role:?}: {page}");
        assert!(page.contains(&pdf), "the list links the FRIA");
        let resp = c.request(reqwest::Method::GET, &pdf).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "application/pdf");
        let (status, _) = c
            .get(&format!("/dokumentation/{latest}/{INPUTS_FILE}"))
            .await;
        assert_eq!(status, 404, "only the documents, not their inputs");
    }
    for role in [Role::Sagsbehandler, Role::Udvalg] {
        let c = server.login(role).await;
        let (status, _) = c.get("/dokumentation").await;
        assert_eq!(status, 403, "{role:?}");
    }
    // The proxy audit on the fairness page.
    let c = server.login(Role::Dataenhed).await;
    let (status, page) = c.get("/d/retfaerdighed").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("proxy-analyse"),
        "the fairness page shows the proxy audit"
    );
    server.stop().await;
}
