//! Every error kind the engine can produce through a request, provoked
//! through the C ABI and checked against the documented table of kinds,
//! codes and exit codes.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::time::Duration;

use serde_json::{json, Value};

use common::{
    call, call_bytes, err, generate_keyfile, ok, open, path_str, plant_vault, Failure, Fixture,
};

/// kind, code, exitCode: the table of `vault-format.md`, then the kinds
/// this module adds.
const TABLE: &[(&str, &str, i64)] = &[
    ("VaultNotInitialized", "vault_not_initialized", 7),
    ("VaultAlreadyExists", "already_exists", 5),
    ("SecretNotFound", "not_found", 3),
    ("SecretAlreadyExists", "already_exists", 5),
    ("PolicyNotFound", "not_found", 3),
    ("PolicyAlreadyExists", "already_exists", 5),
    ("AccessDenied", "access_denied", 4),
    ("AuthFailed", "auth_failed", 2),
    ("InvalidToken", "invalid_token", 6),
    ("TokenExpired", "token_expired", 6),
    ("TokenRevoked", "token_revoked", 6),
    ("SessionNotFound", "not_found", 3),
    ("TokenReadOnly", "token_read_only", 4),
    ("RunOnly", "run_only", 4),
    ("Encryption", "encryption_error", 1),
    ("Decryption", "decryption_error", 2),
    ("Serialization", "serialization_error", 1),
    ("AuditChainBroken", "audit_chain_broken", 1),
    ("InvalidKeyfile", "invalid_keyfile", 2),
    ("Io", "io_error", 1),
    ("Other", "error", 1),
    // this module's own
    ("InvalidRequest", "invalid_request", 1),
    ("InvalidName", "invalid_name", 1),
    ("InvalidPattern", "invalid_pattern", 1),
    ("EnvNameCollision", "env_name_collision", 1),
    ("UnsupportedVersion", "unsupported_version", 1),
    ("KeyfileAlreadyExists", "already_exists", 5),
    ("Internal", "internal", 1),
];

/// Kinds no request can produce: `Encryption` needs age to fail while
/// encrypting to one fixed recipient into memory, and nothing in the
/// engine constructs `Other`.
const UNREACHABLE: &[&str] = &["Encryption", "Other"];

struct Case {
    kind: &'static str,
    how: &'static str,
    provoke: fn() -> Value,
}

