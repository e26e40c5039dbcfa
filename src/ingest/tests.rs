//! Unit tests of reading and checking values, and helpers shared by the ingest
//! tests that need a store.

use std::path::{Path, PathBuf};

use super::parse::{parse_date, parse_value, scrub_cpr, CellContext};
use super::*;
use crate::encryption::EncryptionKey;
use crate::extracts::{self, ColumnType};
use crate::pseudonym::Pseudonymiser;
use crate::store::{query_table, run_file, STAGING};
use crate::table::Table;
use chrono::NaiveDate;
use duckdb::types::Value;

pub(super) fn pseudo() -> Pseudonymiser {
    Pseudonymiser::new(vec![7; 32]).unwrap()
}

/// A fresh encrypted store in a temporary folder.
pub(super) fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let key = EncryptionKey::from_hex(&"ab".repeat(32)).unwrap();
    let store = Store::open(&dir.path().join("store.duckdb"), &key).unwrap();
    (dir, store)
}

/// The repository's `tests/fixtures` folder.
pub(super) fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Writes a delivery folder `root/<month>` as the contract asks (UTF-8 with BOM,
/// CRLF); files not named get only their header.
pub(super) fn write_delivery(root: &Path, month: &str, files: &[(&str, &[&str])]) -> PathBuf {
    let dir = root.join(month);
    std::fs::create_dir_all(&dir).unwrap();
    for e in extracts::ALL {
        let rows = files
            .iter()
            .find(|(f, _)| *f == e.file)
            .map_or(&[][..], |(_, r)| *r);
        let mut text = String::from("\u{feff}");
        for line in std::iter::once(e.header().join(";")).chain(rows.iter().map(|r| r.to_string()))
        {
            text.push_str(&line);
            text.push_str("\r\n");
        }
        std::fs::write(dir.join(e.file), text).unwrap();
    }
    dir
}

/// Copies a delivery folder's files into `to` (created).
pub(super) fn copy_delivery(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// A staging view as a run for `month` (`YYYY-MM-DD`) sees it, sorted.
pub(super) fn staging(store: &Store, month: &str, view: &str) -> Table {
    let conn = store.lock();
    conn.execute("delete from run_params", []).unwrap();
    conn.execute("insert into run_params values (?::date, 12)", [month])
        .unwrap();
    for f in STAGING {
        run_file(&conn, f).unwrap();
    }
    let sql = [
        "select * exclude (delivered_month) from ",
        view,
        " order by all",
    ]
    .concat();
    query_table(&conn, &sql, []).unwrap()
}

fn ctx() -> CellContext<'static> {
    CellContext {
        extract: &extracts::SPELLS,
        column: "startdato",
        month_end: NaiveDate::from_ymd_opt(2024, 3, 31).unwrap(),
        range: None,
    }
}

fn parse_one(raw: &str, ty: ColumnType) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    parse_value(raw, ty, false, &ctx(), &pseudo(), &mut out, &mut None).map(|_| out)
}

fn parse_status(text: &str) -> (Result<ParsedFile, IngestError>, Vec<RowError>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("status.csv"), text).unwrap();
    let mut errors = Vec::new();
    let month_end = NaiveDate::from_ymd_opt(2024, 3, 31).unwrap();
    let parsed = read::parse_file(
        dir.path(),
        &extracts::STATUS,
        month_end,
        &pseudo(),
        &mut errors,
        &NoProgress,
    );
    (parsed, errors)
}

#[test]
fn a_date_after_the_delivery_month_is_refused() {
    let err = parse_one("01-04-2024", ColumnType::Date).unwrap_err();
    assert!(err.contains("31-03-2024"), "{err}");
}

