//! The value a handler returned, as JSON: read directly when it is plain data, through the realm's
//! own `JSON.stringify` otherwise.
//!
//! What a function returns is almost always plain data: objects and arrays made by literals,
//! holding strings, numbers, booleans and null. For those, walking the objects gives the same
//! JSON as `JSON.stringify` followed by a parse, in a fraction of the time. Anything else (an
//! accessor, a function, a `toJSON` anywhere, an object of another class or with another
//! prototype, a hole, a lone surrogate, a non-integral number, deep nesting or a cycle) makes
//! the walk give up, and the value goes through `JSON.stringify`, whose answer is the definition.

use boa_engine::property::PropertyKey;
use boa_engine::value::JsVariant;
use boa_engine::{Context, JsObject, JsValue, js_string};
use serde_json::{Map, Number, Value};

/// Deeper than this, the walk gives up (a cycle ends here too).
const MAX_DEPTH: u32 = 32;

/// The largest integer a double holds exactly.
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

/// What the walk found: `None` when it gave up; `Some(None)` for a value `JSON.stringify` leaves
/// out (`undefined`).
type Walked = Option<Option<Value>>;

/// The prototypes plain data has, when neither holds a `toJSON`.
pub struct Plain {
    object: JsObject,
    array: JsObject,
}

impl Plain {
    /// The realm's prototypes, or `None` when a `toJSON` on one of them changes what every
    /// object turns into.
    pub fn of(context: &mut Context) -> Option<Plain> {
        let constructors = context.intrinsics().constructors();
        let plain = Plain { object: constructors.object().prototype(), array: constructors.array().prototype() };
        let to_json = PropertyKey::from(js_string!("toJSON"));
        let has = |prototype: &JsObject| prototype.borrow().properties().get(&to_json).is_some();
        (!has(&plain.object) && !has(&plain.array)).then_some(plain)
    }

    /// `value` as JSON if it is plain data; `None` if the walk gave up.
    pub fn json(&self, value: &JsValue, context: &mut Context) -> Option<Value> {
        Some(self.walk(value, 0, context)?.unwrap_or(Value::Null))
    }

    fn walk(&self, value: &JsValue, depth: u32, context: &mut Context) -> Walked {
        Some(Some(match value.variant() {
            JsVariant::Null => Value::Null,
            JsVariant::Undefined => return Some(None),
            JsVariant::Boolean(b) => Value::Bool(b),
            JsVariant::String(s) => Value::String(s.to_std_string().ok()?),
            JsVariant::Integer32(i) => Value::from(i),
            JsVariant::Float64(f) if !f.is_finite() => Value::Null,
            JsVariant::Float64(f) if f.fract() == 0.0 && f.abs() <= MAX_SAFE => Value::Number(Number::from(f as i64)),
            JsVariant::Float64(_) | JsVariant::BigInt(_) | JsVariant::Symbol(_) => return None,
            JsVariant::Object(object) if depth < MAX_DEPTH => self.object(&object, depth + 1, context)?,
            JsVariant::Object(_) => return None,
        }))
    }

