//! Tests of the encrypted store. Each "no plaintext" test has a control that
//! writes the same rows without encryption and finds them, so a passing test
//! cannot come from a detector that finds nothing.

use std::path::{Path, PathBuf};

use duckdb::{Config, Connection};
use zeroize::Zeroizing;

use super::*;

/// Distinctive text no encrypted byte stream contains by chance.
const MARKER: &str = "Kirsten-Plaintextsen";

fn random_key() -> EncryptionKey {
    use std::io::Read;
    let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
    std::fs::File::open("/dev/urandom")
        .unwrap()
        .read_exact(&mut bytes[..])
        .unwrap();
    EncryptionKey { bytes }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Every file under `dir` whose bytes contain the marker.
fn files_with_marker(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for path in files_under(dir) {
        if contains(&std::fs::read(&path).unwrap_or_default(), MARKER.as_bytes()) {
            found.push(path);
        }
    }
    found
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn wal(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".wal");
    PathBuf::from(name)
}

/// Runs a `select count(*) ...` written out in full by the test.
fn count(conn: &Connection, count_sql: &str) -> i64 {
    conn.query_row(count_sql, [], |r| r.get(0)).unwrap()
}

/// Rows with the marker in short strings, plus one long value stored out of line.
const MARKER_ROWS: &str = "create table people as
    select i as id, 'Kirsten-Plaintextsen-' || i || '-Nørrebro' as name from range(20000) r(i);
    insert into people values (-1, repeat('Kirsten-Plaintextsen ', 2000))";

#[test]
fn a_database_written_encrypted_can_be_reopened_with_the_key_read_and_appended() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.duckdb");
    let key = random_key();
    {
        let conn = open_encrypted(&path, &key).unwrap();
        conn.execute_batch(
            "create table t as select i, 'række ' || i as s from range(100000) r(i)",
        )
        .unwrap();
    }
    {
        let conn = open_encrypted(&path, &key).unwrap();
        assert_eq!(count(&conn, "select count(*) from t"), 100_000);
        let s: String = conn
            .query_row("select s from t where i = 4242", [], |r| r.get(0))
            .unwrap();
        assert_eq!(s, "række 4242");
        conn.execute_batch("insert into t select i, 'ny ' || i from range(100000, 100010) r(i)")
            .unwrap();
    }
    let conn = open_encrypted(&path, &key).unwrap();
    assert_eq!(count(&conn, "select count(*) from t"), 100_010);
    let encrypted: bool = conn
        .query_row(
            "select encrypted from duckdb_databases() where database_name = 'store'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(encrypted);
}

#[test]
fn the_database_file_holds_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.duckdb");
    let key = random_key();
    {
        let conn = open_encrypted(&path, &key).unwrap();
        conn.execute_batch(MARKER_ROWS).unwrap();
        conn.execute_batch("checkpoint").unwrap();
    }
    assert!(std::fs::metadata(&path).unwrap().len() > 100_000);
    assert_eq!(files_with_marker(dir.path()), Vec::<PathBuf>::new());

    // Control: the same rows in a plain file are found by the same detector.
    let plain_dir = tempfile::tempdir().unwrap();
    let plain = plain_dir.path().join("plain.duckdb");
    {
        let conn = Connection::open(&plain).unwrap();
        conn.execute_batch(MARKER_ROWS).unwrap();
        conn.execute_batch("checkpoint").unwrap();
    }
    assert_eq!(files_with_marker(plain_dir.path()), vec![plain]);
}

#[test]
fn the_wal_is_encrypted_too_and_replays_with_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.duckdb");
    let key = random_key();
    let conn = open_encrypted(&path, &key).unwrap();
    conn.execute_batch("create table t (id integer)").unwrap();
    conn.execute_batch("checkpoint").unwrap();
    // Small enough to stay in the WAL until the next checkpoint.
    conn.execute_batch(MARKER_ROWS).unwrap();
    let wal_bytes = std::fs::read(wal(&path)).unwrap();
    assert!(
        wal_bytes.len() > 50_000,
        "the rows should be in the WAL, it has {} bytes",
        wal_bytes.len()
    );
    assert!(!contains(&wal_bytes, MARKER.as_bytes()));

    // A copy taken now is what a crash leaves behind: it opens with the key and
    // the WAL replays.
    let copy_dir = tempfile::tempdir().unwrap();
    let copy = copy_dir.path().join("store.duckdb");
    std::fs::copy(&path, &copy).unwrap();
    std::fs::copy(wal(&path), wal(&copy)).unwrap();
    drop(conn);
    let replayed = open_encrypted(&copy, &key).unwrap();
    assert_eq!(count(&replayed, "select count(*) from people"), 20_001);

    // Control: an unencrypted WAL shows the rows.
    let plain_dir = tempfile::tempdir().unwrap();
    let plain = plain_dir.path().join("plain.duckdb");
    let plain_conn = Connection::open(&plain).unwrap();
    plain_conn
        .execute_batch("create table t (id integer); checkpoint")
        .unwrap();
    plain_conn.execute_batch(MARKER_ROWS).unwrap();
    assert!(contains(
        &std::fs::read(wal(&plain)).unwrap(),
        MARKER.as_bytes()
    ));
}

