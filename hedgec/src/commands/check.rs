//! `hedgec check`: the CI gate. Compiles, measures every budget (function sizes, compute on
//! probe requests derived from the rules and on any cases given, KVS size) and fails when one
//! is over.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::commands::compile;
use crate::commands::site::{self, EngineChoice};
use crate::commands::test;
use crate::ui::{self, Status};

/// How the report is printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Each budget as used/limit with a bar, on stderr.
    #[default]
    Text,
    /// One JSON object on stdout.
    Json,
    /// GitHub Actions workflow commands on stdout: an error annotation at the rule responsible
    /// for each budget over its limit, a warning for each compiler warning.
    Github,
}

/// `hedgec check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The rules file.
    #[arg(value_name = "RULES")]
    pub rules: PathBuf,

    /// Case files whose requests are measured too (their expectations are `hedgec test`'s job).
    #[arg(value_name = "CASES")]
    pub cases: Vec<PathBuf>,

    /// The most bytes a function may have. Functions are always built against CloudFront's limit
    /// (10,240 bytes); this budget only judges them.
    #[arg(long, value_name = "N", default_value_t = platform::MAX_FUNCTION_BYTES)]
    pub max_bytes: usize,

    /// The highest estimated compute utilization (0-100) any probe request or case may reach.
    #[arg(long, value_name = "PCT", default_value_t = 70, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub max_compute: u32,

    /// The most bytes of KVS data (keys and values).
    #[arg(long, value_name = "N", default_value_t = platform::MAX_KVS_STORE_BYTES)]
    pub max_kvs_bytes: usize,

    /// How the report is printed.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// One measured budget.
#[derive(Debug, Serialize)]
pub struct Budget {
    /// What is measured: `viewer-request.js bytes`, `viewer-request compute`, `kvs bytes`.
    pub name: String,
    /// How much is used.
    pub used: u64,
    /// The limit.
    pub limit: u64,
    /// `bytes` or `percent`.
    pub unit: &'static str,
    /// Whether it is within the limit.
    pub ok: bool,
    /// What the figure is made of (the worst request, the biggest rules).
    pub detail: String,
    /// The 1-based line of the rule responsible, when there is one.
    pub line: Option<u32>,
}

