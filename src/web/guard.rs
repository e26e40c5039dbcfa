//! The one middleware that decides every request: who is asking (session cookie,
//! or the trusted single sign-on header), whether the route table lets their role
//! use the route (deny by default), whether a state-changing request carries the
//! right CSRF token, and, whatever the answer, one audit row per request, stored
//! before the response leaves. Health checks are counted instead (`/metrics`).

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use subtle::ConstantTimeEq;

use super::{AppState, WebError};
use crate::access::routes::{Action, Allow, Matched, ROUTES};
use crate::access::{AccessError, AuditEntry, Outcome, Role, Session};
use crate::dashboard::{Link, Viewer};
use crate::ops::RouteClass;

/// Largest request body accepted (the forms are a few hundred bytes).
pub const BODY_LIMIT: usize = 16 * 1024;
/// How long a response waits for its audit row before it is refused instead.
const AUDIT_WAIT: Duration = Duration::from_secs(10);

/// The latency histogram's class of a route's action.
fn route_class(action: Option<Action>) -> RouteClass {
    match action {
        Some(Action::View) => RouteClass::View,
        Some(Action::Export) => RouteClass::Export,
        Some(Action::Admin) => RouteClass::Admin,
        Some(Action::Login) => RouteClass::Login,
        Some(Action::Logout) => RouteClass::Logout,
        Some(Action::Run) => RouteClass::Run,
        Some(Action::Static) => RouteClass::Static,
        Some(Action::Health) => RouteClass::Health,
        Some(Action::Lookup | Action::Judgement) => RouteClass::Lookup,
        None => RouteClass::Unknown,
    }
}

/// The session of the request, for handlers (absent on public routes without one).
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub session: Session,
    /// The cookie token, so logout can end exactly this session.
    pub token: String,
}

/// Facts about the request handlers need.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    /// The client's address (behind a trusted proxy: the forwarded one).
    pub client: String,
    /// Cookies get `Secure` and the `__Host-` prefix.
    pub https: bool,
}

/// What a handler adds to the request's audit row: the user a login was for,
/// and what an administrative action did.
#[derive(Debug, Clone, Default)]
pub struct AuditNote {
    pub user: Option<(String, Role)>,
    pub detail: Option<String>,
}

impl AuditNote {
    pub fn detail(detail: impl Into<String>) -> Self {
        AuditNote {
            user: None,
            detail: Some(detail.into()),
        }
    }
}

/// The session cookie's name; `__Host-` binds it to this host and path `/` over https.
pub fn session_cookie(https: bool) -> &'static str {
    if https {
        "__Host-jc_session"
    } else {
        "jc_session"
    }
}

/// The cookie that carries the login form's token (double submit: no session yet).
pub fn login_cookie(https: bool) -> &'static str {
    if https {
        "__Host-jc_login"
    } else {
        "jc_login"
    }
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, path `/`, Secure over https.
/// `max_age` None: until the browser closes; Some(0): delete.
pub fn set_cookie(name: &str, value: &str, max_age: Option<u64>, https: bool) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if https {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// The value of one cookie.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Why a request is refused before any handler runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// Not logged in, asking for a page: to the login form, and back afterwards.
    Login,
    Unauthenticated,
    Forbidden,
    NotFound,
    Csrf,
    TooLarge,
    SsoUntrusted,
}

impl Refusal {
    fn response(self, path: &str, query: Option<&str>) -> Response {
        match self {
            Refusal::Login => {
                let back = match query {
                    Some(q) => format!("{path}?{q}"),
                    None => path.to_string(),
                };
                let target = serde_urlencoded::to_string([("next", back.as_str())])
                    .map(|q| format!("/login?{q}"))
                    .unwrap_or_else(|_| "/login".into());
                Redirect::to(&target).into_response()
            }
            Refusal::Unauthenticated => WebError::Unauthenticated.into_response(),
            Refusal::Forbidden => WebError::Forbidden.into_response(),
            Refusal::NotFound => WebError::NotFound.into_response(),
            Refusal::Csrf => WebError::Csrf.into_response(),
            Refusal::TooLarge => WebError::TooLarge.into_response(),
            Refusal::SsoUntrusted => WebError::SsoRefused.into_response(),
        }
    }
}

/// Whether `role` may use the matched route; `None` when the route names a
/// dashboard that does not exist.
fn role_allowed(state: &AppState, m: &Matched, role: Role) -> Option<bool> {
    match m.rule.allow {
        Allow::Public | Allow::StoreKey | Allow::AnyRole => Some(true),
        Allow::Roles(roles) => Some(roles.contains(&role)),
        Allow::Dashboard => {
            // Slugs are [a-z0-9-]; an encoded one is refused rather than decoded
            // differently from the router.
            let slug = m.param("slug")?;
            let page = state.catalog.get(slug)?;
            Some(page.roles.contains(&role))
        }
    }
}

