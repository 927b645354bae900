//! Source text with its name, and offsets to lines and columns: the `diagnostics` crate's
//! types, re-exported.

pub use ::diagnostics::source::{LineCol, SourceFile, Span};