/// Runs the command.
pub fn run(args: &CheckArgs) -> anyhow::Result<Status> {
    if args.format != Format::Text {
        // Machine formats report rules that do not compile in their own shape, on stdout.
        if let compile::Loaded::Rejected { source, diagnostics } = compile::load_quiet(&args.rules)? {
            print_rejected(args.format, &source, &diagnostics);
            ui::diagnostics(&diagnostics, &source);
            return Ok(Status::Error);
        }
    }
    let target = match site::load(&args.rules, None)? {
        Ok(target) => target,
        Err(status) => return Ok(status),
    };
    let compiled = target.compiled.as_ref().expect("rules compile");
    let rules = &compiled.rules;
    let output = &compiled.output;

    // Requests: probes for every rule and miss path, then the cases given.
    let probes = compiler::probes::probes(rules);
    let mut requests: Vec<(String, Option<u32>, cases::Invocation)> = probes
        .iter()
        .map(|p| {
            let spec = cases::RequestSpec {
                method: "GET".into(),
                host: p.host.clone(),
                path: p.path.clone(),
                query: p.query.clone(),
                headers: p.headers.clone(),
                cookies: p.cookies.clone(),
                country: None,
                viewer_ip: None,
            };
            (format!("probe: {}", p.description), p.origin.map(|o| o.line), spec.event())
        })
        .collect();
    for path in &args.cases {
        let file = match test::load_cases(path)? {
            Ok(file) => file,
            Err(status) => return Ok(status),
        };
        for case in file.cases {
            requests.push((format!("case {}:{}: {}", path.display(), case.line, case.name), None, case.invocation));
        }
    }
    // A function over CloudFront's size limit cannot be loaded, so its compute is not measured;
    // its size budget fails on its own.
    let loadable = |code: &str| code.len() <= platform::MAX_FUNCTION_BYTES;
    let measured = [loadable(&output.request), output.response.as_deref().is_some_and(loadable)];
    let mut engine = EngineChoice::Boa.engine();
    let batch: Vec<(cases::Invocation, cases::OriginResponse)> =
        requests.iter().map(|(_, _, i)| (i.clone(), cases::OriginResponse::default())).collect();
    let traces = if measured[0] {
        cases::simulate::simulate(engine.as_mut(), target.site(), &batch, cases::ResponseEventRequest::AsForwarded)?
    } else {
        Vec::new()
    };

    let mut budgets = Vec::new();
    for function in &output.report.functions {
        let over = function.bytes > args.max_bytes;
        let request_side = function.event_type == "viewer-request";
        let (detail, line) = match (over, request_side) {
            (true, true) => size_cause(compiled),
            (true, false) => (format!("{} header rules in code", header_rules_in_code(output)), None),
            (false, true) => (describe_code(output), None),
            (false, false) => (format!("{} header rules in code", header_rules_in_code(output)), None),
        };
        budgets.push(Budget {
            name: format!("{} bytes", function.file),
            used: function.bytes as u64,
            limit: args.max_bytes as u64,
            unit: "bytes",
            ok: !over,
            detail,
            line,
        });
    }
    let mut failures = Vec::new();
    for (side, name) in [(0, "viewer-request"), (1, "viewer-response")] {
        if !measured[side] {
            if side == 0 || output.response.is_some() {
                ui::note(&format!(
                    "note: {name} compute is not measured: the function is over CloudFront's size limit"
                ));
            }
            continue;
        }
        let mut worst: Option<(u32, usize)> = None;
        for (index, trace) in traces.iter().enumerate() {
            let outcome = if side == 0 { Some(&trace.request) } else { trace.response.as_ref() };
            let Some(outcome) = outcome else { continue };
            if let Some(error) = &outcome.error {
                failures.push((requests[index].0.clone(), requests[index].1, format!("{name} failed: {error}")));
            }
            let compute = outcome.compute_utilization.unwrap_or(0);
            if worst.is_none_or(|(c, _)| compute > c) {
                worst = Some((compute, index));
            }
        }
        let (compute, index) = worst.unwrap_or((0, 0));
        let reads = traces.get(index).map_or(0, |t| {
            if side == 0 { t.request.kvs_reads } else { t.response.as_ref().map_or(0, |r| r.kvs_reads) }
        });
        budgets.push(Budget {
            name: format!("{name} compute"),
            used: u64::from(compute),
            limit: u64::from(args.max_compute),
            unit: "percent",
            ok: compute <= args.max_compute,
            detail: format!(
                "worst of {} requests: {} ({})",
                ui::thousands(requests.len()),
                requests.get(index).map_or("none", |r| r.0.as_str()),
                ui::plural(reads as usize, "KVS read")
            ),
            line: requests.get(index).and_then(|r| r.1),
        });
    }
    let kvs = &output.report.kvs;
    let over = kvs.bytes > args.max_kvs_bytes;
    let largest =
        kvs.largest_entry.as_ref().map_or(String::new(), |e| format!(", largest entry {} B", ui::thousands(e.bytes)));
    budgets.push(Budget {
        name: "kvs bytes".into(),
        used: kvs.bytes as u64,
        limit: args.max_kvs_bytes as u64,
        unit: "bytes",
        ok: !over,
        detail: format!(
            "{} for {} exact rules and {} spilled patterns{largest}; at most {} per request",
            ui::plural(kvs.keys, "key"),
            ui::thousands(output.report.rules.routes_in_kvs + output.report.rules.header_rules_in_kvs),
            ui::thousands(output.report.rules.routes_spilled),
            ui::plural(kvs.worst_case_reads_per_request as usize, "read")
        ),
        line: over.then(|| output.placement.kvs_rules().first().map(|o| o.line)).flatten(),
    });

    let ok = budgets.iter().all(|b| b.ok) && failures.is_empty();
    let file = compiled.source.name().to_string();
    match args.format {
        Format::Text => print_text(&file, &budgets, &failures, ok),
        Format::Json => {
            let failures: Vec<serde_json::Value> = failures
                .iter()
                .map(|(request, line, message)| serde_json::json!({ "request": request, "line": line, "message": message }))
                .collect();
            let json = serde_json::json!({
                "format_version": 1,
                "file": file,
                "ok": ok,
                "budgets": budgets,
                "failures": failures,
                "diagnostics": diagnostics_json(&compiled.source, &compiled.diagnostics),
            });
            ui::stdout(&serde_json::to_string_pretty(&json)?);
        }
        Format::Github => print_github(&file, compiled, &budgets, &failures),
    }
    Ok(if ok { Status::Success } else { Status::Failure })
}

