//! Placement within the size budget: where every rule lives, decided once, before any function
//! is written.
//!
//! [`plan::plan`] puts rules in the KVS or in code. When the request function of that plan is
//! over its size limit, the `SizeModel` (the one place that knows what code costs) chooses
//! groups of pattern rules to spill to the KVS, largest first, until their estimated saving
//! covers the excess, and placement plans again, until the function fits or nothing is left to
//! spill. A function still over its limit then is the function-size error of
//! [`crate::limits`].
//!
//! A site with a few exact routes in the KVS keeps them in code instead when its request function
//! is then no larger (the KVS reader costs about 450 bytes minified; an exact rule in code, about
//! 50), and that function is measured minified too; `set exact-rules kvs` (or
//! `CompileOptions::exact_in_kvs`) keeps them in the KVS.
//!
//! Exact-path `header` rules then go to the KVS, unless the response function is no larger with
//! every header rule in code (both are written and measured minified).
//!
//! [`Placement::lines`] encodes the KVS lines of the placed rules, and [`Summary`] is what the
//! rest of hedgec (`explain`, `check`) needs to know of where each rule went.

use std::collections::{BTreeMap, BTreeSet};

use rules_dsl::ir::{Action, Case, HeaderOp, Origin, Route, Rules, Settings};

use crate::plan::{self, Plan};
use crate::{CompileOptions, InternalError, emit, function, kvs};

/// Where every rule lives.
#[derive(Debug)]
pub struct Placement<'r> {
    /// The plan: KVS lines, code rules and spilled groups.
    pub plan: Plan<'r>,
}

/// The KVS lines of one plan, by key.
#[derive(Debug, Default)]
pub struct Lines {
    /// The request side: exact routes and spilled groups.
    pub routes: BTreeMap<String, String>,
    /// The spilled groups as `KEY VALUE` lines: they are read as rules, so the namespace follows
    /// them.
    pub spilled: String,
    /// The response side: exact `header` rules.
    pub headers: BTreeMap<String, String>,
    /// How the request side's values are written: a case-insensitive site's keys are lower-cased,
    /// and its targets store only their case changes. Whether buckets are front-coded is decided
    /// when they are packed.
    pub route_encoding: kvs::Encoding,
}

/// Places the rules so that, when spilling can do it, the request function fits its budget.
pub fn place<'r>(rules: &'r Rules, options: &CompileOptions) -> Result<Placement<'r>, InternalError> {
    let settings = &rules.settings;
    let mut plan = plan::plan(rules, &BTreeSet::new());
    let model = SizeModel { rules, options };
    plan.tables = model.tables_are_smaller(&plan)?;
    if !spillable_groups(&plan, settings).is_empty() {
        let mut spill = BTreeSet::new();
        loop {
            let excess = model.request_bytes(&plan)?.saturating_sub(options.max_function_bytes);
            // A group the plan kept in code although asked to spill it is not offered again:
            // asking again would plan the same and loop for ever.
            let candidates = spillable_groups(&plan, settings).into_iter().filter(|(g, _)| !spill.contains(g));
            let more = SizeModel::groups_to_spill(candidates.collect(), excess);
            if more.is_empty() {
                break;
            }
            spill.extend(more);
            let tables = plan.tables;
            plan = plan::plan(rules, &spill);
            plan.tables = tables;
        }
    }
    if let Some(in_code) = in_code_if_smaller(rules, options, &plan)? {
        plan = in_code;
    }
    place_headers(&mut plan, rules, options)?;
    Ok(Placement { plan })
}

