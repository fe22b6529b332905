//! What the engine leaves on disk, decrypted and checked against the format
//! description; and a vault written the way the authy tool writes it (older
//! records included) read and updated by the engine.

mod common;

use authy_core::crypto::Credential;
use authy_core::format::{Policy, SecretEntry, SecretMetadata, SessionRecord, Vault};
use authy_core::time;
use authy_core::{EnvNaming, PolicySpec};
use common::{assert_value, read, store, KeyVault};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;

fn credential(v: &KeyVault) -> Credential {
    Credential::from_keyfile(&v.keyfile).unwrap()
}

fn plaintext(v: &KeyVault) -> Vec<u8> {
    credential(v)
        .decrypt(&read(&v.vault_file()))
        .unwrap()
        .to_vec()
}

fn on_disk(v: &KeyVault) -> Vault {
    Vault::decode(&plaintext(v)).unwrap()
}

fn session_hmac(identity: &str, token: &str) -> Vec<u8> {
    let mut key = [0u8; 32];
    Hkdf::<Sha256>::new(None, identity.trim().as_bytes())
        .expand(b"session-hmac", &mut key)
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(token.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

#[test]
fn versions_and_times_follow_the_format() {
    let v = KeyVault::new();
    let initial = on_disk(&v);
    assert_eq!(initial.version, 1);
    assert_eq!(initial.created_at, initial.modified_at);
    assert!(initial.secrets.is_empty() && initial.policies.is_empty());
    assert!(initial.sessions.is_empty());

    let mut c = v.client();
    store(&mut c, "db", "one");
    let after_store = on_disk(&v);
    let meta = after_store.secrets["db"].metadata.clone();
    assert_eq!(meta.version, 1);
    assert_eq!(meta.created_at, meta.modified_at);
    assert!(meta.tags.is_empty() && meta.description.is_none());
    assert_eq!(after_store.created_at, initial.created_at);
    assert!(after_store.modified_at > initial.modified_at);
    assert_eq!(after_store.modified_at, meta.modified_at);

    assert_eq!(c.rotate("db", "two".to_owned().into()).unwrap(), 2);
    assert_eq!(c.rotate("db", "three".to_owned().into()).unwrap(), 3);
    let rotated = on_disk(&v);
    let entry = &rotated.secrets["db"];
    assert!(entry.value.as_str() == "three");
    assert_eq!(entry.metadata.version, 3);
    assert_eq!(entry.metadata.created_at, meta.created_at);
    assert!(entry.metadata.modified_at > meta.modified_at);
    assert_eq!(rotated.modified_at, entry.metadata.modified_at);

    // A forced store replaces the entry: version back to 1, new times.
    c.store("db", "four".to_owned().into(), true).unwrap();
    let replaced = on_disk(&v);
    let entry = &replaced.secrets["db"];
    assert!(entry.value.as_str() == "four");
    assert_eq!(entry.metadata.version, 1);
    assert!(entry.metadata.created_at > meta.created_at);

    // Removing sets the vault's modified_at too.
    c.remove("db").unwrap();
    let removed = on_disk(&v);
    assert!(removed.secrets.is_empty());
    assert!(removed.modified_at > replaced.modified_at);

    // The engine writes the compact form: decoding and re-encoding the
    // plaintext gives the same bytes.
    let bytes = plaintext(&v);
    let decoded = Vault::decode(&bytes).unwrap();
    assert_eq!(&*decoded.encode().unwrap(), &bytes[..]);
    assert_eq!(bytes[0], 0x96, "a six-field array");
}

#[test]
fn policies_and_sessions_on_disk() {
    let v = KeyVault::new();
    let mut c = v.client();
    c.create_policy(
        "deploy",
        PolicySpec {
            allow: vec!["app/*".into()],
            deny: vec!["app/root".into()],
            description: Some("ci".into()),
            run_only: true,
        },
    )
    .unwrap();
    let s = c
        .create_session("deploy", 600, Some("nightly".into()), true)
        .unwrap();
    let vault = on_disk(&v);
    let policy = &vault.policies["deploy"];
    assert_eq!(policy.name, "deploy");
    assert_eq!(policy.allow, vec!["app/*"]);
    assert_eq!(policy.deny, vec!["app/root"]);
    assert_eq!(policy.description.as_deref(), Some("ci"));
    assert!(policy.run_only);

    assert_eq!(vault.sessions.len(), 1);
    let record = &vault.sessions[0];
    assert_eq!(record.id, s.id);
    assert_eq!(record.scope, "deploy");
    assert_eq!(record.label.as_deref(), Some("nightly"));
    assert!(record.run_only && !record.revoked);
    assert_eq!((record.expires_at - record.created_at).num_seconds(), 600);
    assert_eq!(time::format_z(&record.expires_at), s.expires_at);
    // Only the HMAC of the token, keyed as the format says.
    let identity = std::fs::read_to_string(&v.keyfile).unwrap();
    assert_eq!(record.token_hmac, session_hmac(&identity, &s.token));
    let body = s.token.strip_prefix("authy_v1.").unwrap();
    let plain = plaintext(&v);
    assert!(!plain.windows(body.len()).any(|w| w == body.as_bytes()));

    c.revoke_session(&s.id).unwrap();
    assert!(on_disk(&v).sessions[0].revoked);
}

/// A vault as the authy tool might have left it: older records without the
/// later fields, a session whose token we know.
#[test]
fn a_vault_written_elsewhere_is_read_and_kept_whole() {
    let v = KeyVault::uninitialized();
    std::fs::create_dir_all(&v.dir).unwrap();
    let identity = std::fs::read_to_string(&v.keyfile).unwrap();
    let t = |s: &str| time::parse(s).unwrap();
    let token = format!("authy_v1.{}", "Q".repeat(42) + "A");
    let mut vault = Vault::empty(t("2025-01-02T03:04:05Z"));
    for (name, value) in [
        ("app-db-url", "postgres://app"),
        ("app-key", "k"),
        ("root", "r"),
    ] {
        vault.secrets.insert(
            name.into(),
            SecretEntry {
                value: value.to_owned().into(),
                metadata: SecretMetadata {
                    created_at: t("2025-01-02T03:04:05.5Z"),
                    modified_at: t("2025-01-02T03:04:05.5Z"),
                    version: 4,
                    tags: Vec::new(),
                    description: None,
                },
            },
        );
    }
    vault.policies.insert(
        "app".into(),
        Policy {
            name: "app".into(),
            description: None,
            allow: vec!["app-*".into()],
            deny: Vec::new(),
            created_at: t("2025-01-02T03:04:05Z"),
            modified_at: t("2025-01-02T03:04:05Z"),
            run_only: false,
        },
    );
    vault.sessions.push(SessionRecord {
        id: "00112233445566ff".into(),
        scope: "app".into(),
        token_hmac: session_hmac(&identity, &token),
        created_at: t("2025-01-02T03:04:05Z"),
        expires_at: t("2999-01-01T00:00:00Z"),
        revoked: false,
        label: None,
        run_only: false,
    });
    let plain = vault.encode().unwrap();
    let cipher = credential(&v).encrypt(&plain).unwrap();
    std::fs::write(v.vault_file(), cipher).unwrap();

    let mut c = v.client();
    assert_eq!(c.list(None).unwrap(), vec!["app-db-url", "app-key", "root"]);
    assert_value(&mut c, "root", "r");
    let map = c
        .build_env_map(
            "app",
            &EnvNaming {
                uppercase: true,
                replace_dash: Some("_".into()),
                prefix: None,
            },
        )
        .unwrap();
    assert_eq!(
        map.keys().collect::<Vec<_>>(),
        vec!["APP_DB_URL", "APP_KEY"]
    );

    // The tool's session token works with the engine.
    let mut tc = v.token_client(&token).unwrap();
    assert_value(&mut tc, "app-key", "k");

    // A write keeps everything else as it was.
    c.rotate("app-key", "k2".to_owned().into()).unwrap();
    let after = on_disk(&v);
    assert_eq!(after.secrets["app-key"].metadata.version, 5);
    // Compared without Debug output, which would show the value.
    assert!(
        after.secrets["root"] == vault.secrets["root"],
        "root changed"
    );
    assert_eq!(after.policies, vault.policies);
    assert_eq!(after.sessions, vault.sessions);
    assert_eq!(after.created_at, vault.created_at);
    assert_value(&mut tc, "app-key", "k2");
}

fn fixstr(text: &str) -> Vec<u8> {
    assert!(text.len() < 32);
    let mut out = vec![0xa0 | text.len() as u8];
    out.extend_from_slice(text.as_bytes());
    out
}

/// Older records (SecretMetadata of three fields, Policy of six), written
/// byte by byte, encrypted to the keyfile: the engine reads them, and its
/// next write stores the full records.
#[test]
fn older_records_on_disk_are_read_and_rewritten_in_full() {
    let v = KeyVault::uninitialized();
    std::fs::create_dir_all(&v.dir).unwrap();
    let ts = "2025-01-02T03:04:05Z";
    let plain = [
        &[0x96, 0x01][..],
        &fixstr(ts),
        &fixstr(ts),
        &[0x81],
        &fixstr("k"),
        &[0x92],
        &fixstr("value-k"),
        &[0x93],
        &fixstr(ts),
        &fixstr(ts),
        &[0x07],
        &[0x81],
        &fixstr("p"),
        &[0x96],
        &fixstr("p"),
        &[0xc0, 0x91],
        &fixstr("*"),
        &[0x90],
        &fixstr(ts),
        &fixstr(ts),
        &[0x90],
    ]
    .concat();
    let cipher = credential(&v).encrypt(&plain).unwrap();
    std::fs::write(v.vault_file(), cipher).unwrap();

    let mut c = v.client();
    assert_value(&mut c, "k", "value-k");
    assert!(!c.get_policy("p").unwrap().run_only);
    assert_eq!(
        c.build_env_map("p", &EnvNaming::default()).unwrap().len(),
        1
    );

    store(&mut c, "new", "n");
    let after = on_disk(&v);
    assert_eq!(after.secrets["k"].metadata.version, 7);
    let bytes = plaintext(&v);
    // Metadata of "k" now has five fields: [ts, ts, 7, [], nil].
    let full_meta = [&[0x95][..], &fixstr(ts), &fixstr(ts), &[0x07, 0x90, 0xc0]].concat();
    assert!(bytes.windows(full_meta.len()).any(|w| w == full_meta));
    // The policy now has seven fields, ending in run_only = false.
    let full_policy = [
        &[0x97][..],
        &fixstr("p"),
        &[0xc0, 0x91],
        &fixstr("*"),
        &[0x90],
        &fixstr(ts),
        &fixstr(ts),
        &[0xc2],
    ]
    .concat();
    assert!(bytes.windows(full_policy.len()).any(|w| w == full_policy));
}
