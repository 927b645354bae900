//! The intermediate representation: what the rules mean, with patterns normalised and
//! placeholders resolved. This is the API boundary between the front end and the back end.

use crate::source::Span;

/// Where a rule came from, for diagnostics, reports and `explain`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    /// 1-based line of the statement (of the header line, inside a block).
    pub line: u32,
    /// The statement's span (the pattern's span for rules).
    pub span: Span,
}

/// The meaning of a whole rules file.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    /// File-wide settings.
    pub settings: Settings,
    /// `redirect`, `rewrite` and `respond` rules, in file order (first match wins).
    pub routes: Vec<Route>,
    /// `prefix-strip` rules, in file order (first match wins).
    pub prefix_strips: Vec<PrefixStrip>,
    /// `request-header` rules, in file order (all that match apply).
    pub request_headers: Vec<HeaderRule>,
    /// `header` rules, in file order (all that match apply).
    pub response_headers: Vec<HeaderRule>,
}

/// The `set` statements, with defaults for those not given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// The status of a `redirect` without one.
    pub status: u16,
    /// How trailing slashes match.
    pub slash: Slash,
    /// How letter case matches.
    pub case: Case,
    /// Whether redirects keep the query string unless a rule says otherwise.
    pub query_keep: bool,
    /// The file appended to URIs ending in `/`, if any.
    pub index: Option<String>,
    /// The KVS id passed to `cf.kvs()`, if any.
    pub kvs_id: Option<String>,
    /// Whether redirect chains are rewritten to their final target.
    pub chains: Chains,
    /// Whether exact rules always go to the KVS (`set exact-rules kvs`), rather than staying in
    /// code when a site has so few that the request function is smaller so.
    pub exact_in_kvs: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            status: 301,
            slash: Slash::Fold,
            case: Case::Sensitive,
            query_keep: true,
            index: Some("index.html".to_string()),
            kvs_id: None,
            chains: Chains::Warn,
            exact_in_kvs: false,
        }
    }
}

/// `set slash`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Slash {
    /// `/a` and `/a/` match the same rules.
    Fold,
    /// `/a` and `/a/` are different paths.
    Exact,
}

/// `set case`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Case {
    /// Paths match with their case.
    Sensitive,
    /// Paths match ignoring ASCII case.
    Insensitive,
}

/// `set chains`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Chains {
    /// Redirect chains are reported as warnings.
    Warn,
    /// Redirect chains are rewritten to go straight to the last target.
    Flatten,
}

/// A `redirect`, `rewrite` or `respond` rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// Where it was written.
    pub origin: Origin,
    /// Which requests it applies to.
    pub matcher: Matcher,
    /// What it does to them.
    pub action: Action,
}

/// What a route does.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Answer with a redirect.
    Redirect {
        /// 301, 302, 303, 307 or 308.
        status: u16,
        /// Where to.
        target: Target,
        /// Whether the request's query string is appended.
        keep_query: bool,
    },
    /// Change the URI sent to the origin.
    Rewrite {
        /// The new URI, a path (possibly with a query string).
        target: Target,
    },
    /// Answer with a generated response.
    Respond {
        /// The status.
        status: u16,
        /// The text body.
        body: Option<String>,
    },
}

/// Which requests a rule applies to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Matcher {
    /// The `host` header it requires (lower case, port kept), if any.
    pub host: Option<String>,
    /// The path pattern.
    pub path: PathPattern,
    /// Further conditions, all of which must hold.
    pub conditions: Vec<Condition>,
}

impl Matcher {
    /// Whether this matcher matches exactly one path, regardless of host and other conditions.
    pub fn is_unconditional_exact(&self) -> bool {
        self.host.is_none() && self.conditions.is_empty() && self.path.is_exact()
    }
}

/// A normalised path pattern.
///
/// Literal segments are in canonical percent-encoding (see [`crate::pattern::canonical_path`]):
/// characters outside `!`..`~` are percent-encoded, escapes of unreserved characters are decoded
/// and other escapes are upper case. Matching with `slash` and `case` settings is done by the
/// consumers, with [`crate::pattern::PathMatch`] as the reference implementation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PathPattern {
    /// The segments between slashes, without the final `*`.
    pub segments: Vec<Segment>,
    /// Whether the pattern ends in `*`: `/*`, `/blog/*`, or `/en/release-*` (see `splat_prefix`).
    pub splat: bool,
    /// Whether the pattern ends in `/` (never set with `splat`, never set for the root).
    pub trailing_slash: bool,
    /// With `splat`, the literal text before a `*` that ends a segment of other characters
    /// (`release-` in `/en/release-*`, canonical encoding): the pattern then matches a last
    /// segment that starts with it, and `:splat` is everything after it. `None` for a `*` that is
    /// a whole segment, which also matches the path without that segment.
    pub splat_prefix: Option<String>,
    /// For a `~REGEX` pattern, the expression (then `segments` is empty and the flags are unset).
    pub regex: Option<PathRegex>,
}

/// A `~REGEX` pattern, checked to be in the subset that means the same in JavaScript.
#[derive(Clone, Debug)]
pub struct PathRegex {
    /// The expression as written, unquoted (`\"` is `"`).
    pub source: String,
    /// One entry per capturing group, in order: its name, or `""` for a numbered group.
    pub groups: Vec<String>,
    /// What generated code needs to know of its shape, read from the tree it was checked on.
    pub structure: crate::regex_pattern::Structure,
    /// The case setting `compiled` was built for (the site's).
    pub case: Case,
    /// The expression compiled for the reference matcher, `^(?:SOURCE)$`, over the bytes of a
    /// canonical (ASCII) path, ignoring ASCII case when `case` says so.
    pub compiled: regex_automata::meta::Regex,
}

