//! Every key the packer can produce is recognised as hedgec's, with its namespace and side:
//! for every bucket count the packer can reach (up to the store limit and beyond), for every
//! bucket number, and for real packings of random lines.

use std::collections::BTreeMap;

use kvs_layout::{
    LINE_SEPARATOR, MAX_BUCKETS, MAX_STORE_BYTES, MIN_BUCKETS, Side, bucket_key, namespace, next_bucket_count,
    owned_namespace, pack, parse_bucket_key,
};
use proptest::prelude::*;

/// Every bucket count the packer tries, in order.
fn counts() -> Vec<u32> {
    let mut counts = vec![MIN_BUCKETS];
    while let Some(&last) = counts.last()
        && next_bucket_count(last) <= MAX_BUCKETS
    {
        counts.push(next_bucket_count(last));
    }
    counts
}

#[test]
fn the_counts_reach_past_what_a_full_store_needs() {
    // A full store of the smallest possible lines (`/ x` framed: 5 bytes each) in buckets of
    // one line each still needs fewer buckets than the packer can use.
    let most = counts().last().copied().unwrap();
    assert!(most as usize >= MAX_STORE_BYTES / (4 + 6 + 5) / 2, "{most}");
}

fn side() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::Request), Just(Side::Response)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_bucket_of_every_count_is_recognised(
        side in side(),
        count_index in 0..counts().len(),
        fraction in 0.0f64..1.0,
        spilled in ".{0,40}",
    ) {
        let count = counts()[count_index];
        let ns = namespace(side, count, &spilled);
        // The lowest, the highest and one in between.
        for bucket in [0, count - 1, (f64::from(count - 1) * fraction) as u32] {
            let key = bucket_key(&ns, bucket);
            prop_assert_eq!(parse_bucket_key(&key), Some((ns.as_str(), side, bucket)));
            let value = format!("{LINE_SEPARATOR}/a b10b{LINE_SEPARATOR}");
            prop_assert_eq!(owned_namespace(&key, &value, side), Some(ns.as_str()));
            let other = if side == Side::Request { Side::Response } else { Side::Request };
            prop_assert_eq!(owned_namespace(&key, &value, other), None);
        }
    }

}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_packed_entry_is_recognised(
        side in side(),
        lines in proptest::collection::btree_map("/[a-z0-9%/._-]{0,80}", "[a-j][0-9]{2}[ -~]{0,30}", 1..400),
    ) {
        let ns = namespace(side, 1001, "");
        let packed = pack(&ns, &lines).expect("short lines pack");
        for entry in &packed.entries {
            prop_assert_eq!(owned_namespace(&entry.key, &entry.value, side), Some(ns.as_str()), "{}", entry.key);
        }
    }

    #[test]
    fn keys_of_other_shapes_are_not_hedgecs(key in "[a-z0-9]{0,12}", value in ".{0,10}") {
        if let Some((ns, side, bucket)) = parse_bucket_key(&key) {
            // Whatever is recognised formats back to itself.
            prop_assert_eq!(bucket_key(ns, bucket), key.clone());
            prop_assert!(key.starts_with(side.letter()));
        }
        let framed = value.starts_with(LINE_SEPARATOR) && value.ends_with(LINE_SEPARATOR) && value.len() >= 2;
        if !framed {
            prop_assert_eq!(owned_namespace(&key, &value, Side::Request), None);
        }
    }
}

#[test]
fn a_store_at_the_limit_packs_into_recognised_keys() {
    // About 4.9 MB of lines whose keys share little (they start with a scrambled number), so
    // that front coding does not pay: the count passes four digits.
    let lines: BTreeMap<String, String> = (0..62_000u64)
        .map(|i| {
            let scrambled = i.wrapping_mul(2_654_435_761) % (1 << 32);
            (format!("/{scrambled:08x}/section-{}/item-{i}-detail-page-with-a-longer-name", i % 97), format!("a0{i}/x"))
        })
        .collect();
    let total: usize = lines.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
    let ns = namespace(Side::Request, 1, "");
    let packed = pack(&ns, &lines).expect("packs");
    let bytes: usize = packed.entries.iter().map(|e| e.bytes()).sum();
    eprintln!("{total} B of lines: {} buckets, {} keys, {bytes} B", packed.count, packed.entries.len());
    assert!(!packed.front_coded);
    assert!(packed.count > 9_999, "five-digit buckets");
    assert!(bytes <= MAX_STORE_BYTES);
    assert!(packed.entries.iter().all(|e| owned_namespace(&e.key, &e.value, Side::Request) == Some(ns.as_str())));
}
