//! What a call needs, read from text: an event, and KVS data in AWS's import format
//! (`{"data":[{"key":"…","value":"…"}, …]}`). A mistake is a [`Diagnostic`], with the span the
//! JSON parser names or the field at fault, rendered like a rules file's.

use std::collections::BTreeMap;

use diagnostics::source::{Span, offset_of};
use diagnostics::{Code, Diagnostic};
use serde::Deserialize;
use serde_json::Value;

use crate::function::Store;
use crate::result::EventType;

/// A JSON parser's error as a diagnostic at the line and column it names. serde_json's message
/// ends with " at line L column C"; the position goes into the span instead.
fn json_error(code: Code, text: &str, error: &serde_json::Error, help: &str) -> Diagnostic {
    let message = error.to_string();
    let message = message.split(" at line ").next().unwrap_or(&message).to_string();
    let label = match error.classify() {
        serde_json::error::Category::Data => "here",
        serde_json::error::Category::Eof => "the text ends here",
        _ => "not valid JSON here",
    };
    Diagnostic::new(code, one_char(text, offset_of(text, error.line(), error.column().max(1))), message)
        .with_label(label)
        .with_help(help)
}

/// The span of the character at `offset` (empty at a line break or the end of the text).
fn one_char(text: &str, offset: usize) -> Span {
    let len = text[offset..].chars().next().filter(|&c| c != '\n').map_or(0, char::len_utf8);
    Span::new(offset, offset + len)
}

/// The span of the first `needle` in `text`, or of the first character that is not white space:
/// where a problem without a parser position is best shown.
fn find(text: &str, needle: &str) -> Span {
    match text.find(needle) {
        Some(at) if !needle.is_empty() => Span::new(at, at + needle.len()),
        _ => one_char(text, text.len() - text.trim_start().len()),
    }
}

const EVENT_HELP: &str = "an event is a JSON object like AWS's example events: \
    {\"context\":{\"eventType\":\"viewer-request\"},\"request\":{\"method\":\"GET\",\"uri\":\"/\",…}}";

/// Parses and checks an event: a JSON object with `context.eventType`, a `request` with string
/// `method` and `uri`, and for viewer-response a `response` with an integer `statusCode`.
/// A mistake is an `E104` (not JSON) or `E105` (not a CloudFront event) diagnostic.
pub fn event(text: &str) -> Result<(Value, EventType), Diagnostic> {
    let event: Value = serde_json::from_str(text).map_err(|e| json_error(Code::EventSyntax, text, &e, EVENT_HELP))?;
    let bad = |needle: &str, message: String| {
        Diagnostic::new(Code::BadEvent, find(text, needle), message).with_label("here").with_help(EVENT_HELP)
    };
    if !event.is_object() {
        return Err(bad("", "the event must be a JSON object".into()));
    }
    let event_type = EventType::of(&event).map_err(|message| bad("\"eventType\"", message))?;
    let request = event.get("request").and_then(Value::as_object);
    let Some(request) = request else { return Err(bad("\"request\"", "the event has no `request` object".into())) };
    for field in ["method", "uri"] {
        if !request.get(field).is_some_and(Value::is_string) {
            return Err(bad(&format!("\"{field}\""), format!("the event's request.{field} must be a string")));
        }
    }
    if event_type == EventType::ViewerResponse
        && event.pointer("/response/statusCode").is_none_or(|s| s.as_u64().is_none())
    {
        return Err(bad(
            "\"response\"",
            "a viewer-response event needs a `response` with an integer statusCode".into(),
        ));
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

const KVS_HELP: &str = "a KVS file is AWS's import format: {\"data\":[{\"key\":\"…\",\"value\":\"…\"}]}";

/// Parses KVS data in AWS's import format, with CloudFront's limits: keys of 1 to
/// [`platform::MAX_KVS_KEY_BYTES`] bytes, key and value together at most
/// [`platform::MAX_KVS_ENTRY_BYTES`], no key twice, [`platform::MAX_KVS_STORE_BYTES`] in all.
/// A mistake is an `E106` (not the import format) or `E107` (over a limit) diagnostic.
pub fn kvs(text: &str) -> Result<Store, Diagnostic> {
    let import: Import = serde_json::from_str(text).map_err(|e| json_error(Code::KvsFileSyntax, text, &e, KVS_HELP))?;
    // The key as written; a repeated key is shown where it is written the second time.
    let over = |key: &str, occurrence: usize, message: String, help: String| {
        let quoted = serde_json::to_string(key).unwrap_or_default();
        let span = match text.match_indices(&quoted).nth(occurrence) {
            Some((at, _)) if !quoted.is_empty() => Span::new(at, at + quoted.len()),
            _ => find(text, ""),
        };
        Diagnostic::new(Code::KvsFileLimit, span, message).with_label("this key").with_help(help)
    };
    let mut data = BTreeMap::new();
    let mut total = 0usize;
    for (index, entry) in import.data.into_iter().enumerate() {
        let number = index + 1;
        if entry.key.is_empty() || entry.key.len() > platform::MAX_KVS_KEY_BYTES {
            return Err(over(
                &entry.key,
                0,
                format!("entry {number}: a key must have 1 to {} bytes", platform::MAX_KVS_KEY_BYTES),
                "CloudFront rejects empty keys and keys over 512 bytes".into(),
            ));
        }
        if entry.key.len() + entry.value.len() > platform::MAX_KVS_ENTRY_BYTES {
            return Err(over(
                &entry.key,
                0,
                format!("entry {number}: key and value together exceed {} bytes", platform::MAX_KVS_ENTRY_BYTES),
                "CloudFront rejects larger entries; shorten the value".into(),
            ));
        }
        total += entry.key.len() + entry.value.len();
        if data.contains_key(&entry.key) {
            return Err(over(
                &entry.key,
                1,
                format!("entry {number}: the key {:?} appears twice", entry.key),
                "a store holds each key once; keep one entry".into(),
            ));
        }
        data.insert(entry.key, entry.value);
    }
    if total > platform::MAX_KVS_STORE_BYTES {
        return Err(Diagnostic::new(
            Code::KvsFileLimit,
            find(text, ""),
            format!("the store holds {total} bytes; CloudFront accepts at most {}", platform::MAX_KVS_STORE_BYTES),
        )
        .with_label("this store")
        .with_help("split the data, or keep fewer or shorter entries"));
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
        let source = diagnostics::SourceFile::new(
            "e.json",
            "{\n  \"context\": {\n    \"eventType\": \"viewer-request\",\n  }\n}",
        );
        assert_eq!(error.code, Code::EventSyntax);
        assert_eq!(source.line_col(error.span.start).to_string(), "4:3", "{error:?}");
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
        let source = diagnostics::SourceFile::new("kvs.json", "{\"data\":[\n{\"key\":\"a\",\"value\":1}]}");
        assert_eq!((error.code, source.line_col(error.span.start).line), (Code::KvsFileSyntax, 2), "{error:?}");
        assert!(
            kvs(r#"{"data":[{"key":"a","value":"1"},{"key":"a","value":"2"}]}"#).unwrap_err().message.contains("twice")
        );
        assert!(kvs(r#"{"data":[{"key":"","value":"1"}]}"#).is_err());
        assert!(kvs(r#"{"data":[{"key":"a","value":"1","x":1}]}"#).is_err());
        assert!(kvs(r#"{"entries":[]}"#).is_err());
        assert_eq!(kvs(r#"{"data":[]}"#).unwrap().data().len(), 0);
    }
}
