//! The local runtime's speed: events per second through a typical redirect function with a
//! reused context, beside a fresh context per event and one njs process per event; and how
//! long runaway functions take to be stopped.
//!
//! Run with `cargo bench -p benches --bench runtime`. Each iteration is one event (divan
//! reports it as items per second):
//!
//! - `reused::compiled_site`: the example site compiled by hedgec (its three exact rules in code,
//!   where they are smaller; redirect with the query string) on a request for
//!   `/old-page?utm=1`, repeated;
//! - `reused::compiled_site_kvs`: the same with `set exact-rules kvs`: one KVS hit, repeated;
//! - `reused::compiled_site_mix`: the example site on a rotation of four requests (an exact
//!   rule, a miss that reaches the origin, a splat pattern and a placeholder pattern), each followed
//!   by the viewer-response function (its header rules) on the origin's answer: one item is
//!   one request through both functions;
//! - `reused::hand_written`: a hand-written Accept-Language redirect;
//! - `fresh_context`: the same compiled function loaded anew for every event (context, built-ins,
//!   parse, module evaluation, call);
//! - `njs_process`: one `njs` process per event (process start, module load and one call);
//! - `njs_batched`: 100 events through one `njs` process, as the conformance suites and the
//!   differential fuzzer batch them (one item is one event);
//! - `runaway`: load and call a function that never ends (an endless loop, unbounded
//!   recursion, a 10-million-element array), until the runtime stops it.

use std::collections::BTreeMap;

use cases::Engine as _;
use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use serde_json::{Value, json};

fn main() {
    print_compute();
    divan::main();
}

/// The instructions and compute estimate of each measured request, printed before the timings:
/// the example site (a KVS hit, a miss that scans its bucket, pattern rules) and the
/// 45,000-redirect fixture (a hit and a miss in a full bucket).
fn print_compute() {
    let fixture = {
        let build =
            compiler::build("fixture.hedge", benches::netlify_45000_redirects().as_bytes(), &Default::default())
                .expect("compiles");
        let output = build.into_result().expect("no errors").output;
        (output.request, output.kvs.iter().map(|e| (e.key.clone(), e.value.clone())).collect())
    };
    let sites = [("example", compiled_site()), ("netlify 45,000", fixture)];
    eprintln!("site | request | instructions | compute");
    for (name, (code, kvs)) in &sites {
        let store = runtime_js::Store::from(kvs.clone());
        let mut function = runtime_js::Function::load(code, options()).expect("loads");
        let paths: &[&str] = if *name == "example" {
            &["/old-page", "/missing-page", "/blog/a-post", "/docs/v2/intro", "/app/settings"]
        } else {
            &["/base/some-31337", "/base/some-31337x"]
        };
        for path in paths {
            let (event, raw) = request(path, "utm=1", json!({}));
            let call = function.call(&event, raw.as_deref(), &store);
            eprintln!("{name} | {path}?utm=1 | {} | {}", call.instructions, call.compute_utilization);
        }
    }
}

/// The example site, compiled: the viewer-request function and its KVS.
fn compiled_site() -> (String, BTreeMap<String, String>) {
    let (request, _, kvs) = compiled_site_with_response(false);
    (request, kvs)
}

/// The example site, compiled: both functions and the KVS; with `exact_in_kvs`, its exact rules
/// are in the KVS.
fn compiled_site_with_response(exact_in_kvs: bool) -> (String, String, BTreeMap<String, String>) {
    let text = benches::example_site();
    let options = compiler::CompileOptions { exact_in_kvs, ..compiler::CompileOptions::default() };
    let build = compiler::build("site.hedge", text.as_bytes(), &options).expect("compiles");
    let output = build.into_result().expect("no errors").output;
    let kvs = output.kvs.iter().map(|e| (e.key.clone(), e.value.clone())).collect();
    (output.request, output.response.expect("the example site has header rules"), kvs)
}

