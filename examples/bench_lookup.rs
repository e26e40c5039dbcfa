//! Look-up latency of one citizen (#14) at national scale, through the real server:
//! a store holding `SPELLS` synthetic benefit spells (default 1,640,000, the national
//! generator's count) with 3 interviews each and a score for 4 in 5, plus 10,000
//! citizens with real CPR numbers and pseudonyms; 64 caseworkers logged in, each on
//! its own connection, posting `/borger` as fast as the server answers (9 in 10 a
//! known citizen with a score, 1 in 10 a number nobody has). A measurement, not a
//! test:
//!
//! `cargo run --release --example bench_lookup [SPELLS] [SECONDS] [CONNECTIONS] [queued]`
//! (run from the repository root: the server reads `dashboards/` and `pipelines/`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use duckdb::params;
use jobcockpit::access::Role;
use jobcockpit::app::{self, App};
use jobcockpit::config::{LookupSettings, Settings};
use jobcockpit::pseudonym::Cpr;

/// Citizens with real CPR numbers, so the server finds them by pseudonym.
const PROBES: usize = 10_000;

fn probe_cpr(i: usize) -> String {
    // Valid dates from 1960 to 1999, 7th digit 0-3 (the 1900s).
    let day = 1 + i % 28;
    let month = 1 + (i / 28) % 12;
    let year = 60 + (i / 336) % 40;
    let serial = 1000 + (i * 7919) % 4000;
    format!("{day:02}{month:02}{year:02}-{serial:04}")
}

