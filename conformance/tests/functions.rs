//! The differential suite of hand-written functions: each `conformance/functions/NAME.js` runs on
//! every event of `NAME.toml` through `hedgec run` (the local runtime, one process per event)
//! and through nginx's njs (one process per file, with a `cloudfront` module serving the same
//! KVS). The two must agree on every event: the output (or that there is none), the logs, the
//! KVS reads and the origin change. Error texts differ between engines and are not compared.
//!
//! A `.toml` file holds:
//!
//! ```toml
//! kvs = { "key" = "value" }     # the store (optional)
//! now = 1714564800000           # Date.now() on both engines, in ms (optional)
//! njs = "why njs cannot run it" # compare with njs only when absent (also per event)
//!
//! [[event]]
//! name = "what it shows"
//! file = "amazon-cloudfront-functions-events/add-cors-header/cors-header.json"  # under shared/external
//! # or: request = "GET https://example.com/a?b=1", with optional headers, cookies, country
//! # or: json = '''{ … an event … }'''
//! expect = { "/response/statusCode" = 302, error = false, logs = ["…"], kvs_reads = 1 }
//! ```
//!
//! `expect` is checked on both engines: keys starting with `/` are JSON pointers into the
//! output object; `error` is `true`, `false` or text the error must contain; `logs`,
//! `kvs_reads` and `origin` must be equal; `absent` lists pointers that must not exist. One more trial, `cost::calibration`, compares the
//! compute estimate of the events that carry a `documented_cu` (CloudFront's published figure)
//! with that figure.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use cases::{Engine, Invocation, Kvs, Outcome, RequestSpec};
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::{Value, json};

/// How far the estimate may be from a published `ComputeUtilization`: the published figures
/// themselves differ by 4 to 11 points for functions that do next to nothing (research §4.4).
const CALIBRATION_TOLERANCE: i64 = 6;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn external(path: &str) -> PathBuf {
    manifest().join("../../shared/external").join(path)
}

/// One event of a spec file.
struct Event {
    name: String,
    invocation: Invocation,
    expect: BTreeMap<String, Value>,
    njs: Option<String>,
    documented_cu: Option<i64>,
}

/// A function and its events.
struct Spec {
    code: String,
    kvs: Kvs,
    now: Option<i64>,
    njs: Option<String>,
    events: Vec<Event>,
}

fn load(js: &Path) -> Result<Spec, String> {
    let code = std::fs::read_to_string(js).map_err(|e| format!("cannot read {}: {e}", js.display()))?;
    let toml_path = js.with_extension("toml");
    let text = std::fs::read_to_string(&toml_path).map_err(|e| format!("cannot read {}: {e}", toml_path.display()))?;
    let table: toml::Table = text.parse().map_err(|e| format!("{}: {e}", toml_path.display()))?;
    let spec = serde_json::to_value(&table).map_err(|e| e.to_string())?;
    let string_of = |v: &Value| v.as_str().map(str::to_string);
    let kvs: Kvs = spec
        .get("kvs")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
        .unwrap_or_default();
    let mut events = Vec::new();
    for (index, raw) in spec.get("event").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let name = raw.get("name").and_then(string_of).unwrap_or_else(|| format!("event {}", index + 1));
        let event = if let Some(file) = raw.get("file").and_then(Value::as_str) {
            let path = external(file);
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{name}: cannot read {}: {e}", path.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("{name}: {}: {e}", path.display()))?
        } else if let Some(text) = raw.get("json").and_then(Value::as_str) {
            serde_json::from_str(text).map_err(|e| format!("{name}: the json is not valid: {e}"))?
        } else if let Some(line) = raw.get("request").and_then(Value::as_str) {
            let mut request = RequestSpec::parse(line).map_err(|e| format!("{name}: {e}"))?;
            let map = |key: &str| -> BTreeMap<String, String> {
                raw.get(key)
                    .and_then(Value::as_object)
                    .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
                    .unwrap_or_default()
            };
            request.headers = map("headers");
            request.cookies = map("cookies");
            request.country = raw.get("country").and_then(string_of);
            request.event().event
        } else {
            return Err(format!("{}: {name} has no file, json or request", toml_path.display()));
        };
        let expect = raw.get("expect").and_then(Value::as_object).map(|m| m.clone().into_iter().collect());
        events.push(Event {
            name,
            invocation: Invocation::from_event(event),
            expect: expect.unwrap_or_default(),
            njs: raw.get("njs").and_then(string_of),
            documented_cu: raw.get("documented_cu").and_then(Value::as_i64),
        });
    }
    if events.is_empty() {
        return Err(format!("{} has no [[event]]", toml_path.display()));
    }
    Ok(Spec {
        code,
        kvs,
        now: spec.get("now").and_then(Value::as_i64),
        njs: spec.get("njs").and_then(string_of),
        events,
    })
}