#[test]
fn dates_are_read_in_danish_and_iso_form_and_impossible_ones_refused() {
    let d = NaiveDate::from_ymd_opt(2024, 2, 29);
    assert_eq!(parse_date("29-02-2024"), d);
    assert_eq!(parse_date("2024-02-29"), d);
    assert_eq!(parse_date(" 29-02-2024 "), d);
    for bad in [
        "30-02-2024",
        "29-2-2024",
        "2024/02/29",
        "29-02-24",
        "ab-cd-efgh",
        "",
    ] {
        assert_eq!(parse_date(bad), None, "{bad}");
    }
}

#[test]
fn decimal_commas_are_read_and_points_refused() {
    assert_eq!(
        parse_one("3,5", ColumnType::Decimal).unwrap(),
        vec![Value::Double(3.5)]
    );
    let err = parse_one("2.5", ColumnType::Decimal).unwrap_err();
    assert!(err.contains("komma"), "{err}");
}

#[test]
fn an_unknown_code_names_the_allowed_ones() {
    let err = parse_one("x", ColumnType::Code(extracts::STATUSES)).unwrap_err();
    assert!(err.contains("beskaeftiget"), "{err}");
}

#[test]
fn text_that_a_spreadsheet_would_run_as_a_formula_is_refused() {
    for bad in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", " =1"] {
        let err = parse_one(bad, ColumnType::Text).unwrap_err();
        assert!(err.contains("formel"), "{bad}: {err}");
    }
    assert!(parse_one("Team Øst", ColumnType::Text).is_ok());
}

#[test]
fn a_cpr_becomes_a_pseudonym_and_never_stays_in_the_output() {
    let mut out = Vec::new();
    let mut person = None;
    let c = CellContext {
        extract: &extracts::CITIZENS,
        column: "cpr",
        month_end: ctx().month_end,
        range: None,
    };
    parse_value(
        "010190-1233",
        ColumnType::Cpr,
        false,
        &c,
        &pseudo(),
        &mut out,
        &mut person,
    )
    .unwrap();
    assert_eq!(out.len(), 3, "pseudonym, birth date, sex");
    let (key, birth) = person.expect("the CPR's key");
    assert_eq!(birth, NaiveDate::from_ymd_opt(1990, 1, 1).unwrap());
    assert_eq!(out[0], Value::Text(crate::pseudonym::pseudonym_text(key)));
    assert!(!format!("{out:?}").contains("0101901233"));
    assert!(!format!("{out:?}").contains("010190-1233"));
}

#[test]
fn cpr_shaped_runs_are_masked_wherever_they_stand() {
    assert_eq!(scrub_cpr("010190-1233"), "010190-****");
    assert_eq!(scrub_cpr("x0101901233;y"), "x010190-****;y");
    assert_eq!(
        scrub_cpr("a 010190-1233+010190-1234"),
        "a 010190-****+010190-****"
    );
    // Not a CPR: a longer number, a date, an id.
    assert_eq!(scrub_cpr("01019012334"), "01019012334");
    assert_eq!(scrub_cpr("01-03-2024"), "01-03-2024");
    assert_eq!(scrub_cpr("F0000001"), "F0000001");
}

#[test]
fn the_last_day_of_february_in_a_leap_year() {
    assert_eq!(
        last_day(NaiveDate::from_ymd_opt(2024, 2, 10).unwrap()).to_string(),
        "2024-02-29"
    );
}

#[test]
fn a_bad_value_is_reported_on_its_line_in_the_file_counting_the_header() {
    let (parsed, errors) = parse_status(
        "\u{feff}cpr;maaned;status\r\n010190-1233;01-03-2024;ydelse\r\n010190-1233;01-02-2024;ledig\r\n",
    );
    assert_eq!(parsed.unwrap().lines, vec![2]);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 3, "{}", errors[0]);
}

#[test]
fn a_truncated_last_line_refuses_the_file_and_names_its_line() {
    let (parsed, _) =
        parse_status("cpr;maaned;status\r\n010190-1233;01-03-2024;ydelse\r\n010190-1233;01-03-20");
    let text = parsed
        .err()
        .expect("a truncated file is an error")
        .to_string();
    assert!(text.contains("linje 3"), "{text}");
    assert!(text.contains("afkortet"), "{text}");
}

