//! No command panics when its reader goes away: every invocation below runs with stdout (and then
//! stdout and stderr) connected to a pipe whose reading end is already closed, as in
//! `hedgec … | head -0`, and must end with its usual exit status instead of a panic (101).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn external(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/external").join(path)
}

/// Runs hedgec with the given streams going into pipes nobody reads; returns the exit code.
fn closed(args: &[String], close_stderr: bool) -> Option<i32> {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let mut command = Command::new(env!("CARGO_BIN_EXE_hedgec"));
    command.args(args).env("NO_COLOR", "1").stdin(Stdio::null()).stdout(writer.try_clone().expect("clone"));
    if close_stderr {
        command.stderr(writer);
    } else {
        drop(writer);
        command.stderr(Stdio::null());
    }
    command.status().expect("hedgec runs").code()
}

fn invocations(dir: &Path) -> Vec<(Vec<String>, i32)> {
    let site = repo("examples/site.hedge").display().to_string();
    let cases = repo("examples/cases.toml").display().to_string();
    let redirects = dir.join("_redirects");
    std::fs::write(&redirects, "/a /b 301\n/c/* /d/:splat 302\n".repeat(2_000)).unwrap();
    let redirects = redirects.display().to_string();
    let function = dir.join("f.js");
    std::fs::write(&function, "function handler(event) { console.log('x'); return event.request; }\n").unwrap();
    let function = function.display().to_string();
    let event =
        external("amazon-cloudfront-functions-events/enforce-domain-redirect/apex-domain.json").display().to_string();
    let owned = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    vec![
        (owned(&["--help"]), 0),
        (owned(&["compile", "--help"]), 0),
        (owned(&["import", "netlify", &redirects]), 0),
        (owned(&["import", "netlify", &redirects, "--format", "json"]), 0),
        (owned(&["run", &function, "--event", &event]), 0),
        (owned(&["run", &function, "--event", &event, "--format", "json"]), 0),
        (owned(&["run", &function, "--event", &event, "--format", "aws"]), 0),
        (owned(&["test", &site, &cases]), 0),
        (owned(&["test", &site, &cases, "--format", "json"]), 0),
        (owned(&["test", &site, &cases, "--format", "junit"]), 0),
        (owned(&["check", &site, &cases, "--format", "json"]), 0),
        (owned(&["check", &site, &cases, "--format", "github"]), 0),
        (owned(&["explain", &site, "https://example.com/old-page"]), 0),
        (owned(&["explain", &site, "https://example.com/old-page", "--format", "json"]), 0),
    ]
}

#[test]
fn no_command_panics_on_a_closed_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let mut panics = Vec::new();
    for (args, _) in invocations(dir.path()) {
        for close_stderr in [false, true] {
            let code = closed(&args, close_stderr);
            if code == Some(101) || code.is_none() {
                panics.push(format!("hedgec {} (stderr closed: {close_stderr}) ended with {code:?}", args.join(" ")));
            }
        }
    }
    assert!(panics.is_empty(), "{}", panics.join("\n"));
}

#[test]
fn the_invocations_work_with_open_pipes() {
    // The same commands with streams open: the list above exercises real output paths.
    let dir = tempfile::tempdir().unwrap();
    for (args, expected) in invocations(dir.path()) {
        let output = Command::new(env!("CARGO_BIN_EXE_hedgec")).args(&args).env("NO_COLOR", "1").output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(expected),
            "hedgec {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!output.stdout.is_empty() || !output.stderr.is_empty(), "hedgec {} printed nothing", args.join(" "));
    }
}
