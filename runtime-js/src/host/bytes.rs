//! The native half of `Buffer`, `TextEncoder`/`TextDecoder` and `atob`/`btoa`: everything that
//! touches bytes. `prelude.js` wraps these into the objects a function sees.

use boa_engine::object::ObjectInitializer;
use boa_engine::object::builtins::{JsArrayBuffer, JsTypedArray, JsUint8Array};
use boa_engine::{Context, JsNativeError, JsObject, JsResult, JsString, JsValue, NativeFunction, js_string};

use super::codec::{self, Encoding};
use super::{Shared, arg, bytes_of, new_buffer, rust_string, type_error};

/// The natives `prelude.js` builds `Buffer`, `TextEncoder` and `TextDecoder` from.
pub fn natives(context: &mut Context) -> JsObject {
    let functions: [(&str, boa_engine::native_function::NativeFunctionPointer, usize); 11] = [
        ("fromString", from_string, 2),
        ("toString", to_string, 4),
        ("byteLength", byte_length, 2),
        ("compare", compare, 2),
        ("indexOf", index_of, 5),
        ("write", write, 5),
        ("fill", fill, 5),
        ("isEncoding", is_encoding, 1),
        ("utf8Encode", utf8_encode, 1),
        ("utf8EncodeInto", utf8_encode_into, 2),
        ("utf8Decode", utf8_decode, 3),
    ];
    let mut object = ObjectInitializer::new(context);
    for (name, function, length) in functions {
        object.function(NativeFunction::from_fn_ptr(function), JsString::from(name), length);
    }
    object.build()
}

/// `atob(text)`.
pub fn atob(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let text = rust_string(&arg(args, 0).to_string(context)?);
    Shared::of(context).work(text.len());
    let units = codec::atob(&text).map_err(type_error)?;
    Ok(JsString::from(units.as_slice()).into())
}

/// `btoa(text)`.
pub fn btoa(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let units = arg(args, 0).to_string(context)?.to_vec();
    Shared::of(context).work(units.len());
    Ok(js_string!(codec::btoa(&units).map_err(type_error)?).into())
}

/// The encoding an argument names; `undefined` means UTF-8.
fn encoding(value: &JsValue) -> JsResult<Encoding> {
    if value.is_undefined() {
        return Ok(Encoding::Utf8);
    }
    let Some(name) = value.as_string() else { return Err(type_error("encoding must be a string")) };
    let name = rust_string(&name);
    Encoding::named(&name).ok_or_else(|| type_error(format!("\"{name}\" encoding is not supported")))
}

/// The bytes a string stands for in an encoding.
fn string_bytes(text: &JsString, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Utf8 => codec::utf8_of_utf16(&text.to_vec()),
        other => codec::decode(&rust_string(text), other),
    }
}

fn buffer_bytes(value: &JsValue, what: &str, context: &mut Context) -> JsResult<Vec<u8>> {
    bytes_of(value, context)?.ok_or_else(|| type_error(format!("{what} must be a Buffer or Uint8Array")))
}

/// The length of a typed array (a `Buffer`), without copying its bytes.
fn view_length(value: &JsValue, what: &str, context: &mut Context) -> JsResult<usize> {
    let array = value.as_object().and_then(|o| JsTypedArray::from_object(o).ok());
    let array = array.ok_or_else(|| type_error(format!("{what} must be a Buffer or Uint8Array")))?;
    array.byte_length(context)
}

/// An integer argument, or `default` when undefined.
fn integer(value: &JsValue, default: i64, context: &mut Context) -> JsResult<i64> {
    if value.is_undefined() {
        return Ok(default);
    }
    let number = value.to_number(context)?;
    Ok(if number.is_nan() { 0 } else { number.trunc().clamp(i64::MIN as f64, i64::MAX as f64) as i64 })
}

fn clamp(value: i64, length: usize) -> usize {
    value.clamp(0, length as i64) as usize
}

fn from_string(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let text = arg(args, 0).to_string(context)?;
    let bytes = string_bytes(&text, encoding(&arg(args, 1))?);
    Shared::of(context).work(bytes.len());
    new_buffer(bytes, context)
}

