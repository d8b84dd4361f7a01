//! A reader for the Python-literal subset Odoo stores domains in.
//!
//! Lists, tuples (one-element tuples and trailing commas included), dicts with string keys, single- or double-quoted
//! strings with the usual escapes and optional `u`/`r` prefix, ints, floats, `True`/`False`/`None`
//! and their JSON spellings. Names, calls and operators are refused: a domain is data, never code.
//! The result is a `serde_json::Value` (tuples become arrays), so one structural parser serves
//! both textual forms. Positions in errors are 0-based character offsets.

use serde_json::{Number, Value as Json};

use crate::MAX_DEPTH;
use crate::error::DomainError;

pub(crate) fn parse(text: &str) -> Result<Json, DomainError> {
    let mut reader = Reader {
        chars: text.chars().collect(),
        pos: 0,
    };
    reader.skip_space();
    let value = reader.value(0)?;
    reader.skip_space();
    if reader.pos < reader.chars.len() {
        return Err(reader.error("end of input"));
    }
    Ok(value)
}

struct Reader {
    chars: Vec<char>,
    pos: usize,
}

impl Reader {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn skip_space(&mut self) {
        while self
            .peek()
            .is_some_and(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
        {
            self.pos += 1;
        }
    }

    fn error(&self, expected: &str) -> DomainError {
        self.error_at(self.pos, expected)
    }

    fn error_at(&self, position: usize, expected: &str) -> DomainError {
        let found = match self.chars.get(position) {
            None => "end of input".to_string(),
            Some(c) => format!("{:?}", c),
        };
        DomainError::syntax(position, expected, found)
    }

    fn value(&mut self, depth: usize) -> Result<Json, DomainError> {
        match self.peek() {
            Some('[') => self.sequence(depth, ']'),
            Some('(') => self.sequence(depth, ')'),
            Some('{') => self.dict(depth),
            Some('\'' | '"') => self.string(false).map(Json::String),
            Some('u' | 'U' | 'r' | 'R') if matches!(self.peek_at(1), Some('\'' | '"')) => {
                let raw = matches!(self.peek(), Some('r' | 'R'));
                self.pos += 1;
                self.string(raw).map(Json::String)
            }
            Some(c) if c.is_ascii_digit() || matches!(c, '-' | '+' | '.') => self.number(),
            Some(c) if c.is_alphabetic() || c == '_' => self.keyword(),
            _ => Err(self.error("a value (list, tuple, string, number, True, False or None)")),
        }
    }

    /// `[...]` or `(...)`. A parenthesised single value without a comma is just that value, as in
    /// Python; with a comma it is a tuple.
    fn sequence(&mut self, depth: usize, close: char) -> Result<Json, DomainError> {
        if depth >= MAX_DEPTH {
            return Err(self.error(&format!("at most {MAX_DEPTH} levels of nesting")));
        }
        self.pos += 1;
        let mut items = Vec::new();
        let mut saw_comma = false;
        loop {
            self.skip_space();
            if self.peek() == Some(close) {
                self.pos += 1;
                break;
            }
            items.push(self.value(depth + 1)?);
            self.skip_space();
            match self.peek() {
                Some(',') => {
                    self.pos += 1;
                    saw_comma = true;
                }
                Some(c) if c == close => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.error(&format!("',' or '{close}'"))),
            }
        }
        if close == ')' && items.len() == 1 && !saw_comma {
            return Ok(items.pop().unwrap_or(Json::Null));
        }
        Ok(Json::Array(items))
    }

