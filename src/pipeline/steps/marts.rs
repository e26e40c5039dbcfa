//! `marts`: the tables the cockpit and the report read.

use duckdb::Connection;

use super::StepResult;
use crate::store::{self, count_rows, run_file};

pub(super) fn run(conn: &Connection) -> StepResult {
    for f in store::MARTS {
        run_file(conn, f)?;
    }
    Ok((count_rows(conn, "mart_cohorts")?, String::new()))
}
