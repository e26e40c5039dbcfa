//! Runs the app starts itself: from the cockpit's button (one at a time, only a
//! month that can run) and from the schedule (a tick, or a catch-up at start,
//! decided by `schedule::due`), both under the app's one run gate.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::NaiveDate;

use super::App;
use crate::pipeline::{self, RunLog};
use crate::web::RunTrigger;

/// Runs started from the cockpit by the data unit: one at a time, for the month
/// the schedule would run, never behind the latest successful run.
pub(super) struct CockpitRuns {
    pub(super) app: Arc<App>,
    pub(super) running: Arc<AtomicBool>,
}

impl RunTrigger for CockpitRuns {
    fn month(&self) -> NaiveDate {
        crate::schedule::current_target_month(&self.app.pipeline.schedule)
    }

    fn ready(&self) -> Result<NaiveDate, String> {
        let month = self.month();
        if self.running.load(Ordering::SeqCst) {
            return Err("en kørsel er allerede i gang.".into());
        }
        self.startable(month)?;
        Ok(month)
    }

    fn start(&self, by: &str) -> Result<NaiveDate, String> {
        let month = self.month();
        if self.running.swap(true, Ordering::SeqCst) {
            return Err("en kørsel er allerede i gang.".into());
        }
        if let Err(e) = self.startable(month) {
            self.running.store(false, Ordering::SeqCst);
            return Err(e);
        }
        let (app, running, trigger) = (
            self.app.clone(),
            self.running.clone(),
            format!("cockpit:{by}"),
        );
        std::thread::spawn(move || {
            match app.run_month(month, &trigger) {
                Ok(r) => tracing::info!(run = %r.run_id, "kørsel fra cockpittet gennemført"),
                Err(e) => tracing::error!(error = %e, "kørsel fra cockpittet fejlede"),
            }
            running.store(false, Ordering::SeqCst);
        });
        Ok(month)
    }
}

impl CockpitRuns {
    /// A month can be run from the cockpit if it is not behind the latest
    /// successful run and its delivery is there.
    fn startable(&self, month: NaiveDate) -> Result<(), String> {
        self.app
            .check_not_behind(month)
            .map_err(|e| e.to_string())?;
        use crate::schedule::Runs;
        if !(ScheduledRuns { app: &self.app }).delivery_present(month) {
            return Err(format!(
                "der er ingen levering for {} i indbakken endnu; kørslen kan startes, når den er kommet.",
                crate::present::format::month_long(month)
            ));
        }
        Ok(())
    }
}

/// What the schedule needs to know about the store (src/schedule/due.rs).
struct ScheduledRuns<'a> {
    app: &'a App,
}

impl crate::schedule::Runs for ScheduledRuns<'_> {
    fn latest_succeeded(&self) -> Result<Option<NaiveDate>, String> {
        let latest =
            RunLog::latest_succeeded_month(&self.app.store.lock()).map_err(|e| e.to_string())?;
        latest
            .map(|m| {
                NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").map_err(|e| e.to_string())
            })
            .transpose()
    }

    fn delivery_present(&self, month: NaiveDate) -> bool {
        let inbox = pipeline::Inbox::new(self.app.settings.data_dir.inbox());
        match inbox.month(&self.app.store, month) {
            Ok(pipeline::MonthFolder::Missing(_)) => false,
            Ok(_) => true,
            Err(e) => {
                tracing::error!(error = %e, %month, "indbakken kunne ikke læses");
                false
            }
        }
    }

    fn run(&self, month: NaiveDate, trigger: &str) {
        match self.app.run_month(month, trigger) {
            Ok(r) => tracing::info!(run = %r.run_id, %trigger, "planlagt kørsel gennemført"),
            Err(e) => tracing::error!(error = %e, %trigger, "planlagt kørsel fejlede"),
        }
    }
}

impl App {
    /// A tick of the schedule at `now`: runs the month unless it has run.
    pub fn scheduled_tick(&self, now: chrono::DateTime<chrono::Utc>) -> crate::schedule::Decision {
        let plan = crate::schedule::plan(&self.pipeline.schedule);
        self.exclusively(|| match plan {
            Ok(plan) => crate::schedule::on_tick(&plan, now, &ScheduledRuns { app: self }),
            Err(e) => crate::schedule::Decision::Unknown(e.to_string()),
        })
    }

    /// At start: runs the latest tick's month if that tick was missed and its
    /// delivery is there.
    pub fn catch_up(&self, now: chrono::DateTime<chrono::Utc>) -> crate::schedule::Decision {
        let plan = crate::schedule::plan(&self.pipeline.schedule);
        self.exclusively(|| match plan {
            Ok(plan) => crate::schedule::catch_up(&plan, now, &ScheduledRuns { app: self }),
            Err(e) => crate::schedule::Decision::Unknown(e.to_string()),
        })
    }
}

/// How much lower than the server a run's thread works (nice steps, Linux).
const RUN_NICENESS: i32 = 10;

/// Lowers the calling thread's priority (nice +10, Linux), so that on a small
/// server the cockpit's requests get the processor first while a run works
/// (measured: tests/reference/bench_pages_during_run.sh, README). Only for a
/// thread that ends with the run: an unprivileged process cannot raise it again.
pub(super) fn lower_priority() {
    let me = Some(rustix::thread::gettid());
    let lowered = rustix::process::getpriority_process(me)
        .and_then(|p| rustix::process::setpriority_process(me, (p + RUN_NICENESS).min(19)));
    if let Err(e) = lowered {
        tracing::debug!(error = %e, "kørslens prioritet kunne ikke sænkes");
    }
}
