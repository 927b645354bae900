//! Lowers the syntax tree to the IR: settings applied, patterns and targets parsed and
//! normalised, options turned into conditions, header names and values checked.

use crate::ast::{self, HeaderSide, OptionKind, StatementKind, Word};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{
    self, Action, Case, Chains, Condition, HeaderOp, HeaderRule, Matcher, Origin, PrefixStrip, Route, Rules, Settings,
    Slash,
};
use crate::parser::suggest;
use crate::pattern::{self, TargetKind};
use platform::headers::{self, HeaderProblem};

/// The settings that `set` knows.
pub const SETTINGS: &[&str] = &["status", "slash", "case", "query", "index", "kvs-id", "chains", "exact-rules"];

/// Lowers a parsed file. Statements with errors are left out of the IR; the diagnostics say why.
pub fn lower(file: &ast::File, diagnostics: &mut Vec<Diagnostic>) -> Rules {
    let settings = settings(file, diagnostics);
    let mut rules = Rules { settings, ..Rules::default() };
    for statement in &file.statements {
        lower_statement(statement, &mut rules, diagnostics);
    }
    rules
}

fn settings(file: &ast::File, diagnostics: &mut Vec<Diagnostic>) -> Settings {
    let mut settings = Settings::default();
    let mut seen: Vec<(&str, u32)> = Vec::new();
    let mut first_rule: Option<u32> = None;
    for statement in &file.statements {
        let StatementKind::Set { name, value } = &statement.kind else {
            first_rule.get_or_insert(statement.line);
            continue;
        };
        let key = name.text.as_str();
        if !SETTINGS.contains(&key) {
            let mut diagnostic = Diagnostic::new(Code::UnknownSetting, name.span, format!("unknown setting `{key}`"))
                .with_label("not a setting");
            diagnostic.help = Some(match suggest(key, SETTINGS) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("the settings are {}", SETTINGS.join(", ")),
            });
            diagnostics.push(diagnostic);
            continue;
        }
        if let Some(&(_, line)) = seen.iter().find(|(k, _)| *k == key) {
            diagnostics.push(
                Diagnostic::new(Code::RepeatedSetting, name.span, format!("`{key}` is set twice"))
                    .with_label("this value wins")
                    .with_help(format!("it was first set on line {line}; keep one")),
            );
        }
        seen.push((key, statement.line));
        let affects_rules = !matches!(key, "index" | "kvs-id" | "exact-rules");
        if let (true, Some(line)) = (affects_rules, first_rule) {
            diagnostics.push(
                Diagnostic::new(
                    Code::SettingAfterRule,
                    name.span,
                    format!("`set {key}` comes after the rules it affects"),
                )
                .with_label("too late")
                .with_help(format!("move it above the first rule (line {line})")),
            );
        }
        // A late setting is not applied, but its value is still judged: moving it up must not
        // reveal a second mistake.
        let mut late = settings.clone();
        let target = if affects_rules && first_rule.is_some() { &mut late } else { &mut settings };
        if let Err(help) = apply_setting(target, key, &value.text) {
            diagnostics.push(
                Diagnostic::new(
                    Code::InvalidSettingValue,
                    value.span,
                    format!("invalid value `{}` for `{key}`", value.text),
                )
                .with_label("not allowed here")
                .with_help(help),
            );
        }
    }
    settings
}

fn apply_setting(settings: &mut Settings, key: &str, value: &str) -> Result<(), String> {
    match (key, value) {
        ("status", _) => {
            let status = value.parse::<u16>().ok().filter(|s| [301, 302, 303, 307, 308].contains(s));
            settings.status = status.ok_or("status is one of 301, 302, 303, 307, 308")?;
        }
        ("slash", "fold") => settings.slash = Slash::Fold,
        ("slash", "exact") => settings.slash = Slash::Exact,
        ("slash", _) => return Err("slash is fold or exact".into()),
        ("case", "sensitive") => settings.case = Case::Sensitive,
        ("case", "insensitive") => settings.case = Case::Insensitive,
        ("case", _) => return Err("case is sensitive or insensitive".into()),
        ("query", "keep") => settings.query_keep = true,
        ("query", "drop") => settings.query_keep = false,
        ("query", _) => return Err("query is keep or drop".into()),
        ("index", "off") => settings.index = None,
        ("index", name) => {
            let valid = !name.is_empty()
                && !name.starts_with('.')
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
            if !valid {
                return Err("index is off or a file name such as index.html (letters, digits, . - _)".into());
            }
            settings.index = Some(name.to_string());
        }
        ("kvs-id", id) => {
            let valid = !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'/' | b'.'));
            if !valid {
                return Err("kvs-id is the store's id, e.g. 1a2b3c4d-5678-90ab-cdef-EXAMPLE11111".into());
            }
            settings.kvs_id = Some(id.to_string());
        }
        ("chains", "warn") => settings.chains = Chains::Warn,
        ("chains", "flatten") => settings.chains = Chains::Flatten,
        ("chains", _) => return Err("chains is warn or flatten".into()),
        ("exact-rules", "smallest") => settings.exact_in_kvs = false,
        ("exact-rules", "kvs") => settings.exact_in_kvs = true,
        ("exact-rules", _) => return Err("exact-rules is smallest or kvs".into()),
        _ => unreachable!("setting names are checked first"),
    }
    Ok(())
}

