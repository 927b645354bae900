//! One request's trip: viewer-request function, then either its generated response or the
//! origin, then the viewer-response function for origin responses below 400.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Instant;

use base64::Engine as _;
use cases::RequestSpec;
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use serde_json::Value;

use crate::engine::RequestResult;
use crate::log::{Entry, note};
use crate::origin::{self, Origin};
use crate::{Body, State, full, pages};

/// The header a test sets to choose the viewer's country for one request.
pub const COUNTRY_HEADER: &str = "x-hedgec-country";

/// Headers that belong to the connection, not to the message: kept out of function events.
const FRAMING: [&str; 4] = ["content-length", "transfer-encoding", "connection", "keep-alive"];

struct Answer {
    response: Response<Body>,
    answered_by: String,
    compute: Option<u32>,
    kvs_reads: u32,
    detail: Option<String>,
}

impl Answer {
    fn from(response: Response<Body>, answered_by: impl Into<String>) -> Answer {
        Answer { response, answered_by: answered_by.into(), compute: None, kvs_reads: 0, detail: None }
    }
}

/// Answers one request and logs it.
pub async fn handle(state: &State, request: Request<Incoming>, peer: SocketAddr) -> Response<Body> {
    let started = Instant::now();
    let method = request.method().to_string();
    let path = request.uri().path_and_query().map_or("/", |p| p.as_str()).to_string();
    if request.uri().path() == "/_hedgec/" || request.uri().path() == "/_hedgec" {
        return html(StatusCode::OK, pages::requests(&state.log.recent()));
    }
    let answer = answer(state, request, peer).await;
    state.log.record(Entry {
        method,
        path,
        status: answer.response.status().as_u16(),
        answered_by: answer.answered_by,
        compute: answer.compute,
        kvs_reads: answer.kvs_reads,
        ms: started.elapsed().as_millis() as u64,
        detail: answer.detail,
    });
    answer.response
}

async fn answer(state: &State, request: Request<Incoming>, peer: SocketAddr) -> Answer {
    let spec = match viewer_request(&request, peer, state.country.as_deref()) {
        Ok(spec) => spec,
        Err(message) => {
            return Answer::from(html(StatusCode::BAD_REQUEST, pages::message("Bad request", &message, "")), "hedgec");
        }
    };
    let result = match state.engine.request(spec).await {
        Ok(result) => result,
        Err(diagnostics) => {
            let page = pages::message(
                "The site does not compile",
                "Fix the errors below and save: the page reloads with the new version.",
                &diagnostics,
            );
            return Answer::from(html(StatusCode::INTERNAL_SERVER_ERROR, page), "compile error");
        }
    };
    let mut answer = match (&result.outcome.error, result.outcome.response(), result.outcome.request()) {
        (Some(error), _, _) => function_error(&result.function_name, error),
        (None, Some(generated), _) => Answer::from(
            viewer_response(generated, request.method() == hyper::Method::HEAD),
            result.answered_by.clone().unwrap_or_default(),
        ),
        (None, None, Some(forwarded)) => to_origin(state, &result, forwarded.clone(), request).await,
        (None, None, None) => function_error(&result.function_name, "the function returned nothing"),
    };
    answer.compute = answer.compute.max(result.outcome.compute_utilization);
    answer.kvs_reads += result.outcome.kvs_reads;
    answer.detail = result.explain;
    answer
}

/// A function threw, ran past a bound or returned something invalid: CloudFront answers 503.
fn function_error(function: &str, error: &str) -> Answer {
    note(&format!("error: {function}: {error}"));
    let page = pages::message(
        "503 The function failed",
        &format!("{function} did not finish; CloudFront answers such requests with 503."),
        error,
    );
    Answer::from(html(StatusCode::SERVICE_UNAVAILABLE, page), "error")
}

