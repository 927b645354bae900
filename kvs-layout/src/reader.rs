//! The JavaScript that reads the layout: the helpers every reading function carries
//! ([`READER_JS`]) and the statements that decode a line's value ([`route_decoder`],
//! [`header_decoder`]). They are written here, beside the encoders they invert, and the
//! namespace is derived from their text.

use std::fmt::Write as _;

use crate::Encoding;
use crate::value::{REDIRECT_OPS, REDIRECT_STATUSES, RESPOND_OP, REWRITE_OP};

/// The helpers `bucket(key)`, `line(text, key)` and `frontLine(text, key)` (plain and
/// front-coded buckets), `resolve(value, key)` and `resolveFolded(value, key)` (targets
/// relative to a key, and to a case-folded key; see [`Encoding`]).
pub const READER_JS: &str = include_str!("reader.js");

/// Which kinds of route value a store holds: only those are decoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RouteKinds {
    /// Generated responses.
    pub respond: bool,
    /// Redirects.
    pub redirect: bool,
    /// Rewrites.
    pub rewrite: bool,
}

/// The statements that act on a route line's value in a plain store ([`route_decoder_for`]).
pub fn route_decoder(kinds: RouteKinds) -> String {
    route_decoder_for(kinds, Encoding::default())
}

/// The statements that act on a route line's value: `v` holds the value, `k` the lookup key; a
/// response is returned, a rewrite leaves its path in `w`. Uses the prelude's `respond` and
/// `redirect` (which reads the request from the prelude's `request`) and [`READER_JS`]'s
/// resolver of `encoding`, and `m` as scratch.
pub fn route_decoder_for(kinds: RouteKinds, encoding: Encoding) -> String {
    let resolve = encoding.resolve_function();
    let mut out = String::new();
    if kinds.respond {
        let _ = write!(out, "if (v[0] == \"{RESPOND_OP}\") return respond(+v.slice(1, 4), v.slice(4)); ");
    }
    if kinds.redirect {
        let statuses: Vec<String> = REDIRECT_STATUSES.iter().map(u16::to_string).collect();
        let _ = write!(
            out,
            "m = \"{REDIRECT_OPS}\".indexOf(v[0]); if (m >= 0) return redirect({resolve}(v, k), [{}][m >> 1], ~m & 1); ",
            statuses.join(", ")
        );
    }
    if kinds.rewrite {
        let _ = write!(out, "if (v[0] == \"{REWRITE_OP}\") w = {resolve}(v, k);");
    }
    out.trim_end().to_string()
}

/// The statements, one per line, that record a header line's operations: `v` holds the value,
/// `ops` the operations by header name; uses the prelude's `put`, and `a`, `i`, `c`, `o`, `j`
/// as scratch.
pub fn header_decoder() -> [&'static str; 4] {
    [
        "if (v) for (i = 0, a = v.split(\"\\t\"); i < a.length; i++) {",
        "  c = a[i].indexOf(\",\"); o = a[i].slice(c + 1); j = o.indexOf(\":\");",
        "  put(ops, parseInt(a[i].slice(0, c), 36), j < 0 ? o.slice(1) : o.slice(0, j), j < 0 ? null : o.slice(j + 1));",
        "}",
    ]
}

/// Every decoder's text, for the namespace.
pub(crate) fn decoders_source() -> String {
    let all = RouteKinds { respond: true, redirect: true, rewrite: true };
    let folded = Encoding { case_folded: true, front_coded: false };
    format!("{}\n{}\n{}", route_decoder(all), route_decoder_for(all, folded), header_decoder().join("\n"))
}
