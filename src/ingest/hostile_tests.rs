//! Hostile deliveries (#23) that a fixture folder cannot hold: symbolic links,
//! a FIFO, sparse files of gigabytes, a file that changes while it is read, and
//! the scan that proves no CPR-shaped value reached the store.

use std::path::Path;

use super::tests::{batches_loaded as batches, copy_delivery, fixtures, pseudo, temp_store};
use super::*;

/// What the store key looks like: 64 hex digits, in a file of its own.
const KEY_HEX: &str = "5eb63bbbe01eeed093cb22bb8f5acdc35eb63bbbe01eeed093cb22bb8f5acdc3";

fn good_copy(root: &Path) -> PathBuf {
    let dir = root.join("inbox/2024-03");
    copy_delivery(&fixtures().join("good/2024-03"), &dir);
    dir
}

fn key_file(root: &Path) -> PathBuf {
    let keys = root.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let key = keys.join("store.key");
    std::fs::write(&key, format!("{KEY_HEX}\n")).unwrap();
    key
}

#[test]
fn an_extract_that_is_a_link_to_the_store_key_is_refused_and_the_key_never_printed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = good_copy(tmp.path());
    let key = key_file(tmp.path());
    std::fs::remove_file(dir.join("status.csv")).unwrap();
    std::os::unix::fs::symlink(&key, dir.join("status.csv")).unwrap();
    let (_s, store) = temp_store();
    for dry in [true, false] {
        let err = if dry {
            dry_run(&store, &dir, &pseudo(), 1.0)
        } else {
            load_batch(&store, &dir, &pseudo(), 1.0)
        }
        .expect_err("a link is refused");
        let text = err.to_string();
        assert!(err.is_rejection(), "{text}");
        assert!(text.contains("symbolsk link"), "{text}");
        assert!(text.contains("status.csv"), "{text}");
        assert!(
            !text.contains(&KEY_HEX[..16]),
            "the key in the message: {text}"
        );
    }
    assert_eq!(batches(&store), 0);
}

#[test]
fn a_link_to_a_valid_file_outside_the_delivery_is_refused_and_the_file_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = good_copy(tmp.path());
    let outside = tmp.path().join("elsewhere.csv");
    std::fs::rename(dir.join("status.csv"), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("status.csv")).unwrap();
    let (_s, store) = temp_store();
    let err = load_batch(&store, &dir, &pseudo(), 1.0).expect_err("refused");
    assert!(err.to_string().contains("symbolsk link"), "{err}");
    assert!(outside.is_file(), "the linked file is still there");
    assert_eq!(batches(&store), 0);
}

#[test]
fn a_receipt_that_is_a_link_to_the_key_refuses_the_delivery_and_the_key_is_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = good_copy(tmp.path());
    let key = key_file(tmp.path());
    std::os::unix::fs::symlink(&key, dir.join(RECEIPT_FILE)).unwrap();
    let (_s, store) = temp_store();
    let err = load_batch(&store, &dir, &pseudo(), 1.0).expect_err("refused");
    assert!(err.to_string().contains(RECEIPT_FILE), "{err}");
    assert_eq!(batches(&store), 0);
    assert_eq!(
        std::fs::read_to_string(&key).unwrap(),
        format!("{KEY_HEX}\n")
    );
}

/// A link put in place after the load (between load and clean-up) is replaced,
/// never written through.
#[test]
fn the_receipt_is_never_written_through_a_link() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = good_copy(tmp.path());
    let key = key_file(tmp.path());
    let (_s, store) = temp_store();
    let report = load_batch(&store, &dir, &pseudo(), 0.01).unwrap();
    std::os::unix::fs::symlink(&key, dir.join(RECEIPT_FILE)).unwrap();
    let removal = remove_loaded_delivery(&dir, &report).unwrap();
    assert_eq!(removal.deleted.len(), 6, "{removal:?}");
    assert_eq!(
        std::fs::read_to_string(&key).unwrap(),
        format!("{KEY_HEX}\n"),
        "the key was overwritten"
    );
    let receipt = std::fs::symlink_metadata(dir.join(RECEIPT_FILE)).unwrap();
    assert!(receipt.file_type().is_file(), "the link became the receipt");
    assert!(std::fs::read_to_string(dir.join(RECEIPT_FILE))
        .unwrap()
        .contains(&report.batch_id));
}

#[test]
fn a_fifo_in_place_of_an_extract_is_refused_without_blocking() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = good_copy(tmp.path());
    let fifo = dir.join("cv.csv");
    std::fs::remove_file(&fifo).unwrap();
    // The crate forbids `unsafe`, so the FIFO is made by coreutils' mkfifo.
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let (_s, store) = temp_store();
    let err = load_batch(&store, &dir, &pseudo(), 1.0).expect_err("refused");
    assert!(err.to_string().contains("ikke en almindelig fil"), "{err}");
}

