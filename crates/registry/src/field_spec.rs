//! Field specs as `search_data` and outbound payload lists write them: `name`,
//! `partner_id{name,vat}`, `order_line{product_id{default_code}, product_uom_qty}`, `x{}` (every
//! field of the comodel). Parsing is pure text work (whitespace around names, braces and commas is
//! trimmed, errors carry a 0-based character position); `check` then resolves the names against a
//! registry. Expansion is limited to `MAX_RELATIONS` levels so one request cannot fan out without
//! bound.

use crate::Registry;
use crate::model::FieldType;
use thiserror::Error;

/// An expansion may cross at most this many relations (DESIGN.md §4 limits).
pub const MAX_RELATIONS: usize = 8;

/// One requested field, and what to show of the related records when it is expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    pub name: String,
    /// `None`: the field as read() gives it. `Some([])`: expanded with every field of the comodel
    /// (`x{}`). `Some(fields)`: expanded with those fields.
    pub expand: Option<Vec<FieldSpec>>,
}

impl FieldSpec {
    pub fn plain(name: &str) -> FieldSpec {
        FieldSpec {
            name: name.to_string(),
            expand: None,
        }
    }
}

/// A spec that is not well formed; `position` is a 0-based character offset in `text`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("bad field spec '{text}' at position {position}: {reason}")]
pub struct ParseError {
    pub text: String,
    pub position: usize,
    pub reason: String,
}

/// A well-formed spec that does not fit the model; `path` is the dotted path of the field
/// (`order_line.product_id.foo`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CheckError {
    #[error("unknown model '{model}'")]
    UnknownModel { model: String },
    #[error("{model} has no field '{field}' (in '{path}')")]
    UnknownField {
        model: String,
        field: String,
        path: String,
    },
    #[error("'{path}' is a {kind} field and cannot be expanded with {{...}}")]
    NotRelational { path: String, kind: &'static str },
}

/// Parse one item; top-level commas are allowed, so `"name, date"` gives two specs.
pub fn parse(text: &str) -> Result<Vec<FieldSpec>, ParseError> {
    let mut parser = Parser {
        text,
        chars: text.chars().collect(),
        pos: 0,
    };
    let specs = parser.list(0)?;
    parser.skip_space();
    match parser.peek() {
        None => Ok(specs),
        Some('}') => Err(parser.error("an unmatched '}'")),
        Some(_) => Err(parser.error("',' or the end of the spec")),
    }
}

/// Parse every item of a list and merge repeated names (`a` and `a{b}` give `a{b}`).
pub fn parse_list<S: AsRef<str>>(items: &[S]) -> Result<Vec<FieldSpec>, ParseError> {
    let mut all = Vec::new();
    for item in items {
        all.extend(parse(item.as_ref())?);
    }
    Ok(merge(all))
}

/// Merge specs with the same name, keeping the first occurrence's place: an expansion wins over a
/// plain name, and two expansions are merged (an `x{}` "every field" wins over a field list).
pub fn merge(specs: Vec<FieldSpec>) -> Vec<FieldSpec> {
    let mut out: Vec<FieldSpec> = Vec::with_capacity(specs.len());
    for spec in specs {
        match out.iter_mut().find(|s| s.name == spec.name) {
            None => out.push(spec),
            Some(existing) => {
                existing.expand = merge_expand(existing.expand.take(), spec.expand);
            }
        }
    }
    out
}

fn merge_expand(a: Option<Vec<FieldSpec>>, b: Option<Vec<FieldSpec>>) -> Option<Vec<FieldSpec>> {
    match (a, b) {
        (None, other) | (other, None) => other,
        (Some(a), Some(_)) if a.is_empty() => Some(a),
        (Some(_), Some(b)) if b.is_empty() => Some(b),
        (Some(mut a), Some(b)) => {
            a.extend(b);
            Some(merge(a))
        }
    }
}

/// Check every name against `model` (recursively through expansions).
pub fn check(registry: &Registry, model: &str, specs: &[FieldSpec]) -> Result<(), CheckError> {
    check_at(registry, model, specs, "")
}

fn check_at(
    registry: &Registry,
    model: &str,
    specs: &[FieldSpec],
    prefix: &str,
) -> Result<(), CheckError> {
    let m = registry
        .model(model)
        .ok_or_else(|| CheckError::UnknownModel {
            model: model.to_string(),
        })?;
    for spec in specs {
        let path = if prefix.is_empty() {
            spec.name.clone()
        } else {
            format!("{prefix}.{}", spec.name)
        };
        let field = m
            .field(&spec.name)
            .ok_or_else(|| CheckError::UnknownField {
                model: model.to_string(),
                field: spec.name.clone(),
                path: path.clone(),
            })?;
        let Some(children) = &spec.expand else {
            continue;
        };
        match &field.kind {
            FieldType::Many2one { comodel, .. }
            | FieldType::One2many { comodel, .. }
            | FieldType::Many2many { comodel, .. } => {
                check_at(registry, comodel, children, &path)?;
            }
            other => {
                return Err(CheckError::NotRelational {
                    path,
                    kind: other.name(),
                });
            }
        }
    }
    Ok(())
}

struct Parser<'t> {
    text: &'t str,
    chars: Vec<char>,
    pos: usize,
}

