//! Carrying a plan out: read, plan, write in the plan's order, and start over from a fresh read
//! whenever someone else wrote first. Because every plan is made from what is live, a deploy
//! that was interrupted, or that lost a race, continues from wherever the last one stopped.

use std::time::{Duration, Instant};

use crate::aws::{Aws, Error};
use crate::plan::{self, FunctionAction, Plan, PlanError, PlanOptions};
use crate::progress::{Event, KeyStep, Observer};
use crate::site::Site;

/// How to deploy.
#[derive(Clone, Debug)]
pub struct Options {
    /// How to plan.
    pub plan: PlanOptions,
    /// Plan only.
    pub dry_run: bool,
    /// How long a change needs to reach CloudFront's edge locations: waited after new data
    /// before publishing code that reads it, and after publishing before deleting what the old
    /// code read.
    pub settle: Duration,
    /// How many times to re-read and re-plan after someone else wrote.
    pub max_replans: u32,
    /// The comment of a created store.
    pub store_comment: String,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            plan: PlanOptions::default(),
            dry_run: false,
            settle: Duration::from_secs(10),
            max_replans: 10,
            store_comment: "hedgec site data".into(),
        }
    }
}

/// What a deploy did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// `UpdateKeys` calls that succeeded.
    pub batches: usize,
    /// Entries put.
    pub keys_put: usize,
    /// Entries deleted.
    pub keys_deleted: usize,
    /// Whether the store was created.
    pub store_created: bool,
    /// Functions and what was done to them, in order: `created`, `updated`, `published`.
    pub functions: Vec<(String, &'static str)>,
    /// Calls retried.
    pub retries: u32,
    /// Fresh reads after someone else wrote.
    pub replans: u32,
    /// Wall time of the whole deploy.
    pub elapsed: Duration,
}

impl Applied {
    /// What was done, for machines.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "batches": self.batches,
            "keys_put": self.keys_put,
            "keys_deleted": self.keys_deleted,
            "store_created": self.store_created,
            "functions": self.functions.iter().map(|(name, done)| serde_json::json!({ "name": name, "done": done })).collect::<Vec<_>>(),
            "retries": self.retries,
            "replans": self.replans,
            "seconds": (self.elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
        })
    }

    /// One line for people.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if self.store_created {
            parts.push("store created".to_string());
        }
        parts.push(format!(
            "{} put and {} deleted in {}",
            plan::count(self.keys_put, "key"),
            plan::thousands(self.keys_deleted),
            plan::count(self.batches, "batch")
        ));
        let mut functions: Vec<String> = Vec::new();
        for (name, done) in &self.functions {
            match functions.iter_mut().find(|f| f.starts_with(&format!("{name} "))) {
                Some(entry) => entry.push_str(&format!(" and {done}")),
                None => functions.push(format!("{name} {done}")),
            }
        }
        if functions.is_empty() {
            parts.push("functions unchanged".into());
        } else {
            parts.extend(functions);
        }
        if self.retries > 0 {
            parts.push(plan::count(self.retries as usize, "retry").replace("retrys", "retries"));
        }
        if self.replans > 0 {
            parts.push(format!("{} after conflicts", plan::count(self.replans as usize, "re-plan")));
        }
        format!("deployed in {:.1} s: {}", self.elapsed.as_secs_f64(), parts.join(", "))
    }
}

/// The first plan, and what was done (`None` for a dry run).
#[derive(Clone, Debug)]
pub struct Report {
    /// The plan made from the state first read.
    pub plan: Plan,
    /// What was done.
    pub applied: Option<Applied>,
}

/// Why a deploy stopped.
#[derive(Debug)]
pub enum DeployError {
    /// No acceptable plan.
    Plan(PlanError),
    /// A call failed (after retries), or conflicts did not stop.
    Aws(Error),
}

