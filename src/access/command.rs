//! `jobcockpit user …`: user administration from the command line. DuckDB lets one
//! process write the store, so these run while the server is stopped; while it
//! runs, the admin page (`/admin/brugere`) does the same. Passwords are read from
//! the terminal without echo, or as one line from stdin, never from the arguments.

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
    let store = Store::open(&settings.store_path(), &key)?;
    let access = Access::open(&store, settings.access.clone())?;
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

/// Runs one verb and returns what to print.
pub fn run(settings: &Settings, cmd: UserCommand) -> Result<String, AccessError> {
    let (_store, access) = open(settings)?;
    let (verb, name) = match &cmd {
        UserCommand::Add { name, .. } => ("add", name.clone()),
        UserCommand::Disable { name } => ("disable", name.clone()),
        UserCommand::Enable { name } => ("enable", name.clone()),
        UserCommand::Role { name, .. } => ("role", name.clone()),
        UserCommand::ResetPassword { name } => ("reset-password", name.clone()),
        UserCommand::List => ("list", String::new()),
    };
    let result = match cmd {
        UserCommand::Add {
            name,
            role,
            sso_only,
        } => {
            let password = if sso_only {
                None
            } else {
                Some(read_password()?)
            };
            access
                .add_user(&name, role, password.as_deref())
                .map(|_| format!("Bruger {name} oprettet med rollen {role}."))
        }
        UserCommand::Disable { name } => access
            .set_enabled(&name, false)
            .map(|_| format!("Bruger {name} er deaktiveret.")),
        UserCommand::Enable { name } => access
            .set_enabled(&name, true)
            .map(|_| format!("Bruger {name} er aktiveret.")),
        UserCommand::Role { name, role } => access
            .set_role(&name, role)
            .map(|_| format!("Bruger {name} har nu rollen {role}.")),
        UserCommand::ResetPassword { name } => {
            let password = read_password()?;
            access
                .set_password(&name, &password)
                .map(|_| format!("Bruger {name} har fået en ny adgangskode."))
        }
        UserCommand::List => {
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
            return Ok(out.trim_end().to_string());
        }
    };
    // Administrative actions from the command line go into the same audit log.
    let os_user = std::env::var("USER").unwrap_or_else(|_| "ukendt".into());
    access.audit().record(AuditEntry {
        at: chrono::Utc::now(),
        user: None,
        role: None,
        client: Some(format!("kommandolinje ({os_user})")),
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
