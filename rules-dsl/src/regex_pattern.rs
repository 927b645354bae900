//! `~REGEX` patterns: parsed with `regex-syntax`, checked against the subset that means the same
//! in JavaScript (where the functions run them) and in the `regex` crate (the reference matcher),
//! and cannot backtrack badly on a long path.
//!
//! What is accepted: literals (ASCII; the path is matched in canonical form, so other characters
//! are written percent-encoded), `.`, `\d \w \s` and their negations, bracketed classes of
//! literals, ranges and those escapes, groups (capturing, `(?:…)`, `(?<name>…)`), alternation,
//! `^` and `$`, and the quantifiers `? * + {m} {m,} {m,n}` with their lazy forms.
//!
//! Rejected, each with its own code: what is not a regular expression at all (E031),
//! backreferences (E032), lookaround (E033), flags (E034), shapes that backtrack exponentially
//! (E035: a repeated group whose body can itself repeat without bound, or whose alternatives can
//! start with the same character), syntax that differs between engines (E036), and repetitions
//! whose backtracking multiplies past a budget on a 4 KB path (E037: `/(.*)-(.*)\.html` costs njs
//! about 0.1 s on a 4 KB near miss, one `.*` costs 0.5 ms; `(?:/.*)?/x-[^/]*`, whose `[^/]*`
//! starts after a `/`, costs 0.1 ms on a 4 KB near miss).

use regex_automata::{meta, util::syntax};
use regex_syntax::ast::{
    self, AssertionKind, Ast, ClassPerlKind, ClassSet, ClassSetItem, GroupKind, LiteralKind, RepetitionKind,
    RepetitionRange, SpecialLiteralKind,
};

use crate::ast::Word;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Case, PathRegex};
use crate::source::Span;

/// The path length the cost model assumes for an unbounded repetition (4 KB).
const PATH_LENGTH: u32 = 4096;

/// The most combinations of backtracking repetitions an expression may try: about a tenth of a
/// millisecond of PCRE work per 4 KB, so that a near miss stays within the compute budget.
const MAX_TRIES: f64 = 40_000.0;

/// The longest counted repetition accepted (`{m,n}` beyond it is rejected).
const MAX_COUNT: u32 = 1000;

/// The expression of a `~REGEX` word and where each of its bytes was written.
struct Source {
    text: String,
    /// Offset in the word of byte `i` of `text`.
    offsets: Vec<usize>,
}

fn source(word: &Word) -> Source {
    let raw = &word.text[1..];
    let (body, base) = match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(body) => (body, 2),
        None => (raw, 1),
    };
    let mut text = String::with_capacity(body.len());
    let mut offsets = Vec::with_capacity(body.len() + 1);
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Inside quotes, `\"` is a quote; every other backslash belongs to the expression.
        if base == 2 && bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'"') {
            i += 1;
        }
        let c = body[i..].chars().next().expect("in bounds");
        for k in 0..c.len_utf8() {
            offsets.push(base + i + k);
        }
        text.push(c);
        i += c.len_utf8();
    }
    offsets.push(base + body.len());
    Source { text, offsets }
}

impl Source {
    fn span(&self, word: &Word, span: &ast::Span) -> Span {
        let start = self.offsets[span.start.offset.min(self.text.len())];
        let end = self.offsets[span.end.offset.min(self.text.len())].max(start + 1);
        if word.quoted {
            word.span
        } else {
            Span::new(word.span.start as usize + start, word.span.start as usize + end)
        }
    }
}

