//! The size table: for each site, the bytes of hedgec's functions beside a hand-written
//! equivalent that passes the same conformance cases, as written and after terser and esbuild
//! with their strongest settings that keep a valid `cloudfront-js-2.0` function.
//!
//! Each hand-written function is first run, minified both ways, through the site's cases on njs
//! and on the local runtime: a row only counts when its equivalent really is equivalent. The
//! table is `conformance/sizes/sizes.md`; the test fails when it no longer matches, so a change
//! in size (growth or shrinkage) shows up in review. `HEDGEC_BLESS=1` rewrites it.
//!
//! The minifiers come from npm; `scripts/test` installs them into `$HEDGEC_TOOLS`
//! (default `~/.cache/hedgec-tools`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cases::{Engine, Kvs, ResponseEventRequest, Site};

/// A site of the table.
struct Row {
    name: &'static str,
    rules: Rules,
    /// The folder of the hand-written functions, when the site has them.
    dir: Option<&'static str>,
}

/// Where a row's rules come from.
enum Rules {
    /// A case file under `conformance/`: its rules, and the cases the hand-written functions pass.
    Cases(&'static str),
    /// A real rules file of another tool, imported (`hedgec import`), from the external corpora.
    Import(importers::Format, &'static str),
}

const ROWS: &[Row] = &[
    Row { name: "spec example", rules: Rules::Cases("rules/spec-example.toml"), dir: Some("sizes/spec-example") },
    Row { name: "header-heavy site", rules: Rules::Cases("sizes/headers/cases.toml"), dir: Some("sizes/headers") },
    Row { name: "regex-heavy site", rules: Rules::Cases("rules/regex.toml"), dir: Some("sizes/regex") },
    Row {
        name: "cert-manager import",
        rules: Rules::Import(importers::Format::Netlify, "cert-manager-website/_redirects"),
        dir: None,
    },
    Row {
        name: "kgateway import",
        rules: Rules::Import(importers::Format::Cloudflare, "kgateway-dev/_redirects"),
        dir: None,
    },
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn tool(name: &str) -> PathBuf {
    let base = std::env::var_os("HEDGEC_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache/hedgec-tools"));
    let path = base.join("node_modules/.bin").join(name);
    assert!(path.exists(), "{} is missing: scripts/test installs terser and esbuild from npm", path.display());
    path
}

fn pipe(mut command: Command, input: &str) -> String {
    use std::io::Write as _;
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("runs");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{:?}: {}", command, String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().trim_end().to_string()
}

const IMPORT: &str = "import cf from 'cloudfront';\n";

/// terser on an ES module, keeping the top-level `handler` that CloudFront calls. ES2015 output
/// (arrow functions), as hedgec's minifier writes: cloudfront-js-2.0 has arrows, not `catch {}`.
fn terser(code: &str) -> String {
    let mut command = Command::new(tool("terser"));
    command.args([
        "--module",
        "--ecma",
        "2015",
        "--compress",
        "passes=3,unsafe=true,unsafe_arrows=true,top_retain=[handler]",
        "--mangle",
        "reserved=[handler]",
    ]);
    pipe(command, code)
}

/// esbuild renames top-level names of an ES module, `handler` included, so the function is
/// minified as a script (whose top-level names are kept) and its one import put back. The
/// target is ES2018, the last without `catch {}`, which cloudfront-js-2.0 lacks.
fn esbuild(code: &str) -> String {
    let imports = code.contains(IMPORT);
    let mut command = Command::new(tool("esbuild"));
    command.args(["--minify", "--loader=js", "--target=es2018", "--log-level=warning"]);
    let minified = pipe(command, &code.replace(IMPORT, ""));
    if imports { format!("import cf from\"cloudfront\";{minified}") } else { minified }
}

/// Runs a site through every case of a case file on an engine; returns the failures.
fn failures(file: &cases::casefile::CaseFile, site: Site<'_>, engine: &mut dyn Engine) -> Vec<String> {
    let requests: Vec<_> = file.cases.iter().map(|c| (c.invocation.clone(), c.origin.clone())).collect();
    let mut failures = Vec::new();
    for reading in [ResponseEventRequest::AsForwarded, ResponseEventRequest::AsReceived] {
        let traces = cases::simulate::simulate(engine, site, &requests, reading).expect("the engine runs");
        for (case, trace) in file.cases.iter().zip(&traces) {
            for mismatch in cases::expect::check(&case.expect, trace) {
                failures.push(format!("line {}: {} [{}]: {mismatch}", case.line, case.name, engine.name()));
            }
        }
    }
    failures
}

struct Sizes {
    hedgec: usize,
    /// hedgec's function's KVS reads per request in the worst case.
    reads: u32,
    /// As written, after terser, after esbuild; `None` without a hand-written equivalent.
    written: Option<[usize; 3]>,
}

/// A file of the external corpora, in `shared/external` next to the checkout or above it.
fn external(path: &str) -> PathBuf {
    let manifest = root();
    let base = manifest
        .ancestors()
        .skip(1)
        .map(|dir| dir.join("shared/external"))
        .find(|dir| dir.is_dir())
        .unwrap_or_else(|| manifest.join("../../shared/external"));
    base.join(path)
}

fn import(format: importers::Format, file: &str) -> String {
    let path = external(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = file.rsplit('/').next().unwrap_or(file).to_string();
    let input = importers::Input::new(name, text);
    importers::import(format, &[input], &importers::ImportOptions::default()).expect("the corpus imports").hedge
}

fn measure(row: &Row) -> [Option<Sizes>; 2] {
    let (rules, file) = match row.rules {
        Rules::Cases(cases) => {
            let path = root().join(cases);
            let file = conformance::read_case_file(&path).unwrap();
            assert!(!file.cases.is_empty(), "{} has no cases", path.display());
            (file.rules.clone().expect("rules"), Some(file))
        }
        Rules::Import(format, file) => (import(format, file), None),
    };
    let compiled = conformance::compile(&rules, row.name).unwrap();
    let reads = |side: usize| compiled.report.functions[side].kvs_reads;
    let (Some(dir), Some(file)) = (row.dir, file) else {
        let response = compiled.response.as_ref().map(|r| Sizes { hedgec: r.len(), reads: reads(1), written: None });
        return [Some(Sizes { hedgec: compiled.request.len(), reads: reads(0), written: None }), response];
    };
    let dir = root().join(dir);
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
    let request = read("viewer-request.js").expect("a hand-written viewer-request.js");
    let response = read("viewer-response.js");
    assert_eq!(
        response.is_some(),
        compiled.response.is_some(),
        "{}: both sides or neither have a response function",
        row.name
    );

    let kvs = Kvs::new();
    let mut njs = cases::njs::Njs::default();
    let mut boa = cases::boa::Boa::default();
    let mut engines: [&mut dyn Engine; 2] = [&mut njs, &mut boa];
    for (label, minify) in
        [("as written", None), ("terser", Some(terser as fn(&str) -> String)), ("esbuild", Some(esbuild))]
    {
        let request = minify.map_or_else(|| request.clone(), |m| m(&request));
        let response = response.as_ref().map(|r| minify.map_or_else(|| r.clone(), |m| m(r)));
        let site = Site { request: &request, response: response.as_deref(), kvs: &kvs };
        for engine in engines.iter_mut() {
            let failed = failures(&file, site, &mut **engine);
            assert!(failed.is_empty(), "{} hand-written, {label}:\n{}", row.name, failed.join("\n"));
        }
    }
    let sizes = |hedgec: usize, reads: u32, code: &str| Sizes {
        hedgec,
        reads,
        written: Some([code.len(), terser(code).len(), esbuild(code).len()]),
    };
    [
        Some(sizes(compiled.request.len(), reads(0), &request)),
        response.as_deref().map(|r| sizes(compiled.response.as_ref().unwrap().len(), reads(1), r)),
    ]
}

fn table() -> String {
    let mut out = String::from(
        "# Function sizes: hedgec beside hand-written equivalents\n\n\
         Bytes of each function. The hand-written equivalents are in this folder; each passes the same\n\
         conformance cases as hedgec's output on njs and on the local runtime, as written and minified.\n\
         Imported sites are real rules files of other tools, translated by `hedgec import`; they have no\n\
         hand-written equivalent yet (—).\n\
         KVS reads are hedgec's function's reads per request in the worst case.\n\
         Written by `cargo test -p conformance --test sizes` (`HEDGEC_BLESS=1` to update).\n\n\
         | site | function | hedgec | KVS reads | hand-written | terser | esbuild | hedgec ÷ best |\n\
         |---|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for row in ROWS {
        for (side, sizes) in ["viewer-request", "viewer-response"].iter().zip(measure(row)) {
            let Some(s) = sizes else { continue };
            let Some([written, terser, esbuild]) = s.written else {
                writeln!(out, "| {} | {side} | {} | {} | — | — | — | — |", row.name, s.hedgec, s.reads).unwrap();
                continue;
            };
            let ratio = s.hedgec as f64 / terser.min(esbuild) as f64;
            writeln!(
                out,
                "| {} | {side} | {} | {} | {written} | {terser} | {esbuild} | {ratio:.2}× |",
                row.name, s.hedgec, s.reads
            )
            .unwrap();
        }
    }
    out
}

#[test]
fn the_size_table_is_current() {
    let table = table();
    let path = root().join("sizes/sizes.md");
    if std::env::var_os("HEDGEC_BLESS").is_some() {
        std::fs::write(&path, &table).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == table,
        "{} is not current (run with HEDGEC_BLESS=1 after reviewing):\n--- committed\n{committed}\n--- measured\n{table}",
        path.display()
    );
}
