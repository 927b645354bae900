//! One line per request on stdout (text or JSON lines), and the last requests kept for the
//! `/_hedgec/` page.

use std::collections::VecDeque;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use serde_json::json;

use crate::engine::Explain;

/// How many requests the `/_hedgec/` page lists.
pub const KEPT: usize = 50;

/// One request, as logged.
#[derive(Clone, Debug)]
pub struct Entry {
    /// HTTP method.
    pub method: String,
    /// Path and query as requested.
    pub path: String,
    /// The status the viewer received.
    pub status: u16,
    /// `site.hedge:6`, a function's file name, `origin`, `origin api`, or `error`.
    pub answered_by: String,
    /// The highest compute estimate of the calls, 0–100.
    pub compute: Option<u32>,
    /// KVS reads of both calls.
    pub kvs_reads: u32,
    /// Milliseconds from request to response head.
    pub ms: u64,
    /// What the explain view needs, for rules.
    pub detail: Option<Explain>,
}

/// The request log.
#[derive(Debug)]
pub struct Log {
    json: bool,
    recent: Mutex<VecDeque<Entry>>,
}

/// Whether to color stderr: a terminal, and `NO_COLOR` unset.
pub fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Prints a message for the developer on stderr.
pub fn note(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{}", text.trim_end());
}

impl Log {
    /// A log printing text lines, or JSON lines when `json`.
    pub fn new(json: bool) -> Log {
        Log { json, recent: Mutex::new(VecDeque::with_capacity(KEPT)) }
    }

    /// Prints the entry and keeps it.
    pub fn record(&self, entry: Entry) {
        let line = if self.json {
            json!({
                "method": entry.method,
                "path": entry.path,
                "status": entry.status,
                "answered_by": entry.answered_by,
                "compute_utilization": entry.compute,
                "kvs_reads": entry.kvs_reads,
                "ms": entry.ms,
            })
            .to_string()
        } else {
            let compute = entry.compute.map_or(String::from("-"), |c| format!("{c}%"));
            format!(
                "{} {} {} {} compute {compute} kvs {} {}ms",
                entry.method, entry.path, entry.status, entry.answered_by, entry.kvs_reads, entry.ms
            )
        };
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{line}");
        let _ = stdout.flush();
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        if recent.len() == KEPT {
            recent.pop_front();
        }
        recent.push_back(entry);
    }

    /// The kept entries, oldest first.
    pub fn recent(&self) -> VecDeque<Entry> {
        self.recent.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
