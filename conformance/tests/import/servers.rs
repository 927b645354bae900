//! The Apache and nginx corpora under `conformance/import/`: small models of how each server
//! answers a request, written here from the servers' documentation independently of the
//! importer (mod_rewrite before mod_alias, `Redirect` prefixes on whole segments,
//! unanchored `RedirectMatch`; nginx's server selection, server-level rewrites, then one
//! location by precedence), and a request for every rule of every corpus sent through the
//! imported rules on njs and on the local runtime and compared with the model.

use std::collections::BTreeMap;

use cases::{Expect, RequestSpec};
use libtest_mimic::{Failed, Trial};
use regex::Regex;

use super::{Request, compile, expect_exit, fail, failures_to_result, hedgec_import, manifest, run_cases};

/// What a server answers.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Answer {
    Redirect(u16, String),
    Respond(u16),
    /// The request goes on to the files, unchanged.
    Pass,
    /// The request goes on to the files with this path (an internal rewrite).
    Rewrite(String),
    /// Something the model does not follow (an `if`, an internal rewrite, a variable).
    Unknown,
}

/// A corpus and its pinned counts: read, translated, approximated, reordered, reported.
struct ServerCorpus {
    name: &'static str,
    format: importers::Format,
    dir: &'static str,
    /// Its files, imported together; the model reads them one after the other, as nginx reads
    /// the files a configuration includes.
    files: &'static [&'static str],
    counts: [usize; 5],
}

const CORPORA: &[ServerCorpus] = &[
    ServerCorpus {
        name: "apache-rewrite",
        format: importers::Format::Apache,
        dir: "apache-rewrite",
        files: &[".htaccess"],
        counts: [19, 13, 3, 8, 6],
    },
    ServerCorpus {
        name: "apache-solr-site",
        format: importers::Format::Apache,
        dir: "apache-solr-site",
        files: &[".htaccess"],
        counts: [47, 47, 0, 0, 0],
    },
    ServerCorpus {
        name: "nginx-k8s-io",
        format: importers::Format::Nginx,
        dir: "nginx-k8s-io",
        files: &["nginx.conf"],
        counts: [76, 52, 0, 0, 24],
    },
    ServerCorpus {
        name: "nginx-python-wiki",
        format: importers::Format::Nginx,
        dir: "nginx-python-wiki",
        files: &["moin-map.conf", "wiki-static.conf"],
        counts: [1832, 1830, 1, 0, 2],
    },
];

pub fn corpora(trials: &mut Vec<Trial>) {
    for corpus in CORPORA {
        trials.push(Trial::test(format!("corpus::{}::engines", corpus.name), move || run(corpus)));
    }
    trials.push(Trial::test("cli::server_input_errors", input_errors));
}

/// A file the server would refuse is an input error: exit 2, with its file, line and column.
fn input_errors() -> Result<(), Failed> {
    let dir = tempfile::tempdir().map_err(|e| fail(e.to_string()))?;
    let cases = [
        ("nginx", "nginx.conf", "server {\n  rewrite ^/a$ /b permanent\n}\n", "nginx.conf:2:3"),
        ("nginx", "site.conf", "server {\n  return 301 \"/x;\n}\n", "site.conf:2:14"),
        ("nginx", "stray.conf", "server { }\n}\n", "stray.conf:2:1"),
        ("apache", "httpd.conf", "<VirtualHost *:80>\nRedirect /a /b\n", "httpd.conf:1:1"),
        ("apache", ".htaccess", "Redirect /a /b\n</IfModule>\n", ".htaccess:2:1"),
    ];
    for (format, name, text, place) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).map_err(|e| fail(e.to_string()))?;
        let output = hedgec_import(&[format], &[path])?;
        expect_exit(&output, 2)?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !stderr.contains(place) {
            return Err(fail(format!("{name}: no {place} in:\n{stderr}")));
        }
    }
    Ok(())
}

/// A text the expression matches: the first choice of every alternation and class, the fewest
/// repetitions; `None` when the model's engine cannot read it.
fn sample_text(re: &str) -> Option<String> {
    use regex_syntax::hir::{Class, Hir, HirKind};
    fn walk(hir: &Hir, out: &mut String) {
        match hir.kind() {
            HirKind::Literal(lit) => out.push_str(&String::from_utf8_lossy(&lit.0)),
            HirKind::Class(Class::Unicode(class)) => {
                let ranges: Vec<(char, char)> = class.ranges().iter().map(|r| (r.start(), r.end())).collect();
                let pick = ranges
                    .iter()
                    .flat_map(|&(a, b)| (a..=b).take(200))
                    .find(|c| c.is_ascii_alphanumeric())
                    .or_else(|| ranges.first().map(|r| r.0));
                out.extend(pick);
            }
            HirKind::Class(Class::Bytes(class)) => {
                out.extend(class.ranges().first().map(|r| r.start() as char));
            }
            HirKind::Repetition(rep) => {
                for _ in 0..rep.min {
                    walk(&rep.sub, out);
                }
            }
            HirKind::Capture(cap) => walk(&cap.sub, out),
            HirKind::Concat(list) => list.iter().for_each(|h| walk(h, out)),
            HirKind::Alternation(list) => walk(&list[0], out),
            HirKind::Empty | HirKind::Look(_) => {}
        }
    }
    let hir = regex_syntax::Parser::new().parse(re).ok()?;
    let mut out = String::new();
    walk(&hir, &mut out);
    Some(out)
}

