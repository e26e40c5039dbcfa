//! The effects experiment of issue #17: do the effect estimates of the `effects`
//! step cover the generator's planted truth, how often does the naive difference
//! miss it, and what does the sensitivity figure say when caseworkers select on
//! something the product cannot see? A measurement, not a test:
//!
//! ```sh
//! cargo run --release --example effects_experiment -- --seeds 1-10
//! cargo run --release --example effects_experiment -- --seeds 1-10 --hidden
//! ```
//!
//! For each seed it writes the synthetic deliveries (with hidden selection if
//! `--hidden`) into a temporary data dir and runs every month in order as
//! `jobcockpit backfill` does, without the effects and report steps; the last
//! month runs with the effects step (so its cost is measured against the whole
//! run). The training grid is cut to one point (max_depth 4, min_samples_leaf
//! 60) to keep the backfill short; the bands group the cells, nothing else. It then computes the truth (`synth::effect_truth`: each start simulated
//! with and without it on the same random streams) and joins it to the starts
//! each estimate rests on (`effect_treated`). A cell (programme, risk band,
//! outcome) with an estimate has the true average effect on its treated; the
//! experiment counts how often the 95 % interval holds it, how often the naive
//! difference's interval misses it, and the E-values. Options: `--population N`,
//! `--years N`, `--replicates N` (truth simulations per start, 40).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use jobcockpit::app::{self, App};
use jobcockpit::config::Settings;
use jobcockpit::ingest;
use jobcockpit::store::query_table;
use jobcockpit::synth::{self, Selection, SynthConfig};
use jobcockpit::table::Cell;

struct Options {
    seeds: Vec<u64>,
    synth: SynthConfig,
    selection: Selection,
    replicates: u32,
}

fn parse_args(args: &[String]) -> Options {
    let mut o = Options {
        seeds: vec![1],
        synth: SynthConfig::default(),
        selection: Selection::Observed,
        replicates: 40,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| panic!("{a} needs a value"))
                .clone()
        };
        match a.as_str() {
            "--seeds" => {
                o.seeds = value()
                    .split(',')
                    .flat_map(|p| match p.split_once('-') {
                        Some((a, b)) => (a.parse::<u64>().unwrap()..=b.parse().unwrap()).collect(),
                        None => vec![p.parse().unwrap()],
                    })
                    .collect()
            }
            "--population" => o.synth.population = value().parse().expect("population"),
            "--years" => o.synth.years = value().parse().expect("years"),
            "--replicates" => o.replicates = value().parse().expect("replicates"),
            "--hidden" => o.selection = Selection::Hidden,
            other => panic!("unknown option {other}"),
        }
    }
    o
}

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The monthly pipeline with the steps replaced by `steps`.
fn pipeline_file(dir: &Path, name: &str, steps: &str) -> PathBuf {
    let text = std::fs::read_to_string(repo("pipelines/monthly.toml")).expect("pipeline");
    let line = text
        .lines()
        .find(|l| l.starts_with("steps = "))
        .expect("steps line");
    let path = dir.join(name);
    // One grid point instead of twelve: the risk bands only group the cells here,
    // and the backfill's training dominates its time.
    let text = text
        .replace(line, &format!("steps = {steps}"))
        .replace("max_depth = [3, 4, 5, 6]", "max_depth = [4]")
        .replace(
            "min_samples_leaf = [30, 60, 120]",
            "min_samples_leaf = [60]",
        );
    std::fs::write(&path, text).expect("write");
    path
}

fn settings(data_dir: &Path, pipeline: PathBuf) -> Settings {
    Settings {
        data_dir: data_dir.to_path_buf().into(),
        dashboards_dir: repo("dashboards"),
        pipeline_file: pipeline,
        policy_file: repo("model/features.toml"),
        ..Settings::default()
    }
}

fn text(c: &Cell) -> String {
    match c {
        Cell::Text(s) => s.clone(),
        Cell::Date(d) => d.to_string(),
        Cell::Int(v) => v.to_string(),
        _ => String::new(),
    }
}

