//! What a deploy brings CloudFront to: the functions and the KVS entries of one compiled
//! site, and how hedgec recognises its own entries in a store.
//!
//! hedgec's KVS layout (the compiler's `kvs` module) names every entry `{namespace}{bucket}`:
//! the namespace is a side letter (`r` for the viewer-request function, `h` for the
//! viewer-response function) and three base-36 characters derived from the code that reads
//! it; the bucket is a decimal number below 10,000; the value is framed by U+007F on both
//! ends. An entry of that shape is hedgec's; every other entry belongs to someone else and a
//! deploy never deletes it.

use std::collections::BTreeMap;

/// The character that opens and closes every hedgec bucket value (the compiler's
/// `kvs::LINE_SEPARATOR`).
pub const FRAME: char = '\u{7f}';

/// Length of a namespace: the side letter and three base-36 characters.
pub const NAMESPACE_LEN: usize = 4;

/// The runtime every hedgec function declares.
pub const RUNTIME: &str = "cloudfront-js-2.0";

/// One function to deploy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionSpec {
    /// The CloudFront function's name.
    pub name: String,
    /// The code, exactly as it is to be stored.
    pub code: String,
    /// The function's comment (at most 128 characters).
    pub comment: String,
    /// The first character of the namespaces this function's entries use (`r` or `h`).
    pub side: char,
    /// The namespace the code reads, if it reads the store.
    pub namespace: Option<String>,
}

/// A compiled site: its functions and the store contents they read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Site {
    /// The functions, in the order they are deployed.
    pub functions: Vec<FunctionSpec>,
    /// The KVS entries the functions read, key to value.
    pub entries: BTreeMap<String, String>,
    /// The store ID the code names (`set kvs-id`), which the store must have.
    pub store_id: Option<String>,
}

/// The namespace of a hedgec entry of side `side`, or `None` when the entry is not hedgec's.
pub fn owned_namespace<'k>(key: &'k str, value: &str, side: char) -> Option<&'k str> {
    let bytes = key.as_bytes();
    if bytes.len() <= NAMESPACE_LEN || bytes[0] != side as u8 {
        return None;
    }
    let (namespace, bucket) = key.split_at(NAMESPACE_LEN);
    let base36 = namespace[1..].bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase());
    let decimal =
        bucket.len() <= 4 && bucket.bytes().all(|b| b.is_ascii_digit()) && (bucket == "0" || !bucket.starts_with('0'));
    let framed = value.len() >= 2 && value.starts_with(FRAME) && value.ends_with(FRAME);
    (base36 && decimal && framed).then_some(namespace)
}

/// Whether `code` reads the namespace `namespace`: generated code names it once, as a
/// double-quoted string literal.
pub fn reads_namespace(code: &str, namespace: &str) -> bool {
    code.contains(&literal(namespace))
}

/// The string literal by which code names a namespace.
pub fn literal(namespace: &str) -> String {
    format!("\"{namespace}\"")
}

/// Whether `namespace` has the shape of a namespace of side `side`.
pub fn is_namespace(namespace: &str, side: char) -> bool {
    namespace.len() == NAMESPACE_LEN
        && namespace.starts_with(side)
        && namespace[1..].bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
}

/// The `n`-th namespace after `namespace` on its side, wrapping around.
pub fn nth_after(namespace: &str, n: u64) -> String {
    let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let value =
        namespace[1..].bytes().fold(0u64, |acc, b| acc * 36 + digits.iter().position(|&d| d == b).unwrap_or(0) as u64);
    let mut next = (value + n) % (36 * 36 * 36);
    let mut out = [b'0'; 3];
    for slot in out.iter_mut().rev() {
        *slot = digits[(next % 36) as usize];
        next /= 36;
    }
    format!("{}{}", &namespace[..1], std::str::from_utf8(&out).expect("ascii"))
}

/// `code` and `entries` with namespace `from` renamed to `to`. Fails when the code does not
/// name `from` exactly once.
pub fn rename(
    code: &str,
    entries: &BTreeMap<String, String>,
    from: &str,
    to: &str,
) -> Option<(String, BTreeMap<String, String>)> {
    if code.matches(&literal(from)).count() != 1 {
        return None;
    }
    let code = code.replacen(&literal(from), &literal(to), 1);
    let entries = entries
        .iter()
        .map(|(key, value)| match key.strip_prefix(from) {
            Some(bucket) => (format!("{to}{bucket}"), value.clone()),
            None => (key.clone(), value.clone()),
        })
        .collect();
    Some((code, entries))
}

/// When `live` is `code` with only the namespace literal changed, the namespace `live` uses.
pub fn same_code_other_namespace(code: &str, namespace: &str, live: &str) -> Option<String> {
    let at = code.find(&literal(namespace))?;
    if live.len() != code.len() || live.get(..at)? != &code[..at] {
        return None;
    }
    let end = at + NAMESPACE_LEN + 2;
    if live.get(end..)? != &code[end..] || live.get(at..at + 1)? != "\"" || live.get(end - 1..end)? != "\"" {
        return None;
    }
    let other = &live[at + 1..end - 1];
    let side = namespace.chars().next()?;
    (other != namespace && is_namespace(other, side)).then(|| other.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_hedgec_entries_only() {
        let framed = "\u{7f}/a b10b\u{7f}";
        assert_eq!(owned_namespace("r2rj15", framed, 'r'), Some("r2rj"));
        assert_eq!(owned_namespace("r2rj0", framed, 'r'), Some("r2rj"));
        assert_eq!(owned_namespace("r2rj15", framed, 'h'), None);
        assert_eq!(owned_namespace("r2rj015", framed, 'r'), None, "no leading zero");
        assert_eq!(owned_namespace("r2rj12345", framed, 'r'), None, "at most four digits");
        assert_eq!(owned_namespace("r2Rj15", framed, 'r'), None, "lower-case base 36");
        assert_eq!(owned_namespace("r2rj", framed, 'r'), None, "no bucket");
        assert_eq!(owned_namespace("r2rj15", "plain", 'r'), None, "not framed");
        assert_eq!(owned_namespace("redirect1", framed, 'r'), None);
    }

    #[test]
    fn renames_and_recognises_renamed_code() {
        let code = "a=\"r00z\"+b";
        let entries = BTreeMap::from([("r00z1".to_string(), "v".to_string()), ("x".to_string(), "w".to_string())]);
        assert_eq!(nth_after("r00z", 1), "r010");
        assert_eq!(nth_after("rzzz", 1), "r000");
        let (renamed, moved) = rename(code, &entries, "r00z", "r010").unwrap();
        assert_eq!(renamed, "a=\"r010\"+b");
        assert_eq!(moved.keys().collect::<Vec<_>>(), ["r0101", "x"]);
        assert_eq!(same_code_other_namespace(code, "r00z", &renamed).as_deref(), Some("r010"));
        assert_eq!(same_code_other_namespace(code, "r00z", code), None);
        assert_eq!(same_code_other_namespace(code, "r00z", "a=\"r010\"+c"), None);
        assert!(rename("\"r00z\"\"r00z\"", &entries, "r00z", "r010").is_none());
        assert!(reads_namespace(code, "r00z") && !reads_namespace(code, "r010"));
    }
}
