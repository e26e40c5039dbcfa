//! The audit log's writer: one thread takes entries from the queue, sums
//! anonymous repeats (`aggregate.rs`), chains what is to be written, appends it
//! to the journal (`journal.rs`; then the waiting requests may go) and hands it
//! to a second thread, which stores whatever has queued up in one transaction
//! and answers whoever waits for the store (flushes, and requests when there is
//! no journal).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::aggregate::Aggregator;
use super::backend::Backend;
use super::entry::{lifecycle_entry, AuditEntry, AuditStats, LIFECYCLE_STOP};
use super::journal::Journal;
use super::row::AuditRow;

/// Rows written per transaction at most.
const MAX_BATCH: usize = 2000;
/// How often the writer wakes without entries, to write the summaries of a
/// window that has ended.
const TICK: Duration = Duration::from_secs(1);
/// Tries of one batch before the waiting requests are told it failed.
const TRIES: usize = 4;

pub(super) enum Msg {
    /// An entry, and who waits until it is stored.
    Entry(Box<AuditEntry>, Option<tokio::sync::oneshot::Sender<bool>>),
    /// Answered with whether everything queued before it is stored.
    Flush(Sender<bool>),
    /// Write the counted summaries and a row saying the server stopped.
    Stop(Sender<bool>),
}

/// Counts for the metrics, shared with the log.
#[derive(Default)]
pub(super) struct Counters {
    written: AtomicU64,
    summed: AtomicU64,
    failed_writes: AtomicU64,
}

impl Counters {
    pub(super) fn snapshot(&self) -> AuditStats {
        AuditStats {
            written: self.written.load(Ordering::Relaxed),
            summed: self.summed.load(Ordering::Relaxed),
            failed_writes: self.failed_writes.load(Ordering::Relaxed),
        }
    }
}

/// The chain state of the writer.
pub(super) struct Chain {
    seq: i64,
    last_hash: String,
}

impl Chain {
    pub(super) fn new(seq: i64, last_hash: String) -> Chain {
        Chain { seq, last_hash }
    }

    /// Chains `pending` after the rows already chained, and empties it.
    fn link(&mut self, pending: &mut Vec<AuditEntry>) -> Vec<AuditRow> {
        pending
            .drain(..)
            .map(|e| {
                self.seq += 1;
                let row = AuditRow::chain(self.seq, e, &self.last_hash);
                self.last_hash = row.hash.clone();
                row
            })
            .collect()
    }
}

/// Stores `rows` in one transaction, trying a few times.
fn store_with_retries(backend: &dyn Backend, rows: &[AuditRow], counters: &Counters) -> bool {
    if rows.is_empty() {
        return true;
    }
    for attempt in 0..TRIES {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(100));
        }
        match backend.append_audit(rows) {
            Ok(()) => {
                counters
                    .written
                    .fetch_add(rows.len() as u64, Ordering::Relaxed);
                return true;
            }
            Err(e) => {
                // The rows stay and are tried again with the next batch; their
                // place in the chain is already theirs.
                counters.failed_writes.fetch_add(1, Ordering::Relaxed);
                tracing::error!(error = %e, rows = rows.len(), "revisionsloggen kunne ikke skrives");
            }
        }
    }
    false
}

/// The waiting sides of one batch.
#[derive(Default)]
struct Waiting {
    entries: Vec<tokio::sync::oneshot::Sender<bool>>,
    flushes: Vec<Sender<bool>>,
}

impl Waiting {
    fn answer(&mut self, stored: bool) {
        self.answer_entries(stored);
        for done in self.flushes.drain(..) {
            let _ = done.send(stored);
        }
    }

    fn answer_entries(&mut self, stored: bool) {
        for done in self.entries.drain(..) {
            let _ = done.send(stored);
        }
    }

    fn absorb(&mut self, other: Waiting) {
        self.entries.extend(other.entries);
        self.flushes.extend(other.flushes);
    }

    fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.flushes.is_empty()
    }
}

/// Chained rows on their way to the store, with whoever waits for them there.
struct Batch {
    rows: Vec<AuditRow>,
    waiting: Waiting,
    /// The server stops after this batch: empty the journal once it is stored.
    last: bool,
}

/// The journal is emptied once the store has caught up and it has grown past this.
const CLEAR_FROM: u64 = 256 * 1024;

