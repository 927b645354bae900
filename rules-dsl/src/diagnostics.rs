//! The rules language reports its findings with the shared [`Diagnostic`] type of the
//! `diagnostics` crate, which every input hedgec reads uses; re-exported here so that the front
//! end reads as one crate.

pub use ::diagnostics::{Code, Diagnostic, Severity, has_errors, render, short};
