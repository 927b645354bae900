//! The developer loop end to end: `hedgec test`, `hedgec check` and `hedgec explain` on the
//! bundled example (every output format snapshot-tested), a changed expectation, malformed case
//! files, the three budgets `check` fails on (code size, KVS size, compute), and the ten warnings
//! commands other than `compile` print.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs hedgec from the repository root, so that paths in the output are the short relative
/// ones a user would type.
fn hedgec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hedgec"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .output()
        .expect("hedgec runs")
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("temporary paths are UTF-8")
}

#[test]
fn test_passes_the_example_in_every_format() {
    let text = hedgec(&["test", "examples/site.hedge", "examples/cases.toml"]);
    assert_eq!(text.status.code(), Some(0), "{}", stderr(&text));
    assert!(stdout(&text).ends_with("17 passed, 0 failed\n"), "{}", stdout(&text));
    insta::assert_snapshot!("test_text", stdout(&text));

    let json = hedgec(&["test", "examples/site.hedge", "examples/cases.toml", "--format", "json"]);
    assert_eq!(json.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("JSON on stdout");
    assert_eq!((value["passed"].as_u64(), value["failed"].as_u64()), (Some(17), Some(0)));
    insta::assert_snapshot!("test_json", stdout(&json));

    let junit = hedgec(&["test", "examples/site.hedge", "examples/cases.toml", "--format", "junit"]);
    assert_eq!(junit.status.code(), Some(0));
    let xml = stdout(&junit);
    assert_junit_shape(&xml);
    insta::assert_snapshot!("test_junit", xml);
}

/// JUnit output is one `<testsuites>` document with a `<testcase>` per case.
fn assert_junit_shape(xml: &str) {
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert_eq!(xml.matches("<testcase ").count(), 17, "{xml}");
    assert_eq!(xml.matches("<testsuites ").count(), 1, "{xml}");
}

#[test]
fn a_changed_expectation_fails_with_a_diff() {
    let dir = tempfile::tempdir().unwrap();
    let cases = std::fs::read_to_string(repo().join("examples/cases.toml")).unwrap();
    let changed = cases.replacen("location = \"/new-page?utm=1\"", "location = \"/newer-page?utm=1\"", 1);
    assert_ne!(cases, changed, "the example still has the case this test changes");
    let file = dir.path().join("cases.toml");
    std::fs::write(&file, changed).unwrap();

    let output = hedgec(&["test", "examples/site.hedge", path(&file)]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("FAIL ") && text.contains("exact redirect with the default status"), "{text}");
    assert!(text.contains("- expected \"/newer-page?utm=1\""), "{text}");
    assert!(text.contains("+ actual   \"/new-page?utm=1\""), "{text}");
    assert!(text.ends_with("16 passed, 1 failed\n"), "{text}");

    let junit = hedgec(&["test", "examples/site.hedge", path(&file), "--format", "junit"]);
    assert_eq!(junit.status.code(), Some(1));
    assert_eq!(stdout(&junit).matches("<failure").count(), 1, "{}", stdout(&junit));
}

#[test]
fn malformed_case_files_are_exit_2_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, line) in [
        ("syntax.toml", "[[case]]\nname = \"a\"\nrequest = \"GET /\"\nexpect = { status = }\n", 4),
        ("field.toml", "[[case]]\nname = \"a\"\nrequest = \"GET /\"\nexpect = { stauts = 301 }\n", 4),
        ("request.toml", "[[case]]\nname = \"a\"\nrequest = \"FETCH\"\nexpect = { status = 200 }\n", 3),
    ] {
        let file = dir.path().join(name);
        std::fs::write(&file, text).unwrap();
        let output = hedgec(&["test", "examples/site.hedge", path(&file)]);
        assert_eq!(output.status.code(), Some(2), "{name}: {}", stderr(&output));
        let expected = format!("--> {}:{line}:", file.display());
        assert!(stderr(&output).starts_with("error[E10"), "{name}: wanted a code in\n{}", stderr(&output));
        assert!(stderr(&output).contains(&expected), "{name}: wanted {expected:?} in\n{}", stderr(&output));
    }
    // A case that checks nothing is an error, at its line.
    let unchecked = dir.path().join("unchecked.toml");
    std::fs::write(&unchecked, "\n[[case]]\nname = \"a\"\nrequest = \"GET /\"\n").unwrap();
    let output = hedgec(&["test", "examples/site.hedge", path(&unchecked)]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(&format!("{}:2:1: `a` has no `expect`", unchecked.display())),
        "{}",
        stderr(&output)
    );
    let missing = hedgec(&["test", "examples/site.hedge", "examples/no-such-cases.toml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("examples/no-such-cases.toml"), "{}", stderr(&missing));
}

#[test]
fn check_passes_the_example_in_every_format() {
    let text = hedgec(&["check", "examples/site.hedge", "examples/cases.toml"]);
    assert_eq!(text.status.code(), Some(0), "{}", stderr(&text));
    assert!(stdout(&text).ends_with("every budget holds\n"), "{}", stdout(&text));
    insta::assert_snapshot!("check_text", stdout(&text));

    let json = hedgec(&["check", "examples/site.hedge", "examples/cases.toml", "--format", "json"]);
    assert_eq!(json.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("JSON on stdout");
    assert_eq!(value["ok"], true);
    assert_eq!(value["budgets"].as_array().map(Vec::len), Some(5), "two sizes, two computes, the KVS");
    insta::assert_snapshot!("check_json", stdout(&json));

    let github = hedgec(&["check", "examples/site.hedge", "--format", "github"]);
    assert_eq!(github.status.code(), Some(0));
    insta::assert_snapshot!("check_github", stdout(&github));
}

#[test]
fn check_fails_on_code_over_10_kb_and_annotates_the_largest_rule() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("conditional.hedge");
    // Rules with conditions cannot move to the KVS: each costs code.
    let text: String =
        (0..80).map(|i| format!("redirect /p{i}/:a/:b/* /q{i}/:b/:a/:splat 302 language=de,fr\n")).collect();
    std::fs::write(&rules, text).unwrap();

    let output = hedgec(&["check", path(&rules)]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("OVER viewer-request.js bytes"), "{text}");
    assert!(text.contains("80 rules stay in code (80 with a host or conditions"), "{text}");
    assert!(text.contains("error: viewer-request.js bytes is "), "{text}");
    assert!(text.contains("over its budget of 10,240 B"), "{text}");

    let github = hedgec(&["check", path(&rules), "--format", "github"]);
    assert_eq!(github.status.code(), Some(1));
    let annotations = stdout(&github);
    let error = annotations.lines().find(|l| l.starts_with("::error ")).expect("an error annotation");
    assert!(error.contains(&format!("file={}", rules.display()).replace(':', "%3A")), "{error}");
    assert!(error.contains(",line=") && error.contains("viewer-request.js bytes"), "{error}");
}

#[test]
fn check_fails_on_kvs_data_over_5_mb() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("many.hedge");
    let target = "x".repeat(270);
    let text: String = (0..19_000).map(|i| format!("redirect /old/{i} /new/{i}/{target}\n")).collect();
    std::fs::write(&rules, text).unwrap();

    let output = hedgec(&["check", path(&rules), "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("error[E027]: the KVS data needs "), "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON on stdout");
    let kvs = value["budgets"].as_array().unwrap().iter().find(|b| b["name"] == "kvs bytes").unwrap();
    assert_eq!(kvs["ok"], false);
    assert_eq!(kvs["limit"], 5_242_880);
    assert!(kvs["used"].as_u64().unwrap() > 5_242_880);
    assert!(kvs["detail"].as_str().unwrap().contains("19,000 exact rules"), "{kvs}");
    assert_eq!(kvs["line"], 1, "the annotation goes to the first rule in the KVS");
}

#[test]
fn check_fails_when_a_request_goes_over_the_compute_budget() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("cookies.hedge");
    let text: String = (0..40).map(|i| format!("redirect /p{i}/* /q{i}/:splat 302 cookie=c{i}=yes\n")).collect();
    std::fs::write(&rules, text).unwrap();
    // Browsers send every cookie with every request; 70 cookies of 250 bytes make a large event.
    let cookies: Vec<String> = (0..70).map(|i| format!("c{i} = \"{}\"", "v".repeat(250))).collect();
    let cases = dir.path().join("cookies.toml");
    std::fs::write(
        &cases,
        format!(
            "[[case]]\nname = \"a request with 18 KB of cookies\"\nrequest = \"GET https://example.com/p39/a\"\ncookies = {{ {} }}\n",
            cookies.join(", ")
        ),
    )
    .unwrap();

    // Within the default budget of 70 ...
    let output = hedgec(&["check", path(&rules), path(&cases)]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // ... and over a team's own margin of 50.
    let output = hedgec(&["check", path(&rules), path(&cases), "--max-compute", "50"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("OVER viewer-request compute"), "{text}");
    assert!(text.contains("a request with 18 KB of cookies"), "the worst request is named: {text}");
    assert!(text.contains("error: viewer-request compute is "), "{text}");
    assert!(text.contains("over its budget of 50%"), "{text}");
}

#[test]
fn explain_in_both_formats() {
    let text = hedgec(&["explain", "examples/site.hedge", "https://example.com/", "--country", "FR"]);
    assert_eq!(text.status.code(), Some(0), "{}", stderr(&text));
    insta::assert_snapshot!("explain_text", stdout(&text));

    let kvs = hedgec(&["explain", "examples/site.hedge", "https://example.com/old-page?utm=1"]);
    let out = stdout(&kvs);
    assert!(out.contains("examples/site.hedge:6  redirect /old-page /new-page"), "{out}");
    assert!(out.contains("matches") && !out.contains("found in the KVS"), "the example keeps it in code: {out}");
    assert!(out.contains("location: /new-page?utm=1") && out.contains("0 KVS reads"), "{out}");
    // With its exact rules in the KVS, explain says the rule was found there, and the read.
    let dir = tempfile::tempdir().expect("temporary directory");
    let in_kvs = dir.path().join("site.hedge");
    let example = std::fs::read_to_string(repo().join("examples/site.hedge")).expect("the example");
    std::fs::write(&in_kvs, format!("set exact-rules kvs\n{example}")).expect("write");
    let kvs = hedgec(&["explain", in_kvs.to_str().expect("UTF-8 path"), "https://example.com/old-page?utm=1"]);
    let out = stdout(&kvs);
    assert!(out.contains("site.hedge:7  redirect /old-page /new-page"), "{out}");
    assert!(out.contains("matches (found in the KVS)"), "{out}");
    assert!(out.contains("location: /new-page?utm=1") && out.contains("1 KVS read"), "{out}");

    let header = hedgec(&["explain", "examples/site.hedge", "/", "--header", "cloudfront-viewer-country:DE"]);
    assert_eq!(header.status.code(), Some(0), "{}", stderr(&header));
    assert!(stdout(&header).contains("answered by viewer-request.js with 302"), "{}", stdout(&header));
    let json = hedgec(&["explain", "examples/site.hedge", "/", "--country", "de", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("JSON on stdout");
    assert_eq!(value["matched"]["line"], 9);
    assert_eq!(value["result"]["viewer_response"]["statusCode"], 302);
    insta::assert_snapshot!("explain_json", stdout(&json));
}

#[test]
fn explain_refuses_bad_requests_with_exit_2() {
    for args in [
        ["explain", "examples/site.hedge", "ftp://example.com/"].as_slice(),
        &["explain", "examples/site.hedge", "/", "--header", "no-colon"],
        &["explain", "examples/site.hedge", "/", "--country", "Germany"],
        &["explain", "examples/no-such.hedge", "/"],
    ] {
        let output = hedgec(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        assert!(stderr(&output).starts_with("error: "), "{args:?}: {}", stderr(&output));
    }
}

#[test]
fn commands_other_than_compile_print_ten_warnings_and_say_where_the_rest_are() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let rules = dir.path().join("chain.hedge");
    // Twelve redirect chains: twelve W003 warnings.
    let text: String = (1..=12).map(|i| format!("redirect /a{i} /b{i}\nredirect /b{i} /c{i}\n")).collect();
    std::fs::write(&rules, text).expect("write");
    let explained = hedgec(&["explain", path(&rules), "/a1"]);
    assert_eq!(explained.status.code(), Some(0), "{}", stderr(&explained));
    let err = stderr(&explained);
    assert_eq!(err.matches("warning[W003]").count(), 10, "{err}");
    let summary = format!("chain.hedge: 12 warnings (10 shown; `hedgec compile {}` prints them all)", path(&rules));
    assert!(err.trim_end().ends_with(&summary), "{err}");
    let compiled = hedgec(&["compile", path(&rules), "-o", path(&dir.path().join("out"))]);
    assert_eq!(stderr(&compiled).matches("warning[W003]").count(), 12, "{}", stderr(&compiled));
}
