//! Apache httpd: `.htaccess` files and server configuration (`httpd.conf`, a virtual host's
//! file), read the way mod_alias, mod_rewrite and mod_headers apply them.
//!
//! Semantics kept:
//! - a file whose name ends in `.htaccess` is per-directory context at the site's root:
//!   `RewriteRule` patterns see the path without its leading `/`, and relative substitutions
//!   start at `RewriteBase` (`/` by default); any other file is server context;
//! - mod_rewrite runs before mod_alias in both contexts, so every `RewriteRule` is written
//!   before every `Redirect*` (reported as reordered where the file lists them otherwise);
//!   within each module the first match wins, in file order; rules of a `<VirtualHost>` carry
//!   its `ServerName` and `ServerAlias` hosts and come before the main server's;
//! - `Redirect [STATUS] URL-PATH URL` matches URL-PATH and every path below it (whole segments),
//!   appending the rest of the path to URL; `RedirectMatch` expressions are unanchored;
//!   `RedirectPermanent` and `RedirectTemp`; mod_alias appends the query string unless URL has
//!   one;
//! - `RewriteRule PATTERN SUBSTITUTION [FLAGS]` with `R[=CODE]`, `L`, `END`, `NC`, `QSA`, `QSD`,
//!   `NE`, `F`, `G`; a `RewriteEngine on` must come first; `RewriteCond` on `%{HTTP_HOST}`
//!   (a literal host; `[OR]` gives one rule per host) and `%{QUERY_STRING}` (`KEY=VALUE`,
//!   approximated by the `?KEY=VALUE` option);
//! - `Header [always] set|unset|append|merge|add NAME [VALUE]` as header rules.
//!
//! Reported: everything else a rule depends on (other conditions, `%N` and server variables
//! in substitutions, flags such as `P`, `C`, `N`, `S`), rules inside `<Directory>`,
//! `<Location>`, `<Files>` and `<If>` sections, `ErrorDocument` (a CloudFront distribution
//! setting), and expressions outside the language's regular-expression subset. Other
//! directives are listed once per name as notes. A section that does not close, or a closing
//! tag without its opening, is an input error.

use crate::finding::Kind;
use crate::model::{Action, HeaderBlock, HeaderOp, Loc, Role, Route, Translation};
use crate::pcre::{self, Part, Refs, Subject, Translated};
use crate::{Input, InputError, secrets, text};

/// One argument of a directive and the column it starts at.
#[derive(Clone, Debug)]
struct Arg {
    text: String,
}

/// One directive line (continuation lines joined).
#[derive(Clone, Debug)]
struct Directive {
    /// Lower case.
    name: String,
    args: Vec<Arg>,
    loc: Loc,
    /// The line as written, trimmed.
    source: String,
}

/// Splits a directive line into words as Apache does: whitespace separates words; a word that
/// starts with `"` or `'` runs to the matching quote, where a backslash escapes the quote.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else { break };
        let mut word = String::new();
        if first == '"' || first == '\'' {
            chars.next();
            while let Some(c) = chars.next() {
                if c == '\\' && chars.peek() == Some(&first) {
                    word.push(first);
                    chars.next();
                } else if c == first {
                    break;
                } else {
                    word.push(c);
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
        }
        out.push(word);
    }
    out
}

/// A parsed file: its directives, each with the sections it is in (outermost first).
struct Parsed {
    directives: Vec<(Directive, Vec<Section>)>,
}

/// An open section.
#[derive(Clone, Debug)]
struct Section {
    /// Lower case, without `<`.
    name: String,
    loc: Loc,
}

