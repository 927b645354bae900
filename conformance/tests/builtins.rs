//! The built-in walk: every global, module and prototype member CloudFront documents for
//! `cloudfront-js-2.0` (`conformance/builtins/supported.txt`, one probe each) is called on the
//! local runtime, where it must be present and not throw, and on njs 0.7.9, where both engines
//! must give the same result; and everything CloudFront documents as absent
//! (`conformance/builtins/absent.txt`) must be absent from the local runtime.
//!
//! Each probe is an expression whose value (awaited when it is a promise) is printed as
//! `typeof` and JSON, so a missing method (`TypeError`), a wrong result or a wrong type all show.
//! Every probe's result is checked: equal to njs's, or (for the few where njs 0.7.9 cannot
//! answer or differs in a documented way) equal to a written value; none is checked for presence
//! alone. `a_broken_builtin_fails_the_walk` loads the runtime with one built-in replaced by a
//! wrong one (`runtime-js`'s `test-hooks`) and requires the walk to name it.

use std::path::PathBuf;

use cases::differential::normalise;
use cases::{Engine, Invocation, Kvs, RequestSpec};

/// `Date.now()` during the probes.
const NOW_MS: i64 = 1_709_210_000_000;

/// Probes njs 0.7.9 cannot answer, with why, and what the local runtime must print instead
/// (from the behaviour CloudFront and Node.js document).
const NJS_CANNOT: &[(&str, &str, &str)] = &[
    (
        "String.prototype.replaceAll",
        "njs added replaceAll in 0.7.10; CloudFront documents it for 2.0",
        r#"object ["a+b+c","abc"]"#,
    ),
    (
        "Buffer.prototype.write",
        "njs 0.7.9 returns the buffer's length rather than the bytes written, and later Buffer calls in the same process fail",
        r#"object [3,"0068c3a9"]"#,
    ),
];

/// A probe whose njs 0.7.9 result differs from the local runtime's for a reason the runtime's
/// "Known differences" gives (`runtime-js/src/lib.rs`, the line cited, which holds the quote).
struct Differs {
    name: &'static str,
    documented_at: &'static str,
    quote: &'static str,
    /// What the local runtime must print: the value that line describes.
    local: &'static str,
}

/// Probes compared with the value a known difference describes rather than with njs.
const NJS_DIFFERS: &[Differs] = &[
    Differs {
        name: "Number.MIN_VALUE",
        documented_at: "lib.rs:114",
        quote: "`Number.MIN_VALUE` is the smallest normal",
        local: "number 5e-324",
    },
    Differs {
        name: "RegExp.prototype.source",
        documented_at: "lib.rs:97",
        quote: "`RegExp.prototype.source` for a literal with an escaped slash",
        local: r#"object ["a\\\\/b+","x.y"]"#,
    },
    Differs {
        name: "RegExp.prototype.toString",
        documented_at: "lib.rs:97",
        quote: "`RegExp.prototype.source` for a literal with an escaped slash",
        local: r#"object ["/a\\\\/b/gi","/\\//"]"#,
    },
];

/// Probes whose njs 0.7.9 result differs only past the fifteenth significant digit, with the
/// line of "Known differences" that says why and its quote: compared after the differential
/// fuzzer's normalisation of digits, so that a wrong result still fails.
const NJS_DIGITS: &[(&str, &str, &str)] = &[
    ("Math.SQRT2", "lib.rs:111", "njs does not print the shortest digits"),
    ("Math.sqrt", "lib.rs:111", "njs does not print the shortest digits"),
    ("DataView.prototype.getFloat32", "lib.rs:111", "njs does not print the shortest digits"),
    ("Buffer.prototype.readFloatBE", "lib.rs:111", "njs does not print the shortest digits"),
    ("Buffer.prototype.readFloatLE", "lib.rs:111", "njs does not print the shortest digits"),
    ("Math.cbrt", "lib.rs:113", "`Math.cbrt`, `cosh` and `tan` can differ in the last bit"),
    ("Math.cosh", "lib.rs:113", "`Math.cbrt`, `cosh` and `tan` can differ in the last bit"),
    ("Math.tan", "lib.rs:113", "`Math.cbrt`, `cosh` and `tan` can differ in the last bit"),
];

/// The fewest probes each file must hold, so that a truncated or unreadable list fails.
const MIN_SUPPORTED: usize = 340;
const MIN_ABSENT: usize = 25;

fn probes(file: &str) -> Vec<(String, String)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("builtins").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (name, expression) =
                line.split_once(" = ").unwrap_or_else(|| panic!("{}: no ` = ` in {line:?}", path.display()));
            (name.to_string(), expression.to_string())
        })
        .collect()
}

