//! The data unit starts the monthly run by hand (`/koersel`). The run itself is
//! the pipeline's; the web layer only asks for it through [`RunTrigger`].

use axum::extract::State;
use axum::http::StatusCode;
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
) -> Result<Response, WebError> {
    let Some(runs) = state.runs.clone() else {
        return not_here(&state, &viewer);
    };
    let view = RunView {
        month: format::month_long(runs.month()),
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
    let (status, view, note) = match runs.start(&by) {
        Ok(month) => (
            StatusCode::ACCEPTED,
            Notice {
                title: "Kørslen er startet",
                paragraphs: vec![format!(
                    "Kørslen for {} er startet. Cockpittet viser de nye tal, når den er færdig; følg den på siden om kørsler.",
                    format::month_long(month)
                )],
                secret: None,
                back: None,
            },
            format!("kørsel startet for {}", month.format("%Y-%m")),
        ),
        Err(reason) => (
            StatusCode::CONFLICT,
            Notice {
                title: "Kørslen blev ikke startet",
                paragraphs: vec![reason.clone()],
                secret: None,
                back: None,
            },
            format!("kørsel ikke startet: {reason}"),
        ),
    };
    let html = state
        .catalog
        .render_view("notice.html", "/koersel", &viewer, &view)?;
    let mut response = (status, Html(html)).into_response();
    response.extensions_mut().insert(AuditNote::detail(note));
    Ok(response)
}