/// Builds `hedgec` (a no-op when it is up to date) in the target directory this test was built
/// in, and returns its path.
fn hedgec() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let profile = exe.parent().and_then(Path::parent).ok_or("unexpected test binary location")?;
    let target = profile.parent().ok_or("unexpected test binary location")?;
    let mut build = Command::new(env!("CARGO"));
    build.args(["build", "--quiet", "-p", "hedgec", "--bin", "hedgec", "--target-dir"]).arg(target);
    if profile.file_name().is_some_and(|n| n == "release") {
        build.arg("--release");
    }
    let status = build.current_dir(manifest()).status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("cargo build of hedgec failed".into());
    }
    Ok(profile.join(format!("hedgec{}", std::env::consts::EXE_SUFFIX)))
}

/// Runs one event through `hedgec run --format json` and checks the exit status against the
/// result.
fn run_hedgec(hedgec: &Path, js: &Path, spec: &Spec, event: &Event, dir: &Path) -> Result<Outcome, String> {
    let event_path = dir.join("event.json");
    std::fs::write(&event_path, event.invocation.event.to_string()).map_err(|e| e.to_string())?;
    let mut command = Command::new(hedgec);
    command.arg("run").arg(js).arg("--event").arg(&event_path).args(["--format", "json"]);
    if !spec.kvs.is_empty() {
        let data: Vec<Value> = spec.kvs.iter().map(|(k, v)| json!({ "key": k, "value": v })).collect();
        let kvs_path = dir.join("kvs.json");
        std::fs::write(&kvs_path, json!({ "data": data }).to_string()).map_err(|e| e.to_string())?;
        command.arg("--kvs").arg(kvs_path);
    }
    if let Some(now) = spec.now {
        command.arg("--now").arg(now.to_string());
    }
    let output = command.output().map_err(|e| format!("cannot run {}: {e}", hedgec.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let result: Value = serde_json::from_str(&stdout).map_err(|e| {
        format!("hedgec run printed no JSON ({e}): {stdout}{}", String::from_utf8_lossy(&output.stderr))
    })?;
    let outcome = Outcome {
        output: result.get("output").filter(|o| !o.is_null()).cloned(),
        error: result.get("error").and_then(Value::as_str).map(str::to_string),
        logs: result["logs"].as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_string).collect(),
        kvs_reads: result["kvs_reads"].as_u64().unwrap_or(0) as u32,
        origin: result.get("origin").cloned(),
        engine_failed: false,
        instructions: result["instructions"].as_u64(),
        compute_utilization: result["compute_utilization"].as_u64().map(|c| c as u32),
    };
    let expected_status = if outcome.error.is_some() { 1 } else { 0 };
    if output.status.code() != Some(expected_status) {
        return Err(format!("hedgec run exited with {:?}, not {expected_status}", output.status.code()));
    }
    Ok(outcome)
}

/// Fixes `Date` for njs, which has no clock of its own to set: appended to the function, it
/// runs after the function's top-level code and before any call.
fn njs_clock(now: i64) -> String {
    format!(
        r#"
;(function () {{
  var RealDate = Date, now = {now};
  function FixedDate(a, b, c, d, e, f, g) {{
    var n = arguments.length;
    if (n === 0) return new RealDate(now);
    if (n === 1) return new RealDate(a);
    return new RealDate(RealDate.UTC(a, b, c === undefined ? 1 : c, d || 0, e || 0, f || 0, g || 0));
  }}
  FixedDate.now = function () {{ return now; }};
  FixedDate.UTC = RealDate.UTC;
  FixedDate.parse = RealDate.parse;
  FixedDate.prototype = RealDate.prototype;
  globalThis.Date = FixedDate;
}})();
"#
    )
}

/// njs's outcomes, with the origin checks the local runtime makes (the njs `cloudfront` module
/// records the calls without checking them).
fn run_njs(spec: &Spec) -> Result<Vec<Option<Outcome>>, String> {
    let code = match spec.now {
        Some(now) => format!("{}{}", spec.code, njs_clock(now)),
        None => spec.code.clone(),
    };
    let compared: Vec<&Event> = spec.events.iter().filter(|e| e.njs.is_none()).collect();
    let invocations: Vec<Invocation> = compared.iter().map(|e| e.invocation.clone()).collect();
    let outcomes = cases::njs::Njs::default().run(&code, &spec.kvs, &invocations).map_err(|e| e.to_string())?;
    let mut by_event = Vec::with_capacity(spec.events.len());
    let mut outcomes = outcomes.into_iter();
    for event in &spec.events {
        if event.njs.is_some() {
            by_event.push(None);
            continue;
        }
        let mut outcome = outcomes.next().ok_or("njs returned fewer outcomes than events")?;
        if let Some(origin) = &outcome.origin {
            let method = origin["method"].as_str().unwrap_or_default();
            let args = origin["args"].as_array().cloned().unwrap_or_default();
            if let Err(error) = runtime_js::result::origin_call(method, &args) {
                // The local runtime throws at the call, so nothing is recorded.
                outcome.output = None;
                outcome.error = Some(error);
                outcome.origin = None;
            }
        }
        by_event.push(Some(outcome));
    }
    Ok(by_event)
}

fn disagreements(boa: &Outcome, njs: &Outcome) -> Vec<String> {
    let mut found = Vec::new();
    if njs.engine_failed {
        found.push(format!("njs could not run the function: {}", njs.error.as_deref().unwrap_or_default()));
    }
    // Compared as text, so that the order of keys counts too (objects keep insertion order).
    let text = |o: &Outcome| o.output.as_ref().map(Value::to_string);
    if text(boa) != text(njs) || boa.error.is_some() != njs.error.is_some() {
        let show = |o: &Outcome| match (&o.output, &o.error) {
            (Some(output), _) => output.to_string(),
            (None, error) => format!("error: {}", error.as_deref().unwrap_or("none")),
        };
        found.push(format!("output differs\n      boa: {}\n      njs: {}", show(boa), show(njs)));
    }
    if boa.logs != njs.logs {
        found.push(format!("logs differ\n      boa: {:?}\n      njs: {:?}", boa.logs, njs.logs));
    }
    if boa.kvs_reads != njs.kvs_reads {
        found.push(format!("KVS reads differ: boa {}, njs {}", boa.kvs_reads, njs.kvs_reads));
    }
    if boa.origin != njs.origin {
        found.push(format!("origin differs: boa {:?}, njs {:?}", boa.origin, njs.origin));
    }
    found
}

fn unexpected(expect: &BTreeMap<String, Value>, outcome: &Outcome) -> Vec<String> {
    let mut found = Vec::new();
    let output = outcome.output.clone().unwrap_or(Value::Null);
    for (key, want) in expect {
        let problem = match key.as_str() {
            pointer if pointer.starts_with('/') => {
                let got = output.pointer(pointer);
                (got != Some(want)).then(|| format!("{pointer} is {got:?}, not {want}"))
            }
            "error" => match (want, &outcome.error) {
                (Value::Bool(true), None) => Some("no error, but one was expected".into()),
                (Value::Bool(false), Some(error)) => Some(format!("unexpected error: {error}")),
                (Value::String(text), Some(error)) if !error.contains(text.as_str()) => {
                    Some(format!("the error {error:?} does not mention {text:?}"))
                }
                (Value::String(text), None) => Some(format!("no error, but one mentioning {text:?} was expected")),
                _ => None,
            },
            "logs" => {
                let got: Vec<Value> = outcome.logs.iter().map(|l| Value::String(l.clone())).collect();
                (Value::Array(got.clone()) != *want).then(|| format!("logs are {got:?}, not {want}"))
            }
            "kvs_reads" => (Some(u64::from(outcome.kvs_reads)) != want.as_u64())
                .then(|| format!("{} KVS reads, not {want}", outcome.kvs_reads)),
            "origin" => {
                (outcome.origin.as_ref() != Some(want)).then(|| format!("origin is {:?}, not {want}", outcome.origin))
            }
            "absent" => {
                let present: Vec<&str> = want
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .filter(|p| output.pointer(p).is_some())
                    .collect();
                (!present.is_empty()).then(|| format!("{present:?} should be absent"))
            }
            other => Some(format!("unknown expectation {other:?}")),
        };
        found.extend(problem);
    }
    found
}

fn check(js: &Path, hedgec: &Result<PathBuf, String>) -> Result<(), Failed> {
    let hedgec = hedgec.as_ref().map_err(|e| Failed::from(e.as_str()))?;
    let spec = load(js).map_err(Failed::from)?;
    let dir = tempfile::tempdir().map_err(|e| Failed::from(e.to_string()))?;
    let njs = if spec.njs.is_none() { Some(run_njs(&spec).map_err(Failed::from)?) } else { None };
    let mut failures = Vec::new();
    for (index, event) in spec.events.iter().enumerate() {
        let boa = run_hedgec(hedgec, js, &spec, event, dir.path())
            .map_err(|e| Failed::from(format!("{}: {e}", event.name)))?;
        let mut problems: Vec<String> =
            unexpected(&event.expect, &boa).into_iter().map(|p| format!("boa: {p}")).collect();
        // CloudFront validates the object a function returns; the njs command line does not, and
        // njs results pass through their own minimal normaliser, so a ValidationError is judged on
        // the local runtime alone (the runtime's "Known differences").
        let validation = boa.error.as_deref().is_some_and(|e| e.starts_with("ValidationError"));
        if let Some(Some(njs)) = njs.as_ref().map(|n| &n[index]).filter(|_| !validation) {
            problems.extend(unexpected(&event.expect, njs).into_iter().map(|p| format!("njs: {p}")));
            problems.extend(disagreements(&boa, njs));
        }
        if !problems.is_empty() {
            failures.push(format!("{}:\n    {}", event.name, problems.join("\n    ")));
        }
    }
    if failures.is_empty() { Ok(()) } else { Err(failures.join("\n").into()) }
}

/// The compute estimate of every event with a published figure, within the tolerance of it.
fn calibration(paths: &[PathBuf]) -> Result<(), Failed> {
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for js in paths {
        let spec = load(js).map_err(Failed::from)?;
        for event in spec.events.iter().filter(|e| e.documented_cu.is_some()) {
            let mut boa = cases::boa::Boa::at(spec.now.unwrap_or(0));
            let outcome =
                boa.run(&spec.code, &spec.kvs, std::slice::from_ref(&event.invocation)).map_err(|e| e.to_string())?;
            let estimate = i64::from(outcome[0].compute_utilization.unwrap_or(0));
            let documented = event.documented_cu.unwrap_or(0);
            let name = format!("{} / {}", js.file_stem().unwrap_or_default().to_string_lossy(), event.name);
            rows.push(format!(
                "{name}: documented {documented}, estimated {estimate} ({} instructions)",
                outcome[0].instructions.unwrap_or(0)
            ));
            if (estimate - documented).abs() > CALIBRATION_TOLERANCE {
                failures.push(format!("{name}: estimated {estimate}, CloudFront reported {documented}"));
            }
        }
    }
    println!("{}", rows.join("\n"));
    if rows.len() < 9 {
        return Err(format!("only {} events carry a documented_cu", rows.len()).into());
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("{}\n\nall:\n{}", failures.join("\n"), rows.join("\n")).into())
    }
}

fn main() {
    let args = Arguments::from_args();
    let dir = manifest().join("functions");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("conformance/functions exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "js"))
        .collect();
    paths.sort();
    let hedgec = std::sync::Arc::new(if args.list { Err("listing".to_string()) } else { hedgec() });
    let mut trials: Vec<Trial> = paths
        .iter()
        .map(|path| {
            let name = format!("functions::{}", path.file_stem().expect("file").to_string_lossy());
            let (path, hedgec) = (path.clone(), hedgec.clone());
            Trial::test(name, move || check(&path, &hedgec))
        })
        .collect();
    trials.push(Trial::test("cost::calibration", move || calibration(&paths)));
    libtest_mimic::run(&args, trials).exit();
}
