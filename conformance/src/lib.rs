//! Conformance suites for hedgec, as data: each file under `conformance/` is one test.
//!
//! - `rules/*.toml`: a rules file and requests with expectations; compiled, then run on every
//!   engine (njs, and the local runtime), with the viewer-response event showing the request
//!   both as forwarded and as received.
//!
//! This crate holds the runners; the test targets in `tests/` turn each file into a test.

use std::path::Path;

use cases::{Engine, Kvs, ResponseEventRequest, Site};

/// Compiles the rules of a case file and runs its cases on `engine`. Returns one line per
/// failure (empty when everything passed).
pub fn run_rules_file(path: &Path, engine: &mut dyn Engine) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let file = cases::casefile::parse(&text, path.parent().unwrap_or(Path::new(".")))
        .map_err(|e| format!("{}:{e}", path.display()))?;
    let rules = file.rules.as_deref().ok_or_else(|| format!("{}: no `rules`", path.display()))?;
    let compiled = compile(rules, &path.display().to_string())?;
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

/// Analyses and compiles rules text, failing on any error.
pub fn compile(rules: &str, name: &str) -> Result<compiler::CompileReturn, String> {
    let source = rules_dsl::SourceFile::new(name, rules);
    let analysis = rules_dsl::analyze(&source);
    if analysis.has_errors() {
        return Err(rules_dsl::diagnostics::render(&analysis.diagnostics, &source, false));
    }
    let output = compiler::compile(&analysis.rules, &compiler::CompileOptions::default()).map_err(|e| e.to_string())?;
    if rules_dsl::diagnostics::has_errors(&output.diagnostics) {
        return Err(rules_dsl::diagnostics::render(&output.diagnostics, &source, false));
    }
    Ok(output)
}
