//! The regular expressions of Apache and nginx (PCRE) as the rules language's patterns and
//! targets, shared by [`crate::apache`] and [`crate::nginx`].
//!
//! A server tries an expression anywhere in the path unless it is anchored (`^`, `$`); the
//! language's `~REGEX` must match the whole path. So an expression becomes, in order of
//! preference: a literal path (`^/a/b$`), a prefix (`^/a/b`, `^/a/(.*)$`, written `/a/b*` with
//! `$1` as `:splat`), everything (`^`, `^(.*)$`), or a `~REGEX` with `.*?` before and `.*` after
//! where it is not anchored. When the language refuses the open `.*?` in front (beside another
//! open repetition it would backtrack too much), an expression that starts with `/` (or any
//! per-directory one) is read from the start of the path instead, and reported as approximated.
//! The plain forms go to the KVS or to small code, and may carry a host; only the regular-expression form needs the language's regex subset, which
//! [`accepted`] checks with the language's own front end so that a rejected expression is
//! reported with the reason.
//!
//! Case-insensitive matching (`[NC]`, `~*`) has no flag in the language's subset: every ASCII
//! letter is written as a class of both cases (`[aA]`).

use rules_dsl::SourceFile;

/// What the subject of an expression is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// The path with its leading `/` (nginx, Apache server context, `RedirectMatch`).
    Path,
    /// The path without its leading `/` (`RewriteRule` in `.htaccess`, per-directory context).
    Relative,
}

/// How a target refers to what the pattern captured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refs {
    /// The pattern captures nothing.
    None,
    /// Group 1 is `lead` followed by the pattern's `:splat`.
    Splat(String),
    /// A `~REGEX` pattern: groups are `$N`.
    Groups,
}

/// A source expression as a pattern of the language (path part only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Translated {
    /// The pattern, in the language's syntax (`/a`, `/a*`, `~"…"`).
    pub path: String,
    /// Whether `path` is a `~REGEX` (which cannot carry a host).
    pub regex: bool,
    /// How targets refer to captures.
    pub refs: Refs,
    /// Why the pattern only approximates the expression, when it does.
    pub approximation: Option<String>,
}

/// One piece of a source target: literal text, or a numbered group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Literal text.
    Text(String),
    /// `$N`.
    Group(u32),
    /// The pattern's `:splat` (the pattern must bind it).
    Splat,
}

/// The path a literal or prefix pattern was written from (its escapes undone).
pub fn unescape_literal(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

/// Whether byte `i` of `text` is escaped by an odd number of backslashes before it.
fn escaped(text: &[u8], i: usize) -> bool {
    text[..i].iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 1
}

/// The literal text an expression matches when it has no operators, or `None`.
pub fn literal(re: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = re.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next) if !next.is_ascii_alphanumeric() => out.push(next),
                _ => return None,
            },
            '.' | '[' | ']' | '(' | ')' | '{' | '}' | '*' | '+' | '?' | '|' | '^' | '$' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// Escapes a literal for a regular expression.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Literal text of a source as a `~REGEX` over the canonical path: punctuation escaped
/// ([`escape`]), characters outside `!`..`~` percent-encoded as the canonical form writes them.
pub fn literal_regex(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_graphic() {
            out.push_str(&escape(c.encode_utf8(&mut [0; 4])));
        } else {
            for b in c.encode_utf8(&mut [0; 4]).bytes() {
                out.push_str(&crate::text::percent(b));
            }
        }
    }
    out
}

/// Whether the expression has `|` outside every group and class.
fn top_level_alternation(re: &str) -> bool {
    let bytes = re.as_bytes();
    let (mut depth, mut class) = (0i32, false);
    for (i, &b) in bytes.iter().enumerate() {
        if escaped(bytes, i) {
            continue;
        }
        match b {
            b'[' if !class => class = true,
            b']' if class => class = false,
            b'(' if !class => depth += 1,
            b')' if !class => depth -= 1,
            b'|' if !class && depth == 0 => return true,
            _ => {}
        }
    }
    false
}

