//! The server over real HTTP on loopback: every case of the example site answered as the
//! simulation answers it, static files, proxying, named origins, the 502 for an unmapped
//! origin, path traversal refused, live reload and a throwing function.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A response as read off the wire.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Sends a raw HTTP/1.1 request (the target exactly as given) and reads the whole response.
async fn send(addr: SocketAddr, target: &str, headers: &[(&str, &str)]) -> Reply {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut request = format!("GET {target} HTTP/1.1\r\nconnection: close\r\n");
    if !headers.iter().any(|(n, _)| *n == "host") {
        request.push_str("host: example.com\r\n");
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut bytes = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut bytes)).await.unwrap().unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Reply { status, headers, body: body.to_string() }
}

fn config(source: dev::Source, dir: Option<&Path>) -> dev::Config {
    dev::Config {
        source,
        kvs: None,
        dir: dir.map(Path::to_path_buf),
        origin: None,
        named_origins: BTreeMap::new(),
        listen: "127.0.0.1:0".parse().unwrap(),
        country: None,
        json_log: false,
        watch: false,
    }
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

/// An upstream on loopback: answers every request with 200, the header lines and body that
/// `answer` gives for the request's head (request line and headers), repeated names kept.
async fn upstream_answering<F>(answer: F) -> SocketAddr
where
    F: Fn(&str) -> (Vec<(String, String)>, String) + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 16384];
                let mut read = 0;
                while !String::from_utf8_lossy(&buffer[..read]).contains("\r\n\r\n") && read < buffer.len() {
                    match stream.read(&mut buffer[read..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => read += n,
                    }
                }
                let (headers, body) = answer(&String::from_utf8_lossy(&buffer[..read]));
                let mut response =
                    format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n", body.len());
                for (name, value) in &headers {
                    response.push_str(&format!("{name}: {value}\r\n"));
                }
                response.push_str("\r\n");
                response.push_str(&body);
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    addr
}

/// An upstream that answers with the headers in `headers` (read at each request) and a body
/// naming the request line and `x-edge` header it received.
async fn upstream(headers: Arc<Mutex<BTreeMap<String, String>>>) -> SocketAddr {
    upstream_answering(move |request| {
        let line = request.lines().next().unwrap_or("");
        let edge = request.lines().find_map(|l| l.strip_prefix("x-edge: ")).unwrap_or("none");
        let lines = headers.lock().unwrap().iter().map(|(n, v)| (n.clone(), v.clone())).collect();
        (lines, format!("upstream saw {line} x-edge={edge}"))
    })
    .await
}

