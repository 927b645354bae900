//! `hedgec import` end to end.
//!
//! - `fixture::NAME`: each directory under `conformance/import/` holds source files, an
//!   `import.toml` (format, files in order, optional site directory, expected counts) and
//!   usually a `cases.toml`. The import is snapshotted (rules and findings), must analyse and
//!   compile without errors, and its cases run on njs and on the local runtime (boa).
//! - `corpus::NAME`: the real files in `shared/external/`. Every rule is imported or reported;
//!   the output analyses, compiles and passes `hedgec check`; and for every rule, a request for
//!   its source (a value in each placeholder) gets, on njs and on boa, what the source
//!   platform answers, computed by a small model of that platform written here from its
//!   documented and published behaviour, independently of the importer.
//! - `cli::...`: exit statuses, `-o`, `--format json`, determinism, unusable input.
//! - `literal_map::13000_rows`: a seeded CSV of 13,000 redirects whose paths and targets hold
//!   what the rules language reads as syntax (colons, stars, backslashes, `$`, braces, quotes)
//!   and what needs care on the way (brackets, parentheses, non-ASCII, percent signs), generated
//!   at run time, goes through `hedgec import csv` with no row lost, compiles, and every row
//!   redirects to its target byte for byte on njs and on the local runtime.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use cases::{Expect, Invocation, Kvs, OriginResponse, RequestSpec, ResponseEventRequest, Site};
use libtest_mimic::{Arguments, Failed, Trial};
use serde::Deserialize;

#[path = "import_models/amplify.rs"]
mod amplify_model;
#[path = "import/servers.rs"]
mod servers;
#[path = "import_models/vercel.rs"]
mod vercel_model;

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    fixtures(&mut trials);
    corpora(&mut trials);
    servers::corpora(&mut trials);
    vercel_model::trials(&mut trials);
    amplify_model::trials(&mut trials);
    cli(&mut trials);
    trials.push(Trial::test("literal_map::13000_rows", literal_map));
    trials.push(Trial::test("model::firebase_generated", firebase_generated));
    libtest_mimic::run(&args, trials).exit();
}

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file of the external corpora, in `shared/external` next to the checkout or above it (a
/// worktree may sit one level deeper than the main checkout).
fn external(path: &str) -> PathBuf {
    let manifest = manifest();
    let base = manifest
        .ancestors()
        .skip(1)
        .map(|dir| dir.join("shared/external"))
        .find(|dir| dir.is_dir())
        .unwrap_or_else(|| manifest.join("../../shared/external"));
    base.join(path)
}

fn fail(message: impl Into<String>) -> Failed {
    Failed::from(message.into())
}

/// Analyses and compiles imported rules as `hedgec compile` does; any error fails.
fn compile(hedge: &str, name: &str) -> Result<compiler::CompileReturn, Failed> {
    let build = compiler::build(name, hedge.as_bytes(), &compiler::CompileOptions::default())
        .map_err(|e| fail(e.to_string()))?;
    build.into_result().map(|compiled| compiled.output).map_err(fail)
}

/// The engines, by name.
fn engine(name: &str) -> Box<dyn cases::Engine> {
    match name {
        "njs" => Box::new(cases::njs::Njs::default()),
        _ => Box::new(cases::boa::Boa::default()),
    }
}

/// A request to send and what to expect.
struct Request {
    name: String,
    invocation: Invocation,
    origin: OriginResponse,
    expect: Expect,
}

impl Request {
    fn new(name: String, invocation: Invocation, expect: Expect) -> Request {
        Request { name, invocation, origin: OriginResponse::default(), expect }
    }
}

/// Runs requests through compiled output on njs (in batches) and on the local runtime, checks
/// each engine's traces against the expectations and compares the two engines' whole traces
/// with each other (`conformance::trace_disagreements`); returns one line per problem.
fn run_cases(output: &compiler::CompileReturn, requests: &[Request]) -> Result<Vec<String>, Failed> {
    let kvs: Kvs = output.kvs.iter().map(|e| (e.key.clone(), e.value.clone())).collect();
    let site = Site { request: &output.request, response: output.response.as_deref(), kvs: &kvs };
    let mut failures = Vec::new();
    for chunk in requests.chunks(1500) {
        let invocations: Vec<(Invocation, OriginResponse)> =
            chunk.iter().map(|r| (r.invocation.clone(), r.origin.clone())).collect();
        let mut traces = Vec::new();
        for engine_name in ["njs", "boa"] {
            let mut engine = engine(engine_name);
            let run = cases::simulate::simulate(engine.as_mut(), site, &invocations, ResponseEventRequest::AsForwarded)
                .map_err(|e| fail(e.to_string()))?;
            for (request, trace) in chunk.iter().zip(&run) {
                for mismatch in cases::expect::check(&request.expect, trace) {
                    failures.push(format!("{} [{engine_name}]: {mismatch}", request.name));
                }
            }
            traces.push(run);
        }
        for ((request, njs), boa) in chunk.iter().zip(&traces[0]).zip(&traces[1]) {
            for problem in conformance::trace_disagreements(njs, boa) {
                failures.push(format!("{} [njs and boa]: {problem}", request.name));
            }
        }
    }
    Ok(failures)
}

fn failures_to_result(failures: Vec<String>) -> Result<(), Failed> {
    if failures.is_empty() {
        return Ok(());
    }
    let shown: Vec<&String> = failures.iter().take(40).collect();
    let more = failures.len().saturating_sub(shown.len());
    let tail = if more > 0 { format!("\n... and {more} more") } else { String::new() };
    Err(fail(format!(
        "{} mismatches:\n{}{tail}",
        failures.len(),
        shown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n")
    )))
}

// ---------------------------------------------------------------------------------------
// Fixtures.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    format: String,
    files: Vec<String>,
    site: Option<String>,
    summary: Counts,
}

#[derive(Deserialize, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct Counts {
    rules: usize,
    translated: usize,
    approximated: usize,
    reordered: usize,
    reported: usize,
}

struct Fixture {
    dir: PathBuf,
    meta: Meta,
}

impl Fixture {
    fn load(dir: &Path) -> Result<Fixture, Failed> {
        let text = std::fs::read_to_string(dir.join("import.toml")).map_err(|e| fail(format!("import.toml: {e}")))?;
        let meta: Meta = toml::from_str(&text).map_err(|e| fail(format!("import.toml: {e}")))?;
        Ok(Fixture { dir: dir.to_path_buf(), meta })
    }

    fn import(&self) -> Result<importers::ImportReturn, Failed> {
        let format = importers::Format::from_name(&self.meta.format).ok_or_else(|| fail("unknown format"))?;
        let inputs = self
            .meta
            .files
            .iter()
            .map(|name| {
                let bytes = std::fs::read(self.dir.join(name)).map_err(|e| fail(format!("{name}: {e}")))?;
                importers::Input::from_bytes(name.clone(), &bytes).map_err(|e| fail(e.to_string()))
            })
            .collect::<Result<Vec<_>, Failed>>()?;
        let site = match &self.meta.site {
            Some(dir) => Some(importers::Site::scan(&self.dir.join(dir)).map_err(|e| fail(e.to_string()))?),
            None => None,
        };
        importers::import(format, &inputs, &importers::ImportOptions { site }).map_err(|e| fail(e.to_string()))
    }
}

