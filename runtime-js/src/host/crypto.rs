//! `require('crypto')` (or `import crypto from 'crypto'`): `createHash` and `createHmac` with
//! `md5`, `sha1` and `sha256`, as njs offers them. `update(data[, inputEncoding])` takes a
//! string or a buffer-like value and returns the object; `digest([encoding])` returns a string
//! in `hex`, `base64` or `base64url`, or a `Buffer` without an encoding, and can be called once.

use std::cell::RefCell;

use boa_engine::object::ObjectInitializer;
use boa_engine::property::Attribute;
use boa_engine::{
    Context, Finalize, JsData, JsError, JsNativeError, JsObject, JsResult, JsValue, NativeFunction, Trace, js_string,
};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Digest as _;

use super::codec::{self, Encoding};
use super::{Shared, arg, bytes_of, new_buffer, rust_string, type_error};

/// The module object.
pub fn module(context: &mut Context) -> JsObject {
    let hash = NativeFunction::from_fn_ptr(create_hash).to_js_function(context.realm());
    let hmac = NativeFunction::from_fn_ptr(create_hmac).to_js_function(context.realm());
    ObjectInitializer::new(context)
        .property(js_string!("createHash"), hash, Attribute::all())
        .property(js_string!("createHmac"), hmac, Attribute::all())
        .build()
}

enum State {
    Md5(md5::Md5),
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
    HmacMd5(Hmac<md5::Md5>),
    HmacSha1(Hmac<sha1::Sha1>),
    HmacSha256(Hmac<sha2::Sha256>),
    Finished,
}

impl State {
    fn update(&mut self, data: &[u8]) {
        match self {
            State::Md5(h) => h.update(data),
            State::Sha1(h) => h.update(data),
            State::Sha256(h) => h.update(data),
            State::HmacMd5(h) => h.update(data),
            State::HmacSha1(h) => h.update(data),
            State::HmacSha256(h) => h.update(data),
            State::Finished => {}
        }
    }

    fn finish(&mut self) -> Option<Vec<u8>> {
        Some(match std::mem::replace(self, State::Finished) {
            State::Md5(h) => h.finalize().to_vec(),
            State::Sha1(h) => h.finalize().to_vec(),
            State::Sha256(h) => h.finalize().to_vec(),
            State::HmacMd5(h) => h.finalize().into_bytes().to_vec(),
            State::HmacSha1(h) => h.finalize().into_bytes().to_vec(),
            State::HmacSha256(h) => h.finalize().into_bytes().to_vec(),
            State::Finished => return None,
        })
    }
}

/// A hash or HMAC in progress, kept in the JavaScript object's native data.
#[derive(Trace, Finalize, JsData)]
struct Digest {
    #[unsafe_ignore_trace]
    state: RefCell<State>,
}

fn algorithm(args: &[JsValue], context: &mut Context) -> JsResult<String> {
    let name = rust_string(&arg(args, 0).to_string(context)?);
    match name.as_str() {
        "md5" | "sha1" | "sha256" => Ok(name),
        _ => Err(type_error(format!("not supported algorithm: \"{name}\""))),
    }
}

/// Bytes of a key or data argument: a string (in `encoding`) or anything buffer-like.
fn data(value: &JsValue, encoding: &JsValue, what: &str, context: &mut Context) -> JsResult<Vec<u8>> {
    if let Some(text) = value.as_string() {
        let encoding = if encoding.is_undefined() {
            Encoding::Utf8
        } else {
            let name = rust_string(&encoding.to_string(context)?);
            Encoding::named(&name).ok_or_else(|| type_error(format!("\"{name}\" encoding is not supported")))?
        };
        return Ok(match encoding {
            Encoding::Utf8 => codec::utf8_of_utf16(&text.to_vec()),
            other => codec::decode(&rust_string(&text), other),
        });
    }
    bytes_of(value, context)?.ok_or_else(|| {
        type_error(format!("{what} argument \"{}\" is not a string or Buffer-like object", value.type_of()))
    })
}

fn create_hash(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let state = match algorithm(args, context)?.as_str() {
        "md5" => State::Md5(md5::Md5::new()),
        "sha1" => State::Sha1(sha1::Sha1::new()),
        _ => State::Sha256(sha2::Sha256::new()),
    };
    Ok(digest_object(state, context).into())
}

fn create_hmac(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let name = algorithm(args, context)?;
    let key = data(&arg(args, 1), &JsValue::undefined(), "key", context)?;
    let invalid = |_| type_error("invalid HMAC key");
    let state = match name.as_str() {
        "md5" => State::HmacMd5(Hmac::new_from_slice(&key).map_err(invalid)?),
        "sha1" => State::HmacSha1(Hmac::new_from_slice(&key).map_err(invalid)?),
        _ => State::HmacSha256(Hmac::new_from_slice(&key).map_err(invalid)?),
    };
    Ok(digest_object(state, context).into())
}

fn digest_object(state: State, context: &mut Context) -> JsObject {
    ObjectInitializer::with_native_data(Digest { state: RefCell::new(state) }, context)
        .function(NativeFunction::from_fn_ptr(update), js_string!("update"), 2)
        .function(NativeFunction::from_fn_ptr(digest), js_string!("digest"), 1)
        .build()
}

fn this_digest(this: &JsValue) -> JsResult<JsObject> {
    this.as_object()
        .filter(|object| object.downcast_ref::<Digest>().is_some())
        .ok_or_else(|| type_error("this is not a Hash or Hmac object"))
}

fn finished() -> JsError {
    JsNativeError::error().with_message("Digest already called").into()
}

fn update(this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let object = this_digest(this)?;
    let bytes = data(&arg(args, 0), &arg(args, 1), "data", context)?;
    Shared::of(context).work(bytes.len());
    let digest = object.downcast_ref::<Digest>().expect("checked");
    let mut state = digest.state.borrow_mut();
    if matches!(*state, State::Finished) {
        return Err(finished());
    }
    state.update(&bytes);
    drop(state);
    drop(digest);
    Ok(this.clone())
}

fn digest(this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let object = this_digest(this)?;
    let encoding = arg(args, 0);
    let encoding = if encoding.is_undefined() {
        None
    } else {
        let name = rust_string(&encoding.to_string(context)?);
        match Encoding::named(&name) {
            Some(Encoding::Hex | Encoding::Base64 | Encoding::Base64Url) => Encoding::named(&name),
            _ => return Err(type_error(format!("Unknown digest encoding: \"{name}\""))),
        }
    };
    let bytes = object.downcast_ref::<Digest>().expect("checked").state.borrow_mut().finish().ok_or_else(finished)?;
    match encoding {
        Some(encoding) => Ok(js_string!(codec::encode(&bytes, encoding)).into()),
        None => new_buffer(bytes, context),
    }
}
