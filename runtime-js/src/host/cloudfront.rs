//! The `cloudfront` module (`import cf from 'cloudfront'`) and `request.rawQueryString()`.
//!
//! - `cf.kvs([id])` returns a handle on the store the call was given: `get(key, {format})` with
//!   `string` (the default), `json` or `bytes` (a `Buffer`), rejecting when the key is missing;
//!   `exists(key)`; `meta()`. Every one of the three counts as a KVS read. The store's id is not
//!   checked: a function has at most one store.
//! - `cf.updateRequestOrigin`, `cf.selectRequestOriginById` and `cf.createRequestOriginGroup`
//!   check their arguments ([`crate::result::origin_call`]) and record the call; the last call
//!   wins.
//! - `cf.edgeLocation` describes the edge in viewer-request calls and is `{}` in viewer-response
//!   calls.

use boa_engine::object::ObjectInitializer;
use boa_engine::object::builtins::JsPromise;
use boa_engine::property::Attribute;
use boa_engine::{Context, JsError, JsNativeError, JsObject, JsResult, JsValue, NativeFunction, js_string};
use serde_json::{Value, json};

use super::{Shared, arg, check_budget, new_buffer, rust_string, string_arg};
use crate::result::{self, EventType};

/// What `meta()` reports as the store's creation and last update.
pub const META_DATE: &str = "2024-01-01T00:00:00Z";

/// Builds the module's default export.
pub fn module(context: &mut Context) -> JsObject {
    let edge = NativeFunction::from_fn_ptr(edge_location).to_js_function(context.realm());
    ObjectInitializer::new(context)
        .function(NativeFunction::from_fn_ptr(kvs), js_string!("kvs"), 1)
        .function(NativeFunction::from_fn_ptr(update_request_origin), js_string!("updateRequestOrigin"), 1)
        .function(NativeFunction::from_fn_ptr(select_request_origin_by_id), js_string!("selectRequestOriginById"), 1)
        .function(NativeFunction::from_fn_ptr(create_request_origin_group), js_string!("createRequestOriginGroup"), 1)
        .accessor(js_string!("edgeLocation"), Some(edge), None, Attribute::ENUMERABLE | Attribute::CONFIGURABLE)
        .build()
}

/// The function installed as `request.rawQueryString`.
pub fn raw_query_string(_this: &JsValue, _args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let shared = Shared::of(context);
    let raw = shared.raw_query.borrow();
    Ok(raw.as_deref().map_or_else(JsValue::undefined, |q| js_string!(q).into()))
}

fn kvs(_this: &JsValue, _args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    Ok(ObjectInitializer::new(context)
        .function(NativeFunction::from_fn_ptr(kvs_get), js_string!("get"), 2)
        .function(NativeFunction::from_fn_ptr(kvs_exists), js_string!("exists"), 1)
        .function(NativeFunction::from_fn_ptr(kvs_meta), js_string!("meta"), 0)
        .build()
        .into())
}

fn settle(outcome: JsResult<JsValue>, context: &mut Context) -> JsResult<JsValue> {
    let promise = match outcome {
        Ok(value) => JsPromise::resolve(value, context)?,
        Err(error) => JsPromise::reject(error, context)?,
    };
    Ok(promise.into())
}

fn kvs_get(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    check_budget(context)?;
    let outcome = kvs_get_value(args, context);
    settle(outcome, context)
}

fn kvs_get_value(args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let shared = Shared::of(context);
    shared.kvs_reads.set(shared.kvs_reads.get() + 1);
    let key = rust_string(&string_arg(args, 0, context)?);
    let format = match arg(args, 1).as_object() {
        Some(options) => options.get(js_string!("format"), context)?,
        None => JsValue::undefined(),
    };
    let format = if format.is_undefined() { "string".to_string() } else { rust_string(&format.to_string(context)?) };
    let value = shared.kvs.borrow().get(&key).cloned();
    let Some(value) = value else {
        return Err(JsError::from_native(JsNativeError::error().with_message(format!("KeyNotFound: {key}"))));
    };
    shared.work(value.len());
    match format.as_str() {
        "string" => Ok(js_string!(value.as_str()).into()),
        "json" => {
            let parsed: Value = serde_json::from_str(&value)
                .map_err(|e| JsNativeError::syntax().with_message(format!("the value of {key:?} is not JSON: {e}")))?;
            JsValue::from_json(&parsed, context)
        }
        "bytes" => new_buffer(value.into_bytes(), context),
        other => Err(JsNativeError::typ()
            .with_message(format!("unknown format {other:?}: use \"string\", \"json\" or \"bytes\""))
            .into()),
    }
}

fn kvs_exists(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    check_budget(context)?;
    let shared = Shared::of(context);
    shared.kvs_reads.set(shared.kvs_reads.get() + 1);
    let outcome = string_arg(args, 0, context).map(|key| shared.kvs.borrow().contains_key(&rust_string(&key)).into());
    settle(outcome, context)
}

fn kvs_meta(_this: &JsValue, _args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    check_budget(context)?;
    let shared = Shared::of(context);
    shared.kvs_reads.set(shared.kvs_reads.get() + 1);
    let count = shared.kvs.borrow().len();
    let meta = json!({ "creationDateTime": META_DATE, "lastUpdatedDateTime": META_DATE, "keyCount": count });
    let outcome = JsValue::from_json(&meta, context);
    settle(outcome, context)
}

fn edge_location(_this: &JsValue, _args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let shared = Shared::of(context);
    let value = match shared.event_type.get() {
        EventType::ViewerRequest => {
            json!({ "name": shared.edge.name, "serverIp": shared.edge.server_ip, "region": shared.edge.region })
        }
        EventType::ViewerResponse => json!({}),
    };
    JsValue::from_json(&value, context)
}

fn record(method: &str, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let mut values = Vec::with_capacity(args.len());
    for value in args {
        values.push(value.to_json(context)?.unwrap_or(Value::Null));
    }
    result::origin_call(method, &values).map_err(|message| JsNativeError::typ().with_message(message))?;
    *Shared::of(context).origin.borrow_mut() = Some(json!({ "method": method, "args": values }));
    Ok(JsValue::undefined())
}

fn update_request_origin(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    record("updateRequestOrigin", args, context)
}

fn select_request_origin_by_id(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    record("selectRequestOriginById", args, context)
}

fn create_request_origin_group(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    record("createRequestOriginGroup", args, context)
}
