//! Static checks over the IR: shadowed and duplicate rules, redirect loops and chains.
//!
//! Rules that can never match are removed from the IR after their warning, so the back end
//! never spends bytes on them. With `set chains flatten`, chained redirects are rewritten to
//! go straight to their final target.

use std::collections::HashMap;

use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Action, Case, Chains, Condition, Piece, Route, Rules, Segment, Settings};
use crate::matching;
use crate::pattern::{self, PathMatch};

/// Runs every check, updating `rules` (dead rules removed, chains flattened).
pub fn analyze(rules: &mut Rules, diagnostics: &mut Vec<Diagnostic>) {
    remove_unreachable(rules, diagnostics);
    remove_loops(rules, diagnostics);
    chains(rules, diagnostics);
}

/// Index of the live routes, for "which rule takes this path first" questions.
struct RouteIndex {
    /// Unconditional exact routes by lookup key.
    exact: HashMap<String, usize>,
    /// Other routes, grouped by their first segment when it is literal (lower-cased when
    /// matching ignores case); `wild` holds those whose first segment is not literal.
    by_first: HashMap<String, Vec<usize>>,
    wild: Vec<usize>,
}

impl RouteIndex {
    fn new() -> RouteIndex {
        RouteIndex { exact: HashMap::new(), by_first: HashMap::new(), wild: Vec::new() }
    }

    fn first_key(segment: Option<&Segment>, settings: &Settings) -> Option<String> {
        match segment {
            Some(Segment::Literal(text)) => Some(match settings.case {
                Case::Sensitive => text.clone(),
                Case::Insensitive => text.to_ascii_lowercase(),
            }),
            _ => None,
        }
    }

    fn insert(&mut self, index: usize, route: &Route, settings: &Settings) {
        if route.matcher.is_unconditional_exact() {
            let literal = route.matcher.path.literal_path().expect("exact");
            self.exact.insert(pattern::lookup_key(&literal, settings), index);
            return;
        }
        match Self::first_key(route.matcher.path.segments.first(), settings) {
            Some(key) => self.by_first.entry(key).or_default().push(index),
            None => self.wild.push(index),
        }
    }

    /// Routes that might match paths starting with this first segment, in no particular order.
    fn candidates(&self, first: Option<&Segment>, settings: &Settings) -> impl Iterator<Item = usize> + '_ {
        let group = Self::first_key(first, settings).and_then(|key| self.by_first.get(&key));
        self.wild.iter().chain(group.into_iter().flatten()).copied()
    }
}

fn remove_unreachable(rules: &mut Rules, diagnostics: &mut Vec<Diagnostic>) {
    let settings = &rules.settings;
    let mut index = RouteIndex::new();
    let mut dead = vec![false; rules.routes.len()];
    for (j, route) in rules.routes.iter().enumerate() {
        let mut cover: Option<usize> = None;
        if let Some(literal) = route.matcher.path.literal_path() {
            cover = index.exact.get(&pattern::lookup_key(&literal, settings)).copied();
        }
        for i in index.candidates(route.matcher.path.segments.first(), settings) {
            if cover.is_none_or(|c| i < c)
                && matching::matcher_covers(&rules.routes[i].matcher, &route.matcher, settings)
            {
                cover = Some(i);
            }
        }
        let Some(i) = cover else {
            index.insert(j, route, settings);
            continue;
        };
        dead[j] = true;
        let earlier = &rules.routes[i];
        let diagnostic = if earlier.matcher == route.matcher && earlier.action == route.action {
            Diagnostic::new(Code::DuplicateRule, route.origin.span, "duplicate rule")
                .with_label("this rule repeats an earlier one")
                .with_help(format!("the same rule is on line {}; remove one", earlier.origin.line))
        } else {
            Diagnostic::new(Code::ShadowedRule, route.origin.span, "rule can never match")
                .with_label("shadowed")
                .with_help(format!(
                    "the rule on line {} takes every request this one matches; move this rule above it if it should win",
                    earlier.origin.line
                ))
        };
        diagnostics.push(diagnostic);
    }
    let mut dead = dead.into_iter();
    rules.routes.retain(|_| !dead.next().expect("same length"));
}

/// The same-site path a redirect target leads to (canonical, query and fragment removed), if
/// the target stays on the site the rule matched.
fn same_site_path(route: &Route, target_text: &str) -> Option<String> {
    let rest = if target_text.starts_with('/') {
        target_text
    } else {
        let host = route.matcher.host.as_deref()?;
        let after_scheme = target_text.split_once("://")?.1;
        let end = after_scheme.find(['/', '?', '#']).unwrap_or(after_scheme.len());
        if !after_scheme[..end].eq_ignore_ascii_case(host) {
            return None;
        }
        &after_scheme[end..]
    };
    let path = rest.split(['?', '#']).next().unwrap_or("");
    let trimmed = path.trim_start_matches(['/', '\\']);
    Some(pattern::canonical_path(&format!("/{trimmed}")))
}

fn remove_loops(rules: &mut Rules, diagnostics: &mut Vec<Diagnostic>) {
    let matcher = PathMatch { settings: &rules.settings };
    let mut looping = Vec::new();
    for (i, route) in rules.routes.iter().enumerate() {
        let Action::Redirect { target, .. } = &route.action else { continue };
        if route.matcher.conditions.iter().any(|c| matches!(c, Condition::Query { .. })) {
            continue;
        }
        if route.matcher.path.regex.is_some() && target.as_literal().is_none() {
            // Which captures a real request gives cannot be guessed for a regular expression.
            continue;
        }
        let samples: Vec<String> = route.matcher.path.capture_names().iter().map(|_| "x".to_string()).collect();
        let Some(path) = same_site_path(route, &target.instantiate(&samples)) else { continue };
        if matcher.path(&route.matcher.path, &path).is_some() {
            diagnostics.push(self_loop(route, &path));
            looping.push(i);
        }
    }
    let mut i = 0;
    rules.routes.retain(|_| {
        i += 1;
        !looping.contains(&(i - 1))
    });
}

