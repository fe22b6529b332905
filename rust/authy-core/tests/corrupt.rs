//! Broken, foreign or missing vaults and keyfiles: the right error, and the
//! vault file left exactly as it was.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use authy_core::{Client, ErrorKind, PolicySpec, WriteOp};
use common::{assert_value, err, read, store, KeyVault};

/// A keyfile vault holding one secret.
fn vault_with_secret() -> KeyVault {
    let v = KeyVault::new();
    let mut c = v.client();
    store(&mut c, "db", "value-db");
    v
}

/// Position just after the age header (the `--- <mac>` line).
fn header_end(bytes: &[u8]) -> usize {
    let at = bytes
        .windows(4)
        .position(|w| w == b"\n---")
        .expect("age header");
    at + 1 + bytes[at + 1..].iter().position(|&b| b == b'\n').unwrap() + 1
}

/// The corrupt variants of a good vault file, by name.
fn corrupt_variants(good: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let mut flipped_payload = good.to_vec();
    let last = flipped_payload.len() - 1;
    flipped_payload[last] ^= 0x01;
    let mut flipped_header = good.to_vec();
    let mac = header_end(good) - 5;
    flipped_header[mac] = if flipped_header[mac] == b'A' {
        b'B'
    } else {
        b'A'
    };
    let random: Vec<u8> = (0..good.len())
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_be_bytes()[0])
        .collect();
    vec![
        ("empty", Vec::new()),
        ("truncated by one byte", good[..good.len() - 1].to_vec()),
        ("truncated to half", good[..good.len() / 2].to_vec()),
        (
            "truncated after the header",
            good[..header_end(good)].to_vec(),
        ),
        (
            "truncated inside the payload nonce",
            good[..header_end(good) + 8].to_vec(),
        ),
        ("truncated to the version line", good[..22].to_vec()),
        ("payload byte flipped", flipped_payload),
        ("header mac altered", flipped_header),
        ("random bytes", random),
        ("text", b"this is not a vault\n".to_vec()),
    ]
}

#[test]
fn opening_a_corrupt_vault_is_a_decryption_error() {
    let v = vault_with_secret();
    let good = read(&v.vault_file());
    assert!(good.starts_with(b"age-encryption.org/v1\n"), "binary age");
    assert!(good.windows(10).any(|w| w == b"-> X25519 "));
    for (what, bytes) in corrupt_variants(&good) {
        std::fs::write(v.vault_file(), &bytes).unwrap();
        match common::open_keyfile(&v.dir, &v.keyfile) {
            Ok(_) => panic!("{what}: a corrupt vault opened"),
            Err(e) => assert_eq!(e.kind, ErrorKind::Decryption, "{what}: {}", e.message),
        }
        assert_eq!(read(&v.vault_file()), bytes, "{what}: file changed");
    }
}

