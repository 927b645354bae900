//! Mistakes in the inputs other than rules files, through the binary: every file in
//! `tests/inputs/` named `E1NN-….*` is given to the command that reads that kind of input, must
//! exit 2 and print the diagnostic its name starts with, rendered like a rules file's (file,
//! line and column, code, help); the output is a snapshot. A last test fails when an input code
//! has no fixture.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rules_dsl::Code;

const INPUTS: &str = "hedgec/tests/inputs";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs hedgec from the repository root, so that paths in the output are short and stable.
fn hedgec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hedgec"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .output()
        .expect("hedgec runs")
}

/// The fixtures, sorted: every `E…` file of `tests/inputs/`.
fn fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo().join(INPUTS))
        .expect("tests/inputs exists")
        .map(|e| e.expect("readable").file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('E'))
        .collect();
    names.sort();
    names
}

/// The command that reads a fixture, chosen by its code: case files go to `test`, events and
/// KVS files to `run`, files to import to `import`.
fn command(code: &str, file: &str) -> Vec<String> {
    let function = format!("{INPUTS}/pass-through.js");
    let event = format!("{INPUTS}/viewer-request.json");
    let args: Vec<&str> = match code {
        "E101" | "E102" | "E103" => vec!["test", "examples/site.hedge", file],
        "E104" | "E105" if file.ends_with(".toml") => vec!["test", "examples/site.hedge", file],
        "E104" | "E105" => vec!["run", &function, "--event", file],
        "E106" | "E107" => vec!["run", &function, "--event", &event, "--kvs", file],
        "E108" if file.ends_with(".csv") => vec!["import", "csv", file],
        "E108" => vec!["import", "netlify", file],
        other => panic!("no command for {other}"),
    };
    args.into_iter().map(String::from).collect()
}

#[test]
fn every_input_fixture_gives_its_diagnostic() {
    for name in fixtures() {
        let code = name.split('-').next().unwrap_or_default();
        let file = format!("{INPUTS}/{name}");
        let args = command(code, &file);
        let output = hedgec(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.starts_with(&format!("error[{code}]: ")), "{name}: {stderr}");
        assert!(stderr.contains(&format!("--> {file}:")), "{name}: no file:line:col in {stderr}");
        assert!(stderr.contains("= help: "), "{name}: no help in {stderr}");
        let stem = Path::new(&name).file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        insta::with_settings!({ snapshot_path => "snapshots/inputs", prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(stem, stderr);
        });
    }
}

#[test]
fn every_input_code_has_a_fixture() {
    let names = fixtures();
    let missing: Vec<&str> = Code::ALL
        .iter()
        .map(|code| code.as_str())
        .filter(|code| code.starts_with("E1") && !names.iter().any(|n| n.starts_with(code)))
        .collect();
    assert!(missing.is_empty(), "input codes without a fixture in hedgec/tests/inputs/: {missing:?}");
}
