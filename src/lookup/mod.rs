//! The caseworker's look-up of one citizen (#14): a CPR number typed into a form is
//! checked, pseudonymised at once with the installation's key, and answered with
//! the citizen's current benefit spell, its stored score and the explanation of
//! that score, or, for anyone who is not a current citizen of the job centre,
//! with one neutral answer. Beside the score the caseworker records her own
//! judgement, through a one-time ticket bound to the look-up.
//!
//! The raw number lives only in the request: it is never stored, logged or put
//! in the audit log, and only its masked form (`010190-****`) is shown. This
//! module knows nothing about HTTP; `web::borger` serves it as a page and as JSON.
//!
//! It holds a connection of its own to the store, reads what it can show into
//! memory (`index`: one entry per citizen who can be looked up, keyed by the
//! pseudonym; SQL in `sql/lookup/`) on the first look-up and after every run, and
//! is the only writer of `lookup_judgements`, which has no column saying who judged.

pub mod index;
pub mod input;
pub mod rate;
pub mod simulate;
pub mod tickets;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use chrono::{Datelike, NaiveDate};
use duckdb::{named_params, Connection};
use serde::Serialize;

use self::index::Index;
pub use self::index::{Accuracy, BandOutcome};
use self::input::{CprProblem, NoteProblem};
use self::tickets::{Bound, Tickets};
use crate::config::LookupSettings;
use crate::pseudonym::Pseudonymiser;
use crate::store::{Store, StoreError};
use crate::vocabulary::{Agreement, Purpose, Reason, RiskBand};

const JUDGEMENT_INSERT: &str = include_str!("../../sql/lookup/judgement_insert.sql");

/// Errors of the look-up's store access. None carries a CPR number (the look-up
/// never hands one to the store).
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    #[error("databasefejl i borgeropslaget: {0}")]
    Db(#[from] duckdb::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("modellens træ kunne ikke læses: {0}")]
    Tree(String),
    #[error("tilfældighedskilden svigtede: {0}")]
    Random(String),
}

/// A look-up as asked: who, the number as typed, the purpose as chosen.
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    pub user: &'a str,
    pub cpr: &'a str,
    pub purpose: Option<&'a str>,
    /// Issue a ticket for the judgement form (the page does; the JSON form does not).
    pub with_ticket: bool,
}

/// Why a look-up or judgement could not be used as sent; the text is the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("Vælg formålet med opslaget.")]
    NoPurpose,
    #[error(transparent)]
    Cpr(#[from] CprProblem),
    #[error("Vælg din egen vurdering: lav, mellem eller høj risiko.")]
    NoAssessment,
    #[error("Angiv, om du er enig med modellen.")]
    NoAgreement,
    #[error("Vælg en begrundelse.")]
    NoReason,
    #[error(transparent)]
    Note(#[from] NoteProblem),
}

impl Problem {
    /// A short code for the audit log (never the value sent).
    pub fn code(self) -> &'static str {
        match self {
            Problem::NoPurpose => "formål mangler",
            Problem::Cpr(CprProblem::Empty) => "CPR mangler",
            Problem::Cpr(CprProblem::NotDigits | CprProblem::WrongLength(_)) => "CPR-format",
            Problem::Cpr(CprProblem::NoSuchDate) => "CPR-dato",
            Problem::Cpr(_) => "CPR-århundrede",
            Problem::NoAssessment | Problem::NoAgreement | Problem::NoReason => "felt mangler",
            Problem::Note(_) => "bemærkning afvist",
        }
    }
}

/// The answer to a look-up.
#[derive(Debug, Clone)]
pub enum Answer {
    /// The form cannot be used (nothing was looked up).
    Refused(Problem),
    /// Too many look-ups in the last hour; minutes until the next is allowed.
    Throttled(u64),
    /// Not a citizen the page may show: unknown, or whose spell ended too long
    /// ago. The same answer for both; only the masked number differs.
    Neutral {
        masked: String,
    },
    Found(Box<Found>),
}

