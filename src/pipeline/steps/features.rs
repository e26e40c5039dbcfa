//! `features`: the staging views and the feature tables, rebuilt for the run month.

use duckdb::Connection;

use super::StepResult;
use crate::store::{self, count_rows, run_file};

pub(super) fn run(conn: &Connection) -> StepResult {
    for f in store::STAGING.iter().chain(store::FEATURES) {
        run_file(conn, f)?;
    }
    Ok((count_rows(conn, "feat_features")?, String::new()))
}
