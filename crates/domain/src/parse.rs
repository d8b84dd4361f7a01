//! Domains as data: reading them from JSON or text, normalising them, writing them back.
//!
//! Normalisation follows Odoo's `normalize_domain`: an implicit `&` is put at the front whenever a
//! complete expression is followed by more tokens, and every leaf is normalised on its own
//! (operator spelling, `=` with a list is `in`, `in` with a bool is `=`). The limits (terms,
//! depth) are checked here so that later stages, which recurse, only ever see bounded input.

use std::fmt;
use std::str::FromStr;

use serde_json::Value as Json;

use crate::error::DomainError;
use crate::literal;
use crate::operator::Operator;
use crate::tree;
use crate::value::{Value, write_python_str};
use crate::{MAX_DEPTH, MAX_LEAVES};

/// A parsed, syntactically valid, normalised domain.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Domain {
    tokens: Vec<Token>,
}

/// One element of a normalised domain, in prefix order.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    And,
    Or,
    Not,
    /// `(1, '=', 1)`
    True,
    /// `(0, '=', 1)`
    False,
    Term(Term),
}

#[derive(Debug, Clone)]
pub struct Term {
    pub path: String,
    pub operator: Operator,
    pub value: Value,
    /// Where the client wrote the term in its list (0-based, before implicit `&`s are added), so a
    /// term refused while binding can be named like a malformed one. Not part of the meaning.
    pub position: usize,
}

/// Two terms are equal when they mean the same thing, wherever they were written.
impl PartialEq for Term {
    fn eq(&self, other: &Term) -> bool {
        self.path == other.path && self.operator == other.operator && self.value == other.value
    }
}

impl Domain {
    /// The domain `[]`, which matches every record.
    pub fn all() -> Domain {
        Domain::default()
    }

    /// A JSON array as RPC clients send it; a JSON string is read as domain text.
    pub fn parse_json(value: &Json) -> Result<Domain, DomainError> {
        let domain = match value {
            Json::Array(items) => Domain {
                tokens: parse_tokens(items, 1)?,
            },
            Json::String(text) => return Domain::parse_text(text),
            _ => return Err(DomainError::structure(0, "a domain must be a list")),
        };
        domain.check_limits()?;
        Ok(domain)
    }

    /// Python-literal text as Odoo stores it, or JSON text.
    pub fn parse_text(text: &str) -> Result<Domain, DomainError> {
        // JSON first: its escapes (`\/`, surrogate pairs) differ from Python's.
        let value = match serde_json::from_str::<Json>(text) {
            Ok(value) => value,
            Err(_) => literal::parse(text)?,
        };
        match value {
            Json::Array(_) => Domain::parse_json(&value),
            _ => Err(DomainError::syntax(
                first_non_space(text),
                "a list '[' or tuple '('",
                describe_start(text),
            )),
        }
    }

    /// Both domains must hold (Odoo's `AND`); `[]` is the identity.
    pub fn and(self, other: Domain) -> Domain {
        if self.tokens.is_empty() {
            return other;
        }
        if other.tokens.is_empty() {
            return self;
        }
        let mut tokens = Vec::with_capacity(self.tokens.len() + other.tokens.len() + 1);
        tokens.push(Token::And);
        tokens.extend(self.tokens);
        tokens.extend(other.tokens);
        Domain { tokens }
    }

    /// The normalised tokens, in prefix order; empty for `[]`.
    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The canonical JSON form: `["&", ["a", "=", 1], ["b", "in", [1, 2]]]`.
    pub fn to_json(&self) -> Json {
        Json::Array(self.tokens.iter().map(Token::to_json).collect())
    }

    /// Leaf count and nesting depth, sub-domains included.
    pub(crate) fn check_limits(&self) -> Result<(), DomainError> {
        let mut leaves = 0;
        self.check_limits_from(0, &mut leaves)
    }

    fn check_limits_from(&self, base_depth: usize, leaves: &mut usize) -> Result<(), DomainError> {
        let (_, depth) = tree::build(&self.tokens)?;
        let depth = base_depth + depth;
        if depth > MAX_DEPTH {
            return Err(DomainError::TooDeep { limit: MAX_DEPTH });
        }
        for token in &self.tokens {
            if matches!(token, Token::Term(_) | Token::True | Token::False) {
                *leaves += 1;
                if *leaves > MAX_LEAVES {
                    return Err(DomainError::TooComplex { limit: MAX_LEAVES });
                }
            }
            if let Token::Term(Term {
                value: Value::Domain(sub),
                ..
            }) = token
            {
                sub.check_limits_from(depth, leaves)?;
            }
        }
        Ok(())
    }
}

