//! Value encodings: what a line holds after its key, and the values of spilled pattern groups.

use crate::Encoding;

/// The statuses a redirect can have, in the order their op letters encode them.
pub const REDIRECT_STATUSES: [u16; 5] = [301, 302, 303, 307, 308];
/// The op letters of redirects: index `2 * status_index + keep_query`.
pub const REDIRECT_OPS: &str = "abcdefghij";
/// The op letter of a rewrite.
pub const REWRITE_OP: char = 'w';
/// The op letter of a generated response.
pub const RESPOND_OP: char = 'x';
/// The largest prefix or suffix length one encoded character carries.
pub const MAX_SHARED: usize = 78;

/// The op letter of a redirect.
pub fn redirect_op(status: u16, keep_query: bool) -> char {
    let index = REDIRECT_STATUSES.iter().position(|&s| s == status).expect("redirect status");
    REDIRECT_OPS.as_bytes()[2 * index + usize::from(keep_query)] as char
}

/// The value of a route line.
///
/// - redirect: one op letter from [`REDIRECT_OPS`], then the target relative to the key;
/// - rewrite: [`REWRITE_OP`], then the target relative to the key;
/// - respond: [`RESPOND_OP`], three status digits, then the body.
///
/// A target relative to the key is `P S MIDDLE`: `P` and `S` are single characters, code
/// `48 + n`, giving how many characters the target shares with the start (`P`) and the end
/// (`S`) of the key; the target is `key[..p] + MIDDLE + key[len - s..]`. With key
/// `/base/some-12`, the target `/base/another-12` is stored as `63another`: six characters
/// shared at the start (`/base/`), three at the end (`-12`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteValue<'a> {
    /// A redirect with a literal target.
    Redirect {
        /// The status.
        status: u16,
        /// The literal target.
        target: &'a str,
        /// Whether the query string is kept.
        keep_query: bool,
    },
    /// A rewrite to a literal path.
    Rewrite {
        /// The new URI.
        target: &'a str,
    },
    /// A generated response.
    Respond {
        /// The status.
        status: u16,
        /// The body, without tab or line feed.
        body: &'a str,
    },
}

impl RouteValue<'_> {
    /// The op of the value: a redirect letter, `w`, or `x` and the status.
    pub fn op(&self) -> String {
        match *self {
            RouteValue::Redirect { status, keep_query, .. } => redirect_op(status, keep_query).to_string(),
            RouteValue::Rewrite { .. } => REWRITE_OP.to_string(),
            RouteValue::Respond { status, .. } => format!("{RESPOND_OP}{status:03}"),
        }
    }

    /// The encoded value for a line with lookup key `key`, in a plain store.
    pub fn encode(&self, key: &str) -> String {
        self.encode_as(key, Encoding::default())
    }

    /// The encoded value for a line with lookup key `key` in a store of `encoding`: targets
    /// relative to a case-folded key carry their case changes ([`relative_folded`]).
    pub fn encode_as(&self, key: &str, encoding: Encoding) -> String {
        match *self {
            RouteValue::Redirect { target, .. } | RouteValue::Rewrite { target } if encoding.case_folded => {
                format!("{}{}", self.op(), relative_folded(key, target))
            }
            RouteValue::Redirect { target, .. } | RouteValue::Rewrite { target } => {
                format!("{}{}", self.op(), relative(key, target))
            }
            RouteValue::Respond { body, .. } => format!("{}{body}", self.op()),
        }
    }
}

/// `target` relative to `key`: shared prefix and suffix lengths, then the rest.
pub fn relative(key: &str, target: &str) -> String {
    let (k, t) = (key.as_bytes(), target.as_bytes());
    let mut prefix = k.iter().zip(t).take_while(|(a, b)| a == b).count().min(MAX_SHARED);
    while !target.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let (k_rest, t_rest) = (&k[prefix..], &t[prefix..]);
    let mut suffix = k_rest.iter().rev().zip(t_rest.iter().rev()).take_while(|(a, b)| a == b).count().min(MAX_SHARED);
    while !target.is_char_boundary(target.len() - suffix) {
        suffix -= 1;
    }
    let middle = &target[prefix..target.len() - suffix];
    format!("{}{}{middle}", char::from(48 + prefix as u8), char::from(48 + suffix as u8))
}

/// Reverses [`relative`].
pub fn resolve_relative(key: &str, encoded: &str) -> Option<String> {
    let mut chars = encoded.chars();
    let prefix = (chars.next()? as usize).checked_sub(48)?;
    let suffix = (chars.next()? as usize).checked_sub(48)?;
    let middle = chars.as_str();
    Some(format!("{}{middle}{}", key.get(..prefix)?, key.get(key.len().checked_sub(suffix)?..)?))
}

