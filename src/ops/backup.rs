//! Backup and restore of a data dir, consistent while the server runs.
//!
//! A backup is one file: a line naming the format, a manifest (JSON, one line:
//! no secrets, only sizes, checksum, key id and versions), and an encrypted
//! DuckDB database. The database is written by `COPY FROM DATABASE` inside one
//! transaction on a connection of the running store, so it is one consistent
//! snapshot while runs and requests go on (DuckDB's MVCC), encrypted with the
//! store key like the store itself. Besides every table it holds the data dir's
//! other files (the report archive, model artefacts, the inbox receipts) as rows
//! of `backup_files`, so they are encrypted too, and each table's row count in
//! `backup_counts`, which the restore checks. The keys are never in a backup:
//! the key holder keeps them separately (ops/README.md).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};

use duckdb::{params, Connection};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{io, OpsError};
use crate::config::DataDir;
use crate::encryption::{self, EncryptionKey};

/// The first line of every backup file.
pub const MAGIC: &[u8] = b"JOBCOCKPIT-SIKKERHEDSKOPI 1\n";
/// What a backup file's name ends with.
pub const EXTENSION: &str = "jcbackup";
/// The alias the backup database is attached under while it is written.
const ALIAS: &str = "backup";
const TOKEN_PURPOSE: &[u8] = b"jobcockpit backup v1";
const TABLES: &str = include_str!("../../sql/ops/backup_tables.sql");
const MIGRATIONS: &str = include_str!("../../sql/ops/backup_migrations.sql");
const FILES_TABLE: &str = include_str!("../../sql/ops/backup_files_table.sql");
const FILE_INSERT: &str = include_str!("../../sql/ops/backup_file_insert.sql");
const COUNT_INSERT: &str = include_str!("../../sql/ops/backup_count_insert.sql");
const RESTORED_FILES: &str = include_str!("../../sql/ops/restore_files.sql");
const RESTORED_COUNTS: &str = include_str!("../../sql/ops/restore_counts.sql");

/// What a backup says about itself (readable without the key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// UTC, `åååå-mm-ddTtt:mm:ssZ`.
    pub created_at: String,
    pub jobcockpit_version: String,
    /// The id of the store key that opens it ([`EncryptionKey::id`]).
    pub key_id: String,
    pub database_bytes: u64,
    pub database_sha256: String,
    /// The migrations applied to the store, in order.
    pub migrations: Vec<String>,
    pub tables: usize,
    pub files: usize,
}

/// The proof of the key a request for a backup carries (hex); derived one way,
/// so it reveals nothing about the key.
pub fn token(key: &EncryptionKey) -> String {
    hex::encode(key.derive(TOKEN_PURPOSE))
}

/// Whether `given` is the token of `key`, compared in constant time.
pub fn token_matches(key: &EncryptionKey, given: &str) -> bool {
    use subtle::ConstantTimeEq;
    let expected = token(key);
    !given.is_empty() && bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

/// A table name quoted for SQL; names come from DuckDB's catalogue, never from input.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A path beside `path` with `suffix` added to its name.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn remove_if_there(path: &Path) -> Result<(), OpsError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(path)(e)),
        _ => Ok(()),
    }
}

