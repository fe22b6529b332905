//! Bad input, as one table, through the C ABI. Every row is something a
//! caller, a file or the machine can get wrong; each must come back as a
//! typed error (the kind the row names, with the code and exit code of the
//! documented table) whose message says what is wrong (the row lists words
//! it must contain) and never quotes a secret value, and it must leave the
//! watched vault file byte for byte as it was, with no temporary file.
//!
//! Two rows need the machine's help. Tests run as root here, and root
//! writes into a directory whatever its mode, so a read-only directory is a
//! read-only bind mount, and a full disk is a small tmpfs filled to the
//! last byte. Both are mounted in a private mount namespace: the test re-runs
//! itself under `unshare --mount` (or, without root, `unshare --user
//! --map-root-user --mount`), so nothing it mounts outlives it. Where no
//! namespace can be had, the test says so on its output and falls back:
//! read-only becomes `chmod 0500` (not root) or `chattr +i` (root), and the
//! full disk becomes RLIMIT_FSIZE (`EFBIG`, "File too large"); a fallback
//! that is not available either is reported as not exercised.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use common::{call, call_bytes, close, failure_of, open, open_keyfile, path_str, plant_vault};

const TEST_NAME: &str = "every_bad_input_is_a_typed_error_and_leaves_the_vault_as_it_was";
const IN_NAMESPACE: &str = "AUTHY_BAD_INPUTS_IN_NAMESPACE";

/// The fixture's secret values; no message may quote them.
const SECRET_A: &str = "sekrit-A-3c1f9a7e5d";
const SECRET_B: &str = "sekrit-B-88e2b4c6a0";

/// kind → (code, exit code): the documented table.
fn documented(kind: &str) -> (&'static str, i64) {
    match kind {
        "AuthFailed" => ("auth_failed", 2),
        "Decryption" => ("decryption_error", 2),
        "InvalidKeyfile" => ("invalid_keyfile", 2),
        "Io" => ("io_error", 1),
        "InvalidRequest" => ("invalid_request", 1),
        "InvalidName" => ("invalid_name", 1),
        "InvalidPattern" => ("invalid_pattern", 1),
        "UnsupportedVersion" => ("unsupported_version", 1),
        other => panic!("{other} is not used by this table"),
    }
}

/// What the machine allows for the two rows that need it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Machine {
    /// In a private mount namespace: bind mounts and tmpfs.
    Mounts,
    /// No namespace: permissions, `chattr` and resource limits.
    Fallback,
}

struct Ctx {
    machine: Machine,
    f: common::Fixture,
    /// The vault file whose bytes must not change, and its bytes (None:
    /// no such file, and none may appear).
    watched: PathBuf,
    before: Option<Vec<u8>>,
    /// Words the row adds to its expectations (they depend on the machine).
    words: Vec<String>,
    /// Set when the row could not be exercised here, with the reason.
    not_exercised: Option<String>,
    /// Undone after the row's checks (unmounts, modes, limits).
    undo: Vec<Box<dyn FnOnce()>>,
}

impl Ctx {
    fn new(machine: Machine) -> Self {
        let f = common::Fixture::new();
        f.ok(json!({"op": "store", "name": "db-url", "value": SECRET_A}));
        f.ok(json!({"op": "store", "name": "api-key", "value": SECRET_B}));
        let watched = f.dir.join("vault.age");
        let mut ctx = Ctx {
            machine,
            f,
            watched,
            before: None,
            words: Vec::new(),
            not_exercised: None,
            undo: Vec::new(),
        };
        ctx.arm();
        ctx
    }

    /// Takes the snapshot the row will be compared with.
    fn arm(&mut self) {
        self.before = std::fs::read(&self.watched).ok();
    }

    /// Watches another vault file from now on.
    fn watch(&mut self, path: PathBuf) {
        self.watched = path;
        self.arm();
    }

    fn dir(&self) -> &str {
        path_str(&self.f.dir)
    }

    fn keyfile(&self) -> &str {
        path_str(&self.f.keyfile)
    }

