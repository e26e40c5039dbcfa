//! `evaluate`: per-cohort metrics (`metric_cohorts`), recomputed every run because
//! outcomes arrive late.

use duckdb::Connection;

use super::StepResult;
use crate::pipeline::RunReport;
use crate::store::{self, count_rows, StoreError};

pub(super) fn run(conn: &Connection, report: &RunReport) -> StepResult {
    conn.execute("delete from metric_cohorts", [])?;
    conn.execute(store::METRIC_COHORTS.sql, [&report.run_id])
        .map_err(|source| StoreError::Sql {
            name: store::METRIC_COHORTS.name.into(),
            source,
        })?;
    Ok((count_rows(conn, "metric_cohorts")?, String::new()))
}