fn request(uri: &str, query: &str, headers: Value) -> (Value, Option<String>) {
    let mut all = json!({ "host": { "value": "example.com" } });
    for (name, value) in headers.as_object().into_iter().flatten() {
        all[name] = value.clone();
    }
    let event = json!({
        "version": "1.0",
        "context": { "eventType": "viewer-request" },
        "viewer": { "ip": "198.51.100.7" },
        "request": { "method": "GET", "uri": uri, "querystring": cases::event::parse_query(query), "headers": all, "cookies": {} }
    });
    (event, Some(query.to_string()).filter(|q| !q.is_empty()))
}

const HAND_WRITTEN: &str = r#"var SUPPORTED = ['en', 'de', 'fr', 'ja'];
function handler(event) {
  var request = event.request;
  if (request.uri !== '/') return request;
  var header = request.headers['accept-language'];
  var tag = header ? header.value.split(',')[0].split(';')[0].split('-')[0].trim().toLowerCase() : 'en';
  var target = '/' + (SUPPORTED.indexOf(tag) >= 0 ? tag : 'en') + '/';
  var query = request.rawQueryString();
  return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: query ? target + '?' + query : target } } };
}"#;

fn options() -> runtime_js::Options {
    runtime_js::Options { now_ms: 1_714_521_600_000, ..runtime_js::Options::default() }
}

mod reused {
    use super::*;

    #[divan::bench]
    fn compiled_site(bencher: Bencher<'_, '_>) {
        old_page(bencher, false);
    }

    #[divan::bench]
    fn compiled_site_kvs(bencher: Bencher<'_, '_>) {
        old_page(bencher, true);
    }

    /// The example's `/old-page?utm=1`, its exact rule in code or in the KVS.
    fn old_page(bencher: Bencher<'_, '_>, exact_in_kvs: bool) {
        let (code, _, kvs) = compiled_site_with_response(exact_in_kvs);
        let store = runtime_js::Store::from(kvs);
        let mut function = runtime_js::Function::load(&code, options()).expect("loads");
        let (event, raw) = request("/old-page", "utm=1", json!({}));
        let first = function.call(&event, raw.as_deref(), &store);
        assert_eq!(first.output.as_ref().expect("redirects")["response"]["statusCode"], 301);
        assert_eq!(first.kvs_reads, u32::from(exact_in_kvs), "the exact rule is in the KVS: {exact_in_kvs}");
        bencher
            .counter(ItemsCount::new(1usize))
            .bench_local(|| black_box(function.call(black_box(&event), raw.as_deref(), &store)));
    }

    #[divan::bench]
    fn compiled_site_mix(bencher: Bencher<'_, '_>) {
        let (request_code, response_code, kvs) = compiled_site_with_response(false);
        let store = runtime_js::Store::from(kvs);
        let mut request_function = runtime_js::Function::load(&request_code, options()).expect("loads");
        let mut response_function = runtime_js::Function::load(&response_code, options()).expect("loads");
        // A KVS hit, a KVS miss, a splat pattern, a placeholder pattern.
        let requests: Vec<(Value, Option<String>)> =
            [("/old-page", "utm=1"), ("/assets/app.js", ""), ("/blog/2024/post", ""), ("/docs/v2/intro", "")]
                .iter()
                .map(|(uri, query)| request(uri, query, json!({})))
                .collect();
        let expected = [Some(301), None, Some(301), Some(302)];
        let responses: Vec<Value> = requests
            .iter()
            .zip(expected)
            .map(|((event, raw), status)| {
                let call = request_function.call(event, raw.as_deref(), &store);
                let output = call.output.expect("answers");
                assert_eq!(output["response"]["statusCode"].as_u64().map(|s| s as u16), status, "{output}");
                let mut response_event = event.clone();
                response_event["context"]["eventType"] = json!("viewer-response");
                response_event["response"] =
                    json!({ "statusCode": 200, "statusDescription": "OK", "headers": {}, "cookies": {} });
                response_event
            })
            .collect();
        let answered = response_function.call(&responses[1], None, &store);
        let headers = &answered.output.expect("answers")["response"]["headers"];
        assert!(headers.get("cache-control").is_some(), "{headers}");
        let mut next = 0;
        bencher.counter(ItemsCount::new(1usize)).bench_local(|| {
            let (event, raw) = &requests[next % requests.len()];
            let answer = request_function.call(black_box(event), raw.as_deref(), &store);
            if answer.output.as_ref().is_some_and(|o| o.get("request").is_some()) {
                black_box(response_function.call(&responses[next % requests.len()], None, &store));
            }
            next += 1;
            black_box(answer)
        });
    }

