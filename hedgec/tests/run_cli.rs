//! `hedgec run` end to end: the three output formats, a compiled function with its KVS, exit
//! statuses, and file:line:col diagnostics for input that cannot be used.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn external(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/external").join(path)
}

fn run(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hedgec")).arg("run").args(args).env("NO_COLOR", "1").output().expect("hedgec runs")
}

fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("writable");
    path
}

fn json_run(function: &Path, event: &Path, extra: &[&str]) -> (Option<i32>, Value, String) {
    let mut args =
        vec![function.as_os_str(), "--event".as_ref(), event.as_os_str(), "--format".as_ref(), "json".as_ref()];
    args.extend(extra.iter().map(|a| std::ffi::OsStr::new(*a)));
    let output = run(&args);
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    (output.status.code(), value, String::from_utf8_lossy(&output.stderr).to_string())
}

const COUNTRY: &str = "function handler(event) {\n  var request = event.request;\n  var country = request.headers['cloudfront-viewer-country'];\n  if (country && country.value === 'DE') {\n    console.log('to /de/');\n    return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: '/de/index.html' } } };\n  }\n  return request;\n}\n";

#[test]
fn json_output_has_the_documented_fields() {
    let dir = tempfile::tempdir().unwrap();
    let function = write(dir.path(), "country.js", COUNTRY);
    let (status, value, _) = json_run(
        &function,
        &external("amazon-cloudfront-functions-events/redirect-based-on-country/country-de.json"),
        &[],
    );
    assert_eq!(status, Some(0));
    assert_eq!(value["output"]["response"]["statusCode"], 302);
    assert_eq!(value["output"]["response"]["cookies"], serde_json::json!({}));
    assert_eq!(value["error"], Value::Null);
    assert_eq!(value["logs"], serde_json::json!(["to /de/"]));
    assert_eq!(value["kvs_reads"], 0);
    assert!(value["instructions"].as_u64().is_some_and(|n| n > 0));
    assert!(value["compute_utilization"].as_u64().is_some_and(|n| (1..=100).contains(&n)));
    let (_, again, _) = json_run(
        &function,
        &external("amazon-cloudfront-functions-events/redirect-based-on-country/country-de.json"),
        &[],
    );
    assert_eq!(value, again, "the same output on every run");
}

#[test]
fn aws_output_has_the_shape_of_test_function() {
    let dir = tempfile::tempdir().unwrap();
    let function = write(dir.path(), "country.js", COUNTRY);
    let event = external("amazon-cloudfront-functions-events/redirect-based-on-country/country-de.json");
    let output =
        run(&[function.as_os_str(), "--event".as_ref(), event.as_os_str(), "--format".as_ref(), "aws".as_ref()]);
    assert_eq!(output.status.code(), Some(0));
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    let result = &value["TestResult"];
    assert!(result["ComputeUtilization"].as_str().is_some_and(|c| c.parse::<u32>().is_ok()));
    assert_eq!(result["FunctionExecutionLogs"], serde_json::json!(["to /de/"]));
    assert_eq!(result["FunctionErrorMessage"], "");
    let inner: Value = serde_json::from_str(result["FunctionOutput"].as_str().unwrap()).unwrap();
    assert_eq!(inner["response"]["headers"]["location"]["value"], "/de/index.html");
    assert_eq!(result["FunctionSummary"]["FunctionConfig"]["Runtime"], "cloudfront-js-2.0");
}

#[test]
fn text_output_goes_to_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let function = write(dir.path(), "country.js", COUNTRY);
    let event = external("amazon-cloudfront-functions-events/redirect-based-on-country/country-not-de.json");
    let output = run(&[function.as_os_str(), "--event".as_ref(), event.as_os_str()]);
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("\"uri\": \"/index.html\"") && stderr.contains("compute"), "{stderr}");
}

#[test]
fn a_compiled_function_runs_with_its_kvs() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write(dir.path(), "site.hedge", "set exact-rules kvs\nredirect /old /new 301\nredirect /a /b 302\n");
    let out = dir.path().join("dist");
    let compiled =
        Command::new(env!("CARGO_BIN_EXE_hedgec")).arg("compile").arg(&rules).arg("-o").arg(&out).output().unwrap();
    assert_eq!(compiled.status.code(), Some(0), "{}", String::from_utf8_lossy(&compiled.stderr));
    let event = write(
        dir.path(),
        "event.json",
        r#"{"version":"1.0","context":{"eventType":"viewer-request"},"viewer":{"ip":"1.2.3.4"},"request":{"method":"GET","uri":"/old","querystring":{"x":{"value":"1"}},"headers":{"host":{"value":"example.com"}},"cookies":{}}}"#,
    );
    let kvs = out.join("kvs.json");
    let (status, value, stderr) = json_run(&out.join("viewer-request.js"), &event, &["--kvs", kvs.to_str().unwrap()]);
    assert_eq!(status, Some(0), "{stderr}");
    assert_eq!(value["output"]["response"]["statusCode"], 301);
    assert_eq!(value["output"]["response"]["headers"]["location"]["value"], "/new?x=1");
    assert!(value["kvs_reads"].as_u64().is_some_and(|n| n >= 1));
    let (_, without, _) = json_run(&out.join("viewer-request.js"), &event, &[]);
    assert_eq!(without["output"]["request"]["uri"], "/old", "without its KVS the rule is not found");
}

