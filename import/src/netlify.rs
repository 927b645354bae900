//! Netlify: `_redirects`, `_headers`, and the `[[redirects]]` / `[[headers]]` tables of
//! `netlify.toml`, read the way `@netlify/redirect-parser` and `@netlify/headers-parser` read
//! them, then translated with Netlify's matching semantics.
//!
//! Which file is which goes by its name: a name ending in `.toml` is `netlify.toml`, a name
//! containing `headers` is a `_headers` file, any other is a `_redirects` file.
//!
//! Semantics kept:
//! - first match wins, `_redirects` before `netlify.toml` (whatever the order of the files on
//!   the command line); of identical rules Netlify keeps only the last copy;
//! - default status 301; `!` (or `force = true`) forces; 200 rewrites; 4xx/5xx answer with
//!   that status (the page Netlify would serve as the body is not carried over);
//! - `/a` and `/a/` match alike (`set slash fold`), paths match with case (`set case
//!   sensitive`); `_headers` paths match without case;
//! - the request's query string is passed on, unless the target has a query string of its own;
//! - `key=value` query matching, `Country=` and `Language=` conditions, host-qualified sources;
//! - a rule without `!` does not apply where a file exists: with a [`Site`] the importer writes
//!   guards for the site's files; without, it assumes no file exists at a rule's path, except
//!   for pattern rules that rewrite (200) or answer an error (4xx) — fallbacks such as
//!   `/* /index.html 200`, which would take every request — which are left out and reported.

use std::collections::{BTreeMap, HashMap};

use rules_dsl::ir::{Case, Settings, Slash};
use toml::de::{DeTable, DeValue};

use crate::finding::Kind;
use crate::matching::overlap;
use crate::model::{Action, HeaderBlock, HeaderOp, Loc, Role, Route, Translation};
use crate::site::{self, Site};
use crate::text::{is_name_byte, percent, placeholder_name, split_path, split_url, target_path_start, valid_host};
use crate::{Input, InputError};

/// What kind of Netlify file an input is, by its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FileKind {
    Redirects,
    Headers,
    Toml,
}

fn kind_of(name: &str) -> FileKind {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name).to_ascii_lowercase();
    if base.ends_with(".toml") {
        FileKind::Toml
    } else if base.contains("headers") {
        FileKind::Headers
    } else {
        FileKind::Redirects
    }
}

/// A redirect rule as Netlify's parser leaves it, from either kind of file.
#[derive(Clone, Debug)]
struct Entry {
    loc: Loc,
    source: String,
    from: String,
    to: Option<String>,
    status: Option<i64>,
    force: bool,
    query: Vec<(String, Option<String>)>,
    conditions: Vec<(String, Vec<String>)>,
    signed: bool,
    /// `netlify.toml` fields that only make sense for proxies (`headers`, `rate_limit`).
    extras: Vec<String>,
}

/// What makes two rules identical (Netlify compares its parsed objects): every field but the
/// place, with query parameters and conditions in a set order.
#[derive(PartialEq, Eq, Hash)]
struct Identity<'e> {
    from: &'e str,
    to: Option<&'e str>,
    status: Option<i64>,
    force: bool,
    query: Vec<&'e (String, Option<String>)>,
    conditions: Vec<&'e (String, Vec<String>)>,
    signed: bool,
    extras: &'e [String],
}

impl Entry {
    fn identity(&self) -> Identity<'_> {
        let mut query: Vec<_> = self.query.iter().collect();
        query.sort();
        let mut conditions: Vec<_> = self.conditions.iter().collect();
        conditions.sort();
        Identity {
            from: &self.from,
            to: self.to.as_deref(),
            status: self.status,
            force: self.force,
            query,
            conditions,
            signed: self.signed,
            extras: &self.extras,
        }
    }
}

/// A header block as Netlify's parser leaves it: a path and its values in order.
#[derive(Clone, Debug)]
struct Block {
    loc: Loc,
    source: String,
    path: String,
    /// (name, value, loc, source) with repeated names already joined.
    values: Vec<(String, String, Loc, String)>,
}

/// JavaScript's `parseInt` on a status token: leading decimal digits (with a sign), if any.
fn parse_int(text: &str) -> Option<i64> {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let n = digits.bytes().take_while(u8::is_ascii_digit).count();
    digits[..n].parse::<i64>().ok().map(|v| v * sign)
}

fn is_url(text: &str) -> bool {
    text.starts_with("http://") || text.starts_with("https://")
}

fn pair(token: &str) -> (String, Option<String>) {
    let mut parts = token.split('=');
    let key = parts.next().unwrap_or("").to_string();
    (key, parts.next().map(str::to_string))
}

fn split_list(value: &str) -> Vec<String> {
    value.trim().split(',').map(|v| v.trim().to_string()).collect()
}

