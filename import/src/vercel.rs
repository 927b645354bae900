//! Vercel: `vercel.json` (`redirects`, `rewrites`, `headers`, `cleanUrls`, `trailingSlash`), read
//! the way Vercel's router reads it.
//!
//! Semantics kept:
//! - sources are path-to-regexp (version 6) patterns matched with case, without folding a final
//!   slash (`strict`), over the whole path: `:name` is one non-empty segment, `:name(regex)` a
//!   custom expression, `(regex)` an unnamed one, the modifiers `?` (optional), `*` (any number)
//!   and `+` (one or more) with the `/` before them, `{…}` groups, `\\` escapes. A source made of
//!   literal segments, `:name` segments and a final `:name*` is written as a pattern of the
//!   language (`/a/:name/*`); any other becomes a `~REGEX` rule built the way path-to-regexp
//!   builds its expression, which the language's front end then checks;
//! - destinations fill `:name` (also `:name*`) and `$1`… from the source;
//! - the order Vercel routes in: `cleanUrls` and `trailingSlash` redirects, then `redirects` in
//!   file order, then (after the site's files) `rewrites` in file order, whatever the order of
//!   the keys in the file (a rewrite list written before the redirects is reported as
//!   reordered); every matching `headers` entry applies, in file order;
//! - `permanent` (default `true`: 308, `false`: 307) and `statusCode`;
//! - `has` conditions on `host` (the pattern's host), `query` (`?KEY`, `?KEY=VALUE`), `cookie`
//!   (`cookie=NAME`, `cookie=NAME=VALUE`) and the `x-vercel-ip-country` header (`country=`), with
//!   literal values.
//!
//! Reported: `missing` conditions and other `has` conditions (the language has no negation and no
//! condition on other headers), values that are regular expressions, rewrites to other hosts
//! (proxies), the legacy `routes` list, sources path-to-regexp rejects, and anything the
//! language's front end rejects (lookaround in a custom expression, for instance). A rewrite
//! whose source has parameters its destination does not use gets them as query parameters on
//! Vercel; that is reported as approximated. The one known difference in matching: a final
//! `:name*` written as the language's `*` also matches the path with a final slash (`/a/`),
//! which Vercel's strict matching does not.

use jsonc_parser::ast::{Object, Value};

use crate::Input;
use crate::finding::Kind;
use crate::json::{self, Entry, entries};
use crate::model::{Action, HeaderBlock, Loc, Role, Route, Translation};
use crate::pcre;
use crate::secrets;
use crate::text;

/// How a list entry that is not an object is noted.
const IGNORED: &str = "ignored as Vercel's schema check would reject it";

/// A piece of a path-to-regexp source, after parsing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    /// Literal text.
    Text(String),
    /// A parameter, or a `{…}` group.
    Param(Param),
}

/// A parameter of a source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    /// Its name: written (`:name`), or the index of an unnamed `(regex)` (`None` for a group
    /// without a parameter).
    pub name: Option<String>,
    /// Text before it that is optional with it (`/` or `.`, or a group's prefix).
    pub prefix: String,
    /// A group's text after it.
    pub suffix: String,
    /// Its expression; `None` is the default, one segment (`[^/]+?`); `Some("")` a group
    /// without a parameter.
    pub pattern: Option<String>,
    /// `?`, `*`, `+` or none.
    pub modifier: Option<char>,
}

/// The lexer's tokens (path-to-regexp's `lexer`).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Lex {
    Modifier(char),
    Escaped(char),
    Open,
    Close,
    Name(String),
    Pattern(String),
    Char(char),
}

fn lex(source: &str) -> Result<Vec<(usize, Lex)>, String> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '*' | '+' | '?' => {
                out.push((i, Lex::Modifier(c)));
                i += 1;
            }
            '\\' => {
                let Some(&next) = chars.get(i + 1) else { return Err(format!("a `\\` ends the source at {i}")) };
                out.push((i, Lex::Escaped(next)));
                i += 2;
            }
            '{' => {
                out.push((i, Lex::Open));
                i += 1;
            }
            '}' => {
                out.push((i, Lex::Close));
                i += 1;
            }
            ':' => {
                let name: String =
                    chars[i + 1..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == '_').collect();
                if name.is_empty() {
                    return Err(format!("missing parameter name after `:` at {i}"));
                }
                let len = name.chars().count();
                out.push((i, Lex::Name(name)));
                i += 1 + len;
            }
            '(' => {
                let (pattern, end) = lex_pattern(&chars, i)?;
                out.push((i, Lex::Pattern(pattern)));
                i = end;
            }
            c => {
                out.push((i, Lex::Char(c)));
                i += 1;
            }
        }
    }
    Ok(out)
}

