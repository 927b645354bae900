//! Fuzzes the front end: any bytes through UTF-8 decoding, the lexer, the parser, lowering,
//! analysis and diagnostic rendering must never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (source, _) = rules_dsl::source_from_bytes("fuzz.hedge", data);
    let analysis = rules_dsl::analyze(&source);
    let _ = rules_dsl::diagnostics::render(&analysis.diagnostics, &source, false);
});
