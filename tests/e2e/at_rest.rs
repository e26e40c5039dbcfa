//! What the product leaves on persistent disk (#3): after a backfill, no file in the
//! data dir holds a CPR number, a pseudonym or a district name in plain bytes. The
//! needles come from the deliveries themselves (every CPR and district in the
//! citizens' files, generated again with the same seed, since the loaded ones are
//! deleted) and the pseudonyms are computed with the installation's key.
//!
//! `inbox/` is searched too: after loading, only receipts are left there. `keys/`
//! holds the keys and is not searched. The committee reports under `reports/` name
//! districts on purpose (aggregate figures by district, through disclosure
//! control), so only CPRs and pseudonyms are searched for there.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use aho_corasick::AhoCorasick;
use jobcockpit::pseudonym::{Cpr, Pseudonymiser};

use crate::helpers::{shared_app, small_synth};

/// Every file under `dir`, recursively.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// (CPR as delivered, district) of every citizen row in every delivery.
fn delivered(inbox: &Path) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut cprs, mut districts) = (BTreeSet::new(), BTreeSet::new());
    let mut all = Vec::new();
    files(inbox, &mut all);
    for path in all.iter().filter(|p| p.ends_with("borgere.csv")) {
        let text = std::fs::read_to_string(path).expect("citizens file");
        let mut lines = text.lines();
        let header: Vec<&str> = lines
            .next()
            .expect("header")
            .trim_start_matches('\u{feff}')
            .split(';')
            .collect();
        let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
        let (cpr, district) = (col("cpr"), col("distrikt"));
        for line in lines {
            let fields: Vec<&str> = line.split(';').collect();
            cprs.insert(fields[cpr].to_string());
            districts.insert(fields[district].to_string());
        }
    }
    (cprs, districts)
}

#[test]
fn no_file_the_product_leaves_holds_a_cpr_a_pseudonym_or_a_district_name() {
    let t = shared_app();
    let settings = &t.app.settings;
    // The deliveries were deleted once loaded: each month folder keeps a receipt.
    let months = jobcockpit::ingest::delivery_folders(&settings.inbox_dir()).expect("inbox");
    assert!(months.len() >= 48, "{} month folders", months.len());
    for (_, dir) in &months {
        assert!(
            jobcockpit::ingest::holds_no_delivery_files(dir)
                && dir.join(jobcockpit::ingest::RECEIPT_FILE).is_file(),
            "{} still holds its delivery",
            dir.display()
        );
    }
    let again = tempfile::tempdir().expect("temp dir");
    jobcockpit::synth::generate(&small_synth(), again.path()).expect("synth");
    let (cprs, districts) = delivered(again.path());
    assert!(cprs.len() > 1_000, "{} CPRs delivered", cprs.len());
    assert!(districts.len() >= 5, "{districts:?}");

    let keyed = Pseudonymiser::from_key_file(&settings.key_path()).expect("pseudonym key");
    let mut personal: Vec<String> = Vec::new();
    for raw in &cprs {
        let cpr = Cpr::parse(raw).expect("a delivered CPR parses");
        personal.push(keyed.pseudonym(&cpr));
        // Both ways a CPR is written: with and without the hyphen.
        personal.push(raw.clone());
        personal.push(raw.replace('-', ""));
    }
    let personal_only = AhoCorasick::new(&personal).expect("automaton");
    let with_districts =
        AhoCorasick::new(personal.iter().chain(districts.iter())).expect("automaton");

    let data_dir = &settings.data_dir;
    let mut searched = Vec::new();
    files(data_dir, &mut searched);
    searched.retain(|p| !p.starts_with(data_dir.join("keys")));
    assert!(searched
        .iter()
        .any(|p| p.ends_with(jobcockpit::ingest::RECEIPT_FILE)));
    let store_bytes: u64 = searched
        .iter()
        .filter(|p| p.starts_with(settings.store_path()))
        .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum();
    assert!(
        store_bytes > 1_000_000,
        "the store is among the files searched"
    );
    assert!(searched
        .iter()
        .any(|p| p.starts_with(data_dir.join("models"))));
    assert!(searched
        .iter()
        .any(|p| p.starts_with(settings.report_archive_dir())));
    // The accountability documents quote the same published tables as the report
    // (fairness and the proxy audit by district), so like the report they may name
    // a district, never a person.
    let documents = data_dir.documentation();
    assert!(searched.iter().any(|p| p.starts_with(&documents)));

    for path in &searched {
        // A file may be removed under us by a concurrent test's run (temp files).
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let automaton =
            if path.starts_with(settings.report_archive_dir()) || path.starts_with(&documents) {
                &personal_only
            } else {
                &with_districts
            };
        if let Some(m) = automaton.find(&bytes[..]) {
            let found = &bytes[m.start()..m.end()];
            // Never print a CPR, even a synthetic one: say what kind it was.
            let kind = if districts.iter().any(|d| d.as_bytes() == found) {
                format!("the district name {}", String::from_utf8_lossy(found))
            } else {
                "a CPR number or pseudonym".to_string()
            };
            panic!(
                "{} holds {kind} in plain bytes at offset {}",
                path.display(),
                m.start()
            );
        }
    }
}

/// No text column of the store holds a CPR-shaped value after a whole backfill
/// (#23): the pattern is `store::CPR_PATTERN`, the columns every VARCHAR and
/// JSON column of every table. A scan that finds nothing must have searched:
/// the raw tables are among the columns, and the same scan finds a CPR planted
/// in a copy of one.
#[test]
fn no_text_column_of_the_store_holds_a_cpr_shaped_value() {
    let t = shared_app();
    let conn = t.app.store.lock();
    let found = jobcockpit::store::cpr_shaped_values(&conn).expect("scan");
    assert!(
        found.is_empty(),
        "CPR-shaped values in the store: {found:?}"
    );
    let raw_rows: i64 = conn
        .query_row("select count(*) from raw_interviews", [], |r| r.get(0))
        .expect("count");
    assert!(raw_rows > 1_000, "{raw_rows} interview rows were scanned");
    // The scan can fail: the same check on a table with one planted CPR.
    conn.execute_batch("create temp table planted as select 'Team Midt;S1;F1;010190-1233' as team")
        .expect("plant");
    let planted: i64 = conn
        .query_row(
            "select count(*) from planted where regexp_matches(team, ?)",
            [jobcockpit::store::CPR_PATTERN],
            |r| r.get(0),
        )
        .expect("count");
    conn.execute_batch("drop table planted").expect("drop");
    assert_eq!(planted, 1);
}
