//! String literals for each target language. Every value a template prints goes through one of
//! these (see [`crate::render`]); each returns a complete literal, quotes included, that reads
//! back as exactly the input.
//!
//! All three write printable ASCII as it is and escape everything else, so that control
//! characters, U+2028/U+2029, byte order marks and non-ASCII text survive editors, diffs and
//! the encodings of the tools that read the files.

use std::fmt::Write as _;

/// An HCL (Terraform) quoted string. Besides the escapes of HCL's quoted templates (`\"`, `\\`,
/// `\n`, `\uNNNN`, `\UNNNNNNNN`), the template sequences `${` and `%{` are written `$${` and
/// `%%{`, so that Terraform reads them as text rather than interpolation or directives.
pub fn hcl(text: &str) -> String {
    quoted(text, '"', |c, next, out| match c {
        '$' | '%' if next == Some('{') => {
            out.push(c);
            out.push(c);
            true
        }
        _ => false,
    })
}

/// A YAML double-quoted scalar (for CloudFormation). Characters outside the Basic Multilingual
/// Plane are written `\UNNNNNNNN`: YAML, unlike JSON, does not join surrogate pairs.
pub fn yaml(text: &str) -> String {
    quoted(text, '"', |_, _, _| false)
}

/// A TypeScript (JavaScript) single-quoted string literal, ASCII only. `<` is escaped too, so
/// that `</script>` or `<!--` in a value is harmless wherever the file is pasted; characters
/// outside the Basic Multilingual Plane become UTF-16 surrogate pairs, which is what a
/// JavaScript string holds (JavaScript has no `\U`).
pub fn typescript(text: &str) -> String {
    quoted(text, '\'', |c, _, out| match c {
        '<' => {
            out.push_str("\\x3C");
            true
        }
        c if (c as u32) > 0xFFFF => {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04X}");
            }
            true
        }
        _ => false,
    })
}

/// The one loop behind every literal: `text` between `quote`s, each character first offered to
/// the language's own `escape` (with the character after it, for two-character sequences), which
/// writes it and returns `true` when the language treats it specially. Every other character
/// gets the escapes the three languages share: a backslash before the quote and the backslash,
/// `\n`, `\r`, `\t`, printable ASCII as it is, and everything else as `\uNNNN` (or `\UNNNNNNNN`
/// beyond the Basic Multilingual Plane).
fn quoted(text: &str, quote: char, escape: impl Fn(char, Option<char>, &mut String) -> bool) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if escape(c, chars.peek().copied(), &mut out) {
            continue;
        }
        match c {
            '\\' => out.push_str("\\\\"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ' '..='~' => out.push(c),
            c if (c as u32) <= 0xFFFF => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08X}", c as u32);
            }
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "q\"s'b\\n\n r\r t\t ${x} %{if} $${ %% $ % { } </script> <!-- \u{2028}\u{2029} \0 \u{7f} \u{1b} é ü 日本 😀 \u{feff}";

    #[test]
    fn hcl_escapes_template_sequences_and_everything_outside_printable_ascii() {
        assert_eq!(hcl("a${b}%{c}"), r#""a$${b}%%{c}""#);
        assert_eq!(hcl("$$ %% $} %x"), r#""$$ %% $} %x""#);
        assert_eq!(hcl("\"\\\n\u{2028}\u{1F600}\0"), r#""\"\\\n\u2028\U0001F600\u0000""#);
        assert!(hcl(HOSTILE).bytes().all(|b| (b' '..=b'~').contains(&b)));
    }

    #[test]
    fn yaml_reads_back_as_json_would_for_the_basic_plane() {
        // A YAML double-quoted scalar of BMP text is also a JSON string with the same meaning.
        let bmp: String = HOSTILE.chars().filter(|c| (*c as u32) <= 0xFFFF).collect();
        let back: String = serde_json::from_str(&yaml(&bmp)).unwrap();
        assert_eq!(back, bmp);
        assert_eq!(yaml("😀"), r#""\U0001F600""#);
        assert!(yaml(HOSTILE).bytes().all(|b| (b' '..=b'~').contains(&b)));
    }

    #[test]
    fn typescript_is_ascii_with_no_angle_bracket_and_surrogate_pairs() {
        let literal = typescript(HOSTILE);
        assert!(literal.bytes().all(|b| (b' '..=b'~').contains(&b)));
        assert!(!literal.contains('<'));
        assert_eq!(typescript("😀'"), r"'\uD83D\uDE00\''");
        // Single-quoted JS with these escapes is JSON once the quotes are swapped.
        let json = format!(
            "\"{}\"",
            literal[1..literal.len() - 1].replace("\\'", "'").replace('"', "\\\"").replace("\\x3C", "\\u003C")
        );
        let back: String = serde_json::from_str(&json).unwrap();
        assert_eq!(back, HOSTILE);
    }

    proptest::proptest! {
        #[test]
        fn every_literal_is_printable_ascii(text in "\\PC*|[\\x00-\\x20\"'\\\\$%{}<\u{2028}]*") {
            for literal in [hcl(&text), yaml(&text), typescript(&text)] {
                proptest::prop_assert!(literal.bytes().all(|b| (b' '..=b'~').contains(&b)));
            }
            let bmp: String = text.chars().filter(|c| (*c as u32) <= 0xFFFF).collect();
            let back: String = serde_json::from_str(&yaml(&bmp)).unwrap();
            proptest::prop_assert_eq!(back, bmp);
        }
    }
}