impl Token {
    fn to_json(&self) -> Json {
        match self {
            Token::And => Json::from("&"),
            Token::Or => Json::from("|"),
            Token::Not => Json::from("!"),
            Token::True => serde_json::json!([1, "=", 1]),
            Token::False => serde_json::json!([0, "=", 1]),
            Token::Term(t) => Json::Array(vec![
                Json::from(t.path.as_str()),
                Json::from(t.operator.as_str()),
                t.value.to_json(),
            ]),
        }
    }
}

/// Python-literal text: `['&', ('a', '=', 1), ('b', '!=', False)]`.
impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, token) in self.tokens.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{token}")?;
        }
        f.write_str("]")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::And => f.write_str("'&'"),
            Token::Or => f.write_str("'|'"),
            Token::Not => f.write_str("'!'"),
            Token::True => f.write_str("(1, '=', 1)"),
            Token::False => f.write_str("(0, '=', 1)"),
            Token::Term(t) => {
                f.write_str("(")?;
                write_python_str(f, &t.path)?;
                f.write_str(", ")?;
                write_python_str(f, t.operator.as_str())?;
                write!(f, ", {})", t.value)
            }
        }
    }
}

impl FromStr for Domain {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Domain, DomainError> {
        Domain::parse_text(s)
    }
}

/// Reads a token list, inserting the implicit `&`s. `depth` counts JSON nesting from the domain's
/// own list, so that nothing below recurses without bound.
fn parse_tokens(items: &[Json], depth: usize) -> Result<Vec<Token>, DomainError> {
    if depth > MAX_DEPTH {
        return Err(DomainError::TooDeep { limit: MAX_DEPTH });
    }
    let mut tokens = Vec::with_capacity(items.len());
    let mut arity = ArityCheck::default();
    let mut implicit_ands = 0;
    for (index, item) in items.iter().enumerate() {
        let token = parse_token(index, item, depth)?;
        if arity.complete() && index > 0 {
            implicit_ands += 1;
        }
        arity.push(index, &token);
        tokens.push(token);
    }
    arity.finish()?;
    let mut normalised = vec![Token::And; implicit_ands];
    normalised.extend(tokens);
    Ok(normalised)
}

/// Tracks the operators still waiting for operands, to name the unmatched one in an error.
#[derive(Default)]
struct ArityCheck {
    /// (token index, symbol, operands still missing)
    pending: Vec<(usize, &'static str, usize)>,
}

impl ArityCheck {
    fn complete(&self) -> bool {
        self.pending.is_empty()
    }

    fn push(&mut self, index: usize, token: &Token) {
        match token {
            Token::And => self.pending.push((index, "&", 2)),
            Token::Or => self.pending.push((index, "|", 2)),
            Token::Not => self.pending.push((index, "!", 1)),
            _ => self.fill_one(),
        }
    }

    /// A finished operand fills one slot; an operator whose slots are all filled is itself an
    /// operand of the one before it.
    fn fill_one(&mut self) {
        while let Some(top) = self.pending.last_mut() {
            top.2 -= 1;
            if top.2 > 0 {
                break;
            }
            self.pending.pop();
        }
    }

