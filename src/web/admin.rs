//! Administration (role admin): users and roles, and the audit log with its
//! CSV export. Every action here is also a row in the audit log, with what it did.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use serde::{Deserialize, Serialize};

use super::guard::AuditNote;
use super::{AppState, WebError};
use crate::access::audit::Verification;
use crate::access::{password, users, AccessError, AuditRow, Role};
use crate::dashboard::{Link, Viewer};

/// Rows on the audit page.
const AUDIT_PAGE_ROWS: usize = 200;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/brugere", get(users_page).post(add_user))
        .route("/admin/brugere/{name}/rolle", post(set_role))
        .route("/admin/brugere/{name}/aktiv", post(set_enabled))
        .route("/admin/brugere/{name}/adgangskode", post(reset_password))
        .route("/admin/revision", get(audit_page))
        .route("/admin/revision.csv", get(audit_csv))
}

#[derive(Serialize)]
struct RoleOption {
    value: &'static str,
    label: &'static str,
}

#[derive(Serialize)]
struct UsersView {
    users: Vec<crate::access::UserView>,
    roles: Vec<RoleOption>,
    alerts: Vec<AlertLine>,
}

/// An alert as the admin pages show it, in Danish local time.
#[derive(Serialize)]
struct AlertLine {
    local_time: String,
    message: String,
}

fn alert_lines(state: &AppState) -> Vec<AlertLine> {
    state
        .access
        .alerts()
        .into_iter()
        .map(|a| AlertLine {
            local_time: local_time(&a.at),
            message: a.message,
        })
        .collect()
}

async fn users_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Html<String>, WebError> {
    let view = UsersView {
        users: state.access.users(),
        roles: Role::ALL
            .iter()
            .map(|r| RoleOption {
                value: r.as_str(),
                label: r.label(),
            })
            .collect(),
        alerts: alert_lines(&state),
    };
    Ok(Html(state.catalog.render_view(
        "admin_users.html",
        "/admin/brugere",
        &viewer,
        &view,
    )?))
}

#[derive(Serialize)]
struct Notice<'a> {
    title: &'a str,
    paragraphs: Vec<String>,
    secret: Option<&'a str>,
    back: Option<Link>,
}

/// A message page after an administrative action, with what to note in the audit log.
fn notice(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    title: &str,
    paragraphs: Vec<String>,
    secret: Option<&str>,
    note: String,
) -> Result<Response, WebError> {
    let view = Notice {
        title,
        paragraphs,
        secret,
        back: Some(Link {
            href: "/admin/brugere".into(),
            title: "Tilbage til brugerne".into(),
        }),
    };
    let html = state
        .catalog
        .render_view("notice.html", "/admin/brugere", viewer, &view)?;
    let mut response = (status, Html(html)).into_response();
    response.extensions_mut().insert(AuditNote::detail(note));
    Ok(response)
}

