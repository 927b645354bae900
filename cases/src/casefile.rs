//! Case files: TOML documents holding any number of `[[case]]` tables, and for conformance
//! suites the rules they test.
//!
//! ```toml
//! rules = """
//! redirect /old /new
//! """
//!
//! [[case]]
//! name = "old page moved"
//! request = "GET https://example.com/old?x=1"
//! headers = { "accept-language" = "de" }
//! expect = { status = 301, location = "/new?x=1" }
//! ```
//!
//! A case gives its request as a shorthand line (`request`, with optional `headers`,
//! `cookies`, `country` and `viewer_ip`) or as a whole event (`event`, inline, or `event_file`,
//! a JSON file relative to the case file). An event is a viewer-request event, or a
//! viewer-response event, which goes straight to the viewer-response function. `origin` sets
//! the simulated origin response of a request. `expect` is an [`Expect`].
//!
//! A mistake is a [`Diagnostic`] on the case file: `E101` (not TOML), `E102` (a field that does
//! not exist or has the wrong type), `E103` (a case that cannot be run), `E104`/`E105` (an event
//! that is not JSON, or not a viewer-request or viewer-response event).

use std::collections::BTreeMap;
use std::path::Path;

use diagnostics::source::Span;
use diagnostics::{Code, Diagnostic};

use serde::Deserialize;
use toml::Spanned;

use crate::event::{Invocation, RequestSpec};
use crate::expect::Expect;
use crate::simulate::OriginResponse;

/// One case, ready to run.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// Its name (the request line when none is given).
    pub name: String,
    /// 1-based line of the case in its file.
    pub line: u32,
    /// The call: a viewer-request event, or a viewer-response event for the viewer-response
    /// function alone.
    pub invocation: Invocation,
    /// The simulated origin response.
    pub origin: OriginResponse,
    /// What to check.
    pub expect: Expect,
}

/// A parsed case file.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseFile {
    /// Rules the cases test (conformance files carry them; site case files do not).
    pub rules: Option<String>,
    /// The cases, in order.
    pub cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    rules: Option<String>,
    #[serde(default, rename = "case")]
    cases: Vec<Spanned<RawCase>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: Option<String>,
    request: Option<Spanned<String>>,
    event: Option<Spanned<serde_json::Value>>,
    event_file: Option<Spanned<String>>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    cookies: BTreeMap<String, String>,
    country: Option<String>,
    viewer_ip: Option<String>,
    origin: Option<RawOrigin>,
    #[serde(default)]
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrigin {
    #[serde(default = "ok")]
    status: u16,
    #[serde(default)]
    headers: BTreeMap<String, String>,
}

fn ok() -> u16 {
    200
}

const CASE_HELP: &str = "a case is a [[case]] table with one of `request = \"GET /path\"`, `event = {…}` \
    or `event_file = \"event.json\"`, and an `expect` table";

/// The span of a toml error, clamped to the text.
fn toml_span(text: &str, error: &toml::de::Error) -> Span {
    let range = error.span().unwrap_or(0..0);
    let start = range.start.min(text.len());
    Span::new(start, range.end.clamp(start, text.len()))
}

