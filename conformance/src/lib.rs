//! Conformance suites for hedgec, as data: each file under `conformance/` is one test.
//!
//! - `rules/*.toml`: a rules file and requests with expectations; compiled, then run on every
//!   engine (njs, and the local runtime), with the viewer-response event showing the request
//!   both as forwarded and as received.
//!
//! This crate holds the runners; the test targets in `tests/` turn each file into a test.

pub mod docmap;

use std::path::Path;

use cases::{Engine, Kvs, ResponseEventRequest, Site};

/// Every `conformance/rules/*.toml` file, sorted. Asserts there are at least 20: a runner that
/// finds no files would pass without testing anything.
pub fn rules_files() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .expect("conformance/rules exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 20, "only {} rules files under {}", paths.len(), dir.display());
    paths
}

/// Reads and parses a case file; an error is the rendered diagnostic.
pub fn read_case_file(path: &Path) -> Result<cases::casefile::CaseFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    cases::casefile::parse(&text, path.parent().unwrap_or(Path::new("."))).map_err(|e| {
        rules_dsl::diagnostics::render(
            &[e],
            &rules_dsl::SourceFile::new(path.display().to_string(), text.as_str()),
            false,
        )
    })
}

/// Compiles the rules of a case file and runs its cases on `engine`, for each placement of its
/// exact rules ([`placements`]). Returns one line per failure (empty when everything passed).
pub fn run_rules_file(path: &Path, engine: &mut dyn Engine) -> Result<Vec<String>, String> {
    let file = read_case_file(path)?;
    let rules = file.rules.as_deref().ok_or_else(|| format!("{}: no `rules`", path.display()))?;
    let mut failures = Vec::new();
    for (placement, analysed, compiled) in placements(rules, &path.display().to_string())? {
        let found = run_compiled(path, &file, &analysed, &compiled, engine)?;
        failures.extend(found.into_iter().map(|failure| format!("{failure} ({placement})")));
    }
    Ok(failures)
}

/// The ways the conformance suites compile a rules file: as `hedgec compile` does, and, when
/// that keeps a small site's exact rules in code, with them in the KVS as well, so that both
/// placements are tested on every file. Each comes with its label.
pub fn placements(
    rules: &str,
    name: &str,
) -> Result<Vec<(&'static str, rules_dsl::ir::Rules, compiler::CompileReturn)>, String> {
    let (analysed, compiled) = compile_with_rules(rules, name)?;
    let mut all = Vec::new();
    let in_kvs = compiler::CompileOptions { exact_in_kvs: true, ..compiler::CompileOptions::default() };
    let (analysed_kvs, compiled_kvs) = compile_with_options(rules, name, &in_kvs)?;
    let differs = compiled_kvs.request != compiled.request;
    all.push(("as compiled", analysed, compiled));
    if differs {
        all.push(("exact rules in the KVS", analysed_kvs, compiled_kvs));
    }
    Ok(all)
}

fn run_compiled(
    path: &Path,
    file: &cases::casefile::CaseFile,
    analysed: &rules_dsl::ir::Rules,
    compiled: &compiler::CompileReturn,
    engine: &mut dyn Engine,
) -> Result<Vec<String>, String> {
    let kvs: Kvs = compiled.kvs.iter().map(|e| (e.key.clone(), e.value.clone())).collect();
    let site = Site { request: &compiled.request, response: compiled.response.as_deref(), kvs: &kvs };
    let requests: Vec<_> = file.cases.iter().map(|c| (c.invocation.clone(), c.origin.clone())).collect();
    let mut failures = Vec::new();
    let forwarded = cases::simulate::simulate(engine, site, &requests, ResponseEventRequest::AsForwarded)
        .map_err(|e| e.to_string())?;
    let received = cases::simulate::simulate(engine, site, &requests, ResponseEventRequest::AsReceived)
        .map_err(|e| e.to_string())?;
    for ((case, a), b) in file.cases.iter().zip(&forwarded).zip(&received) {
        for mismatch in cases::expect::check(&case.expect, a) {
            failures.push(format!("{}:{}: {} [{}]: {mismatch}", path.display(), case.line, case.name, engine.name()));
        }
        // `hedgec explain` reasons from the rules; the functions must agree with it on the
        // number of KVS reads and on whether the request function answers.
        if a.error.is_none() {
            let mut request = explain_request(&case.invocation);
            request.origin_status = Some(case.origin.status);
            let explanation = compiler::explain::explain(analysed, compiled, &request);
            let answered = explanation
                .matched
                .and_then(|o| analysed.routes.iter().find(|r| r.origin == o))
                .is_some_and(|r| !matches!(r.action, rules_dsl::ir::Action::Rewrite { .. }));
            if explanation.kvs_keys.len() as u32 != a.kvs_reads() || answered != a.origin_request.is_none() {
                failures.push(format!(
                    "{}:{}: {} [{}]: explain says {} KVS reads and {}, the functions read {} and {}",
                    path.display(),
                    case.line,
                    case.name,
                    engine.name(),
                    explanation.kvs_keys.len(),
                    if answered { "an answer from the request function" } else { "a request to the origin" },
                    a.kvs_reads(),
                    if a.origin_request.is_none() { "answered" } else { "forwarded" },
                ));
            }
        }
        // The request function deletes a viewer's own `x-hedge-path`, so a spoofed one can only
        // show up when the event shows the request as received; it can only change the headers
        // of the response to that same viewer, so such requests are left out of this comparison.
        let spoofed = case.invocation.event.pointer("/request/headers/x-hedge-path").is_some();
        if a.viewer_response != b.viewer_response && !spoofed {
            failures.push(format!(
                "{}:{}: {} [{}]: the response differs when the viewer-response event shows the request as received:\n  forwarded: {:?}\n  received:  {:?}",
                path.display(), case.line, case.name, engine.name(), a.viewer_response, b.viewer_response
            ));
        }
    }
    Ok(failures)
}

