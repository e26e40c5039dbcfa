//! The inbox: one folder per month (`YYYY-MM`). A month's folder is pending (its
//! delivery's files are there to load), loaded (the files were deleted after the
//! load, leaving the receipt, and the store has a batch in force for the month) or
//! missing. The runner's ingest step and `jobcockpit ingest` both ask here.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::ingest::{self, IngestError, LoadReport, Removal};
use crate::store::Store;

/// Where a month's delivery stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MonthFolder {
    /// Files to load (or a folder whose files are gone but whose month was never
    /// loaded: loading it fails with the missing file, as it should).
    Pending(PathBuf),
    /// Loaded before; its files were deleted after the load ([`ingest::RECEIPT_FILE`]).
    Loaded(PathBuf),
    /// No folder for the month.
    Missing(PathBuf),
}

impl MonthFolder {
    /// Finds where the delivery in `folder`, for `month`, stands.
    pub fn of(store: &Store, folder: &Path, month: NaiveDate) -> Result<MonthFolder, IngestError> {
        let folder = folder.to_path_buf();
        if !folder.is_dir() {
            return Ok(MonthFolder::Missing(folder));
        }
        if ingest::holds_no_delivery_files(&folder) && ingest::month_loaded(store, month)? {
            return Ok(MonthFolder::Loaded(folder));
        }
        // Killed while the loaded files were being deleted: the deletion is finished now.
        if let Some(removal) = ingest::finish_interrupted_removal(store, &folder, month)? {
            tracing::warn!(folder = %folder.display(), deleted = ?removal.deleted, "en afbrudt sletning af en indlæst levering er gjort færdig");
            return Ok(MonthFolder::Loaded(folder));
        }
        Ok(MonthFolder::Pending(folder))
    }
}

/// The inbox of a data dir.
#[derive(Debug, Clone)]
pub struct Inbox {
    root: PathBuf,
}

impl Inbox {
    /// The inbox folder at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Inbox {
        Inbox { root: root.into() }
    }

    /// Where `month`'s delivery stands.
    pub fn month(&self, store: &Store, month: NaiveDate) -> Result<MonthFolder, IngestError> {
        let folder = self.root.join(month.format("%Y-%m").to_string());
        MonthFolder::of(store, &folder, month)
    }

    /// Every delivered month, in order.
    pub fn months(&self) -> Result<Vec<(NaiveDate, PathBuf)>, IngestError> {
        ingest::delivery_folders(&self.root)
    }
}

/// Deletes a loaded delivery's files (they hold raw CPR numbers) when the settings
/// say so, leaving the receipt. A failure to delete does not undo the load: the
/// caller reports it. `None` when the settings keep the files.
pub fn remove_if_configured(
    remove: bool,
    folder: &Path,
    load: &LoadReport,
) -> Option<Result<Removal, IngestError>> {
    remove.then(|| ingest::remove_loaded_delivery(folder, load))
}
