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

    /// Fail (exit 1, nothing written) when a function is over this many bytes. A budget only
    /// judges the output: the functions compiled are the same whatever N is.
    #[arg(long, value_name = "N", default_value_t = compiler::MAX_FUNCTION_BYTES, value_parser = positive_bytes)]
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
    /// The analysis's findings (warnings only, as the rules compiled).
    pub warnings: Vec<rules_dsl::Diagnostic>,
}

/// A rules file that does not compile: its source and every diagnostic, errors first found.
pub struct Rejected {
    /// The rules file.
    pub source: SourceFile,
    /// Everything found, errors and warnings, in file order.
    pub diagnostics: Vec<rules_dsl::Diagnostic>,
}

/// A budget a command line can set: a positive number of bytes.
pub fn positive_bytes(text: &str) -> Result<usize, String> {
    match text.replace(['_', ','], "").parse::<usize>() {
        Ok(0) => Err("a budget of 0 bytes holds no function; give a positive number".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{text}` is not a number of bytes")),
    }
}

/// Reads, analyses and compiles a rules file, printing diagnostics. `Err` carries the exit
/// status when the input could not be compiled at all.
pub fn load(path: &Path, options: &compiler::CompileOptions) -> anyhow::Result<Result<Compiled, Status>> {
    match analyse(path, options)? {
        Ok(compiled) => Ok(Ok(compiled)),
        Err(rejected) => {
            ui::diagnostics(&rejected.diagnostics, &rejected.source);
            Ok(Err(Status::Error))
        }
    }
}

/// Like [`load`], but a file with errors is returned, not printed, for commands that report
/// it in another format.
pub fn analyse(path: &Path, options: &compiler::CompileOptions) -> anyhow::Result<Result<Compiled, Rejected>> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let (source, utf8_error) = rules_dsl::source_from_bytes(path.display().to_string(), &bytes);
    let mut analysis = rules_dsl::analyze(&source);
    if let Some(diagnostic) = utf8_error {
        analysis.diagnostics.insert(0, diagnostic);
    }
    if analysis.has_errors() {
        return Ok(Err(Rejected { source, diagnostics: analysis.diagnostics }));
    }
    let mut output = compiler::compile(&analysis.rules, options)?;
    output.report.warnings = analysis
        .diagnostics
        .iter()
        .map(|d| {
            let at = source.line_col(d.span.start);
            compiler::report::WarningReport {
                code: d.code.as_str().into(),
                message: d.message.clone(),
                line: at.line,
                column: at.col,
            }
        })
        .collect();
    let mut all = analysis.diagnostics.clone();
    all.extend(output.diagnostics.iter().cloned());
    ui::diagnostics(&all, &source);
    Ok(Ok(Compiled { source, rules: analysis.rules, output, warnings: analysis.diagnostics }))
}

/// Runs the command.
pub fn run(args: &CompileArgs) -> anyhow::Result<Status> {
    // The budget judges the output; it never changes what is compiled.
    let options = compiler::CompileOptions { pretty: args.pretty, ..compiler::CompileOptions::default() };
    let compiled = match load(&args.rules, &options)? {
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
            ui::note(&format!("error: {line}"));
        }
        ui::note("nothing was written; `hedgec check` shows what takes the space");
        return Ok(Status::Failure);
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
