//! The run log: `pipeline_runs` and `pipeline_steps`. Every statement the runner
//! and the app make on them goes through [`RunLog`]; the SQL is in `sql/pipeline/`.

use chrono::NaiveDate;
use duckdb::{params, Connection, OptionalExt};

use super::StepRecord;

const RUN_STARTED: &str = include_str!("../../sql/pipeline/run_started.sql");
const RUN_SUCCEEDED: &str = include_str!("../../sql/pipeline/run_succeeded.sql");
const RUN_FAILED: &str = include_str!("../../sql/pipeline/run_failed.sql");
const STEP_RECORDED: &str = include_str!("../../sql/pipeline/step_recorded.sql");
const RUNS_INTERRUPTED: &str = include_str!("../../sql/pipeline/runs_interrupted.sql");
const LATEST_SUCCEEDED_MONTH: &str = include_str!("../../sql/pipeline/latest_succeeded_month.sql");
const FAILED_SINCE_SUCCESS: &str = include_str!("../../sql/pipeline/failed_since_success.sql");

/// One run's entry in the log, from its start to its end.
#[derive(Debug)]
pub struct RunLog {
    run_id: String,
}

impl RunLog {
    /// Records a run of `month` as running; its id is the month and the start time.
    pub fn start(
        conn: &Connection,
        month: NaiveDate,
        trigger: &str,
    ) -> Result<RunLog, duckdb::Error> {
        let run_id = format!(
            "{}-{}",
            month.format("%Y-%m"),
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f")
        );
        conn.execute(RUN_STARTED, params![run_id, month.to_string(), trigger])?;
        Ok(RunLog { run_id })
    }

    /// The run's id.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// Records the steps in the order they ran.
    pub fn record_steps(
        &self,
        conn: &Connection,
        steps: &[StepRecord],
    ) -> Result<(), duckdb::Error> {
        let mut stmt = conn.prepare(STEP_RECORDED)?;
        for (i, s) in steps.iter().enumerate() {
            stmt.execute(params![
                self.run_id,
                s.step.name(),
                i as i32,
                s.duration_ms as i64,
                s.rows,
                if s.failed { "failed" } else { "succeeded" },
                s.detail
            ])?;
        }
        Ok(())
    }

    /// Ends the run as succeeded.
    pub fn succeeded(self, conn: &Connection) -> Result<(), duckdb::Error> {
        conn.execute(RUN_SUCCEEDED, [&self.run_id])?;
        Ok(())
    }

    /// Ends the run as failed with `error`.
    pub fn failed(self, conn: &Connection, error: &str) -> Result<(), duckdb::Error> {
        conn.execute(RUN_FAILED, params![error, self.run_id])?;
        Ok(())
    }

    /// Marks runs left running by a process that stopped as failed; returns how many.
    pub fn close_interrupted(conn: &Connection) -> Result<usize, duckdb::Error> {
        conn.execute(RUNS_INTERRUPTED, [])
    }

    /// Failed runs since the last run that succeeded: (month as `MM-YYYY`, failures).
    pub fn failed_since_success(conn: &Connection) -> Result<Vec<(String, i64)>, duckdb::Error> {
        conn.prepare(FAILED_SINCE_SUCCESS)?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect()
    }

    /// The month (`YYYY-MM`) of the latest successful run, if any.
    pub fn latest_succeeded_month(conn: &Connection) -> Result<Option<String>, duckdb::Error> {
        Ok(conn
            .query_row(LATEST_SUCCEEDED_MONTH, [], |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()?
            .flatten())
    }
}
