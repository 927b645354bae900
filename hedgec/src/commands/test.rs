//! `hedgec test`: run case files against rules (both functions, with a simulated origin) or
//! against a single function, and report each case.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::commands::site::{self, EngineChoice};
use crate::ui::{self, Status};

/// How results are printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A line per case and a summary, on stderr.
    #[default]
    Text,
    /// One JSON object on stdout: every case with its result, then the counts.
    Json,
    /// JUnit XML on stdout, for CI systems that show test reports.
    Junit,
}

/// `hedgec test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// The rules file (compiled on the spot), or one function (`*.js`) run as it is.
    #[arg(value_name = "RULES|FUNCTION.js")]
    pub target: PathBuf,

    /// Case files (TOML), each with any number of [[case]] tables.
    #[arg(value_name = "CASES", required = true)]
    pub cases: Vec<PathBuf>,

    /// KVS contents for a function, in AWS's import format (rules bring their own).
    #[arg(long, value_name = "KVS.json")]
    pub kvs: Option<PathBuf>,

    /// How results are printed.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// The engine: the local runtime, or njs (the reference engine, without compute estimates).
    #[arg(long, value_enum, default_value_t = EngineChoice::Boa)]
    pub engine: EngineChoice,

    /// FUNCTION.js is a viewer-response function: each `request` case reaches the simulated
    /// origin unchanged and the function runs on the origin's response (cases whose `event` is a
    /// viewer-response event go to it as they are).
    #[arg(long)]
    pub viewer_response: bool,
}

/// The viewer-request function that stands in front of a viewer-response function under test:
/// it sends every request on unchanged.
const PASS_REQUEST: &str = "function handler(event) {\n    return event.request;\n}\n";

/// One case's result.
#[derive(Debug, Serialize)]
pub struct CaseResult {
    /// The case file.
    pub file: String,
    /// The case's line in it.
    pub line: u32,
    /// The case's name.
    pub name: String,
    /// Whether every expectation held.
    pub passed: bool,
    /// What differed.
    pub mismatches: Vec<MismatchJson>,
    /// The higher compute estimate of the two functions, when the engine gives one.
    pub compute_utilization: Option<u32>,
    /// KVS reads of both functions.
    pub kvs_reads: u32,
    /// The status the viewer received, if any.
    pub status: Option<u64>,
    /// The error, if a function failed.
    pub error: Option<String>,
}

/// A mismatch, for JSON.
#[derive(Debug, Serialize)]
pub struct MismatchJson {
    /// What was compared.
    pub field: String,
    /// The expectation.
    pub expected: String,
    /// What happened.
    pub actual: String,
}

/// Runs the command.
pub fn run(args: &TestArgs) -> anyhow::Result<Status> {
    let mut target = match site::load(&args.target, args.kvs.as_deref())? {
        Ok(target) => target,
        Err(status) => return Ok(status),
    };
    if args.viewer_response {
        if target.compiled.is_some() {
            ui::note("error: --viewer-response is for one function (FUNCTION.js): rules bring both of their functions");
            return Ok(Status::Error);
        }
        target.response = Some(std::mem::replace(&mut target.request, PASS_REQUEST.to_string()));
    }
    let mut files = Vec::new();
    for path in &args.cases {
        match load_cases(path)? {
            Ok(file) => files.push((path.clone(), file)),
            Err(status) => return Ok(status),
        }
    }
    // A case that checks nothing would pass whatever the function does. (`check` measures
    // cases without expectations; only `test` needs them.)
    let unchecked: Vec<String> = files
        .iter()
        .flat_map(|(path, file)| file.cases.iter().map(move |case| (path, case)))
        .filter(|(_, case)| case.expect == cases::Expect::default())
        .map(|(path, case)| format!("error: {}:{}:1: `{}` has no `expect`: give at least one field to check (status, location, uri, querystring, origin, headers, request_headers, body, error, max_kvs_reads)", path.display(), case.line, case.name))
        .collect();
    if !unchecked.is_empty() {
        for line in unchecked {
            ui::note(&line);
        }
        return Ok(Status::Error);
    }
    if target.compiled.is_none() && target.response.is_none() {
        // A lone function is a viewer-request function unless told otherwise; a
        // viewer-response event would otherwise pass it by unseen.
        let response_cases: Vec<String> = files
            .iter()
            .flat_map(|(path, file)| file.cases.iter().map(move |case| (path, case)))
            .filter(|(_, case)| cases::simulate::is_viewer_response(&case.invocation))
            .map(|(path, case)| format!("error: {}:{}:1: `{}` is a viewer-response event, and {} is tested as a viewer-request function: add --viewer-response", path.display(), case.line, case.name, args.target.display()))
            .collect();
        if !response_cases.is_empty() {
            for line in response_cases {
                ui::note(&line);
            }
            return Ok(Status::Error);
        }
    }
    let mut engine = args.engine.engine_for(&args.target);
    let total: usize = files.iter().map(|(_, f)| f.cases.len()).sum();
    let progress = (std::io::stderr().is_terminal() && total >= 50).then(|| {
        let bar = indicatif::ProgressBar::new(total as u64);
        bar.set_style(indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} cases").expect("valid template"));
        bar
    });
    let mut results = Vec::new();
    for (path, file) in &files {
        // Batches keep the progress bar moving without giving up batched engine runs.
        for chunk in file.cases.chunks(64) {
            let traces = run_cases(engine.as_mut(), &target, chunk)?;
            for (case, trace) in chunk.iter().zip(traces) {
                results.push(result(path, case, &trace));
            }
            if let Some(bar) = &progress {
                bar.inc(chunk.len() as u64);
            }
        }
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let failed = results.iter().filter(|r| !r.passed).count();
    match args.format {
        Format::Text => print_text(&results),
        Format::Json => print_json(&results)?,
        Format::Junit => print_junit(&args.target, &results)?,
    }
    Ok(if failed > 0 { Status::Failure } else { Status::Success })
}

/// Reads a case file; a malformed one is reported with file, line and column.
pub fn load_cases(path: &Path) -> anyhow::Result<Result<cases::CaseFile, Status>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    match cases::casefile::parse(&text, path.parent().unwrap_or(Path::new("."))) {
        Ok(file) => Ok(Ok(file)),
        Err(diagnostic) => Ok(Err(ui::input_error(diagnostic, path, &text))),
    }
}

