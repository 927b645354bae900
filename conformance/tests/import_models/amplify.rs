//! Amplify Hosting's rewrites and redirects JSON (`conformance/import/amplify/`): a small model of
//! how Amplify answers a request, written from Amplify's documentation independently of the
//! importer, and a request for every rule of each corpus sent through the imported rules on njs
//! and on the local runtime and compared with it.
//!
//! The model: rules are tried in list order and the first that matches answers, except that
//! `404` and `404-200` rules are tried only after every other rule (Amplify applies them when no
//! file and no other rule answers; the sites modelled here have no files), in their own list
//! order. A source matches the whole path, with case: `<*>` takes any rest of the path, `<name>`
//! one non-empty segment, anything else is literal. A `condition` `<US,CA>` takes only viewers
//! from those countries. In the target, `<*>` and `<name>` are what the source took. `301` and
//! `302` redirect; `200` and `404-200` serve the target's path; `404` answers 404.
//!
//! The requests: for every rule, the path its source names (each `<name>` a value, `<*>` two
//! segments), from each of its countries and from none. A source holding a `#fragment` names a
//! path no browser sends, and one holding `?` names a query Amplify's path match never sees:
//! neither can take a request, so no request is made for them.

use std::collections::{BTreeMap, BTreeSet};

use cases::{Expect, RequestSpec};
use libtest_mimic::{Failed, Trial};

use super::{
    Request, compile, expect_exit, fail, failures_to_result, hedgec_import, manifest, pinned_counts, run_cases,
};

/// A corpus: its file under `conformance/import/amplify/` and the counts its import prints.
struct AmplifyCorpus {
    name: &'static str,
    file: &'static str,
    /// read, translated, approximated, reordered, reported.
    counts: [usize; 5],
}

const CORPORA: &[AmplifyCorpus] = &[
    AmplifyCorpus { name: "amplify-aws-docs", file: "aws-amplify-docs/redirects.json", counts: [2036, 2024, 0, 1, 12] },
    AmplifyCorpus { name: "amplify-features", file: "features/redirects.json", counts: [14, 13, 1, 2, 1] },
];

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    /// `<name>`: one non-empty segment.
    Param(String),
    /// `<*>`: any rest, also none.
    Rest,
}

#[derive(Debug)]
struct AmplifyRule {
    line: u32,
    pieces: Vec<Piece>,
    target: String,
    status: String,
    countries: Vec<String>,
    /// A source no request can take: a `#fragment` or a `?query` in it.
    never: bool,
}

impl AmplifyRule {
    fn fallback(&self) -> bool {
        matches!(self.status.as_str(), "404" | "404-200")
    }
}

fn pieces(source: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut rest = source;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>') else { break };
        let name = &rest[open + 1..open + close];
        text.push_str(&rest[..open]);
        let piece = if name == "*" {
            Some(Piece::Rest)
        } else if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            Some(Piece::Param(name.to_string()))
        } else {
            None
        };
        match piece {
            Some(piece) => {
                if !text.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut text)));
                }
                out.push(piece);
            }
            None => text.push_str(&rest[open..open + close + 1]),
        }
        rest = &rest[open + close + 1..];
    }
    text.push_str(rest);
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    out
}

/// The rules of a file, one JSON object per line as both corpora are written, with the line
/// each starts on.
fn rules(text: &str) -> Vec<AmplifyRule> {
    let list: Vec<serde_json::Value> = serde_json::from_str(text).expect("the corpus is JSON");
    let lines: Vec<u32> =
        text.lines().enumerate().filter(|(_, l)| l.contains("\"source\"")).map(|(i, _)| i as u32 + 1).collect();
    assert_eq!(lines.len(), list.len(), "the model reads one rule per line");
    list.iter()
        .zip(lines)
        .map(|(rule, line)| {
            let field = |key: &str| rule[key].as_str().unwrap_or_default().to_string();
            let source = field("source");
            let condition = field("condition");
            let countries = condition
                .trim_matches(|c| c == '<' || c == '>')
                .split(',')
                .map(|c| c.trim().to_ascii_uppercase())
                .filter(|c| !c.is_empty())
                .collect();
            AmplifyRule {
                line,
                never: source.contains(['#', '?']),
                pieces: pieces(&source),
                target: field("target"),
                status: field("status"),
                countries,
            }
        })
        .collect()
}

