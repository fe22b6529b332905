//! The plaintext MessagePack layout, checked against bytes written out by
//! hand from the format description (never produced by rmp-serde).

use std::collections::BTreeMap;

use authy_core::format::{Policy, SecretEntry, SecretMetadata, SessionRecord, Vault};
use authy_core::time::{self, Timestamp};
use authy_core::ErrorKind;

const T0: &str = "2026-12-04T15:09:38Z";
const T3: &str = "2026-12-04T15:09:38.123Z";
const T6: &str = "2026-12-04T15:09:38.123456Z";
const T9: &str = "2026-12-04T15:09:38.123456789Z";

fn ts(text: &str) -> Timestamp {
    time::parse(text).unwrap_or_else(|| panic!("bad test timestamp {text}"))
}

/// A MessagePack string: fixstr up to 31 bytes, str8 up to 255.
fn s(text: &str) -> Vec<u8> {
    let len = text.len();
    let mut out = if len < 32 {
        vec![0xa0 | len as u8]
    } else {
        assert!(len < 256, "test strings stay below 256 bytes");
        vec![0xd9, len as u8]
    };
    out.extend_from_slice(text.as_bytes());
    out
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn encode<T: serde::Serialize>(value: &T) -> Vec<u8> {
    rmp_serde::to_vec(value).expect("encode")
}

fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> T {
    rmp_serde::from_slice(bytes).unwrap_or_else(|e| panic!("decode failed: {e}"))
}

/// Encoding gives exactly `bytes`, and decoding `bytes` gives `value`.
fn round_trip<T>(value: &T, bytes: &[u8])
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    assert_eq!(
        hex::encode(encode(value)),
        hex::encode(bytes),
        "encoding differs from the hand-built bytes"
    );
    // Not assert_eq!: the Debug form of a record shows secret values.
    assert!(
        &decode::<T>(bytes) == value,
        "decoding the hand-built bytes does not give the record back"
    );
}

fn metadata_full() -> SecretMetadata {
    SecretMetadata {
        created_at: ts(T0),
        modified_at: ts(T3),
        version: 1,
        tags: vec!["a".into(), "bc".into()],
        description: None,
    }
}

fn metadata_full_bytes() -> Vec<u8> {
    cat(&[
        &[0x95],
        &s(T0),
        &s(T3),
        &[0x01],
        &[0x92],
        &s("a"),
        &s("bc"),
        &[0xc0],
    ])
}

/// 32 bytes, half of them >= 128 so they need the 0xcc (uint8) marker.
fn hmac_bytes() -> Vec<u8> {
    (0..32u8).map(|i| i.wrapping_mul(8)).collect()
}

fn hmac_msgpack() -> Vec<u8> {
    let mut out = vec![0xdc, 0x00, 0x20]; // array16 of 32 elements
    for b in hmac_bytes() {
        if b < 0x80 {
            out.push(b);
        } else {
            out.extend_from_slice(&[0xcc, b]);
        }
    }
    out
}

fn session() -> SessionRecord {
    SessionRecord {
        id: "0123456789abcdef".into(),
        scope: "deploy".into(),
        token_hmac: hmac_bytes(),
        created_at: ts(T0),
        expires_at: ts(T3),
        revoked: false,
        label: Some("ci".into()),
        run_only: true,
    }
}

fn session_bytes() -> Vec<u8> {
    cat(&[
        &[0x98],
        &s("0123456789abcdef"),
        &s("deploy"),
        &hmac_msgpack(),
        &s(T0),
        &s(T3),
        &[0xc2],
        &s("ci"),
        &[0xc3],
    ])
}

fn policy() -> Policy {
    Policy {
        name: "deploy".into(),
        description: None,
        allow: vec!["db/*".into(), "api-?".into()],
        deny: vec!["db/root".into()],
        created_at: ts(T6),
        modified_at: ts(T9),
        run_only: true,
    }
}

fn policy_bytes() -> Vec<u8> {
    cat(&[
        &[0x97],
        &s("deploy"),
        &[0xc0],
        &[0x92],
        &s("db/*"),
        &s("api-?"),
        &[0x91],
        &s("db/root"),
        &s(T6),
        &s(T9),
        &[0xc3],
    ])
}

