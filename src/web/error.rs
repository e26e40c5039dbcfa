//! The web layer's one error type. User-actionable errors become a 4xx with a Danish
//! message; everything else an opaque 500 whose detail is only logged.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use super::AppState;
use crate::dashboard::DashboardError;
use crate::disclosure::ThresholdTooLow;
use crate::present::messages::{Messages, DA};

/// Everything that can go wrong between a request and its page.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// No page at this address; the user can go back to the overview.
    #[error("page not found")]
    NotFound,
    /// A filter or filter value the page does not offer.
    #[error("filter not allowed")]
    BadFilter,
    #[error("invalid configuration: {0}")]
    Threshold(#[from] ThresholdTooLow),
    #[error("dashboards: {0}")]
    Dashboard(#[from] DashboardError),
    #[error("failed to read mart: {0:#}")]
    Source(anyhow::Error),
    #[error("background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// A state-changing request without a session.
    #[error("not logged in")]
    Unauthenticated,
    /// The role may not use this route.
    #[error("forbidden for this role")]
    Forbidden,
    /// A state-changing request without the right CSRF token.
    #[error("missing or wrong CSRF token")]
    Csrf,
    #[error("request body too large")]
    TooLarge,
    /// The single sign-on header came from an address that is not a trusted proxy.
    #[error("SSO header from an untrusted address")]
    SsoRefused,
    #[error("access control: {0}")]
    Access(#[from] crate::access::AccessError),
    #[error("route table: {0}")]
    Routes(#[from] crate::access::routes::TableError),
}

impl WebError {
    fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::BadFilter => StatusCode::BAD_REQUEST,
            WebError::Unauthenticated => StatusCode::UNAUTHORIZED,
            WebError::Forbidden | WebError::Csrf | WebError::SsoRefused => StatusCode::FORBIDDEN,
            WebError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Title and message the user sees; never the internal detail.
    fn public(&self, t: &Messages) -> (&'static str, &'static str) {
        let a = &t.access;
        match self {
            WebError::NotFound => (t.not_found_title, t.not_found),
            WebError::BadFilter => (t.filter.bad_title, t.filter.bad_message),
            WebError::Unauthenticated => (a.unauthenticated_title, a.unauthenticated),
            WebError::Forbidden => (a.forbidden_title, a.forbidden),
            WebError::Csrf => (a.csrf_title, a.csrf),
            WebError::TooLarge => (a.too_large_title, a.too_large),
            WebError::SsoRefused => (a.forbidden_title, a.sso_refused),
            _ => (t.error_title, t.error),
        }
    }
}

/// Marks a response whose body is the answer even with an error status (the
/// readiness text): [`render_errors`] leaves it as it is.
#[derive(Clone, Copy)]
pub(super) struct KeepBody;

/// The detail of an error, carried in the response's extensions to [`render_errors`].
#[derive(Clone)]
struct Detail(Arc<WebError>);

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (title, message) = self.public(&DA);
        // A bare page in case the templated one cannot be rendered either.
        let body = format!(
            "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{title}</title>\
             <link rel=\"stylesheet\" href=\"/static/cockpit.css\"></head>\
             <body><main><h1>{title}</h1><p>{message}</p><p><a href=\"/\">{}</a></p></main></body></html>",
            DA.lang, DA.back_to_start
        );
        let mut response = (self.status(), Html(body)).into_response();
        response.extensions_mut().insert(Detail(Arc::new(self)));
        response
    }
}

/// Logs server errors and replaces every error response with the Danish error page.
pub(super) async fn render_errors(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    if response.extensions().get::<KeepBody>().is_some() {
        return response;
    }
    let status = response.status();
    let detail = response.extensions_mut().remove::<Detail>();
    // The guard leaves who is looking, so the error page's menu is theirs.
    let viewer = response
        .extensions_mut()
        .remove::<crate::dashboard::Viewer>()
        .unwrap_or_default();
    let t = state.catalog.messages();
    let (title, message) = match (&detail, status) {
        (Some(Detail(error)), _) => {
            if status.is_server_error() {
                tracing::error!(error = %error, "request failed");
            }
            error.public(t)
        }
        (None, StatusCode::NOT_FOUND) => (t.not_found_title, t.not_found),
        (None, s) if s.is_server_error() => {
            tracing::error!(%status, "request failed");
            (t.error_title, t.error)
        }
        _ => return response,
    };
    match state.catalog.render_error(title, message, &viewer) {
        Ok(html) => {
            // Keep the cookies the handler or guard set.
            let mut rendered = (status, Html(html)).into_response();
            for (name, value) in response.headers() {
                if name == axum::http::header::SET_COOKIE {
                    rendered.headers_mut().append(name, value.clone());
                }
            }
            rendered
        }
        Err(error) => {
            tracing::error!(error = %error, "error page could not be rendered");
            response
        }
    }
}
