//! Placement: which rules live in the KVS and which in code.
//!
//! - A `redirect`, `rewrite` or `respond` rule with an exact path and no conditions goes to the
//!   KVS, where one read finds it; a rule for one host is keyed `host<TAB>path` in the bucket of
//!   its path, and the function looks for the host's line before the host-less one. (A host rule
//!   after a host-less rule for the same path stays in code: the host-less one answers first.)
//!   The function tries the code rules that come before the first KVS rule in the file, then the
//!   KVS, then the remaining code rules. So an exact rule can live in the KVS only if every code
//!   rule that could match its requests (a pattern, a rule for the same host or for any host, a
//!   rule with conditions) is one of those tried before the KVS, or comes after it in the file;
//!   otherwise it keeps its place in code. (Earlier rules that always take the path made it
//!   unreachable; analysis already removed it.)
//! - A `header` rule with an exact path and no host goes to the KVS, where its operations carry
//!   their position so the function can merge them with code rules in file order, unless the
//!   response function is smaller with every header rule in code ([`place_headers`]): a few
//!   exact rules cost less than the KVS reader and its merge.
//! - Everything else is code: patterns, hosts, conditions, `prefix-strip`, `request-header`.
//! - When the code is over budget, pattern routes without host or conditions whose first segment
//!   is literal may be *spilled* to the KVS, grouped by that segment (`/blog/*` holds every
//!   spilled rule under `/blog`). The function reads the group where it reads the KVS (after the
//!   code rules that come before the first exact KVS rule, before the others) when the exact
//!   lookup misses, and tries its rules in file order. A rule is spilled only if every code rule
//!   that could match one of its paths is still tried in file order relative to it, so moving it
//!   cannot change which rule answers.

use std::collections::{BTreeMap, BTreeSet};

use rules_dsl::ir::{Action, Case, HeaderOp, HeaderRule, Origin, Route, Rules, Segment, Settings};
use rules_dsl::matching;
use rules_dsl::pattern;

use crate::kvs;

/// Where each rule goes.
#[derive(Clone, Debug, Default)]
pub struct Plan<'r> {
    /// Exact routes by line key: the lookup key, or `host<TAB>lookup key` (`kvs::host_key`).
    pub kvs_routes: BTreeMap<String, &'r Route>,
    /// Routes in code, in file order.
    pub code_routes: Vec<&'r Route>,
    /// How many of `code_routes` are tried before the KVS.
    pub kvs_after: usize,
    /// Pattern routes spilled to the KVS, by group key (`/segment/*`), in file order.
    pub spilled: BTreeMap<String, Vec<&'r Route>>,
    /// Exact response-header operations by lookup key: (rule position, operation).
    pub kvs_headers: BTreeMap<String, Vec<(usize, &'r HeaderOp)>>,
    /// The first rule behind each exact response-header key, for diagnostics.
    pub kvs_header_origins: BTreeMap<String, Origin>,
    /// Response-header rules in code, with their positions.
    pub code_headers: Vec<(usize, &'r HeaderRule)>,
    /// Exact routes without conditions kept in code because an earlier code rule (a pattern or
    /// a regular expression) may match their requests.
    pub exact_blocked: usize,
    /// Whether runs of simple redirects in code are written as rows of one table tried by a
    /// small matcher (`emit::table`), chosen by placement when the function is smaller so.
    pub tables: bool,
}

/// Decides placement, spilling the pattern routes of the groups in `spill` where that is safe.
pub fn plan<'r>(rules: &'r Rules, spill: &BTreeSet<String>) -> Plan<'r> {
    let settings = &rules.settings;
    let mut plan = Plan::default();
    let mut kvs_after: Option<usize> = None;
    // Bytes of host lines per path: every host's line for a path shares that path's bucket.
    let mut host_bytes: BTreeMap<String, usize> = BTreeMap::new();
    for route in &rules.routes {
        let before_kvs = kvs_after.unwrap_or(plan.code_routes.len());
        let matcher_ok = route.matcher.conditions.is_empty() && route.matcher.path.is_exact();
        // An earlier code rule tried after the KVS that may take this rule's requests (a pattern, a
        // regular expression, a rule with conditions) keeps it in code, in file order; a rule for
        // another host never sees them.
        let blocked = matcher_ok
            && plan.code_routes[before_kvs..]
                .iter()
                .any(|earlier| matching::matchers_overlap(&earlier.matcher, &route.matcher, settings));
        let kvs_key = (matcher_ok && !blocked)
            .then(|| route.matcher.path.literal_path().expect("exact"))
            .filter(|_| fits_a_line(&route.action))
            .map(|literal| pattern::lookup_key(&literal, settings))
            .filter(|key| route.matcher.host.is_none() || !plan.kvs_routes.contains_key(key))
            .filter(|key| match &route.matcher.host {
                // Many hosts' rules for one path would crowd its bucket: the rest stay in code.
                Some(host) => {
                    let used = host_bytes.entry(key.clone()).or_default();
                    *used += host.len() + key.len() + line_bytes(&route.action);
                    *used <= HOST_LINES_PER_PATH_BYTES
                }
                None => true,
            })
            .map(|key| match &route.matcher.host {
                Some(host) => kvs::host_key(host, &key),
                None => key,
            });
        plan.exact_blocked += usize::from(blocked);
        match kvs_key {
            Some(key) => {
                kvs_after.get_or_insert(before_kvs);
                plan.kvs_routes.insert(key, route);
            }
            None => plan.code_routes.push(route),
        }
    }
    plan.kvs_after = kvs_after.unwrap_or(0);
    if !spill.is_empty() {
        spill_routes(&mut plan, settings, spill);
    }
    place_headers(&mut plan, rules, true);
    plan
}

