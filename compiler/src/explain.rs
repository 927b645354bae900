//! Why a request gets the answer it gets: the rules tried in order and why each did not match,
//! the rule that did, the KVS keys the functions read, and the header rules that apply. This is
//! the reference semantics of the language (`rules_dsl::matching`) applied to one request, with
//! the compilation's placement (`placement::Summary`) telling which reads the functions make;
//! the CLI shows it next to what the compiled functions actually return.

use std::collections::BTreeMap;

use rules_dsl::ir::{Matcher, Origin, Rules, Settings};
use rules_dsl::matching::{self, Mismatch};
use rules_dsl::pattern::{self, PathMatch};

use crate::placement::Place;
use crate::{CompileReturn, kvs};

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

impl Request {
    /// The request as the matching semantics see it, for a canonical path.
    fn matching<'a>(&'a self, canonical: &'a str) -> matching::Request<'a> {
        matching::Request {
            host: &self.host,
            canonical,
            query: self.query.as_deref(),
            headers: &self.headers,
            cookies: &self.cookies,
        }
    }
}

/// The verdict of the matching semantics on one rule.
fn verdict(matcher: &Matcher, request: &matching::Request<'_>, settings: &Settings) -> Verdict {
    match matching::mismatch(matcher, request, settings) {
        None => Verdict::Matched,
        Some(Mismatch::Host(host)) => Verdict::OtherHost(host),
        Some(Mismatch::Path) => Verdict::OtherPath,
        Some(Mismatch::Condition(unmet)) => Verdict::ConditionFails(unmet.to_string()),
    }
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

/// Explains a request against rules and their compiled output.
pub fn explain(rules: &Rules, output: &CompileReturn, request: &Request) -> Explanation {
    let settings = &rules.settings;
    let path_match = PathMatch { settings };
    let canonical = pattern::canonical_path(&request.path);
    let key = pattern::lookup_key(&canonical, settings);
    let mut explanation = Explanation { canonical: canonical.clone(), ..Explanation::default() };
    let placement = &output.placement;
    let seen = request.matching(&canonical);

    for route in &rules.routes {
        match verdict(&route.matcher, &seen, settings) {
            Verdict::OtherPath => explanation.other_paths += 1,
            Verdict::Matched => {
                explanation.tried.push(Tried { origin: route.origin, verdict: Verdict::Matched });
                explanation.captures = captures(&route.matcher, &canonical, &path_match);
                explanation.matched = Some(route.origin);
                explanation.matched_in_kvs = placement.in_kvs(route.origin);
                break;
            }
            verdict => explanation.tried.push(Tried { origin: route.origin, verdict }),
        }
    }

    // Keys: the exact lookup, then (when pattern rules were spilled and the exact lookup
    // missed) the group of the first segment.
    let answered_before_kvs = explanation.matched.is_some_and(|o| placement.place(o) == Place::CodeBeforeKvs);
    if let (Some(store), false) = (&output.request_store, answered_before_kvs) {
        explanation.kvs_keys.push(format!("{}{}", store.namespace, kvs::bucket_of(&key, store.buckets)));
        let exact_hit = kvs::lookup(&output.kvs, &store.namespace, store.buckets, &key).is_some()
            || kvs::lookup(&output.kvs, &store.namespace, store.buckets, &kvs::host_key(&request.host, &key)).is_some();
        let first = key.strip_prefix('/').and_then(|rest| rest.split('/').next()).filter(|s| !s.is_empty());
        if let (false, true, Some(first)) = (exact_hit, placement.has_spilled(), first) {
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
            .filter(|r| matching::mismatch(&r.matcher, &seen, settings).is_none())
            .map(|r| r.origin)
            .collect();
        // CloudFront does not run the viewer-response function for an origin error.
        let response_runs = request.origin_status.unwrap_or(200) < 400;
        explanation.response_headers = rules
            .response_headers
            .iter()
            .filter(|r| response_runs && matching::mismatch(&r.matcher, &seen, settings).is_none())
            .map(|r| r.origin)
            .collect();
        if let (Some(store), true) = (&output.response_store, request.origin_status.unwrap_or(200) < 400) {
            explanation.kvs_keys.push(format!("{}{}", store.namespace, kvs::bucket_of(&key, store.buckets)));
        }
    }
    explanation
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Explains a request, with the site's exact rules in the KVS (a site this small would
    /// otherwise keep them in code).
    fn explain_one(rules: &str, request: Request) -> Explanation {
        let analysis = rules_dsl::analyze(&rules_dsl::SourceFile::new("site.hedge", rules));
        assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics);
        let options = crate::CompileOptions { exact_in_kvs: true, ..crate::CompileOptions::default() };
        let output = crate::compile(&analysis.rules, &options).unwrap();
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
        // The exact `header /x` rule stays in code (the response function is smaller so): only the
        // request side reads the KVS.
        assert_eq!(explanation.kvs_keys.len(), 1, "{:?}", explanation.kvs_keys);
    }
}
