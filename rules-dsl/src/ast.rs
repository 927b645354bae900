//! The syntax tree of a rules file: statements as written, with spans, before any meaning is given.

use crate::source::Span;

/// A parsed rules file: its statements in file order.
#[derive(Clone, Debug, Default)]
pub struct File {
    /// Statements that parsed well enough to be lowered.
    pub statements: Vec<Statement>,
}

/// A piece of text from the file with its span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// The text, unquoted.
    pub text: String,
    /// Where it was written.
    pub span: Span,
    /// Whether it was written quoted; spans of quoted words do not map character by character.
    pub quoted: bool,
    /// Byte offsets in `text` of the `:` and `*` that a quoted word wrote escaped (`\:`, `\*`).
    pub escaped: Vec<usize>,
}

impl Word {
    /// A word written unquoted, as its own text.
    pub fn bare(text: &str, span: Span) -> Word {
        Word { text: text.to_string(), span, quoted: false, escaped: Vec::new() }
    }
}

/// A number with its span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    /// The HTTP status code.
    pub code: u16,
    /// Where it was written.
    pub span: Span,
}

/// One statement.
#[derive(Clone, Debug)]
pub struct Statement {
    /// The 1-based line of its keyword.
    pub line: u32,
    /// The keyword's span.
    pub keyword: Span,
    /// What it says.
    pub kind: StatementKind,
}

/// The statements of the language.
#[derive(Clone, Debug)]
pub enum StatementKind {
    /// `set NAME VALUE`
    Set {
        /// The setting's name.
        name: Word,
        /// Its value.
        value: Word,
    },
    /// `redirect FROM TO [STATUS] [OPTION...]`
    Redirect {
        /// The pattern.
        from: Word,
        /// The target.
        to: Word,
        /// The status, when given.
        status: Option<Status>,
        /// Match refinements and `query=`.
        options: Vec<MatchOption>,
    },
    /// `rewrite FROM TO [OPTION...]`
    Rewrite {
        /// The pattern.
        from: Word,
        /// The new URI.
        to: Word,
        /// Match refinements.
        options: Vec<MatchOption>,
    },
    /// `respond FROM STATUS [BODY] [OPTION...]`
    Respond {
        /// The pattern.
        from: Word,
        /// The status of the generated response.
        status: Status,
        /// The text body.
        body: Option<Word>,
        /// Match refinements.
        options: Vec<MatchOption>,
    },
    /// `prefix-strip PREFIX [origin=ORIGIN_ID]`
    PrefixStrip {
        /// The prefix.
        prefix: Word,
        /// The origin to send matching requests to.
        origin: Option<Word>,
    },
    /// `header ...` or `request-header ...`, one line or a block.
    Header {
        /// Response or request side.
        side: HeaderSide,
        /// The pattern.
        pattern: Word,
        /// The header lines, in order.
        lines: Vec<HeaderLine>,
    },
}

/// Which message a header rule changes: `header` the response, `request-header` the request.
pub use platform::headers::HeaderSide;

/// `NAME VALUE` or `-NAME`.
#[derive(Clone, Debug)]
pub struct HeaderLine {
    /// The header name as written (without the `-`).
    pub name: Word,
    /// The value; `None` removes the header.
    pub value: Option<Word>,
}

/// A match option with its span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchOption {
    /// What it says.
    pub kind: OptionKind,
    /// Where it was written.
    pub span: Span,
}

/// The options that refine a match, or (for `query=`) change a redirect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptionKind {
    /// `query=keep` (true) or `query=drop` (false).
    Query(bool),
    /// `country=US,CA`, upper-cased.
    Country(Vec<String>),
    /// `language=de,fr`, lower-cased primary tags.
    Language(Vec<String>),
    /// `cookie=NAME` or `cookie=NAME=VALUE`.
    Cookie {
        /// The cookie's name.
        name: String,
        /// The value it must have, if any.
        value: Option<String>,
    },
    /// `?KEY` or `?KEY=VALUE`.
    QueryParam {
        /// The parameter's name.
        key: String,
        /// The value it must have, if any.
        value: Option<String>,
    },
}
