//! Spawning the real app on port 0 with a fresh data dir of synthetic extracts.

use std::path::PathBuf;
use std::sync::Arc;

use jobcockpit::access::{AccessError, Role};
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
    backfilled_app_with(cfg, |_| {}, |_| {})
}

/// As [`backfilled_app`], with changed settings and a chance to alter the
/// synthetic deliveries (in the inbox folder) before they are loaded.
pub fn backfilled_app_with(
    cfg: &SynthConfig,
    configure: impl FnOnce(&mut Settings),
    alter_inbox: impl FnOnce(&std::path::Path),
) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings {
        data_dir: dir.path().join("data").into(),
        ..Settings::default()
    };
    configure(&mut settings);
    app::init(&settings).expect("init");
    synth::generate(cfg, &settings.inbox_dir()).expect("synth");
    alter_inbox(&settings.inbox_dir());
    let app = App::open(settings).expect("open app");
    app.backfill().expect("backfill");
    TestApp {
        app: Arc::new(app),
        _dir: dir,
    }
}

/// A store with no data loaded: enough for logins, sessions and the audit log.
#[allow(dead_code)]
pub fn empty_app(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings {
        data_dir: dir.path().join("data").into(),
        ..Settings::default()
    };
    configure(&mut settings);
    app::init(&settings).expect("init");
    let app = App::open(settings).expect("open app");
    TestApp {
        app: Arc::new(app),
        _dir: dir,
    }
}

/// A running server: its base URL and a sender that stops it.
pub struct Server {
    pub base: String,
    app: Arc<App>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<()>,
    ledelse: tokio::sync::OnceCell<Client>,
}

/// The password of every test user.
pub const PASSWORD: &str = "e2e-adgangskode-123";

/// The test user of a role (`e2e-<rolle>`), created on first use.
pub fn user_for(app: &App, role: Role) -> String {
    let name = format!("e2e-{role}");
    match app.access.add_user(&name, role, Some(PASSWORD)) {
        Ok(()) | Err(AccessError::UserExists(_)) => name,
        Err(e) => panic!("test user {name}: {e}"),
    }
}

impl Server {
    /// A GET as a logged-in management user (ledelse sees every aggregate page).
    pub async fn get(&self, path: &str) -> (u16, String) {
        self.ledelse
            .get_or_init(|| self.login(Role::Ledelse))
            .await
            .get(path)
            .await
    }

    /// A client without a session.
    pub fn anonymous(&self) -> Client {
        Client::new(&self.base, self.app.settings.access.https)
    }

    /// A client logged in through the login form as the test user of `role`.
    pub async fn login(&self, role: Role) -> Client {
        let name = user_for(&self.app, role);
        let mut c = self.anonymous();
        let resp = c.login(&name, PASSWORD).await;
        assert_eq!(resp.status(), 303, "login as {name}");
        assert!(c.csrf.is_some(), "form token of {name}");
        c
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
    let app_for_users = app.clone();
    let handle = tokio::spawn(async move {
        app::serve(app, listener, async {
            let _ = rx.await;
        })
        .await
        .expect("serve");
    });
    Server {
        base,
        app: app_for_users,
        stop: Some(tx),
        handle,
        ledelse: tokio::sync::OnceCell::new(),
    }
}

/// An HTTP client that keeps the session cookie and form token by hand, follows
/// no redirects, and can be made to forget or forge either.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    http: reqwest::Client,
    https: bool,
    /// The session cookie's value.
    pub session: Option<String>,
    /// The session's form token, read from the page's logout form.
    pub csrf: Option<String>,
    /// Sent as `X-Forwarded-For`: the address a trusted proxy says the request is from.
    pub forwarded_for: Option<String>,
}

/// The value of the `name` cookie a response sets.
pub fn set_cookie_value(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.strip_prefix(&format!("{name}="))
                .map(|rest| rest.split(';').next().unwrap_or("").to_string())
        })
}

/// The value of the first hidden `csrf` field in a page.
pub fn form_token(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(html[at..at + html[at..].find('"')?].to_string())
}

impl Client {
    pub fn new(base: &str, https: bool) -> Client {
        Client {
            base: base.to_string(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            https,
            session: None,
            csrf: None,
            forwarded_for: None,
        }
    }

    /// Adds the forwarded address, if any.
    fn forwarded(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.forwarded_for {
            Some(a) => rb.header("x-forwarded-for", a.as_str()),
            None => rb,
        }
    }

    pub fn session_cookie(&self) -> &'static str {
        if self.https {
            "__Host-jc_session"
        } else {
            "jc_session"
        }
    }

    pub fn login_cookie(&self) -> &'static str {
        if self.https {
            "__Host-jc_login"
        } else {
            "jc_login"
        }
    }

    /// A request with the session cookie, if any.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let rb = self.forwarded(self.http.request(method, format!("{}{}", self.base, path)));
        match &self.session {
            Some(s) => rb.header(
                reqwest::header::COOKIE,
                format!("{}={s}", self.session_cookie()),
            ),
            None => rb,
        }
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let resp = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        (status, resp.text().await.expect("body"))
    }

    /// A form POST carrying the session's token.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        if let Some(t) = &self.csrf {
            fields.push(("csrf", t));
        }
        self.post_raw(path, &fields).await
    }

    /// A form POST with exactly these fields (no token added).
    pub async fn post_raw(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.request(reqwest::Method::POST, path)
            .form(form)
            .send()
            .await
            .expect("request")
    }

    /// Logs in through the form (its own token and cookie first); on success keeps
    /// the session cookie and reads the session's form token from the start page.
    pub async fn login(&mut self, name: &str, password: &str) -> reqwest::Response {
        let form = self
            .forwarded(self.http.get(format!("{}/login", self.base)))
            .send()
            .await
            .expect("login form");
        let cookie = set_cookie_value(&form, self.login_cookie()).expect("login cookie");
        let html = form.text().await.expect("login page");
        let token = form_token(&html).expect("login token");
        assert_eq!(token, cookie, "double-submit token");
        let resp = self
            .forwarded(self.http.post(format!("{}/login", self.base)))
            .header(
                reqwest::header::COOKIE,
                format!("{}={cookie}", self.login_cookie()),
            )
            .form(&[
                ("csrf", token.as_str()),
                ("username", name),
                ("password", password),
                ("next", "/"),
            ])
            .send()
            .await
            .expect("login");
        if let Some(session) = set_cookie_value(&resp, self.session_cookie()) {
            self.session = Some(session);
            self.csrf = self.find_token().await;
        }
        resp
    }

    /// The session's form token, from the logout form in the page frame. A page
    /// that does not exist is rendered in the frame for every role, whatever the
    /// role's own pages look like.
    async fn find_token(&self) -> Option<String> {
        let resp = self
            .request(reqwest::Method::GET, "/d/findes-ikke")
            .send()
            .await
            .ok()?;
        form_token(&resp.text().await.ok()?)
    }
}

#[allow(dead_code)]
pub fn repo_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}
