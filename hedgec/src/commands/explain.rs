//! `hedgec explain`: what one request does — the rules tried in order and why each did not
//! match, the rule that answers (file:line), the KVS keys read, and what the compiled functions
//! return for it on the local runtime.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use compiler::explain::{Explanation, Verdict};
use rules_dsl::ir::Origin;
use serde_json::{Value, json};

use crate::commands::compile::Compiled;
use crate::commands::site::{self, EngineChoice};
use crate::ui::{self, Status};

/// How the explanation is printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Readable lines on stdout.
    #[default]
    Text,
    /// One JSON object on stdout.
    Json,
}

/// `hedgec explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rules file.
    #[arg(value_name = "RULES")]
    pub rules: PathBuf,

    /// The request: `https://host/path?query`, or a path (`/a?b=1`, host example.com); an HTTP
    /// method may come first as a separate word (`"HEAD /a"`).
    #[arg(value_name = "URL")]
    pub url: String,

    /// A request header, `name:value`; repeat for more.
    #[arg(long = "header", short = 'H', value_name = "NAME:VALUE")]
    pub headers: Vec<String>,

    /// A cookie, `name=value`; repeat for more.
    #[arg(long = "cookie", value_name = "NAME=VALUE")]
    pub cookies: Vec<String>,

    /// The viewer's country (`cloudfront-viewer-country`), two letters.
    #[arg(long, value_name = "CC")]
    pub country: Option<String>,

    /// The status the simulated origin answers with, when the request reaches it.
    #[arg(long, value_name = "STATUS", default_value_t = 200)]
    pub origin_status: u16,

    /// How the explanation is printed.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// The engine that runs the compiled functions.
    #[arg(long, value_enum, default_value_t = EngineChoice::Boa)]
    pub engine: EngineChoice,
}

/// Runs the command.
pub fn run(args: &ExplainArgs) -> anyhow::Result<Status> {
    let mut spec = match cases::RequestSpec::parse(&args.url) {
        Ok(spec) => spec,
        Err(message) => return Ok(usage(&format!("URL: {message}"))),
    };
    for header in &args.headers {
        let Some((name, value)) = header.split_once(':') else {
            return Ok(usage(&format!("--header {header:?}: write NAME:VALUE, e.g. --header accept-language:de")));
        };
        let name = name.trim().to_ascii_lowercase();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b)) {
            return Ok(usage(&format!("--header {header:?}: {name:?} is not a header name")));
        }
        spec.headers.insert(name, value.trim().to_string());
    }
    for cookie in &args.cookies {
        let Some((name, value)) = cookie.split_once('=') else {
            return Ok(usage(&format!("--cookie {cookie:?}: write NAME=VALUE, e.g. --cookie lang=de")));
        };
        spec.cookies.insert(name.trim().to_string(), value.trim().to_string());
    }
    if let Some(country) = &args.country {
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Ok(usage(&format!("--country {country:?}: write a two-letter country code, e.g. DE")));
        }
        spec.country = Some(country.to_ascii_uppercase());
    }

    let target = match site::load(&args.rules, None)? {
        Ok(target) => target,
        Err(status) => return Ok(status),
    };
    let compiled = target.compiled.as_ref().expect("rules compile");

    let mut headers = spec.headers.clone();
    if let Some(country) = &spec.country {
        headers.insert("cloudfront-viewer-country".into(), country.clone());
    }
    let request = compiler::explain::Request {
        host: spec.host.clone(),
        path: spec.path.clone(),
        query: spec.query.clone(),
        headers,
        cookies: spec.cookies.clone(),
        origin_status: Some(args.origin_status),
    };
    let explanation = compiler::explain::explain(&compiled.rules, &compiled.output, &request);

    let origin = cases::OriginResponse { status: args.origin_status, headers: BTreeMap::new() };
    let mut engine = args.engine.engine();
    let trace = cases::simulate::simulate(
        engine.as_mut(),
        target.site(),
        &[(spec.event(), origin)],
        cases::ResponseEventRequest::AsForwarded,
    )?
    .pop()
    .expect("one request, one trace");

    let json = to_json(&args.url, compiled, &explanation, &trace);
    match args.format {
        Format::Text => ui::stdout(&text(&spec, compiled, &explanation, &trace).join("\n")),
        Format::Json => ui::stdout(&serde_json::to_string_pretty(&json)?),
    }
    Ok(if trace.error.is_some() { Status::Failure } else { Status::Success })
}

