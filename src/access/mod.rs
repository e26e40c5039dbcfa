//! Who may see what, and who looked at what: local users with argon2id passwords,
//! five roles, sessions, login throttling, the route table (deny by default) and
//! the append-only audit log. The web layer enforces it in one middleware
//! (`src/web/guard.rs`); this module knows nothing about HTTP.
//!
//! Storage: users and the audit log are tables in the encrypted store
//! (`sql/schema/020_access.sql`), written through a connection of their own
//! ([`backend::StoreBackend`]); users are cached in memory. Sessions live in
//! memory and, by the hash of their token, in `access_sessions`, so a restart keeps
//! users logged in; login failures live in memory only.

pub mod aggregate;
pub mod audit;
pub mod backend;
pub mod command;
pub mod entry;
/// The audit log's encrypted write-ahead journal.
pub mod journal;
pub mod limiter;
pub mod password;
pub mod roles;
pub mod routes;
pub mod row;
pub mod session_rows;
pub mod sessions;
pub mod users;
mod verify;
mod writer;

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

pub use self::audit::{AuditEntry, AuditLog, AuditRow, Outcome};
// The settings type lives in `config` (settings types below behaviour); re-exported
// so `access::AccessSettings` keeps working for callers.
use self::backend::{Backend, MemoryBackend, StoreBackend};
use self::limiter::{Gate, Limiter};
pub use self::roles::Role;
pub use self::sessions::Session;
use self::sessions::Sessions;
pub use self::users::User;
pub use crate::config::AccessSettings;
use crate::store::{Store, StoreError};

/// Errors of user administration and of the audit log.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("databasefejl i adgangsstyringen: {0}")]
    Db(#[from] duckdb::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Name(#[from] users::BadName),
    #[error(transparent)]
    Role(#[from] roles::UnknownRole),
    #[error(transparent)]
    Password(#[from] password::PasswordError),
    #[error("brugeren '{0}' findes ikke")]
    UnknownUser(String),
    #[error("brugeren '{0}' findes allerede")]
    UserExists(String),
    #[error(
        "det kan ikke lade sig gøre: så ville der ikke være nogen aktiv administrator tilbage"
    )]
    LastAdmin,
    #[error("revisionsloggen kan ikke skrives: {0}")]
    AuditStopped(String),
    #[error("kunne ikke læse adgangskoden: {0}")]
    ReadPassword(std::io::Error),
}

/// Why a login was refused. The messages are what the login page shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    /// Wrong name or password, or a disabled user: the same answer, so nobody
    /// learns which names exist.
    #[error("Forkert brugernavn eller adgangskode.")]
    BadCredentials,
    #[error("For mange mislykkede login-forsøg på kort tid. Vent {0} sekunder, og prøv igen.")]
    Throttled(u64),
    #[error("Brugeren er midlertidigt spærret fra din adresse efter for mange mislykkede login-forsøg. Prøv igen om {0} minutter, eller bed en administrator om at nulstille adgangskoden.")]
    Locked(u64),
    #[error("Der opstod en fejl. Prøv igen om lidt.")]
    Internal,
}

/// A user as the admin page and `jobcockpit user list` show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UserView {
    pub name: String,
    pub role: Role,
    pub role_label: &'static str,
    pub enabled: bool,
    pub sso_only: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// Login counts since start, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoginStats {
    pub succeeded: u64,
    /// Wrong name or password, or a disabled user.
    pub failed: u64,
    /// Refused by throttling or a lock before the password was looked at.
    pub throttled: u64,
    /// Alerts raised for the administrator.
    pub alerts: u64,
}

#[derive(Default)]
struct LoginCounters {
    succeeded: AtomicU64,
    failed: AtomicU64,
    throttled: AtomicU64,
    alerts: AtomicU64,
}

/// An alert for the administrator, as the admin pages show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AdminAlert {
    /// UTC, `åååå-mm-dd tt:mm:ss`.
    pub at: String,
    pub message: String,
}

/// Alerts kept in memory for the admin pages (they are in the audit log too).
const ALERTS_KEPT: usize = 20;