    /// `{'key': value, ...}` with string keys (a JSON object).
    fn dict(&mut self, depth: usize) -> Result<Json, DomainError> {
        if depth >= MAX_DEPTH {
            return Err(self.error(&format!("at most {MAX_DEPTH} levels of nesting")));
        }
        self.pos += 1;
        let mut map = serde_json::Map::new();
        loop {
            self.skip_space();
            if self.peek() == Some('}') {
                self.pos += 1;
                return Ok(Json::Object(map));
            }
            let key = match self.value(depth + 1)? {
                Json::String(key) => key,
                _ => return Err(self.error("a string key")),
            };
            self.skip_space();
            if self.peek() != Some(':') {
                return Err(self.error("':'"));
            }
            self.pos += 1;
            self.skip_space();
            let value = self.value(depth + 1)?;
            map.insert(key, value);
            self.skip_space();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some('}') => {
                    self.pos += 1;
                    return Ok(Json::Object(map));
                }
                _ => return Err(self.error("',' or '}'")),
            }
        }
    }

    fn keyword(&mut self) -> Result<Json, DomainError> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            self.pos += 1;
        }
        let word: String = self.chars[start..self.pos].iter().collect();
        match word.as_str() {
            "True" | "true" => Ok(Json::Bool(true)),
            "False" | "false" => Ok(Json::Bool(false)),
            "None" | "null" => Ok(Json::Null),
            _ => Err(self.error_at(
                start,
                "a literal (names such as variables or functions are not allowed)",
            )),
        }
    }

    fn number(&mut self) -> Result<Json, DomainError> {
        let start = self.pos;
        let mut text = String::new();
        if let Some(sign @ ('-' | '+')) = self.peek() {
            text.push(sign);
            self.pos += 1;
            self.skip_space();
        }
        let digits_start = self.pos;
        let mut is_float = false;
        while let Some(c) = self.peek() {
            match c {
                '0'..='9' => {}
                '.' if !is_float => is_float = true,
                'e' | 'E' if self.pos > digits_start => {
                    is_float = true;
                    text.push(c);
                    self.pos += 1;
                    if let Some(sign @ ('-' | '+')) = self.peek() {
                        text.push(sign);
                        self.pos += 1;
                    }
                    continue;
                }
                _ => break,
            }
            text.push(c);
            self.pos += 1;
        }
        if !text.chars().any(|c| c.is_ascii_digit()) {
            return Err(self.error_at(digits_start, "a digit"));
        }
        if is_float {
            match text.parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(Json::Number(
                    Number::from_f64(f).unwrap_or_else(|| Number::from(0)),
                )),
                _ => Err(self.error_at(start, "a finite number")),
            }
        } else {
            text.parse::<i64>()
                .map(|i| Json::Number(Number::from(i)))
                .map_err(|_| self.error_at(start, "an integer within 64 bits"))
        }
    }

    fn string(&mut self, raw: bool) -> Result<String, DomainError> {
        let quote = self.peek().unwrap_or('\'');
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None | Some('\n') => {
                    return Err(self.error(&format!(
                        "the closing quote {quote} of the string at {start}"
                    )));
                }
                Some(c) if c == quote => {
                    self.pos += 1;
                    break;
                }
                Some('\\') if raw => {
                    // A raw string keeps the backslash, but it still protects the next character.
                    out.push('\\');
                    self.pos += 1;
                    if let Some(next) = self.peek() {
                        out.push(next);
                        self.pos += 1;
                    }
                }
                Some('\\') => self.escape(&mut out)?,
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
        if out.contains('\0') {
            return Err(self.error_at(start, "a string without NUL characters"));
        }
        Ok(out)
    }

    fn escape(&mut self, out: &mut String) -> Result<(), DomainError> {
        let at = self.pos;
        self.pos += 1;
        let Some(c) = self.peek() else {
            return Err(self.error("an escaped character"));
        };
        self.pos += 1;
        match c {
            '\\' | '\'' | '"' => out.push(c),
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '\n' => {} // line continuation
            'x' => out.push(self.hex_char(at, 2)?),
            'u' => out.push(self.hex_char(at, 4)?),
            'U' => out.push(self.hex_char(at, 8)?),
            '0'..='9' | 'N' => {
                return Err(
                    self.error_at(at, "a supported escape (octal and named escapes are not)")
                );
            }
            // Python keeps unknown escapes as written, which matters for LIKE patterns such as '\%'.
            other => {
                out.push('\\');
                out.push(other);
            }
        }
        Ok(())
    }

    fn hex_char(&mut self, at: usize, len: usize) -> Result<char, DomainError> {
        let end = self.pos + len;
        let digits: String = self
            .chars
            .get(self.pos..end)
            .map(|s| s.iter().collect())
            .unwrap_or_default();
        if digits.len() != len || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(self.error_at(at, &format!("{len} hexadecimal digits after the escape")));
        }
        self.pos = end;
        u32::from_str_radix(&digits, 16)
            .ok()
            .and_then(char::from_u32)
            .ok_or_else(|| self.error_at(at, "a valid unicode code point"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_python_literals() {
        let v = parse("[('a', '=', True), (\"b\", 'in', (1, -2.5, 1e3,)), ('c', '!=', None),]")
            .unwrap();
        assert_eq!(
            v,
            json!([
                ["a", "=", true],
                ["b", "in", [1, -2.5, 1000.0]],
                ["c", "!=", null]
            ])
        );
    }

    #[test]
    fn one_element_tuples_and_parentheses() {
        assert_eq!(parse("(1,)").unwrap(), json!([1]));
        assert_eq!(parse("(1)").unwrap(), json!(1));
        assert_eq!(parse("()").unwrap(), json!([]));
    }

    #[test]
    fn escapes() {
        let v = parse(r#"['\\ \' \" \n \t \r \u00e9 \x41 \%']"#).unwrap();
        assert_eq!(v, json!(["\\ ' \" \n \t \r é A \\%"]));
        assert_eq!(parse("u'x'").unwrap(), json!("x"));
        assert_eq!(parse(r"r'a\b'").unwrap(), json!("a\\b"));
    }

    #[test]
    fn json_spellings() {
        assert_eq!(
            parse("[true, false, null]").unwrap(),
            json!([true, false, null])
        );
    }

    #[test]
    fn refuses_names_with_position() {
        let err = parse("[('user_id', '=', uid)]").unwrap_err();
        assert!(
            matches!(err, DomainError::Syntax { position: 18, .. }),
            "{err}"
        );
        let err = parse("[('a', '=', f(1))]").unwrap_err();
        assert!(
            matches!(err, DomainError::Syntax { position: 12, .. }),
            "{err}"
        );
    }

    #[test]
    fn refuses_nul_and_bad_escapes() {
        assert!(parse(r"['a\x00']").is_err());
        assert!(parse(r"['a\0']").is_err());
        assert!(parse(r"['\ud800']").is_err());
        assert!(parse("['abc").is_err());
    }

    #[test]
    fn refuses_deep_nesting() {
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert!(matches!(
            parse(&deep),
            Err(DomainError::Syntax { position: 64, .. })
        ));
    }

    #[test]
    fn refuses_expressions() {
        for text in ["[1 + 2]", "[1, 2", "['a' 'b']", "[--]", "[.]", "[1]x"] {
            assert!(
                matches!(parse(text), Err(DomainError::Syntax { .. })),
                "{text}"
            );
        }
    }

    #[test]
    fn dicts_read_as_objects() {
        assert_eq!(
            parse("{'name': 'A', 'ids': (1, 2), \"ok\": True,}").unwrap(),
            serde_json::json!({"name": "A", "ids": [1, 2], "ok": true})
        );
        assert!(parse("{1: 2}").is_err());
        assert!(parse("{'a' 2}").is_err());
        assert!(parse("{'a': 2").is_err());
    }
}
