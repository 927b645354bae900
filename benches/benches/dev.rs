//! `hedgec dev` on loopback: requests per second and p99 latency for the example site (its
//! functions on every request, a directory origin), beside the same files served by the same
//! server stack (hyper on tokio, the same file origin) without functions, in one run.
//!
//! `cargo bench -p benches --bench dev`

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt as _, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};

// The benchmarks' allocator (the hedgec binary's) comes with this crate.
use benches as _;

/// Connections kept open at once, and requests per connection.
const CONNECTIONS: usize = 8;
const REQUESTS_PER_CONNECTION: usize = 400;

fn site_files(dir: &Path) -> PathBuf {
    let public = dir.join("public");
    std::fs::create_dir_all(public.join("assets")).unwrap();
    std::fs::write(public.join("index.html"), "<!doctype html><h1>home</h1>".repeat(20)).unwrap();
    std::fs::write(public.join("assets/app.js"), "console.log('app');\n".repeat(50)).unwrap();
    public
}

/// The same file origin, without functions.
async fn plain_server(root: PathBuf) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let root = root.canonicalize().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let root = root.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                    let root = root.clone();
                    async move {
                        let head = request.method() == hyper::Method::HEAD;
                        Ok::<_, Infallible>(dev::origin::serve_file(&root, request.uri().path(), head).await)
                    }
                });
                let _ =
                    hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    addr
}

/// Runs the load: every connection sends its requests in turn over keep-alive. Returns
/// requests per second and the p99 latency.
async fn load(addr: SocketAddr, paths: &'static [&'static str]) -> (f64, Duration) {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for connection in 0..CONNECTIONS {
        tasks.push(tokio::spawn(async move {
            let stream = TcpStream::connect(addr).await.unwrap();
            let (mut sender, driver) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
            tokio::spawn(driver);
            let mut latencies = Vec::with_capacity(REQUESTS_PER_CONNECTION);
            for i in 0..REQUESTS_PER_CONNECTION {
                let path = paths[(i + connection) % paths.len()];
                let request =
                    hyper::Request::get(path).header("host", "example.com").body(Empty::<Bytes>::new()).unwrap();
                let sent = Instant::now();
                let response = sender.send_request(request).await.unwrap();
                assert!(response.status().as_u16() < 500, "{path}: {}", response.status());
                response.into_body().collect().await.unwrap();
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let p99 = latencies[latencies.len() * 99 / 100];
    (latencies.len() as f64 / elapsed.as_secs_f64(), p99)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let public = site_files(dir.path());
        let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/site.hedge");
        let config = dev::Config {
            source: dev::Source::Rules(rules),
            kvs: None,
            dir: Some(public.clone()),
            origin: None,
            named_origins: Default::default(),
            listen: "127.0.0.1:0".parse().unwrap(),
            country: None,
            json_log: false,
            watch: false,
        };
        let with_functions = dev::Server::start(config).await.unwrap();
        let plain = plain_server(public).await;
        // Warm up both (the first compile, connection setup).
        load(with_functions.addr(), &["/", "/assets/app.js"]).await;
        load(plain, &["/index.html", "/assets/app.js"]).await;
        let (functions_rps, functions_p99) = load(with_functions.addr(), &["/", "/assets/app.js"]).await;
        let (plain_rps, plain_p99) = load(plain, &["/index.html", "/assets/app.js"]).await;
        let n = CONNECTIONS * REQUESTS_PER_CONNECTION;
        eprintln!("{n} requests over {CONNECTIONS} keep-alive connections on loopback, each:");
        eprintln!("  example site, functions on every request: {functions_rps:>9.0} req/s  p99 {functions_p99:?}");
        eprintln!("  same files, same stack, no functions:     {plain_rps:>9.0} req/s  p99 {plain_p99:?}");
        eprintln!("  ratio: {:.0}% of the no-function throughput", 100.0 * functions_rps / plain_rps);
        with_functions.stop().await;
    });
}
