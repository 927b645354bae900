//! The differential fuzzer's runner: generated programs ([`crate::generate`]) run as a
//! viewer-request and as a viewer-response function on the local runtime and on njs, and the
//! outcomes are compared: the output object (njs's read by [`crate::shape`]), the class of a
//! thrown error, the console lines and the KVS reads.
//!
//! Many programs share one njs process: each becomes a handler of one module, which a driver
//! calls in turn on both events. The local runtime loads each program once, on a fresh context,
//! and calls it on both events, as njs does: generated programs keep their state inside the
//! handler, so the second call sees nothing of the first on either engine.
//!
//! What the runtime documents as different from njs is normalised by one list,
//! [`KNOWN_DIFFERENCES`], each entry naming its line in the runtime's "Known differences"
//! (`runtime-js/src/lib.rs`); every other difference is a [`Finding`], with the program
//! minimised to the lines that keep it.

use serde_json::{Value, json};

use crate::engine::{EngineError, Kvs};
use crate::event::RequestSpec;
use crate::generate::{HEADER, KVS, Program};
use crate::njs::{CLOUDFRONT_MODULE, Njs};

/// `Date.now()` in every call, on both engines.
pub const NOW_MS: i64 = 1_714_564_800_000;

/// A known difference: where the runtime documents it, and how both sides are normalised.
pub struct KnownDifference {
    /// `lib.rs:LINE`, a line of the "Known differences" section of `runtime-js/src/lib.rs`.
    pub documented_at: &'static str,
    /// Words of that line, which a test finds there.
    pub quote: &'static str,
    /// What it is.
    pub what: &'static str,
    /// Applied to each console line and each output's text on both engines.
    pub normalise: fn(&str) -> String,
    /// Whether two results that still differ are this difference.
    pub forgives: fn(local: &Seen, njs: &Seen) -> bool,
    /// Whether `forgives` also judges console lines that still differ (otherwise only results).
    pub forgives_logs: bool,
}

fn never(_: &Seen, _: &Seen) -> bool {
    false
}

/// The runtime rejected a result that njs, which checks nothing, returned, and the runtime's
/// validation rejects njs's value for the same reason: both engines returned the same invalid
/// thing. A value the runtime would accept from njs is not forgiven.
fn validation_only_here(local: &Seen, njs: &Seen) -> bool {
    local.result == "ValidationError" && njs.result.starts_with('{') && local.validation == njs.validation
}

/// The one list of differences the fuzzer forgives.
pub const KNOWN_DIFFERENCES: &[KnownDifference] = &[
    KnownDifference {
        documented_at: "lib.rs:76",
        quote: "error messages differ",
        what: "error messages differ: only the class of a thrown error is compared",
        normalise: same,
        forgives: never,
        forgives_logs: false,
    },
    KnownDifference {
        documented_at: "lib.rs:111",
        quote: "njs does not print the shortest digits",
        what: "njs does not print the shortest digits of a number: numbers are compared to 15 significant digits",
        normalise: round_long_numbers,
        forgives: never,
        forgives_logs: false,
    },
    KnownDifference {
        documented_at: "lib.rs:123",
        quote: "`console.log` cuts lines at 2,048 bytes",
        what: "njs's console.log cuts lines at 2,048 bytes: lines are compared up to that length",
        normalise: cut_long_line,
        forgives: never,
        forgives_logs: false,
    },
    KnownDifference {
        documented_at: "lib.rs:125",
        quote: "njs checks no result",
        what: "njs does not validate results: a result the runtime rejects as CloudFront does is forgiven when the runtime's validation rejects njs's returned value with the same error",
        normalise: same,
        forgives: validation_only_here,
        forgives_logs: false,
    },
    KnownDifference {
        documented_at: "lib.rs:127",
        quote: "its `querystring.stringify` turns the numbers and booleans",
        what: "njs's querystring.stringify turns an array value's numbers and booleans into strings in the caller's array: forgiven when njs shows such a string where the runtime shows the number or boolean, and nothing else differs",
        normalise: same,
        forgives: stringified_in_place,
        forgives_logs: true,
    },
    KnownDifference {
        documented_at: "lib.rs:130",
        quote: "writes a separator for an empty array value",
        what: "njs's querystring.stringify writes a separator for an empty array value: forgiven when njs's result and console lines are the runtime's with some `&` added, and nothing else differs",
        normalise: same,
        forgives: extra_separators,
        forgives_logs: true,
    },
    KnownDifference {
        documented_at: "lib.rs:132",
        quote: "it throws a `TypeError` for calling something that is not a function before it evaluates",
        what: "njs checks that a callee is a function before it evaluates the arguments: forgiven when njs threw a TypeError where the runtime threw an error after the same console lines and maybe more (those the arguments wrote)",
        normalise: same,
        forgives: callee_checked_first,
        forgives_logs: true,
    },
    KnownDifference {
        documented_at: "lib.rs:103",
        quote: "divides an integer zero by a negative integer to `0`, not `-0`",
        what: "boa divides an integer zero by a negative integer to 0, not -0: forgiven when njs's result and console lines are the runtime's with a minus sign before some zeros, and nothing else differs",
        normalise: same,
        forgives: unsigned_zeros,
        forgives_logs: true,
    },
    KnownDifference {
        documented_at: "lib.rs:135",
        quote: "its command line has no memory limit",
        what: "njs's command line has no memory limit: a result the runtime's allocation guards stopped is forgiven, with what njs logged on its way",
        normalise: same,
        forgives: memory_limit_here,
        forgives_logs: true,
    },
];

