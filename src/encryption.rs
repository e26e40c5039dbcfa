//! Encryption at rest: the store is a DuckDB database file encrypted with DuckDB's
//! own AES-256-GCM (blocks, WAL and spilled temporary files). The bundled DuckDB
//! can only write encrypted files with a secure random source, which the C++ shim
//! in `csrc/encryption_shim.cpp` provides; this module checks that the shim is
//! active before every encrypted attach and never falls back to plaintext.
//!
//! How the key reaches DuckDB: the 32-byte key (key file or environment) is
//! base64-encoded and bound as a parameter of `ATTACH ? AS store (ENCRYPTION_KEY ?,
//! ENCRYPTION_CIPHER 'GCM')`, so it is never part of any SQL text that DuckDB or
//! we could log; DuckDB derives the file key from it and wipes its copy.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use base64::Engine as _;
use duckdb::{Config, Connection};
use zeroize::Zeroizing;

use crate::pseudonym::{check_owner_only, PseudonymError};

/// The environment variable that may hold the store key as 64 hex characters.
pub const STORE_KEY_ENV: &str = "JOBCOCKPIT_STORE_KEY";

/// The name the encrypted file is attached under; every connection uses it.
pub const DATABASE_ALIAS: &str = "store";

const KEY_LEN: usize = 32;
const RANDOM_SOURCE_SETTING: &str = "jobcockpit_random_source";

/// Errors of key handling and of opening the encrypted store. None of them
/// ever contains the key.
#[derive(Debug, thiserror::Error)]
pub enum EncryptionError {
    #[error(
        "ingen nøgle til databasen: sæt {STORE_KEY_ENV} eller kør 'jobcockpit init' (forventet fil: {path}) \
         / no store key"
    )]
    MissingKey { path: String },
    #[error("databasenøglen skal være 32 bytes skrevet som 64 hex-tegn / the store key must be 64 hex characters")]
    BadKey,
    #[error(transparent)]
    KeyFile(#[from] PseudonymError),
    #[error(
        "krypteringsmodulet er ikke aktivt ({0}); databasen åbnes ikke, heller ikke ukrypteret \
         / the encryption shim is not active, refusing to open the store"
    )]
    ShimInactive(String),
    #[error("forkert nøgle til databasen {path} / wrong encryption key")]
    WrongKey { path: String },
    #[error(
        "databasen {path} er ikke krypteret (fra før kryptering blev indført); den åbnes ikke \
         / the store file is not encrypted"
    )]
    NotEncrypted { path: String },
    #[error("stien {0} kan ikke bruges af DuckDB (ikke UTF-8)")]
    Path(String),
    #[error("kunne ikke åbne den krypterede database {path}: {message}")]
    Open { path: String, message: String },
}

/// A 256-bit store key. Held only in memory, wiped on drop, never printed.
pub struct EncryptionKey {
    bytes: Zeroizing<[u8; KEY_LEN]>,
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EncryptionKey(<nøgle skjult>)")
    }
}

impl EncryptionKey {
    /// A key from 64 hex characters.
    pub fn from_hex(hex_key: &str) -> Result<Self, EncryptionError> {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        hex::decode_to_slice(hex_key.trim(), &mut bytes[..])
            .map_err(|_| EncryptionError::BadKey)?;
        Ok(EncryptionKey { bytes })
    }

