//! JavaScript generation: the viewer-request and viewer-response functions as readable source,
//! before minification. `prelude.js` holds the helpers; this module writes the handlers.

pub mod js;

use std::fmt::Write as _;

use rules_dsl::ir::{
    Action, Case, Condition, HeaderOp, HeaderRule, Matcher, Piece, Route, Rules, Segment, Settings, Slash,
};

use crate::plan::Plan;

/// The helpers, prepended to every function.
pub const PRELUDE: &str = include_str!("prelude.js");

/// How a function reaches its KVS buckets.
#[derive(Clone, Debug)]
pub struct Store {
    /// The key prefix of the buckets (see `kvs_layout::namespace`).
    pub namespace: String,
    /// The bucket count.
    pub buckets: u32,
    /// How the lines are written, which decides the reader helpers the function uses.
    pub encoding: kvs_layout::Encoding,
}

/// Source of the viewer-request function. `store` is `None` when no route lives in the KVS.
pub fn request_function(rules: &Rules, plan: &Plan<'_>, store: Option<&Store>, with_response: bool) -> String {
    let settings = &rules.settings;
    let mut body = Body::default();
    let host_lines = plan.kvs_routes.values().any(|r| r.matcher.host.is_some());
    let uses_host = host_lines
        || plan.code_routes.iter().any(|r| r.matcher.host.is_some())
        || rules.request_headers.iter().any(|r| r.matcher.host.is_some());
    body.line("var headers = request.headers, uri = request.uri, n = /*#__PURE__*/ norm(uri), m, v, w, x, g, a, i, o, s, j, re, t, r;");
    let exact_tests =
        plan.code_routes.iter().map(|r| &r.matcher).chain(rules.request_headers.iter().map(|r| &r.matcher));
    let tables = plan.tables && plan.code_routes.iter().any(|r| table_row(r, settings).is_some());
    if store.is_some() || tables || exact_tests.into_iter().any(|m| m.path.is_exact()) {
        body.line(&format!("var k = {};", key_expr("n", settings)));
    }
    if uses_host {
        body.line("var host = header(headers, \"host\").toLowerCase();");
    }

    // Step 1: the first redirect, rewrite or respond rule that matches. Exact rules in the KVS
    // first (placement guarantees no earlier code rule could match them), then code rules.
    // Code rules that come before the first KVS rule in the file are tried before the KVS,
    // the others after it.
    let (before, after) = plan.code_routes.split_at(plan.kvs_after);
    let status = usual_status(plan);
    let before = route_branches(before, settings, tables, uses_host, status);
    let mut from_kvs: Vec<(String, String)> = Vec::new();
    if store.is_some() {
        from_kvs.push(("v".to_string(), kvs_route_action(plan, store.map(|s| s.encoding).unwrap_or_default())));
    }
    from_kvs.extend(route_branches(after, settings, tables, uses_host, status));
    match store {
        None => body.if_chain(&[before, from_kvs].concat(), None),
        Some(store) if before.is_empty() => {
            lookup(&mut body, settings, store, "v", "k", host_lines);
            if !plan.spilled.is_empty() {
                spilled_lookup(&mut body, settings, store);
            }
            body.if_chain(&from_kvs, None);
        }
        Some(store) => {
            // The KVS is read only when no earlier code rule answered.
            body.if_chain(&before, None);
            body.line("else {");
            lookup(&mut body, settings, store, "v", "k", host_lines);
            if !plan.spilled.is_empty() {
                spilled_lookup(&mut body, settings, store);
            }
            body.if_chain(&from_kvs, None);
            body.line("}");
        }
    }

    // Step 2 and 3: prefix-strip on the URI step 1 left, else index.
    let has_rewrite = plan
        .code_routes
        .iter()
        .chain(plan.kvs_routes.values())
        .chain(plan.spilled.values().flatten())
        .any(|r| matches!(r.action, Action::Rewrite { .. }));
    let changes_uri = has_rewrite || !rules.prefix_strips.is_empty() || settings.index.is_some();
    if changes_uri {
        // `rewrite` splits a query string off the target; without one, the target is the path.
        let base = match (has_rewrite, rewrite_may_have_query(plan)) {
            (true, true) => "w ? rewrite(w) : ",
            (true, false) => "w || ",
            (false, _) => "",
        };
        let mut fallback = String::new();
        if has_rewrite {
            fallback.push_str("if (!w) x = uri; ");
        } else {
            fallback.push_str("x = uri; ");
        }
        if let Some(index) = &settings.index {
            let _ = write!(fallback, "if (x.endsWith(\"/\")) x += {};", js::string(index));
        }
        if rules.prefix_strips.is_empty() {
            body.line(&format!("x = {base}uri;"));
            if let Some(index) = &settings.index {
                body.line(&format!("if (x.endsWith(\"/\")) x += {};", js::string(index)));
            }
        } else {
            body.line(&format!("x = {base}n;"));
            let strips: Vec<(String, String)> = rules
                .prefix_strips
                .iter()
                .map(|strip| {
                    let mut action = "x = m[1] || \"/\";".to_string();
                    if let Some(id) = &strip.origin_id {
                        let _ = write!(action, " cf.selectRequestOriginById({});", js::string(id));
                    }
                    (format!("m = {}.exec(x)", js::prefix_regex(&strip.prefix, settings)), action)
                })
                .collect();
            body.if_chain(&strips, Some(fallback.trim_end()));
        }
        body.line("request.uri = x;");
    }

    // Step 4: request headers, matched against the path the viewer asked for.
    for rule in &rules.request_headers {
        let statements: Vec<String> = rule.ops.iter().map(|op| set_header("headers", op)).collect();
        body.line(&format!("if ({}) {{ {} }}", matcher_test(&rule.matcher, settings), statements.join(" ")));
    }

    // Tell the viewer-response function which path the viewer asked for, when it changed.
    if with_response {
        body.line("delete headers[\"x-hedge-path\"];");
        if changes_uri {
            body.line("if (x != uri) headers[\"x-hedge-path\"] = { value: uri };");
        }
    }
    body.line("return request;");
    // The prelude's helpers that take no request read the prelude's `request`; a function that
    // calls none of them keeps a local one, which minifies smaller.
    let helpers = ["redirect(", "rewrite(", "param(", "cookie(", "table("];
    let first = if helpers.iter().any(|h| body.text.contains(h)) {
        "request = event.request;"
    } else {
        "var request = event.request;"
    };
    body.text.insert_str(0, &format!("  {first}\n"));
    let targets = || {
        plan.code_routes.iter().chain(plan.kvs_routes.values()).chain(plan.spilled.values().flatten()).filter_map(|r| {
            match &r.action {
                Action::Redirect { target, keep_query: true, .. } => Some(target.instantiate(&[])),
                _ => None,
            }
        })
    };
    let constants = [
        ("TARGET_QUERY", targets().any(|t| t.contains('?')).to_string()),
        ("TARGET_FRAGMENT", targets().any(|t| t.contains('#')).to_string()),
        ("STATUS", status.to_string()),
    ];
    let imports_cf = store.is_some() || rules.prefix_strips.iter().any(|s| s.origin_id.is_some());
    assemble(imports_cf, store.is_some(), &constants, &body)
}