fn render_findings(findings: &[importers::Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&format!("{}:{}:{}: {}: {}\n", f.file, f.line, f.column, f.kind.name(), f.message));
    }
    out
}

fn fixture_trial(dir: &Path) -> Result<(), Failed> {
    let fixture = Fixture::load(dir)?;
    let result = fixture.import()?;
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let snapshot = format!("{}\n---- findings ----\n{}", result.hedge, render_findings(&result.findings));
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    settings.bind(|| insta::assert_snapshot!(name.clone(), snapshot));
    let s = result.summary;
    let got = Counts {
        rules: s.rules,
        translated: s.translated,
        approximated: s.approximated,
        reordered: s.reordered,
        reported: s.reported,
    };
    if got != fixture.meta.summary {
        return Err(fail(format!("summary: expected {:?}, got {got:?}", fixture.meta.summary)));
    }
    if s.translated + s.reported != s.rules {
        return Err(fail(format!("translated + reported != rules: {s:?}")));
    }
    for finding in result.findings.iter().filter(|f| f.kind.leaves_out()) {
        if !result.hedge.contains(&format!("# {}:{}: {}", finding.file, finding.line, finding.kind.name())) {
            return Err(fail(format!("left out but not listed in the output: {finding:?}")));
        }
    }
    compile(&result.hedge, &name)?;
    Ok(())
}

fn fixture_cases(dir: &Path) -> Result<(), Failed> {
    let fixture = Fixture::load(dir)?;
    let result = fixture.import()?;
    let output = compile(&result.hedge, "fixture")?;
    let path = dir.join("cases.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| fail(format!("cases.toml: {e}")))?;
    let file = cases::casefile::parse(&text, dir).map_err(|e| {
        fail(rules_dsl::diagnostics::render(&[e], &rules_dsl::SourceFile::new("cases.toml", text.as_str()), false))
    })?;
    let requests: Vec<Request> = file
        .cases
        .iter()
        .map(|c| Request {
            name: format!("cases.toml:{}: {}", c.line, c.name),
            invocation: c.invocation.clone(),
            origin: c.origin.clone(),
            expect: c.expect.clone(),
        })
        .collect();
    if requests.is_empty() {
        return Err(fail("cases.toml has no cases"));
    }
    failures_to_result(run_cases(&output, &requests)?)
}

fn fixtures(trials: &mut Vec<Trial>) {
    let root = manifest().join("import");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("conformance/import exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.join("import.toml").exists())
        .collect();
    dirs.sort();
    // A runner that finds no fixtures would pass without testing anything.
    assert!(dirs.len() >= 5, "only {} import fixtures under {}", dirs.len(), root.display());
    for dir in dirs {
        let name = dir.file_name().expect("named").to_string_lossy().into_owned();
        let d = dir.clone();
        trials.push(Trial::test(format!("fixture::{name}"), move || fixture_trial(&d)));
        if dir.join("cases.toml").exists() {
            let d = dir.clone();
            trials.push(Trial::test(format!("fixture::{name}::engines"), move || fixture_cases(&d)));
        }
    }
}

// ---------------------------------------------------------------------------------------
// Models of the source platforms, for the corpora.

/// One piece of a source pattern.
#[derive(Clone, Debug, PartialEq)]
enum Piece {
    Text(String),
    /// `:name`: a run of characters other than `/`, at least one.
    Param(String),
    /// `*`: any characters (Cloudflare), or the rest of the path after a `/` (Netlify).
    Splat,
}

/// A rule of a source file, as the platform reads it.
#[derive(Clone, Debug)]
struct SourceRule {
    line: u32,
    host: Option<String>,
    /// The path pattern.
    pieces: Vec<Piece>,
    to: String,
    status: u16,
    /// Cloudflare: a static rule above the first dynamic one (looked up first).
    fast: bool,
    /// The platform's behaviour for this rule is not modelled here (e.g. Netlify's `*` inside
    /// a segment): requests it might take are not compared.
    unknown: bool,
    /// Firebase: the whole source as an expression (named groups are the captures) and paths
    /// it matches (each wildcard filled, then each left as short as it can be); `pieces` then
    /// hold only its literal prefix.
    regex: Option<(regex::Regex, [String; 2])>,
}

fn pieces(path: &str, names: &mut Vec<String>) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut text = String::new();
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < path.len() {
        let c = bytes[i];
        if c == b'*' {
            if !text.is_empty() {
                out.push(Piece::Text(std::mem::take(&mut text)));
            }
            out.push(Piece::Splat);
            names.push("splat".into());
            i += 1;
            continue;
        }
        if c == b':' && (i == 0 || bytes[i - 1] == b'/') {
            let n = bytes[i + 1..].iter().take_while(|b| **b != b'/').count();
            if n > 0 {
                if !text.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut text)));
                }
                let name = path[i + 1..i + 1 + n].to_string();
                names.push(name.clone());
                out.push(Piece::Param(name));
                i += 1 + n;
                continue;
            }
        }
        let ch = path[i..].chars().next().expect("in bounds");
        text.push(ch);
        i += ch.len_utf8();
    }
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    out
}

/// Matches pieces against a path; returns the captures by name.
fn match_pieces(pieces: &[Piece], path: &str, netlify: bool) -> Option<BTreeMap<String, String>> {
    fn go(pieces: &[Piece], path: &str, netlify: bool, captures: &mut BTreeMap<String, String>) -> bool {
        let Some((first, rest)) = pieces.split_first() else { return path.is_empty() };
        match first {
            Piece::Text(text) => {
                // Netlify: a final "/*" also matches the bare prefix.
                if netlify && matches!(rest, [Piece::Splat]) && text.ends_with('/') && path == &text[..text.len() - 1] {
                    captures.insert("splat".into(), String::new());
                    return true;
                }
                path.strip_prefix(text.as_str()).is_some_and(|p| go(rest, p, netlify, captures))
            }
            Piece::Param(name) => {
                let end = path.find('/').unwrap_or(path.len());
                (1..=end).rev().any(|n| {
                    let mut attempt = captures.clone();
                    attempt.insert(name.clone(), path[..n].to_string());
                    let ok = go(rest, &path[n..], netlify, &mut attempt);
                    if ok {
                        *captures = attempt;
                    }
                    ok
                })
            }
            Piece::Splat => (0..=path.len()).rev().filter(|&n| path.is_char_boundary(n)).any(|n| {
                let mut attempt = captures.clone();
                attempt.insert("splat".into(), path[..n].to_string());
                let ok = go(rest, &path[n..], netlify, &mut attempt);
                if ok {
                    *captures = attempt;
                }
                ok
            }),
        }
    }
    let mut captures = BTreeMap::new();
    go(pieces, path, netlify, &mut captures).then_some(captures)
}

