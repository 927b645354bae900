//! The KeyValueStore layout of hedgec: the one place that says how exact-path rules are stored
//! in a CloudFront KeyValueStore and read back by the generated functions. The compiler writes
//! it, `compiler::explain` reads it, and `deploy` recognises its entries by it.
//!
//! CloudFront's KVS answers exact-key reads only, and charges per read, so the layout is built
//! for one read per request and for density:
//!
//! - Every exact rule becomes a *line* `KEY VALUE`: the lookup key of the path (canonical
//!   encoding, slash-folded and case-folded per the settings), one space (keys never contain a
//!   raw space), and a compact value ([`value`]).
//! - Lines are grouped into buckets by [`bucket_hash`] of the key modulo the bucket count. A
//!   bucket is one KVS entry: key `{namespace}{bucket}` ([`bucket_key`], [`parse_bucket_key`]),
//!   value the bucket's lines sorted by key, each preceded by U+007F DELETE and the whole closed
//!   by one (`␡/a v␡/b v␡`). DELETE can appear in no rule (control characters are errors), and
//!   JSON does not escape it, so it costs one byte in `kvs.json`.
//! - When it pays (most stores of more than a few lines), a bucket is *front-coded*
//!   ([`Encoding::front_coded`]): it opens with an empty line (`␡␡`, which no plain bucket
//!   holds), and each line's key is stored after one character, code `48 + n`, for the `n`
//!   characters it shares with the key of the line before, so sorted keys store only what is
//!   new (`␡␡0/docs/a v␡6b v␡` holds `/docs/a` and `/docs/b`).
//! - With `set case insensitive` the keys are lower-cased, and targets are stored relative to
//!   them ignoring case, with the spans to upper-case ([`value::relative_folded`]).
//! - The bucket count ([`pack`]) starts at 1001 and grows in steps of 250 (then by a quarter,
//!   past 9,751) until every entry fits CloudFront's 1,024 bytes. It always ends in `01` or
//!   `51`, never a round number that the minifier could shorten (`1000` prints as `1e3`).
//! - The namespace ([`namespace`]) is the side (`r` for viewer-request routes, `h` for
//!   response headers) and three base-36 characters derived from what decides how entries are
//!   read: [`LAYOUT_VERSION`], the reading code ([`READER_JS`] and the value decoders), the
//!   [`Encoding`], the bucket count and, when pattern rules are spilled to the store, their encoded groups. It
//!   does not follow the rest of the function code, so a change of code rules alone leaves
//!   every entry where it is, and a change of rules data alone rewrites only the buckets that
//!   changed. `docs/deploy.md` argues why every step of a deploy is safe.

mod pack;
mod reader;
pub mod value;

pub use pack::{
    BUCKET_STEP, Buckets, Entry, MAX_BUCKETS, MIN_BUCKETS, Oversized, TARGET_FILL, lookup, next_bucket_count, pack,
    to_import_json,
};
pub use platform::{
    MAX_KVS_ENTRY_BYTES as MAX_ENTRY_BYTES, MAX_KVS_KEY_BYTES as MAX_KEY_BYTES, MAX_KVS_STORE_BYTES as MAX_STORE_BYTES,
};
pub use reader::route_decoder_for;
pub use reader::{READER_JS, RouteKinds, header_decoder, route_decoder};
pub use value::{
    HeaderValue, MAX_SHARED, REDIRECT_OPS, REDIRECT_STATUSES, RESPOND_OP, REWRITE_OP, RouteValue, SpilledRoute, base36,
    redirect_op, relative, relative_folded, resolve_relative, resolve_relative_folded,
};

/// The version of the layout. Bump it when the line format, the value encodings, the hash or
/// the framing change: every namespace then moves, and deploys copy the data side by side.
pub const LAYOUT_VERSION: &str = "hedgec-kvs-3";

/// How one side's lines are written. Part of the namespace: the same data under another
/// encoding is read by other code, so it never shares a namespace with it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Encoding {
    /// Keys are lower-cased (`set case insensitive`), and targets are stored relative to them
    /// with their case changes ([`relative_folded`]), read by `resolveFolded`.
    pub case_folded: bool,
    /// Buckets are front-coded (see the crate documentation), read by `frontLine`. [`pack`]
    /// decides it: only when it saves a tenth of the store.
    pub front_coded: bool,
}