fn parse(file: usize, input: &Input) -> Result<Parsed, InputError> {
    let text = &input.text;
    let mut directives = Vec::new();
    let mut stack: Vec<Section> = Vec::new();
    let mut offset = 0;
    let mut line_no = 0u32;
    let mut pending: Option<(String, u32, u32, usize)> = None;
    for raw in text.split_inclusive('\n') {
        line_no += 1;
        let line_start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let (mut joined, start_line, column, start_offset) = match pending.take() {
            Some(p) => p,
            None => {
                let indent = line.len() - line.trim_start().len();
                (String::new(), line_no, indent as u32 + 1, line_start + indent)
            }
        };
        if let Some(body) = line.strip_suffix('\\') {
            joined.push_str(body);
            joined.push(' ');
            pending = Some((joined, start_line, column, start_offset));
            continue;
        }
        joined.push_str(line);
        let trimmed = joined.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let loc = Loc::new(file, start_line, column);
        if let Some(close) = trimmed.strip_prefix("</") {
            let name = close.trim_end_matches('>').trim().to_ascii_lowercase();
            match stack.pop() {
                Some(open) if open.name == name => continue,
                Some(open) => {
                    return Err(InputError::at(
                        &input.name,
                        text,
                        start_offset,
                        format!("`</{name}>` closes `<{}>` of line {}", open.name, open.loc.line),
                        "close sections in the order they were opened",
                    ));
                }
                None => {
                    return Err(InputError::at(
                        &input.name,
                        text,
                        start_offset,
                        format!("`</{name}>` without an opening `<{name}>`"),
                        "remove it, or add the section it closes",
                    ));
                }
            }
        }
        if let Some(open) = trimmed.strip_prefix('<') {
            let Some(inner) = open.strip_suffix('>') else {
                return Err(InputError::at(
                    &input.name,
                    text,
                    start_offset,
                    "a section tag without its closing `>`",
                    "write the tag as <Name arguments>",
                ));
            };
            let name = words(inner).into_iter().next().unwrap_or_default().to_ascii_lowercase();
            stack.push(Section { name, loc });
            continue;
        }
        let mut parts = words(trimmed);
        let name = parts.remove(0).to_ascii_lowercase();
        let directive = Directive {
            name,
            args: parts.into_iter().map(|text| Arg { text }).collect(),
            loc,
            source: trimmed.to_string(),
        };
        directives.push((directive, stack.clone()));
    }
    if let Some(open) = stack.pop() {
        let at = line_offset(text, open.loc.line) + open.loc.column as usize - 1;
        return Err(InputError::at(
            &input.name,
            text,
            at,
            format!("`<{}>` is never closed", open.name),
            "add the closing tag, as Apache would refuse to start",
        ));
    }
    Ok(Parsed { directives })
}

/// The byte offset where a 1-based line starts.
fn line_offset(text: &str, line: u32) -> usize {
    text.split_inclusive('\n').take(line.saturating_sub(1) as usize).map(str::len).sum()
}

/// A `RewriteCond` waiting for its rule.
#[derive(Clone, Debug)]
struct Cond {
    variable: String,
    pattern: String,
    negated: bool,
    or: bool,
}

/// The rules of one scope (the main server, or a virtual host).
#[derive(Default)]
struct Scope {
    hosts: Vec<String>,
    rewrites: Vec<Route>,
    redirects: Vec<Route>,
    headers: Vec<HeaderBlock>,
}

/// State while walking a file.
struct Walk {
    relative: bool,
    engine: bool,
    base: String,
    conds: Vec<Cond>,
    ignored: std::collections::BTreeMap<String, (Loc, String, usize)>,
}

/// Translates Apache files.
pub fn translate(inputs: &[Input], t: &mut Translation) -> Result<(), InputError> {
    t.set("slash", "exact", "Apache tells /a and /a/ apart");
    for (file, input) in inputs.iter().enumerate() {
        let parsed = parse(file, input)?;
        let relative = input.name.ends_with(".htaccess");
        if relative {
            let message =
                "read as the `.htaccess` at the site's root: rewrite patterns see the path without its leading `/`";
            t.finding(Loc::file(file), Kind::Assumed, message, "");
        }
        let mut walk =
            Walk { relative, engine: false, base: "/".into(), conds: Vec::new(), ignored: Default::default() };
        let mut scopes: Vec<Scope> = vec![Scope::default()];
        let mut vhost_of: Vec<Option<usize>> = Vec::new();
        for (directive, sections) in &parsed.directives {
            // The virtual host a directive is in, by the line of its section.
            let vhost = sections.iter().find(|s| s.name == "virtualhost");
            let scope = match vhost {
                Some(section) => {
                    let key = section.loc.line as usize;
                    if let Some(i) = vhost_of.iter().position(|v| *v == Some(key)) {
                        i + 1
                    } else {
                        vhost_of.push(Some(key));
                        scopes.push(Scope::default());
                        scopes.len() - 1
                    }
                }
                None => 0,
            };
            let unsupported = sections.iter().find(|s| !matches!(s.name.as_str(), "virtualhost" | "ifmodule"));
            directive_in(directive, unsupported, &mut scopes[scope], &mut walk, t);
        }
        for (name, (loc, source, count)) in std::mem::take(&mut walk.ignored) {
            let times = if count == 1 { "once".to_string() } else { format!("{count} times") };
            let message = format!(
                "`{name}` (here and {times} in all) is not a redirect, rewrite or header rule; it has no rule to import"
            );
            t.finding(loc, Kind::Note, message, &source);
        }
        let first = t.routes.len();
        let main = scopes.remove(0);
        if !scopes.is_empty() && (!main.rewrites.is_empty() || !main.redirects.is_empty()) {
            let message = "the main server's rules are written after every virtual host's, without a host: they also apply to hosts of a virtual host that no rule of its own takes";
            t.finding(Loc::file(file), Kind::Assumed, message, "");
        }
        for scope in scopes.into_iter().chain([main]) {
            t.routes.extend(scope.rewrites);
            t.routes.extend(scope.redirects);
            t.headers.extend(scope.headers);
        }
        pcre::report_reordering(
            t,
            first,
            "moved: mod_rewrite applies every RewriteRule before mod_alias's Redirect directives, and a virtual host's rules before the main server's",
        );
    }
    Ok(())
}

