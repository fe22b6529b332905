//! Session tokens: shape, scope, read-only access, revocation, expiry and
//! run-only sessions.

mod common;

use authy_core::{EnvNaming, ErrorKind, PolicySpec, WriteOp};
use common::{assert_value, err, store, KeyVault};

/// A vault with secrets app/a, app/b, db/root and a policy "app".
fn setup() -> KeyVault {
    let v = KeyVault::new();
    let mut c = v.client();
    store(&mut c, "app/a", "value-a");
    store(&mut c, "app/b", "value-b");
    store(&mut c, "db/root", "value-root");
    c.create_policy(
        "app",
        PolicySpec {
            allow: vec!["app/*".into()],
            ..Default::default()
        },
    )
    .unwrap();
    v
}

fn is_base64url(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[test]
fn token_and_session_id_have_the_documented_shape() {
    let v = setup();
    let mut owner = v.client();
    let s = owner
        .create_session("app", 3600, Some("ci".into()), false)
        .unwrap();
    let body = s.token.strip_prefix("authy_v1.").expect("authy_v1. prefix");
    assert_eq!(body.len(), 43, "32 bytes in unpadded base64url");
    assert!(is_base64url(body));
    assert_eq!(s.id.len(), 16);
    assert!(s
        .id
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    assert!(s.expires_at.ends_with('Z'));

    let other = owner.create_session("app", 3600, None, false).unwrap();
    assert_ne!(other.id, s.id);
    assert!(other.token.as_str() != s.token.as_str());

    let sessions = owner.list_sessions().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions[0].id, s.id);
    assert_eq!(sessions[0].scope, "app");
    assert_eq!(sessions[0].label.as_deref(), Some("ci"));
    assert_eq!(sessions[0].expires_at, s.expires_at);
    assert!(!sessions[0].revoked);

    // The vault never holds the token, only its HMAC; the audit log holds
    // neither.
    let audit = std::fs::read_to_string(v.audit_file()).unwrap();
    assert!(!audit.contains(body));

    // Session requests are validated.
    assert_eq!(
        err(owner.create_session("nope", 60, None, false)).kind,
        ErrorKind::PolicyNotFound
    );
    assert_eq!(
        err(owner.create_session("app", 0, None, false)).kind,
        ErrorKind::InvalidRequest
    );
    assert_eq!(
        err(owner.revoke_session("0000000000000000")).kind,
        ErrorKind::SessionNotFound
    );
}

#[test]
fn valid_token_reads_its_scope_only() {
    let v = setup();
    let s = v.client().create_session("app", 3600, None, false).unwrap();
    let mut t = v.token_client(&s.token).unwrap();
    assert_value(&mut t, "app/a", "value-a");
    assert_value(&mut t, "app/b", "value-b");
    assert_eq!(t.list(None).unwrap(), vec!["app/a", "app/b"]);
    assert!(t.test_policy("app", "app/x").unwrap());

    let e = err(t.get("db/root"));
    assert_eq!(e.kind, ErrorKind::AccessDenied);
    let e = err(t.get_or_null("db/root"));
    assert_eq!(e.kind, ErrorKind::AccessDenied);
    // In scope but absent is not-found, not denied.
    assert_eq!(err(t.get("app/none")).kind, ErrorKind::SecretNotFound);

    let map = t.build_env_map("app", &EnvNaming::default()).unwrap();
    assert_eq!(map.keys().collect::<Vec<_>>(), vec!["app/a", "app/b"]);

    // Another scope through the token is refused.
    let mut owner = v.client();
    owner
        .create_policy(
            "all",
            PolicySpec {
                allow: vec!["*".into()],
                ..Default::default()
            },
        )
        .unwrap();
    let e = err(t.build_env_map("all", &EnvNaming::default()));
    assert_eq!(e.kind, ErrorKind::AccessDenied);
    assert_eq!(t.list(Some("all")).unwrap(), vec!["app/a", "app/b"]);

    let entries = t.audit_entries().unwrap();
    let denied = entries
        .iter()
        .find(|e| e.operation == "get" && e.secret.as_deref() == Some("db/root"))
        .expect("denied get is logged");
    assert_eq!(denied.outcome, "denied");
    assert_eq!(denied.actor, "api(token)");
    assert!(t.verify_audit().unwrap().valid);
}

#[test]
fn every_write_with_a_token_is_read_only() {
    let v = setup();
    let s = v.client().create_session("app", 3600, None, false).unwrap();
    let mut t = v.token_client(&s.token).unwrap();
    let before = common::read(&v.vault_file());
    let kinds = [
        err(t.store("app/new", "x".to_owned().into(), false)).kind,
        err(t.store("app/a", "x".to_owned().into(), true)).kind,
        err(t.rotate("app/a", "x".to_owned().into())).kind,
        err(t.remove("app/a")).kind,
        err(t.batch(vec![WriteOp::Remove {
            name: "app/a".into(),
        }]))
        .kind,
        err(t.create_policy("p2", PolicySpec::default())).kind,
        err(t.update_policy("app", Default::default())).kind,
        err(t.remove_policy("app")).kind,
        err(t.create_session("app", 60, None, false)).kind,
        err(t.revoke_session(&s.id)).kind,
        err(t.init()).kind,
    ];
    for kind in kinds {
        assert_eq!(kind, ErrorKind::TokenReadOnly);
    }
    assert_eq!(common::read(&v.vault_file()), before);
    assert_value(&mut t, "app/a", "value-a");
}

#[test]
fn malformed_or_unknown_tokens_are_invalid() {
    let v = setup();
    let s = v.client().create_session("app", 3600, None, false).unwrap();
    let body = s.token.strip_prefix("authy_v1.").unwrap().to_owned();
    let unknown = format!("authy_v1.{}", "A".repeat(43));
    let cases = [
        format!("authy_v2.{body}"),
        format!("AUTHY_V1.{body}"),
        body.clone(),
        "authy_v1.".to_owned(),
        format!("authy_v1.{}", &body[..42]),
        format!("authy_v1.{body}A"),
        format!("authy_v1.{}=", body),
        format!("authy_v1.{}+", &body[..42]),
        String::new(),
        unknown,
    ];
    for token in &cases {
        match v.token_client(token) {
            Ok(_) => panic!("a bad token was accepted"),
            Err(e) => assert_eq!(e.kind, ErrorKind::InvalidToken, "{}", e.message),
        }
    }
    // A token of this vault with a keyfile that is not the vault's.
    let other = KeyVault::uninitialized();
    match common::open_token(&v.dir, &s.token, &other.keyfile) {
        Ok(_) => panic!("foreign keyfile accepted"),
        Err(e) => assert_eq!(e.kind, ErrorKind::AuthFailed),
    }
    // Tokens need an existing vault.
    match common::open_token(&other.dir, &s.token, &other.keyfile) {
        Ok(_) => panic!("token opened a missing vault"),
        Err(e) => assert_eq!(e.kind, ErrorKind::VaultNotInitialized),
    }
}

#[test]
fn revocation_by_the_owner_applies_on_the_next_call() {
    let v = setup();
    let mut owner = v.client();
    let s = owner.create_session("app", 3600, None, false).unwrap();
    let keep = owner.create_session("app", 3600, None, false).unwrap();
    let mut t = v.token_client(&s.token).unwrap();
    let mut t2 = v.token_client(&keep.token).unwrap();
    assert_value(&mut t, "app/a", "value-a");

    owner.revoke_session(&s.id).unwrap();
    assert_eq!(err(t.get("app/a")).kind, ErrorKind::TokenRevoked);
    assert_eq!(err(t.list(None)).kind, ErrorKind::TokenRevoked);
    assert_eq!(
        err(t.build_env_map("app", &EnvNaming::default())).kind,
        ErrorKind::TokenRevoked
    );
    match v.token_client(&s.token) {
        Ok(_) => panic!("revoked token opened the vault"),
        Err(e) => assert_eq!(e.kind, ErrorKind::TokenRevoked),
    }
    // The other session is unaffected.
    assert_value(&mut t2, "app/b", "value-b");
    assert!(owner.list_sessions().unwrap()[0].revoked);
    assert!(!owner.list_sessions().unwrap()[1].revoked);
}

#[test]
fn expired_token_is_refused() {
    let v = setup();
    let s = v.client().create_session("app", 1, None, false).unwrap();
    let mut t = v.token_client(&s.token).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert_eq!(err(t.get("app/a")).kind, ErrorKind::TokenExpired);
    assert_eq!(err(t.list(None)).kind, ErrorKind::TokenExpired);
    match v.token_client(&s.token) {
        Ok(_) => panic!("expired token opened the vault"),
        Err(e) => assert_eq!(e.kind, ErrorKind::TokenExpired),
    }
}

#[test]
fn run_only_session_lists_but_never_hands_out_values() {
    let v = setup();
    let s = v.client().create_session("app", 3600, None, true).unwrap();
    assert!(v.client().list_sessions().unwrap()[0].run_only);
    let mut t = v.token_client(&s.token).unwrap();
    assert_eq!(err(t.get("app/a")).kind, ErrorKind::RunOnly);
    assert_eq!(err(t.get_or_null("app/a")).kind, ErrorKind::RunOnly);
    assert_eq!(
        err(t.build_env_map("app", &EnvNaming::default())).kind,
        ErrorKind::RunOnly
    );
    // Out of scope is still access-denied rather than run-only.
    assert_eq!(err(t.get("db/root")).kind, ErrorKind::AccessDenied);
    assert_eq!(t.list(None).unwrap(), vec!["app/a", "app/b"]);
}

#[test]
fn token_of_a_run_only_policy_cannot_build_an_env_map() {
    let v = setup();
    let mut owner = v.client();
    owner
        .create_policy(
            "ci",
            PolicySpec {
                allow: vec!["app/*".into()],
                run_only: true,
                ..Default::default()
            },
        )
        .unwrap();
    let s = owner.create_session("ci", 3600, None, false).unwrap();
    let mut t = v.token_client(&s.token).unwrap();
    assert_eq!(
        err(t.build_env_map("ci", &EnvNaming::default())).kind,
        ErrorKind::RunOnly
    );
}

#[test]
fn sessions_survive_other_writes() {
    let v = setup();
    let mut owner = v.client();
    let s = owner.create_session("app", 3600, None, false).unwrap();
    let mut t = v.token_client(&s.token).unwrap();
    owner.rotate("app/a", "value-a2".to_owned().into()).unwrap();
    assert_value(&mut t, "app/a", "value-a2");
    store(&mut owner, "app/c", "value-c");
    assert_eq!(t.list(None).unwrap(), vec!["app/a", "app/b", "app/c"]);
}
