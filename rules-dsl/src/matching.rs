//! Request-matching semantics shared by every part of hedgec that reasons about rules: whether a
//! host matches, whether a condition holds for a request, why a rule does not take a request,
//! where a `prefix-strip` applies, and the static questions over two patterns (can some path
//! match both? does one take every path of the other?).
//!
//! [`crate::pattern::PathMatch`] and [`mismatch`] answer for one concrete request; the pattern
//! questions answer for all paths at once. Its answers are *sound*: `paths_overlap` says `true` whenever it cannot prove
//! that no path matches both (regular expressions, for instance), and `path_covers` says `true`
//! only when it has proved it. Placement (`compiler::plan`), the static checks (`analysis`),
//! `explain` and the importers all ask here, so they cannot disagree.

use std::collections::BTreeMap;
use std::fmt;

use crate::ir::{Case, Condition, Matcher, PathPattern, Segment, Settings, Slash};
use crate::pattern::{PathMatch, canonical_path, lookup_key};

/// Whether a rule's host (lower case, if any) accepts a request's `host` header.
pub fn host_matches(rule_host: Option<&str>, request_host: &str) -> bool {
    rule_host.is_none_or(|want| want.eq_ignore_ascii_case(request_host))
}

/// Whether two rules' hosts can both accept one request.
pub fn hosts_meet(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => true,
    }
}

/// What a rule's matcher looks at in one request.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// The `host` header.
    pub host: &'a str,
    /// The path, canonical (`pattern::canonical_path`).
    pub canonical: &'a str,
    /// The query string, without `?`.
    pub query: Option<&'a str>,
    /// Request headers, names in lower case.
    pub headers: &'a BTreeMap<String, String>,
    /// Cookies.
    pub cookies: &'a BTreeMap<String, String>,
}

impl Request<'_> {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }

    /// The first value of a query parameter, canonical (as `query=` values are compared).
    fn query_param(&self, key: &str) -> Option<String> {
        self.query.unwrap_or("").split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k == key).then(|| canonical_path(v))
        })
    }
}

/// Why a rule does not take a request: the first of host, path and conditions that fails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// The rule is for another host (this one).
    Host(String),
    /// The path pattern does not match.
    Path,
    /// A condition does not hold.
    Condition(Unmet),
}

/// A condition that does not hold, with what the request has instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unmet {
    /// The condition.
    pub condition: Condition,
    /// What the request has where the condition looks: the country, the primary language tag,
    /// the cookie's value or the parameter's first value (canonical); `None` when the cookie or
    /// parameter is absent.
    pub got: Option<String>,
}

impl fmt::Display for Unmet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let got = self.got.as_deref().unwrap_or("");
        match (&self.condition, &self.got) {
            (Condition::Country(want), _) => {
                write!(f, "country={} does not hold (cloudfront-viewer-country is {got:?})", want.join(","))
            }
            (Condition::Language(want), _) => {
                write!(f, "language={} does not hold (the first accept-language tag is {got:?})", want.join(","))
            }
            (Condition::Cookie { name, .. }, None) => write!(f, "cookie {name} is absent"),
            (Condition::Cookie { name, value }, Some(_)) => {
                write!(f, "cookie {name} is {got:?}, not {:?}", value.as_deref().unwrap_or(""))
            }
            (Condition::Query { key, .. }, None) => write!(f, "query parameter {key} is absent"),
            (Condition::Query { key, value }, Some(_)) => {
                write!(f, "query parameter {key} is {got:?}, not {:?}", value.as_deref().unwrap_or(""))
            }
        }
    }
}

/// Whether a condition holds for a request: `None` when it does, what fails otherwise. This is
/// the reference the generated code's condition tests must agree with.
pub fn unmet(condition: &Condition, request: &Request<'_>) -> Option<Unmet> {
    let (holds, got) = match condition {
        Condition::Country(codes) => {
            let country = request.header("cloudfront-viewer-country");
            (codes.iter().any(|c| c == country), Some(country.to_string()))
        }
        Condition::Language(tags) => {
            let first = request.header("accept-language").split(',').next().unwrap_or("");
            let primary =
                first.split(';').next().unwrap_or("").split('-').next().unwrap_or("").trim().to_ascii_lowercase();
            (tags.contains(&primary), Some(primary))
        }
        Condition::Cookie { name, value } => {
            let got = request.cookies.get(name).cloned();
            (got.is_some() && (value.is_none() || got == *value), got)
        }
        Condition::Query { key, value } => {
            let got = request.query_param(key);
            (got.is_some() && (value.is_none() || got == *value), got)
        }
    };
    (!holds).then(|| Unmet { condition: condition.clone(), got })
}

