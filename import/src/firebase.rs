//! Firebase Hosting: the `hosting` section of `firebase.json` (an object, or an array of
//! sites), read the way Firebase Hosting reads it.
//!
//! Semantics kept:
//! - `redirects` are tried before the site's files and `rewrites` only when no file is at the
//!   path, so every redirect is written before every rewrite (reported as reordered where the
//!   file lists a rewrite first), and rewrites are imported as if no file shadowed them
//!   (a note on the file says so); within each list the first match wins, in file order;
//! - glob sources: `*` one segment, a final `**` any rest of the path (also none), `:name` one
//!   segment, a final `:name*` the rest, `@(a|b)` and `{a,b}` segments expanded into one rule
//!   per alternative; a glob matches the whole path, with case;
//! - `type` 301 (the default) or 302; targets may be absolute URLs and use `:name`;
//! - `headers`: every matching entry applies, in file order.
//!
//! - other globs become a `~REGEX`: `**` before the end any number of segments, `*` and `?`
//!   inside a segment; so does a source Firebase reads through path-to-regexp 1.x, because its
//!   destination names a capture (`:name` inside a segment, `*` across segments, an optional
//!   final `/`).
//!
//! - `regex` sources (RE2), tried anywhere in the path as Firebase does, read as Apache's
//!   `RedirectMatch` expressions are ([`pcre::translate`]); a destination that names a capture
//!   fills `:1` and `:name` from the match.
//!
//! Reported: extended globs (`!(…)`, `+(…)`), classes and braces inside a
//! segment, a destination that uses the source's `:name` only inside a segment (see
//! [`unfilled_name`]), rewrites to functions, Cloud Run and Dynamic Links, `cleanUrls`, `trailingSlash`,
//! `i18n`, credentials in targets and secret header values (redacted).

use jsonc_parser::ast::{Array, Object, Value};

use crate::Input;
use crate::finding::Kind;
use crate::json::{self, Entry, entries};
use crate::model::{Action, HeaderBlock, HeaderOp, Loc, Role, Route, Translation};
use crate::pcre;
use crate::secrets;
use crate::text::name_run;

/// A source translated: one pattern per `@(a|b)` alternative (or one `~REGEX`), and the renames
/// of `:name*`.
struct Glob {
    patterns: Vec<String>,
    rest_name: Option<String>,
}

/// The alternatives of an `@(a|b)` or `{a,b}` segment, or `None` for a plain segment.
fn alternatives(segment: &str) -> Option<Vec<String>> {
    let inner = segment
        .strip_prefix("@(")
        .and_then(|s| s.strip_suffix(')'))
        .map(|s| s.split('|'))
        .map(|parts| parts.map(str::to_string).collect::<Vec<_>>())
        .or_else(|| {
            segment
                .strip_prefix('{')
                .and_then(|s| s.strip_suffix('}'))
                .map(|s| s.split(',').map(str::to_string).collect())
        })?;
    Some(inner)
}

/// Whether a destination names a capture (`:name` at its start or after a `/`): Firebase then
/// reads the source through path-to-regexp (1.x) rather than as a glob.
fn names_capture(destination: &str) -> bool {
    destination.starts_with(':') || destination.contains("/:")
}

/// A `:name` the source declares and the destination uses only inside a segment (after `#`
/// or `-`, say), where Firebase's reading is in doubt: the destination does not name a capture
/// (see [`names_capture`]), so Firebase's emulator leaves it as text, while the site surely
/// meant it filled.
fn unfilled_name<'t>(source: &str, to: &'t str) -> Option<&'t str> {
    if names_capture(to) {
        return None;
    }
    let declared = |name: &str| {
        source.split('/').any(|segment| {
            let param = segment.strip_prefix(':').unwrap_or("");
            param.trim_end_matches(['*', '+', '?']) == name
        })
    };
    to.match_indices(':')
        .map(|(i, _)| &to[i + 1..i + 1 + name_run(&to[i + 1..])])
        .find(|n| !n.is_empty() && declared(n))
}