    fn vault_file(&self) -> PathBuf {
        self.f.dir.join("vault.age")
    }

    /// Replaces the vault file's bytes, then watches the new bytes.
    fn replace_vault(&mut self, bytes: &[u8]) {
        std::fs::write(self.vault_file(), bytes).unwrap();
        self.arm();
    }

    /// A path in the fixture's temporary directory.
    fn path(&self, name: &str) -> PathBuf {
        self.f.temp.path().join(name)
    }

    fn open_keyfile_at(&self, keyfile: &Path) -> Value {
        open(&json!({"dir": self.dir(), "keyfile": path_str(keyfile)}))
    }

    fn store(&self, name: &str, value: &str) -> Value {
        self.f
            .call(json!({"op": "store", "name": name, "value": value}))
    }
}

struct Row {
    what: &'static str,
    kind: &'static str,
    says: &'static [&'static str],
    run: fn(&mut Ctx) -> Value,
}

fn rows() -> Vec<Row> {
    vec![
        // ---- names and values
        Row {
            what: "empty secret name",
            kind: "InvalidName",
            says: &["secret name", "must not be empty"],
            run: |c| c.store("", SECRET_A),
        },
        Row {
            what: "very long name (100 000 bytes)",
            kind: "InvalidName",
            says: &["100000 bytes", "over the limit of 256"],
            run: |c| c.store(&"n".repeat(100_000), SECRET_A),
        },
        Row {
            what: "NUL in a name",
            kind: "InvalidName",
            says: &["control characters or NUL"],
            run: |c| c.store("db\0url", SECRET_A),
        },
        Row {
            what: "escape sequence in a name",
            kind: "InvalidName",
            says: &["control characters"],
            run: |c| c.store("db-\u{1b}[31mred", SECRET_A),
        },
        Row {
            what: "line break in a name",
            kind: "InvalidName",
            says: &["control characters"],
            run: |c| c.store("db\r\nurl", SECRET_A),
        },
        Row {
            what: "DEL and C1 control characters in a name",
            kind: "InvalidName",
            says: &["control characters"],
            run: |c| c.store("db\u{7f}\u{85}url", SECRET_A),
        },
        Row {
            what: "control character in a policy name",
            kind: "InvalidName",
            says: &["policy name", "control characters"],
            run: |c| {
                c.f.call(json!({"op": "createPolicy", "name": "app\u{7}", "allow": ["*"]}))
            },
        },
        Row {
            what: "10 MB value (store)",
            kind: "InvalidRequest",
            says: &["10000000 bytes", "over the limit", "db-big"],
            run: |c| c.store("db-big", &ten_megabytes()),
        },
        Row {
            what: "10 MB value (rotate)",
            kind: "InvalidRequest",
            says: &["10000000 bytes", "over the limit", "db-url"],
            run: |c| {
                c.f.call(json!({"op": "rotate", "name": "db-url", "value": ten_megabytes()}))
            },
        },
        Row {
            what: "10 MB value inside a batch (nothing of the batch is saved)",
            kind: "InvalidRequest",
            says: &["10000000 bytes", "over the limit"],
            run: |c| {
                c.f.call(json!({"op": "batch", "writes": [
                    {"op": "store", "name": "small", "value": SECRET_A},
                    {"op": "store", "name": "big", "value": ten_megabytes()},
                ]}))
            },
        },
        // ---- globs
        Row {
            what: "invalid glob: unclosed class",
            kind: "InvalidPattern",
            says: &["invalid glob pattern", "db-["],
            run: |c| {
                c.f.call(json!({"op": "createPolicy", "name": "p", "allow": ["db-["]}))
            },
        },
        Row {
            what: "invalid glob: unclosed alternation in an update",
            kind: "InvalidPattern",
            says: &["invalid glob pattern", "{a,b"],
            run: |c| {
                c.f.ok(json!({"op": "createPolicy", "name": "p", "allow": ["*"]}));
                c.arm();
                c.f.call(json!({"op": "updatePolicy", "name": "p", "deny": ["{a,b"]}))
            },
        },
        // ---- requests at the ABI
        Row {
            what: "wrong JSON type: a number as the value",
            kind: "InvalidRequest",
            says: &["malformed request", "invalid type", "integer"],
            run: |c| c.f.call(json!({"op": "store", "name": "n", "value": 42})),
        },
        Row {
            what: "wrong JSON type: a string as force",
            kind: "InvalidRequest",
            says: &["malformed request", "invalid type", "expected a boolean"],
            run: |c| {
                c.f.call(json!({"op": "store", "name": "n", "value": SECRET_A, "force": SECRET_B}))
            },
        },
        Row {
            what: "wrong JSON type: a negative ttlSeconds",
            kind: "InvalidRequest",
            says: &["malformed request", "invalid value"],
            run: |c| {
                c.f.call(json!({"op": "createSession", "scope": "p", "ttlSeconds": -5}))
            },
        },
        Row {
            what: "wrong JSON type: the request is an array",
            kind: "InvalidRequest",
            says: &["a request is a JSON object"],
            run: |c| call(c.f.handle, &json!(["store", "n", SECRET_A])),
        },
        Row {
            what: "unknown field in a request",
            kind: "InvalidRequest",
            says: &["unknown field", "colour"],
            run: |c| {
                c.f.call(json!({"op": "store", "name": "n", "value": SECRET_A, "colour": "red"}))
            },
        },
        Row {
            what: "unknown field in an open request",
            kind: "InvalidRequest",
            says: &["unknown field", "readOnly"],
            run: |c| open(&json!({"dir": c.dir(), "keyfile": c.keyfile(), "readOnly": true})),
        },
        Row {
            what: "unknown operation",
            kind: "InvalidRequest",
            says: &["unknown variant", "gett"],
            run: |c| c.f.call(json!({"op": "gett", "name": "db-url"})),
        },
        Row {
            what: "not JSON at all",
            kind: "InvalidRequest",
            says: &["malformed request"],
            run: |c| call_bytes(c.f.handle, b"{\"op\":\"store\",\"name\":"),
        },
        // ---- handles
        Row {
            what: "closed handle",
            kind: "InvalidRequest",
            says: &["is not open"],
            run: |c| {
                let h = open_keyfile(&c.f.dir, &c.f.keyfile);
                common::ok(close(h));
                c.words.push(format!("handle {h}"));
                call(
                    h,
                    &json!({"op": "store", "name": "late", "value": SECRET_A}),
                )
            },
        },
        Row {
            what: "made-up handle",
            kind: "InvalidRequest",
            says: &["handle 777 is not open"],
            run: |_| call(777, &json!({"op": "get", "name": "db-url"})),
        },
        Row {
            what: "handle 0 for a vault operation",
            kind: "InvalidRequest",
            says: &["handle 0 is not open"],
            run: |_| call(0, &json!({"op": "store", "name": "n", "value": SECRET_A})),
        },
        Row {
            what: "close twice",
            kind: "InvalidRequest",
            says: &["is not open"],
            run: |c| {
                let h = open_keyfile(&c.f.dir, &c.f.keyfile);
                common::ok(close(h));
                c.words.push(format!("handle {h}"));
                close(h)
            },
        },
        // ---- credentials
        Row {
            what: "wrong passphrase",
            kind: "AuthFailed",
            says: &["authentication failed", "passphrase"],
            run: |c| {
                let dir = c.path("passphrase-vault");
                let h = common::handle_of(&common::ok(open(
                    &json!({"dir": path_str(&dir), "passphrase": SECRET_A}),
                )));
                common::ok(call(h, &json!({"op": "init"})));
                common::ok(close(h));
                c.watch(dir.join("vault.age"));
                open(&json!({"dir": path_str(&dir), "passphrase": SECRET_B}))
            },
        },
        Row {
            what: "wrong keyfile (another identity)",
            kind: "AuthFailed",
            says: &["authentication failed", "keyfile does not open this vault"],
            run: |c| {
                let other = c.path("other.key");
                common::generate_keyfile(&other);
                c.open_keyfile_at(&other)
            },
        },
        Row {
            what: "keyfile that is not an age identity (text)",
            kind: "InvalidKeyfile",
            says: &["not an age identity file", "notes.txt"],
            run: |c| {
                let notes = c.path("notes.txt");
                std::fs::write(&notes, format!("remember: {SECRET_A}\n")).unwrap();
                c.open_keyfile_at(&notes)
            },
        },
        Row {
            what: "keyfile that holds a public key",
            kind: "InvalidKeyfile",
            says: &["not an age identity file", "AGE-SECRET-KEY-1"],
            run: |c| {
                let public = PathBuf::from(format!("{}.pub", c.keyfile()));
                c.open_keyfile_at(&public)
            },
        },
        Row {
            what: "keyfile that never ends (/dev/zero)",
            kind: "InvalidKeyfile",
            says: &["/dev/zero", "larger than"],
            run: |c| c.open_keyfile_at(Path::new("/dev/zero")),
        },
        Row {
            what: "keyfile that is a directory",
            kind: "InvalidKeyfile",
            says: &["cannot read keyfile", "Is a directory"],
            run: |c| c.open_keyfile_at(c.f.temp.path()),
        },
        // ---- vault files
        Row {
            what: "truncated vault (open)",
            kind: "Decryption",
            says: &["vault file is corrupt or truncated"],
            run: |c| {
                let good = std::fs::read(c.vault_file()).unwrap();
                c.replace_vault(&good[..good.len() - 20]);
                c.open_keyfile_at(&c.f.keyfile.clone())
            },
        },
        Row {
            what: "truncated vault (a write through an open handle)",
            kind: "Decryption",
            says: &["truncated"],
            run: |c| {
                let good = std::fs::read(c.vault_file()).unwrap();
                c.replace_vault(&good[..good.len() / 2]);
                c.store("new", SECRET_A)
            },
        },
        Row {
            what: "empty vault file",
            kind: "Decryption",
            says: &["vault.age is empty"],
            run: |c| {
                c.replace_vault(b"");
                c.store("new", SECRET_A)
            },
        },
        Row {
            what: "random bytes as the vault",
            kind: "Decryption",
            says: &["cannot decrypt vault", "not a valid age file"],
            run: |c| {
                let noise: Vec<u8> = (0..4096u32)
                    .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                    .collect();
                c.replace_vault(&noise);
                c.open_keyfile_at(&c.f.keyfile.clone())
            },
        },
        Row {
            what: "vault encrypted to a foreign recipient",
            kind: "AuthFailed",
            says: &["authentication failed"],
            run: |c| {
                let stranger = c.path("stranger.key");
                let recipient = common::generate_keyfile(&stranger);
                let elsewhere = c.path("elsewhere");
                plant_vault(&elsewhere, &recipient, &[0x91, 0x01]);
                c.replace_vault(&std::fs::read(elsewhere.join("vault.age")).unwrap());
                c.store("new", SECRET_A)
            },
        },
        Row {
            what: "vault of a newer format version (open)",
            kind: "UnsupportedVersion",
            says: &["version 2", "newer than this engine supports", "upgrade"],
            run: |c| {
                let (dir, recipient) = (c.f.dir.clone(), c.f.recipient.clone());
                plant_vault(&dir, &recipient, &newer_vault());
                c.arm();
                c.open_keyfile_at(&c.f.keyfile.clone())
            },
        },
        Row {
            what: "vault of a newer format version (a write through an open handle)",
            kind: "UnsupportedVersion",
            says: &["version 2", "upgrade"],
            run: |c| {
                let (dir, recipient) = (c.f.dir.clone(), c.f.recipient.clone());
                plant_vault(&dir, &recipient, &newer_vault());
                c.arm();
                c.f.call(json!({"op": "rotate", "name": "db-url", "value": SECRET_B}))
            },
        },
        Row {
            what: "vault path is a directory (open)",
            kind: "Io",
            says: &["vault.age", "is not a regular file"],
            run: |c| {
                let file = c.vault_file();
                std::fs::remove_file(&file).unwrap();
                std::fs::create_dir(&file).unwrap();
                c.arm();
                c.open_keyfile_at(&c.f.keyfile.clone())
            },
        },
        Row {
            what: "vault path is a directory (init)",
            kind: "Io",
            says: &["vault.age", "is not a regular file"],
            run: |c| {
                let file = c.vault_file();
                std::fs::remove_file(&file).unwrap();
                std::fs::create_dir(&file).unwrap();
                c.arm();
                c.f.call(json!({"op": "init"}))
            },
        },
        // ---- the machine
        Row {
            what: "read-only vault directory (store)",
            kind: "Io",
            says: &["cannot"],
            run: |c| match make_read_only(c) {
                Ok(_) => c.store("new", SECRET_A),
                Err(why) => {
                    c.not_exercised = Some(why);
                    Value::Null
                }
            },
        },
        Row {
            what: "read-only vault directory (a read that must be audited)",
            kind: "Io",
            says: &["cannot"],
            run: |c| match make_read_only(c) {
                // Permissions and the immutable flag only stop new files:
                // the audit log, which exists, can still be appended to.
                Ok(ReadOnly::Permissions | ReadOnly::Immutable) => {
                    c.not_exercised = Some(
                        "only a read-only mount stops appends to the existing audit log".into(),
                    );
                    Value::Null
                }
                Ok(ReadOnly::Mount) => {
                    // Without read auditing, reading a read-only vault works.
                    let reader = common::handle_of(&common::ok(open(&json!({
                        "dir": c.dir(), "keyfile": c.keyfile(), "auditReads": false,
                    }))));
                    let names = common::ok(call(reader, &json!({"op": "list"})));
                    assert_eq!(names, json!(["api-key", "db-url"]));
                    common::ok(close(reader));
                    c.f.call(json!({"op": "get", "name": "db-url"}))
                }
                Err(why) => {
                    c.not_exercised = Some(why);
                    Value::Null
                }
            },
        },
        Row {
            what: "full disk (store)",
            kind: "Io",
            says: &["cannot", ".vault.age.tmp."],
            run: full_disk_store,
        },
    ]
}

