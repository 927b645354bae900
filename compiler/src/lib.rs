//! The back end of hedgec: compiles the IR of a rules file into `cloudfront-js-2.0` functions
//! and KeyValueStore data.
//!
//! [`build`] is the driver every caller uses: bytes of a rules file in, the compiled site and
//! every diagnostic (front end and back end) out. [`compile`] runs the back end's stages in
//! order:
//!
//! 1. [`plan`]: decide which rules live in the KVS and which in code;
//! 2. [`kvs`]: encode KVS lines and pack them into buckets;
//! 3. [`emit`]: write the viewer-request and viewer-response functions;
//! 4. [`minify`]: minify with swc;
//! 5. check the result with the runtime's syntax gate, and measure it ([`report`]).
//!
//! [`probes`] derives, from the rules, requests that exercise every rule and every miss path.
//!
//! The compiler does no IO: it takes [`rules_dsl::ir::Rules`] and returns text. Equal inputs
//! give byte-identical outputs.

pub mod build;
pub mod emit;
pub mod explain;
pub mod kvs;
pub mod minify;
pub mod plan;
pub mod probes;
pub mod report;

use std::collections::{BTreeMap, BTreeSet};

use rules_dsl::ir::{Action, Case, HeaderOp, Route, Rules, Settings};
use rules_dsl::{Code, Diagnostic};

pub use build::{Build, Compiled, build};
pub use report::Report;

pub use platform::MAX_FUNCTION_BYTES;

/// How to compile.
#[derive(Clone, Debug)]
pub struct CompileOptions {
    /// Print readable code instead of minified code (for reading; same semantics).
    pub pretty: bool,
    /// The size over which a function is an error.
    pub max_function_bytes: usize,
}

impl Default for CompileOptions {
    fn default() -> CompileOptions {
        CompileOptions { pretty: false, max_function_bytes: MAX_FUNCTION_BYTES }
    }
}

/// Everything a compilation produces.
///
/// When `diagnostics` holds an error, the outputs must not be deployed: a function over the size
/// limit is still returned (so that its size can be reported), a KVS entry over its limit is left
/// out.
#[derive(Clone, Debug)]
pub struct CompileReturn {
    /// `viewer-request.js`.
    pub request: String,
    /// `viewer-response.js`, when there are `header` rules.
    pub response: Option<String>,
    /// The KVS entries, sorted by key.
    pub kvs: Vec<kvs::Entry>,
    /// How the request side's buckets are addressed, when it has any.
    pub request_store: Option<StoreLayout>,
    /// How the response side's buckets are addressed, when it has any.
    pub response_store: Option<StoreLayout>,
    /// Measurements for `report.json`.
    pub report: Report,
    /// The rules that live in the KVS (exact lines and spilled groups), sorted by position.
    pub kvs_lines: Vec<rules_dsl::ir::Origin>,
    /// The rules in code that the request function tries before it reads the KVS; a request
    /// one of them answers reads nothing on the request side.
    pub code_before_kvs: Vec<rules_dsl::ir::Origin>,
    /// Errors found by the back end (KVS entries over limits, functions over the size limit).
    pub diagnostics: Vec<Diagnostic>,
}

impl CompileReturn {
    /// `kvs.json` in AWS's import format.
    pub fn kvs_json(&self) -> String {
        kvs::to_import_json(&self.kvs)
    }
}

/// The address of one side's buckets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreLayout {
    /// The key prefix.
    pub namespace: String,
    /// The bucket count.
    pub buckets: u32,
}

/// A bug in the compiler: generated code that does not parse or does not pass the gate.
#[derive(Clone, Debug)]
pub struct InternalError(pub String);

impl std::fmt::Display for InternalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "internal compiler error: {}", self.0)
    }
}

impl std::error::Error for InternalError {}

