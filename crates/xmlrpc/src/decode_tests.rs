//! Reading calls and responses: every value type, Python's own output, and the refusals with
//! their positions.

use super::*;
use serde_json::json;

fn call(body: &str) -> Result<MethodCall, DecodeError> {
    decode_call(body.as_bytes())
}

fn one(value_xml: &str) -> Result<Value, DecodeError> {
    let body = format!(
        "<?xml version='1.0'?><methodCall><methodName>m</methodName><params><param>{value_xml}</param></params></methodCall>"
    );
    call(&body).map(|c| c.params.into_iter().next().unwrap())
}

fn refusal(value_xml: &str) -> String {
    one(value_xml).unwrap_err().reason
}

#[test]
fn python_xmlrpc_client_dumps_is_read() {
    // xmlrpc.client.dumps((1, 'a', True, 1.5, [1, 2], {'k': 'v'}), 'version') as Python writes it.
    let body = "<?xml version='1.0'?>\n<methodCall>\n<methodName>version</methodName>\n<params>\n\
        <param>\n<value><int>1</int></value>\n</param>\n<param>\n<value><string>a</string></value>\n</param>\n\
        <param>\n<value><boolean>1</boolean></value>\n</param>\n<param>\n<value><double>1.5</double></value>\n</param>\n\
        <param>\n<value><array><data>\n<value><int>1</int></value>\n<value><int>2</int></value>\n</data></array></value>\n</param>\n\
        <param>\n<value><struct>\n<member>\n<name>k</name>\n<value><string>v</string></value>\n</member>\n</struct></value>\n</param>\n\
        </params>\n</methodCall>\n";
    let decoded = call(body).unwrap();
    assert_eq!(decoded.name, "version");
    assert_eq!(
        decoded.params,
        vec![
            json!(1),
            json!("a"),
            json!(true),
            json!(1.5),
            json!([1, 2]),
            json!({"k": "v"})
        ]
    );
}

#[test]
fn every_value_type_is_read() {
    assert_eq!(one("<value><i4>-3</i4></value>").unwrap(), json!(-3));
    assert_eq!(
        one("<value><ex:i8>5000000000</ex:i8></value>").unwrap(),
        json!(5_000_000_000i64)
    );
    assert_eq!(
        one("<value><boolean>0</boolean></value>").unwrap(),
        json!(false)
    );
    assert_eq!(
        one("<value><double>-0.25</double></value>").unwrap(),
        json!(-0.25)
    );
    assert_eq!(
        one("<value>untyped  text</value>").unwrap(),
        json!("untyped  text")
    );
    assert_eq!(one("<value></value>").unwrap(), json!(""));
    assert_eq!(one("<value/>").unwrap(), json!(""));
    assert_eq!(one("<value><string/></value>").unwrap(), json!(""));
    assert_eq!(
        one("<value><base64>aGVs\r\nbG8=</base64></value>").unwrap(),
        json!("aGVsbG8=")
    );
    assert_eq!(
        one("<value><dateTime.iso8601>20240105T10:11:12</dateTime.iso8601></value>").unwrap(),
        json!("2024-01-05 10:11:12")
    );
    assert_eq!(one("<value><nil/></value>").unwrap(), Value::Null);
    assert_eq!(one("<value><ex:nil/></value>").unwrap(), Value::Null);
    assert_eq!(
        one("<value><array><data/></array></value>").unwrap(),
        json!([])
    );
    assert_eq!(one("<value><array></array></value>").unwrap(), json!([]));
    assert_eq!(one("<value><struct></struct></value>").unwrap(), json!({}));
}

