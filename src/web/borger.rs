//! The caseworker's look-up of one citizen (`/borger`, #14) and its JSON form for
//! the case system (`/api/borger`). The CPR number arrives in a POST body only, is
//! handed to [`crate::lookup`] and dropped with the request; the page shows it
//! masked. Who may use which route is in the route table; the guard audits every
//! request, and these handlers add the purpose, the kind of answer and the
//! pseudonym to the audit row (never the number).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::guard::{AuditNote, CurrentUser};
use super::{AppState, WebError};
use crate::dashboard::Viewer;
use crate::lookup::{Answer, Asked, Found, JudgementForm, Lookup, Recorded};
use crate::present::format;
use crate::present::messages::Messages;
use crate::vocabulary::{Agreement, Purpose, Reason, RiskBand};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/borger", get(form_page).post(look_up))
        .route("/borger/vurdering", post(judge))
        .route("/api/borger", get(api_form).post(api_look_up))
}

/// The form as sent. Unknown fields (the CSRF token) are ignored.
#[derive(Deserialize)]
struct LookupForm {
    cpr: Option<String>,
    formaal: Option<String>,
}

#[derive(Deserialize)]
struct JudgementFields {
    billet: Option<String>,
    egen_vurdering: Option<String>,
    enighed: Option<String>,
    begrundelse: Option<String>,
    bemaerkning: Option<String>,
}

#[derive(Serialize, Clone)]
struct Choice {
    code: &'static str,
    label: &'static str,
}

fn purposes() -> Vec<Choice> {
    Purpose::ALL
        .iter()
        .map(|p| Choice {
            code: p.as_code(),
            label: p.label(),
        })
        .collect()
}

/// A message box: title and text.
#[derive(Serialize)]
struct Message {
    title: String,
    text: String,
}

/// What the page template gets.
#[derive(Serialize, Default)]
struct PageView {
    purposes: Vec<Choice>,
    chosen: Option<String>,
    message: Option<Message>,
    result: Option<ResultView>,
    judgement: Option<JudgementView>,
    back: bool,
}

/// The answer about one citizen in plain Danish, every figure formatted.
#[derive(Serialize)]
struct ResultView {
    heading: String,
    spell: Vec<(String, String)>,
    score_status: String,
    score: Option<ScoreView>,
}

#[derive(Serialize)]
struct ScoreView {
    band: String,
    /// The stored score as a percentage, with its interval.
    probability: String,
    interval: String,
    comparison: String,
    rule: Vec<String>,
    inputs: String,
    accuracy: Option<String>,
    band_outcome: String,
}

#[derive(Serialize)]
struct JudgementView {
    ticket: String,
    bands: Vec<Choice>,
    agreements: Vec<Choice>,
    reasons: Vec<Choice>,
    note_help: String,
    note_max: usize,
}

