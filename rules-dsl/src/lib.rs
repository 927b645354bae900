//! The hedge rules language: the front end of hedgec.
//!
//! A rules file goes through three stages, each returning its result together with every
//! diagnostic it found (they never fail outright):
//!
//! 1. [`parser`] (with [`lexer`]) turns text into the syntax tree of [`ast`];
//! 2. [`lower`] gives it meaning: the [`ir`], with patterns normalised ([`pattern`]) and
//!    header names checked against `platform::headers`;
//! 3. [`analysis`] finds shadowed, duplicate, looping and chained rules.
//!
//! [`analyze`] runs all three. [`diagnostics`] holds the diagnostic type, its stable codes
//! and the renderer; [`source`] maps offsets to lines and columns.
//!
//! This crate knows nothing of JavaScript, the KVS or files on disk.

pub mod analysis;
pub mod ast;
pub mod diagnostics;
pub mod ir;
pub mod lexer;
pub mod lower;
pub mod matching;
pub mod parser;
pub mod pattern;
pub mod regex_pattern;
pub mod source;

pub use diagnostics::{Code, Diagnostic, Severity};
pub use source::{SourceFile, Span};

/// The result of [`analyze`].
///
/// When `diagnostics` holds an error, `rules` describes only the statements that were
/// understood and must not be compiled.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// The syntax tree.
    pub file: ast::File,
    /// The meaning of the file.
    pub rules: ir::Rules,
    /// Every finding, ordered by position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// Whether the rules can be compiled.
    pub fn has_errors(&self) -> bool {
        diagnostics::has_errors(&self.diagnostics)
    }
}

/// Parses, lowers and checks a rules file.
pub fn analyze(source: &SourceFile) -> Analysis {
    let mut diagnostics = Vec::new();
    let file = parser::parse(source.text(), &mut diagnostics);
    let mut rules = lower::lower(&file, &mut diagnostics);
    if !diagnostics::has_errors(&diagnostics) {
        analysis::analyze(&mut rules, &mut diagnostics);
    }
    diagnostics.sort_by_key(|d| (d.span.start, d.code));
    Analysis { file, rules, diagnostics }
}

/// Reads rules from bytes: invalid UTF-8 becomes an `E001` diagnostic at its offset and the
/// rest of the file is still analysed.
pub fn source_from_bytes(name: impl Into<String>, bytes: &[u8]) -> (SourceFile, Option<Diagnostic>) {
    // A byte-order mark is dropped first, so that offsets of invalid bytes match the text kept.
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => (SourceFile::new(name, text), None),
        Err(error) => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let at = error.valid_up_to();
            let diagnostic = Diagnostic::new(Code::InvalidUtf8, Span::new(at, at + 1), "the file is not valid UTF-8")
                .with_label("invalid byte")
                .with_help("save the rules file as UTF-8");
            (SourceFile::new(name, text), Some(diagnostic))
        }
    }
}
