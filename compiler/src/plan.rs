//! Placement: which rules live in the KVS and which in code.
//!
//! - A `redirect`, `rewrite` or `respond` rule with an exact path, no host and no conditions
//!   goes to the KVS, where one read finds it. The function tries the code rules that come
//!   before the first KVS rule in the file, then the KVS, then the remaining code rules. So an
//!   exact rule can live in the KVS only if every code rule that could match its path (a
//!   pattern, a host rule, a rule with conditions) is one of those tried before the KVS, or
//!   comes after it in the file; otherwise it keeps its place in code. (Earlier rules that
//!   always take the path made it unreachable; analysis already removed it.)
//! - A `header` rule with an exact path and no host goes to the KVS; its operations carry
//!   their position so the function can merge them with code rules in file order.
//! - Everything else is code: patterns, hosts, conditions, `prefix-strip`, `request-header`.

use std::collections::BTreeMap;

use rules_dsl::ir::{Action, HeaderOp, HeaderRule, Origin, Route, Rules};
use rules_dsl::pattern::{self, PathMatch};

/// Where each rule goes.
#[derive(Debug, Default)]
pub struct Plan<'r> {
    /// Exact routes by lookup key.
    pub kvs_routes: BTreeMap<String, &'r Route>,
    /// Routes in code, in file order.
    pub code_routes: Vec<&'r Route>,
    /// How many of `code_routes` are tried before the KVS.
    pub kvs_after: usize,
    /// Exact response-header operations by lookup key: (rule position, operation).
    pub kvs_headers: BTreeMap<String, Vec<(usize, &'r HeaderOp)>>,
    /// The first rule behind each exact response-header key, for diagnostics.
    pub kvs_header_origins: BTreeMap<String, Origin>,
    /// Response-header rules in code, with their positions.
    pub code_headers: Vec<(usize, &'r HeaderRule)>,
}

/// Decides placement.
pub fn plan(rules: &Rules) -> Plan<'_> {
    let settings = &rules.settings;
    let matcher = PathMatch { settings };
    let mut plan = Plan::default();
    let mut kvs_after: Option<usize> = None;
    for route in &rules.routes {
        let before_kvs = kvs_after.unwrap_or(plan.code_routes.len());
        let kvs_key = route
            .matcher
            .is_unconditional_exact()
            .then(|| route.matcher.path.literal_path().expect("exact"))
            .filter(|literal| {
                plan.code_routes[before_kvs..]
                    .iter()
                    .all(|earlier| matcher.path(&earlier.matcher.path, literal).is_none())
            })
            .filter(|_| fits_a_line(&route.action))
            .map(|literal| pattern::lookup_key(&literal, settings));
        match kvs_key {
            Some(key) => {
                kvs_after.get_or_insert(before_kvs);
                plan.kvs_routes.insert(key, route);
            }
            None => plan.code_routes.push(route),
        }
    }
    plan.kvs_after = kvs_after.unwrap_or(0);
    for (position, rule) in rules.response_headers.iter().enumerate() {
        if rule.matcher.is_unconditional_exact() {
            let literal = rule.matcher.path.literal_path().expect("exact");
            let key = pattern::lookup_key(&literal, settings);
            plan.kvs_header_origins.entry(key.clone()).or_insert(rule.origin);
            let ops = plan.kvs_headers.entry(key).or_default();
            ops.extend(rule.ops.iter().map(|op| (position, op)));
        } else {
            plan.code_headers.push((position, rule));
        }
    }
    plan
}

/// Whether an action can be written as a KVS line (no tab or line feed in a body, and a
/// literal target).
fn fits_a_line(action: &Action) -> bool {
    match action {
        Action::Redirect { target, .. } | Action::Rewrite { target } => target.as_literal().is_some(),
        Action::Respond { body, .. } => body.as_deref().is_none_or(|b| !b.contains(['\t', '\n'])),
    }
}
