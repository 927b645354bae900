//! Placement over the size budget ends: a group that cannot be spilled (its rules must keep their
//! order against a pattern that stays in code) is not asked for again, and the site gets the
//! function-size error rather than a compile that never returns.

use std::sync::mpsc;
use std::time::Duration;

use rules_dsl::diagnostics::Code;

/// Rules shaped like the Amplify documentation site's: exact rules (in the KVS, so every code rule
/// is tried after it), placeholder-first patterns (never spillable), and last a `/docs/*` pattern
/// that overlaps them: spilling it would try it before them, so the plan keeps it in code.
fn rules() -> String {
    let mut text = String::new();
    for i in 0..20 {
        text.push_str(&format!("redirect /old-{i} /new-{i}\n"));
    }
    for i in 0..40 {
        text.push_str(&format!("redirect /:platform/guide-{i}/:page/ /gen1/:platform/guide-{i}/:page/\n"));
    }
    text.push_str("redirect /docs/* /d/:splat\n");
    text
}

#[test]
fn a_group_the_plan_keeps_in_code_does_not_loop() {
    let (sent, received) = mpsc::channel();
    std::thread::spawn(move || {
        let source = rules_dsl::SourceFile::new("site.hedge", rules());
        let analysis = rules_dsl::analyze(&source);
        assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics);
        let options = compiler::CompileOptions { max_function_bytes: 1_000, ..Default::default() };
        let compiled = compiler::compile(&analysis.rules, &options).expect("compiles");
        let _ = sent.send(compiled.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>());
    });
    let codes = received.recv_timeout(Duration::from_secs(120)).expect("the compile ends");
    assert!(codes.contains(&Code::FunctionTooLarge), "{codes:?}");
}
