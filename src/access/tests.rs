//! Users, logins and the audit chain against the memory backend.

use super::*;

fn access() -> Access {
    Access::in_memory(AccessSettings::default())
}

fn entry(path: &str) -> AuditEntry {
    AuditEntry {
        at: chrono::Utc::now(),
        user: Some("anna".into()),
        role: Some(Role::Ledelse),
        client: Some("127.0.0.1".into()),
        method: "GET".into(),
        route: Some("/d/{slug}".into()),
        path: path.into(),
        query: Some("periode=2024".into()),
        action: "visning".into(),
        outcome: Outcome::Allowed,
        status: 200,
        detail: None,
    }
}

#[test]
fn a_user_logs_in_with_the_right_password_only() {
    let a = access();
    a.add_user("anna", Role::Ledelse, Some("en lang nok kode"))
        .unwrap();
    let (token, session) = a.login("anna", "en lang nok kode", "c").unwrap();
    assert_eq!(
        (session.user.as_str(), session.role),
        ("anna", Role::Ledelse)
    );
    assert_eq!(a.session(&token), Some(session));
    assert_eq!(
        a.login("anna", "en forkert kode!", "c"),
        Err(LoginError::BadCredentials)
    );
    assert_eq!(
        a.login("ingen", "en lang nok kode", "c"),
        Err(LoginError::BadCredentials)
    );
}

#[test]
fn a_disabled_user_cannot_log_in_and_loses_their_sessions() {
    let a = access();
    a.add_user("admin", Role::Admin, Some("administrator-kode"))
        .unwrap();
    a.add_user("anna", Role::Ledelse, Some("en lang nok kode"))
        .unwrap();
    let (token, _) = a.login("anna", "en lang nok kode", "c").unwrap();
    a.set_enabled("anna", false).unwrap();
    assert_eq!(a.session(&token), None);
    assert_eq!(
        a.login("anna", "en lang nok kode", "c"),
        Err(LoginError::BadCredentials)
    );
    a.set_enabled("anna", true).unwrap();
    assert!(a.login("anna", "en lang nok kode", "c").is_ok());
}

#[test]
fn a_new_role_ends_the_old_sessions() {
    let a = access();
    a.add_user("anna", Role::Ledelse, Some("en lang nok kode"))
        .unwrap();
    let (token, _) = a.login("anna", "en lang nok kode", "c").unwrap();
    a.set_role("anna", Role::Udvalg).unwrap();
    assert_eq!(a.session(&token), None);
    let (_, s) = a.login("anna", "en lang nok kode", "c").unwrap();
    assert_eq!(s.role, Role::Udvalg);
}

#[test]
fn the_last_admin_can_be_neither_disabled_nor_demoted() {
    let a = access();
    a.add_user("admin", Role::Admin, Some("administrator-kode"))
        .unwrap();
    assert!(matches!(
        a.set_enabled("admin", false),
        Err(AccessError::LastAdmin)
    ));
    assert!(matches!(
        a.set_role("admin", Role::Ledelse),
        Err(AccessError::LastAdmin)
    ));
    a.add_user("admin2", Role::Admin, None).unwrap();
    a.set_enabled("admin", false).unwrap();
}

#[test]
fn bad_names_duplicates_and_short_passwords_are_refused() {
    let a = access();
    assert!(matches!(
        a.add_user("<script>", Role::Admin, Some("administrator-kode")),
        Err(AccessError::Name(_))
    ));
    assert!(matches!(
        a.add_user("anna", Role::Admin, Some("kort")),
        Err(AccessError::Password(_))
    ));
    a.add_user("anna", Role::Admin, Some("administrator-kode"))
        .unwrap();
    assert!(matches!(
        a.add_user("anna", Role::Ledelse, None),
        Err(AccessError::UserExists(_))
    ));
    assert!(matches!(
        a.set_role("bo", Role::Ledelse),
        Err(AccessError::UnknownUser(_))
    ));
}

#[test]
fn the_sixth_wrong_password_in_a_minute_is_throttled_even_when_right() {
    let a = access();
    a.add_user("anna", Role::Ledelse, Some("en lang nok kode"))
        .unwrap();
    for _ in 0..5 {
        assert_eq!(
            a.login("anna", "forkert forkert", "c"),
            Err(LoginError::BadCredentials)
        );
    }
    assert!(matches!(
        a.login("anna", "en lang nok kode", "c"),
        Err(LoginError::Throttled(_))
    ));
}

#[test]
fn a_new_password_lifts_the_throttle_and_ends_sessions() {
    let a = access();
    a.add_user("anna", Role::Ledelse, Some("en lang nok kode"))
        .unwrap();
    let (token, _) = a.login("anna", "en lang nok kode", "c").unwrap();
    for _ in 0..6 {
        let _ = a.login("anna", "forkert forkert", "c");
    }
    a.set_password("anna", "en helt ny kode").unwrap();
    assert_eq!(a.session(&token), None);
    assert!(a.login("anna", "en helt ny kode", "c").is_ok());
}

#[test]
fn sso_logs_in_only_known_enabled_users_with_their_local_role() {
    let a = access();
    a.add_user("anna", Role::Dataenhed, None).unwrap();
    let (_, s) = a.sso_login("anna").unwrap();
    assert_eq!(s.role, Role::Dataenhed);
    assert_eq!(a.sso_login("bo"), Err(LoginError::BadCredentials));
    // A single sign-on user has no password to guess.
    assert_eq!(a.login("anna", "", "c"), Err(LoginError::BadCredentials));
}

#[test]
fn audit_rows_are_numbered_chained_and_verify() {
    let a = access();
    for i in 0..25 {
        a.audit().record(entry(&format!("/d/side{i}")));
    }
    a.audit().flush().unwrap();
    let rows = a.audit().recent(None, 100).unwrap();
    assert_eq!(rows.len(), 25);
    assert_eq!(rows[0].seq, 25, "newest first");
    assert_eq!(rows[24].prev_hash, audit::GENESIS);
    assert_eq!(rows[0].prev_hash, rows[1].hash);
    assert_eq!(
        a.audit().verify().unwrap(),
        audit::Verification {
            rows: 25,
            broken_at: None
        }
    );
}

#[test]
fn a_changed_field_changes_the_hash() {
    let a = access();
    a.audit().record(entry("/d/overblik"));
    let mut row = a.audit().recent(None, 1).unwrap().remove(0);
    assert_eq!(row.hash, row.expected_hash());
    row.user = Some("bo".into());
    assert_ne!(row.hash, row.expected_hash());
}

#[test]
fn the_csv_export_defuses_formulas_and_keeps_danish_headers() {
    let a = access();
    let mut e = entry("/d/overblik");
    e.query = Some("=HYPERLINK(\"http://x\")".into());
    a.audit().record(e);
    let csv = String::from_utf8(a.audit().csv(None).unwrap()).unwrap();
    assert!(csv.starts_with("\u{feff}løbenummer;tidspunkt (UTC);bruger"));
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(!csv.contains(";=HYPERLINK"));
}
