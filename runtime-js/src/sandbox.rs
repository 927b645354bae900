//! One boa context made to look like CloudFront's runtime, holding one loaded function.
//!
//! Building a sandbox: a context with host hooks (no dynamic code, UTC, 2 MiB buffers), a fixed
//! clock, the instruction budget and boa's loop and recursion limits; the natives, `prelude.js`
//! and the allocation guards; then every global and built-in member that `cloudfront-js-2.0`
//! does not have is deleted; last, the function is evaluated as a module (with a loader that
//! serves `cloudfront`, `crypto` and `querystring`) and its `handler` is taken.
//!
//! A call resets the per-call state, sets the clock and `Math.random`'s seed, converts the event,
//! gives `event.request` its `rawQueryString` method, calls `handler`, runs the job queue until
//! the returned promise settles, and counts the instructions spent. Engine errors (budget, loop,
//! recursion) cannot be caught by the function and leave the context in an unknown state: the
//! sandbox reports itself spent so that the caller builds a new one.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use boa_engine::builtins::promise::PromiseState;
use boa_engine::context::time::JsInstant;
use boa_engine::context::{Clock, HostHooks};
use boa_engine::module::{ModuleLoader, Referrer};
use boa_engine::object::builtins::{JsFunction, JsPromise};
use boa_engine::object::{FunctionObjectBuilder, ObjectInitializer};
use boa_engine::property::{Attribute, PropertyDescriptor, PropertyKey};
use boa_engine::realm::Realm;
use boa_engine::vm::RuntimeLimits;
use boa_engine::{
    Context, JsError, JsNativeError, JsObject, JsResult, JsString, JsValue, Module, NativeFunction, Source, js_string,
};
use boa_gc::{Finalize, Trace};
use serde_json::Value;

use crate::host::{self, EdgeLocation, KvsData, Shared};
use crate::result::EventType;
use crate::returned::Plain;

/// How deep calls may nest before `RangeError`.
pub const RECURSION_LIMIT: usize = 512;

/// What the sandbox needs to know besides the code.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Instructions the context may run in all, setup and calls together.
    pub budget: u64,
    /// Iterations one loop (in one call frame) may run.
    pub loop_limit: u64,
    /// `cf.edgeLocation` in viewer-request calls.
    pub edge: EdgeLocation,
    /// Built-ins to replace once the runtime's own are installed (`Options::replaced_builtins`).
    #[cfg(feature = "test-hooks")]
    pub replaced_builtins: Vec<(String, String)>,
}

/// What one call did, before validation.
#[derive(Debug)]
pub struct Raw {
    /// The returned value as `JSON.stringify` sees it (`Null` for `undefined`), or the error.
    pub returned: Result<Value, String>,
    /// Instructions the call ran.
    pub instructions: u64,
    /// `console.log` lines.
    pub logs: Vec<String>,
    /// KVS reads.
    pub kvs_reads: u32,
    /// The origin change asked for.
    pub origin: Option<Value>,
    /// Bytes native helpers worked through.
    pub native_bytes: u64,
    /// Whether the context must not be used again.
    pub spent: bool,
    /// Where in the function's code the error was thrown, when the engine knows.
    pub error_position: Option<Position>,
}

/// A line and column of the function's code, both from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// The line.
    pub line: u32,
    /// The column.
    pub column: u32,
}

/// The path the function's code is parsed under; errors thrown by it name this path and a
/// position, which [`position`] reads back.
const CODE_PATH: &str = "function.js";

/// Where `error` was thrown in the function's code, if the engine recorded it (errors of host
/// functions and values thrown that are not errors have no position).
pub fn position(error: &JsError, context: &mut Context) -> Option<Position> {
    let native = error.try_native(context).ok()?;
    // A native error shows its position as ` (function.js:LINE:COLUMN)` at the end.
    let shown = native.to_string();
    let (_, tail) = shown.rsplit_once(&format!(" ({CODE_PATH}:"))?;
    let (line, column) = tail.strip_suffix(')')?.split_once(':')?;
    Some(Position { line: line.parse().ok()?, column: column.parse().ok()? })
}

