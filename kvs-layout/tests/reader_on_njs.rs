//! The reader JavaScript (`READER_JS`) run on nginx's njs agrees with the Rust layout on many
//! keys: the bucket hash (short, long, past 512 units, non-ASCII), the line search in plain and
//! front-coded buckets, and relative targets, with and without case folding.
//!
//! Lookup keys are canonical paths, percent-encoded to ASCII, so the hash only ever sees ASCII.
//! njs 0.7.9 counts a character outside the Basic Multilingual Plane as one unit (its
//! `charCodeAt` returns the code point), unlike the UTF-16 units of the standard; the test
//! keeps to the BMP.

use std::collections::BTreeMap;
use std::process::Command;

use kvs_layout::{Encoding, READER_JS, RouteValue, bucket_hash, lookup, pack};

/// A small deterministic generator (xorshift), so that failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A JavaScript string literal with everything outside printable ASCII escaped.
fn js_string(text: &str) -> String {
    let mut out = String::from("\"");
    for unit in text.encode_utf16() {
        match unit {
            0x22 => out.push_str("\\\""),
            0x5c => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(unit as u8)),
            _ => out.push_str(&format!("\\u{unit:04x}")),
        }
    }
    out.push('"');
    out
}

/// Runs `script` after the reader on njs and returns its output lines.
fn njs(script: &str) -> Vec<String> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("reader.js");
    std::fs::write(&file, format!("{READER_JS}\n{script}")).expect("writes");
    let output =
        Command::new("njs").arg(&file).output().expect("njs runs (scripts/test installs it; or `apt-get install njs`)");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("utf-8").lines().map(str::to_string).collect()
}

fn random_key(rng: &mut Rng) -> String {
    const POOL: [char; 11] = ['/', 'a', 'z', '0', '9', '-', '%', 'E', 'é', '€', '\u{2028}'];
    let len = match rng.below(4) {
        0 => rng.below(20),
        1 => 80 + rng.below(40),
        2 => 400 + rng.below(200),
        _ => rng.below(700),
    };
    (0..len).map(|_| POOL[rng.below(POOL.len())]).collect()
}

#[test]
fn the_bucket_hash_agrees_with_njs() {
    let mut rng = Rng(0x5eed);
    let mut keys: Vec<String> = (0..3000).map(|_| random_key(&mut rng)).collect();
    // Long keys that differ only in the middle, and keys around the 512-unit bound.
    keys.extend((0..200).map(|i| format!("/{}{i:05}{}", "m".repeat(200), "n".repeat(200))));
    keys.extend((505..520).map(|n| "k".repeat(n)));
    let list: Vec<String> = keys.iter().map(|k| js_string(k)).collect();
    let out = njs(&format!("[{}].forEach(function (k) {{ console.log(bucket(k)); }});", list.join(",\n")));
    assert_eq!(out.len(), keys.len());
    let mut distinct = std::collections::BTreeSet::new();
    for (key, printed) in keys.iter().zip(&out) {
        assert_eq!(printed, &bucket_hash(key).to_string(), "key {key:?} of {} units", key.encode_utf16().count());
        distinct.insert(printed);
    }
    assert!(distinct.len() > keys.len() * 9 / 10, "{} distinct hashes", distinct.len());
}

/// Lines of `count` random keys and targets (upper case in the targets, keys lower-cased when
/// `folded`), packed, looked up on njs with the helpers of the store's encoding.
fn lookups_agree_with_njs(seed: u64, count: usize, folded: bool) -> Encoding {
    let mut rng = Rng(seed);
    let mut lines = BTreeMap::new();
    let mut targets = BTreeMap::new();
    for i in 0..count {
        let mut key = format!("/Docs/{}/{i}", "pP".repeat(rng.below(30)));
        if folded {
            key = key.to_ascii_lowercase();
        }
        let target = match rng.below(4) {
            0 => format!("/new{key}"),
            1 => format!("https://example.com{}?é=€", key.to_ascii_uppercase()),
            2 => format!("/DOCS/Web/{}/ç/😀/{}", &key[1..], key.to_ascii_uppercase()),
            _ => format!("{}-moved", &key[..rng.below(key.len())]),
        };
        let encoding = Encoding { case_folded: folded, front_coded: false };
        let value = RouteValue::Redirect { status: 301, target: &target, keep_query: false }.encode_as(&key, encoding);
        lines.insert(key.clone(), value);
        targets.insert(key, target);
    }
    let packed = pack("rtst", &lines).expect("packs");
    let encoding = Encoding { case_folded: folded, front_coded: packed.front_coded };
    let mut script = String::from("var checks = [\n");
    let mut expected = Vec::new();
    for (key, target) in &targets {
        let bucket = format!("rtst{}", bucket_hash(key) % packed.count);
        let text = &packed.entries.iter().find(|e| e.key == bucket).expect("the bucket exists").value;
        script.push_str(&format!("[{}, {}],\n", js_string(text), js_string(key)));
        assert!(lookup(&packed.entries, "rtst", packed.count, key).is_some());
        expected.push(Some(target.clone()));
        // A key that is not in the bucket, beside one that is.
        script.push_str(&format!("[{}, {}],\n", js_string(text), js_string(&format!("{key}x"))));
        expected.push(None);
    }
    script.push_str(&format!(
        "];\nchecks.forEach(function (c) {{ var v = {}(c[0], c[1]); console.log(JSON.stringify(v ? {}(v, c[1]) : null)); }});\n",
        encoding.line_function(),
        encoding.resolve_function()
    ));
    let out = njs(&script);
    assert_eq!(out.len(), expected.len());
    for (printed, target) in out.iter().zip(&expected) {
        let got: Option<String> = serde_json::from_str(printed).expect("JSON");
        assert_eq!(&got, target);
    }
    encoding
}

#[test]
fn line_search_and_relative_targets_agree_with_njs() {
    // Many lines: front-coded buckets; a few: one line a bucket, plain.
    for folded in [false, true] {
        assert!(lookups_agree_with_njs(0xfeed, 1500, folded).front_coded);
        assert!(!lookups_agree_with_njs(0xbeef, 40, folded).front_coded);
    }
}