/// The viewer-request event's request, as CloudFront builds it from the HTTP request.
fn viewer_request<B>(request: &Request<B>, peer: SocketAddr, country: Option<&str>) -> Result<RequestSpec, String> {
    let host = request
        .headers()
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| {
            h.rsplit_once(':').filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit())).map_or(h, |(host, _)| host)
        })
        .unwrap_or("localhost")
        .to_ascii_lowercase();
    let mut spec = RequestSpec {
        method: request.method().to_string(),
        host,
        path: request.uri().path().to_string(),
        query: request.uri().query().map(str::to_string),
        viewer_ip: Some(peer.ip().to_string()),
        country: country.map(str::to_string),
        ..RequestSpec::default()
    };
    for (name, value) in request.headers() {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match name.as_str() {
            "host" => {}
            COUNTRY_HEADER => spec.country = Some(value.trim().to_ascii_uppercase()),
            "cookie" => {
                for pair in value.split(';') {
                    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                    if !name.trim().is_empty() {
                        spec.cookies.insert(name.trim().to_string(), value.trim().to_string());
                    }
                }
            }
            name if FRAMING.contains(&name) => {}
            name => {
                spec.headers
                    .entry(name.to_string())
                    .and_modify(|v| {
                        v.push(',');
                        v.push_str(&value)
                    })
                    .or_insert(value);
            }
        }
    }
    if spec.country.as_ref().is_some_and(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic())) {
        return Err(format!("{COUNTRY_HEADER} must be a two-letter country code, e.g. DE"));
    }
    Ok(spec)
}

/// A response a function generated, as the viewer receives it.
fn viewer_response(response: &Value, head: bool) -> Response<Body> {
    let body = match response.get("body") {
        Some(Value::String(text)) => text.clone().into_bytes(),
        Some(Value::Object(body)) => {
            let data = body.get("data").and_then(Value::as_str).unwrap_or("");
            if body.get("encoding").and_then(Value::as_str) == Some("base64") {
                base64::engine::general_purpose::STANDARD.decode(data).unwrap_or_default()
            } else {
                data.as_bytes().to_vec()
            }
        }
        _ => Vec::new(),
    };
    let mut out = Response::new(if head { full(Vec::new()) } else { full(body) });
    apply(response, &mut out);
    out
}

/// Sets status, headers and cookies from a function's response object.
fn apply(response: &Value, out: &mut Response<Body>) {
    if let Some(status) = response["statusCode"].as_u64().and_then(|s| StatusCode::from_u16(s as u16).ok()) {
        *out.status_mut() = status;
    }
    let kept: Vec<(HeaderName, HeaderValue)> = out
        .headers()
        .iter()
        .filter(|(name, _)| FRAMING.contains(&name.as_str()))
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    let headers = out.headers_mut();
    headers.clear();
    for (name, value) in kept {
        headers.append(name, value);
    }
    for (name, value) in fields(&response["headers"]) {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(&value)) {
            headers.append(name, value);
        }
    }
    if let Some(cookies) = response["cookies"].as_object() {
        for (name, cookie) in cookies {
            let items = match cookie.get("multiValue").and_then(Value::as_array) {
                Some(items) => items.clone(),
                None => vec![cookie.clone()],
            };
            for item in items {
                let mut line = format!("{name}={}", item["value"].as_str().unwrap_or(""));
                if let Some(attributes) = item["attributes"].as_str().filter(|a| !a.is_empty()) {
                    line.push_str("; ");
                    line.push_str(attributes);
                }
                if let Ok(value) = HeaderValue::from_str(&line) {
                    headers.append(hyper::header::SET_COOKIE, value);
                }
            }
        }
    }
}

/// `(name, value)` pairs of a CloudFront headers object, `multiValue` expanded.
fn fields(headers: &Value) -> Vec<(String, String)> {
    let Some(headers) = headers.as_object() else { return Vec::new() };
    let mut pairs = Vec::new();
    for (name, field) in headers {
        match field.get("multiValue").and_then(Value::as_array) {
            Some(items) => {
                pairs.extend(items.iter().map(|i| (name.clone(), i["value"].as_str().unwrap_or("").to_string())))
            }
            None => pairs.push((name.clone(), field["value"].as_str().unwrap_or("").to_string())),
        }
    }
    pairs
}

/// Which origin the request goes to: the one a function selected, or the default.
fn choose_origin(state: &State, result: &RequestResult) -> Result<(Origin, String), Box<Response<Body>>> {
    let Some(change) = &result.outcome.origin else {
        return match &state.default_origin {
            Some(origin) => Ok((origin.clone(), "origin".into())),
            None => Err(Box::new(bad_gateway(
                "No origin",
                "The request reached the origin, but none is set: start hedgec dev with --dir SITE or --origin URL.",
            ))),
        };
    };
    let method = change["method"].as_str().unwrap_or("");
    let id = match method {
        "selectRequestOriginById" => change["args"][0].as_str().unwrap_or("").to_string(),
        _ => change["args"][0]["domainName"].as_str().unwrap_or("").to_string(),
    };
    match state.named_origins.get(&id) {
        Some(url) => Ok((Origin::Http(url.clone()), format!("origin {id}"))),
        None => Err(Box::new(bad_gateway(
            "502 Unmapped origin",
            &format!(
                "The function sent this request to the origin {id:?} ({method}), which is not mapped: \
                 start hedgec dev with --origin {id}=http://HOST:PORT."
            ),
        ))),
    }
}

