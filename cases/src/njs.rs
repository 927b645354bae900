//! nginx's `njs`, the engine CloudFront Functions very probably run on, as a differential
//! oracle. Each batch is one `njs -t module` process: the function's code, then a small
//! driver that calls `handler` on each event in turn; a `cloudfront` module file beside it
//! serves the KVS and records origin changes.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::engine::{Engine, EngineError, Kvs, Outcome};
use crate::event::Invocation;

/// Marks the driver's lines in njs's output.
const MARK: &str = "\u{1}hedge ";

/// The `cloudfront` module for njs; `DATA` is replaced by the store's JSON.
pub(crate) const CLOUDFRONT_MODULE: &str = r#"var data = DATA;
function state() { return globalThis.__hedge_state || (globalThis.__hedge_state = { reads: 0, origin: null }); }
function has(key) { return Object.prototype.hasOwnProperty.call(data, String(key)); }
var handle = {
  get: function (key, options) {
    state().reads++;
    if (!has(key)) return Promise.reject(new Error("KeyNotFound: " + key));
    var value = data[String(key)], format = (options && options.format) || "string";
    if (format === "json") { try { return Promise.resolve(JSON.parse(value)); } catch (e) { return Promise.reject(e); } }
    if (format === "bytes") return Promise.resolve(Buffer.from(value));
    return Promise.resolve(value);
  },
  exists: function (key) { state().reads++; return Promise.resolve(has(key)); },
  meta: function () {
    state().reads++;
    return Promise.resolve({ creationDateTime: "2024-01-01T00:00:00Z", lastUpdatedDateTime: "2024-01-01T00:00:00Z", keyCount: Object.keys(data).length });
  }
};
function record(method, args) { state().origin = { method: method, args: args }; }
export default {
  kvs: function () { return handle; },
  selectRequestOriginById: function () { record("selectRequestOriginById", Array.prototype.slice.call(arguments)); },
  updateRequestOrigin: function () { record("updateRequestOrigin", Array.prototype.slice.call(arguments)); },
  createRequestOriginGroup: function () { record("createRequestOriginGroup", Array.prototype.slice.call(arguments)); },
  edgeLocation: { name: "SEA", serverIp: "198.51.100.1", region: "us-west-2" }
};
"#;

/// The driver appended to the function; `EVENTS` is replaced by the invocations' JSON.
const DRIVER: &str = r#"
;(function () {
  var events = EVENTS, index = 0;
  function done(record) {
    var s = globalThis.__hedge_state;
    record.reads = s.reads;
    record.origin = s.origin;
    console.log("\u0001hedge " + JSON.stringify(record));
    next();
  }
  function next() {
    if (index >= events.length) return;
    var item = events[index++], raw = item.raw, out;
    globalThis.__hedge_state = { reads: 0, origin: null };
    console.log("\u0001hedge start");
    item.event.request.rawQueryString = function () { return raw === null ? undefined : raw; };
    try { out = handler(item.event); } catch (e) { done({ error: String(e) }); return; }
    Promise.resolve(out).then(function (v) { done({ value: v === undefined ? null : v }); },
                              function (e) { done({ error: String(e) }); });
  }
  next();
})();
"#;

/// How the error of a run that outlived [`Njs::timeout`] begins.
pub const TIMED_OUT: &str = "njs did not finish within";

/// The njs command-line interpreter.
#[derive(Clone, Debug)]
pub struct Njs {
    /// The binary to run.
    pub program: PathBuf,
    /// How long one batch may take.
    pub timeout: Duration,
    /// The name njs's messages give the function's code (the user's file), instead of the
    /// temporary file it runs from.
    pub code_name: String,
}

impl Default for Njs {
    fn default() -> Njs {
        Njs { program: PathBuf::from("njs"), timeout: Duration::from_secs(20), code_name: "function.js".into() }
    }
}

