//! The runtime end to end through its library interface: bounds, reuse, determinism, the clock
//! and the compute estimate.

use std::collections::BTreeMap;

use runtime_js::{Call, Function, LoadError, Options, Store, cost};
use serde_json::{Value, json};

fn event(uri: &str) -> Value {
    json!({
        "version": "1.0",
        "context": { "eventType": "viewer-request" },
        "viewer": { "ip": "198.51.100.7" },
        "request": { "method": "GET", "uri": uri, "querystring": {}, "headers": { "host": { "value": "example.com" } }, "cookies": {} }
    })
}

fn options() -> Options {
    Options { now_ms: 1_714_521_600_000, ..Options::default() }
}

fn load(code: &str) -> Function {
    Function::load(code, options()).unwrap_or_else(|e| panic!("{e}"))
}

fn run(code: &str) -> Call {
    load(code).call(&event("/"), None, &Store::default())
}

/// The most instructions a call can run before it is stopped: its own budget, or the budget
/// left in its context, which is never more than CONTEXT_CALLS budgets.
const MOST: u64 = cost::MAX_INSTRUCTIONS * runtime_js::function::CONTEXT_CALLS;

fn stopped(code: &str, error: &str) {
    let call = run(code);
    let message = call.error.as_deref().unwrap_or_else(|| panic!("{code}: no error: {:?}", call.output));
    assert!(message.contains(error), "{code}: {message}");
    assert!(call.instructions <= MOST, "{code}: {} instructions", call.instructions);
    assert_eq!(call.output, None);
    assert_eq!(call.compute_utilization, 100.min(call.compute_utilization));
}

#[test]
fn an_endless_loop_is_stopped() {
    stopped("function handler(e) { while (true) {} }", "compute budget");
    stopped("function handler(e) { var i = 0; for (;;) { i++; } }", "compute budget");
    stopped("function handler(e) { try { while (true) {} } catch (x) { return e.request; } }", "compute budget");
}

#[test]
fn nested_loops_and_calls_are_stopped() {
    stopped(
        "function g() { for (var i = 0; i < 100000; i++) {} }\nfunction handler(e) { for (var j = 0; j < 1000000; j++) g(); }",
        "compute budget",
    );
}

#[test]
fn an_endless_await_loop_is_stopped_at_its_own_budget() {
    let call = run("async function handler(e) { while (true) { await null; } }");
    assert!(call.error.as_deref().is_some_and(|e| e.contains("compute budget")), "{call:?}");
    assert!(call.instructions <= cost::MAX_INSTRUCTIONS + 100, "{}", call.instructions);
}

#[test]
fn unbounded_recursion_is_stopped() {
    stopped(
        "function f(n) { return f(n + 1) + 1; }\nfunction handler(e) { return f(0); }",
        "Maximum call stack size exceeded",
    );
    stopped(
        "function f(n) { return [n].map(function (m) { return f(m + 1); }); }\nfunction handler(e) { return f(0); }",
        "Maximum call stack size exceeded",
    );
    stopped(
        "function f(n) { try { return f(n + 1); } catch (x) { return 0; } }\nfunction handler(e) { f(0); return e.request; }",
        "Maximum call stack size exceeded",
    );
}

#[test]
fn ten_million_elements_are_refused() {
    let memory = "2 MB of memory";
    stopped("function handler(e) { var a = new Array(10000000); return e.request; }", memory);
    stopped("function handler(e) { var a = Array(10000000).fill(0); return e.request; }", memory);
    stopped("function handler(e) { var a = []; a.length = 10000000; a.join(','); return e.request; }", memory);
    stopped("function handler(e) { var a = []; a.length = 10000000; a.map(String); return e.request; }", memory);
    stopped(
        "function handler(e) { var a = []; for (var i = 0; i < 10000000; i++) { a.push(i); } return e.request; }",
        "compute budget",
    );
    stopped("function handler(e) { var b = new Uint8Array(10000000); return e.request; }", "maximum buffer size");
    stopped("function handler(e) { var b = Buffer.alloc(10000000); return e.request; }", "maximum buffer size");
    stopped("function handler(e) { return { statusCode: 200, body: 'x'.repeat(10000000) }; }", memory);
    stopped("function handler(e) { return { statusCode: 200, body: ''.padEnd(10000000) }; }", memory);
    // Replacements multiply a string's length: a call whose result would be over the bound is
    // refused (before it allocates, when the matches are counted first), where a chain would
    // otherwise take gigabytes.
    let started = std::time::Instant::now();
    stopped("function handler(e) { var s = 'b'.repeat(2000); s = s.replaceAll('b', s); return e.request; }", memory);
    stopped(
        "function handler(e) { var s = 'a-b'; for (var i = 0; i < 40; i++) s = s.replace(/-/, s + '-' + s); return e.request; }",
        memory,
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "{:?}", started.elapsed());
    let call = run(
        "function handler(e) { e.request.headers.r = { value: 'a-b-c'.replace(/-/g, '+') + 'x'.replaceAll('x', 'yy') }; return e.request; }",
    );
    assert_eq!(call.output.unwrap()["request"]["headers"]["r"]["value"], "a+b+cyy");
    // Within the bound, arrays work as usual.
    let call = run(
        "function handler(e) { var a = new Array(1000).fill(1); e.request.headers.n = { value: String(a.length) }; return e.request; }",
    );
    assert_eq!(call.output.unwrap()["request"]["headers"]["n"]["value"], "1000");
}

