//! `hedgec dev`: the local server (the `dev` crate) started from the command line, until Ctrl-C.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::ui::{self, Status};

/// How requests are logged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One readable line per request.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// `hedgec dev`.
#[derive(Debug, Args)]
pub struct DevArgs {
    /// The rules file; or give --request-function instead.
    #[arg(value_name = "RULES", required_unless_present = "request_function", conflicts_with = "request_function")]
    pub rules: Option<PathBuf>,

    /// A hand-written viewer-request function to serve instead of rules.
    #[arg(long, value_name = "F.js")]
    pub request_function: Option<PathBuf>,

    /// A hand-written viewer-response function (with --request-function).
    #[arg(long, value_name = "G.js", requires = "request_function")]
    pub response_function: Option<PathBuf>,

    /// The KVS data for hand-written functions, in AWS's import format.
    #[arg(long, value_name = "KVS.json", requires = "request_function")]
    pub kvs: Option<PathBuf>,

    /// The default origin: a directory of files.
    #[arg(long, value_name = "SITE")]
    pub dir: Option<PathBuf>,

    /// An HTTP origin: `--origin URL` is the default origin (when there is no --dir);
    /// `--origin ID=URL` maps an origin a function selects by ID. Repeat for more.
    #[arg(long = "origin", value_name = "[ID=]URL")]
    pub origins: Vec<String>,

    /// The address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,

    /// The viewer's country (`cloudfront-viewer-country`) for requests without an
    /// `x-hedgec-country` header.
    #[arg(long, value_name = "CC")]
    pub country: Option<String>,

    /// How requests are logged on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Runs the command until Ctrl-C.
pub fn run(args: &DevArgs) -> anyhow::Result<Status> {
    let config = match config(args) {
        Ok(config) => config,
        Err(message) => {
            ui::note(&format!("error: {message}"));
            return Ok(Status::Error);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async {
        let server = match dev::Server::start(config).await {
            Ok(server) => server,
            Err(message) => {
                ui::note(&format!("error: {message}"));
                return Ok(Status::Error);
            }
        };
        ui::note(&format!(
            "hedgec dev: serving http://{}/ (recent requests at /_hedgec/); Ctrl-C stops",
            server.addr()
        ));
        tokio::signal::ctrl_c().await?;
        server.stop().await;
        ui::note("hedgec dev: stopped");
        Ok(Status::Success)
    })
}

fn config(args: &DevArgs) -> Result<dev::Config, String> {
    let source = match (&args.rules, &args.request_function) {
        (Some(rules), _) => dev::Source::Rules(rules.clone()),
        (None, Some(request)) => {
            dev::Source::Functions { request: request.clone(), response: args.response_function.clone() }
        }
        (None, None) => return Err("give a rules file, or --request-function F.js".into()),
    };
    let mut origin = None;
    let mut named_origins = BTreeMap::new();
    for value in &args.origins {
        match value.split_once('=').filter(|(id, _)| !id.contains("://")) {
            Some((id, url)) if !id.is_empty() => {
                if named_origins.insert(id.to_string(), url.to_string()).is_some() {
                    return Err(format!("--origin {id}=… is given twice"));
                }
            }
            Some(_) => return Err(format!("--origin {value:?}: write ID=URL, e.g. api=http://127.0.0.1:3000")),
            None if origin.is_some() => return Err("--origin URL (the default origin) is given twice".into()),
            None => origin = Some(value.clone()),
        }
    }
    let country = match &args.country {
        Some(cc) if cc.len() == 2 && cc.bytes().all(|b| b.is_ascii_alphabetic()) => Some(cc.to_ascii_uppercase()),
        Some(cc) => return Err(format!("--country {cc:?}: write a two-letter country code, e.g. DE")),
        None => None,
    };
    Ok(dev::Config {
        source,
        kvs: args.kvs.clone(),
        dir: args.dir.clone(),
        origin,
        named_origins,
        listen: args.listen,
        country,
        json_log: args.format == Format::Json,
        watch: true,
    })
}
