//! Several processes writing into one vault at once: the lock serializes
//! them, no write is lost and the audit chain stays whole.
//!
//! The children are this same test binary, re-run with `--exact` on
//! `child_writer`, which does nothing unless the environment says so.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{assert_value, KeyVault};

const CHILDREN: usize = 4;
const PER_CHILD: usize = 25;

const ENV_DIR: &str = "AUTHY_CORE_TEST_CHILD_DIR";
const ENV_KEYFILE: &str = "AUTHY_CORE_TEST_CHILD_KEYFILE";
const ENV_ID: &str = "AUTHY_CORE_TEST_CHILD_ID";
const ENV_GO: &str = "AUTHY_CORE_TEST_CHILD_GO";

fn name(child: usize, i: usize) -> String {
    format!("proc-{child}/secret-{i:02}")
}

fn value(child: usize, i: usize) -> String {
    format!("value-{child}-{i}-{}", "x".repeat(i))
}

/// Runs only as a child process of `many_processes_write_into_one_vault`.
#[test]
fn child_writer() {
    let (Some(dir), Some(keyfile), Some(id), Some(go)) = (
        std::env::var_os(ENV_DIR),
        std::env::var_os(ENV_KEYFILE),
        std::env::var(ENV_ID).ok(),
        std::env::var_os(ENV_GO),
    ) else {
        return;
    };
    let id: usize = id.parse().expect("child id");
    // Start together: wait for the parent's go file.
    let go = PathBuf::from(go);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !go.exists() {
        assert!(Instant::now() < deadline, "parent never said go");
        std::thread::sleep(Duration::from_millis(2));
    }
    let mut client =
        common::open_keyfile(&PathBuf::from(dir), &PathBuf::from(keyfile)).expect("child open");
    for i in 0..PER_CHILD {
        client
            .store(&name(id, i), value(id, i).into(), false)
            .unwrap_or_else(|e| panic!("child {id} store {i}: {e}"));
    }
}

#[test]
fn many_processes_write_into_one_vault() {
    let v = KeyVault::new();
    let go = v.tmp.path().join("go");
    let exe = std::env::current_exe().expect("test binary path");
    let children: Vec<_> = (0..CHILDREN)
        .map(|id| {
            Command::new(&exe)
                .args(["--exact", "child_writer", "--nocapture", "--test-threads=1"])
                .env(ENV_DIR, &v.dir)
                .env(ENV_KEYFILE, &v.keyfile)
                .env(ENV_ID, id.to_string())
                .env(ENV_GO, &go)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn child")
        })
        .collect();
    std::fs::write(&go, b"go").unwrap();
    for (id, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().expect("wait for child");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "child {id} failed: {}\n{}",
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
        // The child really ran the writer (and not zero tests).
        assert!(
            stdout.contains("1 passed"),
            "child {id} did not run: {stdout}"
        );
    }

    let mut c = v.client();
    let names = c.list(None).unwrap();
    assert_eq!(names.len(), CHILDREN * PER_CHILD);
    for id in 0..CHILDREN {
        for i in 0..PER_CHILD {
            assert_value(&mut c, &name(id, i), &value(id, i));
        }
    }

    let check = c.verify_audit().unwrap();
    assert!(check.valid, "{check:?}");
    let entries = c.audit_entries().unwrap();
    let stored: BTreeSet<String> = entries
        .iter()
        .filter(|e| e.operation == "store" && e.outcome == "success")
        .filter_map(|e| e.secret.clone())
        .collect();
    let expected: BTreeSet<String> = (0..CHILDREN)
        .flat_map(|id| (0..PER_CHILD).map(move |i| name(id, i)))
        .collect();
    assert_eq!(stored, expected);
    assert_eq!(
        entries.iter().filter(|e| e.operation == "store").count(),
        CHILDREN * PER_CHILD,
        "one store event per write"
    );
    // No temporary files are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&v.dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp."))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
