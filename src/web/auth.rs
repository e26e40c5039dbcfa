//! Login and logout. The guard has already checked the form's CSRF token (for the
//! login form: the token of its own cookie) before these handlers run.

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use serde::{Deserialize, Serialize};

use super::guard::{
    cookie, login_cookie, session_cookie, set_cookie, AuditNote, CurrentUser, RequestInfo,
};
use super::{AppState, WebError};
use crate::access::sessions::random_token;
use crate::access::{users, LoginError};
use crate::dashboard::Viewer;

/// How long the login form's token stays valid.
const LOGIN_TOKEN_SECS: u64 = 60 * 60;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
}

#[derive(Debug, Deserialize)]
struct LoginQuery {
    next: Option<String>,
    /// Set after logging out.
    ud: Option<String>,
}

#[derive(Serialize)]
struct LoginView<'a> {
    csrf: &'a str,
    next: &'a str,
    username: &'a str,
    error: Option<String>,
    info: Option<&'a str>,
}

/// Where to go after logging in: only a path on this site, never another host.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.starts_with("/login")
                && n.len() <= 1024
                && !n.chars().any(|c| c.is_control() || c == '\\') =>
        {
            n
        }
        _ => "/",
    }
}

fn render_login(
    state: &AppState,
    status: StatusCode,
    token: &str,
    next: &str,
    username: &str,
    error: Option<String>,
    info: Option<&str>,
) -> Result<Response, WebError> {
    let view = LoginView {
        csrf: token,
        next,
        username,
        error,
        info,
    };
    let html = state
        .catalog
        .render_view("login.html", "/login", &Viewer::default(), &view)?;
    Ok((status, Html(html)).into_response())
}

async fn login_form(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    current: Option<Extension<CurrentUser>>,
    Query(q): Query<LoginQuery>,
) -> Result<Response, WebError> {
    let next = safe_next(q.next.as_deref());
    if current.is_some() {
        return Ok(Redirect::to(next).into_response());
    }
    let t = &state.catalog.messages().access;
    let message = if q.ud.is_some() {
        Some(t.logged_out)
    } else if q.next.is_some() {
        Some(t.expired)
    } else {
        None
    };
    let token = random_token().map_err(crate::access::AccessError::from)?;
    let mut response = render_login(&state, StatusCode::OK, &token, next, "", None, message)?;
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            login_cookie(info.https),
            &token,
            Some(LOGIN_TOKEN_SECS),
            info.https,
        ),
    );
    Ok(response)
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let next = safe_next(form.next.as_deref()).to_string();
    let name = form.username.trim().to_lowercase();
    let access = state.access.clone();
    let client = info.client.clone();
    let attempt = {
        let name = name.clone();
        tokio::task::spawn_blocking(move || access.login(&name, &form.password, &client)).await?
    };
    // The name tried is kept only if it could be a user name at all, so a password
    // typed into the name field does not end up in the audit log.
    let tried = if users::check_name(&name).is_ok() {
        name.clone()
    } else {
        "(ugyldigt navn)".to_string()
    };
    match attempt {
        Ok((token, session)) => {
            let mut response = Redirect::to(&next).into_response();
            let h = response.headers_mut();
            h.append(
                header::SET_COOKIE,
                set_cookie(session_cookie(info.https), &token, None, info.https),
            );
            h.append(
                header::SET_COOKIE,
                set_cookie(login_cookie(info.https), "", Some(0), info.https),
            );
            response.extensions_mut().insert(AuditNote {
                user: Some((session.user.clone(), session.role)),
                detail: Some("login lykkedes".into()),
            });
            Ok(response)
        }
        Err(e) => {
            let status = match e {
                LoginError::BadCredentials => StatusCode::UNAUTHORIZED,
                LoginError::Throttled(_) | LoginError::Locked(_) => StatusCode::TOO_MANY_REQUESTS,
                LoginError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            };
            let token = cookie(&headers, login_cookie(info.https)).unwrap_or_default();
            let shown = if users::check_name(&name).is_ok() {
                name.as_str()
            } else {
                ""
            };
            let mut response = render_login(
                &state,
                status,
                token,
                &next,
                shown,
                Some(e.to_string()),
                None,
            )?;
            if let LoginError::Throttled(secs) = e {
                if let Ok(v) = secs.to_string().parse() {
                    response.headers_mut().insert(header::RETRY_AFTER, v);
                }
            }
            let why = match e {
                LoginError::BadCredentials => "forkert navn eller adgangskode",
                LoginError::Throttled(_) => "for mange forsøg (bremset)",
                LoginError::Locked(_) => "brugeren er midlertidigt spærret fra denne adresse",
                LoginError::Internal => "intern fejl",
            };
            response.extensions_mut().insert(AuditNote::detail(format!(
                "login mislykkedes for '{tried}': {why}"
            )));
            Ok(response)
        }
    }
}

async fn logout(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    Extension(current): Extension<CurrentUser>,
) -> Response {
    state.access.logout(&current.token);
    let mut response = Redirect::to("/login?ud=1").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(session_cookie(info.https), "", Some(0), info.https),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(
            safe_next(Some("/d/drift?periode=2024")),
            "/d/drift?periode=2024"
        );
        for bad in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "javascript:alert(1)",
            "/login?next=/x",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
