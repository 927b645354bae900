//! What the fake services remember, and the operations on it, with the services' rules:
//! ETags and `If-Match`, stages, store status, and the KeyValueStore limits.

use std::collections::BTreeMap;

/// CloudFront's namespace for XML bodies.
pub const XMLNS: &str = "http://cloudfront.amazonaws.com/doc/2020-05-31/";
/// The account the fake plays.
pub const ACCOUNT: &str = "123456789012";
/// Keys per `UpdateKeys` call.
pub const MAX_BATCH_KEYS: usize = 50;
/// Bytes of an `UpdateKeys` request body.
pub const MAX_BATCH_BYTES: usize = 3 * 1024 * 1024;
/// Bytes of a key.
pub const MAX_KEY_BYTES: usize = 512;
/// Bytes of a value.
pub const MAX_VALUE_BYTES: usize = 1024;
/// Bytes of a store (keys and values).
pub const MAX_STORE_BYTES: u64 = 5 * 1024 * 1024;
/// Bytes of a function's code.
pub const MAX_FUNCTION_BYTES: usize = 10 * 1024;
/// A store name's or function name's longest length.
pub const MAX_NAME_BYTES: usize = 64;

/// A service error: HTTP status, the error code the SDKs match on, and a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// The error code (`PreconditionFailed`, `ConflictException`, ...).
    pub code: &'static str,
    /// The message.
    pub message: String,
}

impl ApiError {
    /// An error.
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into() }
    }
}

/// One stage of a function: its code and configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionVersion {
    /// The code, as uploaded.
    pub code: Vec<u8>,
    /// The comment.
    pub comment: String,
    /// `cloudfront-js-1.0` or `cloudfront-js-2.0`.
    pub runtime: String,
    /// ARNs of the associated stores.
    pub stores: Vec<String>,
}

/// A CloudFront function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    /// The DEVELOPMENT stage.
    pub development: FunctionVersion,
    /// The LIVE stage, once published.
    pub live: Option<FunctionVersion>,
    /// The ETag of the DEVELOPMENT stage.
    pub etag: String,
}

impl Function {
    /// `UNPUBLISHED` until the DEVELOPMENT stage is what is LIVE, then `UNASSOCIATED`.
    pub fn status(&self) -> &'static str {
        if self.live.as_ref() == Some(&self.development) { "UNASSOCIATED" } else { "UNPUBLISHED" }
    }
}

/// A KeyValueStore, with both its control-plane and data-plane views.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Store {
    /// The store's ID.
    pub id: String,
    /// The comment.
    pub comment: String,
    /// `PROVISIONING` or `READY`.
    pub status: &'static str,
    /// Control-plane describes left until a new store is `READY`.
    pub provisioning_reads: u32,
    /// The control-plane ETag.
    pub control_etag: String,
    /// The data-plane ETag, which every write must name.
    pub etag: String,
    /// The contents.
    pub items: BTreeMap<String, String>,
}

impl Store {
    /// The store's ARN.
    pub fn arn(&self) -> String {
        format!("arn:aws:cloudfront::{ACCOUNT}:key-value-store/{}", self.id)
    }

    /// Bytes of keys and values.
    pub fn size(&self) -> u64 {
        self.items.iter().map(|(k, v)| (k.len() + v.len()) as u64).sum()
    }
}

/// Everything the fake services hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct State {
    /// Functions by name.
    pub functions: BTreeMap<String, Function>,
    /// Stores by name.
    pub stores: BTreeMap<String, Store>,
    /// Feeds ETags and IDs.
    counter: u64,
    /// Control-plane describes a new store stays `PROVISIONING` for.
    pub provisioning_reads: u32,
}

/// A batch of key changes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyChanges {
    /// Keys to set, with their values.
    pub puts: Vec<(String, String)>,
    /// Keys to remove.
    pub deletes: Vec<String>,
}

