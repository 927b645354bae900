//! What CloudFront makes of the value a function returns: the output object it echoes
//! (`{"request": …}` or `{"response": …}`) and the validation errors it raises.
//!
//! This is pure data work, shared by every engine: boa here, and njs in the differential
//! tests, so that both are judged by one implementation. The rules follow
//! `shared/research/cloudfront-runtime.md` sections 2.2 to 2.4:
//!
//! - a viewer-request function returns a request, or a response (an object with
//!   `statusCode`); a viewer-response function returns a response only;
//! - missing `querystring`, `headers` and `cookies` come back as `{}`; keys CloudFront does
//!   not know (a misspelled `multivalue`, say) are dropped;
//! - disallowed headers, changed read-only headers, a changed `method`, a `uri` that does not
//!   start with `/`, a query string with spaces, `#` or control characters, and a URI with its
//!   query string of 8,192 bytes or more are errors.

use serde_json::{Map, Value};

use platform::headers::{self, HeaderProblem, HeaderSide};

/// Which event a function handles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    /// `viewer-request`.
    ViewerRequest,
    /// `viewer-response`.
    ViewerResponse,
}

impl EventType {
    /// Reads `context.eventType`.
    pub fn of(event: &Value) -> Result<EventType, String> {
        match event.pointer("/context/eventType").and_then(Value::as_str) {
            Some("viewer-request") => Ok(EventType::ViewerRequest),
            Some("viewer-response") => Ok(EventType::ViewerResponse),
            Some(other) => Err(format!("context.eventType must be viewer-request or viewer-response, not {other:?}")),
            None => Err("the event has no context.eventType".to_string()),
        }
    }

    /// The name CloudFront uses.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::ViewerRequest => "viewer-request",
            EventType::ViewerResponse => "viewer-response",
        }
    }
}

/// Turns a returned value into CloudFront's output object, or the validation error CloudFront
/// would raise.
pub fn normalize(event: &Value, returned: &Value) -> Result<Value, String> {
    let event_type = EventType::of(event)?;
    let Some(object) = returned.as_object() else {
        return Err(format!(
            "ValidationError: the function returned {}, not a request or response object",
            kind(returned)
        ));
    };
    let is_response = object.contains_key("statusCode") || event_type == EventType::ViewerResponse;
    if is_response {
        if event_type == EventType::ViewerResponse && !object.contains_key("statusCode") {
            return Err("ValidationError: a viewer-response function must return a response (an object with statusCode), not a request".into());
        }
        let input = event.get("response");
        Ok(Value::Object(Map::from_iter([("response".to_string(), response(object, input, event_type)?)])))
    } else {
        let input = event.get("request").unwrap_or(&Value::Null);
        Ok(Value::Object(Map::from_iter([("request".to_string(), request(object, input)?)])))
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null or undefined",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn request(object: &Map<String, Value>, input: &Value) -> Result<Value, String> {
    let mut out = Map::new();
    let method = object.get("method").cloned().unwrap_or(Value::Null);
    if input.get("method").is_some_and(|m| *m != method) {
        return Err("ValidationError: request.method is read-only".into());
    }
    out.insert("method".into(), method);
    let uri = match object.get("uri") {
        Some(Value::String(uri)) if uri.starts_with('/') => uri.clone(),
        Some(Value::String(uri)) => return Err(format!("ValidationError: request.uri must start with /, got {uri:?}")),
        _ => return Err("ValidationError: request.uri must be a string".into()),
    };
    if uri.chars().any(|c| c.is_control() || c == ' ') {
        return Err(format!("ValidationError: request.uri contains a space or control character: {uri:?}"));
    }
    let querystring = match object.get("querystring") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(Value::String(query)) => {
            if let Some(c) = query.chars().find(|&c| c == ' ' || c == '#' || c.is_control()) {
                return Err(format!("ValidationError: the query string contains {c:?}"));
            }
            Value::String(query.clone())
        }
        Some(Value::Object(fields)) => {
            Value::Object(values(fields, input.get("querystring").and_then(Value::as_object), "querystring")?)
        }
        Some(other) => {
            return Err(format!(
                "ValidationError: request.querystring must be an object or a string, not {}",
                kind(other)
            ));
        }
    };
    let query_len = match &querystring {
        Value::String(q) => q.len(),
        Value::Object(fields) => fields.iter().map(|(k, v)| k.len() + v.to_string().len()).sum(),
        _ => 0,
    };
    if uri.len() + query_len >= platform::MAX_URI_BYTES {
        return Err("ValidationError: the URI with its query string is 8,192 bytes or more".into());
    }
    out.insert("uri".into(), Value::String(uri));
    out.insert("querystring".into(), querystring);
    let headers = headers_of(object.get("headers"), input.get("headers"), HeaderSide::Request)?;
    out.insert("headers".into(), headers);
    out.insert(
        "cookies".into(),
        Value::Object(values_or_empty(object.get("cookies"), input.get("cookies"), "cookies")?),
    );
    Ok(Value::Object(out))
}

