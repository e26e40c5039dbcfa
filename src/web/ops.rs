//! `/readyz` and `/metrics` (Prometheus text), answered only to the addresses in
//! `[ops] metrics_from`. Like `/healthz` they are counted, not audited row by row
//! (the guard). `ops/README.md` has the scrape configuration and alert rules.
//! And `/drift/sikkerhedskopi/{name}`: a backup written by the running server
//! for `jobcockpit backup`, for the same addresses and only with the store key's
//! proof; to anyone else it does not exist (404). And `POST /drift/brugere`: a
//! user change from `jobcockpit user` while the server holds the store, on the
//! same terms, applied by `access::command::apply` as the command would.

use std::net::IpAddr;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};

use super::error::KeepBody;
use super::guard::{AuditNote, RequestInfo};
use super::{AppState, WebError};
use crate::ops::prometheus::{Text, CONTENT_TYPE};
use crate::ops::{RouteClass, StoreFigures};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/drift/sikkerhedskopi/{name}", get(backup))
        .route("/drift/brugere", post(user_change))
}

/// The store key's proof from the `Authorization: Bearer` header, checked off
/// the executor; false without a backup maker (a router built without a store).
async fn store_key_proven(state: &AppState, headers: &HeaderMap) -> Result<bool, WebError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .to_string();
    let Some(maker) = state.backups.clone() else {
        return Ok(false);
    };
    Ok(tokio::task::spawn_blocking(move || maker.authorised(&token)).await?)
}

async fn user_change(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    if !allowed(&state, &info) || !store_key_proven(&state, &headers).await? {
        return Err(WebError::NotFound);
    }
    let Ok(change) = serde_json::from_slice::<crate::access::command::UserChange>(&body) else {
        return Ok(plain(
            StatusCode::BAD_REQUEST,
            "text/plain; charset=utf-8",
            "ukendt brugerændring\n".into(),
        ));
    };
    let access = state.access().clone();
    let client = format!("kommandolinje via serveren ({})", info.client);
    let done = tokio::task::spawn_blocking(move || {
        crate::access::command::apply(&access, change, &client)
    })
    .await?;
    let (status, text) = match done {
        Ok(text) => (StatusCode::OK, text),
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
    };
    let mut response = plain(status, "text/plain; charset=utf-8", format!("{text}\n"));
    response.extensions_mut().insert(AuditNote::detail(
        "brugerændring fra kommandolinjen".to_string(),
    ));
    Ok(response)
}

async fn backup(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let maker = match state.backups.clone() {
        Some(m) if allowed(&state, &info) && crate::ops::backup::valid_name(&name) => m,
        _ => return Err(WebError::NotFound),
    };
    if !store_key_proven(&state, &headers).await? {
        return Err(WebError::NotFound);
    }
    let (path, manifest) = tokio::task::spawn_blocking(move || maker.make(&name))
        .await?
        .map_err(|e| WebError::Source(anyhow::Error::new(e)))?;
    let body = format!(
        "fil: {}
bytes: {}
sha256: {}
tabeller: {}
filer: {}
",
        path.display(),
        manifest.database_bytes,
        manifest.database_sha256,
        manifest.tables,
        manifest.files
    );
    let mut response = plain(StatusCode::OK, "text/plain; charset=utf-8", body);
    response.extensions_mut().insert(AuditNote::detail(format!(
        "sikkerhedskopi skrevet til {} ({} bytes, {} tabeller)",
        path.display(),
        manifest.database_bytes,
        manifest.tables
    )));
    Ok(response)
}

fn allowed(state: &AppState, info: &RequestInfo) -> bool {
    info.client
        .parse::<IpAddr>()
        .is_ok_and(|ip| state.ops.metrics_from.contains(&ip))
}

fn plain(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut r = (status, [(header::CONTENT_TYPE, content_type)], body).into_response();
    // The text is the answer, also when it says "not ready".
    r.extensions_mut().insert(KeepBody);
    r
}

async fn readyz(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
) -> Result<Response, WebError> {
    if !allowed(&state, &info) {
        return Err(WebError::Forbidden);
    }
    let Some(probe) = state.probe.clone() else {
        return Ok(plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "text/plain; charset=utf-8",
            "klar: nej\ndatabase: FEJL – serveren har ingen database\n".into(),
        ));
    };
    let r = tokio::task::spawn_blocking(move || probe.readiness()).await?;
    let status = if r.ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    Ok(plain(status, "text/plain; charset=utf-8", r.text()))
}

async fn metrics(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
) -> Result<Response, WebError> {
    if !allowed(&state, &info) {
        return Err(WebError::Forbidden);
    }
    let figures = match state.probe.clone() {
        Some(probe) => tokio::task::spawn_blocking(move || probe.figures()).await?,
        None => Ok(StoreFigures::default()),
    };
    Ok(plain(StatusCode::OK, CONTENT_TYPE, render(&state, figures)))
}

