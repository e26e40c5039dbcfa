//! Wiring: one `App` holds the settings, the pipeline definition, the feature
//! policy, the pseudonymisation key and the store; `serve` runs the cockpit and
//! the scheduler side by side in one process, the only writer of the store.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;

use crate::access::{Access, AccessError};
use crate::config::{ConfigError, PipelineConfig, Settings};
use crate::encryption::{self, EncryptionError, EncryptionKey};
use crate::lookup::{Lookup, LookupError};
use crate::model::policy::FeaturePolicy;
use crate::model::ModelError;
use crate::pipeline::{self, Context, PipelineError, RunLog, RunReport};
use crate::pseudonym::{create_key_file, PseudonymError, Pseudonymiser};
use crate::store::{read_mart, Store, StoreError};
use crate::table::Table;
use crate::web::{self, AppState, MartSource};

mod runs;

use self::runs::CockpitRuns;

/// Start-up errors.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Policy(#[from] ModelError),
    #[error(transparent)]
    Key(#[from] PseudonymError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Encryption(#[from] EncryptionError),
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
    #[error(transparent)]
    Documentation(#[from] crate::documentation::DocError),
    #[error(transparent)]
    Access(#[from] AccessError),
    #[error(transparent)]
    Ops(#[from] crate::ops::OpsError),
    #[error(transparent)]
    Lookup(#[from] LookupError),
    #[error(transparent)]
    Citizen(#[from] crate::citizen::CitizenError),
    #[error("kunne ikke oprette {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("ingen pseudonymnøgle: sæt JOBCOCKPIT_PSEUDONYM_KEY eller kør 'jobcockpit init' (forventet fil: {0})")]
    NoKey(String),
    #[error("webserveren: {0}")]
    Web(String),
    #[error("kan ikke lytte på {bind}: {source}. Vælg en anden adresse med miljøvariablen JOBCOCKPIT_BIND (fx JOBCOCKPIT_BIND=127.0.0.1:8081) eller 'bind' i konfigurationsfilen")]
    Bind {
        bind: String,
        source: std::io::Error,
    },
    /// A command's work stopped on a panic: `what` names the work.
    #[error("{what} stoppede uventet (intern fejl): {detail}")]
    Crashed { what: &'static str, detail: String },
}

/// Creates the data dir and, if none exist, a pseudonymisation key and a store
/// key (both 0600; the store key only when `JOBCOCKPIT_STORE_KEY` is not set).
/// Returns whether a new pseudonymisation key was written.
pub fn init(settings: &Settings) -> Result<bool, AppError> {
    let key = settings.data_dir.pseudonym_key_file();
    let store_key = settings.data_dir.store_key_file();
    for dir in [
        settings.data_dir.root().to_path_buf(),
        settings.data_dir.inbox(),
        settings.data_dir.keys_dir(),
    ] {
        std::fs::create_dir_all(&dir).map_err(|source| AppError::Io {
            path: dir.display().to_string(),
            source,
        })?;
    }
    if std::env::var_os(encryption::STORE_KEY_ENV).is_none() {
        create_key_file(&store_key).map_err(|source| AppError::Io {
            path: store_key.display().to_string(),
            source,
        })?;
    }
    create_key_file(&key).map_err(|source| AppError::Io {
        path: key.display().to_string(),
        source,
    })
}

/// The loaded application.
pub struct App {
    pub settings: Settings,
    pub pipeline: PipelineConfig,
    pub policy: FeaturePolicy,
    pub pseudonymiser: Pseudonymiser,
    pub store: Store,
    /// Users, sessions and the audit log of this store.
    pub access: Access,
    /// The caseworker's look-up of one citizen, and the judgements beside scores.
    pub lookup: Arc<Lookup>,
    /// Counts pipeline runs in this process: the cockpit's cached pages are kept until
    /// it changes (the one process owns the store, so no run happens elsewhere).
    marts_version: Arc<AtomicU64>,
    /// The cockpit's pages, when this process serves them: a run's marts are
    /// published to them before `marts_version` announces the change, so no request
    /// waits for the store after a run.
    publisher: std::sync::RwLock<Option<crate::web::data::Publisher>>,
    /// The scheduler's sign of life, for `/readyz`.
    heartbeat: Arc<crate::ops::probe::Heartbeat>,
    /// Set while a run started by the cockpit or the schedule is in progress: one
    /// at a time, and the schedule decides whether a month is due only while it
    /// holds it, so a tick during a cockpit run of the same month never runs it twice.
    running: Arc<AtomicBool>,
    /// The store key, kept for backups made while the server runs (DuckDB keeps
    /// its own derived key in memory anyway). Wiped on drop, never printed.
    store_key: Arc<EncryptionKey>,
}

impl App {
    /// Loads configuration and key, and opens the store.
    pub fn open(settings: Settings) -> Result<App, AppError> {
        let pipeline = PipelineConfig::load(&settings.pipeline_file)?;
        // A retention shorter than horizon + training window would leave no
        // model to train: refused here, where both settings are known.
        settings
            .citizen
            .check_against(
                pipeline.cohort.horizon_months,
                pipeline.training.window_months,
            )
            .map_err(|message| ConfigError::Invalid {
                key: "citizen.retention_months".into(),
                origin: String::new(),
                message,
            })?;
        let policy = FeaturePolicy::load(&settings.policy_file).map_err(ModelError::from)?;
        let pseudonymiser = match &settings.pseudonym_key {
            Some(hex) => Pseudonymiser::from_hex(hex.expose())?,
            None => {
                let path = settings.key_path();
                if !path.exists() {
                    return Err(AppError::NoKey(path.display().to_string()));
                }
                Pseudonymiser::from_key_file(&path)?
            }
        };
        std::fs::create_dir_all(&settings.data_dir).map_err(|source| AppError::Io {
            path: settings.data_dir.display().to_string(),
            source,
        })?;
        let store_key = EncryptionKey::load(&settings.data_dir.store_key_file())?;
        let store = Store::open_within(&settings.store_path(), &store_key, &settings.store)?;
        // One process owns the store, so a run still marked as running was cut off
        // (a crash or a kill): say so instead of leaving it running forever.
        RunLog::close_interrupted(&store.lock()).map_err(StoreError::from)?;
        let journal =
            crate::access::journal::JournalFile::for_store(&settings.store_path(), &store_key);
        let access = Access::open(&store, settings.access.clone(), Some(journal))?;
        let labels = policy
            .inputs
            .iter()
            .map(|i| (i.name.clone(), i.label.clone()))
            .collect();
        let lookup = Arc::new(Lookup::open(
            &store,
            pseudonymiser.clone(),
            settings.lookup,
            labels,
            (pipeline.scoring.low_below, pipeline.scoring.high_from),
        )?);
        Ok(App {
            settings,
            pipeline,
            policy,
            pseudonymiser,
            store,
            access,
            lookup,
            marts_version: Arc::default(),
            publisher: Default::default(),
            heartbeat: Arc::default(),
            running: Arc::default(),
            store_key: Arc::new(store_key),
        })
    }

    fn context(&self) -> Context<'_> {
        Context {
            settings: &self.settings,
            pipeline: &self.pipeline,
            policy: &self.policy,
            pseudonymiser: &self.pseudonymiser,
        }
    }

    /// One monthly run. While this process also serves the cockpit, the run works
    /// on a thread of its own at a lower priority, so requests get the processor
    /// first (`runs::lower_priority`); the thread ends with the run.
    pub fn run_month(&self, month: NaiveDate, trigger: &str) -> Result<RunReport, PipelineError> {
        let serving = self
            .publisher
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .is_some();
        let run = || pipeline::run_month(&self.store, &self.context(), month, trigger);
        let report = if serving {
            std::thread::scope(|scope| {
                let worker = scope.spawn(|| {
                    runs::lower_priority();
                    run()
                });
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
        } else {
            run()
        };
        self.marts_changed();
        self.refresh_lookup();
        report
    }

    /// The marts may have changed (a run or the demo's judgements committed): the
    /// pages' next snapshot is made first, then the new version is announced, so
    /// requests go on being answered from the previous snapshot until the new one
    /// is whole.
    fn marts_changed(&self) {
        let next = self.marts_version.load(Ordering::SeqCst) + 1;
        let publisher = self
            .publisher
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(publisher) = publisher {
            publisher.publish(next);
        }
        self.marts_version.store(next, Ordering::SeqCst);
    }

    /// Refuses a run for a month before the latest successful run: it would
    /// rebuild the marts as of that older month and roll the cockpit back.
    pub fn check_not_behind(&self, month: NaiveDate) -> Result<(), PipelineError> {
        let latest = RunLog::latest_succeeded_month(&self.store.lock())?;
        match latest {
            Some(latest) if latest > month.format("%Y-%m").to_string() => {
                Err(PipelineError::Behind { month, latest })
            }
            _ => Ok(()),
        }
    }

    /// Every delivered month in order.
    pub fn backfill(&self) -> Result<Vec<RunReport>, PipelineError> {
        self.backfill_with_progress(|_, _, _| {})
    }

    /// [`App::backfill`], calling `progress(done, of, run)` after each month.
    pub fn backfill_with_progress(
        &self,
        progress: impl FnMut(usize, usize, &RunReport),
    ) -> Result<Vec<RunReport>, PipelineError> {
        let reports = pipeline::backfill(&self.store, &self.context(), progress);
        self.marts_changed();
        self.refresh_lookup();
        reports
    }

    /// Calls `f` holding the run gate, waiting for a run in progress to end first.
    fn exclusively<T>(&self, f: impl FnOnce() -> T) -> T {
        while self.running.swap(true, Ordering::SeqCst) {
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
        struct Release<'a>(&'a AtomicBool);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                self.0.store(false, Ordering::SeqCst);
            }
        }
        let _release = Release(&self.running);
        f()
    }

    /// A run may have loaded spells and scores: the look-up reads them again. A
    /// failure keeps the previous index and is logged; the run's result stands.
    fn refresh_lookup(&self) {
        if let Err(e) = self.lookup.refresh() {
            tracing::error!(error = %e, "borgeropslagets indeks kunne ikke bygges igen");
        }
    }

    /// The demo's synthetic caseworkers (`lookup::simulate`): judgements for a share
    /// of the scored spells, through the page's own writer; then the marts again, so
    /// the oversight page and the next report show them.
    pub fn simulate_caseworkers(
        &self,
        caseworkers: &crate::lookup::simulate::Caseworkers,
    ) -> Result<crate::lookup::simulate::Simulated, AppError> {
        let done = self.lookup.simulate_caseworkers(caseworkers)?;
        {
            let conn = self.store.lock();
            conn.execute_batch("begin transaction")
                .map_err(StoreError::from)?;
            match crate::store::run_marts(&conn) {
                Ok(()) => conn.execute_batch("commit").map_err(StoreError::from)?,
                Err(e) => {
                    let _ = conn.execute_batch("rollback");
                    return Err(e.into());
                }
            }
        }
        self.marts_changed();
        Ok(done)
    }

    /// The web state reading marts through a connection of its own, with this
    /// store's users and audit log, and runs started by the data unit.
    pub fn web_state(self: &Arc<Self>) -> Result<AppState, AppError> {
        let source = StoreMarts {
            conn: Mutex::new(self.store.reader()?),
            version: self.marts_version.clone(),
        };
        let state = AppState::new(
            Arc::new(source),
            &self.settings.dashboards_dir,
            self.settings.disclosure_k,
        )
        .map_err(|e| AppError::Web(e.to_string()))?;
        *self.publisher.write().unwrap_or_else(|e| e.into_inner()) = Some(state.publisher());
        let probe = crate::ops::probe::StoreProbe::new(
            self.store.reader()?,
            self.settings.data_dir.root().to_path_buf(),
            self.settings.ops.min_free_disk_mb,
            self.heartbeat.clone(),
        );
        let backups = crate::ops::backup::StoreBackups {
            store: self.store.clone(),
            key: self.store_key.clone(),
            data_dir: self.settings.data_dir.clone(),
        };
        Ok(state
            .with_ops(Arc::new(probe), self.settings.ops.clone())
            .with_backups(Arc::new(backups))
            .with_access(self.access.clone())
            .with_lookup(self.lookup.clone(), self.pipeline.cohort.horizon_months)
            .with_citizen(Arc::new(crate::citizen::service::Insights::open(
                &self.store,
                self.pseudonymiser.clone(),
                self.settings.citizen.clone(),
            )?))
            .with_runs(Arc::new(CockpitRuns {
                app: self.clone(),
                running: self.running.clone(),
            }))
            .with_reports(Arc::new(web::reports::Reports {
                archive: crate::report::Archive::new(&self.settings.data_dir),
                layout: crate::report::Layout::load(&self.settings.reports_dir)?,
            }))
            .with_documentation(Arc::new(web::dokumentation::Docs {
                archive: crate::documentation::Archive::new(&self.settings.data_dir),
                layout: crate::documentation::Layout::load(&self.settings.reports_dir)?,
                log_retention_months: self.settings.access.log_retention_months.get(),
            })))
    }
}

/// Marts read from the store for the cockpit.
struct StoreMarts {
    conn: Mutex<duckdb::Connection>,
    version: Arc<AtomicU64>,
}

impl MartSource for StoreMarts {
    fn fetch(&self, mart: &str) -> Result<Table, anyhow::Error> {
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        Ok(read_mart(&conn, mart)?)
    }

    fn version(&self) -> u64 {
        self.version.load(Ordering::SeqCst)
    }

    /// One read transaction: every mart as of the same commit.
    fn fetch_all(
        &self,
        marts: &[String],
    ) -> std::collections::BTreeMap<String, Result<crate::table::Table, anyhow::Error>> {
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let begun = conn.execute_batch("begin transaction");
        let read = marts
            .iter()
            .map(|m| (m.clone(), read_mart(&conn, m).map_err(anyhow::Error::from)))
            .collect();
        if begun.is_ok() {
            let _ = conn.execute_batch("commit");
        }
        read
    }
}

/// Serves the cockpit on `listener` and runs the monthly schedule until `shutdown`.
/// The audit log gets a row when the server starts (and, first, one saying so if
/// the previous server did not stop cleanly) and, after the last request is
/// answered, the counted summaries and a row saying it stopped.
pub async fn serve(
    app: Arc<App>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), AppError> {
    let state = app.web_state()?;
    let audit_app = app.clone();
    let previous = tokio::task::spawn_blocking(move || audit_app.access.audit().server_started())
        .await
        .map_err(|e| AppError::Web(e.to_string()))??;
    if let Some(message) = previous {
        tracing::warn!("{message}");
    }
    // A checkpoint of the chain in the background (the first one recomputes every
    // row), so the admin page checks only rows written after it.
    let audit_app = app.clone();
    std::thread::spawn(
        move || match audit_app.access.audit().verify_since_checkpoint() {
            Ok(v) if v.broken_at.is_some() => tracing::error!(
                row = v.broken_at,
                "revisionsloggens kæde er brudt; se /admin/revision"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "revisionsloggens kæde kunne ikke kontrolleres"),
        },
    );
    // The look-up's index is read now, not by the first caseworker's request.
    let warm = app.lookup.clone();
    tokio::task::spawn_blocking(move || {
        if let Err(e) = warm.index() {
            tracing::error!(error = %e, "borgeropslagets indeks kunne ikke bygges");
        }
    });
    // A monthly run missed while the server was down is made now, beside the
    // cockpit (which serves the previous results until it commits).
    let catching_up = app.clone();
    tokio::task::spawn_blocking(move || {
        crate::schedule::log(&catching_up.catch_up(chrono::Utc::now()));
    });
    let tick = {
        let app = app.clone();
        move |now| app.scheduled_tick(now)
    };
    let mut scheduler = crate::schedule::start(&app.pipeline.schedule, tick)
        .await
        .map_err(|e| AppError::Web(e.to_string()))?;
    crate::schedule::add_heartbeat(&scheduler, app.heartbeat.clone())
        .await
        .map_err(|e| AppError::Web(e.to_string()))?;
    let served = web::serve(listener, state, shutdown)
        .await
        .map_err(|e| AppError::Web(e.to_string()));
    let _ = scheduler.shutdown().await;
    // Every request has been answered (graceful shutdown waits for them), so
    // every request row is stored; now the summaries and the stop row.
    let audit_app = app.clone();
    tokio::task::spawn_blocking(move || audit_app.access.audit().server_stopped())
        .await
        .map_err(|e| AppError::Web(e.to_string()))??;
    served
}