/// Handles one directive.
fn directive_in(d: &Directive, section: Option<&Section>, scope: &mut Scope, w: &mut Walk, t: &mut Translation) {
    let counts = matches!(
        d.name.as_str(),
        "redirect"
            | "redirectmatch"
            | "redirectpermanent"
            | "redirecttemp"
            | "rewriterule"
            | "header"
            | "errordocument"
    );
    if counts {
        t.rule_seen();
    }
    if let Some(section) = section
        && (counts || d.name == "rewritecond")
    {
        if counts {
            let message = format!(
                "inside `<{}>` (line {}): the rules language has no section of that kind",
                section.name, section.loc.line
            );
            t.leave_out(d.loc, Kind::Unsupported, message, &d.source);
        }
        return;
    }
    match d.name.as_str() {
        "servername" | "serveralias" => {
            scope.hosts.extend(d.args.iter().map(|a| a.text.to_ascii_lowercase()));
        }
        "rewriteengine" => w.engine = d.args.first().is_some_and(|a| a.text.eq_ignore_ascii_case("on")),
        "rewritebase" => {
            if let Some(base) = d.args.first() {
                w.base = if base.text.ends_with('/') { base.text.clone() } else { format!("{}/", base.text) };
            }
        }
        "rewritecond" => rewrite_cond(d, w),
        "rewriterule" => {
            let conds = std::mem::take(&mut w.conds);
            if let Err((kind, message)) = rewrite_rule(d, &conds, scope, w, t) {
                t.leave_out(d.loc, kind, message, &d.source);
            }
        }
        "redirect" | "redirectmatch" | "redirectpermanent" | "redirecttemp" => {
            if let Err((kind, message)) = redirect(d, scope, t) {
                t.leave_out(d.loc, kind, message, &d.source);
            }
        }
        "header" => header(d, scope, t),
        "errordocument" => t.leave_out(
            d.loc,
            Kind::Unsupported,
            "error pages are a CloudFront distribution setting (custom error responses), not a rule",
            &d.source,
        ),
        _ => {
            let entry = w.ignored.entry(d.name.clone()).or_insert((d.loc, d.source.clone(), 0));
            entry.2 += 1;
        }
    }
}

fn rewrite_cond(d: &Directive, w: &mut Walk) {
    let (Some(variable), Some(pattern)) = (d.args.first(), d.args.get(1)) else {
        w.conds.push(Cond { variable: String::new(), pattern: String::new(), negated: false, or: false });
        return;
    };
    let flags = d.args.get(2).map(|a| a.text.to_ascii_uppercase()).unwrap_or_default();
    let flags: Vec<&str> = flags.trim_matches(['[', ']']).split(',').map(str::trim).collect();
    let (negated, pattern) = match pattern.text.strip_prefix('!') {
        Some(rest) => (true, rest.to_string()),
        None => (false, pattern.text.clone()),
    };
    w.conds.push(Cond {
        variable: variable.text.clone(),
        pattern,
        negated,
        or: flags.iter().any(|f| *f == "OR" || *f == "ORNEXT"),
    });
}