/// The metrics page.
fn render(state: &AppState, figures: Result<StoreFigures, crate::ops::OpsError>) -> String {
    let mut t = Text::default();
    t.single("jobcockpit_up", "gauge", "1 mens serveren svarer.", 1.0);

    let h = "jobcockpit_http_request_duration_seconds";
    t.family(
        h,
        "histogram",
        "Svartid pr. forespørgsel efter ruteklasse, revisionsrækken skrevet.",
    );
    for class in RouteClass::ALL {
        t.histogram(
            h,
            &[("class", class.label())],
            &state.telemetry.latency(class),
        );
    }
    t.single(
        "jobcockpit_health_requests_total",
        "counter",
        "Forespørgsler til /healthz, /readyz og /metrics (tælles, revideres ikke række for række).",
        state.telemetry.health_requests() as f64,
    );

    let audit = state.access.audit().stats();
    t.single(
        "jobcockpit_audit_rows_written_total",
        "counter",
        "Rækker skrevet til revisionsloggen siden start.",
        audit.written as f64,
    );
    t.single(
        "jobcockpit_audit_requests_summed_total",
        "counter",
        "Anonyme forespørgsler talt i opsummeringsrækker i stedet for en række hver.",
        audit.summed as f64,
    );
    t.single(
        "jobcockpit_audit_write_failures_total",
        "counter",
        "Transaktioner mod revisionsloggen, der fejlede (og blev prøvet igen).",
        audit.failed_writes as f64,
    );
    t.single(
        "jobcockpit_audit_refused_responses_total",
        "counter",
        "Svar erstattet af en fejl, fordi revisionsrækken ikke kunne skrives.",
        state.telemetry.audit_refusals() as f64,
    );

    let logins = state.access.login_stats();
    let name = "jobcockpit_logins_total";
    t.family(name, "counter", "Login-forsøg efter udfald siden start.");
    t.sample(name, &[("outcome", "succeeded")], logins.succeeded as f64);
    t.sample(name, &[("outcome", "failed")], logins.failed as f64);
    t.sample(name, &[("outcome", "throttled")], logins.throttled as f64);
    t.single(
        "jobcockpit_login_alerts_total",
        "counter",
        "Alarmer om gentagne mislykkede login-forsøg siden start.",
        logins.alerts as f64,
    );

    let f = match figures {
        Ok(f) => {
            t.single(
                "jobcockpit_store_readable",
                "gauge",
                "1 når databasen kan læses.",
                1.0,
            );
            f
        }
        Err(e) => {
            tracing::error!(error = %e, "metrics: databasen kan ikke læses");
            t.single(
                "jobcockpit_store_readable",
                "gauge",
                "1 når databasen kan læses.",
                0.0,
            );
            return t.finish();
        }
    };
    let name = "jobcockpit_pipeline_runs";
    t.family(name, "gauge", "Kørsler i databasen efter status.");
    for (status, n) in &f.runs_by_status {
        t.sample(name, &[("status", status.as_str())], *n as f64);
    }
    if let Some(run) = &f.last_run {
        let name = "jobcockpit_last_run_info";
        t.family(
            name,
            "gauge",
            "Den seneste kørsel: måned, status og hvem der startede den.",
        );
        t.sample(
            name,
            &[
                ("month", run.month.as_str()),
                ("status", run.status.as_str()),
                ("trigger", run.trigger.as_str()),
            ],
            1.0,
        );
        t.single(
            "jobcockpit_last_run_failed",
            "gauge",
            "1 når den seneste kørsel fejlede.",
            if run.status == "failed" { 1.0 } else { 0.0 },
        );
        t.single(
            "jobcockpit_last_run_start_timestamp_seconds",
            "gauge",
            "Start af den seneste kørsel (sekunder siden 1970, UTC).",
            run.started_epoch,
        );
        if let Some(d) = run.duration_s {
            t.single(
                "jobcockpit_last_run_duration_seconds",
                "gauge",
                "Varighed af den seneste kørsel.",
                d,
            );
        }
        let name = "jobcockpit_last_run_step_duration_seconds";
        t.family(
            name,
            "gauge",
            "Varighed af hvert trin i den seneste kørsel.",
        );
        for s in &f.last_steps {
            t.sample(
                name,
                &[("step", s.step.as_str()), ("status", s.status.as_str())],
                s.duration_s,
            );
        }
        let name = "jobcockpit_last_run_step_rows";
        t.family(
            name,
            "gauge",
            "Rækker behandlet af hvert trin i den seneste kørsel.",
        );
        for s in &f.last_steps {
            t.sample(name, &[("step", s.step.as_str())], s.rows as f64);
        }
    }
    if let Some(at) = f.last_success_epoch {
        t.single(
            "jobcockpit_last_success_timestamp_seconds",
            "gauge",
            "Afslutning af den seneste gennemførte kørsel (sekunder siden 1970, UTC).",
            at,
        );
    }
    t.single(
        "jobcockpit_store_rows_loaded",
        "gauge",
        "Rækker indlæst fra alle leveringer.",
        f.rows_loaded as f64,
    );
    t.single(
        "jobcockpit_store_rows_quarantined",
        "gauge",
        "Rækker i karantæne fra alle leveringer.",
        f.rows_quarantined as f64,
    );
    let name = "jobcockpit_open_alerts";
    t.family(
        name,
        "gauge",
        "Åbne overvågningsalarmer efter slags og alvor.",
    );
    for (kind, severity, n) in &f.open_alerts {
        t.sample(
            name,
            &[("kind", kind.as_str()), ("severity", severity.as_str())],
            *n as f64,
        );
    }
    t.finish()
}