/// Whether the expression has an unescaped `^` or `$` outside classes.
fn inner_anchor(re: &str) -> bool {
    let bytes = re.as_bytes();
    let mut class = false;
    for (i, &b) in bytes.iter().enumerate() {
        if escaped(bytes, i) {
            continue;
        }
        match b {
            b'[' if !class => class = true,
            b']' if class && i > 0 && bytes[i - 1] != b'[' => class = false,
            b'^' | b'$' if !class => return true,
            _ => {}
        }
    }
    false
}

/// Writes every ASCII letter as both cases: `a` as `[aA]`, and inside a class each letter and
/// letter range gains its other case. Escapes (`\d`) and group names are left alone.
pub fn fold_case(re: &str) -> String {
    let chars: Vec<char> = re.chars().collect();
    let mut out = String::with_capacity(re.len() * 2);
    let mut i = 0;
    let mut class: Option<String> = None;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            let pair: String = chars[i..i + 2].iter().collect();
            match &mut class {
                Some(body) => body.push_str(&pair),
                None => out.push_str(&pair),
            }
            i += 2;
            continue;
        }
        if let Some(body) = &mut class {
            if c == ']' && !body.is_empty() && body != "^" {
                out.push('[');
                out.push_str(&fold_class(body));
                out.push(']');
                class = None;
            } else {
                body.push(c);
            }
            i += 1;
            continue;
        }
        match c {
            '[' => class = Some(String::new()),
            '(' if chars.get(i + 1) == Some(&'?') => {
                // A group's name (`(?<name>`, `(?P<name>`) is not text to match.
                let end = chars[i..].iter().position(|&c| c == '>' || c == ':' || c == ')').map_or(i + 1, |p| i + p);
                let head: String = chars[i..=end.min(chars.len() - 1)].iter().collect();
                out.push_str(&head);
                i = end + 1;
                continue;
            }
            '{' => {
                // A counted repetition `{m,n}` has no letters; copy it.
                let end = chars[i..].iter().position(|&c| c == '}').map_or(i, |p| i + p);
                out.extend(&chars[i..=end]);
                i = end + 1;
                continue;
            }
            c if c.is_ascii_alphabetic() => {
                out.push('[');
                out.push(c.to_ascii_lowercase());
                out.push(c.to_ascii_uppercase());
                out.push(']');
            }
            c => out.push(c),
        }
        i += 1;
    }
    if let Some(body) = class {
        out.push('[');
        out.push_str(&body);
    }
    out
}

/// A class body with the other case of each letter and letter range added.
fn fold_class(body: &str) -> String {
    let chars: Vec<char> = body.chars().collect();
    let mut extra = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' {
            i += 2;
            continue;
        }
        let c = chars[i];
        if i + 2 < chars.len() && chars[i + 1] == '-' && chars[i + 2] != '\\' {
            let (a, b) = (c, chars[i + 2]);
            if a.is_ascii_lowercase() && b.is_ascii_lowercase() {
                extra.push_str(&format!("{}-{}", a.to_ascii_uppercase(), b.to_ascii_uppercase()));
            } else if a.is_ascii_uppercase() && b.is_ascii_uppercase() {
                extra.push_str(&format!("{}-{}", a.to_ascii_lowercase(), b.to_ascii_lowercase()));
            }
            i += 3;
            continue;
        }
        if c.is_ascii_lowercase() {
            extra.push(c.to_ascii_uppercase());
        } else if c.is_ascii_uppercase() {
            extra.push(c.to_ascii_lowercase());
        }
        i += 1;
    }
    // A `-` at the end of the body stays last, where it is literal.
    match body.strip_suffix('-') {
        Some(rest) if !rest.ends_with('\\') => format!("{rest}{extra}-"),
        _ => format!("{body}{extra}"),
    }
}

/// A `~REGEX` pattern token: bare when it can be, otherwise quoted (only `"` is escaped).
pub fn regex_token(full: &str) -> String {
    if full.chars().any(|c| matches!(c, ' ' | '\t' | '#' | '"' | '{' | '}')) {
        format!("~\"{}\"", full.replace('"', "\\\""))
    } else {
        format!("~{full}")
    }
}

