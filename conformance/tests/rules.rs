//! Runs every `conformance/rules/*.toml` file on njs and on the local runtime (boa): one test
//! per file and engine checks the cases' expectations, and one per file compares the two
//! engines' whole traces with each other (`conformance::trace_disagreements`).

use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let args = Arguments::from_args();
    let paths = conformance::rules_files();
    let mut trials = Vec::new();
    for path in paths {
        let stem = path.file_stem().expect("file").to_string_lossy().to_string();
        let njs_path = path.clone();
        let engines_path = path.clone();
        trials.push(Trial::test(format!("engines::{stem}"), move || {
            let (count, failures) = conformance::compare_engines_on_rules_file(&engines_path).map_err(Failed::from)?;
            if count == 0 {
                return Err("the file has no cases".into());
            }
            if failures.is_empty() { Ok(()) } else { Err(failures.join("\n").into()) }
        }));
        trials.push(Trial::test(format!("njs::{stem}"), move || {
            let mut njs = cases::njs::Njs::default();
            let failures = conformance::run_rules_file(&njs_path, &mut njs).map_err(Failed::from)?;
            if failures.is_empty() { Ok(()) } else { Err(failures.join("\n").into()) }
        }));
        trials.push(Trial::test(format!("boa::{stem}"), move || {
            let mut boa = cases::boa::Boa::default();
            let failures = conformance::run_rules_file(&path, &mut boa).map_err(Failed::from)?;
            if failures.is_empty() { Ok(()) } else { Err(failures.join("\n").into()) }
        }));
    }
    libtest_mimic::run(&args, trials).exit();
}
