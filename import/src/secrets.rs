//! Credentials in source rules are never published.
//!
//! Netlify's `Basic-Auth` "header" is password protection, not a response header; an
//! `Authorization` or `Proxy-Authorization` header, in any dialect, carries credentials; a
//! redirect target `https://user:pass@host/` hands them to every viewer. Sent by a CloudFront
//! function, each would show the secret to anyone who asks. Such rules are withheld from the
//! output and reported, and every trace of the secret is replaced by `[redacted]` in what the
//! import prints: findings, and the source lines the output file lists as left out.

use crate::finding::Kind;
use crate::model::{Action, Loc, Translation};

/// What replaces a secret in reports.
pub const REDACTED: &str = "[redacted]";

/// Header names whose values are credentials.
const CREDENTIAL_HEADERS: [&str; 3] = ["basic-auth", "authorization", "proxy-authorization"];

/// Withholds every rule that would publish a credential and redacts the secrets from every
/// finding. Runs before the translation is written.
pub fn withhold(t: &mut Translation) {
    let mut secrets = Vec::new();
    withhold_headers(t, &mut secrets);
    withhold_targets(t, &mut secrets);
    redact_reports(t, &secrets);
}

fn withhold_headers(t: &mut Translation, secrets: &mut Vec<String>) {
    let mut withheld: Vec<(Loc, String, String)> = Vec::new();
    for block in &mut t.headers {
        block.ops.retain(|op| {
            let name = op.name.to_ascii_lowercase();
            let Some(value) = op.value.as_deref().filter(|_| CREDENTIAL_HEADERS.contains(&name.as_str())) else {
                return true;
            };
            secrets.extend(value_secrets(value));
            withheld.push((op.loc, op.name.clone(), op.source.clone()));
            false
        });
    }
    t.headers.retain(|block| !block.ops.is_empty());
    for (loc, name, source) in withheld {
        let reason = if name.eq_ignore_ascii_case("basic-auth") {
            format!(
                "`{name}` is password protection, not a header: sent as a response header it would show the \
                 password to every viewer; it is left out, and the path is not protected"
            )
        } else {
            format!("`{name}` carries credentials: set by a function it would publish them; it is left out")
        };
        let source = redact(&source, secrets);
        t.leave_out(loc, Kind::Unsupported, reason, &source);
    }
}

fn withhold_targets(t: &mut Translation, secrets: &mut Vec<String>) {
    let mut withheld: Vec<(Loc, String)> = Vec::new();
    t.routes.retain(|route| {
        let to = match &route.action {
            Action::Redirect { to, .. } | Action::Rewrite { to } => to,
            Action::Respond { .. } => return true,
        };
        let Some(userinfo) = userinfo(to) else { return true };
        secrets.push(userinfo.to_string());
        if let Some((_, password)) = userinfo.split_once(':') {
            secrets.push(password.to_string());
        }
        withheld.push((route.loc, route.source.clone()));
        false
    });
    for (loc, source) in withheld {
        let source = redact(&source, secrets);
        t.leave_out(
            loc,
            Kind::Unsupported,
            "the target holds credentials (`user:password@`): a redirect would show them to every viewer; it is \
             left out",
            &source,
        );
    }
}

/// The `user:password` part of an absolute URL, when it has one.
fn userinfo(target: &str) -> Option<&str> {
    let rest = target.split_once("://")?.1;
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    authority.rfind('@').map(|at| &authority[..at]).filter(|u| !u.is_empty())
}

/// The parts of a credential header's value to redact: the whole value, each `user:password`
/// pair, and each password (Netlify's `Basic-Auth` lists pairs separated by spaces).
fn value_secrets(value: &str) -> Vec<String> {
    let mut secrets = vec![value.trim().to_string()];
    for pair in value.split_whitespace() {
        secrets.push(pair.to_string());
        if let Some((_, password)) = pair.split_once(':') {
            secrets.push(password.to_string());
        }
    }
    secrets.retain(|s| !s.is_empty());
    // Longest first, so that a pair is replaced whole before its password alone.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets.dedup();
    secrets
}

