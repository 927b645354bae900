//! Writing tokens of the rules language: quoting, and the small URL helpers the formats share.

use std::borrow::Cow;
use std::fmt::Write as _;

/// A token as the rules language reads it back: bare when it can be, otherwise a quoted
/// string with the escapes `\"`, `\\`, `\t` and `\u{HEX}`.
///
/// A token is quoted when it is empty or contains a space, tab, `#`, `"`, `{`, `}` or a
/// control character.
pub fn token(text: &str) -> Cow<'_, str> {
    let needs_quotes =
        text.is_empty() || text.chars().any(|c| matches!(c, ' ' | '\t' | '#' | '"' | '{' | '}') || c.is_control());
    if !needs_quotes {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    Cow::Owned(out)
}

/// A pattern or target token as the rules language reads it back. Like [`token`], but its text is
/// already in pattern syntax, where `\\\\`, `\\:` and `\\*` are escapes in bare and quoted words alike:
/// those pairs are kept as they are when quoting, and any other backslash is doubled.
pub fn pattern_token(text: &str) -> Cow<'_, str> {
    if let Some(regex) = text.strip_prefix('~') {
        return regex_token(text, regex);
    }
    let quoted = token(text);
    if matches!(quoted, Cow::Borrowed(_)) {
        return quoted;
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('\\', Some(&next @ ('\\' | ':' | '*'))) => {
                chars.next();
                out.push('\\');
                out.push(next);
            }
            ('"', _) => out.push_str("\\\""),
            ('\\', _) => out.push_str("\\\\"),
            ('\t', _) => out.push_str("\\t"),
            (c, _) if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            (c, _) => out.push(c),
        }
    }
    out.push('"');
    Cow::Owned(out)
}

/// A `~REGEX` pattern as the rules language reads it back: bare when it can be, otherwise
/// `~"..."` with only `"` escaped, since the expression's backslashes are its own.
fn regex_token<'t>(text: &'t str, regex: &str) -> Cow<'t, str> {
    if !matches!(token(regex), Cow::Owned(_)) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(format!("~\"{}\"", regex.replace('"', "\\\"")))
}

/// A literal path (or URL) written as a pattern that matches just it: in the path, backslashes
/// are doubled, every `*` is written `\\*`, and a `:` that starts a segment `\\:` (a colon
/// anywhere else is literal already).
pub fn literal_pattern(text: &str) -> String {
    let start = target_path_start(text);
    let mut out = String::from(&text[..start]);
    let mut previous = None;
    for c in text[start..].chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '*' => out.push_str("\\*"),
            ':' if previous == Some('/') => out.push_str("\\:"),
            c => out.push(c),
        }
        previous = Some(c);
    }
    out
}

/// A literal target (a path or URL) written so that nothing in it is a placeholder: in the
/// path, backslashes are doubled and a `:` before a letter, digit or `_` is written `\\:`.
pub fn literal_target(text: &str) -> String {
    let start = target_path_start(text);
    let bytes = text.as_bytes();
    let mut out = String::from(&text[..start]);
    for (i, c) in text[start..].char_indices() {
        match c {
            '\\' => out.push_str("\\\\"),
            ':' if bytes.get(start + i + 1).copied().is_some_and(is_name_byte) => out.push_str("\\:"),
            c => out.push(c),
        }
    }
    out
}

/// Splits `http(s)://host/rest` into (scheme, host, rest); `rest` is empty or starts with `/`,
/// `?` or `#`. `None` when the text is not an absolute http(s) URL.
pub fn split_url(text: &str) -> Option<(&str, &str, &str)> {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    let after = if lower.starts_with("https://") {
        8
    } else if lower.starts_with("http://") {
        7
    } else {
        return None;
    };
    let end = text[after..].find(['/', '?', '#']).map_or(text.len(), |i| after + i);
    Some((&text[..after - 3], &text[after..end], &text[end..]))
}

/// Whether a host is one the rules language accepts in a pattern: letters, digits, `.` and
/// `-`, with an optional numeric port.
pub fn valid_host(host: &str) -> bool {
    let (name, port) = match host.split_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    };
    !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Splits a path at its query string and fragment: (path, query without `?`, fragment without `#`).
