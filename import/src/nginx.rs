//! nginx: `nginx.conf` and site files (`server` blocks, at the top level or inside `http`),
//! read the way nginx selects a server and a location and runs the rewrite module.
//!
//! Semantics kept:
//! - the file is read with nginx's own tokenizer rules: words, `"…"` and `'…'` strings with
//!   `\"`, `\'`, `\\`, `\t`, `\r`, `\n` escapes, `#` comments, `;` and blocks; `${name}` stays
//!   one word; a syntax error is an input error with its line and column;
//! - a request goes to the server whose `server_name` is its host, else to the default server
//!   (`listen … default_server`, else the first): a named server's rules carry its hosts and
//!   come first, the default server's carry none and come last, and a guard keeps the default
//!   server's rules off hosts that another server owns;
//! - in a server, the `rewrite` and `return` directives outside locations run first, in file
//!   order; then one location is chosen: `=` exact, else the longest prefix if it has `^~`,
//!   else the first regular expression (`~`, `~*`) in file order, else the longest prefix.
//!   Locations are written in that first-match order (reported as reordered where the file
//!   lists them otherwise); a location whose rules do not take every path it selects gets a
//!   guard, so that later locations do not take its paths;
//! - `return 301|302|303|307|308 URL` (and `return URL`, a 302) redirects without the query
//!   string, `return CODE [TEXT]` answers; `rewrite REGEX REPLACEMENT permanent|redirect` (or a
//!   replacement that is a URL) redirects, keeping the query string unless the replacement ends
//!   with `?`; `last`, `break` and no flag rewrite the path for the origin;
//! - `$1`…`$9`, `$request_uri`, `$uri`, `$host`, `$scheme` and `$is_args$args` in targets;
//! - `map $uri|$request_uri $var { … }` used as `if ($var) { return CODE $var; }` or
//!   `if ($var) { rewrite ^ $var FLAG; }`: one rule per entry, exact keys (a `$uri` key is a
//!   decoded path, escaped for the language) and `~`/`~*` expressions;
//! - `add_header NAME VALUE [always]` as header rules of the server or location.
//!
//! Reported: `if` blocks (other than the map form), nested and named locations, `include`,
//! `error_page`, servers with wildcard or regular-expression names, servers that only listen
//! for HTTP beside a server for HTTPS (CloudFront's viewer protocol policy does that), other
//! variables, and expressions outside the language's regular-expression subset. Other
//! directives are listed once per name as notes.

use std::collections::BTreeMap;

use crate::finding::Kind;
use crate::model::{Action, HeaderBlock, HeaderOp, Loc, Role, Route, Translation};
use crate::pcre::{self, Part, Refs, Subject, Translated};
use crate::{Input, InputError, matching, secrets, text};

/// One word of a directive, with where it starts.
#[derive(Clone, Debug)]
pub struct Word {
    /// The text, escapes resolved.
    pub text: String,
    /// Where it starts.
    pub loc: Loc,
    /// Whether it was quoted.
    pub quoted: bool,
}

/// A directive: name, arguments and block.
#[derive(Clone, Debug)]
pub struct Directive {
    /// The name.
    pub name: Word,
    /// The arguments.
    pub args: Vec<Word>,
    /// The block, when it has one.
    pub block: Option<Vec<Directive>>,
    /// The line as written, trimmed.
    pub source: String,
}

impl Directive {
    fn loc(&self) -> Loc {
        self.name.loc
    }

    fn arg(&self, i: usize) -> Option<&str> {
        self.args.get(i).map(|w| w.text.as_str())
    }
}

/// The tokenizer, over one input.
struct Lexer<'a> {
    file: usize,
    input: &'a Input,
    bytes: &'a [u8],
    at: usize,
    line: u32,
    line_start: usize,
}

/// A token: a word, `;`, `{` or `}`.
enum Token {
    Word(Word),
    Semicolon(Loc),
    Open(Loc),
    Close(Loc, usize),
}

impl<'a> Lexer<'a> {
    fn loc(&self) -> Loc {
        Loc::new(self.file, self.line, (self.input.text[self.line_start..self.at].chars().count() + 1) as u32)
    }

    fn error(&self, at: usize, message: impl Into<String>, help: &str) -> InputError {
        InputError::at(&self.input.name, &self.input.text, at, message, help)
    }

    fn bump(&mut self) {
        if self.bytes[self.at] == b'\n' {
            self.line += 1;
            self.line_start = self.at + 1;
        }
        self.at += 1;
    }

    fn next(&mut self) -> Result<Option<Token>, InputError> {
        loop {
            while self.at < self.bytes.len() && self.bytes[self.at].is_ascii_whitespace() {
                self.bump();
            }
            if self.at < self.bytes.len() && self.bytes[self.at] == b'#' {
                while self.at < self.bytes.len() && self.bytes[self.at] != b'\n' {
                    self.at += 1;
                }
                continue;
            }
            break;
        }
        if self.at >= self.bytes.len() {
            return Ok(None);
        }
        let loc = self.loc();
        let start = self.at;
        match self.bytes[self.at] {
            b';' => {
                self.bump();
                return Ok(Some(Token::Semicolon(loc)));
            }
            b'{' => {
                self.bump();
                return Ok(Some(Token::Open(loc)));
            }
            b'}' => {
                self.bump();
                return Ok(Some(Token::Close(loc, start)));
            }
            quote @ (b'"' | b'\'') => {
                self.bump();
                let mut raw = Vec::new();
                loop {
                    if self.at >= self.bytes.len() {
                        return Err(self.error(start, "a quoted string that never ends", "close the quote"));
                    }
                    let b = self.bytes[self.at];
                    if b == b'\\' && self.at + 1 < self.bytes.len() {
                        raw.push(b);
                        self.bump();
                        raw.push(self.bytes[self.at]);
                        self.bump();
                        continue;
                    }
                    self.bump();
                    if b == quote {
                        break;
                    }
                    raw.push(b);
                }
                if self.at < self.bytes.len()
                    && !matches!(self.bytes[self.at], b' ' | b'\t' | b'\r' | b'\n' | b';' | b'{' | b')')
                {
                    return Err(self.error(
                        self.at,
                        "unexpected text right after a quoted string",
                        "put a space after the closing quote",
                    ));
                }
                let text = unescape(&String::from_utf8_lossy(&raw));
                return Ok(Some(Token::Word(Word { text, loc, quoted: true })));
            }
            _ => {}
        }
        let mut raw = Vec::new();
        while self.at < self.bytes.len() {
            let b = self.bytes[self.at];
            // As in nginx, `}` ends a word only where a word would start.
            if b.is_ascii_whitespace() || b == b';' || (b == b'{' && raw.last() != Some(&b'$')) {
                break;
            }
            if b == b'\\' && self.at + 1 < self.bytes.len() {
                raw.push(b);
                self.bump();
            }
            raw.push(self.bytes[self.at]);
            self.bump();
        }
        let text = unescape(&String::from_utf8_lossy(&raw));
        Ok(Some(Token::Word(Word { text, loc, quoted: false })))
    }
}

