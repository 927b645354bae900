//! Cloudflare Pages: `_redirects` and `_headers`, read the way Cloudflare's asset server reads
//! them (`parseRedirects` / `parseHeaders` and the rules engine of `workers-shared`), then
//! translated with its matching semantics.
//!
//! A name containing `headers` is a `_headers` file; any other is a `_redirects` file.
//!
//! Semantics kept:
//! - default status 302; statuses 200 (a rewrite to a path), 301, 302, 303, 307, 308;
//! - paths match exactly: `/a` and `/a/` are different (`set slash exact`), with case;
//! - `*` matches any rest of the path and `:name` one segment; `/a/*` does not match `/a`
//!   itself, so the importer writes a guard for `/a` where a later rule would differ;
//! - precedence: Cloudflare looks static rules up before dynamic ones, but only the static
//!   rules above its first dynamic rule (those below count as dynamic and are tried in file
//!   order), so its order is file order and no rule moves; of duplicate sources the first wins;
//! - the request's query string is kept unless the target has one;
//! - every rule is imported, where Cloudflare stops after 100 dynamic rules (it counts every
//!   rule after the first dynamic one as dynamic) and drops the rest of the file;
//! - `_headers`: all matching blocks apply in file order, `! Name` removes a header; a later
//!   block for the same path replaces the earlier one at the earlier one's position. Where a
//!   later block sets a header an earlier matching block set, Cloudflare appends the values;
//!   here the later value replaces the earlier (reported).

use std::collections::HashMap;

use rules_dsl::ir::{Settings, Slash};
use rules_dsl::pattern::PathMatch;

use crate::Input;
use crate::finding::Kind;
use crate::matching::{instance, overlap, parse_from};
use crate::model::{Action, HeaderBlock, HeaderOp, Loc, Role, Route, Translation};
use crate::text::{is_name_byte, name_run, split_path, split_url, target_path_start};

/// Cloudflare's limits: rules on a line, static rules, dynamic rules, header rules.
const MAX_LINE: usize = 2000;
const MAX_STATIC: usize = 2000;
const MAX_DYNAMIC: usize = 100;
const MAX_HEADER_RULES: usize = 100;

fn settings() -> Settings {
    Settings { slash: Slash::Exact, ..Settings::default() }
}

/// The absolute `https://host/...` form Cloudflare recognises (`^https://+host`).
fn https_host(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix("https://")?;
    let rest = rest.trim_start_matches('/');
    let end = rest.find('/').unwrap_or(rest.len());
    (end > 0).then(|| (&rest[..end], &rest[end..]))
}

/// The length of a placeholder name (`[A-Za-z]\w*`) at the start of `text`.
fn name_len(text: &str) -> usize {
    let bytes = text.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_alphabetic) {
        return 0;
    }
    name_run(text)
}

/// Whether a source has a splat or a placeholder: Cloudflare's "dynamic".
fn is_dynamic(from: &str) -> bool {
    from.contains('*') || from.match_indices(':').any(|(i, _)| name_len(&from[i + 1..]) > 0)
}

enum Fail {
    Invalid(String),
    Unsupported(String),
}

/// A path pattern translated: the pattern, its placeholder names, whether it ends in a splat.
struct Pattern {
    text: String,
    names: Vec<String>,
    splat: bool,
}

/// A literal segment in the language's syntax: a leading `:` and backslashes escaped.
fn literal_segment(segment: &str) -> String {
    let escaped = segment.replace('\\', "\\\\");
    match escaped.strip_prefix(':') {
        Some(rest) => format!("\\:{rest}"),
        None => escaped,
    }
}

