//! SHA-256 digests: of one file, and a running one over the named files a report's
//! layout is made of. Below `archive`, `spec`, `catalogue` and `html`, which all
//! use it, so that none of them imports another for it.

use sha2::{Digest as _, Sha256};

/// SHA-256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A running SHA-256 over named parts (the layout files).
#[derive(Default)]
pub struct Digest(Sha256);

impl Digest {
    /// Adds one named part; the name is hashed too, so moving text between files counts.
    pub fn add(&mut self, name: &str, bytes: &[u8]) {
        self.0.update((name.len() as u64).to_le_bytes());
        self.0.update(name.as_bytes());
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }

    pub fn finish(self) -> String {
        hex::encode(self.0.finalize())
    }
}