fn usage(message: &str) -> Status {
    ui::note(&format!("error: {message}"));
    Status::Error
}

/// `site.hedge:5`.
fn at(compiled: &Compiled, origin: Origin) -> String {
    format!("{}:{}", compiled.source.name(), origin.line)
}

/// The statement's source line without its comment, trimmed, with runs of spaces folded.
fn statement(compiled: &Compiled, origin: Origin) -> String {
    let starts = compiled.source.line_starts();
    let index = origin.line as usize - 1;
    let text = compiled.source.text();
    let end = starts.get(index + 1).copied().unwrap_or(text.len());
    let line = &text[starts[index]..end];
    // The lexer knows where a `#` starts a comment and where it is part of a quoted value.
    let line = match rules_dsl::lexer::lex(line, &mut Vec::new()).first() {
        Some(tokens) => &line[tokens.span().start as usize..tokens.span().end as usize],
        None => line,
    };
    let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    // A block's first line stands for the block.
    if line.ends_with('{') { format!("{line} … }}") } else { line }
}

fn why(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Matched => "matches".into(),
        Verdict::OtherHost(host) => format!("skipped: the rule is for host {host}"),
        Verdict::OtherPath => "skipped: another path".into(),
        Verdict::ConditionFails(reason) => format!("skipped: {reason}"),
    }
}

fn text(
    spec: &cases::RequestSpec,
    compiled: &Compiled,
    explanation: &Explanation,
    trace: &cases::Trace,
) -> Vec<String> {
    let mut lines = Vec::new();
    let query = spec.query.as_ref().map_or(String::new(), |q| format!("?{q}"));
    lines.push(format!("{} https://{}{}{query}", spec.method, spec.host, spec.path));
    if explanation.canonical != spec.path {
        lines.push(format!("  matched as {}", explanation.canonical));
    }
    lines.push(String::new());
    lines.push("rules tried, in order:".into());
    let width = explanation.tried.iter().map(|t| at(compiled, t.origin).len()).max().unwrap_or(0);
    for tried in &explanation.tried {
        let place =
            if tried.verdict == Verdict::Matched && explanation.matched_in_kvs { " (found in the KVS)" } else { "" };
        lines.push(format!(
            "  {:<width$}  {}\n  {:<width$}    {}{place}",
            at(compiled, tried.origin),
            statement(compiled, tried.origin),
            "",
            why(&tried.verdict),
        ));
    }
    for (name, value) in &explanation.captures {
        lines.push(format!("  {:<width$}    captured {name} = {value:?}", ""));
    }
    let others = explanation.other_paths;
    if others > 0 {
        let verb = match (explanation.matched.is_some(), others == 1) {
            (true, true) => "comes before the match and does not match",
            (true, false) => "come before the match and do not match",
            (false, true) => "does not match",
            (false, false) => "do not match",
        };
        lines.push(format!("  {} {verb} the path", ui::plural(others, "rule")));
    }
    if explanation.matched.is_none() {
        lines.push("  no rule matches: the request goes on to the origin".into());
    }
    if origin_error(trace) && !compiled.rules.response_headers.is_empty() {
        lines.push(String::new());
        lines.push("response headers: none, as CloudFront does not run viewer-response functions for origin errors (400 and above)".into());
    }
    for (title, origins) in [
        ("prefix-strip", explanation.prefix_strip.iter().copied().collect::<Vec<_>>()),
        ("request headers", explanation.request_headers.clone()),
        ("response headers", explanation.response_headers.clone()),
    ] {
        if !origins.is_empty() {
            lines.push(String::new());
            lines.push(format!("{title}:"));
            for origin in origins {
                lines.push(format!("  {}  {}", at(compiled, origin), statement(compiled, origin)));
            }
        }
    }
    lines.push(String::new());
    if explanation.kvs_keys.is_empty() {
        lines.push("KVS keys read: none".into());
    } else {
        lines.push(format!("KVS keys read: {}", explanation.kvs_keys.join(", ")));
    }
    lines.push(String::new());
    lines.push("result (the compiled functions on the local runtime):".into());
    lines.extend(result_lines(trace).into_iter().map(|l| format!("  {l}")));
    lines
}

