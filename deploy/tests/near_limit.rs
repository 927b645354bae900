//! A site that fills most of the store: 53,000 exact rules with 40 to 90-byte paths, generated
//! here (about 4.6 MB of KVS data, with five-digit bucket numbers). It gets a change of code
//! alone, then a change of data alone; neither could be copied side by side. After every write
//! each live function answers every probe as the old or the new rules do, no key is left
//! behind, and the number of keys each deploy writes is printed and checked. Last, the site
//! shrinks to one rule and every entry goes, five-digit buckets included.

mod support;

use std::time::Instant;

use cases::event::RequestSpec;
use support::STORE;

/// Rules in the generated site.
const RULES: usize = 53_000;

/// The code change: a pattern rule after the exact rules.
const PATTERN: &str = "redirect /shop/:id /store/:id 302\n";

/// The generated rules: each path 40 to 90 bytes, each target short. `changed` rules point
/// elsewhere (a target of the same length, so no bucket grows); `extra` is appended.
fn rules(changed: &[usize], extra: &str) -> String {
    const WORDS: [&str; 8] = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"];
    let mut text = String::with_capacity(RULES * 100);
    for i in 0..RULES {
        // A deterministic spread of lengths: the filler follows a hash of the index.
        let mixed = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40;
        let filler = WORDS[(mixed % 8) as usize].repeat(3 + (mixed % 9) as usize);
        let mut path = format!("/catalog/{}/item-{i}-{filler}", WORDS[i % 8]);
        while path.len() < 40 {
            path.push_str("-page");
        }
        path.truncate(90);
        let target =
            if changed.contains(&i) { format!("/stock/{i}/informations") } else { format!("/sales/{i}/informations") };
        text.push_str(&format!("redirect {path} {target}\n"));
    }
    text.push_str(extra);
    text
}

/// Probes: the changed rules, a sample of the others, the pattern rule, and a miss.
fn probes(text: &str, changed: &[usize]) -> Vec<cases::event::Invocation> {
    let paths: Vec<&str> = text.lines().filter_map(|l| l.split(' ').nth(1)).collect();
    let sample = changed.iter().map(|&i| paths[i]).chain(paths.iter().step_by(997).copied());
    let specs: Vec<RequestSpec> =
        sample.chain(["/shop/42", "/not/a/rule"]).map(|p| RequestSpec::parse(p).expect("a path")).collect();
    specs.iter().map(RequestSpec::event).collect()
}

/// Keys put and deleted by a deploy.
fn written(report: &deploy::Report) -> (usize, usize) {
    let applied = report.applied.as_ref().expect("applied");
    (applied.keys_put, applied.keys_deleted)
}

#[test]
fn a_nearly_full_store_takes_a_code_change_and_a_data_change_in_place() {
    let started = Instant::now();
    let a = support::compile(&rules(&[], ""));
    let bytes: usize = a.output.kvs.iter().map(|e| e.bytes()).sum();
    let five_digits = a.output.kvs.iter().filter(|e| e.key.len() == kvs_layout::NAMESPACE_LEN + 5).count();
    let buckets = a.output.request_store.as_ref().unwrap().buckets;
    eprintln!(
        "site: {RULES} rules, {} keys ({five_digits} with five-digit buckets of {buckets}), {bytes} B; compiled in {:.1?}",
        a.output.kvs.len(),
        started.elapsed()
    );
    assert!((4_500_000..=kvs_layout::MAX_STORE_BYTES).contains(&bytes), "{bytes} B");
    assert!(five_digits > 0, "some buckets have five digits");

    let fake = deploy_fake::FakeAws::start();
    let options = support::options();
    let clock = Instant::now();
    let first = support::deploy(&fake, &a.site(), &options);
    eprintln!("first deploy: {:?} keys put and deleted, {:.1?}", written(&first), clock.elapsed());
    assert_eq!(written(&first), (a.output.kvs.len(), 0));
    assert_eq!(fake.items(STORE).unwrap(), a.kvs());

    // 1. Code alone: a pattern rule. The namespace stays and no key is written.
    let b_text = rules(&[], PATTERN);
    let b = support::compile(&b_text);
    assert_ne!(a.output.request, b.output.request);
    assert_eq!(b.output.request_store, a.output.request_store, "the namespace does not follow the code");
    let mut oracle = support::Oracle::new(probes(&b_text, &[]), support::boa());
    fake.record_snapshots(true);
    let clock = Instant::now();
    let report = support::deploy(&fake, &b.site(), &options);
    eprintln!("code change: {:?} keys put and deleted, {:.1?}", written(&report), clock.elapsed());
    assert_eq!(written(&report), (0, 0));
    let snapshots = fake.take_snapshots();
    assert!(!snapshots.is_empty());
    let failures: Vec<String> =
        snapshots.iter().flat_map(|s| oracle.check(s, &a.site(), &b.site(), &a.kvs(), &b.kvs())).collect();
    assert_eq!(failures, Vec::<String>::new());
    assert_eq!(fake.items(STORE).unwrap(), b.kvs(), "no key left behind");
    assert_eq!(fake.live_code(support::REQUEST).unwrap(), b.output.request);

    // 2. Data alone: three rules point elsewhere. Their buckets are rewritten in place.
    let changed = [7, 24_000, 47_999];
    let c_text = rules(&changed, PATTERN);
    let c = support::compile(&c_text);
    assert_eq!(c.output.request, b.output.request, "a data-only change keeps the code");
    let mut oracle = support::Oracle::new(probes(&c_text, &changed), support::boa());
    let clock = Instant::now();
    let report = support::deploy(&fake, &c.site(), &options);
    eprintln!("data change: {:?} keys put and deleted, {:.1?}", written(&report), clock.elapsed());
    assert_eq!(written(&report), (3, 0));
    let snapshots = fake.take_snapshots();
    assert!(!snapshots.is_empty());
    let failures: Vec<String> =
        snapshots.iter().flat_map(|s| oracle.check(s, &b.site(), &c.site(), &b.kvs(), &c.kvs())).collect();
    assert_eq!(failures, Vec::<String>::new());
    assert_eq!(fake.items(STORE).unwrap(), c.kvs(), "no key left behind");
    // The probes tell the two versions apart: the changed rules answer differently.
    let before = oracle.answers(&b.output.request, &b.kvs(), false);
    let after = oracle.answers(&c.output.request, &c.kvs(), false);
    assert_eq!(before.iter().zip(&after).filter(|(x, y)| x != y).count(), changed.len());

    // 3. Down to one rule: every entry is recognised as hedgec's, five-digit buckets included,
    // and goes.
    let tiny = support::compile("redirect /a /b\n");
    let mut allowed = support::options();
    allowed.plan.allow_mass_delete = true;
    let clock = Instant::now();
    let report = support::deploy(&fake, &tiny.site(), &allowed);
    eprintln!("down to one rule: {:?} keys put and deleted, {:.1?}", written(&report), clock.elapsed());
    assert_eq!(report.plan.keys.foreign, 0);
    assert_eq!(fake.items(STORE).unwrap(), support::deployed(&report, &tiny), "no key left behind");
    eprintln!("total {:.1?}", started.elapsed());
}