/// Compiles rules that the front end accepted.
pub fn compile(rules: &Rules, options: &CompileOptions) -> Result<CompileReturn, InternalError> {
    let settings = &rules.settings;
    let mut diagnostics = Vec::new();
    let with_response = !rules.response_headers.is_empty();

    // Place rules; when the request function is over budget, spill the largest groups of pattern
    // rules to the KVS and try again.
    let mut spill: BTreeSet<String> = BTreeSet::new();
    let mut oversized;
    // Lower-cased keys store their targets' case changes; whether buckets are front-coded is
    // decided when they are packed.
    let route_encoding = kvs::Encoding { case_folded: settings.case == Case::Insensitive, front_coded: false };
    let (plan, request) = loop {
        let plan = plan::plan(rules, &spill);
        let mut route_lines: BTreeMap<String, String> = plan
            .kvs_routes
            .iter()
            .map(|(key, route)| {
                (key.clone(), route_value(&route.action).encode_as(kvs::path_part(key), route_encoding))
            })
            .collect();
        // Spilled groups are read by the code as rules: the namespace follows them.
        let mut spilled = String::new();
        for (group, routes) in &plan.spilled {
            let value = group_value(routes, settings);
            spilled.push_str(&format!("{group} {value}\n"));
            route_lines.insert(group.clone(), value);
        }
        oversized = Vec::new();
        let request =
            build_side(kvs::Side::Request, &route_lines, &spilled, route_encoding, options, &mut oversized, |store| {
                emit::request_function(rules, &plan, store, with_response)
            })?;
        let excess = request.code.len().saturating_sub(options.max_function_bytes);
        if excess == 0 {
            break (plan, request);
        }
        let room = kvs::MAX_ENTRY_BYTES - 16;
        let candidates: Vec<(String, usize)> =
            plan::spill_candidates(&plan, settings, |route| emit::route_code_size(route, settings))
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
                .collect();
        let before = spill.len();
        let mut saved = 0;
        for (group, size) in candidates {
            spill.insert(group);
            // Minified code is about half the size of the readable code the estimate counts.
            saved += size / 2;
            if saved >= excess {
                break;
            }
        }
        if spill.len() == before {
            break (plan, request);
        }
    };
    let header_lines: BTreeMap<String, String> =
        plan.kvs_headers.iter().map(|(key, ops)| (key.clone(), header_value(ops).encode())).collect();
    let response = if with_response {
        Some(build_side(
            kvs::Side::Response,
            &header_lines,
            "",
            kvs::Encoding::default(),
            options,
            &mut oversized,
            |store| emit::response_function(rules, &plan, store),
        )?)
    } else {
        None
    };
    for line in &oversized {
        let origin = match (plan.kvs_routes.get(&line.key), plan.spilled.get(&line.key)) {
            (Some(route), _) => route.origin,
            (None, Some(group)) => group[0].origin,
            (None, None) => plan.kvs_header_origins[&line.key],
        };
        let (message, label) = if line.crowded {
            (
                format!("this rule's KVS line of {} bytes cannot share a bucket with others", line.bytes),
                "too large to pack",
            )
        } else {
            (format!("this rule needs a KVS entry of {} bytes", line.bytes), "too large for one KVS entry")
        };
        diagnostics
            .push(Diagnostic::new(Code::KvsEntryTooLarge, origin.span, message).with_label(label).with_help(format!(
            "a KVS key is at most {} bytes and a key with its value at most {} bytes; shorten the path or the target",
            kvs::MAX_KEY_BYTES,
            report::thousands(kvs::MAX_ENTRY_BYTES)
        )));
    }

    let mut entries: Vec<kvs::Entry> = Vec::new();
    entries.extend(request.buckets.iter().flat_map(|b| b.entries.iter().cloned()));
    if let Some(response) = &response {
        entries.extend(response.buckets.iter().flat_map(|b| b.entries.iter().cloned()));
    }
    entries.sort();

    // Budget errors point at the first rule that spends the budget.
    let first_kvs_rule = plan
        .kvs_routes
        .values()
        .map(|r| r.origin)
        .chain(plan.kvs_header_origins.values().copied())
        .min_by_key(|o| o.span.start);
    let first_code_rule =
        plan.code_routes.first().map(|r| r.origin).or_else(|| plan.code_headers.first().map(|(_, r)| r.origin));
    let kvs_bytes: usize = entries.iter().map(kvs::Entry::bytes).sum();
    if kvs_bytes > kvs::MAX_STORE_BYTES {
        let span = first_kvs_rule.map(|o| o.span).unwrap_or_default();
        diagnostics.push(
            Diagnostic::new(
                Code::KvsStoreTooLarge,
                span,
                format!("the KVS data needs {} bytes", report::thousands(kvs_bytes)),
            )
            .with_label("over the store limit")
            .with_help(format!(
                "a KeyValueStore holds at most {} bytes; move rules to patterns or split the site",
                report::thousands(kvs::MAX_STORE_BYTES)
            )),
        );
    }
    for (name, side) in [("viewer-request.js", Some(&request)), ("viewer-response.js", response.as_ref())] {
        let Some(side) = side else { continue };
        if side.code.len() > options.max_function_bytes {
            let span = first_code_rule.map(|o| o.span).unwrap_or_default();
            diagnostics.push(
                Diagnostic::new(Code::FunctionTooLarge, span, format!("{name} is {} bytes", report::thousands(side.code.len())))
                    .with_label("over the function size limit")
                    .with_help(format!(
                        "CloudFront functions hold at most {} bytes; exact-path rules cost no code, patterns and conditions do",
                        report::thousands(options.max_function_bytes)
                    )),
            );
        }
    }

    let request_store =
        request.buckets.as_ref().map(|b| StoreLayout { namespace: b.namespace.clone(), buckets: b.count });
    let response_store = response
        .as_ref()
        .and_then(|r| r.buckets.as_ref())
        .map(|b| StoreLayout { namespace: b.namespace.clone(), buckets: b.count });
    let report =
        report::Report::new(rules, &plan, &request.code, response.as_ref().map(|r| r.code.as_str()), &entries, options);
    Ok(CompileReturn {
        request: request.code,
        response: response.map(|r| r.code),
        kvs: entries,
        request_store,
        response_store,
        report,
        kvs_lines: explain::kvs_origins(&plan),
        code_before_kvs: plan.code_routes[..plan.kvs_after].iter().map(|r| r.origin).collect(),
        diagnostics,
    })
}

