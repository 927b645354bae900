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
    let file = cases::casefile::parse(&text, path.parent().unwrap_or(Path::new("."))).map_err(|e| {
        rules_dsl::diagnostics::render(
            &[e],
            &rules_dsl::SourceFile::new(path.display().to_string(), text.as_str()),
            false,
        )
    })?;
    let rules = file.rules.as_deref().ok_or_else(|| format!("{}: no `rules`", path.display()))?;
    let (analysed, compiled) = compile_with_rules(rules, &path.display().to_string())?;
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
            let explanation = compiler::explain::explain(&analysed, &compiled, &request);
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
    let build =
        compiler::build(name, rules.as_bytes(), &compiler::CompileOptions::default()).map_err(|e| e.to_string())?;
    build.into_result().map(|compiled| (compiled.rules, compiled.output))
}

/// Analyses and compiles rules text, failing on any error.
pub fn compile(rules: &str, name: &str) -> Result<compiler::CompileReturn, String> {
    compile_with_rules(rules, name).map(|(_, output)| output)
}