/// Parses and checks a `~REGEX` word (its text starts with `~`), and compiles it for the site's
/// case setting.
pub fn parse(word: &Word, case: Case) -> Result<PathRegex, Diagnostic> {
    let source = source(word);
    let error = |code: Code, span: &ast::Span, message: String, help: &str| {
        Diagnostic::new(code, source.span(word, span), message).with_label("here").with_help(help.to_string())
    };
    if source.text.is_empty() {
        return Err(Diagnostic::new(Code::RegexSyntax, word.span, "empty regular expression")
            .with_label("nothing after ~")
            .with_help("write the expression right after ~, e.g. ~/old-(\\d+)\\.html"));
    }
    let parsed = ast::parse::ParserBuilder::new().nest_limit(64).build().parse(&source.text);
    let tree = match parsed {
        Ok(tree) => tree,
        Err(e) => {
            let (code, help) = match e.kind() {
                ast::ErrorKind::UnsupportedBackreference => (
                    Code::RegexBackreference,
                    "backreferences are not accepted: they make matching backtrack; capture the part and compare it in another rule",
                ),
                ast::ErrorKind::UnsupportedLookAround => (
                    Code::RegexLookaround,
                    "lookahead and lookbehind are not accepted; write a rule for the excluded paths first, then the general one",
                ),
                _ => (Code::RegexSyntax, "see the regular-expression patterns in docs/rules-language.md"),
            };
            return Err(error(code, e.span(), format!("invalid regular expression: {}", e.kind()), help));
        }
    };
    let mut check = Check {
        source: &source,
        word,
        tries: 1.0,
        choices: 0,
        too_costly: None,
        groups: Vec::new(),
        guarded: Vec::new(),
        after_literal: Vec::new(),
    };
    if let Some(span) = trailing_any(&tree) {
        check.guarded.push(span);
    }
    check.walk(&tree, false)?;
    if let Some(span) = check.too_costly {
        return Err(Diagnostic::new(
            Code::RegexTooComplex,
            source.span(word, &span),
            "this repetition makes a near miss on a long path too costly",
        )
        .with_label("one repetition too many")
        .with_help(format!(
            "the repetitions that backtrack multiply: an expression may try at most {MAX_TRIES} combinations, counting `*`, `+` and `{{m,}}` as {PATH_LENGTH} and `{{m,n}}` as n (a repetition of a class that a literal outside it ends, as in [^/]+/, and a .* that ends the expression count as 1; one that such a literal starts, as in /[^/]*, after at most one other, brings the count to {PATH_LENGTH}); write [^/]+/ or split the rule"
        )));
    }
    let compiled = compile(&source.text, case).map_err(|e| {
        Diagnostic::new(Code::RegexTooComplex, word.span, "regular expression too large")
            .with_label("here")
            .with_help(e)
    })?;
    let structure = structure(&tree, check.groups.len());
    Ok(PathRegex { source: source.text.clone(), groups: check.groups, structure, case, compiled })
}

/// Compiles a checked expression for the reference matcher: `^(?:SOURCE)$` over bytes, without
/// Unicode. The path is matched in canonical ASCII form, so `[^/]` is one byte range rather than an
/// automaton over every UTF-8 sequence, and `\d`, `\w` and case folding are ASCII, as in
/// JavaScript without the `u` flag. Only the forward NFA is built (no DFA, no one-pass engine):
/// an analysis compiles every pattern of the site, and most are matched a few times, if at all.
/// The error is the regex engine's message (an expression over its size limit).
pub fn compile(source: &str, case: Case) -> Result<meta::Regex, String> {
    meta::Regex::builder()
        .configure(meta::Config::new().hybrid(false).dfa(false).onepass(false).utf8_empty(false))
        .syntax(syntax::Config::new().unicode(false).utf8(false).case_insensitive(case == Case::Insensitive))
        .build(&format!("^(?:{source})$"))
        .map_err(|e| e.to_string())
}

struct Check<'a> {
    source: &'a Source,
    word: &'a Word,
    /// The product of the counts of the repetitions that backtrack, so far.
    tries: f64,
    /// How many repetitions have multiplied `tries` so far.
    choices: u32,
    /// The repetition that took `tries` over [`MAX_TRIES`].
    too_costly: Option<ast::Span>,
    /// Group names in order; `""` for numbered groups.
    groups: Vec<String>,
    /// Repetitions (by operator span) of one character class followed by a literal outside it
    /// (where they stop is decided by one character), and a `.*` that ends the expression: they
    /// do not multiply work.
    guarded: Vec<ast::Span>,
    /// Repetitions of one character class that start right after a literal outside it (see
    /// [`Check::starts_after_literal`]).
    after_literal: Vec<ast::Span>,
}

/// What a sub-expression can do, for the backtracking checks.
#[derive(Default, Clone, Copy)]
struct Shape {
    /// It holds a repetition without (practical) bound.
    unbounded: bool,
}

