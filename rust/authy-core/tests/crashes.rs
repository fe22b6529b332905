//! Writers killed with SIGKILL at a random moment, 200 times over. After
//! every kill the vault opens and holds exactly the state before or after
//! the write that was cut short, at most one temporary file is left (and
//! the next write removes it), the lock is free at once (the next writer
//! never waits on a dead process), the vault and its temporary files are
//! 0600, and the audit chain stays valid (at most a couple of events lost
//! in all the kills, by a kill between the rename and the append).
//!
//! The children are this test binary, re-run with `--exact` on
//! `crash_child` / `init_child` (which do nothing unless the environment
//! says so), under `umask 000` so that the modes of the files they leave
//! behind (temporary files included) come from the engine alone.
//!
//! Every write of a child is one batch that sets three secrets to the
//! child's next sequence number `k` (`counter`, and `pair-a` / `pair-b`,
//! which carry 8 KiB of padding so that a write takes long enough to be
//! interrupted in its middle). A child prints `ack k` after write `k`
//! returned, so after a kill the vault must hold state `last ack` or
//! `last ack + 1`, and nothing else.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use authy_core::crypto::Credential;
use authy_core::format::Vault;
use authy_core::WriteOp;
use common::KeyVault;

const CYCLES: usize = 200;
const INIT_CYCLES: usize = 20;
/// Kills land uniformly in this window after the child is ready (a few
/// writes long in a debug build).
const MAX_DELAY_US: u64 = 25_000;
const PAD: usize = 8 << 10;

const ENV_DIR: &str = "AUTHY_CRASH_DIR";
const ENV_KEYFILE: &str = "AUTHY_CRASH_KEYFILE";
const ENV_START: &str = "AUTHY_CRASH_START";
const ENV_INIT: &str = "AUTHY_CRASH_INIT";
const ENV_SEED: &str = "AUTHY_CRASH_SEED";

fn pair_value(k: u64) -> String {
    format!("{k}:{}", "p".repeat(PAD))
}

fn write_state(k: u64) -> Vec<WriteOp> {
    let store = |name: &str, value: String| WriteOp::Store {
        name: name.into(),
        value: value.into(),
        force: true,
    };
    vec![
        WriteOp::Rotate {
            name: "counter".into(),
            value: k.to_string().into(),
        },
        store("pair-a", pair_value(k)),
        store("pair-b", pair_value(k)),
    ]
}

/// Child: checks that it starts from the state the parent verified, then
/// writes states start+1, start+2, … until it is killed.
#[test]
fn crash_child() {
    let (Some(dir), Some(keyfile), Some(start)) = (
        std::env::var_os(ENV_DIR),
        std::env::var_os(ENV_KEYFILE),
        std::env::var(ENV_START).ok(),
    ) else {
        return;
    };
    let start: u64 = start.parse().expect("start state");
    let mut client =
        common::open_keyfile(Path::new(&dir), Path::new(&keyfile)).expect("child open");
    let counter = client.get("counter").expect("child reads counter");
    assert!(
        counter.as_str() == start.to_string(),
        "the child did not start from the verified state"
    );
    println!("start {start}");
    for k in start + 1..start + 100_000 {
        client.batch(write_state(k)).expect("child write");
        println!("ack {k}");
    }
}

/// Child: initializes a vault, then stores one secret, then waits.
#[test]
fn init_child() {
    let (Some(dir), Some(keyfile), Some(_)) = (
        std::env::var_os(ENV_DIR),
        std::env::var_os(ENV_KEYFILE),
        std::env::var_os(ENV_INIT),
    ) else {
        return;
    };
    let mut client =
        common::open_keyfile(Path::new(&dir), Path::new(&keyfile)).expect("child open");
    println!("start");
    client.init().expect("child init");
    println!("ack init");
    common::store(&mut client, "first", "value-first");
    println!("ack store");
    // Done: wait for the kill, which must not find the child gone.
    std::thread::sleep(Duration::from_secs(600));
}

/// xorshift64*: enough to spread the kills; the seed is printed so that a
/// failing run can be repeated with AUTHY_CRASH_SEED.
struct Rng(u64);

impl Rng {
    fn from_env_or_clock() -> Self {
        let seed = std::env::var(ENV_SEED)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        println!("crash test seed: {seed} (set {ENV_SEED} to repeat)");
        Rng(seed)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % bound
    }
}

/// Starts a child under `umask 000` and waits until it says `start`.
fn spawn_child(test: &str, env: &[(&str, &std::ffi::OsStr)]) -> (Child, BufReader<ChildStdout>) {
    let exe = std::env::current_exe().expect("test binary path");
    let mut command = Command::new("/bin/sh");
    command
        .args(["-c", "umask 000 && exec \"$0\" \"$@\""])
        .arg(&exe)
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("spawn child");
    let mut stdout = BufReader::new(child.stdout.take().expect("child stdout"));
    if wait_for_start(&mut stdout) {
        return (child, stdout);
    }
    let status = child.wait().expect("wait for child");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    panic!("child ended before it started ({status}): {stderr}");
}

