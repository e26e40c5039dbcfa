//! `jobcockpit borger …`: the citizen's rights from the server's command line, run
//! by an authorised person while the server is stopped (DuckDB lets one process
//! write the store). The CPR number is read from the terminal without echo, or as
//! one line from stdin, never from the arguments (which land in shell history and
//! the process list). Every action, refused or done, is a row in the audit log;
//! an erasure's row does not name the citizen.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Subcommand;

use super::objection::Event;
use super::{erasure, insight, letter, objection, CitizenError, Refusal, Subject};
use crate::access::{Access, AuditEntry, Outcome};
use crate::config::CitizenSettings;
use crate::pseudonym::Pseudonymiser;
use crate::store::Store;

/// The `borger` verbs.
#[derive(Debug, Subcommand)]
pub enum BorgerCommand {
    /// Indsigt: alt, hvad Jobcockpit har om én borger, som PDF (til borgeren), JSON og CSV.
    /// CPR-nummeret læses fra terminalen (uden ekko) eller som én linje fra stdin.
    Indsigt {
        /// Mappen, filerne skrives i (indsigt.pdf, indsigt.json, indsigt.csv).
        #[arg(long)]
        ud: PathBuf,
        /// Formålet: indsigt_art15, dataportabilitet_art20, partsindsigt, aktindsigt eller forklaring_ai_art86.
        #[arg(long)]
        formaal: String,
    },
    /// Registrerer borgerens indsigelse mod profilering: hun scores ikke fra næste kørsel.
    Indsigelse {
        /// Den retlige grund: indsigelse_art21 eller begraensning_art18.
        #[arg(long)]
        grund: String,
        /// Virkningsdato (ÅÅÅÅ-MM-DD); standard: i dag.
        #[arg(long)]
        fra: Option<NaiveDate>,
    },
    /// Ophæver en indsigelse mod profilering.
    OphaevIndsigelse {
        /// Grunden: ophaevet_borger eller ophaevet_afgoerelse.
        #[arg(long)]
        grund: String,
        /// Virkningsdato (ÅÅÅÅ-MM-DD); standard: i dag.
        #[arg(long)]
        fra: Option<NaiveDate>,
    },
    /// Sletter alle rækker om én borger på et dokumenteret grundlag; registreres uden borgerens identitet.
    Slet {
        /// Grundlaget: fejlleveret, sletning_art17 eller afgoerelse.
        #[arg(long)]
        grundlag: String,
    },
}

impl BorgerCommand {
    fn verb(&self) -> &'static str {
        match self {
            BorgerCommand::Indsigt { .. } => "indsigt",
            BorgerCommand::Indsigelse { .. } => "indsigelse",
            BorgerCommand::OphaevIndsigelse { .. } => "ophaev-indsigelse",
            BorgerCommand::Slet { .. } => "slet",
        }
    }
}

/// What the command needs of the application.
pub struct Parts<'a> {
    pub store: &'a Store,
    pub pseudonymiser: &'a Pseudonymiser,
    pub access: &'a Access,
    pub settings: &'a CitizenSettings,
}