/// Matches pieces against a whole path; the captures by name (`*` for the rest).
fn matches(pieces: &[Piece], path: &str) -> Option<BTreeMap<String, String>> {
    fn go(pieces: &[Piece], path: &str, captures: &mut BTreeMap<String, String>) -> bool {
        let Some((first, rest)) = pieces.split_first() else { return path.is_empty() };
        let attempt = |name: &str, n: usize, captures: &mut BTreeMap<String, String>| {
            let mut tried = captures.clone();
            tried.insert(name.to_string(), path[..n].to_string());
            let ok = go(rest, &path[n..], &mut tried);
            if ok {
                *captures = tried;
            }
            ok
        };
        match first {
            Piece::Text(text) => path.strip_prefix(text.as_str()).is_some_and(|p| go(rest, p, captures)),
            Piece::Param(name) => {
                let end = path.find('/').unwrap_or(path.len());
                (1..=end).rev().any(|n| attempt(name, n, captures))
            }
            Piece::Rest => {
                (0..=path.len()).rev().filter(|&n| path.is_char_boundary(n)).any(|n| attempt("*", n, captures))
            }
        }
    }
    let mut captures = BTreeMap::new();
    go(pieces, path, &mut captures).then_some(captures)
}

/// A target with `<*>` and `<name>` filled; `None` when it names what the source did not take.
fn fill(target: &str, captures: &BTreeMap<String, String>) -> Option<String> {
    let mut out = String::new();
    let mut rest = target;
    while let Some(open) = rest.find('<') {
        let close = rest[open..].find('>')?;
        let name = &rest[open + 1..open + close];
        out.push_str(&rest[..open]);
        out.push_str(captures.get(name)?);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// What Amplify answers: the rule that takes the request (by line) and the expectation;
/// `Some((line, None))` when that rule's answer is not followed by the model.
fn answer(rules: &[AmplifyRule], path: &str, country: Option<&str>) -> Option<(u32, Option<Expect>)> {
    let ordered = rules.iter().filter(|r| !r.fallback()).chain(rules.iter().filter(|r| r.fallback()));
    for rule in ordered {
        if rule.never || (!rule.countries.is_empty() && !country.is_some_and(|c| rule.countries.iter().any(|r| r == c)))
        {
            continue;
        }
        let Some(captures) = matches(&rule.pieces, path) else { continue };
        let Some(target) = fill(&rule.target, &captures) else { return Some((rule.line, None)) };
        let expect = match rule.status.as_str() {
            "301" | "302" => Expect { status: rule.status.parse().ok(), location: Some(target), ..Expect::default() },
            "200" | "404-200" if target.starts_with('/') => {
                Expect { status: Some(200), uri: Some(target), ..Expect::default() }
            }
            "404" => Expect { status: Some(404), ..Expect::default() },
            _ => return Some((rule.line, None)),
        };
        return Some((rule.line, Some(expect)));
    }
    None
}

/// The path a rule's source names: `<name>` a value, `<*>` two segments.
fn sample(rule: &AmplifyRule) -> String {
    let mut path = String::new();
    for (i, piece) in rule.pieces.iter().enumerate() {
        match piece {
            Piece::Text(text) => path.push_str(text),
            Piece::Param(_) => path.push_str(&format!("v{i}")),
            Piece::Rest => path.push_str("s1/s2"),
        }
    }
    path
}

fn import(corpus: &AmplifyCorpus) -> Result<(String, importers::ImportReturn), Failed> {
    let path = manifest().join("import/amplify").join(corpus.file);
    let text = std::fs::read_to_string(&path).map_err(|e| fail(format!("{}: {e}", path.display())))?;
    let input = importers::Input::new("redirects.json", text.clone());
    let result = importers::import(importers::Format::Amplify, &[input], &importers::ImportOptions::default())
        .map_err(|e| fail(e.to_string()))?;
    Ok((text, result))
}

/// The counts of the import are pinned, and every rule is imported or reported.
fn counts(corpus: &AmplifyCorpus) -> Result<(), Failed> {
    let (_, result) = import(corpus)?;
    pinned_counts(corpus.name, &result.summary, corpus.counts)
}

/// Every rule's request answers on njs and on the local runtime as the model says Amplify does.
fn engines(corpus: &AmplifyCorpus) -> Result<(), Failed> {
    let (text, result) = import(corpus)?;
    let output = compile(&result.hedge, corpus.name)?;
    let rules = rules(&text);
    let mut requests = Vec::new();
    let mut skipped = BTreeMap::<&str, usize>::new();
    let mut seen = BTreeSet::new();
    for rule in &rules {
        if rule.never {
            *skipped.entry("a source no request can take").or_default() += 1;
            continue;
        }
        let path = sample(rule);
        let countries: Vec<Option<&str>> =
            std::iter::once(None).chain(rule.countries.iter().map(|c| Some(c.as_str()))).collect();
        for country in countries {
            if !seen.insert((path.clone(), country)) {
                continue;
            }
            let Some((line, expect)) = answer(&rules, &path, country) else {
                *skipped.entry("no rule takes it (served from the site's files)").or_default() += 1;
                continue;
            };
            if result.left_out("redirects.json", line) {
                *skipped.entry("answered by a rule left out of the import").or_default() += 1;
                continue;
            }
            let Some(expect) = expect else {
                *skipped.entry("not followed by the model").or_default() += 1;
                continue;
            };
            let mut spec =
                RequestSpec::parse(&format!("GET https://example.com{path}")).map_err(|e| fail(e.to_string()))?;
            spec.country = country.map(str::to_string);
            let from = country.map_or(String::new(), |c| format!(" from {c}"));
            requests.push(Request::new(format!("line {line}: GET {path}{from}"), spec.event(), expect));
        }
    }
    println!(
        "    {}: {} rules; {} requests compared on njs and boa with the model; skipped: {skipped:?}",
        corpus.name,
        rules.len(),
        requests.len()
    );
    if requests.is_empty() {
        return Err(fail("no requests"));
    }
    failures_to_result(run_cases(&output, &requests)?)
}

/// `customHttp.yml` through the binary: the headers it sets reach responses from the origin on
/// njs and the local runtime as Amplify sets them (every matching entry, in file order; a
/// redirect is answered at the edge, so no header rule reaches it); a glob on the file
/// extension is reported; a file that is not YAML is an input error with its line and column.
fn custom_http() -> Result<(), Failed> {
    let dir = manifest().join("import/amplify/features");
    let out = tempfile::tempdir().map_err(|e| fail(e.to_string()))?;
    let hedge = out.path().join("site.hedge");
    let files = [dir.join("redirects.json"), dir.join("customHttp.yml")];
    let output = hedgec_import(&["amplify", "-o", hedge.to_str().unwrap_or_default()], &files)?;
    expect_exit(&output, 1)?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !stderr.contains("customHttp.yml:15:9: unsupported:") {
        return Err(fail(format!("the `*.json` header is not reported at its line and column:\n{stderr}")));
    }
    let text = std::fs::read_to_string(&hedge).map_err(|e| fail(e.to_string()))?;
    let compiled = compile(&text, "amplify-custom-http")?;
    let header = |value: &str| cases::expect::HeaderExpect::Value(value.to_string());
    let hsts = ("strict-transport-security".to_string(), header("max-age=31536000; includeSubDomains"));
    let frame = ("x-frame-options".to_string(), header("SAMEORIGIN"));
    let cache = ("cache-control".to_string(), header("public, max-age=3600"));
    let no_cache = ("cache-control".to_string(), cases::expect::HeaderExpect::Present(false));
    let asked = [
        ("/pricing", vec![hsts.clone(), frame.clone(), no_cache]),
        ("/app/x", vec![hsts.clone(), frame.clone()]),
        ("/documents/guide", vec![hsts, frame, cache]),
    ];
    let mut requests = Vec::new();
    for (path, headers) in asked {
        let spec = RequestSpec::parse(&format!("GET https://example.com{path}")).map_err(|e| fail(e.to_string()))?;
        let expect = Expect { headers: headers.into_iter().collect(), ..Expect::default() };
        requests.push(Request::new(format!("customHttp.yml: GET {path}"), spec.event(), expect));
    }
    failures_to_result(run_cases(&compiled, &requests)?)?;
    let broken = out.path().join("customHttp.yml");
    std::fs::write(&broken, "customHeaders:\n  - pattern: '/a'\n    headers: [\n").map_err(|e| fail(e.to_string()))?;
    let output = hedgec_import(&["amplify"], &[broken])?;
    expect_exit(&output, 2)?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !stderr.contains("customHttp.yml:4:1") || !stderr.contains("not valid YAML") {
        return Err(fail(format!("no line and column for broken YAML:\n{stderr}")));
    }
    Ok(())
}

pub fn trials(trials: &mut Vec<Trial>) {
    trials.push(Trial::test("model::amplify", model));
    trials.push(Trial::test("cli::amplify_custom_http", custom_http));
    for corpus in CORPORA {
        trials.push(Trial::test(format!("corpus::{}::import", corpus.name), move || counts(corpus)));
        trials.push(Trial::test(format!("corpus::{}::engines", corpus.name), move || engines(corpus)));
    }
}

/// The model itself, on the shapes the corpora use.
fn model() -> Result<(), Failed> {
    let p = pieces("/<platform>/build-a-backend/<page>/");
    let c = matches(&p, "/react/build-a-backend/auth/").ok_or_else(|| fail("no match"))?;
    let docs = matches(&pieces("/docs/<*>"), "/docs/a/b").ok_or_else(|| fail("no match"))?;
    let checks = [
        c["platform"] == "react",
        matches(&p, "/react/build-a-backend/auth").is_none(),
        matches(&pieces("/docs/<*>"), "/docs/").is_some(),
        fill("/documents/<*>", &docs).as_deref() == Some("/documents/a/b"),
        fill("/x/#<*>", &BTreeMap::new()).is_none(),
    ];
    if checks.iter().all(|ok| *ok) { Ok(()) } else { Err(fail(format!("model checks: {checks:?}"))) }
}