impl Njs {
    /// Whether the binary runs here.
    pub fn available(&self) -> bool {
        Command::new(&self.program)
            .arg("-v")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Runs `main` as a module beside a `cloudfront` module file holding `cloudfront`, and
    /// returns what njs printed on stdout and stderr.
    pub(crate) fn run_module(&self, cloudfront: &str, main: &str) -> Result<(String, String), EngineError> {
        let dir = tempfile::tempdir().map_err(|e| EngineError(format!("cannot create a temporary directory: {e}")))?;
        let io = |e: std::io::Error| EngineError(format!("cannot write njs input: {e}"));
        std::fs::write(dir.path().join("cloudfront"), cloudfront).map_err(io)?;
        let main_path = dir.path().join("main.js");
        std::fs::write(&main_path, main).map_err(io)?;

        let mut child = Command::new(&self.program)
            .args(["-t", "module", "-p"])
            .arg(dir.path())
            .arg(&main_path)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                EngineError(format!(
                    "cannot start {}: {e} (install it with `apt-get install njs`)",
                    self.program.display()
                ))
            })?;
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        let out_thread = read_lossy(stdout);
        let err_thread = read_lossy(stderr);
        let deadline = Instant::now() + self.timeout;
        loop {
            match child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(2)),
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(EngineError(format!("{TIMED_OUT} {:?}", self.timeout)));
                }
            }
        }
        // njs names the file it ran in its messages; the user knows the code by another name.
        let temporary = main_path.display().to_string();
        let stdout = out_thread.join().unwrap_or_default().replace(&temporary, &self.code_name);
        let stderr = err_thread.join().unwrap_or_default().replace(&temporary, &self.code_name);
        Ok((stdout, stderr))
    }
}

impl Engine for Njs {
    fn name(&self) -> &'static str {
        "njs"
    }

    fn run(&mut self, code: &str, kvs: &Kvs, invocations: &[Invocation]) -> Result<Vec<Outcome>, EngineError> {
        let data = serde_json::to_string(kvs).expect("kvs serializes");
        let module = CLOUDFRONT_MODULE.replace("DATA", &data);
        let events: Vec<Value> = invocations.iter().map(|i| json!({ "event": i.event, "raw": i.raw_query })).collect();
        let driver = DRIVER.replace("EVENTS", &serde_json::to_string(&events).expect("events serialize"));
        let (stdout, stderr) = self.run_module(&module, &format!("{code}\n{driver}"))?;
        Ok(parse_output(&stdout, &stderr, invocations))
    }
}

/// Reads a child's stream to its end on a thread of its own. njs's console.log cuts a long line
/// at 2,048 bytes, which can split a character: what is not UTF-8 becomes U+FFFD, rather than
/// the whole output being lost.
fn read_lossy(mut stream: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Splits njs's output into one outcome per invocation.
fn parse_output(stdout: &str, stderr: &str, invocations: &[Invocation]) -> Vec<Outcome> {
    let mut outcomes: Vec<Outcome> = Vec::new();
    let mut logs: Vec<String> = Vec::new();
    for line in stdout.lines() {
        let Some(record) = line.strip_prefix(MARK) else {
            logs.push(line.to_string());
            continue;
        };
        if record == "start" {
            logs.clear();
            continue;
        }
        let Ok(record) = serde_json::from_str::<Value>(record) else {
            continue;
        };
        let invocation = &invocations[outcomes.len().min(invocations.len() - 1)];
        let mut outcome = Outcome {
            logs: std::mem::take(&mut logs),
            kvs_reads: record["reads"].as_u64().unwrap_or(0) as u32,
            origin: record.get("origin").filter(|o| !o.is_null()).cloned(),
            ..Outcome::default()
        };
        match (record.get("error"), record.get("value")) {
            (Some(error), _) => outcome.error = Some(error.as_str().unwrap_or("error").to_string()),
            (None, Some(value)) => match crate::shape::output(&invocation.event, value) {
                Ok(output) => outcome.output = Some(output),
                Err(error) => outcome.error = Some(error),
            },
            (None, None) => {
                outcome.error = Some("njs produced no result".into());
                outcome.engine_failed = true;
            }
        }
        outcomes.push(outcome);
        if outcomes.len() == invocations.len() {
            break;
        }
    }
    // A function that fails to load (syntax error) or a driver that stopped early.
    let reason =
        stderr.lines().map(str::trim).filter(|l| !l.is_empty() && *l != "Thrown:").collect::<Vec<_>>().join(" ");
    while outcomes.len() < invocations.len() {
        let reason = if reason.is_empty() { "njs stopped before this event".to_string() } else { reason.clone() };
        outcomes.push(Outcome { engine_failed: true, ..Outcome::failed(reason) });
    }
    outcomes
}
