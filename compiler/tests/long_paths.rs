//! Long exact paths that differ only in the middle compile into the KVS and are found there
//! (they once all hashed to one bucket and failed with E026).

fn compile(rules: &str) -> compiler::CompileReturn {
    let source = rules_dsl::SourceFile::new("rules.hedge", rules);
    let analysis = rules_dsl::analyze(&source);
    assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics);
    compiler::compile(&analysis.rules, &compiler::CompileOptions::default()).expect("compiles")
}

fn path(n: usize) -> String {
    format!(
        "/shop/catalog/electronics/televisions-and-home-cinema/p/{n}/full-technical-specifications-and-customer-reviews.html"
    )
}

#[test]
fn eight_product_pages_compile_into_the_kvs() {
    let rules: String = (10_000..10_008).map(|n| format!("redirect {} /p/{n}\n", path(n))).collect();
    let output = compile(&rules);
    assert_eq!(output.diagnostics, Vec::new(), "no E026");
    let store = output.request_store.as_ref().expect("the rules live in the KVS");
    assert!(output.kvs.len() > 1, "they spread over {} buckets", output.kvs.len());
    for n in 10_000..10_008 {
        let value = compiler::kvs::lookup(&output.kvs, &store.namespace, store.buckets, &path(n)).expect("found");
        assert!(value.ends_with(&n.to_string()), "{value}");
    }
}

#[test]
fn ten_thousand_long_paths_that_differ_in_the_middle_compile() {
    let rules: String = (0..10_000).map(|n| format!("redirect {} /p/{n}\n", path(100_000 + n))).collect();
    let output = compile(&rules);
    assert_eq!(output.diagnostics, Vec::new());
    let store = output.request_store.as_ref().unwrap();
    let largest = output.kvs.iter().map(|e| e.bytes()).max().unwrap();
    eprintln!("10,000 long paths: {} buckets, {} keys, largest entry {largest} B", store.buckets, output.kvs.len());
    assert!(store.buckets < 10_000, "four-digit bucket count: {}", store.buckets);
    for n in 0..10_000 {
        assert!(compiler::kvs::lookup(&output.kvs, &store.namespace, store.buckets, &path(100_000 + n)).is_some());
    }
}