/// Fills `:name` in a target: the longest bound name wins (Netlify), or the whole
/// `[A-Za-z]\w*` name when bound (Cloudflare).
fn fill(to: &str, captures: &BTreeMap<String, String>, netlify: bool) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < to.len() {
        if to.as_bytes()[i] == b':' {
            let rest = &to[i + 1..];
            let name = if netlify {
                captures.keys().filter(|k| rest.starts_with(k.as_str())).max_by_key(|k| k.len()).cloned()
            } else {
                let n = rest.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
                let first_alpha = rest.bytes().next().is_some_and(|b| b.is_ascii_alphabetic());
                (first_alpha && captures.contains_key(&rest[..n])).then(|| rest[..n].to_string())
            };
            if let Some(name) = name {
                out.push_str(&captures[&name]);
                i += 1 + name.len();
                continue;
            }
        }
        let c = to[i..].chars().next().expect("in bounds");
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// Netlify `_redirects` as its parser reads the corpora's lines (`FROM TO [STATUS[!]]`).
fn netlify_rules(text: &str) -> Vec<SourceRule> {
    let mut rules = Vec::new();
    for (index, raw) in text.split('\n').enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut tokens: Vec<&str> = line.split_whitespace().collect();
        if let Some(c) = tokens.iter().position(|t| t.starts_with('#')) {
            tokens.truncate(c);
        }
        assert!(
            (2..=3).contains(&tokens.len()) && (tokens[1].starts_with('/') || tokens[1].starts_with("http")),
            "the model reads FROM TO [STATUS] only: line {}",
            index + 1
        );
        let status = tokens.get(2).map_or(301, |s| s.trim_end_matches('!').parse().expect("numeric status"));
        let (host, path) = match tokens[0].split_once("://") {
            Some((_, rest)) => {
                let end = rest.find('/').unwrap_or(rest.len());
                (
                    Some(rest[..end].to_ascii_lowercase()),
                    if end == rest.len() { "/".to_string() } else { rest[end..].to_string() },
                )
            }
            None => (None, tokens[0].to_string()),
        };
        // A `*` anywhere but at the end of the path is not modelled here.
        let unknown = path.find('*').is_some_and(|i| i + 1 != path.len());
        let mut names = Vec::new();
        // Netlify folds one trailing slash of the pattern (but not of a bare `/`).
        let folded = if path.len() > 1 { path.trim_end_matches('/').to_string() } else { path.clone() };
        rules.push(SourceRule {
            line: index as u32 + 1,
            host,
            pieces: pieces(&folded, &mut names),
            to: tokens[1].to_string(),
            status,
            fast: false,
            unknown,
            regex: None,
        });
    }
    rules
}

/// Cloudflare Pages `_redirects` (`FROM TO [STATUS]`, default 302), with its fast path: the
/// static rules above the first dynamic one.
fn cloudflare_rules(text: &str) -> Vec<SourceRule> {
    let mut rules = Vec::new();
    let mut dynamic_seen = false;
    for (index, raw) in text.split('\n').enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut tokens: Vec<&str> = line.split_whitespace().collect();
        if let Some(c) = tokens.iter().enumerate().position(|(i, t)| i >= 2 && t.starts_with('#')) {
            tokens.truncate(c);
        }
        assert!((2..=3).contains(&tokens.len()), "the model reads FROM TO [STATUS] only: line {}", index + 1);
        let status = tokens.get(2).map_or(302, |s| s.parse().expect("numeric status"));
        let mut names = Vec::new();
        let pieces = pieces(tokens[0], &mut names);
        let dynamic = pieces.iter().any(|p| !matches!(p, Piece::Text(_)));
        dynamic_seen |= dynamic;
        rules.push(SourceRule {
            line: index as u32 + 1,
            host: None,
            pieces,
            to: tokens[1].to_string(),
            status,
            fast: !dynamic_seen,
            unknown: false,
            regex: None,
        });
    }
    rules
}

/// The value of `"key": "..."` on a line of JSON (the corpora's rules hold no escapes).
fn json_field<'l>(line: &'l str, key: &str) -> Option<&'l str> {
    let at = line.find(&format!("\"{key}\":"))? + key.len() + 3;
    let rest = line[at..].trim_start();
    if let Some(quoted) = rest.strip_prefix('"') {
        return quoted.split('"').next();
    }
    rest.split([',', '}']).next().map(str::trim)
}

