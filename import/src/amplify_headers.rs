//! Amplify Hosting's custom headers file, `customHttp.yml`: a `customHeaders` list of
//! `{ pattern, headers: [{ key, value }] }`, read with saphyr (YAML 1.2).
//!
//! Every matching entry applies, in file order, as header rules do. Patterns: `**`, `**/*`,
//! `*` and `/**` are every path; `/dir/**` and `/dir/**/*` every path below `/dir/`; a path
//! without `*` that one path. Other globs (`*.json`, `**/*.css`) need the file extension of the
//! path, which header patterns do not match on: they are reported. Each header is one rule; a
//! header holding a credential is reported, redacted. A file that is not YAML, or not of this
//! shape, is an input error naming its line and column.

use saphyr::{LoadableYamlNode, MarkedYaml};

use crate::Input;
use crate::finding::Kind;
use crate::json;
use crate::model::{HeaderBlock, HeaderOp, Loc, Translation};
use crate::secrets;

const HELP: &str = "customHttp.yml is a `customHeaders:` list of `- pattern: '/path/**'` entries, each with `headers:` of `- key:` and `value:`";

/// The byte offset of a saphyr marker (which counts characters).
fn offset(text: &str, chars: usize) -> usize {
    text.char_indices().nth(chars).map_or(text.len(), |(at, _)| at)
}

fn loc_of(file: usize, input: &Input, node: &MarkedYaml<'_>) -> Loc {
    json::loc(file, &input.text, offset(&input.text, node.span.start.index()))
}

fn error_at(input: &Input, node: &MarkedYaml<'_>, message: &str) -> crate::InputError {
    crate::InputError::at(&input.name, &input.text, offset(&input.text, node.span.start.index()), message, HELP)
}

/// The text of a node, on one line, for findings.
fn source_of(input: &Input, node: &MarkedYaml<'_>) -> String {
    let from = offset(&input.text, node.span.start.index());
    let to = offset(&input.text, node.span.end.index()).max(from);
    input.text[from..to].split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A scalar as text: strings as written, numbers and booleans as YAML reads them.
fn scalar(node: &MarkedYaml<'_>) -> Option<String> {
    let data = &node.data;
    data.as_str()
        .map(str::to_string)
        .or_else(|| data.as_integer().map(|n| n.to_string()))
        .or_else(|| data.as_floating_point().map(|n| n.to_string()))
        .or_else(|| data.as_bool().map(|b| b.to_string()))
}

/// The language's pattern for an Amplify glob, or why there is none.
fn pattern(glob: &str) -> Result<String, String> {
    let glob = glob.trim();
    if matches!(glob, "**" | "**/*" | "*" | "/**" | "/**/*" | "/*") {
        return Ok("/*".to_string());
    }
    let below = glob.strip_suffix("/**/*").or_else(|| glob.strip_suffix("/**"));
    if let Some(dir) = below.filter(|d| d.starts_with('/') && !d.contains('*')) {
        return Ok(format!("{dir}/*"));
    }
    if glob.starts_with('/') && !glob.contains(['*', '?', '[', '{']) {
        return Ok(glob.to_string());
    }
    Err(format!(
        "the pattern `{glob}` needs a glob the header patterns cannot write (a file extension or a `*` inside the path)"
    ))
}

/// The headers of one entry, each one rule.
fn header_ops(file: usize, input: &Input, list: &[MarkedYaml<'_>], t: &mut Translation) -> Vec<HeaderOp> {
    let mut ops = Vec::new();
    for header in list {
        t.rule_seen();
        let loc = loc_of(file, input, header);
        let text = source_of(input, header);
        let key = header.data.as_mapping_get("key").and_then(scalar);
        let value = header.data.as_mapping_get("value").and_then(scalar);
        let (Some(name), Some(value)) = (key, value) else {
            t.leave_out(loc, Kind::Invalid, "a header needs `key` and `value`", &text);
            continue;
        };
        if secrets::secret_header(&name) {
            let message = format!("`{name}` holds a credential; it is not copied into the rules (value redacted)");
            t.leave_out(loc, Kind::Unsupported, message, &text);
            continue;
        }
        ops.push(HeaderOp { loc, source: text, name, value: Some(value) });
    }
    ops
}

/// Reads a `customHttp.yml` file into header blocks.
pub fn translate(file: usize, input: &Input, t: &mut Translation) -> Result<(), crate::InputError> {
    let documents = MarkedYaml::load_from_str(&input.text).map_err(|e| {
        let at = offset(&input.text, e.marker().index());
        crate::InputError::at(&input.name, &input.text, at, format!("not valid YAML: {}", e.info()), HELP)
    })?;
    let Some(root) = documents.first() else { return Ok(()) };
    let Some(list) = root.data.as_mapping_get("customHeaders") else {
        return Err(error_at(input, root, "expected a `customHeaders:` list"));
    };
    let Some(entries) = list.data.as_vec() else {
        return Err(error_at(input, list, "`customHeaders` must be a list of entries"));
    };
    for entry in entries {
        let Some(glob) = entry.data.as_mapping_get("pattern").and_then(scalar) else {
            return Err(error_at(input, entry, "each entry needs a `pattern`"));
        };
        let Some(headers) = entry.data.as_mapping_get("headers").and_then(|h| h.data.as_vec()) else {
            return Err(error_at(input, entry, "each entry needs a `headers:` list"));
        };
        let ops = header_ops(file, input, headers, t);
        match pattern(&glob) {
            Ok(pattern) => t.headers.push(HeaderBlock {
                loc: loc_of(file, input, entry),
                source: source_of(input, entry),
                pattern,
                ops,
            }),
            Err(message) => {
                for op in &ops {
                    t.leave_out(op.loc, Kind::Unsupported, message.clone(), &op.source);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert_eq!(pattern("**/*").unwrap(), "/*");
        assert_eq!(pattern("/docs/**").unwrap(), "/docs/*");
        assert_eq!(pattern("/index.html").unwrap(), "/index.html");
        assert!(pattern("*.json").is_err());
        assert!(pattern("/a/*/b").is_err());
    }

    #[test]
    fn positions() {
        let text = "customHeaders:\n  - pattern: '*.json'\n    headers:\n      - key: 'A'\n        value: 'b'\n";
        let input = Input::new("customHttp.yml", text.to_string());
        let result = crate::import(crate::Format::Amplify, &[input], &crate::ImportOptions::default()).unwrap();
        let finding = &result.findings[0];
        assert_eq!((finding.line, finding.column), (4, 9), "{finding:?}");
        let open_list = "customHeaders:\n  - pattern: '/a'\n    headers: [\n";
        let broken = Input::new("customHttp.yml", open_list.to_string());
        let error = crate::import(crate::Format::Amplify, &[broken], &crate::ImportOptions::default()).unwrap_err();
        assert!(error.to_string().contains("not valid YAML"), "{error}");
        // The end of the file, where the list is still open: line 4, column 1.
        let crate::InputError::File { diagnostic, .. } = error else { panic!("not a file error") };
        assert_eq!(diagnostic.span.start as usize, open_list.len());
    }
}