/// nginx's escapes: `\"`, `\'`, `\\`, `\t`, `\r`, `\n`; any other backslash stays.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some(&q @ ('"' | '\'' | '\\')) => {
                    out.push(q);
                    chars.next();
                    continue;
                }
                Some('t') => {
                    out.push('\t');
                    chars.next();
                    continue;
                }
                Some('r') => {
                    out.push('\r');
                    chars.next();
                    continue;
                }
                Some('n') => {
                    out.push('\n');
                    chars.next();
                    continue;
                }
                _ => {}
            }
        }
        out.push(c);
    }
    out
}

/// Parses a file into directives.
pub fn parse(file: usize, input: &Input) -> Result<Vec<Directive>, InputError> {
    let mut lexer = Lexer { file, input, bytes: input.text.as_bytes(), at: 0, line: 1, line_start: 0 };
    let (directives, closed) = block(&mut lexer, 0)?;
    if let Some(at) = closed {
        return Err(lexer.error(at, "`}` without a block to close", "remove it, or open the block it closes"));
    }
    Ok(directives)
}

/// The directives up to a `}` (its offset) or the end of the file (`None`).
fn block(lexer: &mut Lexer<'_>, depth: usize) -> Result<(Vec<Directive>, Option<usize>), InputError> {
    let mut out = Vec::new();
    let mut words: Vec<Word> = Vec::new();
    loop {
        let token = lexer.next()?;
        match token {
            None => {
                if let Some(first) = words.first() {
                    let at = offset_of(lexer.input, first.loc);
                    return Err(lexer.error(at, "a directive without its closing `;`", "end the directive with `;`"));
                }
                // A block left open is reported at its `{` by the caller.
                let _ = depth;
                return Ok((out, None));
            }
            Some(Token::Word(word)) => words.push(word),
            Some(Token::Semicolon(loc)) => {
                if words.is_empty() {
                    let at = offset_of(lexer.input, loc);
                    return Err(lexer.error(at, "unexpected `;`", "remove it"));
                }
                out.push(directive(lexer.input, std::mem::take(&mut words), None));
            }
            Some(Token::Open(loc)) => {
                if words.is_empty() {
                    let at = offset_of(lexer.input, loc);
                    return Err(lexer.error(at, "a block without a directive", "write the directive before `{`"));
                }
                let (inner, closed) = block(lexer, depth + 1)?;
                if closed.is_none() {
                    let at = offset_of(lexer.input, loc);
                    return Err(lexer.error(at, "this block is never closed", "close it with `}`"));
                }
                out.push(directive(lexer.input, std::mem::take(&mut words), Some(inner)));
            }
            Some(Token::Close(loc, at)) => {
                if let Some(first) = words.first() {
                    let at = offset_of(lexer.input, first.loc);
                    return Err(lexer.error(at, "a directive without its closing `;`", "end the directive with `;`"));
                }
                let _ = loc;
                return Ok((out, Some(at)));
            }
        }
    }
}

/// The byte offset of a location.
fn offset_of(input: &Input, loc: Loc) -> usize {
    let line_start: usize =
        input.text.split_inclusive('\n').take(loc.line.saturating_sub(1) as usize).map(str::len).sum();
    let line = &input.text[line_start..];
    line_start + line.chars().take(loc.column.saturating_sub(1) as usize).map(char::len_utf8).sum::<usize>()
}

fn directive(input: &Input, mut words: Vec<Word>, block: Option<Vec<Directive>>) -> Directive {
    let name = words.remove(0);
    let start = offset_of(input, name.loc);
    let line = input.text[start..].split('\n').next().unwrap_or("").trim();
    let source = if block.is_some() { line.trim_end_matches('{').trim_end().to_string() } else { line.to_string() };
    Directive { name, args: words, block, source }
}

// ---------------------------------------------------------------------------------------
// What the directives mean.

/// How a location matches.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Match {
    Exact(String),
    /// `^~`: a prefix that stops the regular-expression search.
    Stop(String),
    Regex {
        re: String,
        nocase: bool,
    },
    Prefix(String),
}

/// A `map` block: its source variable and entries.
struct Map {
    source: String,
    entries: Vec<(Word, Word)>,
    loc: Loc,
    text: String,
}

/// A server block's parts.
struct Server<'d> {
    directive: &'d Directive,
    names: Vec<String>,
    default: bool,
    ssl: bool,
    http_only: bool,
}

/// A route of a server, or a guard waiting to learn whether a later route needs it.
enum Item {
    Route(Route),
    Guard(Route),
}

/// Ignored directives, once per name.
type Ignored = BTreeMap<String, (Loc, String, usize)>;

