//! The back end of hedgec: compiles the IR of a rules file into `cloudfront-js-2.0` functions
//! and KeyValueStore data.
//!
//! [`build`] is the driver every caller uses: bytes of a rules file in, the compiled site and
//! every diagnostic (front end and back end) out. [`compile`] runs the back end's stages in
//! order, each once:
//!
//! 1. [`placement`]: where each rule lives ([`plan`]), within the request function's size
//!    budget (pattern groups spilled to the KVS as its size model predicts), and the KVS lines
//!    of the placed rules ([`kvs`]);
//! 2. [`function`], for each function: pack its lines into buckets, write it for that store
//!    ([`emit`]), minify ([`minify`]) and pass it through the syntax gate;
//! 3. [`limits`]: CloudFront's limits as diagnostics, and the measurements ([`report`]).
//!
//! [`probes`] derives, from the rules, requests that exercise every rule and every miss path.
//!
//! The compiler does no IO: it takes [`rules_dsl::ir::Rules`] and returns text. Equal inputs
//! give byte-identical outputs.

pub mod build;
pub mod emit;
pub mod explain;
pub mod function;
pub mod kvs;
pub mod limits;
pub mod minify;
pub mod placement;
pub mod plan;
mod pool;
pub mod probes;
pub mod report;

use rules_dsl::Diagnostic;
use rules_dsl::ir::Rules;

pub use build::{Build, Compiled, build};
pub use report::Report;

pub use platform::MAX_FUNCTION_BYTES;

/// How to compile.
#[derive(Clone, Debug)]
pub struct CompileOptions {
    /// Print readable code instead of minified code (for reading; same semantics).
    pub pretty: bool,
    /// The size over which a function is an error.
    pub max_function_bytes: usize,
    /// Keep exact routes in the KVS even when a site has so few that its request function would
    /// be smaller with them in code (see `placement`). The conformance suites compile every rules
    /// file both ways, so that both placements are tested on small sites.
    pub exact_in_kvs: bool,
}

impl Default for CompileOptions {
    fn default() -> CompileOptions {
        CompileOptions { pretty: false, max_function_bytes: MAX_FUNCTION_BYTES, exact_in_kvs: false }
    }
}

/// Everything a compilation produces.
///
/// When `diagnostics` holds an error, the outputs must not be deployed: a function over the size
/// limit is still returned (so that its size can be reported), a KVS entry over its limit is left
/// out.
#[derive(Clone, Debug)]
pub struct CompileReturn {
    /// `viewer-request.js`.
    pub request: String,
    /// `viewer-response.js`, when there are `header` rules.
    pub response: Option<String>,
    /// The KVS entries, sorted by key.
    pub kvs: Vec<kvs::Entry>,
    /// How the request side's buckets are addressed, when it has any.
    pub request_store: Option<StoreLayout>,
    /// How the response side's buckets are addressed, when it has any.
    pub response_store: Option<StoreLayout>,
    /// Measurements for `report.json`.
    pub report: Report,
    /// Where each route went (KVS, spilled group, code before or after the KVS).
    pub placement: placement::Summary,
    /// Errors found by the back end (KVS entries over limits, functions over the size limit).
    pub diagnostics: Vec<Diagnostic>,
}

impl CompileReturn {
    /// `kvs.json` in AWS's import format.
    pub fn kvs_json(&self) -> String {
        kvs::to_import_json(&self.kvs)
    }
}

/// The address of one side's buckets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreLayout {
    /// The key prefix.
    pub namespace: String,
    /// The bucket count.
    pub buckets: u32,
}

/// A bug in the compiler: generated code that does not parse or does not pass the gate.
#[derive(Clone, Debug)]
pub struct InternalError(pub String);

impl std::fmt::Display for InternalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "internal compiler error: {}", self.0)
    }
}

impl std::error::Error for InternalError {}

/// Compiles rules that the front end accepted: placement within the size budget, then each
/// function with the KVS data it reads, then CloudFront's limits.
pub fn compile(rules: &Rules, options: &CompileOptions) -> Result<CompileReturn, InternalError> {
    let placement = placement::place(rules, options)?;
    let lines = placement.lines(&rules.settings);
    let with_response = !rules.response_headers.is_empty();
    let request =
        function::write(kvs::Side::Request, &lines.routes, &lines.spilled, lines.route_encoding, options, |store| {
            emit::request_function(rules, &placement.plan, store, with_response)
        })?;
    let response = with_response
        .then(|| {
            function::write(kvs::Side::Response, &lines.headers, "", kvs::Encoding::default(), options, |store| {
                emit::response_function(rules, &placement.plan, store)
            })
        })
        .transpose()?;
    let entries = entries(&request, response.as_ref());
    let diagnostics = limits::check(&placement, &request, response.as_ref(), &entries, options);
    let report = Report::new(
        rules,
        &placement.plan,
        &request.code,
        response.as_ref().map(|r| r.code.as_str()),
        &entries,
        options,
    );
    Ok(CompileReturn {
        request_store: store_layout(&request),
        response_store: response.as_ref().and_then(store_layout),
        request: request.code,
        response: response.map(|r| r.code),
        kvs: entries,
        report,
        placement: placement.summary(),
        diagnostics,
    })
}

/// Both functions' KVS entries, sorted by key.
fn entries(request: &function::Function, response: Option<&function::Function>) -> Vec<kvs::Entry> {
    let mut entries: Vec<kvs::Entry> = [Some(request), response]
        .into_iter()
        .flatten()
        .flat_map(|f| f.buckets.iter().flat_map(|b| b.entries.iter().cloned()))
        .collect();
    entries.sort();
    entries
}

fn store_layout(function: &function::Function) -> Option<StoreLayout> {
    function.buckets.as_ref().map(|b| StoreLayout { namespace: b.namespace.clone(), buckets: b.count })
}
