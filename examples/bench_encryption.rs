//! Overhead of the encrypted store against a plain DuckDB file: writing N
//! status-like rows (create + checkpoint on close), opening, and a full scan,
//! three times each, alternating. A measurement, not a test:
//!
//! `cargo run --release --example bench_encryption` (`JOBCOCKPIT_BENCH_ROWS`, default 1,000,000).

use std::path::Path;

use duckdb::Connection;
use jobcockpit::encryption::{open_encrypted, EncryptionKey};

fn main() {
    // A throwaway random key: the files are deleted with the temp dir.
    let mut bytes = [0u8; 32];
    std::io::Read::read_exact(
        &mut std::fs::File::open("/dev/urandom").unwrap(),
        &mut bytes,
    )
    .unwrap();
    let key = EncryptionKey::from_hex(&hex::encode(bytes)).unwrap();
    const ROWS: &str = "create table status as
        select md5((i % 50000)::varchar) as pseudonym,
               date '2019-01-01' + interval (i % 72) month as month,
               ['ledig', 'job', 'uddannelse', 'sygdom'][1 + (hash(i) % 4)::integer] as status,
               (i % 97)::integer as weeks
        from range(?) r(i)";
    const SCAN: &str =
        "select sum(length(pseudonym) + length(status) + weeks + month(month))::bigint from status";
    let rows: i64 = std::env::var("JOBCOCKPIT_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let open = |path: &Path, encrypted: bool| {
        if encrypted {
            open_encrypted(path, &key).unwrap()
        } else {
            Connection::open(path).unwrap()
        }
    };
    for encrypted in [false, true, false, true, false, true] {
        let path = dir.path().join(if encrypted {
            "enc.duckdb"
        } else {
            "plain.duckdb"
        });
        let _ = std::fs::remove_file(&path);
        let started = std::time::Instant::now();
        {
            let conn = open(&path, encrypted);
            conn.execute(ROWS, [rows]).unwrap();
        }
        let write = started.elapsed();
        let started = std::time::Instant::now();
        let conn = open(&path, encrypted);
        let opened = started.elapsed();
        let started = std::time::Instant::now();
        let _: i64 = conn.query_row(SCAN, [], |r| r.get(0)).unwrap();
        let scan = started.elapsed();
        println!(
            "{:9}: {rows} rows: create + checkpoint on close {:.2} s, open {:.3} s, full scan {:.3} s, file {} bytes",
            if encrypted { "encrypted" } else { "plain" },
            write.as_secs_f64(),
            opened.as_secs_f64(),
            scan.as_secs_f64(),
            std::fs::metadata(&path).unwrap().len()
        );
    }
}
