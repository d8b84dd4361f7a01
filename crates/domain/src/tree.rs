//! From prefix tokens to a tree.
//!
//! The tree is built bottom-up from the right with an explicit stack, so a long domain never
//! recurses. Nested `&` inside `&` (and `|` inside `|`) are flattened as they are built: the
//! implicit `&`s of `[A, B, C, ...]` give a left-deep chain that would otherwise be as deep as the
//! domain is long. The depth reported is that of the flattened tree.

use crate::error::DomainError;
use crate::parse::{Term, Token};

#[derive(Debug)]
pub(crate) enum Tree<'a> {
    True,
    False,
    And(Vec<Tree<'a>>),
    Or(Vec<Tree<'a>>),
    Not(Box<Tree<'a>>),
    Term(&'a Term),
}

/// The tree of a normalised token list and its depth (a lone leaf has depth 1).
pub(crate) fn build(tokens: &[Token]) -> Result<(Tree<'_>, usize), DomainError> {
    if tokens.is_empty() {
        return Ok((Tree::True, 1));
    }
    let mut stack: Vec<(Tree<'_>, usize)> = Vec::new();
    for (index, token) in tokens.iter().enumerate().rev() {
        let built = match token {
            Token::True => (Tree::True, 1),
            Token::False => (Tree::False, 1),
            Token::Term(term) => (Tree::Term(term), 1),
            Token::Not => {
                let (operand, depth) = stack.pop().ok_or_else(|| missing(index))?;
                (Tree::Not(Box::new(operand)), depth + 1)
            }
            Token::And | Token::Or => {
                let first = stack.pop().ok_or_else(|| missing(index))?;
                let second = stack.pop().ok_or_else(|| missing(index))?;
                combine(matches!(token, Token::And), first, second)
            }
        };
        stack.push(built);
    }
    match (stack.pop(), stack.is_empty()) {
        (Some(root), true) => Ok(root),
        _ => Err(DomainError::structure(
            0,
            "the terms are not joined by operators",
        )),
    }
}

fn missing(index: usize) -> DomainError {
    DomainError::structure(index, "operator is missing operands")
}

fn combine<'a>(
    is_and: bool,
    first: (Tree<'a>, usize),
    second: (Tree<'a>, usize),
) -> (Tree<'a>, usize) {
    let mut children = Vec::new();
    let mut depth = 0;
    for (tree, d) in [first, second] {
        match (is_and, tree) {
            (true, Tree::And(inner)) | (false, Tree::Or(inner)) => {
                children.extend(inner);
                depth = depth.max(d - 1);
            }
            (_, tree) => {
                children.push(tree);
                depth = depth.max(d);
            }
        }
    }
    let tree = if is_and {
        Tree::And(children)
    } else {
        Tree::Or(children)
    };
    (tree, depth + 1)
}
