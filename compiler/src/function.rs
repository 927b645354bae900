//! One function, written: its KVS lines packed into buckets under the namespace of their layout,
//! the JavaScript written for that store, minified and passed through the syntax gate.

use std::collections::BTreeMap;

use crate::{CompileOptions, InternalError, emit, kvs, minify};

/// A written function and the KVS data it reads.
#[derive(Debug)]
pub struct Function {
    /// The code, minified (or readable with `pretty`), past the syntax gate.
    pub code: String,
    /// Its buckets, when it reads the KVS.
    pub buckets: Option<kvs::Buckets>,
    /// Lines that fit no KVS entry (left out of the buckets; each is an error).
    pub oversized: Vec<kvs::Oversized>,
}

/// Packs one side's lines into buckets under the namespace of their layout (`spilled`: the
/// spilled groups' lines, which the namespace follows; `encoding`: how the values were written,
/// packing decides front coding), writes the side's function for that
/// store, minifies and gates it.
pub fn write(
    side: kvs::Side,
    lines: &BTreeMap<String, String>,
    spilled: &str,
    encoding: kvs::Encoding,
    options: &CompileOptions,
    write: impl Fn(Option<&emit::Store>) -> String,
) -> Result<Function, InternalError> {
    let (packed, oversized) = pack(side, lines);
    let encoding = |b: &kvs::Buckets| kvs::Encoding { front_coded: b.front_coded, ..encoding };
    let buckets = packed.map(|b| {
        let namespace = kvs::namespace_for(side, b.count, encoding(&b), spilled);
        b.renamed(&namespace)
    });
    let store = buckets.as_ref().map(|b| emit::Store {
        namespace: b.namespace.clone(),
        buckets: b.count,
        encoding: encoding(b),
    });
    let source = write(store.as_ref());
    let code = minify::minify(&source, options.pretty).map_err(InternalError)?;
    // Deploys find the namespace a function reads by its string literal (once per KVS read).
    if let Some(buckets) = &buckets
        && !code.contains(&emit::js::string(&buckets.namespace))
    {
        return Err(InternalError(format!("the KVS namespace {} is not named in the code", buckets.namespace)));
    }
    let violations = syntax_gate::check(&code);
    if let Some(violation) = violations.first() {
        return Err(InternalError(format!("generated code fails the syntax gate at {violation}\n{code}")));
    }
    Ok(Function { code, buckets, oversized })
}

/// Packs lines under a stand-in namespace of the final length, so that sizes are exact (the
/// namespace depends on the bucket count that packing decides). Lines too large for an entry
/// are left out and returned.
fn pack(side: kvs::Side, lines: &BTreeMap<String, String>) -> (Option<kvs::Buckets>, Vec<kvs::Oversized>) {
    let stand_in = format!("{}___", side.letter());
    if lines.is_empty() {
        return (None, Vec::new());
    }
    match kvs::pack(&stand_in, lines) {
        Ok(buckets) => (Some(buckets), Vec::new()),
        Err(too_large) => {
            let fitting: BTreeMap<String, String> = lines
                .iter()
                .filter(|(k, _)| !too_large.iter().any(|o| &o.key == *k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let packed = if fitting.is_empty() { None } else { kvs::pack(&stand_in, &fitting).ok() };
            (packed, too_large)
        }
    }
}
