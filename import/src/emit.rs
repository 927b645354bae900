//! Writes a [`Translation`] as rules text, and remembers which statement each line belongs to
//! so that a diagnostic of the rules language can be traced back to its source rule.

use std::fmt::Write as _;

use crate::model::{Action, Role, Route, Translation};
use crate::text::{pattern_token, token};

/// What an output line belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A comment, a setting or a blank line.
    Other,
    /// A route, by index.
    Route(usize),
    /// The pattern line of a header block, by index.
    Block(usize),
    /// A header line: block index, line index.
    Op(usize, usize),
}

/// Rules text and the owner of each of its lines.
#[derive(Clone, Debug)]
pub struct Emitted {
    /// The text.
    pub text: String,
    /// `owners[n]` owns line `n + 1`.
    pub owners: Vec<Owner>,
}

struct Writer {
    text: String,
    owners: Vec<Owner>,
}

impl Writer {
    fn line(&mut self, owner: Owner, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
        self.owners.push(owner);
    }
}

/// One line of text without line breaks, for comments.
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// A pattern token: a `~REGEX` pattern is already written in its final form (quoted where it
/// needs to be); any other goes through [`pattern_token`].
fn from_token(pattern: &str) -> std::borrow::Cow<'_, str> {
    if pattern.starts_with('~') { std::borrow::Cow::Borrowed(pattern) } else { pattern_token(pattern) }
}

/// The statement of a route, without its comment.
pub fn route_statement(route: &Route) -> String {
    let mut line = String::new();
    let from = from_token(&route.from);
    match &route.action {
        Action::Redirect { to, status } => {
            let _ = write!(line, "redirect {from} {} {status}", pattern_token(to));
        }
        Action::Rewrite { to } => {
            let _ = write!(line, "rewrite {from} {}", pattern_token(to));
        }
        Action::Respond { status } => {
            let _ = write!(line, "respond {from} {status}");
        }
    }
    for option in &route.options {
        line.push(' ');
        line.push_str(&token(option));
    }
    line
}

/// Writes the translation.
pub fn emit(translation: &Translation) -> Emitted {
    let mut w = Writer { text: String::new(), owners: Vec::new() };
    let names: Vec<&str> = translation.files.iter().map(String::as_str).collect();
    w.line(
        Owner::Other,
        &one_line(&format!("# Imported by `hedgec import {}` from {}.", translation.format.name(), names.join(", "))),
    );
    w.line(Owner::Other, &format!("# {}.", translation.summary()));
    w.line(
        Owner::Other,
        "# Each rule ends with the line it came from; rules that were left out are listed at the end.",
    );
    if !translation.settings.is_empty() {
        w.line(Owner::Other, "");
    }
    for setting in &translation.settings {
        w.line(Owner::Other, &format!("set {} {}  # {}", setting.name, token(&setting.value), one_line(&setting.why)));
    }
    if !translation.routes.is_empty() {
        w.line(Owner::Other, "");
    }
    for (index, route) in translation.routes.iter().enumerate() {
        let comment = match &route.role {
            Role::Rule => format!("from {}", translation.place(route.loc)),
            Role::Guard(why) => format!("for {}: {}", translation.place(route.loc), why),
        };
        w.line(Owner::Route(index), &format!("{}  # {}", route_statement(route), one_line(&comment)));
    }
    let blocks: Vec<usize> =
        (0..translation.headers.len()).filter(|&i| !translation.headers[i].ops.is_empty()).collect();
    if !blocks.is_empty() {
        w.line(Owner::Other, "");
    }
    for index in blocks {
        let block = &translation.headers[index];
        let pattern = from_token(&block.pattern);
        let op_text = |name: &str, value: &Option<String>| match value {
            Some(value) => format!("{} {}", token(name), token(value)),
            None => format!("-{}", token(name)),
        };
        if let [op] = block.ops.as_slice() {
            w.line(
                Owner::Op(index, 0),
                &format!("header {pattern} {}  # from {}", op_text(&op.name, &op.value), translation.place(op.loc)),
            );
            continue;
        }
        w.line(Owner::Block(index), &format!("header {pattern} {{  # from {}", translation.place(block.loc)));
        for (op_index, op) in block.ops.iter().enumerate() {
            w.line(
                Owner::Op(index, op_index),
                &format!("  {}  # from {}", op_text(&op.name, &op.value), translation.place(op.loc)),
            );
        }
        w.line(Owner::Block(index), "}");
    }
    if !translation.left_out.is_empty() {
        let mut left_out: Vec<_> = translation.left_out.iter().collect();
        left_out.sort_by_key(|l| l.loc);
        w.line(Owner::Other, "");
        w.line(Owner::Other, &format!("# Left out ({}), each reported:", left_out.len()));
        for item in left_out {
            w.line(Owner::Other, &one_line(&format!("# {}: {}", translation.place(item.loc), item.reason)));
            if !item.source.is_empty() {
                w.line(Owner::Other, &one_line(&format!("#   {}", item.source)));
            }
        }
    }
    Emitted { text: w.text, owners: w.owners }
}
