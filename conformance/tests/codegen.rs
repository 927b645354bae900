//! The generated JavaScript of every `conformance/rules/*.toml` file, unminified, as a snapshot
//! (`tests/snapshots/codegen/NAME.snap`): a change to code generation shows up in review as a
//! readable diff. The code is what `hedgec compile --pretty` writes, compiled through
//! [`compiler::build`] like every other caller.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};

/// The readable functions of one conformance file, with the KVS namespaces they read.
fn readable(path: &Path) -> Result<String, Failed> {
    let text = std::fs::read_to_string(path).map_err(|e| Failed::from(e.to_string()))?;
    let file = cases::casefile::parse(&text, path.parent().unwrap_or(Path::new("."))).map_err(|e| {
        Failed::from(rules_dsl::diagnostics::render(
            &[e],
            &rules_dsl::SourceFile::new(path.display().to_string(), text.as_str()),
            false,
        ))
    })?;
    let rules = file.rules.ok_or_else(|| Failed::from(format!("{}: no `rules`", path.display())))?;
    let options = compiler::CompileOptions { pretty: true, ..compiler::CompileOptions::default() };
    let name = format!("rules/{}", path.file_name().unwrap_or_default().to_string_lossy());
    let build = compiler::build(&name, rules.as_bytes(), &options).map_err(|e| Failed::from(e.to_string()))?;
    let output = build.into_result().map_err(Failed::from)?.output;
    let mut snapshot = String::new();
    let _ = writeln!(snapshot, "// viewer-request.js\n{}", output.request.trim_end());
    if let Some(response) = &output.response {
        let _ = writeln!(snapshot, "\n// viewer-response.js\n{}", response.trim_end());
    }
    Ok(snapshot)
}

fn check(path: &Path, stem: &str) -> Result<(), Failed> {
    let code = readable(path)?;
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/codegen"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(stem.to_string(), code));
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let paths = conformance::rules_files();
    let trials = paths
        .into_iter()
        .map(|path| {
            let stem = path.file_stem().expect("file").to_string_lossy().into_owned();
            Trial::test(stem.clone(), move || check(&path, &stem))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