/// A temp table larger than the memory limit is spilled to the temp directory,
/// where it stays while the table exists.
const SPILL: &str = "set threads = 1; set memory_limit = '100MB';
    create temp table spilled as
        select i, 'Kirsten-Plaintextsen-' || i || '-' || md5(i::varchar) as s from range(3000000) r(i)";

fn spill_files(conn: &Connection) -> i64 {
    conn.query_row("select count(*) from duckdb_temporary_files()", [], |r| {
        r.get(0)
    })
    .unwrap()
}

/// Runs `work` while another thread keeps reading every file in `dir`; returns
/// how many distinct files it read and those that contained the marker.
fn while_watching(dir: &Path, work: impl FnOnce()) -> (usize, Vec<PathBuf>) {
    use std::collections::BTreeSet;
    use std::sync::atomic::{AtomicBool, Ordering};
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            let (mut seen, mut leaked) = (BTreeSet::new(), BTreeSet::new());
            while !done.load(Ordering::Relaxed) {
                for path in files_under(dir) {
                    if let Ok(bytes) = std::fs::read(&path) {
                        if contains(&bytes, MARKER.as_bytes()) {
                            leaked.insert(path.clone());
                        }
                        seen.insert(path);
                    }
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            (seen.len(), leaked.into_iter().collect())
        });
        work();
        done.store(true, Ordering::Relaxed);
        watcher.join().unwrap()
    })
}

#[test]
fn spilled_temporary_files_hold_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.duckdb");
    let conn = open_encrypted(&path, &random_key()).unwrap();
    conn.execute_batch(SPILL).unwrap();
    assert!(spill_files(&conn) > 0, "nothing was spilled");
    assert!(temp_dir(&path).is_dir());
    assert_eq!(files_with_marker(dir.path()), Vec::<PathBuf>::new());
    assert_eq!(count(&conn, "select count(*) from spilled"), 3_000_000);

    // A large sort spills runs that exist only while it runs: watch them.
    let (seen, leaked) = while_watching(&temp_dir(&path), || {
        conn.execute_batch("create temp table sorted as select * from spilled order by s desc")
            .unwrap();
    });
    assert!(seen > 0, "the watcher read no temporary file");
    assert_eq!(leaked, Vec::<PathBuf>::new());

    // Control: without temp file encryption the spilled rows are readable.
    let plain_dir = tempfile::tempdir().unwrap();
    let plain = Connection::open(plain_dir.path().join("plain.duckdb")).unwrap();
    plain.execute_batch(SPILL).unwrap();
    assert!(spill_files(&plain) > 0);
    assert!(!files_with_marker(plain_dir.path()).is_empty());
    let (_, leaked) = while_watching(&plain_dir.path().join("plain.duckdb.tmp"), || {
        plain
            .execute_batch("create temp table sorted as select * from spilled order by s desc")
            .unwrap();
    });
    assert!(!leaked.is_empty(), "the watcher finds plaintext spills");
}

#[test]
fn a_wrong_key_fails_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.duckdb");
    drop(open_encrypted(&path, &random_key()).unwrap());
    let err = open_encrypted(&path, &random_key()).unwrap_err();
    assert!(matches!(err, EncryptionError::WrongKey { .. }), "{err:?}");
    assert!(err.to_string().contains("forkert nøgle"), "{err}");
}

#[test]
fn a_missing_key_fails_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let file = key_file(dir.path());
    let err = EncryptionKey::load_from(None, &file).unwrap_err();
    assert!(matches!(err, EncryptionError::MissingKey { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains(STORE_KEY_ENV) && msg.contains("store.key") && msg.contains("jobcockpit init"),
        "{msg}"
    );
}

#[test]
fn the_encrypted_file_cannot_be_opened_without_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.duckdb");
    drop(open_encrypted(&path, &random_key()).unwrap());
    let Err(err) = Connection::open(&path) else {
        panic!("opened without a key")
    };
    assert!(err.to_string().contains("without a key"), "{err}");
}

