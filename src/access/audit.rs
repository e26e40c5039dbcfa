//! The append-only audit log: one row per request (page view, export, login,
//! administrative action, refusal) and per administrative command, with user, role,
//! route, filters (the query), time and outcome.
//!
//! Requests never wait for the store: [`AuditLog::record`] hands the entry to one
//! writer thread, which writes whatever has queued up in one transaction. Each row
//! carries `hash = SHA-256(previous hash ‖ JSON of its fields)`, so deleting or
//! editing a row, or inserting one between others, is found by [`AuditLog::verify`].

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::backend::Backend;
use super::roles::Role;
pub use super::row::AuditRow;
use super::AccessError;

/// The hash before the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Longest path, query or detail kept; longer values are cut (and marked).
const MAX_FIELD: usize = 1024;
/// Rows written per transaction at most.
const MAX_BATCH: usize = 2000;

/// What happened, as a request or command reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub user: Option<String>,
    pub role: Option<Role>,
    pub client: Option<String>,
    pub method: String,
    /// The route table's pattern, e.g. `/d/{slug}`; `None` when no route matched.
    pub route: Option<String>,
    pub path: String,
    pub query: Option<String>,
    /// visning, eksport, administration, login, logout, kørsel, statisk, sundhed.
    pub action: String,
    pub outcome: Outcome,
    /// The HTTP status; 0 for a command-line action.
    pub status: u16,
    pub detail: Option<String>,
}

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Allowed,
    Refused,
    NotFound,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "tilladt",
            Outcome::Refused => "afvist",
            Outcome::NotFound => "ikke fundet",
            Outcome::Failed => "fejl",
        }
    }

    /// The outcome an HTTP status means.
    pub fn of_status(status: u16) -> Outcome {
        match status {
            400 | 401 | 403 | 405 | 413 | 415 | 429 => Outcome::Refused,
            404 => Outcome::NotFound,
            s if s >= 500 => Outcome::Failed,
            _ => Outcome::Allowed,
        }
    }
}

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
    fn chain(seq: i64, e: AuditEntry, prev_hash: &str) -> AuditRow {
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

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub rows: u64,
    /// The first row whose number, link or hash is wrong.
    pub broken_at: Option<i64>,
}

enum Msg {
    Entry(Box<AuditEntry>),
    /// Answered with whether everything queued before it is stored.
    Flush(Sender<bool>),
}

/// The audit log: a queue to the writer thread, and reads through the backend.
pub struct AuditLog {
    backend: Arc<dyn Backend>,
    tx: Mutex<Option<Sender<Msg>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

impl AuditLog {
    /// Starts the writer after the last stored row.
    pub fn start(backend: Arc<dyn Backend>) -> Result<AuditLog, AccessError> {
        let (seq, hash) = backend
            .last_audit()?
            .unwrap_or_else(|| (0, GENESIS.to_string()));
        let (tx, rx) = mpsc::channel();
        let writer_backend = backend.clone();
        let writer = std::thread::Builder::new()
            .name("audit-writer".into())
            .spawn(move || write_loop(&*writer_backend, rx, seq, hash))
            .map_err(|e| AccessError::AuditStopped(e.to_string()))?;
        Ok(AuditLog {
            backend,
            tx: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
        })
    }

    /// Queues an entry; never blocks on the store.
    pub fn record(&self, entry: AuditEntry) {
        let sent = self
            .tx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|tx| tx.send(Msg::Entry(Box::new(entry))).is_ok());
        if sent != Some(true) {
            tracing::error!("revisionsloggen er stoppet; en hændelse kunne ikke skrives");
        }
    }

    /// Waits until every entry recorded before this call is stored. Blocking.
    pub fn flush(&self) -> Result<(), AccessError> {
        let (done_tx, done_rx) = mpsc::channel();
        let sent = self
            .tx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|tx| tx.send(Msg::Flush(done_tx)).is_ok());
        if sent != Some(true) {
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

    /// The newest `limit` rows (of one user, or everyone's), newest first.
    pub fn recent(&self, user: Option<&str>, limit: usize) -> Result<Vec<AuditRow>, AccessError> {
        self.flush()?;
        self.backend.recent_audit(user, limit)
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

    /// Recomputes the whole chain.
    pub fn verify(&self) -> Result<Verification, AccessError> {
        let mut v = Verification {
            rows: 0,
            broken_at: None,
        };
        let mut prev = GENESIS.to_string();
        let mut expected_seq = 1;
        self.for_each(None, &mut |row| {
            v.rows += 1;
            if v.broken_at.is_none()
                && (row.seq != expected_seq
                    || row.prev_hash != prev
                    || row.hash != row.expected_hash())
            {
                v.broken_at = Some(row.seq);
            }
            expected_seq = row.seq + 1;
            prev = row.hash;
            Ok(())
        })?;
        Ok(v)
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
pub fn defuse(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

impl Drop for AuditLog {
    fn drop(&mut self) {
        // Closing the queue lets the writer store what is left and stop.
        self.tx.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(h) = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = h.join();
        }
    }
}

/// The chain state of the writer.
struct Chain {
    seq: i64,
    last_hash: String,
}

impl Chain {
    /// Chains and stores `pending` in one transaction; on success empties it.
    fn store(&mut self, backend: &dyn Backend, pending: &mut Vec<AuditEntry>) -> bool {
        if pending.is_empty() {
            return true;
        }
        let mut prev = self.last_hash.clone();
        let rows: Vec<AuditRow> = pending
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let row = AuditRow::chain(self.seq + 1 + i as i64, e.clone(), &prev);
                prev = row.hash.clone();
                row
            })
            .collect();
        match backend.append_audit(&rows) {
            Ok(()) => {
                self.seq += rows.len() as i64;
                self.last_hash = prev;
                pending.clear();
                true
            }
            Err(e) => {
                // The entries stay queued and are tried again with the next batch;
                // the chain only advances once they are stored.
                tracing::error!(error = %e, rows = rows.len(), "revisionsloggen kunne ikke skrives");
                false
            }
        }
    }
}

fn write_loop(backend: &dyn Backend, rx: Receiver<Msg>, seq: i64, last_hash: String) {
    let mut chain = Chain { seq, last_hash };
    let mut pending: Vec<AuditEntry> = Vec::new();
    let mut waiting: Vec<Sender<bool>> = Vec::new();
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        while let Some(m) = next.take() {
            match m {
                Msg::Entry(e) => pending.push(*e),
                Msg::Flush(done) => waiting.push(done),
            }
            if pending.len() < MAX_BATCH {
                next = rx.try_recv().ok();
            }
        }
        let mut stored = chain.store(backend, &mut pending);
        for _ in 0..3 {
            if stored {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
            stored = chain.store(backend, &mut pending);
        }
        for done in waiting.drain(..) {
            let _ = done.send(stored);
        }
    }
    // The queue is closed: store what is left.
    chain.store(backend, &mut pending);
}
