//! The translated rules before they are written: routes, header blocks, settings, and the
//! findings and counts gathered on the way.

use std::collections::BTreeSet;

use crate::Format;
use crate::finding::{Finding, Kind, Summary};

/// Where something came from: the index of its file in the inputs, its line and column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Loc {
    /// Index of the file in the inputs.
    pub file: usize,
    /// 1-based line; 0 for the whole file.
    pub line: u32,
    /// 1-based column; 0 for the whole file.
    pub column: u32,
}

impl Loc {
    /// A position in a file.
    pub fn new(file: usize, line: u32, column: u32) -> Loc {
        Loc { file, line, column }
    }

    /// The whole file.
    pub fn file(file: usize) -> Loc {
        Loc { file, line: 0, column: 0 }
    }
}

/// What a route does.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// `redirect FROM TO STATUS`.
    Redirect {
        /// The target, in the language's syntax.
        to: String,
        /// A redirect status.
        status: u16,
    },
    /// `rewrite FROM TO`.
    Rewrite {
        /// The new path.
        to: String,
    },
    /// `respond FROM STATUS`.
    Respond {
        /// The status.
        status: u16,
    },
}

/// Why a route is in the output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// It translates the source rule at its location.
    Rule,
    /// The importer added it so that the rule at its location keeps its meaning (a file that
    /// shadows a Netlify rule, a path Cloudflare's splat does not match); the text says which.
    Guard(String),
}

/// A `redirect`, `rewrite` or `respond` statement.
#[derive(Clone, Debug)]
pub struct Route {
    /// The source rule.
    pub loc: Loc,
    /// The source line as written.
    pub source: String,
    /// The pattern, in the language's syntax.
    pub from: String,
    /// What it does.
    pub action: Action,
    /// Option tokens (`country=US`, `?id=5`, `query=drop`), in the language's syntax.
    pub options: Vec<String>,
    /// Netlify's `!`: the rule applies even when a file exists at the path.
    pub force: bool,
    /// Why it is here.
    pub role: Role,
}

/// One header line of a block: set (`value`) or remove (`None`).
#[derive(Clone, Debug)]
pub struct HeaderOp {
    /// The source line.
    pub loc: Loc,
    /// The source line as written.
    pub source: String,
    /// The header name.
    pub name: String,
    /// The value; `None` removes the header.
    pub value: Option<String>,
}

/// A `header PATTERN { ... }` statement.
#[derive(Clone, Debug)]
pub struct HeaderBlock {
    /// The line of the pattern.
    pub loc: Loc,
    /// The pattern line as written.
    pub source: String,
    /// The pattern, in the language's syntax.
    pub pattern: String,
    /// The header lines, in order.
    pub ops: Vec<HeaderOp>,
}

/// A `set` statement and why it has that value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    /// The setting.
    pub name: &'static str,
    /// Its value.
    pub value: String,
    /// Why, written as a comment.
    pub why: String,
}

/// A source rule that is not in the output.
#[derive(Clone, Debug)]
pub struct LeftOut {
    /// Where it was.
    pub loc: Loc,
    /// Why it was left out.
    pub reason: String,
    /// The source line as written.
    pub source: String,
}

/// Everything a translation has gathered.
#[derive(Clone, Debug)]
pub struct Translation {
    /// The source format.
    pub format: Format,
    /// The names of the input files, by index.
    pub files: Vec<String>,
    /// `set` statements, written first.
    pub settings: Vec<Setting>,
    /// Routes, in the order they are written (first match wins).
    pub routes: Vec<Route>,
    /// Header blocks, in the order they are written.
    pub headers: Vec<HeaderBlock>,
    /// Findings so far.
    pub findings: Vec<Finding>,
    /// Source rules that are not in the output.
    pub left_out: Vec<LeftOut>,
    rules: usize,
    approximated: BTreeSet<Loc>,
    reordered: BTreeSet<Loc>,
}

impl Translation {
    /// An empty translation of these files.
    pub fn new(format: Format, files: Vec<String>) -> Translation {
        Translation {
            format,
            files,
            settings: Vec::new(),
            routes: Vec::new(),
            headers: Vec::new(),
            findings: Vec::new(),
            left_out: Vec::new(),
            rules: 0,
            approximated: BTreeSet::new(),
            reordered: BTreeSet::new(),
        }
    }

    /// The index of a file name (for sorting findings).
    pub fn file_index(&self, name: &str) -> usize {
        self.files.iter().position(|f| f == name).unwrap_or(usize::MAX)
    }

    /// Counts one source rule.
    pub fn rule_seen(&mut self) {
        self.rules += 1;
    }

    /// Adds a setting.
    pub fn set(&mut self, name: &'static str, value: impl Into<String>, why: impl Into<String>) {
        self.settings.push(Setting { name, value: value.into(), why: why.into() });
    }

    /// Records a finding.
    pub fn finding(&mut self, loc: Loc, kind: Kind, message: impl Into<String>, source: &str) {
        let file = self.files.get(loc.file).cloned().unwrap_or_default();
        self.findings.push(Finding {
            file,
            line: loc.line,
            column: loc.column,
            kind,
            message: message.into(),
            source: source.trim().to_string(),
        });
        match kind {
            Kind::Approximated => {
                self.approximated.insert(loc);
            }
            Kind::Reordered => {
                self.reordered.insert(loc);
            }
            _ => {}
        }
    }

    /// Leaves a source rule out, with a finding of `kind` (invalid or unsupported).
    pub fn leave_out(&mut self, loc: Loc, kind: Kind, reason: impl Into<String>, source: &str) {
        debug_assert!(kind.leaves_out());
        let reason = reason.into();
        self.finding(loc, kind, reason.clone(), source);
        self.left_out.push(LeftOut {
            loc,
            reason: format!("{}: {reason}", kind.name()),
            source: source.trim().to_string(),
        });
    }

    /// The counts.
    pub fn summary(&self) -> Summary {
        let out: BTreeSet<Loc> = self.left_out.iter().map(|l| l.loc).collect();
        let reported = out.len();
        Summary {
            rules: self.rules,
            translated: self.rules.saturating_sub(reported),
            approximated: self.approximated.iter().filter(|l| l.line > 0 && !out.contains(l)).count(),
            reordered: self.reordered.iter().filter(|l| l.line > 0 && !out.contains(l)).count(),
            reported,
        }
    }

    /// The name of a file by index.
    pub fn file_name(&self, file: usize) -> &str {
        self.files.get(file).map_or("", String::as_str)
    }

    /// `_redirects:12`, for comments.
    pub fn place(&self, loc: Loc) -> String {
        format!("{}:{}", self.file_name(loc.file), loc.line)
    }
}