/// Netlify's condition keys, capitalised the way it normalises them.
fn condition_key(key: &str) -> String {
    match key {
        "country" => "Country".into(),
        "language" => "Language".into(),
        "role" => "Role".into(),
        other => other.to_string(),
    }
}

/// The column of the first character that is not white space, 1-based.
fn first_column(line: &str) -> u32 {
    line.chars().take_while(|c| c.is_whitespace()).count() as u32 + 1
}

/// Reads a `_redirects` file.
fn parse_redirects(file: usize, text: &str, t: &mut Translation) -> Vec<Entry> {
    let mut entries = Vec::new();
    for (index, raw) in text.split('\n').enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        t.rule_seen();
        let loc = Loc::new(file, index as u32 + 1, first_column(raw));
        let mut tokens: Vec<&str> = line.split_whitespace().collect();
        if let Some(comment) = tokens.iter().position(|t| t.starts_with('#')) {
            tokens.truncate(comment);
        }
        let from = tokens[0];
        let parts = &tokens[1..];
        if parts.is_empty() {
            t.leave_out(loc, Kind::Invalid, "Netlify cannot parse it: no destination (`FROM TO [STATUS]`)", line);
            continue;
        }
        let (query_parts, to, last) = if parse_int(parts[0]).is_some() {
            (&parts[..0], None, parts)
        } else {
            let Some(to_index) = parts.iter().position(|p| p.starts_with('/') || is_url(p)) else {
                t.leave_out(
                    loc,
                    Kind::Invalid,
                    "Netlify cannot parse it: the destination must start with /, http: or https:",
                    line,
                );
                continue;
            };
            (&parts[..to_index], Some(parts[to_index].to_string()), &parts[to_index + 1..])
        };
        let (status, force) = match last.first() {
            None => (None, false),
            Some(token) => match parse_int(token) {
                Some(status) => (Some(status), token.ends_with('!')),
                None => {
                    t.leave_out(loc, Kind::Invalid, format!("Netlify cannot parse it: invalid status `{token}`"), line);
                    continue;
                }
            },
        };
        let mut conditions: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut signed = false;
        for token in last.iter().skip(1) {
            let (key, value) = pair(token);
            if key == "Sign" || key == "signed" {
                signed = true;
                continue;
            }
            conditions.insert(condition_key(&key), value.as_deref().map(split_list).unwrap_or_default());
        }
        entries.push(Entry {
            loc,
            source: line.to_string(),
            from: from.to_string(),
            to,
            status,
            force,
            query: query_parts.iter().map(|p| pair(p)).collect(),
            conditions: conditions.into_iter().collect(),
            signed,
            extras: Vec::new(),
        });
    }
    entries
}

/// Line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32 + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() as u32 + 1)
}

fn toml_error(name: &str, text: &str, offset: usize, message: impl Into<String>) -> InputError {
    InputError::at(
        name,
        text,
        offset,
        message,
        "netlify.toml holds [[redirects]] and [[headers]] tables, as Netlify documents",
    )
}

/// The text of the source line holding a byte offset.
fn line_at(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    text[start..end].trim().to_string()
}

/// A TOML value as a string: strings as they are, numbers as written.
fn toml_text(value: &DeValue<'_>) -> Option<String> {
    match value {
        DeValue::String(s) => Some(s.to_string()),
        DeValue::Integer(i) => Some(i.as_str().to_string()),
        _ => None,
    }
}