    fn object(&self, object: &JsObject, depth: u32, context: &mut Context) -> Option<Value> {
        let prototype = object.prototype()?;
        if object.is_array() && prototype == self.array {
            let length = PropertyKey::from(js_string!("length"));
            let length = object.borrow().properties().get(&length)?.value()?.as_number()?;
            let mut items = Vec::with_capacity(length as usize);
            for index in 0..length as u32 {
                let item = object.borrow().properties().get(&PropertyKey::from(index))?;
                if !item.is_data_descriptor() {
                    return None;
                }
                items.push(self.walk(item.value()?, depth, context)?.unwrap_or(Value::Null));
            }
            Some(Value::Array(items))
        } else if object.is_ordinary() && prototype == self.object {
            let mut map = Map::new();
            for key in object.own_property_keys(context).ok()? {
                let name = match &key {
                    PropertyKey::String(name) => name.to_std_string().ok()?,
                    PropertyKey::Index(index) => index.get().to_string(),
                    PropertyKey::Symbol(_) => continue,
                };
                let property = object.borrow().properties().get(&key)?;
                if !property.is_data_descriptor() {
                    return None;
                }
                if property.enumerable() != Some(true) {
                    continue;
                }
                let value = property.value()?;
                if value.as_object().is_some_and(|o| o.is_callable()) {
                    return None;
                }
                if let Some(value) = self.walk(value, depth, context)? {
                    map.insert(name, value);
                }
            }
            Some(Value::Object(map))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use boa_engine::Source;

    use super::*;

    fn context() -> Context {
        Context::builder().instructions_remaining(usize::MAX).build().unwrap()
    }

    /// What `JSON.stringify` and a parse make of `value` (`Null` for `undefined`; `None` when
    /// the text does not parse, as a lone surrogate's escape does not).
    fn stringified(value: &JsValue, context: &mut Context) -> Option<Value> {
        let json = context.intrinsics().objects().json();
        let stringify = json.get(js_string!("stringify"), context).unwrap();
        let text = stringify.as_callable().unwrap().call(&JsValue::undefined(), std::slice::from_ref(value), context);
        let text = text.ok()?;
        if text.is_undefined() {
            return Some(Value::Null);
        }
        serde_json::from_str(&text.to_string(context).unwrap().to_std_string_lossy()).ok()
    }

    /// Evaluates `code` and returns the walk's answer beside `JSON.stringify`'s.
    fn both(code: &str, context: &mut Context) -> (Option<Value>, Option<Value>) {
        let value = context.eval(Source::from_bytes(code)).unwrap();
        let walked = Plain::of(context).and_then(|plain| plain.json(&value, context));
        (walked, stringified(&value, context))
    }

    #[test]
    fn plain_data_is_read_as_json_stringify_writes_it() {
        let context = &mut context();
        for code in [
            "({statusCode: 301, headers: {location: {value: '/a'}}})",
            "({a: 1, b: 'x', c: true, d: null, e: undefined, f: [1, undefined, 'y', null]})",
            "({2: 'two', b: 1, 1: 'one', a: 2})",
            "({n: -0, big: 9007199254740991, neg: -42, nan: NaN, inf: -Infinity, int: 2 ** 31})",
            "({s: 'quote \" back \\\\ nl \\n u2028 \\u2028 é 😀 \\u0000'})",
            "var o = {a: 1}; Object.defineProperty(o, 'hidden', {value: 2, enumerable: false}); o",
            "var o = {a: 1}; o[Symbol('s')] = 2; o",
            "({nested: {deeper: {deepest: [[], {}, [[1]]]}}})",
            "[1, 'a', {b: [true]}]",
            "'just a string'",
            "12",
            "undefined",
            "null",
            "Object.assign(Object.create(null), {a: 1})",
        ] {
            let (walked, stringified) = both(code, context);
            if let Some(walked) = walked {
                assert_eq!(Some(walked), stringified, "{code}");
            } else {
                assert!(code.contains("create(null)"), "the walk gave up on plain data: {code}");
            }
        }
    }

    #[test]
    fn anything_else_goes_through_json_stringify() {
        let context = &mut context();
        for code in [
            "({d: new Date(0)})",
            "({toJSON() { return 'mine'; }})",
            "({get a() { return 1; }})",
            "({f: function () {}})",
            "[function () {}]",
            "({x: 1.5})",
            "({s: '\\ud800'})",
            "({b: new String('boxed')})",
            "var a = [1, 2]; delete a[0]; a",
            "class K {}; ({k: new K()})",
            "var o = {}; o.self = o; o",
            "({big: 2 ** 60})",
        ] {
            let (walked, _) = both(code, context);
            assert_eq!(walked, None, "{code}");
        }
        // A `toJSON` on a prototype changes every object: nothing is walked.
        context.eval(Source::from_bytes("Object.prototype.toJSON = function () { return 1; }")).unwrap();
        assert_eq!(both("({a: 1})", context).0, None);
    }

    #[test]
    fn random_plain_values_agree_with_json_stringify() {
        let context = &mut context();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        fn literal(next: &mut dyn FnMut(u64) -> u64, depth: u32) -> String {
            let leaves = ["0", "-1", "2147483648", "'a'", "'\\u00e9\\\\\"'", "true", "false", "null", "undefined"];
            match if depth > 3 { 0 } else { next(3) } {
                0 => leaves[next(leaves.len() as u64) as usize].to_string(),
                1 => format!("[{}]", (0..next(4)).map(|_| literal(next, depth + 1)).collect::<Vec<_>>().join(",")),
                _ => format!(
                    "({{{}}})",
                    (0..next(4))
                        .map(|i| format!("'k{}': {}", (i * 7 + next(3)) % 5, literal(next, depth + 1)))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
            }
        }
        for _ in 0..500 {
            let code = literal(&mut next, 0);
            let (walked, stringified) = both(&code, context);
            assert_eq!(walked, stringified, "{code}");
        }
    }
}