/// Translates a Cloudflare path pattern.
fn pattern(path: &str) -> Result<Pattern, Fail> {
    if path.matches('*').count() > 1 {
        return Err(Fail::Invalid(
            "two * in one pattern: Cloudflare's regular expression then has two groups named splat and it drops the rule"
                .into(),
        ));
    }
    let mut segments: Vec<&str> = path[1..].split('/').collect();
    let trailing = segments.len() > 1 && segments.last() == Some(&"");
    if trailing {
        segments.pop();
    }
    let count = segments.len();
    let mut text = String::new();
    let mut names: Vec<String> = Vec::new();
    let mut splat = false;
    for (i, segment) in segments.iter().enumerate() {
        text.push('/');
        if *segment == "*" && i + 1 == count && !trailing {
            text.push('*');
            splat = true;
            continue;
        }
        if segment.contains('*') {
            let head = &segment[..segment.len() - 1];
            let ends_path = i + 1 == count && !trailing && segment.ends_with('*');
            if !ends_path || head.contains(':') {
                return Err(Fail::Unsupported(
                    "a * before the end of the path (or after a placeholder): Cloudflare's * matches any text there, the rules language's * only the rest of the path".into(),
                ));
            }
            // `/en/release-*`: the language's * ends the path after other characters of its segment.
            text.push_str(&literal_segment(head));
            text.push('*');
            splat = true;
            continue;
        }
        if let Some(rest) = segment.strip_prefix(':') {
            let n = name_len(rest);
            if n > 0 && n == rest.len() {
                if rest == "splat" {
                    return Err(Fail::Unsupported(
                        "a placeholder named :splat: the rules language keeps that name for *".into(),
                    ));
                }
                if names.iter().any(|x| x == rest) {
                    return Err(Fail::Invalid(
                        "a placeholder used twice: Cloudflare's regular expression then fails and it drops the rule"
                            .into(),
                    ));
                }
                names.push(rest.to_string());
                text.push_str(segment);
                continue;
            }
            if n == 0 {
                // Literal for Cloudflare; escaped so that `:1x` is not read as a placeholder.
                text.push_str(&literal_segment(segment));
                continue;
            }
        }
        if segment.match_indices(':').any(|(i, _)| name_len(&segment[i + 1..]) > 0) {
            return Err(Fail::Unsupported(
                "a placeholder inside a path segment: the rules language's placeholders are whole segments".into(),
            ));
        }
        text.push_str(&literal_segment(segment));
    }
    if trailing || text.is_empty() {
        text.push('/');
    }
    Ok(Pattern { text, names, splat })
}

