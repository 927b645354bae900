//! The costliest regular expressions the language accepts stay within the compute budget on a
//! 4 KB path that almost matches, on the local runtime and on njs (whose PCRE backtracks as
//! CloudFront's engine may). A shape the checks let through by mistake (two `.*`, `(a+)+`) takes
//! hundreds of milliseconds here and fails the test.
//!
//! Generated rule sets of 50 and 200 regular expressions, in the shapes real Apache, nginx and
//! Vercel configurations use, each followed by an exact redirect: their code size, the compute
//! estimate at worst over `hedgec check`'s probes, and how many exact rules stayed in code
//! because a regular expression before them may match their path. Regular expressions are
//! not spilled to the KVS, so 200 of them are over the 10 KB limit: that set must fail with
//! E028 (and the test prints the size).

use std::time::Instant;

use cases::{Engine, Invocation, Kvs, RequestSpec};

/// Accepted expressions at the edge of the cost rules, and 4 KB paths that make them work
/// hardest: each path nearly matches and fails at its last character.
fn worst_cases() -> Vec<(&'static str, String)> {
    let dashes = "-".repeat(4090);
    let words = "ab-".repeat(1364);
    vec![
        ("redirect ~/(.*)-x /y/$1", format!("/{dashes}y")),
        ("redirect ~/(.*)-(\\d{1,9})x /y/$1", format!("/{dashes}1y")),
        ("redirect ~/([a-z]+)-([a-z]+)-(.*)\\.html /y/$3", format!("/{words}z")),
        ("redirect ~\"/(.{1,9})-(.*)z\" /y/$2", format!("/{dashes}y")),
        ("redirect ~/((?:ab|c)-?)*x /y", format!("/{words}q")),
        // A class run right after a literal it cannot match, behind a `.*`: one run per segment.
        ("redirect ~(?:/.*)?/x-[^/]* /y", format!("{}/", "/x-".repeat(1364))),
        ("redirect ~(?:/.*)?/x-[^/]* /y", format!("/x-{}/", "a".repeat(4090))),
        ("redirect ~/a/(?<p>[^/]+?)/(?<q>[^/]+?)-.* /y/:p/:q", format!("/a/b/{}", "a".repeat(4088))),
        // A `.*` that ends the expression.
        ("redirect ~.*?/x\\.html.* /y", format!("{}/x.htm", "/x.htm".repeat(681))),
        ("redirect ~/(.*)-(.*) /y/$1/$2", format!("/{}", "a".repeat(4094))),
    ]
}

fn invocations(path: &str, count: usize) -> Vec<Invocation> {
    let event = RequestSpec::parse(&format!("GET {path}")).expect("request").event();
    vec![event; count]
}

/// Milliseconds per call on an engine: the time of `calls + 1` runs less that of one, so that
/// starting the engine does not count.
fn per_call(engine: &mut dyn Engine, code: &str, path: &str, calls: usize) -> (f64, Vec<cases::Outcome>) {
    let kvs = Kvs::new();
    let one = Instant::now();
    engine.run(code, &kvs, &invocations(path, 1)).expect("runs");
    let base = one.elapsed().as_secs_f64();
    let many = Instant::now();
    let outcomes = engine.run(code, &kvs, &invocations(path, calls + 1)).expect("runs");
    let total = many.elapsed().as_secs_f64();
    (((total - base) / calls as f64) * 1000.0, outcomes)
}