/// Keeps every `header` rule in code when the response function is then no larger than with its
/// exact rules in the KVS (a few exact rules cost less than the KVS reader and its merge), or
/// when some exact rule's KVS line is too large and the all-code function fits. Both functions
/// are measured minified, as they are deployed.
fn place_headers<'r>(plan: &mut Plan<'r>, rules: &'r Rules, options: &CompileOptions) -> Result<(), InternalError> {
    if plan.kvs_headers.is_empty() {
        return Ok(());
    }
    let minified = CompileOptions { pretty: false, ..options.clone() };
    let response = |plan: &Plan<'r>| {
        let headers = Placement::lines_of(plan, &rules.settings).headers;
        function::write(kvs::Side::Response, &headers, "", kvs::Encoding::default(), &minified, |store| {
            emit::response_function(rules, plan, store)
        })
    };
    let with_kvs = response(plan)?;
    let mut in_code = plan.clone();
    plan::place_headers(&mut in_code, rules, false);
    let all_code = response(&in_code)?.code.len();
    let code_fits = all_code <= options.max_function_bytes;
    if all_code <= with_kvs.code.len() || (!with_kvs.oversized.is_empty() && code_fits) {
        *plan = in_code;
    }
    Ok(())
}

impl Placement<'_> {
    /// The KVS lines of the placed rules.
    pub fn lines(&self, settings: &Settings) -> Lines {
        Placement::lines_of(&self.plan, settings)
    }

    fn lines_of(plan: &Plan<'_>, settings: &Settings) -> Lines {
        let route_encoding = kvs::Encoding { case_folded: settings.case == Case::Insensitive, front_coded: false };
        let mut routes: BTreeMap<String, String> = plan
            .kvs_routes
            .iter()
            .map(|(key, route)| {
                (key.clone(), route_value(&route.action).encode_as(kvs::path_part(key), route_encoding))
            })
            .collect();
        let mut spilled = String::new();
        for (group, group_routes) in &plan.spilled {
            let value = group_value(group_routes, settings);
            spilled.push_str(&format!("{group} {value}\n"));
            routes.insert(group.clone(), value);
        }
        let headers = plan.kvs_headers.iter().map(|(key, ops)| (key.clone(), header_value(ops).encode())).collect();
        Lines { routes, spilled, headers, route_encoding }
    }

    /// The rule behind a KVS line key (for diagnostics about that line).
    pub fn origin_of_line(&self, key: &str) -> Option<Origin> {
        let plan = &self.plan;
        plan.kvs_routes
            .get(key)
            .map(|route| route.origin)
            .or_else(|| plan.spilled.get(key).map(|group| group[0].origin))
            .or_else(|| plan.kvs_header_origins.get(key).copied())
    }

    /// The rule that first spends the KVS budget (for the store-size error).
    pub fn first_kvs_rule(&self) -> Option<Origin> {
        let plan = &self.plan;
        plan.kvs_routes
            .values()
            .map(|r| r.origin)
            .chain(plan.kvs_header_origins.values().copied())
            .min_by_key(|o| o.span.start)
    }

    /// The rule that first spends the code budget (for the function-size error).
    pub fn first_code_rule(&self) -> Option<Origin> {
        let plan = &self.plan;
        plan.code_routes.first().map(|r| r.origin).or_else(|| plan.code_headers.first().map(|(_, r)| r.origin))
    }

    /// What the rest of hedgec needs to know of where each rule went.
    pub fn summary(&self) -> Summary {
        let plan = &self.plan;
        let in_file_order = |mut origins: Vec<Origin>| {
            origins.sort_by_key(|o| o.span.start);
            origins
        };
        Summary {
            kvs_routes: in_file_order(plan.kvs_routes.values().map(|r| r.origin).collect()),
            spilled_routes: in_file_order(plan.spilled.values().flatten().map(|r| r.origin).collect()),
            code_before_kvs: plan.code_routes[..plan.kvs_after].iter().map(|r| r.origin).collect(),
        }
    }
}

/// Where the routes went, by origin: what `explain` and `check` ask.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Routes that live in the KVS as exact lines, in file order.
    pub kvs_routes: Vec<Origin>,
    /// Pattern routes spilled to the KVS in groups, in file order.
    pub spilled_routes: Vec<Origin>,
    /// Routes in code that the request function tries before it reads the KVS, in file order; a
    /// request one of them answers reads nothing on the request side.
    pub code_before_kvs: Vec<Origin>,
}

