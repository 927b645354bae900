//! The costliest regular expressions the language accepts stay within the compute budget on a
//! 4 KB path that almost matches, on the local runtime and on njs (whose PCRE backtracks as
//! CloudFront's engine may). A shape the checks let through by mistake (two `.*`, `(a+)+`) takes
//! hundreds of milliseconds here and fails the test.

use std::time::Instant;

use cases::{Engine, Invocation, Kvs, RequestSpec};

/// Accepted expressions at the edge of the cost rules, and 4 KB paths that make them work
/// hardest: each path nearly matches and fails at its last character.
fn worst_cases() -> Vec<(&'static str, String)> {
    let dashes = "-".repeat(4090);
    let words = "ab-".repeat(1364);
    vec![
        ("redirect ~/(.*)-x /y/$1", format!("/{dashes}y")),
        ("redirect ~/(.*)-(\\d{1,9})x /y/$1", format!("/{dashes}1y")),
        ("redirect ~/([a-z]+)-([a-z]+)-(.*)\\.html /y/$3", format!("/{words}z")),
        ("redirect ~\"/(.{1,9})-(.*)z\" /y/$2", format!("/{dashes}y")),
        ("redirect ~/((?:ab|c)-?)*x /y", format!("/{words}q")),
    ]
}

fn invocations(path: &str, count: usize) -> Vec<Invocation> {
    let event = RequestSpec::parse(&format!("GET {path}")).expect("request").event();
    vec![event; count]
}

/// Milliseconds per call on an engine: the time of `calls + 1` runs less that of one, so that
/// starting the engine does not count.
fn per_call(engine: &mut dyn Engine, code: &str, path: &str, calls: usize) -> (f64, Vec<cases::Outcome>) {
    let kvs = Kvs::new();
    let one = Instant::now();
    engine.run(code, &kvs, &invocations(path, 1)).expect("runs");
    let base = one.elapsed().as_secs_f64();
    let many = Instant::now();
    let outcomes = engine.run(code, &kvs, &invocations(path, calls + 1)).expect("runs");
    let total = many.elapsed().as_secs_f64();
    (((total - base) / calls as f64) * 1000.0, outcomes)
}

/// Milliseconds per call of the handler on njs, timed inside one njs process.
fn njs_per_call(code: &str, path: &str, calls: usize) -> f64 {
    let dir = tempfile::tempdir().expect("temporary directory");
    let event = serde_json::json!({
        "version": "1.0", "context": {}, "viewer": { "ip": "192.0.2.1" },
        "request": { "method": "GET", "uri": path, "querystring": {}, "headers": { "host": { "value": "example.com" } }, "cookies": {} }
    });
    let driver = format!(
        "var ev = {event};\nev.request.rawQueryString = function () {{ return undefined; }};\nvar s = Date.now();\nfor (var i = 0; i < {calls}; i++) handler(ev);\nconsole.log((Date.now() - s) / {calls});\n"
    );
    let code: String = code.lines().filter(|l| !l.starts_with("import ")).collect::<Vec<_>>().join("\n");
    let main = dir.path().join("main.js");
    std::fs::write(&main, format!("{code}\n{driver}")).expect("write");
    let out = std::process::Command::new("njs").arg(&main).output().expect("njs runs");
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim().parse().unwrap_or_else(|_| panic!("njs: {text} {}", String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn worst_accepted_patterns_on_a_4kb_path() {
    let njs = cases::njs::Njs::default();
    for (rules, path) in worst_cases() {
        let output = conformance::compile(rules, "worst.hedge").unwrap_or_else(|e| panic!("{rules}: {e}"));
        let mut boa = cases::boa::Boa::default();
        let (boa_ms, outcomes) = per_call(&mut boa, &output.request, &path, 20);
        let compute = outcomes.iter().filter_map(|o| o.compute_utilization).max().unwrap_or(0);
        assert!(outcomes.iter().all(|o| o.error.is_none()), "{rules}: {:?}", outcomes[0].error);
        assert!(compute <= 70, "{rules}: compute estimate {compute} on the local runtime");
        // Generous bounds for a busy machine and a debug build (about 20 ms here, most of it
        // boa's interpreter); exponential or quadratic shapes take seconds.
        assert!(boa_ms < 150.0, "{rules}: {boa_ms:.2} ms per call on the local runtime");
        let mut line = format!("{rules}: local runtime {boa_ms:.3} ms, compute {compute}");
        if njs.available() {
            let njs_ms = njs_per_call(&output.request, &path, 40);
            assert!(njs_ms < 5.0, "{rules}: {njs_ms:.2} ms per call on njs");
            line.push_str(&format!(", njs {njs_ms:.3} ms"));
        }
        println!("{line}");
    }
}