/// A path the expression matches, with its leading `/`.
fn sample(re: &str) -> Option<String> {
    let out = sample_text(re)?;
    let path = if out.starts_with('/') { out } else { format!("/{out}") };
    let ok = Regex::new(re).ok()?.is_match(&path) && !path.contains(['?', '#', ' ', '\n']) && path.is_ascii();
    ok.then_some(path)
}

/// `$N` filled from captures.
fn fill(template: &str, captures: &regex::Captures<'_>) -> String {
    let mut out = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            let n = chars.next().and_then(|d| d.to_digit(10)).unwrap_or(0) as usize;
            out.push_str(captures.get(n).map_or("", |m| m.as_str()));
        } else {
            out.push(c);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Apache: mod_rewrite (per-directory, in file order), then mod_alias (in file order).

enum ApacheRule {
    /// `Redirect`: a URL-path prefix on whole segments, the rest appended.
    Prefix { line: u32, path: String, to: Option<String>, status: u16 },
    /// `RedirectMatch`: an unanchored expression on the path.
    Match { line: u32, re: Regex, to: Option<String>, status: u16 },
}

fn apache_status(word: &str) -> Option<u16> {
    match word.to_ascii_lowercase().as_str() {
        "permanent" => Some(301),
        "temp" => Some(302),
        "seeother" => Some(303),
        "gone" => Some(410),
        w => w.parse().ok(),
    }
}

fn apache_rules(text: &str) -> (Vec<ApacheRule>, Vec<(u32, String)>) {
    let mut rules = Vec::new();
    let mut samples = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i as u32 + 1;
        let words: Vec<&str> = raw.split_whitespace().collect();
        let Some(name) = words.first().map(|w| w.to_ascii_lowercase()) else { continue };
        if !matches!(name.as_str(), "redirect" | "redirectmatch") {
            assert!(name.starts_with('#'), "the model reads Redirect and RedirectMatch only: line {line}");
            continue;
        }
        let (status, rest) = match apache_status(words[1]) {
            Some(status) if !words[1].starts_with('/') => (status, &words[2..]),
            _ => (302, &words[1..]),
        };
        let to = rest.get(1).map(|s| s.to_string());
        if name == "redirect" {
            samples.push((line, rest[0].to_string()));
            samples.push((line, format!("{}/x", rest[0].trim_end_matches('/'))));
            rules.push(ApacheRule::Prefix { line, path: rest[0].to_string(), to, status });
        } else {
            let re = Regex::new(rest[0]).expect("the corpus's expressions read in the regex crate");
            samples.extend(sample(rest[0]).map(|p| (line, p)));
            rules.push(ApacheRule::Match { line, re, to, status });
        }
    }
    (rules, samples)
}

fn apache_answer(rules: &[ApacheRule], path: &str) -> Option<(u32, Answer)> {
    for rule in rules {
        let (line, target, status) = match rule {
            ApacheRule::Prefix { line, path: prefix, to, status } => {
                let base = prefix.trim_end_matches('/');
                let rest = if path == prefix {
                    ""
                } else if let Some(rest) = path.strip_prefix(base).filter(|r| r.starts_with('/')) {
                    if prefix.ends_with('/') { &rest[1..] } else { rest }
                } else {
                    continue;
                };
                (*line, to.as_ref().map(|t| format!("{t}{rest}")), *status)
            }
            ApacheRule::Match { line, re, to, status } => {
                let Some(captures) = re.captures(path) else { continue };
                (*line, to.as_ref().map(|t| fill(t, &captures)), *status)
            }
        };
        return Some(match target {
            Some(target) => (line, Answer::Redirect(status, target)),
            None => (line, Answer::Respond(status)),
        });
    }
    None
}

// ---------------------------------------------------------------------------------------
// Apache with mod_rewrite: a `.htaccess` (per-directory) read the way the server applies it.

