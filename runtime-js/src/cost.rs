//! The compute estimate: deterministic work counts mapped to CloudFront's 0–100
//! `ComputeUtilization` (the model and its sources are in the crate documentation).

/// Deterministic counts of the work one call did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Work {
    /// Bytecode instructions boa ran.
    pub instructions: u64,
    /// KVS reads.
    pub kvs_reads: u32,
    /// Bytes native helpers hashed, encoded or decoded.
    pub native_bytes: u64,
    /// Bytes of the event, as JSON.
    pub event_bytes: u64,
}

/// The utilization of a call that does nothing: building the event object and reading back
/// the result.
pub const BASE_PERCENT: f64 = 8.0;
/// Event bytes that cost one percent.
pub const EVENT_BYTES_PER_PERCENT: f64 = 250.0;
/// Instructions that cost one percent.
pub const INSTRUCTIONS_PER_PERCENT: f64 = 400.0;
/// What one KVS read costs, in instructions.
pub const KVS_READ_INSTRUCTIONS: f64 = 200.0;
/// Native bytes that cost as much as one instruction.
pub const NATIVE_BYTES_PER_INSTRUCTION: f64 = 16.0;
/// The instructions a call may run: those that bring an empty call to 100.
pub const MAX_INSTRUCTIONS: u64 = ((100.0 - BASE_PERCENT) * INSTRUCTIONS_PER_PERCENT) as u64;

/// The estimate, 0 to 100.
pub fn compute_utilization(work: &Work) -> u32 {
    let instructions = work.instructions as f64
        + f64::from(work.kvs_reads) * KVS_READ_INSTRUCTIONS
        + work.native_bytes as f64 / NATIVE_BYTES_PER_INSTRUCTION;
    let percent =
        BASE_PERCENT + work.event_bytes as f64 / EVENT_BYTES_PER_PERCENT + instructions / INSTRUCTIONS_PER_PERCENT;
    percent.round().clamp(0.0, 100.0) as u32
}
