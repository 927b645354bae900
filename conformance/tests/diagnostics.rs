//! Runs every `conformance/diagnostics/*.hedge` and `conformance/warnings/*.hedge` file through
//! the compile driver, and snapshots what it renders.
//!
//! - `diagnostics/E007-….hedge` must produce the error its name starts with;
//! - `warnings/W003-….hedge` must produce the warning its name starts with, and still compile.
//!
//! One more case is generated rather than committed: a store over 5 MB (E027) needs a file of
//! that size. A last test fails when a warning code has no fixture.

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use rules_dsl::{Code, Severity};

/// The code a fixture's name starts with (`E007` of `E007-missing-target`).
fn expected_code(name: &str) -> &str {
    let stem = Path::new(name).file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    stem.split('-').next().unwrap_or_default()
}

fn check(name: &str, bytes: &[u8], snapshot: &str) -> Result<(), Failed> {
    let build = compiler::build(name, bytes, &compiler::CompileOptions::default()).expect("no internal error");
    let expected = expected_code(name);
    let codes: Vec<&str> = build.diagnostics.iter().map(|d| d.code.as_str()).collect();
    if expected.starts_with('W') {
        if build.has_errors() || build.compiled.is_none() {
            return Err(format!("{name}: a warning fixture must compile, got {codes:?}").into());
        }
        if !codes.contains(&expected) {
            return Err(format!("{name}: expected {expected}, got {codes:?}").into());
        }
    } else {
        if !build.has_errors() {
            return Err(format!("{name}: expected an error, got {codes:?}").into());
        }
        if expected.starts_with('E') && !codes.contains(&expected) {
            return Err(format!("{name}: expected {expected}, got {codes:?}").into());
        }
    }
    let rendered = rules_dsl::diagnostics::render(&build.diagnostics, &build.source, false);
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

/// The `.hedge` files of a fixture directory, sorted.
fn fixtures(dir: &str) -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "hedge"))
        .collect();
    paths.sort();
    paths
}

/// Fails when a warning code of the rules language has no fixture in `warnings/`.
fn every_warning_has_a_fixture(paths: &[PathBuf]) -> Result<(), Failed> {
    let covered: Vec<String> =
        paths.iter().filter_map(|p| p.file_name()).map(|n| expected_code(&n.to_string_lossy()).to_string()).collect();
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|code| code.severity() == Severity::Warning && !covered.iter().any(|c| c == code.as_str()))
        .map(|code| code.as_str())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("warning codes without a fixture in conformance/warnings/: {}", missing.join(", ")).into())
    }
}

/// Fixtures with one mistake each (two for the late setting) and the codes they must produce,
/// no more: a mistake must not set off diagnostics about its consequences.
const ONE_PER_MISTAKE: &[(&str, &[&str])] = &[
    ("E015-unclosed-block", &["E015"]),
    ("E015-unclosed-block-before-rules", &["E015"]),
    ("E015-block-on-redirect", &["E015"]),
    // Too late, and a value that is no value of the setting: two mistakes.
    ("E010-late-setting-value", &["E011", "E010"]),
    ("E002-unterminated-string", &["E002"]),
    ("E002-unterminated-header-value", &["E002"]),
    ("E020-backslash", &["E020"]),
    ("E020-protocol-relative", &["E020"]),
    // Each rule of a circle of redirects finds the same circle.
    ("E022-redirect-cycle", &["E022"]),
];

fn one_diagnostic_per_mistake() -> Result<(), Failed> {
    for (stem, expected) in ONE_PER_MISTAKE {
        let name = format!("diagnostics/{stem}.hedge");
        let bytes = std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(&name)).map_err(|e| e.to_string())?;
        let build = compiler::build(&name, &bytes, &compiler::CompileOptions::default()).expect("no internal error");
        let codes: Vec<&str> = build.diagnostics.iter().map(|d| d.code.as_str()).collect();
        if codes != *expected {
            return Err(format!("{name}: expected exactly {expected:?}, got {codes:?}").into());
        }
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let warnings = fixtures("warnings");
    let mut trials = Vec::new();
    for (dir, paths) in [("diagnostics", fixtures("diagnostics")), ("warnings", warnings.clone())] {
        for path in paths {
            let stem = path.file_stem().expect("file").to_string_lossy().into_owned();
            trials.push(Trial::test(stem.clone(), move || {
                let bytes = std::fs::read(&path).map_err(|e| Failed::from(e.to_string()))?;
                check(&format!("{dir}/{stem}.hedge"), &bytes, &stem)
            }));
        }
    }
    trials.push(Trial::test("E027-kvs-store-too-large (generated)", || {
        check("generated/E027-kvs-store-too-large.hedge", oversized_store().as_bytes(), "E027-kvs-store-too-large")
    }));
    trials.push(Trial::test("every warning code has a fixture", move || every_warning_has_a_fixture(&warnings)));
    trials.push(Trial::test("one diagnostic per mistake", one_diagnostic_per_mistake));
    libtest_mimic::run(&args, trials).exit();
}