/// Diagnostics as JSON objects: code, severity, message, line, column, help.
fn diagnostics_json(source: &rules_dsl::SourceFile, diagnostics: &[rules_dsl::Diagnostic]) -> Vec<serde_json::Value> {
    diagnostics
        .iter()
        .map(|d| {
            let at = source.line_col(d.span.start);
            serde_json::json!({
                "code": d.code.as_str(),
                "severity": if d.is_error() { "error" } else { "warning" },
                "message": d.message,
                "line": at.line,
                "column": at.col,
                "help": d.help,
            })
        })
        .collect()
}

/// Rules that do not compile, as a JSON document (`ok: false`) or as one annotation each.
fn print_rejected(format: Format, source: &rules_dsl::SourceFile, diagnostics: &[rules_dsl::Diagnostic]) {
    let file = source.name();
    match format {
        Format::Json => {
            let json = serde_json::json!({
                "format_version": 1,
                "file": file,
                "ok": false,
                "compiled": false,
                "budgets": [],
                "failures": [],
                "diagnostics": diagnostics_json(source, diagnostics),
            });
            ui::stdout(&serde_json::to_string_pretty(&json).expect("JSON values serialize"));
        }
        Format::Github => {
            for d in diagnostics {
                let at = source.line_col(d.span.start);
                let kind = if d.is_error() { "error" } else { "warning" };
                let mut message = d.message.clone();
                if let Some(help) = &d.help {
                    message.push_str(&format!("\nhelp: {help}"));
                }
                ui::stdout(&positioned(kind, file, at.line, at.col, &format!("hedgec {}", d.code.as_str()), &message));
            }
        }
        Format::Text => {}
    }
}

/// What the request function's code is made of, in one line.
fn describe_code(output: &compiler::CompileReturn) -> String {
    let rules = &output.report.rules;
    format!(
        "{} of {} routes in code",
        ui::thousands(rules.routes - rules.routes_in_kvs - rules.routes_spilled),
        ui::thousands(rules.routes)
    )
}

fn header_rules_in_code(output: &compiler::CompileReturn) -> usize {
    output.report.rules.header_rules - output.report.rules.header_rules_in_kvs
}

/// Why the request function is too large: the rules that take the most code.
fn size_cause(compiled: &crate::commands::compile::Compiled) -> (String, Option<u32>) {
    let rules = &compiled.rules;
    let mut sizes: Vec<(usize, u32)> = rules
        .routes
        .iter()
        .filter(|r| !compiled.output.placement.in_kvs(r.origin))
        .map(|r| (compiler::emit::route_code_size(r, &rules.settings), r.origin.line))
        .collect();
    sizes.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let conditional = rules
        .routes
        .iter()
        .filter(|r| !compiled.output.placement.in_kvs(r.origin))
        .filter(|r| r.matcher.host.is_some() || !r.matcher.conditions.is_empty())
        .count();
    let lines: Vec<String> = sizes.iter().take(3).map(|(_, line)| line.to_string()).collect();
    let detail = format!(
        "{} rules stay in code ({conditional} with a host or conditions, which cannot move to the KVS); the largest are on lines {}",
        ui::thousands(sizes.len()),
        lines.join(", ")
    );
    (detail, sizes.first().map(|(_, line)| *line))
}

