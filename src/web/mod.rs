//! The cockpit's web server: one generic dashboard route over the page files in
//! `dashboards/`, static CSS, a health check, security headers and Danish errors.
//! Pages read marts only through [`MartSource`] and always through
//! [`crate::disclosure`], so nothing but suppressed aggregates reaches the browser.

mod error;
mod pages;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::{middleware, Router};
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use self::error::WebError;
use crate::dashboard::Catalog;
use crate::disclosure;

/// Where pages get their marts from (the DuckDB store in production).
pub trait MartSource: Send + Sync + 'static {
    /// Reads one mart by name; names are validated by the caller against the dashboard files.
    /// Blocking: the web layer calls it inside `spawn_blocking`.
    fn fetch(&self, mart: &str) -> Result<crate::table::Table, anyhow::Error>;
}

/// Shared state of every request: the mart source, the loaded dashboards and templates,
/// and the disclosure threshold.
#[derive(Clone)]
pub struct AppState {
    source: Arc<dyn MartSource>,
    catalog: Arc<Catalog>,
    static_dir: PathBuf,
    k: u32,
}

impl AppState {
    /// Loads the dashboards and templates in `dashboards_dir`; refuses `k` below
    /// [`disclosure::MIN_K`].
    pub fn new(
        source: Arc<dyn MartSource>,
        dashboards_dir: &Path,
        k: u32,
    ) -> Result<Self, WebError> {
        let k = disclosure::check_k(k)?;
        let catalog = Catalog::load(dashboards_dir)?;
        Ok(AppState {
            source,
            catalog: Arc::new(catalog),
            static_dir: dashboards_dir.join("static"),
            k,
        })
    }
}

/// No script may run and nothing may be loaded from elsewhere; the pages use none.
const CSP: &str = "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; \
                   form-action 'self'; frame-ancestors 'none'";
/// A request that takes longer than this gets the Danish error page.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The whole application: pages, static files and the middleware stack.
pub fn router(state: AppState) -> Router {
    let static_files = ServeDir::new(&state.static_dir);
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    Router::new()
        .merge(pages::router())
        .nest_service("/static", static_files)
        .fallback(pages::not_found)
        // Innermost first. A timeout becomes a bare 503 that the error pages then
        // render; error pages are rendered (and 500s logged) inside the trace span,
        // so the log line carries the route.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            error::render_errors,
        ))
        .layer(CompressionLayer::new())
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::REFERRER_POLICY, "no-referrer"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves the cockpit on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