/// Every word of a statement except a body, which may hold tabs and line feeds.
fn plain_words(kind: &StatementKind) -> Vec<&Word> {
    match kind {
        StatementKind::Set { name, value } => vec![name, value],
        StatementKind::Redirect { from, to, .. } | StatementKind::Rewrite { from, to, .. } => vec![from, to],
        StatementKind::Respond { from, .. } => vec![from],
        StatementKind::PrefixStrip { prefix, origin } => std::iter::once(prefix).chain(origin).collect(),
        StatementKind::Header { pattern, lines, .. } => std::iter::once(pattern)
            .chain(lines.iter().flat_map(|l| std::iter::once(&l.name).chain(&l.value)))
            .collect(),
    }
}

fn lower_statement(statement: &ast::Statement, rules: &mut Rules, diagnostics: &mut Vec<Diagnostic>) {
    if let Some((word, c)) =
        plain_words(&statement.kind).into_iter().find_map(|w| w.text.chars().find(|&c| is_control(c)).map(|c| (w, c)))
    {
        return diagnostics.push(control_char(c, word));
    }
    match &statement.kind {
        StatementKind::Set { .. } => {}
        StatementKind::Redirect { from, to, status, options } => {
            let Some(matcher) = matcher(from, options, rules.settings.case, diagnostics) else { return };
            let captures = matcher.path.capture_names();
            let target = match target(to, &matcher, &captures, TargetKind::Redirect) {
                Ok(target) => target,
                Err(diagnostic) => return diagnostics.push(diagnostic),
            };
            let keep_query = options
                .iter()
                .rev()
                .find_map(|o| match o.kind {
                    OptionKind::Query(keep) => Some(keep),
                    _ => None,
                })
                .unwrap_or(rules.settings.query_keep);
            let status = status.map_or(rules.settings.status, |s| s.code);
            let action = Action::Redirect { status, target, keep_query };
            rules.routes.push(Route { origin: origin(statement, from), matcher, action });
        }
        StatementKind::Rewrite { from, to, options } => {
            let Some(matcher) = matcher(from, options, rules.settings.case, diagnostics) else { return };
            let captures = matcher.path.capture_names();
            match target(to, &matcher, &captures, TargetKind::Rewrite) {
                Ok(target) => rules.routes.push(Route {
                    origin: origin(statement, from),
                    matcher,
                    action: Action::Rewrite { target },
                }),
                Err(diagnostic) => diagnostics.push(diagnostic),
            }
        }
        StatementKind::Respond { from, status, body, options } => {
            let Some(matcher) = matcher(from, options, rules.settings.case, diagnostics) else { return };
            if let Some(body) = body
                && let Some(c) = body.text.chars().find(|&c| is_control(c) && c != '\t' && c != '\n')
            {
                return diagnostics.push(control_char(c, body));
            }
            let action = Action::Respond { status: status.code, body: body.as_ref().map(|b| b.text.clone()) };
            rules.routes.push(Route { origin: origin(statement, from), matcher, action });
        }
        StatementKind::PrefixStrip { prefix, origin: origin_id } => {
            let Some(prefix_text) = prefix_strip(prefix, diagnostics) else { return };
            let origin_id = match origin_id {
                Some(word) if word.text.is_empty() || word.text.chars().any(is_control) => {
                    return diagnostics.push(
                        Diagnostic::new(Code::InvalidOptionValue, word.span, "empty or malformed origin id")
                            .with_label("expected origin=ORIGIN_ID")
                            .with_help("the id is the origin's Id in the distribution configuration"),
                    );
                }
                Some(word) => Some(word.text.clone()),
                None => None,
            };
            rules.prefix_strips.push(PrefixStrip { origin: origin(statement, prefix), prefix: prefix_text, origin_id });
        }
        StatementKind::Header { side, pattern, lines } => {
            let Some(matcher) = matcher(pattern, &[], rules.settings.case, diagnostics) else { return };
            let mut ops = Vec::new();
            for line in lines {
                if let Some(op) = header_op(line, *side, diagnostics) {
                    ops.push(op);
                }
            }
            let rule = HeaderRule { origin: origin(statement, pattern), matcher, ops };
            match side {
                HeaderSide::Response => rules.response_headers.push(rule),
                HeaderSide::Request => rules.request_headers.push(rule),
            }
        }
    }
}

