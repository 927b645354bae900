//! Translates other tools' rule files into the hedge rules language, keeping their meaning.
//!
//! [`import`] reads one or more files of one [`Format`] and returns the text of a `.hedge`
//! file together with a [`Finding`] for everything that did not carry over exactly: rules the
//! language cannot express (left out, reported line by line, never dropped in silence),
//! faithful approximations, reorderings, and assumptions. Each emitted rule ends with a
//! comment naming the file and line it came from (`# from _redirects:12`).
//!
//! Source code layout:
//!
//! - [`netlify`]: `_redirects`, `_headers` and the `[[redirects]]` / `[[headers]]` tables of
//!   `netlify.toml`, as `@netlify/redirect-parser` and `@netlify/headers-parser` read them;
//! - [`cloudflare`]: Pages `_redirects` and `_headers`, as Cloudflare's asset server reads them;
//! - [`firebase`]: the `hosting` section of `firebase.json` (JSON with comments);
//! - [`amplify`]: Amplify Hosting's rewrites and redirects JSON;
//! - [`apache`]: `.htaccess` and httpd configuration (mod_alias, mod_rewrite, mod_headers);
//! - [`nginx`]: nginx configuration (servers, locations, `rewrite`, `return`, `map`,
//!   `add_header`), with its own tokenizer;
//! - [`pcre`]: the servers' regular expressions as the language's patterns and targets;
//! - [`vercel`]: `vercel.json`, with path-to-regexp sources;
//! - [`json`]: JSON with comments, every value with its line and column;
//! - [`secrets`]: credentials in URLs and header values, reported redacted, never copied;
//! - [`csv`]: `from,to[,status]` rows, comma- or tab-separated, with or without a header line;
//! - [`site`]: the list of a site's files (`--site DIR`), which decides Netlify's "a file at the
//!   path wins unless the rule is forced";
//! - [`model`]: the translated rules before they are written; [`emit`] writes them;
//! - [`matching`]: patterns read with the language's own parser: specialising a rule to one
//!   path, telling whether two patterns meet;
//! - [`text`]: quoting tokens and small URL helpers;
//! - [`validate`]: runs the rules language's own front end over the output and takes out (and
//!   reports) any rule it rejects, so that the text always analyses without errors;
//! - [`finding`]: findings and the summary counts.
//!
//! **Architecture Invariant:** the output of [`import`] always passes [`rules_dsl::analyze`]
//! without errors, and every source rule is either in it or in a finding that says why not.
//! Equal inputs give byte-identical outputs. The crate reads no files except in
//! [`site::Site::scan`].

pub mod amplify;
pub mod amplify_headers;
pub mod apache;
pub mod cloudflare;
pub mod csv;
pub mod emit;
pub mod finding;
pub mod firebase;
pub mod json;
pub mod matching;
pub mod model;
pub mod netlify;
pub mod nginx;
pub mod pcre;
pub mod secrets;
pub mod site;
pub mod text;
pub mod validate;
pub mod vercel;

pub use finding::{Finding, Kind, Summary};
pub use site::Site;

use model::Translation;
use rules_dsl::{Code, Diagnostic, Span};

/// The dialects `hedgec import` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Netlify: `_redirects`, `_headers`, `netlify.toml`.
    Netlify,
    /// Cloudflare Pages: `_redirects`, `_headers`.
    Cloudflare,
    /// `from,to[,status]` rows, comma- or tab-separated.
    Csv,
    /// Firebase Hosting: `firebase.json`.
    Firebase,
    /// Amplify Hosting: the rewrites and redirects JSON.
    Amplify,
    /// Apache httpd: `.htaccess` and server configuration.
    Apache,
    /// nginx: `nginx.conf` and site files.
    Nginx,
    /// Vercel: `vercel.json`.
    Vercel,
}

impl Format {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Netlify => "netlify",
            Format::Cloudflare => "cloudflare",
            Format::Csv => "csv",
            Format::Firebase => "firebase",
            Format::Amplify => "amplify",
            Format::Apache => "apache",
            Format::Nginx => "nginx",
            Format::Vercel => "vercel",
        }
    }

    /// The format with this command-line name.
    pub fn from_name(name: &str) -> Option<Format> {
        [Format::Netlify, Format::Cloudflare, Format::Csv, Format::Firebase, Format::Amplify]
            .into_iter()
            .chain([Format::Apache, Format::Nginx, Format::Vercel])
            .find(|f| f.name() == name)
    }
}

