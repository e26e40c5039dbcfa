//! The cockpit's web server: one generic dashboard route over the page files in
//! `dashboards/`, login and administration, static CSS, a health check, security
//! headers and Danish errors. Every request passes the guard (`guard.rs`), which
//! applies the route table of `crate::access::routes` (deny by default) and writes
//! the audit log. Pages read marts only through [`MartSource`] and always through
//! [`crate::disclosure`], so nothing but suppressed aggregates reaches the browser.
//!
//! Each area exposes `router()`; a route added here must also get its row in the
//! route table, or the guard refuses it.

mod admin;
mod auth;
/// The caseworker's look-up of one citizen and its JSON form (#14).
mod borger;
pub mod data;
pub mod dokumentation;
mod error;
mod export;
pub mod guard;
mod jura;
/// Readiness and Prometheus metrics (`/readyz`, `/metrics`).
mod ops;
mod pages;
/// The committee reports' archive: `/rapporter` (src/report/).
pub mod reports;
pub mod run;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::{middleware, Router};
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use self::error::WebError;
pub use self::run::RunTrigger;
use crate::access::routes::RouteTable;
use crate::access::{Access, AccessSettings};
use crate::config::{DisclosureK, OpsSettings};
use crate::dashboard::Catalog;

/// Where pages get their marts from (the DuckDB store in production).
pub trait MartSource: Send + Sync + 'static {
    /// Reads one mart by name; names are validated by the caller against the dashboard files.
    /// Blocking: the web layer calls it inside `spawn_blocking`.
    fn fetch(&self, mart: &str) -> Result<crate::table::Table, anyhow::Error>;

    /// Changes whenever the marts may have changed (a pipeline run committed); pages
    /// keep their protected marts and rendered bodies until it does.
    fn version(&self) -> u64 {
        0
    }

    /// Reads several marts as of one moment (a store reads them in one transaction);
    /// each mart's own error is kept beside the others.
    fn fetch_all(
        &self,
        marts: &[String],
    ) -> std::collections::BTreeMap<String, Result<crate::table::Table, anyhow::Error>> {
        marts.iter().map(|m| (m.clone(), self.fetch(m))).collect()
    }
}

/// Shared state of every request: the mart source, the loaded dashboards and
/// templates, the disclosure threshold, access control and the route table.
#[derive(Clone)]
pub struct AppState {
    source: Arc<dyn MartSource>,
    catalog: Arc<Catalog>,
    static_dir: PathBuf,
    k: DisclosureK,
    access: Access,
    routes: Arc<RouteTable>,
    runs: Option<Arc<dyn RunTrigger>>,
    /// Protected marts and rendered page bodies (`data.rs`).
    cache: Arc<data::Cache>,
    /// The archive of committee reports, when the app has one (`reports.rs`).
    reports: Option<Arc<reports::Reports>>,
    /// The archive of accountability documents (`dokumentation.rs`, #16).
    documentation: Option<Arc<dokumentation::Docs>>,
    /// Request timings and counts for `/metrics`.
    telemetry: Arc<crate::ops::Telemetry>,
    /// What `/readyz` and `/metrics` read, when the app has a store.
    probe: Option<Arc<dyn crate::ops::Probe>>,
    /// Who may read `/readyz` and `/metrics`.
    ops: Arc<OpsSettings>,
    /// Backups for `jobcockpit backup` while the server runs.
    backups: Option<Arc<dyn crate::ops::backup::Maker>>,
    /// The look-up of one citizen, when the app has a store (`borger.rs`).
    lookup: Option<Arc<crate::lookup::Lookup>>,
    /// The citizen's insight export for the role `jura` (`jura.rs`).
    citizen: Option<Arc<crate::citizen::service::Insights>>,
    /// Months after the 2nd interview the score is about (the pipeline's horizon).
    horizon_months: u32,
    /// The high-risk threshold (`[scoring] high_from`), stated beside accuracies.
    high_from: Option<f64>,
}

impl AppState {
    /// Loads the dashboards and templates in `dashboards_dir`; `k` is at least
    /// [`crate::disclosure::MIN_K`] by its type. Access control starts empty, in memory:
    /// nobody can log in until [`AppState::with_access`] gives it the store's users.
    pub fn new(
        source: Arc<dyn MartSource>,
        dashboards_dir: &Path,
        k: DisclosureK,
    ) -> Result<Self, WebError> {
        let catalog = Catalog::load(dashboards_dir)?;
        for d in catalog.dashboards().iter().filter(|d| d.roles.is_empty()) {
            tracing::warn!(slug = %d.slug, "siden har ingen roller og kan ikke ses af nogen");
        }
        Ok(AppState {
            source,
            catalog: Arc::new(catalog),
            static_dir: dashboards_dir.join("static"),
            k,
            access: Access::in_memory(AccessSettings::default()),
            routes: Arc::new(RouteTable::new()?),
            runs: None,
            cache: Arc::default(),
            reports: None,
            documentation: None,
            telemetry: Arc::default(),
            probe: None,
            ops: Arc::default(),
            backups: None,
            lookup: None,
            citizen: None,
            horizon_months: 12,
            high_from: None,
        })
    }

