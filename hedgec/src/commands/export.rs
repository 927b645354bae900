//! `hedgec export`: compile, then write the site as Terraform, CloudFormation or CDK code (see
//! the `export` crate and `docs/export.md`).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, ValueEnum};

use crate::commands::compile;
use crate::ui::{self, Status};

/// The infrastructure-as-code tool to write for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// hedgec.tf: aws_cloudfront_function, aws_cloudfront_key_value_store and
    /// aws_cloudfrontkeyvaluestore_keys_exclusive, with variables and outputs.
    Terraform,
    /// template.yaml and kvs-HASH.json, the store's import file, to upload to S3.
    Cloudformation,
    /// hedgec-site.ts: a construct with cloudfront.Function and cloudfront.KeyValueStore.
    Cdk,
}

/// `hedgec export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to write.
    #[arg(value_enum, value_name = "TARGET")]
    pub target: Target,

    /// The rules file.
    #[arg(value_name = "RULES")]
    pub rules: PathBuf,

    /// The output directory; created if missing.
    #[arg(short = 'o', long = "out-dir", value_name = "DIR", default_value = "infra")]
    pub out_dir: PathBuf,

    /// The viewer-request function's default name [default: STEM-request, from the rules file].
    #[arg(long, value_name = "NAME", value_parser = function_name)]
    pub request_function: Option<String>,

    /// The viewer-response function's default name, used when the rules have header rules
    /// [default: STEM-response].
    #[arg(long, value_name = "NAME", value_parser = function_name)]
    pub response_function: Option<String>,

    /// The KeyValueStore's default name, before the hyphen and data hash that follow it
    /// [default: STEM-data].
    #[arg(long = "kvs", value_name = "NAME", value_parser = store_name)]
    pub kvs: Option<String>,
}

fn function_name(name: &str) -> Result<String, String> {
    checked_name(name, 64)
}

fn store_name(name: &str) -> Result<String, String> {
    checked_name(name, export::MAX_STORE_PREFIX)
}

fn checked_name(name: &str, max: usize) -> Result<String, String> {
    let valid =
        (1..=max).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(name.to_string())
    } else {
        Err(format!("names are 1 to {max} letters, digits, hyphens and underscores"))
    }
}

/// A default name from the rules file's stem: `site.hedge` gives `site-request`.
fn default_name(rules: &Path, suffix: &str) -> String {
    let stem: String = rules
        .file_stem()
        .map(|s| s.to_string_lossy().chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect())
        .unwrap_or_default();
    let stem = if stem.is_empty() { "site".to_string() } else { stem };
    let room = export::MAX_STORE_PREFIX - suffix.len() - 1;
    format!("{}-{suffix}", &stem[..stem.len().min(room)])
}

/// The site to export for compiled rules.
fn site(args: &ExportArgs, compiled: &compile::Compiled) -> export::Site {
    let output = &compiled.output;
    export::Site {
        source: args
            .rules
            .file_name()
            .map_or_else(|| compiled.source.name().to_string(), |n| n.to_string_lossy().into()),
        request: export::Function {
            name: args.request_function.clone().unwrap_or_else(|| default_name(&args.rules, "request")),
            code: output.request.clone(),
            reads_store: output.request_store.is_some(),
        },
        response: output.response.as_ref().map(|code| export::Function {
            name: args.response_function.clone().unwrap_or_else(|| default_name(&args.rules, "response")),
            code: code.clone(),
            reads_store: output.response_store.is_some(),
        }),
        entries: output.kvs.iter().map(|e| (e.key.clone(), e.value.clone())).collect(),
        import_file: output.kvs_json(),
        store_name: args.kvs.clone().unwrap_or_else(|| default_name(&args.rules, "data")),
    }
}

/// Runs the command.
pub fn run(args: &ExportArgs) -> anyhow::Result<Status> {
    let compiled = match compile::load(&args.rules, ui::SHOWN_WARNINGS)? {
        Ok(compiled) => compiled,
        Err(status) => return Ok(status),
    };
    if rules_dsl::diagnostics::has_errors(&compiled.output.diagnostics) {
        // Over a CloudFront limit: nothing is written.
        return Ok(Status::Error);
    }
    if compiled.rules.settings.kvs_id.is_some() {
        ui::note(&format!(
            "error: {} sets kvs-id, which ties the functions to one store, but an export creates a new store for \
             each version of the data: remove `set kvs-id` (the functions then read the store associated with them)",
            compiled.source.name()
        ));
        return Ok(Status::Error);
    }
    let target = match args.target {
        Target::Terraform => export::Target::Terraform,
        Target::Cloudformation => export::Target::CloudFormation,
        Target::Cdk => export::Target::Cdk,
    };
    let files = match export::export(&site(args, &compiled), target, &export::Limits::default()) {
        Ok(files) => files,
        Err(error) => {
            ui::note(&format!("error: {error}; nothing was written"));
            return Ok(Status::Error);
        }
    };
    fs::create_dir_all(&args.out_dir).with_context(|| format!("cannot create {}", args.out_dir.display()))?;
    let mut written = Vec::new();
    for file in &files {
        let path = args.out_dir.join(&file.name);
        fs::write(&path, &file.contents).with_context(|| format!("cannot write {}", path.display()))?;
        written.push(format!("{} ({} B)", file.name, ui::thousands(file.contents.len())));
    }
    ui::note(&format!("exported {} into {}: {}", compiled.source.name(), args.out_dir.display(), written.join(", ")));
    if compiled.output.kvs.is_empty() && args.kvs.is_some() {
        ui::note(
            "note: the functions read no KVS, so no store was exported and --kvs is unused (a site with a few exact \
             rules keeps them in code; `set exact-rules kvs` keeps them in a store)",
        );
    }
    if let Some(template) = files.iter().find(|f| f.name == "template.yaml")
        && template.contents.len() > export::MAX_INLINE_TEMPLATE_BYTES
    {
        ui::note(
            "note: the template is over 51,200 bytes: deploy it through S3 (aws cloudformation deploy --s3-bucket)",
        );
    }
    Ok(Status::Success)
}