/// Reads the child's output up to its `start` line; false at its end.
fn wait_for_start(stdout: &mut BufReader<ChildStdout>) -> bool {
    let mut line = String::new();
    loop {
        line.clear();
        if stdout.read_line(&mut line).expect("read child stdout") == 0 {
            return false;
        }
        // libtest writes `test crash_child ... ` before the test's own
        // output, without a line break.
        if line.contains("start") {
            return true;
        }
    }
}

/// Kills a child after `delay`, and returns the last `ack` it printed.
fn kill_after(
    mut child: Child,
    mut stdout: BufReader<ChildStdout>,
    delay: Duration,
) -> Option<String> {
    std::thread::sleep(delay);
    child.kill().expect("kill child");
    let status = child.wait().expect("wait for child");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("read child stdout");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(
        status.signal(),
        Some(9),
        "the child ended on its own ({status}) instead of being killed:\n{rest}\n{stderr}"
    );
    rest.lines()
        .rev()
        .find_map(|l| l.split_once("ack ").map(|(_, ack)| ack.trim().to_owned()))
}

fn temporaries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".vault.age.tmp.")
        })
        .map(|e| e.path())
        .collect()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The lock must be free the moment the killed writer is reaped.
fn assert_lock_free(dir: &Path, cycle: usize) {
    let lock = std::fs::File::open(dir.join(".vault.age.lock")).expect("lock file");
    match lock.try_lock() {
        Ok(()) => lock.unlock().unwrap(),
        Err(e) => panic!("cycle {cycle}: the lock is still held after the kill: {e}"),
    }
}

/// The state the vault holds: `m` such that every secret says `m`. Checks
/// the whole vault, and that the counter's version counts every write.
fn state_on_disk(v: &KeyVault, cycle: usize) -> u64 {
    let cipher = common::read(&v.vault_file());
    let plain = Credential::from_keyfile(&v.keyfile)
        .unwrap()
        .decrypt(&cipher)
        .unwrap_or_else(|e| panic!("cycle {cycle}: the vault does not decrypt: {e}"));
    let vault = Vault::decode(&plain)
        .unwrap_or_else(|e| panic!("cycle {cycle}: the vault does not decode: {e}"));
    let names: Vec<&str> = vault.secrets.keys().map(String::as_str).collect();
    assert_eq!(names, ["counter", "pair-a", "pair-b"], "cycle {cycle}");
    let counter = &vault.secrets["counter"];
    let m: u64 = counter
        .value
        .parse()
        .unwrap_or_else(|_| panic!("cycle {cycle}: counter is not a number"));
    assert_eq!(
        counter.metadata.version,
        m + 1,
        "cycle {cycle}: the counter's version does not count every write"
    );
    for name in ["pair-a", "pair-b"] {
        assert!(
            vault.secrets[name].value.as_str() == pair_value(m),
            "cycle {cycle}: {name} is not at state {m}: a write was torn"
        );
    }
    m
}

fn rotate_events(client: &mut authy_core::Client) -> u64 {
    client
        .audit_entries()
        .unwrap()
        .iter()
        .filter(|e| e.operation == "rotate" && e.outcome == "success")
        .count() as u64
}

