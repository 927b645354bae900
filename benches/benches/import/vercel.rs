//! `hedgec import vercel` on the Vercel corpora of `conformance/import/vercel/`, and, in the same
//! run, `path-to-regexp` (the library Vercel's router compiles every `source` with) on the same
//! sources, for comparison.
//!
//! Before divan's table, the run installs `path-to-regexp` with npm into a scratch directory under
//! the system's temporary directory (once; nothing lands in the repository), times node reading
//! each file (`JSON.parse`) and compiling every `source` of its redirects, rewrites and headers
//! with Vercel's options, times the import of the same files the same way (file read included,
//! median of the same number of runs) and, closer to what path-to-regexp does, hedgec's
//! translation alone (without writing and checking the rules), and prints them with their
//! ratios. Without node or npm, it says so and the divan benchmarks still run.

use std::path::PathBuf;

use divan::{Bencher, black_box};

use super::node;

/// The library compared against: the major version Vercel's routing uses.
const PATH_TO_REGEXP: &str = "path-to-regexp@6.3.0";
/// Timed runs of each side (after one warm-up run); each run reads every corpus.
const RUNS: usize = 51;

fn corpora() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../conformance/import/vercel");
    ["sentry-docs"].iter().map(|dir| root.join(dir).join("vercel.json")).collect()
}

fn import_all(files: &[PathBuf]) -> usize {
    let mut rules = 0;
    for file in files {
        let bytes = std::fs::read(file).expect("corpus is readable");
        let input = importers::Input::from_bytes("vercel.json", &bytes).expect("UTF-8");
        let result = importers::import(importers::Format::Vercel, &[input], &importers::ImportOptions::default())
            .expect("importable");
        rules += result.summary.rules;
    }
    rules
}

/// The translation alone, as path-to-regexp's side is timed: read, parse the JSON and translate
/// every source, without writing the rules text or checking it with the rules language.
fn translate_all(files: &[PathBuf]) -> usize {
    let mut routes = 0;
    for file in files {
        let bytes = std::fs::read(file).expect("corpus is readable");
        let input = importers::Input::from_bytes("vercel.json", &bytes).expect("UTF-8");
        let mut translation = importers::model::Translation::new(importers::Format::Vercel, vec![input.name.clone()]);
        importers::vercel::translate(std::slice::from_ref(&input), &mut translation).expect("importable");
        routes += translation.routes.len();
    }
    routes
}

#[divan::bench(sample_count = 20)]
fn vercel_corpora(bencher: Bencher<'_, '_>) {
    let files = corpora();
    bencher.bench(|| black_box(import_all(black_box(&files))));
}

/// Times path-to-regexp with node; `Err` says why it could not.
fn path_to_regexp_ms(files: &[PathBuf]) -> Result<(f64, u64, String), String> {
    let dir = node::npm_package("hedgec-bench-path-to-regexp", PATH_TO_REGEXP)?;
    let script = r#"const { pathToRegexp } = require('path-to-regexp')
const fs = require('fs')
const runs = Number(process.argv[2])
const files = process.argv.slice(3)
const options = { strict: true, sensitive: true, delimiter: '/' }
const times = []
let sources = 0
for (let i = 0; i <= runs; i++) {
  const start = process.hrtime.bigint()
  sources = 0
  for (const file of files) {
    const config = JSON.parse(fs.readFileSync(file, 'utf8'))
    for (const key of ['redirects', 'rewrites', 'headers']) {
      for (const rule of config[key] || []) {
        try { pathToRegexp(rule.source, [], options) } catch (e) { }
        sources++
      }
    }
  }
  const end = process.hrtime.bigint()
  if (i > 0) times.push(Number(end - start) / 1e6)
}
times.sort((a, b) => a - b)
console.log(JSON.stringify({ sources, ms: times[Math.floor(times.length / 2)] }))
"#;
    let args: Vec<String> =
        std::iter::once(RUNS.to_string()).chain(files.iter().map(|f| f.display().to_string())).collect();
    let (result, node_version) = node::run_node_script(&dir, "time.cjs", script, &args)?;
    let ms = result["ms"].as_f64().ok_or("no time from node")?;
    let sources = result["sources"].as_u64().ok_or("no count from node")?;
    Ok((ms, sources, node_version))
}

pub fn compare_with_path_to_regexp() {
    let files = corpora();
    let (ours, rules) = node::median_ms(RUNS, || import_all(&files));
    println!("The Vercel corpus (sentry-docs), median of {RUNS} runs after a warm-up:");
    println!("  hedgec import vercel (read, parse, translate, check the output; {rules} rules): {ours:8.3} ms");
    let (translation, routes) = node::median_ms(RUNS, || translate_all(&files));
    println!("  hedgec's translation alone (read, parse, translate; {routes} routes):        {translation:8.3} ms");
    match path_to_regexp_ms(&files) {
        Ok((theirs, sources, node)) => {
            println!(
                "  {PATH_TO_REGEXP} on node {node} (read, JSON.parse, compile {sources} sources): {theirs:8.3} ms"
            );
            println!("  ratio (hedgec import / path-to-regexp): {:.2}", ours / theirs);
            println!("  ratio (hedgec's translation alone / path-to-regexp): {:.2}", translation / theirs);
        }
        Err(why) => println!("  path-to-regexp not measured: {why}"),
    }
    println!();
}
