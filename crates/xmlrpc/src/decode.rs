//! Reading a `methodCall` (the server's side) or a `methodResponse` (a client's) with quick-xml's
//! event reader and a stack of open elements of our own: each element is checked against its
//! parent as it opens, so the stack only ever holds XML-RPC's structure and its depth is bounded
//! by `MAX_DEPTH` arrays and structs. Nothing recurses, nothing panics: every refusal is a
//! `DecodeError` at the position of the markup at fault.

use crate::error::DecodeError;
use crate::scalar::Scalar;
use crate::{Fault, FaultCode};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use serde_json::{Map, Value};

/// How deep arrays and structs may nest in one value (an Odoo domain needs 3 or 4).
pub const MAX_DEPTH: usize = 64;

/// A decoded `methodCall`: the method and its positional parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodCall {
    pub name: String,
    pub params: Vec<Value>,
}

/// Read a `methodCall`.
pub fn decode_call(input: &[u8]) -> Result<MethodCall, DecodeError> {
    match parse(input, Root::Call)? {
        Document::Call(call) => Ok(call),
        Document::Response(_) => Err(DecodeError::at(input, 0, "not a <methodCall>")),
    }
}

/// Read a `methodResponse`: the result, or the fault the server answered.
pub fn decode_response(input: &[u8]) -> Result<Result<Value, Fault>, DecodeError> {
    match parse(input, Root::Response)? {
        Document::Response(outcome) => Ok(outcome),
        Document::Call(_) => Err(DecodeError::at(input, 0, "not a <methodResponse>")),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Root {
    Call,
    Response,
}

enum Document {
    Call(MethodCall),
    Response(Result<Value, Fault>),
}

/// One open element and what it has gathered so far.
enum Frame {
    Document(Root, Option<Document>),
    MethodCall(Option<String>, Option<Vec<Value>>),
    MethodResponse(Option<Result<Value, Fault>>),
    MethodName(String),
    Params(Vec<Value>),
    Param(Option<Value>),
    Fault(Option<Value>),
    /// The text of an untyped value, and the typed value inside it once read.
    Value(String, Option<Value>),
    Scalar(Scalar, String),
    Array(Option<Vec<Value>>),
    Data(Vec<Value>),
    Struct(Map<String, Value>),
    Member(Option<String>, Option<Value>),
    Name(String),
}

/// What a closed element hands to its parent.
enum Done {
    Document(Document),
    Text(String),
    Values(Vec<Value>),
    Value(Value),
    Fault(Fault),
    Member(String, Value),
}

impl Frame {
    fn tag(&self) -> &'static str {
        match self {
            Frame::Document(..) => "the document",
            Frame::MethodCall(..) => "<methodCall>",
            Frame::MethodResponse(..) => "<methodResponse>",
            Frame::MethodName(..) => "<methodName>",
            Frame::Params(..) => "<params>",
            Frame::Param(..) => "<param>",
            Frame::Fault(..) => "<fault>",
            Frame::Value(..) => "<value>",
            Frame::Scalar(..) => "a scalar value",
            Frame::Array(..) => "<array>",
            Frame::Data(..) => "<data>",
            Frame::Struct(..) => "<struct>",
            Frame::Member(..) => "<member>",
            Frame::Name(..) => "<name>",
        }
    }

    /// The frame `name` opens inside this one, or why it may not appear here.
    fn open(&self, name: &[u8]) -> Result<Frame, String> {
        let child = match (self, name) {
            (Frame::Document(Root::Call, None), b"methodCall") => Frame::MethodCall(None, None),
            (Frame::Document(Root::Response, None), b"methodResponse") => {
                Frame::MethodResponse(None)
            }
            (Frame::MethodCall(None, None), b"methodName") => Frame::MethodName(String::new()),
            (Frame::MethodCall(Some(_), None), b"params") => Frame::Params(Vec::new()),
            (Frame::MethodResponse(None), b"params") => Frame::Params(Vec::new()),
            (Frame::MethodResponse(None), b"fault") => Frame::Fault(None),
            (Frame::Params(_), b"param") => Frame::Param(None),
            (Frame::Param(None) | Frame::Fault(None) | Frame::Data(_), b"value")
            | (Frame::Member(Some(_), None), b"value") => Frame::Value(String::new(), None),
            (Frame::Value(_, None), b"array") => Frame::Array(None),
            (Frame::Value(_, None), b"struct") => Frame::Struct(Map::new()),
            (Frame::Value(_, None), scalar) => match Scalar::by_name(scalar) {
                Some(ty) => Frame::Scalar(ty, String::new()),
                None => return Err(format!("unknown value type <{}>", shown(name))),
            },
            (Frame::Array(None), b"data") => Frame::Data(Vec::new()),
            (Frame::Struct(_), b"member") => Frame::Member(None, None),
            (Frame::Member(None, None), b"name") => Frame::Name(String::new()),
            _ => return Err(self.misplaced(name)),
        };
        Ok(child)
    }

    /// Why `name` may not open here: a second one of a kind, the wrong order, or a stranger.
    fn misplaced(&self, name: &[u8]) -> String {
        let name = shown(name);
        match self {
            Frame::Document(Root::Call, None) => format!("the root is <{name}>, not <methodCall>"),
            Frame::Document(Root::Response, None) => {
                format!("the root is <{name}>, not <methodResponse>")
            }
            Frame::Document(_, Some(_)) => format!("<{name}> after the root element"),
            Frame::Value(_, Some(_)) => format!("<{name}> after the value: a <value> holds one"),
            Frame::MethodCall(None, _) => format!("<{name}> before <methodName>"),
            Frame::Member(None, _) => format!("<{name}> before the member's <name>"),
            Frame::Param(Some(_)) | Frame::Fault(Some(_)) | Frame::Member(_, Some(_)) => {
                format!("<{name}> after the {}'s <value>", self.tag())
            }
            _ => format!("<{name}> is not allowed inside {}", self.tag()),
        }
    }

    /// Add character data: the text of names and values, whitespace between the others.
    fn text(&mut self, text: &str) -> Result<(), String> {
        match self {
            Frame::MethodName(s) | Frame::Name(s) | Frame::Scalar(_, s) | Frame::Value(s, _) => {
                s.push_str(text);
                Ok(())
            }
            _ if is_blank(text) => Ok(()),
            _ => Err(format!(
                "text '{}' inside {}",
                shown(text.as_bytes()),
                self.tag()
            )),
        }
    }

    /// Close this element: what it hands to its parent, or why it is incomplete.
    fn finish(self) -> Result<Done, String> {
        Ok(match self {
            Frame::MethodCall(Some(name), params) => Done::Document(Document::Call(MethodCall {
                name,
                params: params.unwrap_or_default(),
            })),
            Frame::MethodCall(None, _) => return Err("<methodCall> without <methodName>".into()),
            Frame::MethodResponse(Some(outcome)) => Done::Document(Document::Response(outcome)),
            Frame::MethodResponse(None) => {
                return Err("<methodResponse> holds neither <params> nor <fault>".into());
            }
            Frame::MethodName(name) | Frame::Name(name) => Done::Text(name),
            Frame::Params(values) | Frame::Data(values) => Done::Values(values),
            Frame::Param(Some(value)) => Done::Value(value),
            Frame::Fault(Some(value)) => Done::Fault(fault(value)?),
            Frame::Value(text, None) => Done::Value(Value::String(text)),
            Frame::Value(text, Some(typed)) if is_blank(&text) => Done::Value(typed),
            Frame::Value(text, Some(_)) => {
                let text = shown(text.trim().as_bytes());
                return Err(format!("text '{text}' beside the typed value of a <value>"));
            }
            Frame::Scalar(ty, text) => Done::Value(ty.read(text)?),
            Frame::Array(values) => Done::Value(Value::Array(values.unwrap_or_default())),
            Frame::Struct(members) => Done::Value(Value::Object(members)),
            Frame::Member(Some(name), Some(value)) => Done::Member(name, value),
            Frame::Param(None) | Frame::Fault(None) | Frame::Member(Some(_), None) => {
                return Err(format!("{} without <value>", self.tag()));
            }
            Frame::Member(None, _) => return Err("<member> without <name>".into()),
            Frame::Document(..) => return Err("a closing tag without an element".into()),
        })
    }

    /// Take what a closed child handed over.
    fn accept(&mut self, done: Done) -> Result<(), String> {
        match (self, done) {
            (Frame::Document(_, slot), Done::Document(document)) => *slot = Some(document),
            (Frame::MethodCall(slot, _), Done::Text(name)) => *slot = Some(name),
            (Frame::MethodCall(_, slot), Done::Values(params)) => *slot = Some(params),
            (Frame::MethodResponse(slot), Done::Values(mut params)) => {
                if params.len() != 1 {
                    let n = params.len();
                    return Err(format!("a <methodResponse> holds one <param>, not {n}"));
                }
                *slot = params.pop().map(Ok);
            }
            (Frame::MethodResponse(slot), Done::Fault(fault)) => *slot = Some(Err(fault)),
            (Frame::Params(values) | Frame::Data(values), Done::Value(value)) => values.push(value),
            (Frame::Param(slot) | Frame::Fault(slot), Done::Value(value)) => *slot = Some(value),
            (Frame::Value(_, slot), Done::Value(value)) => *slot = Some(value),
            (Frame::Array(slot), Done::Values(values)) => *slot = Some(values),
            (Frame::Struct(members), Done::Member(name, value)) => {
                // A repeated name keeps its last value, as Python's reader does.
                members.insert(name, value);
            }
            (Frame::Member(slot, _), Done::Text(name)) => *slot = Some(name),
            (Frame::Member(_, slot), Done::Value(value)) => *slot = Some(value),
            (frame, _) => return Err(format!("unexpected content inside {}", frame.tag())),
        }
        Ok(())
    }

    fn nests(&self) -> bool {
        matches!(self, Frame::Array(_) | Frame::Struct(_))
    }
}

/// A fault's struct: `faultCode` (an int or a string) and `faultString`.
fn fault(value: Value) -> Result<Fault, String> {
    let Value::Object(mut members) = value else {
        return Err("a <fault> holds a <struct>".into());
    };
    let code = match members.remove("faultCode") {
        Some(Value::String(text)) => FaultCode::Text(text),
        Some(Value::Number(n)) => match n.as_i64().and_then(|n| i32::try_from(n).ok()) {
            Some(code) => FaultCode::Int(code),
            None => return Err(format!("faultCode {n} is not a 32-bit integer")),
        },
        _ => return Err("a <fault> without an int or string faultCode".into()),
    };
    match members.remove("faultString") {
        Some(Value::String(string)) => Ok(Fault { code, string }),
        _ => Err("a <fault> without a string faultString".into()),
    }
}

fn is_blank(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// At most 40 bytes of a name or text, lossily decoded, for a message.
fn shown(bytes: &[u8]) -> String {
    let cut = &bytes[..bytes.len().min(40)];
    let mut text = String::from_utf8_lossy(cut).into_owned();
    if bytes.len() > 40 {
        text.push_str("...");
    }
    text
}

/// The reader's state across events: the open elements and how deep values nest.
struct Parser<'a> {
    input: &'a [u8],
    /// Bytes of a byte order mark skipped before the reader's offsets start.
    skipped: usize,
    stack: Vec<Frame>,
    /// Where each open element starts: an element's own refusal points at its opening tag.
    starts: Vec<usize>,
    nesting: usize,
}

fn parse(input: &[u8], root: Root) -> Result<Document, DecodeError> {
    match declared(input).filter(|name| LATIN1.contains(&name.as_str())) {
        // One character per byte: lines and columns stay those of the bytes sent.
        Some(_) => parse_utf8(input.iter().map(|&b| b as char).collect::<String>(), root),
        None => parse_utf8(input, root),
    }
}

/// The names of ISO-8859-1, PHP's xmlrpc extension's default: each byte is the code point of the
/// same value, so such a body is read as UTF-8 once each byte is widened.
const LATIN1: [&str; 4] = ["iso-8859-1", "iso8859-1", "latin-1", "latin1"];

/// The encoding an XML declaration at the start of `input` names, lowercased.
fn declared(input: &[u8]) -> Option<String> {
    let head = &input[..input.len().min(256)];
    let decl = head.strip_prefix(b"<?xml")?;
    let decl = &decl[..decl.windows(2).position(|w| w == b"?>")?];
    let lower = decl.to_ascii_lowercase();
    let at = lower.windows(8).position(|w| w == b"encoding")?;
    let rest = lower[at + 8..]
        .trim_ascii_start()
        .strip_prefix(b"=")?
        .trim_ascii_start();
    let (&quote, value) = rest.split_first()?;
    let end = value.iter().position(|&b| b == quote)?;
    String::from_utf8(value[..end].to_vec()).ok()
}

fn parse_utf8(input: impl AsRef<[u8]>, root: Root) -> Result<Document, DecodeError> {
    let input = input.as_ref();
    let body = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let mut parser = Parser {
        input,
        skipped: input.len() - body.len(),
        stack: vec![Frame::Document(root, None)],
        starts: vec![0],
        nesting: 0,
    };
    let mut reader = Reader::from_reader(body);
    let config = reader.config_mut();
    config.expand_empty_elements = true;
    config.check_end_names = true;
    config.trim_text(false);
    loop {
        let at = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => return Err(parser.fail(reader.error_position() as usize, e.to_string())),
        };
        let step = match event {
            Event::Eof => break,
            Event::Start(start) => parser.start(&start, at),
            Event::Empty(start) => parser.start(&start, at).and_then(|()| parser.end()),
            Event::End(_) => parser.end(),
            Event::Text(text) => parser.text(&text.into_inner(), true),
            Event::CData(data) => parser.text(&data.into_inner(), false),
            Event::Decl(decl) => declared_encoding(&decl).map_err(Refusal::from),
            Event::DocType(_) => {
                Err("a DOCTYPE is refused (XML-RPC has none; no entity is ever expanded)".into())
            }
            Event::Comment(_) | Event::PI(_) => Ok(()),
        };
        step.map_err(|refused| parser.fail(refused.at.unwrap_or(at), refused.reason))?;
    }
    parser.eof()
}

