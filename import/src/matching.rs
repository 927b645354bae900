//! Matching helpers over patterns in the rules language's syntax: parsing them with the
//! language's own parser, specialising a route to one path, and telling whether two patterns
//! can match the same request.

use rules_dsl::ast::Word;
use rules_dsl::ir::{Case, PathPattern, Settings};
use rules_dsl::matching;
use rules_dsl::pattern::{self, PathMatch, TargetKind};
use rules_dsl::source::Span;

use crate::model::{Action, Route};

fn word(text: &str) -> Word {
    Word::bare(text, Span::new(0, text.len()))
}

/// A route's pattern as the rules language reads it under a case setting: (host, path pattern).
pub fn parse_from(from: &str, case: Case) -> Option<(Option<String>, PathPattern)> {
    pattern::parse_pattern(&word(from), case).ok()
}

/// Writes a target built from literal text so that the rules language reads it back as itself
/// (no `:name` placeholders).
pub fn escape_colons(target: &str) -> String {
    crate::text::literal_target(target)
}

/// Whether a literal path can be written as an exact pattern that matches just that path.
pub fn exact_pattern(path: &str) -> bool {
    parse_from(path, Case::Sensitive).is_some_and(|(_, p)| p.is_exact()) && !path.contains(['?', '#'])
}

/// `route` made specific to one literal path (which its pattern matches): the pattern becomes
/// the path (keeping the host and options) and captures are filled into the target.
pub fn instance(route: &Route, path: &str, settings: &Settings) -> Option<Route> {
    let (host, parsed) = parse_from(&route.from, settings.case)?;
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

/// Whether some request matches both patterns (written in the language's syntax), looking at
/// hosts and paths; `true` when either cannot be parsed.
pub fn overlap(a: &str, b: &str, settings: &Settings) -> bool {
    match (parse_from(a, settings.case), parse_from(b, settings.case)) {
        (Some((ha, pa)), Some((hb, pb))) => {
            matching::hosts_meet(ha.as_deref(), hb.as_deref()) && matching::paths_overlap(&pa, &pb, settings)
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rules_dsl::ir::Slash;

    #[test]
    fn colons_in_targets() {
        assert_eq!(escape_colons("/a/:b/c:d/x:"), "/a/\\:b/c\\:d/x:");
        assert_eq!(escape_colons("https://h:8080/:x"), "https://h:8080/\\:x");
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