#[test]
fn secret_metadata_is_an_array_of_five_fields() {
    round_trip(&metadata_full(), &metadata_full_bytes());

    let described = SecretMetadata {
        created_at: ts(T9),
        modified_at: ts(T9),
        version: 200,
        tags: Vec::new(),
        description: Some("db pw".into()),
    };
    let bytes = cat(&[
        &[0x95],
        &s(T9),
        &s(T9),
        &[0xcc, 200], // uint8: 200 does not fit a positive fixint
        &[0x90],
        &s("db pw"),
    ]);
    round_trip(&described, &bytes);

    let big_version = SecretMetadata {
        version: 70_000,
        ..metadata_full()
    };
    let bytes = cat(&[
        &[0x95],
        &s(T0),
        &s(T3),
        &[0xce, 0x00, 0x01, 0x11, 0x70], // uint32
        &[0x92],
        &s("a"),
        &s("bc"),
        &[0xc0],
    ]);
    round_trip(&big_version, &bytes);
}

#[test]
fn secret_entry_is_value_then_metadata() {
    let entry = SecretEntry {
        value: String::from("hunter2").into(),
        metadata: metadata_full(),
    };
    let bytes = cat(&[&[0x92], &s("hunter2"), &metadata_full_bytes()]);
    round_trip(&entry, &bytes);

    // A value of 40 bytes needs the str8 marker.
    let long = "x".repeat(40);
    let entry = SecretEntry {
        value: long.clone().into(),
        metadata: metadata_full(),
    };
    let bytes = cat(&[&[0x92, 0xd9, 40], long.as_bytes(), &metadata_full_bytes()]);
    round_trip(&entry, &bytes);
}

#[test]
fn policy_is_an_array_of_seven_fields() {
    round_trip(&policy(), &policy_bytes());

    let described = Policy {
        description: Some("ci deploys".into()),
        allow: Vec::new(),
        deny: Vec::new(),
        run_only: false,
        ..policy()
    };
    let bytes = cat(&[
        &[0x97],
        &s("deploy"),
        &s("ci deploys"),
        &[0x90],
        &[0x90],
        &s(T6),
        &s(T9),
        &[0xc2],
    ]);
    round_trip(&described, &bytes);
}

#[test]
fn session_record_is_an_array_of_eight_fields_with_token_hmac_as_ints() {
    round_trip(&session(), &session_bytes());

    let plain = SessionRecord {
        revoked: true,
        label: None,
        run_only: false,
        ..session()
    };
    let bytes = cat(&[
        &[0x98],
        &s("0123456789abcdef"),
        &s("deploy"),
        &hmac_msgpack(),
        &s(T0),
        &s(T3),
        &[0xc3],
        &[0xc0],
        &[0xc2],
    ]);
    round_trip(&plain, &bytes);

    // Not `bin`: the 0xc4 marker never appears before the 32 bytes.
    let encoded = encode(&plain);
    assert!(!encoded.windows(2).any(|w| w == [0xc4, 0x20]));
}

fn full_vault() -> (Vault, Vec<u8>) {
    let entry_a = SecretEntry {
        value: String::from("one").into(),
        metadata: metadata_full(),
    };
    let entry_z = SecretEntry {
        value: String::from("two").into(),
        metadata: metadata_full(),
    };
    let mut secrets = BTreeMap::new();
    // Inserted out of order; "Z" (0x5a) sorts before "a" (0x61) by byte.
    secrets.insert("a".to_owned(), entry_a);
    secrets.insert("Z".to_owned(), entry_z);
    let mut policies = BTreeMap::new();
    policies.insert("deploy".to_owned(), policy());
    let vault = Vault {
        version: 1,
        created_at: ts(T0),
        modified_at: ts(T9),
        secrets,
        policies,
        sessions: vec![session()],
    };
    let bytes = cat(&[
        &[0x96, 0x01],
        &s(T0),
        &s(T9),
        &[0x82],
        &s("Z"),
        &[0x92],
        &s("two"),
        &metadata_full_bytes(),
        &s("a"),
        &[0x92],
        &s("one"),
        &metadata_full_bytes(),
        &[0x81],
        &s("deploy"),
        &policy_bytes(),
        &[0x91],
        &session_bytes(),
    ]);
    (vault, bytes)
}

#[test]
fn vault_is_an_array_with_maps_in_ascending_key_order() {
    let (vault, bytes) = full_vault();
    round_trip(&vault, &bytes);
    assert_eq!(
        hex::encode(&*vault.encode().expect("encode")),
        hex::encode(&bytes),
        "Vault::encode differs from the hand-built bytes"
    );
    assert_eq!(Vault::decode(&bytes).expect("decode"), vault);
}

