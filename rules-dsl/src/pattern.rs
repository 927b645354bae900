//! Paths, patterns and targets: canonical percent-encoding, parsing of patterns and targets,
//! and the reference matcher that the generated JavaScript must agree with.

use crate::ast::Word;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Case, Matcher, PathPattern, Piece, Segment, Settings, Slash, Target};
use crate::source::Span;

/// The canonical percent-encoding of a path (or any URL part), as the functions compute it.
///
/// 1. Every character outside `!`..`~` (space, controls, non-ASCII) is percent-encoded as
///    UTF-8 with upper-case hex.
/// 2. Scanning left to right, each `%XX` escape (hex in any case) of an unreserved character
///    (`A-Z a-z 0-9 - . _ ~`) is decoded; every other escape is upper-cased.
///
/// So `/café`, `/caf%C3%A9` and `/caf%c3%a9` are all `/caf%C3%A9`, and `/%7euser` is `/~user`.
/// The JavaScript twin is `norm()` in the compiler's request template.
pub fn canonical_path(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for c in text.chars() {
        if ('!'..='~').contains(&c) {
            encoded.push(c);
        } else {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                encoded.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    let bytes = encoded.as_bytes();
    let mut out = String::with_capacity(encoded.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() && is_hex(bytes[i + 1]) && is_hex(bytes[i + 2]) {
            let value = hex_value(bytes[i + 1]) * 16 + hex_value(bytes[i + 2]);
            if is_unreserved(value) {
                out.push(value as char);
            } else {
                out.push('%');
                out.push(bytes[i + 1].to_ascii_uppercase() as char);
                out.push(bytes[i + 2].to_ascii_uppercase() as char);
            }
            i += 3;
        } else {
            out.push(bytes[i] as char);
            i += 1;
        }
    }
    out
}

fn is_hex(b: u8) -> bool {
    b.is_ascii_hexdigit()
}

fn hex_value(b: u8) -> u8 {
    (b as char).to_digit(16).expect("checked hex") as u8
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// The key an already canonical path is looked up under: one trailing slash removed with
/// `slash fold` (except for the root), lower-cased with `case insensitive`.
pub fn lookup_key(canonical: &str, settings: &Settings) -> String {
    let mut key = canonical;
    if settings.slash == Slash::Fold && key.len() > 1 && key.ends_with('/') {
        key = &key[..key.len() - 1];
    }
    match settings.case {
        Case::Sensitive => key.to_string(),
        Case::Insensitive => key.to_ascii_lowercase(),
    }
}

/// The reference matcher: what a request path (as in `request.uri`) matches, and its captures.
#[derive(Clone, Copy, Debug)]
pub struct PathMatch<'a> {
    /// The settings that govern matching.
    pub settings: &'a Settings,
}

impl PathMatch<'_> {
    /// Whether a path pattern matches a canonical request path (no captures are made).
    pub fn matches(&self, pattern: &PathPattern, canonical: &str) -> bool {
        match &pattern.regex {
            Some(regex) => regex.for_case(self.settings.case).is_some_and(|r| r.is_match(canonical.as_bytes())),
            None => self.path(pattern, canonical).is_some(),
        }
    }

    /// Matches a path pattern against a canonical request path; the captures come in
    /// [`PathPattern::capture_names`] order.
    pub fn path(&self, pattern: &PathPattern, canonical: &str) -> Option<Vec<String>> {
        if let Some(literal) = pattern.literal_path() {
            let settings = self.settings;
            return (lookup_key(canonical, settings) == lookup_key(&literal, settings)).then(Vec::new);
        }
        if let Some(regex) = &pattern.regex {
            let compiled = regex.for_case(self.settings.case)?;
            let mut found = compiled.create_captures();
            compiled.captures(canonical.as_bytes(), &mut found);
            if !found.is_match() {
                return None;
            }
            return Some(
                (1..=regex.groups.len())
                    .map(|i| {
                        found.get_group(i).map_or(String::new(), |span| {
                            String::from_utf8_lossy(&canonical.as_bytes()[span.range()]).into_owned()
                        })
                    })
                    .collect(),
            );
        }
        let insensitive = self.settings.case == Case::Insensitive;
        let mut rest = canonical;
        let mut captures = Vec::new();
        for segment in &pattern.segments {
            rest = rest.strip_prefix('/')?;
            let end = rest.find('/').unwrap_or(rest.len());
            let (text, after) = rest.split_at(end);
            match segment {
                Segment::Literal(literal) => {
                    let equal = if insensitive { literal.eq_ignore_ascii_case(text) } else { literal == text };
                    if !equal {
                        return None;
                    }
                }
                Segment::Param(_) => {
                    if text.is_empty() {
                        return None;
                    }
                    captures.push(text.to_string());
                }
            }
            rest = after;
        }
        let tail_ok = if let Some(prefix) = pattern.splat.then_some(pattern.splat_prefix.as_ref()).flatten() {
            let rest = rest.strip_prefix('/')?;
            let head = rest.get(..prefix.len())?;
            let equal = if insensitive { head.eq_ignore_ascii_case(prefix) } else { head == prefix };
            if !equal {
                return None;
            }
            captures.push(rest[prefix.len()..].to_string());
            true
        } else if pattern.splat {
            match rest {
                "" => {
                    captures.push(String::new());
                    true
                }
                _ => {
                    let splat = rest.strip_prefix('/')?;
                    captures.push(splat.to_string());
                    true
                }
            }
        } else {
            match self.settings.slash {
                Slash::Fold => rest.is_empty() || rest == "/",
                Slash::Exact => rest == if pattern.trailing_slash { "/" } else { "" },
            }
        };
        tail_ok.then_some(captures)
    }

    /// Matches host and path (not the other conditions): `host` is the request's `host` header.
    pub fn matcher(&self, matcher: &Matcher, host: Option<&str>, canonical: &str) -> Option<Vec<String>> {
        if let Some(want) = &matcher.host
            && host.map(str::to_ascii_lowercase).as_deref() != Some(want.as_str())
        {
            return None;
        }
        self.path(&matcher.path, canonical)
    }
}

/// Span of a part of a word: exact for unquoted words, the whole word for quoted ones
/// (whose escapes break the character mapping).
pub fn sub_span(word: &Word, start: usize, end: usize) -> Span {
    if word.quoted { word.span } else { Span::new(word.span.start as usize + start, word.span.start as usize + end) }
}

/// Splits `http(s)://host/rest` into (host, rest offset); `None` when it is not absolute.
fn split_absolute(text: &str) -> Option<(&str, usize)> {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    let after = if lower.starts_with("https://") {
        8
    } else if lower.starts_with("http://") {
        7
    } else {
        return None;
    };
    let end = text[after..].find(['/', '?', '#']).map_or(text.len(), |i| after + i);
    Some((&text[after..end], end))
}

/// A word's characters, each with whether it was written escaped: `\:`, `\*` and `\\` in an
/// unquoted word (any other backslash is itself), or the `\:` and `\*` that the lexer recorded for
/// a quoted one. An escaped `:` or `*` is always literal.
fn escaped_chars(word: &Word) -> Vec<(char, bool)> {
    if word.quoted {
        return word.text.char_indices().map(|(at, c)| (c, word.escaped.contains(&at))).collect();
    }
    let mut out = Vec::with_capacity(word.text.len());
    let mut chars = word.text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('\\', Some(&next @ (':' | '*' | '\\'))) => {
                chars.next();
                out.push((next, true));
            }
            _ => out.push((c, false)),
        }
    }
    out
}

