//! Batches: many writes applied to one draft and saved (encrypted) once;
//! one failing write saves nothing.

mod common;

use authy_core::{ErrorKind, WriteOp, WriteOutcome};
use common::{assert_value, err, read, store, KeyVault};

fn store_op(name: &str, value: &str, force: bool) -> WriteOp {
    WriteOp::Store {
        name: name.into(),
        value: value.to_owned().into(),
        force,
    }
}

#[test]
fn thousand_stores_into_a_passphrase_vault_in_one_batch() {
    // Passphrase vault: every encryption and decryption runs scrypt, so
    // this test finishing quickly at all shows the batch encrypts once.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let passphrase = "batch passphrase";
    let mut c = common::open_passphrase(&dir, passphrase).unwrap();
    c.init().unwrap();
    let before = c.decryptions();

    let ops: Vec<WriteOp> = (0..1000)
        .map(|i| store_op(&format!("k{i:04}"), &format!("value-{i}"), false))
        .collect();
    let outcomes = c.batch(ops).unwrap();
    assert_eq!(outcomes.len(), 1000);
    assert!(outcomes.iter().all(|o| *o == WriteOutcome::Stored(())));
    assert_eq!(c.decryptions(), before, "the batch decrypted the vault");
    assert_eq!(c.list(None).unwrap().len(), 1000);
    assert_value(&mut c, "k0999", "value-999");
    assert_eq!(c.decryptions(), before);

    // One save: every store event of the batch carries the same time.
    let entries = c.audit_entries().unwrap();
    assert_eq!(
        entries.len(),
        1 + 1000 + 2,
        "init, the stores, list and get"
    );
    let stores: Vec<_> = entries.iter().filter(|e| e.operation == "store").collect();
    assert_eq!(stores.len(), 1000);
    assert!(stores.iter().all(|e| e.timestamp == stores[0].timestamp));
    assert!(entries.iter().all(|e| e.actor == "api(passphrase)"));
    assert!(c.verify_audit().unwrap().valid);

    // A batch whose last write fails saves nothing (no scrypt run either).
    let bytes = read(&dir.join("vault.age"));
    let mut failing: Vec<WriteOp> = (0..10)
        .map(|i| store_op(&format!("new{i}"), "v", false))
        .collect();
    failing.push(WriteOp::Rotate {
        name: "k0001".into(),
        value: "rotated".to_owned().into(),
    });
    failing.push(WriteOp::Rotate {
        name: "ghost".into(),
        value: "x".to_owned().into(),
    });
    assert_eq!(err(c.batch(failing)).kind, ErrorKind::SecretNotFound);
    assert_eq!(read(&dir.join("vault.age")), bytes);
    assert!(c.get_or_null("new0").unwrap().is_none());
    assert_value(&mut c, "k0001", "value-1");

    // Another handle decrypts the saved file once and sees all of it.
    let mut other = common::open_passphrase(&dir, passphrase).unwrap();
    assert_eq!(other.decryptions(), 1);
    assert_eq!(other.list(None).unwrap().len(), 1000);
    assert_value(&mut other, "k0500", "value-500");
}

#[test]
fn mixed_batch_outcomes_in_order() {
    let v = KeyVault::new();
    let mut c = v.client();
    store(&mut c, "old", "1");
    let outcomes = c
        .batch(vec![
            store_op("a", "a1", false),
            WriteOp::Rotate {
                name: "a".into(),
                value: "a2".to_owned().into(),
            },
            WriteOp::Rotate {
                name: "a".into(),
                value: "a3".to_owned().into(),
            },
            store_op("old", "2", true),
            WriteOp::Remove { name: "b".into() },
            store_op("b", "b1", false),
            WriteOp::Remove { name: "b".into() },
        ])
        .unwrap();
    assert_eq!(
        outcomes,
        vec![
            WriteOutcome::Stored(()),
            WriteOutcome::Rotated(2),
            WriteOutcome::Rotated(3),
            WriteOutcome::Stored(()),
            WriteOutcome::Removed(false),
            WriteOutcome::Stored(()),
            WriteOutcome::Removed(true),
        ]
    );
    assert_value(&mut c, "a", "a3");
    assert_value(&mut c, "old", "2");
    assert!(c.get_or_null("b").unwrap().is_none());

    // Seen from another handle: the batch was saved.
    let mut other = v.client();
    assert_value(&mut other, "a", "a3");
    let ops: Vec<_> = other
        .audit_entries()
        .unwrap()
        .into_iter()
        .skip(2)
        .take(7)
        .map(|e| (e.operation, e.outcome, e.detail))
        .collect();
    let expected = [
        ("store", "success", None),
        ("rotate", "success", Some("v2")),
        ("rotate", "success", Some("v3")),
        ("update", "success", None),
        ("remove", "not_found", None),
        ("store", "success", None),
        ("remove", "success", None),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(o, r, d)| (o.to_string(), r.to_string(), d.map(str::to_owned)))
        .collect();
    assert_eq!(ops, expected);
}

#[test]
fn failing_write_inside_a_batch_saves_nothing() {
    let v = KeyVault::new();
    let mut c = v.client();
    store(&mut c, "exists", "1");
    let bytes = read(&v.vault_file());
    let cases = vec![
        (
            vec![store_op("n1", "x", false), store_op("exists", "2", false)],
            ErrorKind::SecretAlreadyExists,
        ),
        (
            vec![store_op("n2", "x", false), store_op("", "x", false)],
            ErrorKind::InvalidName,
        ),
        (
            vec![
                WriteOp::Remove {
                    name: "exists".into(),
                },
                WriteOp::Rotate {
                    name: "exists".into(),
                    value: "x".to_owned().into(),
                },
            ],
            ErrorKind::SecretNotFound,
        ),
    ];
    for (ops, kind) in cases {
        assert_eq!(err(c.batch(ops)).kind, kind);
        assert_eq!(read(&v.vault_file()), bytes, "vault changed");
    }
    let mut other = v.client();
    assert_eq!(other.list(None).unwrap(), vec!["exists"]);
    assert_value(&mut other, "exists", "1");
    assert_eq!(c.list(None).unwrap(), vec!["exists"]);

    // An empty batch is fine and changes nothing.
    assert!(c.batch(Vec::new()).unwrap().is_empty());
    assert_eq!(read(&v.vault_file()), bytes);
}
