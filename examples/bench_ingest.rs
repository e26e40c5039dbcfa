//! National-scale ingest: the synthetic generator at about 100 times the demo's
//! population, every monthly delivery loaded in order into a fresh encrypted
//! store, exactly as `jobcockpit ingest inbox` loads them (`ingest::load_many`: the
//! next month is read and checked on a second thread while one is written). A measurement, not a test:
//!
//! ```sh
//! /usr/bin/time -v cargo run --release --example bench_ingest -- [population] [years]
//! ```
//!
//! Defaults: 6,500,000 inhabitants (100 × the demo's 65,000), 6 years, seed 42.
//! The deliveries are written once to `$JOBCOCKPIT_BENCH_DIR` (default
//! `/tmp/jobcockpit_bench_ingest/<population>`) and reused by later runs; the
//! store is made afresh each run. Peak memory is what `/usr/bin/time -v` reports
//! for the whole process, the generator included when it runs.

use std::time::Instant;

use jobcockpit::encryption::EncryptionKey;
use jobcockpit::ingest;
use jobcockpit::pseudonym::Pseudonymiser;
use jobcockpit::store::Store;
use jobcockpit::synth::{self, SynthConfig};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let population: u32 = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or(6_500_000);
    let years: u32 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(6);
    let root = std::env::var("JOBCOCKPIT_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            std::path::PathBuf::from(format!("/tmp/jobcockpit_bench_ingest/{population}x{years}"))
        });
    let inbox = root.join("inbox");
    let done = root.join(".complete");
    if !done.exists() {
        let _ = std::fs::remove_dir_all(&root);
        let started = Instant::now();
        let cfg = SynthConfig {
            population,
            years,
            ..SynthConfig::default()
        };
        let s = synth::generate(&cfg, &inbox).expect("synthetic deliveries");
        std::fs::write(&done, "").expect("marker");
        println!(
            "generated {} months: {} citizens, {} spells, {} interviews, {} programmes, {} status rows in {:.1} s",
            s.months.len(),
            s.citizens,
            s.spells,
            s.interviews,
            s.programmes,
            s.status_rows,
            started.elapsed().as_secs_f64()
        );
    }
    let bytes: u64 = walk_size(&inbox);
    let store_dir = tempfile::tempdir_in(&root).expect("store dir");
    let key = EncryptionKey::from_hex(&"5a".repeat(32)).expect("key");
    let store = Store::open(&store_dir.path().join("bench.duckdb"), &key).expect("store");
    // Optional: DuckDB's memory limit (default 80 % of RAM), to see how much of
    // the peak is DuckDB's buffer pool rather than the rows in flight.
    if let Ok(limit) = std::env::var("JOBCOCKPIT_BENCH_MEMORY_LIMIT") {
        store
            .lock()
            .execute_batch(&format!("set memory_limit = '{}'", limit.replace('\'', "")))
            .expect("memory limit");
        println!("DuckDB memory_limit set to {limit}");
    }
    let pseudo = Pseudonymiser::new(vec![0x42; 32]).expect("pseudonym key");
    let folders = ingest::delivery_folders(&inbox).expect("deliveries");
    let started = Instant::now();
    let (mut status_rows, mut all_rows, mut slowest) = (0usize, 0usize, 0f64);
    let dirs: Vec<std::path::PathBuf> = folders.iter().map(|(_, d)| d.clone()).collect();
    let opts = ingest::LoadOptions {
        max_bad_share: 0.0,
        max_incomplete_history_share: 0.0,
        dry_run: false,
        progress: &ingest::NoProgress,
    };
    let mut last = Instant::now();
    ingest::load_many(&store, &dirs, &pseudo, &opts, |_, r| {
        slowest = slowest.max(last.elapsed().as_secs_f64());
        last = Instant::now();
        all_rows += r.total_rows();
        status_rows += r
            .rows
            .iter()
            .find(|(id, _)| *id == "status")
            .map_or(0, |(_, n)| *n);
        true
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let secs = started.elapsed().as_secs_f64();
    let store_bytes = walk_size(store_dir.path());
    println!(
        "loaded {} deliveries ({:.2} GB of CSV) in {secs:.1} s: {status_rows} status rows ({:.0} status rows/s), {all_rows} rows in all ({:.0} rows/s); slowest month {slowest:.2} s; store {:.2} GB",
        folders.len(),
        bytes as f64 / 1e9,
        status_rows as f64 / secs,
        all_rows as f64 / secs,
        store_bytes as f64 / 1e9
    );
}

fn walk_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() {
                        walk_size(&p)
                    } else {
                        e.metadata().map_or(0, |m| m.len())
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}
