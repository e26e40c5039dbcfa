//! Benchmark: training jobcockpit's decision tree (our exact CART, `model::cart`,
//! through `jobcockpit::model::fit_tree` and `model::grid::search`) on a synthetic
//! matrix, to compare with scikit-learn's `DecisionTreeClassifier` on exactly the
//! same rows (`tests/reference/bench_tree_sklearn.py`; both are run by
//! `tests/reference/bench_tree.sh`).
//!
//! ```sh
//! export CARGO_TARGET_DIR=$HOME/.cache/jobcockpit-target
//! cargo run --release --example bench_tree -- --rows 100000 [--csv PATH] [--seed N] [--repeat N]
//! ```
//!
//! * The matrix: `--rows` training rows plus a quarter as many test rows (so the
//!   test rows are the last 20 % of the file), 15 features (flags, ordinals,
//!   counts, continuous values and pure noise) and a 0/1 label drawn from a known
//!   logistic model. Written to `--csv` (default `/tmp/jobcockpit_bench_<rows>.csv`)
//!   with Rust's shortest round-trip formatting, so Python parses the same doubles.
//! * (a) one fit at max depth 8 / min samples per leaf 1 (gini, min samples split
//!   2, all features, as scikit-learn's defaults): `fit_tree` (all cores), and the
//!   same fit on one core (`cart::Columns::new` + `cart::fit` with one thread), the
//!   fair comparison with scikit-learn's single-core fit.
//! * (b) the hyper-parameter search as `model::train` runs it: every
//!   (max_depth, min_samples_leaf) of `pipelines/monthly.toml`, fitted on the first
//!   80 % of the training rows, scored by Brier on the last 20 % (the time split),
//!   the best refitted on all training rows. Timed as `model::grid::search` runs it
//!   (columns coded once, one fit per min_samples_leaf cut to each depth, all
//!   cores), and as 12 independent `fit_tree` calls one after another.
//! * AUC on the test rows uses the leaf probabilities we score with (smoothed
//!   observed rates of the training rows per leaf). The raw, unsmoothed leaf rates
//!   are reported too; they are what scikit-learn's `predict_proba` returns.
//!
//! * (c) the benchmark ensemble of issue #18 (`model::benchmark`, never used to
//!   score): fitted on the same fit rows as the search and predicting the same
//!   validation rows, as `model::train` runs it, timed against (b)'s `grid::search`
//!   (the bar: under 5 times the search), with its test AUC beside the tree's.
//!
//! Every timing is the best of `--repeat` runs (default 2). The last line printed
//! is one JSON object.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use jobcockpit::config::PipelineConfig;
use jobcockpit::metrics::{auc, brier};
use jobcockpit::model::cart::{self, CartParams};
use jobcockpit::model::policy::FeaturePolicy;
use jobcockpit::model::{fit_tree, tree, TrainedTree};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// (name, kind) of the 15 synthetic features, in column order.
const FEATURES: [(&str, &str); 15] = [
    ("age", "number"),
    ("tg_dagpenge", "flag"),
    ("tg_kontanthjaelp_jobparat", "flag"),
    ("tg_kontanthjaelp_aktivitetsparat", "flag"),
    ("driving_licence", "flag"),
    ("education_level", "number"),
    ("experience_years", "number"),
    ("disco_major", "number"),
    ("months_employed_36", "number"),
    ("months_on_benefit_36", "number"),
    ("earlier_spells", "number"),
    ("days_to_2nd_interview", "number"),
    ("cohort_month_of_year", "number"),
    ("last_hourly_wage", "number"),
    ("noise", "number"),
];

struct Args {
    rows: usize,
    csv: PathBuf,
    seed: u64,
    repeat: usize,
}

fn args() -> Args {
    let mut rows = 100_000;
    let mut csv = None;
    let mut seed = 20_260_101;
    let mut repeat = 2;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--rows" => rows = value().replace('_', "").parse().expect("--rows N"),
            "--csv" => csv = Some(PathBuf::from(value())),
            "--seed" => seed = value().parse().expect("--seed N"),
            "--repeat" => repeat = value().parse::<usize>().expect("--repeat N").max(1),
            other => panic!("unknown argument {other} (--rows N --csv PATH --seed N --repeat N)"),
        }
    }
    let csv = csv.unwrap_or_else(|| PathBuf::from(format!("/tmp/jobcockpit_bench_{rows}.csv")));
    Args {
        rows,
        csv,
        seed,
        repeat,
    }
}

