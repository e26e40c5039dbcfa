//! What `/readyz` and `/metrics` read: the store (runs, steps, loads, alerts;
//! SQL in `sql/ops/`) through a connection of their own, the scheduler's
//! heartbeat and the free disk of the data dir.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use duckdb::{Connection, OptionalExt};

use super::OpsError;

const RUNS_BY_STATUS: &str = include_str!("../../sql/ops/runs_by_status.sql");
const LAST_RUN: &str = include_str!("../../sql/ops/last_run.sql");
const LAST_SUCCESS: &str = include_str!("../../sql/ops/last_success.sql");
const RUN_STEPS: &str = include_str!("../../sql/ops/run_steps.sql");
const ROWS_LOADED: &str = include_str!("../../sql/ops/rows_loaded.sql");
const OPEN_ALERTS: &str = include_str!("../../sql/ops/open_alerts.sql");

/// The scheduler beats at least this often while it is alive.
pub const HEARTBEAT_EVERY_SECS: i64 = 15;
/// A heartbeat older than this means the scheduler is not running.
pub const HEARTBEAT_STALE_SECS: i64 = 90;

/// One readiness check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

/// The answer of `/readyz`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    pub checks: Vec<Check>,
}

impl Readiness {
    /// Ready when every check is.
    pub fn ready(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }

    /// The page: one line per check, Danish.
    pub fn text(&self) -> String {
        let mut out = format!("klar: {}\n", if self.ready() { "ja" } else { "nej" });
        for c in &self.checks {
            out.push_str(&format!(
                "{}: {} – {}\n",
                c.name,
                if c.ok { "ok" } else { "FEJL" },
                c.detail
            ));
        }
        out
    }
}

/// The newest pipeline run.
#[derive(Debug, Clone, PartialEq)]
pub struct LastRun {
    pub run_id: String,
    pub month: String,
    pub status: String,
    pub trigger: String,
    pub started_epoch: f64,
    pub duration_s: Option<f64>,
    pub error: Option<String>,
}

/// One step of the newest run.
#[derive(Debug, Clone, PartialEq)]
pub struct StepFigure {
    pub step: String,
    pub status: String,
    pub duration_s: f64,
    pub rows: i64,
}

/// What `/metrics` reads from the store.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StoreFigures {
    pub runs_by_status: Vec<(String, i64)>,
    pub last_run: Option<LastRun>,
    pub last_steps: Vec<StepFigure>,
    pub last_success_epoch: Option<f64>,
    pub rows_loaded: i64,
    pub rows_quarantined: i64,
    /// (kind, severity, count) of open monitoring alerts.
    pub open_alerts: Vec<(String, String, i64)>,
}

