//! Splits a rules file into lines of tokens: comments, quoting and escapes live here.
//!
//! The lexer never fails: a malformed token becomes a diagnostic and the lexer carries on
//! with the rest of the line, so that one pass reports every problem.

use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;

/// One token: its text with quotes removed and escapes resolved, and where it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// The text after unquoting.
    pub text: String,
    /// The span of the token as written, quotes included.
    pub span: Span,
    /// Whether it was written as a quoted string.
    pub quoted: bool,
    /// Byte offsets in `text` of the `:` and `*` that a quoted string wrote as `\\:` and `\\*`
    /// (literal in patterns and targets). Unquoted words keep their backslashes in `text`; the
    /// pattern parser reads those escapes itself.
    pub escaped: Vec<usize>,
}

impl Token {
    /// Whether this is the unquoted word `word`.
    pub fn is_bare(&self, word: &str) -> bool {
        !self.quoted && self.text == word
    }
}

/// A non-empty line of tokens.
#[derive(Clone, Debug)]
pub struct Line {
    /// 1-based line number.
    pub number: u32,
    /// The tokens, in order; never empty.
    pub tokens: Vec<Token>,
    /// A string on this line has no closing quote: its last token swallowed the rest of the
    /// line, so the statement is not read (one diagnostic for the one mistake).
    pub unterminated: bool,
}

impl Line {
    /// The span from the first to the last token.
    pub fn span(&self) -> Span {
        self.tokens[0].span.to(self.tokens[self.tokens.len() - 1].span)
    }
}

/// Splits `text` into non-empty lines of tokens, adding lexical problems to `diagnostics`.
pub fn lex(text: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (index, raw) in text.split('\n').enumerate() {
        let line_start = start;
        start += raw.len() + 1;
        // A CR that ends a line is a CRLF line ending, not part of a value.
        let content = raw.strip_suffix('\r').unwrap_or(raw);
        let before = diagnostics.len();
        let tokens = lex_line(content, line_start, diagnostics);
        let unterminated = diagnostics[before..].iter().any(|d| d.code == Code::UnterminatedString);
        if !tokens.is_empty() {
            lines.push(Line { number: index as u32 + 1, tokens, unterminated });
        }
    }
    lines
}

fn lex_line(line: &str, base: usize, diagnostics: &mut Vec<Diagnostic>) -> Vec<Token> {
    let bytes = line.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b' ' || c == b'\t' {
            i += 1;
            continue;
        }
        if c == b'#' {
            break;
        }
        let (token, next) = if c == b'"' {
            lex_quoted(line, i, base, diagnostics)
        } else if line[i..].starts_with("~\"") {
            lex_quoted_regex(line, i, base, diagnostics)
        } else {
            lex_bare(line, i, base, diagnostics)
        };
        tokens.push(token);
        i = next;
    }
    tokens
}

fn is_control(c: char) -> bool {
    (c < ' ' && c != '\t') || c == '\u{7f}'
}

fn control_diagnostic(c: char, span: Span) -> Diagnostic {
    Diagnostic::new(Code::ControlCharacter, span, format!("control character U+{:04X} in a value", c as u32))
        .with_label("not allowed here")
        .with_help("control characters (CR, LF, NUL, ...) can never appear in rules: they would allow header injection")
}

/// An unquoted token runs to the next space, tab or end of line.
fn lex_bare(line: &str, from: usize, base: usize, diagnostics: &mut Vec<Diagnostic>) -> (Token, usize) {
    let mut text = String::new();
    let mut end = line.len();
    for (offset, c) in line[from..].char_indices() {
        let at = from + offset;
        if c == ' ' || c == '\t' {
            end = at;
            break;
        }
        let span = Span::new(base + at, base + at + c.len_utf8());
        if c == '"' {
            diagnostics.push(
                Diagnostic::new(Code::MalformedToken, span, "unexpected quote inside a word")
                    .with_label("quote in the middle of a word")
                    .with_help("quote the whole token: \"...\", writing a quote inside it as \\\""),
            );
            continue;
        }
        if is_control(c) {
            diagnostics.push(control_diagnostic(c, span));
            continue;
        }
        text.push(c);
    }
    let token = Token { text, span: Span::new(base + from, base + end), quoted: false, escaped: Vec::new() };
    (token, end)
}