#[test]
fn nested_values_and_odoo_domains() {
    let domain = "<value><array><data><value><array><data><value><string>name</string></value>\
        <value><string>ilike</string></value><value><string>a&amp;b &lt;c&gt; &#233;</string></value>\
        </data></array></value></data></array></value>";
    assert_eq!(
        one(domain).unwrap(),
        json!([["name", "ilike", "a&b <c> é"]])
    );
    let record = "<value><struct><member><name>child_ids</name><value><array><data>\
        <value><array><data><value><int>6</int></value><value><int>0</int></value>\
        <value><array><data><value><int>7</int></value></data></array></value></data></array></value>\
        </data></array></value></member><member><name>note</name><value><![CDATA[<b>x</b>]]></value></member>\
        </struct></value>";
    assert_eq!(
        one(record).unwrap(),
        json!({"child_ids": [[6, 0, [7]]], "note": "<b>x</b>"})
    );
}

#[test]
fn whitespace_around_typed_values_is_ignored_and_kept_in_untyped_ones() {
    assert_eq!(
        one("<value>\n  <int> 4 </int>\n</value>").unwrap(),
        json!(4)
    );
    assert_eq!(one("<value> a\r\nb </value>").unwrap(), json!(" a\nb "));
    assert_eq!(one("<value>a&#13;b</value>").unwrap(), json!("a\rb"));
    assert_eq!(one("<value>a<!-- note -->b</value>").unwrap(), json!("ab"));
}

#[test]
fn a_repeated_member_keeps_its_last_value() {
    let body = "<value><struct><member><name>a</name><value>1</value></member>\
        <member><name>a</name><value>2</value></member></struct></value>";
    assert_eq!(one(body).unwrap(), json!({"a": "2"}));
}

#[test]
fn a_call_without_params_and_with_a_bom() {
    let decoded = decode_call(b"\xEF\xBB\xBF<methodCall><methodName>x</methodName></methodCall>");
    assert_eq!(
        decoded.unwrap(),
        MethodCall {
            name: "x".into(),
            params: vec![]
        }
    );
    let empty = call("<methodCall><methodName>x</methodName><params/></methodCall>").unwrap();
    assert!(empty.params.is_empty());
}

#[test]
fn bad_scalars_are_refused_with_their_reason() {
    assert!(refusal("<value><int>99999999999999999999</int></value>").contains("64-bit range"));
    assert!(refusal("<value><boolean>yes</boolean></value>").contains("bad boolean"));
    assert!(refusal("<value><double>NaN</double></value>").contains("not finite"));
    assert!(refusal("<value><base64>***</base64></value>").contains("invalid base64"));
    assert!(
        refusal("<value><dateTime.iso8601>soon</dateTime.iso8601></value>").contains("dateTime")
    );
    assert!(refusal("<value><float8>1</float8></value>").contains("unknown value type <float8>"));
    assert!(refusal("<value><int>1</int><int>2</int></value>").contains("a <value> holds one"));
    assert!(refusal("<value>x<int>1</int></value>").contains("beside the typed value"));
    assert!(refusal("<value><int><b/></int></value>").contains("not allowed inside a scalar"));
    assert!(refusal("<value>a\u{1}b</value>").contains("control character U+0001"));
    assert!(refusal("<value>a&#1;b</value>").contains("control character U+0001"));
}

#[test]
fn bad_structure_is_refused() {
    let cases = [
        ("<methodResponse/>", "not <methodCall>"),
        ("<methodCall><params/></methodCall>", "before <methodName>"),
        (
            "<methodCall><methodName>m</methodName></methodCall><x/>",
            "after the root",
        ),
        (
            "<methodCall><methodName>m</methodName>junk</methodCall>",
            "text 'junk'",
        ),
        (
            "<methodCall><methodName>m</methodName><params><param/></params></methodCall>",
            "<param> without <value>",
        ),
        (
            "<methodCall><methodName>m</methodName><params><param><value/><value/></param></params></methodCall>",
            "after the <param>'s <value>",
        ),
        (
            "<methodCall><methodName>m</methodName><params><param><value><struct><member><value/></member></struct></value></param></params></methodCall>",
            "before the member's <name>",
        ),
        (
            "<methodCall><methodName>m</methodName><params><param><value><struct><member><name>a</name></member></struct></value></param></params></methodCall>",
            "<member> without <value>",
        ),
        ("<methodCall>", "ends inside <methodCall>"),
        ("", "no <methodCall>"),
        (
            "<methodCall><methodName>m</methodName></methodCall",
            "tag not closed",
        ),
        (
            "<methodCall><methodName>m</methodName></methodcall>",
            "methodcall",
        ),
        (
            "<methodCall><methodName>&foo;</methodName></methodCall>",
            "foo",
        ),
    ];
    for (body, expected) in cases {
        let reason = call(body).unwrap_err().reason;
        assert!(reason.contains(expected), "{body}: {reason}");
    }
}