/// One estimated cell with its truth.
struct Checked {
    seed: u64,
    outcome: String,
    programme: String,
    band: String,
    n: i64,
    truth: f64,
    effect: f64,
    ci: (f64, f64),
    naive_ci: (f64, f64),
    e_value_ci: f64,
}

struct SeedCost {
    backfill_s: f64,
    last_run_ms: i64,
    effects_ms: i64,
}

fn run_seed(o: &Options, seed: u64) -> (Vec<Checked>, SeedCost) {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir");
    let without = pipeline_file(
        dir.path(),
        "without.toml",
        r#"["ingest", "features", "train", "score", "evaluate", "monitor", "marts"]"#,
    );
    let with = pipeline_file(
        dir.path(),
        "with.toml",
        r#"["ingest", "features", "train", "score", "evaluate", "monitor", "effects", "marts"]"#,
    );
    let data = dir.path().join("data");
    let s_without = settings(&data, without);
    app::init(&s_without).expect("init");
    let cfg = SynthConfig {
        seed,
        ..o.synth.clone()
    };
    synth::generate_with(&cfg, o.selection, &s_without.inbox_dir()).expect("deliveries");
    let months: Vec<_> = ingest::delivery_folders(&s_without.inbox_dir())
        .expect("deliveries")
        .into_iter()
        .map(|(m, _)| m)
        .collect();
    let (last, rest) = months.split_last().expect("months");
    {
        let app = App::open(s_without).expect("open");
        for m in rest {
            app.run_month(*m, "backfill").expect("run");
        }
    }
    let app = App::open(settings(&data, with)).expect("open");
    let report = app.run_month(*last, "backfill").expect("last run");
    let backfill_s = started.elapsed().as_secs_f64();
    let conn = app.store.lock();
    let steps = query_table(
        &conn,
        "select step, duration_ms from pipeline_steps where run_id = ?",
        [&report.run_id],
    )
    .expect("steps");
    let (mut last_run_ms, mut effects_ms) = (0, 0);
    for r in &steps.rows {
        let ms = r[1].as_i64().unwrap_or(0);
        last_run_ms += ms;
        if text(&r[0]) == "effects" {
            effects_ms = ms;
        }
    }
    let treated = query_table(
        &conn,
        "select spell_id, start_date, programme_type, risk_band from effect_treated",
        [],
    )
    .expect("treated");
    let est = query_table(
        &conn,
        "select outcome, programme_type, group_value, n_treated, effect, effect_ci_low, effect_ci_high,
                naive_ci_low, naive_ci_high, e_value_ci
         from effect_estimates where grouping = 'risikogruppe' and effect is not null",
        [],
    )
    .expect("estimates");
    drop(conn);
    let truth = synth::effect_truth(&cfg, o.selection, o.replicates);
    let by_key: HashMap<(String, String, String), &synth::TreatedTruth> = truth
        .iter()
        .map(|t| {
            (
                (
                    t.spell_id.clone(),
                    t.start.to_string(),
                    t.programme_type.to_string(),
                ),
                t,
            )
        })
        .collect();
    // True effect per (outcome, programme, band): mean over the cell's starts.
    let mut sums: HashMap<(String, String, String), (f64, f64)> = HashMap::new();
    let mut missing = 0;
    for r in &treated.rows {
        let key = (text(&r[0]), text(&r[1]), text(&r[2]));
        let Some(t) = by_key.get(&key) else {
            missing += 1;
            continue;
        };
        for (outcome, (y1, y0)) in [
            ("ledig_12", t.unemployed_12),
            ("ledig_laast", t.unemployed_lockin),
        ] {
            let e = sums
                .entry((outcome.into(), key.2.clone(), text(&r[3])))
                .or_default();
            e.0 += y1 - y0;
            e.1 += 1.0;
        }
    }
    if missing > 0 {
        eprintln!("seed {seed}: {missing} starts without a truth");
    }
    let f = |c: &Cell| c.as_f64().unwrap_or(f64::NAN);
    let checked = est
        .rows
        .iter()
        .filter_map(|r| {
            let key = (text(&r[0]), text(&r[1]), text(&r[2]));
            let (s, n) = sums.get(&key)?;
            Some(Checked {
                seed,
                outcome: key.0,
                programme: key.1,
                band: key.2,
                n: r[3].as_i64().unwrap_or(0),
                truth: s / n,
                effect: f(&r[4]),
                ci: (f(&r[5]), f(&r[6])),
                naive_ci: (f(&r[7]), f(&r[8])),
                e_value_ci: f(&r[9]),
            })
        })
        .collect();
    (
        checked,
        SeedCost {
            backfill_s,
            last_run_ms,
            effects_ms,
        },
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let o = parse_args(&args);
    println!(
        "effects experiment: seeds {:?}, selection {:?}, population {}, {} years, {} truth replicates",
        o.seeds, o.selection, o.synth.population, o.synth.years, o.replicates
    );
    let mut all = Vec::new();
    for &seed in &o.seeds {
        let (c, cost) = run_seed(&o, seed);
        let cov = c
            .iter()
            .filter(|x| x.outcome == "ledig_12" && x.ci.0 <= x.truth && x.truth <= x.ci.1)
            .count();
        let n12 = c.iter().filter(|x| x.outcome == "ledig_12").count();
        println!(
            "seed {seed}: {n12} cells at 12 months, {cov} covered; backfill {:.0} s; last run {} ms, of which effects {} ms ({:.1} %)",
            cost.backfill_s,
            cost.last_run_ms,
            cost.effects_ms,
            100.0 * cost.effects_ms as f64 / cost.last_run_ms.max(1) as f64
        );
        all.extend(c);
    }
    println!("\nseed\toutcome\tprogramme\tband\tn\ttruth\teffect\tci_low\tci_high\tnaive_lo\tnaive_hi\tE_ci");
    for x in &all {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{:+.3}\t{:+.3}\t{:+.3}\t{:+.3}\t{:+.3}\t{:+.3}\t{:.2}",
            x.seed,
            x.outcome,
            x.programme,
            x.band,
            x.n,
            x.truth,
            x.effect,
            x.ci.0,
            x.ci.1,
            x.naive_ci.0,
            x.naive_ci.1,
            x.e_value_ci
        );
    }
    println!();
    for outcome in ["ledig_12", "ledig_laast"] {
        let cells: Vec<&Checked> = all.iter().filter(|x| x.outcome == outcome).collect();
        let n = cells.len().max(1) as f64;
        let covered = cells
            .iter()
            .filter(|x| x.ci.0 <= x.truth && x.truth <= x.ci.1)
            .count();
        let naive_miss = cells
            .iter()
            .filter(|x| !(x.naive_ci.0 <= x.truth && x.truth <= x.naive_ci.1))
            .count();
        let bias = cells.iter().map(|x| x.effect - x.truth).sum::<f64>() / n;
        let mut e: Vec<f64> = cells.iter().map(|x| x.e_value_ci).collect();
        e.sort_by(f64::total_cmp);
        let fragile = cells.iter().filter(|x| x.e_value_ci < 1.5).count();
        let missed_e: Vec<f64> = cells
            .iter()
            .filter(|x| !(x.ci.0 <= x.truth && x.truth <= x.ci.1))
            .map(|x| x.e_value_ci)
            .collect();
        println!(
            "{outcome}: {} cells; 95 % interval covers the truth in {covered} ({:.1} %); naive interval misses it in {naive_miss} ({:.1} %); mean estimate - truth {:+.4}; median E-value (interval) {:.2}; E < 1.5 in {fragile} ({:.1} %); E-values of the missed cells {:?}",
            cells.len(),
            100.0 * covered as f64 / n,
            100.0 * naive_miss as f64 / n,
            bias,
            e.get(e.len() / 2).copied().unwrap_or(f64::NAN),
            100.0 * fragile as f64 / n,
            missed_e.iter().map(|v| (v * 100.0).round() / 100.0).collect::<Vec<_>>()
        );
    }
}
