//! Operations (#22) against the real binary: the audit log loses no answered
//! request when the server is stopped (SIGTERM) or killed (SIGKILL), and the
//! next start says when the previous server did not stop cleanly; `/readyz` and
//! `/metrics` answer only configured addresses.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jobcockpit::access::audit::{LIFECYCLE_START, LIFECYCLE_STOP, LIFECYCLE_UNCLEAN};
use jobcockpit::access::Role;
use jobcockpit::app::{self, App};
use jobcockpit::config::{MemoryLimitMb, Settings};
use jobcockpit::store::query_table;
use jobcockpit::table::Cell;

use crate::helpers::{repo_path, Client, PASSWORD};

const ADMIN: &str = "e2e-drift-admin";

fn settings(data: &Path) -> Settings {
    Settings {
        data_dir: data.to_path_buf().into(),
        ..Settings::default()
    }
}

/// A data dir with keys, an empty store and one administrator; nothing open.
fn prepared_data_dir(root: &Path) -> PathBuf {
    let data = root.join("data");
    let s = settings(&data);
    app::init(&s).unwrap();
    let app = App::open(s).unwrap();
    app.access
        .add_user(ADMIN, Role::Admin, Some(PASSWORD))
        .unwrap();
    data
}

/// `jobcockpit serve` on a free port, its stderr in a file.
struct ServerProcess {
    child: Child,
    base: String,
    stderr: PathBuf,
}

fn start_server(data: &Path, stderr: PathBuf) -> ServerProcess {
    start_server_with(data, stderr, &[])
}

fn start_server_with(data: &Path, stderr: PathBuf, env: &[(&str, &str)]) -> ServerProcess {
    let log = std::fs::File::create(&stderr).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_jobcockpit"))
        .arg("serve")
        .envs(env.iter().copied())
        .current_dir(repo_path(""))
        .env("JOBCOCKPIT_DATA_DIR", data)
        .env("JOBCOCKPIT_BIND", "127.0.0.1:0")
        .env("RUST_LOG", "jobcockpit=info,warn")
        .env_remove("JOBCOCKPIT_STORE_KEY")
        .env_remove("JOBCOCKPIT_PSEUDONYM_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("start the server");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let base = loop {
        line.clear();
        let n = out.read_line(&mut line).unwrap();
        assert!(
            n > 0,
            "the server stopped before listening: {}",
            std::fs::read_to_string(&stderr).unwrap_or_default()
        );
        if let Some(rest) = line.split("http://").nth(1) {
            break format!("http://{}", rest.split('/').next().unwrap());
        }
    };
    ServerProcess {
        child,
        base,
        stderr,
    }
}

impl ServerProcess {
    fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{name}");
    }

    /// Waits for the process to end; returns whether it exited by itself (not by a signal).
    fn wait(&mut self) -> std::process::ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server did not stop"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

/// Eight clients send requests marked `spor=<tag>-<n>` until the server stops
/// answering; after `before_signal` answers, `signal` is sent. Returns how many
/// were answered and how many sent.
async fn requests_then(
    server: &ServerProcess,
    tag: &str,
    before_signal: usize,
    signal: &str,
) -> (usize, usize) {
    let mut admin = Client::new(&server.base, false);
    assert_eq!(admin.login(ADMIN, PASSWORD).await.status(), 303);
    let answered = Arc::new(AtomicUsize::new(0));
    let sent = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let (c, answered, sent, tag) = (
            admin.clone(),
            answered.clone(),
            sent.clone(),
            tag.to_string(),
        );
        tasks.push(tokio::spawn(async move {
            for i in 0..10_000 {
                sent.fetch_add(1, Ordering::SeqCst);
                let path = format!("/admin/brugere?spor={tag}-{worker}-{i}");
                match c.request(reqwest::Method::GET, &path).send().await {
                    Ok(resp) if resp.status() == 200 => {
                        // Answered means the whole response arrived.
                        if resp.bytes().await.is_ok() {
                            answered.fetch_add(1, Ordering::SeqCst);
                        } else {
                            break;
                        }
                    }
                    _ => break,
                }
            }
        }));
    }
    let started = Instant::now();
    while answered.load(Ordering::SeqCst) < before_signal {
        assert!(started.elapsed() < Duration::from_secs(60), "too slow");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.signal(signal);
    for t in tasks {
        t.await.unwrap();
    }
    (answered.load(Ordering::SeqCst), sent.load(Ordering::SeqCst))
}

