//! The njs side's own reading of a returned value: the output object CloudFront echoes
//! (`{"request": …}` or `{"response": …}`), written from the documented event shape alone and
//! independent of `runtime-js`, so that comparing the two engines checks the runtime's
//! normaliser instead of running it twice.
//!
//! It keeps what CloudFront keeps (`method`, `uri`, `querystring`, `headers`, `cookies`;
//! `statusCode`, `statusDescription`, `headers`, `cookies`, `body`), fills missing maps with
//! `{}`, drops unknown keys, and applies the `multiValue` write-back rule (an unchanged
//! `multiValue` takes its first value from `value`). It rejects only what has no shape at all:
//! a value that is not an object, a status outside 100–599, a field that is not an object.
//! CloudFront's validation of header names, read-only headers and URIs is not repeated here:
//! njs does not make it, and a case that needs it says so (`njs = "…"`).

use serde_json::{Map, Value};

/// The output object for `returned`, the value a function returned for `event`.
pub fn output(event: &Value, returned: &Value) -> Result<Value, String> {
    let viewer_response = event.pointer("/context/eventType").and_then(Value::as_str) == Some("viewer-response");
    let Some(object) = returned.as_object() else {
        return Err("ValidationError: the function did not return an object".into());
    };
    if object.contains_key("statusCode") || viewer_response {
        let input = if viewer_response { event.get("response") } else { None };
        Ok(single("response", response(object, input)?))
    } else {
        Ok(single("request", request(object, event.get("request"))?))
    }
}

fn single(key: &str, value: Value) -> Value {
    Value::Object(Map::from_iter([(key.to_string(), value)]))
}

fn request(object: &Map<String, Value>, input: Option<&Value>) -> Result<Value, String> {
    let mut out = Map::new();
    out.insert("method".into(), object.get("method").cloned().unwrap_or(Value::Null));
    out.insert("uri".into(), object.get("uri").cloned().unwrap_or(Value::Null));
    let querystring = match object.get("querystring") {
        Some(Value::String(raw)) => Value::String(raw.clone()),
        other => fields(other, input.and_then(|i| i.get("querystring")))?,
    };
    out.insert("querystring".into(), querystring);
    out.insert("headers".into(), fields(object.get("headers"), input.and_then(|i| i.get("headers")))?);
    out.insert("cookies".into(), fields(object.get("cookies"), input.and_then(|i| i.get("cookies")))?);
    Ok(Value::Object(out))
}

fn response(object: &Map<String, Value>, input: Option<&Value>) -> Result<Value, String> {
    let status = object.get("statusCode").and_then(Value::as_u64).filter(|s| (100..=599).contains(s));
    let status = status.ok_or("ValidationError: the status code is not from 100 to 599")?;
    let mut out = Map::new();
    out.insert("statusCode".into(), Value::from(status));
    if let Some(description) = object.get("statusDescription") {
        out.insert("statusDescription".into(), description.clone());
    }
    out.insert("headers".into(), fields(object.get("headers"), input.and_then(|i| i.get("headers")))?);
    out.insert("cookies".into(), fields(object.get("cookies"), input.and_then(|i| i.get("cookies")))?);
    match object.get("body") {
        None | Some(Value::Null) => {}
        Some(Value::Object(body)) => {
            let encoding = body.get("encoding").cloned().unwrap_or_else(|| Value::String("text".into()));
            let data = body.get("data").cloned().unwrap_or(Value::Null);
            out.insert(
                "body".into(),
                Value::Object(Map::from_iter([("encoding".into(), encoding), ("data".into(), data)])),
            );
        }
        Some(other) => {
            out.insert("body".into(), other.clone());
        }
    }
    Ok(Value::Object(out))
}

/// A `{name: {value, multiValue, attributes}}` map, with the write-back rule.
fn fields(map: Option<&Value>, input: Option<&Value>) -> Result<Value, String> {
    let map = match map {
        None | Some(Value::Null) => return Ok(Value::Object(Map::new())),
        Some(Value::Object(map)) => map,
        Some(_) => return Err("ValidationError: a headers, cookies or querystring field is not an object".into()),
    };
    let mut out = Map::new();
    for (name, field) in map {
        let field = field.as_object().ok_or_else(|| format!("ValidationError: {name} is not an object"))?;
        let value = field.get("value").map(|v| match v {
            Value::Number(n) => Value::String(n.to_string()),
            other => other.clone(),
        });
        let mut kept = Map::new();
        match field.get("multiValue").and_then(Value::as_array) {
            None => {
                kept.insert("value".into(), value.ok_or_else(|| format!("ValidationError: {name} has no value"))?);
                if let Some(attributes) = field.get("attributes") {
                    kept.insert("attributes".into(), attributes.clone());
                }
            }
            Some(items) => {
                let mut items: Vec<Value> = items.iter().map(item).collect();
                let before = input.and_then(|i| i.get(name)).and_then(|f| f.get("multiValue"));
                if before == Some(&Value::Array(items.clone()))
                    && let (Some(value), Some(Value::Object(first))) = (value, items.first_mut())
                {
                    first.insert("value".into(), value);
                }
                let Some(Value::Object(first)) = items.first().cloned() else { continue };
                kept.extend(first);
                kept.insert("multiValue".into(), Value::Array(items));
            }
        }
        out.insert(name.clone(), Value::Object(kept));
    }
    Ok(Value::Object(out))
}

/// One `multiValue` item: its `value` and `attributes`.
fn item(item: &Value) -> Value {
    let mut kept = Map::new();
    for key in ["value", "attributes"] {
        if let Some(v) = item.get(key) {
            kept.insert(key.into(), v.clone());
        }
    }
    Value::Object(kept)
}