fn lookup(state: &AppState) -> Result<Arc<Lookup>, WebError> {
    state.lookup.clone().ok_or(WebError::NotFound)
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

fn render(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    view: &PageView,
) -> Result<Response, WebError> {
    let html = state
        .catalog
        .render_view("borger.html", "/borger", viewer, view)?;
    Ok((status, Html(html)).into_response())
}

async fn form_page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Response, WebError> {
    lookup(&state)?;
    let view = PageView {
        purposes: purposes(),
        ..PageView::default()
    };
    render(&state, &viewer, StatusCode::OK, &view)
}

fn pct(x: f64) -> String {
    format::percent(x, 0)
}

fn month(d: Option<NaiveDate>) -> String {
    d.map(format::month_long).unwrap_or_else(|| "ukendt".into())
}

fn fill(text: &str, values: &[(&str, String)]) -> String {
    let pairs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Messages::fill(text, &pairs)
}

/// The answer in Danish, from the catalogue.
fn result_view(t: &Messages, found: &Found, horizon: u32) -> ResultView {
    let l = &t.lookup;
    let s = &found.spell;
    let mut spell = vec![
        ("Målgruppe".to_string(), s.target_group_label.clone()),
        ("Forløbet startede".to_string(), format::date(s.start_date)),
        (
            "Forløbet sluttede".to_string(),
            s.end_date
                .map(format::date)
                .unwrap_or_else(|| "igangværende".into()),
        ),
        (
            "2. samtale".to_string(),
            s.second_interview
                .map(format::date)
                .unwrap_or_else(|| "endnu ikke holdt".into()),
        ),
    ];
    spell.push((
        "Oplysningerne er opdateret til og med".to_string(),
        format::date(found.data_as_of),
    ));
    let score_status = match (&found.score, s.cohort_month) {
        _ if found.objected_since.is_some() => fill(
            l.objected,
            &[(
                "date",
                found.objected_since.map(format::date).unwrap_or_default(),
            )],
        ),
        (Some(f), _) => fill(
            l.scored_in,
            &[
                ("month", format::month_long(f.cohort_month)),
                ("run", month(f.run_month)),
                ("version", f.model_version.clone()),
            ],
        ),
        (None, None) => l.no_score_no_interview.to_string(),
        (None, Some(m)) => fill(
            l.no_score_yet,
            &[
                ("month", format::month_long(m)),
                ("next", format::month_long(m + chrono::Months::new(1))),
            ],
        ),
    };
    let score = found.score.as_ref().map(|f| {
        let band: RiskBand = f.risk_band.parse().unwrap_or(RiskBand::Mellem);
        let year = |d: Option<NaiveDate>| {
            d.map(|d| d.format("%Y").to_string())
                .unwrap_or_else(|| "?".into())
        };
        let accuracy = match (f.accuracy, f.accuracy_guess) {
            (Some(m), Some(g)) => Some(fill(
                l.accuracy,
                &[
                    ("n", format::number(m.n as f64, 0)),
                    ("model", pct(m.accuracy)),
                    ("model_low", pct(m.ci_low)),
                    ("model_high", pct(m.ci_high)),
                    ("guess", pct(g.accuracy)),
                    ("guess_low", pct(g.ci_low)),
                    ("guess_high", pct(g.ci_high)),
                    ("threshold", pct(m.threshold)),
                ],
            )),
            _ => None,
        };
        let band_outcome = match f.band_outcome {
            Some(o) => {
                let (text, share, low, high) = match band {
                    // High risk: how many were not unemployed after all.
                    RiskBand::Hoej => (
                        l.band_otherwise_high,
                        1.0 - o.observed_rate,
                        1.0 - o.ci_high,
                        1.0 - o.ci_low,
                    ),
                    RiskBand::Lav => (l.band_otherwise_low, o.observed_rate, o.ci_low, o.ci_high),
                    RiskBand::Mellem => (
                        l.band_otherwise_middle,
                        o.observed_rate,
                        o.ci_low,
                        o.ci_high,
                    ),
                };
                fill(
                    text,
                    &[
                        ("n", format::number(o.n as f64, 0)),
                        ("band", f.risk_band_label.to_lowercase()),
                        ("share", pct(share)),
                        ("low", pct(low)),
                        ("high", pct(high)),
                        ("month", format::month_long(o.window_end)),
                    ],
                )
            }
            None => l.band_unknown.to_string(),
        };
        ScoreView {
            band: f.risk_band_label.clone(),
            probability: pct(f.probability),
            interval: format!("{}-{}", pct(f.ci_low), pct(f.ci_high)),
            comparison: fill(
                l.comparison,
                &[
                    ("n", format::number(f.comparison_n as f64, 0)),
                    ("from", year(f.train_from)),
                    ("to", year(f.train_to)),
                    ("p", pct(f.probability)),
                    ("low", pct(f.ci_low)),
                    ("high", pct(f.ci_high)),
                    ("horizon", horizon.to_string()),
                ],
            ),
            rule: f.rule.clone(),
            inputs: fill(
                l.inputs,
                &[
                    ("used", f.inputs_used.join(", ")),
                    ("all", f.inputs_all.join(", ")),
                ],
            ),
            accuracy,
            band_outcome,
        }
    });
    ResultView {
        heading: fill(l.result_title, &[("cpr", found.masked.clone())]),
        spell,
        score_status,
        score,
    }
}

fn judgement_view(t: &Messages, ticket: &str) -> JudgementView {
    let choices = |all: Vec<(&'static str, &'static str)>| {
        all.into_iter()
            .map(|(code, label)| Choice { code, label })
            .collect()
    };
    JudgementView {
        ticket: ticket.to_string(),
        bands: choices(
            RiskBand::ALL
                .iter()
                .map(|b| (b.as_code(), b.label()))
                .collect(),
        ),
        agreements: choices(
            Agreement::ALL
                .iter()
                .map(|b| (b.as_code(), b.label()))
                .collect(),
        ),
        reasons: choices(
            Reason::ALL
                .iter()
                .map(|b| (b.as_code(), b.label()))
                .collect(),
        ),
        note_help: fill(
            t.lookup.note_help,
            &[("max", crate::lookup::input::NOTE_MAX_CHARS.to_string())],
        ),
        note_max: crate::lookup::input::NOTE_MAX_CHARS,
    }
}

/// Runs the look-up off the async threads; the number is moved in and dropped there.
async fn run_lookup(
    state: &AppState,
    user: String,
    form: LookupForm,
    with_ticket: bool,
) -> Result<crate::lookup::Outcome, WebError> {
    let service = lookup(state)?;
    let outcome = tokio::task::spawn_blocking(move || {
        service.find(
            Asked {
                user: &user,
                cpr: form.cpr.as_deref().unwrap_or(""),
                purpose: form.formaal.as_deref().filter(|p| !p.is_empty()),
                with_ticket,
            },
            today(),
        )
    })
    .await?
    .map_err(|e| WebError::Source(e.into()))?;
    Ok(outcome)
}

fn with_audit(mut response: Response, audit: String) -> Response {
    response.extensions_mut().insert(AuditNote::detail(audit));
    response
}

async fn look_up(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Extension(current): Extension<CurrentUser>,
    Form(form): Form<LookupForm>,
) -> Result<Response, WebError> {
    let chosen = form.formaal.clone();
    let outcome = run_lookup(&state, current.session.user.clone(), form, true).await?;
    let t = state.catalog.messages();
    let l = &t.lookup;
    let mut view = PageView {
        purposes: purposes(),
        chosen: chosen.filter(|c| Purpose::ALL.iter().any(|p| p.as_code() == c)),
        ..PageView::default()
    };
    let status = match &outcome.answer {
        Answer::Refused(problem) => {
            view.message = Some(Message {
                title: l.refused_title.into(),
                text: problem.to_string(),
            });
            StatusCode::BAD_REQUEST
        }
        Answer::Throttled(minutes) => {
            view.message = Some(Message {
                title: l.throttled_title.into(),
                text: throttled_text(&state, *minutes),
            });
            StatusCode::TOO_MANY_REQUESTS
        }
        Answer::Neutral { masked } => {
            view.message = Some(Message {
                title: l.neutral_title.into(),
                text: fill(l.neutral, &[("cpr", masked.clone())]),
            });
            StatusCode::OK
        }
        Answer::Found(found) => {
            view.result = Some(result_view(t, found, state.horizon_months));
            view.judgement = found.ticket.as_deref().map(|tk| judgement_view(t, tk));
            StatusCode::OK
        }
    };
    let response = render(&state, &viewer, status, &view)?;
    Ok(with_audit(response, outcome.audit))
}

fn throttled_text(state: &AppState, minutes: u64) -> String {
    let per_hour = state
        .lookup
        .as_ref()
        .map(|l| l.settings().per_hour())
        .unwrap_or_default();
    fill(
        state.catalog.messages().lookup.throttled,
        &[
            ("per_hour", per_hour.to_string()),
            ("minutes", minutes.to_string()),
        ],
    )
}

async fn judge(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Extension(current): Extension<CurrentUser>,
    Form(fields): Form<JudgementFields>,
) -> Result<Response, WebError> {
    let service = lookup(&state)?;
    let user = current.session.user.clone();
    let recorded = tokio::task::spawn_blocking(move || {
        service.record(
            &user,
            &JudgementForm {
                ticket: fields.billet.as_deref().unwrap_or(""),
                own_assessment: fields.egen_vurdering.as_deref(),
                agreement: fields.enighed.as_deref(),
                reason: fields.begrundelse.as_deref(),
                note: fields.bemaerkning.as_deref(),
            },
        )
    })
    .await?
    .map_err(|e| WebError::Source(e.into()))?;
    let l = &state.catalog.messages().lookup;
    // The audit row says that a judgement was made, not what it said: the row
    // names the caseworker, the judgement must not be traceable to her.
    let (status, title, text, audit) = match recorded {
        Recorded::Stored => (
            StatusCode::OK,
            l.judgement_stored_title,
            l.judgement_stored.to_string(),
            "vurdering registreret".to_string(),
        ),
        Recorded::Refused(problem) => (
            StatusCode::BAD_REQUEST,
            l.judgement_refused_title,
            format!("{} {}", problem, l.judgement_refused),
            format!("vurdering afvist: {}", problem.code()),
        ),
        Recorded::StaleTicket => (
            StatusCode::CONFLICT,
            l.stale_title,
            l.stale.to_string(),
            "vurdering afvist: ukendt, brugt eller udløbet formular".to_string(),
        ),
    };
    let view = PageView {
        purposes: purposes(),
        message: Some(Message {
            title: title.into(),
            text,
        }),
        back: true,
        ..PageView::default()
    };
    let response = render(&state, &viewer, status, &view)?;
    Ok(with_audit(response, audit))
}

fn json(status: StatusCode, value: &serde_json::Value) -> Response {
    let mut response = (status, value.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// The JSON form's description: the session's form token and the purposes.
async fn api_form(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentUser>,
) -> Result<Response, WebError> {
    lookup(&state)?;
    let purposes: Vec<serde_json::Value> = purposes()
        .into_iter()
        .map(|p| serde_json::json!({ "kode": p.code, "tekst": p.label }))
        .collect();
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({
            "csrf": current.session.csrf,
            "felter": {
                "cpr": "CPR-nummer, DDMMÅÅ-SSSS eller 10 cifre",
                "formaal": "en af koderne i 'formaal'",
                "csrf": "værdien ovenfor"
            },
            "formaal": purposes,
            "bemaerkning": state.catalog.messages().lookup.notice,
        }),
    ))
}

/// The look-up as JSON: the same rules, answers, status codes and audit as the page.
async fn api_look_up(
    State(state): State<AppState>,
    Extension(current): Extension<CurrentUser>,
    Form(form): Form<LookupForm>,
) -> Result<Response, WebError> {
    let outcome = run_lookup(&state, current.session.user.clone(), form, false).await?;
    let l = &state.catalog.messages().lookup;
    let (status, body) = match &outcome.answer {
        Answer::Refused(problem) => (
            StatusCode::BAD_REQUEST,
            serde_json::json!({ "svar": "afvist", "fejl": problem.to_string() }),
        ),
        Answer::Throttled(minutes) => (
            StatusCode::TOO_MANY_REQUESTS,
            serde_json::json!({ "svar": "begraenset", "fejl": throttled_text(&state, *minutes) }),
        ),
        Answer::Neutral { masked } => (
            StatusCode::OK,
            serde_json::json!({
                "svar": "ingen_oplysninger",
                "cpr": masked,
                "tekst": fill(l.neutral, &[("cpr", masked.clone())]),
            }),
        ),
        Answer::Found(found) => (
            StatusCode::OK,
            serde_json::json!({
                "svar": "fundet",
                "cpr": found.masked,
                "bemaerkning": l.notice,
                "borger": found.as_ref(),
                "tekster": result_view(state.catalog.messages(), found, state.horizon_months),
            }),
        ),
    };
    Ok(with_audit(json(status, &body), outcome.audit))
}
