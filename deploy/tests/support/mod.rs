//! Shared by the deploy tests: SDK settings for the local fake, compiling rules into a
//! [`deploy::Site`], probe requests derived from the rules, and the check that what is live
//! answers every probe as the old or the new rules do.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_config::SdkConfig;
use cases::engine::{Engine, Kvs, Outcome};
use cases::event::{Invocation, RequestSpec};
use deploy::site::{FunctionNames, Site};
use deploy_fake::{FakeAws, Snapshot};
use rules_dsl::ir::{Condition, Matcher, Rules, Segment};

/// The names a test site deploys to.
pub const STORE: &str = "site-data";
/// The viewer-request function.
pub const REQUEST: &str = "site-request";
/// The viewer-response function.
pub const RESPONSE: &str = "site-response";

/// SDK settings with fixed test credentials and no SDK retries.
pub async fn sdk_config() -> SdkConfig {
    deploy::aws::config_with_credentials("AKIDTEST", "secret").await
}

/// Retries without waiting long.
pub fn quick_retry() -> deploy::Retry {
    deploy::Retry {
        attempts: 8,
        base: Duration::from_micros(100),
        max: Duration::from_millis(2),
        store_ready: Duration::from_secs(5),
        ..deploy::Retry::default()
    }
}

/// Deploy options for tests: no settling, the test store.
pub fn options() -> deploy::Options {
    deploy::Options {
        plan: deploy::PlanOptions { store: STORE.into(), create_store: true, allow_mass_delete: false },
        settle: Duration::ZERO,
        ..deploy::Options::default()
    }
}

/// A compiled rules file.
pub struct Compiled {
    /// The rules.
    pub rules: Rules,
    /// The compiler's output.
    pub output: compiler::CompileReturn,
}

impl Compiled {
    /// The site to deploy, with both functions.
    pub fn site(&self) -> Site {
        site(&self.output, self.rules.settings.kvs_id.clone())
    }

    /// The KVS contents as a map.
    pub fn kvs(&self) -> Kvs {
        self.output.kvs.iter().map(|e| (e.key.clone(), e.value.clone())).collect()
    }
}

/// Compiles rules text, which must be valid.
pub fn compile(text: &str) -> Compiled {
    let source = rules_dsl::SourceFile::new("site.hedge", text);
    let analysis = rules_dsl::analyze(&source);
    assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics);
    let output = compiler::compile(&analysis.rules, &compiler::CompileOptions::default()).expect("compiles");
    assert!(output.diagnostics.iter().all(|d| !d.is_error()), "{:?}", output.diagnostics);
    Compiled { rules: analysis.rules, output }
}

/// The site for a compilation, as the `hedgec deploy` command builds it.
pub fn site(output: &compiler::CompileReturn, store_id: Option<String>) -> Site {
    let names = FunctionNames { request: REQUEST.into(), response: Some(RESPONSE.into()) };
    Site::from_compiled(output, &names, store_id).expect("a site")
}

/// Deploys `site` to the fake; panics on failure.
pub fn deploy(fake: &FakeAws, site: &Site, options: &deploy::Options) -> deploy::Report {
    try_deploy(fake, site, options).unwrap_or_else(|e| panic!("deploy failed: {e}"))
}

/// Deploys `site` to the fake.
pub fn try_deploy(
    fake: &FakeAws,
    site: &Site,
    options: &deploy::Options,
) -> Result<deploy::Report, deploy::DeployError> {
    deploy::block_on(async {
        let config = sdk_config().await;
        let observer = deploy::progress::Silent;
        let aws = deploy::Aws::new(&config, Some(&fake.endpoint()), quick_retry(), &observer);
        deploy::apply::deploy(&aws, site, options, &observer).await
    })
}

/// A sample path for a matcher, and the request spec that satisfies its conditions.
fn sample(matcher: &Matcher, fill: &str) -> RequestSpec {
    let mut path = String::new();
    for segment in &matcher.path.segments {
        path.push('/');
        match segment {
            Segment::Literal(text) => path.push_str(text),
            Segment::Param(_) => path.push_str(fill),
        }
    }
    if matcher.path.splat {
        path.push_str(&format!("/{fill}/deeper"));
    } else if matcher.path.trailing_slash || path.is_empty() {
        path.push('/');
    }
    let mut spec = RequestSpec::parse(&path).expect("a sample path parses");
    if let Some(host) = &matcher.host {
        spec.host = host.clone();
    }
    for condition in &matcher.conditions {
        match condition {
            Condition::Country(countries) => spec.country = countries.first().cloned(),
            Condition::Language(languages) => {
                spec.headers.insert("accept-language".into(), languages.first().cloned().unwrap_or_default());
            }
            Condition::Cookie { name, value } => {
                spec.cookies.insert(name.clone(), value.clone().unwrap_or_else(|| "1".into()));
            }
            Condition::Query { key, value } => {
                spec.query = Some(format!("{key}={}", value.clone().unwrap_or_else(|| "1".into())));
            }
        }
    }
    spec
}