#[test]
fn killed_writers_leave_the_old_or_the_new_vault() {
    let started = Instant::now();
    let v = KeyVault::new();
    let mut owner = v.client();
    owner
        .batch(vec![
            WriteOp::Store {
                name: "counter".into(),
                value: "0".to_owned().into(),
                force: false,
            },
            WriteOp::Store {
                name: "pair-a".into(),
                value: pair_value(0).into(),
                force: false,
            },
            WriteOp::Store {
                name: "pair-b".into(),
                value: pair_value(0).into(),
                force: false,
            },
        ])
        .unwrap();
    drop(owner);
    let mut rng = Rng::from_env_or_clock();
    let mut state = 0u64;
    let mut audit_missing = 0u64;
    let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
    for cycle in 0..CYCLES {
        let start = state.to_string();
        let (child, stdout) = spawn_child(
            "crash_child",
            &[
                (ENV_DIR, v.dir.as_os_str()),
                (ENV_KEYFILE, v.keyfile.as_os_str()),
                (ENV_START, start.as_ref()),
            ],
        );
        let delay = Duration::from_micros(rng.below(MAX_DELAY_US + 1));
        let acked = kill_after(child, stdout, delay)
            .map(|a| a.parse::<u64>().unwrap())
            .unwrap_or(state);

        assert_lock_free(&v.dir, cycle);
        let temps = temporaries(&v.dir);
        assert!(
            temps.len() <= 1,
            "cycle {cycle}: temporary files pile up: {temps:?}"
        );
        for temp in &temps {
            assert_eq!(mode(temp), 0o600, "cycle {cycle}: temporary file mode");
        }
        assert_eq!(mode(&v.vault_file()), 0o600, "cycle {cycle}: vault mode");

        // The vault opens, and holds the state before or after the write
        // that was interrupted.
        let mut client = v.client();
        let now = state_on_disk(&v, cycle);
        assert!(
            now == acked || now == acked + 1,
            "cycle {cycle}: the vault holds state {now}, but the child had \
             acknowledged {acked} (so only {acked} or {} are possible)",
            acked + 1
        );
        let check = client.verify_audit().unwrap();
        assert!(check.valid, "cycle {cycle}: audit chain broken: {check:?}");
        // A kill between the rename and the audit append would lose that
        // one event (the chain stays whole). The lines are staged before
        // the rename, so only one `write` call is left in that window:
        // count how often it happens.
        let events = rotate_events(&mut client);
        assert!(
            events + audit_missing == now || events + audit_missing + 1 == now,
            "cycle {cycle}: {events} rotate events for state {now}"
        );
        audit_missing = now - events;

        let outcome = match (now == acked + 1, temps.is_empty()) {
            (false, true) => "before the write, no temporary file",
            (false, false) => "before the write, temporary file left",
            (true, true) => "after the write",
            (true, false) => "after the write, temporary file left",
        };
        *outcomes.entry(outcome).or_default() += 1;
        state = now;
    }

    // The next writer removes the leftover temporary file.
    let mut client = v.client();
    client.batch(write_state(state + 1)).unwrap();
    assert!(temporaries(&v.dir).is_empty(), "a temporary file survived");
    assert_eq!(state_on_disk(&v, CYCLES), state + 1);
    assert!(client.verify_audit().unwrap().valid);

    println!(
        "{CYCLES} kills in {:.1?}; {state} writes committed; audit events lost \
         to a kill between rename and append: {audit_missing}; outcomes: {outcomes:?}",
        started.elapsed()
    );
    // With the audit lines staged before the rename, losing one takes a
    // kill between two system calls; appending after the directory sync
    // instead lost about one event in four kills here.
    assert!(
        audit_missing <= 2,
        "{audit_missing} audit events lost in {CYCLES} kills"
    );
    // The kills must really land inside writes, not only between them.
    let inside = outcomes
        .iter()
        .filter(|(k, _)| **k != "before the write, no temporary file")
        .map(|(_, n)| n)
        .sum::<usize>();
    assert!(inside > 0, "no kill landed inside a write: {outcomes:?}");
}

#[test]
fn a_writer_killed_during_init_leaves_no_vault_or_a_whole_one() {
    let mut rng = Rng::from_env_or_clock();
    let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
    for cycle in 0..INIT_CYCLES {
        let v = KeyVault::uninitialized();
        std::fs::create_dir_all(&v.dir).unwrap();
        let (child, stdout) = spawn_child(
            "init_child",
            &[
                (ENV_DIR, v.dir.as_os_str()),
                (ENV_KEYFILE, v.keyfile.as_os_str()),
                (ENV_INIT, "1".as_ref()),
            ],
        );
        let delay = Duration::from_micros(rng.below(15_000));
        let acked = kill_after(child, stdout, delay);
        if v.dir.join(".vault.age.lock").exists() {
            assert_lock_free(&v.dir, cycle);
        }
        assert!(temporaries(&v.dir).len() <= 1, "cycle {cycle}");
        let mut client = v.client();
        let outcome = if v.vault_file().exists() {
            // A whole vault: it opens, and holds the secret or not.
            let names = client.list(None).unwrap();
            assert!(
                names.is_empty() || names == ["first"],
                "cycle {cycle}: {names:?}"
            );
            if acked.as_deref() == Some("store") {
                assert_eq!(names, ["first"], "cycle {cycle}: an acknowledged store");
            }
            if names.is_empty() {
                "initialized"
            } else {
                "initialized and stored"
            }
        } else {
            // No vault: initializing again just works.
            assert_eq!(acked, None, "cycle {cycle}: init was acknowledged");
            client.init().unwrap();
            "not initialized"
        };
        common::store(&mut client, "after", "value-after");
        assert!(temporaries(&v.dir).is_empty(), "cycle {cycle}");
        assert!(client.verify_audit().unwrap().valid, "cycle {cycle}");
        *outcomes.entry(outcome).or_default() += 1;
    }
    println!("{INIT_CYCLES} kills during init: {outcomes:?}");
}
