//! Runs every `conformance/rules/*.toml` file on njs: one test per file.

use std::path::PathBuf;

use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let args = Arguments::from_args();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("conformance/rules exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    let trials = paths
        .into_iter()
        .map(|path| {
            let name = format!("njs::{}", path.file_stem().expect("file").to_string_lossy());
            Trial::test(name, move || {
                let mut njs = cases::njs::Njs::default();
                let failures = conformance::run_rules_file(&path, &mut njs).map_err(Failed::from)?;
                if failures.is_empty() { Ok(()) } else { Err(failures.join("\n").into()) }
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
