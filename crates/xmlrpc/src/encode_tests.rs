//! Writing results, faults and calls: each type, Odoo's refusals, and what reads back.

use super::*;
use crate::{MethodCall, decode_call, decode_response};
use serde_json::json;

fn body(value: &Value) -> String {
    let out = encode_response(value).unwrap();
    let inner = out.split("<param>\n").nth(1).unwrap();
    inner
        .split("</param>")
        .next()
        .unwrap()
        .trim_end()
        .to_string()
}

#[test]
fn scalars_are_written_as_odoo_writes_them() {
    assert_eq!(body(&json!(7)), "<value><int>7</int></value>");
    assert_eq!(
        body(&json!(-2147483648i64)),
        "<value><int>-2147483648</int></value>"
    );
    assert_eq!(
        body(&json!(2147483648i64)),
        "<value><i8>2147483648</i8></value>"
    );
    assert_eq!(body(&json!(true)), "<value><boolean>1</boolean></value>");
    assert_eq!(body(&json!(false)), "<value><boolean>0</boolean></value>");
    assert_eq!(body(&json!(1.5)), "<value><double>1.5</double></value>");
    assert_eq!(body(&json!(1e300)), "<value><double>1e300</double></value>");
    assert_eq!(
        body(&json!("a<b>&c")),
        "<value><string>a&lt;b&gt;&amp;c</string></value>"
    );
}

#[test]
fn control_characters_are_stripped_but_tab_lf_cr_kept() {
    let written = body(&json!("a\u{0}b\u{1b}c\td\ne\rf"));
    assert_eq!(written, "<value><string>abc\td\ne&#13;f</string></value>");
    let back = decode_response(encode_response(&json!("x\ry\u{7}")).unwrap().as_bytes());
    assert_eq!(back.unwrap(), Ok(json!("x\ry")));
}

#[test]
fn arrays_and_structs_are_written_and_read_back() {
    let value = json!([{"id": 1, "name": "A", "tags": [1, 2], "x": {"y": [true, 0.5]}}, [], {}]);
    let written = encode_response(&value).unwrap();
    assert!(written.contains("<value><array><data>\n<value><struct>\n<member>\n<name>id</name>\n<value><int>1</int></value>\n</member>"));
    assert_eq!(decode_response(written.as_bytes()).unwrap(), Ok(value));
}

#[test]
fn a_null_result_is_refused_as_odoo_refuses_none() {
    let error = encode_response(&Value::Null).unwrap_err();
    assert_eq!(
        error.reason,
        "cannot marshal None unless allow_none is enabled"
    );
    assert_eq!(error.path, "result");
    let inner = encode_response(&json!([{"id": 1, "partner_id": null}])).unwrap_err();
    assert_eq!(
        inner.to_string(),
        "cannot marshal None unless allow_none is enabled (at result[0].partner_id)"
    );
}

#[test]
fn integers_beyond_64_bits_and_deep_values_are_refused() {
    let error = encode_response(&json!(u64::MAX)).unwrap_err();
    assert!(error.reason.contains("64-bit"), "{error}");
    let mut deep = json!(1);
    for _ in 0..300 {
        deep = json!([deep]);
    }
    assert!(
        encode_response(&deep)
            .unwrap_err()
            .reason
            .contains("nested deeper")
    );
}

#[test]
fn faults_with_int_and_string_codes() {
    let int = Fault {
        code: FaultCode::Int(2),
        string: "a <b> & c\u{1}".into(),
    };
    let written = encode_fault(&int);
    assert!(
        written.contains("<name>faultCode</name>\n<value><int>2</int></value>"),
        "{written}"
    );
    assert!(
        written.contains("<value><string>a &lt;b&gt; &amp; c</string></value>"),
        "{written}"
    );
    let read = decode_response(written.as_bytes()).unwrap().unwrap_err();
    assert_eq!(
        read,
        Fault {
            code: FaultCode::Int(2),
            string: "a <b> & c".into()
        }
    );
    let text = Fault {
        code: FaultCode::Text("warning -- UserError\n\nNo.".into()),
        string: String::new(),
    };
    let read = decode_response(encode_fault(&text).as_bytes())
        .unwrap()
        .unwrap_err();
    assert_eq!(read, text);
}

#[test]
fn calls_write_nulls_as_nil_and_read_back() {
    let params = vec![
        json!("db"),
        json!(2),
        json!(null),
        json!({"a": [null, 1.25]}),
    ];
    let written = encode_call("execute_kw", &params).unwrap();
    assert!(written.contains("<value><nil/></value>"));
    let read = decode_call(written.as_bytes()).unwrap();
    assert_eq!(
        read,
        MethodCall {
            name: "execute_kw".into(),
            params
        }
    );
}
