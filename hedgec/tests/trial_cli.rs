//! What a new user hits first: secrets in imported files, output piped into `head`, files saved
//! by editors that add a byte-order mark, version flags. Each test pins one fix.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn hedgec() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hedgec"));
    command.env("NO_COLOR", "1");
    command
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn run(dir: &Path, args: &[&str]) -> Output {
    hedgec().current_dir(dir).args(args).output().expect("hedgec runs")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn write(dir: &Path, name: &str, content: &str) {
    std::fs::write(dir.join(name), content).expect("writable");
}

#[test]
fn imported_credentials_are_withheld_and_reported_redacted_in_every_dialect() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "_headers", "/private/*\n  Basic-Auth: ann:s3cretpw bob:hunter22\n  X-Frame-Options: DENY\n");
    write(
        d,
        "netlify.toml",
        "[[headers]]\n  for = \"/admin/*\"\n  [headers.values]\n    Basic-Auth = \"root:tomlsecret\"\n    \
         Authorization = \"Bearer tok-abc123\"\n",
    );
    write(d, "_redirects", "/old https://ann:urlsecret@example.com/new 301\n");
    std::fs::create_dir(d.join("cf")).unwrap();
    write(d, "cf/_headers", "/api/*\n  Proxy-Authorization: Basic cfsecret99\n  X-Robots-Tag: noindex\n");
    write(d, "redirects.csv", "source,destination,status\n/a,https://u:csvsecret@example.com/,301\n");
    let secrets = ["s3cretpw", "hunter22", "tomlsecret", "tok-abc123", "urlsecret", "cfsecret99", "csvsecret"];
    let runs: [&[&str]; 5] = [
        &["import", "netlify", "_headers", "netlify.toml", "_redirects"],
        &["import", "netlify", "_headers", "netlify.toml", "_redirects", "--format", "json"],
        &["import", "netlify", "_headers", "netlify.toml", "_redirects", "-o", "out.hedge"],
        &["import", "cloudflare", "cf/_headers"],
        &["import", "csv", "redirects.csv"],
    ];
    for args in runs {
        let output = run(d, args);
        let all = text(&output);
        assert_eq!(output.status.code(), Some(1), "{args:?}: rules were left out\n{all}");
        for secret in secrets {
            assert!(!all.contains(secret), "{args:?} shows {secret}:\n{all}");
        }
        assert!(all.contains("[redacted]"), "{args:?}: the report says what was withheld\n{all}");
    }
    let written = std::fs::read_to_string(d.join("out.hedge")).unwrap();
    assert!(!secrets.iter().any(|s| written.contains(s)), "{written}");
    assert!(!written.to_ascii_lowercase().contains("header /private/* basic-auth"), "{written}");
    assert!(written.contains("X-Frame-Options DENY"), "the other header stays: {written}");
    let json: serde_json::Value = serde_json::from_slice(&run(d, runs[1]).stdout).expect("JSON on stdout");
    let withheld = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "unsupported" && f["source"].as_str().unwrap().contains("[redacted]"))
        .count();
    assert_eq!(withheld, 4, "{json:#}");
}

/// Runs `hedgec` with the read end of its stdout closed before it writes, as `| head -0` does.
fn with_stdout_closed(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut child = hedgec()
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hedgec runs");
    drop(child.stdout.take());
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    (child.wait().unwrap().code(), stderr)
}

#[test]
fn no_command_panics_when_its_reader_goes_away() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let site = repo().join("examples/site.hedge");
    let cases = repo().join("examples/cases.toml");
    let (site, cases) = (site.to_str().unwrap(), cases.to_str().unwrap());
    // Enough output that it cannot all sit in the pipe's buffer.
    let many: String = (0..3000).map(|i| format!("/from-{i} /to-{i} 301\n")).collect();
    write(d, "_redirects", &many);
    write(
        d,
        "event.json",
        r#"{"version":"1.0","context":{"eventType":"viewer-request"},"viewer":{"ip":"1.2.3.4"},"request":{"method":"GET","uri":"/old-page","querystring":{},"headers":{},"cookies":{}}}"#,
    );
    assert_eq!(run(d, &["compile", site, "-o", "dist"]).status.code(), Some(0));
    let invocations: Vec<Vec<&str>> = vec![
        vec!["--help"],
        vec!["--version"],
        vec!["compile", "--help"],
        vec!["import", "netlify", "_redirects"],
        vec!["import", "netlify", "_redirects", "--format", "json"],
        vec!["run", "dist/viewer-request.js", "--event", "event.json", "--kvs", "dist/kvs.json", "--format", "json"],
        vec!["run", "dist/viewer-request.js", "--event", "event.json", "--kvs", "dist/kvs.json", "--format", "aws"],
        vec!["explain", site, "/old-page"],
        vec!["explain", site, "/old-page", "--format", "json"],
        vec!["check", site, cases],
        vec!["check", site, cases, "--format", "json"],
        vec!["check", site, cases, "--format", "github"],
        vec!["test", site, cases],
        vec!["test", site, cases, "--format", "json"],
        vec!["test", site, cases, "--format", "junit"],
    ];
    for args in &invocations {
        let (code, stderr) = with_stdout_closed(d, args);
        assert!(!stderr.contains("panicked"), "{args:?} panicked:\n{stderr}");
        assert!(matches!(code, Some(0..=2)), "{args:?} exited with {code:?}:\n{stderr}");
    }
}