/// Runs cases through the site: the viewer-request function, the simulated origin, the
/// viewer-response function (a viewer-response event goes to that function alone).
pub fn run_cases(
    engine: &mut dyn cases::Engine,
    target: &site::Target,
    batch: &[cases::Case],
) -> anyhow::Result<Vec<cases::Trace>> {
    let requests: Vec<(cases::Invocation, cases::OriginResponse)> =
        batch.iter().map(|c| (c.invocation.clone(), c.origin.clone())).collect();
    Ok(cases::simulate::simulate(engine, target.site(), &requests, cases::ResponseEventRequest::AsForwarded)?)
}

fn result(path: &Path, case: &cases::Case, trace: &cases::Trace) -> CaseResult {
    let mismatches = cases::expect::check(&case.expect, trace);
    CaseResult {
        file: path.display().to_string(),
        line: case.line,
        name: case.name.clone(),
        passed: mismatches.is_empty(),
        mismatches: mismatches
            .into_iter()
            .map(|m| MismatchJson { field: m.field, expected: m.expected, actual: m.actual })
            .collect(),
        compute_utilization: trace.compute_utilization(),
        kvs_reads: trace.kvs_reads(),
        status: trace.viewer_response.as_ref().and_then(|r| r.get("statusCode")).and_then(serde_json::Value::as_u64),
        error: trace.error.clone(),
    }
}

fn cost(result: &CaseResult) -> String {
    let reads = ui::plural(result.kvs_reads as usize, "KVS read");
    match result.compute_utilization {
        Some(compute) => format!("compute {compute}%, {reads}"),
        None => reads,
    }
}

/// Results go to stdout, one line per case, so that `hedgec test ... | grep FAIL` finds failures.
fn print_text(results: &[CaseResult]) {
    for result in results {
        let verdict = if result.passed { "ok  " } else { "FAIL" };
        ui::stdout(&format!("{verdict} {}:{}  {}  ({})", result.file, result.line, result.name, cost(result)));
        for mismatch in &result.mismatches {
            ui::stdout(&format!("       {}", mismatch.field));
            ui::stdout(&format!("       - expected {}", mismatch.expected));
            ui::stdout(&format!("       + actual   {}", mismatch.actual));
        }
    }
    let failed = results.iter().filter(|r| !r.passed).count();
    ui::stdout(&format!("{} passed, {failed} failed", results.len() - failed));
}

fn print_json(results: &[CaseResult]) -> anyhow::Result<()> {
    let failed = results.iter().filter(|r| !r.passed).count();
    let json = serde_json::json!({
        "format_version": 1,
        "cases": results,
        "passed": results.len() - failed,
        "failed": failed,
    });
    ui::stdout(&serde_json::to_string_pretty(&json)?);
    Ok(())
}

fn print_junit(target: &Path, results: &[CaseResult]) -> anyhow::Result<()> {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("hedgec test");
    let mut suites: Vec<TestSuite> = Vec::new();
    for result in results {
        if suites.last().is_none_or(|s| s.name.as_str() != result.file) {
            suites.push(TestSuite::new(result.file.as_str()));
        }
        let status = if result.passed {
            TestCaseStatus::success()
        } else {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let lines: Vec<String> = result
                .mismatches
                .iter()
                .map(|m| format!("{}: expected {}, got {}", m.field, m.expected, m.actual))
                .collect();
            status.set_message(lines.first().cloned().unwrap_or_default());
            status.set_description(lines.join("\n"));
            status
        };
        let mut case = TestCase::new(result.name.as_str(), status);
        case.set_classname(format!("{}:{}", result.file, result.line));
        case.set_system_out(format!("{} ({})", target.display(), cost(result)));
        suites.last_mut().expect("pushed").add_test_case(case);
    }
    report.add_test_suites(suites);
    ui::stdout(&report.to_string()?);
    Ok(())
}
