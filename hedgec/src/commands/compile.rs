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

    /// Fail when a function is over this many bytes.
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
}

/// Reads and compiles a rules file with [`compiler::build`], printing diagnostics. `Err` carries
/// the exit status when the input could not be compiled at all.
pub fn load(path: &Path, options: &compiler::CompileOptions) -> anyhow::Result<Result<Compiled, Status>> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let build = compiler::build(&path.display().to_string(), &bytes, options)?;
    ui::diagnostics(&build.diagnostics, &build.source);
    match build.compiled {
        Some(compiler::Compiled { rules, output }) => Ok(Ok(Compiled { source: build.source, rules, output })),
        None => Ok(Err(Status::Error)),
    }
}

/// Runs the command.
pub fn run(args: &CompileArgs) -> anyhow::Result<Status> {
    let options = compiler::CompileOptions { pretty: args.pretty, max_function_bytes: args.max_bytes };
    let compiled = match load(&args.rules, &options)? {
        Ok(compiled) => compiled,
        Err(status) => return Ok(status),
    };
    if rules_dsl::diagnostics::has_errors(&compiled.output.diagnostics) {
        // Over a CloudFront limit: nothing is written, so nothing unusable gets deployed.
        return Ok(Status::Error);
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