#[test]
fn empty_vault_bytes() {
    let vault = Vault::empty(ts(T3));
    let bytes = cat(&[&[0x96, 0x01], &s(T3), &s(T3), &[0x80, 0x80, 0x90]]);
    round_trip(&vault, &bytes);
}

#[test]
fn sixteen_secrets_use_a_map16_in_byte_order() {
    let names: Vec<String> = (0..16).map(|i| format!("k{i:02}")).collect();
    let mut vault = Vault::empty(ts(T0));
    for name in names.iter().rev() {
        vault.secrets.insert(
            name.clone(),
            SecretEntry {
                value: String::from("v").into(),
                metadata: metadata_full(),
            },
        );
    }
    let mut bytes = cat(&[&[0x96, 0x01], &s(T0), &s(T0), &[0xde, 0x00, 0x10]]);
    for name in &names {
        bytes.extend(s(name));
        bytes.push(0x92);
        bytes.extend(s("v"));
        bytes.extend(metadata_full_bytes());
    }
    bytes.extend([0x80, 0x90]);
    round_trip(&vault, &bytes);
}

#[test]
fn readers_accept_wide_integers_and_unsorted_map_keys() {
    let (vault, _) = full_vault();
    // Version as uint64, keys in descending order, one hmac byte as a
    // needlessly wide uint8 and one as uint16.
    let mut hmac = vec![0xdc, 0x00, 0x20, 0xcc, 0x00, 0xcd, 0x00, 0x08];
    for b in hmac_bytes().into_iter().skip(2) {
        if b < 0x80 {
            hmac.push(b);
        } else {
            hmac.extend_from_slice(&[0xcc, b]);
        }
    }
    let session_wide = cat(&[
        &[0x98],
        &s("0123456789abcdef"),
        &s("deploy"),
        &hmac,
        &s(T0),
        &s(T3),
        &[0xc2],
        &s("ci"),
        &[0xc3],
    ]);
    let bytes = cat(&[
        &[0x96, 0xcf, 0, 0, 0, 0, 0, 0, 0, 1],
        &s(T0),
        &s(T9),
        &[0x82],
        &s("a"),
        &[0x92],
        &s("one"),
        &metadata_full_bytes(),
        &s("Z"),
        &[0x92],
        &s("two"),
        &metadata_full_bytes(),
        &[0x81],
        &s("deploy"),
        &policy_bytes(),
        &[0x91],
        &session_wide,
    ]);
    assert_eq!(Vault::decode(&bytes).expect("decode"), vault);
}

#[test]
fn older_records_ending_early_get_the_defaults() {
    // SecretMetadata without tags and description.
    let three = cat(&[&[0x93], &s(T0), &s(T3), &[0x02]]);
    let meta: SecretMetadata = decode(&three);
    assert_eq!(meta.version, 2);
    assert_eq!(meta.created_at, ts(T0));
    assert_eq!(meta.modified_at, ts(T3));
    assert!(meta.tags.is_empty());
    assert_eq!(meta.description, None);

    // SecretMetadata with tags but without description.
    let four = cat(&[&[0x94], &s(T0), &s(T3), &[0x01, 0x91], &s("x")]);
    let meta: SecretMetadata = decode(&four);
    assert_eq!(meta.tags, vec!["x".to_owned()]);
    assert_eq!(meta.description, None);

    // Policy without run_only.
    let mut old_policy = policy_bytes();
    old_policy[0] = 0x96;
    old_policy.pop();
    let decoded: Policy = decode(&old_policy);
    assert_eq!(
        decoded,
        Policy {
            run_only: false,
            ..policy()
        }
    );

    // SessionRecord without run_only.
    let mut old_session = session_bytes();
    old_session[0] = 0x97;
    old_session.pop();
    let decoded: SessionRecord = decode(&old_session);
    assert_eq!(
        decoded,
        SessionRecord {
            run_only: false,
            ..session()
        }
    );

    // A whole vault made of older records, through Vault::decode; writing it
    // back writes every field.
    let bytes = cat(&[
        &[0x96, 0x01],
        &s(T0),
        &s(T0),
        &[0x81],
        &s("db"),
        &[0x92],
        &s("v"),
        &three,
        &[0x81],
        &s("deploy"),
        &old_policy,
        &[0x91],
        &old_session,
    ]);
    let vault = Vault::decode(&bytes).expect("decode old vault");
    let meta = &vault.secrets["db"].metadata;
    assert!(meta.tags.is_empty() && meta.description.is_none());
    assert!(!vault.policies["deploy"].run_only);
    assert!(!vault.sessions[0].run_only);
    let rewritten = vault.encode().expect("encode");
    let mut full_policy = policy_bytes();
    *full_policy.last_mut().unwrap() = 0xc2;
    let mut full_session = session_bytes();
    *full_session.last_mut().unwrap() = 0xc2;
    let expected = cat(&[
        &[0x96, 0x01],
        &s(T0),
        &s(T0),
        &[0x81],
        &s("db"),
        &[0x92],
        &s("v"),
        &[0x95],
        &s(T0),
        &s(T3),
        &[0x02, 0x90, 0xc0],
        &[0x81],
        &s("deploy"),
        &full_policy,
        &[0x91],
        &full_session,
    ]);
    assert_eq!(hex::encode(&*rewritten), hex::encode(&expected));
}

