//! The report without a store: a month of fake marts (with a small group in several
//! of them) through the same disclosure control as the cockpit, rendered three ways.

mod fixture;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::content::{Block, TableBlock, XValue};
use super::inputs::{self, Inputs};
use super::*;
use crate::disclosure;
use crate::table::{Cell, Table};

const K: u32 = 5;

/// The threshold as disclosure control takes it.
fn dk() -> disclosure::DisclosureK {
    disclosure::DisclosureK::new(K).unwrap()
}
const BUILT_AT: &str = "2024-07-05T06:00:00Z";

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn layout() -> Layout {
    Layout::load(&repo("reports")).expect("the repository's report definition loads")
}

fn month() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()
}

/// The fake marts through the report's rules, as `inputs::gather` does with the store.
fn disclosed(layout: &Layout, raw: &BTreeMap<String, Table>) -> Inputs {
    let marts = layout
        .spec
        .marts
        .iter()
        .map(|(name, rule)| {
            let table = raw.get(name).cloned().unwrap_or_default();
            (name.clone(), disclosure::apply(table, rule, dk()))
        })
        .collect();
    Inputs {
        month: month(),
        k: K,
        params: fixture::params(),
        marts,
    }
}

fn tables(doc: &Document) -> Vec<&TableBlock> {
    doc.sections
        .iter()
        .flat_map(|s| &s.blocks)
        .filter_map(|b| match b {
            Block::Table(t) => Some(t),
            _ => None,
        })
        .collect()
}

#[test]
fn inputs_survive_the_archive_round_trip_exactly() {
    let layout = layout();
    let mut inputs = disclosed(&layout, &fixture::raw_marts());
    // Values whose shortest decimal form is long, tiny or odd.
    inputs.marts.insert(
        "mart_extra".into(),
        Table {
            columns: vec!["a".into(), "b".into()],
            rows: vec![
                vec![Cell::Float(0.1 + 0.2), Cell::Float(1e-300)],
                vec![Cell::Float(f64::MIN_POSITIVE / 3.0), Cell::Float(-2.5e17)],
                vec![Cell::Text("t:æøå: »citat«, =1+1".into()), Cell::Suppressed],
                vec![Cell::Null, Cell::Date(month())],
                vec![Cell::Int(i64::MIN), Cell::Float(f64::INFINITY)],
            ],
        },
    );
    let text = inputs::encode(&inputs);
    let back = inputs::decode(&text, Path::new("grundlag.json")).unwrap();
    assert_eq!(back, inputs);
    assert_eq!(inputs::encode(&back), text, "encoding is stable");
}

#[test]
fn the_same_inputs_render_the_same_bytes_every_time() {
    let layout = layout();
    let inputs = disclosed(&layout, &fixture::raw_marts());
    let a = render(&layout, &inputs, BUILT_AT).unwrap();
    let b = render(&layout, &inputs, BUILT_AT).unwrap();
    assert_eq!(a.html, b.html);
    assert_eq!(a.pdf, b.pdf);
    assert_eq!(a.xlsx, b.xlsx);
    assert!(a.pdf.starts_with(b"%PDF-"));
    assert!(a.xlsx.starts_with(b"PK"), "an XLSX file is a zip archive");
    // The creation date is the only thing that may change the PDF for the same inputs.
    let later = render(&layout, &inputs, "2025-01-01T00:00:00Z").unwrap();
    assert_ne!(later.pdf, a.pdf);
    assert_eq!(later.html, a.html);
}

#[test]
fn every_mart_gets_the_rule_of_its_mart_file() {
    // The cockpit pages take their rules from the same files (src/marts.rs), so the
    // report and the cockpit cannot disagree about a mart.
    let layout = layout();
    let mut declared = 0;
    for mart in crate::marts::catalogue().unwrap() {
        if let Some(rule) = layout.spec.marts.get(mart.name) {
            assert_eq!(*rule, mart.disclosure.rule(), "{}", mart.name);
            declared += 1;
        }
    }
    assert_eq!(
        declared,
        layout.spec.marts.len(),
        "every report mart has a mart file"
    );
    assert!(declared >= 5, "the report reads several marts");
}