/// Milliseconds per call of the handler on njs, timed inside one njs process.
fn njs_per_call(code: &str, path: &str, calls: usize) -> f64 {
    let dir = tempfile::tempdir().expect("temporary directory");
    let event = serde_json::json!({
        "version": "1.0", "context": {}, "viewer": { "ip": "192.0.2.1" },
        "request": { "method": "GET", "uri": path, "querystring": {}, "headers": { "host": { "value": "example.com" } }, "cookies": {} }
    });
    let driver = format!(
        "var ev = {event};\nev.request.rawQueryString = function () {{ return undefined; }};\nvar s = Date.now();\nfor (var i = 0; i < {calls}; i++) handler(ev);\nconsole.log((Date.now() - s) / {calls});\n"
    );
    let code: String = code.lines().filter(|l| !l.starts_with("import ")).collect::<Vec<_>>().join("\n");
    let main = dir.path().join("main.js");
    std::fs::write(&main, format!("{code}\n{driver}")).expect("write");
    let out = std::process::Command::new("njs").arg(&main).output().expect("njs runs");
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim().parse().unwrap_or_else(|_| panic!("njs: {text} {}", String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn worst_accepted_patterns_on_a_4kb_path() {
    let njs = cases::njs::Njs::default();
    for (rules, path) in worst_cases() {
        let output = conformance::compile(rules, "worst.hedge").unwrap_or_else(|e| panic!("{rules}: {e}"));
        let mut boa = cases::boa::Boa::default();
        let (boa_ms, outcomes) = per_call(&mut boa, &output.request, &path, 20);
        let compute = outcomes.iter().filter_map(|o| o.compute_utilization).max().unwrap_or(0);
        assert!(outcomes.iter().all(|o| o.error.is_none()), "{rules}: {:?}", outcomes[0].error);
        assert!(compute <= 70, "{rules}: compute estimate {compute} on the local runtime");
        // Generous bounds for a busy machine and a debug build (about 20 ms here, most of it
        // boa's interpreter); exponential or quadratic shapes take seconds.
        assert!(boa_ms < 150.0, "{rules}: {boa_ms:.2} ms per call on the local runtime");
        let mut line = format!("{rules}: local runtime {boa_ms:.3} ms, compute {compute}");
        if njs.available() {
            let njs_ms = njs_per_call(&output.request, &path, 40);
            assert!(njs_ms < 5.0, "{rules}: {njs_ms:.2} ms per call on njs");
            line.push_str(&format!(", njs {njs_ms:.3} ms"));
        }
        println!("{line}");
    }
}

/// Regular-expression shapes of real configurations, `{i}` numbering the rule's section, and an
/// exact path the expression matches.
const REGEX_SHAPES: &[(&str, &str)] = &[
    (r"redirect ~/blog{i}/(\d{4})/(\d{2})/([^/]+)\.html /posts/$1-$2/$3", "/blog{i}/2019/01/hello.html"),
    (r"redirect ~/(?<lang>en|de|fr)/docs{i}/(.*) /docs{i}/:lang/$2", "/en/docs{i}/intro"),
    (r"redirect ~/products{i}/([a-z0-9-]+)/? /shop/p/$1 308", "/products{i}/red-shoe"),
    (r"redirect ~/index{i}\.php/(.+) /$1", "/index{i}.php/about"),
    (r"rewrite ~/img{i}/([a-z]+)-(\d+)x(\d+)\.(png|jpe?g) /images/$1.$4?w=$2&h=$3", "/img{i}/cat-20x30.png"),
    (r"respond ~/wp{i}-(?:admin|login|content)(?:/.*)? 410", "/wp{i}-admin/x"),
    (r"redirect ~/category{i}/([^/]+)/page/(\d+) /c/$1?page=$2", "/category{i}/news/page/3"),
    (r"redirect ~/v{i}/(\d+)\.(\d+)/(.*) /versions/$1-$2/$3 302", "/v{i}/1.2/start"),
];

/// A rule set of `count` regular expressions, each followed by an exact redirect: every third
/// one a path its regular expression matches (so the expression answers it, and the exact rule
/// must not be looked up first), the others a path that none can match. Returns the rules and
/// the paths of the exact rules a regular expression matches.
fn regex_rule_set(count: usize) -> (String, Vec<String>) {
    let mut rules = String::new();
    let mut matched = Vec::new();
    for i in 0..count {
        let (rule, sample) = REGEX_SHAPES[i % REGEX_SHAPES.len()];
        rules.push_str(&rule.replace("{i}", &i.to_string()));
        rules.push('\n');
        if i % 3 == 0 {
            let path = sample.replace("{i}", &i.to_string());
            rules.push_str(&format!("redirect {path} /exact/{i}\n"));
            matched.push(path);
        } else {
            rules.push_str(&format!("redirect /plain-{i}.html /exact/{i}\n"));
        }
    }
    (rules, matched)
}

fn probe_request(p: &compiler::probes::Probe) -> Invocation {
    let spec = RequestSpec {
        method: "GET".into(),
        host: p.host.clone(),
        path: p.path.clone(),
        query: p.query.clone(),
        headers: p.headers.clone(),
        cookies: p.cookies.clone(),
        ..RequestSpec::default()
    };
    spec.event()
}

#[test]
fn regex_rule_sets_of_50_and_200() {
    for count in [50, 200] {
        let (text, matched) = regex_rule_set(count);
        let (rules, output) = match conformance::compile_with_rules(&text, "regex-set.hedge") {
            Ok(compiled) => compiled,
            // Regular-expression rules stay in code (they are not spilled to the KVS): 200 of
            // them are over CloudFront's size limit, and the compiler must say so with E028.
            Err(error) if count == 200 => {
                let size = error.lines().find(|l| l.contains("E028")).unwrap_or_else(|| panic!("{count}: {error}"));
                println!("{count} regular expressions and {count} exact rules: {size}; not compiled");
                continue;
            }
            Err(error) => panic!("{count}: {error}"),
        };
        let report = &output.report.rules;
        let kvs: Kvs = output.kvs.iter().map(|e| (e.key.clone(), e.value.clone())).collect();
        let site = cases::Site { request: &output.request, response: output.response.as_deref(), kvs: &kvs };
        let mut boa = cases::boa::Boa::default();
        let mut run = |requests: &[Invocation]| {
            let batch: Vec<_> = requests.iter().map(|i| (i.clone(), cases::OriginResponse::default())).collect();
            cases::simulate::simulate(&mut boa, site, &batch, cases::ResponseEventRequest::AsForwarded)
                .expect("the local runtime runs")
        };
        let probes = compiler::probes::probes(&rules);
        let traces = run(&probes.iter().map(probe_request).collect::<Vec<_>>());
        assert!(traces.iter().all(|t| t.request.error.is_none()), "{count}: a probe failed");
        let (worst, probe) = traces
            .iter()
            .zip(&probes)
            .map(|(t, p)| (t.compute_utilization().unwrap_or(0), &p.description))
            .max_by_key(|(c, _)| *c)
            .expect("probes");
        // The regular expression before an exact rule answers its path, whether the exact rule
        // stayed in code or was dropped as shadowed: a KVS lookup first would answer /exact/N.
        let requests: Vec<Invocation> =
            matched.iter().map(|path| RequestSpec::parse(&format!("GET {path}")).expect("request").event()).collect();
        for (path, trace) in matched.iter().zip(run(&requests)) {
            let location = trace.request.response().and_then(|r| r["headers"]["location"]["value"].as_str());
            assert!(
                !location.unwrap_or_default().starts_with("/exact/"),
                "{count}: {path} answered by its exact rule ({location:?}), not by the regular expression before it"
            );
        }
        let shadowed = count - report.exact_routes_in_code - report.routes_in_kvs;
        println!(
            "{count} regular expressions and {count} exact rules: request function {} bytes (spilled {} routes), \
             worst compute {worst} over {} probes ({probe}); of the {count} exact rules, {} in the KVS, {} in code \
             because a regular expression before them may match, {shadowed} dropped as shadowed ({} are matched \
             by the expression before them)",
            output.request.len(),
            report.routes_spilled,
            probes.len(),
            report.routes_in_kvs,
            report.exact_routes_in_code,
            matched.len(),
        );
        assert!(output.request.len() <= compiler::MAX_FUNCTION_BYTES, "{count}: over the size limit");
        assert!(worst <= 100, "{count}: compute estimate {worst} at {probe}");
        // No expression can match /plain-N.html: placement must see that and put them in the
        // KVS (a matched rule may go there too when its expression is tried before the lookup;
        // the requests above show that the expression still answers).
        assert!(
            report.routes_in_kvs >= count - matched.len(),
            "{count}: only {} exact rules in the KVS",
            report.routes_in_kvs
        );
    }
}
