//! The append-only audit log: one row per request (page view, export, login,
//! administrative action, refusal), per administrative command and per server
//! start and stop, with user, role, route, filters (the query), time and outcome.
//!
//! Rows go through a queue to one writer thread (`writer.rs`), which writes
//! whatever has queued up in one transaction. The guard waits until its row is
//! stored before the response leaves ([`AuditLog::record_stored`]), so a killed
//! server has answered no request it did not log; a stopped server stores what
//! is queued and a row saying it stopped ([`AuditLog::server_stopped`]), and the
//! next start can tell whether the previous one stopped cleanly. Anonymous
//! repeats are summed (`aggregate.rs`). Each row carries `hash = SHA-256(previous
//! hash ‖ JSON of its fields)`, so deleting or editing a row, or inserting one
//! between others, is found by [`AuditLog::verify`]; the admin page checks only
//! the rows after the last verified checkpoint (`verify.rs`).

use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use sha2::{Digest, Sha256};

use super::backend::Backend;
use super::entry::lifecycle_entry;
pub use super::entry::{
    AuditEntry, AuditStats, Outcome, Verification, GENESIS, LIFECYCLE_ACTION, LIFECYCLE_START,
    LIFECYCLE_STOP, LIFECYCLE_UNCLEAN,
};
use super::journal::{Journal, JournalError, JournalFile};
pub use super::row::AuditRow;
use super::verify;
use super::writer::{write_loop, Chain, Counters, Msg};
use super::AccessError;

/// Longest path, query or detail kept; longer values are cut (and marked).
const MAX_FIELD: usize = 1024;

fn cut(s: String) -> String {
    if s.len() <= MAX_FIELD {
        return s;
    }
    let mut end = MAX_FIELD;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

impl AuditRow {
    pub(super) fn chain(seq: i64, e: AuditEntry, prev_hash: &str) -> AuditRow {
        let mut row = AuditRow {
            seq,
            at: e.at.format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
            user: e.user,
            role: e.role.map(|r| r.as_str().to_string()),
            client: e.client,
            method: e.method,
            route: e.route,
            path: cut(e.path),
            query: e.query.map(cut),
            action: e.action,
            outcome: e.outcome.as_str().to_string(),
            status: i32::from(e.status),
            detail: e.detail.map(cut),
            prev_hash: prev_hash.to_string(),
            hash: String::new(),
        };
        row.hash = row.expected_hash();
        row
    }

    /// The hash this row must carry, given its fields and `prev_hash`.
    pub fn expected_hash(&self) -> String {
        let fields = serde_json::json!([
            self.seq,
            self.at,
            self.user,
            self.role,
            self.client,
            self.method,
            self.route,
            self.path,
            self.query,
            self.action,
            self.outcome,
            self.status,
            self.detail,
        ]);
        let mut h = Sha256::new();
        h.update(self.prev_hash.as_bytes());
        h.update(fields.to_string().as_bytes());
        hex::encode(h.finalize())
    }
}

/// What the log can tell about how the previous server stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UncleanStop {
    /// When the server that did not stop cleanly was started (UTC).
    pub started_at: String,
    /// The last row it wrote, and when.
    pub last_seq: i64,
    pub last_at: String,
    /// Rows that were in the journal but not yet in the store, written at this start.
    pub recovered: usize,
}

impl UncleanStop {
    /// What the next start says, on the terminal and in the log.
    pub fn message(&self) -> String {
        format!(
            "Den forrige server (startet {} UTC) stoppede uden at lukke ned (fx SIGKILL, nedbrud eller strømsvigt). \
             Revisionsloggens seneste række er nr. {} fra {} UTC. Hver besvaret forespørgsel blev skrevet, før svaret \
             blev sendt, så kun forespørgsler, der ikke nåede at blive besvaret, kan mangle, og de anonyme gentagelser, \
             der var talt, men endnu ikke skrevet (højst det sidste minuts optælling).{}",
            self.started_at,
            self.last_seq,
            self.last_at,
            match self.recovered {
                0 => String::new(),
                n => format!(
                    " {n} af rækkerne lå i revisionsjournalen og er skrevet i databasen ved denne start."
                ),
            }
        )
    }
}