/// Reads the CPR number: without echo on a terminal, else one line of stdin.
pub fn read_cpr() -> Result<String, CitizenError> {
    if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Borgerens CPR-nummer (vises ikke): ")
            .map_err(CitizenError::ReadCpr)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(CitizenError::ReadCpr)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

/// Runs one verb with the CPR number as typed; returns what to print.
pub fn run(parts: &Parts<'_>, cmd: BorgerCommand, typed_cpr: &str) -> Result<String, CitizenError> {
    let verb = cmd.verb();
    let today = chrono::Local::now().date_naive();
    let (result, detail) = carry_out(parts, cmd, typed_cpr, today);
    let os_user = std::env::var("USER").unwrap_or_else(|_| "ukendt".into());
    parts.access.audit().record(AuditEntry {
        at: chrono::Utc::now(),
        user: None,
        role: None,
        client: Some(format!("kommandolinje ({os_user})")),
        method: "CLI".into(),
        route: Some(format!("jobcockpit borger {verb}")),
        path: format!("jobcockpit borger {verb}"),
        query: None,
        action: if verb == "indsigt" {
            "eksport".into()
        } else {
            "administration".into()
        },
        outcome: match &result {
            Ok(_) => Outcome::Allowed,
            Err(CitizenError::Refused(_)) => Outcome::Refused,
            Err(_) => Outcome::Failed,
        },
        status: 0,
        detail: Some(detail),
    });
    parts.access.audit().flush()?;
    result
}

/// Does the work; returns the result and the audit row's detail (a pseudonym at
/// most, never the number; for an erasure not even that).
fn carry_out(
    parts: &Parts<'_>,
    cmd: BorgerCommand,
    typed_cpr: &str,
    today: NaiveDate,
) -> (Result<String, CitizenError>, String) {
    let verb = cmd.verb();
    let refused = |r: Refusal, what: &str| {
        let detail = format!("{what} afvist: {}", r.code());
        (Err(CitizenError::Refused(r)), detail)
    };
    let subject = match Subject::from_typed(parts.pseudonymiser, typed_cpr, today) {
        Ok(s) => s,
        Err(r) => return refused(r, verb),
    };
    let conn = parts.store.lock();
    match cmd {
        BorgerCommand::Indsigt { ud, formaal } => {
            let purpose = match super::code_of("insight_purpose", "formål", &formaal) {
                Ok(p) => p,
                Err(r) => return refused(r, "indsigt"),
            };
            let detail = |kind: &str| {
                format!(
                    "indsigt; formål: {purpose}; svar: {kind}; borger (pseudonym): {}",
                    subject.person_id
                )
            };
            let done = (|| {
                let found = insight::gather(&conn, &subject, parts.settings.show_employee_names())?;
                let pdf = letter::render(&found, parts.settings)?;
                let files = insight::write_files(&ud, &found, &pdf)?;
                Ok::<_, CitizenError>((found.kendt, files))
            })();
            match done {
                Ok((known, files)) => {
                    let list = files
                        .iter()
                        .map(|f| f.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ");
                    let text = if known {
                        format!("Indsigt for {} skrevet: {list}", subject.masked)
                    } else {
                        format!(
                            "Ingen oplysninger om {} i Jobcockpit; brevet, der siger det, er skrevet: {list}",
                            subject.masked
                        )
                    };
                    (
                        Ok(text),
                        detail(if known {
                            "oplysninger fundet"
                        } else {
                            "ingen oplysninger"
                        }),
                    )
                }
                Err(e) => (Err(e), detail("fejl")),
            }
        }
        BorgerCommand::Indsigelse { grund, fra }
        | BorgerCommand::OphaevIndsigelse { grund, fra } => {
            let event = if verb == "indsigelse" {
                Event::Mark
            } else {
                Event::Lift
            };
            let effective = fra.unwrap_or(today);
            match objection::record(&conn, &subject.person_id, event, effective, &grund) {
                Ok(Ok(())) => (
                    Ok(match event {
                        Event::Mark => format!(
                            "Indsigelse mod profilering registreret for {} med virkning fra {effective}: borgeren scores ikke fra næste kørsel og indgår ikke i træningen.",
                            subject.masked
                        ),
                        Event::Lift => format!(
                            "Indsigelsen mod profilering for {} er ophævet med virkning fra {effective}.",
                            subject.masked
                        ),
                    }),
                    format!(
                        "{}; grund: {grund}; virkning fra {effective}; borger (pseudonym): {}",
                        match event {
                            Event::Mark => "indsigelse mod profilering registreret",
                            Event::Lift => "indsigelse mod profilering ophævet",
                        },
                        subject.person_id
                    ),
                ),
                Ok(Err(r)) => refused(r, verb),
                Err(e) => (Err(e), format!("{verb} fejlede")),
            }
        }
        BorgerCommand::Slet { grundlag } => {
            match erasure::erase(&conn, &subject.person_id, &grundlag) {
                Ok(Ok(erased)) => (
                    Ok(format!(
                        "Alle oplysninger om {} er slettet ({} rækker); sletningen er registreret uden borgerens identitet.",
                        subject.masked,
                        erased.total()
                    )),
                    // No pseudonym: the log must not keep who was erased.
                    format!("sletning af én borger; grundlag: {grundlag}; {} rækker", erased.total()),
                ),
                Ok(Err(r)) => refused(r, "sletning"),
                Err(e) => (Err(e), "sletning fejlede".into()),
            }
        }
    }
}
