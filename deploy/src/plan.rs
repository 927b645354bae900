//! The plan: from what is live and what the site needs, the writes that bring one to the other
//! in an order that keeps every request answered as the old rules or as the new rules answer
//! it. Planning is pure; [`crate::apply`] carries plans out.
//!
//! The order, per function side:
//!
//! 1. **Data** ([`Plan::data`]): put new and changed entries; delete stale entries of the
//!    namespace the new code reads. Live code reads that namespace only when it is the same
//!    code (each request reads one bucket and sees either its old or its new value), or when
//!    nothing there changes (a change of code alone writes no key).
//! 2. **Functions** ([`Plan::functions`]): create or update the DEVELOPMENT stage with the
//!    store associated, then publish.
//! 3. **Cleanup** ([`Plan::cleanup`]): delete hedgec entries of namespaces the new code no
//!    longer reads.
//!
//! Safeguards: entries that are not hedgec's ([`crate::site::owned_namespace`]) are never
//! deleted; namespaces that another function associated with the store reads live are kept;
//! when different live code reads the namespace the new code would use and its data changes
//! too, the new code and its entries move to a free namespace, side by side; a plan after
//! which the new functions read less than half of the entries the live functions read is refused
//! unless allowed (finishing an interrupted deploy, or deleting data nothing reads, is not a mass
//! delete); a plan whose peak size (old and new data side by side) is over the store limit is
//! refused.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};

use serde_json::{Value, json};

use crate::live::{FunctionConfig, Live, LiveStore};
use crate::site::{self, Site};

/// Keys per `UpdateKeys` call.
pub const MAX_BATCH_KEYS: usize = 50;
/// Bytes of an `UpdateKeys` request.
pub const MAX_BATCH_BYTES: usize = 3 * 1024 * 1024;
/// Removing at most this many of the entries the live functions read is never a mass delete.
pub const MASS_DELETE_MIN: usize = 10;

/// How to plan.
#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    /// The store's name.
    pub store: String,
    /// Create the store when it does not exist.
    pub create_store: bool,
    /// Allow a plan after which the functions read less than half of the entries they read now.
    pub allow_mass_delete: bool,
}

/// What happens to a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FunctionAction {
    /// It does not exist: create it, then publish.
    Create,
    /// Its DEVELOPMENT stage differs: update it, then publish.
    Update,
    /// Its DEVELOPMENT stage is right but not LIVE: publish.
    Publish,
    /// Code and settings are live already.
    Unchanged,
}

impl FunctionAction {
    /// `create`, `update`, `publish`, `unchanged`.
    pub fn as_str(self) -> &'static str {
        match self {
            FunctionAction::Create => "create",
            FunctionAction::Update => "update",
            FunctionAction::Publish => "publish",
            FunctionAction::Unchanged => "unchanged",
        }
    }
}

/// The plan for one function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionPlan {
    /// The function's name.
    pub name: String,
    /// What happens to it.
    pub action: FunctionAction,
    /// The code to deploy (the site's, or the same code under another namespace).
    pub code: String,
    /// The comment to set.
    pub comment: String,
    /// The DEVELOPMENT stage's ETag, when the function exists.
    pub etag: Option<String>,
    /// The namespace the code reads.
    pub namespace: Option<String>,
    /// Bytes of the LIVE code, when there is one.
    pub live_bytes: Option<usize>,
}

/// One `UpdateKeys` call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    /// Entries to set.
    pub puts: Vec<(String, String)>,
    /// Keys to delete.
    pub deletes: Vec<String>,
}

impl Batch {
    /// Keys in the batch.
    pub fn len(&self) -> usize {
        self.puts.len() + self.deletes.len()
    }

    /// Whether the batch is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// An upper bound of the request body's bytes (JSON, every character escaped).
    pub fn request_bytes(&self) -> usize {
        32 + self.puts.iter().map(|(k, v)| entry_request_bytes(k, Some(v))).sum::<usize>()
            + self.deletes.iter().map(|k| entry_request_bytes(k, None)).sum::<usize>()
    }
}