/// Reads the store's figures.
pub fn store_figures(conn: &Connection) -> Result<StoreFigures, OpsError> {
    let runs_by_status = conn
        .prepare(RUNS_BY_STATUS)?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    let last_run = conn
        .query_row(LAST_RUN, [], |r| {
            Ok(LastRun {
                run_id: r.get(0)?,
                month: r.get(1)?,
                status: r.get(2)?,
                trigger: r.get(3)?,
                started_epoch: r.get(4)?,
                duration_s: r.get(5)?,
                error: r.get(6)?,
            })
        })
        .optional()?;
    let last_steps = match &last_run {
        Some(run) => conn
            .prepare(RUN_STEPS)?
            .query_map([&run.run_id], |r| {
                Ok(StepFigure {
                    step: r.get(0)?,
                    status: r.get(1)?,
                    duration_s: r.get(2)?,
                    rows: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let last_success_epoch = conn.query_row(LAST_SUCCESS, [], |r| r.get(0))?;
    let (rows_loaded, rows_quarantined) =
        conn.query_row(ROWS_LOADED, [], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let open_alerts = conn
        .prepare(OPEN_ALERTS)?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(StoreFigures {
        runs_by_status,
        last_run,
        last_steps,
        last_success_epoch,
        rows_loaded,
        rows_quarantined,
        open_alerts,
    })
}

/// Bytes free for an unprivileged writer on the file system of `path`.
pub fn free_disk_bytes(path: &Path) -> std::io::Result<u64> {
    let s = rustix::fs::statvfs(path)?;
    Ok(s.f_bavail.saturating_mul(s.f_frsize))
}

/// Gigabytes with one decimal, Danish.
fn gb(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1e9).replace('.', ",")
}

/// The scheduler's sign of life: the time of its last beat (seconds since 1970).
#[derive(Debug, Default)]
pub struct Heartbeat(AtomicI64);

impl Heartbeat {
    pub fn beat(&self) {
        self.0
            .store(chrono::Utc::now().timestamp(), Ordering::Relaxed);
    }

    /// Seconds since the last beat; `None` if it never beat.
    pub fn age_secs(&self) -> Option<i64> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            t => Some(chrono::Utc::now().timestamp() - t),
        }
    }
}

/// Where `/readyz` and `/metrics` get their answers (the store in production).
pub trait Probe: Send + Sync + 'static {
    /// Blocking: the web layer calls it inside `spawn_blocking`.
    fn readiness(&self) -> Readiness;
    /// Blocking.
    fn figures(&self) -> Result<StoreFigures, OpsError>;
}

/// The probe of a running server: a connection of its own to the store.
pub struct StoreProbe {
    conn: Mutex<Connection>,
    data_dir: PathBuf,
    min_free_bytes: u64,
    scheduler: std::sync::Arc<Heartbeat>,
}

impl StoreProbe {
    pub fn new(
        conn: Connection,
        data_dir: PathBuf,
        min_free_mb: u64,
        scheduler: std::sync::Arc<Heartbeat>,
    ) -> Self {
        StoreProbe {
            conn: Mutex::new(conn),
            data_dir,
            min_free_bytes: min_free_mb.saturating_mul(1_000_000),
            scheduler,
        }
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Probe for StoreProbe {
    fn readiness(&self) -> Readiness {
        let mut checks = Vec::new();
        let started = Instant::now();
        let figures = store_figures(&self.conn());
        match &figures {
            Ok(f) => checks.push(Check {
                name: "database",
                ok: true,
                detail: format!(
                    "læsbar ({} kørsler, svar på {} ms)",
                    f.runs_by_status.iter().map(|(_, n)| n).sum::<i64>(),
                    started.elapsed().as_millis()
                ),
            }),
            Err(e) => {
                tracing::error!(error = %e, "readyz: databasen kan ikke læses");
                checks.push(Check {
                    name: "database",
                    ok: false,
                    detail: "kan ikke læses (se serverens log)".into(),
                });
            }
        }
        // A failed run leaves the previous results on the pages, so it does not
        // make the server unready; it is reported here and alerted on in /metrics.
        let run = match figures.as_ref().ok().and_then(|f| f.last_run.as_ref()) {
            Some(r) => {
                let status = match r.status.as_str() {
                    "succeeded" => "gennemført",
                    "failed" => "fejlede",
                    "running" => "i gang",
                    other => other,
                };
                format!("{} {status} (startet af {})", r.month, r.trigger)
            }
            None => "ingen kørsler endnu".into(),
        };
        checks.push(Check {
            name: "seneste kørsel",
            ok: true,
            detail: run,
        });
        checks.push(match self.scheduler.age_secs() {
            Some(age) if age <= HEARTBEAT_STALE_SECS => Check {
                name: "planlægger",
                ok: true,
                detail: format!("kører (sidste tegn for {age} s siden)"),
            },
            Some(age) => Check {
                name: "planlægger",
                ok: false,
                detail: format!("intet tegn i {age} s"),
            },
            None => Check {
                name: "planlægger",
                ok: false,
                detail: "er ikke startet".into(),
            },
        });
        checks.push(match free_disk_bytes(&self.data_dir) {
            Ok(free) => Check {
                name: "diskplads",
                ok: free >= self.min_free_bytes,
                detail: format!(
                    "{} GB fri i datamappen (grænse {} GB)",
                    gb(free),
                    gb(self.min_free_bytes)
                ),
            },
            Err(e) => Check {
                name: "diskplads",
                ok: false,
                detail: format!("kan ikke måles: {e}"),
            },
        });
        Readiness { checks }
    }

    fn figures(&self) -> Result<StoreFigures, OpsError> {
        store_figures(&self.conn())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_dirs_file_system_has_a_measurable_amount_free() {
        let dir = tempfile::tempdir().unwrap();
        let free = free_disk_bytes(dir.path()).unwrap();
        assert!(free > 0);
        assert!(free_disk_bytes(&dir.path().join("findes-ikke")).is_err());
    }

    #[test]
    fn readiness_is_ready_only_when_every_check_is() {
        let ok = |name| Check {
            name,
            ok: true,
            detail: "fin".into(),
        };
        let mut r = Readiness {
            checks: vec![ok("database"), ok("planlægger")],
        };
        assert!(r.ready());
        assert!(r.text().starts_with("klar: ja\n"));
        r.checks[1].ok = false;
        assert!(!r.ready());
        assert!(r.text().contains("planlægger: FEJL – fin"));
    }

    #[test]
    fn a_heartbeat_that_never_beat_has_no_age() {
        let h = Heartbeat::default();
        assert_eq!(h.age_secs(), None);
        h.beat();
        assert!(h.age_secs().unwrap() <= 1);
    }
}
