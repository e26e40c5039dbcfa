//! The page routes: `/` (to the first dashboard), `/d/{slug}` (any dashboard file)
//! and `/healthz`.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};

use super::{data, AppState, WebError};
use crate::dashboard::{filter, Viewer};

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
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Html<String>, WebError> {
    let page = state.catalog.get(&slug).ok_or(WebError::NotFound)?;
    // The page's marts after disclosure control and the request's validated filters
    // (src/web/data.rs); the page body is rendered once per filter and run.
    let (version, protected) = data::protected(&state, page).await?;
    let selection = data::selection(&protected, &params)?;
    let query = selection.query();
    let main = match state.cache.body(version, &slug, &query) {
        Some(main) => main,
        None => {
            let tables = data::select(page, &protected, &selection);
            let filters = filter::view(page, &protected.options, &selection, state.k.get());
            let main = Arc::new(state.catalog.render_main(
                page,
                &tables,
                state.k.get(),
                &filters,
            )?);
            state.cache.keep_body(version, &slug, &query, main.clone());
            main
        }
    };
    Ok(Html(state.catalog.render_around(page, &main, &viewer)?))
}