/// The audit log: a queue to the writer thread, and reads through the backend.
pub struct AuditLog {
    backend: Arc<dyn Backend>,
    tx: Mutex<Option<Sender<Msg>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    counters: Arc<Counters>,
    /// Found at open; reported (and taken) by [`AuditLog::server_started`].
    previous: Mutex<Option<UncleanStop>>,
}

impl AuditLog {
    /// Starts the writer after the last stored row. Anonymous requests beyond
    /// `distinct_per_client` distinct ones a minute are summed (`aggregate.rs`).
    /// With a `journal`, a request waits only until its row is in the journal;
    /// rows the store lacks from a previous server are written to it first.
    pub fn start(
        backend: Arc<dyn Backend>,
        distinct_per_client: usize,
        journal: Option<JournalFile>,
    ) -> Result<AuditLog, AccessError> {
        let (journal, recovered) = match journal {
            Some(file) => {
                let (journal, recovered) = open_journal(&*backend, file)?;
                (Some(journal), recovered)
            }
            None => (None, 0),
        };
        let last = backend.last_audit()?;
        let previous = match backend.last_lifecycle()? {
            Some(row) if row.path == LIFECYCLE_START => {
                let (last_seq, last_at) = match last.as_ref() {
                    Some((seq, _)) => (
                        *seq,
                        backend.audit_row(*seq)?.map(|r| r.at).unwrap_or_default(),
                    ),
                    None => (0, String::new()),
                };
                Some(UncleanStop {
                    started_at: row.at,
                    last_seq,
                    last_at,
                    recovered,
                })
            }
            _ => None,
        };
        let (seq, hash) = last.unwrap_or_else(|| (0, GENESIS.to_string()));
        let (tx, rx) = mpsc::channel();
        let writer_backend = backend.clone();
        let counters = Arc::new(Counters::default());
        let writer_counters = counters.clone();
        let writer = std::thread::Builder::new()
            .name("audit-writer".into())
            .spawn(move || {
                write_loop(
                    writer_backend,
                    rx,
                    Chain::new(seq, hash),
                    writer_counters,
                    distinct_per_client,
                    journal,
                )
            })
            .map_err(|e| AccessError::AuditStopped(e.to_string()))?;
        Ok(AuditLog {
            backend,
            tx: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
            counters,
            previous: Mutex::new(previous),
        })
    }

    fn send(&self, msg: Msg) -> bool {
        self.tx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .is_some_and(|tx| tx.send(msg).is_ok())
    }

    /// Queues an entry; never blocks on the store.
    pub fn record(&self, entry: AuditEntry) {
        if !self.send(Msg::Entry(Box::new(entry), None)) {
            tracing::error!("revisionsloggen er stoppet; en hændelse kunne ikke skrives");
        }
    }

    /// Queues an entry; the receiver answers `true` once it is stored (or, for
    /// an anonymous repeat, counted), `false` or an error if it could not be.
    /// The guard waits for it before the response leaves, so a crash can only
    /// lose the rows of requests that were never answered.
    pub fn record_stored(&self, entry: AuditEntry) -> tokio::sync::oneshot::Receiver<bool> {
        let (done, stored) = tokio::sync::oneshot::channel();
        if !self.send(Msg::Entry(Box::new(entry), Some(done))) {
            tracing::error!("revisionsloggen er stoppet; en hændelse kunne ikke skrives");
        }
        stored
    }

    /// Waits until every entry recorded before this call is stored. Blocking.
    pub fn flush(&self) -> Result<(), AccessError> {
        let (done_tx, done_rx) = mpsc::channel();
        if !self.send(Msg::Flush(done_tx)) {
            return Err(AccessError::AuditStopped("skriveren kører ikke".into()));
        }
        match done_rx.recv() {
            Ok(true) => Ok(()),
            Ok(false) => Err(AccessError::AuditStopped(
                "hændelser venter på at blive skrevet (se loggen)".into(),
            )),
            Err(_) => Err(AccessError::AuditStopped("skriveren stoppede".into())),
        }
    }