/// Translates nginx files.
pub fn translate(inputs: &[Input], t: &mut Translation) -> Result<(), InputError> {
    t.set("slash", "exact", "nginx tells /a and /a/ apart");
    let mut parsed = Vec::new();
    for (file, input) in inputs.iter().enumerate() {
        parsed.push(parse(file, input)?);
    }
    let mut servers: Vec<Server<'_>> = Vec::new();
    let mut maps: BTreeMap<String, Map> = BTreeMap::new();
    let mut ignored = Ignored::new();
    for directives in &parsed {
        collect(directives, &mut servers, &mut maps, &mut ignored, t);
    }
    let any_ssl = servers.iter().any(|s| s.ssl);
    for server in &mut servers {
        server.http_only = any_ssl && !server.ssl;
    }
    let default = servers.iter().position(|s| s.default).or(if servers.is_empty() { None } else { Some(0) });
    let mut used_maps = Vec::new();
    let order: Vec<usize> = (0..servers.len()).filter(|&i| Some(i) != default).chain(default).collect();
    let mut guards = Vec::new();
    for i in order {
        let server = &servers[i];
        let hosts = if Some(i) == default { Vec::new() } else { server.names.clone() };
        let first = t.routes.len();
        server_rules(server, &hosts, &maps, &mut used_maps, &mut ignored, t);
        pcre::report_reordering(
            t,
            first,
            "moved: nginx runs a server's rewrite directives before choosing a location, and chooses locations by precedence (`=`, longest `^~` prefix, regular expressions in order, longest prefix), not in file order",
        );
        if Some(i) == default {
            // The default server's rules (without a host) must not take the hosts that other
            // servers answer: a guard for each, before them, when there are any.
            if t.routes.len() > first {
                t.routes.splice(first..first, std::mem::take(&mut guards));
            }
            continue;
        }
        let takes_all = |host: &str| {
            let all = format!("https://{host}/*");
            t.routes[first..].iter().any(|r| r.from == all && r.role == Role::Rule)
        };
        for host in hosts.iter().filter(|h| text::valid_host(h) && !server.http_only) {
            if takes_all(host) {
                continue;
            }
            guards.push(Route {
                loc: server.directive.loc(),
                source: server.directive.source.clone(),
                from: format!("https://{host}/*"),
                action: Action::Rewrite { to: "/:splat".into() },
                options: Vec::new(),
                force: true,
                role: Role::Guard(format!("keeps the default server's rules off {host}, which this server answers")),
            });
        }
    }
    for (name, map) in &maps {
        if used_maps.contains(name) {
            continue;
        }
        for (key, _) in &map.entries {
            if key.text != "default" {
                t.rule_seen();
                let message = format!("the map `{name}` is not used as `if ({name}) {{ return CODE {name}; }}`");
                t.leave_out(key.loc, Kind::Unsupported, message, &map.text);
            }
        }
        let _ = map.loc;
    }
    for (name, (loc, source, count)) in ignored {
        let times = if count == 1 { "once".to_string() } else { format!("{count} times") };
        let message = format!(
            "`{name}` (here and {times} in all) is not a redirect, rewrite or header rule; it has no rule to import"
        );
        t.finding(loc, Kind::Note, message, &source);
    }
    Ok(())
}

/// Finds servers and maps at the top level and inside `http`.
fn collect<'d>(
    directives: &'d [Directive],
    servers: &mut Vec<Server<'d>>,
    maps: &mut BTreeMap<String, Map>,
    ignored: &mut Ignored,
    t: &mut Translation,
) {
    for d in directives {
        match (d.name.text.as_str(), &d.block) {
            ("http", Some(inner)) => collect(inner, servers, maps, ignored, t),
            ("server", Some(inner)) => {
                let mut names = Vec::new();
                let (mut default, mut ssl) = (false, false);
                for inner in inner {
                    match inner.name.text.as_str() {
                        "server_name" => names.extend(inner.args.iter().map(|a| a.text.to_ascii_lowercase())),
                        "listen" => {
                            default |= inner.args.iter().any(|a| a.text == "default_server" || a.text == "default");
                            ssl |= inner
                                .args
                                .iter()
                                .any(|a| a.text == "ssl" || a.text.ends_with(":443") || a.text == "443");
                        }
                        _ => {}
                    }
                }
                servers.push(Server { directive: d, names, default, ssl, http_only: false });
            }
            ("map", Some(inner)) => {
                let (Some(source), Some(target)) = (d.arg(0), d.arg(1)) else { continue };
                let entries = inner.iter().filter_map(|e| Some((e.name.clone(), e.args.first()?.clone()))).collect();
                maps.insert(
                    target.to_string(),
                    Map { source: source.to_string(), entries, loc: d.loc(), text: d.source.clone() },
                );
            }
            ("include", _) => include(d, t),
            _ => ignore(d, ignored),
        }
    }
}

fn include(d: &Directive, t: &mut Translation) {
    t.rule_seen();
    let message = format!(
        "`include {}` is not read: import the included file too, in the order nginx reads it",
        d.arg(0).unwrap_or("")
    );
    t.leave_out(d.loc(), Kind::Unsupported, message, &d.source);
}

fn ignore(d: &Directive, ignored: &mut Ignored) {
    let entry = ignored.entry(d.name.text.clone()).or_insert((d.loc(), d.source.clone(), 0));
    entry.2 += 1;
}

/// Every rule inside a block that cannot be imported, reported with `why`.
fn report_all(directives: &[Directive], why: &str, t: &mut Translation) {
    for d in directives {
        if counts(d) {
            t.rule_seen();
            t.leave_out(d.loc(), Kind::Unsupported, why, &d.source);
        }
        if let Some(inner) = &d.block {
            report_all(inner, why, t);
        }
    }
}

/// Whether a directive is a rule (counted).
fn counts(d: &Directive) -> bool {
    matches!(d.name.text.as_str(), "rewrite" | "return" | "add_header" | "error_page" | "include")
}

/// The translation context of one server.
struct Ctx<'a> {
    hosts: &'a [String],
    /// The single host name `$host` stands for, when there is one.
    host: Option<&'a str>,
}