/// A quoted regular expression `~"..."`: kept as written, quotes and `\"` included, so that its
/// backslashes stay its own and spans map byte for byte; the pattern parser unquotes it.
fn lex_quoted_regex(line: &str, from: usize, base: usize, diagnostics: &mut Vec<Diagnostic>) -> (Token, usize) {
    let bytes = line.as_bytes();
    let mut i = from + 2;
    let mut end = None;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if bytes.get(i + 1) == Some(&b'"') => i += 2,
            b'"' => {
                end = Some(i + 1);
                break;
            }
            _ => i += 1,
        }
    }
    let Some(end) = end else {
        let span = Span::new(base + from, base + line.len());
        diagnostics.push(
            Diagnostic::new(Code::UnterminatedString, span, "unterminated string")
                .with_label("this regular expression has no closing quote")
                .with_help("close it with \" on the same line; write a quote inside it as \\\""),
        );
        return (Token { text: line[from..].to_string(), span, quoted: false, escaped: Vec::new() }, line.len());
    };
    let text = &line[from..end];
    if let Some((at, c)) = text.char_indices().find(|&(_, c)| is_control(c)) {
        diagnostics.push(control_diagnostic(c, Span::new(base + from + at, base + from + at + c.len_utf8())));
    }
    let rest = &line[end..];
    let glued = rest.find([' ', '\t']).unwrap_or(rest.len());
    if glued > 0 {
        diagnostics.push(
            Diagnostic::new(
                Code::MalformedToken,
                Span::new(base + end, base + end + glued),
                "text after a closing quote",
            )
            .with_label("separate this from the regular expression with a space")
            .with_help("put everything inside the quotes if it belongs to the same value"),
        );
    }
    let token =
        Token { text: text.to_string(), span: Span::new(base + from, base + end), quoted: false, escaped: Vec::new() };
    (token, end + glued)
}

/// A quoted token: `"..."` with the escapes `\"`, `\\`, `\t`, `\u{HEX}`, and `\:` and `\*`
/// (a literal `:` or `*` in a pattern or target, recorded in [`Token::escaped`]).
fn lex_quoted(line: &str, from: usize, base: usize, diagnostics: &mut Vec<Diagnostic>) -> (Token, usize) {
    let mut text = String::new();
    let mut escaped = Vec::new();
    let mut chars = line[from + 1..].char_indices().map(|(o, c)| (from + 1 + o, c)).peekable();
    let mut end = None;
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => {
                end = Some(at + 1);
                break;
            }
            '\\' => {
                let escape_start = at;
                match chars.next() {
                    Some((_, '"')) => text.push('"'),
                    Some((_, '\\')) => text.push('\\'),
                    Some((_, 't')) => text.push('\t'),
                    Some((_, c @ (':' | '*'))) => {
                        escaped.push(text.len());
                        text.push(c);
                    }
                    Some((_, 'u')) => {
                        let (value, close) = lex_unicode_escape(&mut chars);
                        let span = Span::new(base + escape_start, base + close);
                        match value {
                            // Escaped control characters are allowed by the lexer; each kind of
                            // value decides (bodies may hold line feeds, header values may not).
                            Some(c) => text.push(c),
                            None => diagnostics.push(
                                Diagnostic::new(Code::InvalidEscape, span, "malformed unicode escape")
                                    .with_label("expected \\u{HEX} with 1 to 6 hex digits naming a character")
                                    .with_help("write a character as \\u{e9}, for example"),
                            ),
                        }
                    }
                    Some((next_at, other)) => diagnostics.push(
                        Diagnostic::new(
                            Code::InvalidEscape,
                            Span::new(base + escape_start, base + next_at + other.len_utf8()),
                            format!("unknown escape `\\{other}`"),
                        )
                        .with_label("unknown escape")
                        .with_help("the escapes are \\\", \\\\, \\t, \\u{HEX}, \\: and \\*; write a backslash as \\\\"),
                    ),
                    None => {}
                }
            }
            c if is_control(c) => {
                diagnostics.push(control_diagnostic(c, Span::new(base + at, base + at + c.len_utf8())));
            }
            c => text.push(c),
        }
    }
    let Some(end) = end else {
        let span = Span::new(base + from, base + line.len());
        diagnostics.push(
            Diagnostic::new(Code::UnterminatedString, span, "unterminated string")
                .with_label("this string has no closing quote")
                .with_help("close it with \" on the same line; a string cannot span lines"),
        );
        return (Token { text, span, quoted: true, escaped }, line.len());
    };
    // A closing quote must end the token.
    let rest = &line[end..];
    let glued = rest.find([' ', '\t']).unwrap_or(rest.len());
    if glued > 0 {
        diagnostics.push(
            Diagnostic::new(
                Code::MalformedToken,
                Span::new(base + end, base + end + glued),
                "text after a closing quote",
            )
            .with_label("separate this from the string with a space")
            .with_help("put everything inside the quotes if it belongs to the same value"),
        );
    }
    let span = Span::new(base + from, base + end);
    (Token { text, span, quoted: true, escaped }, end + glued)
}