impl PathRegex {
    /// The compiled expression for a case setting: `compiled`, or, asked for the other setting
    /// (only the importers' helpers do, before the site's setting is known), one built now;
    /// `None` if that one is over the size limit.
    pub fn for_case(&self, case: Case) -> Option<std::borrow::Cow<'_, regex_automata::meta::Regex>> {
        if case == self.case {
            return Some(std::borrow::Cow::Borrowed(&self.compiled));
        }
        crate::regex_pattern::compile(&self.source, case).ok().map(std::borrow::Cow::Owned)
    }
}

impl PartialEq for PathRegex {
    fn eq(&self, other: &PathRegex) -> bool {
        self.source == other.source
    }
}

impl Eq for PathRegex {}

impl std::hash::Hash for PathRegex {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.source.hash(state);
    }
}

impl PathPattern {
    /// Whether the pattern has no placeholders and no splat.
    pub fn is_exact(&self) -> bool {
        self.regex.is_none() && !self.splat && self.segments.iter().all(|s| matches!(s, Segment::Literal(_)))
    }

    /// The names of the captures, in the order the matcher produces them: placeholders in
    /// order, then `splat`.
    pub fn capture_names(&self) -> Vec<&str> {
        if let Some(regex) = &self.regex {
            return regex.groups.iter().map(String::as_str).collect();
        }
        let mut names: Vec<&str> = self
            .segments
            .iter()
            .filter_map(|s| match s {
                Segment::Param(name) => Some(name.as_str()),
                Segment::Literal(_) => None,
            })
            .collect();
        if self.splat {
            names.push("splat");
        }
        names
    }

    /// The literal path of an exact pattern, as written (canonical encoding, original case).
    pub fn literal_path(&self) -> Option<String> {
        if !self.is_exact() {
            return None;
        }
        let mut path = String::new();
        for segment in &self.segments {
            path.push('/');
            if let Segment::Literal(text) = segment {
                path.push_str(text);
            }
        }
        if path.is_empty() || self.trailing_slash {
            path.push('/');
        }
        Some(path)
    }

    /// The literal segments before the first placeholder or splat.
    pub fn literal_prefix(&self) -> Vec<&str> {
        self.segments
            .iter()
            .map_while(|s| match s {
                Segment::Literal(text) => Some(text.as_str()),
                Segment::Param(_) => None,
            })
            .collect()
    }
}

/// One path segment of a pattern.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Segment {
    /// Text that must be equal (canonical encoding).
    Literal(String),
    /// `:name`: any one non-empty segment.
    Param(String),
}

/// A condition besides the path.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Condition {
    /// `cloudfront-viewer-country` is one of these (upper case).
    Country(Vec<String>),
    /// The primary tag of the first `accept-language` entry is one of these (lower case).
    Language(Vec<String>),
    /// The cookie is present, or has this value.
    Cookie {
        /// The cookie's name.
        name: String,
        /// The value it must have.
        value: Option<String>,
    },
    /// The query parameter is present, or has this value (compared in canonical encoding).
    Query {
        /// The parameter's name.
        key: String,
        /// The value it must have, canonically encoded.
        value: Option<String>,
    },
}

/// A target URL or path with placeholders resolved to capture indices.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    /// Literal text and captures, in order.
    pub pieces: Vec<Piece>,
}

impl Target {
    /// A target without placeholders.
    pub fn literal(text: impl Into<String>) -> Target {
        Target { pieces: vec![Piece::Text(text.into())] }
    }

    /// The text of a target without captures.
    pub fn as_literal(&self) -> Option<String> {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Capture(_) => return None,
            }
        }
        Some(out)
    }

    /// Whether the target is a path on the same site (it starts with `/`).
    pub fn is_path(&self) -> bool {
        matches!(self.pieces.first(), Some(Piece::Text(text)) if text.starts_with('/'))
    }

    /// The target with captures filled in: the value a request with these captures gets,
    /// before the leading-slash collapse that the functions apply.
    pub fn instantiate(&self, captures: &[String]) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Capture(index) => out.push_str(captures.get(*index).map_or("", String::as_str)),
            }
        }
        out
    }
}

/// A piece of a target.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Piece {
    /// Literal text.
    Text(String),
    /// The capture with this index in [`PathPattern::capture_names`] order.
    Capture(usize),
}

/// A `prefix-strip` rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrefixStrip {
    /// Where it was written.
    pub origin: Origin,
    /// The prefix, canonical, without a trailing slash (`/api`).
    pub prefix: String,
    /// The distribution's origin to select, if any.
    pub origin_id: Option<String>,
}

/// A `header` or `request-header` rule: one pattern, its header operations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderRule {
    /// Where it was written.
    pub origin: Origin,
    /// Which requests it applies to (never with conditions).
    pub matcher: Matcher,
    /// What it does, in order.
    pub ops: Vec<HeaderOp>,
}

/// One header operation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum HeaderOp {
    /// Set (replace) the header.
    Set {
        /// Lower-case name.
        name: String,
        /// The value.
        value: String,
    },
    /// Remove the header.
    Remove {
        /// Lower-case name.
        name: String,
    },
}

impl HeaderOp {
    /// The header name.
    pub fn name(&self) -> &str {
        match self {
            HeaderOp::Set { name, .. } | HeaderOp::Remove { name } => name,
        }
    }
}
