//! The accountability pack (issue #16): the documents the AI Act and the GDPR ask
//! of a municipality that builds and uses this model, written every month by the
//! system from its own records, in Danish, as HTML and PDF:
//! Teknisk dokumentation (Annex IV), Brugsanvisning (Art. 13), the fundamental
//! rights impact assessment (Art. 27) and the DPIA skeleton (GDPR Art. 35).
//!
//! Flow, as the committee report's: [`inputs::gather`] (marts -> disclosure, the
//! system's facts) -> [`content::build`] (a report [`crate::report::Document`] per kind; every
//! figure through [`figures::Figures`], which records its mart cell) -> HTML (the
//! report's template) and PDF (the report's renderer: bookmarks per section) ->
//! [`archive`] (`<data_dir>/dokumentation/YYYY-MM/`, a manifest with SHA-256s), so
//! a past month regenerates byte for byte and a changed input is refused.
//! The log export (Art. 12, 26(6)) is [`logs`].

pub mod archive;
pub mod content;
pub mod figures;
pub mod inputs;
pub mod logs;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, SecondsFormat, Utc};
use duckdb::Connection;

pub use self::archive::{Archive, Manifest};
pub use self::content::{Built, Kind};
use crate::config::{PipelineConfig, Settings};
use crate::model::policy::FeaturePolicy;
use crate::present::catalogue::Catalogue;
use crate::report::digest::{sha256_hex, Digest};
use crate::report::html::Templates;
use crate::report::{inputs as report_inputs, Inputs, ReportError};
use crate::store::StoreError;

/// Errors of the documents; each names the month, file or text concerned.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("kunne ikke læse eller skrive {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("dokumentationens opsætning: {0}")]
    Spec(String),
    #[error("teksten '{0}' mangler i dokumentationens tekstkatalog")]
    MissingText(String),
    #[error("dokumentationens grundlag {path} kan ikke læses: {message}")]
    Inputs { path: PathBuf, message: String },
    #[error("der er intet grundlag for dokumentation for {month}: tabellerne er bygget for {built}, og arkivet har ingen dokumentation for {month}. Kør 'jobcockpit run --month {month} --force' først")]
    NoInputs { month: String, built: String },
    #[error("arkivets grundlag for dokumentationen for {month} svarer ikke til kontrolsummen i dets manifest; dokumenterne genskabes ikke")]
    Tampered { month: String },
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("databasefejl: {0}")]
    Db(#[from] duckdb::Error),
    #[error("logeksport: {0}")]
    Export(String),
}

impl DocError {
    pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DocError + '_ {
        move |source| DocError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The catalogue (`reports/dokumentation.da.toml`) and the report's templates.
pub struct Layout {
    catalogue: Catalogue,
    html: Templates,
    digest: String,
}

impl Layout {
    pub fn load(reports_dir: &Path) -> Result<Layout, DocError> {
        let mut digest = Digest::default();
        let path = reports_dir.join("dokumentation.da.toml");
        let text = std::fs::read_to_string(&path).map_err(DocError::io(&path))?;
        digest.add("dokumentation.da.toml", text.as_bytes());
        let catalogue = Catalogue::parse("dokumentation.da.toml", &text)
            .map_err(|e| DocError::Spec(e.message))?;
        let html = Templates::load(reports_dir, &mut digest)?;
        Ok(Layout {
            catalogue,
            html,
            digest: digest.finish(),
        })
    }

    /// The `[page]` texts for `/dokumentation`, filled in.
    pub fn page_texts(
        &self,
        k: u32,
        log_retention_months: u32,
    ) -> std::collections::BTreeMap<String, String> {
        let args = [
            ("k", k.to_string()),
            ("log_retention", log_retention_months.to_string()),
        ];
        ["title", "intro", "empty", "month", "built", "files", "logs"]
            .iter()
            .map(|key| {
                (
                    (*key).to_string(),
                    self.catalogue.f(&format!("page.{key}"), &args),
                )
            })
            .collect()
    }
}

/// Builds the four documents; fails if a text is missing from the catalogue.
pub fn build(layout: &Layout, inputs: &Inputs) -> Result<Vec<Built>, DocError> {
    let built = Kind::ALL
        .iter()
        .map(|&kind| content::build(kind, inputs, &layout.catalogue))
        .collect();
    if let Some(key) = layout.catalogue.first_missing() {
        return Err(DocError::MissingText(key));
    }
    Ok(built)
}

/// The files of the month: `<slug>-YYYY-MM.html` and `.pdf` for each document.
pub fn render(
    layout: &Layout,
    inputs: &Inputs,
    built_at: &str,
) -> Result<Vec<(String, Vec<u8>)>, DocError> {
    let stamp = inputs.month.format("%Y-%m").to_string();
    let mut files = Vec::new();
    for b in build(layout, inputs)? {
        let stem = format!("{}-{stamp}", b.kind.slug());
        let html = layout.html.report(&b.doc, &layout.catalogue)?;
        files.push((format!("{stem}.html"), html.into_bytes()));
        files.push((
            format!("{stem}.pdf"),
            crate::report::render_pdf(&b.doc, built_at)?,
        ));
    }
    Ok(files)
}

/// Where the documents came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Marts,
    Archive,
}

