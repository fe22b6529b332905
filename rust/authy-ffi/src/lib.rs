//! The C ABI of @authy/vault (see `authy_vault.h`). JSON requests in, JSON
//! envelopes out; every entry point catches panics and checks handles.

mod dispatch;
mod envelope;
mod handles;
mod request;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

use authy_core::{Client, Error, ErrorKind};

pub use envelope::HEADER as RESPONSE_HEADER_BYTES;

/// Bumped whenever a signature or the envelope changes incompatibly.
pub const ABI_VERSION: u32 = 1;

/// Largest request accepted, in bytes.
const MAX_REQUEST: usize = 256 << 20;

/// Runs one entry point: panics become `internal` envelopes, and the
/// result is moved into a length-prefixed response block.
fn respond(body: impl FnOnce() -> Result<Vec<u8>, Error>) -> *mut u8 {
    quiet_panics();
    let json = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(json)) => json,
        Ok(Err(err)) => envelope::failure(&err),
        Err(_) => envelope::failure(&Error::new(
            ErrorKind::Internal,
            "internal error: the engine panicked; the operation did not complete",
        )),
    };
    envelope::into_raw(json)
}

/// Panic payloads could quote data; report only where the panic happened.
fn quiet_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let at = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            eprintln!("authy-vault: internal panic at {at}");
        }))
    });
}

/// # Safety
/// `ptr` must be null or point to `len` readable bytes.
unsafe fn request_bytes<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], Error> {
    if len > MAX_REQUEST {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!("request of {len} bytes is over the limit of {MAX_REQUEST}"),
        ));
    }
    if ptr.is_null() {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            "request pointer is null",
        ));
    }
    Ok(std::slice::from_raw_parts(ptr, len))
}

/// The ABI version; loaders check it before any other call.
#[no_mangle]
pub extern "C" fn authy_abi_version() -> u32 {
    ABI_VERSION
}

/// Opens a vault directory. The response's value is `{"handle": n}`.
///
/// # Safety
/// `request` must be null or point to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn authy_open(request: *const u8, len: usize) -> *mut u8 {
    respond(|| {
        let bytes = request_bytes(request, len)?;
        let open: request::OpenRequest = dispatch::parse(bytes)?;
        let options = open
            .into_options()
            .map_err(|m| Error::new(ErrorKind::InvalidRequest, m))?;
        let handle = handles::insert(Client::open(options)?)?;
        envelope::success(&serde_json::json!({ "handle": handle }))
    })
}

/// Runs one operation. Handle 0 runs only the operations that need no
/// vault (`ping`, `isInitialized`, `generateKeyfile`).
///
/// # Safety
/// `request` must be null or point to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn authy_call(handle: u64, request: *const u8, len: usize) -> *mut u8 {
    respond(|| {
        let bytes = request_bytes(request, len)?;
        let request = match request::Request::parse_hot(bytes) {
            Some(hot) => hot,
            None => dispatch::parse(bytes)?,
        };
        dispatch::call(handle, request)
    })
}

/// Closes a handle. Closing a closed handle answers with an error
/// envelope and does nothing else.
#[no_mangle]
pub extern "C" fn authy_close(handle: u64) -> *mut u8 {
    respond(|| {
        handles::remove(handle)?;
        envelope::success(&())
    })
}

/// Zeroes and frees a response. Null is ignored.
///
/// # Safety
/// `response` must be null or a pointer returned by this library and not
/// yet freed.
#[no_mangle]
pub unsafe extern "C" fn authy_free(response: *mut u8) {
    if !response.is_null() {
        let _ = catch_unwind(|| envelope::free_response(response));
    }
}
