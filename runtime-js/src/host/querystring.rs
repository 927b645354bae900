//! `require('querystring')` (or `import qs from 'querystring'`), as njs 0.7.9 has it:
//! `parse`/`decode`, `stringify`/`encode`, `escape`, `unescape`.
//!
//! `parse` splits on the separator (`&`) and the first `=`, decodes `+` as a space and
//! percent-escapes as UTF-8 (a malformed escape stays as written, bytes that are not UTF-8 become
//! U+FFFD), gathers repeated names into arrays, and stops after `maxKeys` (1000) pairs.
//! `stringify` writes strings, finite numbers and booleans, and an empty value for anything else;
//! arrays repeat the name. Both take a custom `decodeURIComponent`/`encodeURIComponent` in their
//! options.

use boa_engine::object::ObjectInitializer;
use boa_engine::object::builtins::JsArray;
use boa_engine::{Context, JsObject, JsResult, JsString, JsValue, NativeFunction, js_string};

use super::{Shared, arg, rust_string};

/// The module object. As in njs, its functions are not enumerable, and `decode`/`encode` are
/// distinct function objects doing what `parse`/`stringify` do.
pub fn module(context: &mut Context) -> JsObject {
    ObjectInitializer::new(context)
        .function(NativeFunction::from_fn_ptr(parse), js_string!("parse"), 4)
        .function(NativeFunction::from_fn_ptr(parse), js_string!("decode"), 4)
        .function(NativeFunction::from_fn_ptr(stringify), js_string!("stringify"), 4)
        .function(NativeFunction::from_fn_ptr(stringify), js_string!("encode"), 4)
        .function(NativeFunction::from_fn_ptr(escape), js_string!("escape"), 1)
        .function(NativeFunction::from_fn_ptr(unescape), js_string!("unescape"), 1)
        .build()
}