/// Parses a case file's text; `base` is the directory `event_file` paths are relative to.
pub fn parse(text: &str, base: &Path) -> Result<CaseFile, Diagnostic> {
    // Syntax first, so that a TOML mistake and a field mistake get their own codes.
    if let Err(error) = text.parse::<toml::Table>() {
        return Err(Diagnostic::new(Code::CaseFileSyntax, toml_span(text, &error), error.message().trim_end())
            .with_label("not valid TOML")
            .with_help("strings need double quotes; tables are written [[case]] or { key = value }"));
    }
    let raw: RawFile = toml::from_str(text).map_err(|error| {
        Diagnostic::new(Code::CaseFileField, toml_span(text, &error), error.message().trim_end())
            .with_label("here")
            .with_help(CASE_HELP)
    })?;
    let mut cases = Vec::new();
    for spanned in raw.cases {
        let span = spanned.span();
        let line = text[..span.start.min(text.len())].matches('\n').count() as u32 + 1;
        let at = |code: Code, range: std::ops::Range<usize>, message: String| {
            Diagnostic::new(code, Span::new(range.start, range.end), message).with_label("here")
        };
        let raw = spanned.into_inner();
        let sources = usize::from(raw.request.is_some())
            + usize::from(raw.event.is_some())
            + usize::from(raw.event_file.is_some());
        if sources != 1 {
            let header = span.start..span.start + text[span.start..].find('\n').unwrap_or(0);
            return Err(at(
                Code::BadCase,
                header,
                "a case needs exactly one of `request`, `event` and `event_file`".into(),
            )
            .with_help(CASE_HELP));
        }
        let (invocation, default_name) = if let Some(request) = &raw.request {
            let mut spec = RequestSpec::parse(request.get_ref()).map_err(|m| {
                at(Code::BadCase, request.span(), m).with_help("write `METHOD URL`, e.g. GET https://example.com/a?b=1")
            })?;
            spec.headers = raw.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect();
            spec.cookies = raw.cookies.clone();
            spec.country = raw.country.clone();
            spec.viewer_ip = raw.viewer_ip.clone();
            (spec.event(), request.get_ref().clone())
        } else {
            let (event, range, name) = if let Some(event) = &raw.event {
                (event.get_ref().clone(), event.span(), "event".to_string())
            } else {
                let file = raw.event_file.as_ref().expect("counted");
                let path = base.join(file.get_ref());
                let json = std::fs::read_to_string(&path).map_err(|e| {
                    at(Code::BadCase, file.span(), format!("cannot read {}: {e}", path.display()))
                        .with_help("`event_file` is a path relative to the case file")
                })?;
                let event = serde_json::from_str(&json).map_err(|e| {
                    at(Code::EventSyntax, file.span(), format!("{} is not valid JSON: {e}", path.display())).with_help(
                        "the file holds one viewer-request or viewer-response event, like AWS's example events",
                    )
                })?;
                (event, file.span(), file.get_ref().clone())
            };
            let event_type = check_event(&event).map_err(|m| {
                at(Code::BadEvent, range.clone(), m)
                    .with_help("a case's event is a viewer-request or viewer-response event, like AWS's example events")
            })?;
            if event_type == "viewer-response" && raw.origin.is_some() {
                return Err(at(
                    Code::BadCase,
                    range,
                    "a viewer-response event carries its own response: `origin` does not apply".into(),
                )
                .with_help("set the response's statusCode and headers in the event, and drop `origin`"));
            }
            (Invocation::from_event(event), name)
        };
        let origin = raw
            .origin
            .map_or_else(OriginResponse::default, |o| OriginResponse { status: o.status, headers: o.headers });
        cases.push(Case { name: raw.name.unwrap_or(default_name), line, invocation, origin, expect: raw.expect });
    }
    Ok(CaseFile { rules: raw.rules, cases })
}

/// The minimum an event needs: a viewer-request event a request with a method and a URI, a
/// viewer-response event also a response with a status. Returns the event type.
fn check_event(event: &serde_json::Value) -> Result<&'static str, String> {
    let request = event.get("request").ok_or("the event has no `request`")?;
    let event_type = match event.pointer("/context/eventType").and_then(|t| t.as_str()) {
        Some("viewer-request") => "viewer-request",
        Some("viewer-response") => "viewer-response",
        _ => return Err("the event's context.eventType must be \"viewer-request\" or \"viewer-response\"".into()),
    };
    for field in ["method", "uri"] {
        if !request.get(field).is_some_and(serde_json::Value::is_string) {
            return Err(format!("the event's request.{field} must be a string"));
        }
    }
    if event_type == "viewer-response" {
        let response = event.get("response").ok_or("a viewer-response event needs a `response`")?;
        if !response.get("statusCode").is_some_and(serde_json::Value::is_u64) {
            return Err("the event's response.statusCode must be a number".into());
        }
    }
    Ok(event_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_reports_positions() {
        let text = "rules = \"redirect /a /b\"\n\n[[case]]\nrequest = \"GET /a\"\nexpect = { status = 301 }\n\n[[case]]\nname = \"x\"\nrequest = \"GET /b\"\n";
        let file = parse(text, Path::new(".")).unwrap();
        assert_eq!(file.cases.len(), 2);
        assert_eq!(file.cases[0].expect.status, Some(301));
        assert_eq!(file.cases[1].name, "x");
        let line = |text: &str, error: &Diagnostic| {
            diagnostics::SourceFile::new("c.toml", text).line_col(error.span.start).line
        };
        let text = "[[case]]\nrequest = \"GET /a\"\nexpect = { stauts = 1 }\n";
        let error = parse(text, Path::new(".")).unwrap_err();
        assert_eq!((error.code, line(text, &error)), (Code::CaseFileField, 3), "{error:?}");
        let text = "[[case]]\nrequest = \"FETCH\"\n";
        let error = parse(text, Path::new(".")).unwrap_err();
        assert_eq!((error.code, line(text, &error)), (Code::BadCase, 2), "{error:?}");
        let text = "[[case]\nrequest = \"GET /\"\n";
        assert_eq!(parse(text, Path::new(".")).unwrap_err().code, Code::CaseFileSyntax);
    }
}