/// What the caseworker sees about a citizen.
#[derive(Debug, Clone, Serialize)]
pub struct Found {
    pub masked: String,
    pub purpose: &'static str,
    /// The last day of the newest delivery: what "now" is for the store.
    pub data_as_of: NaiveDate,
    pub spell: Spell,
    pub score: Option<ScoreFacts>,
    /// The citizen objected to profiling (#15): no score is made or shown.
    pub objected_since: Option<NaiveDate>,
    /// The form's one-time ticket (the page only; never in JSON).
    #[serde(skip)]
    pub ticket: Option<String>,
}

/// The citizen's current benefit spell.
#[derive(Debug, Clone, Serialize)]
pub struct Spell {
    pub target_group: String,
    pub target_group_label: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub second_interview: Option<NaiveDate>,
    /// The cohort month a score belongs to: the month of the 2nd interview.
    pub cohort_month: Option<NaiveDate>,
}

/// The stored score and everything that explains it.
#[derive(Debug, Clone, Serialize)]
pub struct ScoreFacts {
    pub model_version: String,
    pub cohort_month: NaiveDate,
    /// The month of the run that scored it.
    pub run_month: Option<NaiveDate>,
    /// `model_scores.probability`: the number the model uses, as stored.
    pub probability: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub risk_band: String,
    pub risk_band_label: String,
    /// People in the training window with the same characteristics (the leaf).
    pub comparison_n: u64,
    pub train_from: Option<NaiveDate>,
    pub train_to: Option<NaiveDate>,
    /// The rule path, one condition per item.
    pub rule: Vec<String>,
    /// Labels of the inputs the rule path looks at, and of all the model's inputs.
    pub inputs_used: Vec<String>,
    pub inputs_all: Vec<String>,
    pub accuracy: Option<Accuracy>,
    pub accuracy_guess: Option<Accuracy>,
    pub band_outcome: Option<BandOutcome>,
}

/// A judgement as the form sends it (codes as text, checked by [`Lookup::record`]).
#[derive(Debug, Clone, Default)]
pub struct JudgementForm<'a> {
    pub ticket: &'a str,
    pub own_assessment: Option<&'a str>,
    pub agreement: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub note: Option<&'a str>,
}

/// A checked judgement about one scored spell, ready to store.
#[derive(Debug, Clone)]
pub struct Judgement {
    pub person_id: String,
    pub spell_id: String,
    pub cohort_month: NaiveDate,
    pub model_version: String,
    pub model_probability: f64,
    pub model_risk_band: String,
    pub own_assessment: RiskBand,
    pub agreement: Agreement,
    pub reason: Reason,
    pub note: Option<String>,
    pub purpose: Purpose,
    /// `cockpit` (the page) or `demo` (the synthetic caseworkers).
    pub source: &'static str,
}

/// What became of a judgement form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    Stored,
    /// Not stored: the form can be corrected (the ticket stays usable).
    Refused(Problem),
    /// Not stored: the ticket is unknown, used, expired or someone else's.
    StaleTicket,
}

/// The result of a look-up with what the audit row says about it.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub answer: Answer,
    /// The audit row's detail: purpose, answer kind and the pseudonym, never the number.
    pub audit: String,
    /// This user's look-ups in the last hour reached the alarm level.
    pub alarm: bool,
}

/// The look-up service of one store.
pub struct Lookup {
    /// For building the index and writing judgements.
    conn: Mutex<Connection>,
    /// What a look-up reads; `None` until the first look-up needs it.
    index: RwLock<Option<Arc<Index>>>,
    /// One build at a time.
    building: Mutex<()>,
    pseudonymiser: Pseudonymiser,
    settings: LookupSettings,
    /// Input name -> Danish label, from the feature policy.
    input_labels: HashMap<String, String>,
    /// The risk bands' bounds (low below, high from), from the pipeline file.
    bands: (f64, f64),
    rate: Mutex<rate::Window>,
    tickets: Mutex<Tickets>,
}

