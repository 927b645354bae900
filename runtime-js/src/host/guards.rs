//! Allocation guards: what stands in locally for CloudFront's 2 MB memory limit.
//!
//! Boa has no memory limit, and a few built-ins can allocate or loop over millions of elements
//! within a single instruction, out of reach of the instruction budget. So:
//!
//! - an array may hold at most [`MAX_ARRAY_LENGTH`] elements: 2 MiB at 16 bytes a value, the size
//!   of an njs value. The `Array` constructor and every `Array.prototype` method check the
//!   length first and throw `RangeError`, so `new Array(1e7)`, `arr.fill()` on a huge array or a
//!   `push` loop past the bound all fail at once;
//! - a string made by `repeat`, `padStart` or `padEnd` may have at most [`MAX_STRING_LENGTH`]
//!   code units;
//! - so may a string made by `replace` or `replaceAll`: one call can multiply a string's length
//!   (`s.replace(/a/g, s)` is `s.length` squared when `s` is all `a`), so when a rough bound is
//!   far over the limit the matches are counted first, by the same search with a native
//!   callback, and the call is refused before it allocates (boa collects every match of a
//!   global search before the first callback, so this costs time in proportion to the matches,
//!   about 0.5 ms each in a debug build); a function replacement is checked on the result;
//! - an `ArrayBuffer` (and so any typed array or `Buffer`) may have at most [`MAX_BUFFER_BYTES`]
//!   bytes (the host hook `max_buffer_size`).
//!
//! What these miss: memory spread over many small values (each allocation needs instructions,
//! so the instruction budget ends it), and strings grown by `+` (doubling a string 21 times takes
//! a few dozen instructions and makes 2 MiB; a few more make hundreds of megabytes).

use std::cell::Cell;
use std::rc::Rc;

use boa_engine::object::FunctionObjectBuilder;
use boa_engine::object::builtins::JsRegExp;
use boa_engine::property::{Attribute, PropertyDescriptor, PropertyKey};
use boa_engine::symbol::JsSymbol;
use boa_engine::{
    Context, Finalize, JsNativeError, JsObject, JsResult, JsString, JsValue, NativeFunction, Trace, js_string,
};

/// The memory CloudFront gives a function.
pub const MEMORY_BYTES: u64 = 2 * 1024 * 1024;
/// The most elements an array may have.
pub const MAX_ARRAY_LENGTH: u64 = MEMORY_BYTES / 16;
/// The most code units a string built by `repeat`/`padStart`/`padEnd` may have.
pub const MAX_STRING_LENGTH: u64 = MEMORY_BYTES;
/// The most bytes an `ArrayBuffer` may have.
pub const MAX_BUFFER_BYTES: u64 = MEMORY_BYTES;

fn memory_error(what: &str) -> boa_engine::JsError {
    JsNativeError::range()
        .with_message(format!("{what} would use more than the 2 MB of memory a CloudFront function has"))
        .into()
}

/// What a wrapper checks before calling the original.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Check {
    /// `this.length` is within [`MAX_ARRAY_LENGTH`].
    ArrayLength,
    /// `this.length * count` (repeat) is within [`MAX_STRING_LENGTH`].
    Repeat,
    /// The target length (first argument) is within [`MAX_STRING_LENGTH`].
    Pad,
    /// The string `replace` or `replaceAll` returns is within [`MAX_STRING_LENGTH`].
    Replace,
}

#[derive(Trace, Finalize)]
struct Guarded {
    original: JsObject,
    #[unsafe_ignore_trace]
    check: Check,
}

