//! Why a request gets the answer it gets: the rules tried in order and why each did not match,
//! the rule that did, the KVS keys the functions read, and the header rules that apply. This is
//! the reference semantics of the language (`rules_dsl::pattern`) applied to one request; the
//! CLI shows it next to what the compiled functions actually return.

use std::collections::BTreeMap;

use rules_dsl::ir::{Condition, Matcher, Origin, Rules};
use rules_dsl::matching;
use rules_dsl::pattern::{self, PathMatch};

use crate::{CompileReturn, kvs, plan};

/// A request, as explain needs it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    /// The `host` header.
    pub host: String,
    /// The path as sent.
    pub path: String,
    /// The query string, without `?`.
    pub query: Option<String>,
    /// Request headers, names in lower case.
    pub headers: BTreeMap<String, String>,
    /// Cookies.
    pub cookies: BTreeMap<String, String>,
    /// The status the origin answers with (200 when `None`). CloudFront does not run
    /// viewer-response functions for origin responses of 400 and above.
    pub origin_status: Option<u16>,
}

/// Why a rule did or did not match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It matched.
    Matched,
    /// Its host is another one.
    OtherHost(String),
    /// Its path pattern does not match.
    OtherPath,
    /// A condition does not hold; the text says which and what the request has.
    ConditionFails(String),
}

/// One rule tried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tried {
    /// The rule.
    pub origin: Origin,
    /// What happened.
    pub verdict: Verdict,
}

/// The explanation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Explanation {
    /// The canonical path the rules are matched against.
    pub canonical: String,
    /// `redirect`, `rewrite` and `respond` rules tried, in order, up to the one that matched;
    /// rules whose path does not match are counted, not listed.
    pub tried: Vec<Tried>,
    /// How many rules before the match (or in all, when none matched) did not match the path.
    pub other_paths: usize,
    /// The route that answers, if any.
    pub matched: Option<Origin>,
    /// Whether that route lives in the KVS (found with a lookup) rather than in code.
    pub matched_in_kvs: bool,
    /// What the matching route's pattern captured, in order: `(name, value)`, the name as the
    /// target writes it (`:name`, `:splat`, `$1`).
    pub captures: Vec<(String, String)>,
    /// The `prefix-strip` that applies, if any.
    pub prefix_strip: Option<Origin>,
    /// `request-header` rules that apply, in order.
    pub request_headers: Vec<Origin>,
    /// `header` rules that apply, in order.
    pub response_headers: Vec<Origin>,
    /// KVS keys the functions read for this request, in order.
    pub kvs_keys: Vec<String>,
}

fn why_not(matcher: &Matcher, request: &Request, canonical: &str, path_match: &PathMatch<'_>) -> Verdict {
    if let Some(host) = matcher.host.as_ref().filter(|host| !matching::host_matches(Some(host), &request.host)) {
        return Verdict::OtherHost(host.clone());
    }
    if path_match.path(&matcher.path, canonical).is_none() {
        return Verdict::OtherPath;
    }
    for condition in &matcher.conditions {
        if let Some(reason) = failing(condition, request) {
            return Verdict::ConditionFails(reason);
        }
    }
    Verdict::Matched
}

/// The captures of a pattern that matches `canonical`, named as targets write them.
fn captures(matcher: &Matcher, canonical: &str, path_match: &PathMatch<'_>) -> Vec<(String, String)> {
    let values = path_match.path(&matcher.path, canonical).unwrap_or_default();
    let numbered = matcher.path.regex.is_some();
    matcher
        .path
        .capture_names()
        .iter()
        .zip(values)
        .enumerate()
        .map(|(i, (name, value))| {
            let label = match (numbered, name.is_empty()) {
                (true, true) => format!("${}", i + 1),
                (true, false) => format!("${} :{name}", i + 1),
                (false, _) => format!(":{name}"),
            };
            (label, value)
        })
        .collect()
}

