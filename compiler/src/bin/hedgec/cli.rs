//! The command line: every command, flag and its help text.

use clap::{Parser, Subcommand};

use crate::commands;

/// Compile, run and test CloudFront Functions from hedge rules.
///
/// hedgec turns a rules file (redirects, rewrites, responses, prefix stripping and headers)
/// into size-minimized cloudfront-js-2.0 functions and KeyValueStore data.
///
/// Exit status: 0 success; 1 the work ran and found failures (a function over budget);
/// 2 the input could not be used (bad flags, invalid rules), with a diagnostic naming the file,
/// line and column.
#[derive(Debug, Parser)]
#[command(name = "hedgec", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compile a rules file to CloudFront functions and KVS data.
    ///
    /// Writes DIR/viewer-request.js (always), DIR/viewer-response.js (when there are header
    /// rules), DIR/kvs.json (AWS's import format) and DIR/report.json (sizes, KVS use,
    /// warnings). The same input always gives byte-identical files.
    ///
    /// Example: hedgec compile site.hedge -o dist
    Compile(commands::compile::CompileArgs),

    /// Run a function once on an event, locally, as CloudFront's TestFunction does.
    ///
    /// Runs any cloudfront-js-2.0 function (compiled by hedgec or written by hand) on the
    /// embedded runtime, with the KVS data of --kvs (AWS's import format). Exit status 1 when
    /// the function fails (syntax error, exception, invalid result, over budget); 2 when the
    /// function, event or KVS file cannot be used.
    ///
    /// Example: hedgec run dist/viewer-request.js --event event.json --kvs dist/kvs.json --format json
    Run(commands::run::RunArgs),
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        super::Cli::command().debug_assert();
    }
}