/// Translates a Firebase source into the language's patterns: plain patterns when every
/// segment is literal, `*`, `:name`, a final `**` or `:name*`, or an `@(a|b)` of literals;
/// otherwise one `~REGEX` built the way Firebase matches the source (see [`regex`]).
fn glob(source: &str, capture: bool) -> Result<Glob, String> {
    // Firebase reads `**/x` as `/**/x`.
    let source = &if source.starts_with('/') { source.to_string() } else { format!("/{source}") };
    let segments: Vec<&str> = source[1..].split('/').collect();
    let mut patterns = vec![String::new()];
    let mut rest_name = None;
    let mut wildcard = 0;
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        let pieces: Vec<String> = if *segment == "**" && last {
            vec!["*".to_string()]
        } else if *segment == "*" && !capture {
            wildcard += 1;
            vec![format!(":any{wildcard}")]
        } else if let Some(name) = segment.strip_prefix(':').and_then(|n| n.strip_suffix('*'))
            && last
            && is_name(name)
        {
            rest_name = Some(name.to_string());
            vec!["*".to_string()]
        } else if segment.strip_prefix(':').is_some_and(is_name) {
            vec![segment.to_string()]
        } else if let Some(options) = alternatives(segment)
            && !options.iter().any(|o| o.contains(GLOB_CHARS))
        {
            options
        } else if segment.contains(['*', '?', '[', '(', '{', '!', '+', '@', ':']) {
            return Ok(Glob { patterns: vec![regex(&segments, capture)?], rest_name: None });
        } else {
            vec![segment.to_string()]
        };
        patterns = patterns.iter().flat_map(|p| pieces.iter().map(move |piece| format!("{p}/{piece}"))).collect();
    }
    Ok(Glob { patterns, rest_name })
}

fn is_name(name: &str) -> bool {
    !name.is_empty() && name_run(name) == name.len()
}

/// What an `@(a|b)` alternative may not hold to be read as plain text.
const GLOB_CHARS: [char; 10] = ['*', '?', '(', '[', '{', '/', ':', '!', '+', '@'];

/// Plain alternatives as one non-capturing group.
fn alternation(options: &[String]) -> String {
    let options: Vec<String> = options.iter().map(|o| pcre::literal_regex(o)).collect();
    format!("(?:{})", options.join("|"))
}

/// A source as one `~REGEX`, for globs (`capture` false) as Firebase's glob matching reads them:
/// `**` any number of segments, `*` any run within a segment, `?` one character of it, `@(a|b)` and
/// `{a,b}` alternatives; and for sources read through path-to-regexp (`capture`): `:name` a run
/// within a segment (lazily, as path-to-regexp writes `[^/]+?`), `*` any run across segments,
/// and an optional final `/`. A final `**` or `:name*` is the rest of the path, also none. Named
/// captures keep their names, so the destination's `:name` still refers to them.
fn regex(segments: &[&str], capture: bool) -> Result<String, String> {
    let mut out = String::new();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        if *segment == "**" {
            out.push_str("(?:/.*)?");
            continue;
        }
        if *segment == "*" && !capture {
            out.push_str("/[^/]+");
            continue;
        }
        if let Some(name) = segment.strip_prefix(':')
            && is_name(name)
        {
            out.push_str(&format!("/(?<{name}>[^/]+{})", if capture { "?" } else { "" }));
            continue;
        }
        if let Some(name) = segment.strip_prefix(':').and_then(|n| n.strip_suffix('*'))
            && is_name(name)
        {
            if !last {
                return Err(format!("`:{name}*` before the end of the path needs a pattern the language lacks"));
            }
            out.push_str(&format!("(?:/(?<{name}>.*))?"));
            continue;
        }
        out.push('/');
        out.push_str(&segment_regex(segment, capture)?);
    }
    let ends_open = out.ends_with(".*") || out.ends_with(".*)?") || out.ends_with(".*))?");
    if capture && !ends_open {
        out.push_str("/?");
    }
    Ok(pcre::regex_token(&out))
}

