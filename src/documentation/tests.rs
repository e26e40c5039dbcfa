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
