//! What a page or an export shows: its marts after disclosure control, the filter values
//! they allow, and the rows the request's filters select. The protected marts of each
//! page are kept in memory until the source's version changes (a pipeline run), so a
//! request costs a lookup, not a query; rendered page bodies are kept the same way.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use anyhow::Context;
use axum::body::Bytes;

use super::{AppState, MartSource, WebError};
use crate::dashboard::filter::{self, Options, Selection};
use crate::dashboard::spec::Dashboard;
use crate::disclosure::{self, DisclosureK, Rule};
use crate::table::Table;

/// One page's marts after disclosure control, whole (all groups, all months).
pub struct Protected {
    pub tables: BTreeMap<String, Table>,
    pub options: Options,
}

/// Protected marts and rendered bodies, each tagged with the source version they
/// were made from.
#[derive(Default)]
pub struct Cache {
    /// slug -> (version, protected marts)
    pages: RwLock<HashMap<String, (u64, Arc<Protected>)>>,
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

/// The page's protected marts: from the cache, or read and protected now.
pub async fn protected(state: &AppState, page: &Dashboard) -> Result<Arc<Protected>, WebError> {
    let version = state.source.version();
    {
        let pages = state.cache.pages.read().unwrap_or_else(|e| e.into_inner());
        if let Some((v, p)) = pages.get(&page.slug) {
            if *v == version {
                return Ok(p.clone());
            }
        }
    }
    // Only marts the components of a page file name are ever asked for.
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
    let protected = Arc::new(Protected { tables, options });
    state
        .cache
        .pages
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(page.slug.clone(), (version, protected.clone()));
    Ok(protected)
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
