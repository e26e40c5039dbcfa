//! `jobcockpit user …`: user administration from the command line. DuckDB lets one
//! process write the store: with the server stopped the command opens the store
//! itself; while the server runs, the command sends the change to it (the CLI,
//! `/drift/brugere`), which applies it with the same [`apply`]. Passwords are read
//! from the terminal without echo, or as one line from stdin, never from the arguments.

use std::io::{BufRead, IsTerminal};

use clap::Subcommand;

use super::{password, Access, AccessError, AuditEntry, Outcome, Role};
use crate::config::Settings;
use crate::encryption::{self, EncryptionKey};
use crate::store::{Store, StoreError};

/// The `user` verbs.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Opretter en bruger. Adgangskoden læses fra terminalen (uden ekko) eller som én linje fra stdin.
    Add {
        name: String,
        /// ledelse, sagsbehandler, dataenhed, udvalg, admin, fagsystem eller jura.
        #[arg(long)]
        role: Role,
        /// Kun log-ind gennem kommunens fælles log-ind (ingen adgangskode).
        #[arg(long)]
        sso_only: bool,
    },
    /// Deaktiverer en bruger og logger brugeren ud.
    Disable { name: String },
    /// Aktiverer en deaktiveret bruger.
    Enable { name: String },
    /// Giver en bruger en anden rolle.
    Role { name: String, role: Role },
    /// Sætter en ny adgangskode (læses som ved add) og ophæver en spærring.
    ResetPassword { name: String },
    /// Viser alle brugere.
    List,
}

/// Opens only what user administration needs: the store and its access tables.
pub fn open(settings: &Settings) -> Result<(Store, Access), AccessError> {
    let key =
        EncryptionKey::load(&encryption::key_file(&settings.data_dir)).map_err(StoreError::from)?;
    let store = Store::open_within(&settings.store_path(), &key, &settings.store)?;
    let journal = super::journal::JournalFile::for_store(&settings.store_path(), &key);
    let access = Access::open(&store, settings.access.clone(), Some(journal))?;
    Ok((store, access))
}

