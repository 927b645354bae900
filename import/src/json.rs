//! JSON inputs (comments and trailing commas allowed, as Firebase allows them), read with
//! `jsonc-parser` so that every value keeps its place: each rule is reported at the line and
//! column of its object.

use jsonc_parser::ast::{Object, Value};
use jsonc_parser::{CollectOptions, ParseOptions};

use crate::finding::Kind;
use crate::model::{Loc, Translation};
use crate::{Input, InputError};

/// The 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset.min(text.len())];
    let line = before.bytes().filter(|&b| b == b'\n').count() as u32 + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() as u32 + 1)
}

/// The place of a byte offset of file `file`.
pub fn loc(file: usize, text: &str, offset: usize) -> Loc {
    let (line, column) = line_col(text, offset);
    Loc::new(file, line, column)
}

/// Parses a JSON file with comments; the error names its line and column.
pub fn parse(input: &Input) -> Result<Value<'_>, InputError> {
    let options =
        ParseOptions { allow_comments: true, allow_loose_object_property_names: false, allow_trailing_commas: true };
    let error = |offset: usize, message: String| {
        InputError::at(
            &input.name,
            &input.text,
            offset,
            message,
            "the file must be JSON; comments and trailing commas are allowed",
        )
    };
    match jsonc_parser::parse_to_ast(&input.text, &CollectOptions::default(), &options) {
        Ok(result) => result.value.ok_or_else(|| error(0, "the file holds no JSON value".to_string())),
        Err(e) => Err(error(e.range().start, format!("not valid JSON: {}", e.kind()))),
    }
}

/// The text of a string property.
pub fn string<'v>(object: &'v Object<'_>, name: &str) -> Option<&'v str> {
    match &object.get(name)?.value {
        Value::StringLit(s) => Some(s.value.as_ref()),
        _ => None,
    }
}

/// The text of a string or number property (statuses are written both ways).
pub fn scalar(object: &Object<'_>, name: &str) -> Option<String> {
    match &object.get(name)?.value {
        Value::StringLit(s) => Some(s.value.to_string()),
        Value::NumberLit(n) => Some(n.value.to_string()),
        Value::BooleanLit(b) => Some(b.value.to_string()),
        _ => None,
    }
}

/// The start offset of a value.
pub fn start(value: &Value<'_>) -> usize {
    match value {
        Value::StringLit(v) => v.range.start,
        Value::NumberLit(v) => v.range.start,
        Value::BooleanLit(v) => v.range.start,
        Value::Object(v) => v.range.start,
        Value::Array(v) => v.range.start,
        Value::NullKeyword(v) => v.range.start,
    }
}

/// The source text of a value on one line, with secrets redacted, for findings.
pub fn source_of(text: &str, value: &Value<'_>) -> String {
    let (from, to) = match value {
        Value::Object(v) => (v.range.start, v.range.end),
        Value::Array(v) => (v.range.start, v.range.end),
        other => (start(other), start(other)),
    };
    let one_line: String = text[from..to.min(text.len())].split_whitespace().collect::<Vec<_>>().join(" ");
    crate::secrets::redact_source(&one_line)
}

/// One rule object of a list, with its place and source text.
pub struct Entry<'a, 'v> {
    /// The object.
    pub object: &'v Object<'a>,
    /// Where it starts.
    pub loc: Loc,
    /// Its text, for findings.
    pub text: String,
}

/// The objects of a list. Each counts as a rule when `count`, and one that is not an object is
/// then left out; otherwise (header entries, which count their lines) it is noted as `ignored`
/// says the platform treats it.
pub fn entries<'a, 'v>(
    file: usize,
    input: &Input,
    list: &'v Value<'a>,
    count: bool,
    ignored: &str,
    t: &mut Translation,
) -> Vec<Entry<'a, 'v>> {
    let Value::Array(array) = list else {
        let loc = loc(file, &input.text, start(list));
        t.rule_seen();
        t.leave_out(loc, Kind::Invalid, "not a list", &source_of(&input.text, list));
        return Vec::new();
    };
    let mut out = Vec::new();
    for element in &array.elements {
        let loc = loc(file, &input.text, start(element));
        let text = source_of(&input.text, element);
        if count {
            t.rule_seen();
        }
        match element {
            Value::Object(object) => out.push(Entry { object, loc, text }),
            _ if count => t.leave_out(loc, Kind::Invalid, "not an object", &text),
            _ => t.finding(loc, Kind::Note, format!("not an object; {ignored}"), &text),
        }
    }
    out
}
