//! The seven roles. A user has exactly one; what each may open is declared in the
//! route table (`routes.rs`) and, for dashboards, in the page file's `roles`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a user is allowed to see and do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Management: every aggregate page.
    Ledelse,
    /// Caseworkers: the pages about the job centre's work and its expected effects.
    Sagsbehandler,
    /// The data unit: also drift, model and runs, and may start a run.
    Dataenhed,
    /// The employment committee: the reports only.
    Udvalg,
    /// Administration: users and the audit log, no figures.
    Admin,
    /// The case system's service account: the JSON form of the caseworker's
    /// look-up of one citizen (`/api/borger`), nothing else.
    Fagsystem,
    /// The municipality's lawyers (#15): the citizen's insight export
    /// (`/jura/indsigt`), nothing else.
    Jura,
}

impl Role {
    /// Every role, in the order they are listed to people.
    pub const ALL: [Role; 7] = [
        Role::Ledelse,
        Role::Sagsbehandler,
        Role::Dataenhed,
        Role::Udvalg,
        Role::Admin,
        Role::Fagsystem,
        Role::Jura,
    ];

    /// The name used in files, the command line and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Ledelse => "ledelse",
            Role::Sagsbehandler => "sagsbehandler",
            Role::Dataenhed => "dataenhed",
            Role::Udvalg => "udvalg",
            Role::Admin => "admin",
            Role::Fagsystem => "fagsystem",
            Role::Jura => "jura",
        }
    }

    /// The Danish name shown next to the user's name.
    pub fn label(self) -> &'static str {
        match self {
            Role::Ledelse => "Ledelse",
            Role::Sagsbehandler => "Sagsbehandler",
            Role::Dataenhed => "Dataenhed",
            Role::Udvalg => "Udvalg",
            Role::Admin => "Administrator",
            Role::Fagsystem => "Fagsystem (serviceadgang)",
            Role::Jura => "Jura (borgerens rettigheder)",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of the six.
#[derive(Debug, Clone, thiserror::Error)]
#[error("ukendt rolle '{0}' (kendte: ledelse, sagsbehandler, dataenhed, udvalg, admin, fagsystem, jura)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_parses_from_its_own_name_and_nothing_else_does() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        for bad in ["Admin", "", "leder", "admin "] {
            assert!(bad.parse::<Role>().is_err(), "{bad:?}");
        }
    }
}
