//! Access control against the real app on port 0 (#7). Every row of the route
//! table is tried without a session and with every role, so a route added to the
//! table is attacked by these tests without anyone writing a new one; then CSRF,
//! forged, expired and logged-out sessions, login throttling, security headers on
//! every response, the audit log, single sign-on, and HTML from an extract.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use jobcockpit::access::routes::{Allow, RouteRule, ROUTES};
use jobcockpit::access::Role;
use jobcockpit::dashboard::Catalog;
use jobcockpit::synth::SynthConfig;
use reqwest::Method;

use crate::helpers::{
    backfilled_app_with, empty_app, repo_path, set_cookie_value, spawn_server, user_for, Client,
    Server, TestApp, PASSWORD,
};

/// What an extract's district name carries in these tests.
const POISON: &str = "<script>alert(1)</script><img src=x onerror=alert(2)>";
/// The user the administration routes act on.
const VICTIM: &str = "e2e-offer";

/// A small backfilled municipality whose district "Midtby" arrives as HTML with a
/// script. Single sign-on is on, but only from a proxy address the tests are not.
fn access_app() -> &'static TestApp {
    static APP: OnceLock<TestApp> = OnceLock::new();
    APP.get_or_init(|| {
        let app = backfilled_app_with(
            &SynthConfig {
                seed: 11,
                years: 4,
                population: 20_000,
                ..SynthConfig::default()
            },
            |s| {
                s.access.sso_header = Some("X-Remote-User".into());
                s.access.trusted_proxies = vec!["10.9.9.9".parse().unwrap()];
                // Every test here asks from 127.0.0.1 at once; the audit test
                // needs each distinct anonymous request as a row of its own.
                s.access.anonymous_rows_per_minute = 1_000_000;
            },
            poison_districts,
        );
        let _ = app
            .app
            .access
            .add_user(VICTIM, Role::Udvalg, Some(PASSWORD));
        app
    })
}

/// No data, served "over https" (cookies and HSTS), short session time-outs, and
/// single sign-on trusted from this machine.
fn short_sessions_app() -> &'static TestApp {
    static APP: OnceLock<TestApp> = OnceLock::new();
    APP.get_or_init(|| {
        empty_app(|s| {
            s.access.https = true;
            s.access.idle_timeout_secs = 2;
            s.access.absolute_timeout_secs = 5;
            s.access.sso_header = Some("X-Remote-User".into());
            s.access.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        })
    })
}

fn poison_districts(inbox: &Path) {
    for month in std::fs::read_dir(inbox).unwrap() {
        let file = month.unwrap().path().join("borgere.csv");
        if let Ok(text) = std::fs::read_to_string(&file) {
            std::fs::write(&file, text.replace("Midtby", &format!("{POISON}Midtby"))).unwrap();
        }
    }
}

async fn server_for(app: fn() -> &'static TestApp) -> Server {
    let t = tokio::task::spawn_blocking(app).await.unwrap();
    spawn_server(t.app.clone()).await
}

fn catalog() -> Catalog {
    Catalog::load(&repo_path("dashboards")).unwrap()
}

