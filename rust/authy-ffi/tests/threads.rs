//! Calls from several threads at once: handles of their own on vaults of
//! their own, one handle shared by many threads, and two handles on one
//! vault written from different threads.

mod common;

use std::sync::{Arc, Barrier};
use std::thread;

use serde_json::{json, Value};

use common::{assert_secret, call, close, expect_kind, ok, open_keyfile, Fixture};

const THREADS: usize = 8;
const PER_THREAD: usize = 6;

fn value_for(thread: usize, i: usize) -> String {
    format!("value-{thread}-{i}")
}

fn join_all(workers: Vec<thread::JoinHandle<()>>) {
    for worker in workers {
        worker.join().expect("a worker thread panicked");
    }
}

#[test]
fn threads_with_their_own_vaults_run_at_once() {
    let barrier = Arc::new(Barrier::new(THREADS));
    let workers = (0..THREADS)
        .map(|t| {
            let barrier = barrier.clone();
            thread::spawn(move || {
                let f = Fixture::new();
                barrier.wait();
                for i in 0..PER_THREAD {
                    f.ok(json!({"op": "store", "name": format!("n{i}"), "value": value_for(t, i)}));
                }
                for i in 0..PER_THREAD {
                    let got = f.ok(json!({"op": "get", "name": format!("n{i}")}));
                    assert_secret(&got, &value_for(t, i), &format!("n{i} in vault {t}"));
                }
                let names: Vec<String> = (0..PER_THREAD).map(|i| format!("n{i}")).collect();
                assert_eq!(f.ok(json!({"op": "list"})), json!(names));
                let verification = f.ok(json!({"op": "verifyAudit"}));
                assert_eq!(verification["valid"], json!(true));
            })
        })
        .collect();
    join_all(workers);
}

#[test]
fn one_handle_shared_by_many_threads_keeps_every_write() {
    let f = Fixture::new();
    let handle = f.handle;
    let barrier = Arc::new(Barrier::new(THREADS));
    let workers = (0..THREADS)
        .map(|t| {
            let barrier = barrier.clone();
            thread::spawn(move || {
                barrier.wait();
                for i in 0..PER_THREAD {
                    let request =
                        json!({"op": "store", "name": format!("t{t}/n{i}"), "value": value_for(t, i)});
                    ok(call(handle, &request));
                    // Reads interleave with the other threads' writes.
                    ok(call(handle, &json!({"op": "list"})));
                }
            })
        })
        .collect();
    join_all(workers);

    let names = f.ok(json!({"op": "list"}));
    let names: Vec<&str> = names
        .as_array()
        .expect("list returns an array")
        .iter()
        .map(|n| n.as_str().expect("names are strings"))
        .collect();
    assert_eq!(names.len(), THREADS * PER_THREAD, "a write was lost");
    for t in 0..THREADS {
        for i in 0..PER_THREAD {
            let name = format!("t{t}/n{i}");
            assert!(names.contains(&name.as_str()), "{name} is missing");
            let got = f.ok(json!({"op": "get", "name": name}));
            assert_secret(&got, &value_for(t, i), &name);
        }
    }
    let verification = f.ok(json!({"op": "verifyAudit"}));
    assert_eq!(verification["valid"], json!(true), "the audit chain broke");
}

#[test]
fn two_handles_on_one_vault_written_from_two_threads_lose_nothing() {
    let f = Fixture::new();
    let handles = [f.handle, open_keyfile(&f.dir, &f.keyfile)];
    let barrier = Arc::new(Barrier::new(handles.len()));
    let workers = handles
        .iter()
        .enumerate()
        .map(|(t, &handle)| {
            let barrier = barrier.clone();
            thread::spawn(move || {
                barrier.wait();
                for i in 0..PER_THREAD {
                    let request =
                        json!({"op": "store", "name": format!("h{t}-{i}"), "value": value_for(t, i)});
                    ok(call(handle, &request));
                }
            })
        })
        .collect();
    join_all(workers);
    for handle in handles {
        let list = ok(call(handle, &json!({"op": "list"})));
        assert_eq!(
            list.as_array().map(Vec::len),
            Some(2 * PER_THREAD),
            "a handle misses a write"
        );
    }
    ok(close(handles[1]));
    assert_eq!(f.ok(json!({"op": "verifyAudit"}))["valid"], json!(true));
}

#[test]
fn opening_closing_and_stale_calls_race_without_harm() {
    let f = Arc::new(Fixture::new());
    f.ok(json!({"op": "store", "name": "a", "value": "v"}));
    let barrier = Arc::new(Barrier::new(THREADS));
    let workers = (0..THREADS)
        .map(|_| {
            let barrier = barrier.clone();
            let f = f.clone();
            thread::spawn(move || {
                barrier.wait();
                for _ in 0..10 {
                    let h = open_keyfile(&f.dir, &f.keyfile);
                    assert_eq!(ok(call(h, &json!({"op": "list"}))), json!(["a"]));
                    ok(close(h));
                    let stale: Value = call(h, &json!({"op": "list"}));
                    expect_kind(stale, "InvalidRequest");
                    expect_kind(close(h), "InvalidRequest");
                }
            })
        })
        .collect();
    join_all(workers);
    assert_eq!(f.ok(json!({"op": "list"})), json!(["a"]));
}
