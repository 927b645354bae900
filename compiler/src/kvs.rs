//! The KeyValueStore layout: exact-path rules packed into hashed buckets.
//!
//! CloudFront's KVS answers exact-key reads only, and charges per read, so the layout is
//! built for one read per request and for density:
//!
//! - Every exact rule becomes a *line* `PATH VALUE`: the lookup key of the path (canonical
//!   encoding, slash-folded and case-folded per the settings), one space (keys never contain a
//!   raw space), and a compact value (see [`RouteValue`] and [`HeaderValue`]).
//! - Lines are grouped into buckets by the FNV-1a hash of the key ([`fnv1a`]) modulo the
//!   bucket count. A bucket is one KVS entry: key `{namespace}{bucket}`, value the bucket's
//!   lines sorted by key, each preceded by U+007F DELETE and the whole closed by one
//!   (`␡/a v␡/b v␡`). DELETE can appear in no rule (control characters are errors), and JSON
//!   does not escape it, so it costs one byte in `kvs.json`.
//! - The bucket count starts at 1001 and grows in steps of 250 (then by a quarter, past 9,751)
//!   until every entry fits CloudFront's 1,024 bytes (key and value). It always ends in `01` or
//!   `51`, never a round number that the minifier could shorten (`1000` prints as `1e3`), so the
//!   function code is the same size for one exact rule as for tens of thousands (up to about
//!   1.5 MB of lines, where the count passes four digits).
//! - The namespace is the side (`r` for viewer-request routes, `h` for response headers)
//!   followed by three base-36 characters derived from the function code that reads it. Code
//!   and data of one compilation therefore always agree: when a new compilation changes how
//!   the data is read, its keys are new, and old code keeps reading old keys until it is
//!   replaced. When only data changes, keys stay and only changed buckets are rewritten.
//!
//! The generated JavaScript mirrors this module (`lookup()` in `emit/mod.rs`).

use std::collections::BTreeMap;

pub use platform::{
    MAX_KVS_ENTRY_BYTES as MAX_ENTRY_BYTES, MAX_KVS_KEY_BYTES as MAX_KEY_BYTES, MAX_KVS_STORE_BYTES as MAX_STORE_BYTES,
};

/// The line separator inside a bucket.
pub const LINE_SEPARATOR: char = '\u{7f}';

/// The smallest bucket count: four digits, not a round number.
pub const MIN_BUCKETS: u32 = 1001;
/// The largest bucket count the packer tries.
pub const MAX_BUCKETS: u32 = 199_999;
/// The step by which the bucket count grows while it has four digits.
pub const BUCKET_STEP: u32 = 250;

/// The bucket count after `count`: 250 more while four digits last, then a quarter more,
/// rounded to end in `001`.
pub fn next_bucket_count(count: u32) -> u32 {
    if count + BUCKET_STEP < 10_000 { count + BUCKET_STEP } else { (count + count / 4) / 1000 * 1000 + 1 }
}
/// The fill the bucket count aims at, in bytes of lines per bucket.
pub const TARGET_FILL: usize = 640;

/// Keys longer than this many UTF-16 units are hashed by a sample (see [`fnv1a`]).
pub const HASH_SAMPLE: usize = 48;

/// Separates a host from the path in the line key of a host-qualified rule. A canonical path
/// never holds a tab (it is percent-encoded), so the two kinds of key cannot collide.
pub const HOST_SEPARATOR: char = '\t';

/// The line key of an exact rule for one host: `host<TAB>path`. It lives in the bucket of its
/// path, so one read finds both the host's rule and a host-less one for the same path.
pub fn host_key(host: &str, key: &str) -> String {
    format!("{}{HOST_SEPARATOR}{key}", host.to_ascii_lowercase())
}

/// The path of a line key: what buckets are chosen by and relative targets are written against.
pub fn path_part(key: &str) -> &str {
    key.rsplit_once(HOST_SEPARATOR).map_or(key, |(_, path)| path)
}

/// The bucket hash of a key, as `bucket()` computes it in the functions: FNV-1a over the
/// key's UTF-16 code units with `Math.imul` arithmetic. A key longer than 96 units is hashed
/// by a sample: its first 48 units, its last 48 and its length in decimal. That bounds the cost
/// of a lookup however long a request's path is; the bucket's line search still compares whole
/// keys.
pub fn fnv1a(key: &str) -> u32 {
    let key = path_part(key);
    let units: Vec<u16> = key.encode_utf16().collect();
    if units.len() > 2 * HASH_SAMPLE {
        let mut sample = units[..HASH_SAMPLE].to_vec();
        sample.extend_from_slice(&units[units.len() - HASH_SAMPLE..]);
        sample.extend(units.len().to_string().encode_utf16());
        fnv1a_units(sample)
    } else {
        fnv1a_units(units)
    }
}