/// Probe requests for a set of rules: every exact path, every pattern with sample values (with
/// and without its conditions), every prefix, and a miss.
pub fn probes(rule_sets: &[&Rules]) -> Vec<Invocation> {
    let mut specs: Vec<RequestSpec> = Vec::new();
    for rules in rule_sets {
        let matchers = rules
            .routes
            .iter()
            .map(|r| &r.matcher)
            .chain(rules.request_headers.iter().map(|r| &r.matcher))
            .chain(rules.response_headers.iter().map(|r| &r.matcher));
        for matcher in matchers {
            for fill in ["sample", "x1"] {
                let spec = sample(matcher, fill);
                if !matcher.conditions.is_empty() || matcher.host.is_some() {
                    let mut plain = RequestSpec::parse(&spec.path).expect("parses");
                    plain.query = None;
                    specs.push(plain);
                }
                specs.push(spec);
                if matcher.path.is_exact() {
                    break;
                }
            }
        }
        for strip in &rules.prefix_strips {
            specs.push(RequestSpec::parse(&format!("{}/x?y=1", strip.prefix)).expect("parses"));
        }
    }
    specs.push(RequestSpec::parse("/hedgec-probe-miss/").expect("parses"));
    let mut seen = std::collections::BTreeSet::new();
    specs.retain(|s| seen.insert(format!("{s:?}")));
    specs.iter().map(RequestSpec::event).collect()
}

/// The viewer-response event for each probe, with a fixed origin response.
pub fn response_probes(requests: &[Invocation]) -> Vec<Invocation> {
    let headers = BTreeMap::from([
        ("content-type".to_string(), "text/html".to_string()),
        ("x-powered-by".to_string(), "origin".to_string()),
    ]);
    requests.iter().map(|i| cases::event::response_event(&i.event, &i.event["request"], 200, &headers)).collect()
}

/// What is compared between two answers: the output, the error and the origin change.
fn answer(outcome: &Outcome) -> (Option<serde_json::Value>, Option<String>, Option<serde_json::Value>) {
    (outcome.output.clone(), outcome.error.clone(), outcome.origin.clone())
}

type Answers = Vec<(Option<serde_json::Value>, Option<String>, Option<serde_json::Value>)>;

/// Runs functions on probes, remembering results by code and store contents.
pub struct Oracle {
    engine: Box<dyn Engine>,
    cache: HashMap<(String, u64, bool), Answers>,
    requests: Vec<Invocation>,
    responses: Vec<Invocation>,
    /// Engine runs made (cache misses).
    pub runs: usize,
}

impl Oracle {
    /// An oracle for these probes on `engine`.
    pub fn new(requests: Vec<Invocation>, engine: Box<dyn Engine>) -> Oracle {
        let responses = response_probes(&requests);
        Oracle { engine, cache: HashMap::new(), requests, responses, runs: 0 }
    }

    /// The answers of `code` with `kvs`, on the request or the response probes.
    pub fn answers(&mut self, code: &str, kvs: &Kvs, response: bool) -> Answers {
        let digest = {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            kvs.hash(&mut hasher);
            hasher.finish()
        };
        let key = (code.to_string(), digest, response);
        if let Some(found) = self.cache.get(&key) {
            return found.clone();
        }
        let probes = if response { &self.responses } else { &self.requests };
        let outcomes = self.engine.run(code, kvs, probes).expect("the engine runs");
        self.runs += 1;
        let answers: Answers = outcomes.iter().map(answer).collect();
        self.cache.insert(key, answers.clone());
        answers
    }

    /// Checks that in `snapshot` each live function answers each probe as `old` or `new`
    /// does. Returns the failures, described.
    pub fn check(&mut self, snapshot: &Snapshot, old: &Site, new: &Site, old_kvs: &Kvs, new_kvs: &Kvs) -> Vec<String> {
        let mut failures = Vec::new();
        let empty = Kvs::new();
        let items = snapshot.stores.get(STORE).unwrap_or(&empty);
        for (index, name) in [REQUEST, RESPONSE].into_iter().enumerate() {
            let response = index == 1;
            let Some(code) = snapshot.live.get(name) else { continue };
            let live = self.answers(code, items, response);
            let old_code = old.functions.iter().find(|f| f.name == name).map(|f| f.code.as_str());
            let new_code = new.functions.iter().find(|f| f.name == name).map(|f| f.code.as_str());
            let old_answers = old_code.map(|c| self.answers(c, old_kvs, response));
            let new_answers = self.answers(new_code.expect("the new site has both functions"), new_kvs, response);
            let probes = if response { &self.responses } else { &self.requests };
            for (i, got) in live.iter().enumerate() {
                let as_old = old_answers.as_ref().is_some_and(|a| &a[i] == got);
                if !as_old && &new_answers[i] != got {
                    failures.push(format!(
                        "after {:?}: {name} answers {} with {got:?}; old: {:?}; new: {:?}",
                        snapshot.after,
                        probes[i].event["request"]["uri"],
                        old_answers.as_ref().map(|a| &a[i]),
                        new_answers[i]
                    ));
                }
            }
        }
        failures
    }
}

/// The local runtime, with a fixed clock.
pub fn boa() -> Box<dyn Engine> {
    Box::new(cases::boa::Boa::at(1_767_225_600_000))
}

/// nginx's njs, the differential oracle.
pub fn njs() -> Box<dyn Engine> {
    Box::new(cases::njs::Njs::default())
}

/// What the store holds after `report` deployed `compiled`: its entries, under the namespaces
/// the plan chose (a deploy that cannot change data in place moves it to a free namespace).
pub fn deployed(report: &deploy::Report, compiled: &Compiled) -> Kvs {
    let mut kvs = compiled.kvs();
    let stores = [&compiled.output.request_store, &compiled.output.response_store];
    for (function, store) in report.plan.functions.iter().zip(stores) {
        if let (Some(store), Some(chosen)) = (store, &function.namespace) {
            kvs = kvs
                .into_iter()
                .map(|(k, v)| match k.strip_prefix(store.namespace.as_str()) {
                    Some(bucket) => (format!("{chosen}{bucket}"), v),
                    None => (k, v),
                })
                .collect();
        }
    }
    kvs
}
