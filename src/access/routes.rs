//! THE route table: every route of the cockpit and who may use it, in one place.
//! The guard (`src/web/guard.rs`) looks every request up here before any handler
//! runs; a request that matches no row is refused (deny by default), so a handler
//! added to the router without a row here cannot be reached.
//!
//! Adding a route: add a row with the same pattern as in the axum router (axum's
//! syntax, matched by the same `matchit` matcher), its method, who may use it and
//! how the audit log names it. For routes under `/d/{slug}` use
//! [`Allow::Dashboard`]: the roles then come from the `roles` list of the page
//! file named by `{slug}`, so a dashboard's pages, exports and anything else about
//! it follow one declaration. The tests in `tests/e2e/access.rs` enumerate this
//! table and try every route with every role, so a new row is tested by itself.

use std::collections::HashMap;

use super::roles::Role;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allow {
    /// Anyone, logged in or not: the login form, the stylesheet, the health check.
    Public,
    /// Any logged-in user, whatever the role.
    AnyRole,
    /// Only these roles.
    Roles(&'static [Role]),
    /// The roles that the dashboard file named by the route's `{slug}` lists.
    Dashboard,
    /// No session: the `jobcockpit` command on this machine while the server holds
    /// the store. The handler answers only `[ops] metrics_from` addresses that send
    /// the store key's proof as a bearer token, and 404 to anyone else. No cookie is
    /// involved, so a form token (CSRF) would protect nothing and is not asked for.
    StoreKey,
}

/// What a request does, as the audit log names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    View,
    Export,
    Admin,
    Login,
    Logout,
    Run,
    Static,
    Health,
    /// A look-up of one citizen (#14): the audit row's detail names the purpose
    /// and the pseudonym, never the CPR number.
    Lookup,
    /// A caseworker's judgement recorded beside a score.
    Judgement,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::View => "visning",
            Action::Export => "eksport",
            Action::Admin => "administration",
            Action::Login => "login",
            Action::Logout => "logout",
            Action::Run => "kørsel",
            Action::Static => "statisk",
            Action::Health => "sundhed",
            Action::Lookup => "borgeropslag",
            Action::Judgement => "vurdering",
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct RouteRule {
    /// `GET` (also answers `HEAD`) or `POST`.
    pub method: &'static str,
    pub pattern: &'static str,
    pub allow: Allow,
    pub action: Action,
    /// A menu entry (Danish title) for the roles allowed; only for GET routes
    /// without parameters.
    pub menu: Option<&'static str>,
}

const fn rule(
    method: &'static str,
    pattern: &'static str,
    allow: Allow,
    action: Action,
) -> RouteRule {
    RouteRule {
        method,
        pattern,
        allow,
        action,
        menu: None,
    }
}

impl RouteRule {
    const fn menu(mut self, title: &'static str) -> Self {
        self.menu = Some(title);
        self
    }

    /// Whether the method changes state (and so needs a CSRF token).
    pub fn changes_state(&self) -> bool {
        self.method != "GET"
    }
}

const ADMIN: Allow = Allow::Roles(&[Role::Admin]);
const DATA_UNIT: Allow = Allow::Roles(&[Role::Dataenhed]);
/// The look-up of one citizen: caseworkers only (#14). Management and the data
/// unit see judgements in aggregate only, never a citizen.
const CASEWORKER: Allow = Allow::Roles(&[Role::Sagsbehandler]);
/// The case system's service account: the JSON form of the same look-up.
const CASE_SYSTEM: Allow = Allow::Roles(&[Role::Fagsystem]);
/// The citizen's insight export (#15): the municipality's lawyers only.
const LEGAL: Allow = Allow::Roles(&[Role::Jura]);
/// The accountability documents (#16): management, the data unit and the lawyers.
const DOC_READERS: Allow = Allow::Roles(&[Role::Ledelse, Role::Dataenhed, Role::Jura]);
const REPORT_READERS: Allow = Allow::Roles(&[Role::Udvalg, Role::Ledelse, Role::Dataenhed]);
const GET: &str = "GET";
const POST: &str = "POST";

/// Every route of the cockpit.
pub const ROUTES: &[RouteRule] = &[
    // Start: each role goes to its first page.
    rule(GET, "/", Allow::AnyRole, Action::View),
    rule(GET, "/login", Allow::Public, Action::Login),
    rule(POST, "/login", Allow::Public, Action::Login),
    rule(POST, "/logout", Allow::AnyRole, Action::Logout),
    rule(GET, "/healthz", Allow::Public, Action::Health),
    // Readiness and Prometheus metrics: public in this table, answered only to
    // the addresses in `[ops] metrics_from` (src/web/ops.rs). Health routes are
    // counted, not audited row by row.
    rule(GET, "/readyz", Allow::Public, Action::Health),
    rule(GET, "/metrics", Allow::Public, Action::Health),
    // A backup written by the running server for `jobcockpit backup`, and a user
    // change from `jobcockpit user` while the server runs (src/web/ops.rs).
    rule(
        GET,
        "/drift/sikkerhedskopi/{name}",
        Allow::StoreKey,
        Action::Export,
    ),
    rule(POST, "/drift/brugere", Allow::StoreKey, Action::Admin),
    rule(GET, "/static/{*file}", Allow::Public, Action::Static),
    // Dashboards: who sees a page is written in its file (`roles = [...]`); its
    // tables as CSV or XLSX (src/web/export.rs) follow the page.
    rule(GET, "/d/{slug}", Allow::Dashboard, Action::View),
    rule(
        GET,
        "/d/{slug}/eksport/{file}",
        Allow::Dashboard,
        Action::Export,
    ),
    // The committee's monthly reports (src/web/reports.rs): for the committee, and
    // for management and the data unit, who see every aggregate anyway.
    rule(GET, "/rapporter", REPORT_READERS, Action::View).menu("Rapporter"),
    rule(
        GET,
        "/rapporter/{month}/{file}",
        REPORT_READERS,
        Action::Export,
    ),
    // The accountability documents (src/web/dokumentation.rs, #16): AI Act and
    // GDPR documents, aggregate-only, from the month's archive.
    rule(GET, "/dokumentation", DOC_READERS, Action::View).menu("Dokumentation"),
    rule(
        GET,
        "/dokumentation/{month}/{file}",
        DOC_READERS,
        Action::Export,
    ),
    // The caseworker's look-up of one citizen and her judgement (src/web/borger.rs):
    // the CPR number travels in a POST body only, never in an address.
    rule(GET, "/borger", CASEWORKER, Action::View).menu("Slå borger op"),
    rule(POST, "/borger", CASEWORKER, Action::Lookup),
    rule(POST, "/borger/vurdering", CASEWORKER, Action::Judgement),
    // The same look-up as JSON for the case system: GET describes the form (its
    // token and purposes), POST looks up.
    rule(GET, "/api/borger", CASE_SYSTEM, Action::View),
    rule(POST, "/api/borger", CASE_SYSTEM, Action::Lookup),
    // The citizen's insight export (src/web/jura.rs, #15): the number in a POST
    // body only; the answer is the file (PDF, JSON or CSV).
    rule(GET, "/jura/indsigt", LEGAL, Action::View).menu("Borgerens indsigt"),
    rule(POST, "/jura/indsigt", LEGAL, Action::Export),
    // The data unit may start the monthly run by hand.
    rule(GET, "/koersel", DATA_UNIT, Action::View).menu("Start kørsel"),
    rule(POST, "/koersel", DATA_UNIT, Action::Run),
    // Administration: users and the audit log.
    rule(GET, "/admin/brugere", ADMIN, Action::Admin).menu("Brugere"),
    rule(POST, "/admin/brugere", ADMIN, Action::Admin),
    rule(POST, "/admin/brugere/{name}/rolle", ADMIN, Action::Admin),
    rule(POST, "/admin/brugere/{name}/aktiv", ADMIN, Action::Admin),
    rule(
        POST,
        "/admin/brugere/{name}/adgangskode",
        ADMIN,
        Action::Admin,
    ),
    rule(GET, "/admin/revision", ADMIN, Action::Admin).menu("Revisionslog"),
    rule(GET, "/admin/revision.csv", ADMIN, Action::Export),
];

/// A request matched against the table.
#[derive(Debug, Clone)]
pub struct Matched {
    pub rule: &'static RouteRule,
    pub params: Vec<(String, String)>,
}

impl Matched {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The table compiled into one matcher per method.
pub struct RouteTable {
    by_method: HashMap<&'static str, matchit::Router<&'static RouteRule>>,
}

/// Two rows that cannot both be in the table.
#[derive(Debug, thiserror::Error)]
#[error("rutetabellen: {pattern} ({method}): {message}")]
pub struct TableError {
    pub method: &'static str,
    pub pattern: &'static str,
    pub message: String,
}

impl RouteTable {
    /// Compiles [`ROUTES`].
    pub fn new() -> Result<Self, TableError> {
        Self::from_rules(ROUTES)
    }

    pub fn from_rules(rules: &'static [RouteRule]) -> Result<Self, TableError> {
        let mut by_method: HashMap<&'static str, matchit::Router<&'static RouteRule>> =
            HashMap::new();
        for r in rules {
            let bad = |message: String| TableError {
                method: r.method,
                pattern: r.pattern,
                message,
            };
            if !matches!(r.method, "GET" | "POST") {
                return Err(bad("kun GET og POST".into()));
            }
            if r.menu.is_some() && (r.method != "GET" || r.pattern.contains('{')) {
                return Err(bad("menupunkter kun for GET uden parametre".into()));
            }
            if r.allow == Allow::Dashboard && !r.pattern.contains("{slug}") {
                return Err(bad("Allow::Dashboard kræver {slug} i mønsteret".into()));
            }
            by_method
                .entry(r.method)
                .or_default()
                .insert(r.pattern, r)
                .map_err(|e| bad(e.to_string()))?;
        }
        Ok(RouteTable { by_method })
    }

    /// The row for a request; `HEAD` is looked up as `GET`.
    pub fn find(&self, method: &str, path: &str) -> Option<Matched> {
        let method = if method == "HEAD" { "GET" } else { method };
        let m = self.by_method.get(method)?.at(path).ok()?;
        Some(Matched {
            rule: m.value,
            params: m
                .params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_compiles_and_finds_its_routes() {
        let t = RouteTable::new().unwrap();
        let m = t.find("GET", "/d/overblik").unwrap();
        assert_eq!(m.rule.pattern, "/d/{slug}");
        assert_eq!(m.param("slug"), Some("overblik"));
        assert_eq!(t.find("HEAD", "/healthz").unwrap().rule.pattern, "/healthz");
        assert_eq!(
            t.find("GET", "/static/cockpit.css").unwrap().rule.allow,
            Allow::Public
        );
        assert_eq!(
            t.find("POST", "/admin/brugere/anna/rolle")
                .unwrap()
                .param("name"),
            Some("anna")
        );
    }

    #[test]
    fn anything_not_in_the_table_matches_nothing() {
        let t = RouteTable::new().unwrap();
        for (method, path) in [
            ("GET", "/d/overblik/"),
            ("GET", "/d"),
            ("POST", "/d/overblik"),
            ("DELETE", "/admin/brugere"),
            ("PUT", "/login"),
            ("GET", "/admin"),
            ("GET", "/static"),
            ("GET", "/admin/brugere/anna/rolle"),
        ] {
            assert!(t.find(method, path).is_none(), "{method} {path}");
        }
    }

    #[test]
    fn only_the_login_form_the_stylesheet_and_the_health_checks_are_public() {
        let public: Vec<_> = ROUTES
            .iter()
            .filter(|r| r.allow == Allow::Public)
            .map(|r| (r.method, r.pattern))
            .collect();
        assert_eq!(
            public,
            [
                ("GET", "/login"),
                ("POST", "/login"),
                ("GET", "/healthz"),
                ("GET", "/readyz"),
                ("GET", "/metrics"),
                ("GET", "/static/{*file}")
            ]
        );
    }

    #[test]
    fn only_the_commands_on_this_machine_use_the_store_key() {
        let by_key: Vec<_> = ROUTES
            .iter()
            .filter(|r| r.allow == Allow::StoreKey)
            .map(|r| (r.method, r.pattern))
            .collect();
        assert_eq!(
            by_key,
            [
                ("GET", "/drift/sikkerhedskopi/{name}"),
                ("POST", "/drift/brugere")
            ]
        );
    }
}