/// Where one route lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// In code, tried before the KVS is read.
    CodeBeforeKvs,
    /// In the KVS, as an exact line.
    Kvs,
    /// In the KVS, in the spilled group of its first segment.
    Spilled,
    /// In code, tried after the KVS.
    CodeAfterKvs,
}

impl Summary {
    /// Where a route lives.
    pub fn place(&self, route: Origin) -> Place {
        // Each list is in file order: a binary search keeps `check` linear on 45,000 rules.
        let holds = |list: &[Origin]| list.binary_search_by_key(&route.span.start, |o| o.span.start).is_ok();
        if holds(&self.kvs_routes) {
            Place::Kvs
        } else if holds(&self.spilled_routes) {
            Place::Spilled
        } else if holds(&self.code_before_kvs) {
            Place::CodeBeforeKvs
        } else {
            Place::CodeAfterKvs
        }
    }

    /// Whether a route lives in the KVS (an exact line or a spilled group).
    pub fn in_kvs(&self, route: Origin) -> bool {
        matches!(self.place(route), Place::Kvs | Place::Spilled)
    }

    /// Whether pattern routes were spilled, so that a miss of the exact lookup reads a group.
    pub fn has_spilled(&self) -> bool {
        !self.spilled_routes.is_empty()
    }

    /// The routes in the KVS, exact and spilled, in file order.
    pub fn kvs_rules(&self) -> Vec<Origin> {
        let mut origins: Vec<Origin> = self.kvs_routes.iter().chain(&self.spilled_routes).copied().collect();
        origins.sort_by_key(|o| o.span.start);
        origins
    }
}

/// The size model of placement, the one place that knows what code costs.
///
/// The size of a plan's request function is measured, not predicted: the function is written
/// for the store its lines pack into and minified, as [`crate::function`] will write it, so the
/// budget is never missed by a guess. What spilling a group saves is estimated from the
/// readable code its routes take (`emit::route_code_size`): about half of it once minified.
/// Placement measures the plan without spills and, when it is over, each plan with more groups
/// spilled (usually one more measurement); no function is written before placement is done.
struct SizeModel<'a> {
    rules: &'a Rules,
    options: &'a CompileOptions,
}

impl SizeModel<'_> {
    /// The bytes of the request function of a plan, minified as the options say.
    fn request_bytes(&self, plan: &Plan<'_>) -> Result<usize, InternalError> {
        let lines = Placement::lines_of(plan, &self.rules.settings);
        let with_response = !self.rules.response_headers.is_empty();
        let function = function::write(
            kvs::Side::Request,
            &lines.routes,
            &lines.spilled,
            lines.route_encoding,
            self.options,
            |store| emit::request_function(self.rules, plan, store, with_response),
        )?;
        Ok(function.code.len())
    }

    /// Whether the request function of a plan is smaller, minified, with its runs of simple
    /// redirects written as table rows (`emit::table`) than as one branch each. Measured only
    /// when there are a few such redirects: below that the matcher never pays for itself.
    fn tables_are_smaller(&self, plan: &Plan<'_>) -> Result<bool, InternalError> {
        if emit::table_routes(plan, &self.rules.settings) < MIN_TABLE_ROUTES {
            return Ok(false);
        }
        let minified = CompileOptions { pretty: false, ..self.options.clone() };
        let model = SizeModel { rules: self.rules, options: &minified };
        let with_tables = Plan { tables: true, ..plan.clone() };
        Ok(model.request_bytes(&with_tables)? < model.request_bytes(plan)?)
    }

    /// What spilling a group saves, from the readable code of its routes: minified code is about
    /// half the size of the readable code the estimate counts.
    fn saving(readable: usize) -> usize {
        readable / 2
    }

    /// Groups to spill, largest first, until their estimated saving reaches `excess`; none when
    /// nothing is in excess.
    fn groups_to_spill(candidates: Vec<(String, usize)>, excess: usize) -> BTreeSet<String> {
        let mut spill = BTreeSet::new();
        let mut saved = 0;
        for (group, readable) in candidates {
            if saved >= excess {
                break;
            }
            spill.insert(group);
            saved += SizeModel::saving(readable);
        }
        spill
    }
}

