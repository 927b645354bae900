//! `hedgec deploy` end to end: the binary, with credentials from the environment as the
//! standard chain reads them, against the local fake; the plan on stdout with `--format json`,
//! and the exit statuses of `cli.md`.

#[path = "../../deploy/tests/support/mod.rs"]
mod support;

use std::process::{Command, Output};

use deploy_fake::FakeAws;
use serde_json::Value;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hedgec"))
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env("NO_COLOR", "1")
        .output()
        .expect("hedgec runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Files {
        Files { dir: tempfile::tempdir().expect("temp dir") }
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        path.display().to_string()
    }
}

const SITE: &str = "set slash fold\nredirect /a /b\nredirect /c /d 302\nredirect /blog/* /posts/:splat\nheader /* x-frame-options DENY\nheader /x x-a 1\n";

#[test]
fn deploys_then_plans_nothing_and_reports_in_json() {
    let fake = FakeAws::start();
    let files = Files::new();
    let rules = files.write("site.hedge", SITE);
    let endpoint = fake.endpoint();
    let base = [
        "deploy",
        rules.as_str(),
        "--request-function",
        "req",
        "--response-function",
        "resp",
        "--kvs",
        "data",
        "--endpoint-url",
        endpoint.as_str(),
        "--settle",
        "0",
    ];

    let missing = run(&base);
    assert_eq!(missing.status.code(), Some(1), "{}", stderr(&missing));
    assert!(stderr(&missing).contains("--create"), "{}", stderr(&missing));

    let first = run(&[&base[..], &["--create", "--format", "json"]].concat());
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let json: Value = serde_json::from_slice(&first.stdout).expect("one JSON object on stdout");
    let compiled = support::compile(SITE);
    assert_eq!(json["store"]["create"], true);
    assert_eq!(json["applied"]["keys_put"], compiled.output.kvs.len());
    assert_eq!(json["applied"]["store_created"], true);
    assert!(stderr(&first).contains("deployed in"), "{}", stderr(&first));
    assert_eq!(fake.items("data").unwrap(), compiled.kvs());
    assert_eq!(fake.live_code("req").unwrap(), compiled.output.request);
    assert_eq!(fake.live_code("resp").unwrap(), compiled.output.response.unwrap());

    fake.take_calls();
    let again = run(&[&base[..], &["--format", "json", "--dry-run"]].concat());
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    let json: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["applied"], Value::Null);
    assert_eq!(json["batches"], 0);
    assert!(json["steps"][1]["functions"].as_array().unwrap().iter().all(|f| f["action"] == "unchanged"));
    assert!(fake.take_calls().iter().all(|c| !c.op.writes()), "a dry run only reads");

    // The human plan goes to stderr, nothing to stdout.
    let text = run(&[&base[..], &["--dry-run"]].concat());
    assert_eq!(text.status.code(), Some(0));
    assert!(text.stdout.is_empty());
    assert!(stderr(&text).contains("req: unchanged"), "{}", stderr(&text));
}

#[test]
fn bad_input_is_exit_2_and_a_refused_plan_exit_1() {
    let fake = FakeAws::start();
    let files = Files::new();
    let endpoint = fake.endpoint();
    let site = files.write("site.hedge", SITE);
    let invalid = files.write("bad.hedge", "redirect /a\n");
    let with = |rules: &str, extra: &[&str]| {
        let mut args = vec!["deploy", rules, "--request-function", "req", "--kvs", "data", "--endpoint-url", &endpoint];
        args.extend_from_slice(extra);
        run(&args)
    };

    let output = with(&invalid, &["--create"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("bad.hedge:1:"), "{}", stderr(&output));

    let output = with("/nonexistent/site.hedge", &[]);
    assert_eq!(output.status.code(), Some(2));

    let output = with(&site, &["--create"]);
    assert_eq!(output.status.code(), Some(2), "header rules need a response function");
    assert!(stderr(&output).contains("--response-function"), "{}", stderr(&output));

    let output = run(&["deploy", &site, "--request-function", "req"]);
    assert_eq!(output.status.code(), Some(2), "--kvs is required");
    let output = with(&site, &["--response-function", "bad name!"]);
    assert_eq!(output.status.code(), Some(2));
    let output = with(&site, &["--endpoint-url", "ftp://x"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(fake.state().stores.is_empty(), "nothing was written");

    // A site of many rules, then a file that lost nearly all of them.
    let many: String = (0..200).map(|i| format!("redirect /p{i} /q{i}\n")).collect();
    let many = files.write("many.hedge", &many);
    let output = with(&many, &["--create", "--settle", "0"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let few = files.write("few.hedge", "redirect /p1 /q1\n");
    let output = with(&few, &["--settle", "0"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("--allow-mass-delete"), "{}", stderr(&output));
    let output = with(&few, &["--settle", "0", "--allow-mass-delete"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(fake.items("data").unwrap(), support::compile("redirect /p1 /q1\n").kvs());
}
