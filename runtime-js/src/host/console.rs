//! `console.log`, printing values the way njs does: a string as it is, anything else in njs's
//! compact notation (`{a:1,b:'x'}`, `[1,2]`, `[Function: f]`, `Buffer [104,105]`, `[Circular]`).
//!
//! CloudFront keeps 10 KB of log text per run; lines past that are dropped and the line that
//! crosses the limit is cut.

use boa_engine::object::builtins::{JsArray, JsDate, JsPromise, JsRegExp, JsTypedArray};
use boa_engine::{Context, JsObject, JsResult, JsValue, js_string};

use super::{Shared, rust_string};

/// Log text CloudFront keeps per run.
pub const MAX_LOG_BYTES: usize = 10 * 1024;

/// `console.log(value)`.
pub fn log(_this: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    super::check_budget(context)?;
    let mut parts = Vec::with_capacity(args.len());
    for value in args {
        let mut dump = Dump { out: String::new(), stack: Vec::new() };
        dump.top(value, context)?;
        parts.push(dump.out);
    }
    let mut line = parts.join(" ");
    let shared = Shared::of(context);
    let used = shared.log_bytes.get();
    if used >= MAX_LOG_BYTES {
        return Ok(JsValue::undefined());
    }
    if used + line.len() > MAX_LOG_BYTES {
        let mut cut = MAX_LOG_BYTES - used;
        while !line.is_char_boundary(cut) {
            cut -= 1;
        }
        line.truncate(cut);
    }
    shared.log_bytes.set(used + line.len().max(1));
    shared.logs.borrow_mut().push(line);
    Ok(JsValue::undefined())
}

struct Dump {
    out: String,
    stack: Vec<JsObject>,
}

impl Dump {
    fn full(&self) -> bool {
        self.out.len() > MAX_LOG_BYTES
    }

    fn top(&mut self, value: &JsValue, context: &mut Context) -> JsResult<()> {
        match value.as_string() {
            Some(text) => {
                self.out.push_str(&rust_string(&text));
                Ok(())
            }
            None => self.value(value, context),
        }
    }

    fn value(&mut self, value: &JsValue, context: &mut Context) -> JsResult<()> {
        if self.full() {
            return Ok(());
        }
        if let Some(text) = value.as_string() {
            self.out.push('\'');
            escape_nested(&rust_string(&text), &mut self.out);
            self.out.push('\'');
        } else if let Some(symbol) = value.as_symbol() {
            self.out.push_str(&rust_string(&symbol.descriptive_string()));
        } else if let Some(number) = value.as_number() {
            if number == 0.0 && number.is_sign_negative() {
                self.out.push_str("-0");
            } else {
                self.out.push_str(&rust_string(&value.to_string(context)?));
            }
        } else if let Some(object) = value.as_object() {
            self.object(&object, context)?;
        } else {
            self.out.push_str(&rust_string(&value.to_string(context)?));
        }
        Ok(())
    }

    fn object(&mut self, object: &JsObject, context: &mut Context) -> JsResult<()> {
        if self.stack.iter().any(|seen| JsObject::equals(seen, object)) {
            self.out.push_str("[Circular]");
            return Ok(());
        }
        if object.is_callable() {
            let name = object.get(js_string!("name"), context)?;
            let name = name.as_string().map(|n| rust_string(&n)).unwrap_or_default();
            if name.is_empty() {
                self.out.push_str("[Function]");
            } else {
                self.out.push_str(&format!("[Function: {name}]"));
            }
            return Ok(());
        }
        if let Ok(date) = JsDate::from_object(object.clone()) {
            let iso = date.to_iso_string(context).unwrap_or_else(|_| js_string!("Invalid Date").into());
            self.out.push_str(&rust_string(&iso.to_string(context)?));
            return Ok(());
        }
        if JsRegExp::from_object(object.clone()).is_ok() || is_error(object, context) {
            let text = JsValue::from(object.clone()).to_string(context)?;
            self.out.push_str(&rust_string(&text));
            return Ok(());
        }
        self.stack.push(object.clone());
        let outcome = self.container(object, context);
        self.stack.pop();
        outcome
    }

