//! A function loaded once and called on many events: [`Function::load`] checks and evaluates the
//! code, [`Function::call`] runs one event through it.
//!
//! The context is reused from call to call. It is built with an instruction budget of
//! [`CONTEXT_CALLS`] calls at the per-call maximum; before a call, a context with less than one
//! call's maximum left is replaced by a new one (the code is parsed again, about once every few
//! thousand calls for a typical function), and so is a context a call left in an unknown state.
//! A call that runs past the per-call maximum fails, whatever the context had left, so outcomes
//! and counts do not depend on where in its life a context is.

use std::fmt;
use std::rc::Rc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::cost::{self, Work};
use crate::gate::{self, Violation};
use crate::host::{EdgeLocation, KvsData};
use crate::result::{self, EventType};
use crate::sandbox::{self, Position, Sandbox, Settings};

/// How many calls at the per-call maximum one context's budget covers.
pub const CONTEXT_CALLS: u64 = 8;

/// The KVS a call reads: cheap to clone, shared by every call that uses it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Store(Rc<KvsData>);

impl Store {
    /// The contents.
    pub fn data(&self) -> &KvsData {
        &self.0
    }
}

impl From<KvsData> for Store {
    fn from(data: KvsData) -> Store {
        Store(Rc::new(data))
    }
}

/// How functions are run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// The most instructions one call may run; past it the call fails as CloudFront fails a
    /// function that runs out of time. Defaults to [`cost::MAX_INSTRUCTIONS`], the work that
    /// the cost model maps to a compute utilization of 100.
    pub max_instructions: u64,
    /// What `Date.now()` returns during a call, in milliseconds since 1970 (CloudFront freezes
    /// the clock at the start of each run). Defaults to the time the options were made.
    pub now_ms: i64,
    /// The seed of `Math.random`, reset at the start of each call.
    pub random_seed: u64,
    /// `cf.edgeLocation` in viewer-request calls.
    pub edge: EdgeLocation,
    /// Built-ins replaced after the runtime installs its own, each `(member, expression)`:
    /// `("String.prototype.substr", "function () { return ''; }")` makes `substr` the value of
    /// the expression. Only with the `test-hooks` feature, for the tests that check that the
    /// oracles catch a broken built-in; hedgec never sets it.
    #[cfg(feature = "test-hooks")]
    pub replaced_builtins: Vec<(String, String)>,
}

impl Default for Options {
    fn default() -> Options {
        let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        Options {
            max_instructions: cost::MAX_INSTRUCTIONS,
            now_ms,
            random_seed: 0x5EED,
            edge: EdgeLocation::default(),
            #[cfg(feature = "test-hooks")]
            replaced_builtins: Vec::new(),
        }
    }
}

/// Why a function cannot be run at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// Over CloudFront's size limit.
    TooLarge {
        /// The function's size in bytes.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// The syntax gate rejected it: a syntax error or constructs the runtime lacks.
    Rejected(Vec<Violation>),
    /// Its top-level code failed (or boa could not parse what the gate let through).
    Failed(String),
}

impl LoadError {
    /// The error as a function's error message: the first problem, in CloudFront's words where
    /// they are known.
    pub fn message(&self) -> String {
        match self {
            LoadError::TooLarge { bytes, limit } => {
                format!("FunctionSizeLimitExceeded: the function is {bytes} bytes; the limit is {limit}")
            }
            LoadError::Rejected(violations) => match violations.first() {
                Some(v) if v.message.starts_with("SyntaxError") => format!("{} at {}:{}", v.message, v.line, v.column),
                Some(v) => format!("SyntaxError: {} at {}:{}", v.message, v.line, v.column),
                None => "SyntaxError".into(),
            },
            LoadError::Failed(message) => message.clone(),
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Rejected(violations) => {
                let lines: Vec<String> = violations.iter().map(Violation::to_string).collect();
                f.write_str(&lines.join("\n"))
            }
            other => f.write_str(&other.message()),
        }
    }
}

impl std::error::Error for LoadError {}

/// What one call did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Call {
    /// CloudFront's output object, `{"request": …}` or `{"response": …}`, when the call
    /// succeeded and its result was valid.
    pub output: Option<Value>,
    /// The error, when the function threw, ran past a bound or returned something invalid.
    pub error: Option<String>,
    /// `console.log` lines, in order.
    pub logs: Vec<String>,
    /// KVS reads (`get`, `exists`, `meta`).
    pub kvs_reads: u32,
    /// The origin change the function asked for, as `{"method": name, "args": [...]}`.
    pub origin: Option<Value>,
    /// Instructions the call ran (boa bytecode instructions; the same on every run).
    pub instructions: u64,
    /// The estimated compute utilization, 0 to 100.
    pub compute_utilization: u32,
    /// Where the function's code threw the error, when the engine recorded it.
    pub error_position: Option<Position>,
}

/// The prefix of the variables that hold hoisted regular expressions (see [`prepared`]).
const HOISTED: &str = "__hedgecRegExp";