fn response(object: &Map<String, Value>, input: Option<&Value>, event_type: EventType) -> Result<Value, String> {
    let mut out = Map::new();
    let status = object.get("statusCode").and_then(Value::as_u64).filter(|s| (100..=599).contains(s));
    let Some(status) = status else {
        return Err("ValidationError: response.statusCode must be an integer from 100 to 599".into());
    };
    out.insert("statusCode".into(), Value::from(status));
    if let Some(description) = object.get("statusDescription") {
        out.insert("statusDescription".into(), description.clone());
    }
    let input_headers = match event_type {
        EventType::ViewerResponse => input.and_then(|r| r.get("headers")),
        EventType::ViewerRequest => None,
    };
    out.insert("headers".into(), headers_of(object.get("headers"), input_headers, HeaderSide::Response)?);
    let input_cookies = match event_type {
        EventType::ViewerResponse => input.and_then(|r| r.get("cookies")),
        EventType::ViewerRequest => None,
    };
    out.insert("cookies".into(), Value::Object(values_or_empty(object.get("cookies"), input_cookies, "cookies")?));
    match object.get("body") {
        None | Some(Value::Null) => {}
        Some(Value::String(text)) => {
            out.insert("body".into(), Value::String(text.clone()));
        }
        Some(Value::Object(body)) => {
            let encoding = body.get("encoding").and_then(Value::as_str).unwrap_or("text");
            let Some(data) = body.get("data").and_then(Value::as_str) else {
                return Err("ValidationError: response.body.data must be a string".into());
            };
            if !matches!(encoding, "text" | "base64") {
                return Err(format!(
                    "ValidationError: response.body.encoding must be text or base64, not {encoding:?}"
                ));
            }
            if encoding == "base64" && !is_base64(data) {
                return Err("ValidationError: response.body.data is not valid base64".into());
            }
            out.insert(
                "body".into(),
                Value::Object(Map::from_iter([
                    ("encoding".to_string(), Value::String(encoding.to_string())),
                    ("data".to_string(), Value::String(data.to_string())),
                ])),
            );
        }
        Some(other) => {
            return Err(format!("ValidationError: response.body must be a string or an object, not {}", kind(other)));
        }
    }
    Ok(Value::Object(out))
}

