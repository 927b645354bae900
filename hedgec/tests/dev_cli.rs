//! `hedgec dev` as a user runs it: the binary listens on a free loopback port, prints it,
//! serves the example site through its functions, logs each request, and exits 0 on Ctrl-C.
//! When Debian's `chromium` is installed, a real browser follows a redirect chain through it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

fn start(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hedgec"))
        .arg("dev")
        .args(args)
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    for _ in 0..50 {
        line.clear();
        if stderr.read_line(&mut line).unwrap() == 0 {
            break;
        }
        if let Some(rest) = line.split("http://").nth(1) {
            let addr = rest.split('/').next().unwrap().to_string();
            // Keep draining stderr so the server never blocks on a full pipe.
            std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
            return (child, addr);
        }
    }
    let _ = child.kill();
    let status = child.wait();
    panic!("hedgec dev printed no address ({status:?}); last line: {line}");
}

fn get(addr: &str, target: &str, host: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(stream, "GET {target} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n\r\n").unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    text
}

fn get_with(addr: &str, target: &str, host: &str, header: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(stream, "GET {target} HTTP/1.1\r\nhost: {host}\r\n{header}\r\nconnection: close\r\n\r\n").unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    text
}

fn interrupt(mut child: Child) -> (i32, String) {
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let mut stdout = String::new();
    child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    (child.wait().unwrap().code().unwrap_or(-1), stdout)
}

fn examples() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

#[test]
fn serves_logs_and_exits_zero_on_ctrl_c() {
    let (child, addr) = start(&[examples().join("site.hedge").to_str().unwrap(), "--format", "json"]);
    let reply = get(&addr, "/old-page?utm=1", "example.com");
    assert!(reply.starts_with("HTTP/1.1 301"), "{reply}");
    assert!(reply.to_ascii_lowercase().contains("location: /new-page?utm=1"), "{reply}");
    let reply = get(&addr, "/", "example.com");
    assert!(reply.starts_with("HTTP/1.1 502"), "no origin given: {reply}");
    let (code, stdout) = interrupt(child);
    assert_eq!(code, 0);
    let first: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(first["status"], 301);
    assert_eq!(first["path"], "/old-page?utm=1");
    assert_eq!(first["answered_by"].as_str().unwrap(), format!("{}:6", examples().join("site.hedge").display()));
    // The example's three exact rules are in code (smaller than the KVS reader).
    assert_eq!(first["kvs_reads"], 0);
    assert_eq!(first["method"], "GET");
    assert!(first["compute_utilization"].as_u64().is_some_and(|c| c <= 100), "{first}");
    assert!(first["ms"].is_u64(), "{first}");
    let second: serde_json::Value = serde_json::from_str(stdout.lines().nth(1).unwrap()).unwrap();
    assert_eq!((second["status"].as_u64(), second["answered_by"].as_str()), (Some(502), Some("no origin")));
}

/// `--country` sets the viewer's country; `x-hedgec-country` overrides it for one request; the
/// text log names the rule that answered.
#[test]
fn country_flag_header_and_text_log() {
    let rules = examples().join("site.hedge");
    let (child, addr) = start(&[rules.to_str().unwrap(), "--country", "de"]);
    let reply = get(&addr, "/", "example.com");
    assert!(reply.starts_with("HTTP/1.1 302"), "--country de: {reply}");
    assert!(reply.to_ascii_lowercase().contains("location: /de/"), "{reply}");
    let reply = get_with(&addr, "/", "example.com", "x-hedgec-country: FR");
    assert!(reply.starts_with("HTTP/1.1 502"), "a viewer in France goes on to the (missing) origin: {reply}");
    let (code, stdout) = interrupt(child);
    assert_eq!(code, 0);
    let lines: Vec<&str> = stdout.lines().collect();
    let answered = format!("GET / 302 {}:9 compute ", rules.display());
    assert!(lines[0].starts_with(&answered) && lines[0].contains(" kvs ") && lines[0].ends_with("ms"), "{stdout}");
    assert!(lines[1].starts_with("GET / 502 no origin compute "), "{stdout}");
}

#[test]
fn bad_flags_exit_two() {
    let output = Command::new(env!("CARGO_BIN_EXE_hedgec"))
        .args(["dev", "missing.hedge", "--origin", "ftp://x", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("http://"));
}

/// A real browser loads a page through `hedgec dev`, follows two redirects, and the page shows
/// its final URL and a header the rules set. Skipped (with a note) when chromium is missing.
#[test]
fn chromium_follows_a_redirect_chain() {
    let Some(chromium) = ["chromium", "chromium-browser"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()))
    else {
        eprintln!("chromium is not installed (scripts/test installs it): skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let public = dir.path().join("public");
    std::fs::create_dir_all(public.join("end")).unwrap();
    std::fs::write(
        public.join("end/index.html"),
        "<!doctype html><html><body><p id=url></p><p id=header></p><script>\
         document.getElementById('url').textContent = 'URL=' + location.href;\
         fetch(location.href).then(function (r) { document.getElementById('header').textContent = 'HEADER=' + r.headers.get('x-hedge'); });\
         </script></body></html>",
    )
    .unwrap();
    let rules = dir.path().join("site.hedge");
    std::fs::write(&rules, "redirect /start /middle 302\nredirect /middle /end/ 301\nheader /end/* x-hedge \"seen\"\n")
        .unwrap();
    let (child, addr) = start(&[rules.to_str().unwrap(), "--dir", public.to_str().unwrap()]);
    let profile = dir.path().join("profile");
    let base = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--virtual-time-budget=5000",
    ];
    let url = format!("http://{addr}/start");
    let dom = Command::new(chromium)
        .args(base)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout).into_owned();
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dev-browser");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join("redirect-chain.png");
    let _ = Command::new(chromium)
        .args(base)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=800,400")
        .arg(&url)
        .output();
    let (code, log) = interrupt(child);
    assert!(dom.contains(&format!("URL=http://{addr}/end/")), "{dom}\n{log}");
    assert!(dom.contains("HEADER=seen"), "{dom}\n{log}");
    assert!(shot.is_file(), "screenshot saved at {}", shot.display());
    assert!(log.contains("/start 302"), "{log}");
    assert_eq!(code, 0);
}