impl Check<'_> {
    fn fail(&self, code: Code, span: &ast::Span, message: &str, help: &str) -> Diagnostic {
        Diagnostic::new(code, self.source.span(self.word, span), message.to_string())
            .with_label("here")
            .with_help(help.to_string())
    }

    fn not_portable(&self, span: &ast::Span, what: &str, help: &str) -> Diagnostic {
        self.fail(
            Code::RegexNotPortable,
            span,
            &format!("{what} means something else in JavaScript, where the functions run"),
            help,
        )
    }

    fn walk(&mut self, node: &Ast, repeated: bool) -> Result<Shape, Diagnostic> {
        match node {
            Ast::Empty(_) | Ast::Dot(_) => Ok(Shape::default()),
            Ast::Flags(flags) => Err(self.fail(
                Code::RegexFlags,
                &flags.span,
                "flags inside a regular expression are not accepted",
                "letter case follows `set case`; other flags change meaning between engines",
            )),
            Ast::Literal(literal) => self.literal(literal).map(|()| Shape::default()),
            Ast::Assertion(assertion) => match assertion.kind {
                AssertionKind::StartLine | AssertionKind::EndLine => Ok(Shape::default()),
                _ => Err(self.not_portable(
                    &assertion.span,
                    "this assertion",
                    "only ^ and $ are accepted (and the expression always matches the whole path)",
                )),
            },
            Ast::ClassUnicode(class) => Err(self.not_portable(
                &class.span,
                "a Unicode class",
                "the path is matched in canonical ASCII form; use [A-Za-z] or percent-encoded text",
            )),
            Ast::ClassPerl(class) => match class.kind {
                ClassPerlKind::Digit | ClassPerlKind::Space | ClassPerlKind::Word => Ok(Shape::default()),
            },
            Ast::ClassBracketed(class) => {
                let text = &self.source.text[class.span.start.offset..class.span.end.offset];
                if text.starts_with("[]") || text.starts_with("[^]") {
                    return Err(self.not_portable(&class.span, "a `]` first in a class", "escape it: [\\]...]"));
                }
                self.class_set(&class.kind).map(|()| Shape::default())
            }
            Ast::Repetition(repetition) => self.repetition(repetition, repeated),
            Ast::Group(group) => {
                match &group.kind {
                    GroupKind::CaptureIndex(_) => self.groups.push(String::new()),
                    GroupKind::CaptureName { starts_with_p: false, name } => self.groups.push(name.name.clone()),
                    GroupKind::CaptureName { starts_with_p: true, .. } => {
                        return Err(self.not_portable(&group.span, "(?P<name>…)", "write a named group as (?<name>…)"));
                    }
                    GroupKind::NonCapturing(flags) if !flags.items.is_empty() => {
                        return Err(self.fail(
                            Code::RegexFlags,
                            &flags.span,
                            "flags inside a regular expression are not accepted",
                            "letter case follows `set case`; write (?:…) for a group that does not capture",
                        ));
                    }
                    GroupKind::NonCapturing(_) => {}
                }
                self.walk(&group.ast, repeated)
            }
            Ast::Alternation(alternation) => {
                if repeated {
                    self.distinct_starts(alternation)?;
                }
                let mut shape = Shape::default();
                for branch in &alternation.asts {
                    shape.unbounded |= self.walk(branch, repeated)?.unbounded;
                }
                Ok(shape)
            }
            Ast::Concat(concat) => {
                for pair in concat.asts.windows(2) {
                    if let Some(span) = self.stops_at_next(&pair[0], &pair[1]) {
                        self.guarded.push(span);
                    }
                }
                for (i, item) in concat.asts.iter().enumerate() {
                    if let Some(span) = self.starts_after_literal(&concat.asts[..i], item) {
                        self.after_literal.push(span);
                    }
                }
                let mut shape = Shape::default();
                for item in &concat.asts {
                    shape.unbounded |= self.walk(item, repeated)?.unbounded;
                }
                Ok(shape)
            }
        }
    }

    fn literal(&self, literal: &ast::Literal) -> Result<(), Diagnostic> {
        if !literal.c.is_ascii() {
            return Err(self.not_portable(
                &literal.span,
                "a non-ASCII character",
                "paths are matched in canonical form, where it is percent-encoded: write é as %C3%A9",
            ));
        }
        match &literal.kind {
            LiteralKind::Verbatim | LiteralKind::Meta | LiteralKind::Superfluous => Ok(()),
            LiteralKind::Special(
                SpecialLiteralKind::Tab
                | SpecialLiteralKind::LineFeed
                | SpecialLiteralKind::CarriageReturn
                | SpecialLiteralKind::FormFeed
                | SpecialLiteralKind::VerticalTab,
            ) => Ok(()),
            LiteralKind::HexFixed(ast::HexLiteralKind::X) => Ok(()),
            _ => Err(self.not_portable(
                &literal.span,
                "this escape",
                "write the character itself, escaped with \\ if it is punctuation, or as \\xHH",
            )),
        }
    }

    fn class_set(&self, set: &ClassSet) -> Result<(), Diagnostic> {
        match set {
            ClassSet::BinaryOp(op) => {
                Err(self.not_portable(&op.span, "a class operation (&&, --, ~~)", "list the characters of the class"))
            }
            ClassSet::Item(item) => self.class_item(item),
        }
    }

    fn class_item(&self, item: &ClassSetItem) -> Result<(), Diagnostic> {
        match item {
            ClassSetItem::Empty(_) | ClassSetItem::Perl(_) => Ok(()),
            ClassSetItem::Literal(literal) => self.literal(literal),
            ClassSetItem::Range(range) => self.literal(&range.start).and_then(|()| self.literal(&range.end)),
            ClassSetItem::Ascii(class) => {
                Err(self.not_portable(&class.span, "a POSIX class", "write the range, e.g. [a-z] for [[:lower:]]"))
            }
            ClassSetItem::Unicode(class) => Err(self.not_portable(
                &class.span,
                "a Unicode class",
                "the path is matched in canonical ASCII form; use [A-Za-z] or percent-encoded text",
            )),
            ClassSetItem::Bracketed(class) => {
                Err(self.not_portable(&class.span, "a class inside a class", "escape the inner [ as \\["))
            }
            ClassSetItem::Union(union) => union.items.iter().try_for_each(|item| self.class_item(item)),
        }
    }

    fn repetition(&mut self, repetition: &ast::Repetition, repeated: bool) -> Result<Shape, Diagnostic> {
        let max = match &repetition.op.kind {
            RepetitionKind::ZeroOrOne => Some(1),
            RepetitionKind::ZeroOrMore | RepetitionKind::OneOrMore => None,
            RepetitionKind::Range(range) => {
                let text = &self.source.text[repetition.op.span.start.offset..repetition.op.span.end.offset];
                if text.starts_with("{,") {
                    return Err(self.not_portable(&repetition.op.span, "{,n}", "write {0,n}"));
                }
                let (min, max) = match *range {
                    RepetitionRange::Exactly(n) => (n, Some(n)),
                    RepetitionRange::AtLeast(n) => (n, None),
                    RepetitionRange::Bounded(m, n) => (m, Some(n)),
                };
                if min.max(max.unwrap_or(0)) > MAX_COUNT {
                    return Err(self.fail(
                        Code::RegexTooComplex,
                        &repetition.op.span,
                        "repetition count too large",
                        &format!("counts up to {MAX_COUNT} are accepted"),
                    ));
                }
                max
            }
        };
        let long = max.is_none();
        let repeats = max.is_none_or(|n| n > 1);
        if repeats && !self.guarded.contains(&repetition.op.span) {
            let factor = f64::from(max.unwrap_or(PATH_LENGTH));
            if self.choices <= 1 && self.after_literal.contains(&repetition.op.span) {
                // One way to reach each place before it, and one place it can start in each run
                // of its class: the choices before it and its own make at most a path's length.
                self.tries = self.tries.max(f64::from(PATH_LENGTH));
            } else {
                self.tries *= factor;
            }
            self.choices += 1;
            if self.tries > MAX_TRIES && self.too_costly.is_none() {
                self.too_costly = Some(repetition.op.span);
            }
        }
        let inner = self.walk(&repetition.ast, repeated || repeats)?;
        if repeats && inner.unbounded {
            return Err(self.fail(
                Code::RegexBacktracking,
                &repetition.span,
                "a repeated group whose body can itself repeat without bound",
                "shapes like (a+)+ or (.*)* take exponential time on a path that almost matches; write a+ or .*",
            ));
        }
        Ok(Shape { unbounded: inner.unbounded || long })
    }

    /// The repetition of one character or class that ends `item` (`last`) or starts it, through
    /// groups and sequences, with its character or class parsed.
    fn class_run<'t>(&self, item: &'t Ast, last: bool) -> Option<(&'t ast::Repetition, regex_syntax::hir::Hir)> {
        let mut node = item;
        loop {
            node = match node {
                Ast::Group(group) => &group.ast,
                Ast::Concat(concat) if last => concat.asts.last()?,
                Ast::Concat(concat) => concat.asts.first()?,
                _ => break,
            };
        }
        let Ast::Repetition(repetition) = node else { return None };
        let atom = match &*repetition.ast {
            atom @ (Ast::Literal(_) | Ast::ClassPerl(_) | Ast::ClassBracketed(_)) => atom,
            _ => return None,
        };
        let span = atom.span();
        let text = &self.source.text[span.start.offset..span.end.offset];
        Some((repetition, regex_syntax::Parser::new().parse(text).ok()?))
    }

    /// The operator span of the repetition that ends `item` when it repeats one character or class
    /// and `next` starts with a literal character that the class does not match.
    fn stops_at_next(&self, item: &Ast, next: &Ast) -> Option<ast::Span> {
        let (repetition, atom) = self.class_run(item, true)?;
        outside(&atom, first_literal(next)?).then_some(repetition.op.span)
    }

    /// The operator span of the repetition that starts `item` when it repeats one character or
    /// class and the literals right before it (the end of `before`) hold a character the class does
    /// not match, as the `/` of `/x-[^/]*`. Where such a repetition can start, that character's last
    /// copy in the literal is the one just before the run of its class the start is in; so there
    /// is one start per run, and its choices, over all the ways the expression reaches it, add up
    /// to one pass over the path (when each place is reached one way).
    fn starts_after_literal(&self, before: &[Ast], item: &Ast) -> Option<ast::Span> {
        let (repetition, atom) = self.class_run(item, false)?;
        let mut literals = before.iter().rev().map_while(|node| match node {
            Ast::Literal(literal) => Some(literal.c),
            _ => None,
        });
        literals.any(|c| outside(&atom, c)).then_some(repetition.op.span)
    }

    /// Under a repetition, the alternatives must start with distinct literal characters, so that
    /// each character of the path picks one (`(a|a)*` would try every combination).
    fn distinct_starts(&self, alternation: &ast::Alternation) -> Result<(), Diagnostic> {
        let mut seen: Vec<char> = Vec::new();
        for branch in &alternation.asts {
            let first = first_literal(branch).map(|c| c.to_ascii_lowercase());
            match first {
                Some(c) if !seen.contains(&c) => seen.push(c),
                _ => {
                    return Err(self.fail(
                        Code::RegexBacktracking,
                        &alternation.span,
                        "repeated alternatives that can start alike",
                        "under a repetition, each alternative must start with its own literal character (as in (foo|bar)*); write a class such as [ab]* for single characters",
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The operator span of a `.*` (or `.+`, lazy or not) that ends the whole expression (also inside
/// optional groups that end it, as in `/docs(?:/(.*))?`). It matches
/// the rest of the path in one pass and cannot fail there (a canonical path holds no line
/// break), so nothing backtracks into it: it does not multiply work.
fn trailing_any(tree: &Ast) -> Option<ast::Span> {
    let mut node = tree;
    loop {
        node = match node {
            Ast::Group(group) => &group.ast,
            Ast::Concat(concat) => concat.asts.last()?,
            // An optional group at the end: once the path enters it, it reaches the `.*`.
            Ast::Repetition(repetition) if repetition.op.kind == RepetitionKind::ZeroOrOne => &repetition.ast,
            Ast::Repetition(repetition)
                if matches!(*repetition.ast, Ast::Dot(_))
                    && matches!(repetition.op.kind, RepetitionKind::ZeroOrMore | RepetitionKind::OneOrMore) =>
            {
                return Some(repetition.op.span);
            }
            _ => return None,
        };
    }
}

/// Whether a character class (or character) matches `c` in neither case.
fn outside(atom: &regex_syntax::hir::Hir, c: char) -> bool {
    [c, c.to_ascii_lowercase(), c.to_ascii_uppercase()].iter().all(|&c| matches_char(atom, c) == Some(false))
}

/// The literal character a sub-expression must start with, when there is one.
fn first_literal(node: &Ast) -> Option<char> {
    match node {
        Ast::Literal(literal) => Some(literal.c),
        Ast::Concat(concat) => concat.asts.first().and_then(first_literal),
        Ast::Group(group) => first_literal(&group.ast),
        Ast::Repetition(repetition) => match repetition.op.kind {
            RepetitionKind::OneOrMore => first_literal(&repetition.ast),
            RepetitionKind::Range(
                RepetitionRange::Exactly(n) | RepetitionRange::AtLeast(n) | RepetitionRange::Bounded(n, _),
            ) if n > 0 => first_literal(&repetition.ast),
            _ => None,
        },
        _ => None,
    }
}

/// The expression as JavaScript source for `/^(?:…)$/`: named groups become numbered ones (the
/// functions read captures by number), and every `/` outside an escape is escaped.
pub fn javascript_source(regex: &PathRegex) -> String {
    let text = &regex.source;
    let mut named_opens: Vec<(usize, usize)> = Vec::new();
    if let Ok(tree) = ast::parse::Parser::new().parse(text) {
        let _ = ast::visit(&tree, NamedGroups(&mut named_opens));
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if let Some(&(_, len)) = named_opens.iter().find(|(start, _)| *start == at) {
            out.push('(');
            while chars.peek().is_some_and(|&(next, _)| next < at + len) {
                chars.next();
            }
            continue;
        }
        match c {
            '\\' => {
                out.push('\\');
                if let Some((_, next)) = chars.next() {
                    out.push(next);
                }
            }
            '/' => out.push_str("\\/"),
            c => out.push(c),
        }
    }
    out
}

/// What generated code needs to know of an expression's structure to write it short.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Structure {
    /// The top level is an alternation (`a|b`), so anchoring it needs a group: `^(?:a|b)$`.
    pub alternation: bool,
    /// For each capturing group, in order: whether every match sets it. A group under an
    /// alternative or a repetition that may run zero times can be left undefined (JavaScript
    /// also clears a repeated group's inner captures on each pass, and those sit under an
    /// alternative or an optional repetition whenever they can be missed).
    pub always_set: Vec<bool>,
}

/// The [`Structure`] of a checked expression's tree, which has `groups` capturing groups.
fn structure(tree: &Ast, groups: usize) -> Structure {
    let mut always_set = vec![false; groups];
    fn walk(node: &Ast, optional: bool, out: &mut [bool]) {
        match node {
            Ast::Group(group) => {
                if let Some(index) = group.capture_index()
                    && let Some(slot) = out.get_mut(index as usize - 1)
                {
                    *slot = !optional;
                }
                walk(&group.ast, optional, out);
            }
            Ast::Repetition(repetition) => {
                let may_skip = match &repetition.op.kind {
                    RepetitionKind::ZeroOrOne | RepetitionKind::ZeroOrMore => true,
                    RepetitionKind::OneOrMore => false,
                    RepetitionKind::Range(
                        RepetitionRange::Exactly(n) | RepetitionRange::AtLeast(n) | RepetitionRange::Bounded(n, _),
                    ) => *n == 0,
                };
                walk(&repetition.ast, optional || may_skip, out);
            }
            Ast::Alternation(alternation) => {
                for branch in &alternation.asts {
                    walk(branch, optional || alternation.asts.len() > 1, out);
                }
            }
            Ast::Concat(concat) => concat.asts.iter().for_each(|part| walk(part, optional, out)),
            _ => {}
        }
    }
    walk(tree, false, &mut always_set);
    Structure { alternation: matches!(tree, Ast::Alternation(_)), always_set }
}

/// Collects `(start, length)` of each `(?<name>` opening.
struct NamedGroups<'a>(&'a mut Vec<(usize, usize)>);

impl ast::Visitor for NamedGroups<'_> {
    type Output = ();
    type Err = ();

    fn finish(self) -> Result<(), ()> {
        Ok(())
    }

    fn visit_pre(&mut self, node: &Ast) -> Result<(), ()> {
        if let Ast::Group(group) = node
            && let GroupKind::CaptureName { name, .. } = &group.kind
        {
            let start = group.span.start.offset;
            self.0.push((start, name.span.end.offset + 1 - start));
        }
        Ok(())
    }
}

/// Whether a one-character expression (a literal or a class) matches `c`; `None` for any other
/// expression.
fn matches_char(hir: &regex_syntax::hir::Hir, c: char) -> Option<bool> {
    use regex_syntax::hir::{Class, HirKind};
    let mut buf = [0u8; 4];
    match hir.kind() {
        HirKind::Literal(literal) => Some(*literal.0 == *c.encode_utf8(&mut buf).as_bytes()),
        HirKind::Class(Class::Unicode(class)) => {
            Some(class.ranges().iter().any(|r| (r.start()..=r.end()).contains(&c)))
        }
        HirKind::Class(Class::Bytes(class)) => {
            Some(c.is_ascii() && class.ranges().iter().any(|r| (r.start()..=r.end()).contains(&(c as u8))))
        }
        _ => None,
    }
}

/// A path the expression matches, shortest choices first (for probes); `None` when the
/// construction does not produce one.
pub fn sample(regex: &PathRegex) -> Option<String> {
    let hir = regex_syntax::Parser::new().parse(&regex.source).ok()?;
    let mut out = String::new();
    build_sample(&hir, &mut out);
    regex.compiled.is_match(out.as_bytes()).then_some(out)
}

fn build_sample(hir: &regex_syntax::hir::Hir, out: &mut String) {
    use regex_syntax::hir::{Class, HirKind};
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(literal) => out.push_str(&String::from_utf8_lossy(&literal.0)),
        HirKind::Class(Class::Unicode(class)) => {
            let pick = class.ranges().iter().flat_map(|r| r.start()..=r.end()).find(|c| c.is_ascii_alphanumeric());
            if let Some(c) = pick.or_else(|| class.ranges().first().map(|r| r.start())) {
                out.push(c);
            }
        }
        HirKind::Class(Class::Bytes(class)) => {
            if let Some(range) = class.ranges().first() {
                out.push(range.start() as char);
            }
        }
        HirKind::Repetition(repetition) => {
            for _ in 0..repetition.min.max(u32::from(repetition.max.is_none_or(|m| m > 0) && repetition.min == 0)) {
                build_sample(&repetition.sub, out);
            }
        }
        HirKind::Capture(capture) => build_sample(&capture.sub, out),
        HirKind::Concat(items) => items.iter().for_each(|item| build_sample(item, out)),
        HirKind::Alternation(branches) => {
            if let Some(first) = branches.first() {
                build_sample(first, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str) -> Word {
        Word::bare(text, Span::new(0, text.len()))
    }

    fn parse_sensitive(word: &Word) -> Result<PathRegex, Diagnostic> {
        parse(word, Case::Sensitive)
    }

    fn code(text: &str) -> Option<Code> {
        parse_sensitive(&word(text)).err().map(|d| d.code)
    }

    #[test]
    fn accepted() {
        for text in [
            "~/old-(\\d{4})\\.html",
            "~/(?<lang>[a-z]{2})/(.*)",
            "~/a(?:b|c)+d",
            "~/x/[^/]+/y",
            "~/(foo|bar)*",
            "~^/a$",
            "~/a\\/b",
            "~/\\x41",
            "~/a.*?",
        ] {
            assert_eq!(code(text), None, "{text}");
        }
        let regex = parse_sensitive(&word("~/(?<lang>[a-z]{2})/(.*)")).unwrap();
        assert_eq!(regex.groups, ["lang", ""]);
        assert_eq!(javascript_source(&regex), "\\/([a-z]{2})\\/(.*)");
        assert_eq!(sample(&regex).as_deref(), Some("/aa/0"));
    }

    #[test]
    fn structure_says_which_groups_every_match_sets() {
        let of = |text: &str| parse_sensitive(&word(text)).unwrap().structure;
        let shape = of("~/(?<lang>en|de)/(a)?/(c){0,2}/(d){1,2}/(?:(e)|f)");
        assert!(!shape.alternation);
        assert_eq!(shape.always_set, [true, false, false, true, false]);
        assert_eq!(of("~/(b)*/x").always_set, [false]);
        assert_eq!(of("~/(g)+/x").always_set, [true]);
        // Inside a group that is always set, an alternative still makes its own groups optional.
        assert_eq!(of("~/((x)|y)+").always_set, [true, false]);
        let top = of("~/a/(x)|/b/(y)");
        assert!(top.alternation);
        assert_eq!(top.always_set, [false, false]);
    }

    #[test]
    fn rejected() {
        assert_eq!(code("~/(a"), Some(Code::RegexSyntax));
        assert_eq!(code("~"), Some(Code::RegexSyntax));
        assert_eq!(code("~/(a)\\1"), Some(Code::RegexBackreference));
        assert_eq!(code("~/(?=a)"), Some(Code::RegexLookaround));
        assert_eq!(code("~/(?i)a"), Some(Code::RegexFlags));
        assert_eq!(code("~/(?i:a)"), Some(Code::RegexFlags));
        assert_eq!(code("~/(a+)+"), Some(Code::RegexBacktracking));
        assert_eq!(code("~/(.*)*"), Some(Code::RegexBacktracking));
        assert_eq!(code("~/(a|a)*"), Some(Code::RegexBacktracking));
        assert_eq!(code("~/(?P<x>a)"), Some(Code::RegexNotPortable));
        assert_eq!(code("~/\\p{L}"), Some(Code::RegexNotPortable));
        assert_eq!(code("~/[[:alpha:]]"), Some(Code::RegexNotPortable));
        assert!(matches!(code("~/a{,3}"), Some(Code::RegexNotPortable | Code::RegexSyntax)));
        assert_eq!(code("~/café"), Some(Code::RegexNotPortable));
        assert_eq!(code("~/\\bx"), Some(Code::RegexNotPortable));
        assert_eq!(code("~/[a[b]]"), Some(Code::RegexNotPortable));
        assert_eq!(code("~/(.*)-(.*)\\.html"), Some(Code::RegexTooComplex));
        assert_eq!(code("~/([^/]+)/(.*)-x"), None);
        assert_eq!(code("~/([^-]+)/(.*)-x"), Some(Code::RegexTooComplex));
        assert_eq!(code("~/img/([a-z]+)-(\\d+)x(\\d+)\\.png"), None);
        assert_eq!(code("~/a{2000}"), Some(Code::RegexTooComplex));
        assert_eq!(code("~/(.{1,100})-(.*)z"), Some(Code::RegexTooComplex));
        assert_eq!(code("~/(\\d{1,3})(.*)"), None);
        // A class run that starts after a literal it cannot match (a `/` before `[^/]`) ends
        // before the next place it could start: runs do not pile up.
        assert_eq!(code("~(?:/.*)?/NgFor-[^/]*"), None);
        assert_eq!(code("~/api/(?<package>[^/]+?)/(?<api>[^/]+?)-(.*)"), None);
        assert_eq!(code("~/docs/(.*)/latest/api/(?<package>[^/]+?)/?"), None);
        assert_eq!(code("~/(.*)-[^/]*"), Some(Code::RegexTooComplex));
        assert_eq!(code("~/(.*)/x(.*)y"), Some(Code::RegexTooComplex));
        // Its start is bounded, not its end: a later repetition still multiplies its choices.
        assert_eq!(code("~/files/([^/]+?)\\.([^/]+?)"), Some(Code::RegexTooComplex));
        assert_eq!(code("~/[ab]{1,50}[ab]{1,50}[ab]{1,50}/x[^/]*"), Some(Code::RegexTooComplex));
        // A `.*` that ends the expression matches the rest in one pass.
        assert_eq!(code("~/docs/.*/api/(?<api>[^/]+?)-(.*)"), None);
        assert_eq!(code("~/(.*)-(.*)"), None);
        assert_eq!(code("~/docs/.*/latest(?:/(?<rest>.*))?"), None);
        assert_eq!(code("~/docs/.*/latest(?:/(?<rest>.*))?x"), Some(Code::RegexTooComplex));
    }

    #[test]
    fn spans_point_into_the_word() {
        let diagnostic = parse_sensitive(&word("~/ok/(a+)+")).unwrap_err();
        assert_eq!((diagnostic.span.start, diagnostic.span.end), (5, 10));
        let quoted = parse_sensitive(&word("~\"/a \\\"b\\\" (?=x)\"")).unwrap_err();
        assert_eq!(quoted.code, Code::RegexLookaround);
    }
}