/// FNV-1a over every UTF-16 code unit of a text, unsampled: what a KVS namespace is derived
/// from (the whole minified code that reads it), so that any change of the code changes it.
pub fn content_hash(text: &str) -> u32 {
    fnv1a_units(text.encode_utf16())
}

fn fnv1a_units(units: impl IntoIterator<Item = u16>) -> u32 {
    let mut hash: u32 = 2_166_136_261;
    for unit in units {
        hash = (hash ^ u32::from(unit)).wrapping_mul(16_777_619);
    }
    hash
}

/// One KVS entry, as written to `kvs.json`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    /// The KVS key.
    pub key: String,
    /// The KVS value.
    pub value: String,
}

impl Entry {
    /// Bytes of key and value, the measure CloudFront limits.
    pub fn bytes(&self) -> usize {
        self.key.len() + self.value.len()
    }
}

/// A line that cannot be placed: alone over the entry limit, or too large to share a bucket
/// with the lines it keeps colliding with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Oversized {
    /// The line's lookup key.
    pub key: String,
    /// Bytes the bucket entry would need.
    pub bytes: usize,
    /// Whether the line fits alone but could not be packed with others.
    pub crowded: bool,
}

/// Lines of one namespace, and the buckets they are packed into.
#[derive(Clone, Debug)]
pub struct Buckets {
    /// The key prefix, e.g. `r7kq`.
    pub namespace: String,
    /// The bucket count (four digits).
    pub count: u32,
    /// The entries, sorted by key.
    pub entries: Vec<Entry>,
}

/// Packs `lines` (lookup key → value) into buckets under `namespace`.
///
/// Fails with the lines that fit in no bucket: over the entry limit alone, or (rarely, for
/// lines of several hundred bytes) colliding in every bucket count tried.
pub fn pack(namespace: &str, lines: &BTreeMap<String, String>) -> Result<Buckets, Vec<Oversized>> {
    let overhead = namespace.len() + 6 + 2; // key digits, the leading and closing separators
    let oversized: Vec<Oversized> = lines
        .iter()
        .map(|(key, value)| (key, overhead + key.len() + 1 + value.len() + 1))
        .filter(|&(key, bytes)| bytes > MAX_ENTRY_BYTES || key.len() > MAX_KEY_BYTES)
        .map(|(key, bytes)| Oversized { key: key.clone(), bytes, crowded: false })
        .collect();
    if !oversized.is_empty() {
        return Err(oversized);
    }
    let total: usize = lines.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
    let wanted = (total / TARGET_FILL) as u32 + 1;
    let mut count = MIN_BUCKETS;
    while count < wanted {
        count = next_bucket_count(count);
    }
    loop {
        let entries = fill(namespace, lines, count);
        let too_large: Vec<&Entry> = entries.iter().filter(|entry| entry.bytes() > MAX_ENTRY_BYTES).collect();
        if too_large.is_empty() {
            return Ok(Buckets { namespace: namespace.to_string(), count, entries });
        }
        let next = next_bucket_count(count);
        if next > MAX_BUCKETS {
            let crowded = lines
                .iter()
                .filter(|(key, _)| too_large.iter().any(|e| e.key == format!("{namespace}{}", fnv1a(key) % count)))
                .map(|(key, value)| Oversized {
                    key: key.clone(),
                    bytes: overhead + key.len() + value.len() + 2,
                    crowded: true,
                })
                .collect();
            return Err(crowded);
        }
        count = next;
    }
}

fn fill(namespace: &str, lines: &BTreeMap<String, String>, count: u32) -> Vec<Entry> {
    let mut buckets: BTreeMap<u32, String> = BTreeMap::new();
    // `lines` is sorted by key, so each bucket's lines come out sorted too.
    for (key, value) in lines {
        let bucket = buckets.entry(fnv1a(key) % count).or_insert_with(|| LINE_SEPARATOR.to_string());
        bucket.push_str(key);
        bucket.push(' ');
        bucket.push_str(value);
        bucket.push(LINE_SEPARATOR);
    }
    let mut entries: Vec<Entry> =
        buckets.into_iter().map(|(bucket, value)| Entry { key: format!("{namespace}{bucket}"), value }).collect();
    entries.sort();
    entries
}

