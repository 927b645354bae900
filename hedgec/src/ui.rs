//! Terminal output: exit statuses, diagnostics, errors and summaries on stderr.

use std::io::{IsTerminal, Write};

use rules_dsl::{Diagnostic, SourceFile};

/// The process exit status, as `cli.md` defines it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Everything worked.
    Success = 0,
    /// The work ran and found failures.
    Failure = 1,
    /// The input could not be used.
    Error = 2,
}

/// The version of every JSON document the commands print (`format_version`); it changes only
/// when a field changes meaning or goes away.
pub const FORMAT_VERSION: u32 = 1;

/// Whether to color stderr: a terminal, and `NO_COLOR` unset.
pub fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// How many warnings a command other than `compile` prints in full: an imported site can have a
/// thousand, and `explain` or `test` should not bury their answer under them.
pub const SHOWN_WARNINGS: usize = 10;

/// Prints diagnostics for a source file, then a one-line count.
pub fn diagnostics(diagnostics: &[Diagnostic], source: &SourceFile) {
    diagnostics_shown(diagnostics, source, usize::MAX);
}

/// Prints every error and the first `shown` warnings of a source file, then a one-line count
/// that says where to see the rest.
pub fn diagnostics_shown(diagnostics: &[Diagnostic], source: &SourceFile, shown: usize) {
    if diagnostics.is_empty() {
        return;
    }
    let mut warnings_seen = 0;
    let printed: Vec<Diagnostic> = diagnostics
        .iter()
        .filter(|d| {
            d.is_error() || {
                warnings_seen += 1;
                warnings_seen <= shown
            }
        })
        .cloned()
        .collect();
    let text = rules_dsl::diagnostics::render(&printed, source, color());
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let mut summary = Vec::new();
    if errors > 0 {
        summary.push(plural(errors, "error"));
    }
    if warnings > 0 {
        summary.push(plural(warnings, "warning"));
    }
    let mut stderr = std::io::stderr().lock();
    let _ = write!(stderr, "{text}");
    let _ = write!(stderr, "{}: {}", source.name(), summary.join(", "));
    if warnings > shown {
        let _ = write!(stderr, " ({shown} shown; `hedgec compile {}` prints them all)", source.name());
    }
    let _ = writeln!(stderr);
}

/// Prints a mistake in an input other than a rules file (a case file, an event, a KVS file, a
/// file to import), rendered like a rules file's diagnostics.
pub fn input_error(diagnostic: Diagnostic, name: &std::path::Path, text: &str) -> Status {
    diagnostics(&[diagnostic], &SourceFile::new(name.display().to_string(), text));
    Status::Error
}

/// Prints an error that is not tied to a position in a file.
pub fn error(error: &anyhow::Error) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "error: {error:#}");
}

/// Prints machine output (JSON, XML) on stdout, with a final line break.
///
/// Every write here and below ignores its error: a reader that closed the pipe (`hedgec … | head`)
/// has seen what it wanted, and the command still ends with its own exit status, never a panic.
pub fn stdout(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{text}");
}

/// Prints text on stdout as it is, with no line break added (rules text, which ends with one).
pub fn stdout_raw(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = write!(stdout, "{text}");
    let _ = stdout.flush();
}

/// Prints a line of human output.
pub fn note(line: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{line}");
}

/// `1 error`, `2 errors`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{} {word}s", thousands(n)) }
}

/// `12,345`.
pub use compiler::report::thousands;
