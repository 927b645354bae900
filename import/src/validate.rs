//! The last step of every import: the rules language's own front end reads the output, and
//! any statement it rejects is taken out and reported against its source rule, until the
//! text analyses without errors. Its warnings about rules that can never match become notes.

use std::collections::BTreeMap;

use rules_dsl::{Code, Diagnostic, SourceFile};

use crate::emit::{Emitted, Owner, emit};
use crate::finding::Kind;
use crate::model::{Loc, Role, Translation};

/// What a diagnostic says, in one line.
fn describe(diagnostic: &Diagnostic, rewrite_lines: impl Fn(&str) -> String) -> String {
    let mut text = format!("{} ({})", diagnostic.message, diagnostic.code.as_str());
    if let Some(help) = &diagnostic.help {
        text.push_str("; ");
        text.push_str(&rewrite_lines(help));
    }
    text.replace(['\n', '\r'], " ")
}

/// The source place of the statement on an output line.
fn place_of_line(translation: &Translation, emitted: &Emitted, line: usize) -> Option<String> {
    let loc = match emitted.owners.get(line.checked_sub(1)?)? {
        Owner::Other => return None,
        Owner::Route(i) => translation.routes[*i].loc,
        Owner::Block(i) => translation.headers[*i].loc,
        Owner::Op(i, j) => translation.headers[*i].ops[*j].loc,
    };
    Some(translation.place(loc))
}

/// Rewrites "line N" (a line of the output) into the source place of that line's statement.
fn source_lines(translation: &Translation, emitted: &Emitted, text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("line ") {
        let (before, after) = rest.split_at(at + "line ".len());
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let place = after[..digits].parse::<usize>().ok().and_then(|n| place_of_line(translation, emitted, n));
        match place {
            Some(place) => {
                out.push_str(&before[..at]);
                out.push_str(&place);
            }
            None => {
                out.push_str(before);
                out.push_str(&after[..digits]);
            }
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// The first "line N" a text mentions.
fn first_line(text: &str) -> Option<usize> {
    let at = text.find("line ")? + "line ".len();
    let digits = text[at..].bytes().take_while(u8::is_ascii_digit).count();
    text[at..at + digits].parse().ok()
}

/// Validates the translation, taking out what the rules language rejects, and returns the
/// final text.
pub fn finish(translation: &mut Translation) -> String {
    loop {
        let emitted = emit(translation);
        let source = SourceFile::new("import.hedge", emitted.text.as_str());
        let analysis = rules_dsl::analyze(&source);
        let mut routes: BTreeMap<usize, String> = BTreeMap::new();
        let mut ops: BTreeMap<(usize, usize), String> = BTreeMap::new();
        for diagnostic in analysis.diagnostics.iter().filter(|d| d.is_error()) {
            let line = source.line_col(diagnostic.span.start).line as usize;
            let message = describe(diagnostic, |h| source_lines(translation, &emitted, h));
            match emitted.owners.get(line - 1).copied().unwrap_or(Owner::Other) {
                Owner::Route(i) => {
                    routes.entry(i).or_insert(message);
                }
                Owner::Op(i, j) => {
                    ops.entry((i, j)).or_insert(message);
                }
                Owner::Block(i) => {
                    for j in 0..translation.headers[i].ops.len() {
                        ops.entry((i, j)).or_insert_with(|| message.clone());
                    }
                }
                Owner::Other => {}
            }
        }
        if routes.is_empty() && ops.is_empty() {
            debug_assert!(!analysis.has_errors(), "an error outside any rule:\n{}", emitted.text);
            notes(translation, &emitted, &analysis.diagnostics, &source);
            return emitted.text;
        }
        for (&i, message) in routes.iter().rev() {
            let route = translation.routes.remove(i);
            match route.role {
                Role::Rule => translation.leave_out(
                    route.loc,
                    Kind::Unsupported,
                    format!("the rules language rejects it: {message}"),
                    &route.source,
                ),
                Role::Guard(why) => translation.finding(
                    route.loc,
                    Kind::Approximated,
                    format!("a guard ({why}) could not be written, so the rule may apply where the source's would not: {message}"),
                    &route.source,
                ),
            }
        }
        for (&(i, j), message) in ops.iter().rev() {
            let op = translation.headers[i].ops.remove(j);
            translation.leave_out(
                op.loc,
                Kind::Unsupported,
                format!("the rules language rejects it: {message}"),
                &op.source,
            );
        }
    }
}

/// Turns warnings about rules that can never match, and about header values, into notes.
fn notes(translation: &mut Translation, emitted: &Emitted, diagnostics: &[Diagnostic], source: &SourceFile) {
    let mut found: Vec<(Loc, String, String)> = Vec::new();
    for diagnostic in diagnostics {
        if !matches!(diagnostic.code, Code::ShadowedRule | Code::DuplicateRule | Code::SuspiciousHeaderValue) {
            continue;
        }
        let line = source.line_col(diagnostic.span.start).line as usize;
        let (loc, text) = match emitted.owners.get(line - 1).copied().unwrap_or(Owner::Other) {
            Owner::Route(i) if translation.routes[i].role == Role::Rule => {
                (translation.routes[i].loc, translation.routes[i].source.clone())
            }
            Owner::Op(i, j) => (translation.headers[i].ops[j].loc, translation.headers[i].ops[j].source.clone()),
            _ => continue,
        };
        let by_guard = diagnostic.help.as_deref().and_then(first_line).and_then(|n| match emitted.owners.get(n - 1) {
            Some(Owner::Route(g)) => match &translation.routes[*g].role {
                Role::Guard(why) => Some(why.clone()),
                Role::Rule => None,
            },
            _ => None,
        });
        let message = match by_guard {
            Some(why) => format!("applies to no path: every path it matches has a guard before it ({why})"),
            None => format!(
                "imported, and the rules language warns: {}",
                describe(diagnostic, |h| source_lines(translation, emitted, h))
            ),
        };
        found.push((loc, message, text));
    }
    for (loc, message, text) in found {
        translation.finding(loc, Kind::Note, message, &text);
    }
}