fn fill(app: &App, spells: usize) {
    let conn = app.store.lock();
    let started = Instant::now();
    conn.execute_batch("begin transaction").unwrap();
    conn.execute_batch(
        "insert into load_batches (batch_id, batch_month, source_dir, file_checksums, rows_loaded, loaded_at, duration_ms)
         values ('b1', date '2024-12-01', 'bench', '{}', 0, timestamp '2025-01-02 06:00:00', 0);
         insert into pipeline_runs (run_id, run_month, trigger, started_at, status)
         values ('rbench', date '2024-12-01', 'cli', timestamp '2025-01-05 06:00:00', 'succeeded');
         insert into model_versions (version, trained_in_run, run_month, train_from, train_to, n_train,
             base_rate, params, features, tree, created_at)
         values ('vbench', 'rbench', date '2024-12-01', date '2021-01-01', date '2023-12-01', 480705, 0.4,
             '{}', '[\"age\", \"months_employed_36\", \"education_level\"]',
             '[{\"output\":0,\"n_node_samples\":0,\"split_feature\":1,\"split_value\":6.5,\"true_child\":1,\"false_child\":2},
               {\"output\":0,\"n_node_samples\":0,\"split_feature\":0,\"split_value\":29.5,\"true_child\":3,\"false_child\":4},
               {\"output\":0,\"n_node_samples\":0,\"split_feature\":2,\"split_value\":2.5,\"true_child\":5,\"false_child\":6},
               {\"output\":0,\"n_node_samples\":0,\"split_feature\":0,\"split_value\":null,\"true_child\":null,\"false_child\":null},
               {\"output\":0,\"n_node_samples\":0,\"split_feature\":0,\"split_value\":null,\"true_child\":null,\"false_child\":null},
               {\"output\":0,\"n_node_samples\":0,\"split_feature\":0,\"split_value\":null,\"true_child\":null,\"false_child\":null},
               {\"output\":0,\"n_node_samples\":0,\"split_feature\":0,\"split_value\":null,\"true_child\":null,\"false_child\":null}]',
             timestamp '2025-01-05 06:00:00');
         insert into model_leaves (version, leaf_id, rule, n, n_pos, probability, ci_low, ci_high) values
             ('vbench', 3, 'Måneder i beskæftigelse ≤ 6,5 og Alder ≤ 29,5', 41000, 29500, 0.7195, 0.7151, 0.7238),
             ('vbench', 4, 'Måneder i beskæftigelse ≤ 6,5 og Alder > 29,5', 99000, 52000, 0.5253, 0.5222, 0.5284),
             ('vbench', 5, 'Måneder i beskæftigelse > 6,5 og Uddannelse ≤ 2,5', 160000, 51000, 0.3188, 0.3165, 0.3211),
             ('vbench', 6, 'Måneder i beskæftigelse > 6,5 og Uddannelse > 2,5', 180705, 29000, 0.1605, 0.1588, 0.1622);
         insert into model_validation (version, method, n, accuracy, accuracy_ci_low, accuracy_ci_high) values
             ('vbench', 'tree', 40000, 0.74, 0.736, 0.744), ('vbench', 'base_rate', 40000, 0.60, 0.595, 0.605);
         insert into metric_risk_bands (scope, cohort_month, model_version, risk_band, n, share, mean_predicted,
             n_labelled, observed_rate, observed_ci_low, observed_ci_high, computed_in_run) values
             ('vindue', date '2023-12-01', 'vbench', 'lav', 200000, 0.5, 0.2, 200000, 0.21, 0.208, 0.212, 'rbench'),
             ('vindue', date '2023-12-01', 'vbench', 'mellem', 120000, 0.3, 0.45, 120000, 0.46, 0.457, 0.463, 'rbench'),
             ('vindue', date '2023-12-01', 'vbench', 'hoej', 80000, 0.2, 0.7, 80000, 0.71, 0.707, 0.713, 'rbench');",
    )
    .unwrap();
    conn.execute(
        "insert into raw_spells (batch_id, spell_id, person_id, target_group, start_date, end_date)
         select 'b1', 'sp' || i, md5(i::varchar), 'dagpenge', date '2021-01-01' + (i % 1400)::integer,
                case when i % 3 = 0 then date '2021-06-01' + (i % 1200)::integer end
         from range(?) t(i)",
        params![spells as i64],
    )
    .unwrap();
    conn.execute(
        "insert into raw_interviews (batch_id, interview_id, spell_id, person_id, interview_date, seq, team)
         select 'b1', 'iv' || i || '-' || k, 'sp' || i, md5(i::varchar),
                date '2021-01-01' + (i % 1400)::integer + 20 * k::integer, k::integer, 'Team ' || (i % 7)
         from range(?) t(i), range(1, 4) s(k)",
        params![spells as i64],
    )
    .unwrap();
    conn.execute(
        "insert into model_scores (spell_id, person_id, cohort_month, model_version, probability, risk_band, leaf_id, scored_in_run)
         select 'sp' || i, md5(i::varchar), date_trunc('month', date '2021-01-01' + (i % 1400)::integer + 40)::date,
                'vbench', [0.7195, 0.5253, 0.3188, 0.1605][1 + i % 4], ['hoej', 'mellem', 'mellem', 'lav'][1 + i % 4],
                3 + i % 4, 'rbench'
         from range(?) t(i) where i % 5 <> 0",
        params![spells as i64],
    )
    .unwrap();
    for i in 0..PROBES {
        let cpr = Cpr::parse(&probe_cpr(i)).unwrap();
        let person = app.pseudonymiser.pseudonym(&cpr);
        let spell = format!("probe{i}");
        conn.execute(
            "insert into raw_spells (batch_id, spell_id, person_id, target_group, start_date, end_date)
             values ('b1', ?, ?, 'kontanthjaelp_jobparat', date '2024-06-03', null)",
            params![spell, person],
        )
        .unwrap();
        conn.execute(
            "insert into raw_interviews (batch_id, interview_id, spell_id, person_id, interview_date, seq, team)
             values ('b1', ? || '-2', ?, ?, date '2024-08-12', 2, 'Team Nord')",
            params![spell, spell, person],
        )
        .unwrap();
        conn.execute(
            "insert into model_scores (spell_id, person_id, cohort_month, model_version, probability, risk_band, leaf_id, scored_in_run)
             values (?, ?, date '2024-08-01', 'vbench', 0.7195, 'hoej', 3, 'rbench')",
            params![spell, person],
        )
        .unwrap();
    }
    conn.execute_batch("commit; checkpoint;").unwrap();
    let count = |t: &'static str| jobcockpit::store::count_rows(&conn, t).unwrap();
    println!(
        "store: {} spells, {} interviews, {} scores, filled in {:.1} s",
        count("raw_spells"),
        count("raw_interviews"),
        count("model_scores"),
        started.elapsed().as_secs_f64()
    );
}

/// The value of the first hidden `csrf` field.
fn token(html: &str) -> String {
    let m = "name=\"csrf\" value=\"";
    let at = html.find(m).expect("token") + m.len();
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

fn cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.strip_prefix(&format!("{name}="))
                .map(|r| r.split(';').next().unwrap_or("").to_string())
        })
}

/// Logs in through the form; returns the session cookie and the form token.
async fn login(http: &reqwest::Client, base: &str, user: &str, password: &str) -> (String, String) {
    let form = http.get(format!("{base}/login")).send().await.unwrap();
    let login_cookie = cookie(&form, "jc_login").unwrap();
    let t = token(&form.text().await.unwrap());
    let resp = http
        .post(format!("{base}/login"))
        .header("cookie", format!("jc_login={login_cookie}"))
        .form(&[
            ("csrf", t.as_str()),
            ("username", user),
            ("password", password),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    let session = cookie(&resp, "jc_session").expect("session");
    let page = http
        .get(format!("{base}/borger"))
        .header("cookie", format!("jc_session={session}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (session, token(&page))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg =
        |i: usize, default: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (spells, seconds, connections) = (arg(1, 1_640_000), arg(2, 15), arg(3, 64));

    // A fourth argument `queued` stores audit rows in the background instead of
    // before each response (`access.audit_before_response = false`), to measure
    // what waiting for the audit row costs.
    let queued = args.get(4).is_some_and(|a| a == "queued");

    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings {
        data_dir: dir.path().join("data").into(),
        lookup: LookupSettings::new(10_000, 10_000, 3).unwrap(),
        ..Settings::default()
    };
    settings.access.audit_before_response = !queued;
    println!(
        "audit rows: {}",
        if queued {
            "queued (stored in the background)"
        } else {
            "stored before each response"
        }
    );
    app::init(&settings).unwrap();
    let app = Arc::new(App::open(settings).unwrap());
    fill(&app, spells);
    let started = Instant::now();
    let index = app.lookup.index().unwrap();
    println!(
        "look-up index: {} citizens who can be looked up, built in {:.1} s",
        index.citizens.len(),
        started.elapsed().as_secs_f64()
    );
    drop(index);
    let password = "bench-adgangskode-123";
    for i in 0..connections {
        app.access
            .add_user(&format!("bench-{i}"), Role::Sagsbehandler, Some(password))
            .unwrap();
    }

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(app::serve(app.clone(), listener, async {
            let _ = rx.await;
        }));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(connections)
            .build()
            .unwrap();
        let mut sessions = Vec::new();
        for i in 0..connections {
            sessions.push(login(&http, &base, &format!("bench-{i}"), password).await);
        }
        let run = |phase: Duration, record: bool| {
            let mut tasks = Vec::new();
            for (i, (session, csrf)) in sessions.iter().cloned().enumerate() {
                let (http, base) = (http.clone(), base.clone());
                tasks.push(tokio::spawn(async move {
                    let mut out = Vec::new();
                    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
                    let end = Instant::now() + phase;
                    let mut n = i * 7_919;
                    while Instant::now() < end {
                        n += 1;
                        let cpr = if n % 10 == 0 {
                            "311299-9999".to_string()
                        } else {
                            probe_cpr(n % PROBES)
                        };
                        let started = Instant::now();
                        let resp = http
                            .post(format!("{base}/borger"))
                            .header("cookie", format!("jc_session={session}"))
                            .form(&[("cpr", cpr.as_str()), ("formaal", "jobplan"), ("csrf", csrf.as_str())])
                            .send()
                            .await
                            .unwrap();
                        let status = resp.status().as_u16();
                        let _ = resp.bytes().await.unwrap();
                        if record {
                            out.push(started.elapsed().as_secs_f64() * 1e3);
                            *statuses.entry(status).or_default() += 1;
                        }
                    }
                    (out, statuses)
                }));
            }
            tasks
        };
        for t in run(Duration::from_secs(3), false) {
            t.await.unwrap();
        }
        let started = Instant::now();
        let mut all = Vec::new();
        let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
        for t in run(Duration::from_secs(seconds as u64), true) {
            let (lat, st) = t.await.unwrap();
            all.extend(lat);
            for (k, v) in st {
                *statuses.entry(k).or_default() += v;
            }
        }
        let wall = started.elapsed().as_secs_f64();
        all.sort_by(|a, b| a.total_cmp(b));
        println!(
            "{connections} connections, {seconds} s: {} look-ups, {:.0}/s; latency ms p50 {:.2}, p90 {:.2}, p99 {:.2}, max {:.2}; statuses {statuses:?}",
            all.len(),
            all.len() as f64 / wall,
            percentile(&all, 0.50),
            percentile(&all, 0.90),
            percentile(&all, 0.99),
            all.last().copied().unwrap_or(f64::NAN),
        );
        let _ = tx.send(());
        let _ = server.await;
    });
}