fn ten_megabytes() -> String {
    SECRET_A.repeat(10_000_000 / SECRET_A.len() + 1)[..10_000_000].to_owned()
}

/// A vault record of format version 2 (the rest as version 1 lays it out).
fn newer_vault() -> Vec<u8> {
    let ts = "2026-01-01T00:00:00Z";
    let mut bytes = vec![0x96, 0x02];
    for _ in 0..2 {
        bytes.push(0xa0 | ts.len() as u8);
        bytes.extend_from_slice(ts.as_bytes());
    }
    bytes.extend_from_slice(&[0x80, 0x80, 0x90]);
    bytes
}

fn run(program: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{program} {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// How a directory was made read-only.
#[derive(Debug)]
enum ReadOnly {
    Mount,
    Permissions,
    Immutable,
}

/// Makes the fixture's vault directory read-only by the best means the
/// machine has, and schedules the undoing.
fn make_read_only(c: &mut Ctx) -> Result<ReadOnly, String> {
    let dir = c.f.dir.clone();
    let d = path_str(&dir).to_owned();
    let how = match c.machine {
        Machine::Mounts => {
            run("mount", &["--bind", &d, &d])?;
            run("mount", &["-o", "remount,bind,ro", &d, &d])?;
            c.words.push("Read-only file system".into());
            c.undo.push(Box::new(move || {
                let _ = run("umount", &[&d]);
            }));
            ReadOnly::Mount
        }
        Machine::Fallback if !is_root() => {
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o500))
                .map_err(|e| e.to_string())?;
            c.words.push("Permission denied".into());
            c.undo.push(Box::new(move || {
                let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
            }));
            ReadOnly::Permissions
        }
        Machine::Fallback => {
            // Root ignores modes; an immutable directory still refuses the
            // new temporary file (and the lock file, were it missing).
            run("chattr", &["+i", &d])
                .map_err(|e| format!("running as root without a mount namespace, and {e}"))?;
            c.words.push("Operation not permitted".into());
            c.undo.push(Box::new(move || {
                let _ = run("chattr", &["-i", &d]);
            }));
            ReadOnly::Immutable
        }
    };
    println!("  read-only directory made with {how:?}");
    Ok(how)
}

