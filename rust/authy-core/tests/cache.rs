//! The vault is decrypted once per change on disk, never per read.

mod common;

use authy_core::{EnvNaming, PolicySpec};
use common::{assert_value, store, KeyVault};

#[test]
fn reads_do_not_decrypt_again() {
    let v = KeyVault::new();
    {
        let mut w = v.client();
        store(&mut w, "a", "1");
        store(&mut w, "b", "2");
        w.create_policy(
            "all",
            PolicySpec {
                allow: vec!["*".into()],
                ..Default::default()
            },
        )
        .unwrap();
    }
    let mut c = v.client();
    assert_eq!(c.decryptions(), 1, "open decrypts once");
    for _ in 0..50 {
        assert_value(&mut c, "a", "1");
        assert!(c.get_or_null("zzz").unwrap().is_none());
        assert_eq!(c.list(None).unwrap().len(), 2);
        assert_eq!(c.list(Some("all")).unwrap().len(), 2);
        assert!(c.test_policy("all", "a").unwrap());
        assert_eq!(
            c.build_env_map("all", &EnvNaming::default()).unwrap().len(),
            2
        );
        c.list_policies().unwrap();
        c.list_sessions().unwrap();
    }
    assert_eq!(c.decryptions(), 1);
}

#[test]
fn a_write_by_another_client_costs_exactly_one_decryption() {
    let v = KeyVault::new();
    let mut reader = v.client();
    let mut writer = v.client();
    let base = reader.decryptions();
    assert!(reader.get_or_null("x").unwrap().is_none());
    assert_eq!(reader.decryptions(), base);

    store(&mut writer, "x", "first");
    assert_value(&mut reader, "x", "first");
    assert_eq!(reader.decryptions(), base + 1);
    for _ in 0..10 {
        assert_value(&mut reader, "x", "first");
    }
    assert_eq!(reader.decryptions(), base + 1);

    // Same length value: the file is still noticed as replaced.
    writer.rotate("x", "secon".to_owned().into()).unwrap();
    writer.rotate("x", "third".to_owned().into()).unwrap();
    assert_value(&mut reader, "x", "third");
    assert_eq!(reader.decryptions(), base + 2);
    assert_eq!(reader.list(None).unwrap(), vec!["x"]);
    assert_eq!(reader.decryptions(), base + 2);
}

#[test]
fn own_writes_do_not_decrypt_again() {
    let v = KeyVault::new();
    let mut c = v.client();
    let base = c.decryptions();
    store(&mut c, "a", "1");
    c.rotate("a", "2".to_owned().into()).unwrap();
    c.store("a", "3".to_owned().into(), true).unwrap();
    c.create_policy(
        "p",
        PolicySpec {
            allow: vec!["a".into()],
            ..Default::default()
        },
    )
    .unwrap();
    let s = c.create_session("p", 60, None, false).unwrap();
    c.revoke_session(&s.id).unwrap();
    assert_value(&mut c, "a", "3");
    assert!(c.remove("a").unwrap());
    assert!(c.get_or_null("a").unwrap().is_none());
    assert_eq!(c.decryptions(), base);

    // After someone else's write, the own write first loads it (once) and
    // then keeps going without decrypting.
    let mut other = v.client();
    store(&mut other, "b", "x");
    store(&mut c, "c", "y");
    assert_eq!(c.decryptions(), base + 1);
    assert_value(&mut c, "b", "x");
    assert_value(&mut c, "c", "y");
    assert_eq!(c.decryptions(), base + 1);
}

#[test]
fn init_then_use_needs_no_decryption() {
    let v = KeyVault::uninitialized();
    let mut c = v.client();
    assert_eq!(c.decryptions(), 0);
    c.init().unwrap();
    store(&mut c, "a", "1");
    assert_value(&mut c, "a", "1");
    assert_eq!(c.decryptions(), 0);
}

#[test]
fn quick_same_length_writes_by_another_client_are_never_missed() {
    // Two writes of the same length within one coarse clock tick could
    // reuse an inode and a file time; the reader must still see the last.
    let v = KeyVault::new();
    let mut writer = v.client();
    let mut reader = v.client();
    writer
        .store("k", "value-000".to_owned().into(), false)
        .unwrap();
    for round in 1..=60 {
        assert_eq!(reader.get("k").unwrap().as_str().len(), 9);
        writer
            .rotate("k", format!("value-{:03}", 2 * round - 1).into())
            .unwrap();
        writer
            .rotate("k", format!("value-{:03}", 2 * round).into())
            .unwrap();
        let seen = reader.get("k").unwrap();
        assert!(
            seen.as_str() == format!("value-{:03}", 2 * round),
            "round {round}: the reader kept a stale copy"
        );
    }
}