/// Words of the error the runtime's allocation guards throw, and how the fuzzer marks it.
const MEMORY_ERROR: &str = "of memory a CloudFront function has";
const MEMORY: &str = "(over CloudFront's memory)";

/// The runtime stopped the function at CloudFront's 2 MB, which njs's command line does not
/// have: forgiven whatever njs did, when the error was not caught (a caught one is not told
/// apart from another `RangeError`).
fn memory_limit_here(local: &Seen, _njs: &Seen) -> bool {
    local.result.ends_with(MEMORY)
}

/// Whether njs's result and console lines are the runtime's with some pieces added, each one
/// that `added` accepts: given njs's normalised text and a place where the runtime's differs,
/// the length of the piece that starts there, if it is one.
fn only_added(local: &Seen, njs: &Seen, added: fn(&[u8], usize) -> Option<usize>) -> bool {
    let check = |ours: &str, theirs: &str| {
        let (ours, theirs) = (normalise(ours).into_bytes(), normalise(theirs).into_bytes());
        let (mut i, mut j) = (0, 0);
        while j < theirs.len() {
            if ours.get(i) == Some(&theirs[j]) {
                (i, j) = (i + 1, j + 1);
                continue;
            }
            match added(&theirs, j) {
                Some(length) => j += length,
                None => return false,
            }
        }
        i == ours.len()
    };
    check(&local.result, &njs.result) && check(&local.logs.join("\n"), &njs.logs.join("\n"))
}

/// Whether njs's result and console lines are the runtime's with `-0` for some of its `0`s
/// (whole numbers: not the zero of `10` or `0.5`).
fn unsigned_zeros(local: &Seen, njs: &Seen) -> bool {
    only_added(local, njs, |theirs, at| {
        let zero = theirs.get(at + 1) == Some(&b'0')
            && theirs.get(at + 2).is_none_or(|b| !b.is_ascii_alphanumeric() && *b != b'.');
        let after_boundary = at == 0 || !theirs[at - 1].is_ascii_alphanumeric();
        (theirs[at] == b'-' && zero && after_boundary).then_some(1)
    })
}

/// Whether njs's result and console lines are the runtime's with some `&` added, as njs's
/// `querystring.stringify` writes one for each empty array value (`&b=1` for `b=1`), or `%26`
/// where the program percent-encoded the string afterwards.
fn extra_separators(local: &Seen, njs: &Seen) -> bool {
    only_added(local, njs, |theirs, at| match &theirs[at..] {
        [b'&', ..] => Some(1),
        [b'%', b'2', b'6', ..] => Some(3),
        _ => None,
    })
}

/// Whether njs threw a `TypeError` where the runtime threw too, after the console lines njs
/// wrote and perhaps more: those of the arguments the runtime evaluated before finding that
/// the callee was not a function (the error then is the arguments' own or the `TypeError`).
/// Inside a generated `try` the error shows as the catch's line (`caught TypeError` on njs,
/// `caught URIError` here), and the rest of both runs must be the same.
fn callee_checked_first(local: &Seen, njs: &Seen) -> bool {
    let threw = |result: &str| !result.starts_with('{') && result != "nothing" && !result.starts_with("load:");
    let ours: Vec<String> = local.logs.iter().map(|l| normalise(l)).collect();
    let theirs: Vec<String> = njs.logs.iter().map(|l| normalise(l)).collect();
    let uncaught = njs.result == "TypeError" && threw(&local.result) && ours.starts_with(&theirs);
    uncaught || (normalise(&local.result) == normalise(&njs.result) && caught_earlier(&ours, &theirs))
}