/// Rows of the marked requests, and the paths of the server's own rows in order.
fn audit_after(data: &Path, tag: &str) -> (i64, Vec<String>) {
    let app = App::open(settings(data)).unwrap();
    let conn = app.store.lock();
    let marked = query_table(
        &conn,
        "select count(*) from access_audit where path = '/admin/brugere' and starts_with(query, ?)",
        [format!("spor={tag}-")],
    )
    .unwrap();
    let lifecycle = query_table(
        &conn,
        "select path from access_audit where action = 'drift' order by seq",
        [],
    )
    .unwrap();
    let n = marked.rows[0][0].as_i64().unwrap();
    let paths = lifecycle
        .rows
        .iter()
        .map(|r| match &r[0] {
            Cell::Text(p) => p.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    (n, paths)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_server_without_losing_an_audit_row() {
    let dir = tempfile::tempdir().unwrap();
    let data = prepared_data_dir(dir.path());
    let mut server = start_server(&data, dir.path().join("stderr-1.log"));
    let (answered, sent) = requests_then(&server, "term", 400, "TERM").await;
    let status = tokio::task::spawn_blocking(move || {
        let status = server.wait();
        (status, server.stderr())
    })
    .await
    .unwrap();
    assert!(
        status.0.success(),
        "a clean exit: {:?}\n{}",
        status.0,
        status.1
    );
    assert!(answered >= 400, "{answered}");
    let (rows, lifecycle) = audit_after(&data, "term");
    eprintln!("SIGTERM: {sent} requests sent, {answered} answered, {rows} audit rows");
    // Every answered request is in the log, and nothing the server never saw.
    assert!(
        rows as usize >= answered && rows as usize <= sent,
        "{rows} rows for {answered} answered of {sent} sent"
    );
    assert_eq!(lifecycle, [LIFECYCLE_START, LIFECYCLE_STOP]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_loses_no_answered_request_and_the_next_start_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let data = prepared_data_dir(dir.path());
    let mut server = start_server(&data, dir.path().join("stderr-1.log"));
    let (answered, sent) = requests_then(&server, "kill", 400, "KILL").await;
    tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap();
    let (rows, lifecycle) = audit_after(&data, "kill");
    eprintln!("SIGKILL: {sent} requests sent, {answered} answered, {rows} audit rows");
    // The bound: a killed server can lose only the rows of requests it never
    // answered (in flight at the kill), because each row is stored first.
    assert!(
        rows as usize >= answered && rows as usize <= sent,
        "{rows} rows for {answered} answered of {sent} sent"
    );
    assert_eq!(lifecycle, [LIFECYCLE_START]);

    // The next start finds no stop row and says so, in its log and in the audit log.
    let mut again = start_server(&data, dir.path().join("stderr-2.log"));
    let started = Instant::now();
    while !again.stderr().contains("stoppede uden at lukke ned") {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no word about the previous server: {}",
            again.stderr()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    again.signal("TERM");
    tokio::task::spawn_blocking(move || again.wait())
        .await
        .unwrap();
    let (_, lifecycle) = audit_after(&data, "kill");
    assert_eq!(
        lifecycle,
        [
            LIFECYCLE_START,
            LIFECYCLE_UNCLEAN,
            LIFECYCLE_START,
            LIFECYCLE_STOP
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_checks_and_metrics_are_counted_not_audited_and_answer_only_configured_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let data = prepared_data_dir(dir.path());
    let mut server = start_server(&data, dir.path().join("stderr.log"));
    let anonymous = Client::new(&server.base, false);
    for _ in 0..50 {
        let (status, body) = anonymous.get("/healthz").await;
        assert_eq!((status, body.as_str()), (200, "ok"));
    }
    let (status, ready) = anonymous.get("/readyz").await;
    assert_eq!(status, 200, "{ready}");
    for line in [
        "klar: ja",
        "database: ok",
        "planlægger: ok",
        "diskplads: ok",
    ] {
        assert!(ready.contains(line), "{ready}");
    }
    assert!(
        ready.contains("seneste kørsel: ok – ingen kørsler endnu"),
        "{ready}"
    );
    // One wrong password, so the failed-login counter moves.
    let mut stranger = Client::new(&server.base, false);
    assert_eq!(
        stranger.login(ADMIN, "forkert-kode-123").await.status(),
        401
    );
    let (status, metrics) = anonymous.get("/metrics").await;
    assert_eq!(status, 200);
    for line in [
        "jobcockpit_up 1",
        "jobcockpit_logins_total{outcome=\"failed\"} 1",
        "jobcockpit_store_readable 1",
        "# TYPE jobcockpit_http_request_duration_seconds histogram",
        "jobcockpit_http_request_duration_seconds_bucket{class=\"health\",le=\"+Inf\"} 51",
        "jobcockpit_http_request_duration_seconds_count{class=\"login\"} 2",
    ] {
        assert!(metrics.contains(line), "{line}\n{metrics}");
    }
    // A response waits for its audit row in the journal, not in the store: the
    // store's writer thread counts a row once it is committed there, a moment
    // later, so the counter is read until it catches up (or 10 s pass).
    let rows_written = |metrics: &str| {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix("jobcockpit_audit_rows_written_total "))
            .unwrap()
            .parse::<f64>()
            .unwrap()
    };
    let mut written = rows_written(&metrics);
    for _ in 0..100 {
        if written >= 3.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        written = rows_written(&anonymous.get("/metrics").await.1);
    }
    assert!(written >= 3.0, "{written}");
    server.signal("TERM");
    tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap();

    // The `[store]` budget reaches the application's store and its readers.
    let mut budgeted = settings(&data);
    budgeted.store.memory_limit_mb = Some(MemoryLimitMb::try_from(700).unwrap());
    let app = App::open(budgeted).unwrap();
    let limit = |conn: &duckdb::Connection| -> String {
        conn.query_row("select current_setting('memory_limit')", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(limit(&app.store.lock()), "700.0 MiB");
    assert_eq!(limit(&app.store.reader().unwrap()), "700.0 MiB");
    let health_rows = query_table(
        &app.store.lock(),
        "select count(*) from access_audit where path in ('/healthz', '/readyz', '/metrics')",
        [],
    )
    .unwrap();
    assert_eq!(health_rows.rows[0][0].as_i64(), Some(0));
    drop(app);

    // From an address not in `[ops] metrics_from`: refused, with the error page.
    let mut server = start_server_with(
        &data,
        dir.path().join("stderr-2.log"),
        &[("JOBCOCKPIT_OPS__METRICS_FROM", "[\"10.9.9.9\"]")],
    );
    let anonymous = Client::new(&server.base, false);
    assert_eq!(anonymous.get("/metrics").await.0, 403);
    assert_eq!(anonymous.get("/readyz").await.0, 403);
    assert_eq!(anonymous.get("/healthz").await.0, 200);
    server.signal("TERM");
    tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap();
}

/// The figures of a page: what its `<main>` holds (the frame names the viewer).
fn main_of(page: &str) -> &str {
    let start = page.find("<main").expect("main");
    let end = page.find("</main>").expect("end of main");
    &page[start..end]
}

/// Copies the key files (mode kept) into a new, otherwise empty data dir.
fn keys_into(from: &Path, to: &Path) {
    let keys = to.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    for name in ["store.key", "pseudonym.key"] {
        std::fs::copy(from.join("keys").join(name), keys.join(name)).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_serving_restores_into_an_empty_data_dir_with_the_same_figures() {
    use jobcockpit::config::DataDir;
    use jobcockpit::encryption::EncryptionKey;
    use jobcockpit::ops::backup;

    let t = tokio::task::spawn_blocking(crate::helpers::shared_app)
        .await
        .unwrap();
    let server = crate::helpers::spawn_server(t.app.clone()).await;
    let pages = ["/d/overblik", "/d/kohorter", "/d/koersler"];
    let mut before = Vec::new();
    for p in pages {
        let (status, page) = server.get(p).await;
        assert_eq!(status, 200, "{p}");
        before.push(main_of(&page).to_string());
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kopi.jcbackup");
    let source = t.app.settings.data_dir.clone();
    let key = EncryptionKey::load(&source.store_key_file()).unwrap();
    // Taken on a connection of the running store while the server answers.
    let (app, out) = (t.app.clone(), file.clone());
    let busy = server.get("/d/drift");
    let made = tokio::task::spawn_blocking(move || {
        let conn = app.store.reader().unwrap();
        backup::create(&conn, &key, &app.settings.data_dir, &out).unwrap()
    });
    let (made, (status, _)) = tokio::join!(made, busy);
    let manifest = made.unwrap();
    assert_eq!(status, 200);
    assert!(manifest.tables > 20 && manifest.files > 0, "{manifest:?}");
    server.stop().await;

    // Restored into an empty data dir holding only the keys.
    let restored = DataDir::new(dir.path().join("gendannet"));
    keys_into(source.root(), restored.root());
    let key = EncryptionKey::load(&restored.store_key_file()).unwrap();
    let r = backup::restore(&file, &restored, &key).unwrap();
    assert_eq!(r.tables, manifest.tables);
    assert_eq!(r.files, manifest.files);
    // A second restore into the now full dir is refused.
    let again = backup::restore(&file, &restored, &key).unwrap_err();
    assert!(again.to_string().contains("er ikke tom"), "{again}");

    let copy = App::open(settings(restored.root())).unwrap();
    {
        let (a, b) = (t.app.store.lock(), copy.store.lock());
        for mart in jobcockpit::store::mart_names() {
            assert_eq!(
                jobcockpit::store::read_mart(&a, mart).unwrap(),
                jobcockpit::store::read_mart(&b, mart).unwrap(),
                "{mart}"
            );
        }
    }
    // Every report the archive held is there, byte for byte.
    for rel in backup::data_files(&source).unwrap() {
        assert_eq!(
            std::fs::read(source.root().join(&rel)).unwrap(),
            std::fs::read(restored.root().join(&rel)).unwrap(),
            "{rel}"
        );
    }
    let server = crate::helpers::spawn_server(Arc::new(copy)).await;
    for (p, was) in pages.iter().zip(&before) {
        let (status, page) = server.get(p).await;
        assert_eq!(status, 200, "{p}");
        assert_eq!(
            main_of(&page),
            was,
            "{p} shows other figures after the restore"
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backup_command_asks_a_running_server_and_restore_refuses_a_wrong_key() {
    let dir = tempfile::tempdir().unwrap();
    let data = prepared_data_dir(dir.path());
    let mut server = start_server(&data, dir.path().join("stderr.log"));
    let address = server.base.trim_start_matches("http://").to_string();
    let out = dir.path().join("kopi.jcbackup");
    let cli = |args: &[&str], data: &Path| {
        Command::new(env!("CARGO_BIN_EXE_jobcockpit"))
            .args(args)
            .current_dir(repo_path(""))
            .env("JOBCOCKPIT_DATA_DIR", data)
            .env_remove("JOBCOCKPIT_STORE_KEY")
            .env_remove("JOBCOCKPIT_PSEUDONYM_KEY")
            .output()
            .unwrap()
    };
    let text = |o: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    let o = cli(
        &[
            "backup",
            "--out",
            out.to_str().unwrap(),
            "--server",
            &address,
        ],
        &data,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("Serveren kører"), "{}", text(&o));
    assert!(out.exists());
    // Without the key's proof the server has no such thing.
    let anonymous = Client::new(&server.base, false);
    assert_eq!(
        anonymous.get("/drift/sikkerhedskopi/uden-bevis").await.0,
        404
    );
    server.signal("TERM");
    tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap();

    // Into a data dir with another key: refused, nothing restored.
    let other = dir.path().join("anden");
    let s = settings(&other);
    app::init(&s).unwrap();
    std::fs::remove_dir_all(other.join("inbox")).unwrap();
    let o = cli(&["restore", out.to_str().unwrap()], &other);
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("nøglen"), "{}", text(&o));
    assert!(!other.join("jobcockpit.duckdb").exists());

    // With the right key: restored, users and audit log included.
    let restored = dir.path().join("gendannet");
    keys_into(&data, &restored);
    let o = cli(&["restore", out.to_str().unwrap()], &restored);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let app = App::open(settings(&restored)).unwrap();
    assert!(app.access.users().iter().any(|u| u.name == ADMIN));
    assert!(app.access.audit().verify().unwrap().broken_at.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_keeps_users_logged_in_but_not_after_a_logout() {
    let dir = tempfile::tempdir().unwrap();
    let data = prepared_data_dir(dir.path());
    let mut server = start_server(&data, dir.path().join("stderr-1.log"));
    let mut kept = Client::new(&server.base, false);
    assert_eq!(kept.login(ADMIN, PASSWORD).await.status(), 303);
    let mut left = Client::new(&server.base, false);
    assert_eq!(left.login(ADMIN, PASSWORD).await.status(), 303);
    assert_eq!(left.post("/logout", &[]).await.status(), 303);
    assert_eq!(kept.get("/admin/brugere").await.0, 200);
    server.signal("TERM");
    tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap();

    // The store holds the token's SHA-256, never the token.
    let cookie = kept.session.clone().unwrap();
    {
        let app = App::open(settings(&data)).unwrap();
        let stored = query_table(
            &app.store.lock(),
            "select token_hash from access_sessions",
            [],
        )
        .unwrap();
        let hashes: Vec<String> = stored
            .rows
            .iter()
            .map(|r| match &r[0] {
                Cell::Text(h) => h.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        use sha2::Digest;
        assert_eq!(
            hashes,
            [hex::encode(sha2::Sha256::digest(cookie.as_bytes()))]
        );
    }

    let mut server = start_server(&data, dir.path().join("stderr-2.log"));
    let moved = |c: &Client| {
        let mut again = Client::new(&server.base, false);
        again.session = c.session.clone();
        again.csrf = c.csrf.clone();
        again
    };
    let (kept, left) = (moved(&kept), moved(&left));
    let (status, page) = kept.get("/admin/brugere").await;
    assert_eq!(status, 200, "still logged in after the restart");
    assert!(page.contains(ADMIN), "{page}");
    // Its form token still works: a state-changing form is accepted.
    assert_eq!(kept.post("/logout", &[]).await.status(), 303);
    assert_ne!(kept.get("/admin/brugere").await.0, 200, "logged out");
    assert_ne!(
        left.get("/admin/brugere").await.0,
        200,
        "logged out before the restart"
    );
    server.signal("TERM");
    tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_administration_from_the_command_line_works_while_the_server_runs() {
    let dir = tempfile::tempdir().unwrap();
    let data = prepared_data_dir(dir.path());
    let mut server = start_server(&data, dir.path().join("stderr.log"));
    let address = server.base.trim_start_matches("http://").to_string();
    let user = |args: &[&str], stdin: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_jobcockpit"))
            .arg("user")
            .args(args)
            .args(["--server", &address])
            .current_dir(repo_path(""))
            .env("JOBCOCKPIT_DATA_DIR", &data)
            .env_remove("JOBCOCKPIT_STORE_KEY")
            .env_remove("JOBCOCKPIT_PSEUDONYM_KEY")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let o = child.wait_with_output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        (o.status.code(), text)
    };
    let new_password = "en ny lang adgangskode";

    let (code, text) = user(
        &["add", "ny-leder", "--role", "ledelse"],
        &format!("{new_password}\n"),
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("oprettet med rollen ledelse"), "{text}");
    // The server made the user: she logs in at once, without a restart.
    let mut leader = Client::new(&server.base, false);
    assert_eq!(leader.login("ny-leder", new_password).await.status(), 303);
    let (code, text) = user(&["list"], "");
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("ny-leder") && text.contains(ADMIN), "{text}");

    // Refusals come back in Danish: a short password, the last admin.
    let (code, text) = user(&["reset-password", "ny-leder"], "kort\n");
    assert_ne!(code, Some(0), "{text}");
    let (code, text) = user(&["disable", ADMIN], "");
    assert_ne!(code, Some(0), "{text}");
    assert!(text.contains("aktiv administrator"), "{text}");

    // Disabling ends her session on the running server.
    let (code, text) = user(&["disable", "ny-leder"], "");
    assert_eq!(code, Some(0), "{text}");
    assert_ne!(leader.get("/").await.0, 200);

    // A stranger with the address but without the store key gets nothing.
    let stranger = Client::new(&server.base, false);
    let resp = stranger
        .request(reqwest::Method::POST, "/drift/brugere")
        .header("Authorization", "Bearer gaet")
        .header("Content-Type", "application/json")
        .body(r#"{"verb":"enable","name":"ny-leder"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);

    server.signal("TERM");
    tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap();
    let app = App::open(settings(&data)).unwrap();
    assert!(app
        .access
        .users()
        .iter()
        .any(|u| u.name == "ny-leder" && !u.enabled));
    let rows = query_table(
        &app.store.lock(),
        "select path, outcome from access_audit \
         where starts_with(client, 'kommandolinje via serveren') order by seq",
        [],
    )
    .unwrap();
    let rows: Vec<(String, String)> = rows
        .rows
        .iter()
        .map(|r| match (&r[0], &r[1]) {
            (Cell::Text(p), Cell::Text(o)) => (p.clone(), o.clone()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "jobcockpit user add ny-leder".to_string(),
                "tilladt".to_string()
            ),
            (
                format!("jobcockpit user disable {ADMIN}"),
                "afvist".to_string()
            ),
            (
                "jobcockpit user disable ny-leder".to_string(),
                "tilladt".to_string()
            ),
        ]
    );
}