    fn container(&mut self, object: &JsObject, context: &mut Context) -> JsResult<()> {
        if let Ok(array) = JsTypedArray::from_object(object.clone()) {
            let is_buffer = Shared::of(context)
                .buffer_prototype
                .borrow()
                .as_ref()
                .is_some_and(|proto| object.prototype().is_some_and(|p| JsObject::equals(&p, proto)));
            let name = if is_buffer {
                "Buffer".to_string()
            } else {
                let constructor = object.get(js_string!("constructor"), context)?;
                let name = constructor.as_object().map(|c| c.get(js_string!("name"), context)).transpose()?;
                name.and_then(|n| n.as_string().map(|n| rust_string(&n))).unwrap_or_else(|| "TypedArray".into())
            };
            self.out.push_str(&name);
            self.out.push_str(" [");
            let length = array.length(context)?;
            for index in 0..length {
                if index > 0 {
                    self.out.push(',');
                }
                if self.full() {
                    break;
                }
                let item = array.at(index as i64, context)?;
                self.value(&item, context)?;
            }
            self.out.push(']');
            return Ok(());
        }
        if let Ok(array) = JsArray::from_object(object.clone()) {
            let length = array.length(context)?;
            let mut indices: Vec<u64> = Vec::new();
            for key in object.own_property_keys(context)? {
                if let boa_engine::property::PropertyKey::Index(index) = key {
                    indices.push(u64::from(index.get()));
                }
            }
            self.out.push('[');
            let mut next = 0u64;
            let mut first = true;
            let mut separator = |out: &mut String| {
                if !std::mem::take(&mut first) {
                    out.push(',');
                }
            };
            for index in indices.into_iter().filter(|i| *i < length) {
                if self.full() {
                    break;
                }
                if index > next {
                    separator(&mut self.out);
                    self.out.push_str(&empty_items(index - next));
                }
                separator(&mut self.out);
                let item = object.get(index, context)?;
                self.value(&item, context)?;
                next = index + 1;
            }
            if length > next && !self.full() {
                separator(&mut self.out);
                self.out.push_str(&empty_items(length - next));
            }
            // Named properties follow the elements, as njs prints them. `exec` results carry
            // `index`, `input` and `groups`, which njs creates in the order groups, index, input.
            let mut named = object.own_property_keys(context)?;
            let exec_order = |k: &boa_engine::property::PropertyKey| match k.to_string().as_str() {
                "groups" => 0,
                "index" => 1,
                "input" => 2,
                _ => 3,
            };
            if named.iter().any(|k| k.to_string() == "groups") {
                named.sort_by_key(exec_order);
            }
            for key in named {
                if self.full() {
                    break;
                }
                if !matches!(key, boa_engine::property::PropertyKey::String(_))
                    || !is_enumerable(object, &key, context)?
                {
                    continue;
                }
                separator(&mut self.out);
                self.out.push_str(&key.to_string());
                self.out.push(':');
                let item = object.get(key, context)?;
                self.value(&item, context)?;
            }
            self.out.push(']');
            return Ok(());
        }
        if JsPromise::from_object(object.clone()).is_ok() {
            self.out.push_str("Promise ");
        }
        self.out.push('{');
        let keys = object.own_property_keys(context)?;
        let mut first = true;
        for key in keys {
            if self.full() {
                break;
            }
            if matches!(key, boa_engine::property::PropertyKey::Symbol(_)) {
                continue;
            }
            if !is_enumerable(object, &key, context)? {
                continue;
            }
            if !std::mem::take(&mut first) {
                self.out.push(',');
            }
            self.out.push_str(&key.to_string());
            self.out.push(':');
            let item = object.get(key, context)?;
            self.value(&item, context)?;
        }
        self.out.push('}');
        Ok(())
    }
}

/// A string inside a printed object or array, escaped as njs escapes it: backslash, the
/// control characters (`\n`, `\t`, `\r`, `\b`, `\f` by name, the others as `\u00XX`); quotes
/// are left as they are.
fn escape_nested(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
}

fn empty_items(count: u64) -> String {
    if count == 1 { "<1 empty item>".into() } else { format!("<{count} empty items>") }
}

/// Whether an own property is enumerable, asked through `propertyIsEnumerable` of the realm's
/// `Object.prototype` (boa offers no public descriptor lookup).
fn is_enumerable(object: &JsObject, key: &boa_engine::property::PropertyKey, context: &mut Context) -> JsResult<bool> {
    let prototype = context.intrinsics().constructors().object().prototype();
    let test = prototype.get(js_string!("propertyIsEnumerable"), context)?;
    let Some(test) = test.as_callable() else { return Ok(true) };
    let key: JsValue = match key {
        boa_engine::property::PropertyKey::String(s) => s.clone().into(),
        boa_engine::property::PropertyKey::Index(i) => i.get().into(),
        boa_engine::property::PropertyKey::Symbol(s) => s.clone().into(),
    };
    Ok(test.call(&object.clone().into(), &[key], context)?.to_boolean())
}

fn is_error(object: &JsObject, context: &mut Context) -> bool {
    let error_prototype = context.intrinsics().constructors().error().prototype();
    let mut current = object.prototype();
    while let Some(prototype) = current {
        if JsObject::equals(&prototype, &error_prototype) {
            return true;
        }
        current = prototype.prototype();
    }
    false
}
