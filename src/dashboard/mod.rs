//! Dashboards as data: the page files in `dashboards/*.toml`, the templates beside
//! them, and the one generic renderer that turns any page file into HTML.

pub mod filter;
pub mod render;
pub mod spec;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};
use serde::Serialize;

use self::spec::{Dashboard, SpecError};
use crate::present::messages::Messages;
use crate::present::to_value;
use crate::table::Table;

/// Templates every installation must have.
const REQUIRED_TEMPLATES: [&str; 2] = ["dashboard.html", "error.html"];

/// A dashboard folder that cannot be loaded, or a page that cannot be rendered.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    #[error("failed to read {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid dashboard file {path}: {source}")]
    Spec { path: PathBuf, source: SpecError },
    #[error("two dashboard files use the slug {0:?}")]
    DuplicateSlug(String),
    #[error("no dashboard files (*.toml) in {0}")]
    NoDashboards(PathBuf),
    #[error("template error: {0:#}")]
    Template(#[from] minijinja::Error),
    #[error(transparent)]
    Render(#[from] render::RenderError),
    #[error(transparent)]
    Vocabulary(#[from] crate::vocabulary::VocabularyError),
    #[error(transparent)]
    Messages(#[from] crate::present::catalogue::CatalogueError),
}

/// The loaded page files and templates; built once at start-up.
pub struct Catalog {
    dashboards: Vec<Dashboard>,
    env: Environment<'static>,
    t: Messages,
}

/// A menu entry.
#[derive(Debug, Clone, Serialize)]
struct NavItem<'a> {
    slug: &'a str,
    title: &'a str,
}

/// Who is looking, for the page frame: name and role shown in the header, the
/// pages and links in their menu, and the token their forms (logout) carry. The
/// web layer fills it from the session and the route table; anonymous is empty.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Viewer {
    pub user: String,
    /// The role's Danish name.
    pub role: String,
    pub csrf: String,
    /// Slugs of the dashboards this viewer may open; only these are in the menu.
    pub pages: Vec<String>,
    /// Further menu entries (administration, starting a run, reports).
    pub links: Vec<Link>,
}

/// A menu entry that is not a dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub href: String,
    pub title: String,
}

/// What a page shows besides its marts, known to the app rather than the page file.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Extras {
    /// `[scoring] high_from` of the pipeline file: the high-risk threshold the
    /// accuracies are measured at.
    pub high_from: Option<f64>,
    /// The newest committee report, for a viewer who may read the reports and a
    /// page with `latest_report`.
    pub report: Option<ReportLink>,
    /// The pages the viewer may open: a table's `link` to any other page is not
    /// made. `None`: every page (a body shared by every role that may see it).
    pub pages: Option<Vec<String>>,
}

/// A link to one month's committee report.
#[derive(Debug, Clone, Serialize)]
pub struct ReportLink {
    pub text: String,
    pub href: String,
}

impl Catalog {
    /// Reads every `*.toml` in `dir` and every template in `dir/templates`.
    pub fn load(dir: &Path) -> Result<Self, DashboardError> {
        let mut dashboards = Vec::new();
        for path in files(dir, "toml")? {
            let text = read(&path)?;
            let d = Dashboard::parse(&text).map_err(|source| DashboardError::Spec {
                path: path.clone(),
                source,
            })?;
            if dashboards.iter().any(|o: &Dashboard| o.slug == d.slug) {
                return Err(DashboardError::DuplicateSlug(d.slug));
            }
            dashboards.push(d);
        }
        if dashboards.is_empty() {
            return Err(DashboardError::NoDashboards(dir.to_path_buf()));
        }
        dashboards.sort_by(|a, b| (a.order, &a.slug).cmp(&(b.order, &b.slug)));
        // Danish texts for stored codes, shared by every page (the vocabulary); a
        // page's own win.
        let codes = crate::vocabulary::check()?.column_labels();
        crate::present::messages::check()?;
        for d in &mut dashboards {
            for (column, texts) in &codes {
                let own = d.labels.entry(column.clone()).or_default();
                for (code, text) in texts {
                    own.entry(code.clone()).or_insert_with(|| text.clone());
                }
            }
        }

        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        for path in files(&dir.join("templates"), "html")? {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            env.add_template_owned(name, read(&path)?)?;
        }
        for name in REQUIRED_TEMPLATES {
            env.get_template(name)?;
        }
        Ok(Catalog {
            dashboards,
            env,
            t: *crate::present::messages::DA,
        })
    }

    /// The pages in menu order.
    pub fn dashboards(&self) -> &[Dashboard] {
        &self.dashboards
    }

    /// The page with this slug.
    pub fn get(&self, slug: &str) -> Option<&Dashboard> {
        self.dashboards.iter().find(|d| d.slug == slug)
    }

    /// The user-facing texts.
    pub fn messages(&self) -> &Messages {
        &self.t
    }

    /// Renders a page from its marts, which must already have passed disclosure control.
    pub fn render(
        &self,
        dashboard: &Dashboard,
        marts: &BTreeMap<String, Table>,
        k: u32,
        viewer: &Viewer,
        filters: &filter::FilterView,
    ) -> Result<String, DashboardError> {
        let main = self.render_main(dashboard, marts, k, filters, &Extras::default())?;
        self.render_around(dashboard, &main, viewer)
    }

