//! Deploys under injected faults: 200 seeded runs, each from one site (or nothing) to another
//! with faults on every kind of call. After each run the state is what the plan asked for, and
//! after every write of every run each live function, run on the local runtime against the
//! fake's store, answered every probe request as the old rules or as the new rules do.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use deploy::site::Site;
use deploy_fake::{FakeAws, Fault, Faults, Op, Snapshot};
use support::{REQUEST, RESPONSE, STORE};

const RUNS: u64 = 200;

/// A small site: exact rules (in two batches' worth of buckets), patterns, headers in the KVS; the knobs
/// change data only (`changed`), or code and value layout (`code`, `case`).
fn rules(changed: &[usize], code: bool, case: bool) -> String {
    let mut text = String::from("set slash fold\n");
    if case {
        text.push_str("set case insensitive\n");
    }
    for i in 0..45 {
        let target = if changed.contains(&i) { format!("/moved/{i}") } else { format!("/new/{i}") };
        text.push_str(&format!("redirect /old/Page-{i} {target}\n"));
    }
    // Exact header rules with values long enough that the KVS reader costs less code than they
    // would: they live in the KVS, so a change of one value is a data change. Few of them, because
    // every key is written and every write is checked against every probe.
    for i in 0..12 {
        let value = if changed.contains(&i) { "changed" } else { "v" };
        text.push_str(&format!("header /docs/d-{i} x-doc {value}{i}-max-age=31536000;includeSubDomains;preload\n"));
    }
    text.push_str("redirect /blog/* /posts/:splat\nrespond /gone 410 \"gone\"\nprefix-strip /api origin=api\nheader /* x-frame-options DENY\n");
    if code {
        text.push_str("redirect /shop/:id /store/:id 302\nrespond /teapot 418 \"tea\"\nheader /static/* cache-control \"max-age=9\"\n");
    }
    text
}

fn variants() -> Vec<String> {
    vec![
        rules(&[], false, false),
        rules(&[2, 9, 30], false, false),
        rules(&[4], true, false),
        rules(&[], false, true),
        rules(&[1, 11], true, true),
    ]
}

/// The store's items without the other writer's keys.
fn ours(items: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    items.iter().filter(|(k, _)| !k.starts_with("other-writer")).map(|(k, v)| (k.clone(), v.clone())).collect()
}

