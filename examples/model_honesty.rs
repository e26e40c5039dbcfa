//! The per-month table of issue #18 on a backfilled store: for every monthly
//! training, the tree, the logistic regression and the benchmark ensemble (never
//! used to score) on the same validation cohorts, with validation AUC and Brier
//! score and their bootstrap 95 % intervals, calibration in the large, the price of
//! explainability (tree minus benchmark Brier, paired interval), and how often each
//! family would have won (lowest validation Brier; best calibrated).
//!
//! ```sh
//! jobcockpit demo --no-serve --data-dir /tmp/demo18      # the demo backfill
//! cargo run --release --example model_honesty -- /tmp/demo18
//! ```
//!
//! Prints Markdown (the tables in README.md and docs/metrics.md come from it).

use std::collections::BTreeMap;
use std::path::Path;

use jobcockpit::encryption::{self, EncryptionKey};
use jobcockpit::store::{query_table, Store};
use jobcockpit::table::Cell;

const FAMILIES: [(&str, &str); 3] = [
    ("tree", "træ"),
    ("logistic_regression", "LR"),
    ("benchmark", "ensemble"),
];

fn f(c: &Cell) -> Option<f64> {
    c.as_f64().filter(|v| v.is_finite())
}

fn with_ci(v: Option<f64>, lo: Option<f64>, hi: Option<f64>, d: usize) -> String {
    match (v, lo, hi) {
        (Some(v), Some(lo), Some(hi)) => format!("{v:.d$} ({lo:.d$}–{hi:.d$})"),
        (Some(v), _, _) => format!("{v:.d$}"),
        _ => "–".into(),
    }
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: model_honesty DATA_DIR");
    let dir = Path::new(&dir);
    let key = EncryptionKey::load(&encryption::key_file(dir)).expect("store key");
    let store = Store::open(&dir.join("jobcockpit.duckdb"), &key).expect("store");
    let conn = store.lock();
    let t = query_table(
        &conn,
        "select v.run_month::varchar as run_month, m.method, m.n, m.auc, m.auc_ci_low, m.auc_ci_high,
                m.brier, m.brier_ci_low, m.brier_ci_high, m.calibration_gap, m.threshold
         from model_validation m join model_versions v using (version)
         order by v.run_month, m.method",
        [],
    )
    .expect("validation");
    let prices = query_table(
        &conn,
        "select v.run_month::varchar, p.method, p.brier_difference, p.brier_ci_low, p.brier_ci_high,
                p.auc_difference, p.auc_ci_low, p.auc_ci_high
         from model_explainability_price p join model_versions v using (version)
         order by v.run_month",
        [],
    )
    .expect("prices");
    // run month -> method -> row
    let mut by_month: BTreeMap<String, BTreeMap<String, Vec<Cell>>> = BTreeMap::new();
    for row in &t.rows {
        let (Cell::Text(m), Cell::Text(method)) = (&row[0], &row[1]) else {
            continue;
        };
        by_month
            .entry(m[..7].to_string())
            .or_default()
            .insert(method.clone(), row.clone());
    }
    let mut price: BTreeMap<(String, String), Vec<Cell>> = BTreeMap::new();
    for row in &prices.rows {
        if let (Cell::Text(m), Cell::Text(method)) = (&row[0], &row[1]) {
            price.insert((m[..7].to_string(), method.clone()), row.clone());
        }
    }
    println!(
        "| Kørsel | n | AUC træ | AUC LR | AUC ensemble | Brier træ | Brier LR | Brier ensemble | \
         Pris: Brier træ − ensemble | Pris: AUC træ − ensemble | Lavest Brier | Bedst kalibreret |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut wins: BTreeMap<&str, usize> = BTreeMap::new();
    let mut calibrated: BTreeMap<&str, usize> = BTreeMap::new();
    let (mut months, mut price_above_zero, mut price_spans_zero) = (0, 0, 0);
    for (month, methods) in &by_month {
        let cell = |method: &str, i: usize| methods.get(method).and_then(|r| f(&r[i]));
        if !FAMILIES.iter().all(|(m, _)| methods.contains_key(*m)) {
            continue;
        }
        months += 1;
        let auc = |m: &str| with_ci(cell(m, 3), cell(m, 4), cell(m, 5), 3);
        let brier = |m: &str| with_ci(cell(m, 6), cell(m, 7), cell(m, 8), 4);
        let best = FAMILIES
            .iter()
            .filter_map(|(m, label)| cell(m, 6).map(|b| (b, *label)))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, l)| l)
            .unwrap_or("–");
        let best_cal = FAMILIES
            .iter()
            .filter_map(|(m, label)| cell(m, 9).map(|g| (g.abs(), *label)))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, l)| l)
            .unwrap_or("–");
        *wins.entry(best).or_default() += 1;
        *calibrated.entry(best_cal).or_default() += 1;
        let p = price.get(&(month.clone(), "benchmark".into()));
        let pc = |i: usize| p.and_then(|r| f(&r[i]));
        if pc(3).is_some_and(|lo| lo > 0.0) {
            price_above_zero += 1;
        }
        if pc(3).is_some_and(|lo| lo <= 0.0) && pc(4).is_some_and(|hi| hi >= 0.0) {
            price_spans_zero += 1;
        }
        println!(
            "| {month} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {best} | {best_cal} |",
            cell("tree", 2).map_or(0, |n| n as i64),
            auc("tree"),
            auc("logistic_regression"),
            auc("benchmark"),
            brier("tree"),
            brier("logistic_regression"),
            brier("benchmark"),
            with_ci(pc(2), pc(3), pc(4), 4),
            with_ci(pc(5), pc(6), pc(7), 3),
        );
    }
    println!();
    println!("{months} monthly trainings with all three families.");
    for (_, label) in FAMILIES {
        println!(
            "- {label}: lowest validation Brier in {} months, best calibrated (|mean predicted − observed|) in {}",
            wins.get(label).copied().unwrap_or(0),
            calibrated.get(label).copied().unwrap_or(0)
        );
    }
    println!(
        "- price of explainability (tree − ensemble Brier): interval above 0 in {price_above_zero} months, \
         containing 0 in {price_spans_zero}"
    );
    let thresholds = query_table(&conn, "select distinct threshold from model_validation", [])
        .expect("thresholds");
    println!(
        "- accuracies counted at threshold(s): {:?}",
        thresholds.rows.iter().map(|r| f(&r[0])).collect::<Vec<_>>()
    );
}