#[test]
fn a_call_after_a_stopped_call_gets_a_sound_context() {
    let mut function =
        load("function handler(e) { if (e.request.uri === '/loop') { while (true) {} } return e.request; }");
    let store = Store::default();
    let first = function.call(&event("/"), None, &store);
    let stopped = function.call(&event("/loop"), None, &store);
    let after = function.call(&event("/"), None, &store);
    assert!(stopped.error.is_some());
    assert_eq!(first, after);
    assert_eq!(function.contexts(), 2, "the stopped call's context is replaced");
}

#[test]
fn a_context_serves_many_events() {
    let mut function = load(
        "import cf from 'cloudfront';\nconst kvs = cf.kvs();\nasync function handler(e) {\n  var to = await kvs.get(e.request.uri);\n  return { statusCode: 301, headers: { location: { value: to } } };\n}",
    );
    let store = Store::from(BTreeMap::from([("/old".to_string(), "/new".to_string())]));
    let calls: Vec<Call> = (0..2000).map(|_| function.call(&event("/old"), None, &store)).collect();
    assert_eq!(function.contexts(), 1, "the function was parsed once");
    assert!(calls.iter().all(|c| *c == calls[0]), "every call gives the same result and counts");
    assert_eq!(calls[0].output.as_ref().unwrap()["response"]["headers"]["location"]["value"], "/new");
    assert_eq!(calls[0].kvs_reads, 1);
}

#[test]
fn a_context_with_too_little_budget_left_is_replaced_and_counts_do_not_change() {
    // Each call runs about a third of a call's budget: a context lasts about 24 of them.
    let code = "function handler(e) { var n = 0; for (var i = 0; i < 9000; i++) { n += i; } e.request.headers.n = { value: String(n) }; return e.request; }";
    let mut function = load(code);
    let store = Store::default();
    let calls: Vec<Call> = (0..100).map(|_| function.call(&event("/"), None, &store)).collect();
    assert!(calls[0].instructions > cost::MAX_INSTRUCTIONS / 4, "{}", calls[0].instructions);
    assert!(calls.iter().all(|c| *c == calls[0] && c.error.is_none()));
    assert!(function.contexts() >= 4, "{} contexts", function.contexts());
    let fresh = load(code).call(&event("/"), None, &store);
    assert_eq!(fresh, calls[0], "a fresh context counts the same");
}

#[test]
fn the_compute_estimate_is_deterministic_and_grows_with_work() {
    let code = |n: u32| {
        format!(
            "function handler(e) {{ var s = ''; for (var i = 0; i < {n}; i++) {{ s += e.request.uri.indexOf('/') + i; }} e.request.headers.s = {{ value: String(s.length) }}; return e.request; }}"
        )
    };
    let mut previous: Option<Call> = None;
    for n in [0, 100, 1_000, 5_000, 20_000] {
        let first = run(&code(n));
        let second = run(&code(n));
        assert_eq!(first, second, "{n}: the same on every run");
        if let Some(previous) = &previous {
            assert!(first.instructions > previous.instructions, "{n}");
            assert!(first.compute_utilization >= previous.compute_utilization, "{n}");
        }
        previous = Some(first);
    }
    let heaviest = previous.expect("ran");
    assert!(heaviest.compute_utilization > 60, "{}", heaviest.compute_utilization);
    let over = run(&code(60_000));
    assert_eq!(over.compute_utilization, 100);
    assert!(over.error.as_deref().is_some_and(|e| e.contains("compute budget")));
}

#[test]
fn kvs_reads_and_hashing_cost_more() {
    let plain = run("function handler(e) { return e.request; }");
    let reads = {
        let mut function = load(
            "import cf from 'cloudfront';\nconst kvs = cf.kvs();\nasync function handler(e) { for (var i = 0; i < 8; i++) { await kvs.exists('k' + i); } return e.request; }",
        );
        function.call(&event("/"), None, &Store::default())
    };
    assert_eq!(reads.kvs_reads, 8);
    assert!(
        reads.compute_utilization >= plain.compute_utilization + 2,
        "{} vs {}",
        reads.compute_utilization,
        plain.compute_utilization
    );
    let hashing = run(
        "var crypto = require('crypto');\nfunction handler(e) { crypto.createHash('sha256').update('x'.repeat(100000)).digest('hex'); return e.request; }",
    );
    assert!(hashing.compute_utilization > plain.compute_utilization + 10, "{}", hashing.compute_utilization);
}

