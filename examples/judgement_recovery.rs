//! "Who was right" on a demo store (#14): the oversight mart's accuracy and Brier
//! score for the model, the synthetic caseworkers and the two combined, beside the
//! caseworkers' accuracy the generator planted (docs/extracts.md, "Syntetiske
//! sagsbehandlere"). A measurement, not a test (the test is
//! `tests/e2e/borger.rs`, `judgements_are_aggregated_and_the_planted_caseworker_accuracy_is_recovered`):
//!
//! `jobcockpit demo --no-serve --data-dir /tmp/demo-full`, then
//! `cargo run --release --example judgement_recovery -- /tmp/demo-full`
//! (from the repository root; the demo's store must not be open elsewhere).

use jobcockpit::app::App;
use jobcockpit::config::Settings;
use jobcockpit::lookup::simulate::{expected_accuracy, Caseworkers};
use jobcockpit::store::query_table;
use jobcockpit::table::Cell;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "demo-data".into());
    let settings = Settings {
        data_dir: std::path::PathBuf::from(&dir).into(),
        ..Settings::default()
    };
    let app = App::open(settings).expect("open the demo's data dir");
    let conn = app.store.lock();
    let truth = query_table(
        &conn,
        "with latest as (
             select * from lookup_judgements
             qualify row_number() over (partition by spell_id order by recorded_at desc, judgement_id desc) = 1
         )
         select (j.model_risk_band = 'hoej')::integer = l.label
         from latest as j join feat_labels as l using (spell_id)
         where l.mature and l.label is not null and j.source = 'demo'",
        [],
    )
    .expect("judged spells");
    let model_right: Vec<bool> = truth.rows.iter().map(|r| r[0] == Cell::Int(1)).collect();
    let planted = expected_accuracy(Caseworkers::default().insight, &model_right);
    let acc = query_table(
        &conn,
        "select judge, n, accuracy, accuracy_ci_low, accuracy_ci_high, brier, brier_ci_low, brier_ci_high, window_from, window_to
         from mart_judgement_accuracy order by judge_order",
        [],
    )
    .expect("mart_judgement_accuracy");
    let f = |c: &Cell| c.as_f64().unwrap_or(f64::NAN);
    println!("judged spells with a known outcome: {}", model_right.len());
    println!("planted caseworker accuracy: {planted:.4}");
    println!("| judge | n | accuracy | 95 % interval | Brier | 95 % interval |");
    println!("|---|---:|---:|---|---:|---|");
    for r in &acc.rows {
        let judge = match &r[0] {
            Cell::Text(s) => s.clone(),
            other => format!("{other:?}"),
        };
        println!(
            "| {judge} | {} | {:.4} | {:.4}-{:.4} | {:.4} | {:.4}-{:.4} |",
            f(&r[1]),
            f(&r[2]),
            f(&r[3]),
            f(&r[4]),
            f(&r[5]),
            f(&r[6]),
            f(&r[7])
        );
    }
    let disagree = query_table(
        &conn,
        "select sum(n), sum(n_disagree) from mart_judgements where risk_band = 'alle'",
        [],
    )
    .expect("mart_judgements");
    println!(
        "judgements (latest per spell): {}, disagreeing with the model: {}",
        f(&disagree.rows[0][0]),
        f(&disagree.rows[0][1])
    );
}
