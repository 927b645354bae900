//! Keeps the crate graph pointing down: every workspace crate sits in a layer and may depend
//! (with normal dependencies) only on crates in lower layers, and the compiler library stays free
//! of the AWS SDK, the command line, the JavaScript runtime and the async stack, however
//! indirectly they would come in.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

/// The layers, lowest first. A crate may depend on crates of lower layers only.
const LAYERS: &[&[&str]] = &[
    &["platform", "diagnostics", "syntax-gate"],
    &["kvs-layout", "rules-dsl", "runtime-js", "export"],
    &["compiler", "cases", "importers"],
    &["deploy", "deploy-fake", "dev"],
    &["hedgec"],
    &["conformance", "benches"],
];

/// Packages the compiler library must never pull in, by name prefix.
const KEPT_OUT_OF_THE_COMPILER: &[&str] = &["aws-", "clap", "boa_", "tokio", "indicatif", "hyper"];

struct Graph {
    /// Workspace crate name to its normal (non-dev, non-build) dependencies, by name.
    normal: BTreeMap<String, BTreeSet<String>>,
    workspace: BTreeSet<String>,
}

fn graph() -> Graph {
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline", "--manifest-path"])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml"))
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let names: BTreeMap<&str, &str> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let workspace = metadata["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| names[id.as_str().unwrap()].to_string())
        .collect();
    let mut normal = BTreeMap::new();
    for node in metadata["resolve"]["nodes"].as_array().unwrap() {
        let deps = node["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|dep| dep["dep_kinds"].as_array().unwrap().iter().any(|kind| kind["kind"].is_null()))
            .map(|dep| names[dep["pkg"].as_str().unwrap()].to_string())
            .collect();
        normal.insert(names[node["id"].as_str().unwrap()].to_string(), deps);
    }
    Graph { normal, workspace }
}

fn layer_of(name: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&name))
}

#[test]
fn every_workspace_crate_depends_only_on_lower_layers() {
    let graph = graph();
    let mut wrong = Vec::new();
    for name in &graph.workspace {
        let Some(layer) = layer_of(name) else {
            wrong.push(format!("{name} is in no layer: add it to LAYERS in hedgec/tests/layers.rs"));
            continue;
        };
        for dep in graph.normal[name].iter().filter(|dep| graph.workspace.contains(*dep)) {
            if layer_of(dep).is_none_or(|dep_layer| dep_layer >= layer) {
                wrong.push(format!("{name} (layer {layer}) depends on {dep}, which is not in a lower layer"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_compiler_library_pulls_in_no_sdk_cli_runtime_or_async_stack() {
    let graph = graph();
    let mut seen = BTreeSet::new();
    let mut stack = vec!["compiler".to_string()];
    while let Some(name) = stack.pop() {
        if seen.insert(name.clone()) {
            stack.extend(graph.normal.get(&name).into_iter().flatten().cloned());
        }
    }
    let found: Vec<&String> =
        seen.iter().filter(|name| KEPT_OUT_OF_THE_COMPILER.iter().any(|prefix| name.starts_with(prefix))).collect();
    assert!(found.is_empty(), "the compiler's dependency tree holds {found:?}");
    assert!(seen.len() > 10, "the walk found the compiler's dependencies ({} packages)", seen.len());
}
