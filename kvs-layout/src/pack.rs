//! Packing lines into buckets, looking a key up the way the functions do, and AWS's import
//! format.

use std::collections::BTreeMap;

use crate::{LINE_SEPARATOR, MAX_ENTRY_BYTES, MAX_KEY_BYTES, MAX_SHARED, bucket_key, bucket_of};

/// The smallest bucket count: four digits, not a round number.
pub const MIN_BUCKETS: u32 = 1001;
/// The largest bucket count the packer tries.
pub const MAX_BUCKETS: u32 = 199_999;
/// The step by which the bucket count grows while it has four digits.
pub const BUCKET_STEP: u32 = 250;
/// The fill the bucket count aims at, in bytes of lines per bucket.
pub const TARGET_FILL: usize = 640;

/// The bucket count after `count`: 250 more while four digits last, then a quarter more,
/// rounded to end in `001`.
pub fn next_bucket_count(count: u32) -> u32 {
    if count + BUCKET_STEP < 10_000 { count + BUCKET_STEP } else { (count + count / 4) / 1000 * 1000 + 1 }
}

/// One KVS entry, as written to `kvs.json`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    /// The KVS key.
    pub key: String,
    /// The KVS value.
    pub value: String,
}

impl Entry {
    /// Bytes of key and value, the measure CloudFront limits.
    pub fn bytes(&self) -> usize {
        self.key.len() + self.value.len()
    }
}

/// A line that cannot be placed: alone over the entry limit, or too large to share a bucket
/// with the lines it keeps colliding with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Oversized {
    /// The line's lookup key.
    pub key: String,
    /// Bytes the bucket entry would need.
    pub bytes: usize,
    /// Whether the line fits alone but could not be packed with others.
    pub crowded: bool,
}

/// Lines of one namespace, and the buckets they are packed into.
#[derive(Clone, Debug)]
pub struct Buckets {
    /// The key prefix, e.g. `r7kq`.
    pub namespace: String,
    /// The bucket count.
    pub count: u32,
    /// Whether the buckets are front-coded (see [`crate::Encoding::front_coded`]).
    pub front_coded: bool,
    /// The entries, sorted by key.
    pub entries: Vec<Entry>,
}

impl Buckets {
    /// The same buckets under another namespace of the same length.
    pub fn renamed(self, namespace: &str) -> Buckets {
        let entries = self
            .entries
            .into_iter()
            .map(|e| Entry { key: e.key.replacen(&self.namespace, namespace, 1), value: e.value })
            .collect();
        Buckets { namespace: namespace.to_string(), count: self.count, front_coded: self.front_coded, entries }
    }
}

/// Packs `lines` (lookup key → value) into buckets under `namespace`, front-coded when that
/// saves at least a tenth of the bytes (and leaves room for every line alone).
///
/// The bucket count is chosen from the lines' plain size, so that a bucket holds as many lines
/// as it would plain: front coding makes buckets smaller, not fuller, which keeps the work of
/// reading one (a scan of its lines) bounded as before.
///
/// Fails with the lines that fit in no bucket: over the entry limit alone, or (rarely, for
/// lines of several hundred bytes) colliding in every bucket count tried.
pub fn pack(namespace: &str, lines: &BTreeMap<String, String>) -> Result<Buckets, Vec<Oversized>> {
    let overhead = namespace.len() + 6 + 2; // key digits, the leading and closing separators
    let oversized: Vec<Oversized> = lines
        .iter()
        .map(|(key, value)| (key, overhead + key.len() + 1 + value.len() + 1))
        .filter(|&(key, bytes)| bytes > MAX_ENTRY_BYTES || key.len() > MAX_KEY_BYTES)
        .map(|(key, bytes)| Oversized { key: key.clone(), bytes, crowded: false })
        .collect();
    if !oversized.is_empty() {
        return Err(oversized);
    }
    let total: usize = lines.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
    let wanted = (total / TARGET_FILL) as u32 + 1;
    let mut count = MIN_BUCKETS;
    while count < wanted {
        count = next_bucket_count(count);
    }
    let roomy = lines.iter().all(|(key, value)| overhead + key.len() + value.len() + 4 <= MAX_ENTRY_BYTES);
    let front_coded = roomy && {
        let size = |front: bool| fill(namespace, lines, count, front).iter().map(Entry::bytes).sum::<usize>();
        size(true) * 10 <= size(false) * 9
    };
    loop {
        let entries = fill(namespace, lines, count, front_coded);
        let too_large: Vec<&Entry> = entries.iter().filter(|entry| entry.bytes() > MAX_ENTRY_BYTES).collect();
        if too_large.is_empty() {
            return Ok(Buckets { namespace: namespace.to_string(), count, front_coded, entries });
        }
        let next = next_bucket_count(count);
        if next > MAX_BUCKETS {
            let crowded = lines
                .iter()
                .filter(|(key, _)| too_large.iter().any(|e| e.key == bucket_key(namespace, bucket_of(key, count))))
                .map(|(key, value)| Oversized {
                    key: key.clone(),
                    bytes: overhead + key.len() + value.len() + 2,
                    crowded: true,
                })
                .collect();
            return Err(crowded);
        }
        count = next;
    }
}