/// Reads the `[[redirects]]` and `[[headers]]` tables of `netlify.toml`.
fn parse_toml(file: usize, input: &Input, t: &mut Translation) -> Result<(Vec<Entry>, Vec<Block>), InputError> {
    let text = input.text.as_str();
    let document = DeTable::parse(text).map_err(|error| {
        let offset = error.span().map_or(0, |s| s.start);
        toml_error(&input.name, text, offset, format!("not valid TOML: {}", error.message().trim()))
    })?;
    let table = document.get_ref();
    let array = |key: &str| -> Result<Vec<(usize, &DeTable<'_>)>, InputError> {
        let Some(value) = table.get(key) else { return Ok(Vec::new()) };
        let Some(items) = value.get_ref().as_array() else {
            return Err(toml_error(
                &input.name,
                text,
                value.span().start,
                format!("`{key}` must be an array of tables"),
            ));
        };
        items
            .iter()
            .map(|item| match item.get_ref().as_table() {
                Some(table) => Ok((item.span().start, table)),
                None => {
                    Err(toml_error(&input.name, text, item.span().start, format!("each `{key}` entry must be a table")))
                }
            })
            .collect()
    };
    let mut entries = Vec::new();
    for (offset, table) in array("redirects")? {
        t.rule_seen();
        let (line, column) = line_col(text, offset);
        let loc = Loc::new(file, line, column);
        let source = line_at(text, offset);
        let field = |names: &[&str]| names.iter().find_map(|n| table.get(*n));
        let from = field(&["from", "origin"]).and_then(|v| toml_text(v.get_ref()));
        let Some(from) = from else {
            t.leave_out(loc, Kind::Invalid, "Netlify cannot parse it: missing `from` field", &source);
            continue;
        };
        let to = field(&["to", "destination"]).and_then(|v| toml_text(v.get_ref()));
        let status = match field(&["status"]) {
            None => None,
            Some(value) => match toml_text(value.get_ref()).as_deref().and_then(parse_int) {
                Some(status) => Some(status),
                None => {
                    t.leave_out(loc, Kind::Invalid, "Netlify cannot parse it: invalid `status`", &source);
                    continue;
                }
            },
        };
        let force = field(&["force"]).and_then(|v| v.get_ref().as_bool()).unwrap_or(false);
        let mut query = Vec::new();
        if let Some(q) = field(&["query", "params", "parameters"]).and_then(|v| v.get_ref().as_table()) {
            for (key, value) in q.iter() {
                query.push((key.get_ref().to_string(), toml_text(value.get_ref())));
            }
        }
        let mut conditions = BTreeMap::new();
        if let Some(c) = field(&["conditions"]).and_then(|v| v.get_ref().as_table()) {
            for (key, value) in c.iter() {
                let values = match value.get_ref() {
                    DeValue::Array(items) => items.iter().filter_map(|i| toml_text(i.get_ref())).collect(),
                    other => toml_text(other).map(|s| split_list(&s)).unwrap_or_default(),
                };
                conditions.insert(condition_key(key.get_ref()), values);
            }
        }
        let signed = field(&["signed", "signing", "sign"]).is_some();
        let mut extras = Vec::new();
        if field(&["headers"]).and_then(|v| v.get_ref().as_table()).is_some_and(|h| !h.is_empty()) {
            extras.push("headers".to_string());
        }
        if field(&["rate_limit"]).is_some() {
            extras.push("rate_limit".to_string());
        }
        const KNOWN: &[&str] = &[
            "from",
            "origin",
            "to",
            "destination",
            "status",
            "force",
            "query",
            "params",
            "parameters",
            "conditions",
            "signed",
            "signing",
            "sign",
            "headers",
            "rate_limit",
        ];
        for (key, _) in table.iter() {
            if !KNOWN.contains(&key.get_ref().as_ref()) {
                let message = format!("the field `{}` is not one Netlify reads; it is ignored", key.get_ref());
                t.finding(loc, Kind::Note, message, &source);
            }
        }
        let mut summary = format!("[[redirects]] from = {from:?}");
        if let Some(to) = &to {
            summary.push_str(&format!(", to = {to:?}"));
        }
        if let Some(status) = status {
            summary.push_str(&format!(", status = {status}"));
        }
        if force {
            summary.push_str(", force = true");
        }
        entries.push(Entry {
            loc,
            source: summary,
            from,
            to,
            status,
            force,
            query,
            conditions: conditions.into_iter().collect(),
            signed,
            extras,
        });
    }
    let mut blocks = Vec::new();
    for (offset, table) in array("headers")? {
        let (line, column) = line_col(text, offset);
        let loc = Loc::new(file, line, column);
        let source = line_at(text, offset);
        let Some(path) = table.get("for").and_then(|v| toml_text(v.get_ref())) else {
            t.rule_seen();
            t.leave_out(loc, Kind::Invalid, "Netlify cannot parse it: missing `for` field", &source);
            continue;
        };
        let mut values = Vec::new();
        if let Some(v) = table.get("values").and_then(|v| v.get_ref().as_table()) {
            for (key, value) in v.iter() {
                t.rule_seen();
                let value_loc = {
                    let (line, column) = line_col(text, key.span().start);
                    Loc::new(file, line, column)
                };
                let value_source = line_at(text, key.span().start);
                let joined = match value.get_ref() {
                    DeValue::Array(items) => {
                        let parts: Option<Vec<String>> =
                            items.iter().map(|i| toml_text(i.get_ref()).map(|s| s.trim().to_string())).collect();
                        parts.map(|p| p.join(", "))
                    }
                    other => {
                        toml_text(other).map(|s| s.trim().split(',').map(str::trim).collect::<Vec<_>>().join(", "))
                    }
                };
                match joined {
                    Some(joined) => values.push((key.get_ref().trim().to_string(), joined, value_loc, value_source)),
                    None => t.leave_out(
                        value_loc,
                        Kind::Invalid,
                        "Netlify cannot parse it: a header value must be a string or an array of strings",
                        &value_source,
                    ),
                }
            }
        }
        if values.is_empty() {
            t.rule_seen();
            t.leave_out(loc, Kind::Invalid, "a `[[headers]]` table with no values; Netlify ignores it", &source);
            continue;
        }
        values.sort_by_key(|(_, _, loc, _)| *loc);
        blocks.push(Block { loc, source, path: path.trim().to_string(), values });
    }
    Ok((entries, blocks))
}

