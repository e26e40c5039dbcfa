//! What a page or an export shows: its marts after disclosure control, the filter values
//! they allow, and the rows the request's filters select.
//!
//! Pages are served from a snapshot: every page's protected marts, read in one read
//! transaction, so all pages show one version of the marts. A run that changes the
//! marts makes the next snapshot before the new version is announced
//! ([`Publisher::publish`], called by the app after the run commits) and swaps it in
//! whole; a request therefore never waits for the store while a run is in progress or
//! just after it, and never sees half of one run and half of another. Rendered page
//! bodies and exports are kept per snapshot version.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, RwLock};

use anyhow::Context;
use axum::body::Bytes;

use super::{AppState, MartSource, WebError};
use crate::dashboard::filter::{self, Options, Selection};
use crate::dashboard::spec::Dashboard;
use crate::dashboard::Catalog;
use crate::disclosure::{self, DisclosureK, Rule};
use crate::table::Table;

/// One page's marts after disclosure control, whole (all groups, all months).
pub struct Protected {
    pub tables: BTreeMap<String, Table>,
    pub options: Options,
}

/// Every page's protected marts as of one version of the marts.
pub struct Snapshot {
    version: u64,
    /// slug -> protected marts; a page whose marts could not be read is missing and
    /// reads them on its next request (its error is its own, never another page's).
    pages: HashMap<String, Arc<Protected>>,
}

/// The snapshot pages are served from, and rendered bodies, each tagged with the
/// version they were made from.
#[derive(Default)]
pub struct Cache {
    snapshot: RwLock<Option<Arc<Snapshot>>>,
    /// One snapshot is made at a time; whoever waited for it uses it.
    making: Mutex<()>,
    /// (slug, canonical query) -> (version, rendered body)
    bodies: RwLock<HashMap<BodyKey, (u64, Arc<String>)>>,
    /// (slug, file name + canonical query) -> (version, exported file)
    files: RwLock<HashMap<BodyKey, (u64, Bytes)>>,
}

type BodyKey = (String, String);

/// Rendered bodies kept at most; the cache is emptied when it is full (a page has a few
/// dozen filter combinations, so this is far above normal use).
const MAX_BODIES: usize = 4096;

impl Cache {
    fn current(&self) -> Option<Arc<Snapshot>> {
        self.snapshot
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// A rendered body of page `slug` with canonical query `query`, if still current.
    pub fn body(&self, version: u64, slug: &str, query: &str) -> Option<Arc<String>> {
        let bodies = self.bodies.read().unwrap_or_else(|e| e.into_inner());
        match bodies.get(&(slug.to_string(), query.to_string())) {
            Some((v, body)) if *v == version => Some(body.clone()),
            _ => None,
        }
    }

    /// An exported file, if still current.
    pub fn file(&self, version: u64, slug: &str, name: &str) -> Option<Bytes> {
        let files = self.files.read().unwrap_or_else(|e| e.into_inner());
        match files.get(&(slug.to_string(), name.to_string())) {
            Some((v, bytes)) if *v == version => Some(bytes.clone()),
            _ => None,
        }
    }

    /// Keeps an exported file.
    pub fn keep_file(&self, version: u64, slug: &str, name: &str, bytes: Bytes) {
        let mut files = self.files.write().unwrap_or_else(|e| e.into_inner());
        if files.len() >= MAX_BODIES {
            files.clear();
        }
        files.insert((slug.to_string(), name.to_string()), (version, bytes));
    }

    /// Keeps a rendered body.
    pub fn keep_body(&self, version: u64, slug: &str, query: &str, body: Arc<String>) {
        let mut bodies = self.bodies.write().unwrap_or_else(|e| e.into_inner());
        if bodies.len() >= MAX_BODIES {
            bodies.clear();
        }
        bodies.insert((slug.to_string(), query.to_string()), (version, body));
    }
}

/// Makes snapshots of the marts for the pages of one catalog.
#[derive(Clone)]
pub struct Publisher {
    source: Arc<dyn MartSource>,
    catalog: Arc<Catalog>,
    k: DisclosureK,
    cache: Arc<Cache>,
}

impl Publisher {
    pub(super) fn new(state: &AppState) -> Self {
        Publisher {
            source: state.source.clone(),
            catalog: state.catalog.clone(),
            k: state.k,
            cache: state.cache.clone(),
        }
    }

