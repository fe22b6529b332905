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
    success_sized(value, 128)
}

/// [`success`] into a buffer of `capacity` bytes to start with: a good
/// guess saves growing it (and copying the bytes) while serializing.
pub fn success_sized<T: Serialize>(value: &T, capacity: usize) -> Result<Vec<u8>, Error> {
    let mut out = Scrubbed(Vec::with_capacity(capacity));
    serde_json::to_writer(&mut out, &Success { ok: true, value }).map_err(|e| {
        Error::new(
            ErrorKind::Internal,
            format!("cannot encode response: {}", json_problem(&e)),
        )
    })?;
    Ok(out.0)
}

/// A growing buffer that zeroes the old allocation each time it moves to a
/// bigger one, so no partial copy of a response (secret values included)
/// is left in freed memory.
struct Scrubbed(Vec<u8>);

impl Scrubbed {
    #[cold]
    fn grow(&mut self, more: usize) {
        let needed = self.0.len() + more;
        let mut bigger = Vec::with_capacity(needed.max(self.0.capacity() * 2));
        bigger.extend_from_slice(&self.0);
        self.0.zeroize();
        self.0 = bigger;
    }
}

impl std::io::Write for Scrubbed {
    #[inline]
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.write_all(bytes)?;
        Ok(bytes.len())
    }

    #[inline]
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if self.0.capacity() - self.0.len() < bytes.len() {
            self.grow(bytes.len());
        }
        self.0.extend_from_slice(bytes);
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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
    dispose_block(ptr, drop);
}

/// Overwrites a whole block made by [`into_raw`], its length header
/// included, with zeros; returns the block's total size in bytes.
///
/// # Safety
/// `ptr` must come from [`into_raw`] and not have been freed or zeroed.
pub unsafe fn zero_block(ptr: *mut u8) -> usize {
    let mut len_bytes = [0u8; HEADER];
    std::ptr::copy_nonoverlapping(ptr, len_bytes.as_mut_ptr(), HEADER);
    let total = HEADER + u64::from_le_bytes(len_bytes) as usize;
    std::slice::from_raw_parts_mut(ptr, total).zeroize();
    total
}

/// Zeroes a block, then hands it to `dispose` (which frees it by dropping
/// it); split from [`free_response`] so a test can look at the bytes
/// between the two steps.
///
/// # Safety
/// As for [`zero_block`].
unsafe fn dispose_block(ptr: *mut u8, dispose: impl FnOnce(Box<[u8]>)) {
    let total = zero_block(ptr);
    dispose(Box::from_raw(std::ptr::slice_from_raw_parts_mut(
        ptr, total,
    )));
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"ok":true,"value":"not-a-real-secret"}"#;

    #[test]
    fn a_response_that_outgrows_its_buffer_is_the_same_json() {
        let value = "x\"y\\z\n".repeat(500);
        let expected =
            serde_json::to_vec(&serde_json::json!({"ok": true, "value": value})).unwrap();
        for capacity in [0, 1, 7, 128, 10_000] {
            assert_eq!(
                success_sized(&value, capacity).unwrap(),
                expected,
                "capacity {capacity}"
            );
        }
    }

    #[test]
    fn into_raw_lays_out_a_length_then_the_bytes() {
        let ptr = into_raw(BODY.to_vec());
        // SAFETY: the block is HEADER + BODY.len() bytes, freed once.
        unsafe {
            let block = std::slice::from_raw_parts(ptr, HEADER + BODY.len());
            assert_eq!(block[..HEADER], (BODY.len() as u64).to_le_bytes());
            assert_eq!(&block[HEADER..], BODY);
            free_response(ptr);
        }
    }

    #[test]
    fn zero_block_zeroes_every_byte_and_reports_the_size() {
        let ptr = into_raw(BODY.to_vec());
        // SAFETY: the block is live until it is dropped at the end, with
        // the size into_raw gave it.
        unsafe {
            let total = zero_block(ptr);
            assert_eq!(total, HEADER + BODY.len());
            let block = std::slice::from_raw_parts(ptr, total);
            assert!(block.iter().all(|&b| b == 0), "bytes left after zeroing");
            drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(
                ptr, total,
            )));
        }
    }

    #[test]
    fn free_response_path_zeroes_before_freeing() {
        // The same path as free_response, with a look at the block just
        // before it is dropped.
        let ptr = into_raw(BODY.to_vec());
        let mut seen = None;
        // SAFETY: a fresh block, released once (by the closure's drop).
        unsafe {
            dispose_block(ptr, |block| {
                seen = Some((block.len(), block.iter().all(|&b| b == 0)));
            });
        }
        assert_eq!(seen, Some((HEADER + BODY.len(), true)), "block not zeroed");
    }
}
