//! `deploy-fake`: the local stand-in for CloudFront's function and KeyValueStore APIs as a
//! program, so that a deploy can be tried by hand:
//!
//! ```text
//! cargo run -p deploy-fake -- --listen 127.0.0.1:4566
//! hedgec deploy site.hedge --request-function site --kvs site-data --create \
//!     --endpoint-url http://127.0.0.1:4566
//! ```
//!
//! It prints its endpoint on the first line of standard output, keeps everything in memory,
//! accepts any credentials (requests must only be signed) except access key IDs that start
//! with `REFUSED`, which it refuses as AWS refuses an unknown key, and serves until it is stopped.

use std::process::ExitCode;

const USAGE: &str = "\
usage: deploy-fake [--listen ADDRESS]

Serves CloudFront's function and KeyValueStore APIs (control plane and data plane) on one
HTTP port, in memory, for trying `hedgec deploy --endpoint-url URL` by hand. Any credentials
are accepted, but for access key IDs starting with REFUSED (answered InvalidClientTokenId, as
AWS answers an unknown key); requests must be signed, as the AWS SDKs do. The endpoint is printed on the first
line of standard output. Stop it with Ctrl-C: nothing is kept.

options:
  --listen ADDRESS   the address and port to listen on [default: 127.0.0.1:4566]; port 0 picks
                     a free port
  -h, --help         print this help";

fn main() -> ExitCode {
    let mut listen = "127.0.0.1:4566".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "--listen" => match args.next() {
                Some(address) => listen = address,
                None => return usage_error("--listen needs an ADDRESS such as 127.0.0.1:4566"),
            },
            other => match other.strip_prefix("--listen=") {
                Some(address) => listen = address.to_string(),
                None => return usage_error(&format!("unexpected argument {other:?}")),
            },
        }
    }
    let fake = match deploy_fake::FakeAws::listen(listen.as_str()) {
        Ok(fake) => fake,
        Err(error) => {
            eprintln!("error: cannot listen on {listen}: {error}");
            return ExitCode::from(2);
        }
    };
    println!("{}", fake.endpoint());
    eprintln!("deploy-fake: CloudFront and KeyValueStore APIs on {}; Ctrl-C stops", fake.endpoint());
    loop {
        std::thread::park();
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}\n\n{USAGE}");
    ExitCode::from(2)
}
