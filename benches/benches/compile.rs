//! Compile speed on Netlify's 45,000-redirect fixture, whole and stage by stage.
//!
//! Run with `cargo bench -p benches --bench compile`. Stages: `parse` (lexer and parser),
//! `lower` (IR, checks and analysis), `plan_and_pack` (placement, KVS lines and buckets),
//! `emit_minify_gate` (both functions written, minified with swc, and gated), and `compile`
//! (everything after `lower`, as `hedgec compile` runs it). The example site is measured too,
//! as the small-input baseline.

use std::collections::BTreeMap;

use divan::{Bencher, black_box};

fn main() {
    divan::main();
}

fn analyzed(rules: &str) -> rules_dsl::ir::Rules {
    let analysis = rules_dsl::analyze(&rules_dsl::SourceFile::new("site.hedge", rules));
    assert!(!analysis.has_errors());
    analysis.rules
}

#[divan::bench(sample_count = 10)]
fn parse(bencher: Bencher<'_, '_>) {
    let text = benches::netlify_45000_redirects();
    bencher.bench(|| {
        let mut diagnostics = Vec::new();
        black_box(rules_dsl::parser::parse(black_box(&text), &mut diagnostics))
    });
}

#[divan::bench(sample_count = 10)]
fn lower(bencher: Bencher<'_, '_>) {
    let text = benches::netlify_45000_redirects();
    let mut diagnostics = Vec::new();
    let file = rules_dsl::parser::parse(&text, &mut diagnostics);
    bencher.bench(|| {
        let mut diagnostics = Vec::new();
        let mut rules = rules_dsl::lower::lower(black_box(&file), &mut diagnostics);
        rules_dsl::analysis::analyze(&mut rules, &mut diagnostics);
        black_box(rules)
    });
}

#[divan::bench(sample_count = 10)]
fn plan_and_pack(bencher: Bencher<'_, '_>) {
    let rules = analyzed(&benches::netlify_45000_redirects());
    bencher.bench(|| {
        let plan = compiler::plan::plan(black_box(&rules), &Default::default());
        let lines: BTreeMap<String, String> = plan
            .kvs_routes
            .iter()
            .map(|(key, route)| {
                let rules_dsl::ir::Action::Redirect { status, target, keep_query } = &route.action else {
                    unreachable!()
                };
                let target = target.as_literal().unwrap();
                let value =
                    compiler::kvs::RouteValue::Redirect { status: *status, target: &target, keep_query: *keep_query };
                (key.clone(), value.encode(key))
            })
            .collect();
        black_box(compiler::kvs::pack("r___", &lines).unwrap())
    });
}

#[divan::bench(sample_count = 10)]
fn emit_minify_gate(bencher: Bencher<'_, '_>) {
    let rules = analyzed(&benches::netlify_45000_redirects());
    let plan = compiler::plan::plan(&rules, &Default::default());
    let store =
        compiler::emit::Store { namespace: "r000".into(), buckets: 2251, encoding: compiler::kvs::Encoding::default() };
    bencher.bench(|| {
        let source = compiler::emit::request_function(&rules, &plan, Some(&store), false);
        let code = compiler::minify::minify(&source, false).unwrap();
        black_box(syntax_gate::check(&code))
    });
}

#[divan::bench(sample_count = 10)]
fn compile(bencher: Bencher<'_, '_>) {
    let rules = analyzed(&benches::netlify_45000_redirects());
    bencher.bench(|| black_box(compiler::compile(black_box(&rules), &compiler::CompileOptions::default()).unwrap()));
}

#[divan::bench(sample_count = 10)]
fn end_to_end(bencher: Bencher<'_, '_>) {
    let text = benches::netlify_45000_redirects();
    bencher.bench(|| {
        let rules = analyzed(black_box(&text));
        black_box(compiler::compile(&rules, &compiler::CompileOptions::default()).unwrap())
    });
}

#[divan::bench(sample_count = 20)]
fn example_site_end_to_end(bencher: Bencher<'_, '_>) {
    let text = benches::example_site();
    bencher.bench(|| {
        let rules = analyzed(black_box(&text));
        black_box(compiler::compile(&rules, &compiler::CompileOptions::default()).unwrap())
    });
}
