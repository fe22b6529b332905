//! A panic inside the library comes back as an Internal error envelope and
//! leaves the library usable. `debugPanic` exists only in debug builds.
#![cfg(debug_assertions)]

mod common;

use std::sync::{Arc, Barrier};

use serde_json::json;

use common::{call, close, expect_kind, ok, open_keyfile, Fixture};

#[track_caller]
fn internal(envelope: serde_json::Value) {
    let f = expect_kind(envelope, "Internal");
    assert_eq!(f.code, "internal");
    assert_eq!(f.exit_code, 1);
    // The panic's payload is not passed on (payloads can quote data).
    assert!(
        !f.message.contains("deliberate"),
        "the message quotes the panic payload: {}",
        f.message
    );
}

#[test]
fn debug_panic_is_an_internal_error_and_the_library_keeps_working() {
    let f = Fixture::new();
    f.ok(json!({"op": "store", "name": "a", "value": "v"}));
    internal(call(0, &json!({"op": "debugPanic"})));
    assert_eq!(ok(call(0, &json!({"op": "ping"}))), json!("pong"));
    // Sent with an open handle, the panic does not spoil that handle.
    internal(f.call(json!({"op": "debugPanic"})));
    assert_eq!(f.ok(json!({"op": "list"})), json!(["a"]));
    f.ok(json!({"op": "store", "name": "b", "value": "v"}));
    // Opening and closing still work.
    let h = open_keyfile(&f.dir, &f.keyfile);
    assert_eq!(ok(call(h, &json!({"op": "list"}))), json!(["a", "b"]));
    ok(close(h));
}

#[test]
fn panics_on_many_threads_at_once_are_each_reported() {
    let f = Fixture::new();
    let threads = 8;
    let barrier = Arc::new(Barrier::new(threads));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                for _ in 0..10 {
                    internal(call(0, &json!({"op": "debugPanic"})));
                    assert_eq!(ok(call(0, &json!({"op": "ping"}))), json!("pong"));
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("worker thread");
    }
    assert_eq!(f.ok(json!({"op": "list"})), json!([]));
}
