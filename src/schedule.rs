//! The monthly schedule: a tokio-cron-scheduler job from `pipelines/monthly.toml`
//! that runs the pipeline for the month the schedule names, in its time zone.

use chrono::{Datelike, NaiveDate, TimeZone};
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

use crate::config::ScheduleConfig;

/// Schedule errors.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error("ukendt tidszone '{0}'")]
    TimeZone(String),
    #[error("planlæggeren fejlede: {0}")]
    Scheduler(#[from] JobSchedulerError),
}

/// The month a run started at `now` processes: the current month moved by `offset`.
pub fn target_month<Tz: TimeZone>(now: chrono::DateTime<Tz>, offset: i32) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(now.year(), now.month(), 1).expect("day 1 exists");
    if offset >= 0 {
        first + chrono::Months::new(offset as u32)
    } else {
        first - chrono::Months::new(offset.unsigned_abs())
    }
}

/// Starts a scheduler that calls `run` with the target month at every tick.
/// `run` is blocking (it runs the pipeline) and is called off the async executor.
pub async fn start<F>(cfg: &ScheduleConfig, run: F) -> Result<JobScheduler, ScheduleError>
where
    F: Fn(NaiveDate) + Clone + Send + Sync + 'static,
{
    let tz: chrono_tz::Tz = cfg
        .timezone
        .parse()
        .map_err(|_| ScheduleError::TimeZone(cfg.timezone.clone()))?;
    let offset = cfg.month_offset;
    let scheduler = JobScheduler::new().await?;
    let job = Job::new_async_tz(cfg.cron.as_str(), tz, move |_id, _lock| {
        let run = run.clone();
        Box::pin(async move {
            let month = target_month(chrono::Utc::now().with_timezone(&tz), offset);
            tracing::info!(%month, "planlagt månedskørsel starter");
            if let Err(e) = tokio::task::spawn_blocking(move || run(month)).await {
                tracing::error!(error = %e, "planlagt kørsel gik ned");
            }
        })
    })?;
    scheduler.add(job).await?;
    scheduler.start().await?;
    Ok(scheduler)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheduled_run_on_the_5th_processes_the_previous_month() {
        let tz = chrono_tz::Europe::Copenhagen;
        let now = tz.with_ymd_and_hms(2026, 1, 5, 6, 0, 0).unwrap();
        assert_eq!(
            target_month(now, -1),
            NaiveDate::from_ymd_opt(2025, 12, 1).unwrap()
        );
    }

    #[test]
    fn the_shipped_cron_expression_is_accepted_with_its_time_zone() {
        let cfg =
            crate::config::PipelineConfig::load(std::path::Path::new("pipelines/monthly.toml"))
                .unwrap();
        let tz: chrono_tz::Tz = cfg.schedule.timezone.parse().unwrap();
        assert!(
            Job::new_async_tz(cfg.schedule.cron.as_str(), tz, |_, _| Box::pin(async {})).is_ok()
        );
    }
}