/// Whether `ours` is `theirs` except that where njs's catch printed `caught TypeError`, the
/// runtime printed some lines and then its own catch line.
fn caught_earlier(ours: &[String], theirs: &[String]) -> bool {
    let first = ours.iter().zip(theirs).take_while(|(o, t)| o == t).count();
    if theirs.get(first).map(String::as_str) != Some("caught TypeError") {
        return false;
    }
    let rest = &theirs[first + 1..];
    (first..ours.len()).any(|catch| {
        ours[catch].starts_with("caught ") && ours[catch + 1..] == *rest && ours.len() - catch - 1 == rest.len()
    })
}

/// Whether njs's result and console lines are the runtime's, except that some numbers and
/// booleans the runtime shows bare are strings in njs (`"42"` for `42`, `"true"` for `true`),
/// as after njs's `querystring.stringify` turned them into strings in place. Both texts are
/// normalised first; anything else that differs is not forgiven.
fn stringified_in_place(local: &Seen, njs: &Seen) -> bool {
    let same_but_quoted = |ours: &str, theirs: &str| {
        let (ours, theirs) = (normalise(ours), normalise(theirs));
        ours == theirs || only_quoted_scalars(&ours, &theirs)
    };
    same_but_quoted(&local.result, &njs.result) && same_but_quoted(&local.logs.join("\n"), &njs.logs.join("\n"))
}

/// Whether `theirs` is `ours` with some numbers or booleans written as JSON strings.
fn only_quoted_scalars(ours: &str, theirs: &str) -> bool {
    let (ours, theirs) = (ours.as_bytes(), theirs.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < ours.len() || j < theirs.len() {
        if i < ours.len() && j < theirs.len() && ours[i] == theirs[j] {
            (i, j) = (i + 1, j + 1);
            continue;
        }
        // A quoted scalar in njs where the runtime has it bare, ending where a value ends: JSON's
        // double quotes, or the single quotes of `console.log`'s object notation.
        let Some(&quote) = theirs.get(j) else { return false };
        let Some(close) = theirs.get(j + 1..).and_then(|rest| rest.iter().position(|&b| b == quote)) else {
            return false;
        };
        let scalar = &theirs[j + 1..j + 1 + close];
        let is_scalar = scalar == b"true"
            || scalar == b"false"
            || std::str::from_utf8(scalar).is_ok_and(|s| !s.is_empty() && s.parse::<f64>().is_ok_and(f64::is_finite));
        let bare = ours.get(i..).is_some_and(|rest| rest.starts_with(scalar))
            && ours.get(i + scalar.len()).is_none_or(|b| matches!(b, b',' | b']' | b'}'));
        if !matches!(quote, b'"' | b'\'') || !is_scalar || !bare {
            return false;
        }
        (i, j) = (i + scalar.len(), j + scalar.len() + 2);
    }
    true
}

fn same(text: &str) -> String {
    text.to_string()
}

/// Rewrites every decimal number with more than 15 significant digits to the shortest text of
/// that number rounded to 15, as JavaScript prints it: `0.30000000000000004` and njs's
/// `0.30000000000000007` both become `0.3`, `3.0000000000000004` becomes `3`, and an integer
/// past 2^53 that njs prints `21252918674980865` and the runtime `21252918674980864` becomes
/// `21252918674980900`. Numbers of 15
/// digits or fewer are left as they are written, so `1.50` stays apart from `1.5`.
fn round_long_numbers(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut index = 0;
    while index < bytes.len() {
        let start = index;
        let preceded = start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'.');
        if bytes[index].is_ascii_digit() && !preceded {
            while index < bytes.len() && (bytes[index].is_ascii_digit() || bytes[index] == b'.') {
                index += 1;
            }
            if index < bytes.len() && (bytes[index] == b'e' || bytes[index] == b'E') {
                let mut end = index + 1;
                if end < bytes.len() && (bytes[end] == b'+' || bytes[end] == b'-') {
                    end += 1;
                }
                if end < bytes.len() && bytes[end].is_ascii_digit() {
                    index = end;
                    while index < bytes.len() && bytes[index].is_ascii_digit() {
                        index += 1;
                    }
                }
            }
            let token = &text[start..index];
            let mantissa = token.split(['e', 'E']).next().unwrap_or("");
            let digits = mantissa.trim_start_matches(['0', '.']).bytes().filter(u8::is_ascii_digit).count();
            match token.parse::<f64>() {
                Ok(number) if digits > 15 => out.push_str(&to_15_digits(number)),
                _ => out.push_str(token),
            }
        } else {
            let c = text[index..].chars().next().expect("in bounds");
            out.push(c);
            index += c.len_utf8();
        }
    }
    out
}

