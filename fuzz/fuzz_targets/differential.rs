//! Differential fuzzing of the local runtime against njs: the input's bytes are the choices of
//! the seeded program generator (`cases::generate`, one byte a choice, then the simplest
//! choices), the program runs as a viewer-request and a viewer-response function on the local
//! runtime and on njs, and any disagreement outside the runtime's documented differences
//! (`cases::differential::KNOWN_DIFFERENCES`) panics with the minimised program.
#![no_main]

use std::sync::OnceLock;

use cases::differential::{self, Engines};
use cases::generate::{Bytes, Program};
use cases::njs::Njs;
use libfuzzer_sys::fuzz_target;

/// Whether njs runs here: without it there is no oracle, and the fuzzer must not pretend.
fn njs() -> Njs {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    let njs = Njs::default();
    assert!(*AVAILABLE.get_or_init(|| njs.available()), "njs is not installed: the differential target needs it");
    njs
}

fuzz_target!(|data: &[u8]| {
    let program = Program::generate(&mut Bytes(data));
    let engines = Engines::new(njs());
    let report = match differential::compare(&engines, std::slice::from_ref(&program)) {
        Ok(report) => report,
        Err(error) => panic!("njs could not be run: {error}"),
    };
    if let Some(finding) = report.findings.first() {
        panic!("the local runtime and njs disagree: {finding}");
    }
});