/// Why a condition fails for the request, or `None` when it holds.
fn failing(condition: &Condition, request: &Request) -> Option<String> {
    let header = |name: &str| request.headers.get(name).map(String::as_str).unwrap_or("");
    match condition {
        Condition::Country(codes) => {
            let country = header("cloudfront-viewer-country");
            (!codes.iter().any(|c| c == country)).then(|| {
                format!("country={} does not hold (cloudfront-viewer-country is {country:?})", codes.join(","))
            })
        }
        Condition::Language(tags) => {
            let first = header("accept-language").split(',').next().unwrap_or("");
            let primary =
                first.split(';').next().unwrap_or("").split('-').next().unwrap_or("").trim().to_ascii_lowercase();
            (!tags.contains(&primary)).then(|| {
                format!("language={} does not hold (the first accept-language tag is {primary:?})", tags.join(","))
            })
        }
        Condition::Cookie { name, value } => match (request.cookies.get(name), value) {
            (None, _) => Some(format!("cookie {name} is absent")),
            (Some(got), Some(want)) if got != want => Some(format!("cookie {name} is {got:?}, not {want:?}")),
            _ => None,
        },
        Condition::Query { key, value } => {
            let first = request.query.as_deref().unwrap_or("").split('&').find_map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (k == key).then(|| pattern::canonical_path(v))
            });
            match (first, value) {
                (None, _) => Some(format!("query parameter {key} is absent")),
                (Some(got), Some(want)) if &got != want => {
                    Some(format!("query parameter {key} is {got:?}, not {want:?}"))
                }
                _ => None,
            }
        }
    }
}

/// Explains a request against rules and their compiled output.
pub fn explain(rules: &Rules, output: &CompileReturn, request: &Request) -> Explanation {
    let settings = &rules.settings;
    let path_match = PathMatch { settings };
    let canonical = pattern::canonical_path(&request.path);
    let key = pattern::lookup_key(&canonical, settings);
    let mut explanation = Explanation { canonical: canonical.clone(), ..Explanation::default() };
    let in_kvs = |origin: &Origin| output.kvs_lines.contains(origin);

    for route in &rules.routes {
        match why_not(&route.matcher, request, &canonical, &path_match) {
            Verdict::OtherPath => explanation.other_paths += 1,
            Verdict::Matched => {
                explanation.tried.push(Tried { origin: route.origin, verdict: Verdict::Matched });
                explanation.captures = captures(&route.matcher, &canonical, &path_match);
                explanation.matched = Some(route.origin);
                explanation.matched_in_kvs = in_kvs(&route.origin);
                break;
            }
            verdict => explanation.tried.push(Tried { origin: route.origin, verdict }),
        }
    }

    // Keys: the exact lookup, then (when pattern rules were spilled and the exact lookup
    // missed) the group of the first segment.
    let answered_before_kvs = explanation.matched.is_some_and(|o| output.code_before_kvs.contains(&o));
    if let (Some(store), false) = (&output.request_store, answered_before_kvs) {
        explanation.kvs_keys.push(format!("{}{}", store.namespace, kvs::bucket_of(&key, store.buckets)));
        let exact_hit = kvs::lookup(&output.kvs, &store.namespace, store.buckets, &key).is_some()
            || kvs::lookup(&output.kvs, &store.namespace, store.buckets, &kvs::host_key(&request.host, &key)).is_some();
        let first = key.strip_prefix('/').and_then(|rest| rest.split('/').next()).filter(|s| !s.is_empty());
        if let (false, true, Some(first)) = (exact_hit, output.report.rules.routes_spilled > 0, first) {
            let group = format!("/{first}/*");
            explanation.kvs_keys.push(format!("{}{}", store.namespace, kvs::bucket_of(&group, store.buckets)));
        }
    }

    let stays = match explanation.matched.and_then(|o| rules.routes.iter().find(|r| r.origin == o)) {
        Some(route) => matches!(route.action, rules_dsl::ir::Action::Rewrite { .. }),
        None => true,
    };
    if stays {
        let uri = match explanation.matched.and_then(|o| rules.routes.iter().find(|r| r.origin == o)) {
            Some(route) => match &route.action {
                rules_dsl::ir::Action::Rewrite { target } => {
                    let captures =
                        path_match.matcher(&route.matcher, Some(&request.host), &canonical).unwrap_or_default();
                    target.instantiate(&captures).split('?').next().unwrap_or("").to_string()
                }
                _ => canonical.clone(),
            },
            None => canonical.clone(),
        };
        explanation.prefix_strip = rules
            .prefix_strips
            .iter()
            .find(|s| matching::prefix_rest(&s.prefix, &uri, settings).is_some())
            .map(|s| s.origin);
        explanation.request_headers = rules
            .request_headers
            .iter()
            .filter(|r| why_not(&r.matcher, request, &canonical, &path_match) == Verdict::Matched)
            .map(|r| r.origin)
            .collect();
        // CloudFront does not run the viewer-response function for an origin error.
        let response_runs = request.origin_status.unwrap_or(200) < 400;
        explanation.response_headers = rules
            .response_headers
            .iter()
            .filter(|r| response_runs && why_not(&r.matcher, request, &canonical, &path_match) == Verdict::Matched)
            .map(|r| r.origin)
            .collect();
        if let (Some(store), true) = (&output.response_store, request.origin_status.unwrap_or(200) < 400) {
            explanation.kvs_keys.push(format!("{}{}", store.namespace, kvs::bucket_of(&key, store.buckets)));
        }
    }
    explanation
}