/// The hooks CloudFront's runtime implies.
struct Hooks;

impl HostHooks for Hooks {
    fn ensure_can_compile_strings(
        &self,
        _realm: Realm,
        _parameters: &[JsString],
        _body: &JsString,
        _direct: bool,
        _context: &mut Context,
    ) -> JsResult<()> {
        Err(JsNativeError::eval().with_message("dynamic code evaluation is not supported").into())
    }

    fn local_timezone_offset_seconds(&self, _unix_time_seconds: i64) -> i32 {
        0
    }

    fn max_buffer_size(&self, _context: &mut Context) -> u64 {
        host::guards::MAX_BUFFER_BYTES
    }

    fn call_job_callback(
        &self,
        job: &boa_engine::job::JobCallback,
        this: &JsValue,
        args: &[JsValue],
        context: &mut Context,
    ) -> JsResult<JsValue> {
        host::check_budget(context)?;
        job.callback().call(this, args, context)
    }
}

/// A clock that stands still: `Date` gives the call's start time throughout the call.
#[derive(Debug, Default)]
struct StoppedClock(Cell<i64>);

impl Clock for StoppedClock {
    fn now(&self) -> JsInstant {
        let millis = self.0.get().max(0) as u64;
        JsInstant::new(millis / 1000, (millis % 1000) as u32 * 1_000_000)
    }

    fn system_time_millis(&self) -> i64 {
        self.0.get()
    }
}

/// Serves `cloudfront`, `crypto` and `querystring`, each as a module whose default export is the
/// object the sandbox built.
#[derive(Default)]
struct Loader {
    modules: RefCell<BTreeMap<String, Module>>,
}

impl ModuleLoader for Loader {
    async fn load_imported_module(
        self: Rc<Self>,
        _referrer: Referrer,
        request: boa_engine::module::ModuleRequest,
        _context: &RefCell<&mut Context>,
    ) -> JsResult<Module> {
        let name = request.specifier().to_std_string_escaped();
        self.modules
            .borrow()
            .get(&name)
            .cloned()
            .ok_or_else(|| JsNativeError::error().with_message(format!("Cannot find module \"{name}\"")).into())
    }
}

/// The module that hands the function's `handler` to the sandbox, and the name it is imported
/// as. A function cannot import it (the syntax gate allows only the documented modules), and a
/// function that declares the name fails to load, as it would for any duplicate declaration.
const TAKE_MODULE: &str = "hedgec:handler";
const TAKE: &str = "__hedgecTakeHandler";

/// Where [`take_handler`] puts the value it is given.
#[derive(Clone, Trace, Finalize)]
struct TakenHandler(#[unsafe_ignore_trace] Rc<RefCell<Option<JsValue>>>);

/// The native that the appended code calls with `handler`.
fn take_handler(_this: &JsValue, args: &[JsValue], taken: &TakenHandler, _context: &mut Context) -> JsResult<JsValue> {
    *taken.0.borrow_mut() = Some(args.first().cloned().unwrap_or_default());
    Ok(JsValue::undefined())
}

/// A context holding one function, ready to be called.
pub struct Sandbox {
    context: Context,
    handler: JsObject,
    shared: Rc<Shared>,
    clock: Rc<StoppedClock>,
    raw_query: JsFunction,
    stringify: JsObject,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("remaining", &self.remaining()).finish_non_exhaustive()
    }
}

