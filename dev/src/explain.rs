//! The explain view of one request, as plain text for the `/_hedgec/` page: the rules tried and
//! why each did not match, the rule that answers, the rules that add headers, the KVS keys read.

use compiler::explain::{Explanation, Verdict};
use rules_dsl::SourceFile;
use rules_dsl::ir::Origin;

/// The explanation as lines of text (not yet escaped for HTML).
pub fn render(source: &SourceFile, explanation: &Explanation) -> String {
    let at = |origin: Origin| format!("{}:{}  {}", source.name(), origin.line, statement(source, origin));
    let mut lines = vec![format!("matched as {}", explanation.canonical), "rules tried, in order:".to_string()];
    for tried in &explanation.tried {
        let verdict = match &tried.verdict {
            Verdict::Matched if explanation.matched_in_kvs => "matches (found in the KVS)".to_string(),
            Verdict::Matched => "matches".to_string(),
            Verdict::OtherHost(host) => format!("skipped: the rule is for host {host}"),
            Verdict::OtherPath => "skipped: another path".to_string(),
            Verdict::ConditionFails(reason) => format!("skipped: {reason}"),
        };
        lines.push(format!("  {}\n      {verdict}", at(tried.origin)));
    }
    if explanation.other_paths > 0 {
        lines.push(format!("  {} other rule(s) do not match the path", explanation.other_paths));
    }
    if explanation.matched.is_none() {
        lines.push("  no rule answers: the request goes on to the origin".into());
    }
    for (title, origins) in [
        ("prefix-strip", explanation.prefix_strip.iter().copied().collect::<Vec<_>>()),
        ("request headers", explanation.request_headers.clone()),
        ("response headers", explanation.response_headers.clone()),
    ] {
        if !origins.is_empty() {
            lines.push(format!("{title}:"));
            lines.extend(origins.into_iter().map(|o| format!("  {}", at(o))));
        }
    }
    lines.push(match explanation.kvs_keys.as_slice() {
        [] => "KVS keys read: none".to_string(),
        keys => format!("KVS keys read: {}", keys.join(", ")),
    });
    lines.join("\n")
}

/// The statement's source line, trimmed, runs of spaces folded; a block stands for itself.
fn statement(source: &SourceFile, origin: Origin) -> String {
    let starts = source.line_starts();
    let index = (origin.line as usize).saturating_sub(1);
    let text = source.text();
    let (Some(&start), end) = (starts.get(index), starts.get(index + 1).copied().unwrap_or(text.len())) else {
        return String::new();
    };
    let line = text[start..end].split_whitespace().collect::<Vec<_>>().join(" ");
    if line.ends_with('{') { format!("{line} … }}") } else { line }
}
