//! The local CloudFront Functions runtime: runs any `cloudfront-js-2.0` function (compiled by
//! hedgec or written by hand) the way CloudFront does, on the embedded JavaScript engine boa.
//!
//! ```text
//! let mut function = Function::load(code, Options::default())?;   // size limit, gate, evaluation
//! let call = function.call(&event, raw_query, &store);             // one event; repeat at will
//! call.output / call.error / call.logs / call.kvs_reads / call.instructions / call.compute_utilization
//! ```
//!
//! # Source code layout
//!
//! - [`gate`]: the syntax gate that rejects, with line and column, what `cloudfront-js-2.0`
//!   lacks; the compiler runs the same gate over its own output;
//! - [`function`]: [`Function`], a function loaded once and called on many events, and its
//!   [`Options`], [`Store`] and [`Call`];
//! - `sandbox` (private): one boa context made to look like CloudFront's runtime;
//! - [`host`]: the built-ins CloudFront adds, written in Rust (`cloudfront` module, `Buffer`,
//!   `crypto`, `querystring`, `console`, allocation guards) and joined by `host/prelude.js`;
//! - [`result`]: what CloudFront makes of a returned value (normalisation, the `multiValue`
//!   write-back rule, validation, origin helper checks), shared by every engine;
//! - [`input`]: events and KVS data read from text, with positions for errors;
//! - [`cost`]: the compute estimate.
//!
//! # What it models
//!
//! - **The language.** The gate rejects destructuring, spread, default parameters, classes,
//!   generators, `for…of`, `?.`, `catch` without a binding, `export`, `async` anywhere but a
//!   top-level function declaration, `console.log` without exactly one argument, `eval` and
//!   `Function`. Functions run as modules, so always in strict mode.
//! - **The globals** of research §1.1 and nothing more: boa's `Map`, `Set`, `Reflect`, `Proxy`,
//!   `Array.from`, `Object.fromEntries`, `String.prototype.at` and the like are deleted, member
//!   by member, down to what njs 0.7.9 (the engine CloudFront's runtime descends from) and the
//!   documented 2.0 list have. `eval` and the `Function` constructor throw `EvalError` however
//!   they are reached. `Date` returns the call's start time throughout the call, in UTC;
//!   `Math.random` is a seeded generator reset at the start of each call. Added: `Buffer`,
//!   `atob`/`btoa`, `TextEncoder`/`TextDecoder`, `InternalError`, `require('crypto')`,
//!   `require('querystring')`, `console.log`.
//! - **The `cloudfront` module**: `cf.kvs([id])` with `get` (`string`, `json`, `bytes`;
//!   rejects on a missing key), `exists` and `meta`; the origin helpers, checked and recorded;
//!   `cf.edgeLocation`; and `request.rawQueryString()` on every event's request.
//! - **Results**: the output object CloudFront echoes, with its validation errors (disallowed
//!   and read-only headers, a request from viewer-response, a bad `uri`, query string or
//!   status, bad bodies), through [`result::normalize`].
//!
//! # Bounds
//!
//! - Functions over [`platform::MAX_FUNCTION_BYTES`] are refused (`FunctionSizeLimitExceeded`).
//! - Each call may run [`cost::MAX_INSTRUCTIONS`] boa instructions (the work the cost model maps
//!   to 100); past that it fails. The budget is counted by boa's instruction counter (the
//!   `fuzz` feature), deterministically; a call that keeps returning to the host (promise jobs,
//!   array methods, natives) stops at its own budget, any other at the budget left in its
//!   context, at most [`function::CONTEXT_CALLS`] times as much. One loop may iterate
//!   [`cost::MAX_INSTRUCTIONS`] times; calls may nest 512 deep (`RangeError: Maximum call stack
//!   size exceeded`). None of these can be caught by the function.
//! - CloudFront's 2 MB of memory is mapped to allocation guards ([`host::guards`]): arrays of at
//!   most 131,072 elements (2 MiB at njs's 16 bytes a value), `ArrayBuffer`s (and so typed
//!   arrays and `Buffer`s) of at most 2 MiB, strings from `repeat`/`padStart`/`padEnd` and
//!   `replace`/`replaceAll` of at most 2 Mi code units. Memory spread over many small values is
//!   bounded by the instruction budget instead.
//! - Logs are kept to 10 KB per call, as CloudFront keeps them.
//!
//! With the release build, a runaway function (an endless loop or `await` loop, unbounded
//! recursion, a 10-million-element array) is stopped within about 110 ms, context creation
//! included (`cargo bench -p benches --bench runtime`, `runaway`).
//!
//! # Cost
//!
//! `instructions` and `kvs_reads` are counted the same on every run and mapped to a 0–100
//! `compute_utilization` by the model in [`cost`], which says where each constant comes from and
//! how far to trust the figure.
//!
//! # Known differences from CloudFront
//!
//! The local runtime:
//!
//! - is boa, not njs: error messages differ (compare outcomes, not texts), errors carry no stack,
//!   and regular expressions run on boa's engine rather than PCRE;
//! - measures string length and indexes in UTF-16 code units; njs counts characters, so a
//!   character outside the Basic Multilingual Plane has length 2 here and 1 there;
//! - orders integer-like object keys first, as the language standard says; njs keeps insertion
//!   order (this shows in `Object.keys`, `JSON.stringify` and `console.log`);
//! - makes each regular expression literal without the `g` or `y` flag once, when the function
//!   is loaded (njs compiles it once, when it parses; boa would compile it on every evaluation),
//!   so two evaluations of one such literal give the same object, where the standard makes a
//!   new one each time; nothing but a comparison by identity can tell;
//! - keeps a context's global and module state from call to call ([`Function`] reuses its
//!   context; CloudFront starts every request from the state after the top-level code ran);
//!   `hedgec run` runs one event on a fresh context, so it is exact there;
//! - prints `console.log(error)` as `Error: message` (njs's command line adds the stack), calls
//!   getters while printing objects, and makes `Buffer` a subclass of `Uint8Array`, so `map` and
//!   `filter` on a `Buffer` return a `Buffer` (njs: a `Uint8Array`);
//! - cannot bound the memory of strings grown by `+` beyond what the instruction budget allows;
//! - says `KeyNotFound: KEY` when a KVS key is missing and reports fixed `meta()` dates
//!   (CloudFront's texts and values are not documented), and accepts any store id;
//! - checks origin helper arguments against the fields research §1.4 documents (CloudFront's own
//!   checks are not documented) and records calls in viewer-response functions too;
//! - keeps boa's `RegExp.prototype.source` for a literal with an escaped slash: `/a\/b/.source`
//!   is `a\\/b` here and `a\/b` on njs (and so differs in `toString`);
//! - gives `cf.edgeLocation` fixed values ([`EdgeLocation`]) and `{}` in viewer-response calls;
//! - seeds `Math.random` from [`Options::random_seed`], not from the clock;
//! - fails a call at 100 % of the estimated budget, where CloudFront fails or throttles a
//!   function that runs past its unpublished time limit;
//! - divides an integer zero by a negative integer to `0`, not `-0`, when both operands are
//!   results of integer arithmetic (`0 / (1 - 24)`; boa 0.22's integer fast path): only
//!   `Object.is`, `1 / x` and `console.log` can tell.
//!
//! Where njs 0.7.9 (the differential oracle) and CloudFront (about njs 0.8) differ, this runtime
//! follows CloudFront's documentation. The differential suite found these in njs 0.7.9; the
//! suites that compare the two engines forgive each only where it cites its line here:
//!
//! - njs does not print the shortest digits that read back as the same number: `0.1 + 0.2` is
//!   `0.30000000000000007` there, and `Math.SQRT2` is `1.4142135623730952`;
//! - its `Math.cbrt`, `cosh` and `tan` can differ in the last bit;
//! - its `Number.MIN_VALUE` is the smallest normal number, not `5e-324`;
//! - its function expressions in one array literal share constants by their text (`['1', …]`
//!   next to `1` makes the `1` a string);
//! - in a module it calls methods and getters with `this` undefined;
//! - its `atob` does not skip whitespace and drops a last group of two or three characters
//!   (`atob('YWJjZA')` is `abc`, not `abcd`);
//! - its `encodeURIComponent` does not throw on a lone surrogate;
//! - its `\s` does not match U+2028 and U+2029;
//! - its command line has `setTimeout`, `process`, `fs` and a working `Function` constructor;
//! - its `console.log` cuts lines at 2,048 bytes, so the njs driver cannot report a result longer
//!   than that;
//! - njs checks no result: CloudFront's validation (read-only and disallowed headers, URIs,
//!   status codes) is this runtime's alone;
//! - its `querystring.stringify` turns the numbers and booleans of an array value into strings
//!   in the caller's array (after `qs.stringify({a: v})`, `v = [1, true]` is `['1', 'true']`);
//!   this runtime leaves the array as it was, as Node.js's `querystring` does;
//! - its `querystring.stringify` writes a separator for an empty array value
//!   (`qs.stringify({a: [], b: 1})` is `&b=1`, Node.js's is `b=1`); this runtime follows Node.js;
//! - it throws a `TypeError` for calling something that is not a function before it evaluates the
//!   arguments (`(1).nope(decodeURIComponent('%'))` throws a `TypeError` there); this runtime
//!   evaluates the arguments first, as the language standard says, so the `URIError` comes first;
//! - its command line has no memory limit: a function that builds more than CloudFront's 2 MB
//!   (the allocation guards of `host/guards.rs`) runs on there and throws a `RangeError` here.

pub mod cost;
pub mod function;
pub use syntax_gate as gate;
pub mod host;
pub mod input;
pub mod result;
mod returned;
mod sandbox;

pub use function::{Call, Function, LoadError, Options, Store};
pub use host::{EdgeLocation, KvsData};
pub use sandbox::Position;
