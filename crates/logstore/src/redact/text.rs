//! Secrets inside a text (a string value, a log's `route` or `callback_url`, an error message):
//! URL userinfo, the values of secret-named query and fragment parameters, and Weft's own API keys
//! and signing secrets, wherever they stand in the text and however many there are.
//!
//! A text is read word by word (words end at whitespace, control characters, `"`, `<` and `>`,
//! which a URL cannot hold unencoded); within a word every `://` starts an authority whose
//! userinfo is masked, and every `name=value` after a `?`, `#`, `&` or `;` is a parameter.

use super::{MASK, is_secret_parameter};
use std::borrow::Cow;
use std::ops::Range;

/// `text` with every secret it holds masked; borrowed when it holds none.
pub fn text(text: &str) -> Cow<'_, str> {
    let spans = secret_spans(text);
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for span in spans {
        out.push_str(&text[at..span.start]);
        out.push_str(MASK);
        at = span.end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// The byte ranges of `text` to mask, in order, not overlapping, never empty.
fn secret_spans(text: &str) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    // Most texts hold none of what starts a secret (`://`, `=`, `weft_`, `whsec_`): one pass over
    // their bytes says so, then a closer look at the few that may.
    let may_hold = text.bytes().any(|b| matches!(b, b':' | b'=' | b'_'))
        && (text.contains("://")
            || text.contains('=')
            || text.contains("weft_")
            || text.contains("whsec_"));
    if !may_hold {
        return spans;
    }
    for word in text.split(is_boundary).filter(|w| !w.is_empty()) {
        let base = offset(text, word);
        userinfo(word, base, &mut spans);
        parameters(word, base, &mut spans);
        credentials(word, base, &mut spans);
    }
    spans.sort_by_key(|s| s.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    merged
}

fn is_boundary(c: char) -> bool {
    c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>')
}

/// Where `part`, a slice of `whole`, starts in it.
fn offset(whole: &str, part: &str) -> usize {
    part.as_ptr() as usize - whole.as_ptr() as usize
}

/// `scheme://user:password@host`: everything before the authority's last `@`.
fn userinfo(word: &str, base: usize, spans: &mut Vec<Range<usize>>) {
    for (at, _) in word.match_indices("://") {
        let start = at + 3;
        let rest = &word[start..];
        let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
        if let Some(end) = authority.rfind('@').filter(|end| *end > 0) {
            spans.push(base + start..base + start + end);
        }
    }
}

/// `name=value` after `?`, `#`, `&` or `;` (or at the start of a word: `token=abc` in a message,
/// a form body): the value, when the name is a secret's.
fn parameters(word: &str, base: usize, spans: &mut Vec<Range<usize>>) {
    if !word.contains('=') {
        return;
    }
    for piece in word.split(['?', '#', '&', ';']) {
        let Some((name, value)) = piece.split_once('=') else {
            continue;
        };
        // The name is what a parameter name can be made of, up to the `=`: `(token` is `token`.
        let name_at = name
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '%' | '+')))
            .map_or(0, |(i, c)| i + c.len_utf8());
        // Punctuation that closes the text around the URL stays readable: `(..?token=abc)`.
        let value = value.trim_end_matches([')', ']', '}', ',', '.', ':', ';', '\'']);
        if value.is_empty() || !is_secret_parameter(&name[name_at..]) {
            continue;
        }
        let start = base + offset(word, value);
        spans.push(start..start + value.len());
    }
}

/// Weft's own credentials by their shape: an API key `weft_<12 hex>_<secret>` keeps its lookup
/// prefix (it names the key, and is no secret), a signing secret `whsec_<base64>` only its kind.
fn credentials(word: &str, base: usize, spans: &mut Vec<Range<usize>>) {
    for (at, _) in word.match_indices("weft_") {
        let rest = &word.as_bytes()[at + 5..];
        if rest.len() > 13 && rest[..12].iter().all(u8::is_ascii_hexdigit) && rest[12] == b'_' {
            let start = at + 5 + 13;
            let len = run(&word[start..], |c| {
                c.is_ascii_alphanumeric() || matches!(c, '_' | '-')
            });
            if len > 0 {
                spans.push(base + start..base + start + len);
            }
        }
    }
    for (at, _) in word.match_indices("whsec_") {
        let start = at + 6;
        let len = run(&word[start..], |c| {
            c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')
        });
        if len > 0 {
            spans.push(base + start..base + start + len);
        }
    }
}

/// The length in bytes of the run of ASCII characters at the start of `s` that `keep` keeps.
fn run(s: &str, keep: impl Fn(char) -> bool) -> usize {
    s.find(|c: char| !keep(c)).unwrap_or(s.len())
}

