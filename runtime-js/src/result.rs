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
        Some(Value::Object(fields)) => Value::Object(values(fields, "querystring")?),
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
    out.insert("cookies".into(), Value::Object(values_or_empty(object.get("cookies"), "cookies")?));
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
    out.insert("cookies".into(), Value::Object(values_or_empty(object.get("cookies"), "cookies")?));
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

/// `{name: {value, multiValue}}` maps: only `value` and `multiValue` are kept.
fn values(fields: &Map<String, Value>, what: &str) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    for (name, field) in fields {
        let Some(field) = field.as_object() else {
            return Err(format!("ValidationError: {what}.{name} must be an object with a value"));
        };
        let mut kept = Map::new();
        match field.get("value") {
            Some(Value::String(value)) => {
                kept.insert("value".into(), Value::String(value.clone()));
            }
            Some(Value::Number(n)) => {
                kept.insert("value".into(), Value::String(n.to_string()));
            }
            None => {}
            Some(other) => {
                return Err(format!("ValidationError: {what}.{name}.value must be a string, not {}", kind(other)));
            }
        }
        if let Some(attributes) = field.get("attributes").and_then(Value::as_str) {
            kept.insert("attributes".into(), Value::String(attributes.to_string()));
        }
        if let Some(multi) = field.get("multiValue") {
            let Some(items) = multi.as_array() else {
                return Err(format!("ValidationError: {what}.{name}.multiValue must be an array"));
            };
            let mut kept_items = Vec::new();
            for item in items {
                match item.get("value") {
                    Some(Value::String(v)) => kept_items
                        .push(Value::Object(Map::from_iter([("value".to_string(), Value::String(v.clone()))]))),
                    _ => {
                        return Err(format!(
                            "ValidationError: {what}.{name}.multiValue items must have a string value"
                        ));
                    }
                }
            }
            kept.insert("multiValue".into(), Value::Array(kept_items));
        }
        if !kept.contains_key("value") && !kept.contains_key("multiValue") {
            return Err(format!("ValidationError: {what}.{name} has no value"));
        }
        out.insert(name.clone(), Value::Object(kept));
    }
    Ok(out)
}

fn values_or_empty(field: Option<&Value>, what: &str) -> Result<Map<String, Value>, String> {
    match field {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(fields)) => values(fields, what),
        Some(other) => Err(format!("ValidationError: {what} must be an object, not {}", kind(other))),
    }
}

fn headers_of(field: Option<&Value>, input: Option<&Value>, side: HeaderSide) -> Result<Value, String> {
    let out = values_or_empty(field, "headers")?;
    let empty = Map::new();
    let input = input.and_then(Value::as_object).unwrap_or(&empty);
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
