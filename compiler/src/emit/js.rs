//! Small writers for JavaScript source text: string literals, regular expressions for path
//! patterns, and target expressions.

use rules_dsl::ir::{Case, PathPattern, Piece, Segment, Settings, Slash, Target};

/// A double-quoted JavaScript string literal holding exactly `text`. The literal is pure
/// ASCII: quotes, backslashes, control characters and everything outside ASCII (U+2028
/// included) are escaped, so no user string can end the literal or the line.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for unit in text.encode_utf16() {
        match unit {
            0x22 => out.push_str("\\\""),
            0x5c => out.push_str("\\\\"),
            0x20..=0x7e => out.push(unit as u8 as char),
            _ => out.push_str(&format!("\\u{unit:04x}")),
        }
    }
    out.push('"');
    out
}

/// Escapes regular-expression syntax in canonical (ASCII) path text.
fn regex_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\^$.|?*+()[]{}/".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A regular-expression literal that matches canonical request paths exactly as
/// `rules_dsl::pattern::PathMatch::path` does, capturing placeholders and then the splat (or,
/// when `capture` is false, for `.test()` only: its groups are not read).
pub fn path_regex(pattern: &PathPattern, settings: &Settings, capture: bool) -> String {
    let mut re = format!("/{}/", path_regex_text(pattern, settings, capture));
    if settings.case == Case::Insensitive {
        re.push('i');
    }
    re
}

/// One regular-expression literal matching any of `patterns` (none a `~REGEX`), for `.test()`:
/// each anchored alternative is the pattern's [`path_regex`] without its anchors.
pub fn path_regex_alternation(patterns: &[&PathPattern], settings: &Settings) -> String {
    let alternatives: Vec<String> = patterns
        .iter()
        .map(|pattern| {
            let text = path_regex_text(pattern, settings, false);
            text.strip_prefix('^').and_then(|t| t.strip_suffix('$')).unwrap_or(&text).to_string()
        })
        .collect();
    let mut re = format!("/^(?:{})$/", alternatives.join("|"));
    if settings.case == Case::Insensitive {
        re.push('i');
    }
    re
}

/// The source of [`path_regex`] with its groups, for `new RegExp(source, flags)`.
pub fn path_regex_source(pattern: &PathPattern, settings: &Settings) -> String {
    path_regex_text(pattern, settings, true)
}

fn path_regex_text(pattern: &PathPattern, settings: &Settings, capture: bool) -> String {
    if let Some(regex) = &pattern.regex {
        // Anchored like every pattern (a top-level `a|b` in a group); its groups capture
        // whether or not the rule uses them.
        let source = rules_dsl::regex_pattern::javascript_source(regex);
        return if regex.structure.alternation { format!("^(?:{source})$") } else { format!("^{source}$") };
    }
    let mut re = String::from("^");
    for segment in &pattern.segments {
        re.push_str("\\/");
        match segment {
            Segment::Literal(text) => re.push_str(&regex_text(text)),
            Segment::Param(_) => re.push_str(if capture { "([^\\/]+)" } else { "[^\\/]+" }),
        }
    }
    if let (true, Some(prefix)) = (pattern.splat, &pattern.splat_prefix) {
        // `/en/release-*`: the rest of the path after the prefix, slashes included.
        re.push_str("\\/");
        re.push_str(&regex_text(prefix));
        re.push_str(if capture { "(.*)" } else { ".*" });
    } else if pattern.splat {
        // Without captures the regex is only tested, so its group may capture: shorter.
        re.push_str(if capture { "(?:\\/(.*))?" } else { "(\\/.*)?" });
    } else if settings.slash == Slash::Fold {
        re.push_str("\\/?");
    } else if pattern.trailing_slash {
        re.push_str("\\/");
    }
    re.push('$');
    re
}

/// A replacement template for `String.prototype.replace` with the path regex: literal text with
/// `$` doubled, captures as two-digit `$NN` (so that a digit after a capture stays literal).
pub fn replace_template(target: &Target) -> String {
    let mut out = String::new();
    for piece in &target.pieces {
        match piece {
            Piece::Text(text) => out.push_str(&text.replace('$', "$$")),
            Piece::Capture(index) => out.push_str(&format!("${:02}", index + 1)),
        }
    }
    out
}

/// A regular expression matching `prefix` on segment boundaries, capturing the rest (`/x`).
pub fn prefix_regex(prefix: &str, settings: &Settings) -> String {
    let mut re = format!("/^{}(\\/.*)?$/", regex_text(prefix));
    if settings.case == Case::Insensitive {
        re.push('i');
    }
    re
}

/// Which captures of a pattern a match may leave undefined: the splat of `/a/*` (which also
/// matches `/a`), and the optional groups of a regular expression. Placeholders, and the splat
/// of `/a/b-*`, are always set.
pub fn may_be_unset(pattern: &PathPattern) -> Vec<bool> {
    if let Some(regex) = &pattern.regex {
        return regex.structure.always_set.iter().map(|set| !set).collect();
    }
    let mut unset = vec![false; pattern.capture_names().len()];
    if pattern.splat
        && pattern.splat_prefix.is_none()
        && let Some(last) = unset.last_mut()
    {
        *last = true;
    }
    unset
}

/// An expression for a target: literal pieces and `m[i]` captures joined with `+`.
///
/// Captures that may be undefined (`unset`, from [`may_be_unset`]) are guarded with `|| ""`.
/// A target that starts with slashes directly followed by a capture goes through `collapse()`,
/// so that a captured `/evil.com` cannot turn `/:splat` into `//evil.com`.
pub fn target(target: &Target, unset: &[bool]) -> String {
    let expr = concat(target, unset);
    let lead = match target.pieces.as_slice() {
        [Piece::Text(text), Piece::Capture(_), ..] => text.chars().all(|c| c == '/' || c == '\\'),
        [Piece::Capture(_), ..] => true,
        _ => false,
    };
    if lead { format!("collapse({expr})") } else { expr }
}

fn concat(target: &Target, unset: &[bool]) -> String {
    let parts: Vec<String> = target
        .pieces
        .iter()
        .map(|piece| match piece {
            Piece::Text(text) => string(text),
            Piece::Capture(index) if unset.get(*index).copied().unwrap_or(true) => {
                format!("(m[{}] || \"\")", index + 1)
            }
            Piece::Capture(index) => format!("m[{}]", index + 1),
        })
        .collect();
    parts.join(" + ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_ascii_and_closed() {
        assert_eq!(string("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(string("\u{2028}é😀</script>${x}"), r#""\u2028\u00e9\ud83d\ude00</script>${x}""#);
    }
}