/// Reads a `_headers` file.
fn parse_headers(file: usize, text: &str, t: &mut Translation) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    for (index, raw) in text.split('\n').enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let loc = Loc::new(file, index as u32 + 1, first_column(raw));
        if line.starts_with('/') {
            if let Some(last) = blocks.last()
                && last.values.is_empty()
            {
                let (loc, source) = (last.loc, last.source.clone());
                blocks.pop();
                t.rule_seen();
                t.leave_out(loc, Kind::Invalid, "a path with no header lines; Netlify ignores it", &source);
            }
            blocks.push(Block { loc, source: line.to_string(), path: line.to_string(), values: Vec::new() });
            continue;
        }
        t.rule_seen();
        let Some((name, value)) = line.split_once(':') else {
            t.leave_out(loc, Kind::Invalid, "not a `Name: value` line; Netlify ignores it", line);
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        if name.is_empty() || value.is_empty() {
            let what = if name.is_empty() { "header name" } else { "header value" };
            t.leave_out(loc, Kind::Invalid, format!("Netlify cannot parse it: missing {what}"), line);
            continue;
        }
        let Some(block) = blocks.last_mut() else {
            t.leave_out(loc, Kind::Invalid, "Netlify cannot parse it: a header line before any path", line);
            continue;
        };
        match block.values.iter_mut().find(|(n, ..)| n == name) {
            Some((_, existing, first, _)) => {
                existing.push_str(", ");
                existing.push_str(value);
                let message = format!(
                    "joined to the `{name}` header of line {} as one comma-separated value, as Netlify does",
                    first.line
                );
                t.finding(loc, Kind::Note, message, line);
            }
            None => block.values.push((name.to_string(), value.to_string(), loc, line.to_string())),
        }
    }
    if let Some(last) = blocks.last()
        && last.values.is_empty()
    {
        let (loc, source) = (last.loc, last.source.clone());
        blocks.pop();
        t.rule_seen();
        t.leave_out(loc, Kind::Invalid, "a path with no header lines; Netlify ignores it", &source);
    }
    blocks
}

/// Why an entry cannot be imported.
enum Fail {
    Invalid(String),
    Unsupported(String),
}

/// A source pattern in the rules language's syntax, with Netlify's placeholder names mapped
/// to the language's.
struct From {
    pattern: String,
    names: Vec<(String, String)>,
    splat: bool,
}

/// Translates a Netlify path pattern (no host, no query).
fn from_path(path: &str) -> Result<From, Fail> {
    let body = &path[1..];
    let mut segments: Vec<&str> = body.split('/').collect();
    let trailing = segments.len() > 1 && segments.last() == Some(&"");
    if trailing {
        segments.pop();
    }
    let mut out = String::new();
    let mut names: Vec<(String, String)> = Vec::new();
    let mut splat = false;
    let count = segments.len();
    for (i, segment) in segments.iter().enumerate() {
        out.push('/');
        if *segment == "*" && i + 1 == count && !trailing {
            out.push('*');
            splat = true;
        } else if segment.contains('*') {
            let head = &segment[..segment.len() - 1];
            if i + 1 == count && !trailing && segment.ends_with('*') && !head.contains('*') && !head.starts_with(':') {
                // `/en/release-*`: the language's * ends the path after other characters of its segment.
                out.push_str(&head.replace('\\', "\\\\"));
                out.push('*');
                splat = true;
                continue;
            }
            let why = if *segment == "*" {
                "a * before the end of the source path: Netlify's splat can only end a path"
            } else {
                "a * before the end of a path segment, or after a placeholder: the rules language's * ends the path"
            };
            return Err(Fail::Unsupported(why.to_string()));
        } else if let Some(raw) = segment.strip_prefix(':') {
            let taken: Vec<String> = names.iter().map(|(_, h)| h.clone()).collect();
            let name = placeholder_name(raw, &taken);
            out.push(':');
            out.push_str(&name);
            names.push((raw.to_string(), name));
        } else {
            out.push_str(&segment.replace('\\', "\\\\"));
        }
    }
    if trailing || out.is_empty() {
        out.push('/');
    }
    Ok(From { pattern: out, names, splat })
}

/// Rewrites a Netlify target: its placeholders (longest bound name first, as in
/// `:tag.rss`) become the language's names, and other `:name` text is percent-encoded.
/// Returns the target and whether any text had to be encoded.
fn target(to: &str, from: &From) -> (String, bool) {
    let start = target_path_start(to);
    let mut out = String::from(&to[..start]);
    let mut changed = false;
    let bytes = to.as_bytes();
    let mut i = start;
    while i < to.len() {
        if bytes[i] == b':' {
            let rest = &to[i + 1..];
            let bound = from
                .names
                .iter()
                .map(|(netlify, hedge)| (netlify.as_str(), hedge.as_str()))
                .chain(from.splat.then_some(("splat", "splat")))
                .filter(|(netlify, _)| !netlify.is_empty() && rest.starts_with(netlify))
                .max_by_key(|(netlify, _)| netlify.len());
            if let Some((netlify, hedge)) = bound {
                out.push(':');
                out.push_str(hedge);
                i += 1 + netlify.len();
                if bytes.get(i).copied().is_some_and(is_name_byte) {
                    out.push_str(&percent(bytes[i]));
                    i += 1;
                    changed = true;
                }
                continue;
            }
            if bytes.get(i + 1).copied().is_some_and(is_name_byte) {
                out.push_str("\\:");
                i += 1;
                continue;
            }
        }
        let c = to[i..].chars().next().expect("in bounds");
        if c == '\\' {
            out.push('\\');
        }
        out.push(c);
        i += c.len_utf8();
    }
    (out, changed)
}