fn guarded(this: &JsValue, args: &[JsValue], guarded: &Guarded, context: &mut Context) -> JsResult<JsValue> {
    super::check_budget(context)?;
    match guarded.check {
        Check::ArrayLength => {
            let object = this.to_object(context)?;
            let length = object.get(js_string!("length"), context)?.to_length(context)?;
            if length > MAX_ARRAY_LENGTH {
                return Err(memory_error(&format!("an array of {length} elements")));
            }
        }
        Check::Repeat => {
            let length = this.to_string(context)?.len() as f64;
            let count = args.first().cloned().unwrap_or_default().to_number(context)?;
            if count.is_finite() && length * count > MAX_STRING_LENGTH as f64 {
                return Err(memory_error("a string of that length"));
            }
        }
        Check::Pad => {
            let target = args.first().cloned().unwrap_or_default().to_number(context)?;
            if target > MAX_STRING_LENGTH as f64 {
                return Err(memory_error("a string of that length"));
            }
        }
        Check::Replace => {
            if replaced_length(this, args, &guarded.original, context)?.is_some_and(|n| n > MAX_STRING_LENGTH as f64) {
                return Err(memory_error("a string of that length"));
            }
        }
    }
    let result = guarded.original.call(this, args, context)?;
    if guarded.check == Check::Replace && result.as_string().is_some_and(|s| s.len() as u64 > MAX_STRING_LENGTH) {
        return Err(memory_error("a string of that length"));
    }
    Ok(result)
}

/// Matches counted by [`count_match`] (how many, and their code units), with what the bound
/// of the result needs: the length of the string and the most each match can add.
#[derive(Clone, Trace, Finalize)]
struct Matches {
    #[unsafe_ignore_trace]
    seen: Rc<Cell<(f64, f64)>>,
    length: f64,
    per_match: f64,
}

impl Matches {
    /// The most code units the result can have, from the matches seen so far.
    fn bound(&self) -> f64 {
        let (count, units) = self.seen.get();
        self.length - units + count * self.per_match
    }
}

/// Counts one match, and stops the search as soon as the result is sure to be over the limit.
fn count_match(_this: &JsValue, args: &[JsValue], matches: &Matches, _context: &mut Context) -> JsResult<JsValue> {
    let (count, units) = matches.seen.get();
    let matched = args.first().and_then(JsValue::as_string).map_or(0, |s| s.len());
    matches.seen.set((count + 1.0, units + matched as f64));
    if matches.bound() > MAX_STRING_LENGTH as f64 {
        return Err(memory_error("a string of that length"));
    }
    Ok(JsValue::from(js_string!()))
}

/// A rough bound up to which a replacement runs and its result is checked afterwards: counting
/// matches one callback at a time costs more than making a result of up to 32 Mi code units.
const CHECK_AFTER: f64 = 16.0 * MAX_STRING_LENGTH as f64;

/// The most code units `this.replace(pattern, replacement)` (or `replaceAll`) can return, for a
/// string `this` and replacement: `None` for a call left to the check of its result (a result
/// that cannot pass [`CHECK_AFTER`], a function replacement, or a `this` or pattern whose
/// conversion or search has effects that counting would repeat: objects, sticky expressions).
/// Each match adds at most the replacement, and each `$` in it at most the whole string (`` $` ``, `$'`, `$&`). Where a rough bound is past
/// [`CHECK_AFTER`], the matches are counted, until the bound is sure to be over the limit.
fn replaced_length(
    this: &JsValue,
    args: &[JsValue],
    original: &JsObject,
    context: &mut Context,
) -> JsResult<Option<f64>> {
    let (Some(text), Some(replacement)) = (this.as_string(), args.get(1).and_then(JsValue::as_string)) else {
        return Ok(None);
    };
    let pattern = args.first().cloned().unwrap_or_default();
    if let Some(object) = pattern.as_object() {
        let Ok(regexp) = JsRegExp::from_object(object.clone()) else { return Ok(None) };
        if regexp.flags(context)?.contains('y') {
            return Ok(None);
        }
    } else if !pattern.is_string() {
        return Ok(None);
    }
    let length = text.len() as f64;
    let dollars = replacement.iter().filter(|&unit| unit == u16::from(b'$')).count() as f64;
    let per_match = replacement.len() as f64 + dollars * length;
    let rough = length + (length + 1.0) * per_match;
    if rough <= CHECK_AFTER {
        return Ok(None);
    }
    let matches = Matches { seen: Rc::default(), length, per_match };
    let counter = FunctionObjectBuilder::new(
        context.realm(),
        NativeFunction::from_copy_closure_with_captures(count_match, matches.clone()),
    )
    .length(1)
    .build();
    match original.call(this, &[pattern, counter.into()], context) {
        Ok(_) => Ok(Some(matches.bound())),
        Err(_) if matches.bound() > MAX_STRING_LENGTH as f64 => Ok(Some(matches.bound())),
        Err(error) => Err(error),
    }
}

