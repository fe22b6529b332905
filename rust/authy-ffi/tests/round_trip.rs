//! One vault's whole life through the C ABI, every operation once, with the
//! shape of each value as the TypeScript client expects it.

mod common;

use serde_json::{json, Value};

use common::{
    assert_secret, call, close, expect_kind, generate_keyfile, handle_of, ok, open, path_str,
};

#[test]
fn every_operation_round_trips_through_the_abi() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("vault");
    let dir_s = path_str(&dir).to_owned();
    let keyfile = temp.path().join("keys").join("owner.key");

    // Operations that need no vault, on handle 0.
    assert_eq!(ok(call(0, &json!({"op": "ping"}))), json!("pong"));
    let public_key = generate_keyfile(&keyfile);
    assert!(public_key.starts_with("age1"), "an age recipient");
    let pub_file = std::fs::read_to_string(temp.path().join("keys").join("owner.key.pub")).unwrap();
    assert_eq!(pub_file.trim(), public_key);
    assert_eq!(
        ok(call(0, &json!({"op": "isInitialized", "dir": dir_s}))),
        json!(false)
    );

    // Open before init is allowed; init creates the vault.
    let h = handle_of(&ok(open(
        &json!({"dir": dir_s, "keyfile": path_str(&keyfile)}),
    )));
    assert_eq!(ok(call(h, &json!({"op": "init"}))), Value::Null);
    assert_eq!(
        ok(call(0, &json!({"op": "isInitialized", "dir": dir_s}))),
        json!(true)
    );
    let op = |request: Value| ok(call(h, &request));

    // Secrets.
    assert_eq!(
        op(json!({"op": "store", "name": "db-url", "value": "postgres://one"})),
        Value::Null
    );
    assert_eq!(
        op(json!({"op": "store", "name": "api-key", "value": "k-1"})),
        Value::Null
    );
    assert_eq!(
        op(json!({"op": "store", "name": "other", "value": "o"})),
        Value::Null
    );
    assert_secret(
        &op(json!({"op": "get", "name": "db-url"})),
        "postgres://one",
        "db-url",
    );
    assert_secret(
        &op(json!({"op": "getOrNull", "name": "api-key"})),
        "k-1",
        "api-key",
    );
    assert_eq!(
        op(json!({"op": "getOrNull", "name": "missing"})),
        Value::Null
    );
    assert_eq!(
        op(json!({"op": "list"})),
        json!(["api-key", "db-url", "other"])
    );
    assert_eq!(
        op(json!({"op": "rotate", "name": "db-url", "value": "postgres://two"})),
        json!(2)
    );
    assert_secret(
        &op(json!({"op": "get", "name": "db-url"})),
        "postgres://two",
        "db-url",
    );
    assert_eq!(
        op(json!({"op": "store", "name": "api-key", "value": "k-2", "force": true})),
        Value::Null
    );
    assert_secret(
        &op(json!({"op": "get", "name": "api-key"})),
        "k-2",
        "api-key",
    );
    assert_eq!(op(json!({"op": "remove", "name": "other"})), json!(true));
    assert_eq!(op(json!({"op": "remove", "name": "other"})), json!(false));
    assert_eq!(op(json!({"op": "list"})), json!(["api-key", "db-url"]));

    // Policies.
    assert_eq!(
        op(
            json!({"op": "createPolicy", "name": "app", "allow": ["db-*", "api-*"],
                  "deny": ["api-*"], "description": "the app"})
        ),
        Value::Null
    );
    assert_eq!(op(json!({"op": "list", "scope": "app"})), json!(["db-url"]));
    let env = op(
        json!({"op": "buildEnvMap", "scope": "app", "uppercase": true,
                        "replaceDash": "_", "prefix": "APP_"}),
    );
    let env = env.as_object().expect("an env map is an object");
    assert_eq!(env.keys().collect::<Vec<_>>(), ["APP_DB_URL"]);
    assert_secret(&env["APP_DB_URL"], "postgres://two", "APP_DB_URL");
    let env = op(
        json!({"op": "buildEnvMap", "scope": "app", "uppercase": false,
                        "replaceDash": null}),
    );
    assert_eq!(
        env.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["db-url"]
    );
    assert_eq!(
        op(json!({"op": "testPolicy", "scope": "app", "name": "db-url"})),
        json!(true)
    );
    assert_eq!(
        op(json!({"op": "testPolicy", "scope": "app", "name": "api-key"})),
        json!(false)
    );

    let policy = op(json!({"op": "getPolicy", "name": "app"}));
    assert_eq!(policy["name"], json!("app"));
    assert_eq!(policy["description"], json!("the app"));
    assert_eq!(policy["allow"], json!(["db-*", "api-*"]));
    assert_eq!(policy["deny"], json!(["api-*"]));
    assert_eq!(policy["runOnly"], json!(false));
    assert!(is_z_timestamp(&policy["createdAt"]), "createdAt");
    assert!(is_z_timestamp(&policy["modifiedAt"]), "modifiedAt");
    let listed = op(json!({"op": "listPolicies"}));
    assert_eq!(listed, json!([policy.clone()]));

    // updatePolicy: absent fields stay, a null description clears it.
    let updated = op(json!({"op": "updatePolicy", "name": "app", "deny": []}));
    assert_eq!(updated["deny"], json!([]));
    assert_eq!(updated["description"], json!("the app"));
    assert_eq!(updated["allow"], json!(["db-*", "api-*"]));
    let updated = op(
        json!({"op": "updatePolicy", "name": "app", "description": null,
                            "runOnly": false}),
    );
    assert_eq!(updated["description"], Value::Null);
    assert_eq!(op(json!({"op": "getPolicy", "name": "app"})), updated);
    assert_eq!(
        op(json!({"op": "list", "scope": "app"})),
        json!(["api-key", "db-url"])
    );

    // Sessions, and a token handle that reads within its scope.
    let session = op(
        json!({"op": "createSession", "scope": "app", "ttlSeconds": 3600,
                            "label": "ci"}),
    );
    let token = session["token"].as_str().expect("a token").to_owned();
    let id = session["id"].as_str().expect("an id").to_owned();
    assert!(token.starts_with("authy_v1."), "token prefix");
    assert_eq!(id.len(), 16);
    assert!(is_z_timestamp(&session["expiresAt"]), "expiresAt");
    let sessions = op(json!({"op": "listSessions"}));
    assert_eq!(sessions.as_array().map(Vec::len), Some(1));
    let listed = &sessions[0];
    assert_eq!(listed["id"], json!(id));
    assert_eq!(listed["scope"], json!("app"));
    assert_eq!(listed["label"], json!("ci"));
    assert_eq!(listed["revoked"], json!(false));
    assert_eq!(listed["runOnly"], json!(false));
    assert_eq!(listed["expiresAt"], session["expiresAt"]);
    assert!(listed.get("token").is_none() && listed.get("tokenHmac").is_none());

    let t = handle_of(&ok(open(
        &json!({"dir": dir_s, "keyfile": path_str(&keyfile), "token": token}),
    )));
    assert_secret(
        &ok(call(t, &json!({"op": "get", "name": "db-url"}))),
        "postgres://two",
        "db-url",
    );
    ok(close(t));

    assert_eq!(op(json!({"op": "revokeSession", "id": id})), Value::Null);
    assert_eq!(op(json!({"op": "listSessions"}))[0]["revoked"], json!(true));
    let refused = open(&json!({"dir": dir_s, "keyfile": path_str(&keyfile), "token": token}));
    expect_kind(refused, "TokenRevoked");

    assert_eq!(
        op(json!({"op": "removePolicy", "name": "app"})),
        json!(true)
    );
    assert_eq!(
        op(json!({"op": "removePolicy", "name": "app"})),
        json!(false)
    );
    assert_eq!(op(json!({"op": "listPolicies"})), json!([]));

    // A batch applies every write and saves once.
    let outcomes = op(json!({"op": "batch", "writes": [
        {"op": "store", "name": "batch-a", "value": "b-1"},
        {"op": "rotate", "name": "batch-a", "value": "b-2"},
        {"op": "remove", "name": "db-url"},
    ]}));
    assert_eq!(outcomes, json!([null, 2, true]));
    assert_secret(
        &op(json!({"op": "get", "name": "batch-a"})),
        "b-2",
        "batch-a",
    );
    assert_eq!(op(json!({"op": "list"})), json!(["api-key", "batch-a"]));

    // The audit log recorded all of it, without a single secret value.
    let entries = op(json!({"op": "auditEntries"}));
    let entries = entries.as_array().expect("entries are an array");
    let operations: Vec<&str> = entries
        .iter()
        .map(|e| e["operation"].as_str().expect("operation"))
        .collect();
    for expected in [
        "init",
        "store",
        "get",
        "list",
        "rotate",
        "update",
        "remove",
        "policy.create",
        "build_env_map",
        "policy.test",
        "policy.update",
        "session.create",
        "session.revoke",
        "policy.remove",
    ] {
        assert!(
            operations.contains(&expected),
            "no {expected} entry in the audit log"
        );
    }
    assert_eq!(operations.first(), Some(&"init"));
    for entry in entries {
        for field in [
            "timestamp",
            "operation",
            "secret",
            "actor",
            "outcome",
            "detail",
            "chain_hmac",
        ] {
            assert!(entry.get(field).is_some(), "audit entry without {field}");
        }
        assert!(is_z_timestamp(&entry["timestamp"]), "audit timestamp");
        let actor = entry["actor"].as_str().unwrap();
        assert!(
            actor == "api(keyfile)" || actor == "api(token)",
            "actor {actor}"
        );
    }
    let log = std::fs::read_to_string(dir.join("audit.log")).unwrap();
    for value in [
        "postgres://one",
        "postgres://two",
        "k-1",
        "k-2",
        "b-1",
        "b-2",
        &token,
    ] {
        assert!(!log.contains(value), "the audit log holds a secret value");
    }
    let verification = op(json!({"op": "verifyAudit"}));
    assert_eq!(
        verification,
        json!({"entries": entries.len(), "valid": true, "brokenLine": null})
    );

    // Everything survives a close and a reopen.
    ok(close(h));
    let h = handle_of(&ok(open(
        &json!({"dir": dir_s, "keyfile": path_str(&keyfile)}),
    )));
    assert_eq!(
        ok(call(h, &json!({"op": "list"}))),
        json!(["api-key", "batch-a"])
    );
    assert_secret(
        &ok(call(h, &json!({"op": "get", "name": "api-key"}))),
        "k-2",
        "api-key",
    );
    ok(close(h));
}

#[test]
fn a_tampered_audit_line_is_reported_by_verify_audit() {
    let f = common::Fixture::new();
    f.ok(json!({"op": "store", "name": "a", "value": "v"}));
    f.ok(json!({"op": "get", "name": "a"}));
    let log = f.dir.join("audit.log");
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), 3, "init, store, get");
    std::fs::write(&log, text.replacen("\"get\"", "\"list\"", 1)).unwrap();
    assert_eq!(
        f.ok(json!({"op": "verifyAudit"})),
        json!({"entries": 3, "valid": false, "brokenLine": 3})
    );
}

fn is_z_timestamp(value: &Value) -> bool {
    value.as_str().is_some_and(|s| {
        s.len() >= 20 && s.ends_with('Z') && s.as_bytes()[4] == b'-' && s.as_bytes()[10] == b'T'
    })
}