fn to_string(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let bytes = buffer_bytes(&arg(args, 0), "this", context)?;
    let encoding = encoding(&arg(args, 1))?;
    let start = clamp(integer(&arg(args, 2), 0, context)?, bytes.len());
    let end = clamp(integer(&arg(args, 3), bytes.len() as i64, context)?, bytes.len());
    let slice = if start < end { &bytes[start..end] } else { &[][..] };
    Shared::of(context).work(slice.len());
    Ok(js_string!(codec::encode(slice, encoding)).into())
}

fn byte_length(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let text = arg(args, 0).to_string(context)?;
    let bytes = string_bytes(&text, encoding(&arg(args, 1))?);
    Shared::of(context).work(bytes.len());
    Ok(JsValue::from(bytes.len() as u32))
}

fn compare(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let a = buffer_bytes(&arg(args, 0), "the first argument", context)?;
    let b = buffer_bytes(&arg(args, 1), "the second argument", context)?;
    Shared::of(context).work(a.len().min(b.len()));
    Ok(JsValue::from(a.cmp(&b) as i32))
}

/// `indexOf(buffer, value, byteOffset, encoding, last)`: `value` is a string, a number (a byte)
/// or a buffer.
fn index_of(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let haystack = buffer_bytes(&arg(args, 0), "this", context)?;
    let value = arg(args, 1);
    let (offset, encoding_arg) = match arg(args, 2) {
        offset if offset.is_string() => (JsValue::undefined(), offset),
        offset => (offset, arg(args, 3)),
    };
    let last = arg(args, 4).to_boolean();
    let needle = if let Some(text) = value.as_string() {
        string_bytes(&text, encoding(&encoding_arg)?)
    } else if let Some(number) = value.as_number() {
        vec![(number as i64 & 0xff) as u8]
    } else {
        buffer_bytes(&value, "the value", context)?
    };
    let length = haystack.len() as i64;
    let default = if last { length } else { 0 };
    let mut from = integer(&offset, default, context)?;
    if from < 0 {
        from += length;
    }
    Shared::of(context).work(haystack.len());
    let found = if last {
        let start = from.min(length - needle.len() as i64);
        (0..=start).rev().find(|&i| haystack[i as usize..].starts_with(&needle))
    } else {
        let from = from.max(0);
        (from..=length - needle.len() as i64).find(|&i| haystack[i as usize..].starts_with(&needle))
    };
    Ok(JsValue::from(found.map_or(-1.0, |i| i as f64)))
}

/// Copies `bytes` into a buffer at `offset`, at most `limit` of them; returns how many.
fn store(target: &JsValue, offset: usize, bytes: &[u8], context: &mut Context) -> JsResult<usize> {
    let object = target.as_object().ok_or_else(|| type_error("this must be a Buffer"))?;
    let array = JsTypedArray::from_object(object.clone())?;
    let buffer = array.buffer(context)?;
    let base = array.byte_offset(context)?;
    let length = array.byte_length(context)?;
    let buffer = buffer.as_object().map(|b| JsArrayBuffer::from_object(b.clone())).transpose()?;
    let buffer = buffer.ok_or_else(|| type_error("this must be a Buffer"))?;
    let mut data = buffer.data_mut().ok_or_else(|| type_error("the ArrayBuffer is detached"))?;
    let count = bytes.len().min(length.saturating_sub(offset));
    data[base + offset..base + offset + count].copy_from_slice(&bytes[..count]);
    Ok(count)
}

/// `write(buffer, string, offset, length, encoding)`, with Node's optional arguments.
fn write(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let target = arg(args, 0);
    let size = view_length(&target, "this", context)?;
    let text = arg(args, 1).to_string(context)?;
    let mut rest: Vec<JsValue> = args.iter().skip(2).cloned().collect();
    let encoding_at = rest.iter().position(JsValue::is_string).unwrap_or(2);
    let encoding = encoding(&rest.get(encoding_at).cloned().unwrap_or_default())?;
    rest.truncate(encoding_at);
    let offset = integer(&rest.first().cloned().unwrap_or_default(), 0, context)?;
    if offset < 0 || offset as usize > size {
        return Err(JsNativeError::range().with_message("The value of \"offset\" is out of range.").into());
    }
    let room = size - offset as usize;
    let length = clamp(integer(&rest.get(1).cloned().unwrap_or_default(), room as i64, context)?, room);
    let bytes = string_bytes(&text, encoding);
    Shared::of(context).work(bytes.len());
    let written = store(&target, offset as usize, &bytes[..bytes.len().min(length)], context)?;
    Ok(JsValue::from(written as u32))
}

