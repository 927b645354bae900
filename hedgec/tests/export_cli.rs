//! `hedgec export` end to end: each target's output read back by that language's own tools
//! (python-hcl2 and checkov for Terraform, a YAML parser and cfn-lint for CloudFormation, tsc and
//! a CDK synth under node for the CDK) equals `hedgec compile`'s files byte for byte, for the
//! example, a site of hostile characters and Netlify's 45,000-redirect fixture; apply safety
//! (a new store for new data, the functions after it); limits; determinism.
//!
//! The tools are installed by `scripts/test` into `~/.cache/hedgec-export-tools` (or
//! `$HEDGEC_EXPORT_TOOLS`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

fn hedgec() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hedgec"));
    command.env("NO_COLOR", "1");
    command
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn scripts() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/export")
}

/// Where `scripts/test` installs the tools.
fn tools() -> PathBuf {
    let dir = match std::env::var_os("HEDGEC_EXPORT_TOOLS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache/hedgec-export-tools"),
    };
    assert!(
        dir.join("venv/bin/cfn-lint").exists() && dir.join("node/node_modules/.bin/tsc").exists(),
        "the export tools are missing from {}: run scripts/test, which installs them",
        dir.display()
    );
    dir
}

fn run(command: &mut Command) -> Output {
    let output = command.output().unwrap_or_else(|e| panic!("{command:?} cannot start: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Every character that could break a generated file, in code and in the KVS.
const HOSTILE: &str = r#"# Every character that could break a generated file, in code and in the KVS.
set exact-rules kvs
respond /hostile 200 "q\"uote 'single' \\ back ${a} $${b} %{c} %%{d} </script> <!-- \u{2028} \u{2029} 😀 é 日本\u{a}line\ttab"
respond /pat/* 200 "code: q\"uote 'single' \\ back ${a} %{c} </script> \u{2028} 😀 é"
redirect /from-${x}/%{y}/é https://example.com/${z}%{w}?q='a'
header /h x-hostile "v \"q\" 'a' \\ ${a} %{b} </script> \u{2028} 😀 é"
header /h/* x-code "w \"q\" ${a} %{b} </script> é"
"#;

/// Netlify's 45,000-redirect fixture as hedge rules.
fn netlify_45000() -> String {
    let path = repo().join("../shared/external/netlify-build-fixtures/large_45000_redirects_file");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut rules = String::new();
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        if let (Some(from), Some(to)) = (fields.next(), fields.next()) {
            let _ = writeln!(rules, "redirect {from} {to}");
        }
    }
    rules
}

/// One site compiled and exported to every target.
struct Site {
    dist: PathBuf,
    terraform: PathBuf,
    cloudformation: PathBuf,
    cdk: PathBuf,
}

impl Site {
    fn code(&self, file: &str) -> Option<String> {
        std::fs::read_to_string(self.dist.join(file)).ok()
    }

    fn kvs_json(&self) -> String {
        std::fs::read_to_string(self.dist.join("kvs.json")).unwrap()
    }

    fn entries(&self) -> Vec<(String, String)> {
        let kvs: Value = serde_json::from_str(&self.kvs_json()).unwrap();
        kvs["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["key"].as_str().unwrap().to_string(), e["value"].as_str().unwrap().to_string()))
            .collect()
    }
}

/// The three sites, compiled and exported once for all tests.
fn sites() -> &'static BTreeMap<&'static str, Site> {
    static SITES: OnceLock<BTreeMap<&'static str, Site>> = OnceLock::new();
    SITES.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("export-sites");
        let _ = std::fs::remove_dir_all(&root);
        let mut sites = BTreeMap::new();
        // The example with its three exact rules in the KVS (on its own it keeps them in code,
        // where they are smaller), so that every export carries a store.
        let example =
            format!("set exact-rules kvs\n{}", std::fs::read_to_string(repo().join("examples/site.hedge")).unwrap());
        for (name, rules) in [("example", example), ("hostile", HOSTILE.to_string()), ("netlify", netlify_45000())] {
            let dir = root.join(name);
            std::fs::create_dir_all(&dir).unwrap();
            let file = dir.join("site.hedge");
            std::fs::write(&file, rules).unwrap();
            let site = Site {
                dist: dir.join("dist"),
                terraform: dir.join("terraform"),
                cloudformation: dir.join("cloudformation"),
                cdk: dir.join("cdk"),
            };
            run(hedgec().arg("compile").arg(&file).arg("-o").arg(&site.dist));
            for (target, out) in
                [("terraform", &site.terraform), ("cloudformation", &site.cloudformation), ("cdk", &site.cdk)]
            {
                run(hedgec().args(["export", target]).arg(&file).arg("-o").arg(out));
            }
            sites.insert(name, site);
        }
        sites
    })
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)))
}

fn entries_of(value: &Value) -> Vec<(String, String)> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| (pair[0].as_str().unwrap().to_string(), pair[1].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn terraform_parses_with_python_hcl2_passes_checkov_and_round_trips_byte_for_byte() {
    let tools = tools();
    let sites = sites();
    let files: Vec<PathBuf> = sites.values().map(|s| s.terraform.join("hedgec.tf")).collect();
    let read =
        json(&run(Command::new(tools.join("hcl2/bin/python")).arg(scripts().join("read_terraform.py")).args(&files)));
    for (name, site) in sites {
        let out = &read[site.terraform.join("hedgec.tf").to_str().unwrap()];
        let request = &out["functions"]["request"];
        assert_eq!(request["code"].as_str(), site.code("viewer-request.js").as_deref(), "{name}: request code");
        assert_eq!(request["runtime"], "cloudfront-js-2.0");
        assert_eq!(request["publish"], true);
        assert_eq!(out["functions"]["response"]["code"].as_str(), site.code("viewer-response.js").as_deref(), "{name}");
        assert_eq!(entries_of(&out["entries"]), site.entries(), "{name}: KVS entries");
        // Apply safety: the store is named by the data's hash and replaced before it is
        // destroyed; the function reads it only after its keys are written.
        let hash = out["hash"].as_str().unwrap();
        assert_eq!(hash.len(), 12);
        assert_eq!(out["store_name"], "\"${var.kvs_name}-${local.kvs_data_hash}\"");
        assert_eq!(out["store_lifecycle"][0]["create_before_destroy"], true, "{name}");
        assert_eq!(out["keys_lifecycle"][0]["create_before_destroy"], true, "{name}");
        assert_eq!(out["max_batch_size"], 50);
        assert_eq!(request["associations"][0], "${aws_cloudfront_key_value_store.data.arn}", "{name}");
        assert_eq!(request["depends_on"][0], "${aws_cloudfrontkeyvaluestore_keys_exclusive.data}", "{name}");
    }
    let root = sites["example"].terraform.parent().unwrap().parent().unwrap();
    let checkov = Command::new(tools.join("venv/bin/checkov"))
        .args(["--framework", "terraform", "--output", "json", "--quiet", "--compact", "-d"])
        .arg(root)
        .output()
        .expect("checkov runs");
    let report: Value = serde_json::from_slice(&checkov.stdout)
        .unwrap_or_else(|e| panic!("checkov printed no JSON ({e}): {}", String::from_utf8_lossy(&checkov.stderr)));
    let reports = if report.is_array() { report.as_array().unwrap().clone() } else { vec![report] };
    for report in &reports {
        // With checks that apply, the counts are under "summary"; with none, they are the report.
        let summary = report.get("summary").unwrap_or(report);
        assert_eq!(summary["failed"], 0, "checkov failed checks: {report:#}");
        assert_eq!(summary["parsing_errors"], 0, "checkov could not parse: {report:#}");
    }
}

#[test]
fn cloudformation_passes_cfn_lint_and_round_trips_byte_for_byte() {
    let tools = tools();
    let sites = sites();
    let templates: Vec<PathBuf> = sites.values().map(|s| s.cloudformation.join("template.yaml")).collect();
    let lint = Command::new(tools.join("venv/bin/cfn-lint")).args(&templates).output().expect("cfn-lint runs");
    // cfn-lint exits with a bit mask: 2 errors, 4 warnings, 8 informational; no error allowed.
    let code = lint.status.code().unwrap_or(1);
    assert_eq!(code & 3, 0, "cfn-lint found errors:\n{}", String::from_utf8_lossy(&lint.stdout));
    let read = json(&run(Command::new(tools.join("venv/bin/python"))
        .arg(scripts().join("read_cloudformation.py"))
        .args(&templates)));
    for (name, site) in sites {
        let out = &read[site.cloudformation.join("template.yaml").to_str().unwrap()];
        let request = &out["functions"]["RequestFunction"];
        assert_eq!(request["code"].as_str(), site.code("viewer-request.js").as_deref(), "{name}: request code");
        assert_eq!(request["auto_publish"], true);
        assert_eq!(request["config"]["Runtime"], "cloudfront-js-2.0");
        assert_eq!(out["functions"]["ResponseFunction"]["code"].as_str(), site.code("viewer-response.js").as_deref());
        let stores = out["stores"].as_object().unwrap();
        assert_eq!(stores.len(), 1, "{name}: one store");
        let (logical_id, store) = stores.iter().next().unwrap();
        assert_eq!(store["import_data"].as_str().unwrap(), site.kvs_json(), "{name}: the import file is kvs.json");
        assert_eq!(entries_of(&store["entries"]), site.entries());
        // Apply safety: the store is named by the data's hash, kept when replaced, and the
        // function reads it through a reference (so CloudFormation creates it first).
        let hash = logical_id.strip_prefix("KeyValueStore").unwrap();
        assert_eq!(store["import_file"], format!("kvs-{hash}.json"));
        assert_eq!(store["deletion_policy"], "Retain");
        assert_eq!(store["name"]["!Join"][1][1], hash);
        assert_eq!(
            request["config"]["KeyValueStoreAssociations"][0]["KeyValueStoreARN"]["!GetAtt"][0],
            logical_id.as_str()
        );
    }
}

#[test]
fn cdk_type_checks_with_tsc_strict_and_its_synthesized_template_round_trips_byte_for_byte() {
    let tools = tools();
    let sites = sites();
    let node_modules = tools.join("node/node_modules");
    let build = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("export-cdk-build");
    let _ = std::fs::remove_dir_all(&build);
    let mut sources = Vec::new();
    for (name, site) in sites {
        let dir = build.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(site.cdk.join("hedgec-site.ts"), dir.join("hedgec-site.ts")).unwrap();
        sources.push(dir.join("hedgec-site.ts"));
    }
    std::os::unix::fs::symlink(&node_modules, build.join("node_modules")).unwrap();
    // One tsc run type-checks all three strictly and compiles them for node.
    run(Command::new(node_modules.join(".bin/tsc"))
        .args(["--strict", "--noUnusedLocals", "--target", "es2020", "--module", "commonjs", "--skipLibCheck"])
        .arg("--rootDir")
        .arg(&build)
        .arg("--outDir")
        .arg(build.join("js"))
        .args(&sources));
    let compiled: Vec<PathBuf> = sites.keys().map(|name| build.join("js").join(name).join("hedgec-site.js")).collect();
    let read = json(&run(Command::new("node")
        .env("NODE_PATH", &node_modules)
        .arg(scripts().join("read_cdk.js"))
        .args(&compiled)));
    for (name, site) in sites {
        let out = &read[build.join("js").join(name).join("hedgec-site.js").to_str().unwrap()];
        let functions = out["functions"].as_object().unwrap();
        let code_of = |prefix: &str| {
            functions
                .iter()
                .find(|(id, _)| id.starts_with(prefix))
                .map(|(_, f)| f["code"].as_str().unwrap().to_string())
        };
        assert_eq!(code_of("HedgeRequestFunction"), site.code("viewer-request.js"), "{name}: request code");
        assert_eq!(code_of("HedgeResponseFunction"), site.code("viewer-response.js"), "{name}: response code");
        assert_eq!(out["constants"]["data"].as_str().unwrap(), site.kvs_json(), "{name}");
        let stores = out["stores"].as_object().unwrap();
        assert_eq!(stores.len(), 1);
        let (logical_id, store) = stores.iter().next().unwrap();
        assert_eq!(store["data"].as_str().unwrap(), site.kvs_json(), "{name}: the asset CDK uploads is kvs.json");
        assert_eq!(store["deletionPolicy"], "Retain");
        let request = functions.iter().find(|(id, _)| id.starts_with("HedgeRequestFunction")).unwrap().1;
        assert_eq!(
            request["config"]["KeyValueStoreAssociations"][0]["KeyValueStoreARN"]["Fn::GetAtt"][0],
            logical_id.as_str()
        );
        assert_eq!(request["autoPublish"], true);
    }
}

/// Exports `rules`, written to `site.hedge` in a directory of its own beside `out`.
fn export(target: &str, rules: &str, out: &Path) -> Output {
    let source = out.with_extension("rules");
    std::fs::create_dir_all(&source).unwrap();
    let file = source.join("site.hedge");
    std::fs::write(&file, rules).unwrap();
    hedgec().args(["export", target]).arg(&file).arg("-o").arg(out).output().unwrap()
}

/// The store's logical id in a CloudFormation export.
fn store_id(dir: &Path) -> String {
    let template = std::fs::read_to_string(dir.join("template.yaml")).unwrap();
    let at = template.find("\"KeyValueStore").expect("a store");
    template[at + 1..at + 1 + "KeyValueStore".len() + 12].to_string()
}

#[test]
fn new_data_is_a_new_store_and_a_change_of_code_alone_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    // The KVS keys carry a namespace derived from the code that reads them, so a change of the
    // request function's code usually changes the data too; a header pattern changes code alone.
    let base = "set exact-rules kvs\nredirect /a /b\nheader /x/* x-a 1\n";
    let data_change = "set exact-rules kvs\nredirect /a /c\nheader /x/* x-a 1\n";
    let code_change = "set exact-rules kvs\nredirect /a /b\nheader /x/* x-a 2\n";
    let ids: Vec<String> = [base, data_change, code_change]
        .iter()
        .enumerate()
        .map(|(i, rules)| {
            let out = dir.path().join(format!("v{i}"));
            assert_eq!(export("cloudformation", rules, &out).status.code(), Some(0));
            store_id(&out)
        })
        .collect();
    assert_ne!(ids[0], ids[1], "new data is a new store");
    assert_eq!(ids[0], ids[2], "a change of code alone keeps the store");
}

#[test]
fn a_site_that_reads_no_kvs_exports_no_store_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("infra");
    // The example keeps its three exact rules in code: its functions read no store.
    let output = hedgec()
        .args(["export", "terraform"])
        .arg(repo().join("examples/site.hedge"))
        .arg("-o")
        .arg(&out)
        .args(["--kvs", "site-data"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let terraform = std::fs::read_to_string(out.join("hedgec.tf")).unwrap();
    assert!(terraform.contains("aws_cloudfront_function"), "{terraform}");
    assert!(!terraform.contains("key_value_store"), "{terraform}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("no store was exported and --kvs is unused"));
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let rules = std::fs::read_to_string(repo().join("examples/site.hedge")).unwrap();
    for target in ["terraform", "cloudformation", "cdk"] {
        let (a, b) = (dir.path().join(format!("{target}-a")), dir.path().join(format!("{target}-b")));
        assert_eq!(export(target, &rules, &a).status.code(), Some(0));
        assert_eq!(export(target, &rules, &b).status.code(), Some(0));
        let names: Vec<_> = std::fs::read_dir(&a).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert!(!names.is_empty());
        for name in names {
            let same = std::fs::read(a.join(&name)).unwrap() == std::fs::read(b.join(&name)).unwrap();
            assert!(same, "{target}: {name:?} differs between runs");
        }
    }
}

#[test]
fn over_a_limit_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // A function over 10 KB: pattern rules with conditions stay in code.
    let mut big_code = String::new();
    for i in 0..400 {
        let _ = writeln!(big_code, "redirect /p{i}/* /q{i}/:splat 302 country=DE");
    }
    // Data over 5 MB: exact redirects with long targets.
    let mut big_data = String::new();
    let long = "x".repeat(400);
    for i in 0..14_000 {
        let _ = writeln!(big_data, "redirect /r{i} https://example.com/{long}{i}");
    }
    for (rules, says) in [(&big_code, "E028"), (&big_data, "E027")] {
        for target in ["terraform", "cloudformation", "cdk"] {
            let out = dir.path().join(format!("{target}-{}", rules.len()));
            let output = export(target, rules, &out);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{stderr}");
            assert!(stderr.contains(says), "{stderr}");
            assert!(!out.exists(), "nothing is written");
        }
    }
}

#[test]
fn a_store_id_set_in_the_rules_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = export("terraform", "set kvs-id 1a2b3c4d-5678-90ab-cdef-EXAMPLE11111\nredirect /a /b\n", &out);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("remove `set kvs-id`"));
    assert!(!out.exists());
}
