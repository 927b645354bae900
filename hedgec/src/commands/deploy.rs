//! `hedgec deploy`: compile, read what CloudFront has, print the plan, and (unless
//! `--dry-run`) bring the functions and the KeyValueStore in line with the rules, in an order
//! that keeps every request answered as the old or the new rules answer it (see the `deploy`
//! crate).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::commands::compile;
use crate::ui::{self, Status};

/// How the plan is printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The plan, progress and a summary for people, on stderr.
    #[default]
    Text,
    /// One JSON object on stdout at the end: the plan, and what was done (`applied`, null for a
    /// dry run). Progress still goes to stderr.
    Json,
}

/// `hedgec deploy`.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// The rules file.
    #[arg(value_name = "RULES")]
    pub rules: PathBuf,

    /// The viewer-request function's name; created when missing.
    #[arg(long, value_name = "NAME", value_parser = resource_name)]
    pub request_function: String,

    /// The viewer-response function's name; required when the rules have header rules. Without
    /// header rules the function is given code that returns the response unchanged.
    #[arg(long, value_name = "NAME", value_parser = resource_name)]
    pub response_function: Option<String>,

    /// The KeyValueStore's name.
    #[arg(long = "kvs", value_name = "NAME", value_parser = resource_name)]
    pub kvs: String,

    /// Print the plan and stop: read-only.
    #[arg(long)]
    pub dry_run: bool,

    /// Create the KeyValueStore when it does not exist.
    #[arg(long)]
    pub create: bool,

    /// Allow a plan after which the functions read less than half of the KVS entries they read
    /// now (a rules file that lost most of its rules, or the wrong store).
    #[arg(long)]
    pub allow_mass_delete: bool,

    /// Seconds a change takes to reach CloudFront's edge locations: waited after new data
    /// before publishing code that reads it, and after publishing before deleting old data.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0, value_parser = seconds)]
    pub settle: f64,

    /// The AWS region (CloudFront is global; the default chain, then us-east-1).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// A profile of the AWS shared config and credentials files.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// One endpoint for both CloudFront and the KeyValueStore data plane, instead of AWS's
    /// (a local stand-in of the APIs).
    #[arg(long, value_name = "URL", value_parser = endpoint)]
    pub endpoint_url: Option<String>,

    /// How the plan is printed.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// CloudFront's rule for function and store names.
fn resource_name(name: &str) -> Result<String, String> {
    let valid =
        (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid { Ok(name.to_string()) } else { Err("names are 1 to 64 letters, digits, hyphens and underscores".into()) }
}

fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && (0.0..=3600.0).contains(&s) => Ok(s),
        _ => Err("a number of seconds from 0 to 3600".into()),
    }
}

fn endpoint(url: &str) -> Result<String, String> {
    let rest = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !host.starts_with('/') => Ok(url.trim_end_matches('/').to_string()),
        _ => Err("an http:// or https:// URL with a host".into()),
    }
}

/// The site to deploy for compiled rules.
pub fn site(args: &DeployArgs, compiled: &compile::Compiled) -> Result<deploy::Site, String> {
    let names =
        deploy::FunctionNames { request: args.request_function.clone(), response: args.response_function.clone() };
    deploy::Site::from_compiled(&compiled.output, &names, compiled.rules.settings.kvs_id.clone()).map_err(|error| {
        match error {
            deploy::SiteError::SameName => {
                "--request-function and --response-function must name different functions".to_string()
            }
            deploy::SiteError::ResponseFunctionMissing => format!(
                "{} has header rules, which run in a viewer-response function: add --response-function NAME",
                compiled.source.name()
            ),
        }
    })
}

/// Runs the command.
pub fn run(args: &DeployArgs) -> anyhow::Result<Status> {
    let compiled = match compile::load(&args.rules, ui::SHOWN_WARNINGS)? {
        Ok(compiled) => compiled,
        Err(status) => return Ok(status),
    };
    if rules_dsl::diagnostics::has_errors(&compiled.output.diagnostics) {
        // Over a CloudFront limit: CloudFront would refuse it.
        return Ok(Status::Error);
    }
    let site = match site(args, &compiled) {
        Ok(site) => site,
        Err(message) => {
            ui::note(&format!("error: {message}"));
            return Ok(Status::Error);
        }
    };
    let connection = deploy::Connection {
        region: args.region.clone(),
        profile: args.profile.clone(),
        endpoint_url: args.endpoint_url.clone(),
    };
    let options = deploy::Options {
        plan: deploy::PlanOptions {
            store: args.kvs.clone(),
            create_store: args.create,
            allow_mass_delete: args.allow_mass_delete,
        },
        dry_run: args.dry_run,
        settle: Duration::from_secs_f64(args.settle),
        ..deploy::Options::default()
    };
    let terminal = deploy::progress::Terminal::new(args.format == Format::Text);
    // A dry run only reads: it gives up within seconds rather than retrying for a minute.
    let retry = if args.dry_run { deploy::Retry::dry_run() } else { deploy::Retry::default() };
    let result = deploy::block_on(deploy::run(&connection, &site, &options, retry, &terminal));
    terminal.finish();
    let report = match result {
        Ok(report) => report,
        Err(error) => return Ok(failed(args, &error)),
    };
    match &report.applied {
        Some(applied) => ui::note(&applied.summary()),
        None => ui::note("dry run: nothing was written"),
    }
    if args.format == Format::Json {
        let mut json = report.plan.to_json();
        json["format_version"] = ui::FORMAT_VERSION.into();
        json["dry_run"] = serde_json::Value::Bool(args.dry_run);
        json["applied"] = report.applied.as_ref().map_or(serde_json::Value::Null, deploy::Applied::to_json);
        ui::stdout(&serde_json::to_string_pretty(&json)?);
    }
    Ok(Status::Success)
}

/// Reports a deploy that did not finish: one line on stderr, and with `--format json` a JSON
/// object on stdout that says what failed. Missing or refused credentials and an unknown
/// profile are the setup's fault (exit 2); anything else is a failed run (exit 1).
fn failed(args: &DeployArgs, error: &deploy::DeployError) -> Status {
    use deploy::aws::Error;
    ui::note(&format!("error: {error}"));
    let (kind, operation, status) = match error {
        deploy::DeployError::Plan(_) => ("plan", None, Status::Failure),
        deploy::DeployError::Aws(error @ (Error::Credentials(_) | Error::UnknownProfile(_))) => {
            (error.kind(), None, Status::Error)
        }
        deploy::DeployError::Aws(error) => (error.kind(), error.operation(), Status::Failure),
    };
    let wrote = matches!(error, deploy::DeployError::Aws(_)) && status == Status::Failure && !args.dry_run;
    if wrote {
        ui::note("every step taken so far is safe to stay: run the same command again to finish");
    }
    if args.format == Format::Json {
        let json = serde_json::json!({
            "format_version": ui::FORMAT_VERSION,
            "dry_run": args.dry_run,
            "applied": null,
            "error": { "kind": kind, "operation": operation, "message": error.to_string() },
        });
        ui::stdout(&serde_json::to_string_pretty(&json).expect("JSON values serialize"));
    }
    status
}