/// A pattern with every `{param}` filled in: the slug given, the victim's name, the
/// stylesheet, and "x" for anything a later route adds.
fn fill(pattern: &str, slug: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = open + rest[open..].find('}').expect("closing brace");
        out.push_str(match &rest[open + 1..close] {
            "slug" => slug,
            "name" => VICTIM,
            "*file" => "cockpit.css",
            // An export: the page's first table as CSV.
            "file" if pattern.starts_with("/d/") => "1.csv",
            _ => "x",
        });
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Every concrete path a row is tried with, and the roles that may use it.
fn cases(rule: &RouteRule, catalog: &Catalog) -> Vec<(String, BTreeSet<Role>)> {
    let all: BTreeSet<Role> = Role::ALL.into_iter().collect();
    match rule.allow {
        Allow::Dashboard => catalog
            .dashboards()
            .iter()
            .map(|d| {
                (
                    fill(rule.pattern, &d.slug),
                    d.roles.iter().copied().collect(),
                )
            })
            .collect(),
        Allow::Public | Allow::StoreKey | Allow::AnyRole => {
            vec![(fill(rule.pattern, "overblik"), all)]
        }
        Allow::Roles(roles) => vec![(
            fill(rule.pattern, "overblik"),
            roles.iter().copied().collect(),
        )],
    }
}

fn is_login_redirect(resp: &reqwest::Response) -> bool {
    resp.status() == 303
        && resp
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .is_some_and(|l| l.starts_with("/login"))
}

/// Fields for any form of the cockpit; each handler reads the ones it knows.
fn form_for(client_user: &str, unique: &str) -> Vec<(String, String)> {
    [
        ("name", format!("e2e-ny-{unique}")),
        ("role", "udvalg".into()),
        ("enabled", "true".into()),
        ("username", client_user.into()),
        ("password", PASSWORD.into()),
        ("next", "/".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

async fn send(
    client: &Client,
    method: &str,
    path: &str,
    form: &[(String, String)],
) -> reqwest::Response {
    if method == "GET" {
        return client.request(Method::GET, path).send().await.unwrap();
    }
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    client.post(path, &fields).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_without_a_session_is_redirected_to_login_or_refused() {
    let server = server_for(access_app).await;
    let anonymous = server.anonymous();
    let catalog = catalog();
    let mut tried = 0;
    for rule in ROUTES.iter().filter(|r| r.allow == Allow::StoreKey) {
        // The command's routes do not exist for a stranger: no session, no store key.
        for (path, _) in cases(rule, &catalog) {
            let resp = match rule.method {
                "GET" => anonymous.request(Method::GET, &path).send().await.unwrap(),
                _ => anonymous.post_raw(&path, &[("verb", "list")]).await,
            };
            assert_eq!(resp.status(), 404, "{} {path}", rule.method);
        }
    }
    for rule in ROUTES
        .iter()
        .filter(|r| !matches!(r.allow, Allow::Public | Allow::StoreKey))
    {
        for (path, _) in cases(rule, &catalog) {
            tried += 1;
            let resp = match rule.method {
                "GET" => anonymous.request(Method::GET, &path).send().await.unwrap(),
                _ => {
                    anonymous
                        .post_raw(&path, &[("csrf", "gaet"), ("role", "admin")])
                        .await
                }
            };
            let status = resp.status().as_u16();
            if rule.method == "GET" {
                assert!(is_login_redirect(&resp), "GET {path}: {status}");
                let next = resp.headers()["location"].to_str().unwrap().to_string();
                assert!(next.contains(&path.replace('/', "%2F")), "{next}");
            } else {
                assert_eq!(status, 401, "POST {path}");
            }
            let body = resp.text().await.unwrap();
            assert!(!body.contains("kpi-value"), "{path} shows figures");
        }
    }
    assert!(tried >= ROUTES.len() - 4, "tried {tried}");
    // A path no route knows looks the same as a protected one to a stranger.
    let resp = anonymous
        .request(Method::GET, "/findes/ikke")
        .send()
        .await
        .unwrap();
    assert!(is_login_redirect(&resp));
    // Methods the table does not list are refused too.
    let resp = anonymous
        .request(Method::DELETE, "/admin/brugere")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_gets_exactly_its_routes() {
    let server = server_for(access_app).await;
    let catalog = catalog();
    let mut checked = 0;
    for role in Role::ALL {
        let client = server.login(role).await;
        let me = user_for(&access_app().app, role);
        for (i, rule) in ROUTES.iter().enumerate() {
            // Logging out ends the session the other rows need; it goes last.
            if rule.pattern == "/logout" {
                continue;
            }
            for (path, allowed) in cases(rule, &catalog) {
                let form = form_for(&me, &format!("{role}-{i}"));
                let resp = send(&client, rule.method, &path, &form).await;
                let status = resp.status().as_u16();
                let what = format!("{role} {} {path}: {status}", rule.method);
                if allowed.contains(&role) {
                    assert!(
                        !matches!(status, 401 | 403) && !is_login_redirect(&resp) && status < 500,
                        "should be allowed: {what}"
                    );
                    // A page whose address is fully known is served (or redirects).
                    let known = !rule.pattern.contains('{')
                        || rule.allow == Allow::Dashboard && rule.pattern == "/d/{slug}";
                    if rule.method == "GET" && known {
                        assert!(matches!(status, 200 | 303), "should be served: {what}");
                    }
                } else {
                    assert_eq!(status, 403, "should be refused: {what}");
                    let body = resp.text().await.unwrap();
                    assert!(
                        body.contains("Ingen adgang") && !body.contains("kpi-value"),
                        "{what}"
                    );
                }
                checked += 1;
            }
        }
        let resp = client.post("/logout", &[]).await;
        assert_eq!(resp.status(), 303, "{role} logout");
        assert_eq!(resp.headers()["location"], "/login?ud=1");
        let (status, _) = client.get("/").await;
        assert_eq!(status, 303, "{role} is logged out");
    }
    assert!(checked >= Role::ALL.len() * ROUTES.len());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_without_the_right_csrf_token_fails_and_changes_nothing() {
    let server = server_for(access_app).await;
    let admin = server.login(Role::Admin).await;
    let users_before = access_app().app.access.users();

    // No token, an empty one, and another session's token.
    let other = server.login(Role::Admin).await;
    for token in [None, Some(""), other.csrf.as_deref()] {
        let mut fields = vec![("name", "e2e-csrf"), ("role", "admin")];
        if let Some(t) = token {
            fields.push(("csrf", t));
        }
        let resp = admin.post_raw("/admin/brugere", &fields).await;
        assert_eq!(resp.status(), 403, "token {token:?}");
        assert!(resp
            .text()
            .await
            .unwrap()
            .contains("Formularen kunne ikke bruges"));
    }
    // The right token, but the browser says the form came from another site.
    let resp = admin
        .request(Method::POST, "/admin/brugere")
        .header("sec-fetch-site", "cross-site")
        .form(&[
            ("name", "e2e-csrf"),
            ("role", "admin"),
            ("csrf", admin.csrf.as_deref().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    // The right token in a body that is not a form.
    let resp = admin
        .request(Method::POST, "/admin/brugere")
        .header("content-type", "application/json")
        .body(format!(
            "{{\"csrf\":\"{}\",\"name\":\"e2e-csrf\"}}",
            admin.csrf.as_deref().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(
        access_app().app.access.users(),
        users_before,
        "no user was created"
    );

    // Logout without the token does not log out.
    assert_eq!(admin.post_raw("/logout", &[]).await.status(), 403);
    assert_eq!(admin.get("/admin/brugere").await.0, 200);
    // The login form without its token (or with a token but no cookie) is refused.
    let mut anonymous = server.anonymous();
    let resp = anonymous
        .post_raw(
            "/login",
            &[("username", "e2e-admin"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(resp.status(), 403);
    let resp = anonymous
        .post_raw(
            "/login",
            &[
                ("csrf", "gaettet"),
                ("username", "e2e-admin"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(resp.status(), 403);
    assert!(set_cookie_value(&resp, anonymous.session_cookie()).is_none());
    // With the token, the same post works.
    assert_eq!(anonymous.login("e2e-admin", PASSWORD).await.status(), 303);

    // The right token works, so the refusals above were about the token.
    let resp = admin
        .post("/admin/brugere/e2e-offer/aktiv", &[("enabled", "true")])
        .await;
    assert_eq!(resp.status(), 303);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_or_logged_out_session_fails() {
    let server = server_for(access_app).await;
    // Forged: a well-formed random token, a short one, and one with markup.
    for forged in [
        "Jx1kYw0pDq9vX8bT3rM2nL5sH7gF6dC4aZ0eW1uQ2iO",
        "1",
        "<script>",
    ] {
        let mut c = server.anonymous();
        c.session = Some(forged.to_string());
        let resp = c.request(Method::GET, "/d/overblik").send().await.unwrap();
        assert!(is_login_redirect(&resp), "{forged}");
    }
    // Logged out: the old cookie is dead even if the browser keeps sending it.
    let client = server.login(Role::Ledelse).await;
    assert_eq!(client.get("/d/overblik").await.0, 200);
    let resp = client.post("/logout", &[]).await;
    assert_eq!(resp.status(), 303);
    let cleared = set_cookie_value(&resp, client.session_cookie()).unwrap();
    assert_eq!(cleared, "", "the cookie is cleared");
    let resp = client
        .request(Method::GET, "/d/overblik")
        .send()
        .await
        .unwrap();
    assert!(is_login_redirect(&resp));
    let resp = client.post("/koersel", &[]).await;
    assert_eq!(resp.status(), 401);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_or_too_old_session_fails() {
    let server = server_for(short_sessions_app).await;
    // Idle: 2 s without a request.
    let client = server.login(Role::Ledelse).await;
    let resp = client.request(Method::GET, "/").send().await.unwrap();
    assert_eq!(resp.headers()["location"], "/d/overblik");
    tokio::time::sleep(Duration::from_millis(2_300)).await;
    let resp = client.request(Method::GET, "/").send().await.unwrap();
    assert!(is_login_redirect(&resp), "idle session still valid");

    // Absolute: used every 0.8 s, it still ends 5 s after login.
    let client = server.login(Role::Ledelse).await;
    let started = std::time::Instant::now();
    let ended = loop {
        let resp = client.request(Method::GET, "/").send().await.unwrap();
        if is_login_redirect(&resp) {
            break started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(7),
            "session outlived its limit"
        );
        tokio::time::sleep(Duration::from_millis(800)).await;
    };
    assert!(
        ended >= Duration::from_millis(4_500),
        "ended too early: {ended:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sixth_failed_login_in_a_minute_is_throttled() {
    let server = server_for(access_app).await;
    let name = user_for(&access_app().app, Role::Dataenhed);
    // A user of its own, so other tests' logins do not interfere.
    let name = format!("{name}-brems");
    let _ = access_app()
        .app
        .access
        .add_user(&name, Role::Dataenhed, Some(PASSWORD));
    for attempt in 1..=5 {
        let mut c = server.anonymous();
        let resp = c.login(&name, "forkert-adgangskode").await;
        assert_eq!(resp.status(), 401, "attempt {attempt}");
        let body = resp.text().await.unwrap();
        assert!(body.contains("Forkert brugernavn eller adgangskode."));
    }
    // The sixth is refused without looking at the password, even the right one.
    let mut c = server.anonymous();
    let resp = c.login(&name, PASSWORD).await;
    assert_eq!(resp.status(), 429);
    let wait: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body = resp.text().await.unwrap();
    assert!(
        body.contains("For mange mislykkede login-forsøg på kort tid. Vent"),
        "{body}"
    );
    assert!(c.session.is_none());
    // Other users are not affected.
    server.login(Role::Sagsbehandler).await;
    server.stop().await;
}

fn check_headers(resp: &reqwest::Response, https: bool, what: &str) {
    let h = resp.headers();
    let get = |name: &str| {
        h.get(name)
            .unwrap_or_else(|| panic!("{what}: no {name}"))
            .to_str()
            .unwrap()
            .to_string()
    };
    let csp = get("content-security-policy");
    for part in [
        "default-src 'self'",
        "script-src 'none'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(part), "{what}: {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{what}");
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(get("referrer-policy"), "no-referrer", "{what}");
    assert_eq!(get("x-frame-options"), "DENY", "{what}");
    assert!(h.contains_key("cache-control"), "{what}");
    assert_eq!(
        h.contains_key("strict-transport-security"),
        https,
        "{what}: HSTS"
    );
    for cookie in h.get_all("set-cookie") {
        let c = cookie.to_str().unwrap();
        assert!(
            c.contains("HttpOnly") && c.contains("SameSite=Strict"),
            "{what}: {c}"
        );
        assert_eq!(c.contains("Secure"), https, "{what}: {c}");
        assert_eq!(c.starts_with("__Host-"), https, "{what}: {c}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_headers_are_on_every_response() {
    let catalog = catalog();
    for (app, https) in [
        (access_app as fn() -> &'static TestApp, false),
        (short_sessions_app, true),
    ] {
        let server = server_for(app).await;
        let mut clients = vec![server.anonymous()];
        for role in [Role::Ledelse, Role::Udvalg, Role::Admin] {
            clients.push(server.login(role).await);
        }
        for (n, client) in clients.iter().enumerate() {
            for rule in ROUTES.iter().filter(|r| r.pattern != "/logout") {
                for (path, _) in cases(rule, &catalog) {
                    let form = form_for("e2e-ledelse", &format!("h{https}-{n}"));
                    let resp = send(client, rule.method, &path, &form).await;
                    check_headers(&resp, https, &format!("{} {path} ({n})", rule.method));
                }
            }
            for path in [
                "/findes/ikke",
                "/d/findes-ikke",
                "/static/findes-ikke.css",
                "/login?next=//evil",
            ] {
                let resp = client.request(Method::GET, path).send().await.unwrap();
                check_headers(&resp, https, path);
            }
        }
        // The login form's cookie and the session cookie themselves.
        let form = server
            .anonymous()
            .request(Method::GET, "/login")
            .send()
            .await
            .unwrap();
        check_headers(&form, https, "login form");
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_appears_in_the_audit_log() {
    let server = server_for(access_app).await;
    let app = &access_app().app;
    let run = std::process::id();

    // Without a session: each request carries a marker in its query.
    let anonymous = server.anonymous();
    let mut marked: Vec<(&str, String, u16)> = Vec::new();
    for (i, (method, path, status)) in [
        ("GET", "/d/overblik", 303),
        ("GET", "/static/cockpit.css", 200),
        ("GET", "/ukendt/sti", 303),
        ("POST", "/admin/brugere", 401),
    ]
    .into_iter()
    .enumerate()
    {
        let path = format!("{path}?spor=r{run}-{i}");
        let resp = match method {
            "GET" => anonymous.request(Method::GET, &path).send().await.unwrap(),
            _ => anonymous.post(&path, &[]).await,
        };
        assert_eq!(resp.status().as_u16(), status, "{method} {path}");
        marked.push((method, path, status));
    }

    // Health checks are counted, not audited (they flooded the log).
    let health = format!("spor=r{run}-sundhed");
    let (status, _) = anonymous.get(&format!("/healthz?{health}")).await;
    assert_eq!(status, 200);

    // A user of this test's own: every row with that name is one of these requests.
    let name = format!("e2e-revision-{run}");
    let _ = app.access.add_user(&name, Role::Ledelse, Some(PASSWORD));
    let mut me = server.anonymous();
    assert_eq!(me.login(&name, "forkert-adgangskode").await.status(), 401);
    assert_eq!(me.login(&name, PASSWORD).await.status(), 303);
    let sent: Vec<(&str, &str, u16)> = vec![
        ("GET", "/d/overblik", 200),
        // Filters are part of what is logged.
        ("GET", "/d/grupper?gruppe=alle", 200),
        ("GET", "/d/drift", 200),
        ("GET", "/admin/revision", 403),
        ("GET", "/d/findes-ikke", 404),
        ("GET", "/d/overblik?ikke-et-filter=1", 400),
        ("POST", "/koersel", 403),
    ];
    for (method, path, status) in &sent {
        let resp = match *method {
            "GET" => me.request(Method::GET, path).send().await.unwrap(),
            _ => me.post(path, &[]).await,
        };
        assert_eq!(resp.status().as_u16(), *status, "{method} {path}");
    }

    let admin = server.login(Role::Admin).await;
    let (status, csv) = admin.get("/admin/revision.csv").await;
    assert_eq!(status, 200);
    let csv = csv.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "løbenummer");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (user_c, role_c, method_c, path_c, query_c, status_c, outcome_c, route_c, detail_c) = (
        col("bruger"),
        col("rolle"),
        col("metode"),
        col("sti"),
        col("forespørgsel"),
        col("status"),
        col("udfald"),
        col("rute"),
        col("detalje"),
    );
    assert!(
        !rows.iter().any(|r| &r[query_c] == health.as_str()),
        "a health check was audited"
    );
    let outcome = |status: u16| match status {
        200 | 303 => "tilladt",
        404 => "ikke fundet",
        _ => "afvist",
    };
    for (method, marked_path, status) in &marked {
        let (path, query) = marked_path.split_once('?').unwrap();
        let row = rows
            .iter()
            .find(|r| &r[path_c] == path && &r[query_c] == query)
            .unwrap_or_else(|| panic!("{method} {marked_path} is not in the audit log"));
        assert_eq!(&row[user_c], "", "{marked_path}");
        assert_eq!(&row[method_c], *method, "{marked_path}");
        assert_eq!(
            row[status_c].parse::<u16>().unwrap(),
            *status,
            "{marked_path}"
        );
        // A stranger sent to the login form was refused, not served.
        let expected = if *status == 303 {
            "afvist"
        } else {
            outcome(*status)
        };
        assert_eq!(&row[outcome_c], expected, "{marked_path}");
    }

    // This user's rows: the failed and the good login, the helper's look at the
    // page frame for the form token, then exactly the requests sent, in order.
    let mine: Vec<&csv::StringRecord> = rows
        .iter()
        .filter(|r| &r[user_c] == name.as_str() || r[detail_c].contains(&format!("'{name}'")))
        .collect();
    assert_eq!(mine.len(), 3 + sent.len(), "{mine:?}");
    assert!(mine[0][detail_c].contains("login mislykkedes") && mine[0][user_c].is_empty());
    assert_eq!(&mine[0][status_c], "401");
    assert!(mine[1][detail_c].contains("login lykkedes"));
    assert_eq!(&mine[1][role_c], "ledelse");
    for (row, (method, path, status)) in mine[3..].iter().zip(&sent) {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let got = (&row[method_c], &row[path_c], &row[query_c], &row[status_c]);
        assert_eq!(got, (*method, path, query, status.to_string().as_str()));
        assert_eq!(&row[outcome_c], outcome(*status), "{path}");
        assert_eq!(&row[role_c], "ledelse");
    }
    // The route names the table's pattern.
    assert_eq!(&mine[3][route_c], "/d/{slug}");
    // The export itself is in the log the next time.
    let (_, again) = admin.get("/admin/revision.csv").await;
    assert!(again.contains(";GET;/admin/revision.csv;/admin/revision.csv;"));
    // The chain over all of it is intact, and the page says so.
    let (status, page) = admin.get("/admin/revision").await;
    assert_eq!(status, 200);
    assert!(page.contains("Kontrollen af kæden er i orden"), "{page}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_audit_row_is_found() {
    let t = tokio::task::spawn_blocking(short_sessions_app)
        .await
        .unwrap();
    let server = spawn_server(t.app.clone()).await;
    let admin = server.login(Role::Admin).await;
    for _ in 0..3 {
        admin.get("/admin/brugere").await;
    }
    let (_, page) = admin.get("/admin/revision").await;
    assert!(page.contains("Kontrollen af kæden er i orden"));
    {
        let conn = t.app.store.lock();
        conn.execute(
            "update access_audit set username = 'en-anden' where seq = (select max(seq) - 1 from access_audit)",
            [],
        )
        .unwrap();
    }
    // A full check: other tests starting servers on this app move the checkpoint
    // (the incremental check's own tests are in src/access/verify.rs).
    let (_, page) = admin.get("/admin/revision?kontrol=fuld").await;
    assert!(page.contains("Kontrollen fandt en fejl"), "{page}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_sign_on_is_believed_only_from_a_trusted_proxy() {
    // Trusted (this machine): the header is the login, with the local role.
    let server = server_for(short_sessions_app).await;
    let name = user_for(&short_sessions_app().app, Role::Dataenhed);
    let c = server.anonymous();
    let resp = c
        .request(Method::GET, "/")
        .header("x-remote-user", &name)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/d/overblik");
    assert!(set_cookie_value(&resp, c.session_cookie()).is_some());
    // A name the cockpit does not know is refused.
    let resp = c
        .request(Method::GET, "/")
        .header("x-remote-user", "ukendt-person")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    server.stop().await;

    // Untrusted (the proxy is configured as 10.9.9.9): the header is refused.
    let server = server_for(access_app).await;
    let resp = server
        .anonymous()
        .request(Method::GET, "/d/overblik")
        .header("x-remote-user", "e2e-ledelse")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let body = resp.text().await.unwrap();
    assert!(body.contains("godkendt server") && !body.contains("kpi-value"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_district_name_with_html_from_an_extract_is_rendered_inert() {
    let server = server_for(access_app).await;
    let t = access_app();
    {
        // The value went through ingest unchanged: it is in the store as delivered.
        let conn = t.app.store.lock();
        let n: i64 = conn
            .query_row(
                "select count(*) from raw_citizens where district like '<script>%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(n > 0, "the poisoned district was loaded");
    }
    let client = server.login(Role::Ledelse).await;
    let mut escaped_somewhere = false;
    for d in catalog().dashboards() {
        let (status, page) = client.get(&format!("/d/{}", d.slug)).await;
        assert_eq!(status, 200, "{}", d.slug);
        // As text the name is harmless; as markup it would run.
        assert!(!page.contains("<script"), "{}: a script tag", d.slug);
        assert!(!page.contains("<img"), "{}: an img tag", d.slug);
        escaped_somewhere |= page.contains("&lt;script&gt;alert(1)&lt;");
    }
    assert!(
        escaped_somewhere,
        "the district is shown somewhere, escaped"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_mart_has_a_column_about_a_caseworker() {
    let t = tokio::task::spawn_blocking(access_app).await.unwrap();
    let conn = t.app.store.lock();
    for mart in jobcockpit::store::mart_names() {
        let table = jobcockpit::store::read_mart(&conn, mart).unwrap();
        for c in &table.columns {
            let c = c.to_lowercase();
            assert!(
                !["caseworker", "sagsbehandler", "medarbejder", "employee"]
                    .iter()
                    .any(|w| c.contains(w)),
                "{mart}.{c}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_behind_the_proxy_cannot_keep_the_real_user_out() {
    // The server trusts 127.0.0.1 as its proxy, so the address it throttles is the
    // one the proxy forwards.
    let server = server_for(short_sessions_app).await;
    let name = "e2e-udvalg-bag-proxy";
    let _ = short_sessions_app()
        .app
        .access
        .add_user(name, Role::Udvalg, Some(PASSWORD));
    let from = |address: &str| {
        let mut c = Client::new(&server.base, true);
        c.forwarded_for = Some(address.to_string());
        c
    };
    for attempt in 1..=5 {
        let resp = from("203.0.113.66")
            .login(name, "forkert-adgangskode")
            .await;
        assert_eq!(resp.status(), 401, "attempt {attempt}");
    }
    // The stranger is now refused for that name, even with the right password ...
    let resp = from("203.0.113.66").login(name, PASSWORD).await;
    assert_eq!(resp.status(), 429);
    // ... while the member logs in from her own address, through the same proxy.
    let mut member = from("198.51.100.7");
    let resp = member.login(name, PASSWORD).await;
    assert_eq!(resp.status(), 303);
    assert!(member.session.is_some());
    assert_eq!(member.get("/rapporter").await.0, 200);
    server.stop().await;
}
