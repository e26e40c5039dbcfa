//! The report archive in the data dir: `reports/YYYY-MM/` holds the three report
//! files, the inputs they were built from (`grundlag.json`, disclosed aggregates
//! only) and `manifest.json`, which records the model version, the deliveries in
//! force, the threshold and a SHA-256 of every file. Files are written to a temporary
//! name and renamed, so the cockpit never serves half a report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::digest::sha256_hex;
use super::inputs::{self, Inputs};
use super::{Rendered, ReportError};
use crate::config::DataDir;
use crate::table::Cell;

/// The inputs file of a month.
pub const INPUTS_FILE: &str = "grundlag.json";
/// The manifest file of a month.
pub const MANIFEST_FILE: &str = "manifest.json";

/// A delivery the report was built from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRef {
    pub month: String,
    pub batch_id: String,
}

/// What a report was built from and what it consists of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub month: String,
    /// When the report was first built from these inputs (RFC 3339, UTC); the
    /// creation date inside the PDF and the XLSX.
    pub built_at: String,
    pub jobcockpit_version: String,
    /// The model version that scored the month's cohort, if one did.
    pub model_version: Option<String>,
    /// The deliveries in force up to the month (one per month; corrections replace).
    pub batches: Vec<BatchRef>,
    pub disclosure_k: u32,
    /// SHA-256 of the report definition, texts and templates used.
    pub layout_sha256: String,
    /// SHA-256 of `grundlag.json`.
    pub inputs_sha256: String,
    /// File name -> SHA-256, for the three report files.
    pub files: BTreeMap<String, String>,
}

impl Manifest {
    /// The manifest of freshly rendered files.
    pub fn new(
        inputs: &Inputs,
        built_at: &str,
        inputs_sha256: &str,
        layout_sha256: &str,
        rendered: &Rendered,
    ) -> Manifest {
        let files = report_files(inputs.month, rendered)
            .into_iter()
            .map(|(name, bytes)| (name, sha256_hex(bytes)))
            .collect();
        Manifest {
            month: inputs.month.format("%Y-%m").to_string(),
            built_at: built_at.to_string(),
            jobcockpit_version: env!("CARGO_PKG_VERSION").to_string(),
            model_version: Manifest::model_version_of(inputs),
            batches: batches(inputs),
            disclosure_k: inputs.k,
            layout_sha256: layout_sha256.to_string(),
            inputs_sha256: inputs_sha256.to_string(),
            files,
        }
    }
}

impl Manifest {
    /// The model of the month: the one that scored the month's own cohort, or,
    /// in a month without a scored cohort, the one in use after the month's
    /// latest champion/challenger decision (a model may be trained and put in
    /// use in a month that has no cohort yet).
    pub fn model_version_of(inputs: &Inputs) -> Option<String> {
        Self::scorer_of(inputs).or_else(|| Self::in_use_after(inputs))
    }

    fn scorer_of(inputs: &Inputs) -> Option<String> {
        let t = inputs.mart("mart_cohorts");
        let (m, v) = (
            t.column_index("cohort_month")?,
            t.column_index("model_version")?,
        );
        t.rows.iter().find_map(|r| match (&r[m], &r[v]) {
            (Cell::Date(d), Cell::Text(version)) if *d == inputs.month => Some(version.clone()),
            _ => None,
        })
    }

    fn in_use_after(inputs: &Inputs) -> Option<String> {
        let t = inputs.mart("mart_model_changes");
        let (m, v) = (
            t.column_index("run_month")?,
            t.column_index("champion_after")?,
        );
        t.rows
            .iter()
            .filter_map(|r| match (&r[m], &r[v]) {
                (Cell::Date(d), after) if *d <= inputs.month => Some((*d, after)),
                _ => None,
            })
            .max_by_key(|(d, _)| *d)
            .and_then(|(_, after)| match after {
                Cell::Text(version) => Some(version.clone()),
                _ => None,
            })
    }
}

/// The deliveries in force, from the data-quality mart.
fn batches(inputs: &Inputs) -> Vec<BatchRef> {
    let t = inputs.mart("mart_data_quality");
    let cols = ["batch_month", "batch_id", "in_force"].map(|c| t.column_index(c));
    let [Some(m), Some(b), Some(f)] = cols else {
        return Vec::new();
    };
    t.rows
        .iter()
        .filter(|r| r[f] == Cell::Int(1))
        .filter_map(|r| match (&r[m], &r[b]) {
            (Cell::Date(d), Cell::Text(id)) => Some(BatchRef {
                month: d.format("%Y-%m").to_string(),
                batch_id: id.clone(),
            }),
            _ => None,
        })
        .collect()
}