    /// How the previous server stopped, if it did not stop cleanly (found when
    /// the log was opened).
    pub fn previous_unclean_stop(&self) -> Option<UncleanStop> {
        self.previous
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Records that a server starts on this log, and first, if the previous one
    /// did not stop cleanly, that too. Returns the message about the previous
    /// server, once. Blocking (waits for the rows to be stored).
    pub fn server_started(&self) -> Result<Option<String>, AccessError> {
        let previous = self
            .previous
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let message = previous.as_ref().map(UncleanStop::message);
        if let Some(m) = &message {
            self.record(lifecycle_entry(LIFECYCLE_UNCLEAN, m.clone()));
        }
        self.record(lifecycle_entry(
            LIFECYCLE_START,
            format!(
                "server startet (proces {}, jobcockpit {})",
                std::process::id(),
                env!("CARGO_PKG_VERSION")
            ),
        ));
        self.flush()?;
        Ok(message)
    }

    /// Writes what is counted and a row saying the server stopped cleanly, and
    /// waits until it is stored. Blocking.
    pub fn server_stopped(&self) -> Result<(), AccessError> {
        let (done_tx, done_rx) = mpsc::channel();
        if !self.send(Msg::Stop(done_tx)) {
            return Err(AccessError::AuditStopped("skriveren kører ikke".into()));
        }
        match done_rx.recv() {
            Ok(true) => Ok(()),
            _ => Err(AccessError::AuditStopped(
                "stoprækken kunne ikke skrives".into(),
            )),
        }
    }

    /// Stores everything queued and stops the writer; later entries are refused.
    /// Blocking. Also done on drop.
    pub fn close(&self) {
        // Closing the queue lets the writer store what is left and stop.
        self.tx.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(h) = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = h.join();
        }
    }

    /// Counts since the log was opened.
    pub fn stats(&self) -> AuditStats {
        self.counters.snapshot()
    }

    /// The newest `limit` rows (of one user, or everyone's), newest first.
    pub fn recent(&self, user: Option<&str>, limit: usize) -> Result<Vec<AuditRow>, AccessError> {
        self.page(user, None, limit)
    }