/// Source of the viewer-response function. `store` is `None` when no header rule lives in the KVS.
pub fn response_function(rules: &Rules, plan: &Plan<'_>, store: Option<&Store>) -> String {
    let settings = &rules.settings;
    let mut body = Body::default();
    // A `request` of its own: no helper of the response function reads the prelude's.
    body.line("var request = event.request, response = event.response, headers = response.headers, p = request.headers[\"x-hedge-path\"];");
    body.line("var n = /*#__PURE__*/ norm(p ? p.value : request.uri), m, v, a, c, o, i, j, ops = {};");
    if store.is_some() || plan.code_headers.iter().any(|(_, r)| r.matcher.path.is_exact()) {
        body.line(&format!("var k = {};", key_expr("n", settings)));
    }
    if plan.code_headers.iter().any(|(_, r)| r.matcher.host.is_some()) {
        body.line("var host = header(request.headers, \"host\").toLowerCase();");
    }
    match store {
        None => {
            let sets = plan.code_headers.iter().flat_map(|(_, r)| &r.ops).filter(|op| groupable(op)).count();
            for (_, rule) in &plan.code_headers {
                if sets >= GROUPED_SETS {
                    let statements = grouped_header_statements("headers", &rule.ops);
                    body.line(&format!(
                        "if ({}) {{ {} }}",
                        matcher_test(&rule.matcher, settings),
                        statements.join(" ")
                    ));
                } else {
                    header_rule(&mut body, rule, settings, |op| set_header("headers", op));
                }
            }
        }
        Some(store) => {
            for (position, rule) in &plan.code_headers {
                header_rule(&mut body, rule, settings, |op| match op {
                    HeaderOp::Set { name, value } => {
                        format!("put(ops, {position}, {}, {});", js::string(name), js::string(value))
                    }
                    HeaderOp::Remove { name } => format!("put(ops, {position}, {}, null);", js::string(name)),
                });
            }
            lookup(&mut body, settings, store, "v", "k", false);
            for line in kvs_layout::header_decoder() {
                body.line(line);
            }
            body.line("apply(headers, ops);");
        }
    }
    body.line("return response;");
    assemble(store.is_some(), store.is_some(), &[], &body)
}

