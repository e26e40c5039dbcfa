//! The message catalogue format, one for the cockpit (`dashboards/messages.da.toml`)
//! and the report (`reports/messages.da.toml`): a TOML file of Danish texts by dotted
//! key (`resume.inflow`), with `{name}` placeholders, counted phrases
//! (`{ zero, one, many }`) and lists. An English version is one more file.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// A catalogue file that cannot be read as a catalogue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("meddelelsesfilen {name} kan ikke læses: {message}")]
pub struct CatalogueError {
    pub name: String,
    pub message: String,
}

/// The texts, flattened to dotted keys, and the nested table for the templates.
pub struct Catalogue {
    texts: BTreeMap<String, String>,
    lists: BTreeMap<String, Vec<String>>,
    nested: serde_json::Value,
    /// Keys asked for but missing; reported once the document is built.
    missing: Mutex<Vec<String>>,
}

impl Catalogue {
    /// Parses and flattens a catalogue; `name` says which file in an error.
    pub fn parse(name: &str, text: &str) -> Result<Catalogue, CatalogueError> {
        let error = |message: String| CatalogueError {
            name: name.to_string(),
            message,
        };
        let value: toml::Table = toml::from_str(text).map_err(|e| error(e.to_string()))?;
        let mut cat = Catalogue {
            texts: BTreeMap::new(),
            lists: BTreeMap::new(),
            nested: serde_json::to_value(&value).map_err(|e| error(e.to_string()))?,
            missing: Mutex::new(Vec::new()),
        };
        cat.flatten("", &value);
        Ok(cat)
    }

    fn flatten(&mut self, prefix: &str, table: &toml::Table) {
        for (key, value) in table {
            let key = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match value {
                toml::Value::String(s) => {
                    self.texts.insert(key, s.trim_end().to_string());
                }
                toml::Value::Array(items) => {
                    let list = items.iter().filter_map(|i| i.as_str()).map(String::from);
                    self.lists.insert(key, list.collect());
                }
                toml::Value::Table(t) => self.flatten(&key, t),
                _ => {}
            }
        }
    }

    /// The text at `key`; a missing key is remembered and shows as the key.
    pub fn t(&self, key: &str) -> String {
        self.texts.get(key).cloned().unwrap_or_else(|| {
            self.note_missing(key);
            format!("[{key}]")
        })
    }

    /// The text at `key` with each `{name}` replaced by its value.
    pub fn f(&self, key: &str, args: &[(&str, String)]) -> String {
        fill(&self.t(key), args)
    }

    /// A counted phrase: `key.one` for 1, `key.zero` for 0 (when the catalogue has
    /// it, else `key.many`), `key.many` otherwise, with `{n}` filled in ("1 alarm",
    /// "3 alarmer", "ingen alarmer").
    pub fn count(&self, key: &str, n: usize) -> String {
        let zero = format!("{key}.zero");
        let form = match n {
            0 if self.texts.contains_key(&zero) => zero,
            1 => format!("{key}.one"),
            _ => format!("{key}.many"),
        };
        fill(&self.t(&form), &[("n", super::number::number(n as f64, 0))])
    }

    /// A list of texts (a reading guide), each filled like [`Catalogue::f`].
    pub fn list(&self, key: &str, args: &[(&str, String)]) -> Vec<String> {
        match self.lists.get(key) {
            Some(items) => items.iter().map(|s| fill(s, args)).collect(),
            None => {
                self.note_missing(key);
                Vec::new()
            }
        }
    }

    fn note_missing(&self, key: &str) {
        let mut missing = self.missing.lock().unwrap_or_else(|e| e.into_inner());
        missing.push(key.to_string());
    }

    /// The whole catalogue as a nested value, for templates.
    pub fn nested(&self) -> &serde_json::Value {
        &self.nested
    }

    /// The first text asked for that the catalogue lacks, if any (then forgotten),
    /// so a typo in a key cannot reach a reader as `[key]`.
    pub fn first_missing(&self) -> Option<String> {
        let mut missing = self.missing.lock().unwrap_or_else(|e| e.into_inner());
        let first = missing.first().cloned();
        missing.clear();
        first
    }
}

/// Replaces each `{name}` in `text` by its value.
pub fn fill(text: &str, args: &[(&str, String)]) -> String {
    let mut out = text.to_string();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}
