//! The syntax gate, one test per construct `cloudfront-js-2.0` lacks: each is rejected at the
//! line and column where it starts (1-based, columns in characters), and nothing else in the
//! function is.

use syntax_gate::{Violation, check};

/// Wraps `line` as the second line of a function that is otherwise fine, and returns the one
/// violation the gate must find.
fn only(source: &str) -> Violation {
    let violations = check(source);
    assert_eq!(violations.len(), 1, "expected one violation in {source:?}, got {violations:#?}");
    violations.into_iter().next().expect("one")
}

fn at(source: &str, construct: &str, line: u32, column: u32) {
    let violation = only(source);
    assert_eq!(
        (violation.construct, violation.line, violation.column),
        (construct, line, column),
        "{source:?}: {}",
        violation.message
    );
}

#[test]
fn array_destructuring() {
    at("function handler(e) {\n  var [a, b] = e.list;\n  return a;\n}", "destructuring", 2, 7);
}

#[test]
fn object_destructuring() {
    at("function handler(e) {\n  const { request } = e;\n  return request;\n}", "destructuring", 2, 9);
}

#[test]
fn destructuring_assignment() {
    at("function handler(e) {\n  var a, b;\n  [a, b] = [b, a];\n  return e.request;\n}", "destructuring", 3, 3);
}

#[test]
fn destructuring_parameter() {
    at("function handler({ request }) {\n  return request;\n}", "destructuring", 1, 18);
}

#[test]
fn default_parameter() {
    at(
        "function pick(a, b = 1) { return a + b; }\nfunction handler(e) { return e.request; }",
        "a default parameter value",
        1,
        18,
    );
}

#[test]
fn spread_in_array() {
    at("function handler(e) {\n  var all = [...e.list];\n  return e.request;\n}", "spread syntax", 2, 14);
}

#[test]
fn spread_in_call() {
    at("function handler(e) {\n  Math.max(...e.list);\n  return e.request;\n}", "spread syntax", 2, 12);
}

#[test]
fn spread_in_object() {
    at("function handler(e) {\n  var copy = { ...e.request };\n  return copy;\n}", "spread syntax", 2, 16);
}

#[test]
fn class_declaration() {
    at("class Rule {}\nfunction handler(e) { return e.request; }", "a class", 1, 1);
}

#[test]
fn class_expression() {
    at("function handler(e) {\n  var Rule = class {};\n  return e.request;\n}", "a class", 2, 14);
}

#[test]
fn generator() {
    at("function* ids() {}\nfunction handler(e) { return e.request; }", "a generator function", 1, 1);
}

#[test]
fn yield_expression() {
    let violations = check("function* ids() {\n  yield 1;\n}\nfunction handler(e) { return e.request; }");
    let found: Vec<(&str, u32, u32)> = violations.iter().map(|v| (v.construct, v.line, v.column)).collect();
    assert_eq!(found, [("a generator function", 1, 1), ("yield", 2, 3)]);
}

#[test]
fn for_of() {
    at("function handler(e) {\n  for (var x of e.list) {}\n  return e.request;\n}", "for…of", 2, 3);
}

#[test]
fn for_await_of() {
    at("async function handler(e) {\n  for await (var x of e.list) {}\n  return e.request;\n}", "for await…of", 2, 3);
}

#[test]
fn optional_chaining() {
    at(
        "function handler(e) {\n  var v = e.request.headers.host?.value;\n  return e.request;\n}",
        "optional chaining (?.)",
        2,
        11,
    );
}

#[test]
fn optional_call() {
    at("function handler(e) {\n  e.callback?.();\n  return e.request;\n}", "optional chaining (?.)", 2, 3);
}

#[test]
fn catch_without_binding() {
    at("function handler(e) {\n  try { e.x(); } catch {}\n  return e.request;\n}", "`catch` without a binding", 2, 18);
}

#[test]
fn export_declaration() {
    at("export function handler(e) { return e.request; }", "export", 1, 1);
}

#[test]
fn export_list() {
    at("function handler(e) { return e.request; }\nexport { handler };", "export", 2, 1);
}

#[test]
fn export_default() {
    let violations = check("function handler(e) { return e.request; }\nexport default handler;");
    assert_eq!((violations[0].construct, violations[0].line, violations[0].column), ("export", 2, 1));
}

#[test]
fn async_arrow() {
    at("function handler(e) {\n  var f = async () => 1;\n  return e.request;\n}", "an async arrow function", 2, 11);
}

#[test]
fn async_function_expression() {
    at(
        "function handler(e) {\n  var f = async function () {};\n  return e.request;\n}",
        "an async function that is not a top-level declaration",
        2,
        11,
    );
}

#[test]
fn async_method() {
    at(
        "var helpers = {\n  async load() {}\n};\nfunction handler(e) { return e.request; }",
        "an async function that is not a top-level declaration",
        2,
        3,
    );
}

#[test]
fn nested_async_declaration() {
    at(
        "function handler(e) {\n  async function load() {}\n  return e.request;\n}",
        "an async function that is not a top-level declaration",
        2,
        3,
    );
}