/// What [`generate`] or [`regenerate`] wrote.
#[derive(Debug, Clone)]
pub struct Written {
    pub month: NaiveDate,
    pub dir: PathBuf,
    pub files: Vec<PathBuf>,
    pub source: Source,
    /// Whether the files are byte for byte those already archived (`None`: none were).
    pub same_as_before: Option<bool>,
    pub manifest: Manifest,
}

/// Everything the documents need besides the store.
pub struct DocContext<'a> {
    pub settings: &'a Settings,
    pub pipeline: &'a PipelineConfig,
    pub policy: &'a FeaturePolicy,
    pub layout: &'a Layout,
}

/// Builds the month's documents from the marts (built for `month`) and archives them.
#[tracing::instrument(skip_all, fields(month = %month), err)]
pub fn generate(
    conn: &Connection,
    ctx: &DocContext<'_>,
    month: NaiveDate,
) -> Result<Written, DocError> {
    let inputs = inputs::gather(conn, ctx.settings, ctx.pipeline, ctx.policy, month)?;
    write(ctx, inputs, Source::Marts)
}

/// `jobcockpit dokumentation --month`: from the marts when they were built for
/// `month`, otherwise from the inputs the archive kept (checked against its manifest).
pub fn regenerate(
    conn: &Connection,
    ctx: &DocContext<'_>,
    month: NaiveDate,
) -> Result<Written, DocError> {
    if report_inputs::marts_month(conn)? == Some(month) {
        return generate(conn, ctx, month);
    }
    match Archive::new(&ctx.settings.data_dir).read_inputs(month)? {
        Some(inputs) => write(ctx, inputs, Source::Archive),
        None => Err(DocError::NoInputs {
            month: month.format("%Y-%m").to_string(),
            built: report_inputs::marts_month(conn)?
                .map_or_else(|| "ingen måned".into(), |m| m.format("%Y-%m").to_string()),
        }),
    }
}

fn write(ctx: &DocContext<'_>, inputs: Inputs, source: Source) -> Result<Written, DocError> {
    let archive = Archive::new(&ctx.settings.data_dir);
    let encoded = report_inputs::encode(&inputs);
    let inputs_sha256 = sha256_hex(encoded.as_bytes());
    let before = archive.manifest(inputs.month)?;
    // The same inputs are the same documents: keep the creation date, so the
    // PDFs come out byte for byte the same.
    let built_at = match &before {
        Some(m) if m.inputs_sha256 == inputs_sha256 => m.built_at.clone(),
        _ => Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
    };
    let files = render(ctx.layout, &inputs, &built_at)?;
    let manifest = Manifest {
        month: inputs.month.format("%Y-%m").to_string(),
        built_at,
        jobcockpit_version: inputs::fact(&inputs, "jobcockpit_version").to_string(),
        disclosure_k: inputs.k,
        layout_sha256: ctx.layout.digest.clone(),
        inputs_sha256,
        files: files
            .iter()
            .map(|(n, b)| (n.clone(), sha256_hex(b)))
            .collect(),
    };
    let same_as_before = before.as_ref().map(|m| m.files == manifest.files);
    let written = archive.write(inputs.month, &encoded, &files, &manifest)?;
    Ok(Written {
        month: inputs.month,
        dir: archive.month_dir(inputs.month),
        files: written,
        source,
        same_as_before,
        manifest,
    })
}

/// The `dokumentation` step of the monthly run, after the report: the number of
/// files and where they are, for the run log.
pub fn step(
    conn: &Connection,
    settings: &Settings,
    pipeline: &PipelineConfig,
    policy: &FeaturePolicy,
    month: NaiveDate,
) -> Result<(i64, String), DocError> {
    let layout = Layout::load(&settings.reports_dir)?;
    let ctx = DocContext {
        settings,
        pipeline,
        policy,
        layout: &layout,
    };
    let w = generate(conn, &ctx, month)?;
    Ok((w.files.len() as i64, w.dir.display().to_string()))
}