mod rewrite {
    //! mod_rewrite in a `.htaccess` at the site's root, for the subset the importer translates:
    //! `RewriteRule` patterns see the path without its leading `/`, in file order, each after
    //! its `RewriteCond`s (ANDed, `[OR]` joining a condition to the next); `[NC]` ignores case;
    //! `R[=CODE]` redirects (302 by default), keeping the request's query unless the
    //! substitution has its own (`QSA` appends the request's after it, a final `?` drops both);
    //! without `NE`, `#` is sent as `%23`; `F` answers 403, `G` 410; a substitution without `R`
    //! and with `L` rewrites the path (relative to `RewriteBase /`). mod_alias's `Redirect` and
    //! `RedirectMatch` are tried only when no rewrite rule answered. The site has no files, so
    //! `-f`/`-d` conditions are false. What the model does not follow (other flags, other
    //! variables, a rewrite without `L`, rules in `<Files>` sections) makes the answer unknown.

    use regex::Regex;

    use super::{Answer, ApacheRule, apache_answer, apache_status, fill, sample, sample_text};

    struct Cond {
        variable: String,
        re: Regex,
        negated: bool,
        or: bool,
    }

    struct Rule {
        line: u32,
        re: Regex,
        pattern: String,
        substitution: String,
        flags: Vec<String>,
        conds: Vec<Cond>,
    }

    /// `[R=301,L]` as upper-cased flags.
    fn flags(word: Option<&&str>) -> Vec<String> {
        word.map(|w| {
            w.trim_matches(|c| c == '[' || c == ']').split(',').map(|f| f.trim().to_ascii_uppercase()).collect()
        })
        .unwrap_or_default()
    }

    struct Model {
        rewrites: Vec<Rule>,
        alias: Vec<ApacheRule>,
        /// Paths named inside `<Files>` sections: not followed.
        sectioned: Vec<String>,
    }

    fn read(text: &str) -> Model {
        let mut model = Model { rewrites: Vec::new(), alias: Vec::new(), sectioned: Vec::new() };
        let mut conds = Vec::new();
        let mut depth = 0usize;
        // What a condition the model cannot compile becomes: a pattern that matches nothing.
        let never = Regex::new("$^").expect("re");
        for (i, raw) in text.lines().enumerate() {
            let line = i as u32 + 1;
            let words: Vec<&str> = raw.split_whitespace().collect();
            let Some(name) = words.first().map(|w| w.to_ascii_lowercase()) else { continue };
            if name.starts_with("</") {
                depth = depth.saturating_sub(1);
                continue;
            }
            if name.starts_with('<') {
                depth += 1;
                continue;
            }
            if depth > 0 {
                model.sectioned.extend(words.iter().filter(|w| w.starts_with('/')).map(|w| w.to_string()));
                continue;
            }
            match name.as_str() {
                "rewritecond" if words.len() >= 3 => {
                    let f = flags(words.get(3));
                    let (negated, pattern) = match words[2].strip_prefix('!') {
                        Some(p) => (true, p),
                        None => (false, words[2]),
                    };
                    let nocase = if f.iter().any(|x| x == "NC") { "(?i)" } else { "" };
                    let re = Regex::new(&format!("{nocase}{pattern}")).unwrap_or_else(|_| never.clone());
                    conds.push(Cond { variable: words[1].to_string(), re, negated, or: f.iter().any(|x| x == "OR") });
                }
                "rewriterule" if words.len() >= 3 => {
                    let f = flags(words.get(3));
                    let nocase = if f.iter().any(|x| x == "NC") { "(?i)" } else { "" };
                    let re = Regex::new(&format!("{nocase}{}", words[1]))
                        .expect("the fixture's patterns read in the regex crate");
                    model.rewrites.push(Rule {
                        line,
                        re,
                        pattern: words[1].to_string(),
                        substitution: words[2].to_string(),
                        flags: f,
                        conds: std::mem::take(&mut conds),
                    });
                }
                "redirect" | "redirectmatch" => {
                    let (status, rest) = match apache_status(words[1]) {
                        Some(status) if !words[1].starts_with('/') => (status, &words[2..]),
                        _ => (302, &words[1..]),
                    };
                    let to = rest.get(1).map(|s| s.to_string());
                    model.alias.push(if name == "redirect" {
                        ApacheRule::Prefix { line, path: rest[0].to_string(), to, status }
                    } else {
                        ApacheRule::Match { line, re: Regex::new(rest[0]).expect("re"), to, status }
                    });
                }
                _ => {}
            }
        }
        model
    }