#[test]
fn a_doctype_is_refused_and_no_entity_expands() {
    let bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]>\n\
        <methodCall><methodName>&lol2;</methodName></methodCall>";
    let error = call(bomb).unwrap_err();
    assert!(error.reason.contains("DOCTYPE is refused"), "{error}");
    assert_eq!((error.line, error.column), (2, 1));
}

#[test]
fn errors_name_the_line_and_column() {
    let body =
        "<methodCall>\n  <methodName>m</methodName>\n  <params><param><value><int>x</int></value>";
    let error = call(body).unwrap_err();
    assert_eq!(error.line, 3);
    // The position of the <int> element whose text is wrong.
    assert_eq!(error.column, 25, "{error}");
    assert!(
        error
            .to_string()
            .starts_with("malformed XML-RPC at line 3, column 25: 'x' is not an integer")
    );
}

#[test]
fn nesting_is_bounded_without_recursion() {
    let nested = |depth: usize| {
        format!(
            "<methodCall><methodName>m</methodName><params><param>{}{}</param></params></methodCall>",
            "<value><array><data>".repeat(depth),
            "</data></array></value>".repeat(depth)
        )
    };
    assert!(call(&nested(MAX_DEPTH)).is_ok());
    let too_deep = call(&nested(MAX_DEPTH + 1)).unwrap_err();
    assert!(
        too_deep.reason.contains("nest deeper than 64"),
        "{too_deep}"
    );
    // A million levels: refused at level 65, not a stack overflow.
    assert!(call(&"<value><struct><member><name>a</name>".repeat(1_000_000)).is_err());
}

#[test]
fn encodings_other_than_utf8_are_refused() {
    let latin = b"<?xml version='1.0' encoding='ISO-8859-1'?><methodCall><methodName>m</methodName></methodCall>";
    assert!(
        decode_call(latin)
            .unwrap_err()
            .reason
            .contains("send UTF-8")
    );
    let invalid = b"<methodCall><methodName>\xff</methodName></methodCall>";
    assert!(decode_call(invalid).unwrap_err().reason.contains("UTF-8"));
}

#[test]
fn responses_and_faults_are_read() {
    let ok = "<?xml version=\"1.0\"?>\n<methodResponse>\n<params>\n<param>\n<value><int>7</int></value>\n</param>\n</params>\n</methodResponse>\n";
    assert_eq!(decode_response(ok.as_bytes()).unwrap(), Ok(json!(7)));
    let fault = "<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>3</int></value></member>\
        <member><name>faultString</name><value><string>Access Denied</string></value></member></struct></value></fault></methodResponse>";
    let expected = Fault {
        code: FaultCode::Int(3),
        string: "Access Denied".into(),
    };
    assert_eq!(decode_response(fault.as_bytes()).unwrap(), Err(expected));
    let two = "<methodResponse><params><param><value>1</value></param><param><value>2</value></param></params></methodResponse>";
    assert!(
        decode_response(two.as_bytes())
            .unwrap_err()
            .reason
            .contains("one <param>, not 2")
    );
    let bare = "<methodResponse><fault><value><int>1</int></value></fault></methodResponse>";
    assert!(
        decode_response(bare.as_bytes())
            .unwrap_err()
            .reason
            .contains("<struct>")
    );
}