impl Encoding {
    /// The reader helper that finds a line in a bucket's text.
    pub fn line_function(self) -> &'static str {
        if self.front_coded { "frontLine" } else { "line" }
    }

    /// The reader helper that resolves a target stored relative to its key.
    pub fn resolve_function(self) -> &'static str {
        if self.case_folded { "resolveFolded" } else { "resolve" }
    }

    /// What a value holds before a target stored whole (nothing shared with the key): the
    /// shared lengths, and with case folding an empty list of spans.
    pub fn whole_target(self) -> &'static str {
        if self.case_folded { "000" } else { "00" }
    }

    /// The name the namespace is derived from.
    fn name(self) -> &'static str {
        match (self.case_folded, self.front_coded) {
            (false, false) => "plain",
            (false, true) => "front-coded",
            (true, false) => "case-folded",
            (true, true) => "front-coded case-folded",
        }
    }
}

/// The line separator inside a bucket, which also opens and closes every bucket value.
pub const LINE_SEPARATOR: char = '\u{7f}';

/// Separates a host from the path in the line key of a host-qualified rule. A canonical path
/// never holds a tab (it is percent-encoded), so the two kinds of key cannot collide.
pub const HOST_SEPARATOR: char = '\t';

/// Units of a key the bucket hash reads: the longest key a KVS entry can hold. A longer key can
/// be in no bucket, so where it is looked for does not matter; every storable key is hashed
/// whole, and the cost of a lookup stays bounded however long a request's path is.
pub const HASH_UNITS: usize = MAX_KEY_BYTES;

/// Length of a namespace: the side letter and three base-36 characters.
pub const NAMESPACE_LEN: usize = 4;

/// Which function reads a namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// The viewer-request function: routes.
    Request,
    /// The viewer-response function: response headers.
    Response,
}

impl Side {
    /// Both sides.
    pub const ALL: [Side; 2] = [Side::Request, Side::Response];

    /// The first character of the side's namespaces.
    pub fn letter(self) -> char {
        match self {
            Side::Request => 'r',
            Side::Response => 'h',
        }
    }

    /// The side whose namespaces start with `letter`.
    pub fn from_letter(letter: char) -> Option<Side> {
        Side::ALL.into_iter().find(|side| side.letter() == letter)
    }
}

/// The line key of an exact rule for one host: `host<TAB>path`. It lives in the bucket of its
/// path, so one read finds both the host's rule and a host-less one for the same path.
pub fn host_key(host: &str, key: &str) -> String {
    format!("{}{HOST_SEPARATOR}{key}", host.to_ascii_lowercase())
}

/// The path of a line key: what buckets are chosen by and relative targets are written against.
pub fn path_part(key: &str) -> &str {
    key.rsplit_once(HOST_SEPARATOR).map_or(key, |(_, path)| path)
}

/// The bucket hash of a line key, as `bucket()` in [`READER_JS`] computes it: FNV-1a over the
/// first [`HASH_UNITS`] UTF-16 code units of its path part, with `Math.imul` arithmetic.
///
/// Lookup keys are canonical paths, percent-encoded to ASCII before they are hashed. That
/// matters: njs counts a character outside the Basic Multilingual Plane as one unit where the
/// standard counts two, so only for such text would the functions and this hash disagree.
pub fn bucket_hash(key: &str) -> u32 {
    fnv1a(path_part(key).encode_utf16().take(HASH_UNITS))
}

/// The bucket of a line key among `count` buckets.
pub fn bucket_of(key: &str, count: u32) -> u32 {
    bucket_hash(key) % count
}

/// FNV-1a over UTF-16 code units.
fn fnv1a(units: impl IntoIterator<Item = u16>) -> u32 {
    let mut hash: u32 = 2_166_136_261;
    for unit in units {
        hash = (hash ^ u32::from(unit)).wrapping_mul(16_777_619);
    }
    hash
}

/// The namespace of one side's plain buckets ([`namespace_for`] with the default encoding).
pub fn namespace(side: Side, count: u32, spilled: &str) -> String {
    namespace_for(side, count, Encoding::default(), spilled)
}

/// The namespace of one side's buckets: the side letter and three base-36 characters of a hash
/// of everything that decides how the entries are read: the layout version, the reading code,
/// the encoding, the bucket count and `spilled` (the encoded pattern groups kept in the store,
/// or "").
pub fn namespace_for(side: Side, count: u32, encoding: Encoding, spilled: &str) -> String {
    let signature = format!(
        "{LAYOUT_VERSION}\n{READER_JS}\n{}\n{}\n{count}\n{spilled}",
        reader::decoders_source(),
        encoding.name()
    );
    let digest = u64::from(fnv1a(signature.encode_utf16())) % (36 * 36 * 36);
    format!("{}{:0>3}", side.letter(), base36(digest))
}

