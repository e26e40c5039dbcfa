//! The citizen's rights (#15): what an authorised person can do for one citizen on
//! her request or on a legal basis. The CPR number is typed (a prompt or stdin on
//! the command line, a form field on the page of the role `jura`), checked with the
//! look-up's named problems (`lookup::input`) and pseudonymised at once; the number
//! itself is never stored, logged or passed to the store.
//!
//! - `insight`: everything held about the pseudonym, as JSON and CSV (art. 15, 20);
//! - `letter`: the same as a Danish PDF a citizen can read (art. 15(1)(h), AI Act
//!   art. 86), texts in `reports/indsigt.da.toml`;
//! - `objection`: the "ingen profilering" mark and its lifting (art. 21);
//! - `erasure`: every row of one pseudonym removed on a documented basis (art. 17),
//!   recorded without the identity;
//! - `command`: `jobcockpit borger ...`, each action audited;
//! - `service`: the export as the page of the role `jura` asks for it (`web::jura`).
//!
//! Storage limitation (the deletion of old rows by every run) is `crate::retention`;
//! both delete through the one list of tables with a pseudonym there.

pub mod command;
pub mod erasure;
pub mod insight;
pub mod letter;
pub mod objection;
pub mod service;

use chrono::NaiveDate;

use crate::lookup::input::{parse_cpr, CprProblem};
use crate::pseudonym::Pseudonymiser;

/// Errors of the citizen's rights: store, files, rendering. None carries a CPR number.
#[derive(Debug, thiserror::Error)]
pub enum CitizenError {
    #[error("databasefejl: {0}")]
    Db(#[from] duckdb::Error),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Retention(#[from] crate::retention::RetentionError),
    #[error("indsigtens PDF kunne ikke dannes: {0}")]
    Pdf(#[from] crate::report::ReportError),
    #[error("kunne ikke skrive {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("en række kunne ikke læses som JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("CSV-filen kunne ikke skrives: {0}")]
    Csv(#[from] csv::Error),
    #[error("tilfældighedskilden svigtede: {0}")]
    Random(String),
    #[error("CPR-nummeret kunne ikke læses: {0}")]
    ReadCpr(std::io::Error),
    #[error(transparent)]
    Access(#[from] crate::access::AccessError),
    /// The request cannot be carried out as asked (audited as refused).
    #[error(transparent)]
    Refused(#[from] Refusal),
}

/// Why a request about a citizen is refused as asked; the text is the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(transparent)]
    Cpr(#[from] CprProblem),
    #[error("Der er ingen oplysninger om en borger med dette CPR-nummer i Jobcockpit; der er intet at {0}.")]
    Unknown(&'static str),
    #[error("Ukendt {what} '{code}'. Brug en af: {known}.")]
    UnknownCode {
        what: &'static str,
        code: String,
        known: String,
    },
    #[error("Borgeren har allerede en indsigelse mod profilering med virkning fra {0}.")]
    AlreadyObjected(NaiveDate),
    #[error("Borgeren har ingen indsigelse mod profilering, der kan ophæves.")]
    NoObjection,
}

impl Refusal {
    /// A short code for the audit log (never the value typed).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Cpr(_) => "CPR ugyldigt",
            Refusal::Unknown(_) => "ingen oplysninger",
            Refusal::UnknownCode { .. } => "ukendt kode",
            Refusal::AlreadyObjected(_) => "indsigelse findes allerede",
            Refusal::NoObjection => "ingen indsigelse",
        }
    }
}

/// The citizen a request is about: her pseudonym and the masked number.
#[derive(Clone, PartialEq, Eq)]
pub struct Subject {
    pub person_id: String,
    pub masked: String,
}

impl std::fmt::Debug for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subject")
            .field("masked", &self.masked)
            .finish_non_exhaustive()
    }
}

impl Subject {
    /// Checks a typed CPR number and pseudonymises it; the number is dropped here.
    pub fn from_typed(
        pseudonymiser: &Pseudonymiser,
        typed: &str,
        today: NaiveDate,
    ) -> Result<Subject, Refusal> {
        let cpr = parse_cpr(typed, today)?;
        Ok(Subject {
            person_id: pseudonymiser.pseudonym(&cpr),
            masked: cpr.masked(),
        })
    }
}

/// A code of a vocabulary set, checked: the code itself, or a refusal listing the known ones.
pub fn code_of(set: &str, what: &'static str, code: &str) -> Result<String, Refusal> {
    let vocabulary = crate::vocabulary::get();
    let known = vocabulary
        .set(set)
        .map(|s| s.codes().map(str::to_string).collect::<Vec<_>>())
        .unwrap_or_default();
    if known.iter().any(|k| k == code) {
        Ok(code.to_string())
    } else {
        Err(Refusal::UnknownCode {
            what,
            code: code.to_string(),
            known: known.join(", "),
        })
    }
}

/// Whether the store holds any delivered row of the pseudonym.
pub fn is_known(conn: &duckdb::Connection, person_id: &str) -> Result<bool, CitizenError> {
    Ok(conn.query_row(
        include_str!("../../sql/citizen/known.sql"),
        duckdb::named_params! { "person": person_id },
        |r| r.get(0),
    )?)
}

/// Now in UTC as the store writes timestamps.
fn now_text() -> String {
    chrono::Utc::now()
        .naive_utc()
        .format("%Y-%m-%d %H:%M:%S%.6f")
        .to_string()
}