fn entry_request_bytes(key: &str, value: Option<&str>) -> usize {
    32 + 6 * (key.len() + value.map_or(0, str::len))
}

/// Counts and bytes of the key changes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyCounts {
    /// Entries put that did not exist.
    pub new: usize,
    /// Entries put whose value changes.
    pub changed: usize,
    /// Entries already right.
    pub unchanged: usize,
    /// Bytes (key and value) of the entries put.
    pub put_bytes: usize,
    /// Entries deleted before the functions change.
    pub deleted_before: usize,
    /// Entries deleted after the functions change.
    pub deleted_after: usize,
    /// Bytes of the entries deleted.
    pub delete_bytes: usize,
    /// Entries that are not hedgec's, left alone.
    pub foreign: usize,
    /// hedgec entries kept because another function reads them.
    pub protected: usize,
}

/// What the store looks like around the deploy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorePlan {
    /// The store's name.
    pub name: String,
    /// The store's ARN, when it exists.
    pub arn: Option<String>,
    /// The data plane's ETag, when it exists.
    pub etag: Option<String>,
    /// Whether the deploy creates it.
    pub create: bool,
    /// Entries and bytes now.
    pub before: (usize, usize),
    /// Entries and bytes at the peak (old and new data side by side).
    pub peak: (usize, usize),
    /// Entries and bytes after the deploy.
    pub after: (usize, usize),
}

/// Everything a deploy will do, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The store.
    pub store: StorePlan,
    /// Step 1: entries the new code reads, before any function changes.
    pub data: Vec<Batch>,
    /// Step 2: the functions, in order.
    pub functions: Vec<FunctionPlan>,
    /// Step 3: entries no live code reads any more.
    pub cleanup: Vec<Batch>,
    /// Counts and bytes.
    pub keys: KeyCounts,
    /// Things the reader should know (renamed namespaces, kept entries).
    pub notes: Vec<String>,
}

impl Plan {
    /// Whether the deploy changes nothing.
    pub fn is_empty(&self) -> bool {
        !self.store.create
            && self.data.is_empty()
            && self.cleanup.is_empty()
            && self.functions.iter().all(|f| f.action == FunctionAction::Unchanged)
    }

    /// `UpdateKeys` calls of both key steps.
    pub fn batches(&self) -> usize {
        self.data.len() + self.cleanup.len()
    }

    /// Keys written by both key steps.
    pub fn keys_written(&self) -> usize {
        self.data.iter().chain(&self.cleanup).map(Batch::len).sum()
    }

    /// The plan for machines.
    pub fn to_json(&self) -> Value {
        fn keys(batches: &[Batch], puts: bool) -> Vec<&str> {
            let mut out = Vec::new();
            for batch in batches {
                if puts {
                    out.extend(batch.puts.iter().map(|(k, _)| k.as_str()));
                } else {
                    out.extend(batch.deletes.iter().map(String::as_str));
                }
            }
            out
        }
        json!({
            "store": {
                "name": self.store.name,
                "arn": self.store.arn,
                "create": self.store.create,
                "before": { "keys": self.store.before.0, "bytes": self.store.before.1 },
                "peak": { "keys": self.store.peak.0, "bytes": self.store.peak.1 },
                "after": { "keys": self.store.after.0, "bytes": self.store.after.1 },
            },
            "keys": {
                "new": self.keys.new,
                "changed": self.keys.changed,
                "unchanged": self.keys.unchanged,
                "put_bytes": self.keys.put_bytes,
                "deleted_before_functions": self.keys.deleted_before,
                "deleted_after_functions": self.keys.deleted_after,
                "delete_bytes": self.keys.delete_bytes,
                "foreign": self.keys.foreign,
                "protected": self.keys.protected,
            },
            "steps": [
                { "step": "data", "batches": self.data.len(), "put": keys(&self.data, true), "delete": keys(&self.data, false) },
                {
                    "step": "functions",
                    "functions": self.functions.iter().map(|f| json!({
                        "name": f.name,
                        "action": f.action.as_str(),
                        "publish": f.action != FunctionAction::Unchanged,
                        "bytes": f.code.len(),
                        "live_bytes": f.live_bytes,
                        "namespace": f.namespace,
                    })).collect::<Vec<_>>(),
                },
                { "step": "cleanup", "batches": self.cleanup.len(), "delete": keys(&self.cleanup, false) },
            ],
            "batches": self.batches(),
            "notes": self.notes,
        })
    }
}

