//! The local CloudFront Functions runtime.
//!
//! - [`gate`]: the syntax gate that rejects what `cloudfront-js-2.0` lacks; the compiler runs
//!   the same gate over its own output;
//! - [`result`]: what CloudFront makes of a returned value (normalisation and validation),
//!   shared by every engine.

pub mod gate;
pub mod result;
