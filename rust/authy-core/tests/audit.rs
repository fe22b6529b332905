//! The HMAC-chained audit log: the chain value as the format defines it,
//! appends from several handles, tamper detection, and what each operation
//! logs.

mod common;

use authy_core::audit::{chain_hmac, AuditEntry, DerivedKey};
use authy_core::{EnvNaming, ErrorKind, PolicySpec};
use common::{assert_value, err, store, KeyVault};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const PASSPHRASE: &str = "correct horse battery";

/// HKDF-SHA256 without salt, 32 bytes, done here from the spec.
fn hand_key(ikm: &[u8], info: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    Hkdf::<Sha256>::new(None, ikm)
        .expand(info.as_bytes(), &mut key)
        .unwrap();
    key
}

fn hand_hmac(key: &[u8; 32], data: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(data.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// `prev|ts(+00:00)|op|dbg(secret)|actor|outcome|dbg(detail)`, built from
/// the spec without the engine.
fn hand_chain(key: &[u8; 32], prev: &str, e: &AuditEntry) -> String {
    let ts = e.timestamp.strip_suffix('Z').expect("Z form").to_owned() + "+00:00";
    let dbg = |v: &Option<String>| match v {
        None => "None".to_owned(),
        Some(s) => format!("Some({s:?})"),
    };
    let data = format!(
        "{prev}|{ts}|{}|{}|{}|{}|{}",
        e.operation,
        dbg(&e.secret),
        e.actor,
        e.outcome,
        dbg(&e.detail)
    );
    hand_hmac(key, &data)
}

fn entry(
    ts: &str,
    op: &str,
    secret: Option<&str>,
    outcome: &str,
    detail: Option<&str>,
) -> AuditEntry {
    AuditEntry {
        timestamp: ts.into(),
        operation: op.into(),
        secret: secret.map(Into::into),
        actor: "api(passphrase)".into(),
        outcome: outcome.into(),
        detail: detail.map(Into::into),
        chain_hmac: String::new(),
    }
}

/// Values computed independently (Python hmac/hashlib) from the spec.
const VECTOR_1: &str = "00074bc563d6744f92f3ca8679110855b323adeeed453487784b087251c84b44";
const VECTOR_2: &str = "47687578cda15fdcbdcf45e7359220a28d62390a877fcf1ec153609566b5612c";

fn vector_entries() -> (AuditEntry, AuditEntry) {
    let first = entry(
        "2026-12-04T15:09:38.123Z",
        "store",
        Some("db-url"),
        "success",
        None,
    );
    let second = entry(
        "2026-12-04T15:09:39.000001Z",
        "rotate",
        Some("we\"ird\n\u{7f}é"),
        "success",
        Some("v2"),
    );
    (first, second)
}

#[test]
fn chain_hmac_matches_a_vector_computed_from_the_spec() {
    let hand = hand_key(PASSPHRASE.as_bytes(), "audit-hmac");
    let key = DerivedKey::derive(PASSPHRASE.as_bytes(), "audit-hmac");
    let (first, second) = vector_entries();

    let h1 = chain_hmac(&key, "", &first);
    assert_eq!(h1, hand_chain(&hand, "", &first));
    assert_eq!(h1, VECTOR_1);
    let data1 =
        "|2026-12-04T15:09:38.123+00:00|store|Some(\"db-url\")|api(passphrase)|success|None";
    assert_eq!(h1, hand_hmac(&hand, data1));

    let h2 = chain_hmac(&key, &h1, &second);
    assert_eq!(h2, hand_chain(&hand, &h1, &second));
    assert_eq!(h2, VECTOR_2);
    let data2 = format!(
        "{h1}|2026-12-04T15:09:39.000001+00:00|rotate|Some(\"we\\\"ird\\n\\u{{7f}}é\")|api(passphrase)|success|Some(\"v2\")"
    );
    assert_eq!(h2, hand_hmac(&hand, &data2));

    // The session key uses another info string, so it differs.
    let session = DerivedKey::derive(PASSPHRASE.as_bytes(), "session-hmac");
    assert_ne!(chain_hmac(&session, "", &first), h1);
}

#[test]
fn verify_accepts_a_hand_written_log_and_finds_the_broken_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    std::fs::create_dir(&dir).unwrap();
    let line1 = format!(
        r#"{{"timestamp":"2026-12-04T15:09:38.123Z","operation":"store","secret":"db-url","actor":"api(passphrase)","outcome":"success","detail":null,"chain_hmac":"{VECTOR_1}"}}"#
    );
    let line2 = format!(
        r#"{{"timestamp":"2026-12-04T15:09:39.000001Z","operation":"rotate","secret":"we\"ird\n\u007fé","actor":"api(passphrase)","outcome":"success","detail":"v2","chain_hmac":"{VECTOR_2}"}}"#
    );
    let audit = dir.join("audit.log");
    std::fs::write(&audit, format!("{line1}\n{line2}\n")).unwrap();
    // No vault in the directory, so opening costs no scrypt run.
    let client = common::open_passphrase(&dir, PASSPHRASE).unwrap();
    let v = client.verify_audit().unwrap();
    assert!(v.valid);
    assert_eq!(v.entries, 2);
    assert_eq!(v.broken_line, None);
    let (first, second) = vector_entries();
    let entries = client.audit_entries().unwrap();
    assert_eq!(entries[0].secret, first.secret);
    assert_eq!(entries[1].secret, second.secret);

    // A different passphrase does not verify the first line.
    let other = common::open_passphrase(&dir, "another passphrase").unwrap();
    let v = other.verify_audit().unwrap();
    assert!(!v.valid);
    assert_eq!(v.broken_line, Some(1));

    // Tampering with line 2's detail breaks line 2.
    std::fs::write(
        &audit,
        format!("{line1}\n{}\n", line2.replace("\"v2\"", "\"v3\"")),
    )
    .unwrap();
    let v = client.verify_audit().unwrap();
    assert!(!v.valid);
    assert_eq!(v.broken_line, Some(2));
}

#[test]
fn keyfile_chain_uses_the_trimmed_identity_as_key_material() {
    let v = KeyVault::new();
    let mut c = v.client();
    store(&mut c, "a", "value-a");
    c.rotate("a", "value-a2".to_owned().into()).unwrap();

    let identity = std::fs::read_to_string(&v.keyfile).unwrap();
    let key = hand_key(identity.trim().as_bytes(), "audit-hmac");
    let entries = c.audit_entries().unwrap();
    assert_eq!(entries.len(), 3);
    let mut prev = String::new();
    for e in &entries {
        assert_eq!(e.chain_hmac, hand_chain(&key, &prev, e), "line {e:?}");
        prev = e.chain_hmac.clone();
    }
}

#[test]
fn age_keygen_style_keyfile_signs_with_the_identity_line_only() {
    let base = KeyVault::uninitialized();
    let identity = std::fs::read_to_string(&base.keyfile).unwrap();
    let public = std::fs::read_to_string(format!("{}.pub", base.keyfile.display())).unwrap();
    let commented = base.tmp.path().join("keygen.key");
    std::fs::write(
        &commented,
        format!(
            "# created: 2026-12-04T15:09:38+00:00\n# public key: {}\n{}",
            public.trim(),
            identity
        ),
    )
    .unwrap();
    let mut c = common::open_keyfile(&base.dir, &commented).unwrap();
    c.init().unwrap();
    store(&mut c, "x", "y");
    let key = hand_key(identity.trim().as_bytes(), "audit-hmac");
    let mut prev = String::new();
    for e in c.audit_entries().unwrap() {
        assert_eq!(e.chain_hmac, hand_chain(&key, &prev, &e));
        prev = e.chain_hmac.clone();
    }
    // The bare keyfile opens the same vault and verifies the same chain.
    let bare = base.client();
    assert!(bare.verify_audit().unwrap().valid);
}

#[test]
fn appends_from_two_handles_keep_one_chain_in_order() {
    let v = KeyVault::new();
    let mut a = v.client();
    let mut b = v.client();
    store(&mut a, "one", "1");
    store(&mut b, "two", "2");
    store(&mut a, "three", "3"); // a's cached tail is stale here
    assert_value(&mut b, "one", "1");
    store(&mut b, "four", "4");
    assert_value(&mut a, "four", "4");

    for client in [&a, &b] {
        let check = client.verify_audit().unwrap();
        assert!(check.valid, "{check:?}");
        assert_eq!(check.entries, 7);
    }
    let ops: Vec<(String, Option<String>)> = a
        .audit_entries()
        .unwrap()
        .into_iter()
        .map(|e| (e.operation, e.secret))
        .collect();
    let expected = [
        ("init", None),
        ("store", Some("one")),
        ("store", Some("two")),
        ("store", Some("three")),
        ("get", Some("one")),
        ("store", Some("four")),
        ("get", Some("four")),
    ];
    let expected: Vec<(String, Option<String>)> = expected
        .iter()
        .map(|(o, s)| (o.to_string(), s.map(str::to_owned)))
        .collect();
    assert_eq!(ops, expected);
}

#[test]
fn tampered_middle_line_is_the_broken_line() {
    let v = KeyVault::new();
    let mut c = v.client();
    for name in ["n1", "n2", "n3", "n4"] {
        store(&mut c, name, "v");
    }
    assert!(c.verify_audit().unwrap().valid);
    let text = std::fs::read_to_string(v.audit_file()).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 5);
    // Line 3 is the store of n2.
    assert!(lines[2].contains("\"secret\":\"n2\""));
    lines[2] = lines[2].replace("\"secret\":\"n2\"", "\"secret\":\"n9\"");
    std::fs::write(v.audit_file(), lines.join("\n") + "\n").unwrap();
    let check = c.verify_audit().unwrap();
    assert!(!check.valid);
    assert_eq!(check.broken_line, Some(3));
    assert_eq!(check.entries, 5);

    // Deleting a line breaks the chain at the line that follows it.
    let mut lines: Vec<&str> = text.lines().collect();
    lines.remove(1);
    std::fs::write(v.audit_file(), lines.join("\n") + "\n").unwrap();
    let check = c.verify_audit().unwrap();
    assert!(!check.valid);
    assert_eq!(check.broken_line, Some(2));

    // A forged chain value on the last line.
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let last = lines.pop().unwrap();
    let value = &last[last.len() - 66..last.len() - 2];
    let forged = last.replace(value, &"0".repeat(64));
    lines.push(forged);
    std::fs::write(v.audit_file(), lines.join("\n") + "\n").unwrap();
    let check = c.verify_audit().unwrap();
    assert_eq!(check.broken_line, Some(5));
}

