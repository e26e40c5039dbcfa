//! The HTML report and the cockpit's archive page, from the minijinja templates in
//! `reports/templates/`. The report is one self-contained file (its CSS inline, its
//! charts inline SVG) that prints to A4.

use std::collections::BTreeMap;
use std::path::Path;

use crate::present::to_value;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};

use super::catalogue::Catalogue;
use super::content::Document;
use super::digest::Digest;
use super::ReportError;

/// Templates the report folder must have.
const REQUIRED: [&str; 3] = ["report.html", "charts.html", "report.css"];

/// The loaded templates.
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// Reads every `*.html` and `*.css` in `reports_dir/templates`, sorted by name.
    pub fn load(reports_dir: &Path, digest: &mut Digest) -> Result<Templates, ReportError> {
        let dir = reports_dir.join("templates");
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(ReportError::io(&dir))? {
            let path = entry.map_err(ReportError::io(&dir))?.path();
            if path.extension().is_some_and(|e| e == "html" || e == "css") {
                paths.push(path);
            }
        }
        paths.sort();
        let mut env = Environment::new();
        // The stylesheet is pasted into <style>; nothing in it comes from data.
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        for path in paths {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&path).map_err(ReportError::io(&path))?;
            digest.add(&name, text.as_bytes());
            env.add_template_owned(name, text)?;
        }
        for name in REQUIRED {
            env.get_template(name)?;
        }
        Ok(Templates { env })
    }

    /// The report as one HTML file.
    pub fn report(&self, doc: &Document, t: &Catalogue) -> Result<String, ReportError> {
        let ctx = BTreeMap::from([("doc", to_value(doc)), ("t", to_value(t.nested()))]);
        Ok(self
            .env
            .get_template("report.html")?
            .render(Value::from(ctx))?)
    }
}
