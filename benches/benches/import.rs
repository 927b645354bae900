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
use std::process::Command;
use std::time::Instant;

use divan::{Bencher, black_box};

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

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Times Netlify's parser with node; `Err` says why it could not.
fn netlify_parser_ms(file: &Path) -> Result<(f64, String), String> {
    let node = Command::new("node").arg("--version").output().map_err(|e| format!("node: {e}"))?;
    let node_version = String::from_utf8_lossy(&node.stdout).trim().to_string();
    let dir = std::env::temp_dir().join("hedgec-bench-netlify-redirect-parser");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    if !dir.join("node_modules/@netlify/redirect-parser/package.json").exists() {
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
            .arg(&dir)
            .arg(NETLIFY_PARSER)
            .status()
            .map_err(|e| format!("npm: {e}"))?;
        if !status.success() {
            return Err(format!("npm install {NETLIFY_PARSER} failed"));
        }
    }
    let script = dir.join("time.mjs");
    std::fs::write(
        &script,
        r#"import { parseAllRedirects } from '@netlify/redirect-parser'
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
"#,
    )
    .map_err(|e| e.to_string())?;
    let output = Command::new("node")
        .arg(&script)
        .arg(file)
        .arg(RUNS.to_string())
        .current_dir(&dir)
        .output()
        .map_err(|e| format!("node: {e}"))?;
    if !output.status.success() {
        return Err(format!("node failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())?;
    if result["rules"] != 45_000 {
        return Err(format!("Netlify's parser read {} rules", result["rules"]));
    }
    let ms = result["ms"].as_f64().ok_or("no time from node")?;
    Ok((ms, node_version))
}

fn compare_with_netlify() {
    let file = netlify_45000();
    let mut times = Vec::new();
    for run in 0..=RUNS {
        let start = Instant::now();
        let result = black_box(import(importers::Format::Netlify, &file));
        let elapsed = start.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(result.summary.translated, 45_000);
        if run > 0 {
            times.push(elapsed);
        }
    }
    let ours = median(times);
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