#[test]
fn a_byte_order_mark_is_skipped_and_columns_do_not_count_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "ok.hedge", "\u{feff}redirect /a /b\n");
    let output = run(d, &["compile", "ok.hedge", "-o", "dist"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    write(d, "bad.hedge", "\u{feff}redirect /a /b 200\n");
    let output = run(d, &["compile", "bad.hedge", "-o", "dist"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).contains("bad.hedge:1:16"), "{}", text(&output));
}

#[test]
fn every_command_prints_the_program_version() {
    let dir = tempfile::tempdir().unwrap();
    for command in ["compile", "run", "test", "check", "explain", "import", "deploy"] {
        for flag in ["-V", "--version"] {
            let output = run(dir.path(), &[command, flag]);
            assert_eq!(output.status.code(), Some(0));
            assert_eq!(
                String::from_utf8_lossy(&output.stdout),
                format!("hedgec {}\n", env!("CARGO_PKG_VERSION")),
                "{command} {flag}"
            );
        }
    }
}

#[test]
fn check_reports_rules_with_errors_as_annotations_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "bad.hedge", "redirect /a /b\nredirect /a /b\nredirect /c /d 200\n");
    let github = run(d, &["check", "bad.hedge", "--format", "github"]);
    assert_eq!(github.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&github.stdout);
    assert!(stdout.starts_with("::error file=bad.hedge,line=3,col=16,title=hedgec E014::"), "{stdout}");
    let json = run(d, &["check", "bad.hedge", "--format", "json"]);
    assert_eq!(json.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).expect("a JSON document on stdout");
    assert_eq!(json["ok"], false);
    assert_eq!(json["diagnostics"][0]["code"], "E014");
    assert_eq!(
        (json["diagnostics"][0]["line"].as_u64(), json["diagnostics"][0]["column"].as_u64()),
        (Some(3), Some(16))
    );
    // Rules that compile: the warnings `github` shows are in the JSON too.
    write(d, "warn.hedge", "redirect /a /b\nredirect /a /b\n");
    let github = run(d, &["check", "warn.hedge", "--format", "github"]);
    assert!(
        String::from_utf8_lossy(&github.stdout).contains("::warning file=warn.hedge,line=2,col=10,title=hedgec W002::")
    );
    let json: serde_json::Value =
        serde_json::from_slice(&run(d, &["check", "warn.hedge", "--format", "json"]).stdout).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["diagnostics"][0]["code"], "W002", "{json:#}");
}

#[test]
fn a_byte_budget_judges_the_functions_and_never_changes_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let site = repo().join("examples/site.hedge");
    let site = site.to_str().unwrap();
    assert_eq!(run(d, &["compile", site, "-o", "full"]).status.code(), Some(0));
    let bytes = std::fs::read(d.join("full/viewer-request.js")).unwrap().len() as u64;
    let tight = (bytes - 100).to_string();
    let output = run(d, &["compile", site, "-o", "tight", "--max-bytes", &tight]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("over --max-bytes"), "{}", text(&output));
    assert!(!d.join("tight").exists(), "nothing is written over budget");
    let json: serde_json::Value =
        serde_json::from_slice(&run(d, &["check", site, "--max-bytes", &tight, "--format", "json"]).stdout).unwrap();
    assert_eq!(json["budgets"][0]["used"].as_u64(), Some(bytes), "the same function is judged: {json:#}");
    assert_eq!(json["budgets"][0]["ok"], false);
    for bad in ["--max-compute=101", "--max-kvs-bytes=lots"] {
        let output = run(d, &["check", site, bad]);
        assert_eq!(output.status.code(), Some(2), "{bad}");
    }
}