/// The request of a viewer-request event, as `hedgec explain` takes it.
pub fn explain_request(invocation: &cases::Invocation) -> compiler::explain::Request {
    let request = &invocation.event["request"];
    let first = |field: &serde_json::Value| {
        field
            .get("multiValue")
            .and_then(|m| m.get(0))
            .unwrap_or(field)
            .get("value")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let fields = |name: &str| -> std::collections::BTreeMap<String, String> {
        request[name]
            .as_object()
            .map(|o| o.iter().map(|(k, v)| (k.to_ascii_lowercase(), first(v))).collect())
            .unwrap_or_default()
    };
    let headers = fields("headers");
    let cookies = request["cookies"]
        .as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), first(v))).collect())
        .unwrap_or_default();
    compiler::explain::Request {
        host: headers.get("host").cloned().unwrap_or_default(),
        path: request["uri"].as_str().unwrap_or("/").to_string(),
        query: invocation.raw_query.clone().or_else(|| {
            let query = cases::event::query_string(&request["querystring"]);
            (!query.is_empty()).then_some(query)
        }),
        headers,
        cookies,
        origin_status: None,
    }
}

/// Compiles rules text through [`compiler::build`], as `hedgec compile` does, failing on any
/// error; returns the rules with the output.
pub fn compile_with_rules(rules: &str, name: &str) -> Result<(rules_dsl::ir::Rules, compiler::CompileReturn), String> {
    compile_with_options(rules, name, &compiler::CompileOptions::default())
}

/// [`compile_with_rules`] with options.
pub fn compile_with_options(
    rules: &str,
    name: &str,
    options: &compiler::CompileOptions,
) -> Result<(rules_dsl::ir::Rules, compiler::CompileReturn), String> {
    let build = compiler::build(name, rules.as_bytes(), options).map_err(|e| e.to_string())?;
    build.into_result().map(|compiled| (compiled.rules, compiled.output))
}

/// Checks a citation of the runtime's "Known differences": `documented_at` (`lib.rs:LINE`) is a
/// line of that section of `runtime-js/src/lib.rs` and holds `quote`, so that a citation that
/// drifts when the section is edited fails instead of pointing at another difference.
pub fn check_known_difference(documented_at: &str, quote: &str) -> Result<(), String> {
    let lib = include_str!("../../runtime-js/src/lib.rs");
    let start = lib.lines().position(|l| l.contains("# Known differences")).ok_or("no Known differences section")?;
    let end = lib.lines().position(|l| !l.starts_with("//!")).unwrap_or(0);
    let line: usize = documented_at
        .strip_prefix("lib.rs:")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("{documented_at:?} is not lib.rs:LINE"))?;
    let text = lib.lines().nth(line.saturating_sub(1)).unwrap_or_default();
    if line <= start + 1 || line > end {
        return Err(format!("{documented_at} is not in the Known differences section"));
    }
    if !text.contains(quote) {
        return Err(format!("{documented_at} does not say {quote:?}: it is {text:?}"));
    }
    Ok(())
}

/// Analyses and compiles rules text, failing on any error.
pub fn compile(rules: &str, name: &str) -> Result<compiler::CompileReturn, String> {
    compile_with_rules(rules, name).map(|(_, output)| output)
}

