//! What a deploy reports while it runs, and the terminal display of it: the plan, a progress bar
//! for key batches, retries, re-plans and function steps, all on stderr.

use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::plan::{self, Plan};

/// The step a key batch belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyStep {
    /// Entries the new code reads, before the functions.
    Data,
    /// Entries no longer read, after the functions.
    Cleanup,
}

/// Something that happened during a deploy.
#[derive(Clone, Copy, Debug)]
pub enum Event<'a> {
    /// The first plan, before anything is written.
    Planned(&'a Plan),
    /// Someone else wrote; the state was read again and this is the new plan.
    Replanned {
        /// What conflicted.
        reason: &'a str,
        /// The new plan.
        plan: &'a Plan,
    },
    /// The store was created.
    StoreCreated(&'a str),
    /// The store is still being provisioned.
    WaitingForStore,
    /// A key batch was written.
    Batch {
        /// Its step.
        step: KeyStep,
        /// Keys in it.
        keys: usize,
    },
    /// A function step finished: `created`, `updated` or `published`.
    Function {
        /// The function.
        name: &'a str,
        /// What was done.
        done: &'static str,
    },
    /// Waiting for earlier writes to reach CloudFront's edge locations.
    Settling(Duration),
    /// A call failed in a way worth retrying.
    Retrying {
        /// The operation.
        operation: &'static str,
        /// The attempt that failed.
        attempt: u32,
        /// Why.
        error: &'a str,
        /// The wait before the next attempt.
        delay: Duration,
    },
}

/// Receives events. Implementations must be cheap: they run between calls.
pub trait Observer: Sync {
    /// Receives one event.
    fn event(&self, event: Event<'_>);
}

/// Ignores everything.
pub struct Silent;

impl Observer for Silent {
    fn event(&self, _event: Event<'_>) {}
}

/// Prints to stderr: the plan (unless it goes to stdout as JSON), progress and problems.
pub struct Terminal {
    print_plan: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl Terminal {
    /// A display; `print_plan` prints the plan for people.
    pub fn new(print_plan: bool) -> Terminal {
        Terminal { print_plan, bar: Mutex::new(None) }
    }

    fn line(&self, text: &str) {
        match self.bar.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            Some(bar) if !bar.is_hidden() => bar.println(text),
            _ => stderr_line(text),
        }
    }

    fn start_bar(&self, plan: &Plan) {
        let keys = plan.keys_written() as u64;
        let bar = ProgressBar::with_draw_target(Some(keys), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} keys, {msg}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_prefix("keys");
        bar.set_message(format!("{} to write", plan::count(plan.batches(), "batch")));
        if let Some(old) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).replace(bar) {
            old.finish_and_clear();
        }
    }

    /// Clears the progress bar.
    pub fn finish(&self) {
        if let Some(bar) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).take() {
            bar.finish_and_clear();
        }
    }
}

impl Observer for Terminal {
    fn event(&self, event: Event<'_>) {
        match event {
            Event::Planned(plan) => {
                if self.print_plan {
                    stderr_line(&plan.to_string());
                }
                if plan.batches() > 0 {
                    self.start_bar(plan);
                }
            }
            Event::Replanned { reason, plan } => {
                self.line(&format!("someone else wrote ({reason}); read everything again and re-planned:"));
                self.line(&plan.to_string());
                self.start_bar(plan);
            }
            Event::StoreCreated(name) => self.line(&format!("created the KeyValueStore {name}")),
            Event::WaitingForStore => {}
            Event::Batch { keys, step } => {
                if let Some(bar) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
                    bar.inc(keys as u64);
                    bar.set_message(match step {
                        KeyStep::Data => "writing the new data",
                        KeyStep::Cleanup => "deleting what is no longer read",
                    });
                }
            }
            Event::Function { name, done } => self.line(&format!("{name}: {done}")),
            Event::Settling(wait) => {
                self.line(&format!("waiting {:.1} s for the change to reach the edge locations", wait.as_secs_f64()))
            }
            Event::Retrying { operation, attempt, error, delay } => self.line(&format!(
                "{operation}: attempt {attempt} failed ({error}); retrying in {:.1} s",
                delay.as_secs_f64()
            )),
        }
    }
}

/// One line on stderr; a closed stderr is not an error worth a panic.
fn stderr_line(text: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}