/// The contract has no line break inside a value: a quoted one refuses the
/// file (it used to be read as one value over two lines).
#[test]
fn a_quoted_line_break_refuses_the_file_where_the_field_starts() {
    let (parsed, _) = parse_status(
        "cpr;maaned;status\r\n\"010190-1233\";01-03-2024;\"yd\r\nelse\"\r\n010190-1233;01-02-2024;x\r\n",
    );
    let e = parsed.err().expect("refused").row_errors();
    assert_eq!(
        (e[0].line, e[0].column.as_str(), e[0].value.as_str()),
        (2, "status", "yd")
    );
    assert!(e[0].reason.contains("linjeskift"), "{e:?}");
}

#[test]
fn a_row_error_names_file_line_column_value_and_reason() {
    let e = RowError {
        file: "x/status.csv".into(),
        line: 3,
        column: "status".into(),
        value: "ledig".into(),
        reason: "ukendt kode".into(),
    };
    assert_eq!(
        e.to_string(),
        "x/status.csv, linje 3, kolonne 'status', værdi 'ledig': ukendt kode"
    );
    let p = RowError {
        file: "x/status.parquet".into(),
        ..e
    };
    assert!(p.to_string().contains("række 3"), "{p}");
}

/// The same delivery in Windows-1252 (no BOM) and in UTF-8 with a BOM.
#[test]
fn a_windows_1252_delivery_and_the_same_in_utf8_with_bom_load_identically() {
    let good = fixtures().join("good/2024-03");
    let tmp = tempfile::tempdir().unwrap();
    let utf8 = tmp.path().join("utf8/2024-03");
    let cp1252 = tmp.path().join("cp1252/2024-03");
    copy_delivery(&good, &utf8);
    std::fs::create_dir_all(&cp1252).unwrap();
    let mut saw_non_ascii = false;
    for e in extracts::ALL {
        let bytes = std::fs::read(good.join(e.file)).unwrap();
        let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap()).unwrap();
        let (encoded, _, lossy) = encoding_rs::WINDOWS_1252.encode(text);
        assert!(!lossy);
        saw_non_ascii |= encoded.iter().any(|b| *b >= 0x80);
        std::fs::write(cp1252.join(e.file), &encoded).unwrap();
    }
    assert!(saw_non_ascii, "the fixture has æ, ø or å to get wrong");
    let mut tables = Vec::new();
    for dir in [&utf8, &cp1252] {
        let (_t, store) = temp_store();
        let r = load_batch(&store, dir, &pseudo(), 0.0).unwrap();
        assert!(r.quarantined.is_empty(), "{:?}", r.quarantined);
        let views = [
            "stg_citizens",
            "stg_spells",
            "stg_interviews",
            "stg_cvs",
            "stg_programmes",
            "stg_status",
        ];
        tables.push(views.map(|v| staging(&store, "2024-03-01", v)));
    }
    for (a, b) in tables[0].iter().zip(&tables[1]) {
        assert!(!a.rows.is_empty());
        assert_eq!(a, b);
    }
    let districts = format!("{:?}", tables[1][0].rows);
    assert!(
        districts.contains("Østerhøj") && districts.contains("Nørrevang"),
        "{districts}"
    );
}

