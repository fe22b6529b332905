//! `authy_free` zeroes every byte of a response before the memory goes back
//! to the allocator, seen from the allocator itself: this test binary
//! installs a global allocator that, when it is handed back the block of a
//! response under watch, records whether every byte of it is zero. (The
//! unit tests in src/envelope.rs check the same path with a stand-in for
//! the final drop; this one goes through the exported function and the
//! real deallocation.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use authy_vault::{authy_call, authy_close, authy_free, authy_open};
use serde_json::json;

struct Watching;

/// The address of the block under watch (0: none).
static WATCHED: AtomicUsize = AtomicUsize::new(0);
/// What the allocator saw when the watched block came back: its size, and
/// how many of its bytes were not zero (usize::MAX: not seen yet).
static FREED_SIZE: AtomicUsize = AtomicUsize::new(0);
static NONZERO: AtomicUsize = AtomicUsize::new(usize::MAX);

// SAFETY: every call is passed on to the system allocator unchanged; the
// watched block is only read, while it is still allocated.
unsafe impl GlobalAlloc for Watching {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if !ptr.is_null()
            && WATCHED
                .compare_exchange(ptr as usize, 0, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        {
            let bytes = std::slice::from_raw_parts(ptr, layout.size());
            FREED_SIZE.store(layout.size(), Ordering::SeqCst);
            NONZERO.store(bytes.iter().filter(|&&b| b != 0).count(), Ordering::SeqCst);
        }
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOCATOR: Watching = Watching;

/// Copies a response's JSON out, without freeing it.
///
/// # Safety
/// `block` must be a live response of this library.
unsafe fn body(block: *mut u8) -> Vec<u8> {
    let mut header = [0u8; 8];
    std::ptr::copy_nonoverlapping(block, header.as_mut_ptr(), 8);
    let len = u64::from_le_bytes(header) as usize;
    std::slice::from_raw_parts(block.add(8), len).to_vec()
}

/// Frees `block` through `authy_free` with the allocator watching it;
/// returns (size handed back, bytes that were not zero).
///
/// # Safety
/// `block` must be a live response of this library.
unsafe fn free_watched(block: *mut u8) -> (usize, usize) {
    NONZERO.store(usize::MAX, Ordering::SeqCst);
    WATCHED.store(block as usize, Ordering::SeqCst);
    authy_free(block);
    assert_eq!(
        WATCHED.load(Ordering::SeqCst),
        0,
        "authy_free did not hand the block back to the allocator"
    );
    (
        FREED_SIZE.load(Ordering::SeqCst),
        NONZERO.load(Ordering::SeqCst),
    )
}

fn request(handle: u64, value: serde_json::Value) -> *mut u8 {
    let bytes = value.to_string();
    // SAFETY: a live buffer of that length.
    unsafe { authy_call(handle, bytes.as_ptr(), bytes.len()) }
}

#[test]
fn authy_free_hands_back_only_zeroes() {
    let temp = tempfile::tempdir().unwrap();
    let keyfile = temp.path().join("k.key");
    let dir = temp.path().join("vault");
    let secret = "zero-me-please-5b0c2f9e1d";
    let path = |p: &std::path::Path| p.to_str().unwrap().to_owned();

    // SAFETY (this block): requests are live buffers; every response is
    // read within its length and freed exactly once.
    unsafe {
        authy_free(request(
            0,
            json!({"op": "generateKeyfile", "path": path(&keyfile)}),
        ));
        let open = json!({"dir": path(&dir), "keyfile": path(&keyfile)}).to_string();
        let opened = authy_open(open.as_ptr(), open.len());
        let reply: serde_json::Value = serde_json::from_slice(&body(opened)).unwrap();
        authy_free(opened);
        let handle = reply["value"]["handle"].as_u64().expect("a handle");
        authy_free(request(handle, json!({"op": "init"})));
        authy_free(request(
            handle,
            json!({"op": "store", "name": "s", "value": secret}),
        ));

        // A response holding the secret: it is there before the free, and
        // the allocator gets back nothing but zeroes, header included.
        for op in [
            json!({"op": "get", "name": "s"}),
            json!({"op": "getOrNull", "name": "s"}),
        ] {
            let block = request(handle, op);
            let json = body(block);
            assert!(
                json.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "the response does not carry the value"
            );
            let (size, nonzero) = free_watched(block);
            assert_eq!(size, 8 + json.len(), "the whole block is handed back");
            assert_eq!(nonzero, 0, "authy_free left {nonzero} bytes unzeroed");
        }

        // Error envelopes and the other entry points go the same way.
        let error = request(handle, json!({"op": "get", "name": "missing"}));
        let (_, nonzero) = free_watched(error);
        assert_eq!(nonzero, 0);
        let (_, nonzero) = free_watched(authy_close(handle));
        assert_eq!(nonzero, 0);
    }
}