/// One segment of a source as a regular expression.
fn segment_regex(segment: &str, capture: bool) -> Result<String, String> {
    if let Some(options) = alternatives(segment) {
        if options.iter().any(|o| o.contains(GLOB_CHARS)) {
            return Err(format!("the alternatives of `{segment}` hold glob characters"));
        }
        return Ok(alternation(&options));
    }
    let bytes = segment.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < segment.len() {
        let c = bytes[i];
        if c == b'@'
            && !capture
            && let Some(close) = segment[i..].find(')').map(|n| i + n)
            && let Some(options) = alternatives(&segment[i..=close])
            && !options.iter().any(|o| o.is_empty() || o.contains(['*', '?', '(', '[', '{', '!', '+', '@']))
        {
            out.push_str(&alternation(&options));
            i = close + 1;
            continue;
        }
        if matches!(c, b'!' | b'+' | b'@' | b'?' | b'*') && bytes.get(i + 1) == Some(&b'(') && !capture {
            return Err(format!(
                "the extended glob `{segment}`: only `@(a|b)` of plain names is translated (`!(…)` would need lookaround)"
            ));
        }
        match c {
            b':' if capture && bytes.get(i + 1).is_some_and(|&b| crate::text::is_name_byte(b)) => {
                let end = i + 1 + name_run(&segment[i + 1..]);
                if matches!(bytes.get(end), Some(b'(' | b'?' | b'+' | b'*')) {
                    let param = &segment[i..=end];
                    return Err(format!("`{param}` in `{segment}`: a parameter with a modifier inside a segment"));
                }
                out.push_str(&format!("(?<{}>[^/]+?)", &segment[i + 1..end]));
                i = end;
                continue;
            }
            b'*' if capture => out.push_str(".*"),
            b'*' => out.push_str("[^/]*"),
            b'?' if !capture => out.push_str("[^/]"),
            b'[' | b'{' | b'(' => {
                return Err(format!(
                    "the segment `{segment}` holds `{}`, which the import does not translate",
                    c as char
                ));
            }
            _ => {
                let end = segment[i..].char_indices().nth(1).map_or(segment.len(), |(n, _)| i + n);
                out.push_str(&pcre::literal_regex(&segment[i..end]));
                i = end;
                continue;
            }
        }
        i += 1;
    }
    Ok(out)
}

/// A destination with `:name*` names written as `:splat` (for plain patterns), or as `:name`
/// (for a `~REGEX`, whose group keeps the name).
fn destination(to: &str, rest_name: Option<&str>) -> String {
    match rest_name {
        Some(name) => to.replace(&format!(":{name}*"), ":splat").replace(&format!(":{name}"), ":splat"),
        None => {
            let mut out = to.to_string();
            while let Some(at) = star_name(&out) {
                out.remove(at);
            }
            out
        }
    }
}

/// Where a `:name*` of a destination has its `*`.
fn star_name(to: &str) -> Option<usize> {
    let bytes = to.as_bytes();
    let mut i = 0;
    while let Some(n) = to[i..].find(':') {
        let start = i + n + 1;
        let end = start + name_run(&to[start..]);
        if end > start && bytes.get(end) == Some(&b'*') {
            return Some(end);
        }
        i = start;
    }
    None
}

/// The source of an entry.
enum Source {
    /// `source` or `glob`.
    Glob(String),
    /// `regex`: an RE2 expression, tried anywhere in the path.
    Regex(String),
}

fn source_of(entry: &Object<'_>) -> Result<Source, (Kind, String)> {
    if let Some(source) = json::string(entry, "source").or_else(|| json::string(entry, "glob")) {
        return Ok(Source::Glob(source.to_string()));
    }
    if let Some(regex) = json::string(entry, "regex") {
        return Ok(Source::Regex(regex.to_string()));
    }
    Err((Kind::Invalid, "no `source`, `glob` or `regex`".to_string()))
}

/// A `regex` source as a pattern: Firebase tries it anywhere in the path, as Apache's
/// `RedirectMatch` does, so it is read the same way (see [`pcre::translate`]).
fn regex_pattern(re: &str) -> Result<pcre::Translated, String> {
    pcre::translate(re, false, pcre::Subject::Path)
}