/// Percent-decodes `text` (with `+` as a space).
pub fn unescape_str(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() && hex(bytes[i + 1]).is_some() && hex(bytes[i + 2]).is_some() => {
                out.push(hex(bytes[i + 1]).unwrap_or(0) << 4 | hex(bytes[i + 2]).unwrap_or(0));
                i += 3;
                continue;
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

/// Percent-encodes everything but `A-Z a-z 0-9 - _ . ! ~ * ' ( )`, as `encodeURIComponent`.
pub fn escape_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn escape(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let text = rust_string(&arg(args, 0).to_string(context)?);
    Shared::of(context).work(text.len());
    Ok(js_string!(escape_str(&text)).into())
}

fn unescape(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let text = rust_string(&arg(args, 0).to_string(context)?);
    Shared::of(context).work(text.len());
    Ok(js_string!(unescape_str(&text)).into())
}

/// A separator argument: its string value, or `default` when missing or empty.
fn separator(value: &JsValue, default: &str, context: &mut Context) -> JsResult<String> {
    if value.is_null_or_undefined() {
        return Ok(default.to_string());
    }
    let text = rust_string(&value.to_string(context)?);
    Ok(if text.is_empty() { default.to_string() } else { text })
}

/// A function-valued option, if given.
fn option(options: &JsValue, name: &str, context: &mut Context) -> JsResult<JsValue> {
    match options.as_object() {
        Some(object) => object.get(JsString::from(name), context),
        None => Ok(JsValue::undefined()),
    }
}

fn parse(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    // An object without a prototype, as njs and Node.js return: `String(result)` throws a
    // `TypeError` and `result.hasOwnProperty` is undefined.
    let result = JsObject::with_null_proto();
    let input = arg(args, 0);
    let Some(input) = input.as_string() else { return Ok(result.into()) };
    let text = rust_string(&input);
    Shared::of(context).work(text.len());
    let sep = separator(&arg(args, 1), "&", context)?;
    let eq = separator(&arg(args, 2), "=", context)?;
    let options = arg(args, 3);
    let max_keys = match option(&options, "maxKeys", context)? {
        value if value.is_number() => value.to_number(context)?.max(0.0) as usize,
        _ => 1000,
    };
    let decoder = option(&options, "decodeURIComponent", context)?;
    let decoder = decoder.as_callable();
    let decode = |part: &str, context: &mut Context| -> JsResult<JsValue> {
        match &decoder {
            Some(function) => function.call(&JsValue::undefined(), &[js_string!(part).into()], context),
            None => Ok(js_string!(unescape_str(part)).into()),
        }
    };
    let pairs = text.split(sep.as_str()).filter(|p| !p.is_empty());
    for (count, pair) in pairs.enumerate() {
        if max_keys > 0 && count >= max_keys {
            break;
        }
        let (name, value) = pair.split_once(eq.as_str()).unwrap_or((pair, ""));
        let name = decode(name, context)?.to_string(context)?;
        let value = decode(value, context)?;
        let existing = result.get(name.clone(), context)?;
        let has = result.has_own_property(name.clone(), context)?;
        if !has {
            result.create_data_property_or_throw(name, value, context)?;
        } else if let Some(array) = existing.as_object().and_then(|o| JsArray::from_object(o.clone()).ok()) {
            array.push(value, context)?;
        } else {
            let array = JsArray::from_iter([existing, value], context);
            result.create_data_property_or_throw(name, array, context)?;
        }
    }
    Ok(result.into())
}

fn stringify(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let Some(object) = arg(args, 0).as_object() else { return Ok(js_string!("").into()) };
    let sep = separator(&arg(args, 1), "&", context)?;
    let eq = separator(&arg(args, 2), "=", context)?;
    let encoder = option(&arg(args, 3), "encodeURIComponent", context)?;
    let encoder = encoder.as_callable();
    let encode = |text: String, context: &mut Context| -> JsResult<String> {
        match &encoder {
            Some(function) => Ok(rust_string(
                &function.call(&JsValue::undefined(), &[js_string!(text).into()], context)?.to_string(context)?,
            )),
            None => Ok(escape_str(&text)),
        }
    };
    let keys = context.intrinsics().constructors().object().constructor().get(js_string!("keys"), context)?;
    let keys = match keys.as_callable() {
        Some(keys) => keys.call(&JsValue::undefined(), &[object.clone().into()], context)?,
        None => return Ok(js_string!("").into()),
    };
    let keys = keys.as_object().map(|k| JsArray::from_object(k.clone())).transpose()?;
    let mut parts = Vec::new();
    if let Some(keys) = keys {
        for index in 0..keys.length(context)? {
            let key = rust_string(&keys.get(index, context)?.to_string(context)?);
            let value = object.get(JsString::from(key.as_str()), context)?;
            let name = encode(key, context)?;
            let values = match value.as_object().and_then(|v| JsArray::from_object(v.clone()).ok()) {
                Some(array) => {
                    let mut items = Vec::new();
                    for i in 0..array.length(context)? {
                        items.push(array.get(i, context)?);
                    }
                    items
                }
                None => vec![value],
            };
            for item in values {
                let text = primitive(&item, context)?;
                parts.push(format!("{name}{eq}{}", encode(text, context)?));
            }
        }
    }
    let out = parts.join(&sep);
    Shared::of(context).work(out.len());
    Ok(js_string!(out).into())
}

fn primitive(value: &JsValue, context: &mut Context) -> JsResult<String> {
    Ok(if let Some(text) = value.as_string() {
        rust_string(&text)
    } else if value.as_number().is_some_and(f64::is_finite) || value.is_boolean() {
        rust_string(&value.to_string(context)?)
    } else {
        String::new()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_str("-_.!~*'()é "), "-_.!~*'()%C3%A9%20");
        assert_eq!(unescape_str("a%20b+c"), "a b c");
        assert_eq!(unescape_str("%zz%41"), "%zzA");
        assert_eq!(unescape_str("%"), "%");
        assert_eq!(unescape_str("x=%C3"), "x=\u{fffd}");
        assert_eq!(unescape_str("%E4%B8%AD"), "中");
    }
}
