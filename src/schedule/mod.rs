//! The monthly schedule: a tokio-cron-scheduler job from `pipelines/monthly.toml`
//! that runs the pipeline for the month the schedule names, in its time zone, and
//! the one function that says which month that is. Whether a tick or a start runs
//! anything is decided in [`due`], on a clock the caller gives.

pub mod due;

pub use due::{catch_up, on_tick, Decision, Plan, Runs};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

use crate::config::ScheduleConfig;

/// Schedule errors.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error("planlæggeren fejlede: {0}")]
    Scheduler(#[from] JobSchedulerError),
    #[error("tidsplanen '{cron}' kan ikke læses: {source}")]
    Cron {
        cron: String,
        source: croner::errors::CronError,
    },
}

/// The month a run started at `now` processes: the month `now` falls in on the
/// schedule's clock (Europe/Copenhagen), moved by the schedule's `month_offset`.
/// The scheduler, `jobcockpit run` without `--month` and the cockpit's run button
/// all ask this function, so they agree just after midnight on the 1st too.
pub fn target_month(cfg: &ScheduleConfig, now: DateTime<Utc>) -> NaiveDate {
    let local = now.with_timezone(&cfg.timezone);
    let first = NaiveDate::from_ymd_opt(local.year(), local.month(), 1).expect("day 1 exists");
    let offset = cfg.month_offset;
    if offset >= 0 {
        first + chrono::Months::new(offset.unsigned_abs())
    } else {
        first - chrono::Months::new(offset.unsigned_abs())
    }
}

/// [`target_month`] now.
pub fn current_target_month(cfg: &ScheduleConfig) -> NaiveDate {
    target_month(cfg, Utc::now())
}

/// Starts a scheduler that calls `tick` with the time of every tick; the caller
/// decides with [`on_tick`] (so it can hold its run gate around the decision and
/// the run). `tick` is blocking (it may run the pipeline) and is called off the
/// async executor.
pub async fn start<F>(cfg: &ScheduleConfig, tick: F) -> Result<JobScheduler, ScheduleError>
where
    F: Fn(DateTime<Utc>) -> Decision + Clone + Send + Sync + 'static,
{
    let tz = cfg.timezone;
    plan(cfg)?;
    let scheduler = JobScheduler::new().await?;
    let job = Job::new_async_tz(cfg.cron.as_str(), tz, move |_id, _lock| {
        let tick = tick.clone();
        Box::pin(async move {
            let now = Utc::now();
            match tokio::task::spawn_blocking(move || tick(now)).await {
                Ok(decision) => log(&decision),
                Err(e) => tracing::error!(error = %e, "planlagt kørsel gik ned"),
            }
        })
    })?;
    scheduler.add(job).await?;
    scheduler.start().await?;
    Ok(scheduler)
}

/// Writes what a tick or a catch-up decided to the server log.
pub fn log(decision: &Decision) {
    match decision {
        Decision::Ran(month) => tracing::info!(%month, "planlagt kørsel foretaget"),
        Decision::AlreadyRun(month) => {
            tracing::info!(%month, "måneden er allerede kørt; ingen ny kørsel")
        }
        Decision::NoTickYet => {}
        Decision::NoDelivery(month) => {
            tracing::info!(%month, "ingen levering for den seneste planlagte måned; intet at indhente")
        }
        Decision::Unknown(e) => {
            tracing::error!(error = %e, "kunne ikke se, hvilke måneder er kørt; ingen kørsel")
        }
    }
}

/// The schedule's cron expression parsed, or a Danish error naming it.
pub fn plan(cfg: &ScheduleConfig) -> Result<Plan, ScheduleError> {
    Plan::new(cfg).map_err(|source| ScheduleError::Cron {
        cron: cfg.cron.clone(),
        source,
    })
}

/// Adds a job that beats `heartbeat` every few seconds (and beats it now), so
/// `/readyz` can tell whether the scheduler is alive.
pub async fn add_heartbeat(
    scheduler: &JobScheduler,
    heartbeat: std::sync::Arc<crate::ops::probe::Heartbeat>,
) -> Result<(), ScheduleError> {
    heartbeat.beat();
    let every = format!("*/{} * * * * *", crate::ops::probe::HEARTBEAT_EVERY_SECS);
    let job = Job::new_async(every.as_str(), move |_id, _lock| {
        heartbeat.beat();
        Box::pin(async {})
    })?;
    scheduler.add(job).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn schedule(offset: i32) -> ScheduleConfig {
        ScheduleConfig {
            cron: "0 0 6 5 * *".into(),
            timezone: chrono_tz::Europe::Copenhagen,
            month_offset: offset,
        }
    }

    fn month(y: i32, m: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, 1).unwrap()
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn the_scheduled_run_on_the_5th_processes_the_previous_month() {
        let now = chrono_tz::Europe::Copenhagen
            .with_ymd_and_hms(2026, 1, 5, 6, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(target_month(&schedule(-1), now), month(2025, 12));
        assert_eq!(target_month(&schedule(0), now), month(2026, 1));
        assert_eq!(target_month(&schedule(1), now), month(2026, 2));
    }

    #[test]
    fn the_month_turns_at_midnight_in_copenhagen_not_in_utc() {
        // 23:30 UTC on New Year's Eve is 00:30 on 1 January in Copenhagen (CET, +1).
        assert_eq!(
            target_month(&schedule(0), utc(2025, 12, 31, 23, 30)),
            month(2026, 1)
        );
        assert_eq!(
            target_month(&schedule(-1), utc(2025, 12, 31, 23, 30)),
            month(2025, 12)
        );
        assert_eq!(
            target_month(&schedule(0), utc(2025, 12, 31, 22, 59)),
            month(2025, 12)
        );
    }

    #[test]
    fn the_month_turns_at_local_midnight_in_summer_time_too() {
        // Summer time (CEST, +2) began 29 March 2026: 22:30 UTC on 31 March is
        // 00:30 on 1 April in Copenhagen, 21:59 UTC still March.
        assert_eq!(
            target_month(&schedule(0), utc(2026, 3, 31, 22, 30)),
            month(2026, 4)
        );
        assert_eq!(
            target_month(&schedule(0), utc(2026, 3, 31, 21, 59)),
            month(2026, 3)
        );
        // Summer time ended 25 October 2026: the turn of the month is at +1 again.
        assert_eq!(
            target_month(&schedule(0), utc(2026, 10, 31, 22, 30)),
            month(2026, 10)
        );
        assert_eq!(
            target_month(&schedule(0), utc(2026, 10, 31, 23, 0)),
            month(2026, 11)
        );
        // The night the clocks go back (02:00-03:00 twice) is an ordinary day.
        assert_eq!(
            target_month(&schedule(-1), utc(2026, 10, 25, 0, 30)),
            month(2026, 9)
        );
        assert_eq!(
            target_month(&schedule(-1), utc(2026, 10, 25, 1, 30)),
            month(2026, 9)
        );
    }

    #[test]
    fn the_shipped_cron_expression_is_accepted_with_its_time_zone() {
        let cfg =
            crate::config::PipelineConfig::load(std::path::Path::new("pipelines/monthly.toml"))
                .unwrap();
        let tz = cfg.schedule.timezone;
        assert!(
            Job::new_async_tz(cfg.schedule.cron.as_str(), tz, |_, _| Box::pin(async {})).is_ok()
        );
    }
}