fn wrap(object: &JsObject, name: &str, check: Check, context: &mut Context) -> JsResult<()> {
    let key = JsString::from(name);
    let original = object.get(key.clone(), context)?;
    let Some(original) = original.as_object().filter(|o| o.is_callable()) else { return Ok(()) };
    let length = original.get(js_string!("length"), context)?.to_length(context)? as usize;
    let function = FunctionObjectBuilder::new(
        context.realm(),
        NativeFunction::from_copy_closure_with_captures(guarded, Guarded { original, check }),
    )
    .name(key.clone())
    .length(length)
    .build();
    object.define_property_or_throw(
        key,
        PropertyDescriptor::builder().value(function).writable(true).enumerable(false).configurable(true),
        context,
    )?;
    Ok(())
}

fn construct_array(this: &JsValue, args: &[JsValue], array: &JsObject, context: &mut Context) -> JsResult<JsValue> {
    if let [length] = args
        && let Some(length) = length.as_number()
        && length > MAX_ARRAY_LENGTH as f64
    {
        return Err(memory_error(&format!("an array of {length} elements")));
    }
    match this.as_object() {
        Some(new_target) => Ok(array.construct(args, Some(&new_target), context)?.into()),
        None => array.call(&JsValue::undefined(), args, context),
    }
}

fn species(this: &JsValue, _args: &[JsValue], _context: &mut Context) -> JsResult<JsValue> {
    Ok(this.clone())
}

/// Installs the guards in the realm of `context`.
pub fn install(context: &mut Context) -> JsResult<()> {
    let array = context.intrinsics().constructors().array().constructor();
    let array_prototype = context.intrinsics().constructors().array().prototype();
    let string_prototype = context.intrinsics().constructors().string().prototype();

    for key in array_prototype.own_property_keys(context)? {
        if let PropertyKey::String(name) = key
            && name != js_string!("constructor")
        {
            wrap(&array_prototype, &name.to_std_string_escaped(), Check::ArrayLength, context)?;
        }
    }
    wrap(&string_prototype, "repeat", Check::Repeat, context)?;
    wrap(&string_prototype, "padStart", Check::Pad, context)?;
    wrap(&string_prototype, "padEnd", Check::Pad, context)?;
    wrap(&string_prototype, "replace", Check::Replace, context)?;
    wrap(&string_prototype, "replaceAll", Check::Replace, context)?;

    // `Array` itself: a native constructor that checks the length and builds the array with the
    // real one; `prototype`, `constructor` and `Symbol.species` point where they did.
    let guarded_array = FunctionObjectBuilder::new(
        context.realm(),
        NativeFunction::from_copy_closure_with_captures(construct_array, array.clone()),
    )
    .name(js_string!("Array"))
    .length(1)
    .constructor(true)
    .build();
    let guarded_array = JsObject::from(guarded_array);
    guarded_array.define_property_or_throw(
        js_string!("prototype"),
        PropertyDescriptor::builder()
            .value(array_prototype.clone())
            .writable(false)
            .enumerable(false)
            .configurable(false),
        context,
    )?;
    for name in ["isArray", "of", "from"] {
        let value = array.get(JsString::from(name), context)?;
        if !value.is_undefined() {
            guarded_array.define_property_or_throw(
                JsString::from(name),
                PropertyDescriptor::builder().value(value).writable(true).enumerable(false).configurable(true),
                context,
            )?;
        }
    }
    let getter = FunctionObjectBuilder::new(context.realm(), NativeFunction::from_fn_ptr(species))
        .name(js_string!("get [Symbol.species]"))
        .build();
    guarded_array.define_property_or_throw(
        JsSymbol::species(),
        PropertyDescriptor::builder().get(getter).enumerable(false).configurable(true),
        context,
    )?;
    array_prototype.define_property_or_throw(
        js_string!("constructor"),
        PropertyDescriptor::builder().value(guarded_array.clone()).writable(true).enumerable(false).configurable(true),
        context,
    )?;
    context.register_global_property(
        js_string!("Array"),
        guarded_array,
        Attribute::WRITABLE | Attribute::CONFIGURABLE,
    )?;
    Ok(())
}