#[test]
fn a_failing_function_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let event = external("amazon-cloudfront-functions-events/add-cors-header/no-cors-header.json");
    let thrower = write(dir.path(), "throw.js", "function handler(e) { throw new TypeError('nope'); }");
    let (status, value, _) = json_run(&thrower, &event, &[]);
    assert_eq!(
        (status, value["output"].clone(), value["error"].as_str()),
        (Some(1), Value::Null, Some("TypeError: nope"))
    );
    let looping = write(dir.path(), "loop.js", "function handler(e) { while (true) {} }");
    let (status, value, _) = json_run(&looping, &event, &[]);
    assert_eq!(status, Some(1));
    assert_eq!(value["compute_utilization"], 100);
    let request = write(dir.path(), "request.js", "function handler(e) { return e.request; }");
    let (status, value, _) = json_run(&request, &event, &[]);
    assert_eq!(status, Some(1), "a viewer-response function must return a response");
    assert!(value["error"].as_str().unwrap().contains("viewer-response"));
}

#[test]
fn a_rejected_function_exits_1_naming_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let function =
        write(dir.path(), "bad.js", "function handler(e) {\n  const { request } = e;\n  return request;\n}\n");
    let event = external("amazon-cloudfront-functions-events/add-origin-header/no-origin-header.json");
    let (status, value, stderr) = json_run(&function, &event, &[]);
    assert_eq!(status, Some(1));
    assert!(value["error"].as_str().unwrap().starts_with("SyntaxError: destructuring"), "{value}");
    assert!(stderr.contains(&format!("{}:2:9: destructuring", function.display())), "{stderr}");
    let big =
        write(dir.path(), "big.js", format!("function handler(e) {{ return e.request; }}\n//{}", "x".repeat(11_000)));
    let (status, value, _) = json_run(&big, &event, &[]);
    assert_eq!(status, Some(1));
    assert!(value["error"].as_str().unwrap().contains("FunctionSizeLimitExceeded"), "{value}");
}

#[test]
fn unusable_input_exits_2_naming_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let function = write(dir.path(), "ok.js", "function handler(e) { return e.request; }");
    let event = external("amazon-cloudfront-functions-events/add-origin-header/no-origin-header.json");
    let cases: Vec<(Vec<std::ffi::OsString>, String)> = vec![
        {
            let bad = write(
                dir.path(),
                "bad-event.json",
                "{\n  \"context\": {\"eventType\": \"viewer-request\"},\n  \"request\": {,}\n}",
            );
            (vec![function.clone().into(), "--event".into(), bad.clone().into()], format!("--> {}:3:15", bad.display()))
        },
        {
            let typeless = write(dir.path(), "typeless.json", r#"{"request":{"method":"GET","uri":"/"}}"#);
            (
                vec![function.clone().into(), "--event".into(), typeless.clone().into()],
                format!("{}:", typeless.display()),
            )
        },
        {
            let kvs = write(dir.path(), "kvs.json", "{\"data\": [\n  {\"key\": \"a\", \"value\": 1}\n]}");
            (
                vec![
                    function.clone().into(),
                    "--event".into(),
                    event.clone().into(),
                    "--kvs".into(),
                    kvs.clone().into(),
                ],
                format!("{}:2:", kvs.display()),
            )
        },
        {
            let twice =
                write(dir.path(), "twice.json", r#"{"data":[{"key":"a","value":"1"},{"key":"a","value":"2"}]}"#);
            (
                vec![
                    function.clone().into(),
                    "--event".into(),
                    event.clone().into(),
                    "--kvs".into(),
                    twice.clone().into(),
                ],
                "twice".into(),
            )
        },
        {
            let latin = write(dir.path(), "latin.js", b"function handler(e) {\n  return '\xe9';\n}".as_slice());
            (
                vec![latin.clone().into(), "--event".into(), event.clone().into()],
                format!("{}:2:11: the file is not UTF-8", latin.display()),
            )
        },
        (vec![dir.path().join("missing.js").into(), "--event".into(), event.clone().into()], "cannot read".into()),
        (
            vec![function.clone().into(), "--event".into(), event.clone().into(), "--now".into(), "yesterday".into()],
            "yesterday".into(),
        ),
    ];
    for (args, expected) in cases {
        let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let output = run(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(&expected), "{args:?}: expected {expected:?} in {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn now_fixes_the_clock() {
    let dir = tempfile::tempdir().unwrap();
    let function =
        write(dir.path(), "now.js", "function handler(e) { console.log(new Date().toISOString()); return e.request; }");
    let event = external("amazon-cloudfront-functions-events/add-origin-header/no-origin-header.json");
    let (_, value, _) = json_run(&function, &event, &["--now", "2024-05-01T12:00:00Z"]);
    assert_eq!(value["logs"], serde_json::json!(["2024-05-01T12:00:00.000Z"]));
    let (_, value, _) = json_run(&function, &event, &["--now", "0"]);
    assert_eq!(value["logs"], serde_json::json!(["1970-01-01T00:00:00.000Z"]));
}