/// A target, read with `$N` groups when the pattern is a regular expression.
fn target(to: &Word, matcher: &Matcher, captures: &[&str], kind: TargetKind) -> Result<ir::Target, Diagnostic> {
    if matcher.path.regex.is_some() {
        pattern::parse_regex_target(to, captures, kind)
    } else {
        pattern::parse_target(to, captures, kind)
    }
}

fn origin(statement: &ast::Statement, word: &Word) -> Origin {
    Origin { line: statement.line, span: word.span }
}

fn is_control(c: char) -> bool {
    (c as u32) < 0x20 || c == '\u{7f}'
}

fn control_char(c: char, word: &Word) -> Diagnostic {
    Diagnostic::new(Code::ControlCharacter, word.span, format!("control character U+{:04X} in a value", c as u32))
        .with_label("not allowed here")
        .with_help("control characters can appear only in a respond body (tab and line feed); elsewhere they would allow header injection")
}

fn matcher(
    from: &Word,
    options: &[ast::MatchOption],
    case: Case,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Matcher> {
    let (host, path) = match pattern::parse_pattern(from, case) {
        Ok(parsed) => parsed,
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            return None;
        }
    };
    let mut conditions = Vec::new();
    for option in options {
        let condition = match &option.kind {
            OptionKind::Query(_) => continue,
            OptionKind::Country(codes) => Condition::Country(codes.clone()),
            OptionKind::Language(tags) => Condition::Language(tags.clone()),
            OptionKind::Cookie { name, value } => Condition::Cookie { name: name.clone(), value: value.clone() },
            OptionKind::QueryParam { key, value } => {
                Condition::Query { key: key.clone(), value: value.as_deref().map(pattern::canonical_path) }
            }
        };
        if !conditions.contains(&condition) {
            conditions.push(condition);
        }
    }
    conditions.sort();
    Some(Matcher { host, path, conditions })
}

fn prefix_strip(prefix: &Word, diagnostics: &mut Vec<Diagnostic>) -> Option<String> {
    let parsed = pattern::parse_pattern(prefix, Case::Sensitive);
    let path = match parsed {
        Ok((None, path)) if path.is_exact() && !path.segments.is_empty() => path,
        Ok(_) => {
            diagnostics.push(
                Diagnostic::new(Code::InvalidPattern, prefix.span, "a prefix is a literal path other than /")
                    .with_label("expected a path such as /api")
                    .with_help("prefix-strip takes no host, placeholders or *; it matches whole segments: /api matches /api and /api/x, not /apiary"),
            );
            return None;
        }
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            return None;
        }
    };
    let literal = path.literal_path().expect("exact");
    Some(literal.trim_end_matches('/').to_string())
}

fn header_op(line: &ast::HeaderLine, side: HeaderSide, diagnostics: &mut Vec<Diagnostic>) -> Option<HeaderOp> {
    let name = line.name.text.to_ascii_lowercase();
    let keyword = match side {
        HeaderSide::Response => "viewer-response",
        HeaderSide::Request => "viewer-request",
    };
    if let Some(problem) = headers::problem(&name, side) {
        let (code, message, help) = match problem {
            HeaderProblem::InvalidName => (
                Code::InvalidHeaderName,
                format!("`{}` is not a valid header name", line.name.text),
                "header names are letters, digits and !#$%&'*+-.^_`|~".to_string(),
            ),
            HeaderProblem::Disallowed => (
                Code::DisallowedHeader,
                format!("CloudFront does not let functions set `{name}`"),
                "CloudFront answers 502 when a function touches this header".to_string(),
            ),
            HeaderProblem::ReadOnly => (
                Code::ReadOnlyHeader,
                format!("`{name}` is read-only in a {keyword} function"),
                "CloudFront answers 502 when a function changes a read-only header".to_string(),
            ),
            HeaderProblem::Cookie => (
                Code::DisallowedHeader,
                format!("`{name}` cannot be set as a header"),
                "CloudFront carries cookies apart from the headers; header rules cannot set them".to_string(),
            ),
        };
        diagnostics.push(Diagnostic::new(code, line.name.span, message).with_label("this header").with_help(help));
        return None;
    }
    let Some(value) = &line.value else {
        return Some(HeaderOp::Remove { name });
    };
    if let Some(c) = value.text.chars().find(|&c| is_control(c)) {
        diagnostics.push(control_char(c, value));
        return None;
    }
    if !value.text.is_ascii() || value.text.len() > 1783 {
        diagnostics.push(
            Diagnostic::new(Code::SuspiciousHeaderValue, value.span, "header value CloudFront may reject")
                .with_label(if value.text.is_ascii() { "over 1,783 bytes" } else { "non-ASCII characters" })
                .with_help("HTTP header values should be visible ASCII; percent-encode or shorten the value"),
        );
    }
    Some(HeaderOp::Set { name, value: value.text.clone() })
}