/// Sets `var` to the value of the line for the key in `key` (an expression), or "" when there
/// is none or the read fails: one KVS read (see `kvs.rs`). The read stays in the handler: an
/// async helper would be inlined by the minifier as an async function expression, which
/// CloudFront rejects.
///
/// The `await` stands alone in its block: njs does not support `await` in call arguments, and
/// keeping the call outside the `try` stops the minifier from moving the `await` into it.
///
/// With `hosts`, the line of the request's host (`kvs::host_key`, in the same bucket as the
/// path's) is looked for first.
fn lookup(body: &mut Body, settings: &Settings, store: &Store, var: &str, key: &str, hosts: bool) {
    body.line(&format!(
        "try {{ {var} = await {}.get({} + bucket({key}) % {}); }} catch (e) {{ {var} = \"\"; }}",
        store_expr(settings),
        js::string(&store.namespace),
        store.buckets
    ));
    let line = store.encoding.line_function();
    if hosts {
        let separator = js::string(&kvs_layout::HOST_SEPARATOR.to_string());
        body.line(&format!("{var} = {line}(t = {var}, host + {separator} + {key}) || {line}(t, {key});"));
    } else {
        body.line(&format!("{var} = {line}({var}, {key});"));
    }
}

/// Pattern rules spilled to the KVS, grouped by first segment: one more read, then each rule of
/// the group in file order; a match becomes a value in the exact format (target with nothing
/// shared with the key) for the branch that decodes KVS hits.
fn spilled_lookup(body: &mut Body, settings: &Settings, store: &Store) {
    let flags = if settings.case == Case::Insensitive { "\"i\"" } else { "\"\"" };
    body.line("if (!v && (m = /^\\/[^\\/]+/.exec(k))) {");
    body.line("  m = m[0] + \"/*\";");
    lookup(body, settings, store, "g", "m", false);
    body.line("  for (a = g ? g.split(\"\\t\") : [], i = 0; i < a.length; i++) {");
    body.line(&format!(
        "    o = a[i]; s = o.indexOf(\" \"); j = o.indexOf(\" \", s + 1); re = new RegExp(o.slice(s + 1, j), {flags});"
    ));
    // A match is a value whose target is stored whole (nothing shared with the key).
    body.line(&format!(
        "    if (re.test(n)) {{ t = o.slice(j + 1); v = o[0] == \"x\" ? o.slice(0, s) + t : o.slice(0, s) + {} + collapse(n.replace(re, t)); break; }}",
        js::string(store.encoding.whole_target())
    ));
    body.line("  }");
    body.line("}");
}

