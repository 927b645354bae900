//! CloudFront's limits on a compiled site, as diagnostics: a KVS line too large for an entry, a
//! store over 5 MB, a function over its size limit. Each points at the rule that spends the
//! budget first.

use rules_dsl::{Code, Diagnostic};

use crate::function::Function;
use crate::placement::Placement;
use crate::{CompileOptions, kvs, report};

/// Every limit the functions and their KVS entries break.
pub fn check(
    placement: &Placement<'_>,
    request: &Function,
    response: Option<&Function>,
    entries: &[kvs::Entry],
    options: &CompileOptions,
) -> Vec<Diagnostic> {
    let mut diagnostics: Vec<Diagnostic> = request
        .oversized
        .iter()
        .chain(response.iter().flat_map(|r| &r.oversized))
        .map(|line| oversized_line(placement, line))
        .collect();
    diagnostics.extend(store_too_large(placement, entries));
    for (name, function) in [("viewer-request.js", Some(request)), ("viewer-response.js", response)] {
        diagnostics.extend(function.and_then(|f| function_too_large(placement, name, f, options)));
    }
    diagnostics
}

fn oversized_line(placement: &Placement<'_>, line: &kvs::Oversized) -> Diagnostic {
    let origin = placement.origin_of_line(&line.key).expect("every KVS line comes from a placed rule");
    let (message, label) = if line.crowded {
        (format!("this rule's KVS line of {} bytes cannot share a bucket with others", line.bytes), "too large to pack")
    } else {
        (format!("this rule needs a KVS entry of {} bytes", line.bytes), "too large for one KVS entry")
    };
    Diagnostic::new(Code::KvsEntryTooLarge, origin.span, message).with_label(label).with_help(format!(
        "a KVS key is at most {} bytes and a key with its value at most {} bytes; shorten the path or the target",
        kvs::MAX_KEY_BYTES,
        report::thousands(kvs::MAX_ENTRY_BYTES)
    ))
}

fn store_too_large(placement: &Placement<'_>, entries: &[kvs::Entry]) -> Option<Diagnostic> {
    let bytes: usize = entries.iter().map(kvs::Entry::bytes).sum();
    (bytes > kvs::MAX_STORE_BYTES).then(|| {
        let span = placement.first_kvs_rule().map(|o| o.span).unwrap_or_default();
        Diagnostic::new(Code::KvsStoreTooLarge, span, format!("the KVS data needs {} bytes", report::thousands(bytes)))
            .with_label("over the store limit")
            .with_help(format!(
                "a KeyValueStore holds at most {} bytes; move rules to patterns or split the site",
                report::thousands(kvs::MAX_STORE_BYTES)
            ))
    })
}

fn function_too_large(
    placement: &Placement<'_>,
    name: &str,
    function: &Function,
    options: &CompileOptions,
) -> Option<Diagnostic> {
    (function.code.len() > options.max_function_bytes).then(|| {
        let span = placement.first_code_rule().map(|o| o.span).unwrap_or_default();
        Diagnostic::new(
            Code::FunctionTooLarge,
            span,
            format!("{name} is {} bytes", report::thousands(function.code.len())),
        )
        .with_label("over the function size limit")
        .with_help(format!(
            "CloudFront functions hold at most {} bytes; exact-path rules cost no code, patterns and conditions do",
            report::thousands(options.max_function_bytes)
        ))
    })
}
