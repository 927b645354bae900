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

/// The environment variables through which the AWS SDK finds credentials or a profile.
const AWS_VARIABLES: [&str; 12] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
];

/// A user's machine as the SDK sees it: a home of its own, AWS's shared files where the test
/// puts them, no credentials in the environment (and no instance role to ask for them).
struct Machine {
    files: Files,
}

impl Machine {
    fn new(credentials: &str) -> Machine {
        let files = Files::new();
        std::fs::create_dir(files.dir.path().join("home")).expect("home");
        files.write("config", "[default]\nregion = us-east-1\n");
        files.write("credentials", credentials);
        Machine { files }
    }

    /// Runs hedgec; returns its output and how long it took.
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> (Output, std::time::Duration) {
        let dir = self.files.dir.path();
        let mut command = Command::new(env!("CARGO_BIN_EXE_hedgec"));
        for name in AWS_VARIABLES {
            command.env_remove(name);
        }
        command
            .args(args)
            .env("HOME", dir.join("home"))
            .env("AWS_CONFIG_FILE", dir.join("config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("credentials"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("NO_COLOR", "1")
            .envs(env.iter().copied());
        let started = std::time::Instant::now();
        let output = command.output().expect("hedgec runs");
        (output, started.elapsed())
    }
}

/// The arguments of a dry run of `site` against `endpoint`.
fn dry_run<'a>(site: &'a str, endpoint: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args =
        vec!["deploy", site, "--request-function", "req", "--kvs", "data", "--dry-run", "--endpoint-url", endpoint];
    args.extend_from_slice(extra);
    args
}

/// Asserts exit status 2, one line on stderr that contains `needle`, and a run of seconds.
fn assert_setup_error(output: &Output, took: std::time::Duration, needle: &str) {
    let text = stderr(output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert_eq!(text.lines().count(), 1, "one line: {text}");
    assert!(text.contains(needle), "{needle:?} in {text}");
    assert!(took < std::time::Duration::from_secs(10), "took {took:?}");
}

#[test]
fn missing_credentials_and_an_unknown_profile_fail_at_once() {
    let fake = FakeAws::start();
    let endpoint = fake.endpoint();
    let machine = Machine::new("");
    let site = machine.files.write("site.hedge", "redirect /a /b\n");

    let (output, took) = machine.run(&dry_run(&site, &endpoint, &[]), &[]);
    assert_setup_error(&output, took, "no AWS credentials found");
    assert!(output.stdout.is_empty());

    // On a machine that is no cloud instance the chain ends at an instance metadata service
    // that does not answer: still the one line, at once.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let no_instance = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let laptop = [("AWS_EC2_METADATA_DISABLED", "false"), ("AWS_EC2_METADATA_SERVICE_ENDPOINT", no_instance.as_str())];
    let (output, took) = machine.run(&dry_run(&site, &endpoint, &[]), &laptop);
    assert_setup_error(&output, took, "no AWS credentials found");

    let (output, took) = machine.run(&dry_run(&site, &endpoint, &["--format", "json"]), &[]);
    assert_setup_error(&output, took, "no AWS credentials found");
    let json: Value = serde_json::from_slice(&output.stdout).expect("a JSON document on stdout");
    assert_eq!(json["format_version"], 1);
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["error"]["kind"], "credentials");
    assert!(json["error"]["message"].as_str().unwrap().contains("AWS_ACCESS_KEY_ID"), "{json}");

    // A profile that is in neither file, by flag and by environment, even with keys at hand.
    let machine = Machine::new("[default]\naws_access_key_id = AKIDTEST\naws_secret_access_key = secret\n");
    let (output, took) = machine.run(&dry_run(&site, &endpoint, &["--profile", "prod"]), &[]);
    assert_setup_error(&output, took, "the AWS profile \"prod\" is not in the AWS config or credentials file");
    let (output, took) = machine.run(&dry_run(&site, &endpoint, &["--format", "json"]), &[("AWS_PROFILE", "prod")]);
    assert_setup_error(&output, took, "\"prod\"");
    let json: Value = serde_json::from_slice(&output.stdout).expect("a JSON document on stdout");
    assert_eq!(json["error"]["kind"], "profile");
    assert!(fake.take_calls().is_empty(), "nothing was called");

    // The same machine's default profile works.
    let (output, _) = machine.run(&dry_run(&site, &endpoint, &[]), &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("--create"), "{}", stderr(&output));
}

#[test]
fn credentials_the_service_refuses_are_reported_in_one_line() {
    let fake = FakeAws::start();
    let endpoint = fake.endpoint();
    let machine = Machine::new("[dev]\naws_access_key_id = REFUSEDKEY\naws_secret_access_key = secret\n");
    let site = machine.files.write("site.hedge", "redirect /a /b\n");

    let (output, took) = machine.run(&dry_run(&site, &endpoint, &["--profile", "dev", "--format", "json"]), &[]);
    assert_setup_error(&output, took, "AWS refused the credentials (DescribeKeyValueStore): InvalidClientTokenId");
    let json: Value = serde_json::from_slice(&output.stdout).expect("a JSON document on stdout");
    assert_eq!(json["format_version"], 1);
    assert_eq!(json["error"]["kind"], "credentials");
    // In text, where retries would show: one line, so the refusal was not retried.
    let (output, took) = machine.run(&dry_run(&site, &endpoint, &["--profile", "dev"]), &[]);
    assert_setup_error(&output, took, "AWS refused the credentials");
    assert!(output.stdout.is_empty());
}

#[test]
fn a_dry_run_gives_up_after_three_attempts_within_seconds() {
    let fake = FakeAws::start();
    let endpoint = fake.endpoint();
    let machine = Machine::new("");
    let site = machine.files.write("site.hedge", "redirect /a /b\n");
    let keys = [("AWS_ACCESS_KEY_ID", "AKIDTEST"), ("AWS_SECRET_ACCESS_KEY", "secret")];
    let script = (0..20).map(|_| (deploy_fake::Op::DescribeKeyValueStore, 0, deploy_fake::Fault::ServerError));
    fake.set_faults(deploy_fake::Faults { script: script.collect(), ..deploy_fake::Faults::default() });

    let (output, took) = machine.run(&dry_run(&site, &endpoint, &["--format", "json"]), &keys);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert_eq!(fake.take_calls().len(), 3, "three attempts");
    assert!(took < std::time::Duration::from_secs(8), "took {took:?}");
    assert!(text.len() < 1000 && text.lines().count() <= 4, "short: {text}");
    assert!(!text.contains("run the same command again"), "a dry run wrote nothing: {text}");
    let json: Value = serde_json::from_slice(&output.stdout).expect("a JSON document on stdout");
    assert_eq!(json["error"]["kind"], "call");
    assert_eq!(json["error"]["operation"], "DescribeKeyValueStore");

    // Nothing listening: connections are refused, three attempts, then one line.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let (output, took) = machine.run(&dry_run(&site, &nowhere, &[]), &keys);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(took < std::time::Duration::from_secs(8), "took {took:?}");
    assert!(text.len() < 1500, "no kilobytes of SDK detail: {text}");
    assert_eq!(text.matches("retrying").count(), 2, "{text}");
}
