//! The audit log's one writer thread: takes entries from the queue, sums
//! anonymous repeats (`aggregate.rs`), chains what is to be written and stores
//! whatever has queued up in one transaction, then tells each waiting request
//! whether its row is stored.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use super::aggregate::Aggregator;
use super::backend::Backend;
use super::entry::{lifecycle_entry, AuditEntry, AuditStats, LIFECYCLE_STOP};
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

    /// Chains and stores `pending` in one transaction; on success empties it.
    fn store(
        &mut self,
        backend: &dyn Backend,
        pending: &mut Vec<AuditEntry>,
        counters: &Counters,
    ) -> bool {
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
                counters
                    .written
                    .fetch_add(rows.len() as u64, Ordering::Relaxed);
                pending.clear();
                true
            }
            Err(e) => {
                // The entries stay queued and are tried again with the next batch;
                // the chain only advances once they are stored.
                counters.failed_writes.fetch_add(1, Ordering::Relaxed);
                tracing::error!(error = %e, rows = rows.len(), "revisionsloggen kunne ikke skrives");
                false
            }
        }
    }

    fn store_with_retries(
        &mut self,
        backend: &dyn Backend,
        pending: &mut Vec<AuditEntry>,
        counters: &Counters,
    ) -> bool {
        for attempt in 0..TRIES {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(100));
            }
            if self.store(backend, pending, counters) {
                return true;
            }
        }
        false
    }
}

/// The waiting sides of one batch.
#[derive(Default)]
struct Waiting {
    entries: Vec<tokio::sync::oneshot::Sender<bool>>,
    flushes: Vec<Sender<bool>>,
}

impl Waiting {
    fn answer(&mut self, stored: bool) {
        for done in self.entries.drain(..) {
            let _ = done.send(stored);
        }
        for done in self.flushes.drain(..) {
            let _ = done.send(stored);
        }
    }
}

pub(super) fn write_loop(
    backend: &dyn Backend,
    rx: Receiver<Msg>,
    mut chain: Chain,
    counters: &Counters,
    distinct_per_client: usize,
) {
    let started_rows = chain.seq;
    let mut sums = Aggregator::new(distinct_per_client, Instant::now());
    let mut pending: Vec<AuditEntry> = Vec::new();
    let mut waiting = Waiting::default();
    loop {
        let mut next = match rx.recv_timeout(TICK) {
            Ok(m) => Some(m),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => break,
        };
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
                }
            }
            if pending.len() < MAX_BATCH {
                next = rx.try_recv().ok();
            }
        }
        pending.extend(sums.expired(Instant::now()));
        counters.summed.store(sums.summed(), Ordering::Relaxed);
        let stored = chain.store_with_retries(backend, &mut pending, counters);
        waiting.answer(stored);
    }
    // The queue is closed: store what is left, counted repeats included.
    pending.extend(sums.drain());
    chain.store_with_retries(backend, &mut pending, counters);
    counters.summed.store(sums.summed(), Ordering::Relaxed);
}