impl fmt::Display for Plan {
    /// The plan for people, several lines.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let k = &self.keys;
        let mut out = String::new();
        let store = &self.store;
        if store.create {
            let _ = writeln!(out, "store {}: create", store.name);
        }
        let _ = writeln!(
            out,
            "store {}: {} now, {} after ({} B → {} B)",
            store.name,
            count(store.before.0, "key"),
            count(store.after.0, "key"),
            thousands(store.before.1),
            thousands(store.after.1)
        );
        let puts = k.new + k.changed;
        let _ = writeln!(
            out,
            "  1. data: put {} ({} new, {} changed, {} B), delete {} stale, in {}",
            count(puts, "key"),
            thousands(k.new),
            thousands(k.changed),
            thousands(k.put_bytes),
            thousands(k.deleted_before),
            count(self.data.len(), "batch")
        );
        let _ = writeln!(out, "  2. functions:");
        for function in &self.functions {
            let what = match function.action {
                FunctionAction::Create => format!("create and publish ({} B)", thousands(function.code.len())),
                FunctionAction::Update => format!(
                    "update and publish ({} B → {} B)",
                    function.live_bytes.map_or("none".into(), thousands),
                    thousands(function.code.len())
                ),
                FunctionAction::Publish => format!("publish ({} B)", thousands(function.code.len())),
                FunctionAction::Unchanged => "unchanged".to_string(),
            };
            let _ = writeln!(out, "     {}: {what}", function.name);
        }
        let _ = writeln!(
            out,
            "  3. cleanup: delete {} no longer read, in {}; {} unchanged, {} not hedgec's kept",
            count(k.deleted_after, "key"),
            count(self.cleanup.len(), "batch"),
            thousands(k.unchanged),
            thousands(k.foreign)
        );
        for note in &self.notes {
            let _ = writeln!(out, "  note: {note}");
        }
        f.write_str(out.trim_end())
    }
}

/// `1 key`, `12,345 keys`, `3 batches`.
pub fn count(n: usize, word: &str) -> String {
    let plural = if word.ends_with('h') { "es" } else { "s" };
    if n == 1 { format!("1 {word}") } else { format!("{} {word}{plural}", thousands(n)) }
}

/// `12,345`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Why there is no plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanError {
    /// The store does not exist and may not be created.
    StoreMissing {
        /// The store's name.
        name: String,
    },
    /// The code names a store ID (`set kvs-id`) that is not this store's.
    StoreIdMismatch {
        /// The store's name.
        name: String,
        /// Its ID.
        id: String,
        /// The ID the code names.
        wanted: String,
    },
    /// Two functions with one name.
    DuplicateFunction(String),
    /// The site would lose most of the entries its live functions read.
    MassDelete {
        /// Entries the live functions read now.
        before: usize,
        /// Entries the new functions read.
        after: usize,
    },
    /// Old and new data side by side do not fit.
    TooLarge {
        /// Bytes at the peak.
        peak: usize,
        /// The store limit.
        limit: usize,
    },
    /// A namespace collision that renaming cannot resolve.
    NamespaceCollision {
        /// The function.
        function: String,
        /// The namespace.
        namespace: String,
    },
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::StoreMissing { name } => {
                write!(f, "the KeyValueStore {name} does not exist; pass --create to create it")
            }
            PlanError::StoreIdMismatch { name, id, wanted } => {
                write!(f, "the rules name store ID {wanted} (set kvs-id), but the KeyValueStore {name} has ID {id}")
            }
            PlanError::DuplicateFunction(name) => write!(f, "the function {name} is named twice"),
            PlanError::MassDelete { before, after } => write!(
                f,
                "refusing a plan that leaves {} of the {} entries the live functions read; pass --allow-mass-delete if \
                 that is intended",
                thousands(*after),
                thousands(*before)
            ),
            PlanError::TooLarge { peak, limit } => write!(
                f,
                "switching safely needs old and new data side by side: {} B at the peak, over the store limit of {} B; \
                 a change of the bucket layout, or of code and KVS data together, is copied side by side, while a \
                 change of code alone or of exact rules alone is applied in place: deploy them one at a time",
                thousands(*peak),
                thousands(*limit)
            ),
            PlanError::NamespaceCollision { function, namespace } => write!(
                f,
                "the live code of {function} reads namespace {namespace}, which the new code uses too, and the new \
                 code cannot be moved to another namespace"
            ),
        }
    }
}