#[test]
fn explain_counts_rules_in_grammatical_english() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "ex.hedge", "redirect /x/* /y/:splat\nredirect /a/:p /b/:p\n");
    let one = text(&run(d, &["explain", "ex.hedge", "/a/1"]));
    assert!(one.contains("1 rule comes before the match and does not match the path"), "{one}");
    let two = text(&run(d, &["explain", "ex.hedge", "/zz"]));
    assert!(two.contains("2 rules do not match the path"), "{two}");
}

#[test]
fn run_prints_each_gate_finding_once_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "gen.js", "function* g() { yield 1; }\nfunction handler(event) { return event.request; }\n");
    write(
        d,
        "event.json",
        r#"{"version":"1.0","context":{"eventType":"viewer-request"},"viewer":{"ip":"1.2.3.4"},"request":{"method":"GET","uri":"/a","querystring":{},"headers":{},"cookies":{}}}"#,
    );
    let output = run(d, &["run", "gen.js", "--event", "event.json"]);
    assert_eq!(output.status.code(), Some(1));
    let all = text(&output);
    assert!(all.contains("gen.js:1:1: a generator function is not supported"), "{all}");
    assert_eq!(all.matches("a generator function is not supported").count(), 1, "{all}");
}

/// The files `docs/ci.md` shows, each after a `<!-- file: NAME -->` line, written into `dir`.
fn docs_files(dir: &Path) -> Vec<String> {
    let page = std::fs::read_to_string(repo().join("docs/ci.md")).expect("docs/ci.md");
    let mut names = Vec::new();
    let mut lines = page.lines();
    while let Some(line) = lines.next() {
        let Some(name) = line.strip_prefix("<!-- file: ").and_then(|l| l.strip_suffix(" -->")) else { continue };
        assert!(lines.next().is_some_and(|l| l.starts_with("```")), "{name}: a fenced block follows");
        let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        write(dir, name, &(body.join("\n") + "\n"));
        names.push(name.to_string());
    }
    names
}

fn njs_available() -> bool {
    Command::new("njs").arg("-v").output().is_ok_and(|o| o.status.success())
}