/// A `(…)` expression starting at `start`: its text and the index after its `)`.
fn lex_pattern(chars: &[char], start: usize) -> Result<(String, usize), String> {
    let mut depth = 1;
    let mut pattern = String::new();
    let mut j = start + 1;
    if chars.get(j) == Some(&'?') {
        return Err(format!("the expression at {start} starts with `?`"));
    }
    while j < chars.len() {
        match chars[j] {
            '\\' => {
                pattern.push('\\');
                if let Some(&next) = chars.get(j + 1) {
                    pattern.push(next);
                }
                j += 2;
                continue;
            }
            ')' => {
                depth -= 1;
                if depth == 0 {
                    j += 1;
                    break;
                }
            }
            '(' => {
                depth += 1;
                if chars.get(j + 1) != Some(&'?') {
                    return Err(format!("a capturing group inside the expression at {j} (write `(?:…)`)"));
                }
            }
            _ => {}
        }
        pattern.push(chars[j]);
        j += 1;
    }
    if depth != 0 {
        return Err(format!("the expression at {start} is not closed"));
    }
    if pattern.is_empty() {
        return Err(format!("the expression at {start} is empty"));
    }
    Ok((pattern, j))
}

/// Parses a source as path-to-regexp 6 does (prefixes `.` and `/`); the error is the reason
/// Vercel rejects it.
pub fn parse(source: &str) -> Result<Vec<Token>, String> {
    let lexed = lex(source)?;
    let mut tokens = Vec::new();
    let mut path = String::new();
    let mut key = 0usize;
    let mut i = 0;
    let at = |i: usize| lexed.get(i).map(|(_, l)| l.clone());
    let modifier = |i: &mut usize| match at(*i) {
        Some(Lex::Modifier(m)) => {
            *i += 1;
            Some(m)
        }
        _ => None,
    };
    while i < lexed.len() {
        let char = match at(i) {
            Some(Lex::Char(c)) => {
                i += 1;
                Some(c)
            }
            _ => None,
        };
        let name = match at(i) {
            Some(Lex::Name(n)) => {
                i += 1;
                Some(n)
            }
            _ => None,
        };
        let pattern = match at(i) {
            Some(Lex::Pattern(p)) => {
                i += 1;
                Some(p)
            }
            _ => None,
        };
        if name.is_some() || pattern.is_some() {
            let mut prefix = char.map(String::from).unwrap_or_default();
            if prefix != "/" && prefix != "." {
                path.push_str(&prefix);
                prefix.clear();
            }
            if !path.is_empty() {
                tokens.push(Token::Text(std::mem::take(&mut path)));
            }
            let name = name.or_else(|| {
                key += 1;
                Some((key - 1).to_string())
            });
            let modifier = modifier(&mut i);
            tokens.push(Token::Param(Param { name, prefix, suffix: String::new(), pattern, modifier }));
            continue;
        }
        if let Some(c) = char {
            path.push(c);
            continue;
        }
        if let Some(Lex::Escaped(c)) = at(i) {
            path.push(c);
            i += 1;
            continue;
        }
        if !path.is_empty() {
            tokens.push(Token::Text(std::mem::take(&mut path)));
        }
        if at(i) == Some(Lex::Open) {
            i += 1;
            let text = |i: &mut usize| {
                let mut out = String::new();
                while let Some(Lex::Char(c) | Lex::Escaped(c)) = at(*i) {
                    out.push(c);
                    *i += 1;
                }
                out
            };
            let prefix = text(&mut i);
            let name = match at(i) {
                Some(Lex::Name(n)) => {
                    i += 1;
                    Some(n)
                }
                _ => None,
            };
            let pattern = match at(i) {
                Some(Lex::Pattern(p)) => {
                    i += 1;
                    Some(p)
                }
                _ => None,
            };
            let suffix = text(&mut i);
            if at(i) != Some(Lex::Close) {
                return Err(format!("a `{{` group is not closed at {}", lexed.get(i).map_or(source.len(), |l| l.0)));
            }
            i += 1;
            let (name, pattern) = match (name, pattern) {
                (Some(name), pattern) => (Some(name), pattern),
                (None, Some(pattern)) => {
                    key += 1;
                    (Some((key - 1).to_string()), Some(pattern))
                }
                (None, None) => (None, Some(String::new())),
            };
            let modifier = modifier(&mut i);
            tokens.push(Token::Param(Param { name, prefix, suffix, pattern, modifier }));
            continue;
        }
        let (offset, found) = &lexed[i];
        return Err(format!("unexpected {} at {offset}", describe(found)));
    }
    if !path.is_empty() {
        tokens.push(Token::Text(path));
    }
    Ok(tokens)
}

