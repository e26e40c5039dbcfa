//! The archive of accountability documents (`src/documentation/`, #16):
//! `GET /dokumentation` lists every month's documents, `GET
//! /dokumentation/{month}/{file}` serves one of them as a download. Only a file the
//! month's manifest lists can be served. The documents are aggregate-only: every
//! figure went through the cockpit's disclosure control.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde::Serialize;

use super::{AppState, WebError};
use crate::dashboard::Viewer;
use crate::documentation::archive::Entry;
use crate::documentation::{Archive, Layout};

/// The archive and the page texts, held by the web state.
pub struct Docs {
    pub archive: Archive,
    pub layout: Layout,
    pub log_retention_months: u32,
}

/// The routes of the documents.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dokumentation", get(list))
        .route("/dokumentation/{month}/{file}", get(file))
}

fn docs(state: &AppState) -> Result<Arc<Docs>, WebError> {
    state.documentation.clone().ok_or(WebError::NotFound)
}

/// What `dashboards/templates/dokumentation.html` shows.
#[derive(Serialize)]
struct View {
    entries: Vec<Entry>,
    t: BTreeMap<String, String>,
}

async fn list(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Html<String>, WebError> {
    let docs = docs(&state)?;
    let listed = docs.clone();
    let entries = tokio::task::spawn_blocking(move || listed.archive.list())
        .await?
        .map_err(|e| WebError::Source(e.into()))?;
    let view = View {
        entries,
        t: docs
            .layout
            .page_texts(state.k.get(), docs.log_retention_months),
    };
    Ok(Html(state.catalog.render_view(
        "dokumentation.html",
        "/dokumentation",
        &viewer,
        &view,
    )?))
}

#[tracing::instrument(skip_all, fields(month = %month, file = %name))]
async fn file(
    State(state): State<AppState>,
    Path((month, name)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let docs = docs(&state)?;
    let kind = match name.rsplit_once('.').map(|(_, e)| e) {
        Some("pdf") => "application/pdf",
        Some("html") => "text/html; charset=utf-8",
        _ => return Err(WebError::NotFound),
    };
    let lookup = name.clone();
    let bytes = tokio::task::spawn_blocking(move || match docs.archive.file(&month, &lookup)? {
        Some(path) => std::fs::read(&path)
            .map(Some)
            .map_err(crate::documentation::DocError::io(&path)),
        None => Ok(None),
    })
    .await?
    .map_err(|e| WebError::Source(e.into()))?
    .ok_or(WebError::NotFound)?;
    // A download: opened from disk, the HTML's inline styles apply, which the
    // cockpit's Content-Security-Policy would block.
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