impl State {
    fn next_tag(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}{:06X}", self.counter)
    }

    fn check_name(name: &str) -> Result<(), ApiError> {
        let valid = !name.is_empty()
            && name.len() <= MAX_NAME_BYTES
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if valid { Ok(()) } else { Err(ApiError::new(400, "InvalidArgument", format!("invalid name {name:?}"))) }
    }

    fn check_version(&self, version: &FunctionVersion) -> Result<(), ApiError> {
        if version.code.len() > MAX_FUNCTION_BYTES {
            return Err(ApiError::new(413, "FunctionSizeLimitExceeded", "the function code is too large"));
        }
        if version.code.is_empty() {
            return Err(ApiError::new(400, "InvalidArgument", "FunctionCode is required"));
        }
        if !matches!(version.runtime.as_str(), "cloudfront-js-1.0" | "cloudfront-js-2.0") {
            return Err(ApiError::new(400, "InvalidArgument", format!("unknown runtime {:?}", version.runtime)));
        }
        if version.stores.len() > 1 {
            return Err(ApiError::new(400, "InvalidArgument", "a function can be associated with one store"));
        }
        if version.runtime == "cloudfront-js-1.0" && !version.stores.is_empty() {
            return Err(ApiError::new(400, "InvalidArgument", "cloudfront-js-1.0 functions cannot use a store"));
        }
        for arn in &version.stores {
            if !self.stores.values().any(|s| &s.arn() == arn) {
                return Err(ApiError::new(404, "EntityNotFound", format!("no store {arn}")));
            }
        }
        Ok(())
    }

    fn function_mut(&mut self, name: &str) -> Result<&mut Function, ApiError> {
        self.functions
            .get_mut(name)
            .ok_or_else(|| ApiError::new(404, "NoSuchFunctionExists", format!("The function {name} does not exist.")))
    }

    fn check_if_match(expected: &str, if_match: Option<&str>) -> Result<(), ApiError> {
        match if_match {
            None => Err(ApiError::new(400, "InvalidIfMatchVersion", "The If-Match version is missing or not valid.")),
            Some(tag) if tag == expected => Ok(()),
            Some(_) => Err(ApiError::new(
                412,
                "PreconditionFailed",
                "The precondition given in one or more of the request header fields evaluated to false.",
            )),
        }
    }

    /// `CreateFunction`: returns the new ETag.
    pub fn create_function(&mut self, name: &str, version: FunctionVersion) -> Result<String, ApiError> {
        Self::check_name(name)?;
        if self.functions.contains_key(name) {
            return Err(ApiError::new(
                409,
                "FunctionAlreadyExists",
                format!("A function with the name {name} already exists."),
            ));
        }
        self.check_version(&version)?;
        let etag = self.next_tag("E");
        self.functions.insert(name.to_string(), Function { development: version, live: None, etag: etag.clone() });
        Ok(etag)
    }

    /// `UpdateFunction`: returns the new ETag.
    pub fn update_function(
        &mut self,
        name: &str,
        if_match: Option<&str>,
        version: FunctionVersion,
    ) -> Result<String, ApiError> {
        let expected = self.function_mut(name)?.etag.clone();
        Self::check_if_match(&expected, if_match)?;
        self.check_version(&version)?;
        let etag = self.next_tag("E");
        let function = self.function_mut(name)?;
        function.development = version;
        function.etag = etag.clone();
        Ok(etag)
    }

    /// `PublishFunction`: copies DEVELOPMENT to LIVE. The ETag stays.
    pub fn publish_function(&mut self, name: &str, if_match: Option<&str>) -> Result<(), ApiError> {
        let function = self.function_mut(name)?;
        Self::check_if_match(&function.etag, if_match)?;
        function.live = Some(function.development.clone());
        Ok(())
    }

    /// A stage of a function and the ETag to report with it.
    pub fn function_stage(&self, name: &str, live: bool) -> Result<(&FunctionVersion, &Function), ApiError> {
        let missing = || ApiError::new(404, "NoSuchFunctionExists", format!("The function {name} does not exist."));
        let function = self.functions.get(name).ok_or_else(missing)?;
        let version = if live { function.live.as_ref().ok_or_else(missing)? } else { &function.development };
        Ok((version, function))
    }

    /// Someone else saves the function unchanged: only its ETag moves.
    pub fn touch_function(&mut self, name: &str) -> bool {
        let etag = self.next_tag("E");
        match self.functions.get_mut(name) {
            Some(function) => {
                function.etag = etag;
                true
            }
            None => false,
        }
    }

    /// `CreateKeyValueStore`.
    pub fn create_store(&mut self, name: &str, comment: &str) -> Result<&Store, ApiError> {
        Self::check_name(name)?;
        if self.stores.contains_key(name) {
            return Err(ApiError::new(
                409,
                "EntityAlreadyExists",
                format!("The key value store {name} already exists."),
            ));
        }
        let id = {
            self.counter += 1;
            format!("{:08x}-0000-4000-8000-{:012x}", self.counter, self.counter)
        };
        let store = Store {
            id,
            comment: comment.to_string(),
            status: if self.provisioning_reads == 0 { "READY" } else { "PROVISIONING" },
            provisioning_reads: self.provisioning_reads,
            control_etag: self.next_tag("K"),
            etag: self.next_tag("D"),
            items: BTreeMap::new(),
        };
        self.stores.insert(name.to_string(), store);
        Ok(&self.stores[name])
    }

    /// Control-plane `DescribeKeyValueStore`: each call brings a new store closer to `READY`.
    pub fn describe_store(&mut self, name: &str) -> Result<&Store, ApiError> {
        let store = self.stores.get_mut(name).ok_or_else(|| {
            ApiError::new(404, "EntityNotFound", format!("The key value store {name} was not found."))
        })?;
        if store.provisioning_reads > 0 {
            store.provisioning_reads -= 1;
        } else {
            store.status = "READY";
        }
        Ok(store)
    }

    /// The name of the store with this ARN, for the data plane.
    pub fn store_by_arn(&self, arn: &str) -> Result<String, ApiError> {
        let (name, store) = self
            .stores
            .iter()
            .find(|(_, s)| s.arn() == arn)
            .ok_or_else(|| ApiError::new(404, "ResourceNotFoundException", format!("Resource {arn} not found")))?;
        if store.status != "READY" {
            return Err(ApiError::new(409, "ConflictException", "The key value store is not ready."));
        }
        Ok(name.clone())
    }

    /// Data-plane `UpdateKeys`, all or nothing: returns the new ETag.
    pub fn update_keys(
        &mut self,
        name: &str,
        if_match: Option<&str>,
        changes: &KeyChanges,
        body_bytes: usize,
    ) -> Result<String, ApiError> {
        let invalid = |message: String| Err(ApiError::new(400, "ValidationException", message));
        let count = changes.puts.len() + changes.deletes.len();
        if count == 0 {
            return invalid("Puts or Deletes must not be empty".into());
        }
        if count > MAX_BATCH_KEYS {
            return invalid(format!("at most {MAX_BATCH_KEYS} keys per request, got {count}"));
        }
        if body_bytes > MAX_BATCH_BYTES {
            return invalid(format!("the request is {body_bytes} bytes, over {MAX_BATCH_BYTES}"));
        }
        let mut seen = std::collections::BTreeSet::new();
        for key in changes.puts.iter().map(|(k, _)| k).chain(&changes.deletes) {
            if key.is_empty() || key.len() > MAX_KEY_BYTES {
                return invalid(format!("key of {} bytes", key.len()));
            }
            if !seen.insert(key) {
                return invalid(format!("key {key:?} appears twice"));
            }
        }
        if let Some((key, _)) = changes.puts.iter().find(|(_, v)| v.len() > MAX_VALUE_BYTES) {
            return invalid(format!("the value of {key:?} is over {MAX_VALUE_BYTES} bytes"));
        }
        let store = self.stores.get(name).expect("store looked up by ARN");
        if if_match.is_none() {
            return invalid("If-Match is required".into());
        }
        if if_match != Some(store.etag.as_str()) {
            return Err(ApiError::new(409, "ConflictException", "Pre-condition failed: the ETag does not match."));
        }
        let mut items = store.items.clone();
        for (key, value) in &changes.puts {
            items.insert(key.clone(), value.clone());
        }
        for key in &changes.deletes {
            items.remove(key);
        }
        let size: u64 = items.iter().map(|(k, v)| (k.len() + v.len()) as u64).sum();
        if size > MAX_STORE_BYTES {
            return Err(ApiError::new(402, "ServiceQuotaExceededException", "The store would exceed its size limit."));
        }
        let etag = self.next_tag("D");
        let store = self.stores.get_mut(name).expect("store looked up by ARN");
        store.items = items;
        store.etag = etag.clone();
        Ok(etag)
    }

    /// Someone else writes a key of their own to the store, which moves its ETag.
    pub fn foreign_write(&mut self, name: &str) -> bool {
        let etag = self.next_tag("D");
        let counter = self.counter;
        match self.stores.get_mut(name) {
            Some(store) => {
                store.items.insert(format!("other-writer-{}", counter % 7), format!("value {counter}"));
                store.etag = etag;
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(code: &str) -> FunctionVersion {
        FunctionVersion {
            code: code.as_bytes().to_vec(),
            comment: String::new(),
            runtime: "cloudfront-js-2.0".into(),
            stores: vec![],
        }
    }

    #[test]
    fn functions_follow_etags_and_stages() {
        let mut state = State::default();
        let etag = state.create_function("f", version("a")).unwrap();
        assert_eq!(state.create_function("f", version("a")).unwrap_err().code, "FunctionAlreadyExists");
        assert!(state.function_stage("f", true).is_err());
        assert_eq!(state.update_function("f", Some("nope"), version("b")).unwrap_err().status, 412);
        assert_eq!(state.update_function("f", None, version("b")).unwrap_err().code, "InvalidIfMatchVersion");
        let etag2 = state.update_function("f", Some(&etag), version("b")).unwrap();
        assert_ne!(etag, etag2);
        assert_eq!(state.publish_function("f", Some(&etag)).unwrap_err().code, "PreconditionFailed");
        state.publish_function("f", Some(&etag2)).unwrap();
        assert_eq!(state.function_stage("f", true).unwrap().0.code, b"b");
        assert_eq!(state.functions["f"].status(), "UNASSOCIATED");
    }

    #[test]
    fn stores_check_etags_and_limits() {
        let mut state = State { provisioning_reads: 1, ..State::default() };
        let arn = state.create_store("s", "").unwrap().arn();
        assert_eq!(state.store_by_arn(&arn).unwrap_err().code, "ConflictException");
        assert_eq!(state.describe_store("s").unwrap().status, "PROVISIONING");
        assert_eq!(state.describe_store("s").unwrap().status, "READY");
        let name = state.store_by_arn(&arn).unwrap();
        let etag = state.stores[&name].etag.clone();
        let put = KeyChanges { puts: vec![("k".into(), "v".into())], deletes: vec![] };
        assert_eq!(state.update_keys(&name, Some("old"), &put, 10).unwrap_err().status, 409);
        let etag2 = state.update_keys(&name, Some(&etag), &put, 10).unwrap();
        assert_eq!(state.stores[&name].items["k"], "v");
        let too_many =
            KeyChanges { puts: (0..51).map(|i| (format!("k{i}"), String::new())).collect(), deletes: vec![] };
        assert_eq!(state.update_keys(&name, Some(&etag2), &too_many, 10).unwrap_err().code, "ValidationException");
        let big = KeyChanges { puts: vec![("k".into(), "x".repeat(1025))], deletes: vec![] };
        assert_eq!(state.update_keys(&name, Some(&etag2), &big, 10).unwrap_err().status, 400);
        assert!(state.foreign_write(&name));
        assert_eq!(state.update_keys(&name, Some(&etag2), &put, 10).unwrap_err().status, 409);
    }
}