/// The text of escaped characters, and a span function for offsets in it: exact when the text
/// is the word as written, the whole word otherwise.
fn plain_text(word: &Word, chars: &[(char, bool)]) -> (String, impl Fn(usize, usize) -> Span) {
    let plain: String = chars.iter().map(|&(c, _)| c).collect();
    let exact = !word.quoted && plain == word.text;
    let whole = word.span;
    let word = word.clone();
    (plain, move |start, end| if exact { sub_span(&word, start, end) } else { whole })
}

/// Whether `name` is a placeholder name: letters, digits and `_`, at least one.
fn is_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Parses a pattern: a path, or an absolute URL whose host must match.
pub fn parse_pattern(word: &Word, case: Case) -> Result<(Option<String>, PathPattern), Diagnostic> {
    if word.text.starts_with('~') && !word.quoted {
        let regex = crate::regex_pattern::parse(word, case)?;
        let pattern = PathPattern {
            segments: Vec::new(),
            splat: false,
            trailing_slash: false,
            splat_prefix: None,
            regex: Some(regex),
        };
        return Ok((None, pattern));
    }
    let chars = escaped_chars(word);
    let (plain, span) = plain_text(word, &chars);
    let text = plain.as_str();
    let (host, path_start) = match split_absolute(text) {
        Some((host, end)) => {
            let host_lower = host.to_ascii_lowercase();
            let valid = !host.is_empty()
                && host_lower
                    .split_once(':')
                    .is_none_or(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
                && host_lower.split(':').next().is_some_and(|name| {
                    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
                });
            if !valid {
                let start = text.len() - text[text.find("://").map_or(0, |i| i + 3)..].len();
                return Err(Diagnostic::new(Code::InvalidPattern, span(start, end), "invalid host in pattern")
                    .with_label("expected a host name such as www.example.com")
                    .with_help(
                        "a pattern's host is matched against the host header; write https://www.example.com/*",
                    ));
            }
            (Some(host_lower), end)
        }
        None => (None, 0),
    };
    let path = if path_start == text.len() && host.is_some() { "/" } else { &text[path_start..] };
    if !path.starts_with('/') {
        return Err(Diagnostic::new(Code::InvalidPattern, word.span, format!("pattern `{text}` is not a path"))
            .with_label("expected a path starting with /")
            .with_help("patterns are paths such as /blog/* or absolute URLs such as https://www.example.com/*"));
    }
    if let Some(i) = path.find(['?', '#']) {
        let at = path_start + i;
        let (message, help) = if path.as_bytes()[i] == b'?' {
            (
                "a pattern cannot contain a query string",
                "patterns match the path only; require a query parameter with the option ?KEY or ?KEY=VALUE",
            )
        } else {
            ("a pattern cannot contain a fragment", "browsers never send the #fragment to the server")
        };
        return Err(Diagnostic::new(Code::InvalidPattern, span(at, text.len()), message)
            .with_label("here")
            .with_help(help));
    }
    let path_chars = if path_start == text.len() {
        vec![('/', false)]
    } else {
        let skip = text[..path_start].chars().count();
        chars[skip..].to_vec()
    };
    let pattern = parse_path(&path_chars, word)?;
    Ok((host, pattern))
}

/// Parses the path of a pattern (it starts with `/`), segment by segment.
fn parse_path(chars: &[(char, bool)], word: &Word) -> Result<PathPattern, Diagnostic> {
    let mut pattern =
        PathPattern { segments: Vec::new(), splat: false, trailing_slash: false, splat_prefix: None, regex: None };
    if chars.len() == 1 {
        return Ok(pattern);
    }
    let mut pieces: Vec<&[(char, bool)]> = chars[1..].split(|&(c, _)| c == '/').collect();
    if pieces.last().is_some_and(|p| p.is_empty()) {
        pattern.trailing_slash = true;
        pieces.pop();
    }
    let count = pieces.len();
    let mut seen: Vec<String> = Vec::new();
    for (index, piece) in pieces.into_iter().enumerate() {
        let text: String = piece.iter().map(|&(c, _)| c).collect();
        let last = index + 1 == count && !pattern.trailing_slash;
        let stars: Vec<usize> =
            piece.iter().enumerate().filter(|(_, (c, esc))| *c == '*' && !esc).map(|(i, _)| i).collect();
        match stars.as_slice() {
            [] => {}
            [at] if last && at + 1 == piece.len() => {
                pattern.splat = true;
                if piece.len() > 1 {
                    pattern.splat_prefix = Some(canonical_path(&text[..text.len() - 1]));
                }
                continue;
            }
            _ => {
                return Err(Diagnostic::new(
                    Code::MisplacedSplat,
                    word.span,
                    "`*` is only allowed at the end of the last segment",
                )
                .with_label("misplaced *")
                .with_help("write /prefix/* or /prefix-* to match everything after the prefix, :name to match one segment, and \\* for a literal star"));
            }
        }
        let placeholder = piece.first().is_some_and(|&(c, escaped)| c == ':' && !escaped) && is_name(&text[1..]);
        if !placeholder {
            pattern.segments.push(Segment::Literal(canonical_path(&text)));
            continue;
        }
        let name = &text[1..];
        if name == "splat" || seen.iter().any(|s| s == name) {
            return Err(Diagnostic::new(
                Code::InvalidPlaceholder,
                word.span,
                format!("placeholder `:{name}` is bound twice or reserved"),
            )
            .with_label("in this pattern")
            .with_help(
                "each placeholder name once; :splat is the name of the final *; write \\: for a literal colon",
            ));
        }
        seen.push(name.to_string());
        pattern.segments.push(Segment::Param(name.to_string()));
    }
    Ok(pattern)
}

/// Which statement a target belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    /// A redirect: a path or an absolute URL.
    Redirect,
    /// A rewrite: a path only.
    Rewrite,
}