/// Why a matcher does not take a request, checked in the order the generated code tests them
/// (host, path, then each condition); `None` when it takes it.
pub fn mismatch(matcher: &Matcher, request: &Request<'_>, settings: &Settings) -> Option<Mismatch> {
    if let Some(host) = matcher.host.as_ref().filter(|host| !host_matches(Some(host), request.host)) {
        return Some(Mismatch::Host(host.clone()));
    }
    if (PathMatch { settings }).path(&matcher.path, request.canonical).is_none() {
        return Some(Mismatch::Path);
    }
    matcher.conditions.iter().find_map(|c| unmet(c, request)).map(Mismatch::Condition)
}

/// Where a `prefix-strip` of canonical `prefix` (`/api`) applies to a canonical path: the rest
/// of the path (`""` or `/x…`), or `None` when the prefix does not match on a segment boundary.
pub fn prefix_rest<'p>(prefix: &str, canonical: &'p str, settings: &Settings) -> Option<&'p str> {
    let head = canonical.get(..prefix.len())?;
    let equal = match settings.case {
        Case::Sensitive => head == prefix,
        Case::Insensitive => head.eq_ignore_ascii_case(prefix),
    };
    let rest = &canonical[prefix.len()..];
    (equal && (rest.is_empty() || rest.starts_with('/'))).then_some(rest)
}

fn text_eq(a: &str, b: &str, settings: &Settings) -> bool {
    match settings.case {
        Case::Sensitive => a == b,
        Case::Insensitive => a.eq_ignore_ascii_case(b),
    }
}

fn starts_with(text: &str, prefix: &str, settings: &Settings) -> bool {
    text.get(..prefix.len()).is_some_and(|head| text_eq(head, prefix, settings))
}

/// How a pattern ends after its segments.
#[derive(Clone, Copy, Debug)]
enum Tail<'a> {
    /// Nothing more (a trailing slash when the flag is set).
    End(bool),
    /// `/*`: nothing, or `/` and anything.
    Splat,
    /// `/prefix*`: one more segment starting with the prefix, then anything.
    Prefix(&'a str),
}

fn tail(pattern: &PathPattern) -> Tail<'_> {
    match (pattern.splat, &pattern.splat_prefix) {
        (true, Some(prefix)) => Tail::Prefix(prefix),
        (true, None) => Tail::Splat,
        (false, _) => Tail::End(pattern.trailing_slash),
    }
}

/// Whether two segments can match the same request segment.
fn segments_meet(a: &Segment, b: &Segment, settings: &Settings) -> bool {
    match (a, b) {
        (Segment::Literal(x), Segment::Literal(y)) => text_eq(x, y, settings),
        (Segment::Literal(x), Segment::Param(_)) | (Segment::Param(_), Segment::Literal(x)) => !x.is_empty(),
        (Segment::Param(_), Segment::Param(_)) => true,
    }
}

/// Whether a segment can start with `prefix`.
fn segment_may_start(segment: &Segment, prefix: &str, settings: &Settings) -> bool {
    match segment {
        Segment::Literal(text) => starts_with(text, prefix, settings),
        Segment::Param(_) => true,
    }
}

/// Whether some path matches both patterns (hosts and conditions aside); `true` when that
/// cannot be decided.
pub fn paths_overlap(a: &PathPattern, b: &PathPattern, settings: &Settings) -> bool {
    if a.regex.is_some() || b.regex.is_some() {
        return regex_overlap(a, b, settings);
    }
    let shared = a.segments.len().min(b.segments.len());
    if !a.segments[..shared].iter().zip(&b.segments[..shared]).all(|(x, y)| segments_meet(x, y, settings)) {
        return false;
    }
    let (short, long) = if a.segments.len() <= b.segments.len() { (a, b) } else { (b, a) };
    if short.segments.len() < long.segments.len() {
        // The shorter pattern's tail must take the longer one's next segment and the rest.
        return match tail(short) {
            Tail::End(_) => false,
            Tail::Splat => true,
            Tail::Prefix(prefix) => segment_may_start(&long.segments[shared], prefix, settings),
        };
    }
    match (tail(a), tail(b)) {
        (Tail::Splat, _) | (_, Tail::Splat) => true,
        (Tail::End(x), Tail::End(y)) => settings.slash == Slash::Fold || x == y,
        (Tail::Prefix(p), Tail::Prefix(q)) => starts_with(p, q, settings) || starts_with(q, p, settings),
        (Tail::Prefix(_), Tail::End(_)) | (Tail::End(_), Tail::Prefix(_)) => false,
    }
}