#[test]
fn date_stands_still_and_random_is_seeded() {
    let code = "function handler(e) {\n  var a = Date.now();\n  for (var i = 0; i < 20000; i++) {}\n  var b = new Date().getTime();\n  return { statusCode: 200, headers: { t: { value: a + ' ' + b }, r: { value: String(Math.random()) } } };\n}";
    let first = run(code);
    let output = first.output.clone().unwrap();
    assert_eq!(output["response"]["headers"]["t"]["value"], "1714521600000 1714521600000");
    assert_eq!(first, run(code), "the same random numbers on every run");
    let reseeded = Function::load(code, Options { random_seed: 7, ..options() }).unwrap().call(
        &event("/"),
        None,
        &Store::default(),
    );
    assert_ne!(reseeded.output.unwrap()["response"]["headers"]["r"], output["response"]["headers"]["r"]);
}

#[test]
fn raw_query_string_is_what_the_call_says() {
    let mut function = load(
        "function handler(e) { var q = e.request.rawQueryString(); e.request.headers.q = { value: typeof q + ':' + q }; return e.request; }",
    );
    let store = Store::default();
    let value = |call: Call| call.output.unwrap()["request"]["headers"]["q"]["value"].clone();
    assert_eq!(value(function.call(&event("/"), Some("a=1&b"), &store)), "string:a=1&b");
    assert_eq!(value(function.call(&event("/"), Some(""), &store)), "string:");
    assert_eq!(value(function.call(&event("/"), None, &store)), "undefined:undefined");
}

#[test]
fn a_promise_that_never_settles_fails() {
    let call = run("async function handler(e) { await new Promise(function () {}); return e.request; }");
    assert!(call.error.as_deref().is_some_and(|e| e.contains("never settled")), "{call:?}");
}

#[test]
fn functions_that_cannot_load() {
    let big = format!("function handler(e) {{ return e.request; }}\n//{}", "x".repeat(platform::MAX_FUNCTION_BYTES));
    assert!(matches!(Function::load(&big, options()), Err(LoadError::TooLarge { .. })));
    let head = "function handler(e) { return e.request; }\n//";
    let exact = format!("{head}{}", " ".repeat(platform::MAX_FUNCTION_BYTES - head.len()));
    assert_eq!(exact.len(), platform::MAX_FUNCTION_BYTES);
    assert!(Function::load(&exact, options()).is_ok());
    match Function::load("var x = undefined.y;\nfunction handler(e) { return e.request; }", options()) {
        Err(LoadError::Failed(message)) => assert!(message.starts_with("TypeError"), "{message}"),
        other => panic!("{other:?}"),
    }
    match Function::load("function handler(e) {\n  return e?.request;\n}", options()) {
        Err(error @ LoadError::Rejected(_)) => assert_eq!(
            error.message(),
            "SyntaxError: optional chaining (?.) is not supported by cloudfront-js-2.0 at 2:10"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_event_without_a_type_is_an_error() {
    let call =
        load("function handler(e) { return e.request; }").call(&json!({ "request": {} }), None, &Store::default());
    assert!(call.error.as_deref().is_some_and(|e| e.contains("eventType")));
}

#[test]
fn logs_are_kept_to_ten_kilobytes() {
    let call = run(
        "function handler(e) { for (var i = 0; i < 100; i++) { console.log('x'.repeat(500)); } return e.request; }",
    );
    let total: usize = call.logs.iter().map(String::len).sum();
    assert_eq!(total, 10 * 1024);
    assert_eq!(call.logs.len(), 21);
}

#[test]
fn regular_expression_literals_behave_as_if_made_on_every_evaluation() {
    // Literals without `g` or `y` are made once, when the function is loaded; those with them
    // (which keep `lastIndex`) are made on every evaluation, as the language says.
    let code = r#"function handler(e) {
  var sticky = /a/y, global = /a/g, plain = /(.)\/$/;
  sticky.test("aa"); global.test("aa");
  var same = /x/i === /x/i;
  return { statusCode: 200, body: [sticky.lastIndex, global.lastIndex, plain.lastIndex, "ab/".replace(plain, "$1"), same, /é\u2028/.test("é\u2028")].join(",") };
}"#;
    let mut function = load(code);
    for _ in 0..3 {
        let call = function.call(&event("/"), None, &Store::default());
        let output = call.output.unwrap_or_else(|| panic!("{:?}", call.error));
        assert_eq!(body(&output), "1,1,0,ab,false,true", "{output}");
    }
    // Code that already uses the prefix is run as written.
    let own = "var __hedgecRegExp0 = 1; function handler(e) { return { statusCode: 200, body: '' + __hedgecRegExp0 + /a/.test('a') }; }";
    let call = run(own);
    assert_eq!(body(&call.output.expect("runs")), "1true");
}

/// The body of a response output, however it is normalised.
fn body(output: &Value) -> String {
    let body = &output["response"]["body"];
    body.as_str().or(body["data"].as_str()).unwrap_or_default().to_string()
}