impl std::fmt::Display for DeployError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeployError::Plan(error) => error.fmt(f),
            DeployError::Aws(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for DeployError {}

impl From<Error> for DeployError {
    fn from(error: Error) -> DeployError {
        DeployError::Aws(error)
    }
}

/// Brings CloudFront in line with `site`. The observer hears of every step.
pub async fn deploy(
    aws: &Aws<'_>,
    site: &Site,
    options: &Options,
    observer: &dyn Observer,
) -> Result<Report, DeployError> {
    let started = Instant::now();
    let names: Vec<&str> = site.functions.iter().map(|f| f.name.as_str()).collect();
    let mut first: Option<Plan> = None;
    let mut applied = Applied::default();
    let mut clock = Clock { data_written: started, published: started };
    let mut conflict: Option<String> = None;
    loop {
        let live = aws.read(&options.plan.store, &names).await?;
        let plan = plan::plan(site, &live, &options.plan).map_err(DeployError::Plan)?;
        match (&first, &conflict) {
            (None, _) => {
                observer.event(Event::Planned(&plan));
                first = Some(plan.clone());
                if options.dry_run {
                    return Ok(Report { plan, applied: None });
                }
            }
            (Some(_), Some(reason)) => observer.event(Event::Replanned { reason, plan: &plan }),
            (Some(_), None) => {}
        }
        match execute(aws, &plan, options, observer, &mut applied, &mut clock).await {
            Ok(Done::Finished) => break,
            Ok(Done::StoreCreated) => conflict = None,
            Err(Error::Conflict { operation, message }) if applied.replans < options.max_replans => {
                applied.replans += 1;
                conflict = Some(format!("{operation}: {message}"));
            }
            Err(Error::Conflict { operation, message }) => {
                return Err(DeployError::Aws(Error::Other(format!(
                    "gave up after {} conflicts; the last: {operation}: {message}",
                    applied.replans + 1
                ))));
            }
            Err(error) => return Err(error.into()),
        }
    }
    applied.retries = aws.retries();
    applied.elapsed = started.elapsed();
    Ok(Report { plan: first.expect("planned"), applied: Some(applied) })
}

enum Done {
    Finished,
    StoreCreated,
}

/// When data and code last changed, as far as this process knows; it assumes a change just
/// before it started, so a deploy that resumes another still waits.
struct Clock {
    data_written: Instant,
    published: Instant,
}

async fn settle(since: Instant, settle: Duration, observer: &dyn Observer) {
    let wait = settle.saturating_sub(since.elapsed());
    if !wait.is_zero() {
        observer.event(Event::Settling(wait));
        tokio::time::sleep(wait).await;
    }
}

async fn execute(
    aws: &Aws<'_>,
    plan: &Plan,
    options: &Options,
    observer: &dyn Observer,
    applied: &mut Applied,
    clock: &mut Clock,
) -> Result<Done, Error> {
    if plan.store.create {
        aws.create_store(&plan.store.name, &options.store_comment).await?;
        applied.store_created = true;
        observer.event(Event::StoreCreated(&plan.store.name));
        return Ok(Done::StoreCreated);
    }
    let arn = plan.store.arn.as_deref().expect("an existing store has an ARN");
    let mut etag = plan.store.etag.clone().expect("an existing store has an ETag");

    for batch in &plan.data {
        etag = aws.update_keys(arn, &etag, batch).await?;
        record(applied, batch, KeyStep::Data, observer);
        clock.data_written = Instant::now();
    }

    let changes_code = plan.functions.iter().any(|f| f.action != FunctionAction::Unchanged);
    if changes_code {
        settle(clock.data_written, options.settle, observer).await;
    }
    for function in &plan.functions {
        let etag = match function.action {
            FunctionAction::Unchanged => continue,
            FunctionAction::Create => {
                let etag = aws.create_function(&function.name, &function.code, &function.comment, arn).await?;
                applied.functions.push((function.name.clone(), "created"));
                observer.event(Event::Function { name: &function.name, done: "created" });
                etag
            }
            FunctionAction::Update => {
                let current = function.etag.as_deref().expect("an existing function has an ETag");
                let etag = aws.update_function(&function.name, current, &function.code, &function.comment, arn).await?;
                applied.functions.push((function.name.clone(), "updated"));
                observer.event(Event::Function { name: &function.name, done: "updated" });
                etag
            }
            FunctionAction::Publish => function.etag.clone().expect("an existing function has an ETag"),
        };
        aws.publish_function(&function.name, &etag).await?;
        clock.published = Instant::now();
        applied.functions.push((function.name.clone(), "published"));
        observer.event(Event::Function { name: &function.name, done: "published" });
    }

    if !plan.cleanup.is_empty() {
        settle(clock.published, options.settle, observer).await;
    }
    for batch in &plan.cleanup {
        etag = aws.update_keys(arn, &etag, batch).await?;
        record(applied, batch, KeyStep::Cleanup, observer);
    }
    Ok(Done::Finished)
}

fn record(applied: &mut Applied, batch: &plan::Batch, step: KeyStep, observer: &dyn Observer) {
    applied.batches += 1;
    applied.keys_put += batch.puts.len();
    applied.keys_deleted += batch.deletes.len();
    observer.event(Event::Batch { step, keys: batch.len() });
}
