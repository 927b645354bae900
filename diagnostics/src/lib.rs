//! Diagnostics as data: stable codes, severity, message, location and help; and their rendering.
//!
//! Every mistake hedgec finds in what a user wrote is a [`Diagnostic`]: in a rules file (the
//! front end, and the back end's limits), and in the other inputs, case files, events, KVS files
//! and files to import. They all render the same way, with file, line and column, a stable code
//! and help. Rendering is confined to [`render`], the only place that knows about
//! `codespan-reporting`.
//!
//! This crate sits in the lowest layer so that every crate that reads input, the rules front
//! end as much as the local runtime, reports with the same type.

pub mod source;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor};
pub use source::{LineCol, SourceFile, Span};

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The rules still compile; something is probably not what the author meant.
    Warning,
    /// The rules cannot be compiled.
    Error,
}

macro_rules! codes {
    ($($(#[doc = $doc:literal])* $name:ident = $code:literal, $sev:ident;)*) => {
        /// A stable diagnostic code. The text form (`E004`) never changes meaning; the
        /// full list with examples is in `docs/diagnostics.md`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($(#[doc = $doc])* $name,)*
        }

        impl Code {
            /// Every code, in order.
            pub const ALL: &'static [Code] = &[$(Code::$name,)*];

            /// The code as printed: `E004`, `W001`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$name => $code,)* }
            }

            /// The severity that this code always has.
            pub fn severity(self) -> Severity {
                match self { $(Code::$name => Severity::$sev,)* }
            }
        }
    };
}

codes! {
    /// The file is not valid UTF-8.
    InvalidUtf8 = "E001", Error;
    /// A quoted string has no closing quote.
    UnterminatedString = "E002", Error;
    /// An unknown escape in a quoted string, or a malformed `\u{...}`.
    InvalidEscape = "E003", Error;
    /// A raw or escaped control character (CR, LF, NUL, other C0, DEL) inside a value.
    ControlCharacter = "E004", Error;
    /// A token that is not well formed: a stray quote, text glued to a closing quote.
    MalformedToken = "E005", Error;
    /// A line that starts with something other than a statement keyword.
    UnknownStatement = "E006", Error;
    /// A statement lacks a required argument.
    MissingArgument = "E007", Error;
    /// A statement has more arguments than it takes.
    UnexpectedArgument = "E008", Error;
    /// `set` names a setting that does not exist.
    UnknownSetting = "E009", Error;
    /// `set` gives a value the setting does not take.
    InvalidSettingValue = "E010", Error;
    /// A setting comes after a rule that it affects.
    SettingAfterRule = "E011", Error;
    /// An option (`country=`, `?key`, ...) that does not exist or is not allowed on this statement.
    UnknownOption = "E012", Error;
    /// An option with a malformed value.
    InvalidOptionValue = "E013", Error;
    /// A status code that the statement does not allow.
    BadStatus = "E014", Error;
    /// A block that is never closed, a `}` with no block, or a block where none is allowed.
    BadBlock = "E015", Error;
    /// A pattern that is not a path starting with `/` nor an absolute `http(s)://` URL.
    InvalidPattern = "E016", Error;
    /// A `*` that is not the whole last segment of a pattern.
    MisplacedSplat = "E017", Error;
    /// A `:placeholder` with an invalid or repeated name.
    InvalidPlaceholder = "E018", Error;
    /// A placeholder used in a target but not bound by the pattern.
    UnboundPlaceholder = "E019", Error;
    /// A target that starts with `//` (or `/\`): an absolute URL without a scheme.
    ProtocolRelativeTarget = "E020", Error;
    /// A target that is neither a path nor an absolute `http(s)://` URL, or has placeholders in its host.
    InvalidTarget = "E021", Error;
    /// A redirect whose target matches its own pattern, or a cycle of redirects.
    RedirectLoop = "E022", Error;
    /// A header name with characters HTTP does not allow.
    InvalidHeaderName = "E023", Error;
    /// A header that CloudFront does not let functions add or change.
    DisallowedHeader = "E024", Error;
    /// A header that is read-only for CloudFront functions on this side.
    ReadOnlyHeader = "E025", Error;
    /// A KVS key or entry over CloudFront's limits (512 bytes key, 1,024 bytes key and value).
    KvsEntryTooLarge = "E026", Error;
    /// All KVS data together over the 5 MB store limit.
    KvsStoreTooLarge = "E027", Error;
    /// A compiled function over the 10 KB size limit.
    FunctionTooLarge = "E028", Error;
    /// A case file that is not valid TOML.
    CaseFileSyntax = "E101", Error;
    /// A case file field that does not exist or has the wrong type.
    CaseFileField = "E102", Error;
    /// A case that cannot be run: a malformed request line, or not exactly one request.
    BadCase = "E103", Error;
    /// An event that is not valid JSON.
    EventSyntax = "E104", Error;
    /// JSON that is not a CloudFront event: no request, the wrong event type, a field of the wrong type.
    BadEvent = "E105", Error;
    /// A KVS file that is not valid JSON or not in AWS's import format.
    KvsFileSyntax = "E106", Error;
    /// A KVS file over CloudFront's limits, or with a key twice.
    KvsFileLimit = "E107", Error;
    /// A file to import that cannot be read as its format: not UTF-8, not valid TOML or CSV.
    ImportInput = "E108", Error;
    /// A rule that can never match because an earlier rule takes all its requests.
    ShadowedRule = "W001", Warning;
    /// The same rule written twice.
    DuplicateRule = "W002", Warning;
    /// A redirect whose target is itself redirected (`set chains flatten` resolves it).
    RedirectChain = "W003", Warning;
    /// A header value that CloudFront may reject or mangle (non-ASCII, very long).
    SuspiciousHeaderValue = "W004", Warning;
    /// A setting given twice; the last one wins.
    RepeatedSetting = "W005", Warning;
}

