//! SQL `LIKE` in memory, with `ESCAPE '\'`.
//!
//! `%` matches any run of characters, `_` exactly one, and a backslash makes the next character
//! literal, as in the SQL the compiler emits. Case folding mirrors `LOWER(...) LIKE LOWER(...)`:
//! both sides are lower-cased before the pattern is read.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    AnyRun,
    AnyOne,
    Literal(char),
}

pub(crate) fn like_matches(pattern: &str, text: &str, insensitive: bool) -> bool {
    if insensitive {
        matches_pieces(
            &pieces(&pattern.to_lowercase()),
            &text.to_lowercase().chars().collect::<Vec<_>>(),
        )
    } else {
        matches_pieces(&pieces(pattern), &text.chars().collect::<Vec<_>>())
    }
}

fn pieces(pattern: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        out.push(match c {
            '%' => Piece::AnyRun,
            '_' => Piece::AnyOne,
            // The binder refuses a trailing lone backslash, so `unwrap_or` never really applies.
            '\\' => Piece::Literal(chars.next().unwrap_or('\\')),
            c => Piece::Literal(c),
        });
    }
    out
}

/// Greedy wildcard matching that backtracks to the last `%`; linear space, O(n·m) time at worst.
fn matches_pieces(pattern: &[Piece], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut last_run: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(Piece::AnyOne) => {
                p += 1;
                t += 1;
            }
            Some(Piece::Literal(c)) if *c == text[t] => {
                p += 1;
                t += 1;
            }
            Some(Piece::AnyRun) => {
                last_run = Some((p, t));
                p += 1;
            }
            _ => match last_run {
                // Let the last `%` swallow one more character and retry from there.
                Some((run_p, run_t)) => {
                    last_run = Some((run_p, run_t + 1));
                    p = run_p + 1;
                    t = run_t + 1;
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|piece| *piece == Piece::AnyRun)
}

#[cfg(test)]
mod tests {
    use super::like_matches;

    #[test]
    fn wildcards() {
        assert!(like_matches("%zu%", "Azure", false));
        assert!(!like_matches("%ZU%", "Azure", false));
        assert!(like_matches("%ZU%", "Azure", true));
        assert!(like_matches("A_ure", "Azure", false));
        assert!(!like_matches("A_ure", "Aure", false));
        assert!(like_matches("%%", "", false));
        assert!(like_matches("", "", false));
        assert!(!like_matches("", "x", false));
        assert!(like_matches("a%b%c", "aXXbYYc", false));
        assert!(!like_matches("a%b%c", "aXXbYY", false));
        assert!(like_matches("%a%a%a%", "banana a", false));
    }

    #[test]
    fn escapes() {
        assert!(like_matches("%50\\%%", "a 50% cut", false));
        assert!(!like_matches("%50\\%%", "a 50 cut", false));
        assert!(like_matches("a\\_b", "a_b", false));
        assert!(!like_matches("a\\_b", "axb", false));
        assert!(like_matches("a\\\\b", "a\\b", false));
        assert!(like_matches("\\a", "a", false));
    }
}
