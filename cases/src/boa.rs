//! The local runtime (`runtime-js`, on boa) as an [`Engine`]: each batch loads the function
//! once and runs every invocation through the same context.

use crate::engine::{Engine, EngineError, Kvs, Outcome};
use crate::event::Invocation;

/// The local runtime.
#[derive(Clone, Debug, Default)]
pub struct Boa {
    /// How functions are run (clock, seed, budget).
    pub options: runtime_js::Options,
}

impl Boa {
    /// The runtime with fixed options: `Date.now()` is `now_ms` in every call.
    pub fn at(now_ms: i64) -> Boa {
        Boa { options: runtime_js::Options { now_ms, ..runtime_js::Options::default() } }
    }
}

/// An outcome from a call of the local runtime.
pub fn outcome(call: runtime_js::Call) -> Outcome {
    Outcome {
        output: call.output,
        error: call.error,
        logs: call.logs,
        kvs_reads: call.kvs_reads,
        origin: call.origin,
        engine_failed: false,
        instructions: Some(call.instructions),
        compute_utilization: Some(call.compute_utilization),
    }
}

impl Engine for Boa {
    fn name(&self) -> &'static str {
        "boa"
    }

    fn run(&mut self, code: &str, kvs: &Kvs, invocations: &[Invocation]) -> Result<Vec<Outcome>, EngineError> {
        let mut function = match runtime_js::Function::load(code, self.options.clone()) {
            Ok(function) => function,
            Err(error) => return Ok(invocations.iter().map(|_| Outcome::failed(error.message())).collect()),
        };
        let store = runtime_js::Store::from(kvs.clone());
        Ok(invocations
            .iter()
            .map(|invocation| outcome(function.call(&invocation.event, invocation.raw_query.as_deref(), &store)))
            .collect())
    }
}