/// Every operation of an open client, after the file went bad, fails with
/// `kind` and leaves the file as it is.
fn every_operation_refused(
    v: &KeyVault,
    c: &mut Client,
    bytes: &[u8],
    kind: ErrorKind,
    what: &str,
) {
    std::fs::write(v.vault_file(), bytes).unwrap();
    let results = [
        ("store", err(c.store("new", "x".to_owned().into(), false))),
        (
            "store force",
            err(c.store("db", "x".to_owned().into(), true)),
        ),
        ("rotate", err(c.rotate("db", "x".to_owned().into()))),
        ("remove", err(c.remove("db"))),
        ("get", err(c.get("db"))),
        ("get_or_null", err(c.get_or_null("db"))),
        ("list", err(c.list(None))),
        (
            "batch",
            err(c.batch(vec![WriteOp::Store {
                name: "n".into(),
                value: "x".to_owned().into(),
                force: false,
            }])),
        ),
        (
            "create_policy",
            err(c.create_policy("p", PolicySpec::default())),
        ),
        (
            "create_session",
            err(c.create_session("p", 60, None, false)),
        ),
    ];
    for (op, e) in results {
        assert_eq!(e.kind, kind, "{what}: {op}: {}", e.message);
    }
    let e = err(c.init());
    assert_eq!(e.kind, ErrorKind::VaultAlreadyExists, "{what}: init");
    assert_eq!(read(&v.vault_file()), bytes, "{what}: file changed");
    let leftovers = std::fs::read_dir(&v.dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp."))
        .count();
    assert_eq!(leftovers, 0, "{what}: temporary file left");
}

#[test]
fn operations_on_a_vault_that_went_bad_are_refused_and_change_nothing() {
    let v = vault_with_secret();
    let good = read(&v.vault_file());
    let mut c = v.client();
    for (what, bytes) in corrupt_variants(&good) {
        every_operation_refused(&v, &mut c, &bytes, ErrorKind::Decryption, what);
    }
    // Once the good file is back, everything works again.
    std::fs::write(v.vault_file(), &good).unwrap();
    assert_value(&mut c, "db", "value-db");
    store(&mut c, "after", "ok");
}

#[test]
fn a_vault_of_another_keyfile_is_an_authentication_failure() {
    let v = vault_with_secret();
    let other = KeyVault::new();
    let good = read(&v.vault_file());
    match common::open_keyfile(&v.dir, &other.keyfile) {
        Ok(_) => panic!("another keyfile opened the vault"),
        Err(e) => assert_eq!(e.kind, ErrorKind::AuthFailed, "{}", e.message),
    }
    assert_eq!(read(&v.vault_file()), good);

    // An open client whose vault is replaced by one encrypted to another key.
    let mut c = v.client();
    let foreign = read(&other.vault_file());
    every_operation_refused(&v, &mut c, &foreign, ErrorKind::AuthFailed, "foreign vault");
}

#[test]
fn wrong_passphrase_is_an_authentication_failure() {
    // The one passphrase vault of this file: scrypt runs three times.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let mut owner = common::open_passphrase(&dir, "right passphrase").unwrap();
    owner.init().unwrap();
    let bytes = read(&dir.join("vault.age"));
    assert!(bytes.starts_with(b"age-encryption.org/v1\n-> scrypt "));
    let config = std::fs::read_to_string(dir.join("authy.toml")).unwrap();
    assert!(config.contains("auth_method = \"passphrase\""), "{config}");

    match common::open_passphrase(&dir, "wrong passphrase") {
        Ok(_) => panic!("a wrong passphrase opened the vault"),
        Err(e) => assert_eq!(e.kind, ErrorKind::AuthFailed, "{}", e.message),
    }
    // A keyfile on a passphrase vault (no scrypt run).
    let keys = KeyVault::uninitialized();
    match common::open_keyfile(&dir, &keys.keyfile) {
        Ok(_) => panic!("a keyfile opened a passphrase vault"),
        Err(e) => assert_eq!(e.kind, ErrorKind::AuthFailed, "{}", e.message),
    }
    assert_eq!(read(&dir.join("vault.age")), bytes);

    // A passphrase on a keyfile vault (no scrypt run either).
    let kv = KeyVault::new();
    match common::open_passphrase(&kv.dir, "right passphrase") {
        Ok(_) => panic!("a passphrase opened a keyfile vault"),
        Err(e) => assert_eq!(e.kind, ErrorKind::AuthFailed, "{}", e.message),
    }

    // The owner's handle still works without decrypting again.
    let before = owner.decryptions();
    assert!(owner.get_or_null("nothing").unwrap().is_none());
    assert_eq!(owner.decryptions(), before);
}

#[test]
fn bare_and_age_keygen_keyfiles_are_both_accepted() {
    let v = vault_with_secret();
    let identity = std::fs::read_to_string(&v.keyfile).unwrap();
    let key = identity.trim();
    let public = std::fs::read_to_string(format!("{}.pub", v.keyfile.display())).unwrap();
    let variants = [
        ("bare, no newline", key.to_owned()),
        ("bare, surrounding whitespace", format!("  \n{key}  \n\n")),
        ("bare, CRLF", format!("{key}\r\n")),
        (
            "age-keygen",
            format!(
                "# created: 2026-12-04T15:09:38+00:00\n# public key: {}\n{key}\n",
                public.trim()
            ),
        ),
    ];
    for (i, (what, text)) in variants.iter().enumerate() {
        let path = v.tmp.path().join(format!("variant-{i}.key"));
        std::fs::write(&path, text).unwrap();
        let mut c =
            common::open_keyfile(&v.dir, &path).unwrap_or_else(|e| panic!("{what} refused: {e}"));
        assert_value(&mut c, "db", "value-db");
    }
}

#[test]
fn files_that_are_not_identities_are_invalid_keyfiles() {
    let v = vault_with_secret();
    let identity = std::fs::read_to_string(&v.keyfile).unwrap();
    let public = std::fs::read_to_string(format!("{}.pub", v.keyfile.display())).unwrap();
    let mut broken_key = identity.trim().to_owned();
    broken_key.pop();
    let cases = [
        ("empty", String::new()),
        (
            "only comments",
            "# created: today\n# public key: age1x\n".to_owned(),
        ),
        ("text", "hello\n".to_owned()),
        ("public key", public.clone()),
        ("truncated identity", broken_key),
        ("two identities", format!("{identity}{identity}")),
        ("lower-case identity", identity.to_lowercase()),
    ];
    for (i, (what, text)) in cases.iter().enumerate() {
        let path = v.tmp.path().join(format!("bad-{i}.key"));
        std::fs::write(&path, text).unwrap();
        match common::open_keyfile(&v.dir, &path) {
            Ok(_) => panic!("{what}: accepted as a keyfile"),
            Err(e) => {
                assert_eq!(e.kind, ErrorKind::InvalidKeyfile, "{what}: {}", e.message);
                assert!(
                    !e.message.contains(identity.trim()),
                    "the message quotes the key"
                );
            }
        }
    }
    let missing = v.tmp.path().join("missing.key");
    match common::open_keyfile(&v.dir, &missing) {
        Ok(_) => panic!("a missing keyfile was accepted"),
        Err(e) => assert_eq!(e.kind, ErrorKind::InvalidKeyfile),
    }
}

#[test]
fn init_twice_is_refused_and_missing_vaults_are_not_initialized() {
    let v = KeyVault::uninitialized();
    assert!(!Client::is_initialized(Some(&v.dir)).unwrap());
    let mut c = v.client();
    assert_eq!(err(c.get("x")).kind, ErrorKind::VaultNotInitialized);
    assert_eq!(err(c.get_or_null("x")).kind, ErrorKind::VaultNotInitialized);
    assert_eq!(err(c.list(None)).kind, ErrorKind::VaultNotInitialized);
    assert_eq!(
        err(c.store("x", "v".to_owned().into(), false)).kind,
        ErrorKind::VaultNotInitialized
    );
    assert_eq!(
        err(c.rotate("x", "v".to_owned().into())).kind,
        ErrorKind::VaultNotInitialized
    );
    assert_eq!(err(c.remove("x")).kind, ErrorKind::VaultNotInitialized);
    assert_eq!(
        err(c.create_policy("p", PolicySpec::default())).kind,
        ErrorKind::VaultNotInitialized
    );
    assert!(!v.vault_file().exists(), "no vault appeared");

    c.init().unwrap();
    assert!(Client::is_initialized(Some(&v.dir)).unwrap());
    store(&mut c, "x", "v");
    let bytes = read(&v.vault_file());
    assert_eq!(err(c.init()).kind, ErrorKind::VaultAlreadyExists);
    let mut other = v.client();
    assert_eq!(err(other.init()).kind, ErrorKind::VaultAlreadyExists);
    assert_eq!(read(&v.vault_file()), bytes);
    assert_value(&mut other, "x", "v");

    // A vault deleted under an open client.
    std::fs::remove_file(v.vault_file()).unwrap();
    assert_eq!(err(c.get("x")).kind, ErrorKind::VaultNotInitialized);
    assert_eq!(
        err(c.store("y", "v".to_owned().into(), false)).kind,
        ErrorKind::VaultNotInitialized
    );
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn file_modes_and_public_key() {
    let tmp = tempfile::tempdir().unwrap();
    let keyfile = tmp.path().join("keys").join("k.key");
    let generated = Client::generate_keyfile(&keyfile).unwrap();
    assert_eq!(mode(&keyfile), 0o600);
    assert_eq!(mode(keyfile.parent().unwrap()), 0o700);
    let pub_path = tmp.path().join("keys").join("k.key.pub");
    let public = std::fs::read_to_string(&pub_path).unwrap();
    assert_eq!(public.trim(), generated.public_key);
    assert!(generated.public_key.starts_with("age1"));
    assert_eq!(generated.public_key.len(), 62);
    assert_eq!(public.lines().count(), 1);
    let identity = std::fs::read_to_string(&keyfile).unwrap();
    assert!(identity.trim().starts_with("AGE-SECRET-KEY-1"));
    assert!(!public.contains("AGE-SECRET-KEY"));

    assert_eq!(
        err(Client::generate_keyfile(&keyfile)).kind,
        ErrorKind::KeyfileAlreadyExists
    );
    assert_eq!(std::fs::read_to_string(&keyfile).unwrap(), identity);

    let dir = tmp.path().join("nested").join("vault");
    let mut c = common::open_keyfile(&dir, &keyfile).unwrap();
    c.init().unwrap();
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("vault.age")), 0o600);
    store(&mut c, "a", "b");
    assert_eq!(mode(&dir.join("vault.age")), 0o600, "after a rewrite too");
    assert_eq!(mode(&dir.join("audit.log")), 0o600);
    assert_eq!(mode(&dir.join("authy.toml")), 0o600);
    let config = std::fs::read_to_string(dir.join("authy.toml")).unwrap();
    assert!(config.contains("[vault]"), "{config}");
    assert!(config.contains("auth_method = \"keyfile\""), "{config}");
    assert!(config.contains("[audit]") && config.contains("enabled = true"));
}