/// `number` rounded to 15 significant digits, printed as JavaScript prints a number.
fn to_15_digits(number: f64) -> String {
    let rounded: f64 = format!("{number:.14e}").parse().unwrap_or(number);
    let magnitude = rounded.abs();
    if rounded == 0.0 || (1e-7..1e21).contains(&magnitude) {
        // Rust prints the shortest digits that read back as the number, without an exponent.
        format!("{rounded}")
    } else {
        let text = format!("{rounded:e}");
        match text.split_once('e') {
            Some((digits, exponent)) if !exponent.starts_with('-') => format!("{digits}e+{exponent}"),
            _ => text,
        }
    }
}

fn cut_long_line(text: &str) -> String {
    let mut end = text.len().min(2048);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// `text` with every known difference normalised, as both engines' results are before they are
/// compared.
pub fn normalise(text: &str) -> String {
    KNOWN_DIFFERENCES.iter().fold(text.to_string(), |t, k| (k.normalise)(&t))
}

/// What one call did, in the terms the fuzzer compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    /// The output object's text, or the class of the error (`TypeError`, `ValidationError`).
    pub result: String,
    /// Console lines.
    pub logs: Vec<String>,
    /// KVS reads.
    pub kvs_reads: u32,
    /// The runtime's `ValidationError` for the returned value, if it has one: on the local
    /// runtime the call's own error; for njs, which validates nothing, what
    /// `runtime_js::result::normalize` says of njs's returned value. Compared only to forgive a
    /// result the runtime rejects (the last of [`KNOWN_DIFFERENCES`]).
    pub validation: Option<String>,
}

/// A disagreement between the engines.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The event type it showed on.
    pub event_type: &'static str,
    /// What differed, and on which built-ins: findings of one class share it.
    pub class: String,
    /// The program, minimised.
    pub program: Program,
    /// Both engines' outcomes.
    pub local: Seen,
    /// njs's.
    pub njs: Seen,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} ({}):", self.class, self.event_type)?;
        writeln!(f, "{}", self.program.code())?;
        writeln!(f, "  local runtime: {:?}", self.local)?;
        write!(f, "  njs:           {:?}", self.njs)
    }
}

/// What a batch showed.
#[derive(Debug, Default)]
pub struct Report {
    /// Calls compared (two per program).
    pub calls: usize,
    /// Calls njs could not report (its output line was cut).
    pub unreported: usize,
    /// Programs neither engine could load.
    pub invalid: usize,
    /// The disagreements.
    pub findings: Vec<Finding>,
}

