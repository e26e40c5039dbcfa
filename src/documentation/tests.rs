//! The documents without a store: built from empty inputs (a first month, before
//! any model) they say which sources do not exist yet, and every text is found.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;

use super::*;
use crate::report::Block;

fn layout() -> Layout {
    Layout::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("reports")).unwrap()
}

fn empty_inputs() -> Inputs {
    let mut marts = BTreeMap::new();
    for m in inputs::MARTS {
        marts.insert((*m).to_string(), crate::table::Table::default());
    }
    Inputs {
        month: NaiveDate::from_ymd_opt(2024, 6, 1).unwrap(),
        k: 5,
        params: crate::report::inputs::params(
            &crate::config::PipelineConfig::load(
                &Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/monthly.toml"),
            )
            .unwrap(),
        ),
        marts,
    }
}

fn caveats(b: &Built) -> Vec<(String, String)> {
    b.doc
        .sections
        .iter()
        .flat_map(|s| &s.blocks)
        .filter_map(|b| match b {
            Block::Caveat { title, text } => Some((title.clone(), text.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn a_first_month_without_sources_says_so_instead_of_inventing_figures() {
    let built = build(&layout(), &empty_inputs()).unwrap();
    assert_eq!(built.len(), 4);
    let technical = &built[0];
    let boxes = caveats(technical);
    assert!(
        boxes
            .iter()
            .any(|(t, x)| t == "Kilden findes ikke endnu" && x.contains("ikke målt")),
        "{boxes:?}"
    );
    assert!(boxes.iter().any(|(t, _)| t == "Udfyldes af kommunen"));
    // No figure was taken from an empty mart.
    assert!(built.iter().all(|b| b.sources.is_empty()));
    let fria = caveats(&built[2]);
    assert!(
        fria.iter()
            .filter(|(t, _)| t == "Udfyldes af kommunen")
            .count()
            >= 5
    );
}

#[test]
fn each_document_renders_to_html_and_a_pdf_with_the_same_bytes_twice() {
    let l = layout();
    let a = render(&l, &empty_inputs(), "2024-07-05T06:00:00Z").unwrap();
    let b = render(&l, &empty_inputs(), "2024-07-05T06:00:00Z").unwrap();
    assert_eq!(a.len(), 8);
    assert_eq!(a, b);
    let names: Vec<&str> = a.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"fria-2024-06.pdf"), "{names:?}");
    assert!(a
        .iter()
        .all(|(n, bytes)| !n.ends_with(".pdf") || bytes.starts_with(b"%PDF")));
}

#[test]
fn the_documents_read_tables_never_a_view_that_changes_after_the_run() {
    for name in inputs::MARTS {
        let mart = crate::marts::get(name).unwrap().unwrap();
        assert!(
            !mart.sql.contains("create or replace view"),
            "{name} is a view: a month's documents must be rebuildable from what the run left"
        );
    }
}

/// The look-up's use is counted from the audit log by month, answered and
/// refused apart, all users together, and quoted in the oversight section; with
/// no look-up the section says it is not measured (the test above).
#[test]
fn the_oversight_section_counts_the_look_ups_of_each_month_from_the_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let key = crate::encryption::EncryptionKey::from_hex(&"ab".repeat(32)).unwrap();
    let store = crate::store::Store::open(&dir.path().join("s.duckdb"), &key).unwrap();
    let conn = store.lock();
    let rows = [
        ("2024-05-03 09:00:00", "borgeropslag", "tilladt"),
        ("2024-05-03 09:01:00", "vurdering", "tilladt"),
        ("2024-05-20 10:00:00", "borgeropslag", "afvist"),
        ("2024-06-02 08:00:00", "borgeropslag", "tilladt"),
        ("2024-06-02 08:05:00", "borgeropslag", "tilladt"),
        ("2024-06-02 08:06:00", "visning", "tilladt"),
    ];
    for (seq, (at, action, outcome)) in rows.iter().enumerate() {
        conn.execute(
            "insert into access_audit (seq, logged_at, username, role, method, path, action, outcome, status, prev_hash, hash)
             values (?, ?::timestamp, 'sb1', 'sagsbehandler', 'POST', '/borger', ?, ?, 200, '', '')",
            duckdb::params![seq as i64 + 1, at, action, outcome],
        )
        .unwrap();
    }
    crate::store::run_mart(&conn, "mart_lookup_use").unwrap();
    let mart = crate::store::read_mart(&conn, "mart_lookup_use").unwrap();
    assert_eq!(
        mart.columns,
        ["month", "lookups", "lookups_refused", "judgements_recorded"]
    );
    use crate::table::Cell;
    let date = |m: u32| Cell::Date(NaiveDate::from_ymd_opt(2024, m, 1).unwrap());
    assert_eq!(
        mart.rows,
        [
            vec![date(5), Cell::Int(1), Cell::Int(1), Cell::Int(1)],
            vec![date(6), Cell::Int(2), Cell::Int(0), Cell::Int(0)]
        ]
    );

    let mut inputs = empty_inputs();
    inputs.marts.insert("mart_lookup_use".into(), mart);
    let built = build(&layout(), &inputs).unwrap();
    let quoted: Vec<(&str, &str)> = built[0]
        .sources
        .iter()
        .filter(|s| s.mart == "mart_lookup_use")
        .map(|s| (s.column.as_str(), s.shown.as_str()))
        .collect();
    assert!(quoted.contains(&("lookups", "2")), "{quoted:?}");
    assert!(quoted.contains(&("lookups_refused", "1")), "{quoted:?}");
    assert!(!caveats(&built[0])
        .iter()
        .any(|(_, x)| x.contains("Opslaget er endnu ikke brugt")));
    assert!(caveats(&build(&layout(), &empty_inputs()).unwrap()[0])
        .iter()
        .any(|(_, x)| x.contains("Opslaget er endnu ikke brugt")));
}