struct Inner {
    settings: AccessSettings,
    backend: Arc<dyn Backend>,
    users: RwLock<BTreeMap<String, User>>,
    sessions: Mutex<Sessions>,
    limiter: Mutex<Limiter>,
    audit: AuditLog,
    logins: LoginCounters,
    alerts: Mutex<VecDeque<AdminAlert>>,
}

/// Access control of one store. Cloning shares it.
#[derive(Clone)]
pub struct Access(Arc<Inner>);

fn now_utc() -> String {
    chrono::Utc::now().format("%Y-%m-%d %H:%M:%S").to_string()
}

impl Access {
    /// Users and audit log in the encrypted store; with a `journal`, requests wait
    /// for their audit row to reach it rather than the store (`journal.rs`).
    pub fn open(
        store: &Store,
        settings: AccessSettings,
        journal: Option<journal::JournalFile>,
    ) -> Result<Access, AccessError> {
        Self::with_backend(Arc::new(StoreBackend::new(store)?), settings, journal)
    }

    /// Users and audit log in memory only (tests; a router built without a store).
    pub fn in_memory(settings: AccessSettings) -> Access {
        Self::with_backend(Arc::new(MemoryBackend::default()), settings, None)
            .expect("the memory backend cannot fail")
    }

    fn with_backend(
        backend: Arc<dyn Backend>,
        settings: AccessSettings,
        journal: Option<journal::JournalFile>,
    ) -> Result<Access, AccessError> {
        let users: BTreeMap<String, User> = backend
            .load_users()?
            .into_iter()
            .map(|u| (u.name.clone(), u))
            .collect();
        let audit = AuditLog::start(backend.clone(), settings.anonymous_rows_per_minute, journal)?;
        let mut sessions = Sessions::new(
            Duration::from_secs(settings.idle_timeout_secs),
            Duration::from_secs(settings.absolute_timeout_secs),
        );
        // Sessions stored before a restart come back if their user is still
        // enabled with the same role (a change ends sessions anyway).
        let stored = backend
            .load_sessions()?
            .into_iter()
            .filter(|r| {
                users
                    .get(&r.session.user)
                    .is_some_and(|u: &User| u.enabled && u.role == r.session.role)
            })
            .collect();
        let restored = sessions.restore(stored, chrono::Utc::now());
        if restored > 0 {
            tracing::info!(restored, "sessioner fra før genstarten er stadig gyldige");
        }
        Ok(Access(Arc::new(Inner {
            settings,
            backend,
            users: RwLock::new(users),
            sessions: Mutex::new(sessions),
            limiter: Mutex::new(Limiter::default()),
            audit,
            logins: LoginCounters::default(),
            alerts: Mutex::new(VecDeque::new()),
        })))
    }

    pub fn settings(&self) -> &AccessSettings {
        &self.0.settings
    }

    pub fn audit(&self) -> &AuditLog {
        &self.0.audit
    }

    /// Login counts since start.
    pub fn login_stats(&self) -> LoginStats {
        let c = &self.0.logins;
        LoginStats {
            succeeded: c.succeeded.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
            throttled: c.throttled.load(Ordering::Relaxed),
            alerts: c.alerts.load(Ordering::Relaxed),
        }
    }

    /// The newest alerts raised since start, newest first.
    pub fn alerts(&self) -> Vec<AdminAlert> {
        self.0
            .alerts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .rev()
            .cloned()
            .collect()
    }