#[test]
fn every_run_ends_as_planned_and_every_moment_answers_old_or_new() {
    let variants: Vec<support::Compiled> = variants().iter().map(|t| support::compile(t)).collect();
    let all_rules: Vec<&rules_dsl::ir::Rules> = variants.iter().map(|v| &v.rules).collect();
    let mut oracle = support::Oracle::new(support::probes(&all_rules), support::boa());
    let mut injected: BTreeSet<(Op, Fault)> = BTreeSet::new();
    let (mut reruns, mut retries, mut replans, mut checked) = (0, 0, 0, 0);
    for run in 0..RUNS {
        let mut rng = fastrand::Rng::with_seed(run);
        let old = match rng.usize(..variants.len() + 1) {
            0 => None,
            n => Some(&variants[n - 1]),
        };
        let new = loop {
            let candidate = &variants[rng.usize(..variants.len())];
            if old.is_none_or(|o| !std::ptr::eq(o, candidate)) {
                break candidate;
            }
        };
        let fake = FakeAws::start();
        let (old_site, old_kvs) = match old {
            Some(old) => {
                support::deploy(&fake, &old.site(), &support::options());
                (old.site(), old.kvs())
            }
            None => (Site::default(), BTreeMap::new()),
        };
        fake.take_calls();
        fake.record_snapshots(true);
        // Creations happen once per run from nothing: script their faults so that every kind
        // meets both; everything else gets random faults, at a rate that sometimes uses up the
        // retries so that a deploy has to be run again.
        let script = match old {
            None => vec![
                (Op::CreateKeyValueStore, 0, Fault::ALL[(run as usize / 6) % Fault::ALL.len()]),
                (Op::CreateFunction, 0, Fault::ALL[(run as usize / 30) % Fault::ALL.len()]),
            ],
            Some(_) => Vec::new(),
        };
        fake.set_faults(Faults { rate: 0.1 + 0.35 * rng.f64(), seed: run, script });
        let new_site = new.site();
        let mut attempts = 0;
        let report = loop {
            attempts += 1;
            match support::try_deploy(&fake, &new_site, &support::options()) {
                Ok(report) => break report,
                Err(error) if attempts < 10 => {
                    reruns += 1;
                    assert!(!matches!(error, deploy::DeployError::Plan(_)), "run {run}: {error}");
                }
                Err(error) => panic!("run {run}: still failing after {attempts} attempts: {error}"),
            }
        };
        let applied = report.applied.clone().expect("applied");
        retries += applied.retries;
        replans += applied.replans;
        for call in fake.take_calls() {
            if let Some(fault) = call.fault {
                injected.insert((call.op, fault));
            }
        }

        // The end state is the plan's: entries, code, settings; a fresh plan is empty.
        fake.set_faults(Faults::default());
        assert_eq!(ours(&fake.items(STORE).unwrap()), support::deployed(&report, new), "run {run}: the store");
        for function in &report.plan.functions {
            assert_eq!(
                fake.live_code(&function.name).as_deref(),
                Some(function.code.as_str()),
                "run {run}: {}",
                function.name
            );
        }
        let mut dry = support::options();
        dry.dry_run = true;
        let after = support::deploy(&fake, &new_site, &dry);
        assert!(after.plan.is_empty(), "run {run}: left to do:\n{}", after.plan);

        // Every moment in between answered as the old rules or the new.
        let snapshots: Vec<Snapshot> = fake.take_snapshots();
        for snapshot in &snapshots {
            let failures = oracle.check(snapshot, &old_site, &new_site, &old_kvs, &new.kvs());
            assert!(failures.is_empty(), "run {run}: {} probes answered wrongly, e.g. {}", failures.len(), failures[0]);
            checked += 1;
        }
    }
    eprintln!(
        "{RUNS} runs: {checked} live states checked ({} engine batches), {retries} retries, {replans} re-plans, \
         {reruns} deploys run again after failing, {} kinds of fault injected",
        oracle.runs,
        injected.len()
    );
    for op in Op::ALL {
        for fault in Fault::ALL {
            assert!(injected.contains(&(op, fault)), "never injected {fault:?} into {op:?}");
        }
    }
    assert!(replans > 0 && retries > 0 && reruns > 0 && checked > RUNS as usize);
}

#[test]
fn the_check_notices_a_state_that_is_neither_old_nor_new() {
    let old = support::compile(&rules(&[], false, false));
    let new = support::compile(&rules(&[4], true, false));
    let mut oracle = support::Oracle::new(support::probes(&[&old.rules, &new.rules]), support::boa());
    // New code published before any data: every exact rule misses.
    let broken = Snapshot {
        after: Op::PublishFunction,
        live: BTreeMap::from([(REQUEST.to_string(), new.output.request.clone())]),
        stores: BTreeMap::from([(STORE.to_string(), BTreeMap::new())]),
    };
    let failures = oracle.check(&broken, &old.site(), &new.site(), &old.kvs(), &new.kvs());
    assert!(failures.len() >= 45, "{failures:?}");
    // Old code with half-deleted data.
    let mut half = old.kvs();
    let keys: Vec<String> = half.keys().filter(|k| k.starts_with('h')).cloned().collect();
    for key in keys.iter().step_by(2) {
        half.remove(key);
    }
    let broken = Snapshot {
        after: Op::UpdateKeys,
        live: BTreeMap::from([(RESPONSE.to_string(), old.output.response.clone().unwrap())]),
        stores: BTreeMap::from([(STORE.to_string(), half)]),
    };
    assert!(!oracle.check(&broken, &old.site(), &new.site(), &old.kvs(), &new.kvs()).is_empty());
    // And the consistent states pass.
    let fine = Snapshot {
        after: Op::UpdateKeys,
        live: BTreeMap::from([(REQUEST.to_string(), old.output.request.clone())]),
        stores: BTreeMap::from([(STORE.to_string(), old.kvs().into_iter().chain(new.kvs()).collect())]),
    };
    assert_eq!(oracle.check(&fine, &old.site(), &new.site(), &old.kvs(), &new.kvs()), Vec::<String>::new());
}