/// What the first matching route does to a same-site path, when that is certain.
enum Resolution {
    /// A redirect to this literal target, keeping the query or not.
    Redirect { route: usize, target: String, keep_query: bool },
    /// Anything else: no rule, a rewrite, a response, or a rule whose conditions decide.
    Other,
}

fn resolve(rules: &Rules, index: &RouteIndex, path: &str) -> Resolution {
    let settings = &rules.settings;
    let matcher = PathMatch { settings };
    let mut first = index.exact.get(&pattern::lookup_key(path, settings)).copied();
    let first_segment = path.strip_prefix('/').and_then(|p| p.split('/').next()).filter(|s| !s.is_empty());
    let probe = first_segment.map(|s| Segment::Literal(s.to_string()));
    for i in index.candidates(probe.as_ref(), settings) {
        if first.is_none_or(|f| i < f) && matcher.path(&rules.routes[i].matcher.path, path).is_some() {
            first = Some(i);
        }
    }
    let Some(i) = first else { return Resolution::Other };
    let route = &rules.routes[i];
    if route.matcher.host.is_some() || !route.matcher.conditions.is_empty() {
        return Resolution::Other;
    }
    match &route.action {
        Action::Redirect { target, keep_query, .. } => {
            let captures = matcher.path(&route.matcher.path, path).expect("matched above");
            Resolution::Redirect { route: i, target: target.instantiate(&captures), keep_query: *keep_query }
        }
        _ => Resolution::Other,
    }
}

/// The loop of a redirect whose target, `path`, matches its own pattern again.
fn self_loop(route: &Route, path: &str) -> Diagnostic {
    Diagnostic::new(Code::RedirectLoop, route.origin.span, "redirect loop")
        .with_label(format!("a request for {path} matches this pattern again"))
        .with_help("the target must not match the rule's own pattern, or browsers redirect forever")
}

/// The loop of a circle of redirects, `circle` in the order requests go round it, on its first
/// rule. One rule is a circle of its own when its target, which `path` is, matches it again: a
/// `~REGEX` rule whose captured text grows on every round (`~/docs/(.*)` to `/docs/latest/$1`),
/// which [`remove_loops`] cannot judge without a request.
fn circle_diagnostic(rules: &Rules, circle: &[usize], path: &str) -> Diagnostic {
    let first = &rules.routes[circle[0]];
    if let [_] = circle {
        return self_loop(first, path);
    }
    let mut lines: Vec<u32> = circle.iter().map(|&h| rules.routes[h].origin.line).collect();
    lines.sort_unstable();
    lines.dedup();
    let lines: Vec<String> = lines.iter().map(u32::to_string).collect();
    let help = match lines.split_last() {
        Some((last, rest)) if !rest.is_empty() => {
            format!("the redirects on lines {} and {last} send requests round in a circle", rest.join(", "))
        }
        _ => format!("the redirects on line {} send requests round in a circle", lines.join("")),
    };
    Diagnostic::new(Code::RedirectLoop, first.origin.span, "redirect loop through several rules")
        .with_label("this redirect comes back to itself")
        .with_help(help)
}

fn chains(rules: &mut Rules, diagnostics: &mut Vec<Diagnostic>) {
    let mut index = RouteIndex::new();
    for (i, route) in rules.routes.iter().enumerate() {
        index.insert(i, route, &rules.settings);
    }
    let flatten = rules.settings.chains == Chains::Flatten;
    let mut rewrites = Vec::new();
    let mut reported: Vec<Vec<usize>> = Vec::new();
    for (a, route) in rules.routes.iter().enumerate() {
        let Action::Redirect { target, keep_query, .. } = &route.action else { continue };
        if route.matcher.host.is_some() {
            continue;
        }
        let Some(mut text) = target.as_literal() else { continue };
        let mut keep = *keep_query;
        let mut hops = vec![a];
        loop {
            if text.contains('?') {
                break;
            }
            let Some(path) = same_site_path(route, &text) else { break };
            let Resolution::Redirect { route: b, target: next, keep_query: next_keep } = resolve(rules, &index, &path)
            else {
                break;
            };
            if let Some(start) = hops.iter().position(|&h| h == b) {
                // Every rule of a circle finds it, and so does every rule that leads into it;
                // it is one mistake, reported once, on the first rule of the circle reached.
                // The rules that lead into it are not at fault.
                let mut circle = hops[start..].to_vec();
                circle.sort_unstable();
                if !reported.contains(&circle) {
                    diagnostics.push(circle_diagnostic(rules, &hops[start..], &path));
                    reported.push(circle);
                }
                hops.clear();
                break;
            }
            hops.push(b);
            text = next;
            keep &= next_keep;
            if hops.len() > 16 {
                break;
            }
        }
        if hops.len() < 2 {
            continue;
        }
        let next = &rules.routes[hops[1]];
        if flatten {
            rewrites.push((a, text, keep));
        } else {
            diagnostics.push(
                Diagnostic::new(Code::RedirectChain, route.origin.span, "redirect chain")
                    .with_label(format!("the target is redirected again by the rule on line {}", next.origin.line))
                    .with_help(format!("redirect straight to {text}, or add `set chains flatten` at the top")),
            );
        }
    }
    for (a, text, keep) in rewrites {
        if let Action::Redirect { target, keep_query, .. } = &mut rules.routes[a].action {
            target.pieces = vec![Piece::Text(text)];
            *keep_query = keep;
        }
    }
}