fn header_rule(body: &mut Body, rule: &HeaderRule, settings: &Settings, op: impl Fn(&HeaderOp) -> String) {
    let statements: Vec<String> = rule.ops.iter().map(op).collect();
    body.line(&format!("if ({}) {{ {} }}", matcher_test(&rule.matcher, settings), statements.join(" ")));
}

/// Whether some rewrite target may hold a query string for `rewrite` to split off: literal text
/// with a `?`, or a target with captures (judged as if they could).
fn rewrite_may_have_query(plan: &Plan<'_>) -> bool {
    plan.code_routes.iter().chain(plan.kvs_routes.values()).chain(plan.spilled.values().flatten()).any(|r| {
        matches!(&r.action, Action::Rewrite { target } if target.pieces.iter().any(|piece| match piece {
            Piece::Text(text) => text.contains('?'),
            Piece::Capture(_) => true,
        }))
    })
}

/// The whole function: the import, compile-time constants, the helpers and the handler, which
/// is `async` only when it reads the KVS (`await`).
fn assemble(imports_cf: bool, reads_kvs: bool, constants: &[(&str, String)], body: &Body) -> String {
    let mut out = String::new();
    if imports_cf {
        out.push_str("import cf from 'cloudfront';\n");
    }
    for (name, value) in constants {
        let _ = writeln!(out, "var {name} = {value};");
    }
    out.push_str(PRELUDE);
    out.push_str(kvs_layout::READER_JS);
    out.push_str(if reads_kvs { "\nasync function handler(event) {\n" } else { "\nfunction handler(event) {\n" });
    out.push_str(&body.text);
    out.push_str("}\n");
    out
}

fn store_expr(settings: &Settings) -> String {
    match &settings.kvs_id {
        Some(id) => format!("cf.kvs({})", js::string(id)),
        None => "cf.kvs()".to_string(),
    }
}

/// The lookup key of a canonical path held in `var` (see `pattern::lookup_key`).
fn key_expr(var: &str, settings: &Settings) -> String {
    let mut expr = var.to_string();
    if settings.slash == Slash::Fold {
        expr.push_str(".replace(/(.)\\/$/, \"$1\")");
    }
    if settings.case == Case::Insensitive {
        expr.push_str(".toLowerCase()");
    }
    expr
}

/// The statements for a KVS hit; only the kinds of action present in the store are decoded.
fn kvs_route_action(plan: &Plan<'_>, encoding: kvs_layout::Encoding) -> String {
    let has =
        |f: fn(&Action) -> bool| plan.kvs_routes.values().chain(plan.spilled.values().flatten()).any(|r| f(&r.action));
    let kinds = kvs_layout::RouteKinds {
        respond: has(|a| matches!(a, Action::Respond { .. })),
        redirect: has(|a| matches!(a, Action::Redirect { .. })),
        rewrite: has(|a| matches!(a, Action::Rewrite { .. })),
    };
    kvs_layout::route_decoder_for(kinds, encoding)
}

/// How much readable code a route takes in the request function as a branch of its own.
pub fn route_code_size(route: &Route, settings: &Settings) -> usize {
    route_condition(route, settings).len() + route_action(route, 0).len() + 24
}

/// How much readable code a route takes in a plan's request function, for spilling decisions:
/// a row's fields when the plan writes tables and the route is a row, else its branch.
pub fn planned_route_code_size(route: &Route, settings: &Settings, tables: bool) -> usize {
    match table_row(route, settings).filter(|_| tables) {
        // Minified, a row is about as long as its readable fields; the estimate counts twice
        // that because placement takes half of readable code as its minified size.
        Some(row) => 2 * (row.host.len() + row.path.len() + row.target.len() + 4),
        None => route_code_size(route, settings),
    }
}