fn fill(namespace: &str, lines: &BTreeMap<String, String>, count: u32, front_coded: bool) -> Vec<Entry> {
    // The bucket text and the key of its last line.
    let mut buckets: BTreeMap<u32, (String, &str)> = BTreeMap::new();
    // `lines` is sorted by key, so each bucket's lines come out sorted too.
    for (key, value) in lines {
        let (text, previous) = buckets.entry(bucket_of(key, count)).or_insert_with(|| {
            let opening = if front_coded { LINE_SEPARATOR.to_string().repeat(2) } else { LINE_SEPARATOR.to_string() };
            (opening, "")
        });
        if front_coded {
            let shared = shared_ascii_prefix(previous, key);
            text.push(char::from(48 + shared as u8));
            text.push_str(&key[shared..]);
        } else {
            text.push_str(key);
        }
        text.push(' ');
        text.push_str(value);
        text.push(LINE_SEPARATOR);
        *previous = key;
    }
    let mut entries: Vec<Entry> =
        buckets.into_iter().map(|(bucket, (value, _))| Entry { key: bucket_key(namespace, bucket), value }).collect();
    entries.sort();
    entries
}

/// How many leading characters `a` and `b` share, counting only ASCII (where bytes and the
/// UTF-16 units JavaScript slices by agree), at most [`MAX_SHARED`].
fn shared_ascii_prefix(a: &str, b: &str) -> usize {
    a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y && x.is_ascii()).count().min(MAX_SHARED)
}

/// The lines of a bucket's text: (key, value), front-coded or plain as the text is framed.
fn bucket_lines(text: &str) -> Vec<(String, &str)> {
    let separator = LINE_SEPARATOR.to_string();
    let Some(body) = text.strip_prefix(LINE_SEPARATOR).and_then(|t| t.strip_suffix(LINE_SEPARATOR)) else {
        return Vec::new();
    };
    let mut previous = String::new();
    match body.strip_prefix(LINE_SEPARATOR) {
        Some(front_coded) => front_coded
            .split(&separator)
            .filter_map(|line| {
                let (stored, value) = line.split_once(' ')?;
                let shared = usize::from(*stored.as_bytes().first()?).checked_sub(48)?;
                let key = format!("{}{}", previous.get(..shared)?, stored.get(1..)?);
                previous.clone_from(&key);
                Some((key, value))
            })
            .collect(),
        None => body
            .split(&separator)
            .filter_map(|line| line.split_once(' ').map(|(key, value)| (key.to_string(), value)))
            .collect(),
    }
}

/// Looks a key up the way the functions do: the value of its line, if any. The bucket's
/// framing says whether it is front-coded.
pub fn lookup<'a>(entries: &'a [Entry], namespace: &str, count: u32, key: &str) -> Option<&'a str> {
    let wanted = bucket_key(namespace, bucket_of(key, count));
    let entry = entries.binary_search_by(|e| e.key.as_str().cmp(&wanted)).ok().map(|i| &entries[i])?;
    bucket_lines(&entry.value).into_iter().find(|(k, _)| k == key).map(|(_, value)| value)
}

