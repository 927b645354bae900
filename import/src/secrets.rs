//! Secrets a source file may hold (credentials in URLs, authorization headers): never copied
//! into the output or a finding, only reported redacted.

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
pub fn redact(text: &str) -> String {
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
mod tests {
    use super::*;

    #[test]
    fn credentials_are_redacted() {
        assert_eq!(redact("https://bob:hunter2@example.com/a"), "https://***@example.com/a");
        assert!(has_userinfo("http://u:p@h/"));
        assert!(!has_userinfo("https://example.com/a@b"));
        assert_eq!(
            redact(r#"{ "key": "Authorization", "value": "Basic dXNlcjpwYXNz" }"#),
            r#"{ "key": "Authorization", "value": "***" }"#
        );
        assert!(secret_header("Authorization"));
        assert!(!secret_header("Cache-Control"));
    }
}