    /// Writes backups for `jobcockpit backup` (`/drift/sikkerhedskopi/{name}`).
    pub fn with_backups(mut self, backups: Arc<dyn crate::ops::backup::Maker>) -> Self {
        self.backups = Some(backups);
        self
    }

    /// Answers `/readyz` and `/metrics` from `probe`, to the addresses `settings` names.
    pub fn with_ops(mut self, probe: Arc<dyn crate::ops::Probe>, settings: OpsSettings) -> Self {
        self.probe = Some(probe);
        self.ops = Arc::new(settings);
        self
    }

    /// Uses these users, sessions and audit log.
    pub fn with_access(mut self, access: Access) -> Self {
        self.access = access;
        self
    }

    /// Lets the data unit start runs from the cockpit.
    pub fn with_runs(mut self, runs: Arc<dyn RunTrigger>) -> Self {
        self.runs = Some(runs);
        self
    }

    /// Serves this archive of committee reports at `/rapporter`.
    pub fn with_reports(mut self, reports: Arc<reports::Reports>) -> Self {
        self.reports = Some(reports);
        self
    }

    /// Serves the archive of accountability documents at `/dokumentation`.
    pub fn with_documentation(mut self, docs: Arc<dokumentation::Docs>) -> Self {
        self.documentation = Some(docs);
        self
    }

    /// Serves the look-up of one citizen at `/borger` and `/api/borger`; scores
    /// are about the status `horizon_months` after the 2nd interview.
    pub fn with_lookup(mut self, lookup: Arc<crate::lookup::Lookup>, horizon_months: u32) -> Self {
        self.high_from = Some(lookup.high_from());
        self.lookup = Some(lookup);
        self.horizon_months = horizon_months;
        self
    }

    /// States the high-risk threshold (`[scoring] high_from`) beside the accuracies
    /// (set by [`AppState::with_lookup`] from the pipeline file).
    pub fn with_high_from(mut self, high_from: f64) -> Self {
        self.high_from = Some(high_from);
        self
    }

    /// Serves the citizen's insight export at `/jura/indsigt`.
    pub fn with_citizen(mut self, insights: Arc<crate::citizen::service::Insights>) -> Self {
        self.citizen = Some(insights);
        self
    }

    /// Makes the pages' snapshot of the marts (`data.rs`); the app publishes each run's
    /// marts through it before it announces their new version.
    pub fn publisher(&self) -> data::Publisher {
        data::Publisher::new(self)
    }

    /// The access control this state enforces.
    pub fn access(&self) -> &Access {
        &self.access
    }
}

/// No script may run and nothing may be loaded from elsewhere; the pages use none.
const CSP: &str = "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; \
                   form-action 'self'; frame-ancestors 'none'";
/// HSTS over https: a year, subdomains included.
const HSTS: &str = "max-age=31536000; includeSubDomains";
/// A request that takes longer than this gets the Danish error page.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The whole application: pages, login, administration, static files and the
/// middleware stack.
pub fn router(state: AppState) -> Router {
    let static_files = ServeDir::new(&state.static_dir);
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    let https = state.access.settings().https;
    let app = Router::new()
        .merge(pages::router())
        .merge(auth::router())
        .merge(admin::router())
        .merge(run::router())
        .merge(export::router())
        .merge(reports::router())
        .merge(dokumentation::router())
        .merge(ops::router())
        .merge(borger::router())
        .merge(jura::router())
        .nest_service("/static", static_files)
        .fallback(pages::not_found)
        // Innermost first. Body limit and timeout sit inside the guard, so a
        // request they stop is still in the audit log; a timeout becomes a bare
        // 503 that the error pages then render. Error pages are rendered (and
        // 500s logged) inside the trace span, so the log line carries the route.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(RequestBodyLimitLayer::new(guard::BODY_LIMIT))
        .layer(middleware::from_fn_with_state(state.clone(), guard::guard))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            error::render_errors,
        ))
        .layer(CompressionLayer::new())
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::REFERRER_POLICY, "no-referrer"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(header(
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ))
        .layer(header(
            HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin",
        ))
        // Aggregates stay out of browser and proxy caches.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    let app = if https {
        app.layer(header(header::STRICT_TRANSPORT_SECURITY, HSTS))
    } else {
        app
    };
    app.layer(TraceLayer::new_for_http()).with_state(state)
}

/// Serves the cockpit on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The peer address is what trusted-proxy checks and login throttling use.
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