    /// Records the limiter's new alerts: a row each in the audit log, a warning
    /// in the server log, and the admin pages' list.
    fn raise_alerts(&self, client: &str) {
        let alerts = self.limiter().take_alerts();
        for a in alerts {
            tracing::warn!(alert = %a.message, "sikkerhedsalarm");
            self.0.logins.alerts.fetch_add(1, Ordering::Relaxed);
            let at = chrono::Utc::now();
            {
                let mut kept = self.0.alerts.lock().unwrap_or_else(|e| e.into_inner());
                if kept.len() >= ALERTS_KEPT {
                    kept.pop_front();
                }
                kept.push_back(AdminAlert {
                    at: at.format("%Y-%m-%d %H:%M:%S").to_string(),
                    message: a.message.clone(),
                });
            }
            // Status 0: a row about the log-in attempts, not a request, so it is
            // never summed with anonymous requests.
            self.0.audit.record(AuditEntry {
                at,
                user: None,
                role: None,
                client: Some(client.to_string()),
                method: "POST".into(),
                route: Some("/login".into()),
                path: "/login".into(),
                query: None,
                action: "alarm".into(),
                outcome: Outcome::Refused,
                status: 0,
                detail: Some(a.message),
            });
        }
    }

    fn users_read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, User>> {
        self.0.users.read().unwrap_or_else(|e| e.into_inner())
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, Sessions> {
        self.0.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn limiter(&self) -> std::sync::MutexGuard<'_, Limiter> {
        self.0.limiter.lock().unwrap_or_else(|e| e.into_inner())
    }

    // ── users ──────────────────────────────────────────────────────────────────

    /// Every user, by name.
    pub fn users(&self) -> Vec<UserView> {
        self.users_read()
            .values()
            .map(|u| UserView {
                name: u.name.clone(),
                role: u.role,
                role_label: u.role.label(),
                enabled: u.enabled,
                sso_only: u.password_hash.is_none(),
                created_at: u.created_at.clone(),
                updated_at: u.updated_at.clone(),
            })
            .collect()
    }

    /// Creates a user. `password` None: the user can only log in through single
    /// sign-on. Blocking (hashes the password).
    pub fn add_user(
        &self,
        name: &str,
        role: Role,
        password: Option<&str>,
    ) -> Result<(), AccessError> {
        users::check_name(name)?;
        let password_hash = password.map(password::hash).transpose()?;
        let mut all = self.0.users.write().unwrap_or_else(|e| e.into_inner());
        if all.contains_key(name) {
            return Err(AccessError::UserExists(name.into()));
        }
        let now = now_utc();
        let user = User {
            name: name.to_string(),
            role,
            enabled: true,
            password_hash,
            created_at: now.clone(),
            updated_at: now,
        };
        self.0.backend.save_user(&user)?;
        all.insert(name.to_string(), user);
        Ok(())
    }

    /// Changes a user with `change`, refusing to leave no enabled admin; ends the
    /// user's sessions so the change takes effect at once.
    fn change_user(&self, name: &str, change: impl FnOnce(&mut User)) -> Result<(), AccessError> {
        let mut all = self.0.users.write().unwrap_or_else(|e| e.into_inner());
        let mut user = all
            .get(name)
            .cloned()
            .ok_or_else(|| AccessError::UnknownUser(name.into()))?;
        let was_admin = user.enabled && user.role == Role::Admin;
        change(&mut user);
        let is_admin = user.enabled && user.role == Role::Admin;
        let other_admins = all
            .values()
            .filter(|u| u.name != name && u.enabled && u.role == Role::Admin)
            .count();
        if was_admin && !is_admin && other_admins == 0 {
            return Err(AccessError::LastAdmin);
        }
        user.updated_at = now_utc();
        self.0.backend.save_user(&user)?;
        all.insert(name.to_string(), user);
        drop(all);
        self.sessions().remove_user(name);
        self.0.backend.delete_user_sessions(name)?;
        Ok(())
    }

    /// Gives a user another role.
    pub fn set_role(&self, name: &str, role: Role) -> Result<(), AccessError> {
        self.change_user(name, |u| u.role = role)
    }

    /// Enables or disables a user; disabling ends their sessions.
    pub fn set_enabled(&self, name: &str, enabled: bool) -> Result<(), AccessError> {
        self.change_user(name, |u| u.enabled = enabled)
    }

    /// Sets a new password, ends the user's sessions and lifts a lock-out.
    /// Blocking (hashes the password).
    pub fn set_password(&self, name: &str, password: &str) -> Result<(), AccessError> {
        let hash = password::hash(password)?;
        self.change_user(name, |u| u.password_hash = Some(hash))?;
        self.limiter().clear_user(name);
        Ok(())
    }

    // ── sessions ───────────────────────────────────────────────────────────────

    /// Checks a name and password and starts a session. Blocking (argon2id):
    /// call it from `spawn_blocking`. `client` is the address throttling counts.
    pub fn login(
        &self,
        name: &str,
        password: &str,
        client: &str,
    ) -> Result<(String, Session), LoginError> {
        let name = name.trim();
        let gate = self.limiter().begin(name, client, Instant::now());
        self.raise_alerts(client);
        let counters = &self.0.logins;
        match gate {
            Gate::Open => {}
            Gate::Throttled(wait) => {
                counters.throttled.fetch_add(1, Ordering::Relaxed);
                return Err(LoginError::Throttled(wait.as_secs().max(1)));
            }
            Gate::Locked(wait) => {
                counters.throttled.fetch_add(1, Ordering::Relaxed);
                return Err(LoginError::Locked(wait.as_secs().div_ceil(60).max(1)));
            }
        }
        let user = self.users_read().get(name).cloned();
        let ok = match user.as_ref().and_then(|u| u.password_hash.as_deref()) {
            Some(hash) => password::verify(password, hash),
            None => {
                password::verify_nothing(password);
                false
            }
        };
        let user = match user {
            Some(u) if ok && u.enabled => u,
            _ => {
                counters.failed.fetch_add(1, Ordering::Relaxed);
                return Err(LoginError::BadCredentials);
            }
        };
        counters.succeeded.fetch_add(1, Ordering::Relaxed);
        self.limiter().succeeded(name, client);
        self.start_session(&user.name, user.role)
            .map_err(|_| LoginError::Internal)
    }

    /// A session for a user the trusted single sign-on proxy vouches for: the user
    /// must exist locally and be enabled; the role is the local one.
    pub fn sso_login(&self, name: &str) -> Result<(String, Session), LoginError> {
        let user = self
            .users_read()
            .get(name)
            .filter(|u| u.enabled)
            .cloned()
            .ok_or(LoginError::BadCredentials)?;
        self.start_session(&user.name, user.role)
            .map_err(|_| LoginError::Internal)
    }

    /// A new session, kept in memory and stored (with the expired ones deleted).
    /// A session that cannot be stored still works until a restart; the failure
    /// is logged.
    fn start_session(&self, user: &str, role: Role) -> Result<(String, Session), AccessError> {
        let now = chrono::Utc::now();
        let (token, record, (idle, absolute)) = {
            let mut sessions = self.sessions();
            let (token, record) = sessions.create(user, role, now)?;
            (token, record, sessions.cut_offs(now))
        };
        let backend = &self.0.backend;
        if let Err(e) = backend
            .prune_sessions(idle, absolute)
            .and_then(|()| backend.save_session(&record))
        {
            tracing::error!(error = %e, "sessionen kunne ikke gemmes; den varer til næste genstart");
        }
        Ok((token, record.session))
    }

    /// The live session of a cookie token.
    pub fn session(&self, token: &str) -> Option<Session> {
        let (session, touch) = self.sessions().get(token, chrono::Utc::now())?;
        if let Some((hash, at)) = touch {
            if let Err(e) = self.0.backend.touch_session(&hash, at) {
                tracing::warn!(error = %e, "sessionens seneste brug kunne ikke gemmes");
            }
        }
        Some(session)
    }

    /// Ends the session of a token.
    pub fn logout(&self, token: &str) {
        let hash = self.sessions().remove(token);
        if let Err(e) = self.0.backend.delete_session(&hash) {
            tracing::error!(error = %e, "sessionen kunne ikke slettes i databasen");
        }
    }

    /// Starts a session without a password: for tests that exercise what comes
    /// after the login.
    #[doc(hidden)]
    pub fn session_for_tests(&self, name: &str, role: Role) -> (String, Session) {
        self.start_session(name, role).expect("OS random source")
    }
}

#[cfg(test)]
mod tests;