    #[divan::bench]
    fn hand_written(bencher: Bencher<'_, '_>) {
        let store = runtime_js::Store::default();
        let mut function = runtime_js::Function::load(HAND_WRITTEN, options()).expect("loads");
        let (event, raw) = request("/", "utm=1", json!({ "accept-language": { "value": "de-DE,de;q=0.9" } }));
        let first = function.call(&event, raw.as_deref(), &store);
        assert_eq!(first.output.as_ref().expect("redirects")["response"]["headers"]["location"]["value"], "/de/?utm=1");
        bencher
            .counter(ItemsCount::new(1usize))
            .bench_local(|| black_box(function.call(black_box(&event), raw.as_deref(), &store)));
    }
}

#[divan::bench(sample_count = 30)]
fn fresh_context(bencher: Bencher<'_, '_>) {
    let (code, kvs) = compiled_site();
    let store = runtime_js::Store::from(kvs);
    let (event, raw) = request("/old-page", "utm=1", json!({}));
    bencher.counter(ItemsCount::new(1usize)).bench_local(|| {
        let mut function = runtime_js::Function::load(black_box(&code), options()).expect("loads");
        black_box(function.call(&event, raw.as_deref(), &store))
    });
}

#[divan::bench(sample_count = 10, sample_size = 3)]
fn njs_process(bencher: Bencher<'_, '_>) {
    let (code, kvs) = compiled_site();
    let (event, raw) = request("/old-page", "utm=1", json!({}));
    let invocation = cases::Invocation { event, raw_query: raw };
    let mut njs = cases::njs::Njs::default();
    let check = njs.run(&code, &kvs, std::slice::from_ref(&invocation)).expect("njs runs");
    assert_eq!(check[0].response().expect("redirects")["statusCode"], 301);
    bencher
        .counter(ItemsCount::new(1usize))
        .bench_local(|| black_box(njs.run(&code, &kvs, std::slice::from_ref(&invocation)).expect("njs runs")));
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn njs_batched(bencher: Bencher<'_, '_>) {
    const EVENTS: usize = 100;
    let (code, kvs) = compiled_site();
    let (event, raw) = request("/old-page", "utm=1", json!({}));
    let invocations = vec![cases::Invocation { event, raw_query: raw }; EVENTS];
    let mut njs = cases::njs::Njs::default();
    let check = njs.run(&code, &kvs, &invocations).expect("njs runs");
    assert!(check.iter().all(|o| o.response().is_some_and(|r| r["statusCode"] == 301)));
    bencher
        .counter(ItemsCount::new(EVENTS))
        .bench_local(|| black_box(njs.run(&code, &kvs, &invocations).expect("njs runs")));
}

#[divan::bench(
    sample_count = 5,
    sample_size = 1,
    args = [
        "function handler(e) { while (true) {} }",
        "function f(n) { return f(n + 1) + 1; } function handler(e) { return f(0); }",
        "function handler(e) { var a = []; for (var i = 0; i < 10000000; i++) { a.push(i); } return e.request; }",
        "function handler(e) { var a = new Array(10000000).fill(0); return e.request; }",
        "async function handler(e) { while (true) { await null; } }",
    ]
)]
fn runaway(bencher: Bencher<'_, '_>, code: &str) {
    let (event, _) = request("/", "", json!({}));
    let store = runtime_js::Store::default();
    bencher.bench_local(|| {
        let mut function = runtime_js::Function::load(code, options()).expect("loads");
        let call = function.call(&event, None, &store);
        assert!(call.error.is_some());
        black_box(call)
    });
}
