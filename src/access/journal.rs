//! The audit log's write-ahead journal: a small encrypted file beside the store
//! that holds chained rows from the moment they are written until the store has
//! them. The guard's request waits only for the journal (an append and an
//! `fdatasync`), never for the store, whose commits can wait behind a monthly
//! run's commit and checkpoint for hundreds of milliseconds; so pages keep their
//! latency during a run and a killed server still has answered nothing it did
//! not log. At the next start, rows the store does not have are written to it
//! from the journal (`AuditLog::start`), and the file is emptied whenever the
//! store has caught up with it.
//!
//! File format: records of `[length u32 LE][nonce 12 bytes][ciphertext + tag]`,
//! each the JSON of a batch of rows sealed with AES-256-GCM (ring) under a key
//! derived from the store key for this purpose only, so the file is as
//! unreadable as the store. A record cut short by a crash is the batch whose
//! requests were never answered, and is dropped; a record that does not open
//! with the key is refused by name.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use super::row::AuditRow;

/// What [`crate::encryption::EncryptionKey::derive`] is asked for: the journal's key.
pub const KEY_PURPOSE: &[u8] = b"jobcockpit audit journal v1";

/// Where the journal lives and the key that seals it.
pub struct JournalFile {
    pub path: PathBuf,
    pub key: Zeroizing<[u8; 32]>,
}

impl JournalFile {
    /// The journal of the store at `store_path` (beside it), sealed with a key
    /// derived from the store key for the journal alone.
    pub fn for_store(store_path: &Path, key: &crate::encryption::EncryptionKey) -> JournalFile {
        JournalFile {
            path: store_path.with_extension("audit-journal"),
            key: Zeroizing::new(key.derive(KEY_PURPOSE)),
        }
    }
}

/// Errors of the journal, each naming the file.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("revisionsjournalen {path} kunne ikke bruges: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "revisionsjournalen {path} kan ikke åbnes med databasens nøgle (post {record}); \
         den er ændret, eller den hører til en anden database"
    )]
    Sealed { path: String, record: usize },
    #[error("revisionsjournalen {path} indeholder en ulæselig post ({record}): {message}")]
    Garbled {
        path: String,
        record: usize,
        message: String,
    },
}

/// The open journal (owned by the audit log's writer).
pub struct Journal {
    file: File,
    path: PathBuf,
    key: LessSafeKey,
    random: SystemRandom,
    /// Bytes written since it was last emptied.
    bytes: u64,
}

impl Journal {
    /// Opens (or creates, readable by its owner only) the journal and returns the
    /// rows it holds, oldest first.
    pub fn open(file: JournalFile) -> Result<(Journal, Vec<AuditRow>), JournalError> {
        let io = |source| JournalError::Io {
            path: file.path.display().to_string(),
            source,
        };
        let mut options = OpenOptions::new();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut handle = options.open(&file.path).map_err(io)?;
        let mut bytes = Vec::new();
        handle.read_to_end(&mut bytes).map_err(io)?;
        let key = LessSafeKey::new(
            UnboundKey::new(&AES_256_GCM, &file.key[..]).expect("a 32-byte key fits AES-256"),
        );
        let (rows, good) = read_records(&file.path, &key, &bytes)?;
        if good < bytes.len() {
            // The torn tail goes, so the next record follows the last whole one.
            handle.set_len(good as u64).map_err(io)?;
            handle.sync_data().map_err(io)?;
        }
        Ok((
            Journal {
                file: handle,
                path: file.path,
                key,
                random: SystemRandom::new(),
                bytes: good as u64,
            },
            rows,
        ))
    }

    /// Appends one batch and waits until the disk has it.
    pub fn append(&mut self, rows: &[AuditRow]) -> Result<(), JournalError> {
        let mut sealed = serde_json::to_vec(rows).expect("rows serialise");
        let mut nonce = [0u8; NONCE_LEN];
        self.random
            .fill(&mut nonce)
            .map_err(|_| self.io(std::io::Error::other("ingen tilfældighedskilde")))?;
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::empty(),
                &mut sealed,
            )
            .map_err(|_| self.io(std::io::Error::other("kryptering fejlede")))?;
        let mut record = Vec::with_capacity(4 + NONCE_LEN + sealed.len());
        record.extend_from_slice(&(sealed.len() as u32).to_le_bytes());
        record.extend_from_slice(&nonce);
        record.extend_from_slice(&sealed);
        self.file.write_all(&record).map_err(|e| self.io(e))?;
        self.file.sync_data().map_err(|e| self.io(e))?;
        self.bytes += record.len() as u64;
        Ok(())
    }

    /// Empties the journal: the store has every row in it.
    pub fn clear(&mut self) -> Result<(), JournalError> {
        self.file.set_len(0).map_err(|e| self.io(e))?;
        self.file.sync_data().map_err(|e| self.io(e))?;
        self.bytes = 0;
        Ok(())
    }

    /// Bytes written since it was last emptied.
    pub fn written(&self) -> u64 {
        self.bytes
    }

    /// Moves the file aside (it does not fit the store) and starts an empty one;
    /// returns where it went.
    pub fn set_aside(file: &Path) -> Result<PathBuf, JournalError> {
        let aside = PathBuf::from(format!(
            "{}.afvist-{}",
            file.display(),
            chrono::Utc::now().format("%Y%m%dT%H%M%S")
        ));
        std::fs::rename(file, &aside).map_err(|source| JournalError::Io {
            path: file.display().to_string(),
            source,
        })?;
        Ok(aside)
    }

    fn io(&self, source: std::io::Error) -> JournalError {
        JournalError::Io {
            path: self.path.display().to_string(),
            source,
        }
    }
}

