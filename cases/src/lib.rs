//! Request cases for CloudFront functions: how a request is written, how it travels through a
//! site's functions, and how the result is checked.
//!
//! - [`event`]: the request shorthand (`GET https://example.com/a?b=1`) and CloudFront events;
//! - [`casefile`]: TOML case files;
//! - [`engine`]: the interface to a JavaScript engine, with [`njs`] as one implementation
//!   and [`boa`] (the local runtime) as the other;
//! - [`simulate`]: viewer-request, origin, viewer-response;
//! - [`expect`]: expectations and mismatches;
//! - [`shape`]: njs's returned values read as CloudFront's output object, apart from the runtime;
//! - [`generate`] and [`differential`]: the differential fuzzer's program generator and runner.
//!
//! This crate knows nothing of the rules language: a site is code and KVS data.

pub mod boa;
pub mod casefile;
pub mod differential;
pub mod engine;
pub mod event;
pub mod expect;
pub mod generate;
pub mod njs;
pub mod shape;
pub mod simulate;

pub use casefile::{Case, CaseFile};
pub use engine::{Engine, EngineError, Kvs, Outcome};
pub use event::{Invocation, RequestSpec};
pub use expect::{Expect, Mismatch};
pub use simulate::{OriginResponse, ResponseEventRequest, Site, Trace};
