//! The interface every JavaScript engine offers to the simulation: run one function over a
//! batch of events with a KVS, and say what happened to each.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use crate::event::Invocation;

/// KVS contents: key to value.
pub type Kvs = BTreeMap<String, String>;

/// What one function call did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// CloudFront's output object, `{"request": …}` or `{"response": …}`, when the call
    /// succeeded and the result was valid.
    pub output: Option<Value>,
    /// The error, when the function threw, ran over a bound, or returned something invalid.
    pub error: Option<String>,
    /// `console.log` lines, in order.
    pub logs: Vec<String>,
    /// KVS reads (`get`, `exists`, `meta`).
    pub kvs_reads: u32,
    /// The origin change the function asked for, as `{"method": name, "args": [...]}`.
    pub origin: Option<Value>,
    /// The engine itself failed (the function did not load, the process stopped early): the
    /// `error` is the engine's, not one the function threw, and agrees with nothing.
    pub engine_failed: bool,
    /// The deterministic work count, for engines that have one.
    pub instructions: Option<u64>,
    /// The 0-100 compute estimate, for engines that have one.
    pub compute_utilization: Option<u32>,
}

impl Outcome {
    /// An outcome that is only an error.
    pub fn failed(error: impl Into<String>) -> Outcome {
        Outcome { error: Some(error.into()), ..Outcome::default() }
    }

    /// The request the function returned, if it returned one.
    pub fn request(&self) -> Option<&Value> {
        self.output.as_ref()?.get("request")
    }

    /// The response the function returned, if it returned one.
    pub fn response(&self) -> Option<&Value> {
        self.output.as_ref()?.get("response")
    }
}

/// The engine could not run at all (not installed, crashed, timed out).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineError(pub String);

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EngineError {}

/// A JavaScript engine that runs CloudFront functions.
pub trait Engine {
    /// A short name for reports: `boa`, `njs`.
    fn name(&self) -> &'static str;

    /// Runs `code` once per invocation, in order, with `kvs` as the associated store. Each
    /// outcome's `output` is already the output object CloudFront echoes.
    fn run(&mut self, code: &str, kvs: &Kvs, invocations: &[Invocation]) -> Result<Vec<Outcome>, EngineError>;
}
