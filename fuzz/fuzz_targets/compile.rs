//! Fuzzes the whole pipeline: rules that the front end accepts must compile without an internal
//! error (the generated code always parses and passes the syntax gate).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (source, _) = rules_dsl::source_from_bytes("fuzz.hedge", data);
    let analysis = rules_dsl::analyze(&source);
    if !analysis.has_errors() {
        if let Err(error) = compiler::compile(&analysis.rules, &compiler::CompileOptions::default()) {
            panic!("{error}");
        }
    }
});