fn describe(lex: &Lex) -> String {
    match lex {
        Lex::Modifier(m) => format!("`{m}` (a modifier must follow a parameter: write `(.*)` or `:name*`)"),
        Lex::Close => "`}`".to_string(),
        other => format!("{other:?}"),
    }
}

/// Whether a parameter name can be a named group and a placeholder of the language.
fn named(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') && name != "splat"
}

/// A source as the language writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The pattern: a path pattern, or `~REGEX`.
    pub pattern: String,
    /// Whether it is a regular expression.
    pub regex: bool,
    /// Parameter names in order; the capture group numbers of a regular expression.
    pub params: Vec<String>,
    /// The parameter written as the language's `*` (`:splat` in targets).
    pub splat: Option<String>,
}

/// Whether the tokens can be written as a pattern of the language: literal segments, whole
/// `:name` segments, and a final `:name*`.
fn native(tokens: &[Token]) -> bool {
    tokens.iter().enumerate().all(|(i, token)| match token {
        Token::Text(text) => !text.is_empty(),
        Token::Param(p) => {
            let last = i + 1 == tokens.len();
            let whole_segment = match tokens.get(i + 1) {
                None => true,
                Some(Token::Text(next)) => next.starts_with('/'),
                Some(Token::Param(_)) => false,
            };
            p.prefix == "/"
                && p.suffix.is_empty()
                && p.pattern.is_none()
                && p.name.as_deref().is_some_and(named)
                && whole_segment
                && (p.modifier.is_none() || (p.modifier == Some('*') && last))
        }
    })
}

/// Translates parsed tokens into the language's pattern.
pub fn translate_source(tokens: &[Token], force_regex: bool) -> Source {
    let params: Vec<String> = tokens
        .iter()
        .filter_map(|t| match t {
            Token::Param(p) => p.name.clone(),
            Token::Text(_) => None,
        })
        .collect();
    if !force_regex && native(tokens) {
        let mut pattern = String::new();
        let mut splat = None;
        for token in tokens {
            match token {
                Token::Text(t) => pattern.push_str(&text::literal_pattern(t)),
                Token::Param(p) => {
                    let name = p.name.clone().unwrap_or_default();
                    if p.modifier == Some('*') {
                        pattern.push_str("/*");
                        splat = Some(name);
                    } else {
                        pattern.push_str("/:");
                        pattern.push_str(&name);
                    }
                }
            }
        }
        if pattern.is_empty() {
            pattern.push('/');
        }
        return Source { pattern, regex: false, params, splat };
    }
    let mut regex = String::from("~");
    for token in tokens {
        match token {
            Token::Text(t) => regex.push_str(&pcre::literal_regex(t)),
            Token::Param(p) => regex.push_str(&param_regex(p)),
        }
    }
    Source { pattern: regex, regex: true, params, splat: None }
}