/// Parses a target, resolving placeholders against the pattern's captures.
///
/// `:name` is a placeholder wherever it stands; a `:` written `\\:`, or followed by anything but a
/// letter, digit or `_`, is literal.
pub fn parse_target(word: &Word, captures: &[&str], kind: TargetKind) -> Result<Target, Diagnostic> {
    parse_target_with(word, captures, kind, false)
}

/// Parses the target of a `~REGEX` rule: `$1`…`$9` are the numbered groups, `$$` is a `$`, and
/// `:name` a named group (`captures` has one entry per group, `""` for unnamed ones).
pub fn parse_regex_target(word: &Word, captures: &[&str], kind: TargetKind) -> Result<Target, Diagnostic> {
    parse_target_with(word, captures, kind, true)
}

fn parse_target_with(word: &Word, captures: &[&str], kind: TargetKind, dollars: bool) -> Result<Target, Diagnostic> {
    let chars = escaped_chars(word);
    let (plain, span) = plain_text(word, &chars);
    let text = plain.as_str();
    if let Some(c) = text.chars().find(|&c| (c as u32) < 0x20 || c == '\u{7f}') {
        return Err(Diagnostic::new(
            Code::ControlCharacter,
            word.span,
            format!("control character U+{:04X} in a target", c as u32),
        )
        .with_label("not allowed in a URL")
        .with_help("percent-encode it, e.g. %09 for a tab"));
    }
    if text.starts_with("//") || text.starts_with("/\\") {
        // Browsers read a backslash after the first slash as a slash: `/\\evil.com` is
        // `//evil.com`, and the message names what was written.
        let (message, help) = if text.starts_with("//") {
            (
                "target starts with `//`",
                "write the scheme (https://host/path) for another site, or a single / for a path on this one",
            )
        } else {
            (
                "target starts with `/\\`",
                "browsers read a backslash here as a slash; write the scheme (https://host/path) for another site, or a path without the backslash",
            )
        };
        return Err(Diagnostic::new(Code::ProtocolRelativeTarget, span(0, 2.min(text.len())), message)
            .with_label("browsers read this as another host")
            .with_help(help));
    }
    let body_start = if text.starts_with('/') {
        0
    } else if let Some((host, end)) = split_absolute(text) {
        if kind == TargetKind::Rewrite {
            return Err(Diagnostic::new(Code::InvalidTarget, word.span, "a rewrite target must be a path")
                .with_label("absolute URL")
                .with_help("rewrites change the URI sent to the origin; use redirect to send the viewer elsewhere, or prefix-strip with origin= to pick another origin"));
        }
        let placeholder_in_host =
            host.split_once(':').is_some_and(|(_, port)| !port.bytes().all(|b| b.is_ascii_digit()))
                || host.contains('@')
                || (dollars && host.contains('$'));
        if host.is_empty() || placeholder_in_host || host.contains('\\') {
            return Err(Diagnostic::new(Code::InvalidTarget, span(end - host.len(), end), "invalid host in target")
                .with_label("expected a fixed host name")
                .with_help("placeholders and credentials are not allowed in the host of a target, so that a request can never choose where it is sent"));
        }
        end
    } else {
        return Err(Diagnostic::new(
            Code::InvalidTarget,
            word.span,
            format!("target `{text}` is neither a path nor a URL"),
        )
        .with_label("expected / or http(s)://")
        .with_help("targets are paths such as /new or absolute URLs such as https://example.com/new"));
    };
    let mut pieces = Vec::new();
    let mut literal = String::from(&text[..body_start]);
    let bytes = text.as_bytes();
    // Byte offsets in `text` of the escaped colons.
    let mut escaped = Vec::new();
    let mut at = 0;
    for &(c, was_escaped) in &chars {
        if was_escaped && c == ':' {
            escaped.push(at);
        }
        at += c.len_utf8();
    }
    let mut i = body_start;
    while i < bytes.len() {
        if dollars && bytes[i] == b'$' {
            match bytes.get(i + 1) {
                Some(b'$') => {
                    literal.push('$');
                    i += 2;
                    continue;
                }
                Some(&digit @ b'1'..=b'9') => {
                    let number = usize::from(digit - b'0');
                    if number > captures.len() {
                        let groups = match captures.len() {
                            0 => "no groups".to_string(),
                            1 => "one group, $1".to_string(),
                            n => format!("{n} groups, $1 to ${n}"),
                        };
                        return Err(Diagnostic::new(
                            Code::UnboundPlaceholder,
                            span(i, i + 2),
                            format!("`${number}` names no group of the regular expression"),
                        )
                        .with_label("no such group")
                        .with_help(format!("the expression has {groups}; write a literal $ as $$")));
                    }
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Capture(number - 1));
                    i += 2;
                    continue;
                }
                _ => {}
            }
        }
        if bytes[i] == b':' && !escaped.contains(&i) {
            let name_len = bytes[i + 1..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'_').count();
            if name_len > 0 {
                let name = &text[i + 1..i + 1 + name_len];
                let Some(index) = captures.iter().position(|c| *c == name) else {
                    let mut diagnostic = Diagnostic::new(
                        Code::UnboundPlaceholder,
                        span(i, i + 1 + name_len),
                        format!("placeholder `:{name}` is not bound by the pattern"),
                    )
                    .with_label("unbound");
                    diagnostic.help = Some(if captures.is_empty() {
                        "the pattern has no placeholders; write a literal colon before a name as \\:".to_string()
                    } else {
                        format!(
                            "the pattern binds {}; write a literal colon before a name as \\:",
                            captures.iter().map(|c| format!(":{c}")).collect::<Vec<_>>().join(", ")
                        )
                    });
                    return Err(diagnostic);
                };
                if !literal.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut literal)));
                }
                pieces.push(Piece::Capture(index));
                i += 1 + name_len;
                continue;
            }
        }
        let c = text[i..].chars().next().expect("in bounds");
        literal.push(c);
        i += c.len_utf8();
    }
    if !literal.is_empty() {
        pieces.push(Piece::Text(literal));
    }
    Ok(Target { pieces })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str) -> Word {
        Word::bare(text, Span::new(0, text.len()))
    }

    fn parse_pattern_sensitive(word: &Word) -> Result<(Option<String>, PathPattern), Diagnostic> {
        parse_pattern(word, Case::Sensitive)
    }

    #[test]
    fn canonical_encoding() {
        assert_eq!(canonical_path("/café"), "/caf%C3%A9");
        assert_eq!(canonical_path("/caf%c3%a9"), "/caf%C3%A9");
        assert_eq!(canonical_path("/%7euser/%41"), "/~user/A");
        assert_eq!(canonical_path("/a%2fb%252f"), "/a%2Fb%252f");
        assert_eq!(canonical_path("/a b/%"), "/a%20b/%");
        assert_eq!(canonical_path("/😀"), "/%F0%9F%98%80");
        assert_eq!(canonical_path("/%zz%4"), "/%zz%4");
    }

    #[test]
    fn patterns_and_matching() {
        let settings = Settings::default();
        let m = PathMatch { settings: &settings };
        let (_, blog) = parse_pattern_sensitive(&word("/blog/*")).unwrap();
        assert_eq!(m.path(&blog, "/blog"), Some(vec!["".into()]));
        assert_eq!(m.path(&blog, "/blog/"), Some(vec!["".into()]));
        assert_eq!(m.path(&blog, "/blog/a/b"), Some(vec!["a/b".into()]));
        assert_eq!(m.path(&blog, "/blogs"), None);
        let (_, docs) = parse_pattern_sensitive(&word("/docs/:v/intro")).unwrap();
        assert_eq!(m.path(&docs, "/docs/1.2/intro/"), Some(vec!["1.2".into()]));
        assert_eq!(m.path(&docs, "/docs//intro"), None);
        let (host, root) = parse_pattern_sensitive(&word("https://WWW.example.com")).unwrap();
        assert_eq!(host.as_deref(), Some("www.example.com"));
        assert_eq!(m.path(&root, "/"), Some(vec![]));
        assert!(parse_pattern_sensitive(&word("/*/x")).is_err());
        assert!(parse_pattern_sensitive(&word("/a*b")).is_err());
        assert!(parse_pattern_sensitive(&word("/a*/")).is_err());
        assert!(parse_pattern_sensitive(&word("/:a/:a")).is_err());
        assert!(parse_pattern_sensitive(&word("a")).is_err());
        assert!(parse_pattern_sensitive(&word("/a?b")).is_err());
    }

    #[test]
    fn literal_colons_and_stars() {
        let settings = Settings::default();
        let m = PathMatch { settings: &settings };
        for (written, path) in [
            ("/docs/\\:is", "/docs/:is"),
            ("/css/::before", "/css/::before"),
            ("/css/:-moz-any", "/css/:-moz-any"),
            ("/a:b/:", "/a:b/:"),
            ("/star/\\*", "/star/*"),
            ("/back\\\\slash", "/back%5Cslash"),
            ("/odd\\q", "/odd%5Cq"),
        ] {
            let (_, pattern) = parse_pattern_sensitive(&word(written)).unwrap();
            assert_eq!(pattern.literal_path().as_deref(), Some(canonical_path(&path.replace("%5C", "\\")).as_str()));
            assert!(m.path(&pattern, &canonical_path(&path.replace("%5C", "\\"))).is_some(), "{written}");
        }
        let quoted = Word { text: ":is*".into(), span: Span::new(0, 8), quoted: true, escaped: vec![0, 3] };
        let pattern =
            parse_pattern(&Word { text: format!("/{}", quoted.text), escaped: vec![1, 4], ..quoted }, Case::Sensitive)
                .unwrap()
                .1;
        assert_eq!(pattern.literal_path().as_deref(), Some("/:is*"));
        let target = parse_target(&word("/Web/CSS/\\:is?q=:v&x=a:-b"), &["v"], TargetKind::Redirect).unwrap();
        assert_eq!(target.instantiate(&["1".into()]), "/Web/CSS/:is?q=1&x=a:-b");
        let unbound = parse_target(&word("/a:b"), &[], TargetKind::Redirect).unwrap_err();
        let regex = parse_regex_target(&word("/y/$1/:n/$$2/$"), &["", "n"], TargetKind::Redirect).unwrap();
        assert_eq!(regex.instantiate(&["a".into(), "b".into()]), "/y/a/b/$2/$");
        let missing = parse_regex_target(&word("/y/$3"), &["", "n"], TargetKind::Redirect).unwrap_err();
        assert_eq!(missing.code, Code::UnboundPlaceholder);
        assert_eq!(parse_target(&word("/$1"), &[], TargetKind::Redirect).unwrap().as_literal().as_deref(), Some("/$1"));
        assert!(unbound.help.unwrap().contains("\\:"));
    }

    #[test]
    fn splats_inside_a_segment() {
        let settings = Settings::default();
        let m = PathMatch { settings: &settings };
        let (_, release) = parse_pattern_sensitive(&word("/en/release-*")).unwrap();
        assert_eq!(m.path(&release, "/en/release-0.1"), Some(vec!["0.1".into()]));
        assert_eq!(m.path(&release, "/en/release-"), Some(vec!["".into()]));
        assert_eq!(m.path(&release, "/en/release-0.1/a/b"), Some(vec!["0.1/a/b".into()]));
        assert_eq!(m.path(&release, "/en/release"), None);
        assert_eq!(m.path(&release, "/en/latest"), None);
        let (_, news) = parse_pattern_sensitive(&word("/news*")).unwrap();
        assert_eq!(m.path(&news, "/news"), Some(vec!["".into()]));
        assert_eq!(m.path(&news, "/newsletter"), Some(vec!["letter".into()]));
        assert_eq!(m.path(&news, "/news/2024"), Some(vec!["/2024".into()]));
        let insensitive = Settings { case: Case::Insensitive, ..Settings::default() };
        assert!(PathMatch { settings: &insensitive }.path(&news, "/NEWS-x").is_some());
    }

    #[test]
    fn targets() {
        let t = parse_target(&word("https://example.com:8443/x/:splat?a=:v"), &["v", "splat"], TargetKind::Redirect)
            .unwrap();
        assert_eq!(t.instantiate(&["1".into(), "p/q".into()]), "https://example.com:8443/x/p/q?a=1");
        assert_eq!(
            parse_target(&word("//evil"), &[], TargetKind::Redirect).unwrap_err().code,
            Code::ProtocolRelativeTarget
        );
        assert_eq!(
            parse_target(&word("https://:x.com/"), &["x"], TargetKind::Redirect).unwrap_err().code,
            Code::InvalidTarget
        );
        assert_eq!(
            parse_target(&word("/a/:nope"), &["x"], TargetKind::Redirect).unwrap_err().code,
            Code::UnboundPlaceholder
        );
        assert_eq!(
            parse_target(&word("https://a.com/"), &[], TargetKind::Rewrite).unwrap_err().code,
            Code::InvalidTarget
        );
    }
}