/// How many code routes of a plan the table matcher could try.
pub fn table_routes(plan: &Plan<'_>, settings: &Settings) -> usize {
    plan.code_routes.iter().filter(|r| table_row(r, settings).is_some()).count()
}

/// A route that the prelude's `table` matcher can try: a redirect without conditions, on a
/// case-sensitive site, from an exact path or a `/prefix/*` pattern of literal segments, to a
/// literal target or, for a prefix, literal text followed by the splat (text that is not only
/// slashes, so that no `collapse` is needed). Fields are ASCII and hold no space, the table's
/// separator.
struct TableRow {
    /// Status index * 8 + exact * 4 + keep query * 2 + append splat.
    code: u8,
    /// The host, or "" for any.
    host: String,
    /// The lookup key of an exact path, or the prefix in canonical encoding ("" for `/*`).
    path: String,
    /// The target's text.
    target: String,
}

fn table_row(route: &Route, settings: &Settings) -> Option<TableRow> {
    let path = &route.matcher.path;
    if settings.case != Case::Sensitive || !route.matcher.conditions.is_empty() {
        return None;
    }
    if path.regex.is_some() || path.splat_prefix.is_some() {
        return None;
    }
    let exact = path.literal_path();
    if exact.is_none() && !path.splat {
        return None;
    }
    let mut prefix = String::new();
    for segment in &path.segments {
        match segment {
            Segment::Literal(text) => {
                prefix.push('/');
                prefix.push_str(text);
            }
            Segment::Param(_) => return None,
        }
    }
    let Action::Redirect { status, target, keep_query } = &route.action else { return None };
    let (text, splat) = match target.pieces.as_slice() {
        [Piece::Text(text)] => (text.clone(), false),
        [] => (String::new(), false),
        [Piece::Text(text), Piece::Capture(0)] if exact.is_none() => (text.clone(), true),
        _ => return None,
    };
    if splat && text.chars().all(|c| c == '/' || c == '\\') {
        return None;
    }
    let index = kvs_layout::REDIRECT_STATUSES.iter().position(|s| s == status)?;
    let host = route.matcher.host.clone().unwrap_or_default();
    let path = match &exact {
        Some(literal) => rules_dsl::pattern::lookup_key(literal, settings),
        None => prefix,
    };
    // Front coding counts characters as JavaScript does: ASCII keeps bytes and UTF-16 units equal.
    if [&host, &path, &text].iter().any(|field| field.contains(' ') || !field.is_ascii()) {
        return None;
    }
    let code = index as u8 * 8 + u8::from(exact.is_some()) * 4 + u8::from(*keep_query) * 2 + u8::from(splat);
    Some(TableRow { code, host, path, target: text })
}

/// The most leading characters a table field can share with the one before (its count is one
/// printable character, 48 + count).
const TABLE_SHARED_MAX: usize = 126 - 48;

/// The rows of one table as the string `table` reads: space-separated fields, front-coded
/// against the row before.
fn table_rows(rows: &[TableRow]) -> String {
    let mut fields: Vec<String> = Vec::new();
    let mut previous: [&str; 3] = ["", "", ""];
    for row in rows {
        fields.push(char::from(48 + row.code).to_string());
        for (slot, field) in previous.iter_mut().zip([&row.host, &row.path, &row.target]) {
            let shared = common_prefix(slot, field).min(TABLE_SHARED_MAX);
            fields.push(format!("{}{}", char::from(48 + shared as u8), &field[shared..]));
            *slot = field;
        }
    }
    fields.join(" ")
}

/// The length of the common prefix of two ASCII strings.
fn common_prefix(a: &str, b: &str) -> usize {
    a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count()
}

/// What makes redirects one family: each sends the path it matched on, unchanged, to one literal
/// prefix (`redirect /:platform/a/:page/ /v1/:platform/a/:page/`), with one status and query
/// setting. A run of them is one branch: one expression with an alternative per rule, and one
/// target, the prefix and the path. Rules in a run share their action, so trying them as one
/// keeps first-match order.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Family {
    prefix: String,
    status: u16,
    keep_query: bool,
    trailing_slash: bool,
}

