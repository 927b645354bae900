//! `hedgec run`: one event through one function on the local runtime, the way CloudFront's
//! TestFunction runs it.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use serde_json::{Value, json};

use crate::ui::{self, Status};

/// How the result is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A summary for people, on stderr.
    Text,
    /// One JSON object on stdout: output, error, logs, compute_utilization, kvs_reads,
    /// instructions (and origin, when the function changed it; error_position {line, column},
    /// when it threw at a known place of its code).
    Json,
    /// The shape of `aws cloudfront test-function` (`TestResult`), on stdout.
    Aws,
}

/// `hedgec run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The function: cloudfront-js-2.0 code, compiled by hedgec or written by hand.
    #[arg(value_name = "FUNCTION.js")]
    pub function: PathBuf,

    /// The event: a CloudFront Functions event object; its context.eventType says whether it is
    /// a viewer-request or a viewer-response event. request.rawQueryString() returns the query
    /// string rebuilt from request.querystring.
    #[arg(long, value_name = "EVENT.json")]
    pub event: PathBuf,

    /// The KVS contents, in AWS's import format {"data":[{"key":"…","value":"…"}]}; without
    /// it the store is empty.
    #[arg(long, value_name = "KVS.json")]
    pub kvs: Option<PathBuf>,

    /// How to print the result.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// What Date.now() returns during the run: milliseconds since 1970, or a UTC time such as
    /// 2024-05-01T12:00:00Z. Defaults to the time the run starts.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub now: Option<i64>,
}

/// Milliseconds since 1970, from a number or from `YYYY-MM-DDTHH:MM:SS[.mmm]Z`.
fn parse_time(text: &str) -> Result<i64, String> {
    if let Ok(millis) = text.parse::<i64>() {
        return Ok(millis);
    }
    let bad = || format!("{text:?} is neither milliseconds since 1970 nor a time like 2024-05-01T12:00:00Z");
    let body = text.strip_suffix('Z').ok_or_else(bad)?;
    let (date, time) = body.split_once('T').ok_or_else(bad)?;
    let number = |s: &str| s.parse::<i64>().map_err(|_| bad());
    let date: Vec<&str> = date.split('-').collect();
    let [year, month, day] = date.as_slice() else { return Err(bad()) };
    let (year, month, day) = (number(year)?, number(month)?, number(day)?);
    let (time, millis) = match time.split_once('.') {
        Some((time, fraction)) if fraction.len() == 3 => (time, number(fraction)?),
        Some(_) => return Err(bad()),
        None => (time, 0),
    };
    let time: Vec<&str> = time.split(':').collect();
    let [hour, minute, second] = time.as_slice() else { return Err(bad()) };
    let (hour, minute, second) = (number(hour)?, number(minute)?, number(second)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 59 {
        return Err(bad());
    }
    // Days from 1970-01-01 to the date (Howard Hinnant's days_from_civil).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    Ok(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis)
}

/// Reads a file as text; a file that is not UTF-8 is an input error at the first bad byte.
fn read_text(path: &Path) -> anyhow::Result<Result<String, String>> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = String::from_utf8_lossy(valid).rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        format!("{}:{line}:{column}: the file is not UTF-8", path.display())
    }))
}

/// Reports an input error (exit status 2).
fn unusable(message: String) -> anyhow::Result<Status> {
    ui::note(&format!("error: {message}"));
    Ok(Status::Error)
}

/// The prefix CloudFront puts before a function's error in `FunctionErrorMessage`.
const AWS_ERROR_PREFIX: &str =
    "The CloudFront function associated with the CloudFront distribution is invalid or could not run. ";

/// Runs the command.
pub fn run(args: &RunArgs) -> anyhow::Result<Status> {
    let started = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    if args.function.extension().is_some_and(|e| e == "hedge") {
        return unusable(format!(
            "{0} is a rules file; run takes one function: compile it first (hedgec compile {0}) and run              dist/viewer-request.js, or see what a request does with hedgec explain {0} URL",
            args.function.display()
        ));
    }
    let code = match read_text(&args.function)? {
        Ok(code) => code,
        Err(message) => return unusable(message),
    };
    let event_text = match read_text(&args.event)? {
        Ok(text) => text,
        Err(message) => return unusable(message),
    };
    let event = match runtime_js::input::event(&event_text) {
        Ok((event, _)) => event,
        Err(diagnostic) => return Ok(ui::input_error(diagnostic, &args.event, &event_text)),
    };
    let store = match &args.kvs {
        None => runtime_js::Store::default(),
        Some(path) => {
            let text = match read_text(path)? {
                Ok(text) => text,
                Err(message) => return unusable(message),
            };
            match runtime_js::input::kvs(&text) {
                Ok(store) => store,
                Err(diagnostic) => return Ok(ui::input_error(diagnostic, path, &text)),
            }
        }
    };
    let raw_query = cases::Invocation::from_event(event.clone()).raw_query;
    let options = runtime_js::Options { now_ms: args.now.unwrap_or(started), ..runtime_js::Options::default() };
    let mut gate_reported = false;
    let call = match runtime_js::Function::load(&code, options) {
        Ok(mut function) => function.call(&event, raw_query.as_deref(), &store),
        Err(error) => {
            if let runtime_js::LoadError::Rejected(violations) = &error {
                for violation in violations {
                    ui::note(&format!("{}:{violation}", args.function.display()));
                }
                gate_reported = true;
            }
            runtime_js::Call { error: Some(error.message()), ..runtime_js::Call::default() }
        }
    };
    print(args, &call, gate_reported);
    if call.error.is_some() && args.format == Format::Text && looks_like_wrong_stage(&code, &event) {
        ui::note(
            "note: this looks like a viewer-response function given a viewer-request event;              its event needs \"context\": {\"eventType\": \"viewer-response\"} and a \"response\"",
        );
    }
    Ok(if call.error.is_some() { Status::Failure } else { Status::Success })
}