/// Where each rule was placed, for explanations: origins of the routes that live in the KVS
/// (as exact lines or spilled groups).
pub fn kvs_origins(plan: &plan::Plan<'_>) -> Vec<Origin> {
    let mut origins: Vec<Origin> =
        plan.kvs_routes.values().map(|r| r.origin).chain(plan.spilled.values().flatten().map(|r| r.origin)).collect();
    origins.sort_by_key(|o| o.span.start);
    origins
}

#[cfg(test)]
mod tests {
    use super::*;

    fn explain_one(rules: &str, request: Request) -> Explanation {
        let analysis = rules_dsl::analyze(&rules_dsl::SourceFile::new("site.hedge", rules));
        assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics);
        let output = crate::compile(&analysis.rules, &crate::CompileOptions::default()).unwrap();
        explain(&analysis.rules, &output, &request)
    }

    #[test]
    fn conditions_hosts_and_the_kvs() {
        let rules = "redirect https://www.example.com/* https://example.com/:splat\nredirect /de /deutsch/ 302 country=DE\nredirect /blog/* /posts/:splat\nredirect /de /german\nheader /* x-a 1\n";
        let request = Request {
            host: "example.com".into(),
            path: "/de".into(),
            headers: BTreeMap::from([("cloudfront-viewer-country".into(), "FR".into())]),
            ..Request::default()
        };
        let explanation = explain_one(rules, request);
        assert_eq!(explanation.tried.len(), 3);
        assert!(matches!(explanation.tried[0].verdict, Verdict::OtherHost(_)));
        assert!(matches!(&explanation.tried[1].verdict, Verdict::ConditionFails(reason) if reason.contains("\"FR\"")));
        assert_eq!(explanation.tried[2].verdict, Verdict::Matched);
        assert_eq!(explanation.matched.map(|o| o.line), Some(4));
        assert_eq!(explanation.other_paths, 1);
        assert!(explanation.matched_in_kvs, "the KVS is read after the code rules that come first in the file");
        assert_eq!(explanation.kvs_keys.len(), 1);
        assert!(explanation.response_headers.is_empty(), "a redirect gets no header rules");
        assert!(explanation.captures.is_empty());

        let explanation = explain_one(
            "redirect ~\"/old-(\\d{4})/(?<slug>[a-z-]+)\\.html\" /archive/$1/:slug\nredirect /en/release-* /r/:splat\n",
            Request { host: "example.com".into(), path: "/old-2024/hello-world.html".into(), ..Request::default() },
        );
        assert_eq!(explanation.matched.map(|o| o.line), Some(1));
        assert_eq!(
            explanation.captures,
            [("$1".to_string(), "2024".to_string()), ("$2 :slug".to_string(), "hello-world".to_string())]
        );
        let explanation = explain_one(
            "redirect ~\"/old-(\\d{4})/(?<slug>[a-z-]+)\\.html\" /archive/$1/:slug\nredirect /en/release-* /r/:splat\n",
            Request { host: "example.com".into(), path: "/en/release-1.2".into(), ..Request::default() },
        );
        assert_eq!(explanation.captures, [(":splat".to_string(), "1.2".to_string())]);

        let explanation =
            explain_one(rules, Request { host: "www.example.com".into(), path: "/de".into(), ..Request::default() });
        assert_eq!(explanation.matched.map(|o| o.line), Some(1));
        assert_eq!(explanation.kvs_keys, Vec::<String>::new(), "the host rule answers before the KVS is read");

        let explanation = explain_one(
            "redirect /a /b\nheader /x y 1\nheader /* z 2\n",
            Request { host: "example.com".into(), path: "/x/".into(), ..Request::default() },
        );
        assert_eq!(explanation.matched, None);
        assert_eq!(explanation.response_headers.len(), 2);
        assert_eq!(explanation.kvs_keys.len(), 2, "{:?}", explanation.kvs_keys);
    }
}
