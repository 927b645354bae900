//! `report.json`: what a compilation produced and how much of each CloudFront budget it uses.

use serde::Serialize;

use rules_dsl::ir::Rules;

use crate::CompileOptions;
use crate::kvs::{self, Entry};
use crate::plan::Plan;

/// The report. Field names are the contract of `report.json` (see `docs/cli.md`).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Report {
    /// Version of this format.
    pub format_version: u32,
    /// One entry per function file.
    pub functions: Vec<FunctionReport>,
    /// The KVS data.
    pub kvs: KvsReport,
    /// Where the rules went.
    pub rules: RulesReport,
    /// Warnings of the front end, filled in by the caller that has the source.
    pub warnings: Vec<WarningReport>,
}

/// One function.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct FunctionReport {
    /// `viewer-request.js` or `viewer-response.js`.
    pub file: String,
    /// CloudFront event type.
    pub event_type: String,
    /// Size in bytes.
    pub bytes: usize,
    /// The size limit in bytes.
    pub limit: usize,
    /// KVS reads per request in the worst case.
    pub kvs_reads: u32,
}

/// The KVS data.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct KvsReport {
    /// Number of entries.
    pub keys: usize,
    /// Sum of key and value bytes.
    pub bytes: usize,
    /// The store limit in bytes.
    pub limit: usize,
    /// The largest entry, if any.
    pub largest_entry: Option<LargestEntry>,
    /// The entry limit (key and value) in bytes.
    pub entry_limit: usize,
    /// KVS reads per request in the worst case, both functions together.
    pub worst_case_reads_per_request: u32,
}

/// The largest KVS entry.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct LargestEntry {
    /// Its key.
    pub key: String,
    /// Key and value bytes.
    pub bytes: usize,
}

/// Where the rules went.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct RulesReport {
    /// `redirect`, `rewrite` and `respond` rules compiled (after removing unreachable ones).
    pub routes: usize,
    /// Of those, how many live in the KVS as exact paths.
    pub routes_in_kvs: usize,
    /// Of those, how many pattern routes were spilled to the KVS to keep the code under budget.
    pub routes_spilled: usize,
    /// Exact routes without conditions kept in code, in file order: because an earlier pattern or
    /// regular-expression rule may match their requests (so a KVS lookup first would be wrong),
    /// or because a site with a few of them has a smaller request function so.
    pub exact_routes_in_code: usize,
    /// `header` rules compiled.
    pub header_rules: usize,
    /// Of those, how many live in the KVS.
    pub header_rules_in_kvs: usize,
    /// `request-header` rules.
    pub request_header_rules: usize,
    /// `prefix-strip` rules.
    pub prefix_strips: usize,
}

/// A warning with its location.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct WarningReport {
    /// Stable code.
    pub code: String,
    /// Message.
    pub message: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

impl Report {
    /// Measures a compilation.
    pub fn new(
        rules: &Rules,
        plan: &Plan<'_>,
        request: &str,
        response: Option<&str>,
        entries: &[Entry],
        options: &CompileOptions,
    ) -> Report {
        let request_reads =
            u32::from(!plan.kvs_routes.is_empty() || !plan.spilled.is_empty()) + u32::from(!plan.spilled.is_empty());
        let response_reads = u32::from(!plan.kvs_headers.is_empty());
        let mut functions = vec![FunctionReport {
            file: "viewer-request.js".into(),
            event_type: "viewer-request".into(),
            bytes: request.len(),
            limit: options.max_function_bytes,
            kvs_reads: request_reads,
        }];
        if let Some(response) = response {
            functions.push(FunctionReport {
                file: "viewer-response.js".into(),
                event_type: "viewer-response".into(),
                bytes: response.len(),
                limit: options.max_function_bytes,
                kvs_reads: response_reads,
            });
        }
        let largest_entry = entries
            .iter()
            .max_by(|a, b| a.bytes().cmp(&b.bytes()).then_with(|| b.key.cmp(&a.key)))
            .map(|e| LargestEntry { key: e.key.clone(), bytes: e.bytes() });
        let header_rules_in_kvs = rules.response_headers.iter().filter(|r| r.matcher.is_unconditional_exact()).count();
        Report {
            format_version: 1,
            functions,
            kvs: KvsReport {
                keys: entries.len(),
                bytes: entries.iter().map(Entry::bytes).sum(),
                limit: kvs::MAX_STORE_BYTES,
                largest_entry,
                entry_limit: kvs::MAX_ENTRY_BYTES,
                worst_case_reads_per_request: request_reads + response_reads,
            },
            rules: RulesReport {
                routes: rules.routes.len(),
                routes_in_kvs: plan.kvs_routes.len(),
                routes_spilled: plan.spilled.values().map(Vec::len).sum(),
                exact_routes_in_code: plan.exact_blocked,
                header_rules: rules.response_headers.len(),
                header_rules_in_kvs,
                request_header_rules: rules.request_headers.len(),
                prefix_strips: rules.prefix_strips.len(),
            },
            warnings: Vec::new(),
        }
    }

    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).expect("report serializes");
        json.push('\n');
        json
    }
}

/// `12,345`: a byte count as people read it.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