    /// Makes the snapshot of marts version `version` and serves pages from it (unless
    /// it is served already). Blocking: it reads every page's marts.
    pub fn publish(&self, version: u64) -> Arc<Snapshot> {
        let _one = self.cache.making.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = self.cache.current().filter(|s| s.version == version) {
            return s;
        }
        let snapshot = Arc::new(self.make(version));
        *self
            .cache
            .snapshot
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some(snapshot.clone());
        snapshot
    }

    fn make(&self, version: u64) -> Snapshot {
        let dashboards = self.catalog.dashboards();
        // Each mart once, however many pages show it: only names from the page files.
        let names: Vec<String> = dashboards
            .iter()
            .flat_map(|d| d.marts.keys().cloned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let raw = self.source.fetch_all(&names);
        let mut pages = HashMap::new();
        for page in dashboards {
            let tables: Option<BTreeMap<String, Table>> = page
                .marts
                .iter()
                .map(|(name, m)| match raw.get(name) {
                    Some(Ok(t)) => Some((
                        name.clone(),
                        disclosure::apply(t.clone(), &m.rule(), self.k),
                    )),
                    _ => None,
                })
                .collect();
            match tables {
                Some(tables) => {
                    let options = filter::options(page, &tables);
                    pages.insert(page.slug.clone(), Arc::new(Protected { tables, options }));
                }
                None => {
                    tracing::warn!(slug = %page.slug, "sidens marts kunne ikke læses; de læses igen ved næste forespørgsel")
                }
            }
        }
        Snapshot { version, pages }
    }
}

/// The page's protected marts and the version they are from: from the snapshot of the
/// current version, made now if no run has published it (the first request after a
/// start); a page whose marts could not be read then reads them itself.
pub async fn protected(
    state: &AppState,
    page: &Dashboard,
) -> Result<(u64, Arc<Protected>), WebError> {
    let version = state.source.version();
    let snapshot = match state.cache.current() {
        Some(s) if s.version == version => s,
        _ => {
            let publisher = Publisher::new(state);
            tokio::task::spawn_blocking(move || publisher.publish(version)).await?
        }
    };
    if let Some(p) = snapshot.pages.get(&page.slug) {
        return Ok((snapshot.version, p.clone()));
    }
    let marts: Vec<(String, Rule)> = page
        .marts
        .iter()
        .map(|(name, m)| (name.clone(), m.rule()))
        .collect();
    let (source, k) = (state.source.clone(), state.k);
    let tables = tokio::task::spawn_blocking(move || fetch_disclosed(&*source, marts, k))
        .await?
        .map_err(WebError::Source)?;
    let options = filter::options(page, &tables);
    Ok((snapshot.version, Arc::new(Protected { tables, options })))
}

/// Validates the request's filters against the values the page allows.
pub fn selection(
    protected: &Protected,
    params: &[(String, String)],
) -> Result<Selection, WebError> {
    filter::parse(params, &protected.options).map_err(|_| WebError::BadFilter)
}

/// The rows a valid selection shows, from every mart of the page.
pub fn select(
    page: &Dashboard,
    protected: &Protected,
    selection: &Selection,
) -> BTreeMap<String, Table> {
    protected
        .tables
        .iter()
        .map(|(name, table)| {
            let f = page.marts.get(name).and_then(|m| m.filter.as_ref());
            (name.clone(), filter::select(table, f, selection))
        })
        .collect()
}

/// Reads each mart and passes it through disclosure control before anything else sees it.
pub fn fetch_disclosed(
    source: &dyn MartSource,
    marts: Vec<(String, Rule)>,
    k: DisclosureK,
) -> anyhow::Result<BTreeMap<String, Table>> {
    marts
        .into_iter()
        .map(|(name, rule)| {
            let table = source
                .fetch(&name)
                .with_context(|| format!("failed to read {name}"))?;
            Ok((name, disclosure::apply(table, &rule, k)))
        })
        .collect()
}
