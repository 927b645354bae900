//! Findings: what did not carry over exactly from a source rule, and the summary counts.

use serde::Serialize;

/// What kind of finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The source tool itself rejects or ignores this line; it is left out.
    Invalid,
    /// The rules language cannot express this rule; it is left out.
    Unsupported,
    /// Imported with a meaning that differs in a way the message describes.
    Approximated,
    /// Imported at another position, because the source's precedence is not file order.
    Reordered,
    /// Imported under an assumption the source file alone cannot settle.
    Assumed,
    /// Imported as it is; something worth knowing about it.
    Note,
}

impl Kind {
    /// Whether the rule is left out of the output.
    pub fn leaves_out(self) -> bool {
        matches!(self, Kind::Invalid | Kind::Unsupported)
    }

    /// The name used in output.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Invalid => "invalid",
            Kind::Unsupported => "unsupported",
            Kind::Approximated => "approximated",
            Kind::Reordered => "reordered",
            Kind::Assumed => "assumed",
            Kind::Note => "note",
        }
    }
}

/// One finding about a source line (or a whole file, with line 0).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The source file's name.
    pub file: String,
    /// 1-based line, 0 for the whole file.
    pub line: u32,
    /// 1-based column, 0 for the whole file.
    pub column: u32,
    /// What kind of finding.
    pub kind: Kind,
    /// What happened and why, in a sentence or two.
    pub message: String,
    /// The source line as written (trimmed), empty for the whole file.
    pub source: String,
}

/// The counts of an import. `translated + reported == rules`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Rules read from the sources: redirect lines, and header lines of header blocks.
    pub rules: usize,
    /// Rules that are in the output (with their meaning, or approximated).
    pub translated: usize,
    /// Of those, how many are approximations.
    pub approximated: usize,
    /// Of those, how many were moved because the source's precedence differs from file order.
    pub reordered: usize,
    /// Rules left out of the output, each with a finding.
    pub reported: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {} translated ({} approximated), {} reordered, {} reported",
            self.rules,
            if self.rules == 1 { "rule" } else { "rules" },
            self.translated,
            self.approximated,
            self.reordered,
            self.reported
        )
    }
}