    fn finish(&self) -> Result<(), DomainError> {
        match self.pending.last() {
            None => Ok(()),
            Some((index, symbol, missing)) => Err(DomainError::structure(
                *index,
                format!("operator '{symbol}' is missing {missing} operand(s)"),
            )),
        }
    }
}

fn parse_token(index: usize, item: &Json, depth: usize) -> Result<Token, DomainError> {
    match item {
        Json::String(s) => match s.as_str() {
            "&" => Ok(Token::And),
            "|" => Ok(Token::Or),
            "!" => Ok(Token::Not),
            other => Err(DomainError::structure(
                index,
                format!("unknown logical operator {other:?} (expected '&', '|', '!' or a term)"),
            )),
        },
        Json::Array(parts) => parse_term(index, parts, depth + 1),
        other => Err(DomainError::structure(
            index,
            format!(
                "expected a term or '&', '|', '!', found {}",
                json_kind(other)
            ),
        )),
    }
}

fn parse_term(index: usize, parts: &[Json], depth: usize) -> Result<Token, DomainError> {
    let [left, operator, right] = parts else {
        return Err(DomainError::structure(
            index,
            format!("a term needs 3 elements, found {}", parts.len()),
        ));
    };
    if let Some(constant) = constant_leaf(left, operator, right) {
        return Ok(constant);
    }
    let path = match left {
        Json::String(s) if !s.is_empty() => checked_str(index, s)?,
        _ => {
            return Err(DomainError::structure(
                index,
                "the first element of a term must be a field path",
            ));
        }
    };
    let operator = match operator {
        Json::String(s) => checked_str(index, s)?,
        _ => {
            return Err(DomainError::structure(
                index,
                "the operator of a term must be a string",
            ));
        }
    };
    let operator = Operator::parse(&operator)
        .ok_or_else(|| DomainError::structure(index, format!("unknown operator {operator:?}")))?;
    let value = if matches!(operator, Operator::Any | Operator::NotAny) {
        parse_subdomain(index, right, depth)?
    } else {
        json_to_value(index, right, depth + 1)?
    };
    let (operator, value) = normalise_leaf(operator, value);
    Ok(Token::Term(Term {
        path,
        operator,
        value,
        position: index,
    }))
}

/// TRUE_LEAF `(1, '=', 1)` and FALSE_LEAF `(0, '=', 1)`; Python compares numbers by value.
fn constant_leaf(left: &Json, operator: &Json, right: &Json) -> Option<Token> {
    let left = left.as_f64()?;
    if operator.as_str() != Some("=") || right.as_f64() != Some(1.0) {
        return None;
    }
    if left == 1.0 {
        Some(Token::True)
    } else if left == 0.0 {
        Some(Token::False)
    } else {
        None
    }
}

fn parse_subdomain(index: usize, value: &Json, depth: usize) -> Result<Value, DomainError> {
    let Json::Array(items) = value else {
        return Err(DomainError::structure(
            index,
            "'any' and 'not any' need a domain (a list) as value",
        ));
    };
    match parse_tokens(items, depth + 1) {
        Ok(tokens) => Ok(Value::Domain(Domain { tokens })),
        Err(DomainError::Structure {
            index: inner,
            reason,
        }) => Err(DomainError::structure(
            index,
            format!("in its sub-domain, term {inner}: {reason}"),
        )),
        Err(other) => Err(other),
    }
}

/// Upstream's leaf normalisation (17/18 `normalize_leaf`): `=`/`!=` with a list is `in`/`not in`,
/// `in`/`not in` with a bool is `=`/`!=`. Any other scalar after `in` is left as written: whether
/// Odoo accepts it depends on the field (see `refuse`), which only binding knows.
fn normalise_leaf(operator: Operator, value: Value) -> (Operator, Value) {
    use Operator::*;
    match (operator, value) {
        (Eq, value @ Value::List(_)) => (In, value),
        (Ne, value @ Value::List(_)) => (NotIn, value),
        (In, value @ Value::Bool(_)) => (Eq, value),
        (NotIn, value @ Value::Bool(_)) => (Ne, value),
        (op, value) => (op, value),
    }
}

fn json_to_value(index: usize, value: &Json, depth: usize) -> Result<Value, DomainError> {
    if depth > MAX_DEPTH {
        return Err(DomainError::TooDeep { limit: MAX_DEPTH });
    }
    Ok(match value {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => number_to_value(index, n)?,
        Json::String(s) => Value::Str(checked_str(index, s)?),
        Json::Array(items) => Value::List(
            items
                .iter()
                .map(|v| json_to_value(index, v, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Json::Object(_) => {
            return Err(DomainError::structure(
                index,
                "objects are not allowed in a domain",
            ));
        }
    })
}

fn number_to_value(index: usize, n: &serde_json::Number) -> Result<Value, DomainError> {
    if let Some(i) = n.as_i64() {
        return Ok(Value::Int(i));
    }
    if n.is_u64() {
        return Err(DomainError::structure(
            index,
            format!("integer {n} is out of range"),
        ));
    }
    match n.as_f64() {
        Some(f) if f.is_finite() => Ok(Value::Float(f)),
        _ => Err(DomainError::structure(
            index,
            format!("number {n} is out of range"),
        )),
    }
}

fn checked_str(index: usize, s: &str) -> Result<String, DomainError> {
    if s.contains('\0') {
        return Err(DomainError::structure(
            index,
            "strings must not contain a NUL character",
        ));
    }
    Ok(s.to_string())
}

fn json_kind(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

fn first_non_space(text: &str) -> usize {
    text.chars().take_while(|c| c.is_whitespace()).count()
}

fn describe_start(text: &str) -> String {
    match text.trim_start().chars().next() {
        None => "end of input".to_string(),
        Some(c) => format!("{:?}", c),
    }
}
