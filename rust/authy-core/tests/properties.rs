//! Property tests: the vault format round-trips whatever it holds, older
//! (shorter) records read with their defaults, timestamps keep every
//! nanosecond in as few of 0, 3, 6 or 9 digits as exact; and policies mean
//! "no deny pattern matches and some allow pattern does", checked against a
//! small reference matcher written from the format description, on their
//! own and through the client (`list` with a scope, `test_policy`,
//! `build_env_map`).
//!
//! Failing cases print generated strings; none of them is a real secret.

mod common;

use std::collections::BTreeMap;

use authy_core::crypto::Credential;
use authy_core::format::{Policy, SecretEntry, SecretMetadata, SessionRecord, Vault};
use authy_core::policy::{compile_globs, CompiledPolicy};
use authy_core::time::{self, Timestamp};
use authy_core::{EnvNaming, ErrorKind, PolicySpec, WriteOp};
use chrono::{TimeZone, Utc};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;

// ---------------------------------------------------------------- format

/// Any instant from 1970 to 9999, with nanoseconds that are sometimes
/// whole seconds, milliseconds or microseconds (to reach each digit count).
fn timestamp() -> impl Strategy<Value = Timestamp> {
    let nanos = prop_oneof![
        Just(0u32),
        (0u32..1000).prop_map(|ms| ms * 1_000_000),
        (0u32..1_000_000).prop_map(|us| us * 1_000),
        0u32..1_000_000_000,
    ];
    (0i64..253_402_300_800, nanos).prop_map(|(secs, nanos)| Utc.timestamp_opt(secs, nanos).unwrap())
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![".{0,12}", any::<String>()]
}

fn metadata() -> impl Strategy<Value = SecretMetadata> {
    (
        timestamp(),
        timestamp(),
        any::<u64>(),
        vec(text(), 0..3),
        proptest::option::of(text()),
    )
        .prop_map(
            |(created_at, modified_at, version, tags, description)| SecretMetadata {
                created_at,
                modified_at,
                version,
                tags,
                description,
            },
        )
}

fn policy() -> impl Strategy<Value = Policy> {
    (
        text(),
        proptest::option::of(text()),
        vec(text(), 0..3),
        vec(text(), 0..3),
        timestamp(),
        timestamp(),
        any::<bool>(),
    )
        .prop_map(
            |(name, description, allow, deny, created_at, modified_at, run_only)| Policy {
                name,
                description,
                allow,
                deny,
                created_at,
                modified_at,
                run_only,
            },
        )
}

fn session() -> impl Strategy<Value = SessionRecord> {
    (
        "[0-9a-f]{16}",
        text(),
        vec(any::<u8>(), 0..40),
        timestamp(),
        timestamp(),
        any::<bool>(),
        proptest::option::of(text()),
        any::<bool>(),
    )
        .prop_map(
            |(id, scope, token_hmac, created_at, expires_at, revoked, label, run_only)| {
                SessionRecord {
                    id,
                    scope,
                    token_hmac,
                    created_at,
                    expires_at,
                    revoked,
                    label,
                    run_only,
                }
            },
        )
}