/// Overlap when a regular expression is involved: decided when the other pattern is one literal
/// path (does the expression match it?), `true` otherwise.
fn regex_overlap(a: &PathPattern, b: &PathPattern, settings: &Settings) -> bool {
    let matcher = PathMatch { settings };
    let literal_side = |regex: &PathPattern, other: &PathPattern| {
        other.literal_path().map(|path| literal_variants(&path, settings).any(|p| matcher.path(regex, &p).is_some()))
    };
    match (a.regex.is_some(), b.regex.is_some()) {
        (true, false) => literal_side(a, b).unwrap_or(true),
        (false, true) => literal_side(b, a).unwrap_or(true),
        _ => true,
    }
}

/// The request paths an exact pattern's literal path stands for: itself, and with `slash fold`
/// the same path with or without a trailing slash.
fn literal_variants(path: &str, settings: &Settings) -> impl Iterator<Item = String> {
    let key = lookup_key(path, &Settings { case: Case::Sensitive, ..settings.clone() });
    let mut variants = vec![path.to_string()];
    if settings.slash == Slash::Fold && key != "/" {
        variants = vec![key.clone(), format!("{key}/")];
    }
    variants.into_iter()
}

/// Whether every path that `b` matches is matched by `a`; `false` when that cannot be decided.
pub fn path_covers(a: &PathPattern, b: &PathPattern, settings: &Settings) -> bool {
    if a.regex.is_some() || b.regex.is_some() {
        return regex_covers(a, b, settings);
    }
    let la = a.segments.len();
    let prefix_ok = |n: usize| {
        a.segments[..n].iter().zip(&b.segments).all(|(x, y)| match (x, y) {
            (Segment::Param(_), Segment::Param(_)) => true,
            (Segment::Param(_), Segment::Literal(text)) => !text.is_empty(),
            (Segment::Literal(_), Segment::Param(_)) => false,
            (Segment::Literal(x), Segment::Literal(y)) => text_eq(x, y, settings),
        })
    };
    match tail(a) {
        Tail::Splat => b.segments.len() >= la && prefix_ok(la),
        Tail::Prefix(prefix) => {
            prefix_ok(la)
                && match (b.segments.get(la), tail(b)) {
                    (Some(Segment::Literal(text)), _) => starts_with(text, prefix, settings),
                    (None, Tail::Prefix(theirs)) => starts_with(theirs, prefix, settings),
                    _ => false,
                }
        }
        Tail::End(trailing) => {
            matches!(tail(b), Tail::End(_))
                && b.segments.len() == la
                && prefix_ok(la)
                && (settings.slash == Slash::Fold || trailing == b.trailing_slash)
        }
    }
}

/// Covering when a regular expression is involved: decided when `b` is one literal path, or
/// when `a` is `/*`; `false` otherwise.
fn regex_covers(a: &PathPattern, b: &PathPattern, settings: &Settings) -> bool {
    if a.regex.is_none() {
        return a.segments.is_empty() && matches!(tail(a), Tail::Splat);
    }
    let matcher = PathMatch { settings };
    b.literal_path().is_some_and(|path| literal_variants(&path, settings).all(|p| matcher.matches(a, &p)))
}

/// Whether every request that `b` matches is matched by `a` (hosts, conditions and paths).
pub fn matcher_covers(a: &Matcher, b: &Matcher, settings: &Settings) -> bool {
    (a.host.is_none() || a.host == b.host)
        && a.conditions.iter().all(|c| b.conditions.contains(c))
        && path_covers(&a.path, &b.path, settings)
}