/// Names of the globals `cloudfront-js-2.0` has (research §1.1, and njs 0.7.9's globals where
/// the two agree). Every other global of boa is deleted.
const GLOBALS: &[&str] = &[
    "AggregateError",
    "Array",
    "ArrayBuffer",
    "Boolean",
    "Buffer",
    "DataView",
    "Date",
    "Error",
    "EvalError",
    "Float32Array",
    "Float64Array",
    "Function",
    "Infinity",
    "Int16Array",
    "Int32Array",
    "Int8Array",
    "InternalError",
    "JSON",
    "Math",
    "NaN",
    "Number",
    "Object",
    "Promise",
    "RangeError",
    "ReferenceError",
    "RegExp",
    "String",
    "Symbol",
    "SyntaxError",
    "TextDecoder",
    "TextEncoder",
    "TypeError",
    "URIError",
    "Uint16Array",
    "Uint32Array",
    "Uint8Array",
    "Uint8ClampedArray",
    "atob",
    "btoa",
    "console",
    "decodeURI",
    "decodeURIComponent",
    "encodeURI",
    "encodeURIComponent",
    "eval",
    "globalThis",
    "isFinite",
    "isNaN",
    "parseFloat",
    "parseInt",
    "require",
    "undefined",
];

/// For each built-in, the members it keeps: those of njs 0.7.9 (which CloudFront's engine
/// descends from) and those research §1.1 lists for 2.0, minus 1.0's byte-string methods.
/// Symbol-keyed members are kept.
const MEMBERS: &[(&str, &[&str])] = &[
    (
        "Object",
        &[
            "assign",
            "create",
            "defineProperties",
            "defineProperty",
            "entries",
            "freeze",
            "getOwnPropertyDescriptor",
            "getOwnPropertyDescriptors",
            "getOwnPropertyNames",
            "getOwnPropertySymbols",
            "getPrototypeOf",
            "is",
            "isExtensible",
            "isFrozen",
            "isSealed",
            "keys",
            "length",
            "name",
            "preventExtensions",
            "prototype",
            "seal",
            "setPrototypeOf",
            "values",
        ],
    ),
    (
        "Object.prototype",
        &["__proto__", "constructor", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable", "toString", "valueOf"],
    ),
    ("Array", &["isArray", "length", "name", "of", "prototype"]),
    (
        "Array.prototype",
        &[
            "concat",
            "constructor",
            "copyWithin",
            "entries",
            "every",
            "fill",
            "filter",
            "find",
            "findIndex",
            "forEach",
            "includes",
            "indexOf",
            "join",
            "keys",
            "lastIndexOf",
            "length",
            "map",
            "pop",
            "push",
            "reduce",
            "reduceRight",
            "reverse",
            "shift",
            "slice",
            "some",
            "sort",
            "splice",
            "toString",
            "unshift",
            "values",
        ],
    ),
    ("String", &["fromCharCode", "fromCodePoint", "length", "name", "prototype"]),
    (
        "String.prototype",
        &[
            "charAt",
            "charCodeAt",
            "codePointAt",
            "concat",
            "constructor",
            "endsWith",
            "includes",
            "indexOf",
            "lastIndexOf",
            "length",
            "match",
            "padEnd",
            "padStart",
            "repeat",
            "replace",
            "replaceAll",
            "search",
            "slice",
            "split",
            "startsWith",
            "substr",
            "substring",
            "toLowerCase",
            "toString",
            "toUpperCase",
            "trim",
            "trimEnd",
            "trimStart",
            "valueOf",
        ],
    ),
    (
        "Number",
        &[
            "EPSILON",
            "MAX_SAFE_INTEGER",
            "MAX_VALUE",
            "MIN_SAFE_INTEGER",
            "MIN_VALUE",
            "NEGATIVE_INFINITY",
            "NaN",
            "POSITIVE_INFINITY",
            "isFinite",
            "isInteger",
            "isNaN",
            "isSafeInteger",
            "length",
            "name",
            "parseFloat",
            "parseInt",
            "prototype",
        ],
    ),
    ("Number.prototype", &["constructor", "toExponential", "toFixed", "toPrecision", "toString", "valueOf"]),
    ("Boolean.prototype", &["constructor", "toString", "valueOf"]),
    (
        "Math",
        &[
            "E", "LN10", "LN2", "LOG10E", "LOG2E", "PI", "SQRT1_2", "SQRT2", "abs", "acos", "acosh", "asin", "asinh",
            "atan", "atan2", "atanh", "cbrt", "ceil", "clz32", "cos", "cosh", "exp", "expm1", "floor", "fround",
            "hypot", "imul", "log", "log10", "log1p", "log2", "max", "min", "pow", "random", "round", "sign", "sin",
            "sinh", "sqrt", "tan", "tanh", "trunc",
        ],
    ),
    ("Date", &["UTC", "length", "name", "now", "parse", "prototype"]),
    (
        "Date.prototype",
        &[
            "constructor",
            "getDate",
            "getDay",
            "getFullYear",
            "getHours",
            "getMilliseconds",
            "getMinutes",
            "getMonth",
            "getSeconds",
            "getTime",
            "getTimezoneOffset",
            "getUTCDate",
            "getUTCDay",
            "getUTCFullYear",
            "getUTCHours",
            "getUTCMilliseconds",
            "getUTCMinutes",
            "getUTCMonth",
            "getUTCSeconds",
            "setDate",
            "setFullYear",
            "setHours",
            "setMilliseconds",
            "setMinutes",
            "setMonth",
            "setSeconds",
            "setTime",
            "setUTCDate",
            "setUTCFullYear",
            "setUTCHours",
            "setUTCMilliseconds",
            "setUTCMinutes",
            "setUTCMonth",
            "setUTCSeconds",
            "toDateString",
            "toISOString",
            "toJSON",
            "toLocaleDateString",
            "toLocaleString",
            "toLocaleTimeString",
            "toString",
            "toTimeString",
            "toUTCString",
            "valueOf",
        ],
    ),
    (
        "RegExp.prototype",
        &["constructor", "exec", "flags", "global", "ignoreCase", "multiline", "source", "sticky", "test", "toString"],
    ),
    ("Promise", &["all", "allSettled", "any", "length", "name", "prototype", "race", "reject", "resolve"]),
    (
        "Symbol",
        &[
            "asyncIterator",
            "for",
            "hasInstance",
            "isConcatSpreadable",
            "iterator",
            "keyFor",
            "length",
            "match",
            "matchAll",
            "name",
            "prototype",
            "replace",
            "search",
            "species",
            "split",
            "toPrimitive",
            "toStringTag",
            "unscopables",
        ],
    ),
    ("Symbol.prototype", &["constructor", "description", "toString", "valueOf"]),
    ("ArrayBuffer", &["isView", "length", "name", "prototype"]),
    ("ArrayBuffer.prototype", &["byteLength", "constructor", "slice"]),
    ("Error", &["length", "name", "prototype"]),
    ("Error.prototype", &["constructor", "message", "name", "toString"]),
    ("JSON", &["parse", "stringify"]),
    ("Function.prototype", &["apply", "bind", "call", "constructor", "length", "name", "toString"]),
    (
        "DataView.prototype",
        &[
            "buffer",
            "byteLength",
            "byteOffset",
            "constructor",
            "getFloat32",
            "getFloat64",
            "getInt16",
            "getInt32",
            "getInt8",
            "getUint16",
            "getUint32",
            "getUint8",
            "setFloat32",
            "setFloat64",
            "setInt16",
            "setInt32",
            "setInt8",
            "setUint16",
            "setUint32",
            "setUint8",
        ],
    ),
];

fn path(context: &mut Context, name: &str) -> JsResult<Option<JsObject>> {
    let mut object = context.global_object();
    for part in name.split('.') {
        match object.get(JsString::from(part), context)?.as_object() {
            Some(next) => object = next.clone(),
            None => return Ok(None),
        }
    }
    Ok(Some(object))
}

fn prune(object: &JsObject, keep: &[&str], context: &mut Context) -> JsResult<()> {
    for key in object.own_property_keys(context)? {
        let name = match &key {
            PropertyKey::String(name) => name.to_std_string_escaped(),
            PropertyKey::Index(_) | PropertyKey::Symbol(_) => continue,
        };
        // A few members cannot be deleted (the well-known symbols are not configurable); they
        // stay.
        if !keep.contains(&name.as_str()) && object.delete_property_or_throw(key, context).is_err() {
            continue;
        }
    }
    Ok(())
}

/// The members the typed-array constructors share (`%TypedArray%`).
const TYPED_ARRAY: &[&str] = &["from", "length", "name", "of", "prototype"];
const TYPED_ARRAY_PROTOTYPE: &[&str] = &[
    "buffer",
    "byteLength",
    "byteOffset",
    "constructor",
    "copyWithin",
    "entries",
    "every",
    "fill",
    "filter",
    "find",
    "findIndex",
    "forEach",
    "includes",
    "indexOf",
    "join",
    "keys",
    "lastIndexOf",
    "length",
    "map",
    "reduce",
    "reduceRight",
    "reverse",
    "set",
    "slice",
    "some",
    "sort",
    "subarray",
    "toString",
    "values",
];

/// The typed arrays CloudFront has.
const TYPED_ARRAYS: &[&str] = &[
    "Int8Array",
    "Uint8Array",
    "Uint8ClampedArray",
    "Int16Array",
    "Uint16Array",
    "Int32Array",
    "Uint32Array",
    "Float32Array",
    "Float64Array",
];

fn restrict(context: &mut Context) -> JsResult<()> {
    let global = context.global_object();
    prune(&global, GLOBALS, context)?;
    for (name, keep) in MEMBERS {
        if let Some(object) = path(context, name)? {
            prune(&object, keep, context)?;
        }
    }
    for name in TYPED_ARRAYS {
        if let Some(constructor) = path(context, name)? {
            prune(&constructor, &["BYTES_PER_ELEMENT", "length", "name", "prototype"], context)?;
        }
        if let Some(prototype) = path(context, &format!("{name}.prototype"))? {
            prune(&prototype, &["BYTES_PER_ELEMENT", "constructor"], context)?;
        }
    }
    let typed_array = context.intrinsics().constructors().typed_array().constructor();
    prune(&typed_array, TYPED_ARRAY, context)?;
    let typed_array_prototype = context.intrinsics().constructors().typed_array().prototype();
    prune(&typed_array_prototype, TYPED_ARRAY_PROTOTYPE, context)?;
    Ok(())
}

fn random(_this: &JsValue, _args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    // splitmix64: the state advances by a constant; the output is a mix of it.
    let shared = Shared::of(context);
    let state = shared.random.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
    shared.random.set(state);
    let mut z = state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    Ok(JsValue::from((z >> 11) as f64 / (1u64 << 53) as f64))
}

/// The prelude, as a function expression taking the natives.
const PRELUDE: &str = include_str!("host/prelude.js");

fn install(context: &mut Context) -> JsResult<(JsObject, JsObject, JsObject)> {
    let global = context.global_object();
    let cloudfront = host::cloudfront::module(context);
    let crypto = host::crypto::module(context);
    let querystring = host::querystring::module(context);

    let console = ObjectInitializer::new(context)
        .function(NativeFunction::from_fn_ptr(host::console::log), js_string!("log"), 1)
        .build();
    let hidden = Attribute::WRITABLE | Attribute::CONFIGURABLE;
    context.register_global_property(js_string!("console"), console, hidden)?;
    for (name, function) in [("atob", host::bytes::atob as _), ("btoa", host::bytes::btoa as _)] {
        let function = FunctionObjectBuilder::new(context.realm(), NativeFunction::from_fn_ptr(function))
            .name(JsString::from(name))
            .length(1)
            .build();
        context.register_global_property(JsString::from(name), function, hidden)?;
    }
    let math = global.get(js_string!("Math"), context)?.as_object().expect("Math exists").clone();
    let random = FunctionObjectBuilder::new(context.realm(), NativeFunction::from_fn_ptr(random))
        .name(js_string!("random"))
        .build();
    math.define_property_or_throw(
        js_string!("random"),
        PropertyDescriptor::builder().value(random).writable(true).enumerable(false).configurable(true),
        context,
    )?;

    let natives = host::bytes::natives(context);
    natives.set(js_string!("crypto"), crypto.clone(), true, context)?;
    natives.set(js_string!("querystring"), querystring.clone(), true, context)?;
    let prelude = context.eval(Source::from_bytes(PRELUDE))?;
    let prelude =
        prelude.as_callable().ok_or_else(|| JsNativeError::typ().with_message("the prelude is a function"))?;
    prelude.call(&JsValue::undefined(), &[natives.into()], context)?;
    let buffer = global.get(js_string!("Buffer"), context)?;
    let buffer_prototype = buffer.as_object().map(|b| b.get(js_string!("prototype"), context)).transpose()?;
    *Shared::of(context).buffer_prototype.borrow_mut() = buffer_prototype.and_then(|p| p.as_object());

    host::guards::install(context)?;
    restrict(context)?;
    Ok((cloudfront, crypto, querystring))
}

/// The text a JavaScript error shows, as `String(error)` gives it; engine errors are named the
/// way njs names the same failure.
pub fn describe(error: JsError, context: &mut Context) -> String {
    if let Some(engine) = error.as_engine() {
        let text = engine.to_string();
        if text.contains("recursive calls") || text.contains("stack size") {
            return "RangeError: Maximum call stack size exceeded".into();
        }
        if text.contains("iteration loops") || text.contains("NoInstructionsRemain") {
            return "InternalError: the function ran past its compute budget".into();
        }
        return format!("InternalError: {text}");
    }
    match error.into_opaque(context) {
        Ok(value) => match value.to_string(context) {
            Ok(text) => text.to_std_string_lossy(),
            Err(_) => "uncaught exception".into(),
        },
        Err(error) => error.to_string(),
    }
}

/// Sets each `member` (a path of names, `String.prototype.substr`) to the value of its
/// JavaScript expression, as a method is defined: writable, configurable, not enumerable.
#[cfg(feature = "test-hooks")]
fn replace_builtins(context: &mut Context, replaced: &[(String, String)]) -> Result<(), String> {
    for (member, expression) in replaced {
        let named = |part: &str| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let Some((owner, name)) = member.rsplit_once('.').filter(|(o, n)| o.split('.').all(named) && named(n)) else {
            return Err(format!("InternalError: cannot replace {member:?}: not a path of names"));
        };
        let code = format!(
            "Object.defineProperty({owner}, '{name}', {{ value: ({expression}), writable: true, configurable: true, enumerable: false }});"
        );
        context
            .eval(Source::from_bytes(code.as_bytes()))
            .map_err(|e| format!("InternalError: cannot replace {member}: {}", describe(e, context)))?;
    }
    Ok(())
}

impl Sandbox {
    /// Builds the context and loads `code` (which the syntax gate has passed). The error is the
    /// message CloudFront would give for the function: a syntax error or an exception thrown by
    /// its top-level code.
    pub fn new(code: &str, settings: &Settings) -> Result<Sandbox, String> {
        let loader = Rc::new(Loader::default());
        let clock = Rc::new(StoppedClock::default());
        let budget = usize::try_from(settings.budget).unwrap_or(usize::MAX);
        let mut context = Context::builder()
            .host_hooks(Rc::new(Hooks))
            .clock(clock.clone())
            .module_loader(loader.clone())
            .instructions_remaining(budget)
            .build()
            .map_err(|e| format!("InternalError: cannot create the JavaScript context: {e}"))?;
        let shared = Rc::new(Shared::new(settings.edge.clone()));
        context.insert_data(shared.clone());
        let mut limits = RuntimeLimits::default();
        limits.set_loop_iteration_limit(settings.loop_limit);
        limits.set_recursion_limit(RECURSION_LIMIT);
        context.set_runtime_limits(limits);

        let (cloudfront, crypto, querystring) =
            install(&mut context).map_err(|e| format!("InternalError: cannot set up the runtime: {e}"))?;
        #[cfg(feature = "test-hooks")]
        replace_builtins(&mut context, &settings.replaced_builtins)?;
        for (name, object) in [("cloudfront", cloudfront), ("crypto", crypto), ("querystring", querystring)] {
            let module = Module::from_value_as_default(object.into(), &mut context);
            loader.modules.borrow_mut().insert(name.to_string(), module);
        }
        let stringify = context
            .intrinsics()
            .objects()
            .json()
            .get(js_string!("stringify"), &mut context)
            .ok()
            .and_then(|s| s.as_object())
            .ok_or("InternalError: JSON.stringify is missing")?;
        let raw_query = FunctionObjectBuilder::new(
            context.realm(),
            NativeFunction::from_fn_ptr(host::cloudfront::raw_query_string),
        )
        .name(js_string!("rawQueryString"))
        .build();

        // CloudFront calls `handler` without it being exported; the module hands it over through
        // a native of a module of its own (`export` keeps a missing `handler` a link error).
        // Reading it from the module's namespace instead would leak the whole context: boa
        // 0.22's namespace object holds its modules without tracing them, so they stay roots.
        let taken = Rc::new(RefCell::new(None));
        let take = FunctionObjectBuilder::new(
            context.realm(),
            NativeFunction::from_copy_closure_with_captures(take_handler, TakenHandler(taken.clone())),
        )
        .name(js_string!("take"))
        .length(1)
        .build();
        let take = Module::from_value_as_default(take.into(), &mut context);
        loader.modules.borrow_mut().insert(TAKE_MODULE.to_string(), take);
        let source = format!("{code}\n;export{{handler}};import {TAKE} from '{TAKE_MODULE}';{TAKE}(handler);");
        let parsed = Source::from_bytes(source.as_bytes()).with_path(std::path::Path::new(CODE_PATH));
        let module = Module::parse(parsed, None, &mut context).map_err(|e| describe(e, &mut context))?;
        let promise = module.load_link_evaluate(&mut context);
        context.run_jobs().map_err(|e| describe(e, &mut context))?;
        match promise.state() {
            PromiseState::Fulfilled(_) => {}
            PromiseState::Rejected(error) => return Err(describe(JsError::from_opaque(error), &mut context)),
            PromiseState::Pending => return Err("InternalError: the function's top-level code did not finish".into()),
        }
        loader.modules.borrow_mut().remove(TAKE_MODULE);
        let handler = taken.borrow_mut().take();
        let handler = handler
            .and_then(|h| h.as_object())
            .filter(|h| h.is_callable())
            .ok_or("TypeError: handler is not a function")?;
        Ok(Sandbox { context, handler, shared, clock, raw_query, stringify })
    }

    /// Instructions the context has left.
    pub fn remaining(&self) -> u64 {
        self.context.instructions_remaining() as u64
    }

    /// Calls `handler` once.
    pub fn call(&mut self, call: Call<'_>) -> Raw {
        let shared = &self.shared;
        *shared.kvs.borrow_mut() = call.kvs.clone();
        *shared.raw_query.borrow_mut() = call.raw_query.map(str::to_string);
        shared.event_type.set(call.event_type);
        shared.logs.borrow_mut().clear();
        shared.log_bytes.set(0);
        shared.kvs_reads.set(0);
        *shared.origin.borrow_mut() = None;
        shared.native_bytes.set(0);
        shared.random.set(call.seed);
        self.clock.0.set(call.now_ms);

        let before = self.remaining();
        shared.floor.set(before.saturating_sub(call.max_instructions));
        let mut error_position = None;
        let (returned, spent) = match self.invoke(call.event) {
            Ok(value) => (Ok(value), false),
            Err((error, spent)) => {
                error_position = position(&error, &mut self.context);
                (Err(describe(error, &mut self.context)), spent)
            }
        };
        let instructions = before - self.remaining();
        let returned = match returned {
            Ok(value) => self.json(value),
            Err(error) => Err(error),
        };
        Raw {
            returned,
            instructions,
            logs: std::mem::take(&mut *self.shared.logs.borrow_mut()),
            kvs_reads: self.shared.kvs_reads.get(),
            origin: self.shared.origin.borrow_mut().take(),
            native_bytes: self.shared.native_bytes.get(),
            spent,
            error_position,
        }
    }

    /// Runs the handler; the error says whether the context is spent.
    fn invoke(&mut self, event: &Value) -> Result<JsValue, (JsError, bool)> {
        let context = &mut self.context;
        let fail = |error: JsError| {
            let spent = error.as_engine().is_some();
            (error, spent)
        };
        let event = JsValue::from_json(event, context).map_err(fail)?;
        if let Some(request) =
            event.as_object().map(|e| e.get(js_string!("request"), context)).transpose().map_err(fail)?
            && let Some(request) = request.as_object()
        {
            request
                .define_property_or_throw(
                    js_string!("rawQueryString"),
                    PropertyDescriptor::builder()
                        .value(self.raw_query.clone())
                        .writable(true)
                        .enumerable(false)
                        .configurable(true),
                    context,
                )
                .map_err(fail)?;
        }
        let returned = self.handler.call(&JsValue::undefined(), &[event], context).map_err(fail)?;
        let settled = context.run_jobs();
        if let Err(error) = settled {
            return Err((error, true));
        }
        let promise = returned.as_object().and_then(|r| JsPromise::from_object(r.clone()).ok());
        match promise.map(|p| p.state()) {
            None => Ok(returned),
            Some(PromiseState::Fulfilled(value)) => Ok(value),
            Some(PromiseState::Rejected(error)) => Err((JsError::from_opaque(error), false)),
            Some(PromiseState::Pending) => {
                Err((JsNativeError::error().with_message("the handler's promise never settled").into(), true))
            }
        }
    }

    /// The returned value as JSON: as the realm's own `JSON.stringify` gives it, read directly
    /// when it is plain data.
    fn json(&mut self, value: JsValue) -> Result<Value, String> {
        let context = &mut self.context;
        if let Some(json) = Plain::of(context).and_then(|plain| plain.json(&value, context)) {
            return Ok(json);
        }
        let text = self.stringify.call(&JsValue::undefined(), &[value], context);
        match text {
            Ok(text) if text.is_undefined() => Ok(Value::Null),
            Ok(text) => {
                let text = text.to_string(context).map_err(|e| describe(e, context))?;
                serde_json::from_str(&text.to_std_string_lossy())
                    .map_err(|e| format!("InternalError: the returned value is not JSON: {e}"))
            }
            Err(error) => Err(describe(error, context)),
        }
    }
}

/// The inputs of one call.
#[derive(Clone, Copy, Debug)]
pub struct Call<'a> {
    /// The event.
    pub event: &'a Value,
    /// Its type.
    pub event_type: EventType,
    /// What `request.rawQueryString()` returns.
    pub raw_query: Option<&'a str>,
    /// The store.
    pub kvs: &'a Rc<KvsData>,
    /// `Date.now()` during the call.
    pub now_ms: i64,
    /// The seed of `Math.random`.
    pub seed: u64,
    /// The most instructions the call may run.
    pub max_instructions: u64,
}