impl std::error::Error for PlanError {}

/// Plans a deploy of `site` over `live`.
pub fn plan(site: &Site, live: &Live, options: &PlanOptions) -> Result<Plan, PlanError> {
    let others = &live.others;
    let mut seen = BTreeSet::new();
    for function in &site.functions {
        if !seen.insert(function.name.as_str()) {
            return Err(PlanError::DuplicateFunction(function.name.clone()));
        }
    }
    let store = match &live.store {
        Some(store) => Some(store),
        None if options.create_store => None,
        None => return Err(PlanError::StoreMissing { name: options.store.clone() }),
    };
    if let (Some(store), Some(wanted)) = (store, &site.store_id)
        && &store.id != wanted
    {
        return Err(PlanError::StoreIdMismatch {
            name: store.name.clone(),
            id: store.id.clone(),
            wanted: wanted.clone(),
        });
    }
    let empty = BTreeMap::new();
    let items = store.map_or(&empty, |s| &s.items);
    let arn = store.map(|s| s.arn.clone());
    let mut notes = Vec::new();

    // Settle each function's code and namespace.
    let mut entries = site.entries.clone();
    let mut functions = Vec::new();
    for spec in &site.functions {
        let existing = live.functions.get(&spec.name);
        let live_code = existing.and_then(|f| f.live.as_ref()).map(|s| s.code.as_str());
        let mut code = spec.code.clone();
        let mut namespace = spec.namespace.clone();
        if let Some(ns) = &spec.namespace {
            let target = settle_namespace(spec, ns, &entries, live_code, others, items)?;
            if &target.namespace != ns {
                let (renamed, moved) = site::rename(&code, &entries, ns, &target.namespace).ok_or_else(|| {
                    PlanError::NamespaceCollision { function: spec.name.clone(), namespace: ns.clone() }
                })?;
                code = renamed;
                entries = moved;
                namespace = Some(target.namespace.clone());
            }
            notes.extend(target.note);
        }
        let desired = FunctionConfig {
            comment: spec.comment.clone(),
            runtime: site::RUNTIME.to_string(),
            stores: arn.iter().cloned().collect(),
        };
        let action = match existing {
            _ if arn.is_none() => {
                if existing.is_some() {
                    FunctionAction::Update
                } else {
                    FunctionAction::Create
                }
            }
            None => FunctionAction::Create,
            Some(f) if f.development.code != code || f.development.config != desired => FunctionAction::Update,
            Some(f) => match &f.live {
                Some(stage) if stage.code == code && stage.config == desired => FunctionAction::Unchanged,
                _ => FunctionAction::Publish,
            },
        };
        functions.push(FunctionPlan {
            name: spec.name.clone(),
            action,
            code,
            comment: spec.comment.clone(),
            etag: existing.map(|f| f.etag.clone()),
            namespace,
            live_bytes: live_code.map(str::len),
        });
    }

    // Namespaces read by functions this deploy does not manage.
    let mut protected: BTreeSet<String> = BTreeSet::new();
    for (key, value) in items {
        for side in site.functions.iter().map(|f| f.side) {
            if let Some(ns) = site::owned_namespace(key, value, side)
                && !protected.contains(ns)
                && others.values().any(|code| site::reads_namespace(code, ns))
            {
                let readers: Vec<&str> = others
                    .iter()
                    .filter(|(_, code)| site::reads_namespace(code, ns))
                    .map(|(name, _)| name.as_str())
                    .collect();
                notes.push(format!("keeping the entries of namespace {ns}: {} reads them", readers.join(", ")));
                protected.insert(ns.to_string());
            }
        }
    }

    // Sort the keys.
    let new_namespaces: BTreeMap<site::Side, Option<&str>> =
        site.functions.iter().zip(&functions).map(|(spec, plan)| (spec.side, plan.namespace.as_deref())).collect();
    let mut keys = KeyCounts::default();
    let mut puts: Vec<(String, String)> = Vec::new();
    let (mut stale, mut old): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for (key, value) in &entries {
        match items.get(key) {
            Some(current) if current == value => keys.unchanged += 1,
            Some(_) => {
                keys.changed += 1;
                puts.push((key.clone(), value.clone()));
            }
            None => {
                keys.new += 1;
                puts.push((key.clone(), value.clone()));
            }
        }
    }
    keys.put_bytes = puts.iter().map(|(k, v)| k.len() + v.len()).sum();
    for (key, value) in items {
        if entries.contains_key(key) {
            continue;
        }
        let owner = new_namespaces.iter().find_map(|(&side, &ns)| Some((site::owned_namespace(key, value, side)?, ns)));
        match owner {
            None => keys.foreign += 1,
            Some((ns, _)) if protected.contains(ns) => keys.protected += 1,
            Some((ns, new)) => {
                keys.delete_bytes += key.len() + value.len();
                if Some(ns) == new {
                    stale.push(key.clone());
                } else {
                    old.push(key.clone());
                }
            }
        }
    }
    keys.deleted_before = stale.len();
    keys.deleted_after = old.len();

    // Sizes, and the safeguards.
    let before = (items.len(), store.map_or(0, LiveStore::bytes));
    let size = |keys: &[String]| keys.iter().map(|k| k.len() + items[k].len()).sum::<usize>();
    let growth: isize = puts
        .iter()
        .map(|(k, v)| (k.len() + v.len()) as isize - items.get(k).map_or(0, |old| (k.len() + old.len()) as isize))
        .sum();
    let peak_bytes = (before.1 as isize - size(&stale) as isize + growth) as usize;
    let peak = (before.0 - stale.len() + keys.new, peak_bytes);
    let after = (peak.0 - old.len(), peak_bytes - size(&old));
    if peak.1 > platform::MAX_KVS_STORE_BYTES {
        return Err(PlanError::TooLarge { peak: peak.1, limit: platform::MAX_KVS_STORE_BYTES });
    }
    // Entries the live code reads now, against entries the new code will read.
    let served = items
        .iter()
        .filter(|(key, value)| {
            site.functions.iter().any(|spec| {
                let live_code = live.functions.get(&spec.name).and_then(|f| f.live.as_ref()).map(|s| s.code.as_str());
                site::owned_namespace(key, value, spec.side)
                    .is_some_and(|ns| live_code.is_some_and(|code| site::reads_namespace(code, ns)))
            })
        })
        .count();
    let removed = served.saturating_sub(entries.len());
    if !options.allow_mass_delete && removed > MASS_DELETE_MIN && removed * 2 > served {
        return Err(PlanError::MassDelete { before: served, after: entries.len() });
    }

    let data = batches(stale.into_iter().map(Change::Delete).chain(puts.into_iter().map(Change::Put)));
    let cleanup = batches(old.into_iter().map(Change::Delete));
    Ok(Plan {
        store: StorePlan {
            name: options.store.clone(),
            arn,
            etag: store.map(|s| s.etag.clone()),
            create: store.is_none(),
            before,
            peak,
            after,
        },
        data,
        functions,
        cleanup,
        keys,
        notes,
    })
}

