//! The differential fuzzer in CI: generated programs (seeds `0..PROGRAMS`) run as
//! viewer-request and viewer-response functions on the local runtime and on njs, many programs
//! to one njs process; any difference outside the runtime's documented ones fails the test
//! with the minimised program. `HEDGEC_FUZZ_PROGRAMS` and `HEDGEC_FUZZ_SEED` run more, or
//! others (a long run: `HEDGEC_FUZZ_PROGRAMS=100000 cargo test --release -p conformance --test
//! differential`).

use cases::differential::{self, Engines, KNOWN_DIFFERENCES};
use cases::generate::{Program, Seeded};

/// In the debug test build each program costs about 55 ms of CPU on the local runtime, most of
/// it building its fresh context (boa parsing the runtime's prelude unoptimised): 1,000 programs
/// took 55 s of CPU on the 2-core machine, so 2,000 take about two minutes. (Before dropped
/// contexts were freed, each program also made every later collection slower: 0.1 s each.)
/// Longer runs use the release build (`cargo run --release -p cases --example differential --
/// FIRST COUNT`) or `HEDGEC_FUZZ_PROGRAMS`.
const PROGRAMS: u64 = 2_000;
const BATCH: usize = 250;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn generated_programs_agree_with_njs() {
    let njs = cases::njs::Njs::default();
    if !njs.available() {
        eprintln!("njs is not installed: the differential fuzzer does not run");
        return;
    }
    let first = env_number("HEDGEC_FUZZ_SEED", 0);
    let count = env_number("HEDGEC_FUZZ_PROGRAMS", PROGRAMS);
    let engines = Engines::new(njs);
    let programs: Vec<Program> = (first..first + count).map(|seed| Program::generate(&mut Seeded::new(seed))).collect();
    let mut calls = 0;
    let mut unreported = 0;
    let mut invalid = 0;
    let mut findings = Vec::new();
    for batch in programs.chunks(BATCH) {
        let report = differential::compare(&engines, batch).expect("njs runs");
        calls += report.calls;
        unreported += report.unreported;
        invalid += report.invalid;
        findings.extend(report.findings);
    }
    let mut classes: Vec<&str> = findings.iter().map(|f| f.class.as_str()).collect();
    classes.sort_unstable();
    classes.dedup();
    println!(
        "{count} programs from seed {first}: {calls} calls compared, {unreported} that njs could not report, {invalid} programs neither engine loads, {} disagreements in {} classes",
        findings.len(),
        classes.len()
    );
    if !findings.is_empty() {
        let mut shown = Vec::new();
        for class in &classes {
            let first = findings.iter().find(|f| f.class == *class).expect("a finding of the class");
            shown.push(first.to_string());
        }
        panic!("{} disagreements; one program per class:\n\n{}", findings.len(), shown.join("\n\n"));
    }
    // Two calls a program: a batch that njs could not load counts none.
    assert_eq!(calls + unreported + 2 * invalid, 2 * count as usize, "not every call was compared");
    assert!(invalid * 100 <= count as usize, "{invalid} of {count} generated programs do not load");
    assert!(unreported * 100 <= calls, "njs could not report {unreported} of {} calls", calls + unreported);
}

/// Each known difference names a line of the runtime's "Known differences" that says it.
#[test]
fn known_differences_point_at_the_runtime_docs() {
    for known in KNOWN_DIFFERENCES {
        if let Err(error) = conformance::check_known_difference(known.documented_at, known.quote) {
            panic!("{}: {error}", known.what);
        }
    }
}

/// A runtime whose `substr` is wrong for a negative start (taken as 0) fails the comparison, and
/// every finding's minimised program still calls `substr`: the suite catches a broken built-in
/// and blames it.
#[test]
fn a_broken_builtin_is_found() {
    let njs = cases::njs::Njs::default();
    if !njs.available() {
        eprintln!("njs is not installed: the differential fuzzer does not run");
        return;
    }
    let mut engines = Engines::new(njs);
    engines.local.replaced_builtins = vec![(
        "String.prototype.substr".into(),
        "function (start, length) { var s = String(this); start = Math.max(start, 0); return s.substring(start, length === undefined ? s.length : start + length); }".into(),
    )];
    // The first generated programs that call substr with a negative start, so that the test
    // stays short: each finding is minimised, which runs both engines again per line.
    let programs: Vec<Program> = (0..)
        .map(|seed| Program::generate(&mut Seeded::new(seed)))
        .filter(|p| p.lines.iter().any(|l| l.contains(".substr(-")))
        .take(4)
        .collect();
    let report = differential::compare(&engines, &programs).expect("njs runs");
    assert!(!report.findings.is_empty(), "a broken substr went unnoticed in {} calls", report.calls);
    for finding in &report.findings {
        assert!(finding.program.code().contains(".substr("), "a finding without substr:\n{finding}");
        assert!(finding.class.contains("substr"), "{}", finding.class);
    }
    println!("a broken substr: {} findings, the first:\n{}", report.findings.len(), report.findings[0]);
}

/// Programs the long run found disagreeing, minimised, each with what was fixed; they must
/// agree now.
const REGRESSIONS: &[(&str, &[&str])] = &[
    (
        "querystring.parse returns an object without a prototype (njs, Node.js): String() of it throws",
        &[
            "var o = qs.parse('a=%20b&c');",
            "console.log(Object.getPrototypeOf(o) === null);",
            "try { console.log(String(o)); } catch (e) { console.log('caught ' + e.name); }",
            "console.log(JSON.stringify(o));",
            "return { statusCode: 200, body: { encoding: 'text', data: [1, o].join('-') } };",
        ],
    ),
    (
        "njs prints an integer past 2^53 with a wrong last digit: compared to 15 digits (lib.rs:111)",
        &[
            "var v1 = (Math.trunc((Date.UTC(2024, 2, 1) | 0) / -1) | 0);",
            "console.log(JSON.stringify({ b: '12.50-' + Math.pow(v1, 2) }));",
            "return event.request;",
        ],
    ),
    (
        "njs cuts a console line at 2,048 bytes inside a character: its output is read as lossy UTF-8, not lost (cargo-fuzz differential target)",
        &["console.log('x' + 'é'.repeat(1500));", "return event.request;"],
    ),
];

#[test]
fn regressions_agree_with_njs() {
    let njs = cases::njs::Njs::default();
    if !njs.available() {
        eprintln!("njs is not installed: the differential fuzzer does not run");
        return;
    }
    let programs: Vec<Program> =
        REGRESSIONS.iter().map(|(_, lines)| Program { lines: lines.iter().map(|l| l.to_string()).collect() }).collect();
    let report = differential::compare(&Engines::new(njs), &programs).expect("njs runs");
    assert_eq!(report.calls, 2 * programs.len(), "every call compared");
    let found: Vec<String> = report.findings.iter().map(ToString::to_string).collect();
    assert!(found.is_empty(), "{}", found.join("\n\n"));
}
