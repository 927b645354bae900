//! Matching helpers over patterns in the rules language's syntax: parsing them with the
//! language's own parser, specialising a route to one path, and telling whether two patterns
//! can match the same request.

use rules_dsl::ast::Word;
use rules_dsl::ir::{Case, PathPattern, Segment, Settings, Slash};
use rules_dsl::pattern::{self, PathMatch, TargetKind};
use rules_dsl::source::Span;

use crate::model::{Action, Route};
use crate::text::{is_name_byte, percent, target_path_start};

fn word(text: &str) -> Word {
    Word { text: text.to_string(), span: Span::new(0, text.len()), quoted: false }
}

/// A route's pattern as the rules language reads it: (host, path pattern).
pub fn parse_from(from: &str) -> Option<(Option<String>, PathPattern)> {
    pattern::parse_pattern(&word(from)).ok()
}

/// Breaks up `:name` in the path part of a target built from literal text, so that the rules
/// language does not read it as a placeholder.
pub fn escape_colons(target: &str) -> String {
    let start = target_path_start(target);
    let bytes = target.as_bytes();
    let mut out = String::from(&target[..start]);
    for (i, c) in target[start..].char_indices() {
        let at = start + i;
        if c == ':' && bytes.get(at + 1).copied().is_some_and(is_name_byte) {
            out.push_str(&percent(b':'));
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether a literal path can be written as an exact pattern that matches just that path.
pub fn exact_pattern(path: &str) -> bool {
    parse_from(path).is_some_and(|(_, p)| p.is_exact()) && !path.contains(['?', '#'])
}

/// `route` made specific to one literal path (which its pattern matches): the pattern becomes
/// the path (keeping the host and options) and captures are filled into the target.
pub fn instance(route: &Route, path: &str, settings: &Settings) -> Option<Route> {
    let (host, parsed) = parse_from(&route.from)?;
    let captures = PathMatch { settings }.path(&parsed, path)?;
    let names = parsed.capture_names();
    let fill = |to: &str, kind| -> Option<String> {
        let target = pattern::parse_target(&word(to), &names, kind).ok()?;
        Some(escape_colons(&target.instantiate(&captures)))
    };
    let action = match &route.action {
        Action::Redirect { to, status } => Action::Redirect { to: fill(to, TargetKind::Redirect)?, status: *status },
        Action::Rewrite { to } => Action::Rewrite { to: fill(to, TargetKind::Rewrite)? },
        Action::Respond { status } => Action::Respond { status: *status },
    };
    let from = match host {
        Some(host) => format!("https://{host}{path}"),
        None => path.to_string(),
    };
    Some(Route { from, action, ..route.clone() })
}

/// Whether two segments can match the same request segment.
fn segments_meet(a: &Segment, b: &Segment, settings: &Settings) -> bool {
    match (a, b) {
        (Segment::Literal(x), Segment::Literal(y)) => match settings.case {
            Case::Sensitive => x == y,
            Case::Insensitive => x.eq_ignore_ascii_case(y),
        },
        (Segment::Literal(x), Segment::Param(_)) | (Segment::Param(_), Segment::Literal(x)) => !x.is_empty(),
        (Segment::Param(_), Segment::Param(_)) => true,
    }
}

/// Whether some path matches both patterns (hosts and conditions aside).
pub fn paths_overlap(a: &PathPattern, b: &PathPattern, settings: &Settings) -> bool {
    let shared = a.segments.len().min(b.segments.len());
    if !a.segments[..shared].iter().zip(&b.segments[..shared]).all(|(x, y)| segments_meet(x, y, settings)) {
        return false;
    }
    match a.segments.len().cmp(&b.segments.len()) {
        std::cmp::Ordering::Less => a.splat,
        std::cmp::Ordering::Greater => b.splat,
        std::cmp::Ordering::Equal => {
            a.splat || b.splat || settings.slash == Slash::Fold || a.trailing_slash == b.trailing_slash
        }
    }
}

/// Whether some request matches both patterns (written in the language's syntax), looking at
/// hosts and paths; `true` when either cannot be parsed.
pub fn overlap(a: &str, b: &str, settings: &Settings) -> bool {
    match (parse_from(a), parse_from(b)) {
        (Some((ha, pa)), Some((hb, pb))) => {
            (ha.is_none() || hb.is_none() || ha == hb) && paths_overlap(&pa, &pb, settings)
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colons_in_targets() {
        assert_eq!(escape_colons("/a/:b/c:d/x:"), "/a/%3Ab/c%3Ad/x:");
        assert_eq!(escape_colons("https://h:8080/:x"), "https://h:8080/%3Ax");
    }

    #[test]
    fn overlaps() {
        let fold = Settings::default();
        let exact = Settings { slash: Slash::Exact, ..Settings::default() };
        assert!(overlap("/a/*", "/a/b/c", &fold));
        assert!(overlap("/a/:x", "/a/b", &fold));
        assert!(!overlap("/a/:x", "/a/b/c", &fold));
        assert!(overlap("/a", "/a/", &fold));
        assert!(!overlap("/a", "/a/", &exact));
        assert!(!overlap("https://x.example/a", "https://y.example/*", &fold));
        assert!(overlap("https://x.example/a", "/*", &fold));
        assert!(!overlap("/a/b", "/c/*", &fold));
    }

    #[test]
    fn instances() {
        let settings = Settings::default();
        let route = Route {
            loc: crate::model::Loc::default(),
            source: String::new(),
            from: "https://h.example/a/:x/*".into(),
            action: Action::Redirect { to: "/b/:x/:splat?k=:x".into(), status: 302 },
            options: vec!["country=DE".into()],
            force: true,
            role: crate::model::Role::Rule,
        };
        let specific = instance(&route, "/a/1/2/3", &settings).unwrap();
        assert_eq!(specific.from, "https://h.example/a/1/2/3");
        assert_eq!(specific.action, Action::Redirect { to: "/b/1/2/3?k=1".into(), status: 302 });
        assert_eq!(specific.options, ["country=DE"]);
        assert!(instance(&route, "/b", &settings).is_none());
    }
}
