//! Users, logins and the audit chain against the memory backend.

use super::backend::Backend;
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
    let v = a.audit().verify().unwrap();
    assert_eq!((v.rows, v.checked, v.broken_at), (25, 25, None));
    assert!(v.last_full_check.is_some());
}

#[test]
fn pages_of_the_log_follow_each_other_without_gaps_or_overlap() {
    let a = access();
    for i in 0..25 {
        a.audit().record(entry(&format!("/d/side{i}")));
    }
    let first = a.audit().page(None, None, 10).unwrap();
    let second = a.audit().page(None, Some(first[9].seq), 10).unwrap();
    let third = a.audit().page(None, Some(second[9].seq), 10).unwrap();
    let seqs: Vec<i64> = first
        .iter()
        .chain(&second)
        .chain(&third)
        .map(|r| r.seq)
        .collect();
    assert_eq!(seqs, (1..=25).rev().collect::<Vec<i64>>());
    assert_eq!(a.audit().count().unwrap(), 25);
}

#[test]
fn a_stranger_cannot_lock_a_user_out_from_her_own_address_and_the_admin_is_alerted() {
    let a = access();
    a.add_user("anna", Role::Udvalg, Some("en lang nok kode"))
        .unwrap();
    // Ten wrong passwords from the stranger's address: throttled after five.
    let mut refused = 0;
    for _ in 0..10 {
        match a.login("anna", "forkert kode!!", "203.0.113.66") {
            Err(LoginError::BadCredentials) => {}
            Err(LoginError::Throttled(_) | LoginError::Locked(_)) => refused += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(refused, 5);
    assert!(matches!(
        a.login("anna", "en lang nok kode", "203.0.113.66"),
        Err(LoginError::Throttled(_))
    ));
    // Anna from her own address gets in at once.
    assert!(a.login("anna", "en lang nok kode", "10.0.0.7").is_ok());
    let stats = a.login_stats();
    assert_eq!((stats.failed, stats.throttled, stats.succeeded), (5, 6, 1));
}

#[test]
fn repeated_failures_for_a_name_raise_an_alert_in_the_log_and_on_the_admin_page() {
    let a = access();
    a.add_user("anna", Role::Udvalg, Some("en lang nok kode"))
        .unwrap();
    // From ten addresses, so no address is throttled.
    for i in 0..limiter::ALERT_USER {
        let _ = a.login("anna", "forkert kode!!", &format!("198.51.100.{i}"));
    }
    let alerts = a.alerts();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(alerts[0].message.contains("'anna'"));
    assert_eq!(a.login_stats().alerts, 1);
    let rows = a.audit().recent(None, 10).unwrap();
    assert!(
        rows.iter()
            .any(|r| r.action == "alarm" && r.detail.as_deref() == Some(alerts[0].message.as_str())),
        "{rows:?}"
    );
}

#[test]
fn a_server_that_did_not_stop_cleanly_is_reported_at_the_next_open() {
    let backend = std::sync::Arc::new(backend::MemoryBackend::default());
    let log = AuditLog::start(backend.clone(), 120, None).unwrap();
    assert_eq!(log.server_started().unwrap(), None);
    log.record(entry("/d/overblik"));
    log.server_stopped().unwrap();
    log.close();
    // Opened again after a clean stop: nothing to report.
    let log = AuditLog::start(backend.clone(), 120, None).unwrap();
    assert_eq!(log.previous_unclean_stop(), None);
    log.server_started().unwrap();
    log.record(entry("/d/kohorter"));
    log.flush().unwrap();
    // "Killed": the log is dropped without a stop row.
    drop(log);
    let log = AuditLog::start(backend.clone(), 120, None).unwrap();
    let unclean = log.previous_unclean_stop().expect("found");
    let last = backend.last_audit().unwrap().unwrap().0;
    assert_eq!(unclean.last_seq, last);
    let message = log.server_started().unwrap().expect("said once");
    assert!(message.contains("stoppede uden at lukke ned"), "{message}");
    let rows = log.recent(None, 2).unwrap();
    assert_eq!(rows[1].path, audit::LIFECYCLE_UNCLEAN);
    assert_eq!(rows[0].path, audit::LIFECYCLE_START);
    assert_eq!(log.server_started().unwrap(), None, "said once only");
}

fn journal(dir: &std::path::Path, key: u8) -> super::journal::JournalFile {
    super::journal::JournalFile {
        path: dir.join("store.audit-journal"),
        key: zeroize::Zeroizing::new([key; 32]),
    }
}

#[test]
fn a_request_goes_once_its_row_is_in_the_journal_and_the_store_gets_it_later() {
    use std::sync::atomic::Ordering;
    let dir = tempfile::tempdir().unwrap();
    let backend = std::sync::Arc::new(backend::MemoryBackend::default());
    let log = AuditLog::start(backend.clone(), 120, Some(journal(dir.path(), 3))).unwrap();
    log.server_started().unwrap();
    // The store cannot be written (as when its commit waits behind a run's).
    backend.refuse_audit.store(true, Ordering::SeqCst);
    let stored = log.record_stored(entry("/d/overblik"));
    assert_eq!(
        stored.blocking_recv(),
        Ok(true),
        "answered from the journal"
    );
    assert!(log.flush().is_err(), "the store does not have it yet");
    backend.refuse_audit.store(false, Ordering::SeqCst);
    // The store thread tries again by itself.
    log.flush().unwrap();
    let rows = log.recent(None, 1).unwrap();
    assert_eq!(rows[0].path, "/d/overblik");
    assert_eq!(log.verify().unwrap().broken_at, None);
}

#[test]
fn rows_only_in_the_journal_when_the_server_died_are_stored_at_the_next_start() {
    use std::sync::atomic::Ordering;
    let dir = tempfile::tempdir().unwrap();
    let backend = std::sync::Arc::new(backend::MemoryBackend::default());
    let log = AuditLog::start(backend.clone(), 120, Some(journal(dir.path(), 3))).unwrap();
    log.server_started().unwrap();
    backend.refuse_audit.store(true, Ordering::SeqCst);
    for path in ["/d/overblik", "/d/kohorter"] {
        assert_eq!(log.record_stored(entry(path)).blocking_recv(), Ok(true));
    }
    // The process dies before the store had them (no stop row).
    drop(log);
    backend.refuse_audit.store(false, Ordering::SeqCst);
    let before = backend.audit_count().unwrap().0;
    let log = AuditLog::start(backend.clone(), 120, Some(journal(dir.path(), 3))).unwrap();
    assert_eq!(backend.audit_count().unwrap().0, before + 2);
    let unclean = log.previous_unclean_stop().expect("an unclean stop");
    assert_eq!(unclean.recovered, 2);
    let message = log.server_started().unwrap().unwrap();
    assert!(
        message.contains("2 af rækkerne lå i revisionsjournalen"),
        "{message}"
    );
    let paths: Vec<String> = log
        .recent(None, 4)
        .unwrap()
        .into_iter()
        .map(|r| r.path)
        .collect();
    assert!(
        paths.contains(&"/d/kohorter".to_string()) && paths.contains(&"/d/overblik".to_string())
    );
    assert_eq!(log.verify().unwrap().broken_at, None);
    // A clean stop empties the journal.
    log.server_stopped().unwrap();
    log.close();
    assert_eq!(
        std::fs::metadata(dir.path().join("store.audit-journal"))
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn a_journal_that_is_not_this_stores_is_set_aside_and_never_stored() {
    let dir = tempfile::tempdir().unwrap();
    let other = std::sync::Arc::new(backend::MemoryBackend::default());
    let log = AuditLog::start(other.clone(), 120, Some(journal(dir.path(), 3))).unwrap();
    other
        .refuse_audit
        .store(true, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        log.record_stored(entry("/d/overblik")).blocking_recv(),
        Ok(true)
    );
    drop(log);
    // Opened with another key: refused, moved aside, a new journal started.
    let backend = std::sync::Arc::new(backend::MemoryBackend::default());
    let log = AuditLog::start(backend.clone(), 120, Some(journal(dir.path(), 4))).unwrap();
    log.flush().unwrap();
    assert_eq!(backend.audit_count().unwrap().0, 0);
    let aside = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("afvist-")
        })
        .count();
    assert_eq!(aside, 1);
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

/// Two `Access` values on one backend: the server before and after a restart.
fn restarted(backend: &Arc<MemoryBackend>) -> Access {
    Access::with_backend(backend.clone(), AccessSettings::default(), None).unwrap()
}

#[test]
fn sessions_survive_a_restart_unless_the_user_was_changed_or_logged_out() {
    let backend = Arc::new(MemoryBackend::default());
    let before = restarted(&backend);
    for (name, role) in [
        ("anna", Role::Ledelse),
        ("bo", Role::Udvalg),
        ("cai", Role::Admin),
    ] {
        before
            .add_user(name, role, Some("en lang nok kode"))
            .unwrap();
    }
    let (anna, anna_session) = before.login("anna", "en lang nok kode", "c").unwrap();
    let (bo, _) = before.login("bo", "en lang nok kode", "c").unwrap();
    let (cai, _) = before.login("cai", "en lang nok kode", "c").unwrap();
    before.set_enabled("bo", false).unwrap();
    before.logout(&cai);

    let after = restarted(&backend);
    assert_eq!(after.session(&anna), Some(anna_session));
    assert_eq!(after.session(&bo), None, "disabled before the restart");
    assert_eq!(after.session(&cai), None, "logged out before the restart");
    assert_eq!(after.session("forfalsket"), None);

    // A role changed in the store behind the server's back (not through `Access`,
    // which ends the sessions itself) ends the session at the next start too.
    let mut anna_user = backend
        .load_users()
        .unwrap()
        .into_iter()
        .find(|u| u.name == "anna")
        .unwrap();
    anna_user.role = Role::Udvalg;
    backend.save_user(&anna_user).unwrap();
    assert_eq!(restarted(&backend).session(&anna), None);
}
