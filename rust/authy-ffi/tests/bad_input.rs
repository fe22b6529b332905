//! Requests a caller can get wrong: each is refused with an InvalidRequest
//! envelope (code invalid_request, exit code 1), and messages never quote a
//! string the caller sent in the wrong place.

mod common;

use serde_json::json;

use common::{
    call, call_bytes, call_null, expect_kind, ok, open, open_bytes, open_null, path_str, Failure,
    Fixture,
};

#[track_caller]
fn invalid(envelope: serde_json::Value) -> Failure {
    let f = expect_kind(envelope, "InvalidRequest");
    assert_eq!(f.code, "invalid_request");
    assert_eq!(f.exit_code, 1);
    f
}

/// A string sent where it does not belong; it must not come back.
const MARK: &str = "hunter2-distinctive-MARK";

#[track_caller]
fn invalid_without_mark(envelope: serde_json::Value) {
    let f = invalid(envelope);
    assert!(
        !f.message.contains("distinctive") && !f.message.contains("hunter2"),
        "the message quotes the offending input: {}",
        f.message.replace(MARK, "<MARK>")
    );
}

#[test]
fn malformed_json_is_refused() {
    let f = Fixture::new();
    for bytes in [
        &b"{\"op\":"[..],
        b"{\"op\":\"ping\"",
        b"{op: \"ping\"}",
        b"{\"op\":\"ping\"} trailing",
        b"{\"op\":\"ping\",}",
        b"",
        b"   ",
        b"\xff\xfe{}",
        b"{\"op\":\"get\",\"name\":\"\xff\"}",
    ] {
        invalid(call_bytes(0, bytes));
        invalid(call_bytes(f.handle, bytes));
        invalid(open_bytes(bytes));
    }
    // A broken request leaves the handle usable.
    ok(f.call(json!({"op": "list"})));
}

#[test]
fn requests_that_are_not_objects_are_refused() {
    let f = Fixture::new();
    for request in [
        json!(null),
        json!("ping"),
        json!(42),
        json!(["ping"]),
        json!(["store", "a", "value"]),
    ] {
        invalid(call(0, &request));
        invalid(call(f.handle, &request));
    }
    for request in [
        json!(null),
        json!([]),
        json!([path_str(&f.dir), null, path_str(&f.keyfile)]),
    ] {
        invalid(open(&request));
    }
    assert_eq!(f.ok(json!({"op": "list"})), json!([]), "nothing was stored");
}

#[test]
fn wrong_types_are_refused_without_quoting_the_value() {
    let f = Fixture::new();
    let escaped = format!("{MARK} with \"quotes\" and \\ backslash");
    for request in [
        json!({"op": "store", "name": "a", "value": "v", "force": MARK}),
        json!({"op": "store", "name": "a", "value": "v", "force": escaped}),
        json!({"op": "store", "name": "a", "value": "v", "force": "yes"}),
        json!({"op": "createSession", "scope": "s", "ttlSeconds": MARK}),
        json!({"op": "createPolicy", "name": "p", "allow": MARK}),
        json!({"op": "createPolicy", "name": "p", "allow": ["*"], "runOnly": MARK}),
        json!({"op": "updatePolicy", "name": "p", "allow": [MARK, 3]}),
        json!({"op": "buildEnvMap", "scope": "s", "uppercase": MARK, "replaceDash": null}),
        json!({"op": "batch", "writes": MARK}),
        json!({"op": "batch", "writes": [{"op": "store", "name": "a", "value": "v", "force": MARK}]}),
        json!({"op": "isInitialized", "dir": [MARK]}),
    ] {
        invalid_without_mark(call(f.handle, &request));
    }
    for request in [
        json!({"dir": path_str(&f.dir), "keyfile": path_str(&f.keyfile), "fromEnv": MARK}),
        json!({"dir": path_str(&f.dir), "passphrase": [MARK]}),
    ] {
        invalid_without_mark(open(&request));
    }
    // Non-string wrong types are refused as well.
    invalid(f.call(json!({"op": "store", "name": "a", "value": 5})));
    invalid(f.call(json!({"op": "get", "name": null})));
    invalid(f.call(json!({"op": "createSession", "scope": "s", "ttlSeconds": -1})));
    invalid(f.call(json!({"op": "createSession", "scope": "s", "ttlSeconds": 1.5})));
    assert_eq!(f.ok(json!({"op": "list"})), json!([]), "nothing was stored");
}

