//! The local CloudFront Functions runtime.
//!
//! - [`gate`]: the syntax gate that rejects what `cloudfront-js-2.0` lacks; the compiler runs
//!   the same gate over its own output.

pub mod gate;
