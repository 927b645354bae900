//! Probe requests derived from the rules: at least one request per rule, built to match it, and
//! requests that match nothing, so that measuring them exercises every rule and every miss path
//! of the compiled functions (`hedgec check` runs them to estimate compute).

use std::collections::BTreeMap;

use rules_dsl::ir::{Condition, Matcher, Origin, PathPattern, Rules, Segment};

/// A request to measure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    /// What it exercises, for reports: `redirect /blog/* (line 4)`.
    pub description: String,
    /// The rule it is built for, if any (miss probes have none).
    pub origin: Option<Origin>,
    /// The `host` header.
    pub host: String,
    /// The path, as the viewer sends it.
    pub path: String,
    /// The query string, without `?`.
    pub query: Option<String>,
    /// Further request headers.
    pub headers: BTreeMap<String, String>,
    /// Cookies.
    pub cookies: BTreeMap<String, String>,
}

/// The host of probes for rules without one.
pub const DEFAULT_HOST: &str = "example.com";

/// A path that matches a pattern: literal segments, `p1`, `p2`... for placeholders, `s1/s2` for a
/// splat.
pub fn sample_path(pattern: &PathPattern) -> String {
    if let Some(regex) = &pattern.regex {
        return rules_dsl::regex_pattern::sample(regex).unwrap_or_else(|| "/".to_string());
    }
    let mut path = String::new();
    let mut params = 0;
    for segment in &pattern.segments {
        path.push('/');
        match segment {
            Segment::Literal(text) => path.push_str(text),
            Segment::Param(_) => {
                params += 1;
                path.push_str(&format!("p{params}"));
            }
        }
    }
    if let (true, Some(prefix)) = (pattern.splat, &pattern.splat_prefix) {
        path.push('/');
        path.push_str(prefix);
        path.push_str("s1/s2");
    } else if pattern.splat {
        path.push_str("/s1/s2");
    } else if pattern.trailing_slash || path.is_empty() {
        path.push('/');
    }
    path
}

fn probe(description: String, origin: Option<Origin>, matcher: &Matcher) -> Probe {
    let mut probe = Probe {
        description,
        origin,
        host: matcher.host.clone().unwrap_or_else(|| DEFAULT_HOST.to_string()),
        path: sample_path(&matcher.path),
        query: None,
        headers: BTreeMap::new(),
        cookies: BTreeMap::new(),
    };
    let mut query = Vec::new();
    for condition in &matcher.conditions {
        match condition {
            Condition::Country(codes) => {
                probe.headers.insert("cloudfront-viewer-country".into(), codes[0].clone());
            }
            Condition::Language(tags) => {
                probe.headers.insert("accept-language".into(), format!("{};q=0.9", tags[0]));
            }
            Condition::Cookie { name, value } => {
                probe.cookies.insert(name.clone(), value.clone().unwrap_or_else(|| "1".into()));
            }
            Condition::Query { key, value } => query.push(format!("{key}={}", value.as_deref().unwrap_or("1"))),
        }
    }
    if !query.is_empty() {
        probe.query = Some(query.join("&"));
    }
    probe
}

/// Every probe for a rules file, in file order, then the misses.
pub fn probes(rules: &Rules) -> Vec<Probe> {
    let mut out = Vec::new();
    let line = |origin: &Origin| origin.line;
    for route in &rules.routes {
        let kind = match route.action {
            rules_dsl::ir::Action::Redirect { .. } => "redirect",
            rules_dsl::ir::Action::Rewrite { .. } => "rewrite",
            rules_dsl::ir::Action::Respond { .. } => "respond",
        };
        let description = format!("{kind} {} (line {})", sample_path(&route.matcher.path), line(&route.origin));
        out.push(probe(description, Some(route.origin), &route.matcher));
    }
    for strip in &rules.prefix_strips {
        let matcher = Matcher {
            host: None,
            path: PathPattern {
                segments: strip.prefix[1..].split('/').map(|s| Segment::Literal(s.to_string())).collect(),
                splat: true,
                trailing_slash: false,
                splat_prefix: None,
                regex: None,
            },
            conditions: Vec::new(),
        };
        let description = format!("prefix-strip {} (line {})", strip.prefix, strip.origin.line);
        out.push(probe(description, Some(strip.origin), &matcher));
    }
    for (kind, list) in [("request-header", &rules.request_headers), ("header", &rules.response_headers)] {
        for rule in list {
            let description = format!("{kind} {} (line {})", sample_path(&rule.matcher.path), rule.origin.line);
            out.push(probe(description, Some(rule.origin), &rule.matcher));
        }
    }
    let miss = Matcher {
        host: None,
        path: PathPattern { segments: vec![], splat: false, trailing_slash: true, splat_prefix: None, regex: None },
        conditions: Vec::new(),
    };
    for (description, path, query) in [
        ("a miss: the root", "/", None),
        ("a miss: a deep path", "/hedgec-probe/miss/a/b/c/d/e/f/page.html", Some("utm_source=probe&x=1")),
        ("a miss: percent-encoded, trailing slash", "/hedgec-probe/caf%C3%A9/%7Euser/", None),
    ] {
        let mut p = probe(description.to_string(), None, &miss);
        p.path = path.to_string();
        p.query = query.map(str::to_string);
        p.headers.insert("accept-language".into(), "en-US,en;q=0.9".into());
        out.push(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_gets_a_probe_that_matches_it() {
        let source = rules_dsl::SourceFile::new(
            "site.hedge",
            "redirect /docs/:v/* /d/:v/:splat\nredirect / /de/ 302 country=DE ?x=1\nprefix-strip /api\nheader https://a.example.com/* x-a 1\n",
        );
        let analysis = rules_dsl::analyze(&source);
        let probes = probes(&analysis.rules);
        assert_eq!(probes.len(), 4 + 3);
        assert_eq!(probes[0].path, "/docs/p1/s1/s2");
        assert_eq!(probes[1].headers["cloudfront-viewer-country"], "DE");
        assert_eq!(probes[1].query.as_deref(), Some("x=1"));
        assert_eq!(probes[2].path, "/api/s1/s2");
        assert_eq!(probes[3].host, "a.example.com");
        let settings = &analysis.rules.settings;
        let m = rules_dsl::pattern::PathMatch { settings };
        for (route, probe) in analysis.rules.routes.iter().zip(&probes) {
            assert!(
                m.matcher(&route.matcher, Some(&probe.host), &rules_dsl::pattern::canonical_path(&probe.path))
                    .is_some()
            );
        }
    }
}
