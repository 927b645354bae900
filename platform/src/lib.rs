//! Facts about CloudFront Functions and the KeyValueStore that more than one crate relies on.
//! Sources are in `shared/research/cloudfront-runtime.md` (sections 2.4, 3.2 and 4.1).

pub mod headers;

/// The largest function CloudFront accepts, in bytes of source as uploaded.
pub const MAX_FUNCTION_BYTES: usize = 10 * 1024;
/// The largest KVS key, in bytes.
pub const MAX_KVS_KEY_BYTES: usize = 512;
/// The largest KVS key and value together, in bytes.
pub const MAX_KVS_ENTRY_BYTES: usize = 1024;
/// The largest KVS store, in bytes of keys and values.
pub const MAX_KVS_STORE_BYTES: usize = 5 * 1024 * 1024;
/// The longest URI with its query string that CloudFront passes on.
pub const MAX_URI_BYTES: usize = 8192;