/// The page frame's view of a session: its menu holds exactly what the role may open.
pub fn viewer(state: &AppState, session: Option<&Session>) -> Viewer {
    let Some(s) = session else {
        return Viewer::default();
    };
    let pages = state
        .catalog
        .dashboards()
        .iter()
        .filter(|d| d.roles.contains(&s.role))
        .map(|d| d.slug.clone())
        .collect();
    let links = ROUTES
        .iter()
        .filter(|r| r.menu.is_some())
        .filter(|r| match r.allow {
            Allow::Public | Allow::AnyRole => true,
            Allow::Roles(roles) => roles.contains(&s.role),
            Allow::Dashboard | Allow::StoreKey => false,
        })
        .map(|r| Link {
            href: r.pattern.to_string(),
            title: r.menu.unwrap_or_default().to_string(),
        })
        .collect();
    Viewer {
        user: s.user.clone(),
        role: s.role.label().to_string(),
        csrf: s.csrf.clone(),
        pages,
        links,
    }
}

/// The client's address: the TCP peer, or the last `X-Forwarded-For` entry when
/// the peer is a trusted proxy (the entry that proxy itself added).
fn client_address(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> String {
    let Some(peer) = peer else {
        return "ukendt".into();
    };
    if trusted.contains(&peer) {
        let forwarded = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse::<IpAddr>().ok());
        if let Some(ip) = forwarded {
            return ip.to_string();
        }
    }
    peer.to_string()
}

/// Who is asking: the SSO header from a trusted proxy, else the session cookie.
/// Returns the session, its token, and a cookie to set when a session was started.
fn identify(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<IpAddr>,
) -> Result<Option<(CurrentUser, Option<HeaderValue>)>, Refusal> {
    let settings = state.access.settings();
    let https = settings.https;
    let from_cookie = cookie(headers, session_cookie(https))
        .and_then(|t| state.access.session(t).map(|s| (s, t.to_string())));
    let sso_name = settings
        .sso_header
        .as_deref()
        .and_then(|h| headers.get(h))
        // User names are lowercase; identity providers differ in case.
        .map(|v| v.to_str().unwrap_or("").trim().to_lowercase());
    let Some(name) = sso_name else {
        return Ok(from_cookie.map(|(session, token)| (CurrentUser { session, token }, None)));
    };
    if !peer.is_some_and(|p| settings.trusted_proxies.contains(&p)) {
        return Err(Refusal::SsoUntrusted);
    }
    if let Some((session, token)) = from_cookie.filter(|(s, _)| s.user == name) {
        return Ok(Some((CurrentUser { session, token }, None)));
    }
    match state.access.sso_login(&name) {
        Ok((token, session)) => {
            let set = set_cookie(session_cookie(https), &token, None, https);
            Ok(Some((CurrentUser { session, token }, Some(set))))
        }
        // The proxy vouches for someone this cockpit does not know (or disabled).
        Err(_) => Err(Refusal::Forbidden),
    }
}