/// Rewrites a target: bound placeholders stay, other `:name` text is written `\\:name` (as
/// Cloudflare leaves it literal), and backslashes are doubled, so the bytes are Cloudflare's.
fn target(to: &str, from: &Pattern) -> String {
    let start = target_path_start(to);
    let mut out = String::from(&to[..start]);
    let mut i = start;
    while i < to.len() {
        let c = to[i..].chars().next().expect("in bounds");
        if c == ':' {
            let rest = &to[i + 1..];
            let n = name_len(rest);
            let bound = n > 0 && (from.names.iter().any(|x| x == &rest[..n]) || (from.splat && &rest[..n] == "splat"));
            if !bound && rest.bytes().next().is_some_and(is_name_byte) {
                out.push_str("\\:");
                i += 1;
                continue;
            }
        }
        if c == '\\' {
            out.push('\\');
        }
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// Whether Cloudflare's rule matches a path: as here, except that `/a/*` does not match `/a`.
fn cloudflare_matches(route: &Route, path: &str, settings: &Settings) -> bool {
    let Some((_, parsed)) = parse_from(&route.from, settings.case) else { return false };
    let Some(captures) = (PathMatch { settings }).path(&parsed, path) else { return false };
    let bare_prefix = parsed.splat
        && !parsed.segments.is_empty()
        && captures.last().is_some_and(String::is_empty)
        && !path.ends_with('/');
    !bare_prefix
}

/// Reads and translates a `_redirects` file.
fn redirects(file: usize, input: &Input, t: &mut Translation) {
    let settings = settings();
    let mut routes: Vec<Route> = Vec::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut first_dynamic: Option<u32> = None;
    let mut dynamic_lines: Vec<(u32, String)> = Vec::new();
    let (mut statics, mut dynamics) = (0usize, 0usize);
    let mut cloudflare_stops: Option<u32> = None;
    let mut cloudflare_skips = 0usize;
    let mut rules = 0usize;
    for (index, raw) in input.text.split('\n').enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let number = index as u32 + 1;
        let loc = Loc::new(file, number, raw.chars().take_while(|c| c.is_whitespace()).count() as u32 + 1);
        t.rule_seen();
        rules += 1;
        if cloudflare_stops.is_some() {
            cloudflare_skips += 1;
        }
        if line.len() > MAX_LINE {
            t.finding(loc, Kind::Note, "Cloudflare ignores lines over 2,000 characters; imported all the same", line);
        }
        let mut tokens: Vec<&str> = line.split_whitespace().collect();
        if let Some(comment) = tokens.iter().enumerate().position(|(i, t)| i >= 2 && t.starts_with('#')) {
            tokens.truncate(comment);
        }
        if !(2..=3).contains(&tokens.len()) {
            let message =
                format!("Cloudflare ignores it: expected `FROM TO [STATUS]` (2 or 3 tokens), got {}", tokens.len());
            t.leave_out(loc, Kind::Invalid, message, line);
            continue;
        }
        let (raw_from, raw_to, raw_status) = (tokens[0], tokens[1], tokens.get(2).copied());
        if https_host(raw_from).is_some() || raw_from.starts_with("http://") {
            t.leave_out(loc, Kind::Invalid, "Cloudflare ignores it: a source must be a relative path", line);
            continue;
        }
        let prefixed = if raw_from.starts_with('/') { raw_from.to_string() } else { format!("/{raw_from}") };
        let (path, query, fragment) = split_path(&prefixed);
        if query.is_some() || fragment.is_some() {
            t.finding(
                loc,
                Kind::Note,
                "Cloudflare ignores the query string and fragment of a source; so does the translation",
                line,
            );
        }
        // Cloudflare's counting: static rules until the first dynamic one, then all dynamic.
        let dynamic = is_dynamic(path);
        if first_dynamic.is_none() && !dynamic {
            statics += 1;
            if statics > MAX_STATIC && cloudflare_stops.is_none() {
                cloudflare_skips += 1;
            }
        } else {
            if first_dynamic.is_none() {
                first_dynamic = Some(number);
            }
            dynamics += 1;
            if dynamics > MAX_DYNAMIC && cloudflare_stops.is_none() {
                cloudflare_stops = Some(number);
                cloudflare_skips += 1;
            }
        }
        let absolute_to = https_host(raw_to).is_some();
        if !absolute_to && !raw_to.starts_with('/') {
            t.leave_out(loc, Kind::Invalid, "Cloudflare ignores it: a target must be a path or an https:// URL", line);
            continue;
        }
        let status = match raw_status {
            None => 302,
            Some(s) => match s.parse::<u16>() {
                Ok(s) if [200, 301, 302, 303, 307, 308].contains(&s) => s,
                _ => {
                    let message =
                        format!("Cloudflare ignores it: the status is one of 200, 301, 302, 303, 307, 308, not `{s}`");
                    t.leave_out(loc, Kind::Invalid, message, line);
                    continue;
                }
            },
        };
        if !absolute_to {
            let to_path = split_path(raw_to).0;
            let to_index = to_path.ends_with("/index") || to_path.ends_with("/index.html");
            if to_index && (path.ends_with("/*") || path.ends_with('/')) {
                t.leave_out(
                    loc,
                    Kind::Invalid,
                    "Cloudflare ignores it as an infinite loop (it strips /index and .html from the target and the rule would match again)",
                    line,
                );
                continue;
            }
        }
        if let Some(first) = seen.get(path) {
            let message = format!("Cloudflare ignores it: a duplicate source; the rule on line {first} wins");
            t.leave_out(loc, Kind::Invalid, message, line);
            continue;
        }
        seen.insert(path.to_string(), number);
        if status == 200 && absolute_to {
            t.leave_out(loc, Kind::Invalid, "Cloudflare ignores it: a 200 (rewrite) can only point to a path", line);
            continue;
        }
        let from = match pattern(path) {
            Ok(from) => from,
            Err(Fail::Invalid(why)) => {
                t.leave_out(loc, Kind::Invalid, why, line);
                continue;
            }
            Err(Fail::Unsupported(why)) => {
                t.leave_out(loc, Kind::Unsupported, why, line);
                continue;
            }
        };
        let mut options = Vec::new();
        let action = if status == 200 {
            let (to_path, to_query, to_fragment) = split_path(raw_to);
            if to_query.is_some() || to_fragment.is_some() {
                t.finding(
                    loc,
                    Kind::Note,
                    "Cloudflare rewrites to the path of the target only; its query string and fragment are dropped, here too",
                    line,
                );
            }
            let to = target(to_path, &from);
            Action::Rewrite { to }
        } else {
            let to = target(raw_to, &from);
            if split_path(&to[target_path_start(&to)..]).1.is_some() {
                options.push("query=drop".to_string());
            }
            Action::Redirect { to, status }
        };
        if dynamic {
            dynamic_lines.push((number, from.text.clone()));
        } else if let Some(first) = first_dynamic {
            let overlapping = dynamic_lines.iter().find(|(_, d)| overlap(d, &from.text, &settings));
            if let Some((other, _)) = overlapping {
                let message = format!(
                    "below Cloudflare's first dynamic rule (line {first}), this static rule is tried in file order, after the rule on line {other} that can match the same paths; so it is here"
                );
                t.finding(loc, Kind::Note, message, line);
            }
        }
        routes.push(Route {
            loc,
            source: line.to_string(),
            from: from.text,
            action,
            options,
            force: true,
            role: Role::Rule,
        });
    }
    if let Some(stop) = cloudflare_stops {
        let kept = rules - cloudflare_skips;
        let message = format!(
            "Cloudflare would apply only {kept} of these {rules} rules: it counts every rule after its first dynamic one (line {}) as dynamic and drops the rest of the file from line {stop}, past 100 dynamic rules; all are imported here",
            first_dynamic.unwrap_or(stop)
        );
        t.finding(Loc::file(file), Kind::Note, message, "");
    } else if cloudflare_skips > 0 {
        let message = format!(
            "Cloudflare would skip {cloudflare_skips} static rules past its limit of 2,000; all are imported here"
        );
        t.finding(Loc::file(file), Kind::Note, message, "");
    }
    t.routes.extend(guard_splats(routes, &settings));
}

/// Writes, before each `/a/*` rule, a guard for `/a` (which Cloudflare's rule does not match
/// but the language's does): what the later rules do for `/a`, or a rewrite of `/a` to itself.
fn guard_splats(routes: Vec<Route>, settings: &Settings) -> Vec<Route> {
    let mut out: Vec<Route> = Vec::with_capacity(routes.len());
    for (i, route) in routes.iter().enumerate() {
        let Some(prefix) = route.from.strip_suffix("/*").filter(|p| !p.is_empty()) else {
            out.push(route.clone());
            continue;
        };
        let literal = parse_from(prefix, settings.case).is_some_and(|(_, p)| p.is_exact());
        let why = format!("Cloudflare's {} does not match {prefix} itself", route.from);
        if literal {
            let taken = routes[..i].iter().any(|r| r.options.is_empty() && cloudflare_matches(r, prefix, settings));
            if !taken {
                let later = routes[i + 1..].iter().find(|r| cloudflare_matches(r, prefix, settings));
                let guard = later.and_then(|r| instance(r, prefix, settings)).unwrap_or_else(|| Route {
                    from: prefix.to_string(),
                    action: Action::Rewrite { to: crate::matching::escape_colons(prefix) },
                    options: Vec::new(),
                    ..route.clone()
                });
                out.push(Route { loc: route.loc, source: route.source.clone(), role: Role::Guard(why), ..guard });
            }
        } else if !routes.iter().enumerate().any(|(j, r)| j != i && overlap(&r.from, prefix, settings)) {
            out.push(Route {
                from: prefix.to_string(),
                action: Action::Rewrite { to: prefix.to_string() },
                options: Vec::new(),
                role: Role::Guard(why),
                ..route.clone()
            });
        }
        out.push(route.clone());
    }
    out
}

/// One `_headers` rule as Cloudflare's parser leaves it.
struct Rule {
    loc: Loc,
    source: String,
    path: String,
    /// (name, value or None for `! Name`, loc, source), sets with repeated names joined.
    ops: Vec<(String, Option<String>, Loc, String)>,
}

/// Reads and translates a `_headers` file.
fn headers(file: usize, input: &Input, t: &mut Translation) {
    let settings = settings();
    let mut rules: Vec<Rule> = Vec::new();
    let mut current: Option<Rule> = None;
    let finish = |rule: Rule, rules: &mut Vec<Rule>, t: &mut Translation| {
        if rule.ops.is_empty() {
            t.rule_seen();
            t.leave_out(rule.loc, Kind::Invalid, "Cloudflare ignores it: a path with no header lines", &rule.source);
        } else {
            rules.push(rule);
        }
    };
    for (index, raw) in input.text.split('\n').enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let loc = Loc::new(file, index as u32 + 1, raw.chars().take_while(|c| c.is_whitespace()).count() as u32 + 1);
        if line.len() > MAX_LINE {
            t.finding(loc, Kind::Note, "Cloudflare ignores lines over 2,000 characters; imported all the same", line);
        }
        let is_path = line.starts_with('/') || line.split_whitespace().next().is_some_and(|w| w.contains("://"));
        if is_path {
            if let Some(rule) = current.take() {
                finish(rule, &mut rules, t);
            }
            current = Some(Rule { loc, source: line.to_string(), path: line.to_string(), ops: Vec::new() });
            continue;
        }
        t.rule_seen();
        let Some(rule) = current.as_mut() else {
            t.leave_out(loc, Kind::Invalid, "Cloudflare ignores it: a header line before any path", line);
            continue;
        };
        if !line.contains(':') {
            match line.strip_prefix("! ") {
                Some(name) => rule.ops.push((name.trim().to_string(), None, loc, line.to_string())),
                None => {
                    t.leave_out(loc, Kind::Invalid, "Cloudflare ignores it: expected `Name: value` or `! Name`", line)
                }
            }
            continue;
        }
        let (name, value) = line.split_once(':').expect("has a colon");
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        if name.is_empty() || name.contains(' ') || value.is_empty() {
            t.leave_out(
                loc,
                Kind::Invalid,
                "Cloudflare ignores it: a header line needs a name without spaces and a value",
                line,
            );
            continue;
        }
        match rule.ops.iter_mut().find(|(n, v, ..)| *n == name && v.is_some()) {
            Some((_, Some(existing), first, _)) => {
                existing.push_str(", ");
                existing.push_str(value);
                let message =
                    format!("joined to the `{name}` header of line {} as one value, as Cloudflare does", first.line);
                t.finding(loc, Kind::Note, message, line);
            }
            _ => rule.ops.push((name, Some(value.to_string()), loc, line.to_string())),
        }
    }
    if let Some(rule) = current.take() {
        finish(rule, &mut rules, t);
    }
    if rules.len() > MAX_HEADER_RULES {
        let message = format!(
            "Cloudflare accepts at most 100 _headers rules and rejects this file ({} rules); all are imported here",
            rules.len()
        );
        t.finding(Loc::file(file), Kind::Note, message, "");
    }

    // A later rule for the same path replaces the earlier one, at the earlier one's position.
    let mut order: Vec<Rule> = Vec::new();
    for rule in rules {
        match order.iter().position(|r| r.path == rule.path) {
            Some(at) => {
                let old = std::mem::replace(&mut order[at], rule);
                let new = &order[at];
                for (_, _, loc, source) in &old.ops {
                    let message = format!(
                        "Cloudflare keeps only the last block for {}: the block of line {} replaces this one",
                        old.path, new.loc.line
                    );
                    t.leave_out(*loc, Kind::Invalid, message, source);
                }
                let moved_past = order[at + 1..].iter().any(|r| overlap_paths(&r.path, &new.path, &settings));
                if moved_past {
                    for (_, _, loc, source) in &new.ops {
                        let message = format!(
                            "Cloudflare applies this block at the position of the block it replaces (line {}), before blocks that come earlier in the file",
                            old.loc.line
                        );
                        t.finding(*loc, Kind::Reordered, message, source);
                    }
                }
            }
            None => order.push(rule),
        }
    }

    let mut written: Vec<(String, Vec<String>)> = Vec::new();
    for rule in order {
        let (pattern, note) = match header_pattern(&rule.path) {
            Ok(p) => p,
            Err(fail) => {
                let (kind, why) = match fail {
                    Fail::Invalid(why) => (Kind::Invalid, why),
                    Fail::Unsupported(why) => (Kind::Unsupported, why),
                };
                for (_, _, loc, source) in &rule.ops {
                    t.leave_out(*loc, kind, why.clone(), source);
                }
                continue;
            }
        };
        let parsed = parse_from(&pattern, settings.case);
        let names: Vec<String> = parsed
            .as_ref()
            .map(|(_, p)| p.capture_names().into_iter().map(str::to_string).collect())
            .unwrap_or_default();
        let mut ops = Vec::new();
        // Cloudflare removes first, then sets.
        let mut sorted = rule.ops;
        sorted.sort_by_key(|(_, value, ..)| value.is_some());
        let mut sets = Vec::new();
        for (name, value, loc, source) in sorted {
            if let Some(note) = &note {
                t.finding(loc, Kind::Approximated, note.clone(), &source);
            }
            if let Some(value) = &value {
                let filled = value.match_indices(':').find_map(|(i, _)| {
                    let n = name_len(&value[i + 1..]);
                    let name = &value[i + 1..i + 1 + n];
                    (n > 0 && names.iter().any(|x| x == name)).then(|| name.to_string())
                });
                if let Some(placeholder) = filled {
                    let message = format!(
                        "Cloudflare fills :{placeholder} from the path into the value; header values here are fixed text"
                    );
                    t.leave_out(loc, Kind::Unsupported, message, &source);
                    continue;
                }
                if let Some((earlier, _)) =
                    written.iter().find(|(p, names)| names.contains(&name) && overlap(p, &pattern, &settings))
                {
                    let message = format!(
                        "where this block and the earlier block for {earlier} both match, Cloudflare appends this `{name}` value to the earlier one; here it replaces it"
                    );
                    t.finding(loc, Kind::Approximated, message, &source);
                }
                sets.push(name.clone());
            }
            ops.push(HeaderOp { loc, source, name, value });
        }
        if !sets.is_empty() {
            written.push((pattern.clone(), sets));
        }
        t.headers.push(HeaderBlock { loc: rule.loc, source: rule.source, pattern, ops });
    }
}