#[test]
fn a_small_group_is_hidden_in_the_report_exactly_as_the_cockpit_hides_it() {
    let layout = layout();
    let raw = fixture::raw_marts();
    let inputs = disclosed(&layout, &raw);
    // The cockpit's protection of each mart: its mart file's rule through disclosure::apply.
    let mut compared = 0;
    for mart in crate::marts::catalogue().unwrap() {
        if let (Some(t), Some(raw)) = (inputs.marts.get(mart.name), raw.get(mart.name)) {
            assert_eq!(
                *t,
                disclosure::apply(raw.clone(), &mart.disclosure.rule(), dk()),
                "{}",
                mart.name
            );
            compared += 1;
        }
    }
    assert!(
        compared >= 5,
        "the fixture holds several of the report's marts"
    );
    let doc = content::build(&inputs, &layout.catalogue, &layout.spec).unwrap();
    let html = String::from_utf8(
        layout
            .html
            .report(&doc, &layout.catalogue)
            .unwrap()
            .into_bytes(),
    )
    .unwrap();

    // The fairness group of 3 persons: its row says "–", never its rate.
    let row = table_row(&doc, "Grupper", "Efterkommere, vestlige lande");
    assert!(
        row[2..]
            .iter()
            .all(|c| c.state == "suppressed" && c.value == XValue::Text("–".into())),
        "{row:?}"
    );
    let html_row = html_row(&html, "Efterkommere, vestlige lande");
    assert!(
        html_row.contains("class=\"suppressed num\">–<"),
        "{html_row}"
    );
    assert!(
        !html_row.contains(fixture::SMALL_GROUP_RATE_SHOWN),
        "{html_row}"
    );

    // The month with 4 second interviews: the count is hidden, the rest of the month stays.
    let row = table_row(&doc, "Tilgang og kohorter", "apr. 2024");
    assert_eq!(row[3].state, "suppressed");
    assert_eq!(row[1].state, "value");
    // The mature cohort of 4 persons: no size, no prediction, no observed rate.
    let row = table_row(&doc, "Forudsagt og faktisk", "apr. 2023");
    assert!(row[1..].iter().all(|c| c.state == "suppressed"), "{row:?}");
    // The programme started by 2 persons in the high band.
    let row = table_row(&doc, "Indsatstyper", "Jobrotation");
    assert_eq!(row[3].state, "suppressed", "{row:?}");
    assert!(
        html.contains(&format!("færre end {K} personer")),
        "the dash is explained"
    );

    // Nowhere in the report: the hidden figures' exact values.
    for secret in fixture::SECRETS {
        assert!(!html.contains(secret), "{secret} leaked into the HTML");
    }
    let pdf = render(&layout, &inputs, BUILT_AT).unwrap().pdf;
    if let Some(text) = pdf_text(&pdf) {
        for secret in fixture::SECRETS {
            assert!(!text.contains(secret), "{secret} leaked into the PDF");
        }
        assert!(
            text.contains("Efterkommere, vestlige"),
            "the group's row is in the PDF"
        );
    }
}

/// The cells of the row whose first cell is `first`, in the table on `sheet`.
fn table_row(doc: &Document, sheet: &str, first: &str) -> Vec<content::RCell> {
    let t = tables(doc)
        .into_iter()
        .find(|t| t.sheet == sheet)
        .unwrap_or_else(|| panic!("no table {sheet}"));
    t.rows
        .iter()
        .find(|r| r.iter().any(|c| c.text == first))
        .unwrap_or_else(|| panic!("no row {first} in {sheet}"))
        .clone()
}

fn html_row(html: &str, first: &str) -> String {
    let at = html.find(&format!(">{first}<")).expect("row in the HTML");
    let start = html[..at].rfind("<tr>").unwrap();
    let end = at + html[at..].find("</tr>").unwrap();
    html[start..end].to_string()
}

