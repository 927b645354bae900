//! Amplify Hosting: the rewrites and redirects JSON of the console (`customRules`): a list of
//! `{ "source", "target", "status", "condition" }`, read the way Amplify applies it.
//!
//! Semantics kept:
//! - rules are tried in list order and the first match wins, except that `404` and `404-200`
//!   rules apply only when nothing else answers (they are written last, reported as reordered);
//! - `<*>` (at the end of the source) matches any rest of the path, `<name>` one segment; in
//!   the target they are `:splat` and `:name`;
//! - `status` `301` and `302` redirect; `200` rewrites to a path (a target on another host is
//!   a proxy, reported); `404` answers 404; `404-200` rewrites, which Amplify does only when no
//!   file is at the path (imported as if none were, and reported as assumed);
//! - `condition` `<US>` (or `<US,CA>`) is the viewer's country: `country=US`.
//!
//! Custom headers (`customHttp.yml`, any input whose name ends in `.yml` or `.yaml`) are read by
//! [`crate::amplify_headers`].
//!
//! Reported: regular-expression sources (`</…/>`), `<*>` before the end of the source, 404
//! pages (answered without the page's body), proxies, credentials in targets (redacted).

use jsonc_parser::ast::Value;

use crate::Input;
use crate::finding::Kind;
use crate::json;
use crate::model::{Action, Loc, Role, Route, Translation};
use crate::secrets;

/// Translates `<name>` and `<*>` into the language's syntax.
fn placeholders(text: &str, in_source: bool) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>') else { break };
        let name = &rest[open + 1..open + close];
        out.push_str(&rest[..open]);
        let after = &rest[open + close + 1..];
        if name == "*" {
            if in_source && !after.is_empty() {
                return Err("`<*>` before the end of the source needs a regular expression".to_string());
            }
            out.push_str(if in_source { "*" } else { ":splat" });
        } else if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            if in_source && !(out.ends_with('/') && (after.is_empty() || after.starts_with('/'))) {
                return Err(format!("`<{name}>` inside a segment needs a regular expression"));
            }
            out.push(':');
            out.push_str(name);
        } else {
            return Err(format!("`<{name}>` is not a placeholder"));
        }
        rest = after;
    }
    out.push_str(rest);
    Ok(out)
}

/// `<US>` or `<US,CA>` to `country=US,CA`.
fn condition(text: &str) -> Result<String, String> {
    let inner = text.trim().strip_prefix('<').and_then(|s| s.strip_suffix('>')).ok_or("not of the form `<US>`")?;
    let codes: Vec<String> = inner.split(',').map(|c| c.trim().to_ascii_uppercase()).collect();
    if codes.iter().any(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic())) {
        return Err(format!("`{text}` is not a list of two-letter country codes"));
    }
    Ok(format!("country={}", codes.join(",")))
}

fn rule(loc: Loc, text: &str, object: &jsonc_parser::ast::Object<'_>, t: &mut Translation) {
    let (Some(source), Some(target)) = (json::string(object, "source"), json::string(object, "target")) else {
        return t.leave_out(loc, Kind::Invalid, "a rule needs `source` and `target`", text);
    };
    if source.starts_with("</") {
        return t.leave_out(
            loc,
            Kind::Unsupported,
            "a regular-expression source needs regular-expression patterns",
            text,
        );
    }
    if secrets::has_userinfo(target) {
        let message = "the target holds credentials (user:password@); they are not copied into the rules";
        return t.leave_out(loc, Kind::Unsupported, message, text);
    }
    let from = match placeholders(source, true) {
        Ok(from) => from,
        Err(message) => return t.leave_out(loc, Kind::Unsupported, message, text),
    };
    let to = match placeholders(target, false) {
        Ok(to) => to,
        Err(message) => return t.leave_out(loc, Kind::Invalid, message, text),
    };
    let status = json::scalar(object, "status").unwrap_or_else(|| "302".to_string());
    let proxy = !to.starts_with('/');
    let action = match status.as_str() {
        "301" | "302" => Action::Redirect { to, status: status.parse().unwrap_or(302) },
        "200" | "404-200" if proxy => {
            return t.leave_out(
                loc,
                Kind::Unsupported,
                "a rewrite to another host is a proxy; point an origin at it and use prefix-strip",
                text,
            );
        }
        "200" => Action::Rewrite { to },
        "404-200" => {
            let message = "Amplify rewrites only when no file is at the path; imported as if none were";
            t.finding(loc, Kind::Assumed, message, text);
            Action::Rewrite { to }
        }
        "404" => {
            let message = format!("answers 404 with an empty body; the page {target} is not served");
            t.finding(loc, Kind::Approximated, message, text);
            Action::Respond { status: 404 }
        }
        other => {
            return t.leave_out(
                loc,
                Kind::Invalid,
                format!("status `{other}` is not one of 301, 302, 200, 404, 404-200"),
                text,
            );
        }
    };
    let mut options = Vec::new();
    if let Some(text_condition) = json::string(object, "condition").filter(|c| !c.trim().is_empty()) {
        match condition(text_condition) {
            Ok(option) => options.push(option),
            Err(message) => return t.leave_out(loc, Kind::Unsupported, message, text),
        }
    }
    t.routes.push(Route { loc, source: text.to_string(), from, action, options, force: true, role: Role::Rule });
}