/// Firebase Hosting redirects, one object per line in the corpora, as Firebase's own emulator
/// (superstatic) matches them, in file order with default type 301:
/// - a source whose destination names a capture (`:name` at its start or after a `/`) is read by
///   path-to-regexp 1.x: `:name` is a lazy run within a segment, `*` any run (across segments),
///   a final `/` is optional, letter case is ignored;
/// - any other source is a glob (minimatch): `*` a run within a segment (a whole segment: at
///   least one character), `?` one character, `**` any number of segments, `@(a|b)` either;
/// - in both, a final `**` or `:name*` is any rest of the path, also none, with the slash before
///   it, and a whole `:name` segment is one segment.
///
/// Other extended globs, classes and parameters with modifiers are not modelled.
fn firebase_rules(text: &str) -> Vec<SourceRule> {
    let mut rules = Vec::new();
    // The lines of the `redirects` list: from its key to the next list's (`"rewrites": []` may
    // come before it).
    let mut in_redirects = false;
    for (index, line) in text.split('\n').enumerate() {
        if line.contains("\"redirects\"") {
            in_redirects = true;
            continue;
        }
        if line.contains("\"rewrites\"") || line.contains("\"headers\"") {
            if in_redirects {
                break;
            }
            continue;
        }
        if !in_redirects {
            continue;
        }
        let Some(to) = json_field(line, "destination") else { continue };
        let status = json_field(line, "type").map_or(301, |s| s.parse().expect("numeric type"));
        let capture = to.starts_with(':') || to.contains("/:");
        if let Some(raw) = json_field(line, "regex") {
            let re: String = serde_json::from_str(&format!("\"{raw}\"")).expect("a JSON string");
            let regex = regex::Regex::new(&re).expect("a model expression");
            rules.push(SourceRule {
                line: index as u32 + 1,
                host: None,
                pieces: Vec::new(),
                to: to.to_string(),
                status,
                fast: false,
                unknown: false,
                regex: Some((regex, regex_samples(&re))),
            });
            continue;
        }
        let Some(source) = json_field(line, "source") else { continue };
        let source = if source.starts_with('/') { source.to_string() } else { format!("/{source}") };
        let segments: Vec<&str> = source[1..].split('/').collect();
        let mut re = String::from(if capture { "(?i)^" } else { "^" });
        // Each wildcard filled, and each as short as it may be.
        let (mut sample, mut short) = (String::new(), String::new());
        let mut to = to.to_string();
        let mut unknown = false;
        let mut n = 0;
        for (i, segment) in segments.iter().enumerate() {
            let last = i + 1 == segments.len();
            let is_name = |n: &&str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            let rest_name = segment.strip_prefix(':').and_then(|n| n.strip_suffix('*')).filter(is_name);
            if last && (*segment == "**" || rest_name.is_some()) {
                let name = rest_name.unwrap_or("splat");
                to = to.replace(&format!(":{name}*"), &format!(":{name}"));
                re.push_str(&format!("(?:/(?P<{name}>.*))?"));
                sample.push_str("/s1/s2");
                continue;
            }
            if *segment == "**" {
                // Any number of segments (empty ones too: how Firebase treats `//` is not
                // documented, and no request here has one unless a `*` is left empty).
                re.push_str("(?:/[^/]*)*");
                sample.push_str("/d1/d2");
                continue;
            }
            let whole_name = segment.strip_prefix(':').filter(is_name);
            if let Some(name) = whole_name {
                re.push_str(&format!("/(?P<{name}>[^/]+{})", if capture { "?" } else { "" }));
                n += 1;
                sample.push_str(&format!("/v{n}"));
                short.push_str(&format!("/v{n}"));
                continue;
            }
            if *segment == "*" && !capture {
                re.push_str("/[^/]+");
                sample.push_str("/w1");
                short.push_str("/w");
                continue;
            }
            re.push('/');
            sample.push('/');
            short.push('/');
            let mut chars = segment.char_indices().peekable();
            while let Some((at, c)) = chars.next() {
                let next = segment[at + 1..].chars().next();
                match c {
                    ':' if capture && next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') => {
                        let name: String =
                            segment[at + 1..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                        for _ in 0..name.len() {
                            chars.next();
                        }
                        re.push_str(&format!("(?P<{name}>[^/]+?)"));
                        n += 1;
                        sample.push_str(&format!("v{n}"));
                        short.push_str(&format!("v{n}"));
                    }
                    '*' if capture => {
                        re.push_str("(.*)");
                        sample.push_str("x1/x2");
                    }
                    '*' => {
                        re.push_str("[^/]*");
                        sample.push_str("xy");
                    }
                    '?' if !capture => {
                        re.push_str("[^/]");
                        sample.push('q');
                        short.push('q');
                    }
                    '@' if !capture && next == Some('(') => {
                        let close = segment[at..].find(')').map(|k| at + k).expect("closed");
                        let options: Vec<&str> = segment[at + 2..close].split('|').collect();
                        re.push_str(&format!(
                            "(?:{})",
                            options.iter().map(|o| regex::escape(o)).collect::<Vec<_>>().join("|")
                        ));
                        sample.push_str(options[0]);
                        short.push_str(options[options.len() - 1]);
                        while chars.peek().is_some_and(|(k, _)| *k <= close) {
                            chars.next();
                        }
                    }
                    '!' | '+' | '[' | '(' | '{' if next == Some('(') || c != '!' && c != '+' => unknown = true,
                    c => {
                        re.push_str(&regex::escape(&c.to_string()));
                        sample.push(c);
                        short.push(c);
                    }
                }
            }
        }
        if capture && !re.ends_with(".*))?") {
            re.push_str("/?");
        }
        re.push('$');
        let prefix = source.split(['*', '?', ':', '@', '!', '+', '[', '(', '{']).next().unwrap_or("/").to_string();
        let short = if short.is_empty() { "/".to_string() } else { short };
        let regex = (!unknown).then(|| (regex::Regex::new(&re).expect("a model expression"), [sample, short]));
        rules.push(SourceRule {
            line: index as u32 + 1,
            host: None,
            pieces: vec![Piece::Text(prefix)],
            to,
            status,
            fast: false,
            unknown,
            regex,
        });
    }
    rules
}

/// Two paths an expression matches: every choice taken its first way and every repetition
/// made once (or as often as it must), then its last way and as few times as it may.
fn regex_samples(re: &str) -> [String; 2] {
    use regex_syntax::hir::{Class, Hir, HirKind};
    fn walk(hir: &Hir, long: bool, out: &mut String) {
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => {}
            HirKind::Literal(literal) => out.push_str(&String::from_utf8_lossy(&literal.0)),
            HirKind::Class(Class::Unicode(class)) => {
                let nice = ['a', '0', '-', 'Z', '_', '.', '/'];
                let ranges = class.ranges();
                let pick = nice.iter().copied().find(|&c| ranges.iter().any(|r| r.start() <= c && c <= r.end()));
                out.push(pick.or_else(|| ranges.first().map(|r| r.start())).unwrap_or('a'));
            }
            HirKind::Class(Class::Bytes(class)) => out.push(class.ranges().first().map_or('a', |r| r.start() as char)),
            HirKind::Repetition(repetition) => {
                let most = repetition.max.unwrap_or(u32::MAX);
                let times = if long { repetition.min.max(1).min(most) } else { repetition.min };
                for _ in 0..times {
                    walk(&repetition.sub, long, out);
                }
            }
            HirKind::Capture(capture) => walk(&capture.sub, long, out),
            HirKind::Concat(items) => items.iter().for_each(|item| walk(item, long, out)),
            HirKind::Alternation(branches) => {
                if let Some(branch) = if long { branches.first() } else { branches.last() } {
                    walk(branch, long, out);
                }
            }
        }
    }
    let hir = regex_syntax::parse(re).expect("a model expression");
    [true, false].map(|long| {
        let mut out = String::new();
        walk(&hir, long, &mut out);
        if out.starts_with('/') { out } else { format!("/{out}") }
    })
}

