//! The page routes: `/` (to the first dashboard), `/d/{slug}` (any dashboard file)
//! and `/healthz`.

use std::collections::BTreeMap;

use anyhow::Context;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};

use super::{AppState, MartSource, WebError};
use crate::dashboard::Viewer;
use crate::disclosure::{self, Rule};
use crate::table::Table;

/// Routes of the dashboard pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/d/{slug}", get(dashboard))
        .route("/healthz", get(healthz))
}

/// The start page: the first page in the viewer's menu (dashboards, then links).
async fn index(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Response, WebError> {
    let first = viewer
        .pages
        .first()
        .map(|slug| format!("/d/{slug}"))
        .or_else(|| viewer.links.first().map(|l| l.href.clone()));
    if let Some(target) = first {
        return Ok(Redirect::to(&target).into_response());
    }
    let t = state.catalog.messages();
    let html = state
        .catalog
        .render_error(t.product, t.access.no_pages, &viewer)?;
    Ok(Html(html).into_response())
}

async fn healthz() -> &'static str {
    "ok"
}

/// Any request no route answers.
pub(super) async fn not_found() -> WebError {
    WebError::NotFound
}

#[tracing::instrument(skip_all, fields(slug = %slug))]
async fn dashboard(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(slug): Path<String>,
) -> Result<Html<String>, WebError> {
    let page = state.catalog.get(&slug).ok_or(WebError::NotFound)?;
    // Only marts declared in a dashboard file are ever asked for.
    let marts: Vec<(String, Rule)> = page
        .marts
        .iter()
        .map(|(name, m)| (name.clone(), m.rule()))
        .collect();
    let (source, k) = (state.source.clone(), state.k);
    let tables = tokio::task::spawn_blocking(move || fetch_disclosed(&*source, marts, k))
        .await?
        .map_err(WebError::Source)?;
    Ok(Html(state.catalog.render(page, &tables, k, &viewer)?))
}

/// Reads each mart and passes it through disclosure control before anything else sees it.
fn fetch_disclosed(
    source: &dyn MartSource,
    marts: Vec<(String, Rule)>,
    k: u32,
) -> anyhow::Result<BTreeMap<String, Table>> {
    marts
        .into_iter()
        .map(|(name, rule)| {
            let table = source
                .fetch(&name)
                .with_context(|| format!("failed to read {name}"))?;
            Ok((name, disclosure::apply(table, &rule, k)))
        })
        .collect()
}