/// A 2 GB file of NUL bytes (sparse: no disk used) is refused after the first
/// block, and one over the size limit before a byte is read.
#[test]
fn huge_files_are_refused_without_reading_them_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = good_copy(tmp.path());
    let status = dir.join("status.csv");
    std::fs::File::create(&status)
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    let (_s, store) = temp_store();
    let started = std::time::Instant::now();
    let err = load_batch(&store, &dir, &pseudo(), 1.0).expect_err("refused");
    assert!(err.to_string().contains("NUL"), "{err}");
    assert_eq!(err.row_errors()[0].line, 1);
    // Reading 2 GB takes seconds; one block takes nothing. Not a timing test:
    // a generous bound that only reading the whole file would pass.
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    std::fs::File::create(&status)
        .unwrap()
        .set_len(extracts::MAX_FILE_BYTES + 1)
        .unwrap();
    let err = load_batch(&store, &dir, &pseudo(), 1.0).expect_err("refused");
    assert!(err.to_string().contains("mere end grænsen"), "{err}");
    assert_eq!(batches(&store), 0);
}

#[test]
fn a_file_that_changes_while_it_is_read_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("status.csv");
    std::fs::write(&path, "cpr;maaned;status\r\n").unwrap();
    let (file, before) = open::open_regular(&path).unwrap();
    assert!(open::unchanged_since(&file, &before, "status.csv").is_ok());
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"010190-1233;01-03-2024;ydelse\r\n"))
        .unwrap();
    let err = open::unchanged_since(&file, &before, "status.csv").unwrap_err();
    assert!(
        err.to_string().contains("ændret, mens den blev læst"),
        "{err}"
    );
}

/// An interview file of 215 rows with a `"` opened in the last field of one row
/// and never closed (the attack corpus's case): the file is refused, and with
/// any share of bad rows allowed nothing of it is stored.
#[test]
fn an_unterminated_quote_never_stores_the_rest_of_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = good_copy(tmp.path());
    let mut text = String::from("\u{feff}samtale_id;forloeb_id;cpr;dato;nummer;team\r\n");
    for i in 0..215 {
        let open = if i == 2 { "\"" } else { "" };
        let (spell, cpr) = [
            ("F0000001", "010190-1233"),
            ("F0000002", "020285-2346"),
            ("F0000003", "150375-3451"),
        ][i % 3];
        text.push_str(&format!(
            "S{i:07};{spell};{cpr};{:02}-03-2024;{};{open}Team Midt\r\n",
            1 + i % 28,
            1 + i / 3
        ));
    }
    std::fs::write(dir.join("samtaler.csv"), text).unwrap();
    let (_s, store) = temp_store();
    let err = load_batch(&store, &dir, &pseudo(), 1.0).expect_err("refused");
    let e = &err.row_errors()[0];
    assert_eq!(
        (e.line, e.column.as_str(), e.value.as_str()),
        (4, "team", "Team Midt")
    );
    assert!(e.reason.contains("citationstegn"), "{e}");
    assert_eq!(batches(&store), 0);
    assert!(crate::store::cpr_shaped_values(&store.lock())
        .unwrap()
        .is_empty());
}

/// "Åby" typed with a combining ring (NFD) is the same district as "Åby".
#[test]
fn text_is_stored_in_composed_form_so_one_district_is_one_value() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = good_copy(tmp.path());
    let citizens = std::fs::read_to_string(dir.join("borgere.csv")).unwrap();
    let nfd = citizens
        .replacen("Midtby", "A\u{30a}by", 1)
        .replacen("Nørrevang", "\u{c5}by", 1);
    std::fs::write(dir.join("borgere.csv"), nfd).unwrap();
    let (_s, store) = temp_store();
    let r = load_batch(&store, &dir, &pseudo(), 0.0).unwrap();
    assert!(r.quarantined.is_empty(), "{:?}", r.quarantined);
    let districts: Vec<String> = store
        .lock()
        .prepare("select distinct district from raw_citizens order by 1")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        districts,
        vec!["\u{c5}by".to_string(), "Østerhøj".to_string()]
    );
}

/// The scan finds a CPR where one is: after a clean load it finds nothing, and
/// with one planted in a text column it names the table and column.
#[test]
fn the_cpr_scan_finds_a_planted_cpr_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = good_copy(tmp.path());
    let (_s, store) = temp_store();
    load_batch(&store, &dir, &pseudo(), 0.0).unwrap();
    let conn = store.lock();
    assert_eq!(crate::store::cpr_shaped_values(&conn).unwrap(), vec![]);
    for planted in [
        "Team Midt;S2;F2;020285-2346;08",
        "x 0202852346",
        "020285-2346",
    ] {
        conn.execute(
            "update raw_interviews set team = ? where interview_id = 'S0000001'",
            [planted],
        )
        .unwrap();
        assert_eq!(
            crate::store::cpr_shaped_values(&conn).unwrap(),
            vec![("raw_interviews".to_string(), "team".to_string(), 1)],
            "{planted}"
        );
    }
    // Masked CPRs, dates and hex digests are not CPR numbers.
    for harmless in ["020285-****", "2024-03-01", "ab0202852346cd", "F0000001"] {
        conn.execute(
            "update raw_interviews set team = ? where interview_id = 'S0000001'",
            [harmless],
        )
        .unwrap();
        assert_eq!(
            crate::store::cpr_shaped_values(&conn).unwrap(),
            vec![],
            "{harmless}"
        );
    }
}