fn server_rules(
    server: &Server<'_>,
    hosts: &[String],
    maps: &BTreeMap<String, Map>,
    used_maps: &mut Vec<String>,
    ignored: &mut Ignored,
    t: &mut Translation,
) {
    let directives = server.directive.block.as_deref().unwrap_or_default();
    if server.http_only {
        report_all(
            directives,
            "this server only listens for HTTP beside one for HTTPS; CloudFront's viewer protocol policy sends HTTP viewers to HTTPS",
            t,
        );
        return;
    }
    let bad_name = hosts.iter().find(|h| !text::valid_host(h));
    if let Some(name) = bad_name {
        let why =
            format!("the server name `{name}` is not a plain host name (wildcards and expressions cannot be matched)");
        report_all(directives, &why, t);
        return;
    }
    let ctx = Ctx { hosts, host: if server.names.len() == 1 { Some(server.names[0].as_str()) } else { None } };
    let mut items: Vec<Item> = Vec::new();
    let mut locations = Vec::new();
    let mut server_headers = Vec::new();
    for d in directives {
        match d.name.text.as_str() {
            "rewrite" | "return" => {
                t.rule_seen();
                let everything = Translated { path: "/*".into(), regex: false, refs: Refs::None, approximation: None };
                action(d, &everything, None, &ctx, &mut items, t);
            }
            "if" => if_block(d, maps, used_maps, &ctx, &mut items, t),
            "location" => locations.push(d),
            "add_header" => server_headers.push(d),
            "error_page" => error_page(d, t),
            "include" => include(d, t),
            "server_name" | "listen" => {}
            _ => ignore(d, ignored),
        }
    }
    let mut ordered = order_locations(&locations, t);
    for (location, matcher) in &mut ordered {
        location_rules(location, matcher, &ctx, &mut items, ignored, t);
    }
    // Guards stay only where a later route could take what their location selects.
    let settings = rules_dsl::ir::Settings { slash: rules_dsl::ir::Slash::Exact, ..Default::default() };
    let mut kept: Vec<Route> = Vec::new();
    for i in (0..items.len()).rev() {
        match &items[i] {
            Item::Route(route) => kept.push(route.clone()),
            Item::Guard(guard) => {
                if kept.iter().any(|later| matching::overlap(&guard.from, &later.from, &settings)) {
                    kept.push(guard.clone());
                }
            }
        }
    }
    kept.reverse();
    t.routes.extend(kept);
    headers(&server_headers, &ordered, &ctx, t);
}

/// The error_page directive: an error page is a distribution setting.
fn error_page(d: &Directive, t: &mut Translation) {
    t.rule_seen();
    t.leave_out(
        d.loc(),
        Kind::Unsupported,
        "error pages are a CloudFront distribution setting (custom error responses), not a rule",
        &d.source,
    );
}

/// Locations in nginx's first-match order, with what they match.
fn order_locations<'d>(locations: &[&'d Directive], t: &mut Translation) -> Vec<(&'d Directive, Match)> {
    let mut exact = Vec::new();
    let mut stop = Vec::new();
    let mut regex = Vec::new();
    let mut prefix = Vec::new();
    for &d in locations {
        let args: Vec<&str> = d.args.iter().map(|a| a.text.as_str()).collect();
        let matcher = match args.as_slice() {
            ["=", path] => Match::Exact(path.to_string()),
            ["^~", path] => Match::Stop(path.to_string()),
            ["~", re] => Match::Regex { re: re.to_string(), nocase: false },
            ["~*", re] => Match::Regex { re: re.to_string(), nocase: true },
            [path] if path.starts_with('@') => {
                report_all(
                    d.block.as_deref().unwrap_or_default(),
                    "a named location only serves nginx's internal redirects (error_page, try_files)",
                    t,
                );
                continue;
            }
            [path] if path.starts_with('/') => Match::Prefix(path.to_string()),
            _ => {
                report_all(d.block.as_deref().unwrap_or_default(), "a location of a form nginx does not read", t);
                continue;
            }
        };
        match &matcher {
            Match::Exact(_) => exact.push((d, matcher)),
            Match::Stop(_) => stop.push((d, matcher)),
            Match::Regex { .. } => regex.push((d, matcher)),
            Match::Prefix(_) => prefix.push((d, matcher)),
        }
    }
    let length = |m: &Match| match m {
        Match::Stop(p) | Match::Prefix(p) => p.len(),
        _ => 0,
    };
    stop.sort_by_key(|(_, m)| std::cmp::Reverse(length(m)));
    prefix.sort_by_key(|(_, m)| std::cmp::Reverse(length(m)));
    exact.into_iter().chain(stop).chain(regex).chain(prefix).collect()
}

/// The pattern of a location.
fn location_pattern(matcher: &Match) -> Result<Translated, String> {
    match matcher {
        Match::Exact(path) => {
            Ok(Translated { path: text::literal_pattern(path), regex: false, refs: Refs::None, approximation: None })
        }
        Match::Stop(path) | Match::Prefix(path) => {
            if !path.starts_with('/') {
                return Err(format!("the prefix `{path}` does not start with `/`"));
            }
            if path == "/" {
                return Ok(Translated { path: "/*".into(), regex: false, refs: Refs::None, approximation: None });
            }
            if path.ends_with('/') {
                let full = format!("{}.*", pcre::escape(path));
                let token = pcre::regex_token(&full);
                pcre::accepted(&token)?;
                return Ok(Translated { path: token, regex: true, refs: Refs::Groups, approximation: None });
            }
            Ok(Translated {
                path: format!("{}*", text::literal_pattern(path)),
                regex: false,
                refs: Refs::None,
                approximation: None,
            })
        }
        Match::Regex { re, nocase } => pcre::translate(re, *nocase, Subject::Path),
    }
}

