//! Writes tests/fixtures/encryption/store_written_by_mbedtls.duckdb: a small store
//! encrypted by whichever AES-GCM the shim gives DuckDB at the commit it runs at
//! (see tests/fixtures/encryption/README.md). Key: 32 bytes of 0x5a.

use jobcockpit::encryption::{open_encrypted, EncryptionKey};
fn main() {
    let out = std::path::PathBuf::from(std::env::args().nth(1).expect("path"));
    let _ = std::fs::remove_file(&out);
    let key = EncryptionKey::from_hex(&"5a".repeat(32)).unwrap();
    let conn = open_encrypted(&out, &key).unwrap();
    conn.execute_batch("create table fixture as select i, 'række ' || i::varchar as txt from range(5000) t(i); checkpoint;").unwrap();
    drop(conn);
}