/// Whether the language accepts a pattern (its own front end decides); the error says why not.
pub fn accepted(path: &str) -> Result<(), String> {
    let text = format!("respond {path} 410\n");
    let analysis = rules_dsl::analyze(&SourceFile::new("pattern", text.as_str()));
    match analysis.diagnostics.iter().find(|d| d.is_error()) {
        Some(d) => Err(format!("{} ({})", d.message, d.code.as_str())),
        None => Ok(()),
    }
}

/// Translates an expression (as the server reads it: unanchored unless `^`/`$` say otherwise).
pub fn translate(re: &str, nocase: bool, subject: Subject) -> Result<Translated, String> {
    let (re, nocase) = match re.strip_prefix("(?i)") {
        Some(rest) => (rest, true),
        None => (re, nocase),
    };
    let anchored = re.starts_with('^');
    let body = if anchored { &re[1..] } else { re };
    // An expression that opens with `.*` (or a group that does) matches from the start of the
    // path wherever it matches at all, capturing the same: it is as if anchored.
    let start = anchored || (["(.*", ".*"].iter().any(|open| body.starts_with(open)) && !top_level_alternation(body));
    let end = body.ends_with('$') && !escaped(body.as_bytes(), body.len() - 1);
    let body = if end { &body[..body.len() - 1] } else { body };
    if top_level_alternation(body) && (start || end) {
        return Err("anchors around a top-level `|` cannot be carried over; put the alternatives in a group".into());
    }
    if inner_anchor(body) {
        return Err("an anchor (`^` or `$`) inside the expression cannot be carried over".into());
    }
    // `(.*)?` captures what `(.*)` does (an unset group is empty in a target).
    let body = match body.strip_suffix("(.*)?") {
        Some(head) => format!("{head}(.*)"),
        None => body.to_string(),
    };
    let body = body.as_str();
    let lead = if subject == Subject::Relative { "/" } else { "" };
    if !nocase && let Some(plain) = plain_form(body, start, end, lead)? {
        return Ok(plain);
    }
    let body = body.replace("(?P<", "(?<");
    let body = if nocase { fold_case(&body) } else { body };
    let written = |from_start: bool| {
        let mut full = String::from(lead);
        if !from_start {
            full.push_str(".*?");
        }
        if top_level_alternation(&body) {
            full.push_str(&format!("(?:{body})"));
        } else {
            full.push_str(&body);
        }
        if !end && !body.ends_with(".*") && !body.ends_with(".*)") {
            full.push_str(".*");
        }
        regex_token(&full)
    };
    let path = written(start);
    match accepted(&path) {
        Ok(()) => Ok(Translated { path, regex: true, refs: Refs::Groups, approximation: None }),
        // Unanchored at the start, the expression needs an open repetition before it, which the
        // language refuses beside another; an expression written from the root (or from the
        // directory) is read from the start of the path.
        Err(_) if !start && (body.starts_with('/') || subject == Subject::Relative) => {
            let path = written(true);
            accepted(&path)?;
            let approximation = Some(format!(
                "the server tries `{re}` anywhere in the path; imported as matching from the start of the path (as if written `^{re}`)"
            ));
            Ok(Translated { path, regex: true, refs: Refs::Groups, approximation })
        }
        Err(error) => Err(error),
    }
}

/// The literal, prefix and everything forms, when the expression has one.
fn plain_form(body: &str, start: bool, end: bool, lead: &str) -> Result<Option<Translated>, String> {
    let everything = |refs| Ok(Some(Translated { path: "/*".into(), regex: false, refs, approximation: None }));
    if matches!(body, "" | ".*" | ".*?") && (start || !end) {
        return everything(Refs::None);
    }
    if body == "(.*)" && (start || !end) {
        return everything(Refs::Splat(if lead.is_empty() { "/".into() } else { String::new() }));
    }
    if !start {
        return Ok(None);
    }
    let (head, refs) = if let Some(head) = body.strip_suffix("(.*)") {
        (head, Refs::Splat(String::new()))
    } else if let Some(head) = body.strip_suffix(".*") {
        (head, Refs::None)
    } else if end {
        // Exact.
        let Some(text) = literal(body) else { return Ok(None) };
        let path = format!("{lead}{text}");
        if !path.starts_with('/') {
            return Err(format!("`^{body}` never matches: paths start with `/`"));
        }
        return Ok(Some(Translated {
            path: crate::text::literal_pattern(&path),
            regex: false,
            refs: Refs::None,
            approximation: None,
        }));
    } else {
        (body, Refs::None)
    };
    let Some(text) = literal(head) else { return Ok(None) };
    let prefix = format!("{lead}{text}");
    if !prefix.starts_with('/') {
        return Err(format!("`^{body}` never matches: paths start with `/`"));
    }
    // `/a/*` would also take `/a`: a prefix that ends in `/` needs the regular expression.
    if prefix.ends_with('/') && prefix != "/" {
        return Ok(None);
    }
    Ok(Some(Translated {
        path: format!("{}*", crate::text::literal_pattern(&prefix)),
        regex: false,
        refs,
        approximation: None,
    }))
}