/// What the conditions of a rule come to: hosts (any of), query options (all of), and
/// approximations.
struct Conditions {
    hosts: Vec<String>,
    options: Vec<String>,
    approximations: Vec<String>,
}

type Failure = (Kind, String);

fn unsupported(message: impl Into<String>) -> Failure {
    (Kind::Unsupported, message.into())
}

/// A literal host from a `%{HTTP_HOST}` expression, and whether the match is exact.
fn literal_host(pattern: &str) -> Option<(String, bool)> {
    let start = pattern.starts_with('^');
    let body = pattern.trim_start_matches('^');
    let end = body.ends_with('$');
    let body = body.trim_end_matches('$');
    let host = pcre::literal(body)?.to_ascii_lowercase();
    text::valid_host(&host).then_some((host, start && end))
}

fn conditions(conds: &[Cond]) -> Result<Conditions, Failure> {
    let mut out = Conditions { hosts: Vec::new(), options: Vec::new(), approximations: Vec::new() };
    for (i, cond) in conds.iter().enumerate() {
        let variable = cond.variable.to_ascii_uppercase();
        let joined_by_or = cond.or || (i > 0 && conds[i - 1].or);
        match variable.as_str() {
            "%{HTTP_HOST}" | "%{SERVER_NAME}" if !cond.negated => {
                let Some((host, exact)) = literal_host(&cond.pattern) else {
                    return Err(unsupported(format!(
                        "the host condition `{}` is not one literal host name",
                        cond.pattern
                    )));
                };
                if !exact {
                    out.approximations.push(format!(
                        "the host condition `{}` is not anchored at both ends; imported as the host `{host}` exactly",
                        cond.pattern
                    ));
                }
                out.hosts.push(host);
            }
            "%{HTTP_HOST}" | "%{SERVER_NAME}" => {
                return Err(unsupported(
                    "a negated host condition: the rules language matches a host, not every host but one",
                ));
            }
            "%{QUERY_STRING}" if !cond.negated && !joined_by_or => {
                let body = cond.pattern.trim_start_matches('^').trim_end_matches('$');
                let literal = pcre::literal(body).filter(|l| !l.contains('&'));
                let Some((key, value)) = literal.as_deref().and_then(|l| l.split_once('=')) else {
                    return Err(unsupported(format!(
                        "the query condition `{}` is not one literal KEY=VALUE",
                        cond.pattern
                    )));
                };
                if key.is_empty() || key.contains(['?', '#', ' ']) || value.contains(['#', ' ']) {
                    return Err(unsupported(format!("the query condition `{}` has no plain key", cond.pattern)));
                }
                out.options.push(format!("?{key}={value}"));
                out.approximations.push(format!(
                    "`{}` compares the whole query string; the option `?{key}={value}` holds when the parameter's first value is `{value}`, whatever else the query holds",
                    cond.pattern
                ));
            }
            "%{HTTPS}" | "%{SERVER_PORT}" | "%{REQUEST_SCHEME}" => {
                return Err(unsupported(
                    "a condition on the scheme or port: CloudFront's viewer protocol policy redirects HTTP to HTTPS, and functions do not see the scheme",
                ));
            }
            "%{REQUEST_FILENAME}" => {
                return Err(unsupported(
                    "a condition on the files of the site: functions do not see the origin's files",
                ));
            }
            "" => return Err((Kind::Invalid, "a RewriteCond without a test string and pattern".into())),
            _ => {
                return Err(unsupported(format!(
                    "the condition on `{}` has no counterpart in the rules language",
                    cond.variable
                )));
            }
        }
    }
    if out.hosts.len() > 1 && !conds.iter().filter(|c| c.variable.contains("HOST")).rev().skip(1).all(|c| c.or) {
        return Err(unsupported("two host conditions that must both hold"));
    }
    Ok(out)
}

/// The flags of a rule, upper case, split at commas.
fn flags(d: &Directive) -> Vec<(String, Option<String>)> {
    let Some(raw) = d.args.get(2) else { return Vec::new() };
    raw.text
        .trim_matches(['[', ']'])
        .split(',')
        .filter(|f| !f.trim().is_empty())
        .map(|f| match f.split_once('=') {
            Some((name, value)) => (name.trim().to_ascii_uppercase(), Some(value.trim().to_string())),
            None => (f.trim().to_ascii_uppercase(), None),
        })
        .collect()
}

