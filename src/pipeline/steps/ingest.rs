//! `ingest`: the month's delivery from the inbox, in a transaction of its own (a
//! valid delivery stays loaded even if a later step fails), then its files deleted.

use crate::ingest::{self, LoadReport};
use crate::pipeline::inbox::{remove_if_configured, Inbox, MonthFolder};
use crate::pipeline::{Context, PipelineError};
use crate::store::Store;

/// Loads the month's delivery: rows and the run log's line. A month with no folder
/// is [`PipelineError::NoDelivery`]; a month loaded before whose files are gone
/// loads nothing.
pub(in crate::pipeline) fn run(
    store: &Store,
    ctx: &Context<'_>,
    month: chrono::NaiveDate,
) -> Result<(i64, String), PipelineError> {
    let inbox = Inbox::new(ctx.settings.data_dir.inbox());
    let dir = match inbox.month(store, month)? {
        MonthFolder::Missing(dir) => return Err(PipelineError::NoDelivery { month, dir }),
        MonthFolder::Loaded(_) => {
            return Ok((
                0,
                format!(
                    "allerede indlæst; leveringens filer er slettet efter indlæsningen ({})",
                    ingest::RECEIPT_FILE
                ),
            ))
        }
        MonthFolder::Pending(dir) => dir,
    };
    let load = ingest::load(
        store,
        &dir,
        ctx.pseudonymiser,
        &ingest::LoadOptions {
            max_bad_share: ctx.pipeline.ingest.max_bad_share,
            max_incomplete_history_share: ctx.pipeline.ingest.max_incomplete_history_share,
            dry_run: false,
            progress: &ingest::NoProgress,
        },
    )?;
    let mut detail = detail(&load);
    // The batch is committed: the files with raw CPRs can go. Failing to delete
    // them does not undo the load or stop the run; the run log and the service
    // log say so.
    match remove_if_configured(ctx.settings.remove_loaded_deliveries, &dir, &load) {
        Some(Ok(r)) if !r.kept.is_empty() => {
            tracing::warn!(%month, kept = ?r.kept, "leveringsfiler beholdt: indholdet er ikke det indlæste");
            detail.push_str(&format!(
                "; beholdt (ikke det indlæste indhold): {}",
                r.kept.join(", ")
            ));
        }
        Some(Err(e)) => {
            tracing::warn!(%month, error = %e, "leveringens filer kunne ikke slettes");
            detail.push_str(&format!("; filerne kunne ikke slettes: {e}"));
        }
        _ => {}
    }
    let rows = if load.already_loaded {
        0
    } else {
        load.total_rows() as i64
    };
    Ok((rows, detail))
}

/// The run log's line for the ingest step: which batch, whether it was loaded before
/// (and replaced since), which earlier batch of the month it replaces, and quarantine.
fn detail(load: &LoadReport) -> String {
    let mut detail = match (&load.already_loaded, &load.superseded_by) {
        (true, Some(newer)) => format!(
            "batch {} var allerede indlæst og er siden erstattet af batch {newer}; intet indlæst igen",
            load.batch_id
        ),
        (true, None) => format!(
            "batch {} var allerede indlæst; intet indlæst igen",
            load.batch_id
        ),
        (false, _) => format!("batch {}", load.batch_id),
    };
    if let Some(old) = &load.supersedes {
        // A corrected re-delivery: the run log must say which month's rows changed.
        detail.push_str(&format!(
            "; erstatter batch {} for samme måned ({} rækker ude af brug)",
            old.batch_id, old.rows
        ));
    }
    if !load.already_loaded && !load.quarantined.is_empty() {
        detail.push_str(&format!(
            "; {} rækker sat i karantæne (se raw_quarantine)",
            load.quarantined.len()
        ));
    }
    for w in &load.warnings {
        detail.push_str(&format!("; advarsel: {w}"));
    }
    detail
}

#[cfg(test)]
mod tests {
    use super::detail;
    use crate::ingest::{LoadReport, Superseded};
    use chrono::NaiveDate;

    fn load() -> LoadReport {
        LoadReport {
            batch_id: "b2".into(),
            month: NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
            already_loaded: false,
            superseded_by: None,
            supersedes: None,
            rows: vec![("status", 10)],
            quarantined: Vec::new(),
            files: Vec::new(),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn a_re_delivery_is_named_in_the_run_log_with_the_batch_it_replaces() {
        let mut l = load();
        assert_eq!(detail(&l), "batch b2");
        l.supersedes = Some(Superseded {
            batch_id: "b1".into(),
            rows: 7,
        });
        assert_eq!(
            detail(&l),
            "batch b2; erstatter batch b1 for samme måned (7 rækker ude af brug)"
        );
    }

    #[test]
    fn a_repeated_batch_that_was_replaced_since_says_by_which() {
        let mut l = load();
        l.already_loaded = true;
        l.superseded_by = Some("b3".into());
        assert_eq!(
            detail(&l),
            "batch b2 var allerede indlæst og er siden erstattet af batch b3; intet indlæst igen"
        );
    }
}
