//! Corpora shared by the benchmarks, read from `../shared/external` beside the repository, and
//! the allocator every benchmark runs with: the hedgec binary's (each bench links this crate).

use std::fmt::Write as _;
use std::path::PathBuf;

/// mimalloc, as in hedgec/src/main.rs, so that the benchmarks time what the binary does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A file under `shared/external/`.
pub fn external(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/external").join(path)
}

/// Netlify's 45,000-redirect fixture written as hedge rules (`FROM TO` becomes `redirect FROM TO`).
pub fn netlify_45000_redirects() -> String {
    let text = std::fs::read_to_string(external("netlify-build-fixtures/large_45000_redirects_file"))
        .expect("shared/external/netlify-build-fixtures/large_45000_redirects_file is readable");
    let mut rules = String::with_capacity(text.len() * 2);
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        if let (Some(from), Some(to)) = (fields.next(), fields.next()) {
            let _ = writeln!(rules, "redirect {from} {to}");
        }
    }
    rules
}

/// The example site of the repository.
pub fn example_site() -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/site.hedge"))
        .expect("examples/site.hedge is readable")
}