/// A redirect status named or numbered.
fn status_word(word: &str) -> Option<u16> {
    match word.to_ascii_lowercase().as_str() {
        "permanent" => Some(301),
        "temp" => Some(302),
        "seeother" => Some(303),
        "gone" => Some(410),
        other => other.parse().ok().filter(|s| (300..600).contains(s)),
    }
}

fn rewrite_rule(
    d: &Directive,
    conds: &[Cond],
    scope: &mut Scope,
    w: &Walk,
    t: &mut Translation,
) -> Result<(), Failure> {
    if !w.engine {
        return Err((Kind::Invalid, "`RewriteEngine on` does not come before it, so Apache ignores it".into()));
    }
    let (Some(pattern), Some(substitution)) = (d.args.first(), d.args.get(1)) else {
        return Err((Kind::Invalid, "a RewriteRule needs a pattern and a substitution".into()));
    };
    if pattern.text.starts_with('!') {
        return Err(unsupported("a negated pattern matches every path but some; the rules language cannot say that"));
    }
    let flags = flags(d);
    let has = |name: &str| flags.iter().any(|(f, _)| f == name);
    let mut approximations = Vec::new();
    let mut redirect_status = None;
    let mut respond_status = None;
    for (flag, value) in &flags {
        match flag.as_str() {
            "R" | "REDIRECT" => {
                let status = match value.as_deref() {
                    None => 302,
                    Some(v) => status_word(v).ok_or_else(|| (Kind::Invalid, format!("`R={v}` is not a status")))?,
                };
                if (300..400).contains(&status) {
                    redirect_status = Some(status);
                } else {
                    respond_status = Some(status);
                }
            }
            "F" | "FORBIDDEN" => respond_status = Some(403),
            "G" | "GONE" => respond_status = Some(410),
            "L" | "LAST" | "END" | "NC" | "NOCASE" | "QSA" | "QSAPPEND" | "QSD" | "QSDISCARD" | "NE" | "NOESCAPE" => {}
            "PT" | "PASSTHROUGH" | "DPI" | "DISCARDPATH" => {}
            other => {
                return Err(unsupported(format!("the flag `{other}` has no counterpart in the rules language")));
            }
        }
    }
    let last = has("L") || has("LAST") || has("END");
    let nocase = has("NC") || has("NOCASE");
    let conditions = conditions(conds)?;
    approximations.extend(conditions.approximations.iter().cloned());
    let subject = if w.relative { Subject::Relative } else { Subject::Path };
    let translated = pcre::translate(&pattern.text, nocase, subject).map_err(unsupported)?;
    approximations.extend(translated.approximation.clone());
    let hosts = if conditions.hosts.is_empty() { scope.hosts.clone() } else { conditions.hosts.clone() };
    let sub = substitution.text.as_str();
    let action = if let Some(status) = respond_status {
        if !(200..600).contains(&status) || (300..400).contains(&status) {
            return Err((Kind::Invalid, format!("status {status}")));
        }
        Action::Respond { status }
    } else if sub == "-" {
        return Err(unsupported(
            "`-` passes the request on unchanged; the rules language has no rule that only stops later rules",
        ));
    } else {
        let absolute = text::split_url(sub).is_some();
        let full = if absolute || sub.starts_with('/') {
            sub.to_string()
        } else if w.relative {
            format!("{}{sub}", w.base)
        } else {
            return Err((Kind::Invalid, format!("the substitution `{sub}` is neither a path nor a URL")));
        };
        let (escaped, query_given) = substitution_text(&full, has("NE") || has("NOESCAPE"));
        let parts = substitution_parts(&escaped, &translated)?;
        let to = pcre::target(&parts, &translated.refs).map_err(unsupported)?;
        if secrets::has_userinfo(&to) {
            return Err(unsupported("the substitution holds credentials (user:password@); they are not copied"));
        }
        let (to, mut options) = query(to, query_given, has("QSA") || has("QSAPPEND"), has("QSD") || has("QSDISCARD"));
        options.extend(conditions.options.iter().cloned());
        let status = redirect_status.or(absolute.then_some(302));
        match status {
            Some(status) => {
                if !matches!(status, 301 | 302 | 303 | 307 | 308) {
                    return Err(unsupported(format!("redirect status {status}")));
                }
                if !last {
                    approximations.push(
                        "a redirect without [L]: Apache would go on with the later rules before redirecting; imported as if [L] were given"
                            .to_string(),
                    );
                }
                push_rewrite(
                    scope,
                    d,
                    &hosts,
                    &translated,
                    Action::Redirect { to, status },
                    options,
                    approximations,
                    t,
                )?;
                return Ok(());
            }
            None => {
                if !last {
                    approximations.push(
                        "an internal rewrite without [L]: the later rules are not applied to the rewritten path"
                            .to_string(),
                    );
                }
                if w.relative {
                    approximations.push(
                        "in .htaccess, Apache runs the rules again on the rewritten path; they are not run again"
                            .to_string(),
                    );
                }
                push_rewrite(scope, d, &hosts, &translated, Action::Rewrite { to }, options, approximations, t)?;
                return Ok(());
            }
        }
    };
    push_rewrite(scope, d, &hosts, &translated, action, conditions.options, approximations, t)
}

