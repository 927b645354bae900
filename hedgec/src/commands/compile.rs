//! `hedgec compile`: rules in, functions, KVS data and a report out.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use rules_dsl::SourceFile;

use crate::ui::{self, Status};

/// `hedgec compile`.
#[derive(Debug, Args)]
pub struct CompileArgs {
    /// The rules file (conventionally site.hedge).
    #[arg(value_name = "RULES")]
    pub rules: PathBuf,

    /// The output directory; created if missing.
    #[arg(short = 'o', long = "out-dir", value_name = "DIR", default_value = "dist")]
    pub out_dir: PathBuf,

    /// Write readable, unminified functions (same behaviour, larger files) for reading the output.
    #[arg(long)]
    pub pretty: bool,

    /// Fail (exit 1, nothing written) when a function is over this many bytes. The functions are
    /// always built against CloudFront's limit (10,240 bytes); this budget only judges them.
    #[arg(long, value_name = "N", default_value_t = compiler::MAX_FUNCTION_BYTES)]
    pub max_bytes: usize,
}

/// A compiled rules file, with its source for diagnostics.
pub struct Compiled {
    /// The rules file.
    pub source: SourceFile,
    /// What the rules mean.
    pub rules: rules_dsl::ir::Rules,
    /// The compiler's output.
    pub output: compiler::CompileReturn,
    /// Every diagnostic of the front end and the back end, in that order.
    pub diagnostics: Vec<rules_dsl::Diagnostic>,
}

/// A rules file read and analysed: compiled, or rejected with its errors.
pub enum Loaded {
    /// The rules compiled (the back end may still have reported errors, such as a limit).
    Compiled(Box<Compiled>),
    /// The front end found errors; nothing was compiled.
    Rejected {
        /// The rules file.
        source: SourceFile,
        /// Every diagnostic, errors and warnings.
        diagnostics: Vec<rules_dsl::Diagnostic>,
    },
}

/// Reads and compiles a rules file with [`compiler::build`] without printing anything, for
/// callers that report diagnostics in their own format (`check --format json|github`).
pub fn load_quiet(path: &Path) -> anyhow::Result<Loaded> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    // Always built against CloudFront's own limit: a user's budget (`--max-bytes`) judges the
    // result and never changes what is compiled.
    let options = compiler::CompileOptions::default();
    let build = compiler::build(&path.display().to_string(), &bytes, &options)?;
    Ok(match build.compiled {
        Some(compiler::Compiled { rules, output }) => {
            Loaded::Compiled(Box::new(Compiled { source: build.source, rules, output, diagnostics: build.diagnostics }))
        }
        None => Loaded::Rejected { source: build.source, diagnostics: build.diagnostics },
    })
}

/// Reads, analyses and compiles a rules file, printing diagnostics on stderr: every error, and
/// the first `shown_warnings` warnings. `Err` carries the exit status when the input could not
/// be compiled at all.
pub fn load(path: &Path, shown_warnings: usize) -> anyhow::Result<Result<Compiled, Status>> {
    // Arguments given the wrong way round would read a case file as rules: one line instead of
    // an error for every line of it.
    if let Some(kind) = path.extension().and_then(|e| e.to_str()).filter(|e| ["toml", "json"].contains(e)) {
        ui::note(&format!(
            "error: {} is a {} file, not rules: give the rules file (such as site.hedge) here; case files come after it",
            path.display(),
            kind.to_ascii_uppercase()
        ));
        return Ok(Err(Status::Error));
    }
    match load_quiet(path)? {
        Loaded::Rejected { source, diagnostics } => {
            ui::diagnostics_shown(&diagnostics, &source, shown_warnings);
            Ok(Err(Status::Error))
        }
        Loaded::Compiled(compiled) => {
            ui::diagnostics_shown(&compiled.diagnostics, &compiled.source, shown_warnings);
            Ok(Ok(*compiled))
        }
    }
}

/// Compiles for `--pretty`: the same placement, readable code.
fn pretty(compiled: &Compiled) -> anyhow::Result<compiler::CompileReturn> {
    let options = compiler::CompileOptions { pretty: true, ..compiler::CompileOptions::default() };
    Ok(compiler::compile(&compiled.rules, &options)?)
}

/// Runs the command.
pub fn run(args: &CompileArgs) -> anyhow::Result<Status> {
    // Reporting is this command's job: every warning.
    let mut compiled = match load(&args.rules, usize::MAX)? {
        Ok(compiled) => compiled,
        Err(status) => return Ok(status),
    };
    if rules_dsl::diagnostics::has_errors(&compiled.output.diagnostics) {
        // Over a CloudFront limit: nothing is written, so nothing unusable gets deployed.
        return Ok(Status::Error);
    }
    let over: Vec<String> = compiled
        .output
        .report
        .functions
        .iter()
        .filter(|f| f.bytes > args.max_bytes)
        .map(|f| {
            format!("{} is {} B, over --max-bytes {}", f.file, ui::thousands(f.bytes), ui::thousands(args.max_bytes))
        })
        .collect();
    if !over.is_empty() {
        for line in over {
            ui::note(&format!("error: {line}; nothing written"));
        }
        return Ok(Status::Failure);
    }
    if args.pretty {
        compiled.output = pretty(&compiled)?;
    }
    write_outputs(&args.out_dir, &compiled.output)?;
    let output = &compiled.output;
    let mut parts = Vec::new();
    for function in &output.report.functions {
        parts.push(format!(
            "{} {} B ({}% of {})",
            function.file,
            ui::thousands(function.bytes),
            function.bytes * 100 / function.limit.max(1),
            ui::thousands(function.limit)
        ));
    }
    let kvs = &output.report.kvs;
    parts.push(format!(
        "kvs.json {} in {} B, at most {} per request",
        ui::plural(kvs.keys, "key"),
        ui::thousands(kvs.bytes),
        ui::plural(kvs.worst_case_reads_per_request as usize, "read")
    ));
    ui::note(&format!("compiled {} into {}: {}", compiled.source.name(), args.out_dir.display(), parts.join("; ")));
    Ok(Status::Success)
}

/// Writes the four output files (removing a stale viewer-response.js).
pub fn write_outputs(dir: &Path, output: &compiler::CompileReturn) -> anyhow::Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let write = |name: &str, contents: &str| {
        let path = dir.join(name);
        fs::write(&path, contents).with_context(|| format!("cannot write {}", path.display()))
    };
    write("viewer-request.js", &output.request)?;
    match &output.response {
        Some(response) => write("viewer-response.js", response)?,
        None => {
            let stale = dir.join("viewer-response.js");
            if stale.exists() {
                fs::remove_file(&stale).with_context(|| format!("cannot remove {}", stale.display()))?;
            }
        }
    }
    write("kvs.json", &output.kvs_json())?;
    write("report.json", &output.report.to_json())?;
    Ok(())
}