fn is_base64(data: &str) -> bool {
    let trimmed = data.trim_end_matches('=');
    data.len().is_multiple_of(4)
        && data.len() - trimmed.len() <= 2
        && trimmed.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// `{name: {value, multiValue}}` maps: only `value`, `multiValue` and `attributes` are kept,
/// and `multiValue` follows the write-back rule against the event's field of the same name.
fn values(
    fields: &Map<String, Value>,
    input: Option<&Map<String, Value>>,
    what: &str,
) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    for (name, field) in fields {
        let Some(field) = field.as_object() else {
            return Err(format!("ValidationError: {what}.{name} must be an object with a value"));
        };
        let value = match field.get("value") {
            Some(Value::String(value)) => Some(value.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            None => None,
            Some(other) => {
                return Err(format!("ValidationError: {what}.{name}.value must be a string, not {}", kind(other)));
            }
        };
        let attributes = field.get("attributes").and_then(Value::as_str).map(str::to_string);
        let mut kept = Map::new();
        match field.get("multiValue") {
            None => {
                let Some(value) = value else {
                    return Err(format!("ValidationError: {what}.{name} has no value"));
                };
                kept.insert("value".into(), Value::String(value));
                if let Some(attributes) = attributes {
                    kept.insert("attributes".into(), Value::String(attributes));
                }
            }
            Some(multi) => {
                let Some(items) = multi.as_array() else {
                    return Err(format!("ValidationError: {what}.{name}.multiValue must be an array"));
                };
                let mut kept_items = Vec::with_capacity(items.len());
                for item in items {
                    let Some(Value::String(v)) = item.get("value") else {
                        return Err(format!(
                            "ValidationError: {what}.{name}.multiValue items must have a string value"
                        ));
                    };
                    let mut kept_item = Map::from_iter([("value".to_string(), Value::String(v.clone()))]);
                    if let Some(attributes) = item.get("attributes").and_then(Value::as_str) {
                        kept_item.insert("attributes".into(), Value::String(attributes.to_string()));
                    }
                    kept_items.push(Value::Object(kept_item));
                }
                let before = input.and_then(|i| i.get(name)).and_then(|f| f.get("multiValue"));
                let unchanged = before.is_some_and(|b| *b == Value::Array(kept_items.clone()));
                if unchanged && let (Some(value), Some(Value::Object(first))) = (value, kept_items.first_mut()) {
                    first.insert("value".into(), Value::String(value));
                }
                let Some(first) = kept_items.first().cloned() else {
                    // Every value was removed: so is the field.
                    continue;
                };
                kept.insert("value".into(), first["value"].clone());
                if let Some(attributes) = first.get("attributes") {
                    kept.insert("attributes".into(), attributes.clone());
                }
                kept.insert("multiValue".into(), Value::Array(kept_items));
            }
        }
        out.insert(name.clone(), Value::Object(kept));
    }
    Ok(out)
}

fn values_or_empty(field: Option<&Value>, input: Option<&Value>, what: &str) -> Result<Map<String, Value>, String> {
    match field {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(fields)) => values(fields, input.and_then(Value::as_object), what),
        Some(other) => Err(format!("ValidationError: {what} must be an object, not {}", kind(other))),
    }
}

fn headers_of(field: Option<&Value>, input: Option<&Value>, side: HeaderSide) -> Result<Value, String> {
    let out = values_or_empty(field, input, "headers")?;
    // The event's own headers, in the same shape (dropping keys CloudFront ignores), so that
    // only real changes count.
    let input = values_or_empty(input, None, "headers").unwrap_or_default();
    let input = &input;
    for name in out.keys() {
        if name.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(format!("ValidationError: header name {name:?} must be lower case"));
        }
        let changed = input.get(name) != out.get(name);
        match headers::problem(name, side) {
            Some(HeaderProblem::Disallowed) if changed => {
                return Err(format!("ValidationError: the header {name:?} cannot be added or changed by a function"));
            }
            Some(HeaderProblem::ReadOnly) if changed => {
                return Err(format!("ValidationError: the header {name:?} is read-only"));
            }
            _ => {}
        }
    }
    for name in input.keys() {
        if !out.contains_key(name) && headers::problem(name, side) == Some(HeaderProblem::ReadOnly) {
            return Err(format!("ValidationError: the header {name:?} is read-only and cannot be deleted"));
        }
    }
    Ok(Value::Object(out))
}