impl std::fmt::Debug for Lookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lookup")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Lookup {
    /// A look-up over `store` with a connection of its own.
    pub fn open(
        store: &Store,
        pseudonymiser: Pseudonymiser,
        settings: LookupSettings,
        input_labels: HashMap<String, String>,
        bands: (f64, f64),
    ) -> Result<Lookup, LookupError> {
        Ok(Lookup {
            conn: Mutex::new(store.reader()?),
            index: RwLock::default(),
            building: Mutex::default(),
            pseudonymiser,
            settings,
            input_labels,
            bands,
            rate: Mutex::default(),
            tickets: Mutex::default(),
        })
    }

    /// The high risk band's lower bound (`[scoring] high_from`).
    pub fn high_from(&self) -> f64 {
        self.bands.1
    }

    pub fn settings(&self) -> &LookupSettings {
        &self.settings
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A poisoned lock leaves DuckDB consistent (statements are atomic).
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn current(&self) -> Option<Arc<Index>> {
        self.index.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn rebuild(&self) -> Result<Arc<Index>, LookupError> {
        let started = Instant::now();
        let built = Arc::new(index::build(
            &self.conn(),
            self.settings.closed_within_months(),
        )?);
        tracing::info!(
            citizens = built.citizens.len(),
            ms = started.elapsed().as_millis() as u64,
            "borgeropslagets indeks er bygget"
        );
        *self.index.write().unwrap_or_else(|e| e.into_inner()) = Some(built.clone());
        Ok(built)
    }

    /// The index, built now if no look-up has needed it yet. Blocking.
    pub fn index(&self) -> Result<Arc<Index>, LookupError> {
        if let Some(index) = self.current() {
            return Ok(index);
        }
        let _one = self.building.lock().unwrap_or_else(|e| e.into_inner());
        match self.current() {
            Some(index) => Ok(index),
            None => self.rebuild(),
        }
    }

    /// After a run: builds the index again if it was built (look-ups keep using the
    /// old one meanwhile); otherwise the first look-up builds it. Blocking.
    pub fn refresh(&self) -> Result<(), LookupError> {
        if self.current().is_none() {
            return Ok(());
        }
        let _one = self.building.lock().unwrap_or_else(|e| e.into_inner());
        self.rebuild().map(|_| ())
    }

    /// Looks a citizen up. Blocking (DuckDB): call it from `spawn_blocking`.
    /// `today` decides what a birth in the future is.
    pub fn find(&self, asked: Asked<'_>, today: NaiveDate) -> Result<Outcome, LookupError> {
        // Every attempt counts against the limit, a mistyped one too: the limit
        // is what stops a script from walking through the number space.
        let count = match self.rate.lock().unwrap_or_else(|e| e.into_inner()).attempt(
            asked.user,
            self.settings.per_hour(),
            Instant::now(),
        ) {
            rate::Gate::Open(n) => n,
            rate::Gate::Throttled(wait) => {
                let minutes = wait.as_secs().div_ceil(60).max(1);
                return Ok(Outcome {
                    answer: Answer::Throttled(minutes),
                    audit: format!(
                        "borgeropslag afvist: mere end {} opslag i den seneste time; ALARM: grænsen er nået",
                        self.settings.per_hour()
                    ),
                    alarm: true,
                });
            }
        };
        let alarm = count >= self.settings.alarm_per_hour();
        let alarm_note = if alarm {
            if count == self.settings.alarm_per_hour() {
                tracing::warn!(
                    user = asked.user,
                    count,
                    "usædvanligt mange borgeropslag fra én bruger"
                );
            }
            format!("; ALARM: {count} opslag i den seneste time")
        } else {
            String::new()
        };
        let refused = |p: Problem| Outcome {
            answer: Answer::Refused(p),
            audit: format!("borgeropslag afvist: {}{alarm_note}", p.code()),
            alarm,
        };
        let Some(purpose) = asked.purpose.and_then(|p| p.parse::<Purpose>().ok()) else {
            return Ok(refused(Problem::NoPurpose));
        };
        let cpr = match input::parse_cpr(asked.cpr, today) {
            Ok(cpr) => cpr,
            Err(p) => return Ok(refused(Problem::Cpr(p))),
        };
        let masked = cpr.masked();
        let key = self.pseudonymiser.key(&cpr);
        let person_id = crate::pseudonym::pseudonym_text(key);
        let audit = |kind: &str| {
            format!(
                "borgeropslag; formål: {}; svar: {kind}; borger (pseudonym): {person_id}{alarm_note}",
                purpose.as_code()
            )
        };

        let index = self.index()?;
        let (Some(data_as_of), Some(entry)) = (index.reference_date, index.citizens.get(&key))
        else {
            return Ok(Outcome {
                answer: Answer::Neutral { masked },
                audit: audit("neutralt"),
                alarm,
            });
        };
        // An objection in force hides a score made before it (#15).
        let score = entry
            .score
            .as_ref()
            .filter(|_| entry.objected_since.is_none());
        let facts = score.map(|s| self.facts(&index, s));
        let ticket = match (score, asked.with_ticket) {
            (Some(s), true) => {
                let ticket = crate::access::sessions::random_token()
                    .map_err(|e| LookupError::Random(e.to_string()))?;
                let bound = Bound {
                    user: asked.user.to_string(),
                    person_id: person_id.clone(),
                    spell_id: entry.spell_id.to_string(),
                    cohort_month: s.cohort_month,
                    model_version: s.model_version.to_string(),
                    probability: s.probability,
                    risk_band: s.risk_band.to_string(),
                    purpose,
                };
                self.tickets
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .issue(&ticket, bound, Instant::now());
                Some(ticket)
            }
            _ => None,
        };
        let vocabulary = crate::vocabulary::get();
        let found = Found {
            masked,
            purpose: purpose.label(),
            data_as_of,
            spell: Spell {
                target_group: entry.target_group.to_string(),
                target_group_label: vocabulary.label_or_code("target_group", &entry.target_group),
                start_date: entry.start_date,
                end_date: entry.end_date,
                second_interview: entry.second_interview,
                cohort_month: entry.second_interview.and_then(|d| d.with_day0(0)),
            },
            score: facts,
            objected_since: entry.objected_since,
            ticket,
        };
        Ok(Outcome {
            answer: Answer::Found(Box::new(found)),
            audit: audit(if entry.objected_since.is_some() {
                "fundet; indsigelse mod profilering"
            } else if score.is_some() {
                "fundet med score"
            } else {
                "fundet uden score"
            }),
            alarm,
        })
    }

    /// The explanation of a stored score, from the index.
    fn facts(&self, index: &Index, s: &index::Scored) -> ScoreFacts {
        let version = index.versions.get(&s.model_version);
        let leaf = version.and_then(|v| v.leaves.get(&s.leaf_id));
        let label = |name: &String| {
            self.input_labels
                .get(name)
                .cloned()
                .unwrap_or_else(|| name.clone())
        };
        let inputs = version.map(|v| v.inputs.as_slice()).unwrap_or_default();
        ScoreFacts {
            model_version: s.model_version.to_string(),
            cohort_month: s.cohort_month,
            run_month: s.run_month,
            probability: s.probability,
            ci_low: leaf.map_or(0.0, |l| l.ci_low),
            ci_high: leaf.map_or(1.0, |l| l.ci_high),
            risk_band_label: crate::vocabulary::get().label_or_code("risk_band", &s.risk_band),
            risk_band: s.risk_band.to_string(),
            comparison_n: leaf.map_or(0, |l| l.n),
            train_from: version.and_then(|v| v.train_from),
            train_to: version.and_then(|v| v.train_to),
            rule: leaf
                .map(|l| {
                    l.rule
                        .split(" og ")
                        .filter(|c| !c.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            inputs_used: leaf
                .map(|l| {
                    l.inputs_used
                        .iter()
                        .filter_map(|&i| inputs.get(i))
                        .map(label)
                        .collect()
                })
                .unwrap_or_default(),
            inputs_all: inputs.iter().map(label).collect(),
            accuracy: version.and_then(|v| v.accuracy),
            accuracy_guess: version.and_then(|v| v.accuracy_guess),
            band_outcome: index.bands.get(&s.risk_band).copied(),
        }
    }

    /// Records a judgement sent with a look-up's ticket: checked first (a
    /// correctable mistake keeps the ticket), then the ticket is used, then the
    /// row is written whole. Blocking.
    pub fn record(&self, user: &str, form: &JudgementForm<'_>) -> Result<Recorded, LookupError> {
        let own = form.own_assessment.and_then(|v| v.parse::<RiskBand>().ok());
        let agreement = form.agreement.and_then(|v| v.parse::<Agreement>().ok());
        let reason = form.reason.and_then(|v| v.parse::<Reason>().ok());
        let now = Instant::now();
        // A stale ticket is reported before the fields: a replayed or forged form
        // must not learn anything from which fields it got right.
        if self
            .tickets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .peek(form.ticket, user, now)
            .is_none()
        {
            return Ok(Recorded::StaleTicket);
        }
        let (own, agreement, reason) = match (own, agreement, reason) {
            (None, _, _) => return Ok(Recorded::Refused(Problem::NoAssessment)),
            (_, None, _) => return Ok(Recorded::Refused(Problem::NoAgreement)),
            (_, _, None) => return Ok(Recorded::Refused(Problem::NoReason)),
            (Some(o), Some(a), Some(r)) => (o, a, r),
        };
        let note = match input::check_note(form.note) {
            Ok(n) => n,
            Err(p) => return Ok(Recorded::Refused(Problem::Note(p))),
        };
        let Some(bound) =
            self.tickets
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take(form.ticket, user, now)
        else {
            return Ok(Recorded::StaleTicket);
        };
        self.store_judgement(&Judgement {
            person_id: bound.person_id,
            spell_id: bound.spell_id,
            cohort_month: bound.cohort_month,
            model_version: bound.model_version,
            model_probability: bound.probability,
            model_risk_band: bound.risk_band,
            own_assessment: own,
            agreement,
            reason,
            note,
            purpose: bound.purpose,
            source: "cockpit",
        })?;
        Ok(Recorded::Stored)
    }

    /// Writes one judgement in one statement: whole or not at all. The page's
    /// [`Lookup::record`] comes here, and so do the demo's synthetic caseworkers
    /// (through [`Lookup::store_judgements`]).
    pub fn store_judgement(&self, j: &Judgement) -> Result<(), LookupError> {
        self.store_judgements(std::slice::from_ref(j))
    }

    /// Writes judgements in one transaction: all of them or none.
    pub fn store_judgements(&self, all: &[Judgement]) -> Result<(), LookupError> {
        let recorded_at = chrono::Utc::now()
            .naive_utc()
            .format("%Y-%m-%d %H:%M:%S%.6f")
            .to_string();
        let conn = self.conn();
        conn.execute_batch("begin transaction")?;
        let written = (|| -> Result<(), LookupError> {
            let mut stmt = conn.prepare_cached(JUDGEMENT_INSERT)?;
            for j in all {
                let id = crate::access::sessions::random_token()
                    .map_err(|e| LookupError::Random(e.to_string()))?;
                stmt.execute(named_params! {
                    "judgement_id": id,
                    "recorded_at": recorded_at,
                    "person_id": j.person_id,
                    "spell_id": j.spell_id,
                    "cohort_month": j.cohort_month.to_string(),
                    "model_version": j.model_version,
                    "model_probability": j.model_probability,
                    "model_risk_band": j.model_risk_band,
                    "own_assessment": j.own_assessment.as_code(),
                    "own_probability": self.band_middle(j.own_assessment),
                    "band_high_from": self.bands.1,
                    "agreement": j.agreement.as_code(),
                    "reason": j.reason.as_code(),
                    "note": j.note,
                    "purpose": j.purpose.as_code(),
                    "source": j.source,
                })?;
            }
            Ok(())
        })();
        match written {
            Ok(()) => {
                conn.execute_batch("commit")?;
                Ok(())
            }
            Err(e) => {
                let _ = conn.execute_batch("rollback");
                Err(e)
            }
        }
    }

    /// The middle of a band's range of probabilities: what "lav", "mellem" and "høj"
    /// mean as a probability, for comparing a caseworker's Brier score with the model's.
    pub fn band_middle(&self, band: RiskBand) -> f64 {
        let (low, high) = self.bands;
        match band {
            RiskBand::Lav => low / 2.0,
            RiskBand::Mellem => (low + high) / 2.0,
            RiskBand::Hoej => (high + 1.0) / 2.0,
        }
    }
}

#[cfg(test)]
mod tests;
