//! What CloudFront lets a function do to headers: valid names, disallowed and read-only headers.

/// Which message a header belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeaderSide {
    /// The request, as a viewer-request function sees and returns it.
    Request,
    /// The response, as a viewer-response function sees and returns it (or a generated one).
    Response,
}

/// Why a header name cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderProblem {
    /// Not an HTTP token.
    InvalidName,
    /// CloudFront never exposes it to functions and refuses it (HTTP 502).
    Disallowed,
    /// Read-only on this side (HTTP 502 when changed).
    ReadOnly,
    /// Carried outside `headers` in the event (`cookies`), so a header rule cannot set it.
    Cookie,
}

/// Headers CloudFront refuses from functions on both sides. Entries ending in `*` are prefixes.
pub const DISALLOWED: &[&str] = &[
    "connection",
    "expect",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "trailer",
    "upgrade",
    "x-accel-buffering",
    "x-accel-charset",
    "x-accel-limit-rate",
    "x-accel-redirect",
    "x-amz-cf-*",
    "x-amzn-auth",
    "x-amzn-cf-billing",
    "x-amzn-cf-id",
    "x-amzn-cf-xff",
    "x-amzn-errortype",
    "x-amzn-fle-profile",
    "x-amzn-header-count",
    "x-amzn-header-order",
    "x-amzn-lambda-integration-tag",
    "x-amzn-requestid",
    "x-cache",
    "x-edge-*",
    "x-forwarded-proto",
    "x-real-ip",
];

/// Headers a viewer-request function may not add, change or delete.
pub const READ_ONLY_REQUEST: &[&str] = &["cdn-loop", "content-length", "host", "transfer-encoding", "via"];

/// Headers a viewer-response function may not add, change or delete.
pub const READ_ONLY_RESPONSE: &[&str] = &["warning", "via"];

/// Whether `name` is an HTTP token (RFC 9110 `tchar`s).
pub fn is_token(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Whether `name` (lower case) is in a list whose entries may end in `*`.
pub fn listed(list: &[&str], name: &str) -> bool {
    list.iter().any(|entry| match entry.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == *entry,
    })
}

/// What, if anything, stops a rule from setting or removing header `name` (lower case).
pub fn problem(name: &str, side: HeaderSide) -> Option<HeaderProblem> {
    if !is_token(name) {
        return Some(HeaderProblem::InvalidName);
    }
    if listed(DISALLOWED, name) {
        return Some(HeaderProblem::Disallowed);
    }
    let read_only = match side {
        HeaderSide::Request => READ_ONLY_REQUEST,
        HeaderSide::Response => READ_ONLY_RESPONSE,
    };
    if listed(read_only, name) {
        return Some(HeaderProblem::ReadOnly);
    }
    let cookie = match side {
        HeaderSide::Request => "cookie",
        HeaderSide::Response => "set-cookie",
    };
    (name == cookie).then_some(HeaderProblem::Cookie)
}