#[test]
fn one_flipped_byte_in_the_file_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.duckdb");
    let key = random_key();
    {
        let conn = open_encrypted(&path, &key).unwrap();
        conn.execute_batch(
            "create table t as select i, md5(i::varchar) as s from range(300000) r(i)",
        )
        .unwrap();
    }
    let original = std::fs::read(&path).unwrap();
    // Three 4 KiB headers, then 256 KiB blocks: flip one byte inside each block in turn.
    const HEADERS: usize = 3 * 4096;
    const BLOCK: usize = 256 * 1024;
    let blocks = (original.len() - HEADERS) / BLOCK;
    assert!(blocks >= 2, "{blocks} blocks");
    for block in 0..blocks {
        let mut tampered = original.clone();
        tampered[HEADERS + block * BLOCK + 1000] ^= 0x01;
        let copy = dir.path().join(format!("tampered-{block}.duckdb"));
        std::fs::write(&copy, &tampered).unwrap();
        let outcome = open_encrypted(&copy, &key)
            .map_err(|e| e.to_string())
            .and_then(|c| {
                c.query_row("select count(distinct s) from t", [], |r| {
                    r.get::<_, i64>(0)
                })
                .map_err(|e| e.to_string())
            });
        let err = outcome.expect_err("a flipped byte went unnoticed");
        assert!(err.contains("AES tag"), "block {block}: {err}");
        std::fs::remove_file(&copy).unwrap();
    }
}

#[test]
fn a_plaintext_database_is_refused_rather_than_used() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.duckdb");
    Connection::open(&path)
        .unwrap()
        .execute_batch("create table t (i integer)")
        .unwrap();
    let err = open_encrypted(&path, &random_key()).unwrap_err();
    assert!(
        matches!(err, EncryptionError::NotEncrypted { .. }),
        "{err:?}"
    );
}

#[test]
fn the_shim_is_checked_and_an_unsafe_random_source_is_refused() {
    register_shim().unwrap();
    let ok = Connection::open_in_memory().unwrap();
    check_shim_active(&ok).unwrap();
    let forced = Connection::open_in_memory_with_flags(
        Config::default()
            .with("force_mbedtls_unsafe", "true")
            .unwrap(),
    )
    .unwrap();
    assert!(matches!(
        check_shim_active(&forced),
        Err(EncryptionError::ShimInactive(_))
    ));
}

#[test]
fn after_opening_the_encryption_settings_cannot_be_changed() {
    let dir = tempfile::tempdir().unwrap();
    let conn = open_encrypted(&dir.path().join("store.duckdb"), &random_key()).unwrap();
    for sql in [
        "set force_mbedtls_unsafe = true",
        "set temp_file_encryption = false",
        "set temp_directory = '/tmp'",
        "set jobcockpit_random_source = 'x'",
    ] {
        assert!(conn.execute_batch(sql).is_err(), "{sql} was allowed");
    }
    conn.execute_batch(
        "set memory_limit = '1GB'; set threads = 2; set preserve_insertion_order = false;
         set checkpoint_threshold = '256MB'",
    )
    .unwrap();
}

#[test]
fn a_cloned_connection_reads_and_writes_the_encrypted_store() {
    let dir = tempfile::tempdir().unwrap();
    let conn = open_encrypted(&dir.path().join("store.duckdb"), &random_key()).unwrap();
    conn.execute_batch("create table t as select 1 as i")
        .unwrap();
    let reader = clone_connection(&conn).unwrap();
    assert_eq!(count(&reader, "select count(*) from t"), 1);
    let db: String = reader
        .query_row("select current_database()", [], |r| r.get(0))
        .unwrap();
    assert_eq!(db, DATABASE_ALIAS);
}

/// The store in tests/fixtures/encryption, written by DuckDB's own MbedTLS AES-GCM
/// before the shim took over the cipher (its README says how).
fn mbedtls_fixture(dir: &Path) -> (PathBuf, EncryptionKey) {
    let path = dir.join("mbedtls.duckdb");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/encryption/store_written_by_mbedtls.duckdb"),
        &path,
    )
    .unwrap();
    (path, EncryptionKey::from_hex(&"5a".repeat(32)).unwrap())
}

