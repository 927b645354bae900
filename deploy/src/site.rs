//! What a deploy brings CloudFront to: the functions and the KVS entries of one compiled
//! site ([`Site::from_compiled`]), and how hedgec recognises its own entries in a store.
//!
//! hedgec's KVS layout belongs to the `kvs-layout` crate: every entry is named
//! `{namespace}{bucket}`, a side letter and three base-36 characters, then the bucket in
//! decimal (any number of digits), with a value framed by U+007F on both ends. An entry of that
//! shape is hedgec's; every other entry belongs to someone else and a deploy never deletes it.

use std::collections::BTreeMap;
use std::fmt;

pub use kvs_layout::Side;

/// The runtime every hedgec function declares.
pub const RUNTIME: &str = "cloudfront-js-2.0";

/// The viewer-response function deployed for rules without header rules: it returns the
/// response unchanged.
pub const PASS_THROUGH: &str = "function handler(event) { return event.response; }";

/// One function to deploy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionSpec {
    /// The CloudFront function's name.
    pub name: String,
    /// The code, exactly as it is to be stored.
    pub code: String,
    /// The function's comment (at most 128 characters).
    pub comment: String,
    /// Which side of the layout this function's entries are on.
    pub side: Side,
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

/// The CloudFront functions a site deploys to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionNames {
    /// The viewer-request function.
    pub request: String,
    /// The viewer-response function: required when the rules have header rules; without them
    /// it is given [`PASS_THROUGH`].
    pub response: Option<String>,
}

/// Why a compilation cannot become a site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SiteError {
    /// Both functions have the same name.
    SameName,
    /// The rules have header rules but no viewer-response function was named.
    ResponseFunctionMissing,
}

impl fmt::Display for SiteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SiteError::SameName => f.write_str("the request and response functions must have different names"),
            SiteError::ResponseFunctionMissing => f.write_str(
                "the rules have header rules, which run in a viewer-response function: name a response function",
            ),
        }
    }
}

impl std::error::Error for SiteError {}

impl Site {
    /// The site of a compilation: the viewer-request function, the viewer-response function
    /// when one is named, and the KVS entries. `store_id` is the rules' `set kvs-id`.
    pub fn from_compiled(
        output: &compiler::CompileReturn,
        names: &FunctionNames,
        store_id: Option<String>,
    ) -> Result<Site, SiteError> {
        let mut functions = vec![FunctionSpec {
            name: names.request.clone(),
            code: output.request.clone(),
            comment: "hedgec viewer-request".into(),
            side: Side::Request,
            namespace: output.request_store.as_ref().map(|s| s.namespace.clone()),
        }];
        match (&names.response, &output.response) {
            (Some(name), _) if name == &names.request => return Err(SiteError::SameName),
            (Some(name), response) => functions.push(FunctionSpec {
                name: name.clone(),
                code: response.clone().unwrap_or_else(|| PASS_THROUGH.to_string()),
                comment: "hedgec viewer-response".into(),
                side: Side::Response,
                namespace: output.response_store.as_ref().map(|s| s.namespace.clone()),
            }),
            (None, Some(_)) => return Err(SiteError::ResponseFunctionMissing),
            (None, None) => {}
        }
        Ok(Site { functions, entries: output.kvs.iter().map(|e| (e.key.clone(), e.value.clone())).collect(), store_id })
    }
}

/// The namespace of a hedgec entry of `side`, or `None` when the entry is not hedgec's.
pub fn owned_namespace<'k>(key: &'k str, value: &str, side: Side) -> Option<&'k str> {
    kvs_layout::owned_namespace(key, value, side)
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

/// The entries of `namespace` among `entries`.
pub fn entries_of<'a>(
    entries: &'a BTreeMap<String, String>,
    namespace: &str,
    side: Side,
) -> BTreeMap<&'a str, &'a str> {
    entries
        .iter()
        .filter(|(key, value)| owned_namespace(key, value, side) == Some(namespace))
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_hedgec_entries_only() {
        let framed = "\u{7f}/a b10b\u{7f}";
        assert_eq!(owned_namespace("r2rj15", framed, Side::Request), Some("r2rj"));
        assert_eq!(owned_namespace("r2rj12345", framed, Side::Request), Some("r2rj"), "five digits");
        assert_eq!(owned_namespace("r2rj15", framed, Side::Response), None);
        assert_eq!(owned_namespace("r2rj15", "plain", Side::Request), None, "not framed");
    }

    #[test]
    fn renames() {
        let code = "a=\"r00z\"+b";
        let entries = BTreeMap::from([("r00z1".to_string(), "v".to_string()), ("x".to_string(), "w".to_string())]);
        assert_eq!(nth_after("r00z", 1), "r010");
        assert_eq!(nth_after("rzzz", 1), "r000");
        let (renamed, moved) = rename(code, &entries, "r00z", "r010").unwrap();
        assert_eq!(renamed, "a=\"r010\"+b");
        assert_eq!(moved.keys().collect::<Vec<_>>(), ["r0101", "x"]);
        assert!(rename("\"r00z\"\"r00z\"", &entries, "r00z", "r010").is_none());
        assert!(reads_namespace(code, "r00z") && !reads_namespace(code, "r010"));
    }
}
