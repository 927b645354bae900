//! `from,to[,status]` rows: comma-separated (with CSV quoting) or tab-separated, with or
//! without a header line, `#` comment lines allowed.
//!
//! A file is tab-separated when its name ends in `.tsv`, or when its first row has a tab and
//! no comma. The first row is a header line when its first field is neither a path nor an
//! http(s) URL; its column names then say which column is which (`from`, `source`, `path`,
//! `old`...; `to`, `target`, `destination`, `new`...; `status`, `code`...), in any order.
//!
//! Rows are literal: a source matches just its own path, and a target is sent as written.
//! Whatever the rules language would read as syntax (`*`, a segment `:name`, `:name` in a
//! target, backslashes) is escaped. The status is a redirect status (default 301), 200 for a
//! rewrite, or 4xx/5xx for a generated response.

use crate::Input;
use crate::finding::Kind;
use crate::model::{Action, Loc, Role, Route, Translation};
use crate::text::{literal_pattern, literal_target, split_url};

const FROM: &[&str] = &["from", "source", "origin", "path", "old", "old_path", "old_url", "redirect_from", "src"];
const TO: &[&str] =
    &["to", "target", "destination", "dest", "new", "new_path", "new_url", "redirect_to", "url", "location"];
const STATUS: &[&str] = &["status", "code", "status_code", "statuscode", "http_status", "type"];

fn looks_like_source(field: &str) -> bool {
    field.starts_with('/') || split_url(field).is_some()
}

/// Which columns hold what.
struct Columns {
    from: usize,
    to: Option<usize>,
    status: Option<usize>,
    ignored: Vec<String>,
}

fn columns(header: &::csv::StringRecord) -> Option<Columns> {
    let find = |names: &[&str]| {
        header.iter().position(|h| names.contains(&h.trim().to_ascii_lowercase().replace([' ', '-'], "_").as_str()))
    };
    let from = find(FROM)?;
    let to = find(TO);
    let status = find(STATUS);
    let ignored = header
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != from && Some(*i) != to && Some(*i) != status)
        .map(|(_, h)| h.to_string())
        .collect();
    Some(Columns { from, to, status, ignored })
}

/// Translates one row.
fn row(loc: Loc, source: &str, from: &str, to: &str, status: &str, t: &mut Translation) {
    let status = if status.is_empty() {
        301
    } else {
        match status.parse::<u16>() {
            Ok(s) => s,
            Err(_) => {
                t.leave_out(loc, Kind::Invalid, format!("`{status}` is not a status code"), source);
                return;
            }
        }
    };
    let action = match status {
        301 | 302 | 303 | 307 | 308 | 200 if to.is_empty() => {
            t.leave_out(loc, Kind::Invalid, "no target", source);
            return;
        }
        301 | 302 | 303 | 307 | 308 => Action::Redirect { to: literal_target(to), status },
        200 => Action::Rewrite { to: literal_target(to) },
        400..=599 => {
            if !to.is_empty() {
                let message = format!("answers {status} with an empty body; the target {to} is not served");
                t.finding(loc, Kind::Approximated, message, source);
            }
            Action::Respond { status }
        }
        other => {
            t.leave_out(
                loc,
                Kind::Unsupported,
                format!("status {other} has no equivalent in the rules language"),
                source,
            );
            return;
        }
    };
    t.routes.push(Route {
        loc,
        source: source.to_string(),
        from: literal_pattern(from),
        action,
        options: Vec::new(),
        force: true,
        role: Role::Rule,
    });
}

/// The 1-based line of a record from its byte offset, found by binary search over the
/// offsets where lines start (counting newlines from the start of the text for every record
/// made a file of n rows cost n² / 2 byte reads). The reader gives the offset of any blank
/// lines before the record, which are skipped.
struct Lines<'t> {
    text: &'t [u8],
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Lines<'t> {
        let starts =
            std::iter::once(0).chain(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1));
        Lines { text: text.as_bytes(), starts: starts.collect() }
    }

    fn line_of(&self, offset: usize) -> u64 {
        let mut at = offset.min(self.text.len());
        while at < self.text.len() && matches!(self.text[at], b'\n' | b'\r') {
            at += 1;
        }
        // The number of line starts at or before `at` is the 1-based line.
        self.starts.partition_point(|&start| start <= at) as u64
    }
}