fn location_rules(
    d: &Directive,
    matcher: &Match,
    ctx: &Ctx<'_>,
    items: &mut Vec<Item>,
    ignored: &mut Ignored,
    t: &mut Translation,
) {
    let inner = d.block.as_deref().unwrap_or_default();
    let pattern = match location_pattern(matcher) {
        Ok(p) => p,
        Err(why) => {
            report_all(inner, &format!("the location cannot be written as a pattern: {why}"), t);
            return;
        }
    };
    let mut takes_all = false;
    for directive in inner {
        match directive.name.text.as_str() {
            "rewrite" | "return" => {
                t.rule_seen();
                if takes_all {
                    let message = "an earlier rule of this location already answers every request it selects";
                    t.finding(directive.loc(), Kind::Note, message, &directive.source);
                }
                takes_all |= action(directive, &pattern, Some(matcher), ctx, items, t);
            }
            "location" => report_all(
                directive.block.as_deref().unwrap_or_default(),
                "a location inside a location: nested locations are not imported",
                t,
            ),
            "if" => report_all(
                directive.block.as_deref().unwrap_or_default(),
                "inside an `if` block: the rules language has no conditions of that kind",
                t,
            ),
            "error_page" => error_page(directive, t),
            "include" => include(directive, t),
            "add_header" => {}
            _ => ignore(directive, ignored),
        }
    }
    if !takes_all {
        items.extend(guard(d, &pattern, ctx).into_iter().map(Item::Guard));
    }
}

/// Rewrites of every path a location selects to itself (one per host), so that later rules
/// do not take them.
fn guard(d: &Directive, pattern: &Translated, ctx: &Ctx<'_>) -> Vec<Route> {
    let (from, to) = if pattern.regex {
        // `~"/(REST)"` with the whole path as `/$1`.
        let body = pattern.path.trim_start_matches('~');
        let body = body.strip_prefix('"').and_then(|b| b.strip_suffix('"')).unwrap_or(body).replace("\\\"", "\"");
        let Some(rest) = body.strip_prefix('/') else { return Vec::new() };
        (pcre::regex_token(&format!("/({rest})")), "/$1".to_string())
    } else {
        let to = match pattern.path.strip_suffix('*') {
            Some(prefix) => format!("{}:splat", text::literal_target(&pcre::unescape_literal(prefix))),
            None => text::literal_target(&pcre::unescape_literal(&pattern.path)),
        };
        (pattern.path.clone(), to)
    };
    let froms: Vec<String> = if ctx.hosts.is_empty() {
        vec![from]
    } else if from.starts_with('~') {
        return Vec::new();
    } else {
        ctx.hosts.iter().map(|h| format!("https://{h}{from}")).collect()
    };
    froms
        .into_iter()
        .map(|from| Route {
            loc: d.loc(),
            source: d.source.clone(),
            from,
            action: Action::Rewrite { to: to.clone() },
            options: Vec::new(),
            force: true,
            role: Role::Guard(format!("the paths `{}` selects stay with it", d.source)),
        })
        .collect()
}

/// What an `if ($map)` block does with the map's value.
enum MapUse {
    /// `return CODE $map;`
    Return(u16),
    /// `rewrite ^ $map FLAG;`: a redirect for `permanent` and `redirect`, else an internal
    /// rewrite.
    Rewrite(Option<u16>),
}

/// Handles `if ($var) { return CODE $var; }` and `if ($var) { rewrite ^ $var FLAG; }` for a
/// map; everything else in an `if` is reported.
fn if_block(
    d: &Directive,
    maps: &BTreeMap<String, Map>,
    used: &mut Vec<String>,
    ctx: &Ctx<'_>,
    items: &mut Vec<Item>,
    t: &mut Translation,
) {
    let inner = d.block.as_deref().unwrap_or_default();
    let condition: Vec<&str> = d.args.iter().map(|a| a.text.as_str()).collect();
    let variable = match condition.as_slice() {
        ["(", var, ")"] => Some(*var),
        [var] => var.strip_prefix('(').and_then(|v| v.strip_suffix(')')),
        _ => None,
    };
    let map = variable.and_then(|v| maps.get(v).map(|m| (v, m)));
    let ret = match inner {
        [only] if matches!(only.name.text.as_str(), "return" | "rewrite") => Some(only),
        _ => None,
    };
    let (Some((name, map)), Some(ret)) = (map, ret) else {
        report_all(inner, "inside an `if` block: the rules language has no conditions of that kind", t);
        return;
    };
    let (map_use, value) = if ret.name.text == "return" {
        (ret.arg(0).and_then(|s| s.parse::<u16>().ok()).map(MapUse::Return), ret.arg(1))
    } else {
        (
            flag_status(ret.arg(2)).filter(|_| ret.arg(0) == Some("^") && ret.args.len() <= 3).map(MapUse::Rewrite),
            ret.arg(1),
        )
    };
    let imported = "only `return CODE $map;` and `rewrite ^ $map FLAG;` of a map on $uri or $request_uri are imported";
    let (Some(map_use), Some(value)) = (map_use, value) else {
        report_all(inner, &format!("inside an `if` block: {imported}"), t);
        return;
    };
    if value != name || !matches!(map.source.as_str(), "$uri" | "$request_uri") {
        report_all(inner, &format!("inside an `if` block: {imported}"), t);
        return;
    }
    t.rule_seen();
    let message = "imported as one rule per entry of the map";
    t.finding(ret.loc(), Kind::Note, message, &ret.source);
    if matches!(map_use, MapUse::Rewrite(None)) && ret.arg(2) != Some("break") {
        let message = "nginx goes on with the rewritten path (a new location search); each imported rule sends it to the origin as it is";
        t.finding(ret.loc(), Kind::Approximated, message, &ret.source);
    }
    used.push(name.to_string());
    for (key, to) in &map.entries {
        if key.text == "default" || key.text == "hostnames" || key.text == "volatile" {
            continue;
        }
        t.rule_seen();
        let source = format!("{} {}", key.text, to.text);
        let entry = Directive { name: key.clone(), args: vec![to.clone()], block: None, source };
        let result = map_entry(&entry, &map_use, &map.source, ctx);
        match result {
            Ok(routes) => items.extend(routes.into_iter().map(Item::Route)),
            Err((kind, why)) => t.leave_out(key.loc, kind, why, &entry.source),
        }
    }
}