/// `target` relative to `key`, a lower-cased lookup key (`set case insensitive`): `P S N`,
/// then `N` characters of spans, then the rest. The shared start and end are matched ignoring
/// case (a target's upper-case ASCII letter stands for the key's lower-case one); the target
/// is `key[..p] + MIDDLE + key[len - s..]` with each span upper-cased. Every character is code
/// `48 + n`. A span is where it starts, as a distance in UTF-16 units from the end of the span
/// before (or the start), and its length: one character `n < 39` for one letter at distance
/// `n` (the humps of CamelCase), else `39 + distance` and a character for the length. With
/// key `/en-us/docs/web/api` the target `/en-US/docs/Web/API` is stored as `C05` `[2` `6`
/// `Z3`: 19 characters shared at the start (`C`), none at the end, five characters of spans
/// (`US` at 4, `W` 6 further, `API` 3 further) and no middle.
///
/// A span only ever covers ASCII characters, which JavaScript's `toUpperCase` maps one to one.
/// When the target holds a character outside the Basic Multilingual Plane (which njs counts as
/// one unit where the standard counts two), the end is matched exactly, so every span lies in
/// the shared start, before any such character.
pub fn relative_folded(key: &str, target: &str) -> String {
    let (k, t) = (key.as_bytes(), target.as_bytes());
    // A key byte stands for a target byte that is equal, or its ASCII upper case.
    let stands = |a: &u8, b: &u8| a == b || (a.is_ascii_lowercase() && *b == a.to_ascii_uppercase());
    let mut prefix = k.iter().zip(t).take_while(|(a, b)| stands(a, b)).count().min(MAX_SHARED);
    while !target.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let astral = target.chars().any(|c| c.len_utf16() > 1);
    let (k_rest, t_rest) = (&k[prefix..], &t[prefix..]);
    let mut suffix = k_rest
        .iter()
        .rev()
        .zip(t_rest.iter().rev())
        .take_while(|(a, b)| if astral { a == b } else { stands(a, b) })
        .count()
        .min(MAX_SHARED);
    while !target.is_char_boundary(target.len() - suffix) {
        suffix -= 1;
    }
    let middle = &target[prefix..target.len() - suffix];
    let resolved = format!("{}{middle}{}", &key[..prefix], &key[key.len() - suffix..]);
    let spans = span_chars(&upper_ranges(&resolved, target));
    if spans.len() > MAX_SHARED {
        // More case changes than a count can say: store the target whole.
        return format!("000{target}");
    }
    let mut out = String::with_capacity(3 + spans.len() + middle.len());
    for n in [prefix, suffix, spans.len()] {
        out.push(shared_char(n));
    }
    out.push_str(&spans);
    out.push_str(middle);
    out
}

/// Distances below this, with a length of one, are a span of one character.
const SHORT_SPAN: usize = 39;

/// The character of code `48 + n`.
fn shared_char(n: usize) -> char {
    debug_assert!(n <= MAX_SHARED);
    char::from(48 + n as u8)
}

/// The ranges (start, end) of UTF-16 units that upper-cased turn `resolved` into `target`,
/// which differ only in ASCII case. A range runs from the first to the last letter to
/// upper-case among neighbours that upper-casing leaves as the target has them, so `API/HTML`
/// is one range across the slash.
fn upper_ranges(resolved: &str, target: &str) -> Vec<(usize, usize)> {
    let r: Vec<u16> = resolved.encode_utf16().collect();
    let t: Vec<u16> = target.encode_utf16().collect();
    debug_assert_eq!(r.len(), t.len());
    let can = |i: usize| r[i] < 128 && t[i] == u16::from((r[i] as u8).to_ascii_uppercase());
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < r.len() {
        if r[i] == t[i] {
            i += 1;
            continue;
        }
        // A letter to upper-case: take in every later one reachable through neighbours that
        // upper-case to themselves.
        let start = i;
        let mut end = i + 1;
        let mut j = end;
        while j < r.len() && can(j) {
            j += 1;
            if r[j - 1] != t[j - 1] {
                end = j;
            }
        }
        ranges.push((start, end));
        i = end;
    }
    ranges
}

/// The characters of the spans of `ranges` (see [`relative_folded`]).
fn span_chars(ranges: &[(usize, usize)]) -> String {
    let mut out = String::new();
    let mut at = 0;
    for &(start, end) in ranges {
        let mut distance = start - at;
        // Too far for one character: empty spans in between.
        while distance > SHORT_SPAN - 1 {
            out.push(shared_char(SHORT_SPAN + SHORT_SPAN - 1));
            out.push(shared_char(0));
            distance -= SHORT_SPAN - 1;
        }
        let mut len = end - start;
        while len > 0 {
            let piece = len.min(MAX_SHARED);
            if piece == 1 {
                out.push(shared_char(distance));
            } else {
                out.push(shared_char(SHORT_SPAN + distance));
                out.push(shared_char(piece));
            }
            distance = 0;
            len -= piece;
        }
        at = end;
    }
    out
}

