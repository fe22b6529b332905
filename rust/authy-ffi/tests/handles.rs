//! Handles: zero, made-up, closed and stale handles are InvalidRequest
//! errors, never a crash, and a reopened vault gets a handle value that was
//! never issued before.
//!
//! Tests in this binary run in parallel and share the library's handle
//! table, so "made-up" handles are chosen so that no other test can hold
//! them: generation 0 (never issued), generations above 32 bits, or another
//! generation of a slot this test itself keeps open.

mod common;

use std::collections::HashSet;

use serde_json::json;

use common::{call, close, expect_kind, ok, open_keyfile, Fixture};

const INDEX_BITS: u32 = 20;

#[track_caller]
fn invalid_handle(envelope: serde_json::Value, handle: u64) {
    let f = expect_kind(envelope, "InvalidRequest");
    assert_eq!(f.code, "invalid_request");
    assert_eq!(f.exit_code, 1);
    assert!(
        f.message.contains(&handle.to_string()),
        "the message names the handle: {}",
        f.message
    );
}

#[test]
fn handle_zero_serves_only_operations_without_a_vault() {
    for request in [
        json!({"op": "init"}),
        json!({"op": "get", "name": "a"}),
        json!({"op": "store", "name": "a", "value": "v"}),
        json!({"op": "list"}),
        json!({"op": "listPolicies"}),
        json!({"op": "auditEntries"}),
    ] {
        invalid_handle(call(0, &request), 0);
    }
    assert_eq!(ok(call(0, &json!({"op": "ping"}))), json!("pong"));
    invalid_handle(close(0), 0);
}

#[test]
fn made_up_handles_are_invalid_requests() {
    let f = Fixture::new();
    let index = f.handle & ((1 << INDEX_BITS) - 1);
    let generation = f.handle >> INDEX_BITS;
    let mut made_up = vec![
        12345,                                   // generation 0
        1,                                       // generation 0
        u64::MAX,                                // generation beyond 32 bits
        1 << 53,                                 // generation beyond 32 bits
        (u64::from(u32::MAX) + 1) << INDEX_BITS, // generation beyond 32 bits
        f.handle + (1 << INDEX_BITS),            // our slot, next generation
        f.handle | (1 << 52),                    // our slot, a far generation
        index,                                   // our slot, generation 0
    ];
    if generation > 1 {
        made_up.push(f.handle - (1 << INDEX_BITS)); // our slot, an older one
    }
    for handle in made_up {
        invalid_handle(call(handle, &json!({"op": "list"})), handle);
        invalid_handle(close(handle), handle);
    }
    // The real handle is untouched by all of that.
    assert_eq!(f.ok(json!({"op": "list"})), json!([]));
}

#[test]
fn a_closed_handle_is_invalid_and_closing_twice_is_an_error() {
    let f = Fixture::new();
    f.ok(json!({"op": "store", "name": "a", "value": "v"}));
    assert_eq!(ok(close(f.handle)), serde_json::Value::Null);
    invalid_handle(call(f.handle, &json!({"op": "list"})), f.handle);
    invalid_handle(
        call(f.handle, &json!({"op": "store", "name": "b", "value": "v"})),
        f.handle,
    );
    invalid_handle(close(f.handle), f.handle);
    invalid_handle(close(f.handle), f.handle);
    // The vault itself is fine: a new handle sees what was stored.
    let h = open_keyfile(&f.dir, &f.keyfile);
    assert_eq!(ok(call(h, &json!({"op": "list"}))), json!(["a"]));
    ok(close(h));
}

#[test]
fn reopening_issues_new_handle_values_and_old_ones_stay_invalid() {
    let f = Fixture::new();
    let mut issued = HashSet::from([f.handle]);
    let mut closed = Vec::new();
    for round in 0..32 {
        let h = open_keyfile(&f.dir, &f.keyfile);
        assert!(
            issued.insert(h),
            "handle {h} was issued twice (round {round})"
        );
        assert_eq!(ok(call(h, &json!({"op": "list"}))), json!([]));
        ok(close(h));
        closed.push(h);
        for &old in &closed {
            invalid_handle(call(old, &json!({"op": "list"})), old);
        }
    }
    // Closing and reopening others never disturbed the fixture's handle.
    assert_eq!(f.ok(json!({"op": "list"})), json!([]));
}

#[test]
fn a_freed_slot_is_reused_with_a_new_generation() {
    // Open and close in a tight loop until the library hands back a slot
    // this test used before (its free list is last in, first out, though
    // other tests may take the slot first); the value must differ.
    let f = Fixture::new();
    let mut seen_by_index = std::collections::HashMap::new();
    let mut reused = false;
    for _ in 0..200 {
        let h = open_keyfile(&f.dir, &f.keyfile);
        ok(close(h));
        let index = h & ((1 << INDEX_BITS) - 1);
        if let Some(previous) = seen_by_index.insert(index, h) {
            assert_ne!(previous, h, "slot {index} reissued the same handle value");
            assert!(
                h >> INDEX_BITS > previous >> INDEX_BITS,
                "generation went back"
            );
            invalid_handle(call(previous, &json!({"op": "list"})), previous);
            reused = true;
            break;
        }
    }
    assert!(reused, "no slot was reused in 200 open/close rounds");
}

#[test]
fn handles_on_one_vault_are_independent() {
    let f = Fixture::new();
    let other = open_keyfile(&f.dir, &f.keyfile);
    assert_ne!(other, f.handle);
    ok(call(
        other,
        &json!({"op": "store", "name": "from-other", "value": "v"}),
    ));
    // The first handle sees the other's write (the file changed on disk).
    assert_eq!(f.ok(json!({"op": "list"})), json!(["from-other"]));
    ok(close(other));
    invalid_handle(call(other, &json!({"op": "list"})), other);
    f.ok(json!({"op": "store", "name": "from-first", "value": "v"}));
    assert_eq!(
        f.ok(json!({"op": "list"})),
        json!(["from-first", "from-other"])
    );
}