/// Generated Firebase redirects (literal segments, `*`, `**`, `?` and `*` inside a segment,
/// `@(a|b)`, `:name` whole and inside a segment, a final `:name*`; half of them with a destination
/// that names a capture, so read through path-to-regexp; and `regex` sources) agree with the model on njs and the
/// local runtime, for a request that fills every wildcard and one that leaves each short.
fn firebase_generated() -> Result<(), Failed> {
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut lines = Vec::new();
    for rule in 0..120 {
        let capture = next(2) == 0;
        let mut source = String::new();
        let mut names = Vec::new();
        let segments = 1 + next(4);
        for i in 0..segments {
            let last = i + 1 == segments;
            let name = format!("p{rule}x{i}");
            let segment = match next(9) {
                0 => "*".to_string(),
                1 if !last => "**".to_string(),
                1 | 2 => format!("s{rule}-*"),
                3 if !capture => format!("q{rule}?x"),
                4 if !capture => format!("@(a{rule}|b{rule})"),
                5 => {
                    names.push(name.clone());
                    format!(":{name}")
                }
                6 if capture => {
                    names.push(name.clone());
                    format!("f{rule}-:{name}.html")
                }
                7 if last && capture => {
                    names.push(name.clone());
                    format!(":{name}*")
                }
                _ => format!("d{rule}"),
            };
            source.push('/');
            source.push_str(&segment);
        }
        // On another host, so that no redirect leads to another (a loop the language refuses).
        let destination = if capture && !names.is_empty() {
            format!("https://example.org/to/{}", names.iter().map(|n| format!(":{n}")).collect::<Vec<_>>().join("/"))
        } else {
            format!("https://example.org/to/{rule}")
        };
        let kind = if next(2) == 0 { "301" } else { "302" };
        // Every third rule also has a `regex` twin (RE2, tried anywhere in the path).
        if rule % 3 == 0 {
            let (re, to) = match next(5) {
                0 => (format!(r"^/r{rule}/(\\d+)/(.*)$"), "https://example.org/to/:1/:2".to_string()),
                1 => (format!(r"/u{rule}-(\\w+)\\.html"), "https://example.org/to/:1".to_string()),
                2 => (format!(r"^/n{rule}/(?P<slug>[a-z]+)"), "https://example.org/to/:slug".to_string()),
                3 if rule % 2 == 0 => (format!(r"(.*)\\.php{rule}$"), "https://example.org/to/:1".to_string()),
                // A bare capture: group 1 holds the path's leading `/`.
                3 => (format!(r"(.*)\\.php{rule}$"), ":1".to_string()),
                _ => (format!(r"^/l{rule}/(a|bc)"), format!("https://example.org/to/x-:1/{rule}")),
            };
            lines.push(format!("    {{\"regex\": \"{re}\", \"destination\": \"{to}\", \"type\": {kind}}}"));
        }
        lines.push(format!("    {{\"source\": \"{source}\", \"destination\": \"{destination}\", \"type\": {kind}}}"));
    }
    let text = format!("{{\n  \"hosting\": {{\n  \"redirects\": [\n{}\n  ]\n  }}\n}}\n", lines.join(",\n"));
    if std::env::var_os("HEDGEC_SHOW").is_some() {
        println!("{text}");
    }
    let input = importers::Input::new("firebase.json", text.clone());
    let result = importers::import(importers::Format::Firebase, &[input], &importers::ImportOptions::default())
        .map_err(|e| fail(e.to_string()))?;
    let output = compile(&result.hedge, "firebase-generated")?;
    let rules = firebase_rules(&text);
    let (requests, skipped) = expectations(&rules, true, |line| result.left_out("firebase.json", line));
    println!(
        "    {} generated rules, {} reported; {} requests compared, {skipped} depend on a rule left out",
        rules.len(),
        result.summary.reported,
        requests.len()
    );
    for finding in result.findings.iter().filter(|f| f.kind.leaves_out()) {
        println!("      reported: line {}: {}", finding.line, finding.message);
    }
    if requests.len() < 200 {
        return Err(fail(format!("only {} requests", requests.len())));
    }
    failures_to_result(run_cases(&output, &requests)?)
}

/// A path that a rule's pattern matches: each placeholder filled with a value, `*` with two
/// segments.
fn sample_path(rule: &SourceRule) -> String {
    let mut path = String::new();
    let mut n = 0;
    for piece in &rule.pieces {
        match piece {
            Piece::Text(text) => path.push_str(text),
            Piece::Param(_) => {
                n += 1;
                path.push_str(&format!("v{n}"));
            }
            Piece::Splat => path.push_str("s1/s2"),
        }
    }
    if path.is_empty() { "/".into() } else { path }
}

/// What the platform answers for a request: the first rule that takes it and its captures;
/// `None` when no rule does, `Some(None)` when a rule not modelled here might.
fn resolve<'r>(
    rules: &'r [SourceRule],
    host: &str,
    path: &str,
    netlify: bool,
) -> Option<Option<(&'r SourceRule, BTreeMap<String, String>)>> {
    let key = if netlify && path.len() > 1 { path.trim_end_matches('/') } else { path };
    let host_ok = |r: &SourceRule| r.host.as_deref().is_none_or(|h| h == host);
    if !netlify && let Some(rule) = rules.iter().find(|r| r.fast && match_pieces(&r.pieces, key, false).is_some()) {
        return Some(Some((rule, BTreeMap::new())));
    }
    for rule in rules.iter().filter(|r| netlify || !r.fast) {
        if !host_ok(rule) {
            continue;
        }
        if rule.unknown {
            let prefix: String = rule
                .pieces
                .iter()
                .map_while(|p| if let Piece::Text(t) = p { Some(t.as_str()) } else { None })
                .collect();
            if key.starts_with(&prefix) {
                return Some(None);
            }
            continue;
        }
        if let Some((regex, _)) = &rule.regex {
            if let Some(found) = regex.captures(path) {
                // A destination that names no capture at its start or after a `/` is literal.
                if !(rule.to.starts_with(':') || rule.to.contains("/:")) {
                    return Some(Some((rule, BTreeMap::new())));
                }
                let named = regex.capture_names().flatten();
                let mut captures: BTreeMap<String, String> = named
                    .map(|name| (name.to_string(), found.name(name).map_or("", |m| m.as_str()).to_string()))
                    .collect();
                let mut unset = Vec::new();
                for (i, group) in found.iter().enumerate().skip(1) {
                    match group {
                        Some(group) => {
                            captures.insert(i.to_string(), group.as_str().to_string());
                        }
                        None => unset.push(format!(":{i}")),
                    }
                }
                // Firebase cannot fill a capture that took no part in the match: the rule is
                // passed over.
                if unset.iter().any(|name| rule.to.contains(name.as_str())) {
                    continue;
                }
                return Some(Some((rule, captures)));
            }
            continue;
        }
        if let Some(captures) = match_pieces(&rule.pieces, key, netlify) {
            return Some(Some((rule, captures)));
        }
    }
    None
}

/// A request for every rule's source (and for the bare prefix of each Cloudflare `/x/*`),
/// with what the platform answers; requests that depend on a rule left out of the import (or
/// not modelled) are counted, not compared.
fn expectations(rules: &[SourceRule], netlify: bool, left_out: impl Fn(u32) -> bool) -> (Vec<Request>, usize) {
    let mut requests = Vec::new();
    let mut skipped = 0;
    let mut paths: Vec<(String, String)> = Vec::new();
    for rule in rules {
        let host = rule.host.clone().unwrap_or_else(|| "example.com".into());
        match &rule.regex {
            Some((_, samples)) => paths.extend(samples.iter().map(|sample| (host.clone(), sample.clone()))),
            None => paths.push((host.clone(), sample_path(rule))),
        }
        if !netlify
            && let [.., Piece::Text(text), Piece::Splat] = rule.pieces.as_slice()
            && text.len() > 1
            && text.ends_with('/')
        {
            paths.push((host, text[..text.len() - 1].to_string()));
        }
    }
    for (host, path) in paths {
        // What reaches the server: no fragment.
        let path = path.split('#').next().unwrap_or("").to_string();
        let path = if path.is_empty() { "/".to_string() } else { path };
        let Some(resolved) = resolve(rules, &host, &path, netlify) else { continue };
        let Some((rule, captures)) = resolved else {
            skipped += 1;
            continue;
        };
        if left_out(rule.line) {
            skipped += 1;
            continue;
        }
        let url = format!("https://{host}{path}");
        let invocation = RequestSpec::parse(&format!("GET {url}")).expect("request").event();
        let target = fill(&rule.to, &captures, netlify);
        let expect = match rule.status {
            301 | 302 | 303 | 307 | 308 => {
                Expect { status: Some(rule.status), location: Some(target), ..Expect::default() }
            }
            200 => Expect { status: Some(200), uri: Some(target), ..Expect::default() },
            other => Expect { status: Some(other), ..Expect::default() },
        };
        requests.push(Request::new(format!("line {}: GET {url}", rule.line), invocation, expect));
    }
    (requests, skipped)
}