/// Whether two Cloudflare header paths can match one request (raw paths, translated first).
fn overlap_paths(a: &str, b: &str, settings: &Settings) -> bool {
    match (header_pattern(a), header_pattern(b)) {
        (Ok((a, _)), Ok((b, _))) => overlap(&a, &b, settings),
        _ => true,
    }
}

/// Translates a `_headers` path (or `https://host/path`); the note says how the translation
/// matches more than Cloudflare's pattern, when it does.
fn header_pattern(path: &str) -> Result<(String, Option<String>), Fail> {
    let (host, rest) = if path.starts_with('/') {
        (None, path.to_string())
    } else {
        let Some((scheme, host, rest)) = split_url(path) else {
            return Err(Fail::Invalid("Cloudflare ignores it: a path must start with / or https://".into()));
        };
        if scheme != "https" {
            return Err(Fail::Invalid("Cloudflare ignores it: an absolute path must use https://".into()));
        }
        if host.contains(':') && host.rsplit(':').next().is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit())) {
            return Err(Fail::Invalid("Cloudflare ignores it: ports are not allowed".into()));
        }
        if host.contains([':', '*']) {
            return Err(Fail::Unsupported(
                "a placeholder or * in the host: the rules language matches one fixed host".into(),
            ));
        }
        (Some(host.to_ascii_lowercase()), if rest.is_empty() { "/".to_string() } else { rest.to_string() })
    };
    let path = split_path(&rest).0;
    let translated = pattern(path)?;
    let note = (translated.splat && translated.text != "/*").then(|| {
        let prefix = &translated.text[..translated.text.len() - 2];
        format!("Cloudflare's {} does not match {prefix} itself; this rule also applies to {prefix}", translated.text)
    });
    let text = match host {
        Some(host) => format!("https://{host}{}", translated.text),
        None => translated.text,
    };
    Ok((text, note))
}

