//! `order` strings: `"name desc, id"`.
//!
//! Only plain field names (`[a-z_][a-z0-9_]*`) and `asc`/`desc` (any case) are accepted, so an
//! order can be turned into SQL without ever pasting client text; anything else is refused with
//! the character position.

use std::fmt;

use crate::error::DomainError;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Order(pub Vec<OrderTerm>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderTerm {
    pub field: String,
    pub descending: bool,
}

impl Order {
    /// An empty or blank string is the empty order.
    pub fn parse(s: &str) -> Result<Order, DomainError> {
        let mut reader = Reader {
            chars: s.chars().collect(),
            pos: 0,
        };
        reader.skip_space();
        let mut terms = Vec::new();
        if reader.at_end() {
            return Ok(Order(terms));
        }
        loop {
            terms.push(reader.term()?);
            reader.skip_space();
            match reader.peek() {
                None => return Ok(Order(terms)),
                Some(',') => reader.pos += 1,
                Some(_) => return Err(reader.error("',' or end of input")),
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, term) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(
                f,
                "{}{}",
                term.field,
                if term.descending { " desc" } else { "" }
            )?;
        }
        Ok(())
    }
}

struct Reader {
    chars: Vec<char>,
    pos: usize,
}

impl Reader {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn skip_space(&mut self) -> bool {
        let start = self.pos;
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
        self.pos > start
    }

    fn error(&self, expected: &str) -> DomainError {
        let found = self
            .peek()
            .map_or_else(|| "end of input".to_string(), |c| format!("{c:?}"));
        DomainError::syntax(self.pos, expected, found)
    }

    /// `field [asc|desc]`, surrounding spaces included.
    fn term(&mut self) -> Result<OrderTerm, DomainError> {
        self.skip_space();
        let start = self.pos;
        let field = self.word();
        let bad = field
            .chars()
            .enumerate()
            .find(|(i, c)| !is_field_char(*c) || (*i == 0 && c.is_ascii_digit()));
        if field.is_empty() || bad.is_some() {
            self.pos = start + bad.map_or(0, |(i, _)| i);
            return Err(self.error("a field name ([a-z_][a-z0-9_]*)"));
        }
        if !self.skip_space() || matches!(self.peek(), None | Some(',')) {
            return Ok(OrderTerm {
                field,
                descending: false,
            });
        }
        let direction = self.word();
        match direction.to_ascii_lowercase().as_str() {
            "asc" => Ok(OrderTerm {
                field,
                descending: false,
            }),
            "desc" => Ok(OrderTerm {
                field,
                descending: true,
            }),
            _ => {
                self.pos -= direction.chars().count();
                Err(self.error("'asc', 'desc', ',' or end of input"))
            }
        }
    }

    /// The run of characters up to a space or a comma.
    fn word(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(|c| !c.is_whitespace() && c != ',') {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }
}

fn is_field_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
}