/// `name` with `%XX` escapes and `+` decoded, as a server reads a query parameter's name; an
/// escape that is not one stays as written.
pub(super) fn percent_decoded(name: &str) -> Cow<'_, str> {
    if !name.contains(['%', '+']) {
        return Cow::Borrowed(name);
    }
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push((high * 16 + low) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_text_are_masked_by_shape() {
        let cases = [
            // URLs: userinfo, secret parameters in the query and the fragment, in any order.
            ("https://user:pw@host/x", "https://***@host/x"),
            ("https://user@host", "https://***@host"),
            ("http://u:p@h:8080", "http://***@h:8080"),
            ("http://user:p@ss@host/", "http://***@host/"),
            ("http://@host/", "http://@host/"),
            (
                "https://host/x?token=abc&x=1",
                "https://host/x?token=***&x=1",
            ),
            (
                "https://host/x?x=1&access_token=abc",
                "https://host/x?x=1&access_token=***",
            ),
            (
                "https://host/x?API-KEY=k;sig=s&page=2",
                "https://host/x?API-KEY=***;sig=***&page=2",
            ),
            (
                "https://host/cb#access_token=abc&state=1",
                "https://host/cb#access_token=***&state=1",
            ),
            ("https://host/x?token=&x=1", "https://host/x?token=&x=1"),
            (
                "https://host/x?access%5Ftoken=abc",
                "https://host/x?access%5Ftoken=***",
            ),
            (
                "http://user:hunter2@127.0.0.1:9/cb?token=abc",
                "http://***@127.0.0.1:9/cb?token=***",
            ),
            // A URL inside a URL, and inside a message.
            (
                "https://a/?next=https://u:p@b/&x=1",
                "https://a/?next=https://***@b/&x=1",
            ),
            (
                "error sending request for url (http://u:hunter2@h/cb?token=abc): refused",
                "error sending request for url (http://***@h/cb?token=***): refused",
            ),
            (
                "'http://u:p@h/x' answered 410 Gone",
                "'http://***@h/x' answered 410 Gone",
            ),
            // Pairs in a message or a form body; relative URLs.
            (
                "bad value password=hunter2 here",
                "bad value password=*** here",
            ),
            (
                "grant_type=x&client_secret=cs",
                "grant_type=x&client_secret=***",
            ),
            ("/cb?token=abc", "/cb?token=***"),
            ("(token=abc), ok", "(token=***), ok"),
            // Weft's credentials by shape.
            (
                "key weft_0123456789ab_s3cr3t-and_more, then",
                "key weft_0123456789ab_***, then",
            ),
            ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw=", "whsec_***"),
            // Nothing to mask: as it was.
            (
                "https://host/x?page=2&author=ann",
                "https://host/x?page=2&author=ann",
            ),
            ("a = b, key words", "a = b, key words"),
            ("weft_ordinary_words", "weft_ordinary_words"),
            (
                "Désolé: http://hôte/é?token=é",
                "Désolé: http://hôte/é?token=***",
            ),
            ("", ""),
        ];
        for (given, masked) in cases {
            assert_eq!(text(given), masked, "{given}");
        }
    }

    #[test]
    fn a_text_without_a_secret_is_not_copied() {
        assert!(matches!(text("https://host/x?page=2"), Cow::Borrowed(_)));
        assert!(matches!(text("plain words"), Cow::Borrowed(_)));
    }

    #[test]
    fn names_are_percent_decoded() {
        assert_eq!(percent_decoded("access%5Ftoken"), "access_token");
        assert_eq!(percent_decoded("api+key"), "api key");
        assert_eq!(percent_decoded("100%"), "100%");
        assert_eq!(percent_decoded("%zz%4"), "%zz%4");
    }

    proptest::proptest! {
        /// Any text at all: no panic, and masking twice changes nothing more.
        #[test]
        fn any_text_is_masked_without_a_panic(given in "\\PC*[:/?#&;=@%+é ]{0,3}\\PC*") {
            let once = text(&given).into_owned();
            proptest::prop_assert_eq!(text(&once), once.as_str());
        }

        /// A password in a URL's userinfo or a token in its query never survives, whatever
        /// the text around it.
        #[test]
        fn credentials_in_a_url_never_survive(
            before in "[a-z (']{0,8}",
            password in "[A-Za-z0-9!$*,-]{4,16}",
            token in "[A-Za-z0-9_-]{4,16}",
            after in "[ ).,:;']{0,3}[a-z ]{0,8}",
        ) {
            let given = format!("{before}https://erp:{password}@h.example/cb?x=1&access_token={token}{after}");
            let masked = text(&given);
            proptest::prop_assert!(!masked.contains(&format!(":{password}@")), "{}", masked);
            proptest::prop_assert!(!masked.contains(&format!("={token}")), "{}", masked);
        }
    }
}