/// A store into a vault on a full disk.
fn full_disk_store(c: &mut Ctx) -> Value {
    match c.machine {
        Machine::Mounts => {
            let disk = c.path("disk");
            std::fs::create_dir(&disk).unwrap();
            let d = path_str(&disk).to_owned();
            if let Err(why) = run(
                "mount",
                &["-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", &d],
            ) {
                c.not_exercised = Some(why);
                return Value::Null;
            }
            c.undo.push(Box::new(move || {
                let _ = run("umount", &[&d]);
            }));
            let dir = disk.join("vault");
            let h = common::handle_of(&common::ok(open(
                &json!({"dir": path_str(&dir), "keyfile": c.keyfile()}),
            )));
            common::ok(call(h, &json!({"op": "init"})));
            common::ok(call(
                h,
                &json!({"op": "store", "name": "db-url", "value": SECRET_A}),
            ));
            let filler = disk.join("filler");
            fill(&filler);
            c.watch(dir.join("vault.age"));
            c.words.push("No space left on device".into());
            let result = call(h, &json!({"op": "store", "name": "new", "value": SECRET_B}));
            // Once there is room again, the next write just works (and
            // finds no temporary file to clean up).
            let vault = dir.join("vault.age");
            c.undo.push(Box::new(move || {
                std::fs::remove_file(&filler).unwrap();
                let before = std::fs::read(&vault).unwrap();
                common::ok(call(
                    h,
                    &json!({"op": "store", "name": "new", "value": SECRET_B}),
                ));
                assert_ne!(
                    std::fs::read(&vault).unwrap(),
                    before,
                    "store after freeing space"
                );
                common::ok(close(h));
            }));
            result
        }
        Machine::Fallback => {
            // A file size limit: writes past it fail with EFBIG. Only this
            // test runs in this binary, so the limit affects nothing else.
            let size = std::fs::metadata(c.vault_file()).unwrap().len();
            let old = set_file_size_limit(size);
            c.words.push("File too large".into());
            println!("  full disk simulated with RLIMIT_FSIZE = {size} bytes");
            let result = c.store("new", SECRET_B);
            restore_file_size_limit(old);
            result
        }
    }
}

