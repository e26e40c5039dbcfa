//! Tests of the store key: how it is read, refused and never shown.

use super::*;
use crate::pseudonym::PseudonymError;

#[test]
fn debug_output_never_shows_the_key() {
    let key = EncryptionKey::from_hex(&"ab".repeat(32)).unwrap();
    let shown = format!("{key:?}");
    assert!(
        !shown.contains("ab") && !shown.contains("AB") && !shown.contains("q6urq6"),
        "{shown}"
    );
}

#[test]
fn a_key_that_is_not_64_hex_characters_is_refused() {
    for bad in [
        "",
        "abcd",
        &"ab".repeat(31),
        &"ab".repeat(33),
        &"zz".repeat(32),
    ] {
        assert!(
            matches!(EncryptionKey::from_hex(bad), Err(EncryptionError::BadKey)),
            "{bad}"
        );
    }
    assert!(EncryptionKey::from_hex(&format!(" {}\n", "0f".repeat(32))).is_ok());
}

#[test]
fn a_key_file_readable_by_others_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.key");
    assert!(crate::pseudonym::create_key_file(&path).unwrap());
    assert!(EncryptionKey::load_from(None, &path).is_ok());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    assert!(matches!(
        EncryptionKey::load_from(None, &path),
        Err(EncryptionError::KeyFile(
            PseudonymError::KeyFilePermissions { .. }
        ))
    ));
}

#[test]
fn the_environment_key_wins_over_the_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = key_file(dir.path());
    let key = EncryptionKey::load_from(Some(&"01".repeat(32)), &missing).unwrap();
    assert_eq!(key.bytes[..], [1u8; 32]);
}
