//! The `text` format: HTML to plain text as Odoo's `html2plaintext` does it, with the character
//! references it decodes.

/// Odoo's `html2plaintext`: `<b>`/`<strong>`/`<h3>` → `*x*`, `<h1>`/`<h2>` → `**x**`, `<em>` →
/// `/x/`, a line break for `</p>`, `<br>` and `<tr>`, other tags → a space, links numbered with
/// their URLs listed at the end, lines trimmed. Like Odoo's string replaces, the emphasis markers
/// apply to tags without attributes only.
pub(super) fn html_to_text(html: &str) -> String {
    if html.trim().is_empty() {
        return String::new();
    }
    let mut out = String::with_capacity(html.len());
    let mut links = Links::default();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let Some(length) = rest[start..].find('>') else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push_str(&tag_text(&rest[start + 1..start + length], &mut links));
        rest = &rest[start + length + 1..];
    }
    out.push_str(rest);
    let text = decode_entities(&out.replace("  ", " "));
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut text = lines.join("\n").replace("\n\n", "\n");
    if !links.urls.is_empty() {
        text.push_str("\n\n");
        for (n, url) in links.urls.iter().enumerate() {
            text.push_str(&format!("[{}] {url}\n", n + 1));
        }
    }
    text.trim().to_string()
}

/// The links of an HTML text: their URLs in order, and the reference number of each open `<a>`.
#[derive(Default)]
struct Links {
    urls: Vec<String>,
    open: Vec<Option<usize>>,
}

/// What one tag (the text between `<` and `>`) becomes.
fn tag_text(tag: &str, links: &mut Links) -> String {
    let closing = tag.starts_with('/');
    let body = tag.trim_start_matches('/').trim_end_matches('/').trim();
    let name = body
        .split(char::is_whitespace)
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let bare = body.len() == name.len();
    match (name.as_str(), closing) {
        ("b" | "strong" | "h3", _) if bare => "*".into(),
        ("h1" | "h2", _) if bare => "**".into(),
        ("em", _) if bare => "/".into(),
        ("br" | "tr", false) if bare => "\n".into(),
        ("p", true) => "\n".into(),
        ("a", false) => {
            let number = href(body).map(|url| {
                links.urls.push(url);
                links.urls.len()
            });
            links.open.push(number);
            " ".into()
        }
        ("a", true) => match links.open.pop().flatten() {
            Some(number) => format!(" [{number}] "),
            None => " ".into(),
        },
        _ => " ".into(),
    }
}

/// The `href` of an `<a ...>` tag body, quoted or not.
fn href(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let start = lower.find("href=")? + "href=".len();
    let value = body.get(start..)?;
    let url = match value.chars().next()? {
        quote @ ('"' | '\'') => value[1..].split(quote).next()?,
        _ => value.split(char::is_whitespace).next()?,
    };
    (!url.is_empty()).then(|| decode_entities(url))
}

/// HTML character references (`&amp;`, `&nbsp;`, `&#39;`, `&#x27;`...); unknown ones stay text.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let name = rest[1..].split_once(';').map(|(name, _)| name);
        match name.filter(|n| n.len() <= 10).and_then(entity) {
            Some((c, length)) => {
                out.push(c);
                rest = &rest[length + 2..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character an entity name stands for, with the name's length.
fn entity(name: &str) -> Option<(char, usize)> {
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)?
        }
    };
    Some((c, name.len()))
}
