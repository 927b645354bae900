//! CloudFront events: built from a request written as a shorthand line, or given whole.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// A viewer request as a case describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestSpec {
    /// `GET`, `HEAD`, ...
    pub method: String,
    /// The host (from the URL, or `example.com` for a bare path).
    pub host: String,
    /// The path as written, percent-encoding untouched.
    pub path: String,
    /// The query string as written, without `?`; `None` when there is no `?`.
    pub query: Option<String>,
    /// Further request headers (names lower-cased).
    pub headers: BTreeMap<String, String>,
    /// Cookies by name.
    pub cookies: BTreeMap<String, String>,
    /// `cloudfront-viewer-country`, if given.
    pub country: Option<String>,
    /// `viewer.ip`.
    pub viewer_ip: Option<String>,
}

/// The host a bare path is requested from.
pub const DEFAULT_HOST: &str = "example.com";

impl RequestSpec {
    /// Parses `[METHOD] URL`, where URL is `http(s)://host/path?query` or `/path?query`. A lone
    /// word is a URL requested with GET, and may also be `host.tld/path` without its scheme or
    /// `path` without its slash.
    pub fn parse(line: &str) -> Result<RequestSpec, String> {
        let mut words = line.split_whitespace();
        let first = words.next().ok_or("empty request line; write e.g. GET https://example.com/a?b=1")?;
        // A lone word in capitals is a method missing its URL.
        let alone = line.split_whitespace().nth(1).is_none() && !first.bytes().all(|b| b.is_ascii_uppercase());
        let (method, url) = if first.starts_with('/') || first.contains("://") || alone {
            ("GET".to_string(), first)
        } else {
            let url = words
                .next()
                .ok_or_else(|| format!("no URL after {first}; write e.g. {first} https://example.com/a"))?;
            (first.to_ascii_uppercase(), url)
        };
        if let Some(extra) = words.next() {
            return Err(format!("unexpected {extra:?} after the URL; percent-encode spaces as %20"));
        }
        if !method.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(format!("{method:?} is not an HTTP method"));
        }
        let slashed;
        let (host, rest) = if let Some(after) = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")) {
            let end = after.find(['/', '?']).unwrap_or(after.len());
            if end == 0 {
                return Err(format!("{url:?} has no host"));
            }
            (after[..end].to_ascii_lowercase(), &after[end..])
        } else if url.starts_with('/') {
            (DEFAULT_HOST.to_string(), url)
        } else if !alone || url.starts_with('?') || url.contains("://") || url.contains(['\\', '@']) {
            return Err(format!("{url:?} is neither an http(s) URL nor a path starting with /"));
        } else {
            // `example.com/a` names a host; `old-page` and `page.html` are paths without their
            // slash.
            let end = url.find(['/', '?']).unwrap_or(url.len());
            if url[..end].contains('.') && url[end..].starts_with('/') {
                (url[..end].to_ascii_lowercase(), &url[end..])
            } else {
                slashed = format!("/{url}");
                (DEFAULT_HOST.to_string(), slashed.as_str())
            }
        };
        let rest = rest.split('#').next().unwrap_or("");
        let (path, query) = match rest.split_once('?') {
            Some((path, query)) => (path, Some(query.to_string())),
            None => (rest, None),
        };
        let path = if path.is_empty() { "/" } else { path };
        Ok(RequestSpec { method, host, path: path.to_string(), query, ..RequestSpec::default() })
    }

    /// The viewer-request event CloudFront would pass, and the raw query string for
    /// `request.rawQueryString()`.
    pub fn event(&self) -> Invocation {
        let mut headers = Map::new();
        headers.insert("host".into(), json!({ "value": self.host }));
        for (name, value) in &self.headers {
            headers.insert(name.to_ascii_lowercase(), json!({ "value": value }));
        }
        if let Some(country) = &self.country {
            headers.insert("cloudfront-viewer-country".into(), json!({ "value": country }));
        }
        let cookies: Map<String, Value> =
            self.cookies.iter().map(|(k, v)| (k.clone(), json!({ "value": v }))).collect();
        let event = json!({
            "version": "1.0",
            "context": {
                "distributionDomainName": "d111111abcdef8.cloudfront.net",
                "distributionId": "EDFDVBD6EXAMPLE",
                "eventType": "viewer-request",
                "requestId": "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ=="
            },
            "viewer": { "ip": self.viewer_ip.as_deref().unwrap_or("198.51.100.11") },
            "request": {
                "method": self.method,
                "uri": self.path,
                "querystring": parse_query(self.query.as_deref().unwrap_or("")),
                "headers": headers,
                "cookies": cookies,
            }
        });
        Invocation { event, raw_query: self.query.clone() }
    }
}