/// Looks a key up the way the functions do: the value of its line, if any.
pub fn lookup<'a>(entries: &'a [Entry], namespace: &str, count: u32, key: &str) -> Option<&'a str> {
    let bucket_key = format!("{namespace}{}", fnv1a(key) % count);
    let entry = entries.binary_search_by(|e| e.key.as_str().cmp(&bucket_key)).ok().map(|i| &entries[i])?;
    let needle = format!("{LINE_SEPARATOR}{key} ");
    let start = entry.value.find(&needle)? + needle.len();
    let end = start + entry.value[start..].find(LINE_SEPARATOR)?;
    Some(&entry.value[start..end])
}

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
    /// The encoded value for a line with lookup key `key`.
    pub fn encode(&self, key: &str) -> String {
        match *self {
            RouteValue::Redirect { status, target, keep_query } => {
                let index = REDIRECT_STATUSES.iter().position(|&s| s == status).expect("redirect status");
                let op = REDIRECT_OPS.as_bytes()[2 * index + usize::from(keep_query)] as char;
                format!("{op}{}", relative(key, target))
            }
            RouteValue::Rewrite { target } => format!("{REWRITE_OP}{}", relative(key, target)),
            RouteValue::Respond { status, body } => format!("{RESPOND_OP}{status:03}{body}"),
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

/// The op of an action, as in a route line: a redirect letter, `w`, or `x` and the status.
pub fn op(action: &rules_dsl::ir::Action) -> String {
    use rules_dsl::ir::Action;
    match action {
        Action::Redirect { status, keep_query, .. } => {
            let index = REDIRECT_STATUSES.iter().position(|s| s == status).expect("redirect status");
            (REDIRECT_OPS.as_bytes()[2 * index + usize::from(*keep_query)] as char).to_string()
        }
        Action::Rewrite { .. } => REWRITE_OP.to_string(),
        Action::Respond { status, .. } => format!("{RESPOND_OP}{status:03}"),
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

/// Writes entries in AWS's import format, `{"data":[{"key":…,"value":…},…]}`, one entry per
/// line, keys sorted.
pub fn to_import_json(entries: &[Entry]) -> String {
    let mut out = String::from("{\"data\":[");
    for (i, entry) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("\n{\"key\":");
        out.push_str(&serde_json::to_string(&entry.key).expect("string"));
        out.push_str(",\"value\":");
        out.push_str(&serde_json::to_string(&entry.value).expect("string"));
        out.push('}');
    }
    if !entries.is_empty() {
        out.push('\n');
    }
    out.push_str("]}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_matches_javascript() {
        // Values computed with Math.imul in njs.
        assert_eq!(fnv1a(""), 2_166_136_261);
        assert_eq!(fnv1a("/a"), fnv1a("/a"));
        assert_ne!(fnv1a("/a"), fnv1a("/b"));
    }

    #[test]
    fn namespaces_see_the_whole_code() {
        // The bucket hash reads a line key's path part (after a tab) and samples long keys;
        // the content hash reads everything.
        let tab = |middle: char| format!("{}{middle}\t{}", "x".repeat(60), "y".repeat(60));
        assert_eq!(fnv1a(&tab('A')), fnv1a(&tab('B')));
        assert_ne!(content_hash(&tab('A')), content_hash(&tab('B')));
        let long = |middle: char| format!("{}{middle}{}", "x".repeat(60), "y".repeat(60));
        assert_eq!(fnv1a(&long('A')), fnv1a(&long('B')));
        assert_ne!(content_hash(&long('A')), content_hash(&long('B')));
    }

    #[test]
    fn bucket_counts_are_never_round() {
        let mut count = MIN_BUCKETS;
        while count <= MAX_BUCKETS {
            assert!(count % 50 == 1, "{count}");
            count = next_bucket_count(count);
        }
    }

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
    fn packing_is_deterministic_and_findable() {
        let lines: BTreeMap<String, String> = (0..5000)
            .map(|i| {
                (
                    format!("/base/some-{i}"),
                    format!("a{}", relative(&format!("/base/some-{i}"), &format!("/base/another-{i}"))),
                )
            })
            .collect();
        let a = pack("rabc", &lines).unwrap();
        let b = pack("rabc", &lines).unwrap();
        assert_eq!(a.entries, b.entries);
        assert!((MIN_BUCKETS..10_000).contains(&a.count));
        assert!(a.entries.iter().all(|e| e.bytes() <= MAX_ENTRY_BYTES));
        for (key, value) in &lines {
            assert_eq!(lookup(&a.entries, "rabc", a.count, key), Some(value.as_str()));
        }
        assert_eq!(lookup(&a.entries, "rabc", a.count, "/base/some-"), None);
    }
}
