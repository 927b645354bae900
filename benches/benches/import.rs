//! Import speed: Netlify's 45,000-redirect fixture and kgateway's Cloudflare file through
//! `importers::import` (parse, translate, and the rules language's own check of the output),
//! and, in the same run, Netlify's own parser on the same file for comparison.
//!
//! Run with `cargo bench -p benches --bench import`. Before divan's table, the run installs
//! `@netlify/redirect-parser` with npm into a scratch directory under the system's temporary
//! directory (once; nothing lands in the repository), times `parseAllRedirects` on the file
//! with the machine's `node`, times the import the same way (file read included, median of
//! the same number of runs), and prints both with their ratio. Without node or npm, it says so
//! and the divan benchmarks still run.

use std::path::{Path, PathBuf};

use divan::{Bencher, black_box};

#[path = "import/node.rs"]
mod node;
#[path = "import/vercel.rs"]
mod vercel;

/// The parser version compared against.
const NETLIFY_PARSER: &str = "@netlify/redirect-parser@15.0.4";
/// Timed runs of each side (after one warm-up run).
const RUNS: usize = 7;

fn main() {
    if std::env::args().any(|a| a == "--bench") {
        compare_with_netlify();
        vercel::compare_with_path_to_regexp();
    }
    divan::main();
}

fn netlify_45000() -> PathBuf {
    benches::external("netlify-build-fixtures/large_45000_redirects_file")
}

fn import(format: importers::Format, path: &Path) -> importers::ImportReturn {
    let bytes = std::fs::read(path).expect("corpus is readable");
    let input = importers::Input::from_bytes("_redirects", &bytes).expect("UTF-8");
    importers::import(format, &[input], &importers::ImportOptions::default()).expect("importable")
}

#[divan::bench(sample_count = 10)]
fn netlify_45000_redirects(bencher: Bencher<'_, '_>) {
    let path = netlify_45000();
    bencher.bench(|| black_box(import(importers::Format::Netlify, black_box(&path))));
}

#[divan::bench(sample_count = 20)]
fn cloudflare_kgateway(bencher: Bencher<'_, '_>) {
    let path = benches::external("kgateway-dev/_redirects");
    bencher.bench(|| black_box(import(importers::Format::Cloudflare, black_box(&path))));
}

/// The share of the import spent checking the output with the rules language's front end.
#[divan::bench(sample_count = 10)]
fn netlify_45000_output_check_alone(bencher: Bencher<'_, '_>) {
    let hedge = import(importers::Format::Netlify, &netlify_45000()).hedge;
    bencher.bench(|| black_box(rules_dsl::analyze(&rules_dsl::SourceFile::new("site.hedge", black_box(&hedge)))));
}

/// Times Netlify's parser with node; `Err` says why it could not.
fn netlify_parser_ms(file: &Path) -> Result<(f64, String), String> {
    let dir = node::npm_package("hedgec-bench-netlify-redirect-parser", NETLIFY_PARSER)?;
    let script = r#"import { parseAllRedirects } from '@netlify/redirect-parser'
const [file, runs] = [process.argv[2], Number(process.argv[3])]
const times = []
let rules = 0
for (let i = 0; i <= runs; i++) {
  const start = process.hrtime.bigint()
  const { redirects } = await parseAllRedirects({ redirectsFiles: [file] })
  const end = process.hrtime.bigint()
  rules = redirects.length
  if (i > 0) times.push(Number(end - start) / 1e6)
}
times.sort((a, b) => a - b)
console.log(JSON.stringify({ rules, ms: times[Math.floor(times.length / 2)] }))
"#;
    let args = [file.display().to_string(), RUNS.to_string()];
    let (result, node_version) = node::run_node_script(&dir, "time.mjs", script, &args)?;
    if result["rules"] != 45_000 {
        return Err(format!("Netlify's parser read {} rules", result["rules"]));
    }
    let ms = result["ms"].as_f64().ok_or("no time from node")?;
    Ok((ms, node_version))
}

fn compare_with_netlify() {
    let file = netlify_45000();
    let (ours, result) = node::median_ms(RUNS, || import(importers::Format::Netlify, &file));
    assert_eq!(result.summary.translated, 45_000);
    println!("Netlify's 45,000 redirects, median of {RUNS} runs after a warm-up, file read included:");
    println!("  hedgec import (parse, translate, check the output): {ours:9.1} ms");
    match netlify_parser_ms(&file) {
        Ok((theirs, node)) => {
            println!("  {NETLIFY_PARSER} parseAllRedirects on node {node}: {theirs:9.1} ms");
            println!("  ratio (Netlify's parser / hedgec import): {:.2}", theirs / ours);
        }
        Err(why) => println!("  Netlify's parser not measured: {why}"),
    }
    println!();
}

/// 13,000 `from,to` rows: the CSV reader once looked each row's line up from the start of the
/// file, so the import grew with the square of the rows.
#[divan::bench(args = [1_000, 13_000], sample_count = 10)]
fn csv_rows(bencher: Bencher<'_, '_>, rows: usize) {
    let text: String = (0..rows).map(|i| format!("/old/{i},/new/{i}\n")).collect();
    let input = importers::Input::new("redirects.csv", text);
    bencher.bench(|| {
        black_box(importers::import(
            importers::Format::Csv,
            black_box(std::slice::from_ref(&input)),
            &Default::default(),
        ))
    });
}
