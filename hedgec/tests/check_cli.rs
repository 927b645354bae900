//! `hedgec check` as a CI gate: rules that do not compile still give annotations and a JSON
//! document on stdout, warnings reach every format, and budgets judge the compiled output
//! without changing it.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

fn hedgec(args: &[&str], dir: &Path) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_hedgec"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("hedgec runs")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

const BROKEN: &str = "redirect /a /b\nredirect /c\nset bogus 1\n";

#[test]
fn check_annotates_rules_that_do_not_compile() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "site.hedge", BROKEN);
    let output = hedgec(&["check", "site.hedge", "--format", "github"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let lines: Vec<String> = stdout(&output).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("::error file=site.hedge,line=2,col=12,title=hedgec E007::"), "{}", lines[0]);
    assert!(lines[0].contains("%0Ahelp: write: redirect FROM TO"), "{}", lines[0]);
    assert!(lines[1].starts_with("::error file=site.hedge,line=3,col=5,title=hedgec E009::"), "{}", lines[1]);
    // People reading the log still get the rendered diagnostics on stderr.
    assert!(String::from_utf8_lossy(&output.stderr).contains("--> site.hedge:2:12"));
}

#[test]
fn check_json_reports_rules_that_do_not_compile() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "site.hedge", BROKEN);
    let output = hedgec(&["check", "site.hedge", "--format", "json"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let json: Value = serde_json::from_str(&stdout(&output)).expect("one JSON document");
    assert_eq!(json["format_version"], 1);
    assert_eq!(json["ok"], false);
    assert_eq!(json["compiled"], false);
    let codes: Vec<&str> =
        json["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["E007", "E009"]);
    assert_eq!(json["diagnostics"][0]["line"], 2);
    assert_eq!(json["diagnostics"][0]["column"], 12);
    assert_eq!(json["diagnostics"][0]["severity"], "error");
}

#[test]
fn check_json_carries_the_warnings_github_shows() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "site.hedge", "redirect /a /b\nredirect /a /c\n");
    let json = hedgec(&["check", "site.hedge", "--format", "json"], dir.path());
    assert_eq!(json.status.code(), Some(0));
    let json: Value = serde_json::from_str(&stdout(&json)).unwrap();
    let warnings: Vec<(&str, u64)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap(), d["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(warnings, [("W001", 2)]);
    let github = stdout(&hedgec(&["check", "site.hedge", "--format", "github"], dir.path()));
    assert!(github.contains("::warning file=site.hedge,line=2,col=10,title=hedgec W001::"), "{github}");
}

/// Enough pattern rules that the request function is a few kilobytes.
fn patterns() -> String {
    (0..60).map(|i| format!("redirect /section-{i}/:page/* /moved-{i}/:page/:splat\n")).collect()
}

#[test]
fn budgets_judge_the_output_without_changing_it() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "site.hedge", &patterns());
    let bytes = |args: &[&str]| -> (Option<i32>, u64) {
        let mut all = vec!["check", "site.hedge", "--format", "json"];
        all.extend_from_slice(args);
        let output = hedgec(&all, dir.path());
        let json: Value = serde_json::from_str(&stdout(&output)).unwrap();
        (output.status.code(), json["budgets"][0]["used"].as_u64().unwrap())
    };
    let (status, full) = bytes(&[]);
    assert_eq!(status, Some(0));
    assert!(full > 2_000, "the request function has {full} bytes");
    let (status, judged) = bytes(&["--max-bytes", "1000"]);
    assert_eq!(status, Some(1), "a budget under the function's size fails the gate");
    assert_eq!(judged, full, "a smaller budget must not change what is compiled");

    // `compile --max-bytes` judges too: nothing is written, exit 1.
    let output = hedgec(&["compile", "site.hedge", "-o", "out", "--max-bytes", "1000"], dir.path());
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).contains("over --max-bytes 1,000"));
    assert!(!dir.path().join("out").exists());
    let output = hedgec(&["compile", "site.hedge", "-o", "out"], dir.path());
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(std::fs::metadata(dir.path().join("out/viewer-request.js")).unwrap().len(), full);

    // Compute is a percentage.
    let output = hedgec(&["check", "site.hedge", "--max-compute", "101"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("101"), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn the_version_names_the_program_from_any_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["-V"][..], &["--version"], &["compile", "-V"], &["check", "--version"]] {
        let output = hedgec(args, dir.path());
        assert_eq!(output.status.code(), Some(0));
        assert_eq!(stdout(&output), concat!("hedgec ", env!("CARGO_PKG_VERSION"), "\n"), "{args:?}");
    }
}