/// Translates one entry into a route, or says why it cannot be.
fn convert(entry: &Entry, t: &mut Translation) -> Result<Route, Fail> {
    let mut notes: Vec<String> = Vec::new();
    let status = entry.status.unwrap_or(301);
    let to = match &entry.to {
        Some(to) => Some(to.clone()),
        None if entry.from.ends_with("/*") && (200..300).contains(&status) => {
            Some(format!("{}/:splat", &entry.from[..entry.from.len() - 2]))
        }
        None => return Err(Fail::Invalid("Netlify cannot parse it: missing destination".into())),
    };
    // The source: a path, or an absolute URL for one host.
    let (host, path_part) = if is_url(&entry.from) {
        let Some((scheme, host, rest)) = split_url(&entry.from) else {
            return Err(Fail::Invalid("Netlify cannot parse it: invalid URL".into()));
        };
        if !valid_host(host) {
            return Err(Fail::Unsupported(format!("the host `{host}` cannot be matched: hosts are names and a port")));
        }
        if scheme == "http" {
            notes.push(format!("the rules language ignores the scheme: this rule also applies to https://{host}"));
        }
        (
            Some(host.to_ascii_lowercase()),
            if rest.is_empty() || rest.starts_with(['?', '#']) { format!("/{rest}") } else { rest.to_string() },
        )
    } else {
        (None, entry.from.clone())
    };
    if !path_part.starts_with('/') {
        return Err(Fail::Invalid("Netlify cannot parse it: a source path must start with /".into()));
    }
    if path_part.starts_with("/.netlify") {
        return Err(Fail::Invalid("Netlify rejects sources under /.netlify".into()));
    }
    let (path, path_query, fragment) = split_path(&path_part);
    if fragment.is_some() {
        return Err(Fail::Unsupported(
            "the source has a #fragment, which browsers never send: it matches no request, on Netlify either".into(),
        ));
    }
    let from = from_path(path)?;
    let mut options = Vec::new();
    let mut query: Vec<(String, Option<String>)> = entry.query.clone();
    if let Some(q) = path_query {
        notes.push(format!("the query string in the source is matched as parameters (Netlify's syntax for that is `{path} key=value ...`)"));
        query.extend(q.split('&').filter(|p| !p.is_empty()).map(pair));
    }
    for (key, value) in &query {
        if key.is_empty() {
            return Err(Fail::Unsupported("a query parameter without a name".into()));
        }
        match value.as_deref() {
            None => {
                notes.push(format!(
                    "`{key}` without a value matches only an empty value on Netlify; written as ?{key}="
                ));
                options.push(format!("?{key}="));
            }
            Some(v) if v.starts_with(':') => {
                let name = &v[1..];
                let used = to.as_deref().is_some_and(|to| {
                    to.match_indices(':').any(|(i, _)| {
                        let rest = &to[i + 1..];
                        rest.starts_with(name)
                            && !rest[name.len()..].bytes().next().is_some_and(is_name_byte)
                            && !from.names.iter().any(|(n, _)| n.len() > name.len() && rest.starts_with(n.as_str()))
                    })
                });
                if used && !name.is_empty() {
                    return Err(Fail::Unsupported(format!(
                        "the target uses the value of query parameter `{key}` (:{name}); the rules language matches query parameters but cannot capture them"
                    )));
                }
                options.push(format!("?{key}"));
            }
            Some(v) => options.push(format!("?{key}={v}")),
        }
    }
    for (key, values) in &entry.conditions {
        match key.as_str() {
            "Country" => {
                let codes: Vec<String> = values.iter().map(|c| c.to_ascii_uppercase()).collect();
                if codes.is_empty() || codes.iter().any(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic()))
                {
                    return Err(Fail::Unsupported(format!(
                        "`Country={}` is not a list of two-letter codes",
                        values.join(",")
                    )));
                }
                options.push(format!("country={}", codes.join(",")));
            }
            "Language" => {
                let mut tags: Vec<String> = Vec::new();
                for value in values {
                    let lower = value.to_ascii_lowercase();
                    let primary = lower.split(['-', '_']).next().unwrap_or("").to_string();
                    if primary.is_empty() || primary.len() > 8 || !primary.bytes().all(|b| b.is_ascii_alphabetic()) {
                        return Err(Fail::Unsupported(format!(
                            "`Language={}` is not a list of language tags",
                            values.join(",")
                        )));
                    }
                    if primary != lower {
                        notes.push(format!("`{value}` is matched by its primary language `{primary}`: the rules language compares primary tags"));
                    }
                    if !tags.contains(&primary) {
                        tags.push(primary);
                    }
                }
                if tags.is_empty() {
                    return Err(Fail::Unsupported("`Language=` with no language".into()));
                }
                options.push(format!("language={}", tags.join(",")));
            }
            "Role" => {
                return Err(Fail::Unsupported(
                    "`Role=` gates on Netlify Identity (a signed JWT in a cookie); a CloudFront function of this language cannot verify it".into(),
                ));
            }
            other => {
                return Err(Fail::Unsupported(format!(
                    "`{other}=` is not a condition Netlify or the rules language knows"
                )));
            }
        }
    }
    if entry.signed {
        return Err(Fail::Unsupported(
            "a signed proxy (`Sign=`/`signed`): the rules language does not proxy or sign requests".into(),
        ));
    }
    if let Some(extra) = entry.extras.first() {
        return Err(Fail::Unsupported(format!(
            "`{extra}` (a proxy setting of netlify.toml) has no equivalent in the rules language"
        )));
    }
    let to = to.expect("set above");
    let action = match status {
        301 | 302 | 303 | 307 | 308 => {
            let (text, changed) = target(&to, &from);
            if changed {
                notes.push("a letter right after a placeholder in the target is percent-encoded, as the rules language would read it as part of the placeholder's name".into());
            }
            if split_path(&text[target_path_start(&text)..]).1.is_some() {
                options.push("query=drop".into());
            }
            Action::Redirect { to: text, status: status as u16 }
        }
        200 => {
            if is_url(&to) {
                return Err(Fail::Unsupported(format!(
                    "a proxy (200 to {to}): CloudFront functions cannot fetch another host; add it as an origin of the distribution and send the path there with `prefix-strip PREFIX origin=ID`"
                )));
            }
            let (text, changed) = target(&to, &from);
            if changed {
                notes.push("a letter right after a placeholder in the target is percent-encoded, as the rules language would read it as part of the placeholder's name".into());
            }
            Action::Rewrite { to: text }
        }
        400..=599 => {
            if entry.to.is_some() {
                notes.push(format!(
                    "answers {status} with an empty body: Netlify serves the content of {to} with this status; a CloudFront function can only answer with a generated body (a custom error response of the distribution can serve a page)"
                ));
            }
            Action::Respond { status: status as u16 }
        }
        other => return Err(Fail::Unsupported(format!("status {other} has no equivalent in the rules language"))),
    };
    let pattern = match &host {
        Some(host) => format!("https://{host}{}", from.pattern),
        None => from.pattern,
    };
    for note in notes {
        t.finding(entry.loc, Kind::Approximated, note, &entry.source);
    }
    Ok(Route {
        loc: entry.loc,
        source: entry.source.clone(),
        from: pattern,
        action,
        options,
        force: entry.force,
        role: Role::Rule,
    })
}

