//! The corpus of bad deliveries in `tests/fixtures/bad/`: each case is the valid
//! delivery of `tests/fixtures/good/2024-03/` with one file replaced, and an
//! `expected.toml` naming the error it must get. Adding a case is adding a folder.

use std::path::Path;

use super::parse::scrub_cpr;
use super::tests::{batches_loaded, copy_delivery, fixtures, pseudo, temp_store};
use super::*;

#[derive(Debug, serde::Deserialize)]
struct Expected {
    /// "file": the delivery is refused whole; "row": the row is refused.
    kind: String,
    file: String,
    line: u64,
    column: String,
    value: String,
    /// A part of the reason.
    reason: String,
}

/// Every CPR number in the case's files, as written (`DDMMYY-SSSS` and without the dash).
fn cprs_in(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let bytes = std::fs::read(e.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for w in text.split(|c: char| !(c.is_ascii_digit() || c == '-')) {
            let digits: String = w.chars().filter(char::is_ascii_digit).collect();
            if digits.len() == 10 && w.len() >= 10 {
                out.push(digits.clone());
                out.push(format!("{}-{}", &digits[..6], &digits[6..]));
            }
        }
    }
    out
}

fn file_name(path: &str) -> &str {
    Path::new(path)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(path)
}

#[test]
fn the_valid_delivery_of_the_corpus_loads_without_a_single_error() {
    let (_t, store) = temp_store();
    let r = load_batch(&store, &fixtures().join("good/2024-03"), &pseudo(), 0.0).unwrap();
    assert!(r.quarantined.is_empty(), "{:?}", r.quarantined);
    assert_eq!(r.total_rows(), 18);
}

#[test]
fn every_bad_delivery_in_the_corpus_gets_its_expected_error_with_cprs_masked() {
    let good = fixtures().join("good/2024-03");
    let mut cases: Vec<_> = std::fs::read_dir(fixtures().join("bad"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 45, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let expected: Expected =
            toml::from_str(&std::fs::read_to_string(case.join("expected.toml")).unwrap())
                .unwrap_or_else(|e| panic!("{name}/expected.toml: {e}"));
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("2024-03");
        copy_delivery(&good, &dir);
        for e in std::fs::read_dir(case).unwrap() {
            let e = e.unwrap();
            if e.file_name() != "expected.toml" {
                std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
            }
        }
        let (_s, store) = temp_store();
        // Any share of bad rows is allowed here, so that row errors come back as
        // quarantine and only a refused file is an error.
        let outcome = dry_run(&store, &dir, &pseudo(), 1.0);
        let (kind, errors, message) = match &outcome {
            Ok(r) => (
                "row",
                r.quarantined.clone(),
                r.quarantined
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            Err(e) => ("file", e.row_errors(), e.to_string()),
        };
        let found = errors.iter().any(|e| {
            file_name(&e.file) == expected.file
                && e.line == expected.line
                && e.column == expected.column
                && e.value == expected.value
                && e.reason.contains(&expected.reason)
        });
        if kind != expected.kind || !found {
            failures.push(format!(
                "{name}: expected a {} error {expected:?}, got a {kind} outcome:\n{message}\n{errors:?}",
                expected.kind
            ));
        }
        for cpr in cprs_in(case) {
            assert!(
                !message.contains(&cpr),
                "{name}: a CPR in the message: {message}"
            );
        }
        assert_eq!(
            scrub_cpr(&message),
            message,
            "{name}: a CPR-shaped value in the message"
        );

        // With the default limit (1 %) every case refuses the delivery, and nothing is written.
        let err = load_batch(&store, &dir, &pseudo(), 0.01)
            .err()
            .unwrap_or_else(|| panic!("{name}: loaded despite its error"));
        assert!(err.is_rejection(), "{name}: {err}");
        assert_eq!(
            batches_loaded(&store),
            0,
            "{name}: a refused delivery left a batch"
        );

        // With any share of bad rows allowed, a row case loads its good rows:
        // no CPR-shaped value may reach any text column of the store (#23).
        let (_s2, store) = temp_store();
        let loaded = load_batch(&store, &dir, &pseudo(), 1.0);
        assert_eq!(
            loaded.is_ok(),
            expected.kind == "row",
            "{name}: {:?}",
            loaded.err().map(|e| e.to_string())
        );
        let found = crate::store::cpr_shaped_values(&store.lock()).unwrap();
        assert!(
            found.is_empty(),
            "{name}: CPR-shaped values stored: {found:?}"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