/// Whether the request reached the origin and the origin answered an error.
fn origin_error(trace: &cases::Trace) -> bool {
    trace.origin_request.is_some()
        && trace.viewer_response.as_ref().and_then(|r| r["statusCode"].as_u64()).is_some_and(|s| s >= 400)
}

fn header_pairs(headers: &Value) -> Vec<(String, String)> {
    let Some(headers) = headers.as_object() else { return Vec::new() };
    let mut pairs = Vec::new();
    for (name, field) in headers {
        match field.get("multiValue").and_then(Value::as_array) {
            Some(values) => {
                pairs.extend(values.iter().map(|v| (name.clone(), v["value"].as_str().unwrap_or("").to_string())))
            }
            None => pairs.push((name.clone(), field["value"].as_str().unwrap_or("").to_string())),
        }
    }
    pairs
}

fn result_lines(trace: &cases::Trace) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(error) = &trace.error {
        lines.push(format!("error: {error}"));
        return lines;
    }
    if let Some(forwarded) = &trace.origin_request {
        let query = cases::event::query_string(&forwarded["querystring"]);
        let query = if query.is_empty() { String::new() } else { format!("?{query}") };
        lines.push(format!("forwarded to the origin as {}{query}", forwarded["uri"].as_str().unwrap_or("")));
        if let Some(origin) = &trace.request.origin {
            lines.push(format!("origin changed: {origin}"));
        }
        for (name, value) in header_pairs(&forwarded["headers"]) {
            if name != "host" {
                lines.push(format!("request header {name}: {value}"));
            }
        }
    }
    if let Some(response) = &trace.viewer_response {
        let status = response["statusCode"].as_u64().unwrap_or(0);
        let generated = trace.origin_request.is_none();
        lines.push(if generated {
            format!("answered by viewer-request.js with {status}")
        } else {
            format!("the viewer receives {status}")
        });
        for (name, value) in header_pairs(&response["headers"]) {
            lines.push(format!("{name}: {value}"));
        }
        if let Some(body) = response.get("body").and_then(|b| b.get("data").or(Some(b))).and_then(Value::as_str) {
            lines.push(format!("body: {body:?}"));
        }
    }
    let compute = trace.compute_utilization().map_or(String::new(), |c| format!("compute {c}%, "));
    lines.push(format!("{compute}{}", ui::plural(trace.kvs_reads() as usize, "KVS read")));
    lines
}

fn to_json(url: &str, compiled: &Compiled, explanation: &Explanation, trace: &cases::Trace) -> Value {
    let rule = |origin: Origin| json!({ "file": compiled.source.name(), "line": origin.line, "statement": statement(compiled, origin) });
    let tried: Vec<Value> = explanation
        .tried
        .iter()
        .map(|t| {
            let mut value = rule(t.origin);
            value["verdict"] = json!(why(&t.verdict));
            value
        })
        .collect();
    json!({
        "format_version": 1,
        "url": url,
        "canonical_path": explanation.canonical,
        "tried": tried,
        "rules_with_other_paths": explanation.other_paths,
        "matched": explanation.matched.map(rule),
        "matched_in_kvs": explanation.matched_in_kvs,
        "captures": explanation.captures.iter().map(|(name, value)| json!({ "name": name, "value": value })).collect::<Vec<_>>(),
        "prefix_strip": explanation.prefix_strip.map(rule),
        "request_headers": explanation.request_headers.iter().map(|o| rule(*o)).collect::<Vec<_>>(),
        "response_headers": explanation.response_headers.iter().map(|o| rule(*o)).collect::<Vec<_>>(),
        "kvs_keys": explanation.kvs_keys,
        "result": {
            "error": trace.error,
            "origin_request": trace.origin_request,
            "origin": trace.request.origin,
            "viewer_response": trace.viewer_response,
            "kvs_reads": trace.kvs_reads(),
            "compute_utilization": trace.compute_utilization(),
        },
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn statements_fold_spaces() {
        let source = rules_dsl::SourceFile::new("s.hedge", "redirect   /a    /b\n");
        let analysis = rules_dsl::analyze(&source);
        let output = compiler::compile(&analysis.rules, &compiler::CompileOptions::default()).unwrap();
        let origin = analysis.rules.routes[0].origin;
        let compiled = super::Compiled { source, rules: analysis.rules, output, diagnostics: Vec::new() };
        assert_eq!(super::statement(&compiled, origin), "redirect /a /b");
    }
}