/// Reads `{HEX}` after `\u`; returns the character (if valid) and the offset after the escape.
fn lex_unicode_escape(chars: &mut std::iter::Peekable<impl Iterator<Item = (usize, char)>>) -> (Option<char>, usize) {
    let mut end = chars.peek().map_or(0, |&(at, _)| at);
    if chars.peek().map(|&(_, c)| c) != Some('{') {
        return (None, end);
    }
    let (open_at, _) = chars.next().expect("peeked");
    end = open_at + 1;
    let mut hex = String::new();
    while let Some(&(at, c)) = chars.peek() {
        if c == '"' {
            break;
        }
        chars.next();
        end = at + c.len_utf8();
        if c == '}' {
            let value = (1..=6)
                .contains(&hex.len())
                .then(|| u32::from_str_radix(&hex, 16).ok())
                .flatten()
                .and_then(char::from_u32);
            return (value, end);
        }
        hex.push(c);
    }
    (None, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> (Vec<Vec<(String, bool)>>, Vec<Code>) {
        let mut diagnostics = Vec::new();
        let lines = lex(text, &mut diagnostics);
        let lines = lines.into_iter().map(|l| l.tokens.into_iter().map(|t| (t.text, t.quoted)).collect()).collect();
        (lines, diagnostics.into_iter().map(|d| d.code).collect())
    }

    #[test]
    fn words_comments_and_quotes() {
        let (lines, codes) =
            check("redirect /a /b # trailing\n# whole line\n\n  header /* x \"a \\\"b\\\" \\u{e9}\\t\"\r\n/a#b");
        assert!(codes.is_empty(), "{codes:?}");
        assert_eq!(lines[0], vec![("redirect".into(), false), ("/a".into(), false), ("/b".into(), false)]);
        assert_eq!(lines[1][3], ("a \"b\" é\t".into(), true));
        assert_eq!(lines[2], vec![("/a#b".into(), false)]);
    }

    #[test]
    fn malformed_tokens() {
        assert_eq!(check("a \"open").1, vec![Code::UnterminatedString]);
        assert_eq!(check("a \"x\\q\"").1, vec![Code::InvalidEscape]);
        assert_eq!(check("a \"\\u{110000}\"").1, vec![Code::InvalidEscape]);
        assert_eq!(check("a \"\\u{d}\"").1, vec![]);
        assert_eq!(check("a b\u{0}c").1, vec![Code::ControlCharacter]);
        assert_eq!(check("a \"x\"y").1, vec![Code::MalformedToken]);
        assert_eq!(check("a x\"y").1, vec![Code::MalformedToken]);
        assert_eq!(check("a \"\\u{41\"").1, vec![Code::InvalidEscape]);
    }
}
