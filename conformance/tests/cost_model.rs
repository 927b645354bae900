//! The compute model on what it was not fitted to. `cost::calibration` (functions suite) checks
//! the estimate against CloudFront's published figures, which are the figures its constants
//! were fitted to, all for light functions; this test checks the model's shape instead, on
//! functions of known relative work:
//!
//! - ordering: a loop of N iterations is estimated higher for every doubling of N, for each
//!   kind of work (string building, array work, object properties, regular expressions);
//! - slope: the same functions timed inside one njs process (the engine CloudFront's runtime
//!   descends from) take time in proportion to the instructions the model counts, at a rate
//!   within a factor of four of the 6 ns an instruction the model assumes, for strings, arrays
//!   and objects. A model that ignored the work (a constant estimate) or counted it badly for
//!   one of those kinds fails here. Regular expressions are printed, not asserted: their
//!   matching runs natively within one counted instruction, and the model under-counts it
//!   (about fifteen times on this machine), as runtime-js's cost module says.
//!
//! Timings are user CPU time of this machine's njs, the least of three runs (so a busy machine does not count); CloudFront's
//! hardware differs, which is why the bounds are loose and the test prints the figures.

use cases::{Engine, Kvs, RequestSpec};

/// Loops of one kind of work each; `N` is the iteration count.
const KINDS: &[(&str, &str)] = &[
    (
        "string building",
        "var s = ''; for (var i = 0; i < N; i++) { s += 'ab'.charAt(i % 2); if (s.length > 64) s = s.slice(32); }",
    ),
    ("array work", "var a = []; for (var i = 0; i < N; i++) { a.push(i * 3); if (a.length > 16) a.shift(); }"),
    (
        "object properties",
        "var o = {}; for (var i = 0; i < N; i++) { o['k' + (i % 8)] = i; o.total = (o.total || 0) + o['k' + (i % 8)]; }",
    ),
    ("regular expressions", "var n = 0; for (var i = 0; i < N; i++) { if (/^\\/a\\/(\\d+)$/.test('/a/' + i)) n++; }"),
];

const COUNTS: [u64; 5] = [125, 250, 500, 1000, 2000];

fn function(body: &str, count: u64) -> String {
    format!("function handler(event) {{\n  {}\n  return event.request;\n}}\n", body.replace('N', &count.to_string()))
}

/// Instructions and estimate of one call on the local runtime.
fn local(code: &str) -> (u64, u32) {
    let options = runtime_js::Options { max_instructions: u64::MAX, ..runtime_js::Options::default() };
    let mut boa = cases::boa::Boa { options };
    let invocation = RequestSpec::parse("GET /a").expect("request").event();
    let outcome = boa.run(code, &Kvs::new(), &[invocation]).expect("runs").remove(0);
    assert!(outcome.error.is_none(), "{code}: {:?}", outcome.error);
    (outcome.instructions.expect("counted"), outcome.compute_utilization.expect("estimated"))
}

/// User CPU time of the children this process has waited for, in nanoseconds: field 16 of
/// `/proc/self/stat`, in clock ticks of 10 ms. CPU time rather than wall time, so that other work
/// on a busy machine does not count; user time only, because njs frees nothing until its VM ends,
/// so 500 calls in one process grow its heap by about 100 MB, and the kernel's time zeroing those
/// pages (system time, which varied threefold between runs here) is the harness's cost, not the
/// function's: CloudFront runs each request in a fresh VM.
fn children_user_ns() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    let after_name = &stat[stat.rfind(')').expect("a process name") + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Field 16 of the whole line is 14 after the name (which is field 2).
    fields[13].parse::<f64>().expect("cutime") * 10_000_000.0
}

/// User CPU nanoseconds `calls` calls of the handler take in one njs process, start-up included:
/// the least of three runs, since a shared machine only ever adds time.
fn njs_cpu_ns(code: &str, calls: u64) -> f64 {
    (0..3).map(|_| njs_cpu_ns_once(code, calls)).fold(f64::INFINITY, f64::min)
}

fn njs_cpu_ns_once(code: &str, calls: u64) -> f64 {
    let dir = tempfile::tempdir().expect("temporary directory");
    let event = RequestSpec::parse("GET /a").expect("request").event().event;
    let driver = format!("var ev = {event};\nfor (var c = 0; c < {calls}; c++) handler(ev);\n");
    let main = dir.path().join("main.js");
    std::fs::write(&main, format!("{code}\n{driver}")).expect("write");
    let before = children_user_ns();
    let out = std::process::Command::new("njs").arg(&main).output().expect("njs runs");
    assert!(out.status.success(), "njs: {}", String::from_utf8_lossy(&out.stderr));
    children_user_ns() - before
}

#[test]
fn the_estimate_orders_loops_by_their_length() {
    for (kind, body) in KINDS {
        let estimates: Vec<(u64, u32)> = COUNTS.iter().map(|&n| local(&function(body, n))).collect();
        println!("{kind}: {estimates:?} (instructions, estimate) for N = {COUNTS:?}");
        for pair in estimates.windows(2) {
            assert!(pair[1].0 > pair[0].0 * 3 / 2, "{kind}: instructions {:?}", estimates);
            assert!(pair[1].1 > pair[0].1, "{kind}: the estimate does not grow with the work: {estimates:?}");
        }
    }
}

#[test]
fn njs_time_follows_the_counted_instructions() {
    if !cases::njs::Njs::default().available() {
        eprintln!("njs is not installed: the slope is not measured");
        return;
    }
    let assumed_ns = 1_000_000.0 / 100.0 / runtime_js::cost::INSTRUCTIONS_PER_PERCENT;
    let (small, large) = (COUNTS[0], COUNTS[COUNTS.len() - 1]);
    for (kind, body) in KINDS {
        let (few, _) = local(&function(body, small));
        let (many, _) = local(&function(body, large));
        // Enough calls for a quarter of a second of the longer loop, against 10 ms clock ticks.
        let calls = 500;
        let time_few = njs_cpu_ns(&function(body, small), calls) / calls as f64;
        let time_many = njs_cpu_ns(&function(body, large), calls) / calls as f64;
        // The difference cancels the fixed cost of a call on both sides.
        let ns_per_instruction = (time_many - time_few) / (many - few) as f64;
        println!(
            "{kind}: {} more instructions take {:.0} µs more on njs: {ns_per_instruction:.2} ns an instruction (the model assumes {assumed_ns:.2})",
            many - few,
            (time_many - time_few) / 1000.0
        );
        if *kind == "regular expressions" {
            // A regular expression runs natively inside one instruction: the model does not
            // see that work (about 85 ns an instruction here, fifteen times the assumption).
            // Documented in runtime-js's cost module; shown, not asserted.
            continue;
        }
        assert!(
            (assumed_ns / 4.0..assumed_ns * 4.0).contains(&ns_per_instruction),
            "{kind}: {ns_per_instruction:.2} ns an instruction on njs, the model assumes {assumed_ns:.2}"
        );
    }
}
