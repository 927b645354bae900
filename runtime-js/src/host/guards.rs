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
//! - an `ArrayBuffer` (and so any typed array or `Buffer`) may have at most [`MAX_BUFFER_BYTES`]
//!   bytes (the host hook `max_buffer_size`).
//!
//! What these miss: memory spread over many small values (each allocation needs instructions,
//! so the instruction budget ends it), and strings grown by `+` (doubling a string 21 times takes
//! a few dozen instructions and makes 2 MiB; a few more make hundreds of megabytes).

use boa_engine::object::FunctionObjectBuilder;
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
    }
    guarded.original.call(this, args, context)
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
