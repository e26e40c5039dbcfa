//! The citizen's insight export for the role `jura` (`/jura/indsigt`, #15): a form
//! (CPR number, purpose, format) and its answer, the file itself (PDF letter, JSON
//! or CSV of every row, `citizen::service`). The number arrives in a POST body only
//! and is dropped with the request; the guard audits the request, and this handler
//! adds the purpose, the kind of answer and the pseudonym (never the number).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Form, Router};
use serde::{Deserialize, Serialize};

use super::guard::AuditNote;
use super::{AppState, WebError};
use crate::citizen::service::{Exported, Insights};
use crate::dashboard::Viewer;

pub fn router() -> Router<AppState> {
    Router::new().route("/jura/indsigt", get(form_page).post(export))
}

/// The form as sent. Unknown fields (the CSRF token) are ignored.
#[derive(Deserialize)]
struct ExportForm {
    cpr: Option<String>,
    formaal: Option<String>,
    format: Option<String>,
}

#[derive(Serialize)]
struct Choice {
    code: String,
    label: String,
}

#[derive(Serialize)]
struct PageView {
    t: crate::citizen::letter::PageTexts,
    purposes: Vec<Choice>,
    formats: Vec<Choice>,
    chosen_purpose: Option<String>,
    chosen_format: Option<String>,
    message: Option<String>,
}

fn service(state: &AppState) -> Result<Arc<Insights>, WebError> {
    state.citizen.clone().ok_or(WebError::NotFound)
}

fn view(
    chosen_purpose: Option<String>,
    chosen_format: Option<String>,
    message: Option<String>,
) -> Result<PageView, WebError> {
    let t = crate::citizen::letter::page_texts().map_err(|e| WebError::Source(e.into()))?;
    let purposes = crate::vocabulary::get()
        .set("insight_purpose")
        .map(|s| {
            s.codes()
                .map(|c| Choice {
                    code: c.to_string(),
                    label: s.label(c).unwrap_or(c).to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    let formats = t
        .formats
        .iter()
        .map(|(code, label)| Choice {
            code: code.clone(),
            label: label.clone(),
        })
        .collect();
    Ok(PageView {
        t,
        purposes,
        formats,
        chosen_purpose,
        chosen_format,
        message,
    })
}

fn render(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    view: &PageView,
) -> Result<Response, WebError> {
    let html = state
        .catalog
        .render_view("jura.html", "/jura/indsigt", viewer, view)?;
    Ok((status, Html(html)).into_response())
}

async fn form_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Response, WebError> {
    service(&state)?;
    render(&state, &viewer, StatusCode::OK, &view(None, None, None)?)
}

async fn export(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Form(form): Form<ExportForm>,
) -> Result<Response, WebError> {
    let insights = service(&state)?;
    let (purpose, format) = (form.formaal.clone(), form.format.clone());
    let exported = tokio::task::spawn_blocking(move || {
        insights.export(
            form.cpr.as_deref().unwrap_or(""),
            form.formaal.as_deref(),
            form.format.as_deref(),
            chrono::Utc::now().date_naive(),
        )
    })
    .await?
    .map_err(|e| WebError::Source(e.into()))?;
    let (mut response, audit) = match exported {
        Exported::Refused { refusal, audit } => (
            render(
                &state,
                &viewer,
                StatusCode::BAD_REQUEST,
                &view(purpose, format, Some(refusal.to_string()))?,
            )?,
            audit,
        ),
        Exported::File { file, audit } => {
            let mut r = (StatusCode::OK, file.bytes).into_response();
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(file.content_type),
            );
            let disposition = format!("attachment; filename=\"{}\"", file.name);
            if let Ok(v) = HeaderValue::from_str(&disposition) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            // Personal data: never kept by a browser cache or a proxy.
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            (r, audit)
        }
    };
    response.extensions_mut().insert(AuditNote::detail(audit));
    Ok(response)
}
