//! One request's trip: viewer-request function, then either its generated response or the
//! origin, then the viewer-response function for origin responses below 400.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Instant;

use base64::Engine as _;
use cases::{Invocation, RequestSpec};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use serde_json::{Map, Value, json};

use crate::engine::{Explain, RequestResult};
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
    detail: Option<Explain>,
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
    let viewer = match viewer_request(&request, peer, state.country.as_deref()) {
        Ok(viewer) => viewer,
        Err(message) => {
            return Answer::from(html(StatusCode::BAD_REQUEST, pages::message("Bad request", &message, "")), "hedgec");
        }
    };
    let result = match state.engine.request(viewer.spec, viewer.invocation).await {
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
    print_logs(&result.function_name, &result.outcome.logs);
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

/// A request as the functions see it: the event CloudFront would build, and the same request
/// in the simpler shape `explain` reads (the first value of each header and cookie, which is
/// what `.value` gives a function).
struct Viewer {
    spec: RequestSpec,
    invocation: Invocation,
}

/// The viewer-request event as CloudFront builds it from the HTTP request: `host` without the
/// port, the query string with repeated keys as `multiValue`, cookies parsed from every
/// `cookie` header, repeated headers and cookies as `multiValue` (never joined), and
/// `cloudfront-viewer-country` from `x-hedgec-country` or `--country`.
fn viewer_request<B>(request: &Request<B>, peer: SocketAddr, country: Option<&str>) -> Result<Viewer, String> {
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
    let mut headers = Map::new();
    let mut cookies = Map::new();
    for (name, value) in request.headers() {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match name.as_str() {
            "host" => {}
            COUNTRY_HEADER => spec.country = Some(value.trim().to_ascii_uppercase()),
            "cookie" => {
                for pair in value.split(';') {
                    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                    let (name, value) = (name.trim(), value.trim());
                    if !name.is_empty() {
                        spec.cookies.entry(name.to_string()).or_insert_with(|| value.to_string());
                        add_field(&mut cookies, name, json!({ "value": value }));
                    }
                }
            }
            name if FRAMING.contains(&name) => {}
            name => {
                spec.headers.entry(name.to_string()).or_insert_with(|| value.clone());
                add_field(&mut headers, name, json!({ "value": value }));
            }
        }
    }
    if spec.country.as_ref().is_some_and(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic())) {
        return Err(format!("{COUNTRY_HEADER} must be a two-letter country code, e.g. DE"));
    }
    // The event of the first values, then every header and cookie with all of its values, in
    // the order they came; `host` first and the country last, as CloudFront adds them.
    let mut invocation = spec.event();
    let mut all = Map::new();
    all.insert("host".into(), json!({ "value": spec.host }));
    all.extend(headers.into_iter().filter(|(name, _)| name != "cloudfront-viewer-country" || spec.country.is_none()));
    if let Some(country) = &spec.country {
        all.insert("cloudfront-viewer-country".into(), json!({ "value": country }));
    }
    invocation.event["request"]["headers"] = Value::Object(all);
    invocation.event["request"]["cookies"] = Value::Object(cookies);
    Ok(Viewer { spec, invocation })
}

/// Adds one value of a header or cookie to a CloudFront fields object: the first value as
/// `value` (and `attributes`), and when the name comes again, every value in `multiValue`.
fn add_field(fields: &mut Map<String, Value>, name: &str, item: Value) {
    let Some(field) = fields.get_mut(name).and_then(Value::as_object_mut) else {
        fields.insert(name.to_string(), item);
        return;
    };
    let first = Value::Object(
        field.iter().filter(|(key, _)| *key != "multiValue").map(|(k, v)| (k.clone(), v.clone())).collect(),
    );
    let items = field.entry("multiValue").or_insert_with(|| Value::Array(vec![first]));
    if let Value::Array(items) = items {
        items.push(item);
    }
}