/// Headers the HTTP layer adds or that describe the transport, not the site.
const TRANSPORT: &[&str] = &["content-length", "connection", "date", "content-type", "transfer-encoding"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_example_case_answers_over_http_as_the_simulation_does() {
    let origin_headers = Arc::new(Mutex::new(BTreeMap::new()));
    let upstream = upstream(origin_headers.clone()).await;
    let rules = examples().join("site.hedge");
    let mut config = config(dev::Source::Rules(rules.clone()), None);
    config.origin = Some(format!("http://{upstream}"));
    config.named_origins.insert("api-origin".into(), format!("http://{upstream}"));
    let server = dev::Server::start(config).await.unwrap();

    let text = std::fs::read_to_string(examples().join("cases.toml")).unwrap();
    let file = cases::casefile::parse(&text, &examples()).unwrap();
    let source = rules_dsl::SourceFile::new("site.hedge", std::fs::read_to_string(&rules).unwrap());
    let analysis = rules_dsl::analyze(&source);
    let output = compiler::compile(&analysis.rules, &compiler::CompileOptions::default()).unwrap();
    let kvs = output.kvs.iter().map(|e| (e.key.clone(), e.value.clone())).collect();
    let site = cases::Site { request: &output.request, response: output.response.as_deref(), kvs: &kvs };
    assert!(file.cases.len() >= 10);
    for case in &file.cases {
        let invocation = case.invocation.clone();
        let trace = cases::simulate::simulate(
            &mut cases::boa::Boa::default(),
            site,
            &[(invocation, case.origin.clone())],
            cases::ResponseEventRequest::AsForwarded,
        )
        .unwrap()
        .pop()
        .unwrap();
        let expected = trace.viewer_response.expect("the simulation answers");
        *origin_headers.lock().unwrap() = case.origin.headers.clone();
        let request = &case.invocation.event["request"];
        let path = request["uri"].as_str().unwrap();
        let target = match &case.invocation.raw_query {
            Some(query) => format!("{path}?{query}"),
            None => path.to_string(),
        };
        let mut headers: Vec<(&str, &str)> = Vec::new();
        for (name, field) in request["headers"].as_object().unwrap() {
            let name = if name == "cloudfront-viewer-country" { "x-hedgec-country" } else { name.as_str() };
            headers.push((name, field["value"].as_str().unwrap()));
        }
        let cookies: Vec<String> = request["cookies"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(n, c)| format!("{n}={}", c["value"].as_str().unwrap()))
            .collect();
        let cookies = cookies.join("; ");
        if !cookies.is_empty() {
            headers.push(("cookie", &cookies));
        }
        let reply = send(server.addr(), &target, &headers).await;
        assert_eq!(u64::from(reply.status), expected["statusCode"].as_u64().unwrap(), "{}", case.name);
        let expected_headers: BTreeMap<String, String> = expected["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(n, v)| (n.clone(), v["value"].as_str().unwrap().to_string()))
            .collect();
        let got: BTreeMap<String, String> =
            reply.headers.iter().filter(|(n, _)| !TRANSPORT.contains(&n.as_str())).cloned().collect();
        assert_eq!(got, expected_headers, "{}: headers (location included)", case.name);
        // The request that reached the origin: path, query and request headers as the function left them.
        if let Some(forwarded) = &trace.origin_request {
            let query = cases::event::query_string(&forwarded["querystring"]);
            let uri = forwarded["uri"].as_str().unwrap();
            let line = if query.is_empty() { uri.to_string() } else { format!("{uri}?{query}") };
            assert!(reply.body.contains(&format!("GET {line} HTTP/1.1")), "{}: {}", case.name, reply.body);
            let edge = forwarded["headers"]["x-edge"]["value"].as_str().unwrap_or("none");
            assert!(reply.body.contains(&format!("x-edge={edge}")), "{}: {}", case.name, reply.body);
        }
    }
    server.stop().await;
}

fn site_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let public = dir.path().join("public");
    std::fs::create_dir_all(public.join("docs")).unwrap();
    std::fs::write(public.join("index.html"), "<h1>home</h1>").unwrap();
    std::fs::write(public.join("docs/index.html"), "<h1>docs</h1>").unwrap();
    std::fs::write(public.join("style.css"), "h1{}").unwrap();
    std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path().join("secret.txt"), public.join("link.txt")).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_files_index_and_traversal() {
    let dir = site_dir();
    let rules = dir.path().join("site.hedge");
    std::fs::write(&rules, "header /* x-site \"1\"\n").unwrap();
    let server = dev::Server::start(config(dev::Source::Rules(rules), Some(&dir.path().join("public")))).await.unwrap();
    let addr = server.addr();

    let home = send(addr, "/", &[]).await;
    assert_eq!((home.status, home.body.as_str()), (200, "<h1>home</h1>"));
    assert_eq!(home.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(home.header("x-site"), Some("1"), "the viewer-response function ran");
    let docs = send(addr, "/docs/", &[]).await;
    assert_eq!(docs.body, "<h1>docs</h1>");
    let css = send(addr, "/style.css", &[]).await;
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    let missing = send(addr, "/nope.html", &[]).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("x-site"), None, "origin errors skip the viewer-response function");

    for attempt in [
        "/../secret.txt",
        "/docs/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/docs/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/..%5csecret.txt",
        "/..\\secret.txt",
        "/link.txt",
        "/%00",
    ] {
        let reply = send(addr, attempt, &[]).await;
        assert!(matches!(reply.status, 400 | 403 | 404), "{attempt}: {}", reply.status);
        assert!(!reply.body.contains("secret"), "{attempt} leaked the file");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn named_origins_and_the_502_for_an_unmapped_one() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("site.hedge");
    std::fs::write(&rules, "prefix-strip /api origin=api\nprefix-strip /other origin=<script>x</script>\n").unwrap();
    let upstream = upstream(Arc::new(Mutex::new(BTreeMap::new()))).await;
    let mut config = config(dev::Source::Rules(rules), None);
    config.named_origins.insert("api".into(), format!("http://{upstream}/base"));
    let server = dev::Server::start(config).await.unwrap();
    let api = send(server.addr(), "/api/users?x=1&x=2", &[]).await;
    assert_eq!(api.status, 200);
    assert!(api.body.contains("GET /base/users?x=1&x=2 HTTP/1.1"), "{}", api.body);
    let other = send(server.addr(), "/other/a", &[]).await;
    assert_eq!(other.status, 502);
    assert!(other.body.contains("&lt;script&gt;x&lt;/script&gt;"), "{}", other.body);
    assert!(!other.body.contains("<script>"), "escaped");
    let page = send(server.addr(), "/_hedgec/", &[]).await;
    assert!(page.body.contains("/api/users?x=1&amp;x=2"), "{}", page.body);
    assert!(page.body.contains("prefix-strip /api origin=api"), "the explain view: {}", page.body);
    server.stop().await;
}

/// Waits (bounded: 2 s) until `/a` answers with this status and location.
async fn until_answer(server: &dev::Server, status: u16, location: Option<&str>) {
    for _ in 0..100 {
        let reply = send(server.addr(), "/a", &[]).await;
        if reply.status == status && reply.header("location") == location {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("/a did not become {status} {location:?} within 2 s");
}

/// Waits (bounded) until the server has compiled `generation` times.
async fn until_generation(server: &dev::Server, generation: u64) {
    for _ in 0..100 {
        if server.generation() >= generation {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no recompile within 2 s (generation {})", server.generation());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_reload_of_a_change_and_of_a_syntax_error() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("site.hedge");
    std::fs::write(&rules, "redirect /a /b 302\n").unwrap();
    let mut config = config(dev::Source::Rules(rules.clone()), None);
    config.watch = true;
    let server = dev::Server::start(config).await.unwrap();
    until_generation(&server, 1).await;
    assert_eq!(send(server.addr(), "/a", &[]).await.header("location"), Some("/b"));

    std::fs::write(&rules, "redirect /a /c 302\n").unwrap();
    until_answer(&server, 302, Some("/c")).await;

    std::fs::write(&rules, "redirect /a \"</pre><b>\" bogus\n").unwrap();
    until_answer(&server, 500, None).await;
    let broken = send(server.addr(), "/a", &[]).await;
    assert_eq!(broken.status, 500);
    assert!(broken.body.contains("site.hedge:1"), "{}", broken.body);
    assert!(!broken.body.contains("</pre><b>"), "diagnostics are escaped");
    assert_eq!(send(server.addr(), "/anything", &[]).await.status, 500, "never a stale site");

    std::fs::write(&rules, "redirect /a /d 302\n").unwrap();
    until_answer(&server, 302, Some("/d")).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throwing_or_runaway_function_gives_503_and_hand_written_functions_see_the_request() {
    let dir = tempfile::tempdir().unwrap();
    let function = dir.path().join("f.js");
    std::fs::write(
        &function,
        "function handler(event) {\n  var r = event.request;\n  if (r.uri === '/throw') { throw new Error('boom'); }\n  \
         if (r.uri === '/loop') { while (true) {} }\n  return { statusCode: 200, statusDescription: 'OK', headers: {\n    \
         'x-host': { value: r.headers.host.value },\n    'x-country': { value: r.headers['cloudfront-viewer-country'] ? r.headers['cloudfront-viewer-country'].value : 'none' },\n    \
         'x-q': { value: String(r.querystring.q && r.querystring.q.multiValue ? r.querystring.q.multiValue.length : 0) },\n    \
         'x-cookie': { value: r.cookies.lang ? r.cookies.lang.value : 'none' } } };\n}\n",
    )
    .unwrap();
    let mut config = config(dev::Source::Functions { request: function, response: None }, None);
    config.country = Some("US".into());
    let server = dev::Server::start(config).await.unwrap();
    let thrown = send(server.addr(), "/throw", &[]).await;
    assert_eq!(thrown.status, 503);
    assert!(thrown.body.contains("boom"), "{}", thrown.body);
    assert_eq!(send(server.addr(), "/loop", &[]).await.status, 503);
    let seen = send(
        server.addr(),
        "/x?q=1&q=2",
        &[("host", "shop.example:8787"), ("cookie", "lang=de; a=b"), ("x-hedgec-country", "at")],
    )
    .await;
    assert_eq!(seen.status, 200);
    assert_eq!(seen.header("x-host"), Some("shop.example"));
    assert_eq!(seen.header("x-country"), Some("AT"));
    assert_eq!(seen.header("x-q"), Some("2"));
    assert_eq!(seen.header("x-cookie"), Some("de"));
    assert_eq!(send(server.addr(), "/", &[]).await.header("x-country"), Some("US"), "--country");
    server.stop().await;
}

/// The event a hand-written function saw, sent back as the response body.
const ECHO: &str = "function handler(event) {\n  var r = event.request;\n  \
    if (r.uri === '/origin') { return r; }\n  \
    return { statusCode: 200, statusDescription: 'OK', headers: {}, \
    body: JSON.stringify({ headers: r.headers, cookies: r.cookies, querystring: r.querystring }) };\n}\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_headers_cookies_and_query_keys_reach_the_function_as_cloudfront_builds_them() {
    let dir = tempfile::tempdir().unwrap();
    let function = dir.path().join("echo.js");
    std::fs::write(&function, ECHO).unwrap();
    let server =
        dev::Server::start(config(dev::Source::Functions { request: function, response: None }, None)).await.unwrap();
    let reply = send(
        server.addr(),
        "/x?k=1&k=2,3&one=a",
        &[
            ("accept", "text/html"),
            ("accept", "application/json, text/plain"),
            ("x-single", "a, b"),
            ("cookie", "id=1; lang=de"),
            ("cookie", "id=2"),
        ],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let seen: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(
        seen["headers"]["accept"],
        serde_json::json!({ "value": "text/html", "multiValue": [
            { "value": "text/html" }, { "value": "application/json, text/plain" } ] }),
        "a repeated header is one field with multiValue, never joined"
    );
    assert_eq!(seen["headers"]["x-single"], serde_json::json!({ "value": "a, b" }), "one header is not split");
    assert_eq!(
        seen["cookies"]["id"],
        serde_json::json!({ "value": "1", "multiValue": [ { "value": "1" }, { "value": "2" } ] })
    );
    assert_eq!(seen["cookies"]["lang"], serde_json::json!({ "value": "de" }));
    assert!(seen["headers"].get("cookie").is_none(), "cookies are not a header in the event");
    assert_eq!(
        seen["querystring"]["k"],
        serde_json::json!({ "value": "1", "multiValue": [ { "value": "1" }, { "value": "2,3" } ] })
    );
    assert_eq!(seen["querystring"]["one"], serde_json::json!({ "value": "a" }));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn origin_headers_and_cookies_reach_the_viewer_response_function_as_cloudfront_builds_them() {
    let dir = tempfile::tempdir().unwrap();
    let request = dir.path().join("request.js");
    std::fs::write(&request, "function handler(event) { return event.request; }\n").unwrap();
    let response = dir.path().join("response.js");
    std::fs::write(
        &response,
        "function handler(event) {\n  var r = event.response;\n  \
         r.headers['x-seen'] = { value: JSON.stringify({ headers: r.headers, cookies: r.cookies }) };\n  \
         return r;\n}\n",
    )
    .unwrap();
    let upstream = upstream_with(vec![
        ("x-multi", "1"),
        ("x-multi", "2"),
        ("set-cookie", "a=1; Path=/; HttpOnly"),
        ("set-cookie", "a=2"),
        ("set-cookie", "b=3"),
    ])
    .await;
    let mut config = config(dev::Source::Functions { request, response: Some(response) }, None);
    config.origin = Some(format!("http://{upstream}"));
    let server = dev::Server::start(config).await.unwrap();
    let reply = send(server.addr(), "/page", &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let seen: serde_json::Value = serde_json::from_str(reply.header("x-seen").unwrap()).unwrap();
    assert_eq!(
        seen["headers"]["x-multi"],
        serde_json::json!({ "value": "1", "multiValue": [ { "value": "1" }, { "value": "2" } ] })
    );
    assert!(seen["headers"].get("set-cookie").is_none(), "set-cookie becomes cookies");
    assert_eq!(
        seen["cookies"]["a"],
        serde_json::json!({ "value": "1", "attributes": "Path=/; HttpOnly", "multiValue": [
            { "value": "1", "attributes": "Path=/; HttpOnly" }, { "value": "2" } ] })
    );
    assert_eq!(seen["cookies"]["b"], serde_json::json!({ "value": "3" }));
    let set_cookies: Vec<&str> =
        reply.headers.iter().filter(|(n, _)| n == "set-cookie").map(|(_, v)| v.as_str()).collect();
    assert_eq!(set_cookies, ["a=1; Path=/; HttpOnly", "a=2", "b=3"], "every cookie reaches the viewer");
    server.stop().await;
}

/// An upstream that answers every request with these header lines, repeated names kept.
async fn upstream_with(headers: Vec<(&'static str, &'static str)>) -> SocketAddr {
    let lines: Vec<(String, String)> = headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
    upstream_answering(move |_| (lines.clone(), "ok".to_string())).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_with_nowhere_to_go_gets_a_502_that_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("site.hedge");
    std::fs::write(&rules, "prefix-strip /api origin=api\nredirect /r /s\n").unwrap();
    let server = dev::Server::start(config(dev::Source::Rules(rules), None)).await.unwrap();
    let unmapped = send(server.addr(), "/api/x", &[]).await;
    assert_eq!(unmapped.status, 502);
    assert!(unmapped.body.contains("502 Unmapped origin api"), "{}", unmapped.body);
    assert!(unmapped.body.contains("--origin api=http://"), "{}", unmapped.body);
    let nowhere = send(server.addr(), "/page", &[]).await;
    assert_eq!(nowhere.status, 502);
    assert!(nowhere.body.contains("502 No origin"), "{}", nowhere.body);
    assert!(nowhere.body.contains("--dir SITE"), "{}", nowhere.body);
    assert_eq!(send(server.addr(), "/r", &[]).await.status, 301);

    // The page lists them newest first, each with what answered and its explain view.
    let page = send(server.addr(), "/_hedgec/", &[]).await.body;
    let rows: Vec<&str> = page.split("<tr><td>").skip(1).collect();
    assert_eq!(rows.len(), 3, "{page}");
    assert!(rows[0].contains("GET /r") && rows[0].contains("site.hedge:2") && rows[0].contains("301"), "{}", rows[0]);
    assert!(rows[0].contains("redirect /r /s") && rows[0].contains("matches"), "{}", rows[0]);
    assert!(rows[1].contains("GET /page") && rows[1].contains("<td>no origin</td>"), "{}", rows[1]);
    assert!(rows[1].contains("no rule answers"), "{}", rows[1]);
    assert!(rows[2].contains("GET /api/x") && rows[2].contains("<td>unmapped origin api</td>"), "{}", rows[2]);
    assert!(rows[2].contains("prefix-strip /api origin=api"), "{}", rows[2]);
    server.stop().await;
}