#[test]
fn a_loaded_delivery_loses_its_files_keeps_a_receipt_and_is_recognised_as_loaded() {
    let tmp = tempfile::tempdir().unwrap();
    let (_s, store) = temp_store();
    let dir = write_delivery(
        tmp.path(),
        "2024-02",
        &[
            ("borgere.csv", &["010190-1233;7100;Midtby;dansk"]),
            ("status.csv", &["010190-1233;01-02-2024;ydelse"]),
        ],
    );
    std::fs::write(dir.join("note.txt"), "not an extract").unwrap();
    assert!(!holds_no_delivery_files(&dir));
    let load = load_batch(&store, &dir, &pseudo(), 0.0).unwrap();
    // A correction dropped into the folder after it was read is not what was
    // loaded: it is kept, and the receipt says so.
    std::fs::write(dir.join("status.csv"), "cpr;maaned;status\r\n").unwrap();
    let removed = remove_loaded_delivery(&dir, &load).unwrap();
    assert_eq!(removed.kept, vec!["status.csv".to_string()]);
    assert_eq!(removed.deleted.len(), extracts::ALL.len() - 1);
    assert!(!holds_no_delivery_files(&dir) && dir.join("status.csv").exists());
    // Only the contract's files go; anything else in the folder stays.
    assert!(dir.join("note.txt").exists());
    let receipt = std::fs::read_to_string(dir.join(RECEIPT_FILE)).unwrap();
    assert!(
        receipt.contains(&load.batch_id) && receipt.contains("borgere.csv"),
        "{receipt}"
    );
    assert!(
        receipt.contains("Beholdt") && receipt.contains("status.csv"),
        "{receipt}"
    );
    assert!(!receipt.contains("010190"), "{receipt}");
    assert!(month_loaded(&store, load.month).unwrap());
    // Once the folder holds the loaded files only, all of them go.
    let (_t, other) = temp_store();
    let dir2 = write_delivery(
        tmp.path(),
        "2024-03",
        &[
            ("borgere.csv", &["010190-1233;7100;Midtby;dansk"]),
            ("status.csv", &["010190-1233;01-03-2024;ydelse"]),
        ],
    );
    let load2 = load_batch(&other, &dir2, &pseudo(), 0.0).unwrap();
    assert!(
        !month_loaded(&other, load.month).unwrap(),
        "February is not in this store"
    );
    let removed = remove_loaded_delivery(&dir2, &load2).unwrap();
    assert_eq!(removed.deleted.len(), extracts::ALL.len());
    assert!(holds_no_delivery_files(&dir2));
    // Nothing left to delete the second time.
    assert_eq!(
        remove_loaded_delivery(&dir2, &load2).unwrap(),
        Removal::default()
    );
}

#[test]
fn a_removal_cut_short_by_a_crash_is_finished_and_nothing_else_is_touched() {
    let tmp = tempfile::tempdir().unwrap();
    let (_s, store) = temp_store();
    let lines: &[(&str, &[&str])] = &[
        ("borgere.csv", &["010190-1233;7100;Midtby;dansk"]),
        ("status.csv", &["010190-1233;01-02-2024;ydelse"]),
    ];
    let dir = write_delivery(tmp.path(), "2024-02", lines);
    let load = load_batch(&store, &dir, &pseudo(), 0.0).unwrap();
    // Not loaded files gone: nothing to finish (all there is a repeat, loaded as usual).
    assert_eq!(
        finish_interrupted_removal(&store, &dir, load.month).unwrap(),
        None
    );
    // The process died after deleting borgere.csv, before the receipt.
    std::fs::remove_file(dir.join("borgere.csv")).unwrap();
    let finished = finish_interrupted_removal(&store, &dir, load.month)
        .unwrap()
        .expect("finished");
    assert!(finished.deleted.contains(&"status.csv".to_string()));
    assert!(holds_no_delivery_files(&dir) && dir.join(RECEIPT_FILE).exists());
    // A changed file is a new delivery, never deleted as if it had been loaded.
    let tmp2 = tempfile::tempdir().unwrap();
    let dir2 = write_delivery(tmp2.path(), "2024-02", lines);
    let (_t, other) = temp_store();
    let load2 = load_batch(&other, &dir2, &pseudo(), 0.0).unwrap();
    std::fs::remove_file(dir2.join("borgere.csv")).unwrap();
    std::fs::write(dir2.join("status.csv"), "cpr;maaned;status\r\n").unwrap();
    assert_eq!(
        finish_interrupted_removal(&other, &dir2, load2.month).unwrap(),
        None
    );
    assert!(dir2.join("status.csv").exists() && !dir2.join(RECEIPT_FILE).exists());
}

