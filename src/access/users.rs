//! Local users: a name, one role, an argon2id hash (none for users who only log in
//! through the municipality's single sign-on proxy) and whether they may log in.

use super::roles::Role;

/// One user as stored in `access_users`.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub role: Role,
    pub enabled: bool,
    /// The argon2id PHC string; never shown, never logged.
    pub password_hash: Option<String>,
    /// UTC, `åååå-mm-dd tt:mm:ss`.
    pub created_at: String,
    pub updated_at: String,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("name", &self.name)
            .field("role", &self.role)
            .field("enabled", &self.enabled)
            .field("password", &self.password_hash.as_ref().map(|_| "<skjult>"))
            .finish()
    }
}

/// A user name that cannot be used.
#[derive(Debug, Clone, thiserror::Error)]
#[error("ugyldigt brugernavn '{0}': 1-64 tegn blandt a-z, 0-9, '.', '_', '-' og '@', begyndende med et bogstav eller tal")]
pub struct BadName(pub String);

/// Checks a user name. Lowercase ASCII only, so a name is the same in a path, a
/// cookie-less SSO header and the store, and two spellings cannot be two users.
pub fn check_name(name: &str) -> Result<(), BadName> {
    let ok_char = |c: char| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '@')
    };
    let first_ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if first_ok && name.len() <= 64 && name.chars().all(ok_char) {
        Ok(())
    } else {
        Err(BadName(name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lowercase_ascii_without_markup() {
        for ok in ["anna", "ab12", "anna.berg@kommune.dk", "x_y-z"] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Anna",
            "søren",
            "<b>",
            "a b",
            "-a",
            ".a",
            &"a".repeat(65),
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_output_never_contains_the_hash() {
        let u = User {
            name: "anna".into(),
            role: Role::Admin,
            enabled: true,
            password_hash: Some("$argon2id$hemmelig".into()),
            created_at: String::new(),
            updated_at: String::new(),
        };
        assert!(!format!("{u:?}").contains("hemmelig"));
    }
}