type Failure = (Kind, String);

fn map_entry(entry: &Directive, map_use: &MapUse, source: &str, ctx: &Ctx<'_>) -> Result<Vec<Route>, Failure> {
    let key = entry.name.text.as_str();
    let to = entry.arg(0).unwrap_or("");
    let pattern = if let Some(re) = key.strip_prefix("~*") {
        pcre::translate(re, true, Subject::Path).map_err(|e| (Kind::Unsupported, e))?
    } else if let Some(re) = key.strip_prefix('~') {
        pcre::translate(re, false, Subject::Path).map_err(|e| (Kind::Unsupported, e))?
    } else {
        let key = key.strip_prefix('\\').unwrap_or(key);
        if source == "$request_uri" && key.contains('?') {
            return Err((Kind::Unsupported, "a key with a query string: patterns match the path only".into()));
        }
        if !key.starts_with('/') {
            return Err((Kind::Invalid, format!("the key `{key}` is not a path")));
        }
        // `$uri` is the decoded path: its `%`, `?` and `#` are characters of the path, which the
        // rules language writes as escapes.
        let key = match source {
            "$uri" => key.replace('%', "%25").replace('?', "%3F").replace('#', "%23"),
            _ => key.to_string(),
        };
        Translated { path: text::literal_pattern(&key), regex: false, refs: Refs::None, approximation: None }
    };
    let action = match *map_use {
        MapUse::Return(status) | MapUse::Rewrite(Some(status)) => redirect_or_respond(status, Some(to), &pattern, ctx)?,
        MapUse::Rewrite(None) => {
            let (to, _) = target(to, &pattern, ctx)?;
            if !to.starts_with('/') {
                return Err((Kind::Invalid, format!("the value `{to}` is neither a path nor a URL")));
            }
            (Action::Rewrite { to }, Vec::new())
        }
    };
    routes_for(entry, &pattern, action, ctx)
}

/// A `return` or `rewrite` as routes (one per host); returns whether it answers every request
/// its pattern selects.
fn action(
    d: &Directive,
    within: &Translated,
    matcher: Option<&Match>,
    ctx: &Ctx<'_>,
    items: &mut Vec<Item>,
    t: &mut Translation,
) -> bool {
    let result = match d.name.text.as_str() {
        "return" => return_action(d, within, ctx),
        _ => rewrite_action(d, within, matcher, ctx, t),
    };
    if result.is_ok()
        && let Some(message) = &within.approximation
    {
        t.finding(d.loc(), Kind::Approximated, format!("its location: {message}"), &d.source);
    }
    match result {
        Ok((routes, takes_all)) => {
            for route in routes {
                items.push(Item::Route(route));
            }
            takes_all
        }
        Err((kind, why)) => {
            t.leave_out(d.loc(), kind, why, &d.source);
            false
        }
    }
}

fn routes_for(
    d: &Directive,
    pattern: &Translated,
    action: (Action, Vec<String>),
    ctx: &Ctx<'_>,
) -> Result<Vec<Route>, Failure> {
    let froms: Vec<String> = if ctx.hosts.is_empty() {
        vec![pattern.path.clone()]
    } else {
        ctx.hosts
            .iter()
            .map(|h| {
                pcre::with_host(Some(h), pattern).ok_or((
                    Kind::Unsupported,
                    "a regular expression in a server for a named host: `~REGEX` patterns cannot carry a host"
                        .to_string(),
                ))
            })
            .collect::<Result<_, _>>()?
    };
    Ok(froms
        .into_iter()
        .map(|from| Route {
            loc: d.loc(),
            source: d.source.clone(),
            from,
            action: action.0.clone(),
            options: action.1.clone(),
            force: true,
            role: Role::Rule,
        })
        .collect())
}

fn return_action(d: &Directive, within: &Translated, ctx: &Ctx<'_>) -> Result<(Vec<Route>, bool), Failure> {
    let (status, value) = match (d.arg(0), d.arg(1)) {
        (Some(code), value) if code.parse::<u16>().is_ok() => (code.parse::<u16>().unwrap_or(0), value),
        (Some(url), None) if text::split_url(url).is_some() || url.starts_with("$scheme") => (302, Some(url)),
        _ => return Err((Kind::Invalid, "`return` needs a status code or a URL".into())),
    };
    let action = redirect_or_respond(status, value, within, ctx)?;
    Ok((routes_for(d, within, action, ctx)?, true))
}

/// A redirect to `value` (a status of 300–399), or a response.
fn redirect_or_respond(
    status: u16,
    value: Option<&str>,
    pattern: &Translated,
    ctx: &Ctx<'_>,
) -> Result<(Action, Vec<String>), Failure> {
    match status {
        301 | 302 | 303 | 307 | 308 => {
            let Some(value) = value else {
                return Err((Kind::Invalid, format!("`return {status}` needs a URL")));
            };
            let (to, keep_query) = target(value, pattern, ctx)?;
            let options = if keep_query { Vec::new() } else { vec!["query=drop".to_string()] };
            Ok((Action::Redirect { to, status }, options))
        }
        444 => Err((Kind::Unsupported, "444 closes the connection; a CloudFront function cannot".into())),
        200..=599 if !(300..400).contains(&status) => {
            if value.is_some_and(|v| v.contains('$')) {
                return Err((Kind::Unsupported, "a response body with variables".into()));
            }
            if value.is_some() {
                return Err((Kind::Unsupported, "a response with a body: imported responses have none".into()));
            }
            Ok((Action::Respond { status }, Vec::new()))
        }
        _ => Err((Kind::Unsupported, format!("status {status}"))),
    }
}

