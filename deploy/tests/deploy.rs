//! Deploys against the local fake of CloudFront and the KeyValueStore: from nothing to a site,
//! a repeat that writes nothing, a small change that writes only what changed, a code change
//! that writes no key, code and data changes that move side by side safely, conflicts and the
//! safeguards.

mod support;

use std::collections::BTreeSet;

use deploy::plan::FunctionAction;
use deploy_fake::{FakeAws, Fault, Faults, Op};
use support::{REQUEST, RESPONSE, STORE};

/// A site with many exact rules (so several buckets), patterns, a prefix strip and headers.
fn rules(changed: &[usize], extra: &str) -> String {
    let mut text = String::from("set slash fold\n");
    for i in 0..300 {
        let target = if changed.contains(&i) { format!("/moved/page-{i}") } else { format!("/new/page-{i}") };
        text.push_str(&format!("redirect /old/page-{i} {target}\n"));
    }
    text.push_str(
        "redirect /blog/* /posts/:splat\nrewrite /app/* /app/index.html\nrespond /gone 410 \"gone\"\n\
         prefix-strip /api origin=api\nheader /* x-frame-options DENY\nheader /assets/* cache-control \"max-age=60\"\n",
    );
    for i in 0..40 {
        text.push_str(&format!("header /docs/page-{i} x-doc \"{i}\"\n"));
    }
    text.push_str(extra);
    text
}

/// Rules whose code differs from [`rules`]'s: a pattern rule, and a new KVS rule.
const CODE_CHANGE: &str = "redirect /shop/:id /store/:id 302\nrespond /teapot 418\n";

fn writes(calls: &[deploy_fake::Call]) -> Vec<Op> {
    calls.iter().filter(|c| c.op.writes()).map(|c| c.op).collect()
}

#[test]
fn from_nothing_to_a_site_then_nothing_then_exactly_the_changed_keys() {
    let fake = FakeAws::start();
    let a = support::compile(&rules(&[], ""));
    let site_a = a.site();

    // 1. From an empty account to a deployed site.
    let report = support::deploy(&fake, &site_a, &support::options());
    assert!(report.plan.store.create);
    let applied = report.applied.unwrap();
    assert!(applied.store_created);
    assert_eq!(fake.items(STORE).unwrap(), a.kvs(), "the store holds exactly the compiled entries");
    assert_eq!(fake.live_code(REQUEST).unwrap(), a.output.request);
    assert_eq!(fake.live_code(RESPONSE).unwrap(), *a.output.response.as_ref().unwrap());
    assert_eq!(applied.keys_put, a.output.kvs.len());
    assert_eq!(applied.batches, a.output.kvs.len().div_ceil(50), "the fewest batches");
    {
        let state = fake.state();
        let live = state.functions[REQUEST].live.clone().unwrap();
        assert_eq!(live.stores, [state.stores[STORE].arn()], "associated with the store");
        assert_eq!(live.runtime, "cloudfront-js-2.0");
    }
    fake.take_calls();

    // 2. The same site again: reads only.
    let report = support::deploy(&fake, &site_a, &support::options());
    assert!(report.plan.is_empty(), "{}", report.plan);
    let calls = fake.take_calls();
    assert_eq!(writes(&calls), [], "no write calls");
    assert!(calls.iter().any(|c| c.op == Op::ListKeys));

    // 3. Three rules change: exactly the buckets holding them are rewritten, nothing else.
    let b = support::compile(&rules(&[7, 100, 250], ""));
    assert_eq!(b.output.request, a.output.request, "a data-only change keeps the code");
    let old = a.kvs();
    let changed: BTreeSet<String> =
        b.kvs().iter().filter(|(k, v)| old.get(*k) != Some(v)).map(|(k, _)| k.clone()).collect();
    assert_eq!(changed.len(), 3, "three rules in three buckets");
    let report = support::deploy(&fake, &b.site(), &support::options());
    assert_eq!((report.plan.keys.changed, report.plan.keys.new), (3, 0));
    let calls = fake.take_calls();
    assert_eq!(writes(&calls), [Op::UpdateKeys], "one batch and no function writes");
    let written: BTreeSet<String> = calls
        .iter()
        .filter_map(|c| c.changes.as_ref())
        .flat_map(|c| c.puts.iter().map(|(k, _)| k.clone()).chain(c.deletes.iter().cloned()))
        .collect();
    assert_eq!(written, changed);
    assert_eq!(fake.items(STORE).unwrap(), b.kvs());
}

