//! Runs every `conformance/diagnostics/*.hedge` file through the front and back ends: each must
//! produce the error its name starts with (`E007-…`), rendered as a snapshot.
//!
//! One more case is generated rather than committed: a store over 5 MB (E027) needs a file of
//! that size.

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use rules_dsl::{Diagnostic, SourceFile};

/// Diagnostics of the whole pipeline for a rules file's bytes.
fn diagnose(name: &str, bytes: &[u8]) -> (SourceFile, Vec<Diagnostic>) {
    let build = compiler::build(name, bytes, &compiler::CompileOptions::default()).expect("no internal error");
    (build.source, build.diagnostics)
}

fn check(name: &str, bytes: &[u8], snapshot: &str) -> Result<(), Failed> {
    let (source, diagnostics) = diagnose(name, bytes);
    if !diagnostics.iter().any(Diagnostic::is_error) {
        return Err(format!("{name}: expected an error, got {diagnostics:?}").into());
    }
    let stem = Path::new(name).file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    let expected = stem.split('-').next().unwrap_or_default();
    if expected.starts_with('E') && !diagnostics.iter().any(|d| d.code.as_str() == expected) {
        let codes: Vec<&str> = diagnostics.iter().map(|d| d.code.as_str()).collect();
        return Err(format!("{name}: expected {expected}, got {codes:?}").into());
    }
    let rendered = rules_dsl::diagnostics::render(&diagnostics, &source, false);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/diagnostics"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(snapshot.to_string(), rendered));
    Ok(())
}

/// A rules file whose KVS data is over 5 MB: 60,000 exact redirects with 90-byte targets.
pub fn oversized_store() -> String {
    (0..60_000).map(|i| format!("redirect /page-{i} https://example.com/{}{i}\n", "x".repeat(70))).collect()
}

fn main() {
    let args = Arguments::from_args();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("diagnostics");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("conformance/diagnostics exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "hedge"))
        .collect();
    paths.sort();
    let mut trials: Vec<Trial> = paths
        .into_iter()
        .map(|path| {
            let stem = path.file_stem().expect("file").to_string_lossy().into_owned();
            Trial::test(stem.clone(), move || {
                let bytes = std::fs::read(&path).map_err(|e| Failed::from(e.to_string()))?;
                check(&format!("diagnostics/{stem}.hedge"), &bytes, &stem)
            })
        })
        .collect();
    trials.push(Trial::test("E027-kvs-store-too-large (generated)", || {
        check("generated/E027-kvs-store-too-large.hedge", oversized_store().as_bytes(), "E027-kvs-store-too-large")
    }));
    libtest_mimic::run(&args, trials).exit();
}