/// A `set-cookie` header as a CloudFront response cookie: the value, and the attributes after
/// the first `;`.
fn response_cookie(line: &str) -> Option<(String, Value)> {
    let (pair, attributes) = match line.split_once(';') {
        Some((pair, attributes)) => (pair, Some(attributes.trim())),
        None => (line, None),
    };
    let (name, value) = pair.split_once('=')?;
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let mut cookie = json!({ "value": value.trim() });
    if let Some(attributes) = attributes.filter(|a| !a.is_empty()) {
        cookie["attributes"] = json!(attributes);
    }
    Some((name.to_string(), cookie))
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

/// Why a request has no origin to go to: the 502 page's title and sentence, and the log's label.
struct Nowhere {
    title: String,
    sentence: String,
    label: String,
}

/// Which origin the request goes to: the one a function selected, or the default.
fn choose_origin(state: &State, result: &RequestResult) -> Result<(Origin, String), Nowhere> {
    let Some(change) = &result.outcome.origin else {
        return match &state.default_origin {
            Some(origin) => Ok((origin.clone(), "origin".into())),
            None => Err(Nowhere {
                title: "502 No origin".into(),
                sentence: "The request went on to the origin, but hedgec dev was started without one: \
                           give --dir SITE (a directory of files) or --origin URL (an HTTP server)."
                    .into(),
                label: "no origin".into(),
            }),
        };
    };
    let method = change["method"].as_str().unwrap_or("");
    let id = match method {
        "selectRequestOriginById" => change["args"][0].as_str().unwrap_or(""),
        _ => change["args"][0]["domainName"].as_str().unwrap_or(""),
    };
    if let Some(url) = state.named_origins.get(id) {
        return Ok((Origin::Http(url.clone()), format!("origin {id}")));
    }
    let (title, sentence, label) = if id.is_empty() {
        (
            "502 Unmapped origin".to_string(),
            format!(
                "The function changed the request's origin ({method}) without an origin ID or a domain name, \
                 so hedgec dev cannot map it to a local server."
            ),
            "unmapped origin (no ID)".to_string(),
        )
    } else {
        (
            format!("502 Unmapped origin {id}"),
            format!(
                "The function sent this request to the origin {id:?} ({method}), which is not mapped: \
                 start hedgec dev with --origin {id}=http://HOST:PORT."
            ),
            format!("unmapped origin {id}"),
        )
    };
    Err(Nowhere { title, sentence, label })
}

fn bad_gateway(title: &str, sentence: &str) -> Response<Body> {
    html(StatusCode::BAD_GATEWAY, pages::message(title, sentence, ""))
}

async fn to_origin(state: &State, result: &RequestResult, forwarded: Value, request: Request<Incoming>) -> Answer {
    let (origin, answered_by) = match choose_origin(state, result) {
        Ok(chosen) => chosen,
        Err(nowhere) => return Answer::from(bad_gateway(&nowhere.title, &nowhere.sentence), nowhere.label),
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
    let event = response_event(&result.invocation.event, &forwarded, status, response.headers());
    let outcome = state.engine.response(event).await;
    print_logs("viewer-response.js", &outcome.logs);
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

/// The viewer-response event: the request as it went to the origin, and the origin's response
/// with its headers (repeated ones as `multiValue`) and its `set-cookie` headers as cookies, as
/// CloudFront builds it.
fn response_event(request_event: &Value, forwarded: &Value, status: u16, origin: &HeaderMap) -> Invocation {
    let mut invocation = cases::event::response_event(request_event, forwarded, status, &BTreeMap::new());
    let mut headers = Map::new();
    let mut cookies = Map::new();
    for (name, value) in origin {
        let value = String::from_utf8_lossy(value.as_bytes());
        match name.as_str() {
            "set-cookie" => {
                if let Some((name, cookie)) = response_cookie(&value) {
                    add_field(&mut cookies, &name, cookie);
                }
            }
            name if FRAMING.contains(&name) => {}
            name => add_field(&mut headers, name, json!({ "value": value })),
        }
    }
    invocation.event["response"]["headers"] = Value::Object(headers);
    invocation.event["response"]["cookies"] = Value::Object(cookies);
    invocation
}

/// A function's `console.log` lines, on the terminal.
fn print_logs(function: &str, logs: &[String]) {
    for line in logs {
        note(&format!("{function}: console.log: {line}"));
    }
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
