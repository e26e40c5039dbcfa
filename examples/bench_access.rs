//! What access control costs: an argon2id hash and check (every login), a session
//! lookup (every request), and how many audit rows per second the writer stores in
//! the encrypted store (every request writes one). A measurement, not a test:
//!
//! `cargo run --release --example bench_access` (`JOBCOCKPIT_BENCH_ROWS`, default 100,000).

use std::time::Instant;

use jobcockpit::access::{password, Access, AccessSettings, AuditEntry, Outcome, Role};
use jobcockpit::encryption::EncryptionKey;
use jobcockpit::store::Store;

fn main() {
    // A throwaway random key: the store is deleted with the temp dir.
    let mut bytes = [0u8; 32];
    password::os_random(&mut bytes).unwrap();
    let key = EncryptionKey::from_hex(&hex::encode(bytes)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("bench.duckdb"), &key).unwrap();
    let access = Access::open(&store, AccessSettings::default(), None).unwrap();

    let runs = 10;
    let started = Instant::now();
    let mut hash = String::new();
    for _ in 0..runs {
        hash = password::hash("en lang nok adgangskode").unwrap();
    }
    let hash_ms = started.elapsed().as_secs_f64() * 1e3 / runs as f64;
    let started = Instant::now();
    for _ in 0..runs {
        assert!(password::verify("en lang nok adgangskode", &hash));
    }
    let verify_ms = started.elapsed().as_secs_f64() * 1e3 / runs as f64;
    println!("argon2id (m=19 MiB, t=2, p=1): hash {hash_ms:.1} ms, verify {verify_ms:.1} ms (mean of {runs})");

    // 1,000 live sessions; look one up a million times.
    let tokens: Vec<String> = (0..1000)
        .map(|i| {
            access
                .session_for_tests(&format!("bruger{i}"), Role::Ledelse)
                .0
        })
        .collect();
    let lookups = 1_000_000;
    let started = Instant::now();
    for i in 0..lookups {
        assert!(access.session(&tokens[i % tokens.len()]).is_some());
    }
    let per = started.elapsed().as_secs_f64() * 1e9 / lookups as f64;
    println!("session lookup among 1,000 sessions: {per:.0} ns");

    let rows: usize = std::env::var("JOBCOCKPIT_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let started = Instant::now();
    for i in 0..rows {
        access.audit().record(AuditEntry {
            at: chrono::Utc::now(),
            user: Some(format!("bruger{}", i % 1000)),
            role: Some(Role::Ledelse),
            client: Some("10.0.0.1".into()),
            method: "GET".into(),
            route: Some("/d/{slug}".into()),
            path: "/d/overblik".into(),
            query: Some(format!("periode=2024&spor={i}")),
            action: "visning".into(),
            outcome: Outcome::Allowed,
            status: 200,
            detail: None,
        });
    }
    let queued = started.elapsed().as_secs_f64();
    access.audit().flush().unwrap();
    let stored = started.elapsed().as_secs_f64();
    println!(
        "audit: {rows} rows queued in {:.3} s ({:.1} µs each), stored in {:.2} s: {:.0} rows/s",
        queued,
        queued * 1e6 / rows as f64,
        stored,
        rows as f64 / stored
    );
    let started = Instant::now();
    let v = access.audit().verify().unwrap();
    assert_eq!((v.rows, v.broken_at), (rows as u64, None));
    println!(
        "audit chain of {} rows checked in {:.2} s",
        v.rows,
        started.elapsed().as_secs_f64()
    );
}