/// One finding, with where it is and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The stable code; its severity is the diagnostic's severity.
    pub code: Code,
    /// A short lower-case phrase, no trailing period.
    pub message: String,
    /// The token at fault.
    pub span: Span,
    /// Text attached to the span in the rendered snippet.
    pub label: String,
    /// Advice: what to write instead.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with an empty label and no help.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic { code, message: message.into(), span, label: String::new(), help: None }
    }

    /// Attaches a label to the span.
    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// The severity, fixed by the code.
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    /// Whether this diagnostic stops compilation.
    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }
}

/// Whether any diagnostic in the list is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}

/// Renders diagnostics the way rustc does: `error[E007]: message`, a `--> file:line:col`
/// pointer, the source line with the span underlined, and `= help:` lines.
pub fn render(diagnostics: &[Diagnostic], source: &SourceFile, color: bool) -> String {
    let file = SimpleFile::new(source.name(), source.text());
    let config = term::Config { chars: term::Chars::ascii(), ..term::Config::default() };
    let mut out = if color { termcolor::Buffer::ansi() } else { termcolor::Buffer::no_color() };
    for diagnostic in diagnostics {
        let cs = to_codespan(diagnostic, source);
        // Writing to an in-memory buffer cannot fail.
        let _ = term::emit_to_write_style(&mut out, &config, &file, &cs);
    }
    String::from_utf8_lossy(out.as_slice()).into_owned()
}

/// The one-line form `file:line:col: error[E007]: message`, for logs and CI annotations.
pub fn short(diagnostic: &Diagnostic, source: &SourceFile) -> String {
    let LineCol { line, col } = source.line_col(diagnostic.span.start);
    let severity = match diagnostic.severity() {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    format!("{}:{line}:{col}: {severity}[{}]: {}", source.name(), diagnostic.code.as_str(), diagnostic.message)
}

fn to_codespan(diagnostic: &Diagnostic, source: &SourceFile) -> cs::Diagnostic<()> {
    let base = match diagnostic.severity() {
        Severity::Error => cs::Diagnostic::error(),
        Severity::Warning => cs::Diagnostic::warning(),
    };
    let len = source.text().len();
    let start = (diagnostic.span.start as usize).min(len);
    let end = (diagnostic.span.end as usize).clamp(start, len);
    let mut notes = Vec::new();
    if let Some(help) = &diagnostic.help {
        notes.push(format!("help: {help}"));
    }
    base.with_code(diagnostic.code.as_str())
        .with_message(&diagnostic.message)
        .with_labels(vec![cs::Label::primary((), start..end).with_message(&diagnostic.label)])
        .with_notes(notes)
}
