//! What is live: the store (from both planes) and each function's DEVELOPMENT and LIVE stages,
//! as read from CloudFront before planning.

use std::collections::BTreeMap;

/// A function's settings besides its code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionConfig {
    /// The comment.
    pub comment: String,
    /// The runtime, e.g. `cloudfront-js-2.0`.
    pub runtime: String,
    /// ARNs of the associated stores.
    pub stores: Vec<String>,
}

/// One stage of a function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    /// The code.
    pub code: String,
    /// The settings.
    pub config: FunctionConfig,
}

/// A function as CloudFront has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveFunction {
    /// The DEVELOPMENT stage.
    pub development: Stage,
    /// The DEVELOPMENT stage's ETag, which updates and publishing must name.
    pub etag: String,
    /// The LIVE stage, once published.
    pub live: Option<Stage>,
}

/// The store as CloudFront has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveStore {
    /// The store's name.
    pub name: String,
    /// The store's ID.
    pub id: String,
    /// The store's ARN.
    pub arn: String,
    /// The data plane's ETag, which the next write must name.
    pub etag: String,
    /// The contents.
    pub items: BTreeMap<String, String>,
}

impl LiveStore {
    /// Bytes of keys and values.
    pub fn bytes(&self) -> usize {
        self.items.iter().map(|(k, v)| k.len() + v.len()).sum()
    }
}

/// Everything a plan is made from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Live {
    /// The store, `None` when it does not exist.
    pub store: Option<LiveStore>,
    /// The functions this deploy manages that exist, by name.
    pub functions: BTreeMap<String, LiveFunction>,
    /// The LIVE code of other functions associated with the store, by name: the entries they
    /// read must stay.
    pub others: BTreeMap<String, String>,
}