/// Adds the routes of one rule (one per host) and reports its approximations.
#[allow(clippy::too_many_arguments)]
fn push_rewrite(
    scope: &mut Scope,
    d: &Directive,
    hosts: &[String],
    pattern: &Translated,
    action: Action,
    options: Vec<String>,
    approximations: Vec<String>,
    t: &mut Translation,
) -> Result<(), Failure> {
    let froms = froms(hosts, pattern)?;
    for message in approximations {
        t.finding(d.loc, Kind::Approximated, message, &d.source);
    }
    for from in froms {
        scope.rewrites.push(Route {
            loc: d.loc,
            source: d.source.clone(),
            from,
            action: action.clone(),
            options: options.clone(),
            force: true,
            role: Role::Rule,
        });
    }
    Ok(())
}

/// The patterns of a rule for its hosts (none: one pattern without a host).
fn froms(hosts: &[String], pattern: &Translated) -> Result<Vec<String>, Failure> {
    if hosts.is_empty() {
        return Ok(vec![pattern.path.clone()]);
    }
    let mut out = Vec::new();
    for host in hosts {
        if !text::valid_host(host) {
            return Err(unsupported(format!("the host `{host}` is not a plain host name")));
        }
        match pcre::with_host(Some(host), pattern) {
            Some(from) => out.push(from),
            None => {
                return Err(unsupported(
                    "a regular expression with a host condition: the rules language's `~REGEX` patterns cannot carry a host",
                ));
            }
        }
    }
    Ok(out)
}

/// The substitution with `#` escaped as Apache does without `[NE]`, and whether it gives a
/// query string of its own.
fn substitution_text(full: &str, no_escape: bool) -> (String, bool) {
    let escaped = if no_escape { full.to_string() } else { full.replace('#', "%23") };
    let query_given = escaped.contains('?');
    (escaped, query_given)
}