/// The rows of every whole record, and how many bytes those records take.
fn read_records(
    path: &Path,
    key: &LessSafeKey,
    bytes: &[u8],
) -> Result<(Vec<AuditRow>, usize), JournalError> {
    let mut rows = Vec::new();
    let mut at = 0usize;
    let mut record = 0usize;
    while at + 4 + NONCE_LEN <= bytes.len() {
        record += 1;
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
        let start = at + 4 + NONCE_LEN;
        if start + len > bytes.len() {
            // Cut short by a crash while it was written: its requests were never answered.
            tracing::warn!(path = %path.display(), record, "en afbrudt post sidst i revisionsjournalen springes over");
            break;
        }
        let nonce = Nonce::try_assume_unique_for_key(&bytes[at + 4..start]).expect("12 bytes");
        let mut sealed = bytes[start..start + len].to_vec();
        let plain = key
            .open_in_place(nonce, Aad::empty(), &mut sealed)
            .map_err(|_| JournalError::Sealed {
                path: path.display().to_string(),
                record,
            })?;
        let batch: Vec<AuditRow> =
            serde_json::from_slice(plain).map_err(|e| JournalError::Garbled {
                path: path.display().to_string(),
                record,
                message: e.to_string(),
            })?;
        rows.extend(batch);
        at = start + len;
    }
    Ok((rows, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seq: i64) -> AuditRow {
        AuditRow {
            seq,
            at: "2026-12-07 20:00:00.000000".into(),
            user: Some("anna".into()),
            role: Some("ledelse".into()),
            client: Some("10.0.0.1".into()),
            method: "GET".into(),
            route: Some("/d/{slug}".into()),
            path: "/d/overblik".into(),
            query: None,
            action: "side".into(),
            outcome: "ok".into(),
            status: 200,
            detail: None,
            prev_hash: format!("h{}", seq - 1),
            hash: format!("h{seq}"),
        }
    }

    fn file(dir: &Path, key: u8) -> JournalFile {
        JournalFile {
            path: dir.join("audit.journal"),
            key: Zeroizing::new([key; 32]),
        }
    }

    #[test]
    fn rows_come_back_after_a_reopen_and_are_gone_after_clear() {
        let dir = tempfile::tempdir().unwrap();
        let (mut j, found) = Journal::open(file(dir.path(), 7)).unwrap();
        assert!(found.is_empty());
        j.append(&[row(1), row(2)]).unwrap();
        j.append(&[row(3)]).unwrap();
        drop(j);
        let (mut j, found) = Journal::open(file(dir.path(), 7)).unwrap();
        assert_eq!(found, vec![row(1), row(2), row(3)]);
        j.clear().unwrap();
        drop(j);
        let (_, found) = Journal::open(file(dir.path(), 7)).unwrap();
        assert!(found.is_empty());
    }

    #[test]
    fn the_file_holds_no_row_in_clear_text() {
        let dir = tempfile::tempdir().unwrap();
        let (mut j, _) = Journal::open(file(dir.path(), 7)).unwrap();
        j.append(&[row(1)]).unwrap();
        let bytes = std::fs::read(dir.path().join("audit.journal")).unwrap();
        for needle in [&b"anna"[..], b"overblik", b"10.0.0.1", b"ledelse"] {
            assert!(!bytes.windows(needle.len()).any(|w| w == needle));
        }
    }

    #[test]
    fn a_record_cut_short_by_a_crash_is_dropped_and_a_foreign_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (mut j, _) = Journal::open(file(dir.path(), 7)).unwrap();
        j.append(&[row(1)]).unwrap();
        j.append(&[row(2)]).unwrap();
        drop(j);
        let path = dir.path().join("audit.journal");
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 5]).unwrap();
        let (mut j, found) = Journal::open(file(dir.path(), 7)).unwrap();
        assert_eq!(found, vec![row(1)]);
        // The torn tail was cut, so a later batch follows the whole record.
        j.append(&[row(2)]).unwrap();
        drop(j);
        let (_, found) = Journal::open(file(dir.path(), 7)).unwrap();
        assert_eq!(found, vec![row(1), row(2)]);
        let err = Journal::open(file(dir.path(), 8))
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("kan ikke åbnes med databasens nøgle") && err.contains("audit.journal"),
            "{err}"
        );
    }
}
