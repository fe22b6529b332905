//! Responses: `{"ok":true,"value":…}` or `{"ok":false,"error":{…}}`, in a
//! buffer that carries its own length and is zeroed when freed.

use serde::Serialize;
use zeroize::Zeroize;

use authy_core::error::json_problem;
use authy_core::{Error, ErrorKind};

#[derive(Serialize)]
struct Success<'a, T: Serialize> {
    ok: bool,
    value: &'a T,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody<'a> {
    kind: &'static str,
    code: &'static str,
    exit_code: i32,
    message: &'a str,
}

#[derive(Serialize)]
struct Failure<'a> {
    ok: bool,
    error: ErrorBody<'a>,
}

/// The JSON of a successful response. The caller zeroes the bytes after
/// copying them out (they may hold secret values).
pub fn success<T: Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(&Success { ok: true, value }).map_err(|e| {
        Error::new(
            ErrorKind::Internal,
            format!("cannot encode response: {}", json_problem(&e)),
        )
    })
}

pub fn failure(err: &Error) -> Vec<u8> {
    serde_json::to_vec(&Failure {
        ok: false,
        error: ErrorBody {
            kind: err.kind.name(),
            code: err.kind.code(),
            exit_code: err.kind.exit_code(),
            message: &err.message,
        },
    })
    .expect("error envelopes always encode")
}

/// Size of the length header in front of every response.
pub const HEADER: usize = 8;

/// Moves a response into a heap block laid out as an 8-byte little-endian
/// length followed by the bytes, zeroing the source. Freed only by
/// [`free_response`].
pub fn into_raw(mut json: Vec<u8>) -> *mut u8 {
    let mut block = Vec::with_capacity(HEADER + json.len());
    block.extend_from_slice(&(json.len() as u64).to_le_bytes());
    block.extend_from_slice(&json);
    json.zeroize();
    let boxed: Box<[u8]> = block.into_boxed_slice();
    Box::into_raw(boxed) as *mut u8
}

/// Zeroes and releases a block made by [`into_raw`].
///
/// # Safety
/// `ptr` must come from [`into_raw`] and not have been freed.
pub unsafe fn free_response(ptr: *mut u8) {
    let mut len_bytes = [0u8; HEADER];
    std::ptr::copy_nonoverlapping(ptr, len_bytes.as_mut_ptr(), HEADER);
    let total = HEADER + u64::from_le_bytes(len_bytes) as usize;
    let mut block: Box<[u8]> = Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, total));
    block.zeroize();
    drop(block);
}
