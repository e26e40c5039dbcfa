//! The insight export as the page of the role `jura` serves it (`web::jura`): a
//! connection of its own to the store (the pipeline holds the main one for a whole
//! run), the pseudonymisation key, and the settings. The page sends the number,
//! the purpose and the format; the answer is the file, or a refusal the page
//! shows; either way, the detail for the request's audit row (purpose, kind of
//! answer, the pseudonym; never the number).

use std::sync::Mutex;

use chrono::NaiveDate;
use duckdb::Connection;

use super::{code_of, insight, letter, CitizenError, Refusal, Subject};
use crate::config::CitizenSettings;
use crate::pseudonym::Pseudonymiser;
use crate::store::Store;

/// A file the page sends.
#[derive(Debug, Clone)]
pub struct File {
    pub name: &'static str,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// What an export request became, with the audit row's detail.
#[derive(Debug, Clone)]
pub enum Exported {
    File { file: File, audit: String },
    Refused { refusal: Refusal, audit: String },
}

/// The format a page asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pdf,
    Json,
    Csv,
}

impl Format {
    pub fn parse(code: Option<&str>) -> Option<Format> {
        match code {
            Some("pdf") => Some(Format::Pdf),
            Some("json") => Some(Format::Json),
            Some("csv") => Some(Format::Csv),
            _ => None,
        }
    }
}

/// The export service of one store.
pub struct Insights {
    conn: Mutex<Connection>,
    pseudonymiser: Pseudonymiser,
    settings: CitizenSettings,
}

impl std::fmt::Debug for Insights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Insights").finish_non_exhaustive()
    }
}

impl Insights {
    pub fn open(
        store: &Store,
        pseudonymiser: Pseudonymiser,
        settings: CitizenSettings,
    ) -> Result<Insights, CitizenError> {
        Ok(Insights {
            conn: Mutex::new(store.reader()?),
            pseudonymiser,
            settings,
        })
    }

    /// One export. Blocking (DuckDB): call it from `spawn_blocking`.
    pub fn export(
        &self,
        typed_cpr: &str,
        purpose: Option<&str>,
        format: Option<&str>,
        today: NaiveDate,
    ) -> Result<Exported, CitizenError> {
        let refused = |refusal: Refusal| Exported::Refused {
            audit: format!("indsigt afvist: {}", refusal.code()),
            refusal,
        };
        let purpose = match code_of("insight_purpose", "formål", purpose.unwrap_or("")) {
            Ok(p) => p,
            Err(r) => return Ok(refused(r)),
        };
        let Some(format) = Format::parse(format) else {
            return Ok(refused(Refusal::UnknownCode {
                what: "format",
                code: format.unwrap_or("").to_string(),
                known: "pdf, json, csv".into(),
            }));
        };
        let subject = match Subject::from_typed(&self.pseudonymiser, typed_cpr, today) {
            Ok(s) => s,
            Err(r) => return Ok(refused(r)),
        };
        let found = {
            let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
            insight::gather(&conn, &subject, self.settings.show_employee_names())?
        };
        let file = match format {
            Format::Pdf => File {
                name: "indsigt.pdf",
                content_type: "application/pdf",
                bytes: letter::render(&found, &self.settings)?,
            },
            Format::Json => File {
                name: "indsigt.json",
                content_type: "application/json",
                bytes: serde_json::to_vec_pretty(&found)?,
            },
            Format::Csv => File {
                name: "indsigt.csv",
                content_type: "text/csv; charset=utf-8",
                bytes: insight::to_csv(&found)?,
            },
        };
        Ok(Exported::File {
            file,
            audit: format!(
                "indsigt; formål: {purpose}; svar: {}; borger (pseudonym): {}",
                if found.kendt {
                    "oplysninger fundet"
                } else {
                    "ingen oplysninger"
                },
                subject.person_id
            ),
        })
    }
}
