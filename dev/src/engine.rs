//! The site's functions on the local runtime, run by a pool of worker threads.
//!
//! A compile (at start and on every reload) happens once, on the compiler thread, and is
//! published as one shared [`Site`]: the functions' code, the KVS data and, for rules, what
//! `explain` needs. The runtime's values are not `Send`, so each worker thread keeps its own
//! loaded functions and store and reuses them from request to request; it loads them again only
//! when the published site changes. Requests reach the workers through one queue, so a slow call
//! holds up one worker, not the server, and the async executor never runs a function itself.
//! A compile error is published like a site and shown on every request until the next good
//! compile: never a stale site.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::Duration;

use cases::{Invocation, Outcome, RequestSpec};
use rules_dsl::SourceFile;
use runtime_js::{Function, Store};
use tokio::sync::oneshot;

/// What the server runs.
#[derive(Clone, Debug)]
pub enum Source {
    /// A rules file, compiled on every change.
    Rules(PathBuf),
    /// Hand-written functions and an optional KVS file.
    Functions {
        /// The viewer-request function.
        request: PathBuf,
        /// The viewer-response function.
        response: Option<PathBuf>,
    },
}

impl Source {
    /// The files to watch.
    pub fn files(&self, kvs: Option<&Path>) -> Vec<PathBuf> {
        let mut files = match self {
            Source::Rules(rules) => vec![rules.clone()],
            Source::Functions { request, response } => {
                std::iter::once(request.clone()).chain(response.clone()).collect()
            }
        };
        files.extend(kvs.map(Path::to_path_buf));
        files
    }
}

/// What the viewer-request function did with one request.
#[derive(Debug)]
pub struct RequestResult {
    /// The call (its output, error, counts).
    pub outcome: Outcome,
    /// The rule (`site.hedge:6`) or function that generated a response, if one did.
    pub answered_by: Option<String>,
    /// What the `/_hedgec/` page needs to explain this request, for rules.
    pub explain: Option<Explain>,
    /// Whether there is a viewer-response function.
    pub has_response_function: bool,
    /// The function's file name, for messages.
    pub function_name: String,
    /// The event the function ran on, handed back (the viewer-response event is built from it).
    pub invocation: Invocation,
}

/// A request and the rules that served it, explained only when the `/_hedgec/` page is shown:
/// most requests are never looked at, so none of them pays for it.
#[derive(Clone, Debug)]
pub struct Explain {
    rules: Arc<Rules>,
    request: compiler::explain::Request,
}

impl Explain {
    /// The explain view as plain text (not yet escaped for HTML).
    pub fn render(&self) -> String {
        crate::explain::render(&self.rules.source, &self.rules.explain(&self.request))
    }
}

/// A job for a worker.
enum Job {
    Request(RequestSpec, Invocation, oneshot::Sender<Result<RequestResult, String>>),
    Response(Invocation, oneshot::Sender<Outcome>),
}

/// The current compile, shared by the workers.
struct Published {
    current: Mutex<Option<Arc<Compiled>>>,
    ready: Condvar,
    generation: AtomicU64,
}

impl Published {
    /// The current compile, waiting for the first one.
    fn current(&self) -> Arc<Compiled> {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(compiled) = current.as_ref() {
                return compiled.clone();
            }
            current = self.ready.wait(current).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn publish(&self, compiled: Result<Site, LoadError>) {
        let generation = self.generation.load(Ordering::SeqCst) + 1;
        let compiled = Arc::new(Compiled { generation, site: compiled });
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some(compiled);
        self.generation.store(generation, Ordering::SeqCst);
        self.ready.notify_all();
    }
}

/// One compile: its number and the site or the error.
struct Compiled {
    generation: u64,
    site: Result<Site, LoadError>,
}

/// A handle to the workers and the compiler thread; cheap to clone.
#[derive(Clone)]
pub struct Engine {
    jobs: mpsc::Sender<Job>,
    reloads: mpsc::Sender<()>,
    published: Arc<Published>,
}

/// How many worker threads run functions: one per core, at least two so that a runaway
/// function never holds up every request.
fn worker_count() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(2, 16)
}

impl Engine {
    /// Starts the compiler thread (which compiles the site once now) and the workers. `report`
    /// receives compile errors (already rendered) and the line saying a reload worked.
    pub fn start(source: Source, kvs: Option<PathBuf>, report: fn(&str)) -> Engine {
        let published =
            Arc::new(Published { current: Mutex::new(None), ready: Condvar::new(), generation: AtomicU64::new(0) });
        let (reloads, reload_requests) = mpsc::channel::<()>();
        let compiler = published.clone();
        std::thread::spawn(move || {
            let site = Site::load(&source, kvs.as_deref());
            if let Err(error) = &site {
                report(&error.terminal);
            }
            compiler.publish(site);
            while reload_requests.recv().is_ok() {
                // Edits come in bursts (truncate, write, rename): let the burst end before
                // reading, so the compile sees the file as saved, and compile once for all of it.
                std::thread::sleep(Duration::from_millis(30));
                while reload_requests.try_recv().is_ok() {}
                let site = Site::load(&source, kvs.as_deref());
                match &site {
                    Ok(_) => report("recompiled: serving the new version"),
                    Err(error) => report(&error.terminal),
                }
                compiler.publish(site);
            }
        });
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for _ in 0..worker_count() {
            let queue = queue.clone();
            let published = published.clone();
            std::thread::spawn(move || Worker::default().run(&queue, &published));
        }
        Engine { jobs, reloads, published }
    }