#[test]
fn the_case_files_of_the_docs_pass_and_a_viewer_response_function_is_tested() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let names = docs_files(d);
    assert_eq!(names, ["cases.toml", "security-headers.js", "response-cases.toml", "not-found-event.json"]);
    let site = repo().join("examples/site.hedge");

    let output = run(d, &["test", site.to_str().unwrap(), "cases.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(text(&output).contains("3 passed, 0 failed"), "{}", text(&output));

    let mut engines = vec!["boa"];
    if njs_available() {
        engines.push("njs");
    }
    for engine in engines {
        let args = ["test", "security-headers.js", "response-cases.toml", "--viewer-response", "--engine", engine];
        let output = run(d, &args);
        assert_eq!(output.status.code(), Some(0), "{engine}: {}", text(&output));
        assert!(String::from_utf8_lossy(&output.stdout).contains("2 passed, 0 failed"), "{}", text(&output));
    }

    // Without the flag the function would be called with a request: the case file says why not.
    let output = run(d, &["test", "security-headers.js", "response-cases.toml"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("response-cases.toml:7:1: `a missing page is cached for a minute` is a viewer-response event, and security-headers.js is tested as a viewer-request function: add --viewer-response"), "{}", text(&output));

    // A wrong expectation fails with a diff, on both routes into the function.
    let wrong = std::fs::read_to_string(d.join("response-cases.toml")).unwrap().replace("DENY", "SAMEORIGIN");
    write(d, "wrong.toml", &wrong);
    let output = run(d, &["test", "security-headers.js", "wrong.toml", "--viewer-response"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("1 passed, 1 failed"), "{}", text(&output));

    // A viewer-response event is checked like a request event, and takes no `origin`.
    let event = std::fs::read_to_string(d.join("not-found-event.json")).unwrap();
    write(d, "no-status.json", &event.replace("\"statusCode\": 404, ", ""));
    write(d, "bad.toml", "[[case]]\nevent_file = \"no-status.json\"\nexpect = { status = 404 }\n");
    let output = run(d, &["test", "security-headers.js", "bad.toml", "--viewer-response"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("response.statusCode must be a number"), "{}", text(&output));
    write(
        d,
        "bad.toml",
        "[[case]]\nevent_file = \"not-found-event.json\"\norigin = { status = 500 }\nexpect = { status = 404 }\n",
    );
    let output = run(d, &["test", "security-headers.js", "bad.toml", "--viewer-response"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("`origin` does not apply"), "{}", text(&output));

    // Rules: a viewer-response event goes to the compiled viewer-response function.
    write(d, "h.hedge", "header /* x-frame-options DENY\n");
    write(
        d,
        "rules-cases.toml",
        "[[case]]\nevent_file = \"not-found-event.json\"\nexpect = { status = 404, headers = { x-frame-options = \"DENY\" } }\n",
    );
    let output = run(d, &["test", "h.hedge", "rules-cases.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let output = run(d, &["test", "h.hedge", "rules-cases.toml", "--viewer-response"]);
    assert_eq!(output.status.code(), Some(2), "--viewer-response is for a function: {}", text(&output));
}

#[test]
fn a_case_file_given_as_the_rules_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "site.hedge", "redirect /a /b\n");
    write(d, "cases.toml", "[[case]]\nrequest = \"GET /a\"\nexpect = { status = 301 }\n");
    for args in [&["test", "cases.toml", "site.hedge"][..], &["check", "cases.toml"], &["compile", "cases.toml"]] {
        let output = run(d, args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let all = text(&output);
        assert_eq!(all.lines().count(), 1, "{args:?}: {all}");
        assert!(all.contains("cases.toml is a TOML file, not rules"), "{all}");
    }
    assert_eq!(run(d, &["test", "site.hedge", "cases.toml"]).status.code(), Some(0));
}

#[test]
fn explain_reads_a_lone_word_as_a_url_and_shows_rules_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "s.hedge", "redirect /old-page /new  # from _redirects:3\nheader /* x-frame-options DENY # imported\n");
    let output = run(d, &["explain", "s.hedge", "old-page"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let all = text(&output);
    assert!(all.contains("GET https://example.com/old-page"), "{all}");
    assert!(all.contains("s.hedge:1  redirect /old-page /new\n"), "no comment: {all}");
    let output = run(d, &["explain", "s.hedge", "shop.example.com/x"]);
    assert!(text(&output).contains("GET https://shop.example.com/x"), "{}", text(&output));
    assert!(!text(&output).contains("# imported"), "{}", text(&output));
    // An origin error: CloudFront runs no viewer-response function, so no header rule applies.
    let output = run(d, &["explain", "s.hedge", "/missing", "--origin-status", "404", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(json["response_headers"], serde_json::json!([]));
    let output = run(d, &["explain", "s.hedge", "/missing", "--origin-status", "404"]);
    assert!(
        text(&output)
            .contains("response headers: none, as CloudFront does not run viewer-response functions for origin errors"),
        "{}",
        text(&output)
    );
    assert!(!text(&output).contains("x-frame-options"), "{}", text(&output));
}

#[test]
fn run_reports_where_the_function_threw() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "f.js",
        "function handler(event) {\n    var request = event.request;\n    return request.nope.deeper;\n}\n",
    );
    write(
        d,
        "event.json",
        r#"{"version":"1.0","context":{"eventType":"viewer-request"},"viewer":{"ip":"1.2.3.4"},"request":{"method":"GET","uri":"/a","querystring":{},"headers":{},"cookies":{}}}"#,
    );
    let output = run(d, &["run", "f.js", "--event", "event.json"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output).contains("f.js:3:"), "{}", text(&output));
    assert!(text(&output).contains(": error: TypeError:"), "{}", text(&output));
    let output = run(d, &["run", "f.js", "--event", "event.json", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(json["error_position"]["line"], 3);

    // A rules file is no function; a viewer-response function needs a viewer-response event.
    write(d, "site.hedge", "redirect /a /b\n");
    let output = run(d, &["run", "site.hedge", "--event", "event.json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).contains("site.hedge is a rules file; run takes one function"), "{}", text(&output));
    write(
        d,
        "resp.js",
        "function handler(event) {\n    event.response.headers['x'] = { value: '1' };\n    return event.response;\n}\n",
    );
    let output = run(d, &["run", "resp.js", "--event", "event.json"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output).contains("resp.js:2:"), "{}", text(&output));
    assert!(
        text(&output).contains("note: this looks like a viewer-response function given a viewer-request event"),
        "{}",
        text(&output)
    );

    // njs names the user's file, and its message stays one readable line.
    if njs_available() {
        write(d, "c.toml", "[[case]]\nrequest = \"GET /a\"\nexpect = { status = 200 }\n");
        write(d, "top.js", "throw new Error(\"top\");\nfunction handler(event) { return event.request; }\n");
        let output = run(d, &["test", "top.js", "c.toml", "--engine", "njs"]);
        let all = text(&output);
        assert!(all.contains("\"Error: top at main (top.js:1)\""), "{all}");
        assert!(!all.contains("/tmp") && !all.contains("main.js"), "{all}");
    }
}