/// `fill(buffer, value, offset, end, encoding)`.
fn fill(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let target = arg(args, 0);
    let size = view_length(&target, "this", context)?;
    let value = arg(args, 1);
    let (offset, end, encoding_arg) = match (arg(args, 2), arg(args, 3)) {
        (offset, _) if offset.is_string() => (JsValue::undefined(), JsValue::undefined(), offset),
        (offset, end) if end.is_string() => (offset, JsValue::undefined(), end),
        (offset, end) => (offset, end, arg(args, 4)),
    };
    let start = integer(&offset, 0, context)?;
    let end = integer(&end, size as i64, context)?;
    if start < 0 || end > size as i64 {
        return Err(JsNativeError::range().with_message("The value of \"offset\" is out of range.").into());
    }
    if start >= end {
        return Ok(target);
    }
    let pattern = if let Some(text) = value.as_string() {
        string_bytes(&text, encoding(&encoding_arg)?)
    } else if let Some(bytes) = bytes_of(&value, context)? {
        bytes
    } else {
        vec![(value.to_number(context)? as i64 & 0xff) as u8]
    };
    let span = (end - start) as usize;
    let bytes: Vec<u8> =
        if pattern.is_empty() { vec![0; span] } else { pattern.iter().copied().cycle().take(span).collect() };
    Shared::of(context).work(span);
    store(&target, start as usize, &bytes, context)?;
    Ok(target)
}

fn is_encoding(_this: &JsValue, args: &[JsValue], _context: &mut Context) -> JsResult<JsValue> {
    Ok(arg(args, 0).as_string().is_some_and(|name| Encoding::named(&rust_string(&name)).is_some()).into())
}

fn utf8_encode(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let bytes = codec::utf8_of_utf16(&arg(args, 0).to_string(context)?.to_vec());
    Shared::of(context).work(bytes.len());
    Ok(JsUint8Array::from_iter(bytes, context)?.into())
}

/// `encodeInto(source, destination)`: writes whole characters while they fit.
fn utf8_encode_into(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let units = arg(args, 0).to_string(context)?.to_vec();
    let destination = arg(args, 1);
    let room = view_length(&destination, "the destination", context)?;
    let mut bytes = Vec::new();
    let mut read = 0usize;
    for c in char::decode_utf16(units.iter().copied()) {
        let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
        if bytes.len() + c.len_utf8() > room {
            break;
        }
        let mut buffer = [0u8; 4];
        bytes.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
        read += c.len_utf16();
    }
    Shared::of(context).work(bytes.len());
    let written = store(&destination, 0, &bytes, context)?;
    Ok(ObjectInitializer::new(context)
        .property(js_string!("read"), read as u32, boa_engine::property::Attribute::all())
        .property(js_string!("written"), written as u32, boa_engine::property::Attribute::all())
        .build()
        .into())
}

/// `decode(bytes, fatal, ignoreBOM)`.
fn utf8_decode(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let input = arg(args, 0);
    let bytes = if input.is_undefined() { Vec::new() } else { buffer_bytes(&input, "the input", context)? };
    Shared::of(context).work(bytes.len());
    let fatal = arg(args, 1).to_boolean();
    let ignore_bom = arg(args, 2).to_boolean();
    let body = if !ignore_bom && bytes.starts_with(&[0xef, 0xbb, 0xbf]) { &bytes[3..] } else { &bytes[..] };
    let text = if fatal {
        std::str::from_utf8(body).map_err(|_| type_error("The encoded data was not valid"))?.to_string()
    } else {
        String::from_utf8_lossy(body).into_owned()
    };
    Ok(js_string!(text).into())
}
