//! Pseudonymisation at the door: a CPR number is parsed, its birth date and sex are
//! derived, and it is replaced by a keyed HMAC-SHA256 pseudonym. The raw number
//! never leaves this module except masked (`010190-****`).

use std::fmt;
use std::path::Path;

use chrono::NaiveDate;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Errors of CPR parsing and key handling. Messages never contain a full CPR.
#[derive(Debug, thiserror::Error)]
pub enum PseudonymError {
    #[error("CPR-nummeret {masked} har ikke formatet DDMMÅÅ-SSSS")]
    Format { masked: String },
    #[error("CPR-nummeret {masked} har ingen gyldig fødselsdato")]
    BirthDate { masked: String },
    #[error("nøglefilen {path} kunne ikke læses: {source}")]
    KeyFile {
        path: String,
        source: std::io::Error,
    },
    #[error("nøglefilen {path} må kun kunne læses af ejeren (rettigheder 0600), men har {mode:o}")]
    KeyFilePermissions { path: String, mode: u32 },
    #[error("pseudonymnøglen skal være mindst 32 bytes skrevet som hex")]
    KeyTooShort,
}

/// Sex as derived from the last digit of the CPR number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// Code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "M",
            Sex::Female => "K",
        }
    }
}

/// A syntactically valid CPR number with a real birth date. `Debug` and
/// `Display` show it masked so it cannot leak through logs by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Cpr {
    digits: [u8; 10],
    birth_date: NaiveDate,
}

impl fmt::Debug for Cpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cpr({})", self.masked())
    }
}

impl fmt::Display for Cpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Masks whatever was given as a CPR: the first six characters stay, the rest become `****`.
pub fn mask(raw: &str) -> String {
    let head: String = raw.trim().chars().take(6).collect();
    format!("{head}-****")
}

impl Cpr {
    /// Parses `DDMMYY-SSSS` (the dash is optional). The modulus-11 check is not
    /// applied: numbers issued since 2007 need not pass it.
    pub fn parse(raw: &str) -> Result<Cpr, PseudonymError> {
        let b = raw.trim().as_bytes();
        // `DDMMYYSSSS` or `DDMMYY-SSSS`; read without allocating, since a national
        // load parses tens of millions of them.
        let digits_at: &[usize] = match b.len() {
            10 => &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
            11 if b[6] == b'-' => &[0, 1, 2, 3, 4, 5, 7, 8, 9, 10],
            _ => return Err(PseudonymError::Format { masked: mask(raw) }),
        };
        let mut digits = [0u8; 10];
        for (d, &i) in digits.iter_mut().zip(digits_at) {
            if !b[i].is_ascii_digit() {
                return Err(PseudonymError::Format { masked: mask(raw) });
            }
            *d = b[i] - b'0';
        }
        let day = u32::from(digits[0] * 10 + digits[1]);
        let month = u32::from(digits[2] * 10 + digits[3]);
        let yy = i32::from(digits[4] * 10 + digits[5]);
        let year = century(digits[6], yy) + yy;
        let birth_date = NaiveDate::from_ymd_opt(year, month, day)
            .ok_or_else(|| PseudonymError::BirthDate { masked: mask(raw) })?;
        Ok(Cpr { digits, birth_date })
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    pub fn sex(&self) -> Sex {
        if self.digits[9] % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    pub fn masked(&self) -> String {
        let head: String = self.digits[..6]
            .iter()
            .map(|d| char::from(b'0' + d))
            .collect();
        format!("{head}-****")
    }
}

/// The century of a CPR birth year from the 7th digit (CPR office rules).
fn century(seventh: u8, yy: i32) -> i32 {
    match seventh {
        0..=3 => 1900,
        4 | 9 => {
            if yy <= 36 {
                2000
            } else {
                1900
            }
        }
        _ => {
            if yy <= 57 {
                2000
            } else {
                1800
            }
        }
    }
}

/// Turns CPR numbers into stable pseudonyms with a secret key. The key is held
/// only in memory and never printed.
#[derive(Clone)]
pub struct Pseudonymiser {
    /// HMAC state with the key already absorbed: cloning it saves hashing the
    /// key pads again for each of the millions of CPRs of a national load.
    keyed: Hmac<Sha256>,
}

impl fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pseudonymiser(<nøgle skjult>)")
    }
}

impl Pseudonymiser {
    /// A pseudonymiser from raw key bytes (at least 32).
    pub fn new(key: Vec<u8>) -> Result<Self, PseudonymError> {
        if key.len() < 32 {
            return Err(PseudonymError::KeyTooShort);
        }
        let keyed = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC accepts any key length");
        Ok(Pseudonymiser { keyed })
    }