/// Writes entries in AWS's import format, `{"data":[{"key":…,"value":…},…]}`, one entry per
/// line, keys sorted.
pub fn to_import_json(entries: &[Entry]) -> String {
    let mut out = String::from("{\"data\":[");
    for (i, entry) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("\n{\"key\":");
        out.push_str(&serde_json::to_string(&entry.key).expect("string"));
        out.push_str(",\"value\":");
        out.push_str(&serde_json::to_string(&entry.value).expect("string"));
        out.push('}');
    }
    if !entries.is_empty() {
        out.push('\n');
    }
    out.push_str("]}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relative;

    #[test]
    fn bucket_counts_are_never_round() {
        let mut count = MIN_BUCKETS;
        while count <= MAX_BUCKETS {
            assert!(count % 50 == 1, "{count}");
            count = next_bucket_count(count);
        }
    }

    #[test]
    fn packing_is_deterministic_and_findable() {
        let lines: BTreeMap<String, String> = (0..5000)
            .map(|i| {
                (
                    format!("/base/some-{i}"),
                    format!("a{}", relative(&format!("/base/some-{i}"), &format!("/base/another-{i}"))),
                )
            })
            .collect();
        let a = pack("rabc", &lines).unwrap();
        let b = pack("rabc", &lines).unwrap();
        assert_eq!(a.entries, b.entries);
        assert!((MIN_BUCKETS..10_000).contains(&a.count));
        assert!(a.entries.iter().all(|e| e.bytes() <= MAX_ENTRY_BYTES));
        for (key, value) in &lines {
            assert_eq!(lookup(&a.entries, "rabc", a.count, key), Some(value.as_str()));
        }
        assert_eq!(lookup(&a.entries, "rabc", a.count, "/base/some-"), None);
        // Sorted keys sharing `/base/some-` pay for front coding; three lines in a thousand
        // buckets do not.
        assert!(a.front_coded);
        let plain = fill("rabc", &lines, a.count, false).iter().map(Entry::bytes).sum::<usize>();
        let front = a.entries.iter().map(Entry::bytes).sum::<usize>();
        assert!(front * 10 <= plain * 9, "{front} B front-coded, {plain} B plain");
        let few: BTreeMap<String, String> = lines.into_iter().take(3).collect();
        let small = pack("rabc", &few).unwrap();
        assert!(!small.front_coded);
        for (key, value) in &few {
            assert_eq!(lookup(&small.entries, "rabc", small.count, key), Some(value.as_str()));
        }
    }

    #[test]
    fn a_front_coded_bucket_stores_only_what_is_new() {
        let lines: BTreeMap<String, String> =
            [("/docs/a", "a00/x"), ("/docs/b", "a00/y"), ("/e", "a00/z")].map(|(k, v)| (k.into(), v.into())).into();
        let entries = fill("rabc", &lines, 1, true);
        assert_eq!(entries[0].value, "\u{7f}\u{7f}0/docs/a a00/x\u{7f}6b a00/y\u{7f}1e a00/z\u{7f}");
        assert_eq!(lookup(&entries, "rabc", 1, "/docs/b"), Some("a00/y"));
        assert_eq!(lookup(&entries, "rabc", 1, "/docs/"), None);
    }

    #[test]
    fn long_keys_that_differ_only_in_the_middle_spread() {
        // 10,000 paths of about 150 bytes that share 60 bytes at each end.
        let lines: BTreeMap<String, String> = (0..10_000)
            .map(|i| {
                let key = format!(
                    "/shop/catalog/electronics/televisions-and-home-cinema/p/{i:05}/full-technical-specifications-and-customer-reviews.html"
                );
                (key, format!("a00/p/{i}"))
            })
            .collect();
        let packed = pack("rabc", &lines).expect("packs");
        let largest = packed.entries.iter().map(Entry::bytes).max().unwrap();
        // As dense as keys of the same lengths that differ at the start.
        let control: BTreeMap<String, String> =
            lines.iter().map(|(k, v)| (format!("/{}{}{}", &k[57..62], &k[1..57], &k[62..]), v.clone())).collect();
        let control = pack("rabc", &control).expect("packs");
        assert!(
            packed.count <= next_bucket_count(control.count),
            "{} buckets, {} for the control",
            packed.count,
            control.count
        );
        assert!(packed.count < 10_000, "{} buckets", packed.count);
        assert!(largest <= MAX_ENTRY_BYTES, "{largest}");
        for (key, value) in &lines {
            assert_eq!(lookup(&packed.entries, "rabc", packed.count, key), Some(value.as_str()), "{key}");
        }
        println!("10,000 long keys: {} buckets, {} entries, largest {largest} B", packed.count, packed.entries.len());
    }
}
