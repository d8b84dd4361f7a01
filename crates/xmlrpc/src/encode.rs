//! Writing a `methodResponse` (a result or a fault) and, for clients and tests, a `methodCall`,
//! in the layout of Odoo's `dumps` (Python's `Marshaller`): one element per line between values.

use crate::error::EncodeError;
use crate::{Fault, FaultCode};
use serde_json::{Number, Value};

/// Deeper values are refused rather than written by a deep recursion.
const MAX_WRITE_DEPTH: usize = 256;

/// Whether a null may be written: a call's parameter as `<nil/>` (Odoo's reader takes it), never
/// a result (Odoo marshals with `allow_none=False`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Nulls {
    AsNil,
    Refused,
}

/// A result as a `methodResponse`; a null anywhere in it is refused as Odoo refuses `None`.
pub fn encode_response(result: &Value) -> Result<String, EncodeError> {
    let mut out = String::from("<?xml version=\"1.0\"?>\n<methodResponse>\n<params>\n<param>\n");
    write_value(&mut out, result, Nulls::Refused, 0).map_err(|e| e.within("result"))?;
    out.push_str("</param>\n</params>\n</methodResponse>\n");
    Ok(out)
}

/// A fault as a `methodResponse`.
pub fn encode_fault(fault: &Fault) -> String {
    let mut out = String::from("<?xml version=\"1.0\"?>\n<methodResponse>\n<fault>\n");
    out.push_str("<value><struct>\n<member>\n<name>faultCode</name>\n");
    match &fault.code {
        FaultCode::Int(code) => out.push_str(&format!("<value><int>{code}</int></value>\n")),
        FaultCode::Text(code) => write_string(&mut out, code),
    }
    out.push_str("</member>\n<member>\n<name>faultString</name>\n");
    write_string(&mut out, &fault.string);
    out.push_str("</member>\n</struct></value>\n</fault>\n</methodResponse>\n");
    out
}

/// A `methodCall` of `method` with `params` (nulls written as `<nil/>`).
pub fn encode_call(method: &str, params: &[Value]) -> Result<String, EncodeError> {
    let mut out = String::from("<?xml version=\"1.0\"?>\n<methodCall>\n<methodName>");
    push_escaped(&mut out, method);
    out.push_str("</methodName>\n<params>\n");
    for (i, param) in params.iter().enumerate() {
        out.push_str("<param>\n");
        write_value(&mut out, param, Nulls::AsNil, 0)
            .map_err(|e| e.within(&format!("params[{i}]")))?;
        out.push_str("</param>\n");
    }
    out.push_str("</params>\n</methodCall>\n");
    Ok(out)
}

impl EncodeError {
    fn refused(reason: impl Into<String>) -> EncodeError {
        EncodeError {
            path: String::new(),
            reason: reason.into(),
        }
    }

    /// The same error one level up: `segment` before the path so far.
    fn within(mut self, segment: &str) -> EncodeError {
        self.path = format!("{segment}{}", self.path);
        self
    }
}

fn write_value(
    out: &mut String,
    value: &Value,
    nulls: Nulls,
    depth: usize,
) -> Result<(), EncodeError> {
    if depth > MAX_WRITE_DEPTH {
        return Err(EncodeError::refused(format!(
            "a value nested deeper than {MAX_WRITE_DEPTH}"
        )));
    }
    match value {
        Value::Null if nulls == Nulls::AsNil => out.push_str("<value><nil/></value>\n"),
        Value::Null => {
            return Err(EncodeError::refused(
                "cannot marshal None unless allow_none is enabled",
            ));
        }
        Value::Bool(b) => out.push_str(&format!(
            "<value><boolean>{}</boolean></value>\n",
            u8::from(*b)
        )),
        Value::Number(n) => write_number(out, n)?,
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push_str("<value><array><data>\n");
            for (i, item) in items.iter().enumerate() {
                write_value(out, item, nulls, depth + 1)
                    .map_err(|e| e.within(&format!("[{i}]")))?;
            }
            out.push_str("</data></array></value>\n");
        }
        Value::Object(members) => {
            out.push_str("<value><struct>\n");
            for (name, member) in members {
                out.push_str("<member>\n<name>");
                push_escaped(out, name);
                out.push_str("</name>\n");
                write_value(out, member, nulls, depth + 1)
                    .map_err(|e| e.within(&format!(".{name}")))?;
                out.push_str("</member>\n");
            }
            out.push_str("</struct></value>\n");
        }
    }
    Ok(())
}

/// An integer within i32 as `<int>` (what every reader knows), a larger one as `<i8>` (Python's
/// reader reads it; its writer would refuse the value), a float as `<double>` in the shortest
/// form that reads back the same.
fn write_number(out: &mut String, n: &Number) -> Result<(), EncodeError> {
    if let Some(i) = n.as_i64() {
        match i32::try_from(i) {
            Ok(small) => out.push_str(&format!("<value><int>{small}</int></value>\n")),
            Err(_) => out.push_str(&format!("<value><i8>{i}</i8></value>\n")),
        }
    } else if n.is_u64() {
        return Err(EncodeError::refused(format!(
            "integer {n} exceeds XML-RPC's 64-bit limits"
        )));
    } else if let Some(f) = n.as_f64() {
        out.push_str(&format!("<value><double>{f:?}</double></value>\n"));
    }
    Ok(())
}

fn write_string(out: &mut String, s: &str) {
    out.push_str("<value><string>");
    push_escaped(out, s);
    out.push_str("</string></value>\n");
}

/// Text escaped for XML; the control characters XML 1.0 forbids are stripped (as Odoo strips
/// them: they would break clients), a carriage return is a character reference so that it is
/// not read back as a line feed.
fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
#[path = "encode_tests.rs"]
mod tests;