/// The data dir's files that go into a backup, relative, with `/` between names:
/// everything under `reports/` and `models/`, and each inbox month's receipt.
/// Links are not followed.
pub fn data_files(data_dir: &DataDir) -> Result<Vec<String>, OpsError> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), OpsError> {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io(dir)(e)),
        };
        for entry in entries {
            let entry = entry.map_err(io(dir))?;
            let kind = entry.file_type().map_err(io(dir))?;
            let path = entry.path();
            if kind.is_dir() {
                walk(root, &path, out)?;
            } else if kind.is_file() {
                if let Some(rel) = relative(root, &path) {
                    out.push(rel);
                }
            }
        }
        Ok(())
    }
    let root = data_dir.root();
    let mut out = Vec::new();
    walk(root, &data_dir.reports(), &mut out)?;
    walk(root, &data_dir.models(), &mut out)?;
    if let Ok(months) = std::fs::read_dir(data_dir.inbox()) {
        for month in months.flatten() {
            let receipt = month.path().join(crate::ingest::RECEIPT_FILE);
            let is_file = std::fs::symlink_metadata(&receipt).is_ok_and(|m| m.is_file());
            if is_file {
                if let Some(rel) = relative(root, &receipt) {
                    out.push(rel);
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

fn relative(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = rel
        .components()
        .map(|c| match c {
            Component::Normal(s) => s.to_str(),
            _ => None,
        })
        .collect();
    Some(parts?.join("/"))
}

/// A stored relative path back to a path under `root`, refusing anything that
/// could leave it (`..`, an absolute path, an empty name).
fn under(root: &Path, rel: &str) -> Option<PathBuf> {
    let mut out = root.to_path_buf();
    for part in rel.split('/') {
        if part.is_empty() || part == "." || part == ".." || part.contains('\\') {
            return None;
        }
        out.push(part);
    }
    Some(out)
}

/// Writes a backup of the store `conn` is connected to (and of the data dir's
/// files) to `out`, encrypted with `key`. `conn` may be any connection to the
/// running store; the copy is one consistent snapshot. Blocking.
#[tracing::instrument(skip_all, fields(out = %out.display()), err)]
pub fn create(
    conn: &Connection,
    key: &EncryptionKey,
    data_dir: &DataDir,
    out: &Path,
) -> Result<Manifest, OpsError> {
    if out.exists() {
        return Err(OpsError::Io {
            path: out.display().to_string(),
            source: std::io::Error::new(std::io::ErrorKind::AlreadyExists, "findes allerede"),
        });
    }
    let db = beside(out, ".db.tmp");
    remove_if_there(&db)?;
    remove_if_there(&beside(&db, ".wal"))?;
    let files = data_files(data_dir)?;
    key.attach(conn, &db, ALIAS)?;
    let copied = copy_into_backup(conn, data_dir, &files);
    if copied.is_err() {
        let _ = conn.execute_batch("rollback");
    }
    let detached = conn.execute_batch(&["detach ", ALIAS].concat());
    let (tables, migrations) = copied?;
    detached?;
    if beside(&db, ".wal").exists() {
        return Err(OpsError::BadBackup {
            path: db.display().to_string(),
            why: "databasen blev ikke skrevet færdig (WAL-filen er der stadig)".into(),
        });
    }
    let bytes = std::fs::read(&db).map_err(io(&db))?;
    let manifest = Manifest {
        format: 1,
        created_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        jobcockpit_version: env!("CARGO_PKG_VERSION").to_string(),
        key_id: key.id(),
        database_bytes: bytes.len() as u64,
        database_sha256: hex::encode(Sha256::digest(&bytes)),
        migrations,
        tables,
        files: files.len(),
    };
    let part = beside(out, ".part");
    {
        let mut f = std::fs::File::create(&part).map_err(io(&part))?;
        let line = serde_json::to_string(&manifest).map_err(|e| OpsError::BadBackup {
            path: out.display().to_string(),
            why: e.to_string(),
        })?;
        f.write_all(MAGIC)
            .and_then(|()| f.write_all(line.as_bytes()))
            .and_then(|()| f.write_all(b"\n"))
            .and_then(|()| f.write_all(&bytes))
            .and_then(|()| f.sync_all())
            .map_err(io(&part))?;
    }
    std::fs::rename(&part, out).map_err(io(out))?;
    remove_if_there(&db)?;
    Ok(manifest)
}

/// Copies every table, the files and the row counts into the attached backup,
/// in one transaction (one snapshot of the store). Returns the number of tables
/// and the migrations.
fn copy_into_backup(
    conn: &Connection,
    data_dir: &DataDir,
    files: &[String],
) -> Result<(usize, Vec<String>), OpsError> {
    conn.execute_batch("begin transaction")?;
    conn.execute_batch(
        &[
            "copy from database ",
            encryption::DATABASE_ALIAS,
            " to ",
            ALIAS,
        ]
        .concat(),
    )?;
    conn.execute_batch(FILES_TABLE)?;
    {
        let mut insert = conn.prepare(FILE_INSERT)?;
        for rel in files {
            let path = data_dir.root().join(rel);
            let bytes = std::fs::read(&path).map_err(io(&path))?;
            insert.execute(params![rel, bytes])?;
        }
    }
    let tables: Vec<String> = conn
        .prepare(TABLES)?
        .query_map([encryption::DATABASE_ALIAS], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    {
        let mut insert = conn.prepare(COUNT_INSERT)?;
        for t in &tables {
            let sql = [
                "select count(*) from ",
                encryption::DATABASE_ALIAS,
                ".main.",
                &quoted(t),
            ]
            .concat();
            let n: i64 = conn.query_row(&sql, [], |r| r.get(0))?;
            insert.execute(params![t, n])?;
        }
    }
    let migrations: Vec<String> = conn
        .prepare(MIGRATIONS)?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    conn.execute_batch("commit")?;
    conn.execute_batch(&["checkpoint ", ALIAS].concat())?;
    Ok((tables.len(), migrations))
}

/// Reads a backup file: checks the first line, the manifest and the database's
/// size and checksum. Returns the manifest and the database.
pub fn read(file: &Path) -> Result<(Manifest, Vec<u8>), OpsError> {
    let bad = |why: String| OpsError::BadBackup {
        path: file.display().to_string(),
        why,
    };
    let f = std::fs::File::open(file).map_err(io(file))?;
    let mut r = BufReader::new(f);
    let mut magic = vec![0u8; MAGIC.len()];
    r.read_exact(&mut magic)
        .map_err(|_| bad("filen er for kort til at være en sikkerhedskopi".into()))?;
    if magic != MAGIC {
        return Err(bad("filen er ikke en sikkerhedskopi fra Jobcockpit".into()));
    }
    let mut line = String::new();
    r.read_line(&mut line).map_err(io(file))?;
    let manifest: Manifest = serde_json::from_str(line.trim_end())
        .map_err(|e| bad(format!("manifestet kan ikke læses: {e}")))?;
    if manifest.format != 1 {
        return Err(bad(format!("ukendt format {}", manifest.format)));
    }
    let mut bytes = Vec::new();
    r.read_to_end(&mut bytes).map_err(io(file))?;
    if bytes.len() as u64 != manifest.database_bytes {
        return Err(bad(format!(
            "databasen er {} bytes, manifestet siger {} (afkortet?)",
            bytes.len(),
            manifest.database_bytes
        )));
    }
    if hex::encode(Sha256::digest(&bytes)) != manifest.database_sha256 {
        return Err(bad(
            "kontrolsummen passer ikke (filen er ændret eller beskadiget)".into(),
        ));
    }
    Ok((manifest, bytes))
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    pub manifest: Manifest,
    pub tables: usize,
    pub rows: i64,
    pub files: usize,
}

/// Whether a data dir may receive a restore: missing, empty, or holding only
/// `keys/` (the key holder puts the keys there first).
fn check_empty(data_dir: &DataDir) -> Result<(), OpsError> {
    let entries = match std::fs::read_dir(data_dir.root()) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(data_dir.root())(e)),
    };
    for entry in entries {
        let entry = entry.map_err(io(data_dir.root()))?;
        if entry.path() != data_dir.keys_dir() {
            return Err(OpsError::NotEmpty(data_dir.display().to_string()));
        }
    }
    Ok(())
}

/// Restores a backup into an empty data dir with `key` (the key the backup was
/// made with): checks the file, opens the database with the key, compares every
/// table's row count with the one recorded, writes the files back and puts the
/// database in place as the store. Blocking.
#[tracing::instrument(skip_all, fields(file = %file.display()), err)]
pub fn restore(file: &Path, data_dir: &DataDir, key: &EncryptionKey) -> Result<Restored, OpsError> {
    check_empty(data_dir)?;
    let (manifest, bytes) = read(file)?;
    if manifest.key_id != key.id() {
        return Err(OpsError::BadBackup {
            path: file.display().to_string(),
            why: format!(
                "kopien er lavet med nøglen {}, men den givne nøgle er {}",
                manifest.key_id,
                key.id()
            ),
        });
    }
    std::fs::create_dir_all(data_dir.root()).map_err(io(data_dir.root()))?;
    let db = beside(&data_dir.store_file(), ".gendannes");
    remove_if_there(&db)?;
    std::fs::write(&db, &bytes).map_err(io(&db))?;
    drop(bytes);
    let result = restore_from(&db, data_dir, key, &manifest);
    match result {
        Ok(mut restored) => {
            // Closed and checkpointed; a WAL left over still belongs to the file.
            let wal = beside(&db, ".wal");
            if wal.exists() {
                let target = beside(&data_dir.store_file(), ".wal");
                std::fs::rename(&wal, &target).map_err(io(&wal))?;
            }
            let _ = std::fs::remove_dir(encryption::temp_dir(&db));
            std::fs::rename(&db, data_dir.store_file()).map_err(io(&db))?;
            restored.manifest = manifest;
            Ok(restored)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&db);
            Err(e)
        }
    }
}

fn restore_from(
    db: &Path,
    data_dir: &DataDir,
    key: &EncryptionKey,
    manifest: &Manifest,
) -> Result<Restored, OpsError> {
    let bad = |why: String| OpsError::BadBackup {
        path: db.display().to_string(),
        why,
    };
    let conn = encryption::open_encrypted(db, key)?;
    let counts: Vec<(String, i64)> = conn
        .prepare(RESTORED_COUNTS)?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    if counts.len() != manifest.tables {
        return Err(bad(format!(
            "{} tabeller, manifestet siger {}",
            counts.len(),
            manifest.tables
        )));
    }
    let mut rows = 0;
    for (table, expected) in &counts {
        let sql = ["select count(*) from ", &quoted(table)].concat();
        let n: i64 = conn
            .query_row(&sql, [], |r| r.get(0))
            .map_err(|e| bad(format!("tabellen {table}: {e}")))?;
        if n != *expected {
            return Err(bad(format!(
                "tabellen {table} har {n} rækker, kopien havde {expected}"
            )));
        }
        rows += n;
    }
    let mut files = 0;
    {
        let mut stmt = conn.prepare(RESTORED_FILES)?;
        let mut found = stmt.query([])?;
        while let Some(r) = found.next()? {
            let rel: String = r.get(0)?;
            let bytes: Vec<u8> = r.get(1)?;
            let path = under(data_dir.root(), &rel)
                .ok_or_else(|| bad(format!("filnavnet '{rel}' kan ikke bruges")))?;
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            std::fs::write(&path, bytes).map_err(io(&path))?;
            files += 1;
        }
    }
    conn.execute_batch("drop table backup_files; drop table backup_counts; checkpoint")?;
    Ok(Restored {
        manifest: manifest.clone(),
        tables: counts.len(),
        rows,
        files,
    })
}

/// Backups made by a running server, for `jobcockpit backup` while it runs
/// (DuckDB lets one process open the store, so the command asks the server).
pub trait Maker: Send + Sync + 'static {
    /// Whether `token` proves the store key ([`token`]).
    fn authorised(&self, token: &str) -> bool;
    /// Writes a backup named `name` into the data dir's backup folder. Blocking.
    fn make(&self, name: &str) -> Result<(PathBuf, Manifest), OpsError>;
}

/// A name the server accepts for a backup file: 1 to 64 of `a-z`, `0-9`, `-`.
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The backups of a running store.
pub struct StoreBackups {
    pub store: crate::store::Store,
    pub key: std::sync::Arc<EncryptionKey>,
    pub data_dir: DataDir,
}

impl Maker for StoreBackups {
    fn authorised(&self, given: &str) -> bool {
        token_matches(&self.key, given)
    }

    fn make(&self, name: &str) -> Result<(PathBuf, Manifest), OpsError> {
        if !valid_name(name) {
            return Err(OpsError::Server(format!("ugyldigt navn '{name}'")));
        }
        let dir = self.data_dir.backups();
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let path = dir.join(format!("{name}.{EXTENSION}"));
        let conn = self.store.reader()?;
        let manifest = create(&conn, &self.key, &self.data_dir, &path)?;
        Ok((path, manifest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_path_cannot_leave_the_data_dir() {
        let root = Path::new("/srv/jc");
        assert_eq!(
            under(root, "reports/2024-05/rapport.pdf"),
            Some(PathBuf::from("/srv/jc/reports/2024-05/rapport.pdf"))
        );
        for bad in [
            "../keys/store.key",
            "/etc/passwd",
            "reports//x",
            "a/./b",
            "a\\..\\b",
            "",
        ] {
            assert_eq!(under(root, bad), None, "{bad}");
        }
    }

    #[test]
    fn the_data_files_are_the_archive_the_models_and_the_receipts() {
        let dir = tempfile::tempdir().unwrap();
        let d = DataDir::new(dir.path());
        for (rel, text) in [
            ("reports/2024-05/manifest.json", "{}"),
            ("models/card.md", "kort"),
            ("inbox/2024-05/indlaest.txt", "kvittering"),
            ("inbox/2024-06/status.csv", "cpr;..."),
            ("keys/store.key", "hemmelig"),
        ] {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        assert_eq!(
            data_files(&d).unwrap(),
            [
                "inbox/2024-05/indlaest.txt",
                "models/card.md",
                "reports/2024-05/manifest.json"
            ]
        );
    }

    #[test]
    fn a_changed_byte_or_a_cut_file_is_refused_before_anything_is_restored() {
        let dir = tempfile::tempdir().unwrap();
        let db = b"not really a database".to_vec();
        let manifest = Manifest {
            format: 1,
            created_at: "2026-12-07T14:00:00Z".into(),
            jobcockpit_version: "0".into(),
            key_id: "00".into(),
            database_bytes: db.len() as u64,
            database_sha256: hex::encode(Sha256::digest(&db)),
            migrations: vec![],
            tables: 0,
            files: 0,
        };
        let mut bytes = MAGIC.to_vec();
        bytes.extend(serde_json::to_string(&manifest).unwrap().as_bytes());
        bytes.push(b'\n');
        bytes.extend(&db);
        let file = dir.path().join("kopi.jcbackup");
        std::fs::write(&file, &bytes).unwrap();
        assert_eq!(read(&file).unwrap().0, manifest);
        let mut flipped = bytes.clone();
        *flipped.last_mut().unwrap() ^= 1;
        std::fs::write(&file, &flipped).unwrap();
        assert!(read(&file)
            .unwrap_err()
            .to_string()
            .contains("kontrolsummen"));
        std::fs::write(&file, &bytes[..bytes.len() - 3]).unwrap();
        assert!(read(&file).unwrap_err().to_string().contains("afkortet"));
        std::fs::write(&file, b"noget andet").unwrap();
        assert!(read(&file).is_err());
    }

    #[test]
    fn a_restore_refuses_a_data_dir_that_holds_more_than_keys() {
        let dir = tempfile::tempdir().unwrap();
        let d = DataDir::new(dir.path().join("data"));
        assert!(check_empty(&d).is_ok());
        std::fs::create_dir_all(d.keys_dir()).unwrap();
        assert!(check_empty(&d).is_ok());
        std::fs::write(d.store_file(), b"x").unwrap();
        assert!(matches!(check_empty(&d), Err(OpsError::NotEmpty(_))));
    }
}