/// The family of a redirect whose target is a literal prefix followed by its own source,
/// placeholder for placeholder. Only case-sensitive sites: there the path the rule matched is
/// the target's text, literal segments included. The prefix must not be empty, end with a slash
/// or hold a query or fragment: the target stays what the rule wrote, and never `//host`.
fn family(route: &Route, settings: &Settings) -> Option<Family> {
    let Action::Redirect { status, target, keep_query } = &route.action else { return None };
    let path = &route.matcher.path;
    let params = path.segments.iter().filter(|s| matches!(s, Segment::Param(_))).count();
    if route.matcher.host.is_some()
        || !route.matcher.conditions.is_empty()
        || path.regex.is_some()
        || path.splat
        || params == 0
        || settings.case != Case::Sensitive
    {
        return None;
    }
    // The source as a target would write it, with a mark for each placeholder.
    let marks: Vec<String> = (0..params).map(|i| format!("\u{0}{i}\u{0}")).collect();
    let mut source = String::new();
    let mut next = marks.iter();
    for segment in &path.segments {
        source.push('/');
        match segment {
            Segment::Literal(text) => source.push_str(text),
            Segment::Param(_) => source.push_str(next.next()?),
        }
    }
    if path.trailing_slash {
        source.push('/');
    }
    let written = target.instantiate(&marks);
    let prefix = written.strip_suffix(&source)?;
    // Not empty and not ending in a slash: so never only slashes either.
    let safe = !prefix.is_empty() && !prefix.ends_with(['/', '\\']) && !prefix.contains(['?', '#', '\0']);
    safe.then(|| Family {
        prefix: prefix.to_string(),
        status: *status,
        keep_query: *keep_query,
        trailing_slash: path.trailing_slash,
    })
}

/// One branch for a run of a family (see [`Family`]).
fn family_branch(family: &Family, routes: &[&Route], settings: &Settings, usual: u16) -> (String, String) {
    let paths: Vec<&rules_dsl::ir::PathPattern> = routes.iter().map(|r| &r.matcher.path).collect();
    let condition = format!("{}.test(n)", js::path_regex_alternation(&paths, settings));
    // The canonical path the rule matched; with `set slash fold` it may or may not end with the
    // slash the rule's target writes.
    let path = match (settings.slash, family.trailing_slash) {
        (Slash::Fold, true) => "n.replace(/\\/$/, \"\") + \"/\"",
        (Slash::Fold, false) => "n.replace(/\\/$/, \"\")",
        (Slash::Exact, _) => "n",
    };
    let target = format!("{} + {path}", js::string(&family.prefix));
    (condition, format!("return {};", redirect_call(&target, family.status, family.keep_query, usual)))
}

/// The smallest run of a family written as one branch: a lone rule is its own branch.
const MIN_FAMILY_RUN: usize = 2;

