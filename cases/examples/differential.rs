//! The long run of the differential fuzzer: `COUNT` generated programs from seed `FIRST`, in
//! batches of `BATCH` programs to one njs process, compared with the local runtime; prints the
//! rate as it goes, each new class of disagreement with one minimised program as soon as it is
//! found (a long run that is stopped keeps what it found), and at the end how often each class
//! showed.
//!
//! `cargo run --release -p cases --example differential -- FIRST COUNT [BATCH]`

use std::collections::BTreeMap;
use std::time::Instant;

use cases::differential::{self, Finding};
use cases::generate::{Program, Seeded};

fn argument(index: usize, default: u64) -> u64 {
    std::env::args().nth(index).and_then(|a| a.parse().ok()).unwrap_or(default)
}

fn main() {
    let first = argument(1, 0);
    let count = argument(2, 1000);
    let batch = argument(3, 250).max(1);
    let njs = cases::njs::Njs::default();
    if !njs.available() {
        eprintln!("njs is not installed");
        std::process::exit(2);
    }
    let engines = differential::Engines::new(njs);
    let started = Instant::now();
    let (mut calls, mut unreported, mut invalid, mut done) = (0, 0, 0, 0u64);
    let mut classes: BTreeMap<String, (usize, Finding)> = BTreeMap::new();
    let mut seed = first;
    while seed < first + count {
        let end = (seed + batch).min(first + count);
        let programs: Vec<Program> = (seed..end).map(|s| Program::generate(&mut Seeded::new(s))).collect();
        match differential::compare(&engines, &programs) {
            Ok(report) => {
                calls += report.calls;
                unreported += report.unreported;
                invalid += report.invalid;
                for finding in report.findings {
                    let entry = classes.entry(finding.class.clone()).or_insert_with(|| {
                        println!("\n=== new class: {}\n{finding}\n", finding.class);
                        (0, finding)
                    });
                    entry.0 += 1;
                }
            }
            Err(error) => eprintln!("seeds {seed}..{end}: {error}"),
        }
        done += end - seed;
        seed = end;
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{done} programs in {seconds:.0} s ({:.1} a second): {calls} calls, {unreported} unreported, {invalid} invalid, {} classes",
            done as f64 / seconds,
            classes.len()
        );
    }
    println!("\n{} classes of disagreement", classes.len());
    for (class, (times, _)) in &classes {
        println!("  {times} times: {class}");
    }
}
