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

/// The commands. Each shows the program's name in `--version` (`hedgec 0.1.0`, not `hedgec-compile`).
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compile a rules file to CloudFront functions and KVS data.
    ///
    /// Writes DIR/viewer-request.js (always), DIR/viewer-response.js (when there are header
    /// rules), DIR/kvs.json (AWS's import format) and DIR/report.json (sizes, KVS use,
    /// warnings). The same input always gives byte-identical files.
    ///
    /// Example: hedgec compile site.hedge -o dist
    #[command(display_name = "hedgec")]
    Compile(commands::compile::CompileArgs),

    /// Run a function once on an event, locally, as CloudFront's TestFunction does.
    ///
    /// Runs any cloudfront-js-2.0 function (compiled by hedgec or written by hand) on the
    /// embedded runtime, with the KVS data of --kvs (AWS's import format). Exit status 1 when
    /// the function fails (syntax error, exception, invalid result, over budget); 2 when the
    /// function, event or KVS file cannot be used.
    ///
    /// Example: hedgec run dist/viewer-request.js --event event.json --kvs dist/kvs.json --format json
    #[command(display_name = "hedgec")]
    Run(commands::run::RunArgs),

    /// Run test cases against rules or a function, on the local runtime.
    ///
    /// A case file (TOML) holds [[case]] tables: a request as a shorthand line
    /// (`request = "GET https://example.com/a?b=1"`, with optional headers, cookies, country,
    /// viewer_ip) or a whole event, and `expect` with only what to check: status, location, uri,
    /// querystring, origin, headers, request_headers, body, error, max_kvs_reads. For rules, a
    /// request goes through viewer-request and, when it reaches the origin (answering `origin`,
    /// 200 by default), through viewer-response.
    ///
    /// Example: hedgec test site.hedge cases.toml
    #[command(display_name = "hedgec")]
    Test(commands::test::TestArgs),

    /// The CI gate: compile, measure every budget, and fail (exit 1) when one is over.
    ///
    /// Budgets: the bytes of each function, the estimated compute utilization of probe requests
    /// derived from the rules (one per rule, and misses) and of any cases given, and the bytes
    /// of KVS data. `--format github` annotates the rule responsible in pull requests.
    ///
    /// Example: hedgec check site.hedge cases.toml --format github
    #[command(display_name = "hedgec")]
    Check(commands::check::CheckArgs),

    /// Explain what one request does: the rules tried, the rule that answers, the KVS keys read.
    ///
    /// Lists the redirect, rewrite and respond rules tried in order with why each did not
    /// match (another host, a condition that does not hold), the rule that matches (file:line,
    /// and whether it was found in the KVS), the header rules that apply, the KVS keys the
    /// functions read, and what the compiled functions return for the request on the local
    /// runtime. Exit status 1 when a function fails on the request.
    ///
    /// Example: hedgec explain site.hedge https://example.com/ --country DE
    #[command(display_name = "hedgec")]
    Explain(commands::explain::ExplainArgs),

    /// Serve the site locally with its functions running on every request: a local CloudFront.
    ///
    /// Each request runs through the viewer-request function on the local runtime; a response
    /// it generates goes straight back; otherwise the request goes to the origin (a directory
    /// with --dir, or an HTTP server with --origin URL; origins chosen by `prefix-strip …
    /// origin=ID` are mapped with --origin ID=URL) and the answer goes through the
    /// viewer-response function. The rules file is watched and recompiled on every save; a
    /// compile error is shown on every page until it is fixed. One log line per request; the
    /// last requests, with the explain view, are at /_hedgec/. Ctrl-C stops it.
    ///
    /// Example: hedgec dev site.hedge --dir public --origin api-origin=http://127.0.0.1:3000
    Dev(commands::dev::DevArgs),

    /// Translate other tools' rule files (Netlify, Cloudflare Pages, Firebase, Amplify, Vercel, Apache, nginx, CSV) into hedge rules.
    ///
    /// Every rule that cannot be expressed is reported with its file and line (and listed at the
    /// end of the output); approximations, reorderings and assumptions are reported too. Exit
    /// status 1 when any rule was left out; the output is written all the same.
    ///
    /// Example: hedgec import netlify public/_redirects public/_headers netlify.toml -o site.hedge
    #[command(display_name = "hedgec")]
    Import(commands::import::ImportArgs),

    /// Bring CloudFront's functions and KeyValueStore in line with the rules, safely.
    ///
    /// Compiles, reads what is live (the store's entries, each function's DEVELOPMENT and LIVE
    /// code), prints the plan (keys to put and delete, functions to create, update or publish)
    /// and applies it: new data first, then the functions, then deletion of data only the old
    /// code read, so every request is answered as the old or the new rules answer it. Conflicts
    /// with other writers re-read and re-plan; throttling and server errors are retried; an
    /// interrupted deploy finishes when run again. Uses the standard AWS credential chain.
    ///
    /// Example: hedgec deploy site.hedge --request-function site-req --response-function site-resp --kvs site-data --dry-run
    #[command(display_name = "hedgec")]
    Deploy(commands::deploy::DeployArgs),

    /// Write the site as Terraform, CloudFormation or CDK code, for teams that deploy with them.
    ///
    /// Compiles, then writes the functions (cloudfront-js-2.0, code inline, published), the
    /// KeyValueStore with its data, their association, and the function ARNs as outputs to attach
    /// to a distribution's cache behaviors. The store's name carries a hash of its data: new data
    /// is a new store, filled before the functions move to it, and the old store outlives the
    /// move (docs/export.md). Exit status 2, with nothing written, when a function is over 10 KB,
    /// the data over 5 MB or the template over CloudFormation's limits.
    ///
    /// Example: hedgec export terraform site.hedge -o infra --request-function site-req --kvs site-data
    Export(commands::export::ExportArgs),
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        super::Cli::command().debug_assert();
    }
}