/// One event's outcome.
type Step = Result<(), Refusal>;

/// Why an event was refused, and where when not at the event itself.
struct Refusal {
    at: Option<usize>,
    reason: String,
}

impl From<String> for Refusal {
    fn from(reason: String) -> Refusal {
        Refusal { at: None, reason }
    }
}

impl From<&str> for Refusal {
    fn from(reason: &str) -> Refusal {
        Refusal::from(reason.to_string())
    }
}

/// UTF-8 (what Python's and most clients send), and ISO-8859-1 once widened by `parse`.
fn declared_encoding(decl: &quick_xml::events::BytesDecl) -> Result<(), String> {
    match decl.encoding() {
        None => Ok(()),
        Some(Ok(name)) => match name.to_ascii_lowercase().as_slice() {
            b"utf-8" | b"utf8" | b"us-ascii" | b"ascii" => Ok(()),
            other => Err(format!(
                "encoding '{}' is not read: send UTF-8",
                shown(other)
            )),
        },
        Some(Err(e)) => Err(format!("the XML declaration: {e}")),
    }
}

impl Parser<'_> {
    fn fail(&self, offset: usize, reason: String) -> DecodeError {
        DecodeError::at(self.input, self.skipped + offset, reason)
    }

    fn top(&mut self) -> Result<&mut Frame, String> {
        self.stack
            .last_mut()
            .ok_or_else(|| "content after the document".to_string())
    }

    fn start(&mut self, start: &BytesStart, at: usize) -> Step {
        // Attributes mean nothing in XML-RPC, but must be well-formed.
        for attribute in start.attributes() {
            attribute.map_err(|e| format!("an attribute of <{}>: {e}", shown(start.name().0)))?;
        }
        let child = self.top()?.open(start.local_name().into_inner())?;
        if child.nests() {
            self.nesting += 1;
            if self.nesting > crate::MAX_DEPTH {
                let max = crate::MAX_DEPTH;
                return Err(format!("arrays and structs nest deeper than {max}").into());
            }
        }
        self.stack.push(child);
        self.starts.push(at);
        Ok(())
    }

    /// Close the innermost element; its refusal points at its opening tag.
    fn end(&mut self) -> Step {
        if self.stack.len() < 2 {
            return Err("a closing tag without an element".into());
        }
        let (Some(frame), Some(at)) = (self.stack.pop(), self.starts.pop()) else {
            return Err("a closing tag without an element".into());
        };
        if frame.nests() {
            self.nesting -= 1;
        }
        let done = frame.finish().map_err(|reason| Refusal {
            at: Some(at),
            reason,
        })?;
        Ok(self.top()?.accept(done)?)
    }

    /// Character data: unescaped (text, not CDATA), line ends normalized as XML requires, and
    /// the control characters XML 1.0 forbids refused, as Python's expat refuses them.
    fn text(&mut self, raw: &[u8], escaped: bool) -> Step {
        let raw = std::str::from_utf8(raw).map_err(|e| format!("text is not UTF-8: {e}"))?;
        let raw = if raw.contains('\r') {
            std::borrow::Cow::Owned(raw.replace("\r\n", "\n").replace('\r', "\n"))
        } else {
            std::borrow::Cow::Borrowed(raw)
        };
        let text = if escaped {
            quick_xml::escape::unescape(&raw).map_err(|e| e.to_string())?
        } else {
            raw
        };
        if let Some(c) = text
            .chars()
            .find(|&c| (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
        {
            return Err(format!("control character U+{:04X} in text", c as u32).into());
        }
        Ok(self.top()?.text(&text)?)
    }

    fn eof(mut self) -> Result<Document, DecodeError> {
        let end = self.input.len() - self.skipped;
        match self.stack.pop() {
            Some(Frame::Document(_, Some(document))) => Ok(document),
            Some(Frame::Document(Root::Call, None)) => {
                Err(self.fail(end, "no <methodCall> element".into()))
            }
            Some(Frame::Document(Root::Response, None)) => {
                Err(self.fail(end, "no <methodResponse> element".into()))
            }
            Some(open) => {
                let reason = format!("the document ends inside {}", open.tag());
                Err(self.fail(end, reason))
            }
            None => Err(self.fail(end, "an empty document".into())),
        }
    }
}

#[cfg(test)]
#[path = "decode_tests.rs"]
mod tests;
