//! The templates and the minijinja environment that renders them.
//!
//! The templates live in `templates/` as files. The environment's formatter is the only way a
//! value reaches the output: a string is printed as a complete literal of the target language
//! (through [`crate::escape`]), a number or a boolean as itself, and anything else is an error,
//! as is an undefined variable. There is no `safe` or raw output.

use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Serde, Value, ValueKind};
use minijinja::{Environment, ErrorKind, UndefinedBehavior};
use serde::Serialize;

use crate::{Error, MAX_BATCH_SIZE, Site, escape, has_store, import_file_name};

const TERRAFORM: &str = include_str!("../templates/hedgec.tf.j2");
const CLOUDFORMATION: &str = include_str!("../templates/template.yaml.j2");
const CDK: &str = include_str!("../templates/hedgec-site.ts.j2");

/// What the templates see.
#[derive(Serialize)]
struct Context<'a> {
    source: &'a str,
    request: FunctionContext<'a>,
    response: Option<FunctionContext<'a>>,
    store: Option<StoreContext<'a>>,
    max_batch_size: u32,
}

#[derive(Serialize)]
struct FunctionContext<'a> {
    name: &'a str,
    code: &'a str,
    reads_store: bool,
}

#[derive(Serialize)]
struct StoreContext<'a> {
    /// The default name before `-HASH`.
    name: &'a str,
    hash: &'a str,
    /// `KeyValueStoreHASH`: the CloudFormation logical id and CDK construct id.
    logical_id: String,
    import_file: String,
    /// The import file's contents.
    data: &'a str,
    entries: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Entry<'a> {
    key: &'a str,
    value: &'a str,
}

fn context<'a>(site: &'a Site, hash: &'a str) -> Context<'a> {
    let function = |f: &'a crate::Function| FunctionContext {
        name: &f.name,
        code: &f.code,
        reads_store: f.reads_store && has_store(site),
    };
    Context {
        source: &site.source,
        request: function(&site.request),
        response: site.response.as_ref().map(function),
        store: has_store(site).then(|| StoreContext {
            name: &site.store_name,
            hash,
            logical_id: format!("KeyValueStore{hash}"),
            import_file: import_file_name(hash),
            data: &site.import_file,
            entries: site.entries.iter().map(|(key, value)| Entry { key, value }).collect(),
        }),
        max_batch_size: MAX_BATCH_SIZE,
    }
}

/// `hedgec.tf`.
pub fn terraform(site: &Site, hash: &str) -> Result<String, Error> {
    render("hedgec.tf", TERRAFORM, escape::hcl, site, hash)
}

/// `template.yaml`.
pub fn cloudformation(site: &Site, hash: &str) -> Result<String, Error> {
    render("template.yaml", CLOUDFORMATION, escape::yaml, site, hash)
}

/// `hedgec-site.ts`.
pub fn cdk(site: &Site, hash: &str) -> Result<String, Error> {
    render("hedgec-site.ts", CDK, escape::typescript, site, hash)
}

fn render(name: &str, template: &str, literal: fn(&str) -> String, site: &Site, hash: &str) -> Result<String, Error> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    let syntax = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
        .map_err(|e| Error(format!("internal error: {e}")))?;
    env.set_syntax(syntax);
    env.set_formatter(move |out, _state, value| {
        match value.kind() {
            ValueKind::String => out.write_str(&literal(value.as_str().unwrap_or_default()))?,
            ValueKind::Number | ValueKind::Bool => write!(out, "{value}")?,
            kind => {
                return Err(minijinja::Error::new(
                    ErrorKind::InvalidOperation,
                    format!("a template printed a {kind}; only strings, numbers and booleans are printed"),
                ));
            }
        }
        Ok(())
    });
    let internal = |e: minijinja::Error| Error(format!("internal error in the {name} template: {e:#}"));
    env.add_template(name, template).map_err(internal)?;
    let template = env.get_template(name).map_err(internal)?;
    template.render(Value::from(Serde(context(site, hash)))).map_err(internal)
}