/// Every route in code, in file order, and no KVS lookup on the request side: what placement
/// chooses when a site's few exact rules cost less code than the KVS reader. `exact_blocked`
/// counts every exact route without conditions, since all of them stay in code.
pub fn all_in_code<'r>(rules: &'r Rules) -> Plan<'r> {
    let mut plan = Plan { code_routes: rules.routes.iter().collect(), ..Plan::default() };
    plan.exact_blocked =
        rules.routes.iter().filter(|r| r.matcher.conditions.is_empty() && r.matcher.path.is_exact()).count();
    place_headers(&mut plan, rules, true);
    plan
}

/// Places the response-header rules: with `kvs`, exact-path rules without a host go to the KVS
/// and the rest to code; without it, every rule is code, in file order. The compiler tries both
/// and keeps the smaller function: a few exact rules cost less code than the KVS reader.
pub fn place_headers<'r>(plan: &mut Plan<'r>, rules: &'r Rules, kvs: bool) {
    let settings = &rules.settings;
    plan.kvs_headers.clear();
    plan.kvs_header_origins.clear();
    plan.code_headers.clear();
    for (position, rule) in rules.response_headers.iter().enumerate() {
        if kvs && rule.matcher.is_unconditional_exact() {
            let literal = rule.matcher.path.literal_path().expect("exact");
            let key = pattern::lookup_key(&literal, settings);
            plan.kvs_header_origins.entry(key.clone()).or_insert(rule.origin);
            let ops = plan.kvs_headers.entry(key).or_default();
            ops.extend(rule.ops.iter().map(|op| (position, op)));
        } else {
            plan.code_headers.push((position, rule));
        }
    }
}

/// The most bytes the host lines of one path may take in its bucket (the rest of the bucket
/// stays for other paths' lines).
const HOST_LINES_PER_PATH_BYTES: usize = kvs::MAX_ENTRY_BYTES - 128;

/// About the bytes an action's KVS line takes besides its key.
fn line_bytes(action: &Action) -> usize {
    let text = match action {
        Action::Redirect { target, .. } | Action::Rewrite { target } => target.as_literal().map_or(0, |t| t.len()),
        Action::Respond { body, .. } => body.as_deref().map_or(0, str::len),
    };
    text + 8
}

/// Whether an action can be written as a KVS line (no tab or line feed in a body, and a
/// literal target).
fn fits_a_line(action: &Action) -> bool {
    match action {
        Action::Redirect { target, .. } | Action::Rewrite { target } => target.as_literal().is_some(),
        Action::Respond { body, .. } => body.as_deref().is_none_or(|b| !b.contains(['\t', '\n'])),
    }
}

/// The KVS key of a spillable route's group: its first segment, as a lookup key, and `/*`.
pub fn group_key(route: &Route, settings: &Settings) -> Option<String> {
    let spillable = route.matcher.host.is_none()
        && route.matcher.conditions.is_empty()
        && !route.matcher.path.is_exact()
        && match &route.action {
            Action::Respond { body, .. } => body.as_deref().is_none_or(|b| !b.contains('\t')),
            _ => true,
        };
    let Some(Segment::Literal(first)) = route.matcher.path.segments.first().filter(|_| spillable) else {
        return None;
    };
    let first = match settings.case {
        Case::Sensitive => first.clone(),
        Case::Insensitive => first.to_ascii_lowercase(),
    };
    Some(format!("/{first}/*"))
}

/// Moves the routes of the chosen groups from code to `spilled`, keeping in code those whose
/// order against a competing code rule would change.
fn spill_routes<'r>(plan: &mut Plan<'r>, settings: &Settings, spill: &BTreeSet<String>) {
    let mut candidates: Vec<bool> =
        plan.code_routes.iter().map(|r| group_key(r, settings).is_some_and(|g| spill.contains(&g))).collect();
    loop {
        let mut changed = false;
        for i in 0..plan.code_routes.len() {
            if !candidates[i] {
                continue;
            }
            let route = plan.code_routes[i];
            let competes = plan.code_routes.iter().zip(&candidates).enumerate().any(|(j, (other, &spilled))| {
                // Code rules before the KVS are tried before the group: fine if they come first in
                // the file; code rules after the KVS are tried after it: fine if they come later.
                let order_kept = if j < plan.kvs_after {
                    other.origin.span.start < route.origin.span.start
                } else {
                    other.origin.span.start > route.origin.span.start
                };
                !spilled && !order_kept && matching::paths_overlap(&route.matcher.path, &other.matcher.path, settings)
            });
            if competes {
                candidates[i] = false;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let before = plan.kvs_after;
    let mut kept = Vec::new();
    let mut kept_before = 0;
    for (i, (route, spilled)) in plan.code_routes.drain(..).zip(candidates).enumerate() {
        if spilled {
            plan.spilled.entry(group_key(route, settings).expect("candidate")).or_default().push(route);
        } else {
            kept_before += usize::from(i < before);
            kept.push(route);
        }
    }
    plan.code_routes = kept;
    plan.kvs_after = kept_before;
}

/// Spillable groups that are still in code, with an estimate of the code they take, largest
/// first (ties by key, for determinism).
pub fn spill_candidates(
    plan: &Plan<'_>,
    settings: &Settings,
    code_size: impl Fn(&Route) -> usize,
) -> Vec<(String, usize)> {
    let mut groups: BTreeMap<String, usize> = BTreeMap::new();
    for route in &plan.code_routes {
        if let Some(group) = group_key(route, settings) {
            *groups.entry(group).or_default() += code_size(route);
        }
    }
    let mut groups: Vec<(String, usize)> = groups.into_iter().collect();
    groups.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    groups
}