/// A query string as CloudFront presents it: one field per name, values as sent
/// (still percent-encoded), repeated names with `multiValue`.
pub fn parse_query(query: &str) -> Value {
    let mut fields: Map<String, Value> = Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match fields.get_mut(name) {
            Some(field) => {
                let first = field["value"].clone();
                let multi = field
                    .as_object_mut()
                    .expect("object")
                    .entry("multiValue")
                    .or_insert_with(|| json!([{ "value": first }]));
                multi.as_array_mut().expect("array").push(json!({ "value": value }));
            }
            None => {
                fields.insert(name.to_string(), json!({ "value": value }));
            }
        }
    }
    Value::Object(fields)
}

/// The query string a request object carries, as `name=value` pairs joined by `&` (or the
/// string itself when a function set it as one).
pub fn query_string(querystring: &Value) -> String {
    match querystring {
        Value::String(s) => s.clone(),
        Value::Object(fields) => {
            let mut pairs = Vec::new();
            for (name, field) in fields {
                let values: Vec<&Value> = match field.get("multiValue").and_then(Value::as_array) {
                    Some(items) => items.iter().filter_map(|i| i.get("value")).collect(),
                    None => field.get("value").into_iter().collect(),
                };
                for value in values {
                    match value.as_str().unwrap_or("") {
                        "" => pairs.push(name.clone()),
                        v => pairs.push(format!("{name}={v}")),
                    }
                }
            }
            pairs.join("&")
        }
        _ => String::new(),
    }
}

/// One function call: the event, and what `request.rawQueryString()` returns.
#[derive(Clone, Debug, PartialEq)]
pub struct Invocation {
    /// The event object.
    pub event: Value,
    /// The raw query string, without `?`; `None` when the URL had no `?`.
    pub raw_query: Option<String>,
}

impl Invocation {
    /// An invocation of a whole event; the raw query string is rebuilt from `querystring`.
    pub fn from_event(event: Value) -> Invocation {
        let raw = event.pointer("/request/querystring").map(query_string).filter(|q| !q.is_empty());
        Invocation { event, raw_query: raw }
    }
}

/// The viewer-response event for a request that reached the origin and the origin's response.
pub fn response_event(
    request_event: &Value,
    request: &Value,
    status: u16,
    headers: &BTreeMap<String, String>,
) -> Invocation {
    let mut event = request_event.clone();
    event["context"]["eventType"] = json!("viewer-response");
    event["request"] = request.clone();
    let header_map: Map<String, Value> =
        headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), json!({ "value": v }))).collect();
    event["response"] = json!({
        "statusCode": status,
        "statusDescription": reason(status),
        "headers": header_map,
        "cookies": {},
    });
    let raw = request.get("querystring").map(query_string).filter(|q| !q.is_empty());
    Invocation { event, raw_query: raw }
}

/// The standard reason phrase of a status.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorthand_requests() {
        let spec = RequestSpec::parse("GET https://Example.com/a%20b?x=1&x=2&y").unwrap();
        assert_eq!(
            (spec.host.as_str(), spec.path.as_str(), spec.query.as_deref()),
            ("example.com", "/a%20b", Some("x=1&x=2&y"))
        );
        let event = spec.event().event;
        assert_eq!(event["request"]["querystring"]["x"]["multiValue"][1]["value"], "2");
        assert_eq!(query_string(&event["request"]["querystring"]), "x=1&x=2&y");
        assert_eq!(RequestSpec::parse("/only").unwrap().method, "GET");
        assert!(RequestSpec::parse("GET").is_err());
        let bare = |line: &str| RequestSpec::parse(line).map(|s| (s.method, s.host, s.path, s.query));
        let get = |host: &str, path: &str, query: Option<&str>| {
            Ok(("GET".to_string(), host.to_string(), path.to_string(), query.map(str::to_string)))
        };
        assert_eq!(bare("old-page"), get("example.com", "/old-page", None));
        assert_eq!(bare("page.html?a=1"), get("example.com", "/page.html", Some("a=1")));
        assert_eq!(bare("Shop.example.com/a?b"), get("shop.example.com", "/a", Some("b")));
        assert!(bare("HEAD example.com/a").is_err(), "after a method, a URL is written out");
        assert!(RequestSpec::parse("GET ftp://x").is_err());
    }
}