pub fn split_path(text: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, fragment) = match text.split_once('#') {
        Some((rest, fragment)) => (rest, Some(fragment)),
        None => (text, None),
    };
    let (path, query) = match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    };
    (path, query, fragment)
}

/// Whether a byte can continue a placeholder name in the rules language.
pub fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The length of the run of name bytes ([`is_name_byte`]) at the start of `text`.
pub fn name_run(text: &str) -> usize {
    text.bytes().take_while(|&b| is_name_byte(b)).count()
}

/// A placeholder name the rules language accepts, made from any text: other characters
/// become `_`, and the result is never `splat`, empty, or one of `taken`.
pub fn placeholder_name(raw: &str, taken: &[String]) -> String {
    let mut name: String = raw.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if name.is_empty() || name == "splat" {
        name = format!("p{}", if name.is_empty() { String::new() } else { format!("_{name}") });
    }
    let base = name.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    name
}

/// The offset where the path of a target starts: after `scheme://host` for an absolute URL,
/// 0 for a path.
pub fn target_path_start(to: &str) -> usize {
    match split_url(to) {
        Some((_, _, rest)) => to.len() - rest.len(),
        None => 0,
    }
}

/// Percent-encodes one ASCII byte, for breaking up text the rules language would read as a
/// placeholder (`:name`).
pub fn percent(b: u8) -> String {
    format!("%{b:02X}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_through_the_lexer() {
        for text in ["/a", "", "a b", "x#y", "say \"hi\"", "{", "tab\there", "back\\slash and space", "é ü"] {
            let line = format!("set status {}", token(text));
            let mut diagnostics = Vec::new();
            let lines = rules_dsl::lexer::lex(&line, &mut diagnostics);
            assert!(diagnostics.is_empty(), "{line}: {diagnostics:?}");
            assert_eq!(lines[0].tokens[2].text, text, "{line}");
        }
        assert_eq!(token("/plain"), "/plain");
    }

    #[test]
    fn literal_patterns_and_targets_mean_themselves() {
        let settings = rules_dsl::ir::Settings::default();
        let m = rules_dsl::pattern::PathMatch { settings: &settings };
        for path in ["/Web/CSS/:is", "/css/::before", "/a*b/*", "/back\\slash/\\:x", "/sp ace/:x \"q\"", "/é/50%"] {
            {
                let written = pattern_token(&literal_pattern(path)).into_owned();
                let line = format!("redirect {written} /x");
                let mut diagnostics = Vec::new();
                let file = rules_dsl::parser::parse(&line, &mut diagnostics);
                let rules = rules_dsl::lower::lower(&file, &mut diagnostics);
                assert!(diagnostics.is_empty(), "{line}: {diagnostics:?}");
                let pattern = &rules.routes[0].matcher.path;
                assert!(pattern.is_exact(), "{line}");
                assert!(m.path(pattern, &rules_dsl::pattern::canonical_path(path)).is_some(), "{line}");
            }
            let target = literal_target(path);
            let line = format!("redirect /from {}", pattern_token(&target));
            let mut diagnostics = Vec::new();
            let file = rules_dsl::parser::parse(&line, &mut diagnostics);
            let rules = rules_dsl::lower::lower(&file, &mut diagnostics);
            assert!(diagnostics.is_empty(), "{line}: {diagnostics:?}");
            let rules_dsl::ir::Action::Redirect { target, .. } = &rules.routes[0].action else { panic!() };
            assert_eq!(target.as_literal().as_deref(), Some(path), "{line}");
        }
        assert_eq!(token("a\u{1}"), "\"a\\u{1}\"");
    }

    #[test]
    fn urls_and_names() {
        assert_eq!(split_url("https://a.example/b?c"), Some(("https", "a.example", "/b?c")));
        assert_eq!(split_url("HTTP://a.example"), Some(("HTTP", "a.example", "")));
        assert_eq!(split_url("/a"), None);
        assert!(valid_host("a-b.example:8080"));
        assert!(!valid_host(":sub.example"));
        assert!(!valid_host("a.example:"));
        assert_eq!(split_path("/a?b=1#c"), ("/a", Some("b=1"), Some("c")));
        assert_eq!(placeholder_name("tag.rss", &[]), "tag_rss");
        assert_eq!(placeholder_name("splat", &[]), "p_splat");
        assert_eq!(placeholder_name("x", &["x".into()]), "x_2");
    }
}