fn cases() -> Vec<Case> {
    let mut cases = vec![
        Case {
            kind: "VaultNotInitialized",
            how: "get on an opened directory without a vault",
            provoke: || Fixture::uninitialized().call(json!({"op": "get", "name": "a"})),
        },
        Case {
            kind: "VaultNotInitialized",
            how: "open with a session token where there is no vault",
            provoke: || {
                let f = Fixture::uninitialized();
                f.open_token(UNKNOWN_TOKEN)
            },
        },
        Case {
            kind: "VaultAlreadyExists",
            how: "init twice",
            provoke: || Fixture::new().call(json!({"op": "init"})),
        },
        Case {
            kind: "SecretNotFound",
            how: "get of a missing name",
            provoke: || Fixture::new().call(json!({"op": "get", "name": "missing"})),
        },
        Case {
            kind: "SecretNotFound",
            how: "rotate of a missing name",
            provoke: || {
                Fixture::new().call(json!({"op": "rotate", "name": "missing", "value": "v"}))
            },
        },
        Case {
            kind: "SecretAlreadyExists",
            how: "store twice without force",
            provoke: || {
                let f = Fixture::new();
                f.ok(json!({"op": "store", "name": "a", "value": "one"}));
                f.call(json!({"op": "store", "name": "a", "value": "two"}))
            },
        },
        Case {
            kind: "PolicyNotFound",
            how: "getPolicy of a missing policy",
            provoke: || Fixture::new().call(json!({"op": "getPolicy", "name": "nope"})),
        },
        Case {
            kind: "PolicyNotFound",
            how: "createSession on a missing scope",
            provoke: || {
                Fixture::new()
                    .call(json!({"op": "createSession", "scope": "nope", "ttlSeconds": 60}))
            },
        },
        Case {
            kind: "PolicyAlreadyExists",
            how: "createPolicy twice",
            provoke: || {
                let f = Fixture::new();
                f.ok(json!({"op": "createPolicy", "name": "p", "allow": ["*"]}));
                f.call(json!({"op": "createPolicy", "name": "p", "allow": ["*"]}))
            },
        },
        Case {
            kind: "AccessDenied",
            how: "token get of a name outside its scope",
            provoke: || {
                let f = Fixture::new();
                f.ok(json!({"op": "store", "name": "other", "value": "v"}));
                f.ok(json!({"op": "createPolicy", "name": "app", "allow": ["app/*"]}));
                let (token, _) = f.session("app", 600, false);
                let h = common::handle_of(&ok(f.open_token(&token)));
                let result = call(h, &json!({"op": "get", "name": "other"}));
                ok(common::close(h));
                result
            },
        },
        Case {
            kind: "AuthFailed",
            how: "open with a keyfile that is not the vault's recipient",
            provoke: || {
                let f = Fixture::new();
                let stranger = f.temp.path().join("keys").join("stranger.key");
                generate_keyfile(&stranger);
                open(&json!({"dir": path_str(&f.dir), "keyfile": path_str(&stranger)}))
            },
        },
        Case {
            kind: "InvalidToken",
            how: "open with a well-formed token the vault never issued",
            provoke: || Fixture::new().open_token(UNKNOWN_TOKEN),
        },
        Case {
            kind: "InvalidToken",
            how: "open with a malformed token",
            provoke: || Fixture::new().open_token("authy_v1.too-short"),
        },
        Case {
            kind: "TokenExpired",
            how: "open with a token after its one-second lifetime",
            provoke: || {
                let f = Fixture::new();
                f.ok(json!({"op": "createPolicy", "name": "app", "allow": ["*"]}));
                let (token, _) = f.session("app", 1, false);
                std::thread::sleep(Duration::from_millis(1500));
                f.open_token(&token)
            },
        },
        Case {
            kind: "TokenRevoked",
            how: "token handle used after another handle revoked its session",
            provoke: || {
                let f = Fixture::new();
                f.ok(json!({"op": "store", "name": "a", "value": "v"}));
                f.ok(json!({"op": "createPolicy", "name": "app", "allow": ["*"]}));
                let (token, id) = f.session("app", 600, false);
                let h = common::handle_of(&ok(f.open_token(&token)));
                ok(call(h, &json!({"op": "list"})));
                f.ok(json!({"op": "revokeSession", "id": id}));
                let result = call(h, &json!({"op": "get", "name": "a"}));
                ok(common::close(h));
                result
            },
        },
        Case {
            kind: "SessionNotFound",
            how: "revokeSession of an unknown id",
            provoke: || {
                Fixture::new().call(json!({"op": "revokeSession", "id": "0123456789abcdef"}))
            },
        },
        Case {
            kind: "TokenReadOnly",
            how: "store through a token handle",
            provoke: || {
                let f = Fixture::new();
                f.ok(json!({"op": "createPolicy", "name": "app", "allow": ["*"]}));
                let (token, _) = f.session("app", 600, false);
                let h = common::handle_of(&ok(f.open_token(&token)));
                let result = call(h, &json!({"op": "store", "name": "b", "value": "v"}));
                ok(common::close(h));
                result
            },
        },
        Case {
            kind: "RunOnly",
            how: "buildEnvMap on a run-only policy",
            provoke: || {
                let f = Fixture::new();
                f.ok(json!({"op": "createPolicy", "name": "ci", "allow": ["*"], "runOnly": true}));
                f.call(json!({"op": "buildEnvMap", "scope": "ci", "uppercase": false, "replaceDash": null}))
            },
        },
        Case {
            kind: "RunOnly",
            how: "get through a run-only session",
            provoke: || {
                let f = Fixture::new();
                f.ok(json!({"op": "store", "name": "a", "value": "v"}));
                f.ok(json!({"op": "createPolicy", "name": "app", "allow": ["*"]}));
                let (token, _) = f.session("app", 600, true);
                let h = common::handle_of(&ok(f.open_token(&token)));
                let result = call(h, &json!({"op": "get", "name": "a"}));
                ok(common::close(h));
                result
            },
        },
        Case {
            kind: "Decryption",
            how: "open a vault.age that is not an age file",
            provoke: || {
                let f = Fixture::new();
                fs::write(f.dir.join("vault.age"), b"this is not an age file").unwrap();
                open(&json!({"dir": path_str(&f.dir), "keyfile": path_str(&f.keyfile)}))
            },
        },
        Case {
            kind: "Decryption",
            how: "a read after vault.age was emptied under an open handle",
            provoke: || {
                let f = Fixture::new();
                fs::write(f.dir.join("vault.age"), b"").unwrap();
                f.call(json!({"op": "list"}))
            },
        },
        Case {
            kind: "Serialization",
            how: "open a vault whose plaintext is not MessagePack",
            provoke: || {
                let f = Fixture::new();
                plant_vault(&f.dir, &f.recipient, b"plainly not msgpack");
                open(&json!({"dir": path_str(&f.dir), "keyfile": path_str(&f.keyfile)}))
            },
        },
        Case {
            kind: "AuditChainBroken",
            how: "auditEntries with a non-JSON line in audit.log",
            provoke: || {
                let f = Fixture::new();
                let log = f.dir.join("audit.log");
                let mut text = fs::read_to_string(&log).unwrap();
                text.push_str("this line is not JSON\n");
                fs::write(&log, text).unwrap();
                f.call(json!({"op": "auditEntries"}))
            },
        },
        Case {
            kind: "InvalidKeyfile",
            how: "open with a keyfile that holds no identity",
            provoke: || {
                let temp = tempfile::tempdir().unwrap();
                let keyfile = temp.path().join("bad.key");
                fs::write(&keyfile, "# a comment and nothing else\n").unwrap();
                open(&json!({"dir": path_str(temp.path()), "keyfile": path_str(&keyfile)}))
            },
        },
        Case {
            kind: "InvalidKeyfile",
            how: "open with a keyfile that does not exist",
            provoke: || {
                let temp = tempfile::tempdir().unwrap();
                let keyfile = temp.path().join("missing.key");
                open(&json!({"dir": path_str(temp.path()), "keyfile": path_str(&keyfile)}))
            },
        },
        Case {
            kind: "Io",
            how: "open with a dir that is a regular file",
            provoke: || {
                let f = Fixture::new();
                let file = f.temp.path().join("plain-file");
                fs::write(&file, b"x").unwrap();
                open(&json!({"dir": path_str(&file), "keyfile": path_str(&f.keyfile)}))
            },
        },
        Case {
            kind: "InvalidRequest",
            how: "malformed JSON",
            provoke: || call_bytes(0, b"{\"op\":"),
        },
        Case {
            kind: "InvalidRequest",
            how: "createSession with ttlSeconds 0 (refused by the engine)",
            provoke: || {
                let f = Fixture::new();
                f.ok(json!({"op": "createPolicy", "name": "app", "allow": ["*"]}));
                f.call(json!({"op": "createSession", "scope": "app", "ttlSeconds": 0}))
            },
        },
        Case {
            kind: "InvalidRequest",
            how: "buildEnvMap with '=' in the prefix (refused by the engine)",
            provoke: || {
                let f = Fixture::new();
                f.ok(json!({"op": "createPolicy", "name": "app", "allow": ["*"]}));
                f.call(
                    json!({"op": "buildEnvMap", "scope": "app", "uppercase": true,
                              "replaceDash": "_", "prefix": "A=B"}),
                )
            },
        },
        Case {
            kind: "InvalidName",
            how: "store with an empty name",
            provoke: || Fixture::new().call(json!({"op": "store", "name": "", "value": "v"})),
        },
        Case {
            kind: "InvalidName",
            how: "createPolicy with a NUL in the name",
            provoke: || {
                Fixture::new().call(json!({"op": "createPolicy", "name": "a\u{0}b", "allow": []}))
            },
        },
        Case {
            kind: "InvalidPattern",
            how: "createPolicy with an unclosed character class",
            provoke: || {
                Fixture::new().call(json!({"op": "createPolicy", "name": "p", "allow": ["db-["]}))
            },
        },
        Case {
            kind: "EnvNameCollision",
            how: "buildEnvMap where a-b and a_b both become A_B",
            provoke: || {
                let f = Fixture::new();
                f.ok(json!({"op": "store", "name": "db-url", "value": "one"}));
                f.ok(json!({"op": "store", "name": "db_url", "value": "two"}));
                f.ok(json!({"op": "createPolicy", "name": "app", "allow": ["*"]}));
                f.call(json!({"op": "buildEnvMap", "scope": "app", "uppercase": true, "replaceDash": "_"}))
            },
        },
        Case {
            kind: "UnsupportedVersion",
            how: "open a vault whose plaintext is the MessagePack array [2]",
            provoke: || {
                let f = Fixture::new();
                plant_vault(&f.dir, &f.recipient, &[0x91, 0x02]);
                open(&json!({"dir": path_str(&f.dir), "keyfile": path_str(&f.keyfile)}))
            },
        },
        Case {
            kind: "KeyfileAlreadyExists",
            how: "generateKeyfile over an existing keyfile",
            provoke: || {
                let f = Fixture::new();
                call(
                    0,
                    &json!({"op": "generateKeyfile", "path": path_str(&f.keyfile)}),
                )
            },
        },
    ];
    if cfg!(debug_assertions) {
        cases.push(Case {
            kind: "Internal",
            how: "debugPanic",
            provoke: || call(0, &json!({"op": "debugPanic"})),
        });
    }
    cases
}