fn bar(used: u64, limit: u64) -> String {
    let width = 20;
    let filled = used.saturating_mul(width as u64).checked_div(limit).map_or(width, |f| f.min(width as u64) as usize);
    format!("[{}{}]", "#".repeat(filled), ".".repeat(width - filled))
}

fn amount(value: u64, unit: &str) -> String {
    match unit {
        "percent" => format!("{value}%"),
        _ => format!("{} B", ui::thousands(value as usize)),
    }
}

/// The report goes to stdout, one line per budget, so that it can be filtered (`| grep OVER`).
fn print_text(file: &str, budgets: &[Budget], failures: &[(String, Option<u32>, String)], ok: bool) {
    ui::stdout(&format!("hedgec check {file}"));
    for budget in budgets {
        let mark = if budget.ok { "ok  " } else { "OVER" };
        ui::stdout(&format!(
            "  {mark} {:<26} {:>12} / {:<12} {} {}",
            budget.name,
            amount(budget.used, budget.unit),
            amount(budget.limit, budget.unit),
            bar(budget.used, budget.limit),
            budget.detail
        ));
    }
    for (request, line, message) in failures {
        let at = line.map_or(String::new(), |l| format!(" ({file}:{l})"));
        ui::stdout(&format!("  FAIL {request}{at}: {message}"));
    }
    let over: Vec<String> = budgets
        .iter()
        .filter(|b| !b.ok)
        .map(|b| {
            format!("{} is {} over its budget of {}", b.name, amount(b.used - b.limit, b.unit), amount(b.limit, b.unit))
        })
        .collect();
    if ok {
        ui::stdout("every budget holds");
    } else {
        for line in over {
            ui::stdout(&format!("error: {line}"));
        }
        if !failures.is_empty() {
            ui::stdout(&format!("error: {} failed", ui::plural(failures.len(), "probe request")));
        }
    }
}

/// Escapes data for a workflow command (`%`, CR and LF; and `:` and `,` in properties).
fn escape(text: &str, property: bool) -> String {
    let mut out = text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    if property {
        out = out.replace(':', "%3A").replace(',', "%2C");
    }
    out
}

fn annotation(kind: &str, file: &str, line: Option<u32>, title: &str, message: &str) -> String {
    let mut properties = vec![format!("file={}", escape(file, true))];
    if let Some(line) = line {
        properties.push(format!("line={line}"));
    }
    properties.push(format!("title={}", escape(title, true)));
    format!("::{kind} {}::{}", properties.join(","), escape(message, false))
}

/// An annotation with a line and a column.
fn positioned(kind: &str, file: &str, line: u32, col: u32, title: &str, message: &str) -> String {
    format!(
        "::{kind} file={},line={line},col={col},title={}::{}",
        escape(file, true),
        escape(title, true),
        escape(message, false)
    )
}

fn print_github(
    file: &str,
    compiled: &crate::commands::compile::Compiled,
    budgets: &[Budget],
    failures: &[(String, Option<u32>, String)],
) {
    for warning in &compiled.output.report.warnings {
        ui::stdout(&positioned(
            "warning",
            file,
            warning.line,
            warning.column,
            &format!("hedgec {}", warning.code),
            &warning.message,
        ));
    }
    for budget in budgets.iter().filter(|b| !b.ok) {
        let message = format!(
            "{}: {} used, over the budget of {}. {}",
            budget.name,
            amount(budget.used, budget.unit),
            amount(budget.limit, budget.unit),
            budget.detail
        );
        ui::stdout(&annotation("error", file, budget.line, "hedgec check: over budget", &message));
    }
    for (request, line, message) in failures {
        ui::stdout(&annotation(
            "error",
            file,
            *line,
            "hedgec check: a function failed",
            &format!("{request}: {message}"),
        ));
    }
    let summary: Vec<String> =
        budgets.iter().map(|b| format!("{} {}/{}", b.name, amount(b.used, b.unit), amount(b.limit, b.unit))).collect();
    ui::stdout(&annotation("notice", file, None, "hedgec check", &summary.join("; ")));
}