#[test]
fn a_code_change_alone_writes_no_key_and_switches_atomically() {
    let fake = FakeAws::start();
    let a = support::compile(&rules(&[], ""));
    support::deploy(&fake, &a.site(), &support::options());
    // A pattern rule and a header rule: code only, the KVS data stays as it is.
    let b = support::compile(&rules(&[], "redirect /shop/:id /store/:id 302\nheader /static/* x-static 1\n"));
    assert_ne!(a.output.request, b.output.request);
    assert_eq!(a.kvs(), b.kvs(), "the namespace does not follow the code");
    fake.take_calls();
    fake.record_snapshots(true);
    let report = support::deploy(&fake, &b.site(), &support::options());
    assert_eq!(report.applied.as_ref().unwrap().keys_put + report.applied.as_ref().unwrap().keys_deleted, 0);
    assert!(writes(&fake.take_calls()).iter().all(|op| *op != Op::UpdateKeys), "no key is written");
    let mut oracle = support::Oracle::new(support::probes(&[&a.rules, &b.rules]), support::boa());
    let failures: Vec<String> =
        fake.take_snapshots().iter().flat_map(|s| oracle.check(s, &a.site(), &b.site(), &a.kvs(), &b.kvs())).collect();
    assert_eq!(failures, Vec::<String>::new());
    assert_eq!(fake.live_code(REQUEST).unwrap(), b.output.request);
}

#[test]
fn code_and_data_changing_together_move_side_by_side_and_every_moment_answers_old_or_new() {
    let fake = FakeAws::start();
    let a = support::compile(&rules(&[], ""));
    support::deploy(&fake, &a.site(), &support::options());
    let b = support::compile(&rules(
        &[3],
        "redirect /shop/:id /store/:id 302\nrespond /teapot 418 \"short and stout\"\nheader /docs/page-3 -x-doc\nheader /static/* x-static 1\n",
    ));
    assert_ne!(a.output.request, b.output.request);
    let old_ns = &a.output.request_store.as_ref().unwrap().namespace;

    fake.take_calls();
    fake.record_snapshots(true);
    let report = support::deploy(&fake, &b.site(), &support::options());
    let plan = &report.plan;
    assert_eq!(plan.functions[0].action, FunctionAction::Update);
    let moved_to = plan.functions[0].namespace.clone().unwrap();
    assert_ne!(&moved_to, old_ns, "live code with other data reads the compiled namespace");
    assert!(plan.notes.iter().any(|n| n.contains("side by side")), "{:?}", plan.notes);
    assert!(plan.cleanup.iter().flat_map(|b| &b.deletes).all(|k| k.starts_with(old_ns.as_str()) || k.starts_with('h')));

    // The order of writes: new data, the functions, then the old data goes.
    let ops = writes(&fake.take_calls());
    let first_function = ops.iter().position(|op| *op != Op::UpdateKeys).unwrap();
    let last_function = ops.iter().rposition(|op| *op != Op::UpdateKeys).unwrap();
    assert!(ops[..first_function].iter().all(|op| *op == Op::UpdateKeys) && first_function > 0);
    assert!(ops[last_function + 1..].iter().all(|op| *op == Op::UpdateKeys) && last_function + 1 < ops.len());

    let snapshots = fake.take_snapshots();
    assert_eq!(snapshots.len(), ops.len());
    let mut oracle = support::Oracle::new(support::probes(&[&a.rules, &b.rules]), support::njs());
    let (site_a, site_b) = (a.site(), b.site());
    let failures: Vec<String> =
        snapshots.iter().flat_map(|s| oracle.check(s, &site_a, &site_b, &a.kvs(), &b.kvs())).collect();
    assert_eq!(failures, Vec::<String>::new());
    assert_eq!(fake.items(STORE).unwrap(), support::deployed(&report, &b), "nothing of the old namespace is left");

    // The same rules again: the moved namespace is kept, nothing to do.
    let again = support::deploy(&fake, &b.site(), &support::options());
    assert!(again.plan.is_empty(), "{}", again.plan);
    // A change of data alone then happens in place, in the moved namespace.
    let c = support::compile(&rules(
        &[3, 4],
        "redirect /shop/:id /store/:id 302\nrespond /teapot 418 \"short and stout\"\nheader /docs/page-3 -x-doc\nheader /static/* x-static 1\n",
    ));
    let report = support::deploy(&fake, &c.site(), &support::options());
    assert_eq!(report.plan.functions[0].namespace.as_ref(), Some(&moved_to));
    assert_eq!((report.plan.keys.changed, report.plan.keys.new), (1, 0));
    assert_eq!(fake.items(STORE).unwrap(), support::deployed(&report, &c));
}