fn vault() -> impl Strategy<Value = Vault> {
    (
        0u64..=1,
        timestamp(),
        timestamp(),
        btree_map(
            text(),
            (text(), metadata()).prop_map(|(value, metadata)| SecretEntry {
                value: value.into(),
                metadata,
            }),
            0..6,
        ),
        btree_map(text(), policy(), 0..3),
        vec(session(), 0..3),
    )
        .prop_map(
            |(version, created_at, modified_at, secrets, policies, sessions)| Vault {
                version,
                created_at,
                modified_at,
                secrets,
                policies,
                sessions,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever a vault holds comes back from its bytes, and the bytes of
    /// what comes back are the same bytes (one canonical encoding).
    #[test]
    fn vault_round_trips(v in vault()) {
        let bytes = v.encode().unwrap();
        let back = Vault::decode(&bytes).unwrap();
        prop_assert!(back == v, "decode(encode(v)) differs from v");
        prop_assert_eq!(&*back.encode().unwrap(), &*bytes);
        // A six-field array, led by the format version.
        prop_assert_eq!(bytes[0], 0x96);
    }

    /// A version above the one this engine knows is refused as such.
    #[test]
    fn newer_versions_are_unsupported(mut v in vault(), version in 2u64..) {
        v.version = version;
        let e = Vault::decode(&v.encode().unwrap()).unwrap_err();
        prop_assert_eq!(e.kind, ErrorKind::UnsupportedVersion);
        prop_assert!(e.message.contains(&version.to_string()));
    }

    /// Records written before the later fields existed read with defaults:
    /// metadata of three fields, policies of six, sessions of seven.
    #[test]
    fn shorter_records_read_with_their_defaults(
        m in metadata(), p in policy(), s in session(),
    ) {
        let ts = time::format_z;
        let bytes = rmp_serde::to_vec(&(ts(&m.created_at), ts(&m.modified_at), m.version)).unwrap();
        let read: SecretMetadata = rmp_serde::from_slice(&bytes).unwrap();
        let expected = SecretMetadata { tags: Vec::new(), description: None, ..m };
        prop_assert!(read == expected, "three-field metadata");

        let bytes = rmp_serde::to_vec(&(
            &p.name, &p.description, &p.allow, &p.deny, ts(&p.created_at), ts(&p.modified_at),
        )).unwrap();
        let read: Policy = rmp_serde::from_slice(&bytes).unwrap();
        let expected = Policy { run_only: false, ..p };
        prop_assert!(read == expected, "a six-field policy");

        let bytes = rmp_serde::to_vec(&(
            &s.id, &s.scope, &s.token_hmac, ts(&s.created_at), ts(&s.expires_at), s.revoked,
            &s.label,
        )).unwrap();
        let read: SessionRecord = rmp_serde::from_slice(&bytes).unwrap();
        let expected = SessionRecord { run_only: false, ..s };
        prop_assert!(read == expected, "a seven-field session");
    }

    /// Timestamps keep every nanosecond, in 0, 3, 6 or 9 fractional digits,
    /// the fewest that are exact, always in UTC with `Z`.
    #[test]
    fn timestamps_round_trip_in_the_fewest_exact_digits(t in timestamp()) {
        let text = time::format_z(&t);
        prop_assert_eq!(time::parse(&text), Some(t));
        prop_assert!(text.ends_with('Z'));
        let digits = text.split_once('.').map_or(0, |(_, f)| f.len() - 1);
        let nanos = t.timestamp_subsec_nanos();
        let fewest = if nanos == 0 { 0 } else if nanos % 1_000_000 == 0 { 3 }
            else if nanos % 1_000 == 0 { 6 } else { 9 };
        prop_assert_eq!(digits, fewest, "{}", text);
        prop_assert_eq!(time::format_offset(&t), format!("{}+00:00", &text[..text.len() - 1]));
    }

    /// Arbitrary bytes after decryption are an error or a vault, never a
    /// panic; a vault that decodes encodes again and decodes the same.
    #[test]
    fn arbitrary_plaintext_decodes_or_fails_cleanly(bytes in vec(any::<u8>(), 0..256)) {
        if let Ok(v) = Vault::decode(&bytes) {
            let again = Vault::decode(&v.encode().unwrap()).unwrap();
            prop_assert!(again == v);
        }
    }

    /// A valid vault with one byte changed or cut short: the same.
    #[test]
    fn damaged_plaintext_decodes_or_fails_cleanly(
        v in vault(), at in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<bool>(),
    ) {
        let mut bytes = v.encode().unwrap().to_vec();
        let i = at.index(bytes.len());
        if cut { bytes.truncate(i) } else { bytes[i] = byte }
        match Vault::decode(&bytes) {
            Ok(v) => prop_assert!(Vault::decode(&v.encode().unwrap()).unwrap() == v),
            Err(e) => prop_assert!(matches!(
                e.kind,
                ErrorKind::Serialization | ErrorKind::UnsupportedVersion
            )),
        }
    }
}

proptest! {
    // Each case runs X25519 and ChaCha20-Poly1305.
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The whole file: encode, encrypt to the keyfile, decrypt, decode.
    #[test]
    fn encrypted_vault_round_trips(v in vault()) {
        let (identity, _) = authy_core::crypto::generate_identity();
        let credential = Credential::from_identity_text(
            age::secrecy::ExposeSecret::expose_secret(&identity),
        ).unwrap();
        let cipher = credential.encrypt(&v.encode().unwrap()).unwrap();
        prop_assert!(cipher.starts_with(b"age-encryption.org/v1\n-> X25519 "));
        let back = Vault::decode(&credential.decrypt(&cipher).unwrap()).unwrap();
        prop_assert!(back == v);
    }
}

// ---------------------------------------------------------------- policies

/// One token of a generated glob.
#[derive(Debug, Clone)]
enum Token {
    Lit(char),
    Star,
    Any,
    Class { negated: bool, chars: Vec<char> },
}

/// ASCII only: globset matches `?` and `[…]` against one byte, so for a
/// multi-byte character they differ from shell-style matching (a quirk
/// the engine keeps, for the authy tool's sake; see `non_ascii_names`).
const ALPHABET: &[char] = &['a', 'b', 'c', 'A', '-', '_', '/', '.'];

fn alphabet_char() -> impl Strategy<Value = char> {
    prop::sample::select(ALPHABET)
}

fn token() -> impl Strategy<Value = Token> {
    prop_oneof![
        4 => alphabet_char().prop_map(Token::Lit),
        2 => Just(Token::Star),
        1 => Just(Token::Any),
        1 => (any::<bool>(), vec(alphabet_char(), 1..4))
            .prop_map(|(negated, chars)| Token::Class { negated, chars }),
    ]
}

/// A glob in the syntax the format names, from tokens. Runs of `*` are
/// kept to one (globset gives `**` its own meaning next to `/`).
fn glob() -> impl Strategy<Value = Vec<Token>> {
    vec(token(), 0..6).prop_map(|tokens| {
        let mut out: Vec<Token> = Vec::new();
        for t in tokens {
            if matches!((&t, out.last()), (Token::Star, Some(Token::Star))) {
                continue;
            }
            out.push(t);
        }
        out
    })
}

fn glob_text(tokens: &[Token]) -> String {
    tokens
        .iter()
        .map(|t| match t {
            Token::Lit(c) => c.to_string(),
            Token::Star => "*".into(),
            Token::Any => "?".into(),
            Token::Class { negated, chars } => {
                // `-` goes last so that it is a literal, not a range.
                let mut set: Vec<char> = chars.iter().copied().filter(|c| *c != '-').collect();
                if chars.contains(&'-') {
                    set.push('-');
                }
                let body: String = set.into_iter().collect();
                format!("[{}{body}]", if *negated { "!" } else { "" })
            }
        })
        .collect()
}

/// The reference: shell-style matching where `*` and `?` cross `/`.
fn matches(tokens: &[Token], name: &[char]) -> bool {
    match tokens.split_first() {
        None => name.is_empty(),
        Some((Token::Star, rest)) => (0..=name.len()).any(|i| matches(rest, &name[i..])),
        Some((t, rest)) => match name.split_first() {
            None => false,
            Some((c, tail)) => {
                let one = match t {
                    Token::Lit(l) => l == c,
                    Token::Any => true,
                    Token::Class { negated, chars } => chars.contains(c) != *negated,
                    Token::Star => unreachable!(),
                };
                one && matches(rest, tail)
            }
        },
    }
}

fn name() -> impl Strategy<Value = String> {
    vec(alphabet_char(), 0..7).prop_map(|c| c.into_iter().collect())
}

fn compiled(allow: &[Vec<Token>], deny: &[Vec<Token>]) -> CompiledPolicy {
    let allow: Vec<String> = allow.iter().map(|g| glob_text(g)).collect();
    let deny: Vec<String> = deny.iter().map(|g| glob_text(g)).collect();
    let allow: Vec<&str> = allow.iter().map(String::as_str).collect();
    let deny: Vec<&str> = deny.iter().map(String::as_str).collect();
    compiled_text(&allow, &deny)
}

fn reference(allow: &[Vec<Token>], deny: &[Vec<Token>], name: &str) -> bool {
    let chars: Vec<char> = name.chars().collect();
    !deny.iter().any(|g| matches(g, &chars)) && allow.iter().any(|g| matches(g, &chars))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Allowed exactly when no deny glob matches and some allow glob does.
    #[test]
    fn a_name_is_allowed_when_no_deny_and_some_allow_matches(
        allow in vec(glob(), 0..4), deny in vec(glob(), 0..3), names in vec(name(), 1..8),
    ) {
        let policy = compiled(&allow, &deny);
        for n in &names {
            prop_assert_eq!(
                policy.allows(n), reference(&allow, &deny, n),
                "name {:?}, allow {:?}, deny {:?}",
                n,
                allow.iter().map(|g| glob_text(g)).collect::<Vec<_>>(),
                deny.iter().map(|g| glob_text(g)).collect::<Vec<_>>()
            );
        }
    }

    /// Deny wins over allow, the default is deny, and the lists are
    /// monotonic: another allow glob never takes a name away, another deny
    /// glob never grants one.
    #[test]
    fn deny_wins_default_denies_and_lists_are_monotonic(
        allow in vec(glob(), 0..3), deny in vec(glob(), 0..3), extra in glob(), n in name(),
    ) {
        prop_assert!(!compiled(&[], &deny).allows(&n), "an empty allow list allows nothing");
        let everything = vec![vec![Token::Star]];
        let chars: Vec<char> = n.chars().collect();
        let denied = deny.iter().any(|g| matches(g, &chars));
        prop_assert_eq!(compiled(&everything, &deny).allows(&n), !denied);

        let base = compiled(&allow, &deny).allows(&n);
        let mut more_allow = allow.clone();
        more_allow.push(extra.clone());
        prop_assert!(!base || compiled(&more_allow, &deny).allows(&n));
        let mut more_deny = deny.clone();
        more_deny.push(extra);
        prop_assert!(base || !compiled(&allow, &more_deny).allows(&n));
    }

    /// Any pattern text compiles or is refused as InvalidPattern naming
    /// the pattern; it never panics.
    #[test]
    fn any_pattern_compiles_or_is_an_invalid_pattern(pattern in any::<String>()) {
        if let Err(e) = compile_globs(std::slice::from_ref(&pattern)) {
            prop_assert_eq!(e.kind, ErrorKind::InvalidPattern);
            let quoted = format!("{pattern:?}");
            prop_assert!(e.message.contains(&quoted), "the message names the pattern");
        }
    }
}

proptest! {
    // Each case writes a vault to disk.
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Through the client: `list` with a scope, `test_policy` and
    /// `build_env_map` all follow the same rule; the env map holds exactly
    /// the allowed secrets, unless two of them land on one variable.
    #[test]
    fn the_client_applies_the_same_rule(
        allow in vec(glob(), 1..3), deny in vec(glob(), 0..2), names in vec(name(), 1..8),
    ) {
        let v = common::KeyVault::new();
        let mut c = v.client();
        let mut stored: Vec<String> = names.into_iter().filter(|n| !n.is_empty()).collect();
        stored.sort();
        stored.dedup();
        let writes = stored.iter().map(|n| WriteOp::Store {
            name: n.clone(),
            value: format!("value-{n}").into(),
            force: false,
        });
        c.batch(writes.collect()).unwrap();
        c.create_policy("scope", PolicySpec {
            allow: allow.iter().map(|g| glob_text(g)).collect(),
            deny: deny.iter().map(|g| glob_text(g)).collect(),
            ..Default::default()
        }).unwrap();

        let expected: Vec<String> =
            stored.iter().filter(|n| reference(&allow, &deny, n)).cloned().collect();
        prop_assert_eq!(c.list(Some("scope")).unwrap(), expected.clone());
        for n in &stored {
            prop_assert_eq!(c.test_policy("scope", n).unwrap(), expected.contains(n));
        }
        let naming = EnvNaming { uppercase: true, replace_dash: Some("_".into()), prefix: None };
        let mut by_variable: BTreeMap<String, &String> = BTreeMap::new();
        let collides = expected.iter().any(|n| by_variable.insert(naming.variable(n), n).is_some());
        match c.build_env_map("scope", &naming) {
            Ok(map) => {
                prop_assert!(!collides, "a collision was not reported");
                prop_assert_eq!(map.len(), expected.len());
                for (variable, n) in &by_variable {
                    let value = format!("value-{n}");
                    prop_assert!(map[variable].as_str() == value, "the value of {}", n);
                }
            }
            Err(e) => {
                prop_assert!(collides, "unexpected error {}", e);
                prop_assert_eq!(e.kind, ErrorKind::EnvNameCollision);
            }
        }
    }
}

/// Pins what the byte-wise quirk means, so that changing it is a choice:
/// `?` and a class match one byte of a multi-byte character, `*` is
/// unaffected, and ASCII behaves as in a shell.
#[test]
fn non_ascii_names() {
    let allows = |pattern: &str, name: &str| compiled_text(&[pattern], &[]).allows(name);
    assert!(allows("key-*", "key-é"));
    assert!(!allows("key-?", "key-é"), "? is one byte, é is two");
    assert!(allows("key-??", "key-é"));
    assert!(!allows("key-[é]", "key-é"));
    assert!(allows("key-?", "key-e"));
    // A deny pattern meant for one character therefore misses é as well.
    assert!(compiled_text(&["*"], &["admin-?"]).allows("admin-é"));
}

fn compiled_text(allow: &[&str], deny: &[&str]) -> CompiledPolicy {
    let now = time::now();
    CompiledPolicy::compile(&Policy {
        name: "p".into(),
        description: None,
        allow: allow.iter().map(|g| g.to_string()).collect(),
        deny: deny.iter().map(|g| g.to_string()).collect(),
        created_at: now,
        modified_at: now,
        run_only: false,
    })
    .unwrap()
}
