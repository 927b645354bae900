//! The built-in walk: every global, module and prototype member CloudFront documents for
//! `cloudfront-js-2.0` (`conformance/builtins/supported.txt`, one probe each) is called on the
//! local runtime, where it must be present and not throw, and on njs 0.7.9, where both engines
//! must give the same result; and everything CloudFront documents as absent
//! (`conformance/builtins/absent.txt`) must be absent from the local runtime.
//!
//! Each probe is an expression whose value (awaited when it is a promise) is printed as
//! `typeof` and JSON, so a missing method (`TypeError`), a wrong result or a wrong type all show.

use std::path::PathBuf;

use cases::{Engine, Invocation, Kvs, RequestSpec};

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

/// Probes whose njs 0.7.9 result differs for a reason written in the runtime's "Known
/// differences" (`runtime-js/src/lib.rs`, the line given); their local result is still checked
/// to be present and not to throw.
const NJS_DIFFERS: &[(&str, &str)] = &[
    ("Number.MIN_VALUE", "lib.rs:102 njs's MIN_VALUE is the smallest normal number"),
    ("Math.SQRT2", "lib.rs:102 njs does not print the shortest digits"),
    ("Math.sqrt", "lib.rs:102 njs does not print the shortest digits"),
    ("DataView.prototype.getFloat32", "lib.rs:102 njs does not print the shortest digits"),
    ("Buffer.prototype.readFloatBE", "lib.rs:102 njs does not print the shortest digits"),
    ("Buffer.prototype.readFloatLE", "lib.rs:102 njs does not print the shortest digits"),
    ("Math.cbrt", "lib.rs:102 njs's cbrt, cosh and tan can differ in the last bit"),
    ("Math.cosh", "lib.rs:102 njs's cbrt, cosh and tan can differ in the last bit"),
    ("Math.tan", "lib.rs:102 njs's cbrt, cosh and tan can differ in the last bit"),
    ("RegExp.prototype.source", "lib.rs:93 boa's source of a literal with an escaped slash"),
    ("RegExp.prototype.toString", "lib.rs:93 boa's source of a literal with an escaped slash"),
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

#[test]
fn documented_builtins_are_present_and_agree_with_njs() {
    let probes = probes("supported.txt");
    assert!(probes.len() >= MIN_SUPPORTED, "only {} probes in supported.txt", probes.len());
    let local = run(&mut cases::boa::Boa::at(1_709_210_000_000), &probes);

    let mut failures = Vec::new();
    for (name, result) in &local {
        if result.starts_with("throws") || result == "undefined" {
            failures.push(format!("{name}: {result} on the local runtime"));
        }
    }
    for (name, reason, expected) in NJS_CANNOT {
        let got = local.iter().find(|(n, _)| n == name).map(|(_, r)| r.as_str());
        if got != Some(*expected) {
            failures.push(format!("{name}: {got:?} on the local runtime, expected {expected} ({reason})"));
        }
    }

    let mut compared = 0;
    let njs = cases::njs::Njs::default();
    if njs.available() {
        let asked: Vec<(String, String)> =
            probes.iter().filter(|(n, _)| !NJS_CANNOT.iter().any(|(c, _, _)| c == n)).cloned().collect();
        let theirs = run(&mut njs.clone(), &asked);
        for (name, njs_result) in &theirs {
            let ours = &local.iter().find(|(n, _)| n == name).expect("same probes").1;
            if NJS_DIFFERS.iter().any(|(n, _)| n == name) {
                continue;
            }
            compared += 1;
            if ours != njs_result {
                failures.push(format!("{name}: local runtime {ours}, njs {njs_result}"));
            }
        }
    } else {
        eprintln!("njs is not installed: the built-ins are checked on the local runtime only");
    }
    println!(
        "{} documented built-ins probed: {} present on the local runtime, {compared} equal on njs 0.7.9, {} known to differ there, {} that njs 0.7.9 cannot answer",
        probes.len(),
        local.iter().filter(|(_, r)| !r.starts_with("throws") && r != "undefined").count(),
        NJS_DIFFERS.len(),
        NJS_CANNOT.len()
    );
    assert!(failures.is_empty(), "{} built-ins fail:\n{}", failures.len(), failures.join("\n"));
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

/// Every `lib.rs:LINE` an exception cites is a line of the runtime's "Known differences".
#[test]
fn exceptions_point_at_known_differences() {
    let lib = include_str!("../../runtime-js/src/lib.rs");
    let start = lib.lines().position(|l| l.contains("# Known differences")).expect("the section exists");
    for (name, reason) in NJS_DIFFERS {
        let line: usize = reason
            .strip_prefix("lib.rs:")
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{name}: {reason:?} names no line"));
        assert!(line > start, "{name}: lib.rs:{line} is before the Known differences section");
        let text = lib.lines().nth(line - 1).unwrap_or_default();
        assert!(text.starts_with("//!") && text.len() > 4, "{name}: lib.rs:{line} is not a documented difference");
    }
}
