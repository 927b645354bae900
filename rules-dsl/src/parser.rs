//! Turns lines of tokens into statements. Parsing never fails: it returns every statement it
//! could make sense of, and a diagnostic for every one it could not.

use crate::ast::{File, HeaderLine, HeaderSide, MatchOption, OptionKind, Statement, StatementKind, Status, Word};
use crate::diagnostics::{Code, Diagnostic};
use crate::lexer::{self, Line, Token};
use crate::source::Span;

/// The statement keywords, for messages and suggestions.
pub const KEYWORDS: &[&str] = &["set", "redirect", "rewrite", "respond", "prefix-strip", "header", "request-header"];

/// Parses a whole file.
pub fn parse(text: &str, diagnostics: &mut Vec<Diagnostic>) -> File {
    let lines = lexer::lex(text, diagnostics);
    let mut parser = Parser { lines: &lines, next: 0, diagnostics };
    let mut statements = Vec::new();
    while let Some(line) = parser.bump() {
        if let Some(statement) = parser.statement(line) {
            statements.push(statement);
        }
    }
    File { statements }
}

struct Parser<'a, 'd> {
    lines: &'a [Line],
    next: usize,
    diagnostics: &'d mut Vec<Diagnostic>,
}

fn word(token: &Token) -> Word {
    Word { text: token.text.clone(), span: token.span, quoted: token.quoted, escaped: token.escaped.clone() }
}

