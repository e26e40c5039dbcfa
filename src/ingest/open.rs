//! Opening a delivered file safely, shared by the CSV reader (`read`) and the
//! Parquet reader (`parquet`): in a file below both, so neither imports the other.

use std::fs::{File, Metadata};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::{IngestError, RowError};
use crate::extracts;

/// Why a symbolic link in a delivery is refused. A link in the inbox was how a
/// hostile delivery made ingest print the store key (a `status.csv` linked to
/// it) and overwrite it (a receipt linked to it): nothing under the inbox is
/// followed, read or written through a link.
pub(super) const SYMLINK_REASON: &str =
    "filen er et symbolsk link; en levering består af almindelige filer, og links følges aldrig";

/// Whether anything (a file, a link, a folder) stands at `path`, without
/// following a link.
pub(super) fn present(path: &Path) -> Result<bool, IngestError> {
    match std::fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(IngestError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Opens a delivered file for reading: a regular file, never through a
/// symbolic link (`O_NOFOLLOW`, so a link swapped in after the check is not
/// followed either), never blocking on a FIFO (`O_NONBLOCK`), and no larger
/// than [`extracts::MAX_FILE_BYTES`].
pub(super) fn open_regular(path: &Path) -> Result<(File, Metadata), IngestError> {
    let name = path.display().to_string();
    let refuse = |reason: String| file_error(&name, reason);
    let read_error = |source| IngestError::Read {
        path: path.to_path_buf(),
        source,
    };
    let m = std::fs::symlink_metadata(path).map_err(read_error)?;
    if m.file_type().is_symlink() {
        return Err(refuse(SYMLINK_REASON.into()));
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::ELOOP) {
                refuse(SYMLINK_REASON.into())
            } else {
                read_error(e)
            }
        })?;
    let meta = file.metadata().map_err(read_error)?;
    if !meta.file_type().is_file() {
        return Err(refuse(
            "er ikke en almindelig fil (en mappe, en enhed eller et rør); en levering består af almindelige filer"
                .into(),
        ));
    }
    if meta.len() > extracts::MAX_FILE_BYTES {
        return Err(refuse(format!(
            "filen fylder {} bytes, mere end grænsen på {} bytes for én udtræksfil",
            meta.len(),
            extracts::MAX_FILE_BYTES
        )));
    }
    Ok((file, meta))
}

/// Refuses a file that changed while it was read (a case system still writing
/// it, a copy still running): what was read is not what the file holds.
pub(super) fn unchanged_since(
    file: &File,
    before: &Metadata,
    name: &str,
) -> Result<(), IngestError> {
    let after = file.metadata().map_err(|source| IngestError::Read {
        path: name.into(),
        source,
    })?;
    if after.len() != before.len() || after.modified().ok() != before.modified().ok() {
        return Err(file_error(
            name,
            "filen blev ændret, mens den blev læst (skrives den stadig?); intet er indlæst, prøv igen, når leveringen er færdig",
        ));
    }
    Ok(())
}

/// A whole-file refusal of `file` (line 0: the file as a whole, no value shown).
fn file_error(file: &str, reason: impl Into<String>) -> IngestError {
    IngestError::File(RowError {
        file: file.to_string(),
        line: 0,
        column: String::new(),
        value: String::new(),
        reason: reason.into(),
    })
}