    /// Whether a rule's conditions hold; `None` when one reads a variable the model does not follow.
    fn conditions(rule: &Rule, host: &str, query: &str) -> Option<bool> {
        let mut all = true;
        let mut group = false;
        for cond in &rule.conds {
            let value = match cond.variable.as_str() {
                "%{HTTP_HOST}" => cond.re.is_match(host),
                "%{QUERY_STRING}" => cond.re.is_match(query),
                // Every request is HTTPS; the site has no files or directories.
                "%{HTTPS}" => cond.re.is_match("on"),
                "%{REQUEST_FILENAME}" => false,
                _ => return None,
            } != cond.negated;
            group |= value;
            if !cond.or {
                all &= group;
                group = false;
            }
        }
        Some(all)
    }

    /// What the server answers, with the line that answers.
    fn answer(model: &Model, host: &str, path: &str, query: &str) -> Option<(u32, Answer)> {
        if model.sectioned.iter().any(|p| p == path) {
            return Some((0, Answer::Unknown));
        }
        let relative = &path[1..];
        for rule in &model.rewrites {
            let Some(captures) = rule.re.captures(relative) else { continue };
            match conditions(rule, host, query) {
                None => return Some((rule.line, Answer::Unknown)),
                Some(false) => continue,
                Some(true) => {}
            }
            let flag = |f: &str| rule.flags.iter().any(|x| x == f || x.starts_with(&format!("{f}=")));
            if rule.flags.iter().any(|f| matches!(f.as_str(), "P" | "C" | "N" | "S") || f.starts_with("S=")) {
                return Some((rule.line, Answer::Unknown));
            }
            if flag("G") {
                return Some((rule.line, Answer::Respond(410)));
            }
            if flag("F") {
                return Some((rule.line, Answer::Respond(403)));
            }
            if rule.substitution == "-" || rule.substitution.contains('%') {
                return Some((rule.line, Answer::Unknown));
            }
            let target = fill(&rule.substitution, &captures);
            let absolute = target.starts_with("http://") || target.starts_with("https://");
            if !flag("R") && !absolute {
                if !flag("L") {
                    return Some((rule.line, Answer::Unknown));
                }
                let uri = if target.starts_with('/') { target } else { format!("/{target}") };
                return Some((rule.line, Answer::Rewrite(uri.split('?').next().unwrap_or_default().to_string())));
            }
            let status = rule
                .flags
                .iter()
                .find_map(|f| f.strip_prefix("R="))
                .map_or(302, |code| apache_status(code).unwrap_or(302));
            let (target_path, target_query) = match target.split_once('?') {
                Some((p, q)) => (p.to_string(), Some(q.to_string())),
                None => (target.clone(), None),
            };
            let query = match target_query {
                Some(q) if q.is_empty() => String::new(),
                Some(q) if flag("QSA") && !query.is_empty() => format!("{q}&{query}"),
                Some(q) => q,
                None => query.to_string(),
            };
            let target_path = if flag("NE") { target_path } else { target_path.replace('#', "%23") };
            let location = if query.is_empty() { target_path } else { format!("{target_path}?{query}") };
            return Some((rule.line, Answer::Redirect(status, location)));
        }
        apache_answer(&model.alias, path)
    }