impl<'a> Parser<'a, '_> {
    fn bump(&mut self) -> Option<&'a Line> {
        let line = self.lines.get(self.next)?;
        self.next += 1;
        Some(line)
    }

    fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn statement(&mut self, line: &'a Line) -> Option<Statement> {
        let keyword = &line.tokens[0];
        let args = &line.tokens[1..];
        let opens_block = args.last().is_some_and(|t| t.is_bare("{"));
        if keyword.quoted || !KEYWORDS.contains(&keyword.text.as_str()) {
            if keyword.is_bare("}") {
                self.error(
                    Diagnostic::new(Code::BadBlock, keyword.span, "`}` without an open block")
                        .with_label("nothing to close here"),
                );
            } else {
                let mut diagnostic = Diagnostic::new(
                    Code::UnknownStatement,
                    keyword.span,
                    format!("unknown statement `{}`", keyword.text),
                )
                .with_label("expected a statement keyword");
                diagnostic.help = Some(match suggest(&keyword.text, KEYWORDS) {
                    Some(k) => format!("did you mean `{k}`?"),
                    None => format!("statements start with one of: {}", KEYWORDS.join(", ")),
                });
                self.error(diagnostic);
            }
            if opens_block {
                self.skip_block();
            }
            return None;
        }
        if line.unterminated {
            // The lexer reported the string; what it swallowed is no statement to judge.
            return None;
        }
        let misplaced_block = opens_block && !keyword.text.ends_with("header");
        let without_brace;
        let line = if misplaced_block {
            // `redirect /a /b {`: the brace is reported once, as a block where none belongs,
            // and the statement is read without it.
            without_brace = Line { tokens: line.tokens[..line.tokens.len() - 1].to_vec(), ..line.clone() };
            &without_brace
        } else {
            line
        };
        let kind = match keyword.text.as_str() {
            "set" => self.set(line),
            "redirect" => self.redirect(line),
            "rewrite" => self.rewrite(line),
            "respond" => self.respond(line),
            "prefix-strip" => self.prefix_strip(line),
            "header" => self.header(line, HeaderSide::Response),
            "request-header" => self.header(line, HeaderSide::Request),
            _ => unreachable!("keyword list and match agree"),
        };
        if misplaced_block {
            let brace = args.last().expect("opens_block");
            self.error(
                Diagnostic::new(Code::BadBlock, brace.span, format!("`{}` does not take a block", keyword.text))
                    .with_label("only header and request-header take a block"),
            );
            self.skip_block();
        }
        Some(Statement { line: line.number, keyword: keyword.span, kind: kind? })
    }

    /// Skips to the line after the matching `}` (or to the end).
    fn skip_block(&mut self) {
        while let Some(line) = self.bump() {
            if line.tokens.len() == 1 && line.tokens[0].is_bare("}") {
                return;
            }
        }
    }

    /// Requires `count` arguments at least; reports the first missing one.
    fn require(&mut self, line: &Line, names: &[&str]) -> bool {
        let have = line.tokens.len() - 1;
        if have >= names.len() {
            return true;
        }
        let keyword = &line.tokens[0];
        let end = line.span().end as usize;
        self.error(
            Diagnostic::new(
                Code::MissingArgument,
                Span::new(end, end),
                format!("`{}` needs {}", keyword.text, names[have]),
            )
            .with_label(format!("expected {} here", names[have]))
            .with_help(format!("write: {} {}", keyword.text, names.join(" "))),
        );
        false
    }

    fn too_many(&mut self, extra: &[Token], usage: &str) {
        if let (Some(first), Some(last)) = (extra.first(), extra.last()) {
            self.error(
                Diagnostic::new(Code::UnexpectedArgument, first.span.to(last.span), "unexpected argument")
                    .with_label("not part of this statement")
                    .with_help(format!("the statement is: {usage}; quote a value that contains spaces")),
            );
        }
    }

    fn set(&mut self, line: &Line) -> Option<StatementKind> {
        if !self.require(line, &["NAME", "VALUE"]) {
            return None;
        }
        self.too_many(&line.tokens[3..], "set NAME VALUE");
        Some(StatementKind::Set { name: word(&line.tokens[1]), value: word(&line.tokens[2]) })
    }

    fn redirect(&mut self, line: &Line) -> Option<StatementKind> {
        if !self.require(line, &["FROM", "TO"]) {
            return None;
        }
        let mut rest = &line.tokens[3..];
        let mut status = None;
        if let Some(first) = rest.first().filter(|t| looks_numeric(t)) {
            status =
                self.status(first, &[301, 302, 303, 307, 308], "a redirect status is one of 301, 302, 303, 307, 308");
            rest = &rest[1..];
        }
        let options = self.options(rest, Allowed::Redirect);
        Some(StatementKind::Redirect { from: word(&line.tokens[1]), to: word(&line.tokens[2]), status, options })
    }

    fn rewrite(&mut self, line: &Line) -> Option<StatementKind> {
        if !self.require(line, &["FROM", "TO"]) {
            return None;
        }
        let options = self.options(&line.tokens[3..], Allowed::Match);
        Some(StatementKind::Rewrite { from: word(&line.tokens[1]), to: word(&line.tokens[2]), options })
    }

    fn respond(&mut self, line: &Line) -> Option<StatementKind> {
        if !self.require(line, &["FROM", "STATUS"]) {
            return None;
        }
        let status_token = &line.tokens[2];
        let status = if looks_numeric(status_token) {
            self.status(status_token, &[], "")?
        } else {
            self.error(
                Diagnostic::new(Code::BadStatus, status_token.span, "expected a status code")
                    .with_label("not a number")
                    .with_help("write: respond FROM STATUS [BODY], e.g. respond /old 410 \"gone\""),
            );
            return None;
        };
        let mut rest = &line.tokens[3..];
        let mut body = None;
        if let Some(first) = rest.first().filter(|t| t.quoted || !looks_like_option(&t.text)) {
            body = Some(word(first));
            rest = &rest[1..];
        }
        let options = self.options(rest, Allowed::Match);
        Some(StatementKind::Respond { from: word(&line.tokens[1]), status, body, options })
    }

    fn prefix_strip(&mut self, line: &Line) -> Option<StatementKind> {
        if !self.require(line, &["PREFIX"]) {
            return None;
        }
        let mut origin = None;
        if let Some(token) = line.tokens.get(2) {
            match token.text.strip_prefix("origin=") {
                Some(id) => {
                    origin = Some(Word {
                        text: id.to_string(),
                        span: token.span,
                        quoted: token.quoted,
                        escaped: Vec::new(),
                    });
                }
                _ => self.error(
                    Diagnostic::new(Code::UnknownOption, token.span, format!("unknown option `{}`", token.text))
                        .with_label("prefix-strip takes only origin=ORIGIN_ID")
                        .with_help("write: prefix-strip /api origin=api-origin"),
                ),
            }
        }
        self.too_many(line.tokens.get(3..).unwrap_or(&[]), "prefix-strip PREFIX [origin=ORIGIN_ID]");
        Some(StatementKind::PrefixStrip { prefix: word(&line.tokens[1]), origin })
    }

    fn header(&mut self, line: &Line, side: HeaderSide) -> Option<StatementKind> {
        let keyword = line.tokens[0].text.clone();
        let usage = format!("{keyword} PATTERN NAME VALUE, {keyword} PATTERN -NAME, or {keyword} PATTERN {{ ... }}");
        if !self.require(line, &["PATTERN", "NAME VALUE, -NAME or {"]) {
            return None;
        }
        let pattern = word(&line.tokens[1]);
        let args = &line.tokens[2..];
        if args[0].is_bare("{") {
            self.too_many(&args[1..], &usage);
            let lines = self.header_block(&args[0]);
            return Some(StatementKind::Header { side, pattern, lines });
        }
        if args.last().is_some_and(|t| t.is_bare("{")) {
            // `header /x name {` — a block opener after other arguments.
            self.too_many(&args[..args.len() - 1], &usage);
            let lines = self.header_block(&args[args.len() - 1]);
            return Some(StatementKind::Header { side, pattern, lines });
        }
        let header_line = self.header_line(args, &usage)?;
        Some(StatementKind::Header { side, pattern, lines: vec![header_line] })
    }

    /// Lines up to the closing `}`.
    fn header_block(&mut self, open: &Token) -> Vec<HeaderLine> {
        let mut lines = Vec::new();
        while let Some(line) = self.bump() {
            let first = &line.tokens[0];
            if first.is_bare("}") {
                self.too_many(&line.tokens[1..], "`}` on a line of its own");
                return lines;
            }
            if !first.quoted && KEYWORDS.contains(&first.text.as_str()) {
                // A statement where a header line should be: the block was left open. Report
                // that once, and read this line as the statement it is.
                self.next -= 1;
                break;
            }
            if line.unterminated {
                continue;
            }
            if first.is_bare("{") {
                self.error(
                    Diagnostic::new(Code::BadBlock, first.span, "blocks do not nest")
                        .with_label("a block inside a block"),
                );
                continue;
            }
            if let Some(header_line) = self.header_line(&line.tokens, "NAME VALUE or -NAME inside a block") {
                lines.push(header_line);
            }
        }
        self.error(
            Diagnostic::new(Code::BadBlock, open.span, "unclosed block")
                .with_label("this block is never closed")
                .with_help("close it with `}` on a line of its own"),
        );
        lines
    }

    fn header_line(&mut self, tokens: &[Token], usage: &str) -> Option<HeaderLine> {
        let name = &tokens[0];
        if let Some(stripped) = name.text.strip_prefix('-').filter(|_| !name.quoted) {
            self.too_many(&tokens[1..], usage);
            let name = Word {
                text: stripped.to_string(),
                span: Span::new(name.span.start as usize + 1, name.span.end as usize),
                quoted: false,
                escaped: Vec::new(),
            };
            return Some(HeaderLine { name, value: None });
        }
        let Some(value) = tokens.get(1) else {
            let end = name.span.end as usize;
            self.error(
                Diagnostic::new(
                    Code::MissingArgument,
                    Span::new(end, end),
                    format!("header `{}` has no value", name.text),
                )
                .with_label("expected a value here")
                .with_help(format!("write `{0} VALUE` to set it, or `-{0}` to remove it", name.text)),
            );
            return None;
        };
        self.too_many(&tokens[2..], usage);
        Some(HeaderLine { name: word(name), value: Some(word(value)) })
    }

    fn status(&mut self, token: &Token, allowed: &[u16], allowed_text: &str) -> Option<Status> {
        let code = token.text.parse::<u16>().ok().filter(|c| (100..=999).contains(c));
        let ok = code.is_some_and(|c| {
            if allowed.is_empty() {
                (200..=599).contains(&c) && ![301, 302, 303, 307, 308].contains(&c)
            } else {
                allowed.contains(&c)
            }
        });
        if !ok {
            let help = if allowed.is_empty() {
                "a respond status is any of 200-599 except the redirect codes 301, 302, 303, 307, 308 (use redirect for those)"
            } else {
                allowed_text
            };
            self.error(
                Diagnostic::new(Code::BadStatus, token.span, format!("bad status `{}`", token.text))
                    .with_label("status not allowed here")
                    .with_help(help),
            );
            return None;
        }
        Some(Status { code: code.expect("checked"), span: token.span })
    }

    fn options(&mut self, tokens: &[Token], allowed: Allowed) -> Vec<MatchOption> {
        let mut options = Vec::new();
        for token in tokens {
            if let Some(c) = token.text.chars().find(|c| c.is_control()) {
                self.error(
                    Diagnostic::new(
                        Code::ControlCharacter,
                        token.span,
                        format!("control character U+{:04X} in an option", c as u32),
                    )
                    .with_label("not allowed here")
                    .with_help("percent-encode it"),
                );
                continue;
            }
            match parse_option(&token.text) {
                Ok(OptionKind::Query(_)) if allowed != Allowed::Redirect => self.error(
                    Diagnostic::new(Code::UnknownOption, token.span, "`query=` is an option of redirect only")
                        .with_label("not allowed on this statement")
                        .with_help("rewrites always keep the request's query string"),
                ),
                Ok(kind) => options.push(MatchOption { kind, span: token.span }),
                Err(OptionError::Unknown) => {
                    let mut diagnostic =
                        Diagnostic::new(Code::UnknownOption, token.span, format!("unknown option `{}`", token.text))
                            .with_label("not an option");
                    diagnostic.help = Some(if looks_numeric(token) {
                        "a status goes right after the target".to_string()
                    } else {
                        "options are query=keep|drop, country=US,CA, language=de,fr, cookie=NAME[=VALUE], ?KEY[=VALUE]; quote values with spaces".to_string()
                    });
                    self.error(diagnostic);
                }
                Err(OptionError::Invalid(message, help)) => self.error(
                    Diagnostic::new(Code::InvalidOptionValue, token.span, message)
                        .with_label("malformed option")
                        .with_help(help),
                ),
            }
        }
        options
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Allowed {
    Redirect,
    Match,
}

enum OptionError {
    Unknown,
    Invalid(String, String),
}

fn looks_numeric(token: &Token) -> bool {
    !token.quoted && !token.text.is_empty() && token.text.bytes().all(|b| b.is_ascii_digit())
}

/// Whether an unquoted word would be read as an option.
fn looks_like_option(text: &str) -> bool {
    text.starts_with('?') || ["query=", "country=", "language=", "cookie="].iter().any(|p| text.starts_with(p))
}

fn parse_option(text: &str) -> Result<OptionKind, OptionError> {
    let invalid = |m: &str, h: &str| Err(OptionError::Invalid(m.to_string(), h.to_string()));
    if let Some(param) = text.strip_prefix('?') {
        let (key, value) = split_value(param);
        if key.is_empty() {
            return invalid("empty query parameter name", "write ?KEY or ?KEY=VALUE");
        }
        return Ok(OptionKind::QueryParam { key: key.to_string(), value: value.map(str::to_string) });
    }
    let Some((name, value)) = text.split_once('=') else {
        return Err(OptionError::Unknown);
    };
    match name {
        "query" => match value {
            "keep" => Ok(OptionKind::Query(true)),
            "drop" => Ok(OptionKind::Query(false)),
            _ => invalid(&format!("`query={value}` is neither keep nor drop"), "write query=keep or query=drop"),
        },
        "country" => {
            let codes: Vec<String> = value.split(',').map(|c| c.to_ascii_uppercase()).collect();
            if codes.iter().any(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic())) {
                return invalid(
                    "country codes are two letters",
                    "write ISO 3166-1 alpha-2 codes separated by commas, no spaces: country=US,CA",
                );
            }
            Ok(OptionKind::Country(codes))
        }
        "language" => {
            let tags: Vec<String> = value.split(',').map(|c| c.to_ascii_lowercase()).collect();
            if tags.iter().any(|t| t.is_empty() || t.len() > 8 || !t.bytes().all(|b| b.is_ascii_alphabetic())) {
                return invalid(
                    "language conditions are primary language tags",
                    "the first accept-language entry's primary tag is compared: write language=de,fr, not de-AT",
                );
            }
            Ok(OptionKind::Language(tags))
        }
        "cookie" => {
            let (name, value) = split_value(value);
            if name.is_empty() || name.contains([';', ',']) {
                return invalid("malformed cookie name", "write cookie=NAME or cookie=NAME=VALUE");
            }
            Ok(OptionKind::Cookie { name: name.to_string(), value: value.map(str::to_string) })
        }
        _ => Err(OptionError::Unknown),
    }
}

fn split_value(text: &str) -> (&str, Option<&str>) {
    match text.split_once('=') {
        Some((key, value)) => (key, Some(value)),
        None => (text, None),
    }
}

/// The closest candidate within an edit distance of 2, for "did you mean" help.
pub fn suggest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    candidates.iter().map(|c| (edit_distance(word, c), *c)).filter(|&(d, _)| d <= 2).min().map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != cb)).min(row[j] + 1).min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}
