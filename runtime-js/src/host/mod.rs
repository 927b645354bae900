//! The host side of the sandbox: the built-ins CloudFront adds to the language, written in Rust,
//! and the per-call state they read and write.
//!
//! - [`cloudfront`] is the `cloudfront` module (KVS, origin helpers, `edgeLocation`) and
//!   `request.rawQueryString()`;
//! - [`codec`] holds the byte encodings (`utf8`, `hex`, `base64`, `base64url`);
//! - [`bytes`] is the native half of `Buffer`, `TextEncoder`/`TextDecoder` and `atob`/`btoa`;
//! - [`crypto`] is `require('crypto')`, hashes and HMACs;
//! - [`querystring`] is `require('querystring')`;
//! - [`console`] is `console.log`, which prints values the way njs does;
//! - [`guards`] are the allocation guards that stand in for CloudFront's 2 MB memory limit.
//!
//! `prelude.js` joins these natives into the JavaScript objects a function sees.

pub mod bytes;
pub mod cloudfront;
pub mod codec;
pub mod console;
pub mod crypto;
pub mod guards;
pub mod querystring;

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use boa_engine::object::builtins::{JsArrayBuffer, JsDataView, JsTypedArray, JsUint8Array};
use boa_engine::{Context, JsNativeError, JsObject, JsResult, JsString, JsValue};
use serde_json::Value;

use crate::result::EventType;

/// KVS contents: key to value.
pub type KvsData = BTreeMap<String, String>;

/// What the natives of one context share: the current call's inputs and what it has done so far.
/// It lives in the context's host data, behind an `Rc`.
#[derive(Debug)]
pub struct Shared {
    /// The store the current call reads.
    pub kvs: RefCell<Rc<KvsData>>,
    /// What `request.rawQueryString()` returns.
    pub raw_query: RefCell<Option<String>>,
    /// The current event's type.
    pub event_type: Cell<EventType>,
    /// `console.log` lines.
    pub logs: RefCell<Vec<String>>,
    /// Bytes logged so far (CloudFront keeps 10 KB of logs per run).
    pub log_bytes: Cell<usize>,
    /// KVS reads (`get`, `exists`, `meta`).
    pub kvs_reads: Cell<u32>,
    /// The last origin helper called, as `{"method", "args"}`.
    pub origin: RefCell<Option<Value>>,
    /// The state of `Math.random`.
    pub random: Cell<u64>,
    /// Bytes that native helpers hashed, encoded or decoded: work that boa's instruction counter
    /// does not see.
    pub native_bytes: Cell<u64>,
    /// The edge location `cf.edgeLocation` describes in viewer-request calls.
    pub edge: EdgeLocation,
    /// `Buffer.prototype`, for buffers made by natives.
    pub buffer_prototype: RefCell<Option<JsObject>>,
    /// The context's remaining instructions below which the current call is over its budget.
    pub floor: Cell<u64>,
}

/// `cf.edgeLocation`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeLocation {
    /// The IATA code of the edge location, e.g. `SEA`.
    pub name: String,
    /// The server's IP address.
    pub server_ip: String,
    /// The AWS region that serves the location.
    pub region: String,
}

impl Default for EdgeLocation {
    fn default() -> EdgeLocation {
        EdgeLocation { name: "SEA".into(), server_ip: "198.51.100.1".into(), region: "us-west-2".into() }
    }
}

impl Shared {
    /// Fresh state for a context.
    pub fn new(edge: EdgeLocation) -> Shared {
        Shared {
            kvs: RefCell::new(Rc::new(KvsData::new())),
            raw_query: RefCell::new(None),
            event_type: Cell::new(EventType::ViewerRequest),
            logs: RefCell::new(Vec::new()),
            log_bytes: Cell::new(0),
            kvs_reads: Cell::new(0),
            origin: RefCell::new(None),
            random: Cell::new(0),
            native_bytes: Cell::new(0),
            edge,
            buffer_prototype: RefCell::new(None),
            floor: Cell::new(0),
        }
    }

    /// The shared state of `context`.
    pub fn of(context: &Context) -> Rc<Shared> {
        context.get_data::<Rc<Shared>>().expect("the sandbox installs its shared state").clone()
    }

    /// Counts bytes of native work.
    pub fn work(&self, bytes: usize) {
        self.native_bytes.set(self.native_bytes.get().saturating_add(bytes as u64));
    }
}

/// Fails, in a way the function cannot catch, when the current call has run past its
/// instruction budget. The natives and the promise-job hook call it, so that a call that keeps
/// coming back to them (an `await` loop, a `push` loop) stops at its own budget rather than at
/// the context's.
pub fn check_budget(context: &Context) -> JsResult<()> {
    let shared = context.get_data::<Rc<Shared>>().expect("the sandbox installs its shared state");
    if (context.instructions_remaining() as u64) < shared.floor.get() {
        return Err(boa_engine::error::EngineError::NoInstructionsRemain.into());
    }
    Ok(())
}

/// Argument `index`, or `undefined`.
pub fn arg(args: &[JsValue], index: usize) -> JsValue {
    args.get(index).cloned().unwrap_or_default()
}

/// Argument `index` converted to a string.
pub fn string_arg(args: &[JsValue], index: usize, context: &mut Context) -> JsResult<JsString> {
    arg(args, index).to_string(context)
}

/// A Rust string from a JavaScript one; lone surrogates become U+FFFD.
pub fn rust_string(value: &JsString) -> String {
    value.to_std_string_lossy()
}

/// A type error with `message`.
pub fn type_error(message: impl Into<String>) -> boa_engine::JsError {
    JsNativeError::typ().with_message(message.into()).into()
}

/// The bytes of a `Buffer`, typed array, `DataView` or `ArrayBuffer`; `None` for anything else.
pub fn bytes_of(value: &JsValue, context: &mut Context) -> JsResult<Option<Vec<u8>>> {
    let Some(object) = value.as_object() else { return Ok(None) };
    let (buffer, offset, length) = if let Ok(array) = JsTypedArray::from_object(object.clone()) {
        (array.buffer(context)?, array.byte_offset(context)?, array.byte_length(context)?)
    } else if let Ok(view) = JsDataView::from_object(object.clone()) {
        (view.buffer(context)?, view.byte_offset(context)? as usize, view.byte_length(context)? as usize)
    } else if let Ok(buffer) = JsArrayBuffer::from_object(object.clone()) {
        let length = buffer.byte_length();
        (JsValue::from(buffer), 0, length)
    } else {
        return Ok(None);
    };
    let Some(buffer) = buffer.as_object().and_then(|b| JsArrayBuffer::from_object(b.clone()).ok()) else {
        return Err(type_error("the buffer behind this view is not an ArrayBuffer"));
    };
    let data = buffer.data().ok_or_else(|| type_error("the ArrayBuffer is detached"))?;
    Ok(Some(data.get(offset..offset + length).map(<[u8]>::to_vec).unwrap_or_default()))
}

/// A `Buffer` holding `bytes`.
pub fn new_buffer(bytes: Vec<u8>, context: &mut Context) -> JsResult<JsValue> {
    let array = JsUint8Array::from_iter(bytes, context)?;
    let shared = Shared::of(context);
    if let Some(prototype) = shared.buffer_prototype.borrow().clone() {
        JsObject::from(array.clone()).set_prototype(Some(prototype));
    }
    Ok(array.into())
}
