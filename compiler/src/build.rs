//! The compile driver: a rules file's bytes to a compiled site and every diagnostic, front end
//! and back end merged. The `hedgec` commands, the conformance suites and the benches all compile
//! through [`build`], so that they run the code the binary runs.

use rules_dsl::{Diagnostic, SourceFile};

use crate::report::WarningReport;
use crate::{CompileOptions, CompileReturn, InternalError};

/// What [`build`] produced.
#[derive(Clone, Debug)]
pub struct Build {
    /// The rules file, for rendering diagnostics.
    pub source: SourceFile,
    /// The compiled site; `None` when the front end found errors. A site whose back end found
    /// errors (a function or KVS entry over a limit) is still returned, so that it can be
    /// measured, but must not be written or deployed.
    pub compiled: Option<Compiled>,
    /// Every finding: the front end's, in file order, then the back end's.
    pub diagnostics: Vec<Diagnostic>,
}

/// A rules file's meaning and the compiler's output for it.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// What the rules mean.
    pub rules: rules_dsl::ir::Rules,
    /// The functions, KVS data and report.
    pub output: CompileReturn,
}

impl Build {
    /// Whether any diagnostic is an error: nothing may be written or deployed.
    pub fn has_errors(&self) -> bool {
        rules_dsl::diagnostics::has_errors(&self.diagnostics)
    }

    /// The compiled site when there is no error at all, with the rendered diagnostics otherwise.
    pub fn into_result(self) -> Result<Compiled, String> {
        match self.compiled {
            Some(compiled) if !self.has_errors() => Ok(compiled),
            _ => Err(rules_dsl::diagnostics::render(&self.diagnostics, &self.source, false)),
        }
    }
}

/// Reads, analyses and compiles a rules file named `name`. Invalid UTF-8 is an `E001`
/// diagnostic, like every other mistake; `Err` only on a bug in the compiler. The report lists
/// the front end's warnings with their lines and columns.
pub fn build(name: &str, bytes: &[u8], options: &CompileOptions) -> Result<Build, InternalError> {
    let (source, utf8_error) = rules_dsl::source_from_bytes(name, bytes);
    let mut analysis = rules_dsl::analyze(&source);
    analysis.diagnostics.splice(0..0, utf8_error);
    if analysis.has_errors() {
        return Ok(Build { source, compiled: None, diagnostics: analysis.diagnostics });
    }
    let mut output = crate::compile(&analysis.rules, options)?;
    output.report.warnings = analysis
        .diagnostics
        .iter()
        .map(|d| {
            let at = source.line_col(d.span.start);
            WarningReport { code: d.code.as_str().into(), message: d.message.clone(), line: at.line, column: at.col }
        })
        .collect();
    let mut diagnostics = analysis.diagnostics;
    diagnostics.extend(output.diagnostics.iter().cloned());
    Ok(Build { source, compiled: Some(Compiled { rules: analysis.rules, output }), diagnostics })
}