    /// The page's content (the `main` block of `dashboard.html`): the same for every
    /// viewer, so the web layer keeps it until the marts change.
    pub fn render_main(
        &self,
        dashboard: &Dashboard,
        marts: &BTreeMap<String, Table>,
        k: u32,
        filters: &filter::FilterView,
        extras: &Extras,
    ) -> Result<String, DashboardError> {
        let page = render::page(dashboard, marts, k, extras, &self.t)?;
        let notes = BTreeMap::from([
            ("suppressed", Messages::with_k(self.t.suppressed_note, k)),
            ("gaps", Messages::with_k(self.t.gaps_note, k)),
            ("gaps_cells", Messages::with_k(self.t.gaps_cells_note, k)),
            ("gaps_rows", Messages::with_k(self.t.gaps_rows_note, k)),
            // About the noise and complementary suppression (crates/disclosure/).
            (
                "perturbation",
                crate::disclosure::PERTURBATION_NOTE_DA.to_string(),
            ),
            (
                "secondary",
                Messages::with_k(crate::disclosure::SECONDARY_NOTE_DA, k),
            ),
        ]);
        let ctx = self.context(
            &dashboard.slug,
            &Viewer::default(),
            [
                ("page", to_value(&page)),
                ("notes", to_value(&notes)),
                ("filters", to_value(filters)),
                ("report", to_value(&extras.report)),
            ],
        );
        // Rendering the whole template once gives the state the block needs (its
        // imports); only a page that is not cached yet pays for it.
        let template = self.env.get_template("dashboard.html")?;
        let mut captured = template.render_captured(ctx)?;
        Ok(captured.with_state_mut(|state| state.render_block("main"))?)
    }

    /// The whole page for `viewer` around a body made by [`Catalog::render_main`].
    pub fn render_around(
        &self,
        dashboard: &Dashboard,
        main: &str,
        viewer: &Viewer,
    ) -> Result<String, DashboardError> {
        // The frame is rendered around a marker and the body spliced in, so the body
        // (up to ~100 kB) is copied once instead of passing through the template.
        const MARKER: &str = "<!--jobcockpit:body-->";
        let page = BTreeMap::from([("slug", &dashboard.slug), ("title", &dashboard.title)]);
        let frame = self.render_template(
            "dashboard.html",
            &dashboard.slug,
            viewer,
            [
                ("page", to_value(&page)),
                ("body", Value::from_safe_string(MARKER.to_string())),
            ],
        )?;
        Ok(match frame.split_once(MARKER) {
            Some((before, after)) => {
                let mut out = String::with_capacity(before.len() + main.len() + after.len());
                out.push_str(before);
                out.push_str(main);
                out.push_str(after);
                out
            }
            // A template without the marker: render the body through it after all.
            None => self.render_template(
                "dashboard.html",
                &dashboard.slug,
                viewer,
                [
                    ("page", to_value(&page)),
                    ("body", Value::from_safe_string(main.to_string())),
                ],
            )?,
        })
    }

    /// Renders the error page with a user-facing title and message.
    pub fn render_error(
        &self,
        title: &str,
        message: &str,
        viewer: &Viewer,
    ) -> Result<String, DashboardError> {
        self.render_template(
            "error.html",
            "",
            viewer,
            [
                ("title", Value::from(title)),
                ("message", Value::from(message)),
            ],
        )
    }

    /// Renders one of the other templates (login, administration) with `data`.
    /// `current` is the path of the menu entry to mark as the current page.
    pub fn render_view<T: Serialize>(
        &self,
        template: &str,
        current: &str,
        viewer: &Viewer,
        data: &T,
    ) -> Result<String, DashboardError> {
        self.render_template(template, current, viewer, [("data", to_value(data))])
    }

    fn render_template<const N: usize>(
        &self,
        name: &str,
        current: &str,
        viewer: &Viewer,
        extra: [(&str, Value); N],
    ) -> Result<String, DashboardError> {
        let ctx = self.context(current, viewer, extra);
        Ok(self.env.get_template(name)?.render(ctx)?)
    }

    /// The context every template gets: the viewer's menu, the texts, and `extra`.
    fn context<const N: usize>(
        &self,
        current: &str,
        viewer: &Viewer,
        extra: [(&str, Value); N],
    ) -> Value {
        // The menu lists only the pages this viewer may open.
        let nav: Vec<NavItem> = self
            .dashboards
            .iter()
            .filter(|d| viewer.pages.contains(&d.slug))
            .map(|d| NavItem {
                slug: &d.slug,
                title: &d.title,
            })
            .collect();
        let mut ctx: BTreeMap<&str, Value> = BTreeMap::from(extra);
        ctx.insert("nav", to_value(&nav));
        ctx.insert("current", Value::from(current));
        ctx.insert("viewer", to_value(viewer));
        ctx.insert("t", to_value(&self.t));
        Value::from(ctx)
    }
}

fn read(path: &Path) -> Result<String, DashboardError> {
    std::fs::read_to_string(path).map_err(|source| DashboardError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Files in `dir` ending in `.ext`, sorted by name.
fn files(dir: &Path, ext: &str) -> Result<Vec<PathBuf>, DashboardError> {
    let io = |source| DashboardError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}