/// Writes into `path` until the file system refuses another byte.
fn fill(path: &Path) {
    use std::io::Write;
    let mut file = std::fs::File::create(path).unwrap();
    let chunk = vec![0u8; 4096];
    while file.write_all(&chunk).is_ok() {}
    while file.write_all(&[0]).is_ok() {}
    let _ = file.sync_all();
}

fn set_file_size_limit(bytes: u64) -> libc::rlimit {
    let mut old = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain system calls on valid structures; SIGXFSZ is ignored so
    // that a write past the limit fails with EFBIG instead of killing us.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        assert_eq!(libc::getrlimit(libc::RLIMIT_FSIZE, &mut old), 0);
        let new = libc::rlimit {
            rlim_cur: bytes as libc::rlim_t,
            rlim_max: old.rlim_max,
        };
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &new), 0);
    }
    old
}

fn restore_file_size_limit(old: libc::rlimit) {
    // SAFETY: restores the soft limit read before (never above the hard one).
    unsafe {
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &old), 0);
    }
}

fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains(".tmp."))
                .collect()
        })
        .unwrap_or_default()
}

/// Checks one row; returns its problems.
fn check(row: &Row, machine: Machine) -> Result<Option<String>, Vec<String>> {
    let mut ctx = Ctx::new(machine);
    let envelope = (row.run)(&mut ctx);
    let mut problems = Vec::new();
    let mut seen = None;
    if let Some(why) = ctx.not_exercised.take() {
        println!("  NOT EXERCISED: {}: {why}", row.what);
        seen = Some(format!("not exercised ({why})"));
    } else {
        match failure_of(&envelope) {
            None => problems.push("succeeded".to_owned()),
            Some(f) => {
                let (code, exit) = documented(row.kind);
                if f.kind != row.kind || f.code != code || f.exit_code != exit {
                    problems.push(format!(
                        "got {}/{}/{}, want {}/{code}/{exit}",
                        f.kind, f.code, f.exit_code, row.kind
                    ));
                }
                let words = row
                    .says
                    .iter()
                    .map(|w| w.to_string())
                    .chain(ctx.words.clone());
                for word in words {
                    if !f.message.contains(&word) {
                        problems.push(format!("the message does not say {word:?}"));
                    }
                }
                if !problems.is_empty() && !f.message.contains(SECRET_A) {
                    problems.push(format!("(message: {})", f.message));
                }
                if f.message.len() > 600 {
                    problems.push(format!("a message of {} bytes", f.message.len()));
                }
                if f.message.contains(SECRET_A) || f.message.contains(SECRET_B) {
                    problems.push("the message quotes a secret value".to_owned());
                } else {
                    seen = Some(format!("{}: {}", f.kind, f.message));
                }
            }
        }
    }
    if std::fs::read(&ctx.watched).ok() != ctx.before {
        problems.push(format!("{} changed", ctx.watched.display()));
    }
    let temps = temporaries(ctx.watched.parent().unwrap());
    if !temps.is_empty() {
        problems.push(format!("temporary files left: {temps:?}"));
    }
    for undo in ctx.undo.drain(..).rev() {
        undo();
    }
    if problems.is_empty() {
        Ok(seen)
    } else {
        Err(problems)
    }
}