/// `n` rows of the synthetic matrix and their labels. Deterministic in `seed`.
fn synthetic(n: usize, seed: u64) -> (Vec<Vec<f64>>, Vec<u32>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let normal = Normal::new(0.0, 1.0).expect("valid normal");
    let mut x = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let age = rng.random_range(18..=64) as f64;
        // Target group: one of five, three of them as flags (the others are "none of these").
        let tg = {
            let u: f64 = rng.random();
            if u < 0.35 {
                0
            } else if u < 0.60 {
                1
            } else if u < 0.75 {
                2
            } else if u < 0.90 {
                3
            } else {
                4
            }
        };
        let licence = f64::from(u8::from(rng.random_bool(0.7)));
        let education = {
            let u: f64 = rng.random();
            [0.25, 0.30, 0.55, 0.70, 0.80, 0.92, 0.99, 1.0]
                .iter()
                .position(|&c| u < c)
                .unwrap_or(7) as f64
        };
        let experience = ((age - 18.0 - 1.5 * education + 4.0 * normal.sample(&mut rng)).max(0.0)
            * 10.0)
            .round()
            / 10.0;
        let disco = rng.random_range(0..=9) as f64;
        let employed_share =
            (0.25 + 0.08 * education + 0.01 * experience.min(20.0) + 0.2 * normal.sample(&mut rng))
                .clamp(0.0, 1.0);
        let months_employed = (36.0 * employed_share).round();
        let months_benefit = ((36.0 - months_employed) * rng.random_range(0.2..1.0))
            .round()
            .clamp(0.0, 36.0);
        let earlier = (rng.random::<f64>().powi(3) * 10.0).floor();
        let days = (rng.random::<f64>() * rng.random::<f64>() * 200.0).round();
        let month = rng.random_range(1..=12) as f64;
        let wage = ((5.0 + 0.3 * normal.sample(&mut rng)).exp() / 1.5 * 100.0).round() / 100.0;
        let noise = (rng.random::<f64>() * 10_000.0).round() / 10_000.0;
        let flag = |b: bool| f64::from(u8::from(b));
        let row = vec![
            age,
            flag(tg == 0),
            flag(tg == 1),
            flag(tg == 2),
            licence,
            education,
            experience,
            disco,
            months_employed,
            months_benefit,
            earlier,
            days,
            month,
            wage,
            noise,
        ];
        // The known signal: the logit of "still unemployed 12 months later".
        let logit = -0.9 + 0.03 * (age - 40.0) + 0.6 * flag(age >= 55.0) - 0.4 * flag(tg == 0)
            + 0.3 * flag(tg == 1)
            + 1.1 * flag(tg == 2)
            - 0.5 * licence
            - 0.2 * education
            - 0.05 * (months_employed - 18.0)
            + 0.02 * months_benefit
            + 0.12 * earlier
            + 0.003 * days
            + 0.15 * flag(month == 12.0 || month <= 2.0)
            + 0.4 * flag(disco == 9.0) * flag(education <= 1.0)
            + 0.5 * normal.sample(&mut rng);
        let p = 1.0 / (1.0 + (-logit).exp());
        y.push(u32::from(rng.random_bool(p)));
        x.push(row);
    }
    (x, y)
}

fn write_csv(path: &Path, x: &[Vec<f64>], y: &[u32]) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    let header: Vec<&str> = FEATURES.iter().map(|f| f.0).collect();
    writeln!(w, "{},label", header.join(","))?;
    for (row, label) in x.iter().zip(y) {
        for v in row {
            // `{}` on f64 is the shortest representation that parses back to the same double.
            write!(w, "{v},")?;
        }
        writeln!(w, "{label}")?;
    }
    w.flush()
}

fn policy() -> FeaturePolicy {
    let mut text = String::from(
        "protected = [\"sex\", \"age\", \"origin\"]\nnever_inputs = [\"sex\", \"origin\"]\n",
    );
    for (name, kind) in FEATURES {
        text += &format!("\n[[input]]\nname = \"{name}\"\nlabel = \"{name}\"\nkind = \"{kind}\"\n");
    }
    FeaturePolicy::parse(&text).expect("synthetic policy")
}

/// Runs `f` `repeat` times; returns the shortest wall time in seconds and the last result.
fn best_of<T>(repeat: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..repeat {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(r);
    }
    (best, out.expect("repeat >= 1"))
}

fn probabilities(t: &TrainedTree, x: &[Vec<f64>]) -> Vec<f64> {
    x.iter().map(|r| t.leaf_for(r).probability).collect()
}