/// Moves the `404` and `404-200` rules after every other rule: Amplify considers them only when
/// the request finds no file, so a redirect listed after a catch-all `/<*>` 404-200 rule still
/// applies (Amplify's documentation site relies on it). Each one that had other rules after it is
/// reported as reordered.
fn fallbacks_last(t: &mut Translation, fallback_locs: &[Loc]) {
    let is_fallback = |route: &Route| fallback_locs.contains(&route.loc);
    let (fallbacks, others): (Vec<Route>, Vec<Route>) =
        std::mem::take(&mut t.routes).into_iter().partition(is_fallback);
    for fallback in &fallbacks {
        if others.iter().any(|r| r.loc > fallback.loc) {
            let message = "written after every other rule: Amplify applies a 404 or 404-200 rule only when no file and no other rule answers";
            t.finding(fallback.loc, Kind::Reordered, message, &fallback.source);
        }
    }
    t.routes = others;
    t.routes.extend(fallbacks);
}

/// A `customHttp.yml` (custom headers) rather than the rules JSON: told by its extension.
fn is_yaml(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.ends_with(".yml") || name.ends_with(".yaml")
}

/// Translates the inputs: rules JSON files, and `customHttp.yml` files of custom headers.
pub fn translate(inputs: &[Input], t: &mut Translation) -> Result<(), crate::InputError> {
    t.set("status", "302", "Amplify's default");
    let mut fallback_locs = Vec::new();
    for (file, input) in inputs.iter().enumerate() {
        if is_yaml(&input.name) {
            crate::amplify_headers::translate(file, input, t)?;
            continue;
        }
        let root = json::parse(input)?;
        let list = match &root {
            Value::Object(o) => o.get("customRules").or_else(|| o.get("rules")).map(|p| &p.value).unwrap_or(&root),
            other => other,
        };
        let Value::Array(array) = list else {
            return Err(crate::InputError::at(
                &input.name,
                &input.text,
                json::start(list),
                "expected a list of rules (or an object with `customRules`)",
                "write a list of `{ \"source\", \"target\", \"status\" }` objects",
            ));
        };
        for element in &array.elements {
            let loc = json::loc(file, &input.text, json::start(element));
            let text = json::source_of(&input.text, element);
            t.rule_seen();
            match element {
                Value::Object(object) => {
                    if matches!(json::scalar(object, "status").as_deref(), Some("404" | "404-200")) {
                        fallback_locs.push(loc);
                    }
                    rule(loc, &text, object, t)
                }
                _ => t.leave_out(loc, Kind::Invalid, "not an object", &text),
            }
        }
    }
    fallbacks_last(t, &fallback_locs);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_conditions() {
        assert_eq!(placeholders("/docs/<*>", true).unwrap(), "/docs/*");
        assert_eq!(placeholders("/u/<id>/x", true).unwrap(), "/u/:id/x");
        assert_eq!(placeholders("/new/<id>/<*>", false).unwrap(), "/new/:id/:splat");
        assert!(placeholders("/<*>/x", true).is_err());
        assert!(placeholders("/a<id>", true).is_err());
        assert_eq!(condition("<us>").unwrap(), "country=US");
        assert!(condition("US").is_err());
    }
}