/// A target with nginx variables: the language's target and whether the query string goes on.
fn target(value: &str, pattern: &Translated, ctx: &Ctx<'_>) -> Result<(String, bool), Failure> {
    let mut keep_query = false;
    let mut value = value.to_string();
    if let Some(rest) = value.strip_suffix("$is_args$args") {
        value = rest.to_string();
        keep_query = true;
    }
    if value.starts_with("$scheme://") {
        value = format!("https{}", &value["$scheme".len()..]);
    }
    for name in ["$host", "$http_host", "$server_name"] {
        if value.contains(name) {
            let Some(host) = ctx.host else {
                return Err((
                    Kind::Unsupported,
                    format!("`{name}` stands for the request's host, which a target cannot copy"),
                ));
            };
            value = value.replace(name, host);
        }
    }
    let whole = |path: &Translated| -> Result<Vec<Part>, Failure> {
        if path.regex {
            return Err((Kind::Unsupported, "`$uri` or `$request_uri` with a regular-expression pattern".to_string()));
        }
        Ok(match path.path.strip_suffix('*') {
            Some(prefix) => vec![Part::Text(pcre::unescape_literal(prefix)), Part::Splat],
            None => vec![Part::Text(pcre::unescape_literal(&path.path))],
        })
    };
    let mut parts = Vec::new();
    let mut rest = value.as_str();
    while let Some(at) = rest.find('$') {
        parts.extend(pcre::parts(&rest[..at]));
        let after = &rest[at + 1..];
        let name: String = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        match name.as_str() {
            "request_uri" => {
                parts.extend(whole(pattern)?);
                keep_query = true;
            }
            "uri" | "document_uri" => parts.extend(whole(pattern)?),
            n if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => parts.extend(pcre::parts(&format!("${n}"))),
            _ => {
                return Err((
                    Kind::Unsupported,
                    format!("the variable `${name}` has no counterpart in the rules language"),
                ));
            }
        }
        rest = &after[name.len()..];
    }
    parts.extend(pcre::parts(rest));
    let refs = pattern.refs.clone();
    let to = pcre::target(&parts, &refs).map_err(|e| (Kind::Unsupported, e))?;
    if secrets::has_userinfo(&to) {
        return Err((Kind::Unsupported, "the target holds credentials (user:password@); they are not copied".into()));
    }
    Ok((to, keep_query))
}

/// The redirect status a `rewrite` flag asks for: `Some(None)` for `last`, `break` and no flag
/// (a rewrite of the path, unless the replacement is a URL); `None` for what is not a flag.
fn flag_status(flag: Option<&str>) -> Option<Option<u16>> {
    match flag {
        Some("permanent") => Some(Some(301)),
        Some("redirect") => Some(Some(302)),
        Some("last" | "break") | None => Some(None),
        Some(_) => None,
    }
}

fn rewrite_action(
    d: &Directive,
    within: &Translated,
    matcher: Option<&Match>,
    ctx: &Ctx<'_>,
    t: &mut Translation,
) -> Result<(Vec<Route>, bool), Failure> {
    let (Some(re), Some(replacement)) = (d.arg(0), d.arg(1)) else {
        return Err((Kind::Invalid, "`rewrite` needs an expression and a replacement".into()));
    };
    let flag = d.arg(2);
    let mut pattern = pcre::translate(re, false, Subject::Path).map_err(|e| (Kind::Unsupported, e))?;
    if let Some(message) = &pattern.approximation {
        t.finding(d.loc(), Kind::Approximated, message.clone(), &d.source);
    }
    let catch_all = pattern.path == "/*" && pattern.refs == Refs::None;
    match matcher {
        None | Some(Match::Prefix(_) | Match::Stop(_)) if within.path == "/*" => {}
        Some(Match::Exact(_) | Match::Prefix(_) | Match::Stop(_) | Match::Regex { .. }) if catch_all => {
            pattern = within.clone();
        }
        Some(Match::Prefix(p) | Match::Stop(p)) if rewrite_within(re, p) => {}
        Some(_) => {
            let message = "the expression is not limited to the paths its location selects; imported on its own, in the location's place";
            t.finding(d.loc(), Kind::Approximated, message, &d.source);
        }
        None => {}
    }
    let absolute = text::split_url(replacement).is_some() || replacement.starts_with("$scheme");
    let status = match flag_status(flag) {
        Some(Some(status)) => Some(status),
        Some(None) => absolute.then_some(302),
        None => return Err((Kind::Invalid, format!("`{}` is not a flag of rewrite", flag.unwrap_or_default()))),
    };
    let (replacement, drop_query) = match replacement.strip_suffix('?') {
        Some(r) => (r, true),
        None => (replacement, false),
    };
    let (to, _) = target(replacement, &pattern, ctx)?;
    let options = if drop_query { vec!["query=drop".to_string()] } else { Vec::new() };
    let action = match status {
        Some(status) => Action::Redirect { to, status },
        None => {
            if !to.starts_with('/') {
                return Err((Kind::Invalid, format!("the replacement `{replacement}` is neither a path nor a URL")));
            }
            if flag != Some("break") {
                let message = "nginx goes on with the rewritten path (later rewrite directives, or a new location search); the imported rule sends it to the origin as it is";
                t.finding(d.loc(), Kind::Approximated, message, &d.source);
            }
            Action::Rewrite { to }
        }
    };
    let takes_all = pattern.path == within.path || pattern.path == "/*";
    Ok((routes_for(d, &pattern, (action, options), ctx)?, takes_all))
}

/// Whether a rewrite expression only matches paths under a prefix: anchored, with a literal
/// start that begins with the prefix.
fn rewrite_within(re: &str, prefix: &str) -> bool {
    let Some(body) = re.strip_prefix('^') else { return false };
    let literal: String = {
        let mut out = String::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some(n) if !n.is_ascii_alphanumeric() => out.push(n),
                    _ => break,
                },
                '.' | '[' | '(' | '*' | '+' | '?' | '{' | '|' | '$' => {
                    // A quantifier takes back the character before it.
                    if matches!(c, '*' | '?' | '{') {
                        out.pop();
                    }
                    break;
                }
                c => out.push(c),
            }
        }
        out
    };
    literal.starts_with(prefix)
}

