//! Expectations: what a case checks about a trace, and the mismatches it finds.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde_json::Value;

use crate::event::query_string;
use crate::simulate::Trace;

/// What a case expects. Only the fields given are checked.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Status the viewer receives.
    pub status: Option<u16>,
    /// The `location` header the viewer receives.
    pub location: Option<String>,
    /// The URI that reaches the origin.
    pub uri: Option<String>,
    /// The query string that reaches the origin (`a=1&b=2`).
    pub querystring: Option<String>,
    /// The origin the function selected (`cf.selectRequestOriginById`).
    pub origin: Option<String>,
    /// Headers of the response to the viewer: a string is the value, `false` means absent,
    /// `true` means present.
    #[serde(default)]
    pub headers: BTreeMap<String, HeaderExpect>,
    /// Headers of the request that reaches the origin, likewise.
    #[serde(default)]
    pub request_headers: BTreeMap<String, HeaderExpect>,
    /// The response body (its text, or its base64 data).
    pub body: Option<String>,
    /// Text the error message contains; without it, any error is a mismatch.
    pub error: Option<String>,
    /// The most KVS reads both functions together may do.
    pub max_kvs_reads: Option<u32>,
}

/// An expected header.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum HeaderExpect {
    /// This exact value.
    Value(String),
    /// Present (`true`) or absent (`false`).
    Present(bool),
}

/// One difference between the expectation and what happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// What was compared: `status`, `headers.cache-control`, ...
    pub field: String,
    /// The expectation, as text.
    pub expected: String,
    /// What happened, as text.
    pub actual: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: expected {}, got {}", self.field, self.expected, self.actual)
    }
}

fn quoted(value: Option<&str>) -> String {
    value.map_or_else(|| "nothing".to_string(), |v| format!("{v:?}"))
}

fn header<'a>(headers: Option<&'a Value>, name: &str) -> Option<&'a str> {
    headers?.get(name.to_ascii_lowercase())?.get("value")?.as_str()
}

/// Compares a trace with an expectation.
pub fn check(expect: &Expect, trace: &Trace) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let mut mismatch = |field: &str, expected: String, actual: String| {
        out.push(Mismatch { field: field.to_string(), expected, actual });
    };
    match (&expect.error, &trace.error) {
        (Some(want), Some(got)) if got.contains(want.as_str()) => {}
        (Some(want), got) => mismatch("error", format!("an error containing {want:?}"), quoted(got.as_deref())),
        (None, Some(got)) => mismatch("error", "no error".into(), format!("{got:?}")),
        (None, None) => {}
    }
    let response = trace.viewer_response.as_ref();
    let response_headers = response.and_then(|r| r.get("headers"));
    if let Some(status) = expect.status {
        let got = response.and_then(|r| r.get("statusCode")).and_then(Value::as_u64);
        if got != Some(u64::from(status)) {
            mismatch("status", status.to_string(), got.map_or("no response".into(), |s| s.to_string()));
        }
    }
    if let Some(location) = &expect.location {
        let got = header(response_headers, "location");
        if got != Some(location.as_str()) {
            mismatch("location", format!("{location:?}"), quoted(got));
        }
    }
    let origin = trace.origin_request.as_ref();
    let not_reached = "no request reached the origin".to_string();
    if let Some(uri) = &expect.uri {
        match origin.and_then(|r| r.get("uri")).and_then(Value::as_str) {
            Some(got) if got == uri => {}
            Some(got) => mismatch("uri", format!("{uri:?}"), format!("{got:?}")),
            None => mismatch("uri", format!("{uri:?}"), not_reached.clone()),
        }
    }
    if let Some(query) = &expect.querystring {
        match origin.and_then(|r| r.get("querystring")) {
            Some(got) if query_string(got) == *query => {}
            Some(got) => mismatch("querystring", format!("{query:?}"), format!("{:?}", query_string(got))),
            None => mismatch("querystring", format!("{query:?}"), not_reached.clone()),
        }
    }
    if let Some(want) = &expect.origin {
        let got = trace.request.origin.as_ref().and_then(|o| o.pointer("/args/0")).and_then(Value::as_str);
        if got != Some(want.as_str()) {
            mismatch("origin", format!("{want:?}"), quoted(got));
        }
    }
    for (side, expected, headers) in [
        ("headers", &expect.headers, response_headers),
        ("request_headers", &expect.request_headers, origin.and_then(|r| r.get("headers"))),
    ] {
        for (name, want) in expected {
            let got = header(headers, name);
            let ok = match want {
                HeaderExpect::Value(value) => got == Some(value.as_str()),
                HeaderExpect::Present(present) => got.is_some() == *present,
            };
            if !ok {
                let expected = match want {
                    HeaderExpect::Value(value) => format!("{value:?}"),
                    HeaderExpect::Present(true) => "present".into(),
                    HeaderExpect::Present(false) => "absent".into(),
                };
                mismatch(&format!("{side}.{name}"), expected, quoted(got));
            }
        }
    }
    if let Some(body) = &expect.body {
        let got = response
            .and_then(|r| r.get("body"))
            .and_then(|b| b.as_str().or_else(|| b.get("data").and_then(Value::as_str)));
        if got != Some(body.as_str()) {
            mismatch("body", format!("{body:?}"), quoted(got));
        }
    }
    if let Some(max) = expect.max_kvs_reads
        && trace.kvs_reads() > max
    {
        mismatch("kvs reads", format!("at most {max}"), trace.kvs_reads().to_string());
    }
    out
}
