//! How the admin audit page (`/admin/revision`) answers at a million audit rows:
//! the page through the real router (guard, audit of the view itself, page of
//! 200 rows, chain check from the last checkpoint), in the encrypted store. A
//! measurement, not a test (README, "Revisionsloggen i tal"):
//!
//! `cargo run --release --example bench_audit` (`JOBCOCKPIT_BENCH_ROWS`, default 1,000,000).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request};
use jobcockpit::access::{password, Access, AccessSettings, AuditEntry, Outcome, Role};
use jobcockpit::config::DisclosureK;
use jobcockpit::encryption::EncryptionKey;
use jobcockpit::store::Store;
use jobcockpit::web::{self, AppState, MartSource};
use tower::ServiceExt;

/// The audit page reads no marts.
struct NoMarts;

impl MartSource for NoMarts {
    fn fetch(&self, mart: &str) -> Result<jobcockpit::table::Table, anyhow::Error> {
        anyhow::bail!("no mart {mart} in this benchmark")
    }
}

fn entry(i: usize) -> AuditEntry {
    AuditEntry {
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
    }
}

async fn view(app: &axum::Router, cookie: &str, uri: &str) -> Duration {
    let request = Request::get(uri)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let started = Instant::now();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(status, 200, "{uri}: {}", String::from_utf8_lossy(&body));
    let page = String::from_utf8_lossy(&body);
    assert!(page.contains("Kontrollen af kæden er i orden"), "{uri}");
    took
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rows: usize = std::env::var("JOBCOCKPIT_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let mut bytes = [0u8; 32];
    password::os_random(&mut bytes).unwrap();
    let key = EncryptionKey::from_hex(&hex::encode(bytes)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("bench.duckdb"), &key).unwrap();
    let access = Access::open(&store, AccessSettings::default(), None).unwrap();

    let started = Instant::now();
    for i in 0..rows {
        access.audit().record(entry(i));
    }
    access.audit().flush().unwrap();
    println!(
        "{rows} audit rows stored in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let dashboards = Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboards");
    let state = AppState::new(Arc::new(NoMarts), &dashboards, DisclosureK::default())
        .unwrap()
        .with_access(access.clone());
    let (token, _) = access.session_for_tests("admin", Role::Admin);
    let cookie = format!("{}={token}", web::guard::session_cookie(false));
    let app = web::router(state);

    let first = view(&app, &cookie, "/admin/revision").await;
    println!(
        "first view, no checkpoint yet (every row recomputed once): {:.0} ms",
        ms(first)
    );
    let mut views: Vec<Duration> = Vec::new();
    for _ in 0..20 {
        views.push(view(&app, &cookie, "/admin/revision").await);
    }
    views.sort();
    println!(
        "next 20 views (new rows since the checkpoint only): median {:.1} ms, max {:.1} ms",
        ms(views[views.len() / 2]),
        ms(views[views.len() - 1])
    );
    let older = view(&app, &cookie, &format!("/admin/revision?foer={}", rows / 2)).await;
    println!(
        "an older page (rows before no. {}): {:.1} ms",
        rows / 2,
        ms(older)
    );
    let user = view(&app, &cookie, "/admin/revision?bruger=bruger7").await;
    println!("one user's newest rows: {:.1} ms", ms(user));
    let full = view(&app, &cookie, "/admin/revision?kontrol=fuld").await;
    println!("a full check on request: {:.0} ms", ms(full));
}
