//! KVS density: bytes of the store (keys and values) over the raw bytes of the rules' paths and
//! targets, for Netlify's 45,000-redirect fixture and a generated 13,000-row documentation map
//! (`conformance::docmap`), each case-sensitive and with `set case insensitive`. Every ratio
//! must stay at or below 0.6; the table is printed (`--nocapture`).
//!
//! The case-insensitive documentation map is also run on njs and on the local runtime, front-coded:
//! a sample of its redirects, requested in other cases, must answer with the target exactly as
//! written, and paths beside them must miss.

use std::fmt::Write as _;
use std::path::PathBuf;

use libtest_mimic::{Arguments, Failed, Trial};

/// The ratio no corpus may pass.
const MAX_RATIO: f64 = 0.6;

fn netlify_fixture() -> Vec<(String, String)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/external/netlify-build-fixtures/large_45000_redirects_file");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            Some((fields.next()?.to_string(), fields.next()?.to_string()))
        })
        .collect()
}

fn rules_text(map: &[(String, String)], insensitive: bool) -> String {
    let mut rules = String::new();
    if insensitive {
        rules.push_str("set case insensitive\n");
    }
    for (from, to) in map {
        let _ = writeln!(rules, "redirect {from} {to}");
    }
    rules
}

/// KVS bytes over raw bytes, and the compiled site.
fn density(map: &[(String, String)], insensitive: bool) -> (f64, compiler::CompileReturn) {
    let compiled = conformance::compile(&rules_text(map, insensitive), "map.hedge").expect("compiles");
    assert_eq!(compiled.report.rules.routes_in_kvs, map.len(), "every redirect lives in the KVS");
    let raw: usize = map.iter().map(|(from, to)| from.len() + to.len()).sum();
    (compiled.report.kvs.bytes as f64 / raw as f64, compiled)
}

fn ratios() -> Result<(), Failed> {
    let mut table = String::from("corpus | case | KVS bytes / raw bytes\n");
    let mut over = Vec::new();
    for (name, map) in [
        ("netlify 45,000 redirects", netlify_fixture()),
        ("documentation map", conformance::docmap::documentation_map(13_000)),
    ] {
        for insensitive in [false, true] {
            let (ratio, _) = density(&map, insensitive);
            let case = if insensitive { "insensitive" } else { "sensitive" };
            let _ = writeln!(table, "{name} | {case} | {ratio:.3}");
            if ratio > MAX_RATIO {
                over.push(format!("{name}, case {case}: {ratio:.3} > {MAX_RATIO}"));
            }
        }
    }
    println!("{table}");
    if over.is_empty() { Ok(()) } else { Err(over.join("\n").into()) }
}

/// The case-insensitive documentation map on one engine: 4,000 of its rows (enough for
/// front-coded buckets), 200 of them requested with the path's case changed, and as many misses.
fn documentation_map_on(engine: &str) -> Result<(), Failed> {
    let map = conformance::docmap::documentation_map(4_000);
    let compiled = conformance::compile(&rules_text(&map, true), "map.hedge")?;
    if !compiled.kvs.iter().all(|e| e.value.starts_with("\u{7f}\u{7f}")) {
        return Err("the store is not front-coded".into());
    }
    let mut file = format!("rules = \"\"\"\n{}\"\"\"\n", rules_text(&map, true));
    for (i, (from, to)) in map.iter().enumerate().step_by(map.len() / 200) {
        let path = if i % 2 == 0 { from.to_ascii_lowercase() } else { from.to_ascii_uppercase() };
        let _ =
            writeln!(file, "\n[[case]]\nrequest = \"GET {path}\"\nexpect = {{ status = 301, location = \"{to}\" }}");
        let _ = writeln!(
            file,
            "\n[[case]]\nrequest = \"GET {path}-missing\"\nexpect = {{ uri = \"{path}-missing\", max_kvs_reads = 1 }}"
        );
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("documentation-map.toml");
    std::fs::write(&path, file).map_err(|e| e.to_string())?;
    let failures = match engine {
        "njs" => conformance::run_rules_file(&path, &mut cases::njs::Njs::default())?,
        _ => conformance::run_rules_file(&path, &mut cases::boa::Boa::default())?,
    };
    if failures.is_empty() { Ok(()) } else { Err(failures.join("\n").into()) }
}

fn main() {
    let args = Arguments::from_args();
    let trials = vec![
        Trial::test("ratios", ratios),
        Trial::test("documentation_map::njs", || documentation_map_on("njs")),
        Trial::test("documentation_map::boa", || documentation_map_on("boa")),
    ];
    libtest_mimic::run(&args, trials).exit();
}