fn bad_gateway(title: &str, sentence: &str) -> Response<Body> {
    html(StatusCode::BAD_GATEWAY, pages::message(title, sentence, ""))
}

async fn to_origin(state: &State, result: &RequestResult, forwarded: Value, request: Request<Incoming>) -> Answer {
    let (origin, answered_by) = match choose_origin(state, result) {
        Ok(chosen) => chosen,
        Err(response) => return Answer::from(*response, "unmapped origin"),
    };
    let uri = forwarded["uri"].as_str().unwrap_or("/").to_string();
    let query = cases::event::query_string(&forwarded["querystring"]);
    let head = request.method() == hyper::Method::HEAD;
    let mut response = match &origin {
        Origin::Dir(root) => origin::serve_file(root, &uri, head).await,
        Origin::Http(base) => {
            let path_and_query = if query.is_empty() { uri.clone() } else { format!("{uri}?{query}") };
            let request = with_headers(request, &forwarded);
            match origin::proxy(&state.client, base, &path_and_query, request).await {
                Ok(response) => response,
                Err(error) => {
                    note(&format!("error: {answered_by}: {error}"));
                    let page =
                        pages::message("502 The origin did not answer", &format!("{answered_by} at {base}"), &error);
                    return Answer::from(html(StatusCode::BAD_GATEWAY, page), answered_by);
                }
            }
        }
    };
    let status = response.status().as_u16();
    if !result.has_response_function || status >= 400 {
        return Answer::from(response, answered_by);
    }
    let mut origin_headers = BTreeMap::new();
    for (name, value) in response.headers() {
        if !FRAMING.contains(&name.as_str()) {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            origin_headers
                .entry(name.as_str().to_string())
                .and_modify(|v: &mut String| {
                    v.push(',');
                    v.push_str(&value)
                })
                .or_insert(value);
        }
    }
    let event = cases::event::response_event(&result.invocation.event, &forwarded, status, &origin_headers);
    let outcome = state.engine.response(event).await;
    let mut answer = match (&outcome.error, outcome.response()) {
        (Some(error), _) => function_error("viewer-response.js", error),
        (None, Some(changed)) => {
            apply(changed, &mut response);
            Answer::from(response, answered_by)
        }
        (None, None) => function_error("viewer-response.js", "the function returned no response"),
    };
    answer.compute = outcome.compute_utilization;
    answer.kvs_reads = outcome.kvs_reads;
    answer
}

/// The request with the headers and cookies the viewer-request function left.
fn with_headers(mut request: Request<Incoming>, forwarded: &Value) -> Request<Incoming> {
    let framing: HeaderMap = request
        .headers()
        .iter()
        .filter(|(n, _)| FRAMING[..2].contains(&n.as_str()))
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    let headers = request.headers_mut();
    headers.clear();
    headers.extend(framing);
    for (name, value) in fields(&forwarded["headers"]) {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(&value)) {
            headers.append(name, value);
        }
    }
    if let Some(cookies) = forwarded["cookies"].as_object().filter(|c| !c.is_empty()) {
        let line = cookies
            .iter()
            .flat_map(|(name, cookie)| match cookie.get("multiValue").and_then(Value::as_array) {
                Some(items) => items.iter().map(|i| format!("{name}={}", i["value"].as_str().unwrap_or(""))).collect(),
                None => vec![format!("{name}={}", cookie["value"].as_str().unwrap_or(""))],
            })
            .collect::<Vec<_>>()
            .join("; ");
        if let Ok(value) = HeaderValue::from_str(&line) {
            headers.insert(hyper::header::COOKIE, value);
        }
    }
    request
}

fn html(status: StatusCode, page: String) -> Response<Body> {
    let mut response = Response::new(full(page));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    response.headers_mut().insert("cache-control", HeaderValue::from_static("no-store"));
    response
}