impl Parser<'_> {
    /// `spec (',' spec)*` at brace depth `depth`.
    fn list(&mut self, depth: usize) -> Result<Vec<FieldSpec>, ParseError> {
        let mut specs = vec![self.spec(depth)?];
        loop {
            self.skip_space();
            if self.peek() != Some(',') {
                return Ok(specs);
            }
            self.pos += 1;
            specs.push(self.spec(depth)?);
        }
    }

    /// `name` or `name{...}`.
    fn spec(&mut self, depth: usize) -> Result<FieldSpec, ParseError> {
        self.skip_space();
        let name = self.name()?;
        self.skip_space();
        if self.peek() != Some('{') {
            return Ok(FieldSpec { name, expand: None });
        }
        if depth >= MAX_RELATIONS {
            return Err(self.error(&format!(
                "an expansion no deeper than {MAX_RELATIONS} relations"
            )));
        }
        self.pos += 1;
        self.skip_space();
        let children = if self.peek() == Some('}') {
            Vec::new()
        } else {
            self.list(depth + 1)?
        };
        self.skip_space();
        if self.peek() != Some('}') {
            return Err(self.error("',' or '}'"));
        }
        self.pos += 1;
        Ok(FieldSpec {
            name,
            expand: Some(merge(children)),
        })
    }

    fn name(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.error("a field name"));
        }
        Ok(self.chars[start..self.pos].iter().collect())
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn error(&self, expected: &str) -> ParseError {
        let found = match self.peek() {
            None => "the end".to_string(),
            Some(c) if c.is_control() => format!("'{}'", c.escape_default()),
            Some(c) => format!("'{c}'"),
        };
        ParseError {
            text: self.text.chars().flat_map(char::escape_default).collect(),
            position: self.pos,
            reason: format!("expected {expected}, found {found}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, expand: Option<Vec<FieldSpec>>) -> FieldSpec {
        FieldSpec {
            name: name.into(),
            expand,
        }
    }

    #[test]
    fn plain_names_and_expansions() {
        assert_eq!(parse("name").unwrap(), vec![FieldSpec::plain("name")]);
        assert_eq!(
            parse("partner_id{name,vat}").unwrap(),
            vec![spec(
                "partner_id",
                Some(vec![FieldSpec::plain("name"), FieldSpec::plain("vat")])
            )]
        );
    }

    #[test]
    fn whitespace_is_trimmed_everywhere() {
        assert_eq!(
            parse("  order_line { product_id { default_code } ,  product_uom_qty }  ").unwrap(),
            vec![spec(
                "order_line",
                Some(vec![
                    spec("product_id", Some(vec![FieldSpec::plain("default_code")])),
                    FieldSpec::plain("product_uom_qty"),
                ])
            )]
        );
    }

    #[test]
    fn empty_braces_mean_every_field() {
        assert_eq!(
            parse("currency_id{}").unwrap(),
            vec![spec("currency_id", Some(vec![]))]
        );
        assert_eq!(
            parse("currency_id{ }").unwrap(),
            vec![spec("currency_id", Some(vec![]))]
        );
    }

    #[test]
    fn top_level_commas_give_several_specs() {
        assert_eq!(
            parse("name, date").unwrap(),
            vec![FieldSpec::plain("name"), FieldSpec::plain("date")]
        );
    }

    #[test]
    fn errors_carry_the_position() {
        let e = parse("partner_id{name,").unwrap_err();
        assert_eq!(e.position, 16);
        assert!(e.reason.contains("a field name"), "{e}");
        let e = parse("partner_id{name").unwrap_err();
        assert_eq!(e.position, 15);
        assert!(e.reason.contains("'}'"), "{e}");
        let e = parse("a}").unwrap_err();
        assert_eq!(e.position, 1);
        assert!(e.reason.contains("unmatched"), "{e}");
        let e = parse("").unwrap_err();
        assert_eq!(e.position, 0);
        let e = parse("par-tner").unwrap_err();
        assert_eq!(e.position, 3);
        let e = parse("a{b}c").unwrap_err();
        assert_eq!(e.position, 4);
        assert!(e.to_string().contains("position 4"));
    }

    #[test]
    fn eight_relations_deep_is_the_limit() {
        let nest = |levels: usize| {
            let mut text = "f".to_string();
            for _ in 0..levels {
                text = format!("r{{{text}}}");
            }
            text
        };
        assert!(parse(&nest(MAX_RELATIONS)).is_ok());
        let e = parse(&nest(MAX_RELATIONS + 1)).unwrap_err();
        assert!(e.reason.contains("no deeper than 8"), "{e}");
        // The ninth '{' is the one refused.
        assert_eq!(e.position, 2 * MAX_RELATIONS + 1);
    }

    #[test]
    fn repeated_names_merge() {
        let specs =
            parse_list(&["name", "partner_id", "partner_id{name}", "partner_id{vat}"]).unwrap();
        assert_eq!(
            specs,
            vec![
                FieldSpec::plain("name"),
                spec(
                    "partner_id",
                    Some(vec![FieldSpec::plain("name"), FieldSpec::plain("vat")])
                ),
            ]
        );
        let specs = parse_list(&["a{b}", "a{}"]).unwrap();
        assert_eq!(specs, vec![spec("a", Some(vec![]))]);
    }

    #[test]
    fn check_resolves_names_through_relations() {
        let registry = Registry::demo();
        let ok = parse_list(&[
            "name",
            "partner_id{name,vat}",
            "order_line{product_id{default_code}, product_uom_qty}",
            "currency_id{}",
        ])
        .unwrap();
        check(&registry, "sale.order", &ok).unwrap();
        let unknown = parse("order_line{product_id{nope}}").unwrap();
        assert_eq!(
            check(&registry, "sale.order", &unknown).unwrap_err(),
            CheckError::UnknownField {
                model: "product.product".into(),
                field: "nope".into(),
                path: "order_line.product_id.nope".into(),
            }
        );
        let scalar = parse("name{x}").unwrap();
        assert!(matches!(
            check(&registry, "sale.order", &scalar).unwrap_err(),
            CheckError::NotRelational { kind: "char", .. }
        ));
    }
}