/// Whether a failed call may be a viewer-response function run on a viewer-request event: the
/// code reads the event's response, which a request event does not have.
fn looks_like_wrong_stage(code: &str, event: &Value) -> bool {
    let request_event = event.pointer("/context/eventType").and_then(Value::as_str) == Some("viewer-request");
    request_event && code.contains(".response")
}

/// `gate_reported`: the syntax gate's findings are already printed, each with its position,
/// so the text output does not repeat the first of them as the error.
fn print(args: &RunArgs, call: &runtime_js::Call, gate_reported: bool) {
    match args.format {
        Format::Json => {
            let mut object = json!({
                "format_version": ui::FORMAT_VERSION,
                "output": call.output,
                "error": call.error,
                "logs": call.logs,
                "compute_utilization": call.compute_utilization,
                "kvs_reads": call.kvs_reads,
                "instructions": call.instructions,
            });
            if let Some(origin) = &call.origin {
                object["origin"] = origin.clone();
            }
            if let Some(at) = call.error_position {
                object["error_position"] = json!({ "line": at.line, "column": at.column });
            }
            ui::stdout(&serde_json::to_string_pretty(&object).expect("JSON values serialize"));
        }
        Format::Aws => {
            let name = args.function.file_stem().map_or_else(|| "function".into(), |s| s.to_string_lossy().to_string());
            let result = json!({
                "TestResult": {
                    "FunctionSummary": {
                        "Name": name,
                        "Status": "UNPUBLISHED",
                        "FunctionConfig": { "Comment": "", "Runtime": "cloudfront-js-2.0" },
                        "FunctionMetadata": {
                            "FunctionARN": format!("arn:aws:cloudfront::000000000000:function/{name}"),
                            "Stage": "DEVELOPMENT",
                        },
                    },
                    "ComputeUtilization": call.compute_utilization.to_string(),
                    "FunctionExecutionLogs": call.logs,
                    "FunctionErrorMessage": call.error.as_ref().map_or(String::new(), |e| format!("{AWS_ERROR_PREFIX}{e}")),
                    "FunctionOutput": call.output.as_ref().map_or_else(|| "{}".to_string(), Value::to_string),
                }
            });
            ui::stdout(&serde_json::to_string_pretty(&result).expect("JSON values serialize"));
        }
        Format::Text => {
            for line in &call.logs {
                ui::note(&format!("log: {line}"));
            }
            match (&call.output, &call.error) {
                (_, Some(_)) if gate_reported => {}
                (_, Some(error)) => match call.error_position {
                    Some(at) => {
                        ui::note(&format!("{}:{}:{}: error: {error}", args.function.display(), at.line, at.column))
                    }
                    None => ui::note(&format!("error: {error}")),
                },
                (Some(output), None) => {
                    ui::note(&serde_json::to_string_pretty(output).expect("JSON values serialize"));
                }
                (None, None) => {}
            }
            if let Some(origin) = &call.origin {
                ui::note(&format!("origin: {origin}"));
            }
            ui::note(&format!(
                "{} on {}: compute {}% ({} instructions, {})",
                args.function.display(),
                args.event.display(),
                call.compute_utilization,
                ui::thousands(call.instructions as usize),
                ui::plural(call.kvs_reads as usize, "KVS read"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_time;

    #[test]
    fn times() {
        assert_eq!(parse_time("0"), Ok(0));
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_time("2024-05-01T12:00:00Z"), Ok(1_714_564_800_000));
        assert_eq!(parse_time("2000-02-29T23:59:59.999Z"), Ok(951_868_799_999));
        assert!(parse_time("2024-13-01T00:00:00Z").is_err());
        assert!(parse_time("yesterday").is_err());
    }
}
