//! Passwords: argon2id hashes (the `argon2` crate's defaults, OWASP's minimum:
//! 19 MiB, 2 passes, 1 lane) with a salt from the OS random source, the length
//! rule, and generated one-time passwords for the demo and the admin page.

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::rngs::OsRng;
use rand::TryRngCore;

/// Shortest password accepted (NIST SP 800-63B asks for at least 8; long
/// passphrases are the point, so more).
pub const MIN_LEN: usize = 12;
/// Longest password accepted, so a login cannot make the server hash megabytes.
pub const MAX_LEN: usize = 256;

/// A password that cannot be used, or a hash that cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("adgangskoden skal have mindst {MIN_LEN} tegn")]
    TooShort,
    #[error("adgangskoden må højst have {MAX_LEN} tegn")]
    TooLong,
    #[error("de to adgangskoder er forskellige")]
    Mismatch,
    #[error("styresystemets tilfældighedskilde svarede ikke: {0}")]
    Random(String),
    #[error("adgangskoden kunne ikke hashes: {0}")]
    Hash(String),
}

/// Checks the length rule (counted in characters, not bytes).
pub fn check_policy(password: &str) -> Result<(), PasswordError> {
    match password.chars().count() {
        n if n < MIN_LEN => Err(PasswordError::TooShort),
        n if n > MAX_LEN => Err(PasswordError::TooLong),
        _ => Ok(()),
    }
}

/// Fills `buf` from the operating system's random source.
pub fn os_random(buf: &mut [u8]) -> Result<(), PasswordError> {
    OsRng
        .try_fill_bytes(buf)
        .map_err(|e| PasswordError::Random(e.to_string()))
}

/// An argon2id hash in PHC string form (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub fn hash(password: &str) -> Result<String, PasswordError> {
    check_policy(password)?;
    let mut salt = [0u8; 16];
    os_random(&mut salt)?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| PasswordError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `password` matches the stored hash; a malformed hash matches nothing.
pub fn verify(password: &str, phc: &str) -> bool {
    if password.len() > MAX_LEN * 4 {
        return false;
    }
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Verifies against a throwaway hash, so a login for an unknown user takes as
/// long as one for a known user and does not reveal which names exist.
pub fn verify_nothing(password: &str) {
    static DUMMY: LazyLock<Option<String>> =
        LazyLock::new(|| hash("ingen-bruger-har-denne-kode").ok());
    if let Some(h) = DUMMY.as_deref() {
        let _ = verify(password, h);
    }
}

/// A random password of 20 characters from an alphabet without look-alikes
/// (about 110 bits), drawn from the OS random source.
pub fn generate() -> Result<String, PasswordError> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = String::with_capacity(20);
    let mut byte = [0u8; 1];
    while out.len() < 20 {
        os_random(&mut byte)?;
        // Rejection sampling keeps every character equally likely.
        let limit = 256 - 256 % ALPHABET.len();
        if (byte[0] as usize) < limit {
            out.push(ALPHABET[byte[0] as usize % ALPHABET.len()] as char);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_is_argon2id_with_a_fresh_salt_and_verifies_only_its_password() {
        let a = hash("korrekt hest batteri").unwrap();
        let b = hash("korrekt hest batteri").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify("korrekt hest batteri", &a));
        assert!(!verify("korrekt hest batterI", &a));
        assert!(!verify("korrekt hest batteri", "ikke en hash"));
    }

    #[test]
    fn short_and_huge_passwords_are_refused() {
        assert!(matches!(hash("kort"), Err(PasswordError::TooShort)));
        assert!(matches!(
            check_policy(&"x".repeat(MAX_LEN + 1)),
            Err(PasswordError::TooLong)
        ));
        // Twelve characters, some of them not ASCII, is long enough.
        assert!(check_policy("æøåæøåæøåæøå").is_ok());
    }

    #[test]
    fn generated_passwords_pass_the_policy_and_differ() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_eq!(a.len(), 20);
        assert!(check_policy(&a).is_ok());
        assert_ne!(a, b);
    }
}