/// `add_header` of the server and of each location.
fn headers(server: &[&Directive], locations: &[(&Directive, Match)], ctx: &Ctx<'_>, t: &mut Translation) {
    let everything = Translated { path: "/*".into(), regex: false, refs: Refs::None, approximation: None };
    let any_location_headers = locations
        .iter()
        .any(|(d, _)| d.block.as_deref().unwrap_or_default().iter().any(|i| i.name.text == "add_header"));
    for d in server {
        header(d, &everything, ctx, any_location_headers, t);
    }
    // The least specific first, so that a more specific location's value wins.
    for (location, matcher) in locations.iter().rev() {
        for d in location.block.as_deref().unwrap_or_default().iter().filter(|i| i.name.text == "add_header") {
            match location_pattern(matcher) {
                Ok(pattern) => header(d, &pattern, ctx, !server.is_empty(), t),
                Err(why) => {
                    t.rule_seen();
                    t.leave_out(d.loc(), Kind::Unsupported, why, &d.source);
                }
            }
        }
    }
}

fn header(d: &Directive, pattern: &Translated, ctx: &Ctx<'_>, combined: bool, t: &mut Translation) {
    t.rule_seen();
    let (Some(name), Some(value)) = (d.arg(0), d.arg(1)) else {
        return t.leave_out(d.loc(), Kind::Invalid, "`add_header` needs a name and a value", &d.source);
    };
    if value.contains('$') {
        let message = "the value holds a variable, filled in per request by nginx";
        return t.leave_out(d.loc(), Kind::Unsupported, message, &d.source);
    }
    if secrets::secret_header(name) {
        let message = format!("`{name}` holds a credential; it is not copied into the rules (value redacted)");
        return t.leave_out(d.loc(), Kind::Unsupported, message, &d.source);
    }
    let froms: Vec<String> = match ctx.hosts.first() {
        None => vec![pattern.path.clone()],
        Some(_) if pattern.regex => {
            let message =
                "a regular-expression location in a server for a named host: `~REGEX` patterns cannot carry a host";
            return t.leave_out(d.loc(), Kind::Unsupported, message, &d.source);
        }
        Some(_) => ctx.hosts.iter().map(|h| format!("https://{h}{}", pattern.path)).collect(),
    };
    if d.arg(2) == Some("always") {
        let message = "`always` also applies to error responses; header rules apply to responses below 400";
        t.finding(d.loc(), Kind::Approximated, message, &d.source);
    }
    if combined {
        let message = "nginx uses the add_header lines of one level only (a location's replace the server's); header rules of every matching pattern combine";
        t.finding(d.loc(), Kind::Approximated, message, &d.source);
    }
    let op =
        HeaderOp { loc: d.loc(), source: d.source.clone(), name: name.to_string(), value: Some(value.to_string()) };
    for from in froms {
        t.headers.push(HeaderBlock { loc: d.loc(), source: d.source.clone(), pattern: from, ops: vec![op.clone()] });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Result<Vec<Directive>, InputError> {
        parse(0, &Input::new("nginx.conf", text))
    }

    /// A map used by `rewrite ^ $map FLAG`: an internal rewrite for `last`, a redirect for
    /// `permanent`; a `$uri` key is a decoded path, whose `?` and `%` are escaped.
    #[test]
    fn a_map_used_by_rewrite_is_one_rule_per_entry() {
        let import = |flag: &str| {
            let text = format!(
                "map $uri $to {{\n  default \"\";\n  \"/a b?\" /a.html;\n  /100% /full.html;\n}}\n\
                 server {{\n  if ($to) {{\n    rewrite ^ $to {flag};\n  }}\n}}\n"
            );
            let input = Input::new("nginx.conf", text);
            crate::import(crate::Format::Nginx, &[input], &crate::ImportOptions::default()).unwrap()
        };
        let last = import("last");
        assert_eq!(last.summary.translated, 3, "{}", last.hedge);
        assert!(last.hedge.contains("rewrite \"/a b%3F\" /a.html"), "{}", last.hedge);
        assert!(last.hedge.contains("rewrite /100%25 /full.html"), "{}", last.hedge);
        let permanent = import("permanent");
        assert!(permanent.hedge.contains("redirect \"/a b%3F\" /a.html 301"), "{}", permanent.hedge);
    }

    #[test]
    fn tokens_follow_nginx() {
        let parsed =
            words("server { # c\n  rewrite \"^/a/(\\d{4})$\" '/b $1' permanent;\n  add_header X \"a\\\"b\";\n}\n")
                .expect("parses");
        let server = parsed[0].block.as_ref().expect("block");
        assert_eq!(server[0].args[0].text, "^/a/(\\d{4})$");
        assert_eq!(server[0].args[1].text, "/b $1");
        assert_eq!(server[0].name.loc.line, 2);
        assert_eq!(server[1].args[1].text, "a\"b");
        let braces = words("set $x ${uri}a;").expect("parses");
        assert_eq!(braces[0].args[1].text, "${uri}a");
    }

    #[test]
    fn syntax_errors_name_the_place() {
        for (text, line) in [("server {\n rewrite a b\n}\n", 2), ("}\n", 1), ("server {\n", 1), ("x \"abc;\n", 1)] {
            match words(text) {
                Err(InputError::File { diagnostic, .. }) => {
                    let source = rules_dsl::SourceFile::new("x", text);
                    assert_eq!(source.line_col(diagnostic.span.start).line, line, "{text:?}");
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn rewrites_inside_their_location() {
        assert!(rewrite_within("^/documentation/api(.*)$", "/documentation"));
        assert!(!rewrite_within("^/doc.*", "/documentation"));
        assert!(!rewrite_within("/documentation", "/documentation"));
    }
}
