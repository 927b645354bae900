//! What a call needs, read from text: an event, and KVS data in AWS's import format
//! (`{"data":[{"key":"…","value":"…"}, …]}`). Errors carry the line and column where the JSON
//! parser knows them.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde_json::Value;

use crate::function::Store;
use crate::result::EventType;

/// A problem with an input, at a position when one is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    /// 1-based line and column.
    pub position: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
}

impl InputError {
    fn new(message: impl Into<String>) -> InputError {
        InputError { position: None, message: message.into() }
    }

    fn json(error: &serde_json::Error) -> InputError {
        // serde_json's message ends with " at line L column C"; the position is kept apart.
        let message = error.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message).to_string();
        InputError { position: Some((error.line(), error.column().max(1))), message }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => write!(f, "{line}:{column}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for InputError {}

/// Parses and checks an event: a JSON object with `context.eventType`, a `request` with string
/// `method` and `uri`, and for viewer-response a `response` with an integer `statusCode`.
pub fn event(text: &str) -> Result<(Value, EventType), InputError> {
    let event: Value = serde_json::from_str(text).map_err(|e| InputError::json(&e))?;
    if !event.is_object() {
        return Err(InputError::new("the event must be a JSON object"));
    }
    let event_type = EventType::of(&event).map_err(InputError::new)?;
    let request = event.get("request").and_then(Value::as_object);
    let Some(request) = request else { return Err(InputError::new("the event has no `request` object")) };
    for field in ["method", "uri"] {
        if !request.get(field).is_some_and(Value::is_string) {
            return Err(InputError::new(format!("the event's request.{field} must be a string")));
        }
    }
    if event_type == EventType::ViewerResponse
        && event.pointer("/response/statusCode").is_none_or(|s| s.as_u64().is_none())
    {
        return Err(InputError::new("a viewer-response event needs a `response` with an integer statusCode"));
    }
    Ok((event, event_type))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Import {
    data: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    key: String,
    value: String,
}

/// Parses KVS data in AWS's import format, with CloudFront's limits: keys of 1 to
/// [`platform::MAX_KVS_KEY_BYTES`] bytes, key and value together at most
/// [`platform::MAX_KVS_ENTRY_BYTES`], no key twice, [`platform::MAX_KVS_STORE_BYTES`] in all.
pub fn kvs(text: &str) -> Result<Store, InputError> {
    let import: Import = serde_json::from_str(text).map_err(|e| InputError::json(&e))?;
    let mut data = BTreeMap::new();
    let mut total = 0usize;
    for (index, entry) in import.data.into_iter().enumerate() {
        let number = index + 1;
        if entry.key.is_empty() || entry.key.len() > platform::MAX_KVS_KEY_BYTES {
            return Err(InputError::new(format!(
                "entry {number}: a key must have 1 to {} bytes",
                platform::MAX_KVS_KEY_BYTES
            )));
        }
        if entry.key.len() + entry.value.len() > platform::MAX_KVS_ENTRY_BYTES {
            return Err(InputError::new(format!(
                "entry {number} ({:?}): key and value together exceed {} bytes",
                entry.key,
                platform::MAX_KVS_ENTRY_BYTES
            )));
        }
        total += entry.key.len() + entry.value.len();
        if data.contains_key(&entry.key) {
            return Err(InputError::new(format!("entry {number}: the key {:?} appears twice", entry.key)));
        }
        data.insert(entry.key, entry.value);
    }
    if total > platform::MAX_KVS_STORE_BYTES {
        return Err(InputError::new(format!(
            "the store holds {total} bytes; CloudFront accepts at most {}",
            platform::MAX_KVS_STORE_BYTES
        )));
    }
    Ok(Store::from(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_checked() {
        let ok = r#"{"context":{"eventType":"viewer-request"},"request":{"method":"GET","uri":"/"}}"#;
        assert_eq!(event(ok).unwrap().1, EventType::ViewerRequest);
        let error = event("{\n  \"context\": {\n    \"eventType\": \"viewer-request\",\n  }\n}").unwrap_err();
        assert_eq!(error.position, Some((4, 3)), "{error}");
        assert!(event(r#"{"context":{"eventType":"origin-request"},"request":{}}"#).is_err());
        assert!(event(r#"{"context":{"eventType":"viewer-request"},"request":{"uri":"/"}}"#).is_err());
        let response = r#"{"context":{"eventType":"viewer-response"},"request":{"method":"GET","uri":"/"}}"#;
        assert!(event(response).is_err());
    }

    #[test]
    fn kvs_files_are_checked() {
        let store = kvs(r#"{"data":[{"key":"a","value":"1"},{"key":"b","value":"2"}]}"#).unwrap();
        assert_eq!(store.data().len(), 2);
        let error = kvs("{\"data\":[\n{\"key\":\"a\",\"value\":1}]}").unwrap_err();
        assert_eq!(error.position.map(|p| p.0), Some(2), "{error}");
        assert!(
            kvs(r#"{"data":[{"key":"a","value":"1"},{"key":"a","value":"2"}]}"#).unwrap_err().message.contains("twice")
        );
        assert!(kvs(r#"{"data":[{"key":"","value":"1"}]}"#).is_err());
        assert!(kvs(r#"{"data":[{"key":"a","value":"1","x":1}]}"#).is_err());
        assert!(kvs(r#"{"entries":[]}"#).is_err());
        assert_eq!(kvs(r#"{"data":[]}"#).unwrap().data().len(), 0);
    }
}
