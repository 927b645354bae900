//! The fake as a program: it starts, prints its endpoint, answers both services' protocols over
//! real HTTP, and refuses bad arguments with exit status 2.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

/// The running program, stopped when dropped.
struct Program(Child);

impl Drop for Program {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start() -> (Program, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_deploy-fake"))
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the program starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line).expect("it prints its endpoint");
    (Program(child), line.trim().to_string())
}

/// One HTTP/1.1 request; the status and the body.
fn request(endpoint: &str, method: &str, path: &str, authorization: Option<&str>) -> (u16, String) {
    let address = endpoint.strip_prefix("http://").expect("an http endpoint");
    let mut stream = TcpStream::connect(address).expect("connects");
    let auth = authorization.map(|a| format!("authorization: {a}\r\n")).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nhost: {address}\r\n{auth}content-length: 0\r\nconnection: close\r\n\r\n"
    )
    .expect("writes");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("reads");
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line");
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

#[test]
fn the_program_serves_both_protocols() {
    let (_program, endpoint) = start();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");
    let signed = Some("AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/cloudfront/aws4_request");

    let (status, body) = request(&endpoint, "GET", "/2020-05-31/function", signed);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("FunctionList"), "{body}");

    let (status, body) = request(&endpoint, "GET", "/2020-05-31/key-value-store/missing", signed);
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("EntityNotFound"), "{body}");

    let (status, body) = request(&endpoint, "GET", "/2020-05-31/function", None);
    assert_eq!(status, 403, "unsigned requests are refused: {body}");

    let data_plane = Some("AWS4-ECDSA-P256-SHA256 Credential=AKIDTEST/20260101/cloudfront-keyvaluestore/aws4_request");
    let (status, body) =
        request(&endpoint, "GET", "/key-value-stores/arn%3Aaws%3Acloudfront%3A%3A1%3Akey-value-store%2Fx", data_plane);
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("not found"), "{body}");
}

#[test]
fn bad_arguments_and_busy_ports_exit_with_status_2() {
    let run = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_deploy-fake")).args(args).output().expect("runs");
    let output = run(&["--listen"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--listen needs an ADDRESS"));
    assert_eq!(run(&["--bogus"]).status.code(), Some(2));
    assert_eq!(run(&["--listen", "not-an-address"]).status.code(), Some(2));
    let help = run(&["--help"]);
    assert!(help.status.success() && String::from_utf8_lossy(&help.stdout).contains("--listen ADDRESS"));

    let (_program, endpoint) = start();
    let taken = endpoint.strip_prefix("http://").unwrap();
    let output = run(&["--listen", taken]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot listen"), "{output:?}");
}