    /// How many compiles have finished (1 after the first).
    pub fn generation(&self) -> u64 {
        self.published.generation.load(Ordering::SeqCst)
    }

    /// Asks for a recompile.
    pub fn reload(&self) {
        let _ = self.reloads.send(());
    }

    /// Runs the viewer-request function on the event built from `spec` (or `invocation`, when
    /// the server built a fuller one). `Err` is the current compile error, as plain text.
    pub async fn request(&self, spec: RequestSpec, invocation: Invocation) -> Result<RequestResult, String> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job::Request(spec, invocation, reply)).map_err(|_| "the engine stopped".to_string())?;
        answer.await.map_err(|_| "the engine stopped".to_string())?
    }

    /// Runs the viewer-response function on an event.
    pub async fn response(&self, invocation: Invocation) -> Outcome {
        let (reply, answer) = oneshot::channel();
        if self.jobs.send(Job::Response(invocation, reply)).is_err() {
            return Outcome::failed("the engine stopped");
        }
        answer.await.unwrap_or_else(|_| Outcome::failed("the engine stopped"))
    }
}

/// One worker thread's functions, loaded from the compile of `generation`.
#[derive(Default)]
struct Worker {
    loaded: Option<(u64, Result<Loaded, String>)>,
}

/// Functions loaded on one thread, with the store they read.
struct Loaded {
    request_name: String,
    rules: Option<Arc<Rules>>,
    request: Function,
    response: Option<Function>,
    store: Store,
}

impl Worker {
    fn run(mut self, queue: &Mutex<mpsc::Receiver<Job>>, published: &Published) {
        loop {
            let job = {
                let queue = queue.lock().unwrap_or_else(|e| e.into_inner());
                queue.recv()
            };
            let Ok(job) = job else { return };
            let loaded = self.load(published.current());
            match job {
                Job::Request(spec, invocation, reply) => {
                    let _ = reply.send(loaded.map(|loaded| loaded.request(&spec, invocation)));
                }
                Job::Response(invocation, reply) => {
                    let outcome = match loaded {
                        Ok(Loaded { response: Some(function), store, .. }) => cases::boa::outcome(function.call(
                            &invocation.event,
                            invocation.raw_query.as_deref(),
                            store,
                        )),
                        Ok(_) => Outcome::failed("the site has no viewer-response function any more"),
                        Err(error) => Outcome::failed(error),
                    };
                    let _ = reply.send(outcome);
                }
            }
        }
    }

    /// The functions of `compiled`, loaded on this thread unless they already are.
    fn load(&mut self, compiled: Arc<Compiled>) -> Result<&mut Loaded, String> {
        if self.loaded.as_ref().is_none_or(|(generation, _)| *generation != compiled.generation) {
            let generation = compiled.generation;
            self.loaded = Some((generation, Loaded::load(&compiled)));
        }
        match &mut self.loaded {
            Some((_, Ok(loaded))) => Ok(loaded),
            Some((_, Err(error))) => Err(error.clone()),
            None => Err("the engine stopped".into()),
        }
    }
}

impl Loaded {
    fn load(compiled: &Compiled) -> Result<Loaded, String> {
        let site = match &compiled.site {
            Ok(site) => site,
            Err(error) => return Err(error.page.clone()),
        };
        let request = load_function(&site.request.code, &site.request.name).map_err(|e| e.page)?;
        let response = match &site.response {
            Some(code) => Some(load_function(&code.code, &code.name).map_err(|e| e.page)?),
            None => None,
        };
        let store = Store::from(site.kvs.clone());
        Ok(Loaded { request_name: site.request.name.clone(), rules: site.rules.clone(), request, response, store })
    }

    fn request(&mut self, spec: &RequestSpec, invocation: Invocation) -> RequestResult {
        let call = self.request.call(&invocation.event, invocation.raw_query.as_deref(), &self.store);
        let outcome = cases::boa::outcome(call);
        let function_name = self.request_name.clone();
        let explain = self.rules.as_ref().map(|rules| Explain { rules: rules.clone(), request: rules_request(spec) });
        // Only a generated response needs the rule that answered; explain finds it.
        let answered_by = outcome.response().map(|_| match &explain {
            Some(explain) => match explain.rules.explain(&explain.request).matched {
                Some(origin) => format!("{}:{}", explain.rules.source.name(), origin.line),
                None => function_name.clone(),
            },
            None => function_name.clone(),
        });
        RequestResult {
            outcome,
            answered_by,
            explain,
            has_response_function: self.response.is_some(),
            function_name,
            invocation,
        }
    }
}