/// Raw (unsmoothed) training rate of each row's leaf: what sklearn's predict_proba gives.
fn raw_rates(t: &TrainedTree, x: &[Vec<f64>]) -> Vec<f64> {
    x.iter()
        .map(|r| {
            let l = t.leaf_for(r);
            if l.n == 0 {
                0.0
            } else {
                l.n_pos as f64 / l.n as f64
            }
        })
        .collect()
}

/// Splits on the longest path from the root to a leaf (scikit-learn's `get_depth()`).
fn splits_deep(t: &TrainedTree) -> usize {
    fn walk(nodes: &[tree::TreeNode], id: usize) -> usize {
        match (nodes[id].true_child, nodes[id].false_child) {
            (Some(a), Some(b)) => 1 + walk(nodes, a).max(walk(nodes, b)),
            _ => 0,
        }
    }
    walk(&t.nodes, 0)
}

type Candidate = (f64, u16, usize);

/// The search over the grid as 12 independent fits one after another (each codes
/// the columns and fits its own tree), for comparison with the search `train`
/// uses (`jobcockpit::model::grid::search`).
fn search_sequential(
    grid: &[(u16, usize)],
    fit: (&[Vec<f64>], &[u32]),
    val: (&[Vec<f64>], &[u32]),
    cfg: &PipelineConfig,
    policy: &FeaturePolicy,
) -> Vec<Candidate> {
    grid.iter()
        .map(|&(depth, leaf)| {
            let candidate = fit_tree(fit.0, fit.1, depth, leaf, cfg, policy).expect("fit");
            let p = probabilities(&candidate, val.0);
            (brier(&p, val.1).unwrap_or(f64::INFINITY), depth, leaf)
        })
        .collect()
}

/// Picks as `train` does: the lowest Brier, ties keep the earlier grid point.
fn choose(results: &[Candidate]) -> Candidate {
    let mut best: Option<Candidate> = None;
    for &r in results {
        if best.is_none_or(|b| r.0 < b.0) {
            best = Some(r);
        }
    }
    best.expect("non-empty grid")
}