#[test]
fn keys_that_are_not_hedgecs_are_never_deleted() {
    let fake = FakeAws::start();
    let a = support::compile(&rules(&[], ""));
    support::deploy(&fake, &a.site(), &support::options());
    let foreign = [("config", "x"), ("r0zz1", "not framed"), ("h1231", "\u{7f}/x y\u{7f}")];
    {
        let mut state = fake.state();
        let store = state.stores.get_mut(STORE).unwrap();
        for (k, v) in foreign {
            store.items.insert(k.into(), v.into());
        }
    }
    let b = support::compile(&rules(&[], CODE_CHANGE));
    let report = support::deploy(&fake, &b.site(), &support::options());
    assert_eq!(report.plan.keys.foreign, 2);
    let items = fake.items(STORE).unwrap();
    assert_eq!(items["config"], "x");
    assert_eq!(items["r0zz1"], "not framed");
    assert!(!items.contains_key("h1231"), "a framed entry of hedgec's shape is hedgec's");
}

#[test]
fn a_conflict_re_reads_and_re_plans_instead_of_overwriting() {
    let fake = FakeAws::start();
    let a = support::compile(&rules(&[], ""));
    support::deploy(&fake, &a.site(), &support::options());
    let b = support::compile(&rules(&[1, 2], CODE_CHANGE));
    fake.set_faults(Faults {
        script: vec![(Op::UpdateKeys, 1, Fault::Conflict), (Op::UpdateFunction, 0, Fault::Conflict)],
        ..Faults::default()
    });
    let report = support::deploy(&fake, &b.site(), &support::options());
    assert_eq!(report.applied.as_ref().unwrap().replans, 2);
    let mut expected = support::deployed(&report, &b);
    for (k, v) in fake.items(STORE).unwrap() {
        if k.starts_with("other-writer") {
            expected.insert(k, v);
        }
    }
    assert_eq!(fake.items(STORE).unwrap(), expected, "the other writer's key survives");
    assert_eq!(fake.live_code(REQUEST).unwrap(), report.plan.functions[0].code);
}

#[test]
fn throttling_server_errors_and_dropped_connections_are_retried() {
    let fake = FakeAws::start();
    let a = support::compile(&rules(&[], ""));
    let mut script = Vec::new();
    for op in Op::ALL {
        script.push((op, 0, Fault::Throttle));
        script.push((op, 0, Fault::ServerError));
        script.push((op, 0, Fault::DropBefore));
    }
    fake.set_faults(Faults { script, ..Faults::default() });
    let report = support::deploy(&fake, &a.site(), &support::options());
    assert!(report.applied.unwrap().retries >= 20);
    assert_eq!(fake.items(STORE).unwrap(), a.kvs());
    let faults: BTreeSet<Fault> = fake.take_calls().iter().filter_map(|c| c.fault).collect();
    assert_eq!(faults.len(), 3);
}

#[test]
fn an_interrupted_deploy_finishes_when_run_again() {
    let fake = FakeAws::start();
    let a = support::compile(&rules(&[], ""));
    support::deploy(&fake, &a.site(), &support::options());
    let b = support::compile(&rules(&[5], CODE_CHANGE));
    // Every attempt of PublishFunction fails: the deploy stops after the new data.
    fake.set_faults(Faults {
        script: (0..8).map(|_| (Op::PublishFunction, 0, Fault::ServerError)).collect(),
        ..Faults::default()
    });
    let error = support::try_deploy(&fake, &b.site(), &support::options()).unwrap_err();
    assert!(error.to_string().contains("PublishFunction"), "{error}");
    assert_eq!(fake.live_code(REQUEST).unwrap(), a.output.request, "the old code still serves");
    assert!(fake.state().functions[REQUEST].development.code != a.output.request.as_bytes());

    let report = support::deploy(&fake, &b.site(), &support::options());
    assert!(report.plan.data.is_empty(), "the data was written the first time");
    assert_eq!(report.plan.functions[0].action, FunctionAction::Publish);
    assert_eq!(fake.items(STORE).unwrap(), support::deployed(&report, &b));
    assert_eq!(fake.live_code(REQUEST).unwrap(), report.plan.functions[0].code);
}