/// Writes a target from its parts: literal text escaped for the language, groups as the
/// pattern's captures. A group in the host, or one the pattern does not capture, is an error.
pub fn target(parts: &[Part], refs: &Refs) -> Result<String, String> {
    const MARK: char = '\u{1}';
    let mut flat = String::new();
    let mut inserts = Vec::new();
    for part in parts {
        match part {
            Part::Text(text) => flat.push_str(text),
            Part::Splat => {
                flat.push(MARK);
                inserts.push(":splat".to_string());
            }
            Part::Group(n) => {
                flat.push(MARK);
                inserts.push(match (refs, n) {
                    (Refs::Groups, 1..=9) => format!("${n}"),
                    (Refs::Splat(lead), 1) => format!("{lead}:splat"),
                    (Refs::Groups, _) => return Err(format!("`${n}`: the language numbers groups 1 to 9")),
                    _ => return Err(format!("`${n}` refers to a group the expression does not have")),
                });
            }
        }
    }
    if flat.contains(|c: char| c.is_control() && c != MARK) {
        return Err("the target holds a control character".into());
    }
    let path_start = crate::text::target_path_start(&flat.replace(MARK, "x"));
    if flat[..path_start].contains(MARK) {
        return Err("a capture in the host of the target would let a request choose where it is sent".into());
    }
    let regex = *refs == Refs::Groups;
    let bytes = flat.as_bytes();
    let mut out = String::with_capacity(flat.len() + 8);
    let mut inserts = inserts.into_iter();
    for (i, c) in flat.char_indices() {
        match c {
            MARK => out.push_str(&inserts.next().unwrap_or_default()),
            '$' if regex => out.push_str("$$"),
            '\\' if i >= path_start => out.push_str("\\\\"),
            ':' if i >= path_start && bytes.get(i + 1).copied().is_some_and(crate::text::is_name_byte) => {
                out.push_str("\\:")
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// Splits a server's substitution at `$N` references (`$` followed by a digit).
pub fn parts(text: &str) -> Vec<Part> {
    let mut out = Vec::new();
    let mut literal = String::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        if bytes[i] == b'$' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            if !literal.is_empty() {
                out.push(Part::Text(std::mem::take(&mut literal)));
            }
            out.push(Part::Group(u32::from(bytes[i + 1] - b'0')));
            i += 2;
            continue;
        }
        let c = text[i..].chars().next().expect("in bounds");
        literal.push(c);
        i += c.len_utf8();
    }
    if !literal.is_empty() {
        out.push(Part::Text(literal));
    }
    out
}

/// A pattern with a host: `https://HOST/path`; `None` for a regular expression, which cannot
/// carry one.
pub fn with_host(host: Option<&str>, pattern: &Translated) -> Option<String> {
    match host {
        None => Some(pattern.path.clone()),
        Some(_) if pattern.regex => None,
        Some(host) => Some(format!("https://{host}{}", pattern.path)),
    }
}

/// Reports every route from `first` on that now stands before a route written above it in its
/// file: the source tries them in another order than the file's.
pub fn report_reordering(t: &mut crate::model::Translation, first: usize, why: &str) {
    let mut lowest_after = u32::MAX;
    let mut moved = Vec::new();
    for route in t.routes[first..].iter().rev() {
        if route.role == crate::model::Role::Rule {
            if route.loc.line > lowest_after {
                moved.push((route.loc, route.source.clone()));
            }
            lowest_after = lowest_after.min(route.loc.line);
        }
    }
    moved.dedup_by_key(|(loc, _)| *loc);
    for (loc, source) in moved.into_iter().rev() {
        t.finding(loc, crate::finding::Kind::Reordered, why, &source);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(re: &str, subject: Subject) -> Translated {
        translate(re, false, subject).unwrap_or_else(|e| panic!("{re}: {e}"))
    }

    #[test]
    fn plain_forms() {
        assert_eq!(t("^/a/b\\.html$", Subject::Path).path, "/a/b.html");
        assert_eq!(t("^a\\.html$", Subject::Relative).path, "/a.html");
        let prefix = t("^/docs/(.*)$", Subject::Path);
        assert_eq!((prefix.path.as_str(), prefix.refs), ("~/docs/(.*)", Refs::Groups));
        let prefix = t("^/docs(.*)$", Subject::Path);
        assert_eq!((prefix.path.as_str(), prefix.refs), ("/docs*", Refs::Splat(String::new())));
        assert_eq!(t("^(.*)$", Subject::Path).refs, Refs::Splat("/".into()));
        assert_eq!(t("^(.*)$", Subject::Relative).refs, Refs::Splat(String::new()));
        assert_eq!(t("^", Subject::Path).path, "/*");
        assert!(translate("^a", false, Subject::Path).is_err());
    }

    #[test]
    fn literal_text_is_written_as_the_canonical_path_holds_it() {
        assert_eq!(literal_regex("a b.é(1)"), "a%20b\\.%C3%A9\\(1\\)");
    }

    #[test]
    fn regular_expressions() {
        assert_eq!(t("/who.html", Subject::Path).path, "~.*?/who.html.*");
        assert!(t("/who.html", Subject::Path).approximation.is_none());
        let from_start = t("/docs/(.*)/old-(.*)", Subject::Path);
        assert_eq!(from_start.path, "~/docs/(.*)/old-(.*)");
        assert!(from_start.approximation.is_some());
        assert_eq!(t("^/a/(\\d{4})$", Subject::Path).path, "~\"/a/(\\d{4})\"");
        assert_eq!(t("news\\.html$", Subject::Relative).path, "~/.*?news\\.html");
        assert_eq!(t("news(/.*)$", Subject::Relative).path, "~/.*?news(/.*)");
        // A leading `.*` already reaches back to the start of the path.
        let php = t("(.*)\\.php$", Subject::Path);
        assert_eq!((php.path.as_str(), php.approximation), ("~(.*)\\.php", None));
        // Not beside another alternative, which may match further on.
        assert!(translate("(.*)\\.php|x", false, Subject::Path).is_err());
        let fallback = t("news/(.*)/x(.*)$", Subject::Relative);
        assert_eq!(fallback.path, "~/news/(.*)/x(.*)");
        assert!(fallback.approximation.is_some());
        assert_eq!(translate("^/a$", true, Subject::Path).expect("folds").path, "~/[aA]");
        assert!(translate("^/(?!x)", false, Subject::Path).is_err());
    }

    #[test]
    fn case_folding() {
        assert_eq!(fold_case("/a[b-d_]\\d(?<n>x){2}"), "/[aA][b-d_B-D]\\d(?<n>[xX]){2}");
        assert_eq!(fold_case("[a-]"), "[aA-]");
    }

    #[test]
    fn targets() {
        let groups = Refs::Groups;
        assert_eq!(target(&parts("/new/$1?a=$2"), &groups).as_deref(), Ok("/new/$1?a=$2"));
        assert_eq!(target(&parts("/cost$"), &groups).as_deref(), Ok("/cost$$"));
        assert_eq!(
            target(&parts("https://x.org/a:b/$1"), &Refs::Splat(String::new())).as_deref(),
            Ok("https://x.org/a\\:b/:splat")
        );
        assert!(target(&parts("https://$1.org/"), &groups).is_err());
        assert!(target(&parts("/a/$2"), &Refs::Splat(String::new())).is_err());
    }
}