/// Checks the arguments of an origin helper of the `cloudfront` module
/// (`updateRequestOrigin`, `selectRequestOriginById`, `createRequestOriginGroup`), as
/// research §1.4 describes them. The error says what is wrong.
pub fn origin_call(method: &str, args: &[Value]) -> Result<(), String> {
    let problem = match method {
        "selectRequestOriginById" => select_origin(args),
        "updateRequestOrigin" => match args.first() {
            Some(Value::Object(fields)) => update_origin(fields),
            _ => Err("takes an object of origin settings".into()),
        },
        "createRequestOriginGroup" => match args.first() {
            Some(Value::Object(fields)) => origin_group(fields),
            _ => Err("takes an object with originIds and failoverCriteria".into()),
        },
        other => Err(format!("{other} is not an origin helper")),
    };
    problem.map_err(|problem| format!("cf.{method}: {problem}"))
}

fn select_origin(args: &[Value]) -> Result<(), String> {
    match args.first() {
        Some(Value::String(id)) if !id.is_empty() => {}
        _ => return Err("the first argument must be the id of an origin of the distribution".into()),
    }
    match args.get(1) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Object(overrides)) => origin_overrides(overrides),
        Some(_) => Err("the second argument must be an object of overrides".into()),
    }
}

fn origin_overrides(fields: &Map<String, Value>) -> Result<(), String> {
    for (name, value) in fields {
        match name.as_str() {
            "hostHeader" | "sni" => string(name, value)?,
            "allowedCertificateNames" => certificate_names(value)?,
            other => return Err(format!("unknown override {other:?}")),
        }
    }
    Ok(())
}

fn string(name: &str, value: &Value) -> Result<(), String> {
    match value {
        Value::String(_) => Ok(()),
        other => Err(format!("{name} must be a string, not {}", kind(other))),
    }
}

fn boolean(name: &str, value: &Value) -> Result<(), String> {
    match value {
        Value::Bool(_) => Ok(()),
        other => Err(format!("{name} must be true or false, not {}", kind(other))),
    }
}

fn integer_in(name: &str, value: &Value, low: u64, high: u64) -> Result<(), String> {
    match value.as_u64() {
        Some(n) if (low..=high).contains(&n) => Ok(()),
        _ => Err(format!("{name} must be an integer from {low} to {high}")),
    }
}

fn one_of(name: &str, value: &Value, allowed: &[&str]) -> Result<(), String> {
    match value.as_str() {
        Some(v) if allowed.contains(&v) => Ok(()),
        _ => Err(format!("{name} must be one of {}", allowed.join(", "))),
    }
}

fn object<'a>(name: &str, value: &'a Value) -> Result<&'a Map<String, Value>, String> {
    value.as_object().ok_or_else(|| format!("{name} must be an object, not {}", kind(value)))
}

fn certificate_names(value: &Value) -> Result<(), String> {
    let Some(names) = value.as_array() else { return Err("allowedCertificateNames must be an array".into()) };
    if names.len() > 20 {
        return Err("allowedCertificateNames holds at most 20 names".into());
    }
    if names.iter().any(|n| n.as_str().is_none_or(|n| n.is_empty() || n.len() > 64)) {
        return Err("allowedCertificateNames must be strings of 1 to 64 characters".into());
    }
    Ok(())
}

