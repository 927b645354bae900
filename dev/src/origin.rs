//! Origins: a directory of files, and HTTP servers the request is proxied to with bodies
//! streamed both ways.

use std::path::{Component, Path, PathBuf};

use bytes::Bytes;
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use percent_encoding::percent_decode_str;

use crate::{Body, full};

/// Where requests go when the functions do not answer them.
#[derive(Clone, Debug)]
pub enum Origin {
    /// A directory of files (canonical path).
    Dir(PathBuf),
    /// An HTTP server: `http://host:port` with an optional base path.
    Http(String),
}

/// Why a path is refused by the static origin.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The file to serve.
    File(PathBuf),
    /// Nothing there (or a directory).
    Missing,
    /// The path leaves the directory or is malformed: `..`, backslashes, NUL, a symlink out.
    Refused,
}

/// Finds the file a request URI names inside `root` (canonical), refusing every way out of it.
pub fn lookup(root: &Path, uri: &str) -> Lookup {
    let Ok(decoded) = percent_decode_str(uri).decode_utf8() else { return Lookup::Refused };
    if decoded.contains(['\\', '\0']) || !decoded.starts_with('/') {
        return Lookup::Refused;
    }
    let relative = Path::new(decoded.trim_start_matches('/'));
    let mut path = root.to_path_buf();
    for component in relative.components() {
        match component {
            Component::Normal(part) => path.push(part),
            Component::CurDir => {}
            _ => return Lookup::Refused,
        }
    }
    // Symlinks are followed, then the result must still be inside the directory.
    let Ok(real) = path.canonicalize() else { return Lookup::Missing };
    if !real.starts_with(root) {
        return Lookup::Refused;
    }
    if real.is_file() { Lookup::File(real) } else { Lookup::Missing }
}

/// The content type of a file, by extension.
pub fn content_type(path: &Path) -> &'static str {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match extension.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "txt" | "md" => "text/plain; charset=utf-8",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

/// Serves `uri` from the directory: the file, a 404, or a 403 for a path that tries to leave.
pub async fn serve_file(root: &Path, uri: &str, head: bool) -> Response<Body> {
    match lookup(root, uri) {
        Lookup::File(path) => match tokio::fs::read(&path).await {
            Ok(bytes) => {
                let length = bytes.len();
                let body = if head { full(Bytes::new()) } else { full(Bytes::from(bytes)) };
                let mut response = Response::new(body);
                response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type(&path)));
                response.headers_mut().insert(hyper::header::CONTENT_LENGTH, HeaderValue::from(length));
                response
            }
            Err(_) => plain(StatusCode::NOT_FOUND, "not found"),
        },
        Lookup::Missing => plain(StatusCode::NOT_FOUND, "not found"),
        Lookup::Refused => plain(StatusCode::FORBIDDEN, "forbidden: the path leaves the site directory"),
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut response = Response::new(full(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

/// The HTTP client for proxied origins.
pub type HttpClient = Client<HttpConnector, Incoming>;

/// A new client.
pub fn client() -> HttpClient {
    Client::builder(hyper_util::rt::TokioExecutor::new()).build(HttpConnector::new())
}

/// Sends the request to `base` + `path_and_query`, streaming the request and response bodies.
/// The request's headers are the ones the function left; `host` becomes the origin's.
pub async fn proxy(
    client: &HttpClient,
    base: &str,
    path_and_query: &str,
    mut request: Request<Incoming>,
) -> Result<Response<Body>, String> {
    let url = format!("{}{path_and_query}", base.trim_end_matches('/'));
    let uri: hyper::Uri = url.parse().map_err(|e| format!("{url} is not a URL: {e}"))?;
    if let Some(authority) = uri.authority().and_then(|a| HeaderValue::from_str(a.as_str()).ok()) {
        request.headers_mut().insert(HOST, authority);
    }
    *request.uri_mut() = uri;
    let response = client.request(request).await.map_err(|e| format!("{url}: {e}"))?;
    Ok(response.map(|body| body.map_err(|e| Box::new(e) as crate::BoxError).boxed()))
}