/// Rows, sum of `i` and a digest of every `txt` of the table `fixture` in the
/// connection's current database.
fn fixture_digest(conn: &Connection) -> (i64, i64, String) {
    conn.query_row(
        "select count(*), sum(i)::bigint, md5(string_agg(txt, ',' order by i)) from fixture",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .unwrap()
}

/// What the fixture holds, computed by DuckDB from the same expression.
fn expected_fixture_digest() -> (i64, i64, String) {
    let plain = Connection::open_in_memory().unwrap();
    plain
        .execute_batch(
            "create table fixture as select i, 'række ' || i::varchar as txt from range(5000) t(i)",
        )
        .unwrap();
    fixture_digest(&plain)
}

#[test]
fn a_store_written_with_duckdbs_mbedtls_cipher_opens_and_reads() {
    let dir = tempfile::tempdir().unwrap();
    let (path, key) = mbedtls_fixture(dir.path());
    let expected = expected_fixture_digest();
    assert_eq!(expected.0, 5000);
    {
        let conn = open_encrypted(&path, &key).unwrap();
        assert_eq!(fixture_digest(&conn), expected);
        // Blocks written now (by OpenSSL) sit beside the old ones (by MbedTLS).
        conn.execute_batch(
            "insert into fixture select i, 'række ' || i::varchar from range(5000, 6000) t(i); checkpoint",
        )
        .unwrap();
    }
    let conn = open_encrypted(&path, &key).unwrap();
    assert_eq!(count(&conn, "select count(*) from fixture"), 6000);
    drop(conn);
    let err = open_encrypted(&path, &random_key()).unwrap_err();
    assert!(matches!(err, EncryptionError::WrongKey { .. }), "{err:?}");
}

#[test]
fn a_store_written_by_the_shim_reads_back_with_duckdbs_mbedtls_cipher() {
    // The other direction: DuckDB's MbedTLS (forced, which is safe for reading:
    // the unsafe part is its nonces when writing) decrypts and checks the tags of
    // what the shim's OpenSSL cipher wrote, blocks and WAL.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.duckdb");
    let key = random_key();
    let conn = open_encrypted(&path, &key).unwrap();
    conn.execute_batch(
        "create table fixture as select i, 'række ' || i::varchar as txt from range(5000) t(i);
         checkpoint;
         insert into fixture values (-1, 'fra WAL');",
    )
    .unwrap();
    // A copy taken while open holds the last row in the WAL only (as after a crash).
    let copy_dir = tempfile::tempdir().unwrap();
    let copy = copy_dir.path().join("store.duckdb");
    std::fs::copy(&path, &copy).unwrap();
    std::fs::copy(wal(&path), wal(&copy)).unwrap();
    drop(conn);
    let mbedtls = Connection::open_in_memory_with_flags(
        Config::default()
            .with("force_mbedtls_unsafe", "true")
            .unwrap(),
    )
    .unwrap();
    mbedtls
        .execute(
            "attach ? as old (encryption_key ?)",
            [copy.to_str().unwrap(), key.duckdb_secret().as_str()],
        )
        .unwrap();
    mbedtls.execute_batch("use old").unwrap();
    let (n, sum, _) = fixture_digest(&mbedtls);
    assert_eq!((n, sum), (5001, (0..5000).sum::<i64>() - 1));
    let wal_row: String = mbedtls
        .query_row("select txt from fixture where i = -1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(wal_row, "fra WAL");
}

/// The budget from `[store]` holds for the database, so the run's connection,
/// the cockpit's readers (clones) and a store opened by a verb all work inside
/// it; a store opened without one has DuckDB's default, so the test can fail.
#[test]
fn the_memory_budget_is_set_on_every_connection_of_the_store() {
    let limit = |c: &Connection| -> String {
        c.query_row("select current_setting('memory_limit')", [], |r| r.get(0))
            .unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let key = random_key();
    let plain = open_encrypted(&dir.path().join("plain.duckdb"), &key).unwrap();
    let default_limit = limit(&plain);
    drop(plain);

    let conn = open_encrypted_within(&dir.path().join("a.duckdb"), &key, Some(1536)).unwrap();
    assert_eq!(limit(&conn), "1.5 GiB");
    assert_eq!(limit(&clone_connection(&conn).unwrap()), "1.5 GiB");
    assert_ne!(default_limit, "1.5 GiB");
    drop(conn);

    let settings: crate::config::StoreSettings = toml::from_str("memory_limit_mb = 768").unwrap();
    let store =
        crate::store::Store::open_within(&dir.path().join("b.duckdb"), &key, &settings).unwrap();
    assert_eq!(limit(&store.lock()), "768.0 MiB");
    assert_eq!(limit(&store.reader().unwrap()), "768.0 MiB");
}
