//! Spawning the real app on port 0 with a fresh data dir of synthetic extracts.

use std::path::PathBuf;
use std::sync::Arc;

use jobcockpit::app::{self, App};
use jobcockpit::config::Settings;
use jobcockpit::synth::{self, SynthConfig};

/// A backfilled app whose data dir is deleted on drop.
pub struct TestApp {
    pub app: Arc<App>,
    _dir: tempfile::TempDir,
}

/// Small synthetic history: big enough for mature cohorts and several models.
pub fn small_synth() -> SynthConfig {
    SynthConfig {
        seed: 7,
        years: 5,
        population: 20_000,
        ..SynthConfig::default()
    }
}

/// One backfilled app shared by the tests that only read it, built once per run.
pub fn shared_app() -> &'static TestApp {
    static APP: std::sync::OnceLock<TestApp> = std::sync::OnceLock::new();
    APP.get_or_init(|| backfilled_app(&small_synth()))
}

/// Synthesises, loads and backfills a fresh store.
pub fn backfilled_app(cfg: &SynthConfig) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = Settings {
        data_dir: dir.path().join("data"),
        ..Settings::default()
    };
    app::init(&settings).expect("init");
    synth::generate(cfg, &settings.inbox_dir()).expect("synth");
    let app = App::open(settings).expect("open app");
    app.backfill().expect("backfill");
    TestApp {
        app: Arc::new(app),
        _dir: dir,
    }
}

/// A running server: its base URL and a sender that stops it.
pub struct Server {
    pub base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<()>,
}

impl Server {
    pub async fn get(&self, path: &str) -> (u16, String) {
        let resp = reqwest::get(format!("{}{}", self.base, path))
            .await
            .expect("request");
        let status = resp.status().as_u16();
        (status, resp.text().await.expect("body"))
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let _ = self.handle.await;
    }
}

/// Starts the cockpit and scheduler of `app` on a free port.
pub async fn spawn_server(app: Arc<App>) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        app::serve(app, listener, async {
            let _ = rx.await;
        })
        .await
        .expect("serve");
    });
    Server {
        base,
        stop: Some(tx),
        handle,
    }
}

#[allow(dead_code)]
pub fn repo_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}
