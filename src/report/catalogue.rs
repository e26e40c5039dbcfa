//! The report's message catalogue (`reports/messages.da.toml`), in the shared format
//! of [`crate::present::catalogue`]: read from the reports folder and counted in the
//! report's digest.

use std::path::Path;

pub use crate::present::catalogue::Catalogue;

use super::digest::Digest;
use super::ReportError;

/// Reads the report's catalogue file and adds it to the digest.
pub fn load(path: &Path, digest: &mut Digest) -> Result<Catalogue, ReportError> {
    let text = std::fs::read_to_string(path).map_err(ReportError::io(path))?;
    digest.add("messages.da.toml", text.as_bytes());
    Catalogue::parse("messages.da.toml", &text).map_err(|e| ReportError::Spec {
        path: path.to_path_buf(),
        message: e.message,
    })
}

/// Fails if a text was asked for that the catalogue lacks, so a typo in a key
/// cannot reach a committee member as `[key]`.
pub fn check_complete(t: &Catalogue) -> Result<(), ReportError> {
    match t.first_missing() {
        Some(key) => Err(ReportError::MissingText(key)),
        None => Ok(()),
    }
}