/// The two events every program runs on.
pub fn events() -> [(&'static str, Value, Option<String>); 2] {
    let mut spec =
        RequestSpec::parse("GET https://www.example.com/docs/page.html?b=2&a=1&b=3").expect("a request line");
    spec.headers.insert("accept".into(), "text/html".into());
    spec.cookies.insert("session".into(), "abc".into());
    let request = spec.event();
    let mut response = request.event.clone();
    response["context"]["eventType"] = json!("viewer-response");
    response["response"] = json!({
        "statusCode": 200,
        "statusDescription": "OK",
        "headers": { "content-type": { "value": "text/html" }, "x-origin": { "value": "yes" } },
        "cookies": {}
    });
    [("viewer-request", request.event, request.raw_query.clone()), ("viewer-response", response, request.raw_query)]
}

fn kvs() -> Kvs {
    KVS.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The class of an error text: `TypeError` from `TypeError: …`.
fn error_class(error: &str) -> String {
    let name = error.split(':').next().unwrap_or(error).trim();
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()) {
        name.to_string()
    } else {
        error.to_string()
    }
}

/// The local result of a call the runtime stopped with an `InternalError`, as it stops one that
/// runs past its compute budget.
const OVER_BUDGET: &str = "InternalError";

/// The two engines a comparison runs on.
#[derive(Clone, Debug)]
pub struct Engines {
    /// njs, the oracle.
    pub njs: Njs,
    /// How the local runtime runs each program: `Date.now()` is [`NOW_MS`]; a test may replace a
    /// built-in here (`runtime_js`'s `test-hooks`) to check that the comparison catches it.
    pub local: runtime_js::Options,
}

impl Engines {
    /// njs and the local runtime as the fuzzer runs them.
    pub fn new(njs: Njs) -> Engines {
        Engines { njs, local: runtime_js::Options { now_ms: NOW_MS, ..runtime_js::Options::default() } }
    }

    /// Runs one program on the local runtime, on both events: loaded once and called twice, as
    /// njs's driver loads each program once and calls its handler on both events.
    pub fn run_local(&self, program: &Program) -> Vec<Seen> {
        let store = runtime_js::Store::from(kvs());
        let code = program.code();
        let mut function = match runtime_js::Function::load(&code, self.local.clone()) {
            Ok(function) => function,
            Err(error) => {
                let failed =
                    Seen { result: format!("load: {}", error.message()), logs: vec![], kvs_reads: 0, validation: None };
                return vec![failed; events().len()];
            }
        };
        events()
            .iter()
            .map(|(_, event, raw)| {
                let call = function.call(event, raw.as_deref(), &store);
                let result = match (&call.output, &call.error) {
                    (Some(output), _) => output.to_string(),
                    (None, Some(error)) if error.contains(MEMORY_ERROR) => format!("{} {MEMORY}", error_class(error)),
                    (None, Some(error)) => error_class(error),
                    (None, None) => "nothing".into(),
                };
                let validation = call.error.filter(|e| e.starts_with("ValidationError"));
                Seen { result, logs: call.logs, kvs_reads: call.kvs_reads, validation }
            })
            .collect()
    }

    /// Runs programs on njs, all in one process; `None` for a call njs could not report.
    pub fn run_njs(&self, programs: &[Program]) -> Result<Vec<Option<Seen>>, EngineError> {
        run_njs(&self.njs, programs)
    }
}

/// Fixes `Date` for njs at [`NOW_MS`].
const NJS_CLOCK: &str = r#"
;(function () {
  var RealDate = Date, now = NOW;
  function FixedDate(a, b, c, d, e, f, g) {
    var n = arguments.length;
    if (n === 0) return new RealDate(now);
    if (n === 1) return new RealDate(a);
    return new RealDate(RealDate.UTC(a, b, c === undefined ? 1 : c, d || 0, e || 0, f || 0, g || 0));
  }
  FixedDate.now = function () { return now; };
  FixedDate.UTC = RealDate.UTC;
  FixedDate.parse = RealDate.parse;
  FixedDate.prototype = RealDate.prototype;
  globalThis.Date = FixedDate;
})();
"#;

/// Calls every handler on every event; one record line per call.
const NJS_DRIVER: &str = r#"
;(function () {
  var events = EVENTS, handlers = HANDLERS, index = 0;
  function next() {
    if (index >= handlers.length * events.length) return;
    var h = Math.floor(index / events.length), item = events[index % events.length], out;
    index++;
    var event = JSON.parse(JSON.stringify(item.event)), raw = item.raw;
    globalThis.__hedge_state = { reads: 0, origin: null };
    event.request.rawQueryString = function () { return raw === null ? undefined : raw; };
    console.log("\u0001hedge start");
    function done(record) {
      record.reads = globalThis.__hedge_state.reads;
      console.log("\u0001hedge " + JSON.stringify(record));
      next();
    }
    try { out = handlers[h](event); } catch (e) { done({ error: String(e) }); return; }
    Promise.resolve(out).then(function (v) { done({ value: v === undefined ? null : v }); },
                              function (e) { done({ error: String(e) }); });
  }
  next();
})();
"#;

/// Runs programs on njs, all in one process; `None` for a call njs could not report.
fn run_njs(njs: &Njs, programs: &[Program]) -> Result<Vec<Option<Seen>>, EngineError> {
    let events = events();
    let mut main = String::from(HEADER);
    main.push_str(&NJS_CLOCK.replace("NOW", &NOW_MS.to_string()));
    for (index, program) in programs.iter().enumerate() {
        main.push_str(&program.handler(&format!("handler{index}")));
    }
    let handlers: Vec<String> = (0..programs.len()).map(|i| format!("handler{i}")).collect();
    let inputs: Vec<Value> = events.iter().map(|(_, event, raw)| json!({ "event": event, "raw": raw })).collect();
    main.push_str(
        &NJS_DRIVER
            .replace("EVENTS", &serde_json::to_string(&inputs).expect("events serialize"))
            .replace("HANDLERS", &format!("[{}]", handlers.join(", "))),
    );
    let data = serde_json::to_string(&kvs()).expect("kvs serializes");
    let (stdout, stderr) = njs.run_module(&CLOUDFRONT_MODULE.replace("DATA", &data), &main)?;
    let expected = programs.len() * events.len();
    let mut seen: Vec<Option<Seen>> = Vec::with_capacity(expected);
    let mut logs = Vec::new();
    for line in stdout.lines() {
        let Some(record) = line.strip_prefix("\u{1}hedge ") else {
            logs.push(line.to_string());
            continue;
        };
        if record == "start" {
            logs.clear();
            continue;
        }
        let event = &events[seen.len() % events.len()].1;
        let parsed = serde_json::from_str::<Value>(record).ok();
        seen.push(parsed.map(|record| {
            let result = match (record.get("error"), record.get("value")) {
                (Some(error), _) => error_class(error.as_str().unwrap_or("error")),
                (None, Some(value)) => match crate::shape::output(event, value) {
                    Ok(output) => output.to_string(),
                    Err(error) => error_class(&error),
                },
                (None, None) => "nothing".into(),
            };
            let validation = record
                .get("value")
                .and_then(|value| runtime_js::result::normalize(event, value).err())
                .filter(|e| e.starts_with("ValidationError"));
            Seen {
                result,
                logs: std::mem::take(&mut logs),
                kvs_reads: record["reads"].as_u64().unwrap_or(0) as u32,
                validation,
            }
        }));
    }
    if seen.len() < expected {
        let reason = stderr.lines().filter(|l| !l.trim().is_empty()).collect::<Vec<_>>().join(" ");
        return Err(EngineError(format!("njs stopped after {} of {expected} calls: {reason}", seen.len())));
    }
    Ok(seen)
}

/// What differs between two outcomes after the known differences are normalised, if anything.
fn difference(local: &Seen, njs: &Seen) -> Option<String> {
    let (ours, theirs) = (normalise(&local.result), normalise(&njs.result));
    if ours != theirs && !KNOWN_DIFFERENCES.iter().any(|k| (k.forgives)(local, njs)) {
        let kind = |r: &str| if r.starts_with('{') { "output".to_string() } else { r.to_string() };
        return Some(format!("result {} vs {}", kind(&local.result), kind(&njs.result)));
    }
    // njs's driver reads console lines from its standard output, where a line with a newline
    // becomes two: the lines are compared as one text.
    let logs = |s: &Seen| normalise(&s.logs.join("\n"));
    if logs(local) != logs(njs) && !KNOWN_DIFFERENCES.iter().any(|k| k.forgives_logs && (k.forgives)(local, njs)) {
        return Some("console lines".into());
    }
    (local.kvs_reads != njs.kvs_reads).then(|| "KVS reads".into())
}

/// Runs programs on both engines and compares them; findings are minimised.
pub fn compare(engines: &Engines, programs: &[Program]) -> Result<Report, EngineError> {
    let theirs = match engines.run_njs(programs) {
        Ok(theirs) => theirs,
        // One program that njs cannot load stops the batch: find it by running them alone.
        Err(error) if programs.len() > 1 => {
            let mut report = Report::default();
            for program in programs {
                let single = compare(engines, std::slice::from_ref(program))
                    .map_err(|e| EngineError(format!("{error}; {e}")))?;
                report.calls += single.calls;
                report.unreported += single.unreported;
                report.invalid += single.invalid;
                report.findings.extend(single.findings);
            }
            return Ok(report);
        }
        Err(error) => {
            let mut local = engines.run_local(&programs[0]);
            // A program neither engine can load is the generator's mistake, not a disagreement.
            if local[0].result.starts_with("load:") {
                return Ok(Report { invalid: 1, ..Report::default() });
            }
            // njs has no compute limit: a program it runs past its timeout is one the runtime
            // must stop for its budget. When it did, on every call, neither engine answered;
            // otherwise the runtime finished what njs could not, which is a finding.
            if error.0.starts_with(crate::njs::TIMED_OUT) && local.iter().all(|seen| seen.result == OVER_BUDGET) {
                return Ok(Report { unreported: events().len(), ..Report::default() });
            }
            let finding = Finding {
                event_type: "load",
                class: format!("njs cannot run: {}", error.0.chars().take(120).collect::<String>()),
                program: programs[0].clone(),
                local: local.remove(0),
                njs: Seen { result: error.0, logs: vec![], kvs_reads: 0, validation: None },
            };
            return Ok(Report { findings: vec![finding], ..Report::default() });
        }
    };
    let events = events();
    let mut report = Report::default();
    for (index, program) in programs.iter().enumerate() {
        let ours = engines.run_local(program);
        for (which, local) in ours.iter().enumerate() {
            let Some(njs_seen) = &theirs[index * events.len() + which] else {
                report.unreported += 1;
                continue;
            };
            report.calls += 1;
            if let Some(what) = difference(local, njs_seen) {
                let program = minimise(engines, program, which, &what);
                let ours = engines.run_local(&program).swap_remove(which);
                let njs_now = engines
                    .run_njs(std::slice::from_ref(&program))
                    .ok()
                    .and_then(|mut s| s.swap_remove(which))
                    .unwrap_or_else(|| njs_seen.clone());
                report.findings.push(Finding {
                    event_type: events[which].0,
                    class: format!("{what} [{}]", builtins(&program)),
                    program,
                    local: ours,
                    njs: njs_now,
                });
            }
        }
    }
    Ok(report)
}

/// Removes lines while the same difference remains.
fn minimise(engines: &Engines, program: &Program, which: usize, what: &str) -> Program {
    let still = |candidate: &Program| -> bool {
        let local = engines.run_local(candidate).swap_remove(which);
        if local.result.starts_with("load:") {
            return false;
        }
        match engines.run_njs(std::slice::from_ref(candidate)) {
            Ok(mut seen) => seen.swap_remove(which).is_some_and(|n| difference(&local, &n).as_deref() == Some(what)),
            Err(_) => false,
        }
    };
    let mut current = program.clone();
    let mut index = 0;
    while index + 1 < current.lines.len() {
        let line = &current.lines[index];
        let balanced = line.matches('{').count() == line.matches('}').count() && !line.trim_start().starts_with('}');
        if balanced {
            let mut candidate = current.clone();
            candidate.lines.remove(index);
            if still(&candidate) {
                current = candidate;
                continue;
            }
        }
        index += 1;
    }
    current
}

/// The built-ins a program calls, for grouping findings into classes.
fn builtins(program: &Program) -> String {
    const NAMES: &[&str] = &[
        "substr",
        "slice",
        "substring",
        "replace",
        "split",
        "toFixed",
        "stringify",
        "parse",
        "escape",
        "unescape",
        "encodeURIComponent",
        "decodeURIComponent",
        "createHash",
        "createHmac",
        "Buffer.from",
        "btoa",
        "atob",
        "toISOString",
        "padStart",
        "trim",
        "charAt",
        "repeat",
        "match",
        "exec",
        "test",
        "sort",
        "reverse",
        "keys",
        "values",
        "assign",
        "toUpperCase",
        "toLowerCase",
        "indexOf",
        "parseInt",
        "Number(",
        "charCodeAt",
        "Date.UTC",
        "Math.",
        "byteLength",
        "kvs.get",
        "kvs.exists",
        "console.log",
        "throw",
        "typeof",
        "join",
        "map",
        "filter",
        "concat",
        "includes",
        "startsWith",
        "isNaN",
    ];
    let text = program.lines.join("\n");
    let found: Vec<&str> = NAMES.iter().copied().filter(|n| text.contains(n)).collect();
    found.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_program_njs_runs_past_its_timeout_and_the_runtime_stops_is_unanswered() {
        if std::process::Command::new("njs").arg("-v").output().is_err() {
            eprintln!("skipped: njs is not installed");
            return;
        }
        let engines = Engines::new(Njs { timeout: std::time::Duration::from_secs(2), ..Njs::default() });
        let endless = Program { lines: vec!["while (true) {}".into()] };
        let report = compare(&engines, &[endless]).expect("compares");
        assert!(report.findings.is_empty(), "{:?}", report.findings.iter().map(|f| &f.class).collect::<Vec<_>>());
        assert_eq!(report.unreported, 2);
    }

    #[test]
    fn long_numbers_compare_to_15_digits_and_short_ones_as_written() {
        assert_eq!(normalise("[0.30000000000000004]"), normalise("[0.30000000000000007]"));
        assert_eq!(normalise("3.0000000000000004"), "3");
        assert_eq!(normalise("1.4142135623730951"), normalise("1.4142135623730952"));
        assert_eq!(normalise("x 2.2250738585072014e-308"), "x 2.2250738585072e-308");
        assert_ne!(normalise("1.50"), normalise("1.5"));
        assert_ne!(normalise("1.4142135623730951"), normalise("1.4142135623731951"));
        assert_eq!(normalise("sha 3af9"), "sha 3af9");
        assert_eq!(normalise("12.50-21252918674980864"), normalise("12.50-21252918674980865"));
    }

    #[test]
    fn only_numbers_and_booleans_stringified_in_place_are_forgiven() {
        let seen = |result: &str, log: &str| Seen {
            result: result.to_string(),
            logs: vec!["false".into(), log.to_string()],
            kvs_reads: 1,
            validation: None,
        };
        // Seeds 100500-101750: njs's `qs.stringify({ zeta: v2 })` left `v2[0]` a string.
        let local = seen("{}", "{\"k\":{\"zeta\":[42,\"<script>\",\"a\",100,true],\"name\":null}}");
        let njs = seen("{}", "{\"k\":{\"zeta\":[\"42\",\"<script>\",\"a\",100,\"true\"],\"name\":null}}");
        assert!(stringified_in_place(&local, &njs));
        assert_eq!(difference(&local, &njs), None);
        // Anything else that differs stays a finding.
        for other in [
            "{\"k\":{\"zeta\":[\"43\",\"<script>\",\"a\",100,true],\"name\":null}}",
            "{\"k\":{\"zeta\":[\"42\",\"<scrip>\",\"a\",100,true],\"name\":null}}",
            "{\"k\":{\"zeta\":[\"42x\",\"<script>\",\"a\",100,true],\"name\":null}}",
            "{\"k\":{\"zeta\":[\"4\"2,\"<script>\",\"a\",100,true],\"name\":null}}",
        ] {
            assert!(!stringified_in_place(&local, &seen("{}", other)), "{other}");
            assert_eq!(difference(&local, &seen("{}", other)), Some("console lines".into()), "{other}");
        }
        // A string where njs has the bare number is not this difference either.
        assert!(!stringified_in_place(&njs, &local));
        // Seeds 101750-115750: `console.log` of an object, in its single-quoted notation.
        let local = seen("{}", "{value:['-7',1000],zeta:'hello'}");
        assert!(stringified_in_place(&local, &seen("{}", "{value:['-7','1000'],zeta:'hello'}")));
        assert!(!stringified_in_place(&local, &seen("{}", "{value:['-7','1000'],zeta:'hellO'}")));
    }

    /// An output `{}` after one console line.
    fn logged(line: &str) -> Seen {
        Seen { result: "{}".into(), logs: vec![line.to_string()], kvs_reads: 0, validation: None }
    }

    #[test]
    fn only_an_uncaught_memory_error_of_the_runtime_is_forgiven_as_the_memory_limit() {
        let memory = Seen { result: format!("RangeError {MEMORY}"), ..logged("a") };
        // A fuzz input nesting `replace` calls: njs ran on for seconds and printed its result.
        assert_eq!(difference(&memory, &logged("b")), None);
        assert!(difference(&Seen { result: "RangeError".into(), ..logged("a") }, &logged("b")).is_some());
        assert!(difference(&logged("caught RangeError"), &logged("ok")).is_some());
    }

    #[test]
    fn only_the_sign_of_a_whole_zero_is_forgiven() {
        let seen = logged;
        // Seeds 250000-300000: `console.log(Math.round(Math.trunc(0 / (1 - 24))))`.
        assert_eq!(difference(&seen("0"), &seen("-0")), None);
        assert_eq!(difference(&seen("[0,1,0]"), &seen("[-0,1,-0]")), None);
        for other in ["-1", "-0.5", "-05", "x-0", "-00"] {
            assert!(difference(&seen(&other.replacen('-', "", 1)), &seen(other)).is_some(), "{other}");
        }
        assert!(difference(&seen("-0"), &seen("0")).is_some());
    }

    #[test]
    fn only_separators_njs_adds_for_empty_arrays_are_forgiven() {
        let seen = logged;
        // `qs.stringify({ a: [], b: 1 })`, and one with two empty arrays.
        assert_eq!(difference(&seen("b=1"), &seen("&b=1")), None);
        assert_eq!(difference(&seen("x=1&y=2"), &seen("x=1&&&y=2")), None);
        // Seeds 200000-250000: the same, percent-encoded by the program.
        assert_eq!(difference(&seen("loop 0 name%3Dfalse"), &seen("loop 0 %26name%3Dfalse")), None);
        assert!(difference(&seen("loop 0 name%3Dfalse"), &seen("loop 0 %25name%3Dfalse")).is_some());
        for other in ["&b=2", "b=1&", "b=1x", "", "&b"] {
            let expected = if other == "b=1&" { None } else { Some("console lines".to_string()) };
            assert_eq!(difference(&seen("b=1"), &seen(other)), expected, "{other}");
        }
        // A separator the runtime writes and njs does not is not this difference.
        assert_eq!(difference(&seen("&b=1"), &seen("b=1")), Some("console lines".into()));
    }

    #[test]
    fn an_earlier_type_error_of_njs_is_forgiven_only_after_the_same_lines() {
        let seen = |result: &str, logs: &[&str]| Seen {
            result: result.into(),
            logs: logs.iter().map(|l| l.to_string()).collect(),
            kvs_reads: 0,
            validation: None,
        };
        // `(1).nope(decodeURIComponent('%'))`: the runtime's URIError, njs's TypeError.
        assert_eq!(difference(&seen("URIError", &["a"]), &seen("TypeError", &["a"])), None);
        // `(1).nope(console.log('b'))`: the argument's line, then the same TypeError.
        assert_eq!(difference(&seen("TypeError", &["a", "b"]), &seen("TypeError", &["a"])), None);
        // Anything else is a finding: an output, fewer or other lines, another error of njs.
        assert_eq!(
            difference(&seen("{}", &["a"]), &seen("TypeError", &["a"])),
            Some("result output vs TypeError".into())
        );
        assert_eq!(
            difference(&seen("URIError", &[]), &seen("TypeError", &["a"])),
            Some("result URIError vs TypeError".into())
        );
        assert_eq!(
            difference(&seen("URIError", &["c"]), &seen("TypeError", &["a"])),
            Some("result URIError vs TypeError".into())
        );
        assert_eq!(
            difference(&seen("TypeError", &["a"]), &seen("RangeError", &["a"])),
            Some("result TypeError vs RangeError".into())
        );
    }
}