pub(super) fn write_loop(
    backend: Arc<dyn Backend>,
    rx: Receiver<Msg>,
    mut chain: Chain,
    counters: Arc<Counters>,
    distinct_per_client: usize,
    journal: Option<Journal>,
) {
    let started_rows = chain.seq;
    let journal = journal.map(|j| Arc::new(Mutex::new(j)));
    // The store is written by a thread of its own, so a store commit that waits
    // behind a run's commit holds up neither the journal nor the requests.
    let (to_store, batches) = mpsc::channel::<Batch>();
    let store = {
        let (backend, counters, journal) = (backend.clone(), counters.clone(), journal.clone());
        std::thread::Builder::new()
            .name("audit-store".into())
            .spawn(move || store_loop(&*backend, batches, &counters, journal.as_deref()))
            .expect("the audit store thread starts")
    };
    let mut sums = Aggregator::new(distinct_per_client, Instant::now());
    let mut pending: Vec<AuditEntry> = Vec::new();
    let mut waiting = Waiting::default();
    loop {
        let mut next = match rx.recv_timeout(TICK) {
            Ok(m) => Some(m),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        let mut last = false;
        while let Some(m) = next.take() {
            match m {
                Msg::Entry(e, done) => {
                    match sums.admit(*e) {
                        Some(e) => {
                            pending.push(e);
                            if let Some(done) = done {
                                waiting.entries.push(done);
                            }
                        }
                        // Counted: nothing to wait for.
                        None => {
                            if let Some(done) = done {
                                let _ = done.send(true);
                            }
                        }
                    }
                }
                Msg::Flush(done) => waiting.flushes.push(done),
                Msg::Stop(done) => {
                    pending.extend(sums.drain());
                    let written = chain.seq - started_rows + pending.len() as i64 + 1;
                    pending.push(lifecycle_entry(
                        LIFECYCLE_STOP,
                        format!(
                            "server stoppet: {written} rækker skrevet siden start, \
                             {} anonyme forespørgsler talt i opsummeringer",
                            sums.summed()
                        ),
                    ));
                    waiting.flushes.push(done);
                    last = true;
                }
            }
            if pending.len() < MAX_BATCH {
                next = rx.try_recv().ok();
            }
        }
        pending.extend(sums.expired(Instant::now()));
        counters.summed.store(sums.summed(), Ordering::Relaxed);
        let waiting = std::mem::take(&mut waiting);
        hand_over(
            &mut chain,
            &mut pending,
            waiting,
            last,
            journal.as_deref(),
            &to_store,
        );
    }
    // The queue is closed: what is left, counted repeats included, then the store
    // thread finishes.
    pending.extend(sums.drain());
    counters.summed.store(sums.summed(), Ordering::Relaxed);
    hand_over(
        &mut chain,
        &mut pending,
        Waiting::default(),
        true,
        journal.as_deref(),
        &to_store,
    );
    drop(to_store);
    let _ = store.join();
}

/// Chains what is pending, writes it to the journal (when there is one: then the
/// waiting requests may go) and passes it to the store thread.
fn hand_over(
    chain: &mut Chain,
    pending: &mut Vec<AuditEntry>,
    mut waiting: Waiting,
    last: bool,
    journal: Option<&Mutex<Journal>>,
    to_store: &Sender<Batch>,
) {
    if pending.is_empty() && waiting.is_empty() && !last {
        return;
    }
    let rows = chain.link(pending);
    match journal {
        Some(journal) => {
            // Held until the batch is queued for the store, so the store thread
            // never empties the journal while a journaled batch is on its way.
            let mut journal = journal.lock().unwrap_or_else(|e| e.into_inner());
            let journaled = if rows.is_empty() {
                Ok(())
            } else {
                journal.append(&rows)
            };
            match journaled {
                Ok(()) => waiting.answer_entries(true),
                // The requests wait for the store instead.
                Err(e) => tracing::error!(error = %e, "revisionsjournalen kunne ikke skrives"),
            }
            let _ = to_store.send(Batch {
                rows,
                waiting,
                last,
            });
        }
        None => {
            let _ = to_store.send(Batch {
                rows,
                waiting,
                last,
            });
        }
    }
}

/// Stores batches as they come; answers whoever waits for the store; empties the
/// journal when the store has caught up with it.
fn store_loop(
    backend: &dyn Backend,
    batches: Receiver<Batch>,
    counters: &Counters,
    journal: Option<&Mutex<Journal>>,
) {
    let mut rows: Vec<AuditRow> = Vec::new();
    let mut waiting = Waiting::default();
    let mut last = false;
    let mut carried: Option<Batch> = None;
    let mut closed = false;
    loop {
        let first = match carried.take() {
            Some(b) => Some(b),
            None if closed => None,
            // Unstored rows are tried again after a pause even if nothing new comes.
            None if !rows.is_empty() => match batches.recv_timeout(TICK) {
                Ok(b) => Some(b),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => {
                    closed = true;
                    None
                }
            },
            None => match batches.recv() {
                Ok(b) => Some(b),
                Err(_) => break,
            },
        };
        let mut next = first;
        while let Some(b) = next.take() {
            rows.extend(b.rows);
            waiting.absorb(b.waiting);
            last |= b.last;
            if rows.len() < MAX_BATCH {
                next = batches.try_recv().ok();
            }
        }
        let stored = store_with_retries(backend, &rows, counters);
        waiting.answer(stored);
        if !stored {
            if closed {
                tracing::error!(rows = rows.len(), "revisionsrækker blev ikke gemt i databasen; de ligger i revisionsjournalen til næste start");
                break;
            }
            continue;
        }
        rows.clear();
        if let Some(journal) = journal {
            let mut journal = journal.lock().unwrap_or_else(|e| e.into_inner());
            match batches.try_recv() {
                // Journaled but not yet stored: the journal stays.
                Ok(b) => carried = Some(b),
                Err(_) if last || closed || journal.written() >= CLEAR_FROM => {
                    if let Err(e) = journal.clear() {
                        tracing::error!(error = %e, "revisionsjournalen kunne ikke tømmes");
                    }
                    last = false;
                }
                Err(_) => {}
            }
        }
        if closed && carried.is_none() {
            break;
        }
    }
}