/// Reads a new password: twice without echo on a terminal, else one stdin line.
fn read_password() -> Result<String, AccessError> {
    let io = AccessError::ReadPassword;
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Ny adgangskode: ").map_err(io)?;
        let again = rpassword::prompt_password("Gentag adgangskoden: ").map_err(io)?;
        if first != again {
            return Err(password::PasswordError::Mismatch.into());
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(io)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    password::check_policy(&password)?;
    Ok(password)
}

/// One user change, with its password already read: what the command applies to
/// the store it opened, or sends to the running server (`/drift/brugere`) when the
/// server holds the store.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "verb", rename_all = "kebab-case")]
pub enum UserChange {
    Add {
        name: String,
        role: Role,
        /// None: single sign-on only.
        password: Option<String>,
    },
    Disable {
        name: String,
    },
    Enable {
        name: String,
    },
    Role {
        name: String,
        role: Role,
    },
    ResetPassword {
        name: String,
        password: String,
    },
    List,
}

impl UserChange {
    /// The change a verb asks for; reads the password (from the terminal or stdin)
    /// where the verb needs one.
    pub fn read(cmd: UserCommand) -> Result<UserChange, AccessError> {
        Ok(match cmd {
            UserCommand::Add {
                name,
                role,
                sso_only,
            } => UserChange::Add {
                name,
                role,
                password: if sso_only {
                    None
                } else {
                    Some(read_password()?)
                },
            },
            UserCommand::Disable { name } => UserChange::Disable { name },
            UserCommand::Enable { name } => UserChange::Enable { name },
            UserCommand::Role { name, role } => UserChange::Role { name, role },
            UserCommand::ResetPassword { name } => UserChange::ResetPassword {
                name,
                password: read_password()?,
            },
            UserCommand::List => UserChange::List,
        })
    }

    fn verb_and_name(&self) -> (&'static str, &str) {
        match self {
            UserChange::Add { name, .. } => ("add", name),
            UserChange::Disable { name } => ("disable", name),
            UserChange::Enable { name } => ("enable", name),
            UserChange::Role { name, .. } => ("role", name),
            UserChange::ResetPassword { name, .. } => ("reset-password", name),
            UserChange::List => ("list", ""),
        }
    }
}

/// Who made a change from the command line, as the audit row names it: the
/// operating-system user, and whether the running server carried it out.
pub fn cli_client(through_server: bool) -> String {
    let os_user = std::env::var("USER").unwrap_or_else(|_| "ukendt".into());
    if through_server {
        format!("kommandolinje via serveren ({os_user})")
    } else {
        format!("kommandolinje ({os_user})")
    }
}

/// Applies one change and returns what to print. Every change but `list` is
/// written to the audit log (refused ones too) with `client` as its origin.
pub fn apply(access: &Access, change: UserChange, client: &str) -> Result<String, AccessError> {
    password_policy(&change)?;
    let (verb, name) = change.verb_and_name();
    let (verb, name) = (verb, name.to_string());
    let result = match change {
        UserChange::Add {
            name,
            role,
            password,
        } => access
            .add_user(&name, role, password.as_deref())
            .map(|_| format!("Bruger {name} oprettet med rollen {role}.")),
        UserChange::Disable { name } => access
            .set_enabled(&name, false)
            .map(|_| format!("Bruger {name} er deaktiveret.")),
        UserChange::Enable { name } => access
            .set_enabled(&name, true)
            .map(|_| format!("Bruger {name} er aktiveret.")),
        UserChange::Role { name, role } => access
            .set_role(&name, role)
            .map(|_| format!("Bruger {name} har nu rollen {role}.")),
        UserChange::ResetPassword { name, password } => access
            .set_password(&name, &password)
            .map(|_| format!("Bruger {name} har fået en ny adgangskode.")),
        UserChange::List => return Ok(list(access)),
    };
    // Administrative actions from the command line go into the same audit log.
    access.audit().record(AuditEntry {
        at: chrono::Utc::now(),
        user: None,
        role: None,
        client: Some(client.to_string()),
        method: "CLI".into(),
        route: Some(format!("jobcockpit user {verb}")),
        path: format!("jobcockpit user {verb} {name}"),
        query: None,
        action: "administration".into(),
        outcome: if result.is_ok() {
            Outcome::Allowed
        } else {
            Outcome::Refused
        },
        status: 0,
        detail: Some(match &result {
            Ok(done) => done.clone(),
            Err(e) => e.to_string(),
        }),
    });
    access.audit().flush()?;
    result
}

/// A password sent to the server is checked there too: the policy holds
/// whichever way a change arrives.
fn password_policy(change: &UserChange) -> Result<(), AccessError> {
    match change {
        UserChange::Add {
            password: Some(p), ..
        }
        | UserChange::ResetPassword { password: p, .. } => Ok(password::check_policy(p)?),
        _ => Ok(()),
    }
}

fn list(access: &Access) -> String {
    let mut out = format!(
        "{:<32} {:<14} {:<12} log-ind\n",
        "bruger", "rolle", "status"
    );
    for u in access.users() {
        out.push_str(&format!(
            "{:<32} {:<14} {:<12} {}\n",
            u.name,
            u.role.as_str(),
            if u.enabled { "aktiv" } else { "deaktiveret" },
            if u.sso_only {
                "fælles log-ind"
            } else {
                "adgangskode"
            }
        ));
    }
    out.trim_end().to_string()
}

/// Creates one demo user per role (`demo-<rolle>`) with a generated password and
/// returns the names and passwords, to be shown once.
pub fn create_demo_users(access: &Access) -> Result<Vec<(String, Role, String)>, AccessError> {
    let mut out = Vec::new();
    for role in Role::ALL {
        let name = format!("demo-{role}");
        let secret = password::generate()?;
        access.add_user(&name, role, Some(&secret))?;
        access.audit().record(AuditEntry {
            at: chrono::Utc::now(),
            user: None,
            role: None,
            client: Some("demo".into()),
            method: "CLI".into(),
            route: Some("jobcockpit demo".into()),
            path: "jobcockpit demo".into(),
            query: None,
            action: "administration".into(),
            outcome: Outcome::Allowed,
            status: 0,
            detail: Some(format!("demobruger '{name}' oprettet med rollen {role}")),
        });
        out.push((name, role, secret));
    }
    access.audit().flush()?;
    Ok(out)
}
