//! Shared helpers for the ABI tests: every call goes through the
//! `extern "C"` functions with pointer + length, and every response block
//! is decoded by hand (`u64` little-endian length, then JSON) and released
//! with `authy_free`, as a foreign caller would.
//!
//! Helpers never print secret values: assertion messages carry only kinds,
//! codes, error messages (which are secret-free by contract) and names.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Once;

use serde_json::{json, Value};
use tempfile::TempDir;

use authy_vault::{authy_call, authy_close, authy_free, authy_open};

/// The library installs a panic hook that prints only where a panic
/// happened, so that a panic inside it cannot quote data. That hook would
/// also swallow the messages of failing assertions in these tests, so once
/// per test binary the library's hook is wrapped: panics in the library's
/// own sources still go to it, every other panic is printed in full.
pub fn setup() {
    static WRAP: Once = Once::new();
    WRAP.call_once(|| {
        // Any answering call makes the library install its hook.
        let ping = br#"{"op":"ping"}"#;
        // SAFETY: the pointer and length describe a live byte array.
        let block = unsafe { authy_call(0, ping.as_ptr(), ping.len()) };
        // SAFETY: the block was returned by the library and not yet freed.
        unsafe { authy_free(block) };
        let library_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let inside_library = info
                .location()
                .is_some_and(|l| l.file().contains("authy-ffi/src"));
            if inside_library {
                library_hook(info);
            } else {
                eprintln!("{info}");
            }
        }));
    });
}

/// Copies a response block out of the library's memory and frees it.
///
/// # Safety
/// `block` must be a response returned by this library, not yet freed.
pub unsafe fn take_block(block: *mut u8) -> Vec<u8> {
    assert!(!block.is_null(), "the library returned a NULL response");
    let mut header = [0u8; 8];
    std::ptr::copy_nonoverlapping(block, header.as_mut_ptr(), header.len());
    let len = u64::from_le_bytes(header) as usize;
    let body = std::slice::from_raw_parts(block.add(header.len()), len).to_vec();
    authy_free(block);
    body
}

/// Decodes the JSON of a response block and checks the envelope's shape.
fn envelope(body: Vec<u8>) -> Value {
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        // The body is not printed: it could hold secret values.
        Err(e) => panic!("response is not JSON ({} bytes): {e}", body.len()),
    };
    let obj = value.as_object().expect("an envelope is a JSON object");
    match obj.get("ok") {
        Some(Value::Bool(true)) => {
            assert!(obj.contains_key("value"), "success envelope without value");
            assert_eq!(obj.len(), 2, "success envelope has extra members");
        }
        Some(Value::Bool(false)) => {
            let error = obj
                .get("error")
                .and_then(Value::as_object)
                .expect("failure envelope without an error object");
            assert_eq!(obj.len(), 2, "failure envelope has extra members");
            for field in ["kind", "code", "message"] {
                assert!(
                    error.get(field).is_some_and(Value::is_string),
                    "error.{field} is missing or not a string"
                );
            }
            assert!(
                error.get("exitCode").is_some_and(Value::is_i64),
                "error.exitCode is missing or not an integer"
            );
            assert_eq!(error.len(), 4, "error object has extra members");
        }
        _ => panic!("envelope without a boolean `ok`"),
    }
    value
}

/// `authy_open` with raw request bytes.
pub fn open_bytes(request: &[u8]) -> Value {
    setup();
    // SAFETY: the pointer and length describe a live byte array, and the
    // response is a fresh block.
    unsafe { envelope(take_block(authy_open(request.as_ptr(), request.len()))) }
}

/// `authy_open` with a JSON request.
pub fn open(request: &Value) -> Value {
    open_bytes(request.to_string().as_bytes())
}

/// `authy_call` with raw request bytes.
pub fn call_bytes(handle: u64, request: &[u8]) -> Value {
    setup();
    // SAFETY: as in `open_bytes`.
    unsafe {
        envelope(take_block(authy_call(
            handle,
            request.as_ptr(),
            request.len(),
        )))
    }
}

/// `authy_call` with a JSON request.
pub fn call(handle: u64, request: &Value) -> Value {
    call_bytes(handle, request.to_string().as_bytes())
}

/// `authy_call` with a NULL request pointer.
pub fn call_null(handle: u64, len: usize) -> Value {
    setup();
    // SAFETY: a null pointer is allowed by the contract.
    unsafe { envelope(take_block(authy_call(handle, std::ptr::null(), len))) }
}

/// `authy_open` with a NULL request pointer.
pub fn open_null(len: usize) -> Value {
    setup();
    // SAFETY: a null pointer is allowed by the contract.
    unsafe { envelope(take_block(authy_open(std::ptr::null(), len))) }
}

/// `authy_close`.
pub fn close(handle: u64) -> Value {
    setup();
    // SAFETY: the response is a fresh block.
    unsafe { envelope(take_block(authy_close(handle))) }
}

/// An error envelope's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: String,
    pub code: String,
    pub exit_code: i64,
    pub message: String,
}

/// The value of a success envelope; panics with the error otherwise.
#[track_caller]
pub fn ok(envelope: Value) -> Value {
    match failure_of(&envelope) {
        Some(f) => panic!(
            "expected success, got {} ({}): {}",
            f.kind, f.code, f.message
        ),
        None => envelope["value"].clone(),
    }
}

