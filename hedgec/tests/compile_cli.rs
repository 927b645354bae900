//! `hedgec compile` end to end: outputs, determinism, exit codes and diagnostics on bad input.

use std::path::{Path, PathBuf};
use std::process::Command;

fn hedgec() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hedgec"))
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn compile(rules: &Path, out: &Path) -> std::process::Output {
    hedgec().arg("compile").arg(rules).arg("-o").arg(out).env("NO_COLOR", "1").output().expect("hedgec runs")
}

#[test]
fn compiles_the_example_into_four_files_byte_for_byte_the_same_twice() {
    let dir = tempfile::tempdir().unwrap();
    let rules = repo().join("examples/site.hedge");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for out in [&a, &b] {
        let output = compile(&rules, out);
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    }
    for file in ["viewer-request.js", "viewer-response.js", "kvs.json", "report.json"] {
        let first = std::fs::read(a.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(!first.is_empty(), "{file} is empty");
        assert_eq!(first, std::fs::read(b.join(file)).unwrap(), "{file} differs between runs");
    }
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(a.join("report.json")).unwrap()).unwrap();
    assert_eq!(
        report["functions"][0]["bytes"].as_u64().unwrap() as usize,
        std::fs::read(a.join("viewer-request.js")).unwrap().len()
    );
}

#[test]
fn a_site_without_header_rules_gets_no_response_function_and_stale_ones_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let with = dir.path().join("with.hedge");
    let without = dir.path().join("without.hedge");
    std::fs::write(&with, "redirect /a /b\nheader /* x-a 1\n").unwrap();
    std::fs::write(&without, "redirect /a /b\n").unwrap();
    let out = dir.path().join("dist");
    assert_eq!(compile(&with, &out).status.code(), Some(0));
    assert!(out.join("viewer-response.js").exists());
    assert_eq!(compile(&without, &out).status.code(), Some(0));
    assert!(!out.join("viewer-response.js").exists());
    let empty = dir.path().join("empty.hedge");
    std::fs::write(&empty, "# nothing yet\n").unwrap();
    assert_eq!(compile(&empty, &out).status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(out.join("kvs.json")).unwrap(), "{\"data\":[]}\n");
    assert!(std::fs::read_to_string(out.join("viewer-request.js")).unwrap().contains("function handler"));
}

#[test]
fn every_malformed_rules_file_exits_2_with_file_line_and_column() {
    let dir = repo().join("conformance/diagnostics");
    let out = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let output = compile(&path, &out.path().join("dist"));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{}: {stderr}", path.display());
        let name = path.display().to_string();
        let located = stderr.lines().any(|l| {
            l.trim_start().strip_prefix("--> ").and_then(|rest| rest.strip_prefix(name.as_str())).is_some_and(|pos| {
                let mut parts = pos.trim_start_matches(':').split(':');
                parts.next().is_some_and(|l| l.parse::<u32>().is_ok())
                    && parts.next().is_some_and(|c| c.parse::<u32>().is_ok())
            })
        });
        assert!(located, "{}: no file:line:col in\n{stderr}", path.display());
        assert!(!out.path().join("dist/viewer-request.js").exists(), "{}: wrote output despite errors", path.display());
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} malformed files");
}

#[test]
fn unreadable_input_and_bad_flags_exit_2() {
    let output = hedgec().args(["compile", "/nonexistent/site.hedge"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read /nonexistent/site.hedge"));
    let output = hedgec().args(["compile", "--no-such-flag"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}
