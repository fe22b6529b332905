//! The response blocks themselves: the length header, the ABI version the
//! library and its header file report, and authy_free's contract.
//! (That authy_free zeroes a block is checked by a unit test in
//! src/envelope.rs; freed memory cannot be read safely from here.)

mod common;

use serde_json::json;

use authy_vault::{authy_abi_version, authy_call, authy_free, RESPONSE_HEADER_BYTES};

use common::{assert_secret, take_block, Fixture};

#[test]
fn the_abi_version_matches_the_header_file() {
    let header = include_str!("../authy_vault.h");
    let defined = header
        .lines()
        .find_map(|l| l.strip_prefix("#define AUTHY_ABI_VERSION "))
        .expect("the header defines AUTHY_ABI_VERSION")
        .trim()
        .parse::<u32>()
        .expect("a number");
    assert_eq!(authy_abi_version(), defined);
    assert_eq!(authy_abi_version(), 1);
    assert_eq!(RESPONSE_HEADER_BYTES, 8);
}

#[test]
fn freeing_null_does_nothing() {
    common::setup();
    for _ in 0..3 {
        // SAFETY: NULL is explicitly allowed.
        unsafe { authy_free(std::ptr::null_mut()) };
    }
    // The library still answers.
    let request = br#"{"op":"ping"}"#;
    // SAFETY: a live request buffer; the block is fresh.
    let body = unsafe { take_block(authy_call(0, request.as_ptr(), request.len())) };
    assert_eq!(body, br#"{"ok":true,"value":"pong"}"#);
}

#[test]
fn the_length_header_counts_exactly_the_json_bytes() {
    common::setup();
    let request = br#"{"op":"ping"}"#;
    // SAFETY: a live request buffer; the block is read within its length
    // and freed once.
    unsafe {
        let block = authy_call(0, request.as_ptr(), request.len());
        let mut header = [0u8; 8];
        std::ptr::copy_nonoverlapping(block, header.as_mut_ptr(), 8);
        let len = u64::from_le_bytes(header);
        let body = std::slice::from_raw_parts(block.add(8), len as usize);
        assert_eq!(len as usize, body.len());
        assert_eq!(body, br#"{"ok":true,"value":"pong"}"#);
        authy_free(block);
    }
    // Error envelopes carry the same header.
    let bad = b"{";
    // SAFETY: as above.
    let body = unsafe { take_block(authy_call(0, bad.as_ptr(), bad.len())) };
    let value: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(value["ok"], json!(false));
}

#[test]
fn large_values_come_back_whole() {
    let f = Fixture::new();
    // A mebibyte of non-ASCII text, whose JSON escaping changes nothing.
    let value: String = "é-ü-ß-✓-".repeat(1 << 17);
    f.ok(json!({"op": "store", "name": "big", "value": value}));
    let got = f.ok(json!({"op": "get", "name": "big"}));
    assert_secret(&got, &value, "big");
    // Quotes, backslashes and control characters survive the envelope.
    let tricky = "a\"b\\c\n\t\u{1}\u{7f}\u{2028}end";
    f.ok(json!({"op": "store", "name": "tricky", "value": tricky}));
    let got = f.ok(json!({"op": "get", "name": "tricky"}));
    assert_secret(&got, tricky, "tricky");
}