    /// Reads a hex key from a file that only its owner may read.
    pub fn from_key_file(path: &Path) -> Result<Self, PseudonymError> {
        check_owner_only(path)?;
        let text = std::fs::read_to_string(path).map_err(|source| PseudonymError::KeyFile {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_hex(text.trim())
    }

    /// A key given as hex (for example from an environment variable).
    pub fn from_hex(hex_key: &str) -> Result<Self, PseudonymError> {
        let key = hex::decode(hex_key.trim()).map_err(|_| PseudonymError::KeyTooShort)?;
        Self::new(key)
    }

    /// The pseudonym of a CPR number: HMAC-SHA256 over its ten digits, hex, truncated to 128 bits.
    pub fn pseudonym(&self, cpr: &Cpr) -> String {
        pseudonym_text(self.key(cpr))
    }

    /// The pseudonym as a number: the first 128 bits of the HMAC, big-endian,
    /// so that `pseudonym` is its 32 hex digits. The load compares citizens by it.
    pub fn key(&self, cpr: &Cpr) -> u128 {
        let mut mac = self.keyed.clone();
        mac.update(&cpr.digits.map(|d| b'0' + d));
        let digest = mac.finalize().into_bytes();
        let mut first = [0u8; 16];
        first.copy_from_slice(&digest[..16]);
        u128::from_be_bytes(first)
    }
}

/// A pseudonym's 32 lowercase hex digits.
pub fn pseudonym_text(key: u128) -> String {
    // Hex by hand: `hex::encode` collects chars one by one, a measurable share
    // of a national-scale load.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(32);
    for b in key.to_be_bytes() {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}

#[cfg(unix)]
pub(crate) fn check_owner_only(path: &Path) -> Result<(), PseudonymError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|source| PseudonymError::KeyFile {
        path: path.display().to_string(),
        source,
    })?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(PseudonymError::KeyFilePermissions {
            path: path.display().to_string(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
pub(crate) fn check_owner_only(_path: &Path) -> Result<(), PseudonymError> {
    Ok(())
}

/// Writes a new random hex key to `path` with permissions 0600, unless it exists.
pub fn create_key_file(path: &Path) -> std::io::Result<bool> {
    if path.exists() {
        return Ok(false);
    }
    let mut key = [0u8; 32];
    getrandom_fill(&mut key)?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    use std::io::Write;
    let mut f = opts.open(path)?;
    f.write_all(hex::encode(key).as_bytes())?;
    Ok(true)
}

/// Fills a buffer from the operating system's random source.
fn getrandom_fill(buf: &mut [u8]) -> std::io::Result<()> {
    use std::io::Read;
    std::fs::File::open("/dev/urandom")?.read_exact(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seventh_digit_and_year_give_the_century() {
        assert_eq!(
            Cpr::parse("010190-1233").unwrap().birth_date().to_string(),
            "1990-01-01"
        );
        assert_eq!(
            Cpr::parse("010105-4234").unwrap().birth_date().to_string(),
            "2005-01-01"
        );
        assert_eq!(
            Cpr::parse("010150-4234").unwrap().birth_date().to_string(),
            "1950-01-01"
        );
        assert_eq!(
            Cpr::parse("010160-9234").unwrap().birth_date().to_string(),
            "1960-01-01"
        );
        assert_eq!(
            Cpr::parse("010110-5234").unwrap().birth_date().to_string(),
            "2010-01-01"
        );
        assert_eq!(
            Cpr::parse("010190-6234").unwrap().birth_date().to_string(),
            "1890-01-01"
        );
    }

    #[test]
    fn the_last_digit_gives_the_sex() {
        assert_eq!(Cpr::parse("010190-1233").unwrap().sex(), Sex::Male);
        assert_eq!(Cpr::parse("010190-1234").unwrap().sex(), Sex::Female);
    }

    #[test]
    fn a_cpr_with_an_impossible_date_is_rejected_and_masked() {
        let err = Cpr::parse("310290-1234").unwrap_err().to_string();
        assert!(err.contains("310290-****"), "{err}");
        assert!(!err.contains("1234"), "{err}");
    }

    #[test]
    fn malformed_cprs_are_rejected() {
        for bad in [
            "",
            "0101901234x",
            "01019-01234",
            "abcdef-1234",
            "010190-123",
        ] {
            assert!(Cpr::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_output_never_shows_the_full_number() {
        let cpr = Cpr::parse("010190-1233").unwrap();
        assert_eq!(format!("{cpr:?}"), "Cpr(010190-****)");
    }

    #[test]
    fn pseudonyms_are_stable_per_key_and_differ_between_keys() {
        let a = Pseudonymiser::new(vec![1; 32]).unwrap();
        let b = Pseudonymiser::new(vec![2; 32]).unwrap();
        let cpr = Cpr::parse("010190-1233").unwrap();
        assert_eq!(
            a.pseudonym(&cpr),
            a.pseudonym(&Cpr::parse("0101901233").unwrap())
        );
        assert_ne!(a.pseudonym(&cpr), b.pseudonym(&cpr));
        assert_eq!(a.pseudonym(&cpr).len(), 32);
        assert!(!a.pseudonym(&cpr).contains("0101901233"));
    }

    #[test]
    fn a_short_key_is_refused() {
        assert!(Pseudonymiser::new(vec![0; 16]).is_err());
    }

    #[test]
    fn a_key_file_readable_by_others_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        assert!(create_key_file(&path).unwrap());
        assert!(Pseudonymiser::from_key_file(&path).is_ok());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            Pseudonymiser::from_key_file(&path),
            Err(PseudonymError::KeyFilePermissions { .. })
        ));
    }
}