#[test]
fn a_plan_that_empties_the_store_is_refused_unless_allowed() {
    let fake = FakeAws::start();
    let a = support::compile(&rules(&[], ""));
    support::deploy(&fake, &a.site(), &support::options());
    let tiny = support::compile("redirect /a /b\n");
    let error = support::try_deploy(&fake, &tiny.site(), &support::options()).unwrap_err();
    assert!(matches!(error, deploy::DeployError::Plan(deploy::PlanError::MassDelete { .. })), "{error}");
    assert_eq!(fake.items(STORE).unwrap(), a.kvs(), "nothing was written");
    let mut allowed = support::options();
    allowed.plan.allow_mass_delete = true;
    let report = support::deploy(&fake, &tiny.site(), &allowed);
    assert_eq!(fake.items(STORE).unwrap(), support::deployed(&report, &tiny));
}

#[test]
fn other_functions_reading_the_store_keep_their_entries() {
    let fake = FakeAws::start();
    let a = support::compile(&rules(&[], ""));
    support::deploy(&fake, &a.site(), &support::options());
    // The site's request function moves to a new name; the old one is still live.
    let b = support::compile(&rules(&[], CODE_CHANGE));
    let mut site = b.site();
    site.functions[0].name = "site-request-v2".into();
    let report = support::deploy(&fake, &site, &support::options());
    assert!(report.plan.notes.iter().any(|n| n.contains(REQUEST)), "{:?}", report.plan.notes);
    let ns_a = &a.output.request_store.as_ref().unwrap().namespace;
    let items = fake.items(STORE).unwrap();
    assert!(items.keys().any(|k| k.starts_with(ns_a.as_str())), "the old function's entries stay");
}

#[test]
fn a_dry_run_writes_nothing() {
    let fake = FakeAws::start();
    let a = support::compile(&rules(&[], ""));
    let mut options = support::options();
    options.dry_run = true;
    let report = support::deploy(&fake, &a.site(), &options);
    assert!(report.applied.is_none());
    assert!(report.plan.store.create);
    assert_eq!(report.plan.keys.new, a.output.kvs.len());
    assert_eq!(writes(&fake.take_calls()), []);
    assert!(fake.state().stores.is_empty());
    options.plan.create_store = false;
    let error = support::try_deploy(&fake, &a.site(), &options).unwrap_err();
    assert!(error.to_string().contains("--create"), "{error}");
}

/// Netlify's 45,000-redirect fixture as hedge rules.
fn netlify_45000(changed: &[usize]) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/external/netlify-build-fixtures/large_45000_redirects_file");
    let text = std::fs::read_to_string(path).expect("the 45,000-redirect fixture is readable");
    let mut rules = String::new();
    for (i, line) in text.lines().enumerate() {
        let mut fields = line.split_whitespace();
        if let (Some(from), Some(to)) = (fields.next(), fields.next()) {
            let to = if changed.contains(&i) { format!("{to}-changed") } else { to.to_string() };
            rules.push_str(&format!("redirect {from} {to}\n"));
        }
    }
    rules
}

#[test]
fn the_45000_rule_fixture_deploys_in_the_fewest_batches() {
    let fake = FakeAws::start();
    fake.state().create_store(STORE, "").unwrap();
    let big = support::compile(&netlify_45000(&[]));
    let entries = big.output.kvs.len();
    assert!(entries > 1000, "{entries} entries");
    let report = support::deploy(&fake, &big.site(), &support::options());
    let applied = report.applied.unwrap();
    assert_eq!(applied.batches, entries.div_ceil(50), "{entries} entries in as few batches of 50 as there can be");
    assert_eq!(applied.keys_put, entries);
    assert_eq!(fake.items(STORE).unwrap(), big.kvs());

    // Three rules change: three buckets, one batch.
    let changed = support::compile(&netlify_45000(&[10, 20_000, 44_999]));
    fake.take_calls();
    let report = support::deploy(&fake, &changed.site(), &support::options());
    let applied = report.applied.unwrap();
    assert_eq!((applied.batches, applied.keys_put, applied.keys_deleted), (1, 3, 0));
    assert_eq!(writes(&fake.take_calls()), [Op::UpdateKeys]);
}