/// The if-chain branches of routes in file order; with `tables`, each run of consecutive routes
/// that fit a table row becomes one branch that tries them with `table`, and each run of
/// redirects of one [`Family`] becomes one branch.
fn route_branches(
    routes: &[&Route],
    settings: &Settings,
    tables: bool,
    uses_host: bool,
    usual: u16,
) -> Vec<(String, String)> {
    let mut branches = Vec::new();
    let mut run: Vec<TableRow> = Vec::new();
    let mut kin: Vec<&Route> = Vec::new();
    let mut kin_family: Option<Family> = None;
    let host = if uses_host { ", host" } else { "" };
    let flush = |run: &mut Vec<TableRow>, branches: &mut Vec<(String, String)>| {
        if !run.is_empty() {
            let condition = format!("(r = table({}, n, k{host}))", js::string(&table_rows(run)));
            branches.push((condition, "return r;".to_string()));
            run.clear();
        }
    };
    let flush_kin = |kin: &mut Vec<&Route>, family: &mut Option<Family>, branches: &mut Vec<(String, String)>| {
        match family.take() {
            Some(family) if kin.len() >= MIN_FAMILY_RUN => branches.push(family_branch(&family, kin, settings, usual)),
            _ => {
                branches.extend(kin.iter().map(|route| (route_condition(route, settings), route_action(route, usual))))
            }
        }
        kin.clear();
    };
    for route in routes {
        if let Some(row) = table_row(route, settings).filter(|_| tables) {
            flush_kin(&mut kin, &mut kin_family, &mut branches);
            run.push(row);
            continue;
        }
        flush(&mut run, &mut branches);
        let family = family(route, settings);
        if family.is_none() || family != kin_family {
            flush_kin(&mut kin, &mut kin_family, &mut branches);
        }
        match family {
            Some(family) => {
                kin_family = Some(family);
                kin.push(route);
            }
            None => branches.push((route_condition(route, settings), route_action(route, usual))),
        }
    }
    flush(&mut run, &mut branches);
    flush_kin(&mut kin, &mut kin_family, &mut branches);
    branches
}

/// The most common status of the redirects a request function writes in code (the lowest of a
/// tie): the prelude's `STATUS`, which those calls leave out. 0 when there are none.
fn usual_status(plan: &Plan<'_>) -> u16 {
    let mut counts: std::collections::BTreeMap<u16, usize> = std::collections::BTreeMap::new();
    for route in &plan.code_routes {
        if let Action::Redirect { status, .. } = &route.action {
            *counts.entry(*status).or_default() += 1;
        }
    }
    // `max_by_key` keeps the last of equal counts: go from the highest status down.
    counts.iter().rev().max_by_key(|(_, count)| **count).map_or(0, |(status, _)| *status)
}

/// A call of the prelude's `redirect`, leaving out a status equal to `usual` and a kept query.
fn redirect_call(target: &str, status: u16, keep_query: bool, usual: u16) -> String {
    match (status == usual, keep_query) {
        (true, true) => format!("redirect({target})"),
        (false, true) => format!("redirect({target}, {status})"),
        (true, false) => format!("redirect({target}, 0, 1)"),
        (false, false) => format!("redirect({target}, {status}, 1)"),
    }
}

/// A route's branch body; `usual` is the status its function's `redirect` calls leave out.
fn route_action(route: &Route, usual: u16) -> String {
    let unset = js::may_be_unset(&route.matcher.path);
    match &route.action {
        Action::Redirect { status, target, keep_query } => {
            format!("return {};", redirect_call(&js::target(target, &unset), *status, *keep_query, usual))
        }
        Action::Rewrite { target } => format!("w = {};", js::target(target, &unset)),
        Action::Respond { status, body } => match body {
            Some(body) => format!("return respond({status}, {});", js::string(body)),
            None => format!("return respond({status});"),
        },
    }
}

fn uses_captures(route: &Route) -> bool {
    match &route.action {
        Action::Redirect { target, .. } | Action::Rewrite { target } => target.as_literal().is_none(),
        Action::Respond { .. } => false,
    }
}

fn route_condition(route: &Route, settings: &Settings) -> String {
    let mut parts = Vec::new();
    if let Some(host) = &route.matcher.host {
        parts.push(format!("host == {}", js::string(host)));
    }
    parts.push(path_test(&route.matcher, settings, uses_captures(route)));
    parts.extend(route.matcher.conditions.iter().map(condition));
    parts.join(" && ")
}

/// Host and path test for a header rule (no captures needed).
fn matcher_test(matcher: &Matcher, settings: &Settings) -> String {
    let mut parts = Vec::new();
    if let Some(host) = &matcher.host {
        parts.push(format!("host == {}", js::string(host)));
    }
    parts.push(path_test(matcher, settings, false));
    parts.join(" && ")
}