/// Where a function's entries go, and why when it is not the compiled namespace.
struct Target {
    namespace: String,
    note: Option<String>,
}

/// Chooses the namespace the new code reads; see `docs/deploy.md` for why each choice is safe.
///
/// A namespace can take the new entries when, after renaming them to it:
/// - it holds exactly those entries already (whatever code reads it: switching the function is
///   then atomic, and other readers see the same data), or
/// - nobody reads it (new data is written side by side with the data live code reads), or
/// - only this function's live code reads it, and that code is the new code: each request reads
///   one bucket, old or new, and the same code answers from it as the old or the new rules do.
///
/// Tried in order: the namespaces the live code reads (no copy when the layout is the same),
/// the compiled namespace, then the next free one.
fn settle_namespace(
    spec: &site::FunctionSpec,
    ns: &str,
    entries: &BTreeMap<String, String>,
    live_code: Option<&str>,
    others: &BTreeMap<String, String>,
    items: &BTreeMap<String, String>,
) -> Result<Target, PlanError> {
    let takes = |candidate: &str| -> bool {
        let renamed = match candidate == ns {
            true => Some((spec.code.clone(), entries.clone())),
            false => site::rename(&spec.code, entries, ns, candidate),
        };
        let Some((code, renamed)) = renamed else { return false };
        let same_data =
            site::entries_of(&renamed, candidate, spec.side) == site::entries_of(items, candidate, spec.side);
        let live_reads = live_code.is_some_and(|c| site::reads_namespace(c, candidate));
        let others_read = others.values().any(|c| site::reads_namespace(c, candidate));
        same_data || (!others_read && (!live_reads || live_code == Some(code.as_str())))
    };
    let mut live_namespaces: Vec<&str> = items
        .iter()
        .filter_map(|(key, value)| site::owned_namespace(key, value, spec.side))
        .filter(|candidate| *candidate != ns && live_code.is_some_and(|c| site::reads_namespace(c, candidate)))
        .collect();
    live_namespaces.dedup();
    if let Some(kept) = live_namespaces.into_iter().find(|candidate| takes(candidate)) {
        let note = format!("{}: the live code reads namespace {kept} with the same layout; keeping it", spec.name);
        return Ok(Target { namespace: kept.to_string(), note: Some(note) });
    }
    if takes(ns) {
        return Ok(Target { namespace: ns.to_string(), note: None });
    }
    let free = (1..36u64 * 36 * 36)
        .map(|n| site::nth_after(ns, n))
        .find(|candidate| {
            let read = live_code.iter().copied().chain(others.values().map(String::as_str));
            !read.into_iter().any(|c| site::reads_namespace(c, candidate))
        })
        .ok_or_else(|| PlanError::NamespaceCollision { function: spec.name.clone(), namespace: ns.to_string() })?;
    let note = format!(
        "{}: live code reads namespace {ns} and the code and its data both change, so they cannot change in place; \
         the new code and its entries use namespace {free}, side by side",
        spec.name
    );
    Ok(Target { namespace: free, note: Some(note) })
}