/// The expression of one parameter, as path-to-regexp builds it.
fn param_regex(p: &Param) -> String {
    let prefix = pcre::literal_regex(&p.prefix);
    let suffix = pcre::literal_regex(&p.suffix);
    let Some(name) = &p.name else {
        // A group without a parameter: optional text.
        return format!("(?:{prefix}{suffix}){}", p.modifier.map(String::from).unwrap_or_default());
    };
    let open = if named(name) { format!("(?<{name}>") } else { "(".to_string() };
    let default = p.pattern.is_none();
    let pattern = p.pattern.clone().unwrap_or_else(|| "[^/]+?".to_string());
    match p.modifier {
        Some(m @ ('*' | '+')) if default && p.prefix == "/" && p.suffix.is_empty() => {
            // Segments joined by `/`: one or more characters, neither first nor last a `/`.
            let body = format!("/{open}[^/]|[^/].*[^/])");
            if m == '*' { format!("(?:{body})?") } else { body }
        }
        Some(m @ ('*' | '+')) => {
            let repeat = format!("(?:{prefix}{open}(?:{pattern})(?:{suffix}{prefix}(?:{pattern}))*){suffix})");
            if m == '*' { format!("{repeat}?") } else { repeat }
        }
        Some(m) => format!("(?:{prefix}{open}{pattern}){suffix}){m}"),
        None => format!("{prefix}{open}{pattern}){suffix}"),
    }
}

/// A destination written in the language: `:name` of the source's parameters (also `:name*`,
/// `:name+`, `:name?`) and `$1`… become placeholders; everything else is literal.
pub fn translate_destination(to: &str, source: &Source) -> Result<String, String> {
    let start = text::target_path_start(to);
    let mut out = String::from(&to[..start]);
    let bytes = to.as_bytes();
    let mut i = start;
    let mut in_query = false;
    while i < to.len() {
        let c = to[i..].chars().next().expect("in bounds");
        if c == ':' {
            let name: String = to[i + 1..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() && source.params.contains(&name) {
                let index = source.params.iter().position(|p| *p == name).unwrap_or(0) + 1;
                if source.splat.as_deref() == Some(name.as_str()) {
                    out.push_str(":splat");
                } else if source.regex && !named(&name) {
                    if index > 9 {
                        return Err(format!("`:{name}` is group {index}; the language numbers groups up to 9"));
                    }
                    out.push_str(&format!("${index}"));
                } else {
                    out.push(':');
                    out.push_str(&name);
                }
                i += 1 + name.len();
                // A modifier after the name (`:path*`) is part of the parameter, in the path.
                if !in_query && matches!(bytes.get(i), Some(b'*' | b'+')) {
                    i += 1;
                }
                continue;
            }
            if to[i + 1..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                out.push_str("\\:");
            } else {
                out.push(':');
            }
            i += 1;
            continue;
        }
        if c == '$' && source.regex {
            let digit = bytes.get(i + 1).filter(|b| b.is_ascii_digit());
            if let Some(&d) = digit {
                if usize::from(d - b'0') > source.params.len() {
                    return Err(format!("`${}` names no group of the source", d as char));
                }
                out.push('$');
                out.push(d as char);
                i += 2;
                continue;
            }
            out.push_str("$$");
            i += 1;
            continue;
        }
        if c == '\\' {
            out.push_str("\\\\");
        } else {
            in_query |= c == '?';
            out.push(c);
        }
        i += c.len_utf8();
    }
    Ok(out)
}

/// Whether a `has` value is literal text (Vercel reads it as a regular expression; `.` is taken
/// as itself).
fn literal_value(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b))
}

/// The options of a rule's `has` list, or why it cannot be expressed.
fn conditions(object: &Object<'_>) -> Result<(Option<String>, Vec<String>), String> {
    if object.get("missing").is_some() {
        return Err("`missing` conditions need a negation, which the rules language has not".to_string());
    }
    let Some(property) = object.get("has") else { return Ok((None, Vec::new())) };
    let Value::Array(list) = &property.value else { return Err("`has` is not a list".to_string()) };
    let mut host = None;
    let mut options = Vec::new();
    for element in &list.elements {
        let Value::Object(item) = element else { return Err("a `has` entry is not an object".to_string()) };
        let kind = json::string(item, "type").unwrap_or("");
        let key = json::string(item, "key");
        let value = json::scalar(item, "value");
        match (kind, key, value.as_deref()) {
            ("host", _, Some(value)) if text::valid_host(value) && literal_value(value) => {
                host = Some(value.to_ascii_lowercase());
            }
            ("query", Some(key), None) if literal_value(key) => options.push(format!("?{key}")),
            ("query", Some(key), Some(value)) if literal_value(key) && literal_value(value) => {
                options.push(format!("?{key}={value}"));
            }
            ("cookie", Some(key), None) if literal_value(key) => options.push(format!("cookie={key}")),
            ("cookie", Some(key), Some(value)) if literal_value(key) && literal_value(value) => {
                options.push(format!("cookie={key}={value}"));
            }
            ("header", Some(key), Some(value)) if key.eq_ignore_ascii_case("x-vercel-ip-country") => {
                let codes: Vec<&str> = value.split('|').collect();
                if !codes.iter().all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic())) {
                    return Err(format!("the country condition `{value}` is not a list of two-letter codes"));
                }
                options.push(format!("country={}", codes.join(",").to_ascii_uppercase()));
            }
            ("header", Some(key), _) => {
                return Err(format!("a condition on the `{key}` header has no counterpart in the rules language"));
            }
            (kind, _, Some(value)) if matches!(kind, "host" | "query" | "cookie") => {
                return Err(format!("the `{kind}` condition's value `{value}` is a regular expression"));
            }
            (kind, _, _) => return Err(format!("a `{kind}` condition the rules language cannot express")),
        }
    }
    Ok((host, options))
}

