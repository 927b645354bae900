//! Every JSON document a command prints carries `format_version`, so that scripts can tell
//! which shape they read: `compile` (report.json), `run`, `test`, `check`, `explain`, `import`
//! and `deploy` (against the local fake), each through the binary.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn hedgec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hedgec"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .output()
        .expect("hedgec runs")
}

/// The JSON a command printed on stdout; it must have `format_version` 1.
fn assert_versioned(command: &str, output: &Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let json: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{command}: stdout is not one JSON document ({e}); stderr: {stderr}"));
    assert_eq!(json["format_version"], 1, "{command}: {json}");
}

#[test]
fn every_json_output_has_a_format_version() {
    let out = tempfile::tempdir().expect("temp dir");
    let dist = out.path().join("dist");
    let dist = dist.to_str().expect("UTF-8 path");
    let compile = hedgec(&["compile", "examples/site.hedge", "-o", dist]);
    assert_eq!(compile.status.code(), Some(0), "{}", String::from_utf8_lossy(&compile.stderr));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("dist/report.json")).expect("report.json"))
            .expect("JSON");
    assert_eq!(report["format_version"], 1, "report.json: {report}");

    let function = format!("{dist}/viewer-request.js");
    let kvs = format!("{dist}/kvs.json");
    let event = "hedgec/tests/inputs/viewer-request.json";
    let run = hedgec(&["run", &function, "--event", event, "--kvs", &kvs, "--format", "json"]);
    assert_versioned("run", &run);

    let test = hedgec(&["test", "examples/site.hedge", "examples/cases.toml", "--format", "json"]);
    assert_versioned("test", &test);
    let check = hedgec(&["check", "examples/site.hedge", "examples/cases.toml", "--format", "json"]);
    assert_versioned("check", &check);
    let explain = hedgec(&["explain", "examples/site.hedge", "https://example.com/old-page", "--format", "json"]);
    assert_versioned("explain", &explain);
    let import = hedgec(&["import", "csv", "conformance/import/csv-header/redirects.csv", "--format", "json"]);
    assert_versioned("import", &import);

    let fake = deploy_fake::FakeAws::start();
    let endpoint = fake.endpoint();
    let deploy = hedgec(&[
        "deploy",
        "examples/site.hedge",
        "--request-function",
        "req",
        "--response-function",
        "resp",
        "--kvs",
        "data",
        "--endpoint-url",
        &endpoint,
        "--settle",
        "0",
        "--create",
        "--dry-run",
        "--format",
        "json",
    ]);
    assert_versioned("deploy", &deploy);
}