enum Change {
    Put((String, String)),
    Delete(String),
}

/// Packs changes, in order, into the fewest batches within both limits.
fn batches(changes: impl Iterator<Item = Change>) -> Vec<Batch> {
    let mut out: Vec<Batch> = Vec::new();
    let mut current = Batch::default();
    let mut bytes = 32;
    for change in changes {
        let size = match &change {
            Change::Put((k, v)) => entry_request_bytes(k, Some(v)),
            Change::Delete(k) => entry_request_bytes(k, None),
        };
        if current.len() == MAX_BATCH_KEYS || (!current.is_empty() && bytes + size > MAX_BATCH_BYTES) {
            out.push(std::mem::take(&mut current));
            bytes = 32;
        }
        bytes += size;
        match change {
            Change::Put(entry) => current.puts.push(entry),
            Change::Delete(key) => current.deletes.push(key),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::{LiveFunction, Stage};
    use crate::site::FunctionSpec;

    const ARN: &str = "arn:aws:cloudfront::1:key-value-store/s";

    fn bucket(text: &str) -> String {
        format!("\u{7f}{text}\u{7f}")
    }

    fn spec(code: &str, ns: &str) -> FunctionSpec {
        FunctionSpec {
            name: "req".into(),
            code: code.into(),
            comment: "c".into(),
            side: site::Side::Request,
            namespace: Some(ns.into()),
        }
    }

    fn stage(code: &str) -> Stage {
        Stage {
            code: code.into(),
            config: FunctionConfig { comment: "c".into(), runtime: site::RUNTIME.into(), stores: vec![ARN.into()] },
        }
    }

    fn live(code: &str, items: &[(&str, &str)]) -> Live {
        Live {
            store: Some(LiveStore {
                name: "s".into(),
                id: "s".into(),
                arn: ARN.into(),
                etag: "e".into(),
                items: items.iter().map(|(k, v)| (k.to_string(), bucket(v))).collect(),
            }),
            functions: BTreeMap::from([(
                "req".to_string(),
                LiveFunction { development: stage(code), etag: "f".into(), live: Some(stage(code)) },
            )]),
            others: BTreeMap::new(),
        }
    }

    fn options() -> PlanOptions {
        PlanOptions { store: "s".into(), ..PlanOptions::default() }
    }

    fn site(code: &str, ns: &str, entries: &[(&str, &str)]) -> Site {
        Site {
            functions: vec![spec(code, ns)],
            entries: entries.iter().map(|(k, v)| (k.to_string(), bucket(v))).collect(),
            store_id: None,
        }
    }

    #[test]
    fn same_code_rewrites_buckets_in_place() {
        let live = live("x=\"r001\"", &[("r0011", "a"), ("r0012", "b"), ("mine", "keep")]);
        let site = site("x=\"r001\"", "r001", &[("r0011", "a"), ("r0012", "B"), ("r0013", "c")]);
        let plan = plan(&site, &live, &options()).unwrap();
        assert_eq!(plan.functions[0].action, FunctionAction::Unchanged);
        assert_eq!(plan.data.len(), 1);
        assert_eq!(plan.data[0].puts.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["r0012", "r0013"]);
        assert!(plan.cleanup.is_empty());
        assert_eq!((plan.keys.new, plan.keys.changed, plan.keys.unchanged, plan.keys.foreign), (1, 1, 1, 1));
    }

    #[test]
    fn new_code_puts_first_and_deletes_old_namespace_last() {
        let live = live("x=\"r001\"", &[("r0011", "a"), ("r0012", "b"), ("r0029", "stale")]);
        let site = site("y=\"r002\"", "r002", &[("r0021", "a")]);
        let plan = plan(&site, &live, &options()).unwrap();
        assert_eq!(plan.functions[0].action, FunctionAction::Update);
        assert_eq!(plan.data.len(), 1);
        assert_eq!(plan.data[0].deletes, ["r0029"], "stale keys of the new namespace go early");
        assert_eq!(plan.data[0].puts.len(), 1);
        assert_eq!(plan.cleanup.len(), 1);
        assert_eq!(plan.cleanup[0].deletes, ["r0011", "r0012"]);
    }

    #[test]
    fn a_code_change_alone_writes_no_key() {
        let live = live("old=\"r001\"", &[("r0011", "a"), ("r00112345", "b")]);
        let site = site("new=\"r001\"", "r001", &[("r0011", "a"), ("r00112345", "b")]);
        let plan = plan(&site, &live, &options()).unwrap();
        assert_eq!(plan.functions[0].action, FunctionAction::Update);
        assert_eq!(plan.functions[0].code, "new=\"r001\"");
        assert!(plan.data.is_empty() && plan.cleanup.is_empty(), "{plan}");
    }

    #[test]
    fn code_and_data_changing_together_move_side_by_side() {
        let live = live("old=\"r001\"", &[("r0011", "a")]);
        let site = site("new=\"r001\"", "r001", &[("r0011", "b")]);
        let plan = plan(&site, &live, &options()).unwrap();
        assert_eq!(plan.functions[0].code, "new=\"r002\"");
        assert_eq!(plan.functions[0].namespace.as_deref(), Some("r002"));
        assert_eq!(plan.data[0].puts[0].0, "r0021");
        assert_eq!(plan.cleanup[0].deletes, ["r0011"]);
        assert!(plan.notes[0].contains("side by side"), "{:?}", plan.notes);
    }

    #[test]
    fn keeps_a_moved_namespace_while_the_code_is_the_same() {
        let live = live("new=\"r002\"", &[("r0021", "b")]);
        let site = site("new=\"r001\"", "r001", &[("r0011", "b")]);
        let plan = plan(&site, &live, &options()).unwrap();
        assert!(plan.is_empty(), "{plan}");
    }

    #[test]
    fn protects_namespaces_other_functions_read() {
        let live = live("x=\"r001\"", &[("r0011", "a"), ("r0031", "other site")]);
        let site = site("y=\"r002\"", "r002", &[("r0021", "b")]);
        let mut live = live;
        live.others = BTreeMap::from([("old-name".to_string(), "z=\"r003\"".to_string())]);
        let plan = plan(&site, &live, &options()).unwrap();
        assert_eq!(plan.cleanup[0].deletes, ["r0011"]);
        assert_eq!(plan.keys.protected, 1);
    }

    #[test]
    fn refuses_mass_deletes_and_oversized_switches() {
        let items: Vec<(String, String)> = (0..40).map(|i| (format!("r001{i}"), "v".to_string())).collect();
        let items: Vec<(&str, &str)> = items.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let live = live("x=\"r001\"", &items);
        let small = site("x=\"r001\"", "r001", &items[..5]);
        let error = plan(&small, &live, &options()).unwrap_err();
        assert_eq!(error, PlanError::MassDelete { before: 40, after: 5 });
        let allowed = PlanOptions { allow_mass_delete: true, ..options() };
        assert_eq!(plan(&small, &live, &allowed).unwrap().keys.deleted_before, 35);

        let big: Vec<(String, String)> = (0..6000).map(|i| (format!("r002{i}"), "v".repeat(1000))).collect();
        let mut huge = site("y=\"r002\"", "r002", &[]);
        huge.entries = big.iter().map(|(k, v)| (k.clone(), bucket(v))).collect();
        assert!(matches!(plan(&huge, &live, &options()), Err(PlanError::TooLarge { .. })));
    }

    #[test]
    fn batches_are_as_few_as_the_limits_allow() {
        let entries: Vec<(String, String)> = (0..101).map(|i| (format!("r001{i}"), "v".to_string())).collect();
        let entries: Vec<(&str, &str)> = entries.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let site = site("x=\"r001\"", "r001", &entries);
        let mut live = live("x=\"r001\"", &[]);
        live.store.as_mut().unwrap().items.clear();
        let plan = plan(&site, &live, &options()).unwrap();
        assert_eq!(plan.data.iter().map(Batch::len).collect::<Vec<_>>(), [50, 50, 1]);
        assert!(plan.data.iter().all(|b| b.request_bytes() <= MAX_BATCH_BYTES));
    }

    #[test]
    fn a_missing_store_is_created_only_when_asked() {
        let site = site("x=\"r001\"", "r001", &[("r0011", "a")]);
        let nothing = Live::default();
        assert!(matches!(plan(&site, &nothing, &options()), Err(PlanError::StoreMissing { .. })));
        let create = PlanOptions { create_store: true, ..options() };
        let plan = plan(&site, &nothing, &create).unwrap();
        assert!(plan.store.create);
        assert_eq!(plan.functions[0].action, FunctionAction::Create);
        assert_eq!(plan.keys.new, 1);
    }
}