fn path_test(matcher: &Matcher, settings: &Settings, capture: bool) -> String {
    if let Some(literal) = matcher.path.literal_path() {
        return format!("k == {}", js::string(&rules_dsl::pattern::lookup_key(&literal, settings)));
    }
    if !capture && matcher.path.segments.is_empty() && matcher.path.splat && matcher.path.splat_prefix.is_none() {
        // `/*` matches every path.
        return "1".to_string();
    }
    let regex = js::path_regex(&matcher.path, settings, capture);
    if capture { format!("(m = {regex}.exec(n))") } else { format!("{regex}.test(n)") }
}

fn one_of(value: &str, list: &[String]) -> String {
    match list {
        [one] => format!("{value} == {}", js::string(one)),
        _ => {
            let items: Vec<String> = list.iter().map(|s| js::string(s)).collect();
            format!("[{}].indexOf({value}) >= 0", items.join(", "))
        }
    }
}

fn condition(condition: &Condition) -> String {
    match condition {
        Condition::Country(codes) => one_of("header(headers, \"cloudfront-viewer-country\")", codes),
        Condition::Language(tags) => one_of("language(headers)", tags),
        Condition::Cookie { name, value: None } => format!("cookie({}) != null", js::string(name)),
        Condition::Cookie { name, value: Some(value) } => {
            format!("cookie({}) == {}", js::string(name), js::string(value))
        }
        Condition::Query { key, value: None } => format!("param({}) != null", js::string(key)),
        Condition::Query { key, value: Some(value) } => {
            format!("param({}) == {}", js::string(key), js::string(value))
        }
    }
}

/// From this many header values set in code on, the `set` helper (one object literal per rule)
/// is smaller than one assignment per header: each value saves about 11 bytes, the helper
/// costs about 50.
const GROUPED_SETS: usize = 6;

/// Whether a header operation can go into `set`'s object literal: a value to set, under a name
/// that an object literal takes as a plain property (`__proto__` would set the prototype).
fn groupable(op: &HeaderOp) -> bool {
    matches!(op, HeaderOp::Set { name, .. } if name != "__proto__")
}

/// A rule's operations in order, with each run of values to set written as one `set` call.
fn grouped_header_statements(object: &str, ops: &[HeaderOp]) -> Vec<String> {
    let mut statements = Vec::new();
    let mut run: Vec<String> = Vec::new();
    let flush = |run: &mut Vec<String>, statements: &mut Vec<String>| {
        if !run.is_empty() {
            statements.push(format!("set({object}, {{ {} }});", run.join(", ")));
            run.clear();
        }
    };
    for op in ops {
        match op {
            HeaderOp::Set { name, value } if groupable(op) => {
                run.push(format!("{}: {}", js::string(name), js::string(value)));
            }
            _ => {
                flush(&mut run, &mut statements);
                statements.push(set_header(object, op));
            }
        }
    }
    flush(&mut run, &mut statements);
    statements
}

fn set_header(object: &str, op: &HeaderOp) -> String {
    match op {
        HeaderOp::Set { name, value } => {
            format!("{object}[{}] = {{ value: {} }};", js::string(name), js::string(value))
        }
        HeaderOp::Remove { name } => format!("delete {object}[{}];", js::string(name)),
    }
}

/// The handler's body, one statement per line.
#[derive(Default)]
struct Body {
    text: String,
}

impl Body {
    fn line(&mut self, line: &str) {
        self.text.push_str("  ");
        self.text.push_str(line);
        self.text.push('\n');
    }

    /// `if (c1) a1 else if (c2) a2 ... [else fallback]`.
    fn if_chain(&mut self, branches: &[(String, String)], fallback: Option<&str>) {
        for (i, (condition, action)) in branches.iter().enumerate() {
            let keyword = if i == 0 { "if" } else { "else if" };
            self.line(&format!("{keyword} ({condition}) {{ {action} }}"));
        }
        if let Some(fallback) = fallback {
            if branches.is_empty() {
                self.line(fallback);
            } else {
                self.line(&format!("else {{ {fallback} }}"));
            }
        }
    }
}
