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
//! `cookies`, `country` and `viewer_ip`) or as a whole viewer-request event (`event`, inline,
//! or `event_file`, a JSON file relative to the case file). `origin` sets the simulated origin
//! response. `expect` is an [`Expect`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

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
    /// The viewer-request call.
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

/// Why a case file could not be used, with the position when there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseFileError {
    /// What is wrong.
    pub message: String,
    /// 1-based line and column, when known.
    pub position: Option<(u32, u32)>,
}

impl fmt::Display for CaseFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, col)) => write!(f, "{line}:{col}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
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

fn position(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32 + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() as u32 + 1;
    (line, col)
}

/// Parses a case file's text; `base` is the directory `event_file` paths are relative to.
pub fn parse(text: &str, base: &Path) -> Result<CaseFile, CaseFileError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| CaseFileError {
        message: e.message().trim_end().to_string(),
        position: e.span().map(|s| position(text, s.start)),
    })?;
    let mut cases = Vec::new();
    for spanned in raw.cases {
        let span = spanned.span();
        let (line, col) = position(text, span.start);
        let at = |offset: usize, message: String| CaseFileError { message, position: Some(position(text, offset)) };
        let raw = spanned.into_inner();
        let sources = usize::from(raw.request.is_some())
            + usize::from(raw.event.is_some())
            + usize::from(raw.event_file.is_some());
        if sources != 1 {
            return Err(CaseFileError {
                message: "a case needs exactly one of `request`, `event` and `event_file`".into(),
                position: Some((line, col)),
            });
        }
        let (invocation, default_name) = if let Some(request) = &raw.request {
            let mut spec = RequestSpec::parse(request.get_ref()).map_err(|m| at(request.span().start, m))?;
            spec.headers = raw.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect();
            spec.cookies = raw.cookies.clone();
            spec.country = raw.country.clone();
            spec.viewer_ip = raw.viewer_ip.clone();
            (spec.event(), request.get_ref().clone())
        } else {
            let (event, offset, name) = if let Some(event) = &raw.event {
                (event.get_ref().clone(), event.span().start, "event".to_string())
            } else {
                let file = raw.event_file.as_ref().expect("counted");
                let path = base.join(file.get_ref());
                let json = std::fs::read_to_string(&path)
                    .map_err(|e| at(file.span().start, format!("cannot read {}: {e}", path.display())))?;
                let event = serde_json::from_str(&json)
                    .map_err(|e| at(file.span().start, format!("{} is not valid JSON: {e}", path.display())))?;
                (event, file.span().start, file.get_ref().clone())
            };
            check_event(&event).map_err(|m| at(offset, m))?;
            (Invocation::from_event(event), name)
        };
        let origin = raw
            .origin
            .map_or_else(OriginResponse::default, |o| OriginResponse { status: o.status, headers: o.headers });
        cases.push(Case { name: raw.name.unwrap_or(default_name), line, invocation, origin, expect: raw.expect });
    }
    Ok(CaseFile { rules: raw.rules, cases })
}

/// The minimum a viewer-request event needs.
fn check_event(event: &serde_json::Value) -> Result<(), String> {
    let request = event.get("request").ok_or("the event has no `request`")?;
    if event.pointer("/context/eventType").and_then(|t| t.as_str()) != Some("viewer-request") {
        return Err("the event's context.eventType must be \"viewer-request\"".into());
    }
    for field in ["method", "uri"] {
        if !request.get(field).is_some_and(serde_json::Value::is_string) {
            return Err(format!("the event's request.{field} must be a string"));
        }
    }
    Ok(())
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
        let error = parse("[[case]]\nrequest = \"GET /a\"\nexpect = { stauts = 1 }\n", Path::new(".")).unwrap_err();
        assert_eq!(error.position.map(|p| p.0), Some(3), "{error}");
        let error = parse("[[case]]\nrequest = \"FETCH\"\n", Path::new(".")).unwrap_err();
        assert_eq!(error.position.map(|p| p.0), Some(2), "{error}");
    }
}