fn run_table(machine: Machine) {
    println!("bad inputs, machine: {machine:?}");
    let mut failures = Vec::new();
    for row in rows() {
        match check(&row, machine) {
            Ok(seen) => println!("  ok   {:<60} {}", row.what, seen.unwrap_or_default()),
            Err(problems) => {
                println!("  FAIL {:<60} {}", row.what, problems.join("; "));
                failures.push(format!("{}: {}", row.what, problems.join("; ")));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "rows that failed:\n{}",
        failures.join("\n")
    );
}

/// The `unshare` arguments that give this process a private mount
/// namespace in which it may mount, if any do.
fn namespace_command() -> Option<Vec<&'static str>> {
    let probe = tempfile::tempdir().ok()?;
    let script = "mount -t tmpfs -o size=64k tmpfs \"$0\" && umount \"$0\"";
    let candidates: [&[&'static str]; 2] = [
        &["--mount", "--propagation", "private"],
        &[
            "--user",
            "--map-root-user",
            "--mount",
            "--propagation",
            "private",
        ],
    ];
    candidates.into_iter().find_map(|flags| {
        let works = Command::new("unshare")
            .args(flags)
            .args(["sh", "-c", script])
            .arg(probe.path())
            .output()
            .is_ok_and(|o| o.status.success());
        works.then(|| flags.to_vec())
    })
}

#[test]
fn every_bad_input_is_a_typed_error_and_leaves_the_vault_as_it_was() {
    if std::env::var_os(IN_NAMESPACE).is_some() {
        run_table(Machine::Mounts);
        return;
    }
    let Some(flags) = namespace_command() else {
        println!(
            "no private mount namespace here (unshare --mount failed): the read-only \
             directory and the full disk fall back to permissions and RLIMIT_FSIZE"
        );
        run_table(Machine::Fallback);
        return;
    };
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("unshare")
        .args(&flags)
        .arg(&exe)
        .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
        .env(IN_NAMESPACE, "1")
        .output()
        .expect("run the table in a mount namespace");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!(
        "(in a private mount namespace: unshare {})\n{stdout}",
        flags.join(" ")
    );
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "the table failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}