/// A destination's parts for a `regex` source: when it names a capture (at its start or after a
/// `/`), every `:N` is group N and every `:name` the group of that name, as Firebase fills them;
/// otherwise it is literal text.
fn regex_destination(to: &str, re: &str) -> Result<Vec<pcre::Part>, String> {
    if !names_capture(to) {
        return Ok(vec![pcre::Part::Text(to.to_string())]);
    }
    let bytes = to.as_bytes();
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    while i < to.len() {
        let end = i + 1 + name_run(&to[i + 1..]);
        if bytes[i] == b':' && end > i + 1 {
            let name = &to[i + 1..end];
            let group = match name.parse::<u32>() {
                Ok(n) => n,
                Err(_) => group_index(re, name).ok_or_else(|| format!("`:{name}` names no group of the expression"))?,
            };
            parts.push(pcre::Part::Text(std::mem::take(&mut text)));
            parts.push(pcre::Part::Group(group));
            i = end;
            continue;
        }
        let c = to[i..].chars().next().expect("in bounds");
        text.push(c);
        i += c.len_utf8();
    }
    parts.push(pcre::Part::Text(text));
    parts.retain(|p| !matches!(p, pcre::Part::Text(t) if t.is_empty()));
    Ok(parts)
}

/// The number of the group called `name` (`(?P<name>…)` or `(?<name>…)`), counting capturing
/// groups from 1 in the order they open.
fn group_index(re: &str, name: &str) -> Option<u32> {
    let bytes = re.as_bytes();
    let (mut n, mut class, mut i) = (0, false, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'[' if !class => class = true,
            b']' if class => class = false,
            b'(' if !class => {
                let rest = &re[i + 1..];
                let named =
                    rest.strip_prefix("?P<").or_else(|| rest.strip_prefix("?<")).filter(|r| !r.starts_with(['=', '!']));
                if let Some(named) = named {
                    n += 1;
                    if named.split('>').next() == Some(name) {
                        return Some(n);
                    }
                } else if !rest.starts_with('?') {
                    n += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn redirect(entry: &Entry<'_, '_>, t: &mut Translation) {
    let status = match json::scalar(entry.object, "type").as_deref() {
        None => 301,
        Some("301") => 301,
        Some("302") => 302,
        Some(other) => {
            t.leave_out(entry.loc, Kind::Invalid, format!("type `{other}`: Firebase accepts 301 or 302"), &entry.text);
            return;
        }
    };
    route(entry, t, |to| Action::Redirect { to, status });
}

fn rewrite(entry: &Entry<'_, '_>, t: &mut Translation) {
    for key in ["function", "run", "dynamicLinks", "tagName"] {
        if entry.object.get(key).is_some() {
            let message =
                format!("a rewrite to `{key}` is served by another Google service, not by a path of the origin");
            t.leave_out(entry.loc, Kind::Unsupported, message, &entry.text);
            return;
        }
    }
    route(entry, t, |to| Action::Rewrite { to });
}

fn route(entry: &Entry<'_, '_>, t: &mut Translation, action: impl Fn(String) -> Action) {
    let source = match source_of(entry.object) {
        Ok(source) => source,
        Err((kind, message)) => return t.leave_out(entry.loc, kind, message, &entry.text),
    };
    let Some(to) = json::string(entry.object, "destination") else {
        return t.leave_out(entry.loc, Kind::Invalid, "no `destination`", &entry.text);
    };
    if secrets::has_userinfo(to) {
        let message = "the destination holds credentials (user:password@); they are not copied into the rules";
        return t.leave_out(entry.loc, Kind::Unsupported, message, &entry.text);
    }
    let source = match source {
        Source::Glob(source) => source,
        Source::Regex(re) => return regex_route(entry, &re, to, t, action),
    };
    if let Some(name) = unfilled_name(&source, to) {
        let message = format!(
            "the destination uses `:{name}` inside a segment: Firebase's emulator fills a destination's `:name` only \
             when one stands at its start or after a `/`, and otherwise reads the source as a glob, where `:{name}` is \
             literal text; Firebase Hosting's behaviour here is not documented"
        );
        return t.leave_out(entry.loc, Kind::Unsupported, message, &entry.text);
    }
    let glob = match glob(&source, names_capture(to)) {
        Ok(glob) => glob,
        Err(message) => return t.leave_out(entry.loc, Kind::Unsupported, message, &entry.text),
    };
    let to = destination(to, glob.rest_name.as_deref());
    if glob.patterns.len() > 1 {
        let message = format!("written as {} rules, one per alternative", glob.patterns.len());
        t.finding(entry.loc, Kind::Note, message, &entry.text);
    }
    for from in glob.patterns {
        t.routes.push(Route {
            loc: entry.loc,
            source: entry.text.clone(),
            from,
            action: action(to.clone()),
            options: Vec::new(),
            force: true,
            role: Role::Rule,
        });
    }
}

/// A destination that is group 1 and what follows (`:1`, as in `(.*)\.html$` to `:1`): the group
/// starts at the beginning of the path, so its text starts with the path's `/`. The language's
/// targets start with their own `/`, so the pattern takes the `/` out of the group and the target
/// puts it back: `~/(.*)\.html` to `/$1`.
fn slash_out_of_group(pattern: &mut pcre::Translated, parts: &mut Vec<pcre::Part>) {
    if parts.first() != Some(&pcre::Part::Group(1)) || pattern.refs != pcre::Refs::Groups {
        return;
    }
    let Some(body) = pattern.path.strip_prefix('~') else { return };
    let moved = if let Some(rest) = body.strip_prefix("(.*") {
        format!("~/(.*{rest}")
    } else if let Some(rest) = body.strip_prefix("(/")
        && !rest.contains('|')
    {
        format!("~/({rest}")
    } else {
        return;
    };
    pattern.path = moved;
    parts.insert(0, pcre::Part::Text("/".into()));
}

fn regex_route(entry: &Entry<'_, '_>, re: &str, to: &str, t: &mut Translation, action: impl Fn(String) -> Action) {
    let translated = regex_destination(to, re).and_then(|mut parts| {
        let mut pattern = regex_pattern(re)?;
        slash_out_of_group(&mut pattern, &mut parts);
        Ok((pcre::target(&parts, &pattern.refs)?, pattern))
    });
    let (to, pattern) = match translated {
        Ok(translated) => translated,
        Err(message) => return t.leave_out(entry.loc, Kind::Unsupported, message, &entry.text),
    };
    if let Some(message) = pattern.approximation {
        t.finding(entry.loc, Kind::Approximated, message, &entry.text);
    }
    t.routes.push(Route {
        loc: entry.loc,
        source: entry.text.clone(),
        from: pattern.path,
        action: action(to),
        options: Vec::new(),
        force: true,
        role: Role::Rule,
    });
}

fn headers(file: usize, input: &Input, entry: &Entry<'_, '_>, t: &mut Translation) {
    let glob = source_of(entry.object).map_err(|(_, m)| m).and_then(|source| match source {
        Source::Glob(source) => glob(&source, false),
        Source::Regex(re) => regex_pattern(&re).map(|p| Glob { patterns: vec![p.path], rest_name: None }),
    });
    let Some(Value::Array(list)) = entry.object.get("headers").map(|p| &p.value) else {
        t.rule_seen();
        return t.leave_out(entry.loc, Kind::Invalid, "no `headers` list", &entry.text);
    };
    let ops = header_ops(file, input, list, t);
    let glob = match glob {
        Ok(glob) => glob,
        Err(message) => {
            // Each header line is a rule, and each is reported.
            for op in &ops {
                t.leave_out(op.loc, Kind::Unsupported, message.clone(), &op.source);
            }
            return;
        }
    };
    for pattern in glob.patterns {
        t.headers.push(HeaderBlock { loc: entry.loc, source: entry.text.clone(), pattern, ops: ops.clone() });
    }
}

/// The `{ "key", "value" }` objects of a `headers` list (Firebase's, and Vercel's after it): one
/// operation each; a credential is reported redacted, never copied.
pub(crate) fn header_ops(file: usize, input: &Input, list: &Array<'_>, t: &mut Translation) -> Vec<HeaderOp> {
    let mut ops = Vec::new();
    for element in &list.elements {
        let loc = json::loc(file, &input.text, json::start(element));
        let text = json::source_of(&input.text, element);
        t.rule_seen();
        let Value::Object(header) = element else {
            t.leave_out(loc, Kind::Invalid, "not a header object", &text);
            continue;
        };
        let (Some(name), Some(value)) = (json::string(header, "key"), json::scalar(header, "value")) else {
            t.leave_out(loc, Kind::Invalid, "a header needs `key` and `value`", &text);
            continue;
        };
        if secrets::secret_header(name) {
            let message = format!("`{name}` holds a credential; it is not copied into the rules (value redacted)");
            t.leave_out(loc, Kind::Unsupported, message, &text);
            continue;
        }
        ops.push(HeaderOp { loc, source: text, name: name.to_string(), value: Some(value) });
    }
    ops
}

/// Reports a site-wide setting the language has no statement for.
fn setting(file: usize, input: &Input, hosting: &Object<'_>, key: &str, why: &str, t: &mut Translation) {
    if let Some(property) = hosting.get(key) {
        let loc = json::loc(file, &input.text, property.range.start);
        t.rule_seen();
        let text = format!("\"{key}\": {}", json::source_of(&input.text, &property.value));
        t.leave_out(loc, Kind::Unsupported, why, &text);
    }
}

fn site(file: usize, input: &Input, hosting: &Object<'_>, t: &mut Translation) {
    setting(
        file,
        input,
        hosting,
        "cleanUrls",
        "cleanUrls depends on which `.html` files the site has; write its redirects and rewrites as rules",
        t,
    );
    setting(
        file,
        input,
        hosting,
        "trailingSlash",
        "trailingSlash depends on which files and directories the site has; write its redirects as rules",
        t,
    );
    setting(
        file,
        input,
        hosting,
        "i18n",
        "i18n serves files by country and language from a directory tree; write rules with country= and language=",
        t,
    );
    let order: Vec<&str> = hosting.properties.iter().map(|p| p.name.as_str()).collect();
    let position = |key: &str| order.iter().position(|k| *k == key);
    let rewrites_first = matches!((position("rewrites"), position("redirects")), (Some(a), Some(b)) if a < b);
    let mut redirects_seen = false;
    for key in ["redirects", "rewrites", "headers"] {
        let Some(list) = hosting.get(key).map(|p| &p.value) else { continue };
        for entry in entries(file, input, list, key != "headers", "ignored as Firebase ignores it", t) {
            match key {
                "redirects" => {
                    redirects_seen = true;
                    redirect(&entry, t);
                }
                "rewrites" => {
                    if rewrites_first && redirects_seen {
                        let message = "written after every redirect: Firebase tries redirects before rewrites, whatever their order in the file";
                        t.finding(entry.loc, Kind::Reordered, message, &entry.text);
                    }
                    rewrite(&entry, t);
                }
                _ => headers(file, input, &entry, t),
            }
        }
    }
    if hosting.get("rewrites").is_some() {
        let message = "Firebase applies a rewrite only when no file of the site is at the path; the rewrites are imported as if none were";
        t.finding(Loc::file(file), Kind::Assumed, message, "");
    }
}

/// Translates the inputs.
pub fn translate(inputs: &[Input], t: &mut Translation) -> Result<(), crate::InputError> {
    t.set("slash", "exact", "Firebase matches the path as requested, with or without its final slash");
    for (file, input) in inputs.iter().enumerate() {
        let root = json::parse(input)?;
        let hosting = match &root {
            Value::Object(o) => o.get("hosting").map(|p| &p.value).unwrap_or(&root),
            other => other,
        };
        match hosting {
            Value::Object(object) => site(file, input, object, t),
            Value::Array(sites) => {
                if sites.elements.len() > 1 {
                    let message = "several sites: their rules are written into one file, for whichever host serves it";
                    t.finding(Loc::file(file), Kind::Assumed, message, "");
                }
                for element in &sites.elements {
                    if let Value::Object(object) = element {
                        site(file, input, object, t);
                    }
                }
            }
            other => {
                return Err(crate::InputError::at(
                    &input.name,
                    &input.text,
                    json::start(other),
                    "`hosting` is neither an object nor a list of sites",
                    "write `\"hosting\": { \"redirects\": [...] }`",
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_used_only_inside_a_destination_segment_is_in_doubt() {
        assert_eq!(unfilled_name("/glossary/:entry", "/resources/glossary#:entry"), Some("entry"));
        assert_eq!(unfilled_name("/notes/:v*", "/release/notes-:v*"), Some("v"));
        // A destination that names a capture is read through path-to-regexp: no doubt.
        assert_eq!(unfilled_name("/g/:entry", "/r/:entry#:entry"), None);
        // A `:` that names nothing the source declares is text.
        assert_eq!(unfilled_name("/a/*", "https://example.com:8080/b"), None);
    }

    #[test]
    fn globs() {
        let patterns = |source: &str, capture: bool| glob(source, capture).unwrap().patterns;
        assert_eq!(patterns("/a/**", false), ["/a/*"]);
        assert_eq!(patterns("/a/*/b", false), ["/a/:any1/b"]);
        assert_eq!(patterns("/@(x|y)/:id", true), ["/x/:id", "/y/:id"]);
        assert_eq!(patterns("/{x,y}", false), ["/x", "/y"]);
        let g = glob("/p/:rest*", true).unwrap();
        assert_eq!((g.patterns, g.rest_name.as_deref()), (vec!["/p/*".to_string()], Some("rest")));
        assert_eq!(destination("/q/:rest", Some("rest")), "/q/:splat");
        assert_eq!(destination("/q/:rest*/x", None), "/q/:rest/x");
    }

    #[test]
    fn globs_that_need_a_regular_expression() {
        let patterns = |source: &str, capture: bool| glob(source, capture).unwrap().patterns;
        assert_eq!(patterns("/**/x", false), ["~(?:/.*)?/x"]);
        assert_eq!(patterns("/**/NgFor-*", false), ["~(?:/.*)?/NgFor-[^/]*"]);
        assert_eq!(patterns("/news*", false), ["~/news[^/]*"]);
        assert_eq!(patterns("/a?.html", false), ["~/a[^/]\\.html"]);
        assert_eq!(patterns("/a/*/b*", false), ["~/a/[^/]+/b[^/]*"]);
        // Read through path-to-regexp: `:name` inside a segment, `*` across segments, an
        // optional final slash.
        assert_eq!(patterns("/api/:package/:api-*", true), ["~/api/(?<package>[^/]+?)/(?<api>[^/]+?)-.*"]);
        assert_eq!(patterns("/docs/*/latest/api/:package", true), ["~/docs/.*/latest/api/(?<package>[^/]+?)/?"]);
        assert_eq!(patterns("/c/:name.html", true), ["~/c/(?<name>[^/]+?)\\.html/?"]);
        assert_eq!(patterns("/c/:name.html", false), ["~/c/:name\\.html"]);
        assert_eq!(patterns("/:a/**/x*", false), ["~/(?<a>[^/]+)(?:/.*)?/x[^/]*"]);
        assert_eq!(patterns("/caf\u{e9}*", false), ["~/caf%C3%A9[^/]*"]);
        assert_eq!(group_index("^/(a)(?:b)(?P<x>c)[(](?<y>d)", "x"), Some(2));
        assert_eq!(group_index("^/(a)(?:b)(?P<x>c)[(](?<y>d)", "y"), Some(3));
        assert_eq!(group_index("^/(a)", "z"), None);
        let parts = regex_destination("https://api.example.com/:1/:x", "^/(a)/(?P<x>b)").unwrap();
        assert_eq!(pcre::target(&parts, &pcre::Refs::Groups).unwrap(), "https://api.example.com/$1/$2");
        assert_eq!(regex_destination("/a-:1", "(x)").unwrap(), [pcre::Part::Text("/a-:1".into())]);
        let bare = |re: &str, to: &str| {
            let mut pattern = regex_pattern(re).unwrap();
            let mut parts = regex_destination(to, re).unwrap();
            slash_out_of_group(&mut pattern, &mut parts);
            (pattern.path, pcre::target(&parts, &pattern.refs).unwrap())
        };
        assert_eq!(bare("(.*)\\.html$", ":1"), ("~/(.*)\\.html".to_string(), "/$1".to_string()));
        assert_eq!(bare("^(/docs/.*)\\.$", ":1/"), ("~/(docs/.*)\\.".to_string(), "/$1/".to_string()));
        // `b` can never start a path, but `/(a|b)` would let it.
        assert!(regex_pattern("^(/a|b)$").is_ok_and(|mut p| {
            let mut parts = vec![pcre::Part::Group(1)];
            slash_out_of_group(&mut p, &mut parts);
            parts.len() == 1
        }));
        assert_eq!(patterns("**/*.@(gif|js)", false), ["~(?:/.*)?/[^/]*\\.(?:gif|js)"]);
        for refused in ["/!(a)", "/+(a|b)", "/[ab]", "/:x*/y", "/a/:p?-x", "**/!(*.*)"] {
            assert!(glob(refused, true).is_err() || glob(refused, false).is_err(), "{refused}");
        }
    }
}
