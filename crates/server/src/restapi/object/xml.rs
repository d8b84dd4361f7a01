//! XML request bodies of the object resource (research §5 "JSON/XML"): when the client asks for
//! XML, the body's root is `<vals>`, `<args>` or `<kwargs>`, written the way Synconics' replies
//! are (dicttoxml): an element of `<item>` children is a list, of other children a dictionary;
//! a `type` attribute (`str`, `int`, `float`, `bool`, `null`, `list`, `dict`) says what the text
//! or children are; untyped text is read as a query value is (a literal, else the text). A
//! DOCTYPE is refused (no entity is ever expanded) and nesting is bounded.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use serde_json::{Map, Value, json};

/// How deep elements may nest.
const MAX_DEPTH: usize = 64;

/// The roots a body may have.
const ROOTS: [&str; 3] = ["vals", "args", "kwargs"];

/// The body as `{"<root>": value}`, or why it is not read.
pub(super) fn read(body: &[u8]) -> Result<Value, String> {
    let mut reader = Reader::from_reader(body);
    let config = reader.config_mut();
    config.expand_empty_elements = true;
    config.check_end_names = true;
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<(String, Value)> = None;
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Eof => break,
            Event::Start(start) => {
                if root.is_some() {
                    return Err("content after the root element".into());
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("elements nest deeper than {MAX_DEPTH}"));
                }
                stack.push(Frame::open(&start)?);
            }
            Event::End(_) => {
                let frame = stack.pop().ok_or("a closing tag without an element")?;
                let (name, value) = frame.close()?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push((name, value)),
                    None => root = Some((name, value)),
                }
            }
            Event::Text(text) => {
                let text = text.unescape().map_err(|e| e.to_string())?;
                match stack.last_mut() {
                    Some(frame) => frame.text.push_str(&text),
                    None if text.trim().is_empty() => {}
                    None => return Err("text outside the root element".into()),
                }
            }
            Event::CData(data) => {
                let text = String::from_utf8(data.into_inner().into_owned())
                    .map_err(|_| "CDATA is not UTF-8".to_string())?;
                match stack.last_mut() {
                    Some(frame) => frame.text.push_str(&text),
                    None => return Err("CDATA outside the root element".into()),
                }
            }
            Event::DocType(_) => return Err("a DOCTYPE is refused".into()),
            Event::Empty(_) | Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
        }
    }
    match root {
        Some((name, value)) if ROOTS.contains(&name.as_str()) => Ok(json!({ name: value })),
        Some((name, _)) => Err(format!(
            "the root is <{name}>, not <vals>, <args> or <kwargs>"
        )),
        None => Err("no root element".into()),
    }
}

/// An element being read.
struct Frame {
    name: String,
    kind: Option<String>,
    text: String,
    children: Vec<(String, Value)>,
}

impl Frame {
    fn open(start: &BytesStart) -> Result<Frame, String> {
        let name = String::from_utf8(start.name().as_ref().to_vec())
            .map_err(|_| "an element name is not UTF-8".to_string())?;
        let mut kind = None;
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|e| e.to_string())?;
            if attribute.key.as_ref() == b"type" {
                let value = attribute.unescape_value().map_err(|e| e.to_string())?;
                kind = Some(value.into_owned());
            }
        }
        Ok(Frame {
            name,
            kind,
            text: String::new(),
            children: Vec::new(),
        })
    }

    fn close(self) -> Result<(String, Value), String> {
        let text = self.text.trim();
        let value = match self.kind.as_deref() {
            Some("str" | "unicode") => json!(self.text),
            Some("int" | "float" | "number") => {
                let number = serde_json::from_str::<serde_json::Number>(text)
                    .map_err(|_| format!("<{}>: '{text}' is not a number", self.name))?;
                Value::Number(number)
            }
            Some("bool") => match text {
                "true" | "True" | "1" => json!(true),
                "false" | "False" | "0" | "" => json!(false),
                other => return Err(format!("<{}>: '{other}' is not a boolean", self.name)),
            },
            Some("null" | "None") => Value::Null,
            Some("list" | "tuple") => list(self.children),
            Some("dict") => dict(self.children),
            _ if self.children.is_empty() => {
                weft_domain::parse_literal(text).unwrap_or_else(|_| json!(text))
            }
            _ if self.children.iter().all(|(n, _)| n == "item") => list(self.children),
            _ => dict(self.children),
        };
        Ok((self.name, value))
    }
}

fn list(children: Vec<(String, Value)>) -> Value {
    Value::Array(children.into_iter().map(|(_, v)| v).collect())
}

fn dict(children: Vec<(String, Value)>) -> Value {
    Value::Object(children.into_iter().collect::<Map<String, Value>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vals_args_and_kwargs() {
        let vals = read(b"<?xml version=\"1.0\"?><vals><name>Peter &amp; Co</name><customer_rank>3</customer_rank><ref type=\"str\">007</ref><email/></vals>");
        assert_eq!(
            vals,
            Ok(
                json!({"vals": {"name": "Peter & Co", "customer_rank": 3, "ref": "007", "email": ""}})
            )
        );
        let args = read(b"<args><item><item>7</item></item><item><ref>X</ref></item></args>");
        assert_eq!(args, Ok(json!({"args": [[7], {"ref": "X"}]})));
        let kwargs = read(
            b"<kwargs><limit type=\"int\">5</limit><count type=\"bool\">False</count></kwargs>",
        );
        assert_eq!(kwargs, Ok(json!({"kwargs": {"limit": 5, "count": false}})));
    }

    #[test]
    fn refusals() {
        assert!(read(b"<other/>").is_err());
        assert!(read(b"<vals><a></vals>").is_err());
        assert!(read(b"<!DOCTYPE x [<!ENTITY e \"x\">]><vals>&e;</vals>").is_err());
        assert!(read(b"not xml").is_err());
        let deep = "<vals>".repeat(100) + &"</vals>".repeat(100);
        assert!(read(deep.as_bytes()).is_err());
    }
}
