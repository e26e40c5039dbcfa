//! The monitoring experiment of issue #5: does monitoring find what the synthetic
//! generator planted, and stay quiet when nothing is planted? A measurement, not a
//! test (the e2e test `monitoring_validation` checks one seed):
//!
//! ```sh
//! cargo run --release --example monitoring_experiment -- --seeds 1-20
//! cargo run --release --example monitoring_experiment -- --seeds 1-5 --shock 2022-01 --biased-district
//! cargo run --release --example monitoring_experiment -- --query DIR "select ..."   # a kept store
//! cargo run --release --example monitoring_experiment -- --time-monitor DIR [runs]   # the monitor step alone
//! ```
//!
//! For each seed it writes the synthetic deliveries into a temporary data dir,
//! loads and runs every month in order exactly as `jobcockpit backfill` does
//! (`App::run_month` for each delivered month), and after each run reads what
//! that run's monitoring found: the alerts it saw (kind, subject) and the groups
//! the fairness audit flagged. It prints, per seed, the months of the first drift
//! and calibration alerts relative to the shock, the fairness flags, and a summary
//! over the seeds. Options: `--population N` (65,000), `--years N` (6), `--start
//! YYYY-MM` (2019-01), `--shock YYYY-MM`, `--biased-district`, `--keep DIR` (keep the
//! data dir of the last seed there), `--trace` (every run's alerts and drift),
//! `--window YYYY-MM` (without a shock: count alerts in the months a shock at that
//! month would be judged on, for comparison).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{Datelike, NaiveDate};
use jobcockpit::app::{self, App};
use jobcockpit::config::Settings;
use jobcockpit::encryption::{self, EncryptionKey};
use jobcockpit::ingest;
use jobcockpit::store::{query_table, Store};
use jobcockpit::synth::{self, SynthConfig, BIASED_DISTRICT};
use jobcockpit::table::{Cell, Table};

struct Options {
    seeds: Vec<u64>,
    synth: SynthConfig,
    keep: Option<PathBuf>,
    trace: bool,
    /// Without a shock: the month a shock would start, to count alerts in the
    /// same months of unshocked data.
    window: Option<NaiveDate>,
}

fn month(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
        .unwrap_or_else(|_| panic!("'{s}' is not a month YYYY-MM"))
}

fn seeds(s: &str) -> Vec<u64> {
    s.split(',')
        .flat_map(|part| match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (u64, u64) = (a.parse().expect("seed"), b.parse().expect("seed"));
                (a..=b).collect::<Vec<_>>()
            }
            None => vec![part.parse().expect("seed")],
        })
        .collect()
}

fn parse_args(args: &[String]) -> Options {
    let mut o = Options {
        seeds: vec![42],
        synth: SynthConfig::default(),
        keep: None,
        trace: false,
        window: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| panic!("{a} needs a value"))
                .clone()
        };
        match a.as_str() {
            "--seeds" => o.seeds = seeds(&value()),
            "--population" => o.synth.population = value().parse().expect("population"),
            "--years" => o.synth.years = value().parse().expect("years"),
            "--start" => o.synth.start = month(&value()),
            "--shock" => o.synth.shock_month = Some(month(&value())),
            "--biased-district" => o.synth.biased_district = true,
            "--keep" => o.keep = Some(PathBuf::from(value())),
            "--trace" => o.trace = true,
            "--window" => o.window = Some(month(&value())),
            other => panic!("unknown option {other}"),
        }
    }
    o
}

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn settings(data_dir: &Path) -> Settings {
    Settings {
        data_dir: data_dir.to_path_buf().into(),
        dashboards_dir: repo("dashboards"),
        pipeline_file: repo("pipelines/monthly.toml"),
        policy_file: repo("model/features.toml"),
        ..Settings::default()
    }
}

fn text(c: &Cell) -> String {
    match c {
        Cell::Text(s) => s.clone(),
        Cell::Null => "–".into(),
        Cell::Int(v) => v.to_string(),
        Cell::Float(v) => format!("{v:.4}"),
        Cell::Date(d) => d.format("%Y-%m").to_string(),
        Cell::Suppressed => "*".into(),
    }
}