/// The plan with every route in code, when `plan` has a few exact routes in the KVS, spills
/// nothing, and the request function, minified, is no larger without the KVS reader.
fn in_code_if_smaller<'r>(
    rules: &'r Rules,
    options: &CompileOptions,
    plan: &Plan<'r>,
) -> Result<Option<Plan<'r>>, InternalError> {
    let few = !plan.kvs_routes.is_empty() && plan.kvs_routes.len() <= MAX_EXACT_IN_CODE;
    if options.exact_in_kvs || rules.settings.exact_in_kvs || !few || !plan.spilled.is_empty() {
        return Ok(None);
    }
    let minified = CompileOptions { pretty: false, ..options.clone() };
    let model = SizeModel { rules, options: &minified };
    let mut in_code = plan::all_in_code(rules);
    in_code.tables = model.tables_are_smaller(&in_code)?;
    Ok((model.request_bytes(&in_code)? <= model.request_bytes(plan)?).then_some(in_code))
}

/// Above this many exact routes in the KVS, keeping them all in code is not measured: at about 50
/// bytes each minified, they would cost more than the KVS reader's 450.
const MAX_EXACT_IN_CODE: usize = 8;

/// Below this many table routes the table matcher (about 250 bytes minified) cannot pay for
/// itself (a row saves about 50 bytes over a branch), so it is not measured.
const MIN_TABLE_ROUTES: usize = 4;

/// Pattern groups that could be spilled, with the readable code they take, largest first: those
/// whose value fits one KVS entry.
fn spillable_groups(plan: &Plan<'_>, settings: &Settings) -> Vec<(String, usize)> {
    let room = kvs::MAX_ENTRY_BYTES - 16;
    plan::spill_candidates(plan, settings, |route| emit::planned_route_code_size(route, settings, plan.tables))
        .into_iter()
        .filter(|(group, _)| {
            let routes: Vec<&Route> = plan
                .code_routes
                .iter()
                .copied()
                .filter(|r| plan::group_key(r, settings).as_ref() == Some(group))
                .collect();
            group.len() + group_value(&routes, settings).len() < room
        })
        .collect()
}

fn route_value(action: &Action) -> kvs::RouteValue<'_> {
    match action {
        Action::Redirect { status, target, keep_query } => {
            kvs::RouteValue::Redirect { status: *status, target: target_text(target), keep_query: *keep_query }
        }
        Action::Rewrite { target } => kvs::RouteValue::Rewrite { target: target_text(target) },
        Action::Respond { status, body } => {
            kvs::RouteValue::Respond { status: *status, body: body.as_deref().unwrap_or("") }
        }
    }
}

/// The text of a literal target (placement only puts literal targets in the KVS).
fn target_text(target: &rules_dsl::ir::Target) -> &str {
    match target.pieces.as_slice() {
        [rules_dsl::ir::Piece::Text(text)] => text,
        [] => "",
        _ => unreachable!("placement keeps targets with captures in code"),
    }
}

/// The value of a spilled group: its routes in file order, tab-separated (see `kvs::SpilledRoute`).
fn group_value(routes: &[&Route], settings: &Settings) -> String {
    let rules: Vec<String> = routes
        .iter()
        .map(|route| {
            let template = match &route.action {
                Action::Redirect { target, .. } | Action::Rewrite { target } => emit::js::replace_template(target),
                Action::Respond { body, .. } => body.clone().unwrap_or_default(),
            };
            kvs::SpilledRoute {
                op: kvs::op(&route.action),
                regex: emit::js::path_regex_source(&route.matcher.path, settings),
                template,
            }
            .encode()
        })
        .collect();
    rules.join("\t")
}

fn header_value<'a>(ops: &'a [(usize, &'a HeaderOp)]) -> kvs::HeaderValue<'a> {
    kvs::HeaderValue {
        ops: ops
            .iter()
            .map(|&(position, op)| match op {
                HeaderOp::Set { name, value } => (position, name.as_str(), Some(value.as_str())),
                HeaderOp::Remove { name } => (position, name.as_str(), None),
            })
            .collect(),
    }
}