#[test]
fn top_level_async_declaration_is_allowed() {
    assert_eq!(
        check(
            "async function load(k) { return k; }\nasync function handler(e) {\n  var v = await load(1);\n  return e.request;\n}"
        ),
        []
    );
}

#[test]
fn console_log_with_two_arguments() {
    at(
        "function handler(e) {\n  console.log('uri', e.request.uri);\n  return e.request;\n}",
        "console.log with several arguments",
        2,
        3,
    );
}

#[test]
fn console_log_without_arguments() {
    at("function handler(e) {\n  console.log();\n  return e.request;\n}", "console.log with several arguments", 2, 3);
}

#[test]
fn console_log_with_a_spread_argument() {
    let violations = check("function handler(e) {\n  console.log(...e.list);\n  return e.request;\n}");
    let found: Vec<(&str, u32, u32)> = violations.iter().map(|v| (v.construct, v.line, v.column)).collect();
    assert_eq!(found, [("console.log with several arguments", 2, 3), ("spread syntax", 2, 15)]);
}

#[test]
fn eval() {
    at("function handler(e) {\n  return eval('e.request');\n}", "dynamic code", 2, 10);
}

#[test]
fn function_constructor() {
    at("function handler(e) {\n  var f = Function('return 1');\n  return e.request;\n}", "dynamic code", 2, 11);
}

#[test]
fn new_function() {
    at("function handler(e) {\n  var f = new Function('return 1');\n  return e.request;\n}", "dynamic code", 2, 11);
}

#[test]
fn import_of_another_module() {
    at("import fs from 'fs';\nfunction handler(e) { return e.request; }", "import", 1, 1);
}

#[test]
fn named_import() {
    at("import { kvs } from 'cloudfront';\nfunction handler(e) { return e.request; }", "import", 1, 1);
}

#[test]
fn default_imports_of_the_three_modules_are_allowed() {
    let source = "import cf from 'cloudfront';\nimport crypto from 'crypto';\nimport qs from 'querystring';\nfunction handler(e) { return e.request; }";
    assert_eq!(check(source), []);
}

#[test]
fn dynamic_import() {
    at("async function handler(e) {\n  var m = await import('x');\n  return e.request;\n}", "dynamic import()", 2, 17);
}

#[test]
fn top_level_await() {
    at("var ready = await Promise.resolve(1);\nfunction handler(e) { return e.request; }", "top-level await", 1, 13);
}

#[test]
fn tagged_template() {
    at(
        "function tag(s) { return s; }\nfunction handler(e) {\n  tag`x`;\n  return e.request;\n}",
        "a tagged template",
        3,
        3,
    );
}

#[test]
fn bigint() {
    at("function handler(e) {\n  var n = 10n;\n  return e.request;\n}", "a BigInt literal", 2, 11);
}

#[test]
fn regular_expression_flag() {
    at("function handler(e) {\n  var r = /a.b/s;\n  return e.request;\n}", "a regular expression flag", 2, 11);
}

#[test]
fn new_target() {
    at(
        "function Rule() {\n  return new.target;\n}\nfunction handler(e) { return e.request; }",
        "new.target or import.meta",
        2,
        10,
    );
}

#[test]
fn import_meta() {
    at("var here = import.meta;\nfunction handler(e) { return e.request; }", "new.target or import.meta", 1, 12);
}

#[test]
fn no_handler() {
    at("function main(e) { return e.request; }", "no handler", 1, 1);
}

#[test]
fn syntax_error() {
    at("function handler(e) {\n  return e.request +;\n}", "syntax error", 2, 21);
}

#[test]
fn columns_count_characters_not_bytes() {
    at("function handler(e) {\n  var s = 'ééé'; var [a] = [s];\n  return e.request;\n}", "destructuring", 2, 22);
}

#[test]
fn the_documented_language_passes() {
    let source = r#"import cf from 'cloudfront';
const kvs = cf.kvs();
let count = 0;
function pick(first, ...rest) { return rest.length ? rest[0] : first; }
async function handler(event) {
  const request = event.request;
  const name = `x-${pick('a', 'b')}`;
  const square = (n) => n ** 2;
  for (const key in request.headers) { count += key.length; }
  try { await kvs.get('k'); } catch (e) { console.log('missing: ' + e.message); }
  request.headers[name] = { value: String(square(1_000)) };
  return request;
}"#;
    assert_eq!(check(source), []);
}

#[test]
fn regex_literals_are_found_with_their_flags() {
    let source = "var a = /x\\/y/g;\nfunction handler(e) { return /(.)\\/$/.test(e) ? 'é' + /b/i.source : a; }";
    let found = syntax_gate::regex_literals(source);
    let texts: Vec<(&str, &str)> = found.iter().map(|r| (&source[r.start..r.end], r.flags.as_str())).collect();
    assert_eq!(texts, [("/x\\/y/g", "g"), ("/(.)\\/$/", ""), ("/b/i", "i")]);
    assert!(syntax_gate::regex_literals("function handler( {").is_empty());
}