/// The source of an entry, parsed and translated, or the reason it is left out.
fn source_of(entry: &Entry<'_, '_>, force_regex: bool) -> Result<Source, (Kind, String)> {
    let Some(source) = json::string(entry.object, "source") else {
        return Err((Kind::Invalid, "no `source`".to_string()));
    };
    if !source.starts_with('/') {
        return Err((Kind::Invalid, format!("`{source}` does not start with `/`, so Vercel matches no path with it")));
    }
    let tokens = parse(source).map_err(|e| (Kind::Invalid, format!("Vercel rejects the source `{source}`: {e}")))?;
    Ok(translate_source(&tokens, force_regex))
}

/// A redirect or rewrite entry as a route.
fn route(entry: &Entry<'_, '_>, redirect: bool, t: &mut Translation) {
    let destination = json::string(entry.object, "destination").unwrap_or("");
    let numbered = destination.as_bytes().windows(2).any(|w| w[0] == b'$' && w[1].is_ascii_digit());
    let source = match source_of(entry, numbered) {
        Ok(source) => source,
        Err((kind, message)) => return t.leave_out(entry.loc, kind, message, &entry.text),
    };
    if entry.object.get("destination").is_none() {
        return t.leave_out(entry.loc, Kind::Invalid, "no `destination`", &entry.text);
    }
    if secrets::has_userinfo(destination) {
        let message = "the destination holds credentials (user:password@); they are not copied into the rules";
        return t.leave_out(entry.loc, Kind::Unsupported, message, &entry.text);
    }
    if !destination.starts_with('/') && text::split_url(destination).is_none() {
        let message = format!("the destination `{destination}` is neither a path nor an http(s) URL");
        return t.leave_out(entry.loc, Kind::Invalid, message, &entry.text);
    }
    if !redirect && !destination.starts_with('/') {
        let message = "a rewrite to another host is a proxy; point an origin at it and use prefix-strip";
        return t.leave_out(entry.loc, Kind::Unsupported, message, &entry.text);
    }
    let (host, options) = match conditions(entry.object) {
        Ok(found) => found,
        Err(message) => return t.leave_out(entry.loc, Kind::Unsupported, message, &entry.text),
    };
    let to = match translate_destination(destination, &source) {
        Ok(to) => to,
        Err(message) => return t.leave_out(entry.loc, Kind::Unsupported, message, &entry.text),
    };
    let from = match &host {
        Some(_) if source.regex => {
            let message = "a `host` condition on a source that needs a regular expression";
            return t.leave_out(entry.loc, Kind::Unsupported, message, &entry.text);
        }
        Some(host) => format!("https://{host}{}", source.pattern),
        None => source.pattern.clone(),
    };
    let action = if redirect {
        let status = match status(entry.object) {
            Ok(status) => status,
            Err(message) => return t.leave_out(entry.loc, Kind::Invalid, message, &entry.text),
        };
        Action::Redirect { to, status }
    } else {
        let uses_param =
            source.params.iter().any(|p| destination.contains(&format!(":{p}"))) || destination.contains('$');
        if !source.params.is_empty() && !uses_param {
            let message = "Vercel also passes the source's parameters to the rewritten path as query parameters; they are not added";
            t.finding(entry.loc, Kind::Approximated, message, &entry.text);
        }
        Action::Rewrite { to }
    };
    t.routes.push(Route {
        loc: entry.loc,
        source: entry.text.clone(),
        from,
        action,
        options,
        force: true,
        role: Role::Rule,
    });
}