/// Translates the inputs.
pub fn translate(inputs: &[Input], t: &mut Translation) {
    t.set("status", "302", "Cloudflare's default status");
    t.set("slash", "exact", "Cloudflare matches /a and /a/ as different paths");
    t.set("case", "sensitive", "Cloudflare matches paths with case");
    t.set("query", "keep", "Cloudflare keeps the query string unless the target has one");
    for (file, input) in inputs.iter().enumerate() {
        let base = input.name.rsplit(['/', '\\']).next().unwrap_or(&input.name).to_ascii_lowercase();
        if base.contains("headers") {
            headers(file, input, t);
        } else {
            redirects(file, input, t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let p = pattern("/a/:id/*").ok().unwrap();
        assert_eq!((p.text.as_str(), p.splat), ("/a/:id/*", true));
        assert!(matches!(pattern("/a-:id"), Err(Fail::Unsupported(_))));
        assert!(matches!(pattern("/*.js"), Err(Fail::Unsupported(_))));
        assert!(matches!(pattern("/*/x/*"), Err(Fail::Invalid(_))));
        assert_eq!(pattern("/:1").ok().unwrap().text, "/\\:1");
        let release = pattern("/en/release-*").ok().unwrap();
        assert_eq!((release.text.as_str(), release.splat), ("/en/release-*", true));
        assert!(matches!(pattern("/en/:v-*"), Err(Fail::Unsupported(_))));
        assert_eq!(pattern("/a/").ok().unwrap().text, "/a/");
        assert!(is_dynamic("/a/:b") && is_dynamic("/a*") && !is_dynamic("/a:1/b"));
    }

    #[test]
    fn targets() {
        let p = pattern("/a/:id/*").ok().unwrap();
        assert_eq!(target("/b/:id/:splat/:other", &p), ("/b/:id/:splat/\\:other"));
        assert_eq!(target("https://x.example:8443/:id", &p), ("https://x.example:8443/:id"));
    }
}