/// Netlify `_headers` blocks of the corpus (exact paths, `Name: value` lines).
fn netlify_header_expectations(text: &str) -> Vec<Request> {
    // (line, path, [(name, value)])
    type Block = (u32, String, Vec<(String, String)>);
    let mut blocks: Vec<Block> = Vec::new();
    for (index, raw) in text.split('\n').enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with('/') {
            blocks.push((index as u32 + 1, line.to_string(), Vec::new()));
        } else if let (Some(block), Some((name, value))) = (blocks.last_mut(), line.split_once(':')) {
            block.2.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let mut by_path: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (_, path, values) in &blocks {
        assert!(!path.contains(['*', ':']), "the model reads exact header paths only");
        let entry = by_path.entry(path.trim_end_matches('/').to_ascii_lowercase()).or_default();
        for (name, value) in values {
            entry.insert(name.clone(), value.clone());
        }
    }
    blocks
        .iter()
        .map(|(line, path, _)| {
            let invocation = RequestSpec::parse(&format!("GET https://example.com{path}")).expect("request").event();
            let headers = by_path[&path.trim_end_matches('/').to_ascii_lowercase()]
                .iter()
                .map(|(n, v)| (n.clone(), cases::expect::HeaderExpect::Value(v.clone())))
                .collect();
            Request::new(
                format!("line {line}: GET {path}"),
                invocation,
                Expect { status: Some(200), headers, ..Expect::default() },
            )
        })
        .collect()
}

struct Corpus {
    name: &'static str,
    format: importers::Format,
    /// Under `shared/external/`, or under `conformance/import/` when it starts with `import/`.
    file: &'static str,
    /// The counts the import prints: read, translated, approximated, reordered, reported,
    /// pinned so that a rule the importer starts leaving out (and whose requests the engine
    /// check then skips) fails the suite.
    counts: [usize; 5],
}

const CORPORA: &[Corpus] = &[
    Corpus {
        name: "cert-manager",
        format: importers::Format::Netlify,
        file: "cert-manager-website/_redirects",
        counts: [200, 190, 0, 0, 10],
    },
    Corpus {
        name: "kgateway",
        format: importers::Format::Cloudflare,
        file: "kgateway-dev/_redirects",
        counts: [951, 951, 0, 0, 0],
    },
    Corpus {
        name: "netlify-45000-redirects",
        format: importers::Format::Netlify,
        file: "netlify-build-fixtures/large_45000_redirects_file",
        counts: [45000, 45000, 0, 0, 0],
    },
    Corpus {
        name: "netlify-10000-headers",
        format: importers::Format::Netlify,
        file: "netlify-build-fixtures/large_headers_file",
        counts: [10000, 10000, 0, 0, 0],
    },
    Corpus {
        name: "firebase-angular-aio",
        format: importers::Format::Firebase,
        file: "import/firebase/angular-aio/firebase.json",
        counts: [90, 84, 0, 0, 6],
    },
    Corpus {
        name: "firebase-flutter-website",
        format: importers::Format::Firebase,
        file: "import/firebase/flutter-website/firebase.json",
        counts: [845, 839, 0, 0, 6],
    },
];

fn import_corpus(corpus: &Corpus) -> Result<(String, importers::ImportReturn), Failed> {
    let path = match corpus.file.strip_prefix("import/") {
        Some(local) => manifest().join("import").join(local),
        None => external(corpus.file),
    };
    let text = std::fs::read_to_string(&path).map_err(|e| fail(format!("{}: {e}", path.display())))?;
    let name = corpus.file.rsplit('/').next().unwrap_or(corpus.file).to_string();
    let input = importers::Input::new(name, text.clone());
    let result = importers::import(corpus.format, &[input], &importers::ImportOptions::default())
        .map_err(|e| fail(e.to_string()))?;
    Ok((text, result))
}

/// Every rule imported or reported, and the output compiles with no error.
fn corpus_import(corpus: &Corpus) -> Result<(), Failed> {
    let (_, result) = import_corpus(corpus)?;
    let s = result.summary;
    if s.translated + s.reported != s.rules || s.rules == 0 {
        return Err(fail(format!("counts do not add up: {s:?}")));
    }
    compile(&result.hedge, corpus.name)?;
    pinned_counts(corpus.name, &s, corpus.counts)
}

/// The import's counts (read, translated, approximated, reordered, reported) are the pinned ones,
/// and every rule is translated or reported.
fn pinned_counts(name: &str, s: &importers::Summary, pinned: [usize; 5]) -> Result<(), Failed> {
    println!("    {name}: {s}");
    let found = [s.rules, s.translated, s.approximated, s.reordered, s.reported];
    if found != pinned {
        return Err(fail(format!(
            "counts (read, translated, approximated, reordered, reported): {found:?}, pinned {pinned:?}"
        )));
    }
    if s.translated + s.reported != s.rules {
        return Err(fail(format!("translated + reported != rules: {s:?}")));
    }
    Ok(())
}

/// The budgets `hedgec check` gates on, and `hedgec check` itself.
fn corpus_check(corpus: &Corpus) -> Result<(), Failed> {
    let (_, result) = import_corpus(corpus)?;
    let output = compile(&result.hedge, corpus.name)?;
    for function in &output.report.functions {
        if function.bytes > compiler::MAX_FUNCTION_BYTES {
            return Err(fail(format!("{} is {} bytes", function.file, function.bytes)));
        }
    }
    if output.report.kvs.bytes > 5 * 1024 * 1024 {
        return Err(fail(format!("the KVS holds {} bytes", output.report.kvs.bytes)));
    }
    let dir = tempfile::tempdir().map_err(|e| fail(e.to_string()))?;
    let rules = dir.path().join("site.hedge");
    std::fs::write(&rules, &result.hedge).map_err(|e| fail(e.to_string()))?;
    let out = Command::new(hedgec()?)
        .arg("check")
        .arg(&rules)
        .env("NO_COLOR", "1")
        .output()
        .map_err(|e| fail(e.to_string()))?;
    if out.status.code() != Some(0) {
        return Err(fail(format!(
            "hedgec check exited {:?}:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(())
}

/// For every rule, a request for its source answers as the platform would.
fn corpus_requests(corpus: &Corpus) -> Result<(), Failed> {
    let (text, result) = import_corpus(corpus)?;
    let output = compile(&result.hedge, corpus.name)?;
    let file = corpus.file.rsplit('/').next().unwrap_or(corpus.file);
    let requests = if corpus.file.contains("headers") {
        netlify_header_expectations(&text)
    } else {
        // Firebase's final `**` also matches the bare prefix, as Netlify's `/*` does.
        let netlify = matches!(corpus.format, importers::Format::Netlify | importers::Format::Firebase);
        let rules = match corpus.format {
            importers::Format::Netlify => netlify_rules(&text),
            importers::Format::Firebase => firebase_rules(&text),
            _ => cloudflare_rules(&text),
        };
        let (requests, skipped) = expectations(&rules, netlify, |line| result.left_out(file, line));
        println!(
            "    {}: {} rules; {} requests compared, {skipped} depend on a rule left out of the import",
            corpus.name,
            rules.len(),
            requests.len()
        );
        requests
    };
    if requests.is_empty() {
        return Err(fail("no requests"));
    }
    failures_to_result(run_cases(&output, &requests)?)
}

fn corpora(trials: &mut Vec<Trial>) {
    for corpus in CORPORA {
        let name = corpus.name;
        trials.push(Trial::test(format!("corpus::{name}::import"), move || corpus_import(corpus)));
        trials.push(Trial::test(format!("corpus::{name}::check"), move || corpus_check(corpus)));
        trials.push(Trial::test(format!("corpus::{name}::engines"), move || corpus_requests(corpus)));
    }
}

// ---------------------------------------------------------------------------------------
// The command line.

/// Builds `hedgec` (a no-op when it is up to date) in the target directory this test was built
/// in, and returns its path.
fn hedgec() -> Result<PathBuf, Failed> {
    let exe = std::env::current_exe().map_err(|e| fail(e.to_string()))?;
    let profile = exe.parent().and_then(Path::parent).ok_or_else(|| fail("unexpected test binary location"))?;
    let target = profile.parent().ok_or_else(|| fail("unexpected test binary location"))?;
    let mut build = Command::new(env!("CARGO"));
    build.args(["build", "--quiet", "-p", "hedgec", "--bin", "hedgec", "--target-dir"]).arg(target);
    if profile.file_name().is_some_and(|n| n == "release") {
        build.arg("--release");
    }
    let status = build.current_dir(manifest()).status().map_err(|e| fail(format!("cannot run cargo: {e}")))?;
    if !status.success() {
        return Err(fail("cargo build of hedgec failed"));
    }
    Ok(profile.join(format!("hedgec{}", std::env::consts::EXE_SUFFIX)))
}

fn hedgec_import(args: &[&str], files: &[PathBuf]) -> Result<std::process::Output, Failed> {
    Command::new(hedgec()?)
        .arg("import")
        .args(args)
        .args(files)
        .env("NO_COLOR", "1")
        .output()
        .map_err(|e| fail(e.to_string()))
}

fn expect_exit(output: &std::process::Output, code: i32) -> Result<(), Failed> {
    if output.status.code() == Some(code) {
        Ok(())
    } else {
        Err(fail(format!(
            "expected exit {code}, got {:?}\nstderr: {}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        )))
    }
}

fn cli_exit_statuses() -> Result<(), Failed> {
    let dir = tempfile::tempdir().map_err(|e| fail(e.to_string()))?;
    let out = dir.path().join("kgateway.hedge");
    // Everything translated: 0, and -o holds what stdout would.
    let kgateway = external("kgateway-dev/_redirects");
    let written = hedgec_import(&["cloudflare", "-o", out.to_str().unwrap()], std::slice::from_ref(&kgateway))?;
    expect_exit(&written, 0)?;
    let printed = hedgec_import(&["cloudflare"], std::slice::from_ref(&kgateway))?;
    expect_exit(&printed, 0)?;
    let file = std::fs::read(&out).map_err(|e| fail(e.to_string()))?;
    if file != printed.stdout || file.is_empty() {
        return Err(fail("-o and stdout differ"));
    }
    let again = hedgec_import(&["cloudflare"], std::slice::from_ref(&kgateway))?;
    if again.stdout != printed.stdout {
        return Err(fail("two runs differ"));
    }
    let stderr = String::from_utf8_lossy(&written.stderr);
    if !stderr.contains("951 rules: 951 translated") {
        return Err(fail(format!("no closing note with the counts: {stderr}")));
    }
    // Rules left out: 1, with each reported on stderr with file and line.
    let cert = external("cert-manager-website/_redirects");
    let partial = hedgec_import(&["netlify"], std::slice::from_ref(&cert))?;
    expect_exit(&partial, 1)?;
    let stderr = String::from_utf8_lossy(&partial.stderr);
    if !stderr.contains("_redirects:29:1: unsupported:") || stderr.contains("_redirects:167:1:") {
        return Err(fail(format!("findings missing from stderr: {stderr}")));
    }
    // Unusable input: 2.
    let missing = hedgec_import(&["netlify"], &[dir.path().join("nope")])?;
    expect_exit(&missing, 2)?;
    let toml = dir.path().join("netlify.toml");
    std::fs::write(&toml, "[[redirects]]\nfrom = \"/a\"\nto = \n").map_err(|e| fail(e.to_string()))?;
    let bad_toml = hedgec_import(&["netlify"], std::slice::from_ref(&toml))?;
    expect_exit(&bad_toml, 2)?;
    if !String::from_utf8_lossy(&bad_toml.stderr).contains("netlify.toml:3:") {
        return Err(fail(format!("no line in: {}", String::from_utf8_lossy(&bad_toml.stderr))));
    }
    let latin1 = dir.path().join("_redirects");
    std::fs::write(&latin1, b"/a /b\n/caf\xe9 /c\n").map_err(|e| fail(e.to_string()))?;
    let not_utf8 = hedgec_import(&["netlify"], std::slice::from_ref(&latin1))?;
    expect_exit(&not_utf8, 2)?;
    let stderr = String::from_utf8_lossy(&not_utf8.stderr);
    if !stderr.contains("_redirects:2:5") || !stderr.contains("the file is not valid UTF-8") {
        return Err(fail(format!("no position in: {}", String::from_utf8_lossy(&not_utf8.stderr))));
    }
    let site_for_cloudflare =
        hedgec_import(&["cloudflare", "--site", dir.path().to_str().unwrap()], std::slice::from_ref(&kgateway))?;
    expect_exit(&site_for_cloudflare, 2)?;
    let unknown_format = hedgec_import(&["lighttpd"], &[kgateway])?;
    expect_exit(&unknown_format, 2)?;
    let no_site = hedgec_import(&["netlify", "--site", dir.path().join("nope").to_str().unwrap()], &[cert])?;
    expect_exit(&no_site, 2)
}

fn cli_json() -> Result<(), Failed> {
    let cert = external("cert-manager-website/_redirects");
    let output = hedgec_import(&["netlify", "--format", "json"], &[cert])?;
    expect_exit(&output, 1)?;
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).map_err(|e| fail(format!("not JSON: {e}")))?;
    let summary = &json["summary"];
    let (rules, translated, reported) =
        (summary["rules"].as_u64(), summary["translated"].as_u64(), summary["reported"].as_u64());
    if rules != Some(200) || translated.zip(reported).map(|(t, r)| t + r) != Some(200) {
        return Err(fail(format!("summary: {summary}")));
    }
    let findings = json["findings"].as_array().ok_or_else(|| fail("no findings array"))?;
    let left_out = findings.iter().filter(|f| matches!(f["kind"].as_str(), Some("unsupported" | "invalid"))).count();
    if left_out as u64 != reported.unwrap_or(0) || !findings.iter().all(|f| f["line"].is_u64() && f["file"].is_string())
    {
        return Err(fail(format!("findings: {findings:?}")));
    }
    let hedge = json["hedge"].as_str().ok_or_else(|| fail("no rules in the JSON without -o"))?;
    compile(hedge, "json")?;
    Ok(())
}

fn cli_site() -> Result<(), Failed> {
    let dir = manifest().join("import/netlify-site");
    let out = tempfile::tempdir().map_err(|e| fail(e.to_string()))?;
    let path = out.path().join("site.hedge");
    let output = hedgec_import(
        &["netlify", "--site", dir.join("public").to_str().unwrap(), "-o", path.to_str().unwrap()],
        &[dir.join("_redirects")],
    )?;
    expect_exit(&output, 0)?;
    let hedge = std::fs::read_to_string(&path).map_err(|e| fail(e.to_string()))?;
    if !hedge.contains("rewrite /about /about") {
        return Err(fail(format!("no guard for /about:\n{hedge}")));
    }
    Ok(())
}

fn cli(trials: &mut Vec<Trial>) {
    trials.push(Trial::test("cli::exit_statuses", cli_exit_statuses));
    trials.push(Trial::test("cli::json", cli_json));
    trials.push(Trial::test("cli::site", cli_site));
}

// ---------------------------------------------------------------------------------------
// A large literal map.

/// Rows of the generated map.
const LITERAL_ROWS: u64 = 13_000;

/// Pieces of generated paths: real shapes (CSS selectors, framework routes, file names) and
/// every character the rules language or the way to it treats specially.
const LITERAL_PIECES: &[&str] = &[
    "Web",
    "CSS",
    ":is",
    "::before",
    "Using_the_:target_selector",
    ":splat",
    "a:b",
    "12:30h",
    "*",
    "release-*",
    "a*b",
    "[id]",
    "[...slug]",
    "(group)",
    "f(x)",
    "café",
    "日本語",
    "naïve",
    "Ω",
    "100%",
    "%25",
    "%3A",
    "50%off",
    "%zz",
    "\\",
    "a\\b",
    "\\:x",
    "\\*",
    "$1",
    "$$",
    "{x}",
    "\"q\"",
    "~user",
    "a,b",
    "it's",
    "!@+=;&",
    "page.html",
];

/// One generated row: its source and target as the CSV holds them, and its status field.
struct LiteralRow {
    from: String,
    to: String,
    status: &'static str,
}

fn literal_path(seed: &mut cases::generate::Seeded, prefix: &str) -> String {
    use cases::generate::Choices;
    let mut path = prefix.to_string();
    for _ in 0..1 + seed.below(4) {
        path.push('/');
        for _ in 0..1 + seed.below(2) {
            path.push_str(LITERAL_PIECES[seed.below(LITERAL_PIECES.len())]);
        }
    }
    path
}

/// The rows: every source unique (its first segment numbers it), every target another path or
/// another host's URL, so that no row can answer for another or chain into one.
fn literal_rows() -> Vec<LiteralRow> {
    use cases::generate::Choices;
    let mut seed = cases::generate::Seeded::new(13_000);
    (0..LITERAL_ROWS)
        .map(|index| {
            let from = match seed.below(20) {
                0 => literal_path(&mut seed, &format!("https://old.example.com/r{index}")),
                _ => literal_path(&mut seed, &format!("/r{index}")),
            };
            let to = match seed.below(5) {
                0 => literal_path(&mut seed, &format!("https://example.org/t{index}")),
                _ => literal_path(&mut seed, &format!("/t{index}")),
            };
            let status = ["", "301", "302", "307", "308"][seed.below(5)];
            LiteralRow { from, to, status }
        })
        .collect()
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_string() }
}

/// The request a browser sends for a source: characters outside `!`..`~` percent-encoded.
fn browser_request(from: &str) -> String {
    let mut url = String::new();
    for c in from.chars() {
        if ('!'..='~').contains(&c) {
            url.push(c);
        } else {
            let mut bytes = [0; 4];
            for byte in c.encode_utf8(&mut bytes).bytes() {
                url.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    url
}

fn literal_map() -> Result<(), Failed> {
    let rows = literal_rows();
    let dir = tempfile::tempdir().map_err(|e| fail(e.to_string()))?;
    let csv = dir.path().join("redirects.csv");
    let mut text = String::from("from,to,status\n");
    for row in &rows {
        text.push_str(&format!("{},{},{}\n", csv_field(&row.from), csv_field(&row.to), row.status));
    }
    std::fs::write(&csv, &text).map_err(|e| fail(e.to_string()))?;
    let out = dir.path().join("site.hedge");
    let imported = hedgec_import(&["csv", "--format", "json", "-o", out.to_str().unwrap()], &[csv])?;
    expect_exit(&imported, 0)?;
    let json: serde_json::Value =
        serde_json::from_slice(&imported.stdout).map_err(|e| fail(format!("not JSON: {e}")))?;
    let summary = &json["summary"];
    let translated = summary["translated"].as_u64();
    if summary["rules"].as_u64() != Some(LITERAL_ROWS) || translated != Some(LITERAL_ROWS) {
        return Err(fail(format!("rows lost: {summary}")));
    }
    let hedge = std::fs::read_to_string(&out).map_err(|e| fail(e.to_string()))?;
    let output = compile(&hedge, "site.hedge")?;
    let requests: Vec<Request> = rows
        .iter()
        .enumerate()
        .map(|(index, row)| {
            let request = browser_request(&row.from);
            let invocation = RequestSpec::parse(&format!("GET {request}")).expect("a request line").event();
            let status = row.status.parse().unwrap_or(301);
            let expect = Expect { status: Some(status), location: Some(row.to.clone()), ..Expect::default() };
            Request::new(format!("row {}: GET {request}", index + 2), invocation, expect)
        })
        .collect();
    println!(
        "    {} rows imported and compiled: request function {} bytes, {} KVS entries",
        rows.len(),
        output.request.len(),
        output.kvs.len()
    );
    failures_to_result(run_cases(&output, &requests)?)
}