/// The status of a redirect: `statusCode`, or `permanent` (default true: 308; false: 307).
fn status(object: &Object<'_>) -> Result<u16, String> {
    if let Some(code) = json::scalar(object, "statusCode") {
        return match code.parse::<u16>() {
            Ok(code @ (301 | 302 | 303 | 307 | 308)) => Ok(code),
            _ => Err(format!("statusCode `{code}` is not a redirect status (301, 302, 303, 307, 308)")),
        };
    }
    match json::scalar(object, "permanent").as_deref() {
        None | Some("true") => Ok(308),
        Some("false") => Ok(307),
        Some(other) => Err(format!("permanent `{other}` is not true or false")),
    }
}

fn headers(file: usize, input: &Input, entry: &Entry<'_, '_>, t: &mut Translation) {
    let Some(Value::Array(list)) = entry.object.get("headers").map(|p| &p.value) else {
        t.rule_seen();
        return t.leave_out(entry.loc, Kind::Invalid, "no `headers` list", &entry.text);
    };
    let ops = crate::firebase::header_ops(file, input, list, t);
    let why = if entry.object.get("has").is_some() || entry.object.get("missing").is_some() {
        Some((Kind::Unsupported, "header rules take no conditions in the rules language".to_string()))
    } else {
        source_of(entry, false).err()
    };
    if let Some((kind, message)) = why {
        for op in &ops {
            t.leave_out(op.loc, kind, message.clone(), &op.source);
        }
        return;
    }
    let source = source_of(entry, false).expect("checked above");
    t.headers.push(HeaderBlock { loc: entry.loc, source: entry.text.clone(), pattern: source.pattern, ops });
}

/// The redirects of `cleanUrls` and `trailingSlash`, before every other rule as Vercel routes.
fn site_settings(file: usize, input: &Input, root: &Object<'_>, t: &mut Translation) {
    let flag = |key: &str| {
        root.get(key).map(|p| {
            let loc = json::loc(file, &input.text, p.range.start);
            let text = format!("\"{key}\": {}", json::source_of(&input.text, &p.value));
            let value = match &p.value {
                Value::BooleanLit(b) => Some(b.value),
                _ => None,
            };
            (loc, text, value)
        })
    };
    let slash_after = if matches!(flag("trailingSlash"), Some((_, _, Some(true)))) { "/" } else { "" };
    for key in ["cleanUrls", "trailingSlash"] {
        let Some((loc, text, value)) = flag(key) else { continue };
        t.rule_seen();
        let redirects: Vec<(&str, String)> = match (key, value) {
            (_, None) => {
                t.leave_out(loc, Kind::Invalid, format!("{key} is not true or false"), &text);
                continue;
            }
            ("cleanUrls", Some(true)) => {
                let message = "its redirects of `.html` and `index` paths are imported; serving /about from about.html is left to the origin, since it depends on the site's files";
                t.finding(loc, Kind::Approximated, message, &text);
                vec![
                    (r"~/(?:(.+)/)?index(?:\.html)?/?", format!("/$1{slash_after}")),
                    (r"~/(.+)\.html/?", format!("/$1{slash_after}")),
                ]
            }
            ("cleanUrls", Some(false)) => Vec::new(),
            (_, Some(false)) => vec![("~/(.+)/", "/$1".to_string())],
            (_, Some(true)) => {
                // Vercel's `^/((?:[^/]+/)*[^/.]+)$` backtracks too much for the language's
                // budget; this form takes the paths without any dot.
                let message = "paths without a final slash are redirected to it only when no segment holds a dot (Vercel's rule skips only a dot in the last segment)";
                t.finding(loc, Kind::Approximated, message, &text);
                vec![("~/([^.]*[^/.])", "/$1/".to_string())]
            }
        };
        for (from, to) in redirects {
            t.routes.push(Route {
                loc,
                source: text.clone(),
                from: from.to_string(),
                action: Action::Redirect { to, status: 308 },
                options: Vec::new(),
                force: true,
                role: Role::Rule,
            });
        }
    }
}