/// A token of the right shape (32 zero bytes) that no vault issued.
const UNKNOWN_TOKEN: &str = "authy_v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

fn expected(kind: &str) -> (&'static str, i64) {
    let (_, code, exit) = TABLE
        .iter()
        .find(|(k, _, _)| *k == kind)
        .unwrap_or_else(|| panic!("{kind} is not in the table"));
    (code, *exit)
}

#[test]
fn every_reachable_kind_comes_back_with_its_code_and_exit_code() {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for case in cases() {
        let envelope = (case.provoke)();
        let Some(Failure {
            kind,
            code,
            exit_code,
            message,
        }) = common::failure_of(&envelope)
        else {
            problems.push(format!("{} ({}): succeeded", case.kind, case.how));
            continue;
        };
        let (want_code, want_exit) = expected(case.kind);
        if kind != case.kind || code != want_code || exit_code != want_exit {
            problems.push(format!(
                "{} ({}): got {kind}/{code}/{exit_code}, want {}/{want_code}/{want_exit} \
                 (message: {message})",
                case.kind, case.how, case.kind
            ));
        }
        if message.is_empty() {
            problems.push(format!("{} ({}): empty message", case.kind, case.how));
        }
        seen.insert(case.kind);
    }
    assert!(problems.is_empty(), "mismatches:\n{}", problems.join("\n"));

    let mut missing: Vec<&str> = TABLE
        .iter()
        .map(|(k, _, _)| *k)
        .filter(|k| !seen.contains(k) && !UNREACHABLE.contains(k))
        .collect();
    if !cfg!(debug_assertions) {
        // debugPanic exists only in debug builds.
        missing.retain(|k| *k != "Internal");
    }
    assert!(missing.is_empty(), "kinds without a case: {missing:?}");
}

