//! `marts`: the tables the cockpit and the report read, in the order their mart files
//! declare (`sql/marts/mart_x.toml`).

use duckdb::Connection;

use super::StepResult;
use crate::store::{self, count_rows};

pub(super) fn run(conn: &Connection) -> StepResult {
    // The months whose individual rows the retention deleted keep the figures
    // computed from every row (crate::retention).
    crate::retention::restore_cohorts(conn)?;
    store::run_marts(conn)?;
    crate::retention::restore_inflow(conn)?;
    Ok((count_rows(conn, "mart_cohorts")?, String::new()))
}