/// A viewer-request function that evaluates every probe and logs `NAME = RESULT`.
fn program(probes: &[(String, String)]) -> String {
    // Declarations, not function expressions in the array: njs 0.7.9 shares constants between
    // function expressions of one array literal by their text, so `'1'` in one probe turns the
    // `1` of another into a string.
    let mut code = String::new();
    let mut table = String::from("var probes = [\n");
    for (index, (name, expression)) in probes.iter().enumerate() {
        let name = serde_json::to_string(name).expect("a string serializes");
        code.push_str(&format!("function probe{index}() {{ return {expression}; }}\n"));
        table.push_str(&format!("  [{name}, probe{index}],\n"));
    }
    code.push_str(&table);
    code.push_str(
        r#"];
function show(v) {
  if (v === undefined) return 'undefined';
  if (typeof v === 'function') return 'function';
  if (typeof v === 'number' && v === 0 && 1 / v < 0) return 'number -0';
  if (v !== null && typeof v === 'object' && ArrayBuffer.isView(v)) {
    return Object.prototype.toString.call(v) + ' ' + Array.prototype.join.call(v);
  }
  return typeof v + ' ' + JSON.stringify(v);
}
async function handler(event) {
  for (var i = 0; i < probes.length; i++) {
    var line;
    try {
      var value = probes[i][1]();
      if (value instanceof Promise) value = await value;
      line = show(value);
    } catch (e) {
      line = 'throws ' + (e && e.name);
    }
    console.log(probes[i][0] + ' = ' + line);
  }
  return event.request;
}
"#,
    );
    code
}

fn invocation() -> Invocation {
    RequestSpec::parse("GET https://example.com/").expect("a valid request line").event()
}

/// Runs the probes on one engine and returns `name -> printed result`, in probe order. The
/// probes are split into functions under CloudFront's 10 KB size limit.
fn run(engine: &mut dyn Engine, probes: &[(String, String)]) -> Vec<(String, String)> {
    let mut results = Vec::new();
    for chunk in chunks(probes) {
        let outcomes = engine.run(&program(chunk), &Kvs::new(), &[invocation()]).expect("the engine runs");
        let outcome = &outcomes[0];
        assert!(outcome.error.is_none(), "{}: the probe function failed: {:?}", engine.name(), outcome.error);
        let printed: Vec<(String, String)> = outcome
            .logs
            .iter()
            .filter_map(|line| line.split_once(" = ").map(|(n, r)| (n.to_string(), r.to_string())))
            .collect();
        assert_eq!(printed.len(), chunk.len(), "{}: not every probe printed a line: {:?}", engine.name(), outcome.logs);
        results.extend(printed);
    }
    results
}

/// Consecutive runs of probes whose function stays well under the size limit.
fn chunks(probes: &[(String, String)]) -> Vec<&[(String, String)]> {
    const BUDGET: usize = 7_000;
    let mut chunks = Vec::new();
    let (mut start, mut size) = (0, 0);
    for (index, (name, expression)) in probes.iter().enumerate() {
        let cost = name.len() + expression.len() + 40;
        if size + cost > BUDGET && index > start {
            chunks.push(&probes[start..index]);
            (start, size) = (index, 0);
        }
        size += cost;
    }
    chunks.push(&probes[start..]);
    chunks
}

/// What the walk found.
struct Walk {
    /// Probes run.
    probed: usize,
    /// Probes present and not throwing on the local runtime.
    present: usize,
    /// Probes whose local result equals njs's.
    equal: usize,
    /// Of those, probes equal only after the normalisation of digits.
    normalised: usize,
    /// One line for each probe that fails, naming it first.
    failures: Vec<String>,
}