/// Reads a form body, checks its `csrf` field against `expected` in constant
/// time, and gives the request its body back.
async fn check_csrf(request: Request, expected: Option<&str>) -> Result<Request, Refusal> {
    let headers = request.headers();
    // Browsers say where a request comes from; a cross-site form post is refused
    // even before the token is looked at.
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if !matches!(site, "same-origin" | "none") {
            return Err(Refusal::Csrf);
        }
    }
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let expected = expected.filter(|_| is_form).ok_or(Refusal::Csrf)?;
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| Refusal::TooLarge)?;
    let fields: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&bytes).map_err(|_| Refusal::Csrf)?;
    let given = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .ok_or(Refusal::Csrf)?;
    if given.is_empty() || !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        return Err(Refusal::Csrf);
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// The middleware: identify, decide, check CSRF, run, audit.
pub(super) async fn guard(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let at = chrono::Utc::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let query = request.uri().query().map(str::to_string);
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let settings = state.access.settings().clone();
    let client = client_address(peer, request.headers(), &settings.trusted_proxies);
    let matched = state.routes.find(method.as_str(), &path);

    let identity = identify(&state, request.headers(), peer);
    let (current, new_cookie) = match &identity {
        Ok(Some((c, set))) => (Some(c.clone()), set.clone()),
        _ => (None, None),
    };
    let session = current.as_ref().map(|c| &c.session);
    let reads = method == Method::GET || method == Method::HEAD;

    let decision: Result<(), Refusal> = match (&identity, &matched) {
        (Err(refusal), _) => Err(*refusal),
        (Ok(_), None) if session.is_some() => Err(Refusal::NotFound),
        (Ok(_), None) if reads => Err(Refusal::Login),
        (Ok(_), None) => Err(Refusal::Unauthenticated),
        (Ok(_), Some(m)) if matches!(m.rule.allow, Allow::Public | Allow::StoreKey) => Ok(()),
        (Ok(_), Some(_)) if session.is_none() && reads => Err(Refusal::Login),
        (Ok(_), Some(_)) if session.is_none() => Err(Refusal::Unauthenticated),
        (Ok(_), Some(m)) => match session.and_then(|s| role_allowed(&state, m, s.role)) {
            Some(true) => Ok(()),
            Some(false) => Err(Refusal::Forbidden),
            None => Err(Refusal::NotFound),
        },
    };

    let mut decision = decision;
    if decision.is_ok()
        && matched
            .as_ref()
            .is_some_and(|m| m.rule.changes_state() && m.rule.allow != Allow::StoreKey)
    {
        // A session's forms carry its token; the login form (no session yet)
        // carries the token of its own cookie.
        let login_token =
            cookie(request.headers(), login_cookie(settings.https)).map(str::to_string);
        let expected = session.map(|s| s.csrf.clone()).or(login_token);
        match check_csrf(request, expected.as_deref()).await {
            Ok(r) => request = r,
            Err(refusal) => {
                decision = Err(refusal);
                request = Request::new(Body::empty());
            }
        }
    }

    let viewer = viewer(&state, session);
    let refused = decision.err();
    let mut response = match decision {
        Ok(()) => {
            let ext = request.extensions_mut();
            ext.insert(viewer.clone());
            ext.insert(RequestInfo {
                client: client.clone(),
                https: settings.https,
            });
            if let Some(c) = &current {
                ext.insert(c.clone());
            }
            next.run(request).await
        }
        Err(refusal) => refusal.response(&path, query.as_deref()),
    };
    if let Some(set) = new_cookie {
        response.headers_mut().append(header::SET_COOKIE, set);
    }
    // For the error pages, rendered further out.
    response.extensions_mut().insert(viewer.clone());

    let action = matched.as_ref().map(|m| m.rule.action);
    let class = route_class(action);
    if action == Some(Action::Health) {
        // Load balancers and Prometheus ask every few seconds: counted in
        // /metrics, not written row by row (they flooded the log).
        state.telemetry.observe(class, started.elapsed());
        return response;
    }

    let note = response
        .extensions_mut()
        .remove::<AuditNote>()
        .unwrap_or_default();
    let (user, role) = match (note.user, session) {
        (Some((u, r)), _) => (Some(u), Some(r)),
        (None, Some(s)) => (Some(s.user.clone()), Some(s.role)),
        (None, None) => (None, None),
    };
    let status = response.status();
    let detail = note.detail.or_else(|| match refused {
        Some(Refusal::SsoUntrusted) => {
            Some("SSO-header fra en adresse, der ikke er betroet".into())
        }
        Some(Refusal::Csrf) => Some("manglende eller forkert CSRF-token".into()),
        Some(Refusal::Login) => Some("ikke logget ind: sendt til login".into()),
        _ => None,
    });
    let outcome = match refused {
        Some(Refusal::NotFound) => Outcome::NotFound,
        Some(_) => Outcome::Refused,
        None => Outcome::of_status(status.as_u16()),
    };
    let entry = AuditEntry {
        at,
        user,
        role,
        client: Some(client),
        method: method.to_string(),
        route: matched.as_ref().map(|m| m.rule.pattern.to_string()),
        path,
        query,
        action: matched
            .as_ref()
            .map(|m| m.rule.action.as_str())
            .unwrap_or("ukendt")
            .to_string(),
        outcome,
        status: status.as_u16(),
        detail,
    };
    if !settings.audit_before_response {
        // Queued only (`[access] audit_before_response = false`): faster under
        // load, but a crash can lose what is queued.
        state.access.audit().record(entry);
        state.telemetry.observe(class, started.elapsed());
        return response;
    }
    // The response leaves only once its row is stored: a killed server has
    // answered nothing it did not log. If the row cannot be stored, nothing is
    // shown that the log does not know of.
    let stored = state.access.audit().record_stored(entry);
    let stored = matches!(tokio::time::timeout(AUDIT_WAIT, stored).await, Ok(Ok(true)));
    if !stored {
        state.telemetry.audit_refused();
        response = WebError::Access(AccessError::AuditStopped(
            "revisionsrækken blev ikke skrevet; svaret er holdt tilbage".into(),
        ))
        .into_response();
        response.extensions_mut().insert(viewer);
    }
    state.telemetry.observe(class, started.elapsed());
    response
}
