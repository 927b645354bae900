//! `hedgec import`: other tools' rule files in, a `.hedge` file out, with every rule that did
//! not carry over exactly reported line by line.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::ui::{self, Status};

/// The dialect of the files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Source {
    /// Netlify: `_redirects`, `_headers`, `netlify.toml` (a name ending in .toml is netlify.toml,
    /// a name containing "headers" is a _headers file, any other a _redirects file).
    Netlify,
    /// Cloudflare Pages: `_redirects` and `_headers` (a name containing "headers" is a _headers file).
    Cloudflare,
    /// `from,to[,status]` rows, comma- or tab-separated, with or without a header line.
    Csv,
    /// Firebase Hosting: `firebase.json` (comments allowed): redirects, rewrites, headers.
    Firebase,
    /// Amplify Hosting: the console's rewrites and redirects JSON (a list, or `customRules`), and
    /// `customHttp.yml` custom headers (any file whose name ends in .yml or .yaml).
    Amplify,
    /// Apache httpd: `.htaccess` (per-directory, at the site's root) or server configuration
    /// files: Redirect, RedirectMatch, RewriteRule with simple RewriteConds, Header.
    Apache,
    /// nginx: configuration files with server and location blocks: return, rewrite, map,
    /// add_header, in nginx's order of precedence.
    Nginx,
    /// Vercel: `vercel.json` (comments allowed): redirects, rewrites, headers, cleanUrls, trailingSlash.
    Vercel,
}

impl Source {
    fn format(self) -> importers::Format {
        match self {
            Source::Netlify => importers::Format::Netlify,
            Source::Cloudflare => importers::Format::Cloudflare,
            Source::Csv => importers::Format::Csv,
            Source::Firebase => importers::Format::Firebase,
            Source::Amplify => importers::Format::Amplify,
            Source::Apache => importers::Format::Apache,
            Source::Nginx => importers::Format::Nginx,
            Source::Vercel => importers::Format::Vercel,
        }
    }
}

/// How the result is printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Findings and a summary on stderr; the rules on stdout unless -o is given.
    #[default]
    Text,
    /// One JSON object on stdout: summary, findings, and the rules unless -o is given.
    Json,
}

/// `hedgec import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The dialect of the files.
    #[arg(value_enum, value_name = "FORMAT")]
    pub source: Source,

    /// The files to translate, all of that dialect, read in the order given.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// Where to write the rules; without it they go to stdout (or into the JSON).
    #[arg(short = 'o', long = "output", value_name = "OUT.hedge")]
    pub output: Option<PathBuf>,

    /// The site's build output (netlify only): a rule without `!` does not apply where a file
    /// exists, and this directory says where files exist. Without it, no file is assumed at a
    /// rule's path, and fallback pattern rules (200 rewrites, 4xx) are left out.
    #[arg(long, value_name = "DIR")]
    pub site: Option<PathBuf>,

    /// How the result is printed.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// The JSON printed with `--format json`.
#[derive(Serialize)]
struct Report<'a> {
    format_version: u32,
    format: &'static str,
    files: Vec<String>,
    output: Option<String>,
    summary: importers::Summary,
    findings: &'a [importers::Finding],
    #[serde(skip_serializing_if = "Option::is_none")]
    hedge: Option<&'a str>,
}

/// Prints why an input cannot be imported: a diagnostic on the file's text, or a wrong option.
fn report_input_error(error: importers::InputError, text: &str) -> Status {
    match error {
        importers::InputError::File { file, diagnostic } => ui::input_error(diagnostic, Path::new(&file), text),
        importers::InputError::Option(message) => {
            ui::note(&format!("error: {message}"));
            Status::Error
        }
    }
}

/// Runs the command.
pub fn run(args: &ImportArgs) -> anyhow::Result<Status> {
    let mut inputs = Vec::new();
    for path in &args.files {
        let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        match importers::Input::from_bytes(path.display().to_string(), &bytes) {
            Ok(input) => inputs.push(input),
            Err(error) => return Ok(report_input_error(error, &String::from_utf8_lossy(&bytes))),
        }
    }
    let site = match &args.site {
        Some(dir) => Some(
            importers::Site::scan(dir).with_context(|| format!("cannot list the site's files in {}", dir.display()))?,
        ),
        None => None,
    };
    let options = importers::ImportOptions { site };
    let result = match importers::import(args.source.format(), &inputs, &options) {
        Ok(result) => result,
        Err(error) => {
            let text = match &error {
                importers::InputError::File { file, .. } => {
                    inputs.iter().find(|i| &i.name == file).map(|i| i.text.as_str())
                }
                importers::InputError::Option(_) => None,
            };
            return Ok(report_input_error(error, text.unwrap_or_default()));
        }
    };
    if let Some(path) = &args.output {
        fs::write(path, &result.hedge).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let files: Vec<String> = inputs.iter().map(|i| i.name.clone()).collect();
    match args.format {
        Format::Text => {
            for finding in &result.findings {
                let place = if finding.line == 0 {
                    finding.file.clone()
                } else {
                    format!("{}:{}:{}", finding.file, finding.line, finding.column)
                };
                ui::note(&format!("{place}: {}: {}", finding.kind.name(), finding.message));
                if !finding.source.is_empty() {
                    ui::note(&format!("    | {}", finding.source));
                }
            }
            if args.output.is_none() {
                ui::stdout_raw(&result.hedge);
            }
        }
        Format::Json => {
            let report = Report {
                format_version: ui::FORMAT_VERSION,
                format: args.source.format().name(),
                files: files.clone(),
                output: args.output.as_ref().map(|p| p.display().to_string()),
                summary: result.summary,
                findings: &result.findings,
                hedge: args.output.is_none().then_some(result.hedge.as_str()),
            };
            ui::stdout(&serde_json::to_string_pretty(&report).context("cannot write JSON")?);
        }
    }
    let written = match &args.output {
        Some(path) => format!("; wrote {}", path.display()),
        None => String::new(),
    };
    ui::note(&format!("imported {}: {}{written}", files.join(", "), result.summary));
    Ok(if result.summary.reported > 0 { Status::Failure } else { Status::Success })
}