/// Translates a `_headers` path into a pattern; also says whether Netlify's pattern matches
/// more than the translation (a splat after a literal segment also matches `/ab` for `/a/*`).
fn header_pattern(path: &str) -> Result<(String, bool), String> {
    let segments: Vec<&str> = path.split('/').map(str::trim_end).filter(|s| !s.is_empty()).collect();
    let mut out = String::new();
    let mut params = 0;
    let count = segments.len();
    for (i, segment) in segments.iter().enumerate() {
        out.push('/');
        if *segment == "*" {
            if i + 1 != count {
                return Err(
                    "a * before the end of a header path: the rules language's * is a whole last segment".into()
                );
            }
            out.push('*');
        } else if segment.contains('*') {
            return Err(format!(
                "a * inside a path segment (`{segment}`): the rules language's * is a whole last segment"
            ));
        } else if segment.starts_with(':') {
            params += 1;
            out.push_str(&format!(":p{params}"));
        } else {
            out.push_str(segment);
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    let wider = count >= 2 && segments[count - 1] == "*" && !segments[count - 2].starts_with(':');
    Ok((out, wider))
}

/// Translates the inputs.
pub fn translate(inputs: &[Input], site: Option<&Site>, t: &mut Translation) -> Result<(), InputError> {
    let kinds: Vec<FileKind> = inputs.iter().map(|i| kind_of(&i.name)).collect();
    let has_redirects = inputs.iter().zip(&kinds).any(|(input, kind)| {
        *kind == FileKind::Redirects
            || (*kind == FileKind::Toml && input.text.lines().any(|l| l.trim_start().starts_with("[[redirects]]")))
    });
    let has_headers = kinds.iter().any(|k| matches!(k, FileKind::Headers | FileKind::Toml));
    let case = if has_redirects { Case::Sensitive } else { Case::Insensitive };
    t.set("status", "301", "Netlify's default status");
    t.set("slash", "fold", "Netlify matches /a and /a/ alike");
    match case {
        Case::Sensitive => t.set("case", "sensitive", "Netlify's redirect paths match with case"),
        Case::Insensitive => t.set("case", "insensitive", "Netlify's _headers paths match without case"),
    }
    t.set("query", "keep", "Netlify passes the query string on");
    let settings = Settings { slash: Slash::Fold, case, ..Settings::default() };

    // Read every file; redirects of _redirects files come before those of netlify.toml.
    let mut file_entries: Vec<Entry> = Vec::new();
    let mut toml_entries: Vec<Entry> = Vec::new();
    let mut file_blocks: Vec<Block> = Vec::new();
    let mut toml_blocks: Vec<Block> = Vec::new();
    for (index, (input, kind)) in inputs.iter().zip(&kinds).enumerate() {
        match kind {
            FileKind::Redirects => file_entries.extend(parse_redirects(index, &input.text, t)),
            FileKind::Headers => file_blocks.extend(parse_headers(index, &input.text, t)),
            FileKind::Toml => {
                let (entries, blocks) = parse_toml(index, input, t)?;
                toml_entries.extend(entries);
                toml_blocks.extend(blocks);
            }
        }
    }
    // A netlify.toml named before a _redirects file: its rules still come after.
    let first_toml = kinds.iter().position(|k| *k == FileKind::Toml);
    let first_redirects = kinds.iter().position(|k| *k == FileKind::Redirects);
    let moved: Vec<Loc> = match (first_toml, first_redirects) {
        (Some(toml), Some(redirects)) if toml < redirects && !file_entries.is_empty() => {
            toml_entries.iter().map(|e| e.loc).collect()
        }
        _ => Vec::new(),
    };
    let mut entries = file_entries;
    entries.extend(toml_entries);

    // Identical rules: Netlify keeps the last copy.
    let identities: Vec<Identity<'_>> = entries.iter().map(Entry::identity).collect();
    let mut last: HashMap<&Identity<'_>, usize> = HashMap::new();
    for (i, identity) in identities.iter().enumerate() {
        last.insert(identity, i);
    }
    let mut routes: Vec<Route> = Vec::new();
    let mut converted: HashMap<usize, Option<usize>> = HashMap::new();
    let mut earlier_copies: Vec<(usize, usize)> = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let keep = last[&identities[i]];
        if keep != i {
            earlier_copies.push((i, keep));
            continue;
        }
        match convert(entry, t) {
            Ok(route) => {
                if moved.contains(&entry.loc) {
                    t.finding(
                        entry.loc,
                        Kind::Reordered,
                        "placed after the rules of _redirects, which Netlify reads first",
                        &entry.source,
                    );
                }
                converted.insert(i, Some(routes.len()));
                routes.push(route);
            }
            Err(Fail::Invalid(why)) => {
                converted.insert(i, None);
                t.leave_out(entry.loc, Kind::Invalid, why, &entry.source);
            }
            Err(Fail::Unsupported(why)) => {
                converted.insert(i, None);
                t.leave_out(entry.loc, Kind::Unsupported, why, &entry.source);
            }
        }
    }
    for (i, keep) in earlier_copies {
        let entry = &entries[i];
        let kept = &entries[keep];
        match converted.get(&keep).copied().flatten() {
            None => t.leave_out(
                entry.loc,
                Kind::Unsupported,
                format!("identical to the rule of {}, which is left out", t.place(kept.loc)),
                &entry.source,
            ),
            Some(route_index) => {
                let between: Vec<&Route> = routes[..route_index]
                    .iter()
                    .filter(|r| r.loc > entry.loc && overlap(&r.from, &routes[route_index].from, &settings))
                    .collect();
                if let Some(first) = between.first() {
                    let message = format!(
                        "identical to the rule of {}: Netlify keeps only the last copy, so this rule takes effect after {} (and any rule between)",
                        t.place(kept.loc),
                        t.place(first.loc)
                    );
                    t.finding(entry.loc, Kind::Reordered, message, &entry.source);
                } else {
                    let message = format!("identical to the rule of {}; Netlify keeps one copy", t.place(kept.loc));
                    t.finding(entry.loc, Kind::Note, message, &entry.source);
                }
            }
        }
    }

    // Shadowing: a file at the path wins over a rule without `!`.
    match site {
        Some(site) => {
            let (guards, guarded, unwritable) = site::guards(site, &routes, &settings);
            if guarded > 0 {
                let files: Vec<usize> = (0..inputs.len()).filter(|&i| kinds[i] != FileKind::Headers).collect();
                for file in files {
                    let message = format!(
                        "{guarded} of the site's {} paths have a file that a rule without `!` matches; a guard before the rules lets only forced rules act on each",
                        site.len()
                    );
                    t.finding(Loc::file(file), Kind::Note, message, "");
                }
            }
            for path in unwritable {
                let message = format!(
                    "the site's file at {path} cannot be written as an exact path; rules without `!` still apply to it"
                );
                t.finding(Loc::file(0), Kind::Approximated, message, "");
            }
            let mut all = guards;
            all.append(&mut routes);
            routes = all;
        }
        None => {
            let mut assumed: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
            let mut kept = Vec::new();
            for route in routes {
                if route.force {
                    kept.push(route);
                    continue;
                }
                let fallback = matches!(route.action, Action::Rewrite { .. } | Action::Respond { .. })
                    && !crate::matching::exact_pattern(&route.from);
                if fallback {
                    t.leave_out(
                        route.loc,
                        Kind::Unsupported,
                        "a fallback without `!`: Netlify applies it only where no file exists, and a pattern rule like this would otherwise take every request, files included; pass --site DIR (the build output) so that the files are known, or add `!` if it should apply everywhere",
                        &route.source,
                    );
                    continue;
                }
                assumed.entry(route.loc.file).or_default().push(route.loc.line);
                kept.push(route);
            }
            routes = kept;
            for (file, lines) in assumed {
                let shown: Vec<String> = lines.iter().take(5).map(u32::to_string).collect();
                let more = if lines.len() > 5 { ", ..." } else { "" };
                let message = format!(
                    "{} rules have no `!` (lines {}{more}): Netlify skips such a rule where a file exists at its path; without --site DIR, no file was assumed to exist at these paths, so they always apply",
                    lines.len(),
                    shown.join(", ")
                );
                t.finding(Loc::file(file), Kind::Assumed, message, "");
            }
        }
    }
    t.routes = routes;

    // Headers: _headers files, then netlify.toml.
    if has_headers && has_redirects {
        for (i, kind) in kinds.iter().enumerate() {
            if matches!(kind, FileKind::Headers) {
                t.finding(
                    Loc::file(i),
                    Kind::Approximated,
                    "Netlify matches _headers paths without case; these rules match with case, as `set case` applies to the redirects too",
                    "",
                );
            }
        }
    }
    let mut blocks = file_blocks;
    blocks.extend(toml_blocks);
    for block in blocks {
        match header_pattern(&block.path) {
            Err(why) => {
                for (_, _, loc, source) in &block.values {
                    t.leave_out(*loc, Kind::Unsupported, why.clone(), source);
                }
            }
            Ok((pattern, wider)) => {
                if wider {
                    for (_, _, loc, source) in &block.values {
                        let message = format!(
                            "Netlify's pattern {} also matches paths that only start with its prefix (its regular expression makes the / before * optional); the translation matches the prefix as a segment",
                            block.path
                        );
                        t.finding(*loc, Kind::Approximated, message, source);
                    }
                }
                let ops = block
                    .values
                    .into_iter()
                    .map(|(name, value, loc, source)| HeaderOp { loc, source, name, value: Some(value) })
                    .collect();
                t.headers.push(HeaderBlock { loc: block.loc, source: block.source, pattern, ops });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_tokens_read_like_parse_int() {
        assert_eq!(parse_int("301!"), Some(301));
        assert_eq!(parse_int("200"), Some(200));
        assert_eq!(parse_int("-4x"), Some(-4));
        assert_eq!(parse_int("Country=us"), None);
        assert_eq!(parse_int("!"), None);
    }

    #[test]
    fn patterns_and_targets() {
        let from = from_path("/news/:year/:tag.rss/*").ok().unwrap();
        assert_eq!(from.pattern, "/news/:year/:tag_rss/*");
        assert_eq!(target("/n/:year-:tag.rss/:splat", &from), ("/n/:year-:tag_rss/:splat".into(), false));
        assert_eq!(target("/n/:yearly", &from), ("/n/:year%6Cy".into(), true));
        assert_eq!(target("https://h:8080/t?at=12:30", &from), ("https://h:8080/t?at=12\\:30".into(), false));
        assert!(from_path("/a/*/b").is_err());
        assert_eq!(from_path("/en/release-*").ok().unwrap().pattern, "/en/release-*");
        assert!(from_path("/en/*-release").is_err());
        assert_eq!(from_path("/a/").ok().unwrap().pattern, "/a/");
        assert_eq!(from_path("/").ok().unwrap().pattern, "/");
    }

    #[test]
    fn header_patterns() {
        assert_eq!(header_pattern("/a/:x/*").unwrap(), ("/a/:p1/*".into(), false));
        assert_eq!(header_pattern("/assets/*").unwrap(), ("/assets/*".into(), true));
        assert_eq!(header_pattern("/*").unwrap(), ("/*".into(), false));
        assert_eq!(header_pattern("/").unwrap(), ("/".into(), false));
        assert!(header_pattern("/*.js").is_err());
        assert!(header_pattern("/a/*/b").is_err());
    }
}