/// Reverses [`relative_folded`].
pub fn resolve_relative_folded(key: &str, encoded: &str) -> Option<String> {
    let units: Vec<u16> = encoded.encode_utf16().collect();
    let number = |i: usize| units.get(i).and_then(|&u| usize::from(u).checked_sub(48));
    let (prefix, suffix, count) = (number(0)?, number(1)?, number(2)?);
    let end = 3 + count;
    let middle = String::from_utf16(units.get(end..)?).ok()?;
    let resolved = format!("{}{middle}{}", key.get(..prefix)?, key.get(key.len().checked_sub(suffix)?..)?);
    let mut out: Vec<u16> = resolved.encode_utf16().collect();
    let (mut i, mut at) = (3, 0);
    while i < end {
        let c = number(i)?;
        i += 1;
        let (distance, len) = if c < SHORT_SPAN {
            (c, 1)
        } else {
            i += 1;
            (c - SHORT_SPAN, number(i - 1)?)
        };
        let start = at + distance;
        for unit in out.get_mut(start..start + len)? {
            if *unit < 128 {
                *unit = u16::from((*unit as u8).to_ascii_uppercase());
            }
        }
        at = start + len;
    }
    String::from_utf16(&out).ok()
}

/// One pattern route spilled to the KVS: `OP REGEX TEMPLATE`, where OP is a redirect op letter,
/// `w`, or `x` with the status; REGEX the path regex's source (no spaces: paths are canonical);
/// TEMPLATE a replacement template (`$NN` captures) or, for `x`, the body. A group's value is its
/// rules joined by tabs, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpilledRoute {
    /// The op letter (with the status for a response).
    pub op: String,
    /// The source of the path's regular expression.
    pub regex: String,
    /// The replacement template, or the body.
    pub template: String,
}

impl SpilledRoute {
    /// The encoded rule.
    pub fn encode(&self) -> String {
        format!("{} {} {}", self.op, self.regex, self.template)
    }
}

/// The value of a response-header line: its operations separated by tabs, each
/// `INDEX,NAME:VALUE` (set) or `INDEX,-NAME` (remove), with `INDEX` the rule's position among
/// the header rules in base 36. The function merges these with the operations of code rules
/// by position, so file order decides as the language says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderValue<'a> {
    /// (position, name, value or `None` to remove), in file order.
    pub ops: Vec<(usize, &'a str, Option<&'a str>)>,
}

impl HeaderValue<'_> {
    /// The encoded value.
    pub fn encode(&self) -> String {
        let ops: Vec<String> = self
            .ops
            .iter()
            .map(|&(index, name, value)| match value {
                Some(value) => format!("{},{name}:{value}", base36(index as u64)),
                None => format!("{},-{name}", base36(index as u64)),
            })
            .collect();
        ops.join("\t")
    }
}

/// `n` in base 36, lower case.
pub fn base36(mut n: u64) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).expect("ascii")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_targets_round_trip() {
        for (key, target) in [
            ("/base/some-12", "/base/another-12"),
            ("/a", "https://example.com/a"),
            ("/x", "/x"),
            ("/é", "/é/é"),
            ("/", "/de/"),
        ] {
            let encoded = relative(key, target);
            assert_eq!(resolve_relative(key, &encoded).as_deref(), Some(target), "{key} {target} {encoded}");
        }
        assert_eq!(relative("/base/some-12", "/base/another-12"), "63another");
    }

    #[test]
    fn folded_targets_round_trip_and_store_only_the_case_changes() {
        for (key, target) in [
            ("/en-us/docs/web/api", "/en-US/docs/Web/API"),
            ("/en-us/docs/ajax", "/en-US/docs/Web/Guide/AJAX"),
            ("/a", "https://Example.com/A"),
            ("/x", "/x"),
            ("/é", "/É/é"),
            ("/abc", "/ABC/😀/Abc"),
            ("/long", &format!("/LONG/{}/{}", "aB".repeat(100), "x".repeat(200))),
            ("/", "/"),
            ("/%2f", "/%2F"),
        ] {
            let encoded = relative_folded(key, target);
            assert_eq!(resolve_relative_folded(key, &encoded).as_deref(), Some(target), "{key} {target} {encoded}");
        }
        assert_eq!(relative_folded("/en-us/docs/web/api", "/en-US/docs/Web/API"), "C05[26Z3");
        // Upper case is one span across a slash; nothing but the case changes is stored.
        assert_eq!(relative_folded("/api/html", "/API/HTML"), "902X8");
        // An exact match stores no span.
        assert_eq!(relative_folded("/a/b", "/a/b/c"), "400/c");
    }

    #[test]
    fn values_encode_their_op() {
        let redirect = RouteValue::Redirect { status: 308, target: "/b", keep_query: true };
        assert_eq!(redirect.encode("/a"), "j10b");
        assert_eq!(RouteValue::Respond { status: 410, body: "gone" }.encode("/a"), "x410gone");
        assert_eq!(RouteValue::Rewrite { target: "/a/" }.encode("/a"), "w20/");
        let header = HeaderValue { ops: vec![(0, "x-a", Some("1")), (40, "x-b", None)] };
        assert_eq!(header.encode(), "0,x-a:1\t14,-x-b");
    }
}