fn file(index: usize, input: &Input, t: &mut Translation) {
    let first_row = input.text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).unwrap_or("");
    let tabs =
        input.name.to_ascii_lowercase().ends_with(".tsv") || (first_row.contains('\t') && !first_row.contains(','));
    // Comment lines become blank lines, so that the reader's line numbers stay the file's.
    let text: String = input
        .text
        .split_inclusive('\n')
        .map(|l| if l.trim_start().starts_with('#') { if l.ends_with('\n') { "\n" } else { "" } } else { l })
        .collect();
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(if tabs { b'\t' } else { b',' })
        .quoting(!tabs)
        .trim(::csv::Trim::All)
        .from_reader(text.as_bytes());
    let lines: Vec<&str> = input.text.split('\n').collect();
    let positions = Lines::new(&text);
    let source_of = |line: u64| lines.get(line.saturating_sub(1) as usize).map_or("", |l| l.trim());
    let mut layout = Columns { from: 0, to: Some(1), status: Some(2), ignored: Vec::new() };
    let mut first = true;
    let mut extra_columns = false;
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map_or(0, |p| positions.line_of(p.byte() as usize)) as u32;
                t.rule_seen();
                t.leave_out(Loc::new(index, line.max(1), 1), Kind::Invalid, format!("not a readable row: {error}"), "");
                continue;
            }
        };
        // The reader's line count skips blank lines; the byte offset does not.
        let line = record.position().map_or(0, |p| positions.line_of(p.byte() as usize));
        let loc = Loc::new(index, line as u32, 1);
        let source = source_of(line);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if std::mem::take(&mut first) && !looks_like_source(record.get(0).unwrap_or("")) {
            match columns(&record) {
                Some(found) => {
                    if !found.ignored.is_empty() {
                        let message = format!("columns not read: {}", found.ignored.join(", "));
                        t.finding(Loc::file(index), Kind::Note, message, "");
                    }
                    layout = found;
                    continue;
                }
                None => {
                    let message =
                        format!("read as a header line, but it names no source column (one of: {})", FROM.join(", "));
                    t.finding(loc, Kind::Note, message, source);
                    layout = Columns { from: 0, to: Some(1), status: Some(2), ignored: Vec::new() };
                    continue;
                }
            }
        }
        t.rule_seen();
        let field = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("");
        if layout.ignored.is_empty() && layout.from == 0 && record.len() > 3 {
            extra_columns = true;
        }
        let from = field(Some(layout.from));
        if from.is_empty() {
            t.leave_out(loc, Kind::Invalid, "no source", source);
            continue;
        }
        row(loc, source, from, field(layout.to), field(layout.status), t);
    }
    if extra_columns {
        t.finding(
            Loc::file(index),
            Kind::Note,
            "rows with more than three fields: fields after the third are not read",
            "",
        );
    }
}

/// Translates the inputs.
pub fn translate(inputs: &[Input], t: &mut Translation) {
    t.set("status", "301", "the status of rows without one");
    for (index, input) in inputs.iter().enumerate() {
        file(index, input, t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_offsets_map_to_file_lines() {
        let text = "a\n\n\r\nb\nc";
        let lines = Lines::new(text);
        assert_eq!(lines.line_of(0), 1);
        // The offset of the blank lines before `b` is its line.
        assert_eq!(lines.line_of(2), 4);
        assert_eq!(lines.line_of(5), 4);
        assert_eq!(lines.line_of(7), 5);
        assert_eq!(lines.line_of(100), 5);
    }

    #[test]
    fn rows_of_a_large_file_keep_their_lines() {
        let mut text = String::from("from,to\n");
        for i in 0..13_000 {
            if i % 1000 == 0 {
                text.push_str("# comment\n\n");
            }
            text.push_str(&format!("/old/{i},/new/{i}\n"));
        }
        let mut t = Translation::new(crate::Format::Csv, vec!["r.csv".into()]);
        translate(&[Input::new("r.csv", text.clone())], &mut t);
        assert_eq!(t.routes.len(), 13_000);
        let lines: Vec<&str> = text.lines().collect();
        for route in &t.routes {
            assert_eq!(lines[route.loc.line as usize - 1], route.source, "{route:?}");
        }
    }
}