    /// One page, newest first: `limit` rows numbered below `before` (or the newest).
    pub fn page(
        &self,
        user: Option<&str>,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<AuditRow>, AccessError> {
        self.flush()?;
        self.backend.audit_page(user, before, limit)
    }

    /// How many rows the log holds.
    pub fn count(&self) -> Result<i64, AccessError> {
        self.flush()?;
        Ok(self.backend.audit_count()?.0)
    }

    /// Every row (of one user, or everyone's), oldest first, handed to `f`.
    pub fn for_each(
        &self,
        user: Option<&str>,
        f: &mut dyn FnMut(AuditRow) -> Result<(), AccessError>,
    ) -> Result<(), AccessError> {
        self.flush()?;
        self.backend.each_audit(user, f)
    }

    /// Recomputes the whole chain from the first row, and records the result as
    /// a checkpoint if it is intact.
    pub fn verify(&self) -> Result<Verification, AccessError> {
        self.flush()?;
        let last_full = self.backend.last_checkpoint()?.and_then(|c| c.full_at);
        verify::check(&*self.backend, None, last_full)
    }

    /// Checks the rows written since the last verified checkpoint (and that the
    /// checkpoint's row is still the row that was verified); from the first row
    /// when there is none. A change to a row before the checkpoint is found by
    /// [`AuditLog::verify`], the full check.
    pub fn verify_since_checkpoint(&self) -> Result<Verification, AccessError> {
        self.flush()?;
        let checkpoint = self.backend.last_checkpoint()?;
        let last_full = checkpoint.as_ref().and_then(|c| c.full_at.clone());
        verify::check(&*self.backend, checkpoint.as_ref(), last_full)
    }

    /// The rows as CSV (`;`, UTF-8 with BOM, as Danish Excel opens it). A cell that
    /// a spreadsheet would run as a formula gets a leading `'`.
    pub fn csv(&self, user: Option<&str>) -> Result<Vec<u8>, AccessError> {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(b"\xEF\xBB\xBF".to_vec());
        let csv_err = |e: csv::Error| AccessError::AuditStopped(e.to_string());
        w.write_record([
            "løbenummer",
            "tidspunkt (UTC)",
            "bruger",
            "rolle",
            "klient",
            "metode",
            "rute",
            "sti",
            "forespørgsel",
            "handling",
            "udfald",
            "status",
            "detalje",
            "forrige hash",
            "hash",
        ])
        .map_err(csv_err)?;
        self.for_each(user, &mut |r| {
            let opt = |o: &Option<String>| o.clone().unwrap_or_default();
            let cells = [
                r.seq.to_string(),
                r.at.clone(),
                opt(&r.user),
                opt(&r.role),
                opt(&r.client),
                r.method.clone(),
                opt(&r.route),
                r.path.clone(),
                opt(&r.query),
                r.action.clone(),
                r.outcome.clone(),
                r.status.to_string(),
                opt(&r.detail),
                r.prev_hash.clone(),
                r.hash.clone(),
            ];
            w.write_record(cells.iter().map(|c| defuse(c).into_owned()))
                .map_err(csv_err)
        })?;
        w.into_inner()
            .map_err(|e| AccessError::AuditStopped(e.to_string()))
    }
}

/// Neutralises text a spreadsheet would treat as a formula.
/// Opens the journal and writes to the store the rows it lacks (those after its
/// last row, continuing its chain). A journal that does not open with the key or
/// does not continue the store's chain is moved aside, never written to the
/// store, and said in the server log. Returns the journal and how many rows came
/// from it.
fn open_journal(backend: &dyn Backend, file: JournalFile) -> Result<(Journal, usize), AccessError> {
    let path = file.path.clone();
    let key = file.key.clone();
    let refuse = |why: String| -> Result<(Journal, usize), AccessError> {
        let aside = Journal::set_aside(&path).map_err(journal_error)?;
        tracing::error!(journal = %aside.display(), "{why}; filen er lagt til side, og en ny revisionsjournal er startet");
        let (journal, _) = Journal::open(JournalFile {
            path: path.clone(),
            key: key.clone(),
        })
        .map_err(journal_error)?;
        Ok((journal, 0))
    };
    let (mut journal, rows) = match Journal::open(file) {
        Ok(opened) => opened,
        Err(e @ (JournalError::Sealed { .. } | JournalError::Garbled { .. })) => {
            return refuse(e.to_string())
        }
        Err(e) => return Err(journal_error(e)),
    };
    let (last_seq, last_hash) = backend
        .last_audit()?
        .unwrap_or_else(|| (0, GENESIS.to_string()));
    let missing: Vec<AuditRow> = rows.into_iter().filter(|r| r.seq > last_seq).collect();
    if let Some(first) = missing.first() {
        let continues = first.seq == last_seq + 1
            && first.prev_hash == last_hash
            && missing
                .windows(2)
                .all(|w| w[1].seq == w[0].seq + 1 && w[1].prev_hash == w[0].hash)
            && missing.iter().all(|r| r.hash == r.expected_hash());
        if !continues {
            drop(journal);
            return refuse(format!(
                "revisionsjournalen {} fortsætter ikke databasens kæde (sidste række {last_seq})",
                path.display()
            ));
        }
        backend.append_audit(&missing)?;
        tracing::warn!(
            rows = missing.len(),
            "revisionsrækker fra journalen er skrevet i databasen efter et stop uden oprydning"
        );
    }
    journal.clear().map_err(journal_error)?;
    Ok((journal, missing.len()))
}

fn journal_error(e: JournalError) -> AccessError {
    AccessError::AuditStopped(e.to_string())
}

pub fn defuse(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

impl Drop for AuditLog {
    fn drop(&mut self) {
        self.close();
    }
}