fn summary(e: &AuditEntry) -> (&str, Option<&str>, &str, Option<&str>) {
    (
        e.operation.as_str(),
        e.secret.as_deref(),
        e.outcome.as_str(),
        e.detail.as_deref(),
    )
}

#[test]
fn each_operation_logs_its_name_outcome_and_detail() {
    let v = KeyVault::new();
    let mut c = v.client();
    let secret_values = ["S3CRET-VALUE-one", "S3CRET-VALUE-two", "S3CRET-VALUE-three"];
    store(&mut c, "db-url", secret_values[0]);
    let refused = err(c.store("db-url", secret_values[1].to_owned().into(), false));
    assert_eq!(refused.kind, authy_core::ErrorKind::SecretAlreadyExists);
    c.store("db-url", secret_values[1].to_owned().into(), true)
        .unwrap();
    assert_eq!(
        c.rotate("db-url", secret_values[2].to_owned().into())
            .unwrap(),
        2
    );
    assert_eq!(
        err(c.rotate("ghost", "x".to_owned().into())).kind,
        authy_core::ErrorKind::SecretNotFound
    );
    assert_value(&mut c, "db-url", secret_values[2]);
    assert!(c.get_or_null("missing").unwrap().is_none());
    c.list(None).unwrap();
    c.create_policy(
        "app",
        PolicySpec {
            allow: vec!["db-*".into()],
            ..Default::default()
        },
    )
    .unwrap();
    assert!(c.test_policy("app", "db-url").unwrap());
    assert!(!c.test_policy("app", "other").unwrap());
    assert_eq!(
        c.build_env_map("app", &EnvNaming::default()).unwrap().len(),
        1
    );
    assert!(c.remove("db-url").unwrap());
    assert!(!c.remove("db-url").unwrap());

    let entries = c.audit_entries().unwrap();
    let got: Vec<_> = entries.iter().map(summary).collect();
    let expected = vec![
        ("init", None, "success", None),
        ("store", Some("db-url"), "success", None),
        ("store", Some("db-url"), "denied", Some("already exists")),
        ("update", Some("db-url"), "success", None),
        ("rotate", Some("db-url"), "success", Some("v2")),
        ("rotate", Some("ghost"), "not_found", None),
        ("get", Some("db-url"), "success", None),
        ("get", Some("missing"), "not_found", None),
        ("list", None, "success", None),
        ("policy.create", None, "success", Some("policy=app")),
        ("policy.test", Some("db-url"), "allowed", Some("scope=app")),
        ("policy.test", Some("other"), "denied", Some("scope=app")),
        ("build_env_map", None, "success", Some("scope=app, count=1")),
        ("remove", Some("db-url"), "success", None),
        ("remove", Some("db-url"), "not_found", None),
    ];
    assert_eq!(got, expected);
    assert!(entries.iter().all(|e| e.actor == "api(keyfile)"));
    assert!(c.verify_audit().unwrap().valid);

    // Raw lines: field order, timestamp form, chain value form, and no
    // secret value anywhere.
    let raw = std::fs::read_to_string(v.audit_file()).unwrap();
    for value in secret_values {
        assert!(!raw.contains(value), "a secret value is in the audit log");
    }
    let fields = [
        "\"timestamp\":",
        "\"operation\":",
        "\"secret\":",
        "\"actor\":",
        "\"outcome\":",
        "\"detail\":",
        "\"chain_hmac\":",
    ];
    for line in raw.lines() {
        assert!(line.starts_with("{\"timestamp\":\""), "{line}");
        let positions: Vec<usize> = fields
            .iter()
            .map(|f| {
                line.find(f)
                    .unwrap_or_else(|| panic!("{f} missing: {line}"))
            })
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{line}");
    }
    for e in &entries {
        assert!(e.timestamp.ends_with('Z'), "{}", e.timestamp);
        assert!(authy_core::time::parse(&e.timestamp).is_some());
        let frac = e.timestamp.split_once('.').map_or(0, |(_, f)| f.len() - 1);
        assert!([0, 3, 6, 9].contains(&frac), "{}", e.timestamp);
        assert_eq!(e.chain_hmac.len(), 64);
        assert!(e
            .chain_hmac
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    }
}

#[test]
fn refused_batch_logs_the_refusal_only() {
    let v = KeyVault::new();
    let mut c = v.client();
    store(&mut c, "a", "1");
    let before = c.audit_entries().unwrap().len();
    let e = err(c.batch(vec![
        authy_core::WriteOp::Store {
            name: "b".into(),
            value: "2".to_owned().into(),
            force: false,
        },
        authy_core::WriteOp::Store {
            name: "a".into(),
            value: "3".to_owned().into(),
            force: false,
        },
    ]));
    assert_eq!(e.kind, authy_core::ErrorKind::SecretAlreadyExists);
    let entries = c.audit_entries().unwrap();
    assert_eq!(
        entries.len(),
        before + 1,
        "the unsaved store of b is not logged"
    );
    assert_eq!(
        summary(entries.last().unwrap()),
        ("store", Some("a"), "denied", Some("already exists"))
    );
    assert!(c.get_or_null("b").unwrap().is_none());
}

#[test]
fn disabled_audit_writes_no_log() {
    let v = KeyVault::uninitialized();
    std::fs::create_dir_all(&v.dir).unwrap();
    std::fs::write(
        v.dir.join("authy.toml"),
        "[vault]\nauth_method = \"keyfile\"\n\n[audit]\nenabled = false\n",
    )
    .unwrap();
    let mut c = v.client();
    c.init().unwrap();
    store(&mut c, "a", "1");
    assert_value(&mut c, "a", "1");
    assert!(!v.audit_file().exists());
    let check = c.verify_audit().unwrap();
    assert_eq!(check.entries, 0);
    // init kept the existing settings file.
    let config = std::fs::read_to_string(v.dir.join("authy.toml")).unwrap();
    assert!(config.contains("enabled = false"));
}

#[test]
fn a_damaged_last_audit_line_refuses_the_write_before_saving_it() {
    let v = KeyVault::new();
    let mut client = v.client();
    client
        .store("kept", "damaged-log-value".to_owned().into(), false)
        .unwrap();
    let mut log = std::fs::read(v.audit_file()).unwrap();
    log.extend_from_slice(b"{\"timestamp\": \"trunc");
    std::fs::write(v.audit_file(), &log).unwrap();
    let before = std::fs::read(v.vault_file()).unwrap();

    let mut other = v.client();
    let error = err(other.store("new", "x".to_owned().into(), false));
    assert_eq!(error.kind, ErrorKind::AuditChainBroken);
    assert!(error.message.contains("last line"), "{}", error.message);
    assert!(!error.message.contains("line 0"));
    assert_eq!(std::fs::read(v.vault_file()).unwrap(), before);
    assert!(
        other.get_or_null("new").is_err(),
        "reads are audited, so they fail too"
    );
}

#[test]
fn reads_go_unlogged_when_audit_reads_is_off() {
    let v = KeyVault::new();
    v.client()
        .store("a", "quiet-read-value".to_owned().into(), false)
        .unwrap();
    let lines = || {
        std::fs::read_to_string(v.audit_file())
            .unwrap()
            .lines()
            .count()
    };
    let before = lines();
    let mut quiet = authy_core::Client::open(authy_core::OpenOptions {
        dir: Some(v.dir.clone()),
        auth: authy_core::Auth::Keyfile(v.keyfile.clone()),
        audit_reads: false,
    })
    .unwrap();
    quiet.get("a").unwrap();
    quiet.list(None).unwrap();
    assert_eq!(lines(), before, "reads were logged");
    quiet.rotate("a", "next".to_owned().into()).unwrap();
    assert_eq!(lines(), before + 1, "a write must still be logged");
    assert!(quiet.verify_audit().unwrap().valid);
}