fn print_table(t: &Table) {
    println!("{}", t.columns.join("\t"));
    for r in &t.rows {
        println!("{}", r.iter().map(text).collect::<Vec<_>>().join("\t"));
    }
}

/// Months from `a` to `b` (negative when `b` is earlier).
fn months_between(a: NaiveDate, b: NaiveDate) -> i32 {
    (b.year() - a.year()) * 12 + b.month() as i32 - a.month() as i32
}

/// What one run's monitoring found.
#[derive(Default)]
struct RunFindings {
    /// (kind, subject, severity)
    alerts: Vec<(String, String, String)>,
    /// (dimension, group, metric) flagged and not suppressed.
    flags: Vec<(String, String, String)>,
    /// Newest cohort: (feature, psi) of the largest input drift, the risk and the base rate.
    max_input_psi: Option<(String, f64)>,
    risk_psi: Option<f64>,
    /// Latest mature cohort: calibration in the large with its interval.
    citl: Option<(NaiveDate, f64, f64, f64)>,
}

fn findings(store: &Store, run_month: NaiveDate) -> RunFindings {
    let conn = store.lock();
    let m = run_month.to_string();
    let q = |sql: &str| query_table(&conn, sql, [&m]).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut f = RunFindings::default();
    for r in q("select kind, subject, severity from alerts
                where status = 'aaben' and last_seen_month = ?::date order by 1, 2")
    .rows
    {
        f.alerts.push((text(&r[0]), text(&r[1]), text(&r[2])));
    }
    // Flagged groups with their calibration ratio (to the rest of the dimension)
    // and their own calibration in the large.
    for r in q("select f.dimension, f.grp, f.metric, f.ratio, f.value
                from metric_fairness f
                where f.flagged and not f.suppress and f.cohort_month <= ?::date order by 1, 2, 3")
    .rows
    {
        let detail = format!(
            "{} ({:.2}, {:+.3})",
            text(&r[2]),
            r[3].as_f64().unwrap_or(f64::NAN),
            r[4].as_f64().unwrap_or(f64::NAN)
        );
        f.flags.push((text(&r[0]), text(&r[1]), detail));
    }
    let drift = q("select feature, psi from metric_drift
                   where cohort_month = ?::date order by psi desc");
    for r in &drift.rows {
        let (feature, psi) = (text(&r[0]), r[1].as_f64().unwrap_or(f64::NAN));
        match feature.as_str() {
            "_risk" => f.risk_psi = Some(psi),
            "_base_rate" => {}
            _ if f.max_input_psi.is_none() => f.max_input_psi = Some((feature, psi)),
            _ => {}
        }
    }
    let cal = q(
        "select cohort_month, citl, citl_ci_low, citl_ci_high from metric_calibration
                 where scope = 'kohorte' and cohort_month <= ?::date
                 order by cohort_month desc limit 1",
    );
    if let Some(r) = cal.rows.first() {
        if let Cell::Date(d) = r[0] {
            let g = |i: usize| r[i].as_f64().unwrap_or(f64::NAN);
            f.citl = Some((d, g(1), g(2), g(3)));
        }
    }
    f
}

/// One seed's outcome.
struct SeedResult {
    /// First run month with an alert of each kind (drift by subject group).
    first: BTreeMap<String, NaiveDate>,
    /// Run months with any alert of each kind.
    months: BTreeMap<String, Vec<NaiveDate>>,
    /// Flags in the last run, every group flagged in any run (first month), and
    /// the run months with any flag.
    final_flags: Vec<(String, String, String)>,
    any_flags: BTreeMap<(String, String), NaiveDate>,
    flag_months: Vec<NaiveDate>,
    last_month: Option<NaiveDate>,
    seconds: f64,
    step_ms: Vec<(String, i64)>,
}

/// The input whose drift is the generator's warm-up, not a shock: there is no
/// stock of spells before the first delivered month, so the share with an
/// earlier spell grows through the whole horizon (2 % of 2019's cohorts, 24 % of
/// 2024's at seed 42), and every model's training data lag behind. Monitoring is
/// right to report it; the experiment counts it apart from the other inputs.
const WARM_UP_INPUT: &str = "earlier_spells";

fn alert_class(kind: &str, subject: &str) -> String {
    match (kind, subject) {
        ("drift", "_risk") => "drift: forudsagt risiko".into(),
        ("drift", "_base_rate") => "drift: basisrate".into(),
        ("drift", WARM_UP_INPUT) => "drift: tidligere forløb".into(),
        ("drift", _) => "drift: input".into(),
        (k, _) => k.to_string(),
    }
}

fn run_seed(o: &Options, seed: u64) -> SeedResult {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = settings(&dir.path().join("data"));
    app::init(&settings).expect("init");
    let cfg = SynthConfig {
        seed,
        ..o.synth.clone()
    };
    synth::generate(&cfg, &settings.inbox_dir()).expect("synthetic deliveries");
    let app = App::open(settings.clone()).expect("open");
    let months = ingest::delivery_folders(&settings.inbox_dir()).expect("deliveries");
    let mut r = SeedResult {
        first: BTreeMap::new(),
        months: BTreeMap::new(),
        final_flags: Vec::new(),
        any_flags: BTreeMap::new(),
        flag_months: Vec::new(),
        last_month: None,
        seconds: 0.0,
        step_ms: Vec::new(),
    };
    let rel = |m: NaiveDate| match cfg.shock_month {
        Some(s) => format!("{:+}", months_between(s, m)),
        None => String::new(),
    };
    for (m, _) in months {
        app.run_month(m, "backfill").expect("run");
        let f = findings(&app.store, m);
        for (kind, subject, _) in &f.alerts {
            let class = alert_class(kind, subject);
            r.first.entry(class.clone()).or_insert(m);
            let ms = r.months.entry(class).or_default();
            if ms.last() != Some(&m) {
                ms.push(m);
            }
        }
        for (d, g, _) in &f.flags {
            r.any_flags.entry((d.clone(), g.clone())).or_insert(m);
        }
        if !f.flags.is_empty() {
            r.flag_months.push(m);
        }
        r.last_month = Some(m);
        if o.trace {
            let alerts: Vec<String> = f
                .alerts
                .iter()
                .map(|(k, s, sev)| format!("{k}:{s}({sev})"))
                .collect();
            let flags: Vec<String> = f
                .flags
                .iter()
                .map(|(d, g, x)| format!("{d}={g}:{x}"))
                .collect();
            println!(
                "  {} {:>4} input {:<28} risk {:>6} citl {:<40} alerts [{}] flags [{}]",
                m.format("%Y-%m"),
                rel(m),
                f.max_input_psi
                    .as_ref()
                    .map(|(n, p)| format!("{n} {p:.3}"))
                    .unwrap_or_default(),
                f.risk_psi.map(|p| format!("{p:.3}")).unwrap_or_default(),
                f.citl
                    .map(|(d, c, lo, hi)| format!(
                        "{} {c:+.3} [{lo:+.3}, {hi:+.3}]",
                        d.format("%Y-%m")
                    ))
                    .unwrap_or_default(),
                alerts.join(" "),
                flags.join(" ")
            );
        }
        r.final_flags = f.flags;
    }
    r.seconds = started.elapsed().as_secs_f64();
    let conn = app.store.lock();
    r.step_ms = query_table(
        &conn,
        "select step, sum(duration_ms)::bigint from pipeline_steps group by step order by min(position)",
        [],
    )
    .expect("steps")
    .rows
    .iter()
    .map(|row| (text(&row[0]), row[1].as_i64().unwrap_or(0)))
    .collect();
    drop(conn);
    drop(app);
    if let Some(keep) = &o.keep {
        let _ = std::fs::remove_dir_all(keep);
        std::fs::rename(dir.path().join("data"), keep)
            .or_else(|_| copy_dir(&dir.path().join("data"), keep))
            .expect("keep data dir");
    }
    r
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &target)?;
        } else {
            std::fs::copy(e.path(), target)?;
        }
    }
    Ok(())
}

