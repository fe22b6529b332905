//! The request dispatcher: arbitrary bytes as a request to `authy_call`
//! (on handle 0, on an open handle of a real vault, on a closed handle) or
//! to `authy_open`. Whatever the bytes, the answer must be a well-formed
//! envelope, and never an `Internal` one: every entry point catches panics
//! and reports them as `Internal`, so that is how a panic shows up here.
//!
//! The first byte picks the entry point; the rest is the request. Requests
//! that would leave the scratch directory (absolute paths, `..`) or panic on
//! purpose (`debugPanic`, which exists in builds with debug assertions) are
//! not sent.
#![no_main]

use std::path::PathBuf;
use std::sync::Mutex;

use authy_vault::{authy_call, authy_close, authy_free, authy_open};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

/// Fresh vault after this many calls, or when its files grow past these.
const RESET_EVERY: u64 = 5_000;
const MAX_VAULT: u64 = 256 << 10;
const MAX_AUDIT: u64 = 1 << 20;

struct State {
    scratch: PathBuf,
    keyfile: PathBuf,
    generation: u64,
    handle: u64,
    closed: u64,
    calls: u64,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

/// Sends one request; returns the envelope, checked and freed.
fn answer(response: *mut u8) -> Value {
    assert!(!response.is_null(), "a NULL response");
    // SAFETY: a live response block of this library, read within its
    // length and freed once.
    let body = unsafe {
        let mut header = [0u8; 8];
        std::ptr::copy_nonoverlapping(response, header.as_mut_ptr(), 8);
        let len = u64::from_le_bytes(header) as usize;
        assert!(len < 1 << 30, "absurd response length {len}");
        let body = std::slice::from_raw_parts(response.add(8), len).to_vec();
        authy_free(response);
        body
    };
    let envelope: Value = serde_json::from_slice(&body).expect("a response is JSON");
    match envelope.get("ok") {
        Some(Value::Bool(true)) => assert!(envelope.get("value").is_some(), "no value"),
        Some(Value::Bool(false)) => {
            let error = &envelope["error"];
            let kind = error["kind"].as_str().expect("error.kind");
            let message = error["message"].as_str().expect("error.message");
            assert!(error["code"].is_string() && error["exitCode"].is_i64());
            assert!(!message.is_empty(), "{kind} without a message");
            assert_ne!(kind, "Internal", "the engine panicked: {message}");
        }
        _ => panic!("an envelope without a boolean ok"),
    }
    envelope
}

fn call(handle: u64, request: &[u8]) -> Value {
    // SAFETY: a live buffer of that length.
    answer(unsafe { authy_call(handle, request.as_ptr(), request.len()) })
}

fn open(request: &[u8]) -> Value {
    // SAFETY: a live buffer of that length.
    answer(unsafe { authy_open(request.as_ptr(), request.len()) })
}

fn close(handle: u64) -> Value {
    answer(authy_close(handle))
}

fn handle_of(envelope: &Value) -> Option<u64> {
    envelope["value"]["handle"].as_u64()
}

impl State {
    fn new() -> Self {
        // tmpfs where there is one: writes fsync, and that should not be
        // what the fuzzer spends its time on.
        let base = ["/dev/shm", "/tmp"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.is_dir())
            .unwrap_or_else(std::env::temp_dir);
        let scratch = base.join(format!("authy-fuzz-dispatch-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&scratch).unwrap();
        // Relative paths in requests land in the scratch directory, and so
        // does the default vault directory.
        std::env::set_current_dir(&scratch).unwrap();
        std::env::set_var("HOME", &scratch);
        std::env::remove_var("AUTHY_DIR");
        std::env::remove_var("AUTHY_KEYFILE");
        std::env::remove_var("AUTHY_PASSPHRASE");
        let keyfile = scratch.join("owner.key");
        let request = json!({"op": "generateKeyfile", "path": keyfile});
        assert_eq!(call(0, request.to_string().as_bytes())["ok"], true);
        let mut state = State {
            scratch,
            keyfile,
            generation: 0,
            handle: 0,
            closed: 0,
            calls: 0,
        };
        state.fresh_vault();
        state
    }

    fn vault_dir(&self) -> PathBuf {
        self.scratch.join(format!("vault-{}", self.generation))
    }

    /// A new vault with a few secrets, a policy and a session, an open
    /// handle on it, and a handle that was closed.
    fn fresh_vault(&mut self) {
        if self.handle != 0 {
            close(self.handle);
            // Everything but the keyfile goes: the vault, and whatever
            // files and directories requests created.
            for entry in std::fs::read_dir(&self.scratch).unwrap().flatten() {
                if !entry.file_name().to_string_lossy().starts_with("owner.key") {
                    let path = entry.path();
                    let _ = std::fs::remove_dir_all(&path).or_else(|_| std::fs::remove_file(&path));
                }
            }
        }
        self.generation += 1;
        let request = json!({"dir": self.vault_dir(), "keyfile": self.keyfile});
        let opened = open(request.to_string().as_bytes());
        self.handle = handle_of(&opened).expect("open the scratch vault");
        for op in [
            json!({"op": "init"}),
            json!({"op": "store", "name": "db-url", "value": "postgres://fuzz"}),
            json!({"op": "store", "name": "api-key", "value": "k"}),
            json!({"op": "createPolicy", "name": "app", "allow": ["*"], "deny": ["api-*"]}),
            json!({"op": "createSession", "scope": "app", "ttlSeconds": 600}),
        ] {
            let reply = call(self.handle, op.to_string().as_bytes());
            assert_eq!(reply["ok"], true, "{op}: {reply}");
        }
        let other = open(request.to_string().as_bytes());
        self.closed = handle_of(&other).expect("a second handle");
        close(self.closed);
        self.calls = 0;
    }

    fn maybe_reset(&mut self) {
        let size = |name: &str| {
            std::fs::metadata(self.vault_dir().join(name)).map_or(0, |m| m.len())
        };
        if self.calls >= RESET_EVERY || size("vault.age") > MAX_VAULT || size("audit.log") > MAX_AUDIT
        {
            self.fresh_vault();
        }
    }
}

/// Whether a request may be sent: no `debugPanic` anywhere, and no path
/// that leaves the scratch directory.
fn admissible(request: &[u8]) -> bool {
    fn walk(value: &Value, key: Option<&str>) -> bool {
        match value {
            Value::String(s) => {
                if s == "debugPanic" {
                    return false;
                }
                let is_path = matches!(key, Some("dir" | "path" | "keyfile"));
                !is_path || !(s.starts_with('/') || s.split('/').any(|part| part == ".."))
            }
            Value::Array(items) => items.iter().all(|v| walk(v, key)),
            Value::Object(map) => map.iter().all(|(k, v)| walk(v, Some(k))),
            _ => true,
        }
    }
    match serde_json::from_slice::<Value>(request) {
        Ok(value) => walk(&value, None),
        // Not JSON to serde_json, so not a request to the engine either.
        Err(_) => true,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, request)) = data.split_first() else {
        return;
    };
    if !admissible(request) {
        return;
    }
    let mut guard = STATE.lock().unwrap_or_else(|p| p.into_inner());
    let state = guard.get_or_insert_with(State::new);
    state.maybe_reset();
    state.calls += 1;
    match selector % 8 {
        0 => {
            call(0, request);
        }
        1..=5 => {
            call(state.handle, request);
        }
        6 => {
            // A closed handle answers only what needs no handle.
            let reply = call(state.closed, request);
            if reply["ok"] == true {
                let op = serde_json::from_slice::<Value>(request)
                    .ok()
                    .and_then(|v| v.get("op")?.as_str().map(str::to_owned));
                assert!(
                    matches!(
                        op.as_deref(),
                        Some("ping" | "isInitialized" | "generateKeyfile")
                    ),
                    "a closed handle answered {op:?}"
                );
            }
        }
        _ => {
            let reply = open(request);
            if let Some(handle) = handle_of(&reply) {
                assert_eq!(close(handle)["ok"], true);
            }
        }
    }
});