/// The PDF's text by poppler's pdftotext, when installed (the e2e test requires it).
fn pdf_text(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().ok()?;
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, pdf).ok()?;
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn the_summary_has_five_sentences_and_every_text_is_in_the_catalogue() {
    let layout = layout();
    let doc = content::build(
        &disclosed(&layout, &fixture::raw_marts()),
        &layout.catalogue,
        &layout.spec,
    )
    .unwrap();
    let summary = doc.sections[0]
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::Summary { items } => Some(items),
            _ => None,
        })
        .unwrap();
    assert_eq!(summary.len(), 5);
    for s in summary {
        assert!(s.ends_with('.'), "{s}");
        assert!(
            !s.contains('{') && !s.contains('['),
            "unfilled placeholder: {s}"
        );
    }
    assert!(summary[2].contains("ud af 100"), "{}", summary[2]);
    let html = layout.html.report(&doc, &layout.catalogue).unwrap();
    assert!(
        !html.contains("[") || !html.contains("]."),
        "no missing catalogue key"
    );
    assert!(html.contains("Månedsrapport juni 2024"));
}

#[test]
fn a_month_without_any_model_still_gives_a_report() {
    let layout = layout();
    let empty: BTreeMap<String, Table> = fixture::raw_marts()
        .into_iter()
        .map(|(name, t)| {
            let keep = name == "mart_inflow" || name == "mart_data_quality";
            (
                name,
                if keep {
                    t
                } else {
                    Table {
                        columns: t.columns,
                        rows: vec![],
                    }
                },
            )
        })
        .collect();
    let r = render(&layout, &disclosed(&layout, &empty), BUILT_AT).unwrap();
    let html = String::from_utf8(r.html).unwrap();
    assert!(
        html.contains("ikke vurderet af en model"),
        "summary says so"
    );
    assert!(r.pdf.len() > 10_000);
}

#[test]
fn a_missing_catalogue_text_fails_the_report_instead_of_showing_its_key() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(repo("reports")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    let templates = dir.path().join("templates");
    std::fs::create_dir(&templates).unwrap();
    for entry in std::fs::read_dir(repo("reports/templates")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, templates.join(path.file_name().unwrap())).unwrap();
    }
    let catalogue = dir.path().join("messages.da.toml");
    let text = std::fs::read_to_string(&catalogue).unwrap();
    std::fs::write(
        &catalogue,
        text.replace("model_kept = ", "model_kept_typo = "),
    )
    .unwrap();
    let layout = Layout::load(dir.path()).unwrap();
    let mut raw = fixture::raw_marts();
    fixture::kept_not_promoted(&mut raw);
    let err = render(&layout, &disclosed(&layout, &raw), BUILT_AT).unwrap_err();
    assert!(
        matches!(err, ReportError::MissingText(ref k) if k == "resume.model_kept"),
        "{err}"
    );
}

/// In a month without a scored cohort of its own, a model trained and put in use
/// that month is named (the cover said "ingen model endnu" and the manifest had no
/// model version).
#[test]
fn a_month_without_a_cohort_names_the_model_put_in_use_that_month() {
    let layout = layout();
    let mut raw = fixture::raw_marts();
    let cohorts = raw.get_mut("mart_cohorts").unwrap();
    let m = cohorts.column_index("cohort_month").unwrap();
    cohorts.rows.retain(|r| r[m] != Cell::Date(month()));
    let inputs = disclosed(&layout, &raw);
    assert_eq!(
        archive::Manifest::model_version_of(&inputs).as_deref(),
        Some("2024-06-a1b2c3d4")
    );
    let html = String::from_utf8(render(&layout, &inputs, BUILT_AT).unwrap().html).unwrap();
    assert!(
        html.contains("Modelversion i brug: 2024-06-a1b2c3d4"),
        "cover"
    );
    assert!(!html.contains("ingen model endnu"));
}