/// A compile that failed: the diagnostics for the terminal (colored when it is one) and for the
/// page (plain text, escaped when the page is written).
struct LoadError {
    terminal: String,
    page: String,
}

impl LoadError {
    fn plain(message: String) -> LoadError {
        LoadError { terminal: format!("error: {message}"), page: message }
    }
}

/// A rules file, compiled: what `explain` needs.
#[derive(Debug)]
struct Rules {
    source: SourceFile,
    rules: rules_dsl::ir::Rules,
    output: compiler::CompileReturn,
}

impl Rules {
    fn explain(&self, request: &compiler::explain::Request) -> compiler::explain::Explanation {
        compiler::explain::explain(&self.rules, &self.output, request)
    }
}

/// A function's code and file name.
struct Code {
    code: String,
    name: String,
}

/// One good compile of the site, shared by every worker.
struct Site {
    request: Code,
    response: Option<Code>,
    kvs: cases::Kvs,
    rules: Option<Arc<Rules>>,
}

fn name_of(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

fn read(path: &Path) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|e| LoadError::plain(format!("cannot read {}: {e}", path.display())))
}

fn load_function(code: &str, name: &str) -> Result<Function, LoadError> {
    Function::load(code, runtime_js::Options::default())
        .map_err(|e| LoadError::plain(format!("{name}: {}", e.message())))
}

/// Checks that a function loads (size, syntax gate, top-level code), so that an error is
/// reported once, on the terminal and the page, rather than by every worker.
fn checked(code: String, name: String) -> Result<Code, LoadError> {
    load_function(&code, &name)?;
    Ok(Code { code, name })
}

impl Site {
    fn load(source: &Source, kvs: Option<&Path>) -> Result<Site, LoadError> {
        let kvs = match kvs {
            Some(path) => {
                let text = read(path)?;
                let store = runtime_js::input::kvs(&text).map_err(|diagnostic| {
                    let source = SourceFile::new(path.display().to_string(), text.as_str());
                    LoadError {
                        terminal: rules_dsl::diagnostics::render(
                            std::slice::from_ref(&diagnostic),
                            &source,
                            crate::log::color(),
                        ),
                        page: rules_dsl::diagnostics::render(std::slice::from_ref(&diagnostic), &source, false),
                    }
                })?;
                store.data().clone()
            }
            None => cases::Kvs::new(),
        };
        match source {
            Source::Functions { request, response } => {
                let response = match response {
                    Some(path) => Some(checked(read(path)?, name_of(path))?),
                    None => None,
                };
                Ok(Site { request: checked(read(request)?, name_of(request))?, response, kvs, rules: None })
            }
            Source::Rules(path) => Site::compile(path),
        }
    }

    fn compile(path: &Path) -> Result<Site, LoadError> {
        let bytes =
            std::fs::read(path).map_err(|e| LoadError::plain(format!("cannot read {}: {e}", path.display())))?;
        let (source, utf8_error) = rules_dsl::source_from_bytes(path.display().to_string(), &bytes);
        let mut analysis = rules_dsl::analyze(&source);
        analysis.diagnostics.splice(0..0, utf8_error);
        let failed = |diagnostics: &[rules_dsl::Diagnostic]| LoadError {
            terminal: rules_dsl::diagnostics::render(diagnostics, &source, crate::log::color()),
            page: rules_dsl::diagnostics::render(diagnostics, &source, false),
        };
        if analysis.has_errors() {
            return Err(failed(&analysis.diagnostics));
        }
        let output = compiler::compile(&analysis.rules, &compiler::CompileOptions::default())
            .map_err(|e| LoadError::plain(format!("{}: {e}", path.display())))?;
        if output.diagnostics.iter().any(|d| d.is_error()) {
            return Err(failed(&output.diagnostics));
        }
        let kvs = output.kvs.iter().map(|e| (e.key.clone(), e.value.clone())).collect();
        let request = checked(output.request.clone(), "viewer-request.js".into())?;
        let response = match &output.response {
            Some(code) => Some(checked(code.clone(), "viewer-response.js".into())?),
            None => None,
        };
        Ok(Site { request, response, kvs, rules: Some(Arc::new(Rules { source, rules: analysis.rules, output })) })
    }
}

fn rules_request(spec: &RequestSpec) -> compiler::explain::Request {
    let mut headers = spec.headers.clone();
    if let Some(country) = &spec.country {
        headers.insert("cloudfront-viewer-country".into(), country.clone());
    }
    compiler::explain::Request {
        host: spec.host.clone(),
        path: spec.path.clone(),
        query: spec.query.clone(),
        headers,
        cookies: spec.cookies.clone(),
        origin_status: None,
    }
}