fn query(dir: &Path, sql: &str) {
    let key = EncryptionKey::load(&encryption::key_file(dir)).expect("store key");
    let store = Store::open(&dir.join("jobcockpit.duckdb"), &key).expect("store");
    let conn = store.lock();
    let started = Instant::now();
    let t = query_table(&conn, sql, []).expect("query");
    eprintln!(
        "({} rows in {:.3} s)",
        t.rows.len(),
        started.elapsed().as_secs_f64()
    );
    print_table(&t);
}

/// Times the `monitor` step on a kept store as its last run left it (the
/// heaviest month: every cohort scored), `runs` times, each in a transaction
/// that is rolled back so every run starts from the same state.
fn time_monitor(dir: &Path, runs: usize) {
    let key = EncryptionKey::load(&encryption::key_file(dir)).expect("store key");
    let store = Store::open(&dir.join("jobcockpit.duckdb"), &key).expect("store");
    let pipeline = jobcockpit::config::PipelineConfig::load(&repo("pipelines/monthly.toml"))
        .expect("pipeline");
    let policy = jobcockpit::model::policy::FeaturePolicy::load(&repo("model/features.toml"))
        .expect("policy");
    let conn = store.lock();
    let month: NaiveDate = conn
        .query_row("select run_month::varchar from run_params", [], |r| {
            r.get::<_, String>(0)
        })
        .map(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").expect("date"))
        .expect("run month");
    let input = jobcockpit::monitor::MonitorInput {
        run_id: "time-monitor",
        run_month: month,
        pipeline: &pipeline,
        policy: &policy,
        k: 5,
        failed_runs: Vec::new(),
    };
    let mut times = Vec::new();
    for _ in 0..runs {
        conn.execute_batch("begin transaction").expect("begin");
        let started = Instant::now();
        let s = jobcockpit::monitor::run(&conn, &input).expect("monitor");
        times.push(started.elapsed().as_secs_f64());
        conn.execute_batch("rollback").expect("rollback");
        eprintln!("{} rows, {} cohorts", s.scored_rows, s.cohorts);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "monitor step for {}: {} runs, median {:.3} s, min {:.3} s, max {:.3} s",
        month.format("%Y-%m"),
        runs,
        times[runs / 2],
        times[0],
        times[runs - 1]
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--query") {
        let (dir, sql) = (args.get(1).expect("DIR"), args.get(2).expect("SQL"));
        return query(Path::new(dir), sql);
    }
    if args.first().map(String::as_str) == Some("--time-monitor") {
        let dir = args.get(1).expect("DIR");
        let runs = args.get(2).map_or(5, |n| n.parse().expect("runs"));
        return time_monitor(Path::new(dir), runs);
    }
    let o = parse_args(&args);
    let c = &o.synth;
    println!(
        "monitoring experiment: seeds {:?}, population {}, {} years from {}, shock {}, biased district {}",
        o.seeds,
        c.population,
        c.years,
        c.start.format("%Y-%m"),
        c.shock_month
            .map_or("none".into(), |s| s.format("%Y-%m").to_string()),
        if c.biased_district { BIASED_DISTRICT } else { "none" }
    );
    let mut results = Vec::new();
    for &seed in &o.seeds {
        let r = run_seed(&o, seed);
        let rel = |m: &NaiveDate| match c.shock_month {
            Some(s) => format!("{} ({:+})", m.format("%Y-%m"), months_between(s, *m)),
            None => m.format("%Y-%m").to_string(),
        };
        let first: Vec<String> = r
            .first
            .iter()
            .map(|(k, m)| format!("{k} {} [{} runs]", rel(m), r.months[k].len()))
            .collect();
        let any: Vec<String> = r
            .any_flags
            .iter()
            .map(|((d, g), m)| format!("{d}={g} from {}", rel(m)))
            .collect();
        let fin: Vec<String> = r
            .final_flags
            .iter()
            .map(|(d, g, x)| format!("{d}={g}:{x}"))
            .collect();
        println!(
            "seed {:>3}: {:.0} s | first alerts: {} | flagged at the end: {} | flagged in any run: {}",
            seed,
            r.seconds,
            if first.is_empty() { "none".into() } else { first.join("; ") },
            if fin.is_empty() { "none".into() } else { fin.join(", ") },
            if any.is_empty() { "none".into() } else { any.join(", ") },
        );
        let steps: Vec<String> = r
            .step_ms
            .iter()
            .map(|(s, ms)| format!("{s} {:.1}", *ms as f64 / 1000.0))
            .collect();
        println!("          step seconds: {}", steps.join(", "));
        results.push(r);
    }
    summary(&o, &results);
}

fn summary(o: &Options, results: &[SeedResult]) {
    let n = results.len();
    println!("summary over {n} seeds:");
    let with = |f: &dyn Fn(&SeedResult) -> bool| results.iter().filter(|r| f(r)).count();
    const CLASSES: [&str; 5] = [
        "drift: input",
        "drift: forudsagt risiko",
        "drift: basisrate",
        "drift: tidligere forløb",
        "kalibrering",
    ];
    let in_months =
        |r: &SeedResult, class: &str, from: NaiveDate, months: std::ops::RangeInclusive<i32>| {
            r.months.get(class).is_some_and(|ms| {
                ms.iter()
                    .any(|m| months.contains(&months_between(from, *m)))
            })
        };
    // The shock month, or the same month in unshocked data (--window).
    if let Some(at) = o.synth.shock_month.or(o.window) {
        let label = if o.synth.shock_month.is_some() {
            "shock"
        } else {
            "window (no shock)"
        };
        for class in CLASSES {
            let rel: Vec<String> = results
                .iter()
                .map(|r| {
                    r.months
                        .get(class)
                        .and_then(|ms| ms.iter().find(|m| **m >= at))
                        .map_or("–".into(), |m| format!("{:+}", months_between(at, *m)))
                })
                .collect();
            println!(
                "  first {class:<24} at or after the {label}, months after it, by seed: {}",
                rel.join(" ")
            );
        }
        for (class, months) in [
            ("drift: input", 0..=2),
            ("drift: forudsagt risiko", 0..=2),
            ("drift: input", -3..=-1),
            ("drift: forudsagt risiko", -3..=-1),
            ("kalibrering", 0..=12),
            ("kalibrering", -12..=-1),
        ] {
            let k = with(&|r| in_months(r, class, at, months.clone()));
            println!(
                "  {class:<24} alert in months {:+}..{:+} of the {label}: {k}/{n} seeds",
                months.start(),
                months.end()
            );
        }
        for months in [0..=2, -3..=-1] {
            let either = with(&|r| {
                in_months(r, "drift: input", at, months.clone())
                    || in_months(r, "drift: forudsagt risiko", at, months.clone())
            });
            println!(
                "  a drift alert on an input other than {WARM_UP_INPUT} or on the risk in months {:+}..{:+} of the {label}: {either}/{n} seeds",
                months.start(),
                months.end()
            );
        }
    }
    for class in CLASSES {
        let any = with(&|r| r.months.contains_key(class));
        let runs: usize = results
            .iter()
            .map(|r| r.months.get(class).map_or(0, Vec::len))
            .sum();
        println!("  {class:<24} alert in any run: {any}/{n} seeds ({runs} runs in all)");
    }
    let district = |r: &SeedResult| {
        r.final_flags
            .iter()
            .any(|(d, g, _)| d == "district" && g == BIASED_DISTRICT)
    };
    let late = |r: &SeedResult| {
        r.last_month.map_or(0, |last| {
            r.flag_months
                .iter()
                .filter(|m| months_between(**m, last) < 24)
                .count()
        })
    };
    println!(
        "  {BIASED_DISTRICT} flagged in the last run: {}/{n}; any group flagged in the last run: {}/{n}; any group flagged in any run: {}/{n} ({} runs in all); in the last 24 runs: {}/{n} seeds ({} runs)",
        with(&district),
        with(&|r| !r.final_flags.is_empty()),
        with(&|r| !r.any_flags.is_empty()),
        results.iter().map(|r| r.flag_months.len()).sum::<usize>(),
        with(&|r| late(r) > 0),
        results.iter().map(late).sum::<usize>(),
    );
    let secs: f64 = results.iter().map(|r| r.seconds).sum();
    println!(
        "  {:.0} s in all, {:.0} s per seed",
        secs,
        secs / n.max(1) as f64
    );
}
