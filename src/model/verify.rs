//! `jobcockpit model verify VERSION`: a registered version refitted from the
//! store's batches in force at its run month, its artefact rebuilt and checked
//! byte for byte against the file written when it was trained. Everything runs in
//! a transaction that is rolled back: verifying changes nothing in the store.
//!
//! What can make a version unreproducible, and is then reported, not hidden: a
//! month re-delivered since (other batches in force), rows deleted by retention,
//! a changed pipeline file or feature policy.

use std::path::Path;

use chrono::NaiveDate;
use duckdb::{params, Connection, OptionalExt};

use super::card::{self, CardInput};
use super::champion::{self, Champion};
use super::policy::FeaturePolicy;
use super::{registry, ModelError};
use crate::config::PipelineConfig;
use crate::store::{self, run_file};

/// What a verification found.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The refitted artefact is the stored one, byte for byte.
    Identical { bytes: usize },
    /// It is not; `line` is the first differing line (1-based), `why` in Danish.
    Differs { line: usize, why: String },
}

/// Refits `version` and compares its artefact with the file in `models_dir`.
pub fn verify(
    conn: &Connection,
    version: &str,
    cfg: &PipelineConfig,
    policy: &FeaturePolicy,
    k: u32,
    models_dir: &Path,
) -> Result<Verdict, ModelError> {
    let (run_id, run_month): (String, String) = conn
        .query_row(
            "select trained_in_run, run_month::varchar from model_versions where version = ?",
            [version],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| ModelError::Fit(format!("modelversionen '{version}' findes ikke")))?;
    let run_month = NaiveDate::parse_from_str(&run_month, "%Y-%m-%d")
        .map_err(|e| ModelError::Tree(e.to_string()))?;
    let path = models_dir.join(format!("{version}.json"));
    let stored = std::fs::read_to_string(&path)
        .map_err(|e| ModelError::Tree(format!("{}: {e}", path.display())))?;
    conn.execute_batch("begin transaction")?;
    let rebuilt = refit(
        conn, version, &run_id, run_month, cfg, policy, k, models_dir,
    );
    // Whatever happened, the store is left as it was.
    let _ = conn.execute_batch("rollback");
    Ok(match rebuilt? {
        Err(why) => Verdict::Differs { line: 0, why },
        Ok(json) => compare(&stored, &json),
    })
}

/// The artefact of a fresh fit at `run_month`, or why there is none.
#[allow(clippy::too_many_arguments)]
fn refit(
    conn: &Connection,
    version: &str,
    run_id: &str,
    run_month: NaiveDate,
    cfg: &PipelineConfig,
    policy: &FeaturePolicy,
    k: u32,
    models_dir: &Path,
) -> Result<Result<String, String>, ModelError> {
    // As the run did: the run month, then the staging views and the features.
    conn.execute("delete from run_params", [])?;
    conn.execute(
        include_str!("../../sql/pipeline/run_params_set.sql"),
        params![run_month.to_string(), cfg.cohort.horizon_months],
    )?;
    for f in store::STAGING.iter().chain(store::FEATURES) {
        run_file(conn, f)?;
    }
    let Some(outcome) = super::train(conn, run_month, cfg, policy)? else {
        return Ok(Err("for få modne kohorter til at træne en model".into()));
    };
    if outcome.version != version {
        return Ok(Err(format!(
            "genberegningen gav en anden model ({}): træet er ikke det samme",
            outcome.version
        )));
    }
    let previous = registry::champion(conn, run_month - chrono::Months::new(1))?;
    let decision = champion::decide(
        &outcome,
        previous
            .as_ref()
            .map(|(version, tree, trained_to)| Champion {
                version,
                tree,
                trained_to: *trained_to,
            }),
        cfg.training.promotion_tolerance,
    );
    let input = CardInput {
        run_id,
        run_month,
        horizon: cfg.cohort.horizon_months,
        decision: &decision,
        policy,
        k,
        models_dir,
    };
    Ok(Ok(card::artefact(conn, &outcome, &input)?))
}

fn compare(stored: &str, rebuilt: &str) -> Verdict {
    if stored.as_bytes() == rebuilt.as_bytes() {
        return Verdict::Identical {
            bytes: stored.len(),
        };
    }
    let line = stored
        .lines()
        .zip(rebuilt.lines())
        .position(|(a, b)| a != b)
        .map_or(
            stored.lines().count().min(rebuilt.lines().count()) + 1,
            |i| i + 1,
        );
    let shown = |s: &str| s.lines().nth(line - 1).unwrap_or("").trim().to_string();
    Verdict::Differs {
        line,
        why: format!(
            "artefaktfilen afviger fra linje {line}: gemt »{}«, genberegnet »{}«",
            shown(stored),
            shown(rebuilt)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_differing_line_is_named() {
        assert_eq!(compare("a\nb\n", "a\nb\n"), Verdict::Identical { bytes: 4 });
        let Verdict::Differs { line, why } = compare("a\nb\nc", "a\nx\nc") else {
            panic!("differs")
        };
        assert_eq!(line, 2);
        assert!(why.contains("»b«") && why.contains("»x«"), "{why}");
    }
}
