//! The archive of committee reports (`src/report/`): `GET /rapporter` lists every
//! month's report, `GET /rapporter/{month}/{file}` serves one of its files as a
//! download. Only a file that the month's manifest lists can be served, so no other
//! path of the data dir is reachable. The files are aggregate-only: they were made
//! through the cockpit's disclosure control.
//!
//! Who may use these routes is the route table's business (`access::routes`).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde::Serialize;

use super::{AppState, WebError};
use crate::dashboard::Viewer;
use crate::report::{Archive, ArchiveEntry, Layout};

/// The archive and the page template, held by the web state.
pub struct Reports {
    pub archive: Archive,
    pub layout: Layout,
}

/// The archive routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/rapporter", get(list))
        .route("/rapporter/{month}/{file}", get(file))
}

fn reports(state: &AppState) -> Result<Arc<Reports>, WebError> {
    state.reports.clone().ok_or(WebError::NotFound)
}

/// What `dashboards/templates/reports.html` shows.
#[derive(Serialize)]
struct ArchiveView<'a> {
    entries: Vec<ArchiveEntry>,
    t: &'a serde_json::Value,
}

async fn list(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Html<String>, WebError> {
    let reports = reports(&state)?;
    let listed = reports.clone();
    let entries = tokio::task::spawn_blocking(move || listed.archive.list())
        .await?
        .map_err(|e| WebError::Source(e.into()))?;
    let view = ArchiveView {
        entries,
        t: reports.layout.archive_texts(),
    };
    // In the cockpit's frame, so the committee has the menu and logout here too.
    Ok(Html(state.catalog.render_view(
        "reports.html",
        "/rapporter",
        &viewer,
        &view,
    )?))
}

#[tracing::instrument(skip_all, fields(month = %month, file = %name))]
async fn file(
    State(state): State<AppState>,
    Path((month, name)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let reports = reports(&state)?;
    let kind = content_type(&name).ok_or(WebError::NotFound)?;
    let lookup = name.clone();
    let bytes =
        tokio::task::spawn_blocking(move || match reports.archive.file(&month, &lookup)? {
            Some(path) => std::fs::read(&path)
                .map(Some)
                .map_err(crate::report::ReportError::io(&path)),
            None => Ok(None),
        })
        .await?
        .map_err(|e| WebError::Source(e.into()))?
        .ok_or(WebError::NotFound)?;
    // A download: opened from disk, the HTML report's inline styles apply, which
    // the cockpit's Content-Security-Policy would block.
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .map_err(|e| WebError::Source(e.into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// The media type of a report file by its extension; anything else is not served.
fn content_type(name: &str) -> Option<&'static str> {
    match name.rsplit_once('.')?.1 {
        "pdf" => Some("application/pdf"),
        "html" => Some("text/html; charset=utf-8"),
        "xlsx" => Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        _ => None,
    }
}
