//! The data dir and every path in it, in one place: the store, its keys, the inbox,
//! the report archive, the model artefacts and the demo's files.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// A data dir. Code asks it for a path instead of joining names itself, so the
/// layout is written down once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DataDir(PathBuf);

impl DataDir {
    /// The data dir at `root`.
    pub fn new(root: impl Into<PathBuf>) -> DataDir {
        DataDir(root.into())
    }

    /// The folder itself.
    pub fn root(&self) -> &Path {
        &self.0
    }

    /// The encrypted DuckDB file.
    pub fn store_file(&self) -> PathBuf {
        self.0.join("jobcockpit.duckdb")
    }

    /// The folder of the key files (0700 in practice, files 0600).
    pub fn keys_dir(&self) -> PathBuf {
        self.0.join("keys")
    }

    /// The pseudonymisation key file.
    pub fn pseudonym_key_file(&self) -> PathBuf {
        self.keys_dir().join("pseudonym.key")
    }

    /// The store (encryption) key file.
    pub fn store_key_file(&self) -> PathBuf {
        self.keys_dir().join("store.key")
    }

    /// Where monthly deliveries arrive, one folder per month (`YYYY-MM`).
    pub fn inbox(&self) -> PathBuf {
        self.0.join("inbox")
    }

    /// The archive of monthly reports, one folder per month (`YYYY-MM`).
    pub fn reports(&self) -> PathBuf {
        self.0.join("reports")
    }

    /// The accountability documents' archive, one folder per month.
    pub fn documentation(&self) -> PathBuf {
        self.0.join("dokumentation")
    }

    /// Backups written by the running server for `jobcockpit backup`, before the
    /// command moves them where it was asked to.
    pub fn backups(&self) -> PathBuf {
        self.0.join("backups")
    }

    /// Model cards and other model artefacts.
    pub fn models(&self) -> PathBuf {
        self.0.join("models")
    }

    /// Marks a folder as made by `jobcockpit demo`, so a later demo may empty it.
    pub fn demo_marker(&self) -> PathBuf {
        self.0.join(".jobcockpit-demo")
    }

    /// The demo users' passwords (0600).
    pub fn demo_users_file(&self) -> PathBuf {
        self.0.join("demo-brugere.txt")
    }
}

impl std::ops::Deref for DataDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for DataDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl From<PathBuf> for DataDir {
    fn from(p: PathBuf) -> Self {
        DataDir(p)
    }
}

impl From<&Path> for DataDir {
    fn from(p: &Path) -> Self {
        DataDir(p.to_path_buf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_is_the_one_the_docs_describe() {
        let d = DataDir::new("/srv/jc");
        assert_eq!(d.store_file(), Path::new("/srv/jc/jobcockpit.duckdb"));
        assert_eq!(
            d.pseudonym_key_file(),
            Path::new("/srv/jc/keys/pseudonym.key")
        );
        assert_eq!(d.store_key_file(), Path::new("/srv/jc/keys/store.key"));
        assert_eq!(d.inbox(), Path::new("/srv/jc/inbox"));
        assert_eq!(d.reports(), Path::new("/srv/jc/reports"));
    }
}
