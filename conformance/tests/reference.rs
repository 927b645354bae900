//! Checks every example of the language reference, `docs/rules-language.md`: one test per
//! fenced block.
//!
//! A block of rules says what it shows in its info string, and the test holds it to that:
//!
//! - ```` ```hedge compiles ````: the rules compile with no error;
//! - ```` ```hedge error=E012 ````: the rules give that error code;
//! - ```` ```hedge warning=W003 ````: the rules compile, with that warning;
//! - ```` ```toml case ````: a case file (`rules` and `[[case]]`s), run on the local runtime.
//!
//! A `hedge` block with no marker fails, so no example goes unchecked. The user-facing pages
//! must also stand on their own: they may not send readers to files outside the repository.

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use rules_dsl::Diagnostic;

/// What a fenced block claims about its content.
#[derive(Debug, Clone, PartialEq)]
enum Claim {
    Compiles,
    Error(String),
    Warning(String),
    Case,
    /// A `hedge` block without a marker: always a failure.
    Unmarked,
}

/// One fenced block of the page, with the line its content starts on.
#[derive(Debug, Clone)]
struct Example {
    line: usize,
    claim: Claim,
    text: String,
}

/// The claim of an info string, or `None` for blocks that are not rules or cases (shell, text).
fn claim(info: &str) -> Option<Claim> {
    let mut words = info.split_whitespace();
    match (words.next(), words.next()) {
        (Some("hedge"), Some("compiles")) => Some(Claim::Compiles),
        (Some("hedge"), Some(marker)) if marker.starts_with("error=") => Some(Claim::Error(marker[6..].to_string())),
        (Some("hedge"), Some(marker)) if marker.starts_with("warning=") => {
            Some(Claim::Warning(marker[8..].to_string()))
        }
        (Some("hedge"), _) => Some(Claim::Unmarked),
        (Some("toml"), Some("case")) => Some(Claim::Case),
        _ => None,
    }
}

/// The fenced blocks of a Markdown page that make a claim.
fn examples(page: &str) -> Vec<Example> {
    let mut found = Vec::new();
    let mut open: Option<(usize, Option<Claim>, String)> = None;
    for (index, line) in page.lines().enumerate() {
        let fence = line.trim_start().starts_with("```");
        match open.take() {
            None if fence => {
                let info = line.trim_start().trim_start_matches('`');
                open = Some((index + 2, claim(info), String::new()));
            }
            None => {}
            Some((start, Some(claim), text)) if fence => found.push(Example { line: start, claim, text }),
            Some((_, None, _)) if fence => {}
            Some((start, claim, mut text)) => {
                text.push_str(line);
                text.push('\n');
                open = Some((start, claim, text));
            }
        }
    }
    found
}

/// Every diagnostic of the whole pipeline, as `hedgec compile` would report them.
fn diagnose(text: &str) -> Vec<Diagnostic> {
    let (source, utf8) = rules_dsl::source_from_bytes("example.hedge", text.as_bytes());
    let mut analysis = rules_dsl::analyze(&source);
    analysis.diagnostics.splice(0..0, utf8);
    if !analysis.has_errors() {
        let output =
            compiler::compile(&analysis.rules, &compiler::CompileOptions::default()).expect("no internal error");
        analysis.diagnostics.extend(output.diagnostics);
    }
    analysis.diagnostics
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<&str> {
    diagnostics.iter().map(|d| d.code.as_str()).collect()
}

fn check(example: &Example, scratch: &Path) -> Result<(), Failed> {
    match &example.claim {
        Claim::Unmarked => Err("a `hedge` block needs a marker: compiles, error=CODE or warning=CODE".into()),
        Claim::Compiles => {
            let diagnostics = diagnose(&example.text);
            match diagnostics.iter().find(|d| d.is_error()) {
                Some(error) => {
                    Err(format!("expected to compile, got {}: {}", error.code.as_str(), error.message).into())
                }
                None => Ok(()),
            }
        }
        Claim::Error(code) => {
            let diagnostics = diagnose(&example.text);
            if diagnostics.iter().any(|d| d.is_error() && d.code.as_str() == code) {
                Ok(())
            } else {
                Err(format!("expected {code}, got {:?}", codes(&diagnostics)).into())
            }
        }
        Claim::Warning(code) => {
            let diagnostics = diagnose(&example.text);
            if diagnostics.iter().any(Diagnostic::is_error) {
                return Err(format!("expected to compile with {code}, got {:?}", codes(&diagnostics)).into());
            }
            if diagnostics.iter().any(|d| d.code.as_str() == code) {
                Ok(())
            } else {
                Err(format!("expected {code}, got {:?}", codes(&diagnostics)).into())
            }
        }
        Claim::Case => {
            let path = scratch.join(format!("example-{}.toml", example.line));
            std::fs::write(&path, &example.text).map_err(|e| e.to_string())?;
            let mut boa = cases::boa::Boa::default();
            let failures = conformance::run_rules_file(&path, &mut boa).map_err(Failed::from)?;
            let cases = example.text.matches("[[case]]").count();
            if cases == 0 {
                return Err("a case block needs at least one [[case]]".into());
            }
            if failures.is_empty() { Ok(()) } else { Err(failures.join("\n").into()) }
        }
    }
}

/// The pages a user reads: none may point outside the repository.
fn user_pages(root: &Path) -> Vec<PathBuf> {
    let mut pages = vec![root.join("README.md"), root.join("compiler/docs/ASSUMPTIONS.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

fn main() {
    let args = Arguments::from_args();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let reference = root.join("docs/rules-language.md");
    let page = std::fs::read_to_string(&reference).expect("docs/rules-language.md exists");
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("reference");
    std::fs::create_dir_all(&scratch).expect("scratch directory");
    let found = examples(&page);
    let mut trials: Vec<Trial> = found
        .into_iter()
        .map(|example| {
            let scratch = scratch.clone();
            Trial::test(format!("docs/rules-language.md:{}", example.line), move || check(&example, &scratch))
        })
        .collect();
    trials.push(Trial::test("the reference has examples of every kind", move || {
        let claims: Vec<Claim> = examples(&page).into_iter().map(|e| e.claim).collect();
        let kinds = [
            claims.contains(&Claim::Compiles),
            claims.iter().any(|c| matches!(c, Claim::Error(_))),
            claims.iter().any(|c| matches!(c, Claim::Warning(_))),
            claims.contains(&Claim::Case),
        ];
        if kinds.iter().all(|k| *k) { Ok(()) } else { Err(format!("kinds present: {kinds:?}").into()) }
    }));
    for page in user_pages(&root) {
        let name = page.strip_prefix(&root).unwrap_or(&page).display().to_string();
        trials.push(Trial::test(format!("{name} stands on its own"), move || {
            let text = std::fs::read_to_string(&page).map_err(|e| e.to_string())?;
            let outside: Vec<String> = text
                .lines()
                .enumerate()
                .filter(|(_, line)| line.contains("shared/"))
                .map(|(n, line)| format!("{name}:{}: {line}", n + 1))
                .collect();
            if outside.is_empty() { Ok(()) } else { Err(outside.join("\n").into()) }
        }));
    }
    libtest_mimic::run(&args, trials).exit();
}
