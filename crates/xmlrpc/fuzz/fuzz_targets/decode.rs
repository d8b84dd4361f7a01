//! Arbitrary bytes as an XML-RPC call and as a response: never a panic, and every call that
//! reads writes again and reads back the same (strings without the control characters the
//! writer strips, which the reader refuses anyway).
#![no_main]

use libfuzzer_sys::fuzz_target;
use weft_xmlrpc::{decode_call, decode_response, encode_call, encode_response};

fuzz_target!(|data: &[u8]| {
    if let Ok(call) = decode_call(data) {
        let written = encode_call(&call.name, &call.params).expect("a decoded call writes");
        let read = decode_call(written.as_bytes()).expect("a written call reads");
        assert_eq!(read, call);
    }
    if let Ok(Ok(result)) = decode_response(data) {
        // A result with a null is refused by the writer, anything else must read back.
        if let Ok(written) = encode_response(&result) {
            let read = decode_response(written.as_bytes()).expect("a written response reads");
            assert_eq!(read, Ok(result));
        }
    }
});