/// February with three citizens, and March's delivery adding a fourth with
/// `march_status` as its status rows (`None`: a status row for all four).
fn february_loaded_and_march(
    root: &Path,
    march_status: Option<&[&str]>,
) -> (tempfile::TempDir, Store, PathBuf) {
    let (t, store) = temp_store();
    let feb = write_delivery(
        &root.join("feb"),
        "2024-02",
        &[
            (
                "borgere.csv",
                &[
                    "010190-1233;7100;Midtby;dansk",
                    "020285-2346;7130;Nørrevang;dansk",
                    "150375-3451;7160;Østerhøj;dansk",
                ],
            ),
            (
                "status.csv",
                &[
                    "010190-1233;01-02-2024;ydelse",
                    "020285-2346;01-02-2024;ydelse",
                    "150375-3451;01-02-2024;ydelse",
                ],
            ),
        ],
    );
    load_batch(&store, &feb, &pseudo(), 0.0).unwrap();
    let all = [
        "010190-1233;01-03-2024;ydelse",
        "020285-2346;01-03-2024;beskaeftiget",
        "150375-3451;01-03-2024;ydelse",
        "240466-1235;01-03-2024;ydelse",
        // The new citizen's register history.
        "240466-1235;01-02-2024;beskaeftiget",
    ];
    let march = write_delivery(
        &root.join("march"),
        "2024-03",
        &[
            ("borgere.csv", &["240466-1235;7100;Midtby;dansk"]),
            ("status.csv", march_status.unwrap_or(&all)),
        ],
    );
    (t, store, march)
}