/// The table above lists exactly the engine's kinds, and the engine maps
/// every one of them (the unreachable ones included) to the documented
/// code and exit code. This checks the mapping, not reachability.
#[test]
fn table_lists_every_engine_kind_with_the_documented_codes() {
    use authy_core::ErrorKind;

    let names: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.name()).collect();
    let table: Vec<&str> = TABLE.iter().map(|(k, _, _)| *k).collect();
    assert_eq!(names, table, "the table and ErrorKind::ALL differ");
    for kind in ErrorKind::ALL {
        let (code, exit) = expected(kind.name());
        assert_eq!(kind.code(), code, "code of {}", kind.name());
        assert_eq!(i64::from(kind.exit_code()), exit, "exit of {}", kind.name());
    }
}

#[test]
fn error_messages_do_not_quote_secret_values() {
    let f = Fixture::new();
    let value = "s3cr3t-value-that-must-not-leak";
    f.ok(json!({"op": "store", "name": "a", "value": value}));
    let refused = err(f.call(json!({"op": "store", "name": "a", "value": value})));
    assert_eq!(refused.kind, "SecretAlreadyExists");
    assert!(!refused.message.contains(value), "message quotes the value");
    let refused = err(f.call(json!({"op": "store", "name": "", "value": value})));
    assert_eq!(refused.kind, "InvalidName");
    assert!(!refused.message.contains(value), "message quotes the value");
    let refused = err(f.call(json!({"op": "rotate", "name": "nope", "value": value})));
    assert_eq!(refused.kind, "SecretNotFound");
    assert!(!refused.message.contains(value), "message quotes the value");
    // A failed batch saves nothing, and its error does not quote values.
    let refused = err(f.call(json!({"op": "batch", "writes": [
        {"op": "store", "name": "b", "value": value},
        {"op": "store", "name": "a", "value": value},
    ]})));
    assert_eq!(refused.kind, "SecretAlreadyExists");
    assert!(!refused.message.contains(value), "message quotes the value");
    assert_eq!(f.ok(json!({"op": "list"})), json!(["a"]));
}