/// An action the administrator can correct: shown as a message, not a 500.
fn refused(
    state: &AppState,
    viewer: &Viewer,
    e: AccessError,
    what: &str,
) -> Result<Response, WebError> {
    let status = match e {
        AccessError::UnknownUser(_) => StatusCode::NOT_FOUND,
        AccessError::Name(_)
        | AccessError::Role(_)
        | AccessError::Password(_)
        | AccessError::UserExists(_)
        | AccessError::LastAdmin => StatusCode::BAD_REQUEST,
        other => return Err(WebError::Access(other)),
    };
    let message = e.to_string();
    notice(
        state,
        viewer,
        status,
        "Ændringen blev ikke gennemført",
        vec![capitalise(&message)],
        None,
        format!("{what} afvist: {message}"),
    )
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[derive(Deserialize)]
struct NewUser {
    name: String,
    role: String,
    sso_only: Option<String>,
}

async fn add_user(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Form(form): Form<NewUser>,
) -> Result<Response, WebError> {
    let name = form.name.trim().to_string();
    let what = format!("oprettelse af '{name}'");
    let role: Role = match form.role.parse() {
        Ok(r) => r,
        Err(e) => return refused(&state, &viewer, AccessError::Role(e), &what),
    };
    let sso_only = form.sso_only.as_deref() == Some("true");
    let secret = if sso_only {
        None
    } else {
        Some(password::generate().map_err(AccessError::from)?)
    };
    let access = state.access.clone();
    let (n, s) = (name.clone(), secret.clone());
    let result =
        tokio::task::spawn_blocking(move || access.add_user(&n, role, s.as_deref())).await?;
    if let Err(e) = result {
        return refused(&state, &viewer, e, &what);
    }
    let mut paragraphs = vec![format!(
        "Brugeren {name} er oprettet med rollen {}.",
        role.label()
    )];
    paragraphs.push(match secret {
        Some(_) => {
            "Adgangskoden vises kun denne ene gang. Giv den til brugeren ad en sikker vej:".into()
        }
        None => "Brugeren logger ind gennem kommunens fælles log-ind og har ingen adgangskode her."
            .into(),
    });
    notice(
        &state,
        &viewer,
        StatusCode::OK,
        "Bruger oprettet",
        paragraphs,
        secret.as_deref(),
        format!("bruger '{name}' oprettet med rollen {role}"),
    )
}

#[derive(Deserialize)]
struct RoleForm {
    role: String,
}

async fn set_role(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(name): Path<String>,
    Form(form): Form<RoleForm>,
) -> Result<Response, WebError> {
    let what = format!("rolleskift for '{name}'");
    let access = state.access.clone();
    let n = name.clone();
    let result = tokio::task::spawn_blocking(move || {
        let role = form.role.parse::<Role>()?;
        access.set_role(&n, role).map(|_| role)
    })
    .await?;
    match result {
        Ok(role) => Ok(done(format!("rolle for '{name}' ændret til {role}"))),
        Err(e) => refused(&state, &viewer, e, &what),
    }
}

#[derive(Deserialize)]
struct EnabledForm {
    enabled: String,
}

async fn set_enabled(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(name): Path<String>,
    Form(form): Form<EnabledForm>,
) -> Result<Response, WebError> {
    let enabled = form.enabled == "true";
    let what = format!(
        "{} af '{name}'",
        if enabled {
            "aktivering"
        } else {
            "deaktivering"
        }
    );
    let access = state.access.clone();
    let n = name.clone();
    match tokio::task::spawn_blocking(move || access.set_enabled(&n, enabled)).await? {
        Ok(()) => Ok(done(format!(
            "bruger '{name}' {}",
            if enabled { "aktiveret" } else { "deaktiveret" }
        ))),
        Err(e) => refused(&state, &viewer, e, &what),
    }
}

async fn reset_password(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(name): Path<String>,
) -> Result<Response, WebError> {
    let what = format!("ny adgangskode til '{name}'");
    let secret = password::generate().map_err(AccessError::from)?;
    let access = state.access.clone();
    let (n, s) = (name.clone(), secret.clone());
    match tokio::task::spawn_blocking(move || access.set_password(&n, &s)).await? {
        Ok(()) => notice(
            &state,
            &viewer,
            StatusCode::OK,
            "Ny adgangskode",
            vec![
                format!("{name} har fået en ny adgangskode og er logget ud alle steder."),
                "Adgangskoden vises kun denne ene gang. Giv den til brugeren ad en sikker vej:"
                    .into(),
            ],
            Some(&secret),
            format!("ny adgangskode til '{name}'"),
        ),
        Err(e) => refused(&state, &viewer, e, &what),
    }
}

/// Back to the user list after a change that needs no message.
fn done(note: String) -> Response {
    let mut response = Redirect::to("/admin/brugere").into_response();
    response.extensions_mut().insert(AuditNote::detail(note));
    response
}

#[derive(Deserialize)]
struct AuditQuery {
    bruger: Option<String>,
    /// Rows numbered below this (the next, older page).
    foer: Option<i64>,
    /// `fuld`: recompute every row of the chain, not only those since the checkpoint.
    kontrol: Option<String>,
}

/// The user filter, if it is a possible user name (anything else shows everyone).
fn user_filter(q: &AuditQuery) -> Option<String> {
    q.bruger
        .as_deref()
        .map(str::trim)
        .filter(|u| users::check_name(u).is_ok())
        .map(str::to_string)
}

#[derive(Serialize)]
struct AuditLine {
    #[serde(flatten)]
    row: AuditRow,
    local_time: String,
}

#[derive(Serialize)]
struct AuditView {
    rows: Vec<AuditLine>,
    user: String,
    limit: usize,
    chain: ChainView,
    /// The `foer` of the next (older) page, when there is one.
    older: Option<i64>,
    /// Whether this is an older page (so a link back to the newest is shown).
    paged: bool,
    total: i64,
    alerts: Vec<AlertLine>,
}

#[derive(Serialize)]
struct ChainView {
    rows: u64,
    broken_at: Option<i64>,
    /// Rows recomputed by this check.
    checked: u64,
    from_checkpoint: Option<i64>,
    full: bool,
    /// Local time of the newest full check.
    last_full_check: Option<String>,
}

/// A stored UTC time as Danish local time, `dd-mm-åååå tt:mm:ss`.
fn local_time(utc: &str) -> String {
    chrono::NaiveDateTime::parse_from_str(utc, "%Y-%m-%d %H:%M:%S%.f")
        .map(|t| {
            t.and_utc()
                .with_timezone(&chrono_tz::Europe::Copenhagen)
                .format("%d-%m-%Y %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|_| utc.to_string())
}

async fn audit_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Query(q): Query<AuditQuery>,
) -> Result<Html<String>, WebError> {
    let user = user_filter(&q);
    let access = state.access.clone();
    let u = user.clone();
    let before = q.foer.filter(|b| *b > 0);
    let full = q.kontrol.as_deref() == Some("fuld");
    // The page reads one page of rows by number and checks the chain only from
    // the last verified checkpoint (a full check on request): it costs the same
    // at a million rows as at a thousand (README, "Revisionsloggen i tal").
    let (rows, chain, total): (Vec<AuditRow>, Verification, i64) =
        tokio::task::spawn_blocking(move || {
            let audit = access.audit();
            let chain = if full {
                audit.verify()?
            } else {
                audit.verify_since_checkpoint()?
            };
            Ok::<_, AccessError>((
                audit.page(u.as_deref(), before, AUDIT_PAGE_ROWS)?,
                chain,
                audit.count()?,
            ))
        })
        .await??;
    let older = match rows.last() {
        Some(last) if rows.len() == AUDIT_PAGE_ROWS && last.seq > 1 => Some(last.seq),
        _ => None,
    };
    let view = AuditView {
        rows: rows
            .into_iter()
            .map(|row| AuditLine {
                local_time: local_time(&row.at),
                row,
            })
            .collect(),
        user: user.unwrap_or_default(),
        limit: AUDIT_PAGE_ROWS,
        chain: ChainView {
            rows: chain.rows,
            broken_at: chain.broken_at,
            checked: chain.checked,
            from_checkpoint: chain.from_checkpoint,
            full,
            last_full_check: chain.last_full_check.as_deref().map(local_time),
        },
        older,
        paged: before.is_some(),
        total,
        alerts: alert_lines(&state),
    };
    Ok(Html(state.catalog.render_view(
        "admin_audit.html",
        "/admin/revision",
        &viewer,
        &view,
    )?))
}

async fn audit_csv(
    State(state): State<AppState>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let user = user_filter(&q);
    let access = state.access.clone();
    let bytes = tokio::task::spawn_blocking(move || access.audit().csv(user.as_deref())).await??;
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"revisionslog.csv\""),
    );
    Ok(response)
}