    /// Reads a hex key from a file that only its owner may read (0600).
    pub fn from_key_file(path: &Path) -> Result<Self, EncryptionError> {
        check_owner_only(path)?;
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|source| {
            PseudonymError::KeyFile {
                path: path.display().to_string(),
                source,
            }
        })?);
        Self::from_hex(&text)
    }

    /// The key from `JOBCOCKPIT_STORE_KEY` if set, otherwise from `key_file`.
    pub fn load(key_file: &Path) -> Result<Self, EncryptionError> {
        let env = std::env::var(STORE_KEY_ENV).ok().map(Zeroizing::new);
        Self::load_from(env.as_deref().map(String::as_str), key_file)
    }

    fn load_from(env: Option<&str>, key_file: &Path) -> Result<Self, EncryptionError> {
        match env {
            Some(hex_key) => Self::from_hex(hex_key),
            None if !key_file.exists() => Err(EncryptionError::MissingKey {
                path: key_file.display().to_string(),
            }),
            None => Self::from_key_file(key_file),
        }
    }

    /// A value derived from the key for `purpose` (HMAC-SHA256 keyed with it):
    /// proof that a caller holds the key without the key itself.
    pub fn derive(&self, purpose: &[u8]) -> [u8; 32] {
        use hmac::Mac;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.bytes[..])
            .expect("HMAC takes a key of any length");
        mac.update(purpose);
        let mut out = [0u8; 32];
        out.copy_from_slice(&mac.finalize().into_bytes());
        out
    }

    /// A short public name of the key (16 hex characters), so a backup can say
    /// which key opens it. Derived one way: it tells nothing about the key.
    pub fn id(&self) -> String {
        hex::encode(&self.derive(b"jobcockpit key id v1")[..8])
    }

    /// Attaches another encrypted database file under `alias` on `conn`, with
    /// this key (bound as a parameter, never in SQL text). `alias` comes from
    /// this crate, never from input.
    pub fn attach(
        &self,
        conn: &Connection,
        path: &Path,
        alias: &'static str,
    ) -> Result<(), EncryptionError> {
        let shown = path.display().to_string();
        let path_str = path
            .to_str()
            .ok_or_else(|| EncryptionError::Path(shown.clone()))?;
        let secret = self.duckdb_secret();
        let sql = [
            "attach ? as ",
            alias,
            " (encryption_key ?, encryption_cipher 'GCM')",
        ]
        .concat();
        conn.execute(&sql, [path_str, secret.as_str()])
            .map_err(|e| attach_error(&shown, e, &secret))?;
        Ok(())
    }

    /// What DuckDB is given: base64. DuckDB decodes a key that is valid base64
    /// back to its bytes (here: these 32) before its key derivation, and uses
    /// any other text as it is.
    fn duckdb_secret(&self) -> Zeroizing<String> {
        Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(&self.bytes[..]))
    }
}

/// The store key file in a data dir.
pub fn key_file(data_dir: &Path) -> PathBuf {
    crate::config::DataDir::from(data_dir).store_key_file()
}

/// Where DuckDB spills temporary files for the store (encrypted as well).
pub fn temp_dir(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".tmp");
    PathBuf::from(name)
}

/// Opens (or creates) the encrypted database file at `path` and returns a
/// connection whose default database it is, with DuckDB's own memory limit.
pub fn open_encrypted(path: &Path, key: &EncryptionKey) -> Result<Connection, EncryptionError> {
    open_encrypted_within(path, key, None)
}

/// As [`open_encrypted`], with DuckDB's memory budget set to `memory_limit_mb`
/// MiB for the database, so every connection to it (clones included) shares it.
#[tracing::instrument(skip_all, fields(path = %path.display()), err)]
pub fn open_encrypted_within(
    path: &Path,
    key: &EncryptionKey,
    memory_limit_mb: Option<u64>,
) -> Result<Connection, EncryptionError> {
    let shown = path.display().to_string();
    let path_str = path
        .to_str()
        .ok_or_else(|| EncryptionError::Path(shown.clone()))?;
    let tmp = temp_dir(path);
    let tmp_str = tmp
        .to_str()
        .ok_or_else(|| EncryptionError::Path(tmp.display().to_string()))?;
    register_shim()?;

    let open_error = |e: duckdb::Error| EncryptionError::Open {
        path: shown.clone(),
        message: e.to_string(),
    };
    // The main database is in memory; the file is attached below. Spills go next
    // to the file (not into the working directory) and are encrypted.
    let mut config = Config::default()
        .with("temp_directory", tmp_str)
        .and_then(|c| c.with("temp_file_encryption", "true"))
        .map_err(open_error)?;
    if let Some(mb) = memory_limit_mb {
        config = config
            .with("memory_limit", format!("{mb}MiB"))
            .map_err(open_error)?;
    }
    let conn = Connection::open_in_memory_with_flags(config).map_err(open_error)?;
    check_shim_active(&conn)?;

    let secret = key.duckdb_secret();
    conn.execute(
        "attach ? as store (encryption_key ?, encryption_cipher 'GCM')",
        [path_str, secret.as_str()],
    )
    .map_err(|e| attach_error(&shown, e, &secret))?;
    conn.execute_batch("use store").map_err(open_error)?;
    check_encrypted(&conn, &shown)?;
    // Nobody may now switch to the unsafe random source or unencrypted spills;
    // only performance settings stay open.
    conn.execute_batch(
        "set allowed_configs = ['memory_limit', 'threads', 'preserve_insertion_order',
             'checkpoint_threshold'];
         set lock_configuration = true",
    )
    .map_err(open_error)?;
    Ok(conn)
}