/// Where two engines' traces of one request differ: the viewer-request call, the request that
/// reached the origin, the viewer-response call and what the viewer receives. Each call is
/// compared whole (its output object as text, so key order counts; whether it failed; its logs,
/// KVS reads and origin change), with these exceptions, each for a reason:
///
/// - error texts: the engines word their errors differently (runtime-js "Known differences");
///   only whether a call failed is compared;
/// - `instructions` and `compute_utilization`: only the local runtime counts them.
///
/// An engine that could not run the function at all agrees with nothing.
pub fn trace_disagreements(njs: &cases::simulate::Trace, boa: &cases::simulate::Trace) -> Vec<String> {
    let mut found = call_disagreements("viewer-request", Some(&njs.request), Some(&boa.request));
    found.extend(call_disagreements("viewer-response", njs.response.as_ref(), boa.response.as_ref()));
    let text = |v: &Option<serde_json::Value>| v.as_ref().map(serde_json::Value::to_string);
    if text(&njs.origin_request) != text(&boa.origin_request) {
        found.push(format!(
            "the request to the origin differs\n      njs: {:?}\n      boa: {:?}",
            text(&njs.origin_request),
            text(&boa.origin_request)
        ));
    }
    if text(&njs.viewer_response) != text(&boa.viewer_response) {
        found.push(format!(
            "the viewer's response differs\n      njs: {:?}\n      boa: {:?}",
            text(&njs.viewer_response),
            text(&boa.viewer_response)
        ));
    }
    if njs.error.is_some() != boa.error.is_some() {
        found.push(format!("only one engine failed: njs {:?}, boa {:?}", njs.error, boa.error));
    }
    found
}

fn call_disagreements(which: &str, njs: Option<&cases::Outcome>, boa: Option<&cases::Outcome>) -> Vec<String> {
    let (njs, boa) = match (njs, boa) {
        (None, None) => return Vec::new(),
        (Some(njs), Some(boa)) => (njs, boa),
        (njs, _) => {
            return vec![format!(
                "the {which} function ran on {}",
                if njs.is_some() { "njs only" } else { "boa only" }
            )];
        }
    };
    let mut found = Vec::new();
    if njs.engine_failed {
        found.push(format!("{which}: njs could not run the function: {}", njs.error.as_deref().unwrap_or_default()));
    }
    let text = |o: &cases::Outcome| o.output.as_ref().map(serde_json::Value::to_string);
    if text(njs) != text(boa) || njs.error.is_some() != boa.error.is_some() {
        found.push(format!(
            "{which}: the result differs\n      njs: {}\n      boa: {}",
            text(njs).or(njs.error.clone()).unwrap_or_default(),
            text(boa).or(boa.error.clone()).unwrap_or_default()
        ));
    }
    if njs.logs != boa.logs {
        found.push(format!("{which}: the logs differ\n      njs: {:?}\n      boa: {:?}", njs.logs, boa.logs));
    }
    if njs.kvs_reads != boa.kvs_reads {
        found.push(format!("{which}: KVS reads differ: njs {}, boa {}", njs.kvs_reads, boa.kvs_reads));
    }
    if njs.origin != boa.origin {
        found.push(format!("{which}: the origin change differs: njs {:?}, boa {:?}", njs.origin, boa.origin));
    }
    found
}

/// Runs the cases of a rules file on njs and on the local runtime and compares the two engines'
/// whole traces, request by request, both for the viewer-response event that shows the
/// request as forwarded and for the one that shows it as received. Returns the number of
/// requests compared and one line per disagreement.
pub fn compare_engines_on_rules_file(path: &Path) -> Result<(usize, Vec<String>), String> {
    let file = read_case_file(path)?;
    let rules = file.rules.as_deref().ok_or_else(|| format!("{}: no `rules`", path.display()))?;
    let requests: Vec<_> = file.cases.iter().map(|c| (c.invocation.clone(), c.origin.clone())).collect();
    let mut failures = Vec::new();
    for (placement, _, compiled) in placements(rules, &path.display().to_string())? {
        let kvs: Kvs = compiled.kvs.iter().map(|e| (e.key.clone(), e.value.clone())).collect();
        let site = Site { request: &compiled.request, response: compiled.response.as_deref(), kvs: &kvs };
        for shows in [ResponseEventRequest::AsForwarded, ResponseEventRequest::AsReceived] {
            let njs = cases::simulate::simulate(&mut cases::njs::Njs::default(), site, &requests, shows)
                .map_err(|e| e.to_string())?;
            let boa = cases::simulate::simulate(&mut cases::boa::Boa::default(), site, &requests, shows)
                .map_err(|e| e.to_string())?;
            for ((case, njs), boa) in file.cases.iter().zip(&njs).zip(&boa) {
                for problem in trace_disagreements(njs, boa) {
                    failures.push(format!(
                        "{}:{}: {} ({shows:?}, {placement}): {problem}",
                        path.display(),
                        case.line,
                        case.name
                    ));
                }
            }
        }
    }
    Ok((file.cases.len(), failures))
}
