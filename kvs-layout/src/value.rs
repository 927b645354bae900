//! Value encodings: what a line holds after its key, and the values of spilled pattern groups.

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

    /// The encoded value for a line with lookup key `key`.
    pub fn encode(&self, key: &str) -> String {
        match *self {
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
    fn values_encode_their_op() {
        let redirect = RouteValue::Redirect { status: 308, target: "/b", keep_query: true };
        assert_eq!(redirect.encode("/a"), "j10b");
        assert_eq!(RouteValue::Respond { status: 410, body: "gone" }.encode("/a"), "x410gone");
        assert_eq!(RouteValue::Rewrite { target: "/a/" }.encode("/a"), "w20/");
        let header = HeaderValue { ops: vec![(0, "x-a", Some("1")), (40, "x-b", None)] };
        assert_eq!(header.encode(), "0,x-a:1\t14,-x-b");
    }
}