struct Side {
    code: String,
    buckets: Option<kvs::Buckets>,
}

/// Packs one side's lines into buckets under the namespace of their layout, writes the side's
/// function, minifies and gates it. `encoding` says how the values were written; packing
/// decides front coding.
fn build_side(
    side: kvs::Side,
    lines: &BTreeMap<String, String>,
    spilled: &str,
    encoding: kvs::Encoding,
    options: &CompileOptions,
    oversized: &mut Vec<kvs::Oversized>,
    write: impl Fn(Option<&emit::Store>) -> String,
) -> Result<Side, InternalError> {
    // Pack under a stand-in namespace of the final length, so that sizes are exact; the
    // namespace depends on the bucket count that packing decides.
    let stand_in = format!("{}___", side.letter());
    let mut packed = None;
    if !lines.is_empty() {
        match kvs::pack(&stand_in, lines) {
            Ok(buckets) => packed = Some(buckets),
            Err(too_large) => {
                let fitting: BTreeMap<String, String> = lines
                    .iter()
                    .filter(|(k, _)| !too_large.iter().any(|o| &o.key == *k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                oversized.extend(too_large);
                if !fitting.is_empty() {
                    packed = kvs::pack(&stand_in, &fitting).ok();
                }
            }
        }
    }
    let encoding = |b: &kvs::Buckets| kvs::Encoding { front_coded: b.front_coded, ..encoding };
    let buckets = packed.map(|b| {
        let namespace = kvs::namespace_for(side, b.count, encoding(&b), spilled);
        b.renamed(&namespace)
    });
    let store = buckets.as_ref().map(|b| emit::Store {
        namespace: b.namespace.clone(),
        buckets: b.count,
        encoding: encoding(b),
    });
    let source = write(store.as_ref());
    let code = minify::minify(&source, options.pretty).map_err(InternalError)?;
    // Deploys find the namespace a function reads by its string literal (once per KVS read).
    if let Some(buckets) = &buckets
        && !code.contains(&emit::js::string(&buckets.namespace))
    {
        return Err(InternalError(format!("the KVS namespace {} is not named in the code", buckets.namespace)));
    }
    let violations = syntax_gate::check(&code);
    if let Some(violation) = violations.first() {
        return Err(InternalError(format!("generated code fails the syntax gate at {violation}\n{code}")));
    }
    Ok(Side { code, buckets })
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
