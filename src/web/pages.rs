//! The page routes: `/` (to the first dashboard), `/d/{slug}` (any dashboard file)
//! and `/healthz`.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};

use super::{data, AppState, WebError};
use crate::dashboard::{filter, Extras, ReportLink, Viewer};

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
    // A page that links to other pages or to the newest report links only where
    // the viewer's role may go: its body is kept per role.
    let per_role = page.latest_report || page.links_pages();
    let with_report = page.latest_report && viewer.links.iter().any(|l| l.href == "/rapporter");
    let query = selection.query();
    let key = if per_role {
        format!("{query}#{}", viewer.role)
    } else {
        query
    };
    let main = match state.cache.body(version, &slug, &key) {
        Some(main) => main,
        None => {
            let tables = data::select(page, &protected, &selection);
            let filters = filter::view(page, &protected.options, &selection, state.k.get());
            let extras = Extras {
                high_from: state.high_from,
                report: if with_report {
                    latest_report(&state).await?
                } else {
                    None
                },
                pages: per_role.then(|| viewer.pages.clone()),
            };
            let main = Arc::new(state.catalog.render_main(
                page,
                &tables,
                state.k.get(),
                &filters,
                &extras,
            )?);
            state.cache.keep_body(version, &slug, &key, main.clone());
            main
        }
    };
    Ok(Html(state.catalog.render_around(page, &main, &viewer)?))
}

/// The newest month's committee report in the archive, as a link to its PDF (what goes on the committee's agenda).
async fn latest_report(state: &AppState) -> Result<Option<ReportLink>, WebError> {
    let Some(reports) = state.reports.clone() else {
        return Ok(None);
    };
    let entries = tokio::task::spawn_blocking(move || reports.archive.list())
        .await?
        .map_err(|e| WebError::Source(e.into()))?;
    let t = state.catalog.messages();
    Ok(entries.into_iter().next().and_then(|e| {
        let pdf = e.files.iter().find(|f| f.2 == "pdf")?;
        Some(ReportLink {
            text: crate::present::messages::Messages::fill(
                t.latest_report,
                &[("month", &e.month_label)],
            ),
            href: format!("/rapporter/{}/{}", e.month, pdf.0),
        })
    }))
}
