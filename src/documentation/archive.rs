//! The documents' archive in the data dir: `dokumentation/YYYY-MM/` holds the four
//! documents as HTML and PDF, what they were built from (`grundlag.json`, disclosed
//! aggregates and the system's facts) and `manifest.json` with a SHA-256 of each.
//! An inputs file that no longer matches its manifest is refused, never rendered.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::DocError;
use crate::config::DataDir;
use crate::report::archive::parse_month;
use crate::report::digest::sha256_hex;
use crate::report::{inputs as report_inputs, Inputs};

/// The inputs file of a month.
pub const INPUTS_FILE: &str = "grundlag.json";
/// The manifest file of a month.
pub const MANIFEST_FILE: &str = "manifest.json";

/// What a month's documents were built from and what they consist of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub month: String,
    /// When first built from these inputs (RFC 3339, UTC): the PDFs' creation date.
    pub built_at: String,
    pub jobcockpit_version: String,
    pub disclosure_k: u32,
    /// SHA-256 of the catalogue and templates used.
    pub layout_sha256: String,
    /// SHA-256 of `grundlag.json`.
    pub inputs_sha256: String,
    /// File name -> SHA-256.
    pub files: BTreeMap<String, String>,
}

/// One month of the archive, for the page.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub month: String,
    pub month_label: String,
    pub built_at: String,
    /// File names, PDFs first.
    pub files: Vec<String>,
}

/// The documents' folder of one data dir.
pub struct Archive {
    root: PathBuf,
}

impl Archive {
    pub fn new(data_dir: &DataDir) -> Archive {
        Archive {
            root: data_dir.documentation(),
        }
    }

    pub fn month_dir(&self, month: NaiveDate) -> PathBuf {
        self.root.join(month.format("%Y-%m").to_string())
    }

    pub fn manifest(&self, month: NaiveDate) -> Result<Option<Manifest>, DocError> {
        let path = self.month_dir(month).join(MANIFEST_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| DocError::Inputs {
                    path,
                    message: e.to_string(),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(DocError::io(&path)(e)),
        }
    }

    /// The inputs kept for `month`, checked against the manifest's SHA-256.
    pub fn read_inputs(&self, month: NaiveDate) -> Result<Option<Inputs>, DocError> {
        let Some(manifest) = self.manifest(month)? else {
            return Ok(None);
        };
        let path = self.month_dir(month).join(INPUTS_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(DocError::io(&path)(e)),
        };
        if sha256_hex(text.as_bytes()) != manifest.inputs_sha256 {
            return Err(DocError::Tampered {
                month: manifest.month,
            });
        }
        Ok(Some(report_inputs::decode(&text, &path)?))
    }

    /// Writes the files, the inputs and last the manifest.
    pub fn write(
        &self,
        month: NaiveDate,
        encoded: &str,
        files: &[(String, Vec<u8>)],
        manifest: &Manifest,
    ) -> Result<Vec<PathBuf>, DocError> {
        let dir = self.month_dir(month);
        std::fs::create_dir_all(&dir).map_err(DocError::io(&dir))?;
        let mut written = Vec::new();
        for (name, bytes) in files {
            written.push(write_atomic(&dir.join(name), bytes)?);
        }
        write_atomic(&dir.join(INPUTS_FILE), encoded.as_bytes())?;
        let mut json = serde_json::to_string_pretty(manifest).unwrap_or_default();
        json.push('\n');
        // The manifest goes last: a month with a manifest has all its files.
        write_atomic(&dir.join(MANIFEST_FILE), json.as_bytes())?;
        Ok(written)
    }

    /// Every month with a manifest, newest first.
    pub fn list(&self) -> Result<Vec<Entry>, DocError> {
        let entries = match std::fs::read_dir(&self.root) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(DocError::io(&self.root)(e)),
        };
        let mut months = Vec::new();
        for entry in entries {
            let entry = entry.map_err(DocError::io(&self.root))?;
            if let Some(m) = parse_month(&entry.file_name().to_string_lossy()) {
                months.push(m);
            }
        }
        months.sort_unstable_by(|a, b| b.cmp(a));
        let mut out = Vec::new();
        for month in months {
            let Some(m) = self.manifest(month)? else {
                continue;
            };
            let mut files: Vec<String> = m.files.keys().cloned().collect();
            files.sort_by_key(|f| (!f.ends_with(".pdf"), f.clone()));
            out.push(Entry {
                month: m.month.clone(),
                month_label: crate::present::format::month_long(month),
                built_at: m.built_at.clone(),
                files,
            });
        }
        Ok(out)
    }

    /// The path of a file, only if the month's manifest lists it.
    pub fn file(&self, month: &str, file: &str) -> Result<Option<PathBuf>, DocError> {
        let Some(month) = parse_month(month) else {
            return Ok(None);
        };
        let Some(m) = self.manifest(month)? else {
            return Ok(None);
        };
        Ok(m.files
            .contains_key(file)
            .then(|| self.month_dir(month).join(file)))
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<PathBuf, DocError> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(DocError::io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(DocError::io(path))?;
    Ok(path.to_path_buf())
}