#[test]
fn newer_vault_version_is_unsupported() {
    let bytes = cat(&[&[0x96, 0x02], &s(T0), &s(T0), &[0x80, 0x80, 0x90]]);
    let err = Vault::decode(&bytes).expect_err("version 2 must be refused");
    assert_eq!(err.kind, ErrorKind::UnsupportedVersion);

    // Even a version-2 layout this engine could not parse is reported as a
    // version problem, not as garbage.
    let bytes = cat(&[&[0x93, 0x02], &s("new"), &[0xc3]]);
    let err = Vault::decode(&bytes).expect_err("version 2 must be refused");
    assert_eq!(err.kind, ErrorKind::UnsupportedVersion);
}

#[test]
fn garbage_is_a_serialization_error() {
    for bytes in [
        &b""[..],
        &b"\xff\x00garbage"[..],
        &b"not msgpack at all"[..],
        &[0x96, 0x01][..],                   // truncated
        &[0x96, 0x01, 0xa1, b'x', 0x80][..], // bad timestamp, then truncated
    ] {
        let err = Vault::decode(bytes).expect_err("garbage must be refused");
        assert_eq!(err.kind, ErrorKind::Serialization, "input {bytes:02x?}");
    }
    // The right version but the secrets map is an array.
    let bytes = cat(&[&[0x96, 0x01], &s(T0), &s(T0), &[0x90, 0x80, 0x90]]);
    let err = Vault::decode(&bytes).expect_err("wrong type must be refused");
    assert_eq!(err.kind, ErrorKind::Serialization);
    // An invalid timestamp.
    let bytes = cat(&[&[0x96, 0x01], &s("yesterday"), &s(T0), &[0x80, 0x80, 0x90]]);
    let err = Vault::decode(&bytes).expect_err("bad timestamp must be refused");
    assert_eq!(err.kind, ErrorKind::Serialization);
}

#[test]
fn timestamps_use_as_few_of_0_3_6_9_fractional_digits_as_exact() {
    let cases = [
        (T0, T0),
        (T3, T3),
        (T6, T6),
        (T9, T9),
        ("2026-12-04T15:09:38.1Z", "2026-12-04T15:09:38.100Z"),
        ("2026-12-04T15:09:38.12Z", "2026-12-04T15:09:38.120Z"),
        ("2026-12-04T15:09:38.1234Z", "2026-12-04T15:09:38.123400Z"),
        ("2026-12-04T15:09:38.000120Z", "2026-12-04T15:09:38.000120Z"),
        (
            "2026-12-04T15:09:38.000000001Z",
            "2026-12-04T15:09:38.000000001Z",
        ),
        ("2026-12-04T15:09:38.000Z", T0),
        ("2026-12-04T16:09:38.5+01:00", "2026-12-04T15:09:38.500Z"),
    ];
    for (input, written) in cases {
        let meta = SecretMetadata {
            created_at: ts(input),
            modified_at: ts(input),
            version: 1,
            tags: Vec::new(),
            description: None,
        };
        let expected = cat(&[&[0x95], &s(written), &s(written), &[0x01, 0x90, 0xc0]]);
        assert_eq!(
            encode(&meta),
            expected,
            "{input} should be written as {written}"
        );
        assert_eq!(time::format_z(&ts(input)), written);
        assert_eq!(
            time::format_offset(&ts(input)),
            written.replace('Z', "+00:00")
        );
    }
}