/// Whether some request could match both matchers, looking at hosts and paths (conditions are
/// taken to hold).
pub fn matchers_overlap(a: &Matcher, b: &Matcher, settings: &Settings) -> bool {
    hosts_meet(a.host.as_deref(), b.host.as_deref()) && paths_overlap(&a.path, &b.path, settings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Word;
    use crate::source::Span;

    fn pattern(text: &str) -> PathPattern {
        crate::pattern::parse_pattern(&Word::bare(text, Span::new(0, text.len())), crate::ir::Case::Sensitive)
            .unwrap()
            .1
    }

    #[test]
    fn overlaps() {
        let fold = Settings::default();
        let exact = Settings { slash: Slash::Exact, ..Settings::default() };
        let overlap = |a: &str, b: &str, s: &Settings| paths_overlap(&pattern(a), &pattern(b), s);
        assert!(overlap("/a/*", "/a/b/c", &fold));
        assert!(overlap("/a/:x", "/a/b", &fold));
        assert!(!overlap("/a/:x", "/a/b/c", &fold));
        assert!(overlap("/a", "/a/", &fold));
        assert!(!overlap("/a", "/a/", &exact));
        assert!(!overlap("/a/b", "/c/*", &fold));
        assert!(overlap("/en/release-*", "/en/release-0.1/x", &fold));
        assert!(overlap("/en/release-*", "/en/rel*", &fold));
        assert!(!overlap("/en/release-*", "/en/latest", &fold));
        assert!(!overlap("/en/release-*", "/en", &fold));
        assert!(overlap("/en/release-*", "/en/:v/x", &fold));
        assert!(overlap("/news*", "/*", &fold));
    }

    #[test]
    fn covers() {
        let fold = Settings::default();
        let covers = |a: &str, b: &str| path_covers(&pattern(a), &pattern(b), &fold);
        assert!(covers("/a/*", "/a/b/*"));
        assert!(covers("/a/*", "/a/x-*"));
        assert!(covers("/a/x*", "/a/xy/z"));
        assert!(covers("/a/x*", "/a/xy*"));
        assert!(!covers("/a/xy*", "/a/x*"));
        assert!(!covers("/a/x*", "/a/:p"));
        assert!(!covers("/a/x*", "/a"));
    }

    #[test]
    fn conditions() {
        let headers = BTreeMap::from([
            ("cloudfront-viewer-country".to_string(), "FR".to_string()),
            ("accept-language".to_string(), "de-AT;q=0.9, en".to_string()),
        ]);
        let cookies = BTreeMap::from([("lang".to_string(), "fr".to_string())]);
        let request = Request {
            host: "example.com",
            canonical: "/a",
            query: Some("x&p=%7e&p=2"),
            headers: &headers,
            cookies: &cookies,
        };
        let holds = |c: Condition| unmet(&c, &request).map(|u| u.to_string());
        assert_eq!(
            holds(Condition::Country(vec!["DE".into()])).as_deref(),
            Some("country=DE does not hold (cloudfront-viewer-country is \"FR\")")
        );
        assert_eq!(holds(Condition::Country(vec!["DE".into(), "FR".into()])), None);
        assert_eq!(holds(Condition::Language(vec!["de".into()])), None);
        assert_eq!(holds(Condition::Cookie { name: "lang".into(), value: None }), None);
        assert_eq!(
            holds(Condition::Cookie { name: "lang".into(), value: Some("de".into()) }).as_deref(),
            Some("cookie lang is \"fr\", not \"de\"")
        );
        assert_eq!(holds(Condition::Query { key: "x".into(), value: None }), None);
        assert_eq!(
            holds(Condition::Query { key: "p".into(), value: Some("~".into()) }),
            None,
            "first value, canonical"
        );
        assert_eq!(
            holds(Condition::Query { key: "q".into(), value: None }).as_deref(),
            Some("query parameter q is absent")
        );
    }

    #[test]
    fn prefixes_and_hosts() {
        let settings = Settings::default();
        assert_eq!(prefix_rest("/api", "/api/x", &settings), Some("/x"));
        assert_eq!(prefix_rest("/api", "/api", &settings), Some(""));
        assert_eq!(prefix_rest("/api", "/apiary", &settings), None);
        assert!(host_matches(Some("a.example"), "A.example"));
        assert!(!hosts_meet(Some("a.example"), Some("b.example")));
    }
}
