//! Deploy speed on Netlify's 45,000-redirect fixture, against the local fake of CloudFront and
//! the KeyValueStore on the loopback interface (so: the SDK, SigV4 and SigV4A signing, HTTP and
//! the deploy logic, not AWS's latency).
//!
//! Run with `cargo bench -p benches --bench deploy`. Cases: `plan` (the pure diff of the
//! compiled site against an empty store), `first_deploy` (read, plan and apply into an empty
//! store: every entry put, and the one function the fixture compiles to, a viewer-request
//! function, created and published; the fixture has no header rules, so no response function),
//! `unchanged` (a repeat: reads and a plan, no writes), `three_rules_changed` (three buckets
//! rewritten in place). Each applying case checks that it used
//! the fewest `UpdateKeys` batches the 50-key limit allows.

use std::collections::BTreeMap;
use std::time::Duration;

use deploy::site::{FunctionNames, Site};
use deploy_fake::FakeAws;
use divan::{Bencher, black_box};

fn main() {
    divan::main();
}

const STORE: &str = "site-data";

/// The fixture compiled, as a site, with `changed` rules pointing elsewhere.
fn site(changed: &[usize]) -> Site {
    let mut text = benches::netlify_45000_redirects();
    for &line in changed {
        let from = text.lines().nth(line).expect("a rule").to_string();
        text = text.replacen(&format!("{from}\n"), &format!("{from}-changed\n"), 1);
    }
    let analysis = rules_dsl::analyze(&rules_dsl::SourceFile::new("site.hedge", &text));
    assert!(!analysis.has_errors());
    let output = compiler::compile(&analysis.rules, &compiler::CompileOptions::default()).expect("compiles");
    let names = FunctionNames { request: "site-request".into(), response: None };
    Site::from_compiled(&output, &names, analysis.rules.settings.kvs_id.clone()).expect("a site")
}

fn options() -> deploy::Options {
    deploy::Options {
        plan: deploy::PlanOptions { store: STORE.into(), create_store: false, allow_mass_delete: false },
        settle: Duration::ZERO,
        ..deploy::Options::default()
    }
}

fn deploy(fake: &FakeAws, site: &Site) -> deploy::Applied {
    deploy::block_on(async {
        let config = deploy::aws::config_with_credentials("AKIDBENCH", "secret").await;
        let observer = deploy::progress::Silent;
        let aws = deploy::Aws::new(&config, Some(&fake.endpoint()), deploy::Retry::default(), &observer);
        deploy::apply::deploy(&aws, site, &options(), &observer).await.expect("deploys").applied.expect("applied")
    })
}

fn empty_store() -> FakeAws {
    let fake = FakeAws::start();
    fake.state().create_store(STORE, "").expect("a new store");
    fake
}

#[divan::bench(sample_count = 10)]
fn plan(bencher: Bencher<'_, '_>) {
    let site = site(&[]);
    let live = deploy::Live {
        store: Some(deploy::live::LiveStore {
            name: STORE.into(),
            id: "id".into(),
            arn: "arn:aws:cloudfront::123456789012:key-value-store/id".into(),
            etag: "E1".into(),
            items: BTreeMap::new(),
        }),
        ..deploy::Live::default()
    };
    bencher.bench(|| deploy::plan::plan(black_box(&site), black_box(&live), &options().plan).expect("plans"));
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn first_deploy(bencher: Bencher<'_, '_>) {
    let site = site(&[]);
    let batches = site.entries.len().div_ceil(deploy::plan::MAX_BATCH_KEYS);
    bencher.with_inputs(empty_store).bench_local_values(|fake| {
        let applied = deploy(&fake, &site);
        assert_eq!(applied.batches, batches, "the fewest batches");
        fake
    });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn unchanged(bencher: Bencher<'_, '_>) {
    let site = site(&[]);
    let fake = empty_store();
    deploy(&fake, &site);
    bencher.bench_local(|| {
        let applied = deploy(&fake, &site);
        assert_eq!(applied.batches, 0);
    });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn three_rules_changed(bencher: Bencher<'_, '_>) {
    let sites = [site(&[]), site(&[10, 20_000, 44_999])];
    let fake = empty_store();
    deploy(&fake, &sites[0]);
    let mut next = 1;
    bencher.bench_local(|| {
        let applied = deploy(&fake, &sites[next]);
        assert_eq!((applied.batches, applied.keys_put), (1, 3));
        next = 1 - next;
    });
}