/// Whether `namespace` has the shape of a namespace of `side`.
pub fn is_namespace(namespace: &str, side: Side) -> bool {
    namespace.len() == NAMESPACE_LEN
        && namespace.starts_with(side.letter())
        && namespace[1..].bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
}

/// The KVS key of a bucket.
pub fn bucket_key(namespace: &str, bucket: u32) -> String {
    format!("{namespace}{bucket}")
}

/// The namespace, side and bucket of a KVS key of hedgec's shape: a namespace, then the bucket
/// in decimal without leading zeros (any number of digits). `None` for every other key.
pub fn parse_bucket_key(key: &str) -> Option<(&str, Side, u32)> {
    let namespace = key.get(..NAMESPACE_LEN)?;
    let side = Side::from_letter(namespace.chars().next()?)?;
    let digits = &key[NAMESPACE_LEN..];
    let decimal = !digits.is_empty()
        && digits.len() <= 9
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if !(is_namespace(namespace, side) && decimal) {
        return None;
    }
    Some((namespace, side, digits.parse().ok()?))
}

/// Whether a value has the framing of a bucket: U+007F at both ends.
pub fn is_bucket_value(value: &str) -> bool {
    value.len() >= 2 && value.starts_with(LINE_SEPARATOR) && value.ends_with(LINE_SEPARATOR)
}

/// The namespace of an entry that is hedgec's (a bucket key and a framed value) on `side`, or
/// `None` for every entry that belongs to someone else.
pub fn owned_namespace<'k>(key: &'k str, value: &str, side: Side) -> Option<&'k str> {
    let (namespace, of, _) = parse_bucket_key(key)?;
    (of == side && is_bucket_value(value)).then_some(namespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_hedgec_keys_with_any_number_of_digits() {
        let framed = "\u{7f}/a b10b\u{7f}";
        assert_eq!(owned_namespace("r2rj15", framed, Side::Request), Some("r2rj"));
        assert_eq!(owned_namespace("r2rj0", framed, Side::Request), Some("r2rj"));
        assert_eq!(owned_namespace("r2rj12345", framed, Side::Request), Some("r2rj"), "five digits");
        assert_eq!(owned_namespace("r2rj15", framed, Side::Response), None);
        assert_eq!(owned_namespace("r2rj015", framed, Side::Request), None, "no leading zero");
        assert_eq!(owned_namespace("r2Rj15", framed, Side::Request), None, "lower-case base 36");
        assert_eq!(owned_namespace("r2rj", framed, Side::Request), None, "no bucket");
        assert_eq!(owned_namespace("r2rj15", "plain", Side::Request), None, "not framed");
        assert_eq!(owned_namespace("redirect1", framed, Side::Request), None);
        assert_eq!(owned_namespace("r2rj1234567890", framed, Side::Request), None, "too many digits");
        assert_eq!(parse_bucket_key(&bucket_key("h0a9", 199_999)), Some(("h0a9", Side::Response, 199_999)));
    }

    #[test]
    fn the_hash_reads_every_unit_of_a_storable_key() {
        let long = |middle: char| format!("/{}{middle}{}", "x".repeat(200), "y".repeat(200));
        assert_ne!(bucket_hash(&long('A')), bucket_hash(&long('B')));
        // Past the longest storable key, nothing more is read.
        let longer = |end: char| format!("{}{end}", "x".repeat(HASH_UNITS));
        assert_eq!(bucket_hash(&longer('A')), bucket_hash(&longer('B')));
        // The host part of a line key does not count.
        assert_eq!(bucket_hash("example.com\t/a"), bucket_hash("/a"));
        assert_eq!(bucket_hash(""), 2_166_136_261);
    }

    #[test]
    fn namespaces_follow_the_layout_only() {
        let a = namespace(Side::Request, 1001, "");
        assert!(is_namespace(&a, Side::Request), "{a}");
        assert_eq!(a, namespace(Side::Request, 1001, ""));
        assert_ne!(a, namespace(Side::Request, 1251, ""));
        assert_ne!(&a[1..], &namespace(Side::Request, 1001, "a ^/x$ /y")[1..]);
        assert!(namespace(Side::Response, 1001, "").starts_with('h'));
        let encodings = [false, true].into_iter().flat_map(|case_folded| {
            [false, true].into_iter().map(move |front_coded| Encoding { case_folded, front_coded })
        });
        let names: std::collections::BTreeSet<String> =
            encodings.map(|e| namespace_for(Side::Request, 1001, e, "")).collect();
        assert_eq!(names.len(), 4, "every encoding has its own namespace: {names:?}");
    }
}
