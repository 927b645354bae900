//! The site's functions on the local runtime, owned by one thread: the runtime's values are
//! not `Send`, so requests reach them through a channel. Each compile loads the functions once;
//! every request after it reuses them. A reload recompiles in place, and a compile error is
//! kept (and shown on every request) until the next good compile.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};

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
    /// The event it was called with, for the viewer-response event.
    pub invocation: Invocation,
    /// The rule (`site.hedge:6`) or function that generated a response, if one did.
    pub answered_by: Option<String>,
    /// The explain view of this request, for rules.
    pub explain: Option<String>,
    /// Whether there is a viewer-response function.
    pub has_response_function: bool,
    /// The function's file name, for messages.
    pub function_name: String,
}

/// A job for the engine thread.
enum Job {
    Request(RequestSpec, oneshot::Sender<Result<RequestResult, String>>),
    Response(Invocation, oneshot::Sender<Outcome>),
    Reload,
}

/// A handle to the engine thread; cheap to clone.
#[derive(Clone)]
pub struct Engine {
    jobs: mpsc::Sender<Job>,
    generation: Arc<AtomicU64>,
}

impl Engine {
    /// Starts the engine thread and compiles the site once. `report` receives compile errors
    /// (already rendered) and the line saying a reload worked.
    pub fn start(source: Source, kvs: Option<PathBuf>, report: fn(&str)) -> Engine {
        let (jobs, receiver) = mpsc::channel();
        let generation = Arc::new(AtomicU64::new(0));
        let counter = generation.clone();
        std::thread::spawn(move || {
            let mut site = Loaded::load(&source, kvs.as_deref());
            if let Err(error) = &site {
                report(&error.terminal);
            }
            counter.fetch_add(1, Ordering::SeqCst);
            while let Ok(job) = receiver.recv() {
                match job {
                    Job::Request(spec, reply) => {
                        let _ = reply.send(match &mut site {
                            Ok(loaded) => Ok(loaded.request(&spec)),
                            Err(error) => Err(error.page.clone()),
                        });
                    }
                    Job::Response(invocation, reply) => {
                        let outcome =
                            match &mut site {
                                Ok(Loaded { response: Some(function), store, .. }) => cases::boa::outcome(
                                    function.call(&invocation.event, invocation.raw_query.as_deref(), store),
                                ),
                                _ => Outcome::failed("the site has no viewer-response function any more"),
                            };
                        let _ = reply.send(outcome);
                    }
                    Job::Reload => {
                        // Edits come in bursts (truncate, write, rename): let the burst end
                        // before reading, so the compile sees the file as saved.
                        std::thread::sleep(std::time::Duration::from_millis(30));
                        site = Loaded::load(&source, kvs.as_deref());
                        match &site {
                            Ok(_) => report("recompiled: serving the new version"),
                            Err(error) => report(&error.terminal),
                        }
                        counter.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
        });
        Engine { jobs, generation }
    }

    /// How many compiles have finished (1 after the first).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Asks for a recompile.
    pub fn reload(&self) {
        let _ = self.jobs.send(Job::Reload);
    }

    /// Runs the viewer-request function. `Err` is the current compile error, as HTML-safe text.
    pub async fn request(&self, spec: RequestSpec) -> Result<RequestResult, String> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job::Request(spec, reply)).map_err(|_| "the engine stopped".to_string())?;
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

struct Rules {
    source: SourceFile,
    rules: rules_dsl::ir::Rules,
    output: compiler::CompileReturn,
}

struct Loaded {
    request: Function,
    response: Option<Function>,
    store: Store,
    request_name: String,
    rules: Option<Rules>,
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

impl Loaded {
    fn load(source: &Source, kvs: Option<&Path>) -> Result<Loaded, LoadError> {
        let store = match kvs {
            Some(path) => {
                let text = read(path)?;
                runtime_js::input::kvs(&text).map_err(|diagnostic| {
                    let source = SourceFile::new(path.display().to_string(), text.as_str());
                    LoadError {
                        terminal: rules_dsl::diagnostics::render(
                            std::slice::from_ref(&diagnostic),
                            &source,
                            crate::log::color(),
                        ),
                        page: rules_dsl::diagnostics::render(std::slice::from_ref(&diagnostic), &source, false),
                    }
                })?
            }
            None => Store::from(cases::Kvs::new()),
        };
        match source {
            Source::Functions { request, response } => {
                let request_name = name_of(request);
                let response = match response {
                    Some(path) => Some(load_function(&read(path)?, &name_of(path))?),
                    None => None,
                };
                Ok(Loaded {
                    request: load_function(&read(request)?, &request_name)?,
                    response,
                    store,
                    request_name,
                    rules: None,
                })
            }
            Source::Rules(path) => Loaded::compile(path),
        }
    }

    fn compile(path: &Path) -> Result<Loaded, LoadError> {
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
        let store = Store::from(output.kvs.iter().map(|e| (e.key.clone(), e.value.clone())).collect::<cases::Kvs>());
        let request = load_function(&output.request, "viewer-request.js")?;
        let response = match &output.response {
            Some(code) => Some(load_function(code, "viewer-response.js")?),
            None => None,
        };
        Ok(Loaded {
            request,
            response,
            store,
            request_name: "viewer-request.js".into(),
            rules: Some(Rules { source, rules: analysis.rules, output }),
        })
    }

    fn request(&mut self, spec: &RequestSpec) -> RequestResult {
        let invocation = spec.event();
        let call = self.request.call(&invocation.event, invocation.raw_query.as_deref(), &self.store);
        let outcome = cases::boa::outcome(call);
        let explanation = self
            .rules
            .as_ref()
            .map(|rules| (rules, compiler::explain::explain(&rules.rules, &rules.output, &rules_request(spec))));
        let answered_by = outcome.response().map(|_| match &explanation {
            Some((rules, explanation)) => match explanation.matched {
                Some(origin) => format!("{}:{}", rules.source.name(), origin.line),
                None => self.request_name.clone(),
            },
            None => self.request_name.clone(),
        });
        let explain = explanation.map(|(rules, explanation)| crate::explain::render(&rules.source, &explanation));
        RequestResult {
            outcome,
            invocation,
            answered_by,
            explain,
            has_response_function: self.response.is_some(),
            function_name: self.request_name.clone(),
        }
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