fn main() {
    let a = args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cfg =
        PipelineConfig::load(&root.join("pipelines/monthly.toml")).expect("pipelines/monthly.toml");
    let policy = policy();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());

    let n_train = a.rows;
    let n_test = a.rows / 4;
    let t = Instant::now();
    let (x, y) = synthetic(n_train + n_test, a.seed);
    let gen_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    write_csv(&a.csv, &x, &y).expect("write csv");
    let csv_s = t.elapsed().as_secs_f64();
    let (train_x, test_x) = x.split_at(n_train);
    let (train_y, test_y) = y.split_at(n_train);
    let base = train_y.iter().map(|&v| f64::from(v)).sum::<f64>() / n_train as f64;
    println!(
        "matrix: {} training + {} test rows, {} features, base rate {:.4}; generated in {:.2} s, \
         written to {} in {:.2} s; {} cores; best of {} runs per timing",
        n_train,
        n_test,
        FEATURES.len(),
        base,
        gen_s,
        a.csv.display(),
        csv_s,
        threads,
        a.repeat
    );

    // (a) one fit at depth 8, min samples per leaf 1.
    let (fit_s, single) = best_of(a.repeat, || {
        fit_tree(train_x, train_y, 8, 1, &cfg, &policy).expect("fit")
    });
    let single_auc = auc(&probabilities(&single, test_x), test_y).expect("two classes");
    let single_auc_raw = auc(&raw_rates(&single, test_x), test_y).expect("two classes");
    // The same fit on one core: scikit-learn's tree has no n_jobs.
    let (fit_1core_s, nodes_1core) = best_of(a.repeat, || {
        let columns = cart::Columns::new(train_x, 1).expect("columns");
        let params = CartParams {
            max_depth: 8,
            min_samples_leaf: 1,
        };
        cart::fit(&columns, train_y, params, 1).expect("fit")
    });
    assert_eq!(
        nodes_1core, single.nodes,
        "one core and all cores grow the same tree"
    );
    // Its phases on all cores, timed once each (after the runs above, so the caches are warm).
    let t = Instant::now();
    let columns = cart::Columns::new(train_x, threads).expect("columns");
    let columns_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let params = CartParams {
        max_depth: 8,
        min_samples_leaf: 1,
    };
    let nodes = cart::fit(&columns, train_y, params, threads).expect("fit");
    let cart_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let leaves = tree::leaves(
        &nodes,
        train_x,
        train_y,
        cfg.training.leaf_smoothing,
        &policy,
    );
    let leaves_s = t.elapsed().as_secs_f64();
    drop(columns);
    println!(
        "(a) fit_tree depth 8, min_samples_leaf 1: {fit_s:.3} s on {threads} cores, {fit_1core_s:.3} s on one \
         ({} nodes, {} leaves, {} splits deep); test AUC {single_auc:.4} (raw leaf rates {single_auc_raw:.4})",
        single.nodes.len(),
        leaves.len(),
        splits_deep(&single)
    );
    println!(
        "    phases: columns {columns_s:.3} s, tree {cart_s:.3} s, leaf rates {leaves_s:.3} s"
    );

    // (b) the search, as `train` runs it.
    let grid = jobcockpit::model::grid::points(&cfg);
    let n_fit = n_train * 4 / 5;
    let fit = (&train_x[..n_fit], &train_y[..n_fit]);
    let val = (&train_x[n_fit..], &train_y[n_fit..]);
    let mut search_s = std::collections::BTreeMap::new();
    let mut chosen = None;
    for schedule in ["independent fits", "grid::search"] {
        let (s, c) = best_of(a.repeat, || match schedule {
            "independent fits" => choose(&search_sequential(&grid, fit, val, &cfg, &policy)),
            _ => {
                // Exactly the search `model::train` runs.
                let g = jobcockpit::model::grid::search(fit.0, fit.1, val.0, val.1, &cfg, &policy)
                    .expect("search");
                (g.val_brier, g.max_depth, g.min_samples_leaf)
            }
        });
        if let Some(prev) = chosen {
            assert_eq!(prev, c, "both schedules choose the same candidate");
        }
        chosen = Some(c);
        search_s.insert(schedule, s);
        println!(
            "(b) search over {} grid points, {schedule}: {s:.3} s",
            grid.len()
        );
    }
    let (val_brier, depth, leaf) = chosen.expect("searched");
    let (refit_s, model) = best_of(a.repeat, || {
        fit_tree(train_x, train_y, depth, leaf, &cfg, &policy).expect("refit")
    });
    let grid_auc = auc(&probabilities(&model, test_x), test_y).expect("two classes");
    let grid_auc_raw = auc(&raw_rates(&model, test_x), test_y).expect("two classes");
    println!(
        "    chosen depth {depth}, min_samples_leaf {leaf} (validation Brier {val_brier:.5}); refit on all \
         training rows {refit_s:.3} s; test AUC {grid_auc:.4} (raw leaf rates {grid_auc_raw:.4})"
    );

    // (c) the benchmark ensemble, as `train` runs it: fit rows in, validation rows out.
    let (benchmark_s, _) = best_of(a.repeat, || {
        jobcockpit::model::benchmark::probabilities(fit.0, fit.1, val.0).expect("benchmark")
    });
    let bench_test =
        jobcockpit::model::benchmark::probabilities(fit.0, fit.1, test_x).expect("benchmark");
    let bench_auc = auc(&bench_test, test_y).expect("two classes");
    let ratio = benchmark_s / search_s["grid::search"];
    println!(
        "(c) benchmark ensemble ({} rounds, depth {}): {benchmark_s:.3} s = {ratio:.2} x the grid search; \
         test AUC {bench_auc:.4} (tree {grid_auc:.4})",
        jobcockpit::model::benchmark::ROUNDS,
        jobcockpit::model::benchmark::MAX_DEPTH
    );

    let json = serde_json::json!({
        "side": "jobcockpit",
        "tree": "model::cart",
        "rows_train": n_train,
        "rows_test": n_test,
        "features": FEATURES.len(),
        "seed": a.seed,
        "csv": a.csv.display().to_string(),
        "threads": threads,
        "repeat": a.repeat,
        "single": {
            "max_depth": 8, "min_samples_leaf": 1,
            "fit_s": fit_s,
            "fit_one_core_s": fit_1core_s,
            "phases_s": {"columns": columns_s, "tree": cart_s, "leaf_rates": leaves_s},
            "nodes": single.nodes.len(),
            "splits_deep": splits_deep(&single),
            "test_auc": single_auc,
            "test_auc_raw": single_auc_raw,
        },
        "grid": {
            "points": grid,
            "fit_rows": n_fit,
            "validation_rows": n_train - n_fit,
            "search_sequential_s": search_s["independent fits"],
            "search_parallel_s": search_s["grid::search"],
            "refit_s": refit_s,
            "chosen": {"max_depth": depth, "min_samples_leaf": leaf, "validation_brier": val_brier,
                       "nodes": model.nodes.len(), "splits_deep": splits_deep(&model)},
            "test_auc": grid_auc,
            "test_auc_raw": grid_auc_raw,
        },
        "benchmark": {
            "fit_and_predict_s": benchmark_s,
            "times_grid_search": ratio,
            "test_auc": bench_auc,
        },
    });
    println!("{json}");
}