/// The error of a failure envelope; panics (without showing the value,
/// which could be secret) on a success.
#[track_caller]
pub fn err(envelope: Value) -> Failure {
    failure_of(&envelope).unwrap_or_else(|| panic!("expected an error envelope, got a success"))
}

/// The error of an envelope, if it is a failure.
pub fn failure_of(envelope: &Value) -> Option<Failure> {
    if envelope["ok"] == Value::Bool(true) {
        return None;
    }
    let e = &envelope["error"];
    Some(Failure {
        kind: e["kind"].as_str().unwrap_or_default().to_owned(),
        code: e["code"].as_str().unwrap_or_default().to_owned(),
        exit_code: e["exitCode"].as_i64().unwrap_or(i64::MIN),
        message: e["message"].as_str().unwrap_or_default().to_owned(),
    })
}

/// Asserts a failure of `kind` and returns it.
#[track_caller]
pub fn expect_kind(envelope: Value, kind: &str) -> Failure {
    let f = err(envelope);
    assert_eq!(f.kind, kind, "wrong error kind (message: {})", f.message);
    assert!(!f.message.is_empty(), "{kind} error without a message");
    f
}

/// Compares a secret value without ever printing it.
#[track_caller]
pub fn assert_secret(actual: &Value, expected: &str, what: &str) {
    assert!(
        actual.as_str() == Some(expected),
        "the value of {what} is not the one stored (values are not shown)"
    );
}

/// Generates a keyfile through the ABI (handle 0); returns its recipient.
pub fn generate_keyfile(path: &Path) -> String {
    let value = ok(call(
        0,
        &json!({"op": "generateKeyfile", "path": path_str(path)}),
    ));
    value["publicKey"]
        .as_str()
        .expect("generateKeyfile returns publicKey")
        .to_owned()
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// Opens `dir` with a keyfile and returns the handle.
#[track_caller]
pub fn open_keyfile(dir: &Path, keyfile: &Path) -> u64 {
    let value = ok(open(
        &json!({"dir": path_str(dir), "keyfile": path_str(keyfile)}),
    ));
    handle_of(&value)
}

/// The handle in an open's value, checked against the header's promises.
#[track_caller]
pub fn handle_of(value: &Value) -> u64 {
    let handle = value["handle"]
        .as_u64()
        .expect("open returns a numeric handle");
    assert_ne!(handle, 0, "handle 0 is never issued");
    assert!(handle < 1 << 53, "handles stay below 2^53");
    handle
}

/// A temporary directory with a keyfile, an initialized vault and an open
/// handle on it. The handle is closed when the fixture is dropped.
pub struct Fixture {
    pub temp: TempDir,
    pub dir: PathBuf,
    pub keyfile: PathBuf,
    pub recipient: String,
    pub handle: u64,
}

impl Fixture {
    /// A keyfile and an opened, initialized vault.
    pub fn new() -> Self {
        let f = Self::uninitialized();
        ok(f.call(json!({"op": "init"})));
        f
    }

    /// A keyfile and an open handle on a directory with no vault yet.
    pub fn uninitialized() -> Self {
        let temp = tempfile::tempdir().expect("temporary directory");
        let keyfile = temp.path().join("keys").join("owner.key");
        let recipient = generate_keyfile(&keyfile);
        let dir = temp.path().join("vault");
        let handle = open_keyfile(&dir, &keyfile);
        Fixture {
            temp,
            dir,
            keyfile,
            recipient,
            handle,
        }
    }

    /// Runs one operation on the fixture's handle.
    pub fn call(&self, request: Value) -> Value {
        call(self.handle, &request)
    }

    /// Runs one operation that must succeed; returns its value.
    #[track_caller]
    pub fn ok(&self, request: Value) -> Value {
        ok(self.call(request))
    }

    /// Opens another handle on the same vault with a session token.
    pub fn open_token(&self, token: &str) -> Value {
        open(&json!({
            "dir": path_str(&self.dir),
            "keyfile": path_str(&self.keyfile),
            "token": token,
        }))
    }

    /// Creates a policy and a session on it; returns (token, id).
    #[track_caller]
    pub fn session(&self, scope: &str, ttl_seconds: u64, run_only: bool) -> (String, String) {
        let s = self.ok(json!({
            "op": "createSession",
            "scope": scope,
            "ttlSeconds": ttl_seconds,
            "runOnly": run_only,
        }));
        (
            s["token"].as_str().expect("token").to_owned(),
            s["id"].as_str().expect("id").to_owned(),
        )
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        // The test may have closed the handle itself already.
        let _ = close(self.handle);
    }
}

/// Writes `plaintext` as `dir/vault.age`, age-encrypted to `recipient`
/// (an `age1…` string), the way the engine writes a keyfile vault. Used to
/// plant vaults that decrypt fine but hold something unexpected.
pub fn plant_vault(dir: &Path, recipient: &str, plaintext: &[u8]) {
    use std::io::Write;

    let recipient: age::x25519::Recipient = recipient.parse().expect("an age1 recipient");
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .expect("one X25519 recipient");
    let mut ciphertext = Vec::new();
    let mut writer = encryptor.wrap_output(&mut ciphertext).expect("age header");
    writer.write_all(plaintext).expect("age payload");
    writer.finish().expect("age trailer");
    std::fs::create_dir_all(dir).expect("vault directory");
    std::fs::write(dir.join("vault.age"), ciphertext).expect("write vault.age");
}