/// A second connection to the same encrypted store (for readers).
pub fn clone_connection(conn: &Connection) -> duckdb::Result<Connection> {
    let other = conn.try_clone()?;
    other.execute_batch("use store")?;
    Ok(other)
}

/// Registers the shim with DuckDB once per process, for every database opened afterwards.
fn register_shim() -> Result<(), EncryptionError> {
    static REGISTERED: OnceLock<i32> = OnceLock::new();
    match *REGISTERED.get_or_init(ffi::register_os_random) {
        0 => Ok(()),
        rc => Err(EncryptionError::ShimInactive(format!(
            "registreringen fejlede med kode {rc}"
        ))),
    }
}

/// Fails unless this database takes its nonces and keys from the shim: the
/// shim's read-only marker is set and DuckDB is not forced onto its unsafe
/// random source (which would bypass the shim).
fn check_shim_active(conn: &Connection) -> Result<(), EncryptionError> {
    let inactive = |why: String| EncryptionError::ShimInactive(why);
    let source: String = conn
        .query_row(
            "select current_setting('jobcockpit_random_source')",
            [],
            |r| r.get(0),
        )
        .map_err(|_| inactive(format!("{RANDOM_SOURCE_SETTING} mangler")))?;
    if source != "os" {
        return Err(inactive(format!("{RANDOM_SOURCE_SETTING} = {source}")));
    }
    let forced: bool = conn
        .query_row("select current_setting('force_mbedtls_unsafe')", [], |r| {
            r.get(0)
        })
        .map_err(|e| inactive(e.to_string()))?;
    if forced {
        return Err(inactive("force_mbedtls_unsafe er slået til".into()));
    }
    Ok(())
}

/// Belt and braces: the attached file must report itself as encrypted.
fn check_encrypted(conn: &Connection, shown: &str) -> Result<(), EncryptionError> {
    let encrypted: bool = conn
        .query_row(
            "select encrypted from duckdb_databases() where database_name = ?",
            [DATABASE_ALIAS],
            |r| r.get(0),
        )
        .map_err(|e| EncryptionError::Open {
            path: shown.to_string(),
            message: e.to_string(),
        })?;
    if encrypted {
        Ok(())
    } else {
        Err(EncryptionError::NotEncrypted {
            path: shown.to_string(),
        })
    }
}

/// Turns DuckDB's attach errors into ours; the key is scrubbed from any message.
fn attach_error(shown: &str, e: duckdb::Error, secret: &str) -> EncryptionError {
    let message = e.to_string().replace(secret, "<nøgle skjult>");
    let path = shown.to_string();
    if message.contains("Wrong encryption key") {
        EncryptionError::WrongKey { path }
    } else if message.contains("is not encrypted") {
        EncryptionError::NotEncrypted { path }
    } else {
        EncryptionError::Open { path, message }
    }
}

/// The one foreign function: registering the shim compiled by build.rs.
// Calling C needs `unsafe`; the crate denies it (Cargo.toml `[lints.rust]`) everywhere else.
#[allow(unsafe_code)]
mod ffi {
    extern "C" {
        fn jobcockpit_register_os_random() -> i32;
    }

    /// Returns 0 when the shim is registered (again: registering twice is a no-op).
    pub(super) fn register_os_random() -> i32 {
        // SAFETY: the function takes no arguments, touches only DuckDB's own
        // registry (behind DuckDB's mutex), catches every C++ exception before it
        // could cross the C boundary, and returns a plain status code.
        unsafe { jobcockpit_register_os_random() }
    }
}

#[cfg(test)]
mod key_tests;
#[cfg(test)]
mod tests;
