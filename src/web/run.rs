//! The data unit starts the monthly run by hand (`/koersel`). The run itself is
//! the pipeline's; the web layer only asks for it through [`RunTrigger`]. The form
//! is offered only when a run can start (else the reason is shown), and a started
//! run answers with a redirect to `/koersel?startet=YYYY-MM` (post, redirect, get),
//! so refreshing the page never starts a second run.

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use chrono::NaiveDate;
use serde::Serialize;

use super::guard::{AuditNote, CurrentUser};
use super::{AppState, WebError};
use crate::dashboard::{Link, Viewer};
use crate::present::format;

/// Starts runs for the cockpit (implemented by the app, which owns the pipeline).
pub trait RunTrigger: Send + Sync + 'static {
    /// The month a run started now is for.
    fn month(&self) -> NaiveDate;
    /// Whether a run could start now: the month, or a Danish reason why not (a
    /// run is going, the month is behind the latest run, its delivery is missing).
    fn ready(&self) -> Result<NaiveDate, String>;
    /// Starts that run in the background, recorded as started by `by`; a Danish
    /// reason when it cannot start (e.g. a run is already going).
    fn start(&self, by: &str) -> Result<NaiveDate, String>;
}

pub fn router() -> Router<AppState> {
    Router::new().route("/koersel", get(form).post(start))
}

#[derive(Serialize)]
struct RunView {
    month: String,
    /// Why no run can start now; no form is shown then.
    blocked: Option<String>,
    /// The month of a run this user just started (after the redirect).
    started: Option<String>,
}

/// `?startet=YYYY-MM`, set by the redirect after a start.
#[derive(serde::Deserialize)]
struct Started {
    startet: Option<String>,
}

#[derive(Serialize)]
struct Notice {
    title: &'static str,
    paragraphs: Vec<String>,
    secret: Option<String>,
    back: Option<Link>,
}

async fn form(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Query(query): Query<Started>,
) -> Result<Response, WebError> {
    let Some(runs) = state.runs.clone() else {
        return not_here(&state, &viewer);
    };
    let ready = tokio::task::spawn_blocking(move || (runs.month(), runs.ready())).await?;
    let (month, ready) = ready;
    // Only a well-formed month is echoed back.
    let started = query
        .startet
        .and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
        .map(format::month_long);
    let view = RunView {
        month: format::month_long(month),
        blocked: ready.err(),
        started,
    };
    Ok(Html(
        state
            .catalog
            .render_view("run.html", "/koersel", &viewer, &view)?,
    )
    .into_response())
}

fn not_here(state: &AppState, viewer: &Viewer) -> Result<Response, WebError> {
    let view = Notice {
        title: "Kørsler kan ikke startes her",
        paragraphs: vec!["Denne installation starter ikke kørsler fra cockpittet.".into()],
        secret: None,
        back: None,
    };
    let html = state
        .catalog
        .render_view("notice.html", "/koersel", viewer, &view)?;
    Ok((StatusCode::SERVICE_UNAVAILABLE, Html(html)).into_response())
}

async fn start(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Extension(current): Extension<CurrentUser>,
) -> Result<Response, WebError> {
    let Some(runs) = state.runs.clone() else {
        return not_here(&state, &viewer);
    };
    let by = current.session.user.clone();
    let started = tokio::task::spawn_blocking(move || runs.start(&by)).await?;
    let reason = match started {
        Ok(month) => {
            let mut response = (
                StatusCode::SEE_OTHER,
                [(
                    header::LOCATION,
                    format!("/koersel?startet={}", month.format("%Y-%m")),
                )],
            )
                .into_response();
            response.extensions_mut().insert(AuditNote::detail(format!(
                "kørsel startet for {}",
                month.format("%Y-%m")
            )));
            return Ok(response);
        }
        Err(reason) => reason,
    };
    let (status, view, note) = (
        StatusCode::CONFLICT,
        Notice {
            title: "Kørslen blev ikke startet",
            paragraphs: vec![sentence(&reason)],
            secret: None,
            back: Some(Link {
                href: "/koersel".into(),
                title: "Tilbage til Start kørsel".into(),
            }),
        },
        format!("kørsel ikke startet: {reason}"),
    );
    let html = state
        .catalog
        .render_view("notice.html", "/koersel", &viewer, &view)?;
    let mut response = (status, Html(html)).into_response();
    response.extensions_mut().insert(AuditNote::detail(note));
    Ok(response)
}

/// A reason written to follow "kan ikke startes nu:", as a sentence of its own.
fn sentence(reason: &str) -> String {
    let mut chars = reason.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