fn update_origin(fields: &Map<String, Value>) -> Result<(), String> {
    for (name, value) in fields {
        match name.as_str() {
            "domainName" | "hostHeader" | "sni" | "ipAddressType" => string(name, value)?,
            "originPath" => match value.as_str() {
                Some(path) if path.is_empty() || path.starts_with('/') => {}
                _ => return Err("originPath must be a string starting with /".into()),
            },
            "allowedCertificateNames" => certificate_names(value)?,
            "connectionAttempts" => integer_in(name, value, 1, 3)?,
            "customHeaders" => {
                for (header, header_value) in object(name, value)? {
                    let lower = header.to_ascii_lowercase();
                    if headers::problem(&lower, HeaderSide::Request).is_some() {
                        return Err(format!("customHeaders cannot set {header:?}"));
                    }
                    string(&format!("customHeaders.{header}"), header_value)?;
                }
            }
            "originShield" => {
                for (key, v) in object(name, value)? {
                    match key.as_str() {
                        "enabled" => boolean("originShield.enabled", v)?,
                        "region" => string("originShield.region", v)?,
                        other => return Err(format!("unknown originShield setting {other:?}")),
                    }
                }
            }
            "originAccessControlConfig" => {
                for (key, v) in object(name, value)? {
                    match key.as_str() {
                        "enabled" => boolean("originAccessControlConfig.enabled", v)?,
                        "signingBehavior" => one_of(key, v, &["always", "never", "no-override"])?,
                        "signingProtocol" => one_of(key, v, &["sigv4"])?,
                        "originType" => one_of(key, v, &["s3", "mediapackagev2", "mediastore", "lambda"])?,
                        other => return Err(format!("unknown originAccessControlConfig setting {other:?}")),
                    }
                }
            }
            "timeouts" => {
                for (key, v) in object(name, value)? {
                    match key.as_str() {
                        "readTimeout" | "keepAliveTimeout" => integer_in(key, v, 1, 120)?,
                        "connectionTimeout" => integer_in(key, v, 1, 10)?,
                        "responseCompletionTimeout" => integer_in(key, v, 0, u64::MAX)?,
                        other => return Err(format!("unknown timeout {other:?}")),
                    }
                }
            }
            "customOriginConfig" => {
                for (key, v) in object(name, value)? {
                    match key.as_str() {
                        "port" => integer_in(key, v, 1, 65535)?,
                        "protocol" => one_of(key, v, &["http", "https"])?,
                        "sslProtocols" => {
                            if v.as_array().is_none_or(|a| a.iter().any(|p| !p.is_string())) {
                                return Err("sslProtocols must be an array of strings".into());
                            }
                        }
                        other => return Err(format!("unknown customOriginConfig setting {other:?}")),
                    }
                }
            }
            other => return Err(format!("unknown origin setting {other:?}")),
        }
    }
    Ok(())
}

fn origin_group(fields: &Map<String, Value>) -> Result<(), String> {
    let Some(ids) = fields.get("originIds").and_then(Value::as_array) else {
        return Err("originIds must be an array of two origins".into());
    };
    if ids.len() != 2 {
        return Err("originIds must name exactly two origins, the primary first".into());
    }
    for id in ids {
        let id = object("originIds item", id)?;
        match id.get("originId") {
            Some(Value::String(s)) if !s.is_empty() => {}
            _ => return Err("each of originIds needs an originId".into()),
        }
        for (key, value) in id {
            match key.as_str() {
                "originId" => {}
                "originOverrides" => origin_overrides(object(key, value)?)?,
                other => return Err(format!("unknown originIds setting {other:?}")),
            }
        }
    }
    let criteria = fields.get("failoverCriteria").map(|c| object("failoverCriteria", c)).transpose()?;
    let codes = criteria.and_then(|c| c.get("statusCodes")).and_then(Value::as_array);
    match codes {
        Some(codes)
            if !codes.is_empty() && codes.iter().all(|c| c.as_u64().is_some_and(|c| (400..=599).contains(&c))) => {}
        _ => return Err("failoverCriteria.statusCodes must list status codes from 400 to 599".into()),
    }
    if let Some(selection) = fields.get("selectionCriteria") {
        one_of("selectionCriteria", selection, &["default", "media-quality-score"])?;
    }
    for key in fields.keys() {
        if !["originIds", "failoverCriteria", "selectionCriteria"].contains(&key.as_str()) {
            return Err(format!("unknown origin group setting {key:?}"));
        }
    }
    Ok(())
}