    /// For every rule, its pattern's path (and the lower-cased one under `NC`), with and without a
    /// query, from the default host and from a host its conditions name; for every `Redirect`
    /// and `RedirectMatch`, their paths. Each with what the server answers.
    pub(super) fn asked(text: &str) -> Vec<super::Asked> {
        let model = read(text);
        let mut requests: Vec<(String, String, String)> = Vec::new();
        for rule in &model.rewrites {
            let Some(relative) = sample_text(&rule.pattern).filter(|r| rule.re.is_match(r)) else { continue };
            let mut paths = vec![format!("/{relative}")];
            if rule.flags.iter().any(|f| f == "NC") {
                paths.push(format!("/{}", relative.to_ascii_lowercase()));
            }
            let mut hosts = vec!["example.com".to_string()];
            let mut queries = vec![String::new(), "x=1".to_string()];
            for cond in &rule.conds {
                let Some(text) = sample_text(cond.re.as_str()) else { continue };
                match cond.variable.as_str() {
                    "%{HTTP_HOST}" => hosts.push(text.to_ascii_lowercase()),
                    "%{QUERY_STRING}" => queries.push(text),
                    _ => {}
                }
            }
            for path in &paths {
                for host in &hosts {
                    for query in &queries {
                        requests.push((host.clone(), path.clone(), query.clone()));
                    }
                }
            }
        }
        for rule in &model.alias {
            let path = match rule {
                ApacheRule::Prefix { path, .. } => Some(path.clone()),
                ApacheRule::Match { re, .. } => sample(re.as_str()),
            };
            requests.extend(path.map(|p| ("example.com".to_string(), p, String::new())));
        }
        requests
            .into_iter()
            .map(|(host, path, query)| {
                let answer = answer(&model, &host, &path, &query);
                let asked = if query.is_empty() { path } else { format!("{path}?{query}") };
                (host, asked, answer)
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------
// nginx: the server by host, its rewrite directives, then one location by precedence.

/// A directive of the model's own reading of nginx syntax.
#[derive(Debug, Clone)]
struct Node {
    line: u32,
    words: Vec<String>,
    block: Option<Vec<Node>>,
}

fn nginx_nodes(text: &str) -> Vec<Node> {
    fn read(chars: &[char], at: &mut usize, line: &mut u32) -> Vec<Node> {
        let mut out = Vec::new();
        let mut words: Vec<String> = Vec::new();
        let mut start = 0;
        while *at < chars.len() {
            let c = chars[*at];
            match c {
                '\n' => {
                    *line += 1;
                    *at += 1;
                }
                c if c.is_whitespace() => *at += 1,
                '#' => {
                    while *at < chars.len() && chars[*at] != '\n' {
                        *at += 1;
                    }
                }
                ';' => {
                    *at += 1;
                    out.push(Node { line: start, words: std::mem::take(&mut words), block: None });
                }
                '{' => {
                    *at += 1;
                    let block = read(chars, at, line);
                    out.push(Node { line: start, words: std::mem::take(&mut words), block: Some(block) });
                }
                '}' => {
                    *at += 1;
                    return out;
                }
                '"' | '\'' => {
                    if words.is_empty() {
                        start = *line;
                    }
                    *at += 1;
                    let mut word = String::new();
                    while *at < chars.len() && chars[*at] != c {
                        if chars[*at] == '\\' {
                            *at += 1;
                        }
                        if chars[*at] == '\n' {
                            *line += 1;
                        }
                        word.push(chars[*at]);
                        *at += 1;
                    }
                    *at += 1;
                    words.push(word);
                }
                _ => {
                    if words.is_empty() {
                        start = *line;
                    }
                    let mut word = String::new();
                    while *at < chars.len() && !chars[*at].is_whitespace() && !matches!(chars[*at], ';' | '{' | '}') {
                        word.push(chars[*at]);
                        *at += 1;
                    }
                    words.push(word);
                }
            }
        }
        out
    }
    let chars: Vec<char> = text.chars().collect();
    read(&chars, &mut 0, &mut 1)
}

struct NginxServer<'n> {
    names: Vec<String>,
    default: bool,
    body: &'n [Node],
}

fn nginx_servers(nodes: &[Node]) -> Vec<NginxServer<'_>> {
    let mut out = Vec::new();
    for node in nodes {
        match (node.words.first().map(String::as_str), &node.block) {
            (Some("http"), Some(inner)) => out.extend(nginx_servers(inner)),
            (Some("server"), Some(body)) => {
                let named =
                    |name: &'static str| body.iter().filter(move |n| n.words.first().is_some_and(|w| w == name));
                let names = named("server_name").flat_map(|n| n.words[1..].iter().cloned()).collect();
                let default = named("listen").any(|n| n.words.iter().any(|w| w == "default_server"));
                out.push(NginxServer { names, default, body });
            }
            _ => {}
        }
    }
    out
}

/// A `map` block: the variable it reads and its entries in order (`default` left out).
struct NginxMap {
    source: String,
    entries: Vec<(String, String)>,
}

/// The `map` blocks at the top level and inside `http`, by the variable they set.
fn nginx_maps(nodes: &[Node]) -> BTreeMap<String, NginxMap> {
    let mut out = BTreeMap::new();
    for node in nodes {
        match (node.words.as_slice(), &node.block) {
            ([http], Some(inner)) if http == "http" => out.extend(nginx_maps(inner)),
            ([map, source, variable], Some(inner)) if map == "map" => {
                let entries = inner
                    .iter()
                    .filter(|e| e.words.len() == 2 && !matches!(e.words[0].as_str(), "default" | "hostnames"))
                    .map(|e| (e.words[0].clone(), e.words[1].clone()))
                    .collect();
                out.insert(variable.clone(), NginxMap { source: source.clone(), entries });
            }
            _ => {}
        }
    }
    out
}

impl NginxMap {
    /// The value for a request: `$uri` is the decoded path, `$request_uri` the path as sent.
    /// Exact keys first, then expressions in order, as nginx's map does.
    fn value(&self, path: &str) -> Option<&str> {
        let subject = match self.source.as_str() {
            "$uri" => percent_decode(path),
            _ => path.to_string(),
        };
        let exact =
            self.entries.iter().find(|(key, _)| !key.starts_with('~') && key.trim_start_matches('\\') == subject);
        let matched = exact.or_else(|| {
            self.entries.iter().find(|(key, _)| match key.strip_prefix("~*") {
                Some(re) => nginx_regex(re, true).is_some_and(|r| r.is_match(&subject)),
                None => {
                    key.strip_prefix('~').is_some_and(|re| nginx_regex(re, false).is_some_and(|r| r.is_match(&subject)))
                }
            })
        });
        matched.map(|(_, value)| value.as_str()).filter(|v| !v.is_empty() && *v != "0")
    }
}

/// A path with its escapes decoded, as nginx's `$uri` holds it.
fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A request path for a decoded `$uri`: what is not a path character as sent is escaped.
fn percent_encode(uri: &str) -> String {
    let mut out = String::new();
    for byte in uri.bytes() {
        match byte {
            b'%' | b'?' | b'#' | b' ' => out.push_str(&format!("%{byte:02X}")),
            b'!'..=b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The model's regex for an nginx expression (`~*` is case-insensitive).
fn nginx_regex(re: &str, nocase: bool) -> Option<Regex> {
    Regex::new(&if nocase { format!("(?i){re}") } else { re.to_string() }).ok()
}

/// A target with nginx's variables filled; `None` for variables the model does not follow.
fn nginx_target(template: &str, host: &str, path: &str, captures: Option<&regex::Captures<'_>>) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let name: String = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        match name.as_str() {
            "request_uri" | "uri" => out.push_str(path),
            "host" => out.push_str(host),
            "scheme" => out.push_str("https"),
            n if n.bytes().all(|b| b.is_ascii_digit()) && !n.is_empty() => {
                out.push_str(captures?.get(n.parse().ok()?).map_or("", |m| m.as_str()));
            }
            _ => return None,
        }
        rest = &after[name.len()..];
    }
    out.push_str(rest);
    Some(out)
}

/// Runs `rewrite` and `return` directives in order: the first that answers. Of `if` blocks,
/// the model follows `if ($map) { return CODE $map; }` and `if ($map) { rewrite ^ $map FLAG; }`.
fn nginx_run(nodes: &[Node], maps: &BTreeMap<String, NginxMap>, host: &str, path: &str) -> Option<(u32, Answer)> {
    for node in nodes {
        let w: Vec<&str> = node.words.iter().map(String::as_str).collect();
        match w.as_slice() {
            ["if", condition @ ..] => {
                let variable = match condition {
                    ["(", variable, ")"] => Some(*variable),
                    [variable] => variable.strip_prefix('(').and_then(|v| v.strip_suffix(')')),
                    _ => None,
                };
                let Some(map) = variable.and_then(|v| maps.get(v)) else { return Some((node.line, Answer::Unknown)) };
                let Some(value) = map.value(path) else { continue };
                let inner: Vec<Vec<&str>> =
                    body(node).iter().map(|n| n.words.iter().map(String::as_str).collect()).collect();
                let answer = match inner.as_slice() {
                    [d] if d.len() == 3 && d[0] == "return" && Some(d[2]) == variable => match d[1].parse::<u16>() {
                        Ok(status) if (300..400).contains(&status) => Answer::Redirect(status, value.to_string()),
                        _ => Answer::Unknown,
                    },
                    [d] if d.len() >= 3 && d[..2] == ["rewrite", "^"] && Some(d[2]) == variable => {
                        match d.get(3).copied() {
                            Some("permanent") => Answer::Redirect(301, value.to_string()),
                            Some("redirect") => Answer::Redirect(302, value.to_string()),
                            Some("last" | "break") | None => Answer::Rewrite(value.to_string()),
                            Some(_) => Answer::Unknown,
                        }
                    }
                    _ => Answer::Unknown,
                };
                return Some((node.line, answer));
            }
            ["return", code, rest @ ..] => {
                let status: u16 = code.parse().ok()?;
                return Some(match rest.first() {
                    _ if !(300..400).contains(&status) => (node.line, Answer::Respond(status)),
                    Some(url) => match nginx_target(url, host, path, None) {
                        Some(url) => (node.line, Answer::Redirect(status, url)),
                        None => (node.line, Answer::Unknown),
                    },
                    None => (node.line, Answer::Unknown),
                });
            }
            ["rewrite", re, to, flag @ ..] => {
                let Some(regex) = nginx_regex(re, false) else { return Some((node.line, Answer::Unknown)) };
                let Some(captures) = regex.captures(path) else { continue };
                let url = to.starts_with("http://") || to.starts_with("https://") || to.starts_with("$scheme");
                let status = match flag.first() {
                    Some(&"permanent") => 301,
                    Some(&"redirect") => 302,
                    _ if url => 302,
                    _ => return Some((node.line, Answer::Unknown)),
                };
                return Some(match nginx_target(to, host, path, Some(&captures)) {
                    Some(to) => (node.line, Answer::Redirect(status, to)),
                    None => (node.line, Answer::Unknown),
                });
            }
            _ => {}
        }
    }
    None
}

fn nginx_answer(
    servers: &[NginxServer<'_>],
    maps: &BTreeMap<String, NginxMap>,
    host: &str,
    path: &str,
) -> Option<(u32, Answer)> {
    let server = servers
        .iter()
        .find(|s| s.names.iter().any(|n| n == host))
        .or_else(|| servers.iter().find(|s| s.default))
        .or(servers.first())?;
    let top: Vec<&Node> = server.body.iter().filter(|n| n.words.first().is_some_and(|w| w != "location")).collect();
    let top_rules: Vec<Node> = top
        .iter()
        .filter(|n| matches!(n.words[0].as_str(), "rewrite" | "return" | "if"))
        .map(|n| Node { line: n.line, words: n.words.clone(), block: n.block.clone() })
        .collect();
    if let Some(answer) = nginx_run(&top_rules, maps, host, path) {
        return Some(answer);
    }
    // Location precedence: `=`, then the longest prefix (final when `^~`), then expressions in
    // order, then that longest prefix.
    let locations: Vec<&Node> =
        server.body.iter().filter(|n| n.words.first().is_some_and(|w| w == "location")).collect();
    if let Some(exact) = locations.iter().find(|n| n.words.len() == 3 && n.words[1] == "=" && n.words[2] == path) {
        return nginx_run(body(exact), maps, host, path).or(Some((exact.line, Answer::Pass)));
    }
    let longest = locations
        .iter()
        .filter_map(|n| match n.words.as_slice() {
            [_, modifier, prefix] if modifier == "^~" && path.starts_with(prefix.as_str()) => {
                Some((*n, prefix.len(), true))
            }
            [_, prefix] if prefix.starts_with('/') && path.starts_with(prefix.as_str()) => {
                Some((*n, prefix.len(), false))
            }
            _ => None,
        })
        .max_by_key(|(_, len, _)| *len);
    let chosen = match longest {
        Some((node, _, true)) => Some(node),
        _ => locations
            .iter()
            .find(|n| match n.words.as_slice() {
                [_, m, re] if m == "~" || m == "~*" => nginx_regex(re, m == "~*").is_some_and(|r| r.is_match(path)),
                _ => false,
            })
            .copied()
            .or(longest.map(|(n, _, _)| n)),
    };
    match chosen {
        Some(location) => {
            if location.words.get(1).is_some_and(|m| m == "~" || m == "~*")
                && nginx_regex(&location.words[2], false).is_some_and(|r| r.capture_names().flatten().next().is_some())
            {
                return Some((location.line, Answer::Unknown));
            }
            nginx_run(body(location), maps, host, path).or(Some((location.line, Answer::Pass)))
        }
        None => None,
    }
}

/// The directives of a block.
fn body(node: &Node) -> &[Node] {
    node.block.as_deref().unwrap_or_default()
}

/// The requests of an nginx corpus: a path for every expression, exact location and prefix,
/// and every key of a map on `$uri` or `$request_uri`, on the first host of its server (or a
/// host no server names, for the default server).
fn nginx_samples(servers: &[NginxServer<'_>], maps: &BTreeMap<String, NginxMap>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for server in servers {
        let host = server.names.first().cloned().unwrap_or_else(|| "unnamed.example".into());
        for map in maps.values() {
            for (key, _) in &map.entries {
                let path = match (map.source.as_str(), key.strip_prefix('~')) {
                    (_, Some(re)) => sample(re.trim_start_matches('*')),
                    ("$uri", None) => Some(percent_encode(key.trim_start_matches('\\'))),
                    ("$request_uri", None) => Some(key.trim_start_matches('\\').to_string()),
                    _ => None,
                };
                out.extend(path.filter(|p| p.starts_with('/')).map(|p| (host.clone(), p)));
            }
        }
        let visit = |nodes: &[Node], out: &mut Vec<(String, String)>| {
            for node in nodes {
                let w: Vec<&str> = node.words.iter().map(String::as_str).collect();
                let path = match w.as_slice() {
                    ["rewrite", re, ..] => sample(re),
                    ["location", "=", path] => Some(path.to_string()),
                    ["location", "~" | "~*", re] => sample(re),
                    ["location", "^~", prefix] | ["location", prefix] => Some(format!("{}x", prefix)),
                    _ => None,
                };
                out.extend(path.map(|p| (host.clone(), p)));
            }
        };
        visit(server.body, &mut out);
        for location in server.body.iter().filter(|n| n.words.first().is_some_and(|w| w == "location")) {
            visit(location.block.as_deref().unwrap_or_default(), &mut out);
        }
        out.push((host.clone(), "/".into()));
    }
    out
}

// ---------------------------------------------------------------------------------------

fn expect_of(answer: &Answer, path: &str) -> Option<Expect> {
    match answer {
        Answer::Redirect(status, location) => {
            Some(Expect { status: Some(*status), location: Some(location.clone()), ..Expect::default() })
        }
        Answer::Respond(status) => Some(Expect { status: Some(*status), ..Expect::default() }),
        Answer::Rewrite(uri) => Some(Expect { status: Some(200), uri: Some(uri.clone()), ..Expect::default() }),
        Answer::Pass if !path.ends_with('/') => {
            let uri = path.split('?').next().unwrap_or(path).to_string();
            Some(Expect { status: Some(200), uri: Some(uri), ..Expect::default() })
        }
        Answer::Pass | Answer::Unknown => None,
    }
}

/// A request (host, path) and what the server answers, with the line of the rule that answers.
type Asked = (String, String, Option<(u32, Answer)>);

fn run(corpus: &ServerCorpus) -> Result<(), Failed> {
    let dir = manifest().join("import").join(corpus.dir);
    let mut inputs = Vec::new();
    let mut text = String::new();
    // The first line of each file in `text`, the files' concatenation, which the model reads.
    let mut starts = Vec::new();
    for file in corpus.files {
        let content = std::fs::read_to_string(dir.join(file)).map_err(|e| fail(e.to_string()))?;
        starts.push(text.lines().count() as u32 + 1);
        text.push_str(&content);
        if !text.ends_with('\n') {
            text.push('\n');
        }
        inputs.push(importers::Input::new(*file, content));
    }
    // A line of `text` as a file and a line of it.
    let place = |line: u32| {
        let i = starts.iter().rposition(|&start| start <= line).unwrap_or(0);
        (corpus.files[i], line - starts[i] + 1)
    };
    let result = importers::import(corpus.format, &inputs, &importers::ImportOptions::default())
        .map_err(|e| fail(e.to_string()))?;
    let s = result.summary;
    let found = [s.rules, s.translated, s.approximated, s.reordered, s.reported];
    println!("    {}: {s}", corpus.name);
    if found != corpus.counts {
        return Err(fail(format!(
            "counts (read, translated, approximated, reordered, reported): {found:?}, pinned {:?}",
            corpus.counts
        )));
    }
    let output = compile(&result.hedge, corpus.name)?;
    // (host, path) and what the server answers, by the rule (line) that answers.
    let mut asked: Vec<Asked> = Vec::new();
    match corpus.format {
        importers::Format::Apache if text.contains("RewriteRule") => asked.extend(rewrite::asked(&text)),
        importers::Format::Apache => {
            let (rules, samples) = apache_rules(&text);
            for (_, path) in samples {
                let answer = apache_answer(&rules, &path);
                asked.push(("example.com".into(), path, answer));
            }
        }
        _ => {
            let nodes = nginx_nodes(&text);
            let servers = nginx_servers(&nodes);
            let maps = nginx_maps(&nodes);
            for (host, path) in nginx_samples(&servers, &maps) {
                let answer = nginx_answer(&servers, &maps, &host, &path);
                asked.push((host, path, answer));
            }
        }
    }
    let mut requests = Vec::new();
    let mut skipped = BTreeMap::<&str, usize>::new();
    let mut seen = std::collections::BTreeSet::new();
    for (host, path, answer) in asked {
        if !seen.insert((host.clone(), path.clone())) {
            continue;
        }
        let (line, answer) = answer.unwrap_or((0, Answer::Pass));
        if line > 0 && {
            let (file, line) = place(line);
            result.left_out(file, line)
        } {
            *skipped.entry("answered by a rule left out of the import").or_default() += 1;
            continue;
        }
        let Some(expect) = expect_of(&answer, &path) else {
            *skipped.entry("not followed by the model").or_default() += 1;
            continue;
        };
        let url = format!("https://{host}{path}");
        let invocation = RequestSpec::parse(&format!("GET {url}")).map_err(|e| fail(e.to_string()))?.event();
        requests.push(Request::new(format!("line {line}: GET {url}"), invocation, expect));
    }
    println!(
        "    {}: {} requests compared on njs and boa with the model; skipped: {skipped:?}",
        corpus.name,
        requests.len()
    );
    if requests.is_empty() {
        return Err(fail("no requests"));
    }
    failures_to_result(run_cases(&output, &requests)?)
}