/// The parts of a substitution: literal text and `$N`; `%{REQUEST_URI}` where the pattern takes
/// every path; every other variable and `%N` are errors.
fn substitution_parts(text: &str, pattern: &Translated) -> Result<Vec<Part>, Failure> {
    if let Some(at) = text.find("%{") {
        let name: String = text[at..].chars().take_while(|&c| c != '}').collect();
        if !(name == "%{REQUEST_URI" && pattern.path == "/*" && !text.contains("$1")) {
            return Err(unsupported(format!(
                "the variable `{name}}}` in the substitution has no counterpart in the rules language"
            )));
        }
    }
    let bytes = text.as_bytes();
    if let Some(i) = (0..bytes.len()).find(|&i| bytes[i] == b'%' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
        && !(bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit) && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
    {
        return Err(unsupported(format!("`{}` refers to a RewriteCond group", &text[i..i + 2])));
    }
    let mut parts = Vec::new();
    for (i, piece) in text.split("%{REQUEST_URI}").enumerate() {
        if i > 0 {
            parts.push(Part::Text("/".into()));
            parts.push(Part::Splat);
        }
        parts.extend(pcre::parts(piece));
    }
    Ok(parts)
}

/// The target and options for how the query string goes on: a substitution with its own
/// query replaces the request's (unless `[QSA]`), one ending in `?` drops it, `[QSD]` drops it.
fn query(to: String, given: bool, append: bool, discard: bool) -> (String, Vec<String>) {
    if let Some(stripped) = to.strip_suffix('?') {
        return (stripped.to_string(), vec!["query=drop".into()]);
    }
    if discard || (given && !append) {
        return (to, vec!["query=drop".into()]);
    }
    (to, Vec::new())
}

fn redirect(d: &Directive, scope: &mut Scope, t: &mut Translation) -> Result<(), Failure> {
    let mut args: Vec<&str> = d.args.iter().map(|a| a.text.as_str()).collect();
    let mut status = match d.name.as_str() {
        "redirectpermanent" => 301,
        "redirecttemp" => 302,
        _ => 302,
    };
    if matches!(d.name.as_str(), "redirect" | "redirectmatch")
        && let Some(first) = args.first()
        && !first.starts_with('/')
        && let Some(s) = status_word(first)
    {
        status = s;
        args.remove(0);
    } else if matches!(d.name.as_str(), "redirect" | "redirectmatch")
        && args.first().is_some_and(|a| !a.starts_with('/') && !a.contains(['(', '^', '.', '\\']) && args.len() == 3)
    {
        return Err((Kind::Invalid, format!("`{}` is not a status Apache knows", args[0])));
    }
    let Some(&from) = args.first() else {
        return Err((Kind::Invalid, "no URL-path".into()));
    };
    let to = args.get(1).copied();
    let matching = d.name == "redirectmatch";
    let (pattern, prefix_of) = if matching {
        (pcre::translate(from, false, Subject::Path).map_err(unsupported)?, None)
    } else {
        if !from.starts_with('/') {
            return Err((Kind::Invalid, format!("`{from}` is not a URL-path (it starts with `/`)")));
        }
        (
            Translated { path: text::literal_pattern(from), regex: false, refs: Refs::None, approximation: None },
            Some(from),
        )
    };
    let action = match (status, to) {
        (300..=399, Some(to)) => {
            if !matches!(status, 301 | 302 | 303 | 307 | 308) {
                return Err(unsupported(format!("redirect status {status}")));
            }
            if text::split_url(to).is_none() && !to.starts_with('/') {
                return Err((Kind::Invalid, format!("`{to}` is neither a URL nor a path")));
            }
            if secrets::has_userinfo(to) {
                return Err(unsupported("the target holds credentials (user:password@); they are not copied"));
            }
            Some(to)
        }
        (300..=399, None) => return Err((Kind::Invalid, "a redirect status needs a target URL".into())),
        (_, Some(_)) => return Err((Kind::Invalid, format!("status {status} takes no target URL"))),
        (_, None) => None,
    };
    let options = match action {
        Some(to) if to.contains('?') => vec!["query=drop".to_string()],
        _ => Vec::new(),
    };
    if let Some(message) = &pattern.approximation {
        t.finding(d.loc, Kind::Approximated, message.clone(), &d.source);
    }
    let mut push = |pattern: &Translated, parts: Vec<Part>| -> Result<(), Failure> {
        let act = match action {
            Some(_) => {
                let to = pcre::target(&parts, &pattern.refs).map_err(unsupported)?;
                Action::Redirect { to, status }
            }
            None => Action::Respond { status },
        };
        for from in froms(&scope.hosts, pattern)? {
            scope.redirects.push(Route {
                loc: d.loc,
                source: d.source.clone(),
                from,
                action: act.clone(),
                options: options.clone(),
                force: true,
                role: Role::Rule,
            });
        }
        Ok(())
    };
    let base = action.map(pcre::parts).unwrap_or_default();
    match prefix_of {
        None => push(&pattern, base),
        Some(prefix) => {
            // The path itself, then every path below it with the rest appended.
            let below = if prefix.ends_with('/') {
                let regex = pcre::regex_token(&format!("{}(.*)", pcre::escape(prefix)));
                if prefix != "/" {
                    pcre::accepted(&regex).map_err(unsupported)?;
                }
                Translated { path: regex, regex: true, refs: Refs::Groups, approximation: None }
            } else {
                Translated {
                    path: format!("{}/*", text::literal_pattern(prefix)),
                    regex: false,
                    refs: Refs::Splat("/".into()),
                    approximation: None,
                }
            };
            if prefix == "/" {
                let all = Translated {
                    path: "/*".into(),
                    regex: false,
                    refs: Refs::Splat(String::new()),
                    approximation: None,
                };
                let mut parts = base.clone();
                parts.push(Part::Group(1));
                return push(&all, parts);
            }
            if !prefix.ends_with('/') {
                push(&pattern, base.clone())?;
            }
            let mut parts = base;
            parts.push(Part::Group(1));
            push(&below, parts)
        }
    }
}

fn header(d: &Directive, scope: &mut Scope, t: &mut Translation) {
    let mut args: Vec<&str> = d.args.iter().map(|a| a.text.as_str()).collect();
    let mut approximations = Vec::new();
    if args.first().is_some_and(|a| a.eq_ignore_ascii_case("always")) {
        args.remove(0);
        approximations.push("`always` also applies to error responses; header rules apply to responses below 400");
    } else if args.first().is_some_and(|a| a.eq_ignore_ascii_case("onsuccess")) {
        args.remove(0);
    }
    let (Some(action), Some(name)) = (args.first(), args.get(1)) else {
        return t.leave_out(d.loc, Kind::Invalid, "Header needs an action and a header name", &d.source);
    };
    let action = action.to_ascii_lowercase();
    let value = args.get(2).map(|v| v.to_string());
    let extra = if action == "unset" { args.get(2) } else { args.get(3) };
    if let Some(extra) = extra {
        let message = format!("the condition `{extra}` has no counterpart in the rules language");
        return t.leave_out(d.loc, Kind::Unsupported, message, &d.source);
    }
    let value = match action.as_str() {
        "set" => value,
        "append" | "merge" | "add" => {
            approximations.push("imported as `set`: the value replaces the origin's instead of joining it");
            value
        }
        "unset" => None,
        other => {
            let message = format!("`Header {other}` has no counterpart in the rules language");
            return t.leave_out(d.loc, Kind::Unsupported, message, &d.source);
        }
    };
    if action != "unset" && value.is_none() {
        return t.leave_out(d.loc, Kind::Invalid, "no header value", &d.source);
    }
    if let Some(v) = &value
        && v.contains('%')
        && v.contains(['{', 't', 'D'])
        && v.contains("%{")
    {
        let message = "the value uses a format specifier (`%{…}`), filled in per request by Apache";
        return t.leave_out(d.loc, Kind::Unsupported, message, &d.source);
    }
    if secrets::secret_header(name) {
        let message = format!("`{name}` holds a credential; it is not copied into the rules (value redacted)");
        return t.leave_out(d.loc, Kind::Unsupported, message, &d.source);
    }
    for message in approximations {
        t.finding(d.loc, Kind::Approximated, message, &d.source);
    }
    let patterns: Vec<String> = if scope.hosts.is_empty() {
        vec!["/*".into()]
    } else {
        scope.hosts.iter().map(|h| format!("https://{h}/*")).collect()
    };
    let op = HeaderOp { loc: d.loc, source: d.source.clone(), name: name.to_string(), value };
    for pattern in patterns {
        scope.headers.push(HeaderBlock { loc: d.loc, source: d.source.clone(), pattern, ops: vec![op.clone()] });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A prefix redirected into itself (Apache sends `/components/latest/x` on to
    /// `/components/latest/latest/x` for ever) is the rule reported, not the redirects whose
    /// targets lead into it.
    #[test]
    fn a_prefix_redirected_into_itself_is_reported_alone() {
        let text = "Redirect 301 /amqp /components/latest/amqp.html\n\
                    Redirect 301 /jms /components/latest/jms.html\n\
                    Redirect 301 /components/ /components/latest/\n";
        let input = crate::Input::new(".htaccess", text.to_string());
        let result = crate::import(crate::Format::Apache, &[input], &crate::ImportOptions::default()).unwrap();
        let s = &result.summary;
        assert_eq!((s.rules, s.translated, s.reported), (3, 2, 1), "{}", result.hedge);
        assert!(result.left_out(".htaccess", 3), "{}", result.hedge);
        assert!(result.hedge.contains("redirect /amqp /components/latest/amqp.html"), "{}", result.hedge);
    }

    #[test]
    fn words_follow_apache() {
        assert_eq!(words(r#"Header set X "a \"b\" c"  'd e'"#), ["Header", "set", "X", "a \"b\" c", "d e"]);
        assert_eq!(words("RewriteRule ^a$ /b [R=301,L]"), ["RewriteRule", "^a$", "/b", "[R=301,L]"]);
    }
}