/// How many batches the store's ledger holds (a refused delivery adds none).
pub(super) fn batches_loaded(store: &Store) -> i64 {
    store
        .lock()
        .query_row("select count(*) from load_batches", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_status_file_cut_at_a_row_boundary_is_refused_and_nothing_is_loaded() {
    let tmp = tempfile::tempdir().unwrap();
    // The writer got as far as the second citizen: every line whole, the rest missing.
    let cut: &[&str] = &[
        "010190-1233;01-03-2024;ydelse",
        "020285-2346;01-03-2024;beskaeftiget",
    ];
    let (_t, store, march) = february_loaded_and_march(tmp.path(), Some(cut));
    for dry in [true, false] {
        let outcome = if dry {
            dry_run(&store, &march, &pseudo(), 0.5)
        } else {
            load_batch(&store, &march, &pseudo(), 0.5)
        };
        let err = outcome.expect_err("a cut status file is refused");
        assert!(err.is_rejection(), "{err}");
        assert!(matches!(err, IngestError::StatusIncomplete(_)), "{err:?}");
        let text = err.to_string();
        for part in [
            "2 af 4 kendte borgere har ingen status for 01-03-2024",
            "1 fra tidligere måneder, 1 nye i denne levering",
            "afkortet eller ved at blive skrevet",
            "Intet er indlæst",
            // The new citizen is named by its row, masked.
            "borgere.csv, linje 2, kolonne 'cpr', værdi '240466-****'",
        ] {
            assert!(text.contains(part), "{part:?} not in: {text}");
        }
        // The citizen of February is only counted: the load knows its pseudonym alone.
        let known = pseudo().pseudonym(&crate::pseudonym::Cpr::parse("150375-3451").unwrap());
        assert!(!text.contains(&known) && !text.contains("150375"), "{text}");
        assert!(!text.contains("240466-1235"), "{text}");
        assert_eq!(batches_loaded(&store), 1, "February only");
    }
    // The whole file, written to the end, loads.
    let (_u, store, march) = february_loaded_and_march(tmp.path(), None);
    let r = load_batch(&store, &march, &pseudo(), 0.0).unwrap();
    assert!(r.quarantined.is_empty(), "{:?}", r.quarantined);
    assert_eq!(batches_loaded(&store), 2);
}

#[test]
fn a_bad_status_row_of_a_citizen_is_quarantined_and_the_rest_loads() {
    let tmp = tempfile::tempdir().unwrap();
    let rows: &[&str] = &[
        "010190-1233;01-03-2024;ydelse",
        "020285-2346;01-03-2024;ledig",
        "150375-3451;01-03-2024;ydelse",
        "240466-1235;01-03-2024;ydelse",
        "240466-1235;01-02-2024;beskaeftiget",
    ];
    let (_t, store, march) = february_loaded_and_march(tmp.path(), Some(rows));
    let r = load_batch(&store, &march, &pseudo(), 0.5).unwrap();
    assert_eq!(r.quarantined.len(), 1, "{:?}", r.quarantined);
    let q = &r.quarantined[0];
    assert_eq!((q.line, q.column.as_str()), (3, "status"), "{q}");
    assert!(q.reason.contains("ukendt kode"), "{q}");
    let status: i64 = store
        .lock()
        .query_row(
            "select count(*) from raw_status where batch_id = ?",
            [&r.batch_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(status, 4);

    // One bad row can stand for one missing citizen, not for two.
    let (_u, store, march) = february_loaded_and_march(tmp.path(), Some(&rows[..4]));
    assert!(load_batch(&store, &march, &pseudo(), 0.5).is_ok());
    let (_v, store, march) = february_loaded_and_march(tmp.path(), Some(&rows[..3]));
    let err = load_batch(&store, &march, &pseudo(), 0.5).unwrap_err();
    assert!(
        err.to_string()
            .contains("2 af 4 kendte borgere har ingen status"),
        "{err}"
    );
    assert_eq!(batches_loaded(&store), 1);
}

/// Missing register history at first contact was loaded without a word and the
/// history features silently counted the missing months as months of nothing.
#[test]
fn missing_history_of_new_citizens_warns_with_counts_and_is_refused_above_the_threshold() {
    let opts = |max: f64| LoadOptions {
        max_bad_share: 0.5,
        max_incomplete_history_share: max,
        dry_run: false,
        progress: &NoProgress,
    };
    // March's new citizen comes with 1 of the 36 history months.
    let tmp = tempfile::tempdir().unwrap();
    let (_t, store, march) = february_loaded_and_march(tmp.path(), None);
    let before = batches_loaded(&store);
    let err = load(&store, &march, &pseudo(), &opts(0.05)).expect_err("refused");
    assert!(err.is_rejection(), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("1 af 1 nye borgere mangler registerhistorik (i alt 35 af de 36 måneder"),
        "{text}"
    );
    assert_eq!(batches_loaded(&store), before, "nothing loaded");
    let r = load(&store, &march, &pseudo(), &opts(1.0)).unwrap();
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(
        r.warnings[0].contains("1 af 1 nye borgere mangler registerhistorik (35 måneder"),
        "{}",
        r.warnings[0]
    );

    // With the whole history: no warning at the strict threshold.
    let tmp = tempfile::tempdir().unwrap();
    let mut rows: Vec<String> = vec![
        "010190-1233;01-03-2024;ydelse".into(),
        "020285-2346;01-03-2024;beskaeftiget".into(),
        "150375-3451;01-03-2024;ydelse".into(),
        "240466-1235;01-03-2024;ydelse".into(),
    ];
    let march_start = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    for back in 1..=36 {
        let m = march_start - chrono::Months::new(back);
        rows.push(format!("240466-1235;{};beskaeftiget", m.format("%d-%m-%Y")));
    }
    let all: Vec<&str> = rows.iter().map(String::as_str).collect();
    let (_t, store, march) = february_loaded_and_march(tmp.path(), Some(&all));
    let r = load(&store, &march, &pseudo(), &opts(0.05)).unwrap();
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}