/// The report files' names and contents.
fn report_files(month: NaiveDate, r: &Rendered) -> Vec<(String, &[u8])> {
    let stem = file_stem(month);
    vec![
        (format!("{stem}.html"), r.html.as_slice()),
        (format!("{stem}.pdf"), r.pdf.as_slice()),
        (format!("{stem}.xlsx"), r.xlsx.as_slice()),
    ]
}

/// `rapport-2024-12`.
pub fn file_stem(month: NaiveDate) -> String {
    format!("rapport-{}", month.format("%Y-%m"))
}

/// One month in the archive, for the cockpit's list.
#[derive(Debug, Clone, Serialize)]
pub struct ArchiveEntry {
    pub month: String,
    pub month_label: String,
    pub built_at: String,
    pub model_version: Option<String>,
    /// (file name, size in bytes, kind: html, pdf or xlsx)
    pub files: Vec<(String, u64, String)>,
}

/// The archive folder of one data dir.
pub struct Archive {
    root: PathBuf,
}

impl Archive {
    pub fn new(data_dir: &DataDir) -> Archive {
        Archive {
            root: data_dir.reports(),
        }
    }

    pub fn month_dir(&self, month: NaiveDate) -> PathBuf {
        self.root.join(month.format("%Y-%m").to_string())
    }

    /// The month's manifest, if the month has a report.
    pub fn manifest(&self, month: NaiveDate) -> Result<Option<Manifest>, ReportError> {
        read_manifest(&self.month_dir(month).join(MANIFEST_FILE))
    }

    /// The inputs kept for `month`, checked against the manifest's SHA-256.
    pub fn read_inputs(&self, month: NaiveDate) -> Result<Option<Inputs>, ReportError> {
        let Some(manifest) = self.manifest(month)? else {
            return Ok(None);
        };
        let path = self.month_dir(month).join(INPUTS_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(ReportError::io(&path)(e)),
        };
        if sha256_hex(text.as_bytes()) != manifest.inputs_sha256 {
            return Err(ReportError::Tampered {
                month: manifest.month,
            });
        }
        inputs::decode(&text, &path).map(Some)
    }

    /// Writes the report files, the inputs and then the manifest; returns the paths
    /// of the report files.
    pub fn write(
        &self,
        inputs: &Inputs,
        encoded: &str,
        rendered: &Rendered,
        manifest: &Manifest,
    ) -> Result<Vec<PathBuf>, ReportError> {
        let dir = self.month_dir(inputs.month);
        std::fs::create_dir_all(&dir).map_err(ReportError::io(&dir))?;
        let mut written = Vec::new();
        for (name, bytes) in report_files(inputs.month, rendered) {
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
    pub fn list(&self) -> Result<Vec<ArchiveEntry>, ReportError> {
        let mut months = Vec::new();
        let entries = match std::fs::read_dir(&self.root) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(ReportError::io(&self.root)(e)),
        };
        for entry in entries {
            let entry = entry.map_err(ReportError::io(&self.root))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(month) = parse_month(&name) {
                months.push(month);
            }
        }
        months.sort_unstable_by(|a, b| b.cmp(a));
        let mut out = Vec::new();
        for month in months {
            let Some(m) = self.manifest(month)? else {
                continue;
            };
            let dir = self.month_dir(month);
            let mut files: Vec<(String, u64, String)> = m
                .files
                .keys()
                .map(|name| {
                    let size = std::fs::metadata(dir.join(name)).map_or(0, |md| md.len());
                    let kind = name.rsplit('.').next().unwrap_or("").to_string();
                    (name.clone(), size, kind)
                })
                .collect();
            // The PDF first: it is what goes on the committee's agenda.
            let rank = |kind: &str| ["pdf", "html", "xlsx"].iter().position(|k| *k == kind);
            files.sort_by_key(|f| rank(&f.2));
            out.push(ArchiveEntry {
                month: m.month.clone(),
                month_label: crate::present::format::month_long(month),
                built_at: m.built_at.clone(),
                model_version: m.model_version.clone(),
                files,
            });
        }
        Ok(out)
    }

    /// The path of a report file, only if `month` is a month of the archive and
    /// `file` is one its manifest lists (nothing else can be asked for).
    pub fn file(&self, month: &str, file: &str) -> Result<Option<PathBuf>, ReportError> {
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

/// `YYYY-MM` as the month's first day; nothing else.
pub fn parse_month(s: &str) -> Option<NaiveDate> {
    let ok = s.len() == 7 && s.as_bytes()[4] == b'-';
    ok.then(|| NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").ok())
        .flatten()
}

fn read_manifest(path: &Path) -> Result<Option<Manifest>, ReportError> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| ReportError::Inputs {
                path: path.to_path_buf(),
                message: e.to_string(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ReportError::io(path)(e)),
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<PathBuf, ReportError> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(ReportError::io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(ReportError::io(path))?;
    Ok(path.to_path_buf())
}