/// The code as the context evaluates it: every regular expression literal without the `g` or
/// `y` flag becomes a variable made once, when the code is loaded, on the first line, so lines
/// keep their numbers.
///
/// njs, like CloudFront's runtime, compiles a literal once, when it parses the function; boa
/// compiles it again each time the literal is evaluated, which made a call of a function with a
/// few route patterns several times slower than the work it models. A regular expression
/// without `g` or `y` keeps no state between uses (`lastIndex` is neither read for matching nor
/// written), so one object serves every evaluation of its literal alike; only a comparison of
/// two evaluations of one literal by identity could tell. Code that already uses the variables'
/// prefix, or that does not parse, is left as it is.
fn prepared(code: &str) -> String {
    if code.contains(HOISTED) {
        return code.to_string();
    }
    let literals: Vec<gate::RegexLiteral> =
        gate::regex_literals(code).into_iter().filter(|r| !r.flags.contains('g') && !r.flags.contains('y')).collect();
    if literals.is_empty() {
        return code.to_string();
    }
    let mut body = String::with_capacity(code.len());
    let mut at = 0;
    for (index, literal) in literals.iter().enumerate() {
        body.push_str(&code[at..literal.start]);
        // Spaces keep a literal that follows a keyword (`return/a/`) apart from it.
        body.push_str(&format!(" {HOISTED}{index} "));
        at = literal.end;
    }
    body.push_str(&code[at..]);
    let declarations: Vec<String> =
        literals.iter().enumerate().map(|(index, r)| format!("{HOISTED}{index} = {}", &code[r.start..r.end])).collect();
    format!("var {};{body}", declarations.join(", "))
}

/// Bytes of `value` as compact JSON, counted without writing the text.
fn json_bytes(value: &Value) -> u64 {
    struct Count(u64);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len() as u64;
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing JSON to a counter cannot fail.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

/// A function ready to be called.
#[derive(Debug)]
pub struct Function {
    /// The code as evaluated ([`prepared`]).
    code: String,
    options: Options,
    sandbox: Option<Sandbox>,
    contexts: u32,
}

impl Function {
    /// Checks `code` (size, then the syntax gate) and evaluates it.
    pub fn load(code: &str, options: Options) -> Result<Function, LoadError> {
        if code.len() > platform::MAX_FUNCTION_BYTES {
            return Err(LoadError::TooLarge { bytes: code.len(), limit: platform::MAX_FUNCTION_BYTES });
        }
        let violations = gate::check(code);
        if !violations.is_empty() {
            return Err(LoadError::Rejected(violations));
        }
        let mut function = Function { code: prepared(code), options, sandbox: None, contexts: 0 };
        function.sandbox = Some(function.build().map_err(LoadError::Failed)?);
        Ok(function)
    }

    /// The options the function runs with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// How many contexts have been built for this function so far.
    pub fn contexts(&self) -> u32 {
        self.contexts
    }

    fn build(&mut self) -> Result<Sandbox, String> {
        self.contexts += 1;
        let per_call = self.options.max_instructions;
        let settings = Settings {
            budget: per_call.saturating_mul(CONTEXT_CALLS),
            loop_limit: per_call,
            edge: self.options.edge.clone(),
            #[cfg(feature = "test-hooks")]
            replaced_builtins: self.options.replaced_builtins.clone(),
        };
        Sandbox::new(&self.code, &settings)
    }

    /// Runs one event. `raw_query` is what `request.rawQueryString()` returns (`None` when the
    /// URL had no `?`).
    pub fn call(&mut self, event: &Value, raw_query: Option<&str>, kvs: &Store) -> Call {
        let event_type = match EventType::of(event) {
            Ok(event_type) => event_type,
            Err(error) => return Call { error: Some(error), ..Call::default() },
        };
        let max = self.options.max_instructions;
        let mut sandbox = match self.sandbox.take() {
            Some(sandbox) if sandbox.remaining() >= max => sandbox,
            _ => match self.build() {
                Ok(sandbox) => sandbox,
                Err(error) => return Call { error: Some(error), ..Call::default() },
            },
        };
        let raw = sandbox.call(sandbox::Call {
            event,
            event_type,
            raw_query,
            kvs: &kvs.0,
            now_ms: self.options.now_ms,
            seed: self.options.random_seed,
            max_instructions: max,
        });
        if !raw.spent {
            self.sandbox = Some(sandbox);
        }
        let work = Work {
            instructions: raw.instructions,
            kvs_reads: raw.kvs_reads,
            native_bytes: raw.native_bytes,
            event_bytes: json_bytes(event),
        };
        let mut call = Call {
            logs: raw.logs,
            kvs_reads: raw.kvs_reads,
            origin: raw.origin,
            instructions: raw.instructions,
            compute_utilization: cost::compute_utilization(&work),
            error_position: raw.error_position,
            ..Call::default()
        };
        let returned = if raw.instructions > max {
            Err("InternalError: the function ran past its compute budget".to_string())
        } else {
            raw.returned
        };
        match returned.and_then(|value| result::normalize(event, &value)) {
            Ok(output) => call.output = Some(output),
            Err(error) => call.error = Some(error),
        }
        call
    }
}
