//! The local CloudFront Functions runtime.
//!
//! - [`gate`]: the syntax gate that rejects what `cloudfront-js-2.0` lacks; the compiler runs
//!   the same gate over its own output;
//! - [`result`]: what CloudFront makes of a returned value (normalisation and validation),
//!   shared by every engine;
//! - [`function`]: a function loaded once and called on many events;
//! - [`input`]: events and KVS data read from text;
//! - [`cost`]: the compute estimate.

pub mod cost;
pub mod function;
pub mod gate;
pub mod host;
pub mod input;
pub mod result;
mod sandbox;

pub use function::{Call, Function, LoadError, Options, Store};
pub use host::{EdgeLocation, KvsData};