#[test]
fn missing_required_fields_are_refused() {
    let f = Fixture::new();
    for request in [
        json!({"op": "get"}),
        json!({"op": "store", "name": "a"}),
        json!({"op": "store", "value": "v"}),
        json!({"op": "rotate", "name": "a"}),
        json!({"op": "createPolicy", "name": "p"}),
        json!({"op": "buildEnvMap", "scope": "s", "replaceDash": null}),
        json!({"op": "createSession", "scope": "s"}),
        json!({"op": "batch"}),
        json!({"op": "batch", "writes": [{"op": "store", "name": "a"}]}),
    ] {
        invalid(f.call(request));
    }
    invalid(call(0, &json!({"op": "generateKeyfile"})));
}

#[test]
fn unknown_fields_are_refused() {
    let f = Fixture::new();
    for request in [
        json!({"op": "get", "name": "a", "bogus": 1}),
        json!({"op": "store", "name": "a", "value": "v", "Force": true}),
        json!({"op": "buildEnvMap", "scope": "s", "uppercase": true, "replace_dash": "_"}),
        json!({"op": "createPolicy", "name": "p", "allow": ["*"], "run_only": true}),
        json!({"op": "batch", "writes": [{"op": "remove", "name": "a", "force": true}]}),
        // Operations without fields refuse extra members too.
        json!({"op": "init", "force": true}),
        json!({"op": "listPolicies", "filter": "x"}),
        json!({"op": "listSessions", "all": true}),
        json!({"op": "auditEntries", "limit": 10}),
        json!({"op": "verifyAudit", "from": 1}),
    ] {
        invalid(f.call(request));
    }
    invalid(call(0, &json!({"op": "ping", "dir": null})));
    invalid(call(
        0,
        &json!({"op": "isInitialized", "dir": path_str(&f.dir), "x": 1}),
    ));
    invalid(call(0, &json!({"op": "debugPanic", "x": 1})));
    invalid(open(&json!({
        "dir": path_str(&f.dir), "keyfile": path_str(&f.keyfile), "readOnly": true,
    })));
    // Nothing of the refused requests happened.
    assert_eq!(f.ok(json!({"op": "list"})), json!([]));
}

#[test]
fn duplicate_fields_are_refused() {
    let f = Fixture::new();
    invalid(call_bytes(
        f.handle,
        br#"{"op":"get","name":"a","name":"b"}"#,
    ));
    invalid(call_bytes(0, br#"{"op":"ping","op":"ping"}"#));
    let k = path_str(&f.keyfile);
    let twice = format!(r#"{{"keyfile":"{k}","keyfile":"{k}"}}"#);
    invalid(open_bytes(twice.as_bytes()));
}

#[test]
fn unknown_or_missing_operations_are_refused() {
    let f = Fixture::new();
    for request in [
        json!({"op": "gett", "name": "a"}),
        json!({"op": "Get", "name": "a"}),
        json!({"op": "get_or_null", "name": "a"}),
        json!({"op": "", "name": "a"}),
        json!({"op": null}),
        json!({"op": 3}),
        json!({"name": "a"}),
        json!({}),
        json!({"op": "batch", "writes": [{"op": "init"}]}),
        json!({"op": "batch", "writes": [{"name": "a", "value": "v"}]}),
    ] {
        invalid(f.call(request.clone()));
        invalid(call(0, &request));
    }
}

#[test]
fn null_request_pointers_are_refused() {
    let f = Fixture::new();
    for len in [0, 1, 64, usize::MAX] {
        invalid(call_null(0, len));
        invalid(call_null(f.handle, len));
        invalid(open_null(len));
    }
    ok(f.call(json!({"op": "list"})));
}

#[test]
fn open_needs_exactly_one_way_to_authenticate() {
    let f = Fixture::new();
    let dir = path_str(&f.dir);
    let keyfile = path_str(&f.keyfile);
    let token = "authy_v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    for request in [
        json!({"dir": dir}),
        json!({"dir": dir, "fromEnv": false}),
        json!({"dir": dir, "keyfile": keyfile, "passphrase": "p"}),
        json!({"dir": dir, "keyfile": keyfile, "fromEnv": true}),
        json!({"dir": dir, "passphrase": "p", "fromEnv": true}),
        json!({"dir": dir, "token": token}),
        json!({"dir": dir, "token": token, "passphrase": "p"}),
        json!({"dir": dir, "token": token, "fromEnv": true}),
        json!({"dir": dir, "token": token, "keyfile": keyfile, "passphrase": "p"}),
    ] {
        let failure = invalid(open(&request));
        assert!(!failure.message.contains(token), "message quotes the token");
    }
}