/// One file to import: the name it is reported under, and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// The name used in comments and findings, usually the path as the user gave it.
    pub name: String,
    /// The contents.
    pub text: String,
}

impl Input {
    /// An input from text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Input {
        Input { name: name.into(), text: text.into() }
    }

    /// An input from bytes that must be UTF-8; the error names the line and column of the
    /// first invalid byte.
    pub fn from_bytes(name: impl Into<String>, bytes: &[u8]) -> Result<Input, InputError> {
        let name = name.into();
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(Input { name, text: text.to_string() }),
            Err(error) => {
                // The offset of the first bad byte is the same in the lossy text: only what
                // follows it is replaced.
                let text = String::from_utf8_lossy(bytes);
                let offset = error.valid_up_to();
                Err(InputError::at(&name, &text, offset, "the file is not valid UTF-8", "save the file as UTF-8"))
            }
        }
    }
}

/// How to import.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// The site's files (Netlify only): decides which unforced rules a file shadows.
    pub site: Option<Site>,
}

/// A file that cannot be imported at all (not UTF-8, not valid TOML), or a wrong option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputError {
    /// A file that cannot be read as its format: an `E108` diagnostic on that file's text.
    File {
        /// The input's name.
        file: String,
        /// Where and what.
        diagnostic: Diagnostic,
    },
    /// An option that does not apply.
    Option(String),
}

impl InputError {
    /// An `E108` diagnostic at a byte offset of an input's text.
    pub(crate) fn at(file: &str, text: &str, offset: usize, message: impl Into<String>, help: &str) -> InputError {
        let offset = offset.min(text.len());
        let len = text[offset..].chars().next().filter(|&c| c != '\n').map_or(0, char::len_utf8);
        let diagnostic = Diagnostic::new(Code::ImportInput, Span::new(offset, offset + len), message)
            .with_label("here")
            .with_help(help);
        InputError::File { file: file.to_string(), diagnostic }
    }
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputError::File { file, diagnostic } => {
                write!(f, "{file}: error[{}]: {}", diagnostic.code.as_str(), diagnostic.message)
            }
            InputError::Option(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for InputError {}

/// What [`import`] produces.
///
/// `hedge` always analyses without errors; `findings` are sorted by file, line and column.
#[derive(Clone, Debug)]
pub struct ImportReturn {
    /// The `.hedge` text.
    pub hedge: String,
    /// Everything that did not carry over exactly.
    pub findings: Vec<Finding>,
    /// The counts.
    pub summary: Summary,
}

impl ImportReturn {
    /// Whether a source rule (file and line) was left out.
    pub fn left_out(&self, file: &str, line: u32) -> bool {
        self.findings.iter().any(|f| f.kind.leaves_out() && f.file == file && f.line == line)
    }
}

/// Translates `inputs` (all of one format) into hedge rules.
pub fn import(format: Format, inputs: &[Input], options: &ImportOptions) -> Result<ImportReturn, InputError> {
    if options.site.is_some() && format != Format::Netlify {
        return Err(InputError::Option(format!(
            "--site applies to netlify only: {} rules apply whether or not a file exists at the path",
            format.name()
        )));
    }
    let mut translation = Translation::new(format, inputs.iter().map(|i| i.name.clone()).collect());
    match format {
        Format::Netlify => netlify::translate(inputs, options.site.as_ref(), &mut translation)?,
        Format::Cloudflare => cloudflare::translate(inputs, &mut translation),
        Format::Csv => csv::translate(inputs, &mut translation),
        Format::Firebase => firebase::translate(inputs, &mut translation)?,
        Format::Amplify => amplify::translate(inputs, &mut translation)?,
        Format::Apache => apache::translate(inputs, &mut translation)?,
        Format::Nginx => nginx::translate(inputs, &mut translation)?,
        Format::Vercel => vercel::translate(inputs, &mut translation)?,
    }
    secrets::withhold(&mut translation);
    let hedge = validate::finish(&mut translation);
    let mut findings = std::mem::take(&mut translation.findings);
    findings.sort_by(|a, b| {
        (translation.file_index(&a.file), a.line, a.column).cmp(&(translation.file_index(&b.file), b.line, b.column))
    });
    Ok(ImportReturn { hedge, summary: translation.summary(), findings })
}