fn site(file: usize, input: &Input, root: &Object<'_>, t: &mut Translation) {
    site_settings(file, input, root, t);
    if let Some(property) = root.get("routes") {
        for entry in entries(file, input, &property.value, true, IGNORED, t) {
            let message = "the legacy `routes` list is Vercel's own routing language; write it as redirects, rewrites and headers";
            t.leave_out(entry.loc, Kind::Unsupported, message, &entry.text);
        }
    }
    let order: Vec<&str> = root.properties.iter().map(|p| p.name.as_str()).collect();
    let position = |key: &str| order.iter().position(|k| *k == key);
    let rewrites_first = matches!((position("rewrites"), position("redirects")), (Some(a), Some(b)) if a < b);
    for key in ["redirects", "rewrites", "headers"] {
        let Some(list) = root.get(key).map(|p| &p.value) else { continue };
        for entry in entries(file, input, list, key != "headers", IGNORED, t) {
            match key {
                "redirects" => route(&entry, true, t),
                "rewrites" => {
                    if rewrites_first && root.get("redirects").is_some() {
                        let message = "written after every redirect: Vercel applies redirects before the site's files and rewrites after them, whatever their order in the file";
                        t.finding(entry.loc, Kind::Reordered, message, &entry.text);
                    }
                    route(&entry, false, t);
                }
                _ => headers(file, input, &entry, t),
            }
        }
    }
    if root.get("rewrites").is_some() {
        let message = "Vercel applies a rewrite only when no file of the site is at the path; the rewrites are imported as if none were";
        t.finding(Loc::file(file), Kind::Assumed, message, "");
    }
}

/// Translates the inputs.
pub fn translate(inputs: &[Input], t: &mut Translation) -> Result<(), crate::InputError> {
    t.set("slash", "exact", "Vercel matches the path as requested, with or without its final slash");
    t.set("status", "308", "Vercel's redirects are permanent (308) unless they say otherwise");
    for (file, input) in inputs.iter().enumerate() {
        let root = json::parse(input)?;
        let Value::Object(object) = &root else {
            return Err(crate::InputError::at(
                &input.name,
                &input.text,
                json::start(&root),
                "`vercel.json` holds an object",
                "write `{ \"redirects\": [...] }`",
            ));
        };
        site(file, input, object, t);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> Source {
        translate_source(&parse(text).unwrap(), false)
    }

    #[test]
    fn sources() {
        assert_eq!(source("/a/:id/b").pattern, "/a/:id/b");
        let s = source("/docs/:path*");
        assert_eq!((s.pattern.as_str(), s.splat.as_deref()), ("/docs/*", Some("path")));
        assert_eq!(source("/a/(.*)").pattern, "~/a/(.*)");
        assert_eq!(source("/:v(v6|v7)/x").pattern, "~/(?<v>v6|v7)/x");
        assert_eq!(source("/a/:p?").pattern, "~/a(?:/(?<p>[^/]+?))?");
        assert_eq!(source("/a/:p+").pattern, "~/a/(?<p>[^/]|[^/].*[^/])");
        assert_eq!(source("/f/(.*).woff2").pattern, r"~/f/(.*)\.woff2");
        assert_eq!(source("/x(/?)").pattern, "~/x(/?)");
        assert_eq!(source("/a{/b}?").pattern, "~/a(?:/b)?");
        assert!(parse("/a/*").is_err());
        assert!(parse("/a/(b(c))").is_err());
        assert!(parse("/a/:").is_err());
    }

    #[test]
    fn destinations() {
        let s = source("/docs/:path*");
        assert_eq!(translate_destination("/d/:path*", &s).unwrap(), "/d/:splat");
        let s = source("/p/([^/]*)/x/:y(\\d+)");
        assert_eq!(translate_destination("/q/$1/:y?a=$2", &s).unwrap(), "/q/$1/:y?a=$2");
        assert_eq!(translate_destination("/cost$", &s).unwrap(), "/cost$$");
        assert_eq!(translate_destination("https://h.example:8080/a:b", &s).unwrap(), "https://h.example:8080/a\\:b");
        assert!(translate_destination("/$3", &s).is_err());
    }
}
