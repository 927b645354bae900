//! `hedgec dev`: a local CloudFront in front of a site. Each request runs through the
//! viewer-request function on the local runtime; a response it generates goes straight back;
//! otherwise the request goes to the origin (a directory, or an HTTP server proxied with
//! streamed bodies), and an origin response below 400 goes through the viewer-response
//! function — the order CloudFront runs them in. The rules file (or the functions and KVS file)
//! is watched and recompiled on every edit.
//!
//! [`Server::start`] binds, compiles and serves until [`Server::stop`]; the `hedgec dev`
//! command is a thin layer over it.

mod engine;
mod explain;
mod http;
pub mod log;
pub mod origin;
pub mod pages;
mod watch;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use engine::{Explain, Source};

/// Errors inside response bodies.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Every response body the server sends.
pub type Body = BoxBody<Bytes, BoxError>;

/// A body of bytes already in memory.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).map_err(|never| match never {}).boxed()
}

/// How the server is set up.
#[derive(Clone, Debug)]
pub struct Config {
    /// What runs on every request.
    pub source: Source,
    /// A KVS file in AWS's import format, for hand-written functions.
    pub kvs: Option<PathBuf>,
    /// The default origin, a directory of files (`--dir`).
    pub dir: Option<PathBuf>,
    /// The default origin, an HTTP server (`--origin URL`); `dir` wins when both are given.
    pub origin: Option<String>,
    /// Named origins for `selectRequestOriginById` and `prefix-strip … origin=ID`.
    pub named_origins: BTreeMap<String, String>,
    /// The address to listen on.
    pub listen: SocketAddr,
    /// The `cloudfront-viewer-country` of requests without an `x-hedgec-country` header.
    pub country: Option<String>,
    /// Log JSON lines instead of text.
    pub json_log: bool,
    /// Watch the files and recompile on every change.
    pub watch: bool,
}

/// What every connection shares.
pub(crate) struct State {
    pub engine: engine::Engine,
    pub default_origin: Option<origin::Origin>,
    pub named_origins: BTreeMap<String, String>,
    pub country: Option<String>,
    pub client: origin::HttpClient,
    pub log: log::Log,
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    engine: engine::Engine,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    _watcher: Option<watch::Watcher>,
}

/// Checks an HTTP origin URL: `http://host[:port][/base]`.
pub fn check_origin_url(url: &str) -> Result<(), String> {
    let uri: hyper::Uri = url.parse().map_err(|e| format!("{url:?} is not a URL: {e}"))?;
    if uri.scheme_str() != Some("http") || uri.authority().is_none() {
        return Err(format!("{url:?}: write an http:// URL with a host, e.g. http://127.0.0.1:3000"));
    }
    if uri.query().is_some() {
        return Err(format!("{url:?}: an origin URL has no query string"));
    }
    Ok(())
}

impl Server {
    /// Checks the configuration, compiles the site and starts listening. Errors are sentences
    /// for the terminal.
    pub async fn start(config: Config) -> Result<Server, String> {
        let default_origin = match (&config.dir, &config.origin) {
            (Some(dir), _) => {
                let root = dir.canonicalize().map_err(|e| format!("--dir {}: {e}", dir.display()))?;
                if !root.is_dir() {
                    return Err(format!("--dir {}: not a directory", dir.display()));
                }
                Some(origin::Origin::Dir(root))
            }
            (None, Some(url)) => {
                check_origin_url(url).map_err(|e| format!("--origin {e}"))?;
                Some(origin::Origin::Http(url.clone()))
            }
            (None, None) => None,
        };
        for (id, url) in &config.named_origins {
            check_origin_url(url).map_err(|e| format!("--origin {id}={e}"))?;
        }
        for file in config.source.files(config.kvs.as_deref()) {
            if !file.is_file() {
                return Err(format!("{}: no such file", file.display()));
            }
        }
        let listener =
            TcpListener::bind(config.listen).await.map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let engine = engine::Engine::start(config.source.clone(), config.kvs.clone(), log::note);
        let watcher = if config.watch {
            Some(watch::Watcher::start(&config.source.files(config.kvs.as_deref()), engine.clone())?)
        } else {
            None
        };
        let state = Arc::new(State {
            engine: engine.clone(),
            default_origin,
            named_origins: config.named_origins.clone(),
            country: config.country.clone(),
            client: origin::client(),
            log: log::Log::new(config.json_log),
        });
        let (shutdown, stopped) = oneshot::channel();
        let task = tokio::spawn(accept(listener, state, stopped));
        Ok(Server { addr, engine, shutdown: Some(shutdown), task, _watcher: watcher })
    }

    /// The address the server listens on (with the port the system chose for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many compiles have finished: 1 after the first, one more after each reload.
    pub fn generation(&self) -> u64 {
        self.engine.generation()
    }

    /// Stops accepting connections.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let _ = (&mut self.task).await;
    }
}

async fn accept(listener: TcpListener, state: Arc<State>, mut stopped: oneshot::Receiver<()>) {
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: wait a moment rather than spin.
                Err(_) => { tokio::time::sleep(std::time::Duration::from_millis(50)).await; continue }
            },
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let state = state.clone();
                async move { Ok::<_, std::convert::Infallible>(http::handle(&state, request, peer).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}