/// Runs every documented probe on the local runtime built with `options` and on njs (when it
/// is installed), and compares each probe's result with njs's or with its documented value.
fn walk(options: runtime_js::Options) -> Walk {
    let probes = probes("supported.txt");
    assert!(probes.len() >= MIN_SUPPORTED, "only {} probes in supported.txt", probes.len());
    let local = run(&mut cases::boa::Boa { options }, &probes);
    let result = |name: &str| local.iter().find(|(n, _)| n == name).map(|(_, r)| r.as_str());

    let mut failures = Vec::new();
    for (name, result) in &local {
        if result.starts_with("throws") || result == "undefined" {
            failures.push(format!("{name}: {result} on the local runtime"));
        }
    }
    let written = NJS_CANNOT.iter().map(|(name, reason, expected)| (*name, *reason, *expected));
    let documented = NJS_DIFFERS.iter().map(|d| (d.name, d.documented_at, d.local));
    for (name, reason, expected) in written.chain(documented) {
        if result(name) != Some(expected) {
            failures.push(format!("{name}: {:?} on the local runtime, expected {expected} ({reason})", result(name)));
        }
    }

    let (mut equal, mut normalised) = (0, 0);
    let njs = cases::njs::Njs::default();
    if njs.available() {
        let asked: Vec<(String, String)> =
            probes.iter().filter(|(n, _)| !NJS_CANNOT.iter().any(|(c, _, _)| c == n)).cloned().collect();
        for (name, njs_result) in run(&mut njs.clone(), &asked) {
            let ours = result(&name).expect("the same probes");
            if NJS_DIFFERS.iter().any(|d| d.name == name) {
                continue;
            }
            let digits_only = NJS_DIGITS.iter().any(|(n, _, _)| *n == name);
            if ours == njs_result {
                equal += 1;
            } else if digits_only && normalise(ours) == normalise(&njs_result) {
                equal += 1;
                normalised += 1;
            } else {
                failures.push(format!("{name}: local runtime {ours}, njs {njs_result}"));
            }
        }
    } else {
        eprintln!("njs is not installed: the built-ins are checked on the local runtime only");
    }
    let present = local.iter().filter(|(_, r)| !r.starts_with("throws") && r != "undefined").count();
    Walk { probed: probes.len(), present, equal, normalised, failures }
}

#[test]
fn documented_builtins_are_present_and_agree_with_njs() {
    let walk = walk(runtime_js::Options { now_ms: NOW_MS, ..runtime_js::Options::default() });
    println!(
        "{} documented built-ins probed: {} present on the local runtime, {} equal on njs 0.7.9 ({} of them to 15 significant digits), {} equal to the value a known difference documents, {} that njs 0.7.9 cannot answer",
        walk.probed,
        walk.present,
        walk.equal,
        walk.normalised,
        NJS_DIFFERS.len(),
        NJS_CANNOT.len()
    );
    assert!(walk.failures.is_empty(), "{} built-ins fail:\n{}", walk.failures.len(), walk.failures.join("\n"));
    let answerable = walk.probed - NJS_CANNOT.len() - NJS_DIFFERS.len();
    if cases::njs::Njs::default().available() {
        assert_eq!(walk.equal, answerable, "not every probe was compared with njs");
    }
}

/// Built-ins broken on purpose, each in a way that returns a wrong value rather than throwing:
/// `(member, replacement)`. The walk must name exactly the broken member.
const BROKEN: &[(&str, &str)] = &[
    // Wrong only for a negative start (taken as 0).
    (
        "String.prototype.substr",
        "function (start, length) { var s = String(this); start = Math.max(start, 0); return s.substring(start, length === undefined ? s.length : start + length); }",
    ),
    // Wrong in the seventh significant digit: the digits normalisation must not hide it.
    ("Math.sqrt", "function (x) { return Math.pow(x, 0.5) * (1 + 1e-7); }"),
    // A documented difference is checked against its documented value.
    ("RegExp.prototype.toString", "function () { return '/' + this.source + '/'; }"),
];

#[test]
fn a_broken_builtin_fails_the_walk() {
    if !cases::njs::Njs::default().available() {
        // Most breakages show only against njs; `scripts/test` installs it.
        eprintln!("skipped: njs is not installed, and the walk finds most broken built-ins by comparing with it");
        return;
    }
    for (member, replacement) in BROKEN {
        let options = runtime_js::Options {
            now_ms: NOW_MS,
            replaced_builtins: vec![(member.to_string(), replacement.to_string())],
            ..runtime_js::Options::default()
        };
        let walk = walk(options);
        let named: Vec<&str> = walk.failures.iter().filter_map(|f| f.split(':').next()).collect();
        assert_eq!(named, [*member], "{member} broken: the walk reported {:#?}", walk.failures);
    }
}

#[test]
fn documented_absences_are_absent() {
    let probes = probes("absent.txt");
    assert!(probes.len() >= MIN_ABSENT, "only {} probes in absent.txt", probes.len());
    let local = run(&mut cases::boa::Boa::default(), &probes);
    let present: Vec<String> =
        local.iter().filter(|(_, r)| r != "boolean true").map(|(n, r)| format!("{n}: {r}")).collect();
    assert!(present.is_empty(), "present on the local runtime:\n{}", present.join("\n"));
}

/// Every line of "Known differences" an exception cites says what the exception claims.
#[test]
fn exceptions_point_at_known_differences() {
    let cited = NJS_DIFFERS.iter().map(|d| (d.name, d.documented_at, d.quote));
    for (name, documented_at, quote) in cited.chain(NJS_DIGITS.iter().copied()) {
        if let Err(error) = conformance::check_known_difference(documented_at, quote) {
            panic!("{name}: {error}");
        }
    }
}
