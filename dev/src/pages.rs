//! The HTML the server writes itself: error pages and the `/_hedgec/` request list. Plain HTML
//! and CSS; every piece of text passes through [`escape`].

use std::collections::VecDeque;

use crate::engine::Explain;
use crate::log::Entry;

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}\
pre{background:#f4f4f4;padding:1rem;overflow:auto;font:13px/1.4 ui-monospace,monospace}\
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.2rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}\
details pre{margin:.3rem 0}.err{color:#a00}";

/// A whole page: title (escaped here) and body (already HTML).
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} · hedgec dev</title>\
         <style>{STYLE}</style></head><body>\n<h1>{}</h1>\n{body}\n<p><a href=\"/_hedgec/\">recent requests</a></p></body></html>\n",
        escape(title),
        escape(title)
    )
}

/// A page with a title, a sentence and preformatted detail, all escaped.
pub fn message(title: &str, sentence: &str, detail: &str) -> String {
    let detail = if detail.is_empty() { String::new() } else { format!("<pre>{}</pre>", escape(detail)) };
    page(title, &format!("<p>{}</p>{detail}", escape(sentence)))
}

/// The list of recent requests, newest first, each with its explain view.
pub fn requests(entries: &VecDeque<Entry>) -> String {
    let mut body = String::from(
        "<p>The last requests through the functions, newest first. Reload the page to see new ones.</p>\n<table>\
         <tr><th>request</th><th>status</th><th>answered by</th><th>compute</th><th>KVS reads</th><th>ms</th></tr>\n",
    );
    for entry in entries.iter().rev() {
        let compute = entry.compute.map_or(String::from("-"), |c| format!("{c}%"));
        body.push_str(&format!(
            "<tr><td><details><summary>{} {}</summary><pre>{}</pre></details></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(&entry.method),
            escape(&entry.path),
            escape(&entry.detail.as_ref().map_or_else(|| "(no rules: hand-written functions)".to_string(), Explain::render)),
            entry.status,
            escape(&entry.answered_by),
            compute,
            entry.kvs_reads,
            entry.ms,
        ));
    }
    body.push_str("</table>");
    page("Recent requests", &body)
}
