//! Bounded property tests of the codec, run by CI beside the unit tests (the fuzz target in
//! `fuzz/` explores further, by hand): arbitrary bytes and mutations of valid calls never panic,
//! and generated values read back as they were written (strings without the control characters
//! the writer strips).

use proptest::prelude::*;
use serde_json::{Map, Value};
use weft_xmlrpc::{
    Fault, FaultCode, decode_call, decode_response, encode_call, encode_fault, encode_response,
};

/// A JSON value XML-RPC carries: no nulls, finite floats, i64 integers, nested a few levels.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<i32>().prop_map(Value::from),
        any::<bool>().prop_map(Value::Bool),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[a-z<>&;# \t\r\n]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-zA-Z_&<\u{1}]{0,6}", inner), 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// What reads back: the value with the control characters XML 1.0 forbids stripped from its
/// strings and member names (members that then collide keep the last one written).
fn as_read(value: &Value) -> Value {
    let strip = |s: &str| {
        s.chars()
            .filter(|&c| c as u32 >= 0x20 || matches!(c, '\t' | '\n' | '\r'))
            .collect::<String>()
    };
    match value {
        Value::String(s) => Value::String(strip(s)),
        Value::Array(items) => Value::Array(items.iter().map(as_read).collect()),
        Value::Object(members) => {
            let mut read = Map::new();
            for (name, member) in members {
                read.insert(strip(name), as_read(member));
            }
            Value::Object(read)
        }
        other => other.clone(),
    }
}

/// Pieces of XML-RPC and XML to splice into valid calls.
const PIECES: &[&str] = &[
    "<value>",
    "</value>",
    "<array>",
    "<data>",
    "</data>",
    "</array>",
    "<struct>",
    "</struct>",
    "<member>",
    "</member>",
    "<name>",
    "</name>",
    "<int>",
    "</int>",
    "<i8>",
    "<double>",
    "<boolean>",
    "<base64>",
    "<dateTime.iso8601>",
    "<nil/>",
    "<string>",
    "&amp;",
    "&#",
    "&#x",
    "&lt",
    "]]>",
    "<![CDATA[",
    "<!DOCTYPE x>",
    "<?xml version='1.0'?>",
    "<!--",
    "-->",
    "\u{0}",
    "\r",
    "\u{FEFF}",
    "<",
    ">",
    "/",
    "'",
    "\"",
    "=",
    "9999999999999999999999",
    "nan",
];

#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, usize),
    Delete(usize, usize),
    Flip(usize, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0..PIECES.len()).prop_map(|(at, piece)| Edit::Insert(at, piece)),
        (any::<usize>(), 1usize..16).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Edit::Flip(at, byte)),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits {
        let len = bytes.len().max(1);
        match *edit {
            Edit::Insert(at, piece) => {
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, PIECES[piece].bytes());
            }
            Edit::Delete(at, n) if !bytes.is_empty() => {
                let at = at % len;
                let end = (at + n).min(bytes.len());
                bytes.drain(at..end);
            }
            Edit::Flip(at, byte) if !bytes.is_empty() => bytes[at % len] = byte,
            _ => {}
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = decode_call(&bytes);
        let _ = decode_response(&bytes);
    }

    #[test]
    fn mutated_calls_never_panic(
        params in prop::collection::vec(value(), 0..4),
        edits in prop::collection::vec(edit(), 1..8),
    ) {
        let call = encode_call("execute_kw", &params).unwrap();
        let mutated = apply(call.into_bytes(), &edits);
        if let Ok(decoded) = decode_call(&mutated) {
            // Whatever reads must write again and read back the same.
            let again = encode_call(&decoded.name, &decoded.params).unwrap();
            prop_assert_eq!(decode_call(again.as_bytes()).unwrap(), as_read_call(decoded));
        }
        let _ = decode_response(&mutated);
    }
}

fn as_read_call(call: weft_xmlrpc::MethodCall) -> weft_xmlrpc::MethodCall {
    weft_xmlrpc::MethodCall {
        name: call
            .name
            .chars()
            .filter(|&c| c as u32 >= 0x20 || matches!(c, '\t' | '\n' | '\r'))
            .collect(),
        params: call.params.iter().map(as_read).collect(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    #[test]
    fn calls_read_back_as_written(params in prop::collection::vec(value(), 0..4)) {
        let written = encode_call("search_read", &params).unwrap();
        let read = decode_call(written.as_bytes()).unwrap();
        prop_assert_eq!(read.name, "search_read");
        prop_assert_eq!(read.params, params.iter().map(as_read).collect::<Vec<_>>());
    }

    #[test]
    fn results_read_back_as_written(result in value()) {
        let written = encode_response(&result).unwrap();
        prop_assert_eq!(decode_response(written.as_bytes()).unwrap(), Ok(as_read(&result)));
    }

    #[test]
    fn faults_read_back_as_written(code in any::<i32>(), text in any::<String>(), string in any::<String>()) {
        for code in [FaultCode::Int(code), FaultCode::Text(text.clone())] {
            let fault = Fault { code, string: string.clone() };
            let read = decode_response(encode_fault(&fault).as_bytes()).unwrap().unwrap_err();
            let stripped = |s: &str| as_read(&Value::String(s.to_string()));
            prop_assert_eq!(Value::String(read.string), stripped(&fault.string));
            match (read.code, fault.code) {
                (FaultCode::Int(a), FaultCode::Int(b)) => prop_assert_eq!(a, b),
                (FaultCode::Text(a), FaultCode::Text(b)) => prop_assert_eq!(Value::String(a), stripped(&b)),
                (a, b) => prop_assert!(false, "{:?} read as {:?}", b, a),
            }
        }
    }
}
