//! Strings survive: random redirect targets and header values, full of quotes, backslashes,
//! U+2028, `${`, `</script>` and non-ASCII text, go through the rules language, the compiler
//! (both the KVS and the code paths) and njs, and come back byte for byte.

use std::fmt::Write as _;

use cases::{Engine, Kvs, OriginResponse, RequestSpec, ResponseEventRequest, Site};
use proptest::prelude::*;

/// Pieces that break naive code generation, mixed with ordinary text.
const NASTY: &[&str] = &[
    "\"",
    "\\",
    "\\\"",
    "'",
    "`",
    "${",
    "${x}",
    "</script>",
    "<!--",
    "\u{2028}",
    "\u{2029}",
    "\u{feff}",
    "é",
    "日本",
    "😀",
    "%",
    "%41",
    "?",
    "#",
    "&",
    "=",
    ";",
    ",",
    " ",
    "\u{a0}",
    "*",
    "\\u{41}",
    "\\n",
];

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(NASTY).prop_map(str::to_string),
        "[a-zA-Z0-9._~/-]{1,6}",
        any::<char>().prop_filter("no controls", |c| !c.is_control() && *c != ':').prop_map(String::from),
    ]
}

fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(piece(), 1..8).prop_map(|pieces| pieces.concat())
}

/// A redirect target: a path (never `//` or `/\`) or an absolute URL, without `:` (which would
/// start a placeholder).
fn target() -> impl Strategy<Value = String> {
    (text(), any::<bool>()).prop_map(|(text, absolute)| {
        let text = text.replace(':', "");
        let body = text.trim_start_matches(['/', '\\']);
        if absolute { format!("https://example.com/{body}") } else { format!("/{body}") }
    })
}

/// A token of the rules language holding exactly `text`.
fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn run(targets: &[String], values: &[String]) -> Result<(), TestCaseError> {
    let mut rules = String::new();
    for (i, (target, value)) in targets.iter().zip(values).enumerate() {
        let _ = writeln!(rules, "redirect /t{i} {}", quote(target));
        let _ = writeln!(rules, "redirect /u{i}/:x {}", quote(target));
        let _ = writeln!(rules, "header /h{i} x-v{i} {}", quote(value));
        let _ = writeln!(rules, "header /k{i}/* x-w{i} {}", quote(value));
    }
    let compiled = conformance::compile(&rules, "strings.hedge").map_err(TestCaseError::fail)?;
    let kvs: Kvs = compiled.kvs.iter().map(|e| (e.key.clone(), e.value.clone())).collect();
    let site = Site { request: &compiled.request, response: compiled.response.as_deref(), kvs: &kvs };
    let mut requests = Vec::new();
    for i in 0..targets.len() {
        for path in [format!("/t{i}"), format!("/u{i}/x"), format!("/h{i}"), format!("/k{i}/z")] {
            requests.push((RequestSpec::parse(&path).unwrap().event(), OriginResponse::default()));
        }
    }
    let mut njs = cases::njs::Njs::default();
    let traces =
        cases::simulate::simulate(&mut njs as &mut dyn Engine, site, &requests, ResponseEventRequest::AsForwarded)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let header = |trace: &cases::Trace, name: &str| -> Option<String> {
        trace.viewer_response.as_ref()?.pointer(&format!("/headers/{name}/value"))?.as_str().map(str::to_string)
    };
    for (i, (target, value)) in targets.iter().zip(values).enumerate() {
        let [t, u, h, k] = &traces[4 * i..4 * i + 4] else { unreachable!() };
        let want_target = Some(target.clone());
        let want_value = Some(value.clone());
        prop_assert_eq!(header(t, "location"), want_target.clone(), "KVS redirect {}", i);
        prop_assert_eq!(header(u, "location"), want_target, "code redirect {}", i);
        prop_assert_eq!(header(h, &format!("x-v{i}")), want_value.clone(), "KVS header {}", i);
        prop_assert_eq!(header(k, &format!("x-w{i}")), want_value, "code header {}", i);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn strings_survive_compile_and_njs(targets in proptest::collection::vec(target(), 4), values in proptest::collection::vec(text(), 4)) {
        run(&targets, &values)?;
    }
}

#[test]
fn a_fixed_set_of_the_nastiest_strings_survives() {
    let all: String = NASTY.concat();
    let targets = vec![format!("/{all}"), format!("https://example.com/{all}")];
    let values = vec![all.clone(), format!(" {all} ")];
    run(&targets, &values).unwrap();
}
