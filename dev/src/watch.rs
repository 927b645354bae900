//! Live reload: the site's files are watched (through their directories, since editors often
//! replace a file rather than write it) and any change asks the engine to recompile.

use std::path::PathBuf;

use notify::{RecursiveMode, Watcher as _};

use crate::engine::Engine;

/// Watches files while it lives.
pub struct Watcher {
    _inner: notify::RecommendedWatcher,
}

impl Watcher {
    /// Starts watching `files`.
    pub fn start(files: &[PathBuf], engine: Engine) -> Result<Watcher, String> {
        let watched: Vec<PathBuf> = files.iter().map(|f| f.canonicalize().unwrap_or_else(|_| f.clone())).collect();
        let names = watched.clone();
        let mut inner = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            let Ok(event) = event else { return };
            if event.kind.is_access() {
                return;
            }
            if event.paths.iter().any(|p| names.iter().any(|n| n == p || same_file_name(n, p))) {
                engine.reload();
            }
        })
        .map_err(|e| format!("cannot watch files: {e}"))?;
        let mut dirs: Vec<PathBuf> = watched.iter().filter_map(|f| f.parent().map(PathBuf::from)).collect();
        dirs.sort();
        dirs.dedup();
        for dir in dirs {
            inner
                .watch(&dir, RecursiveMode::NonRecursive)
                .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
        }
        Ok(Watcher { _inner: inner })
    }
}

/// Whether an event path is the watched file, when the event names it by another spelling of
/// the same directory.
fn same_file_name(watched: &std::path::Path, event: &std::path::Path) -> bool {
    watched.file_name() == event.file_name()
        && event.parent().and_then(|p| p.canonicalize().ok()).as_deref() == watched.parent()
}