/// `text` with every secret replaced.
fn redact(text: &str, secrets: &[String]) -> String {
    let mut sorted: Vec<&String> = secrets.iter().collect();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.len()));
    sorted.into_iter().fold(text.to_string(), |text, secret| text.replace(secret.as_str(), REDACTED))
}

/// Findings recorded while parsing (a note that two lines were joined, say) may quote a
/// secret: redact them all.
fn redact_reports(t: &mut Translation, secrets: &[String]) {
    if secrets.is_empty() {
        return;
    }
    for finding in &mut t.findings {
        finding.source = redact(&finding.source, secrets);
        finding.message = redact(&finding.message, secrets);
    }
    for left_out in &mut t.left_out {
        left_out.source = redact(&left_out.source, secrets);
        left_out.reason = redact(&left_out.reason, secrets);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_of_targets() {
        assert_eq!(userinfo("https://ann:pw@example.com/x"), Some("ann:pw"));
        assert_eq!(userinfo("https://example.com/a@b"), None);
        assert_eq!(userinfo("/path@x"), None);
    }

    #[test]
    fn pairs_and_passwords_are_redacted() {
        let secrets = value_secrets("ann:pw1 bob:pw2");
        assert_eq!(redact("Basic-Auth: ann:pw1 bob:pw2", &secrets), "Basic-Auth: [redacted]");
        assert_eq!(redact("bob:pw2 and pw1", &secrets), "[redacted] and [redacted]");
    }
}

// What the JSON readers (Firebase, Amplify) need while they read: whether a header or a URL
// holds a secret, and a source excerpt with the secrets taken out, for findings.

/// Header names whose values are credentials.
const SECRET_HEADERS: &[&str] = &["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"];

/// Whether a header's value is a credential.
pub fn secret_header(name: &str) -> bool {
    let name = name.trim().to_ascii_lowercase();
    SECRET_HEADERS.contains(&name.as_str()) || name.contains("token") || name.contains("secret")
}

/// Whether a URL carries `user:pass@` (or `user@`) before its host.
pub fn has_userinfo(text: &str) -> bool {
    userinfo_span(text).is_some()
}

/// The byte range of the first `user:pass@` in text (after `scheme://`).
fn userinfo_span(text: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(at) = text[from..].find("://") {
        let start = from + at + 3;
        let rest = &text[start..];
        let end = rest.find(['/', '?', '#', '"', ' ', '\'']).unwrap_or(rest.len());
        if let Some(at_sign) = rest[..end].rfind('@') {
            return Some((start, start + at_sign + 1));
        }
        from = start;
    }
    None
}

/// Text with every `user:pass@` of a URL replaced by `***@`, and the values of secret headers
/// (`"key": "Authorization", "value": "..."` and `Authorization: ...`) by `***`.
pub fn redact_source(text: &str) -> String {
    let mut out = text.to_string();
    while let Some((start, end)) = userinfo_span(&out) {
        if &out[start..end] == "***@" {
            break;
        }
        out.replace_range(start..end, "***@");
    }
    let lower = out.to_ascii_lowercase();
    for name in SECRET_HEADERS {
        let key_at = lower.find(&format!("\"{name}\""));
        let value_at = key_at.and_then(|at| lower[at..].find("\"value\"").map(|v| at + v + "\"value\"".len()));
        let open = value_at.and_then(|at| out[at..].find('"').map(|o| at + o + 1));
        if let Some(open) = open
            && let Some(close) = out[open..].find('"')
        {
            out.replace_range(open..open + close, "***");
            return out;
        }
    }
    out
}

#[cfg(test)]
mod source_tests {
    use super::*;

    #[test]
    fn credentials_are_redacted() {
        assert_eq!(redact_source("https://bob:hunter2@example.com/a"), "https://***@example.com/a");
        assert!(has_userinfo("http://u:p@h/"));
        assert!(!has_userinfo("https://example.com/a@b"));
        assert_eq!(
            redact_source(r#"{ "key": "Authorization", "value": "Basic dXNlcjpwYXNz" }"#),
            r#"{ "key": "Authorization", "value": "***" }"#
        );
        assert!(secret_header("Authorization"));
        assert!(!secret_header("Cache-Control"));
    }
}
