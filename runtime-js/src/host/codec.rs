//! Byte encodings of `Buffer`, `atob`/`btoa`, `TextEncoder`/`TextDecoder` and `crypto` digests, as
//! njs implements them: `utf8` (also spelled `utf-8`), `hex`, `base64` and `base64url`.
//!
//! Decoding follows njs 0.7.9 rather than Node: base64 stops at the first character outside its
//! alphabet (padding included), hex at the first pair that is not hex, and a string that decodes
//! to nothing at all is taken as its UTF-8 bytes instead.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// A byte encoding a function may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// `utf8` or `utf-8`.
    Utf8,
    /// `hex`.
    Hex,
    /// `base64`.
    Base64,
    /// `base64url`.
    Base64Url,
}

impl Encoding {
    /// The encoding called `name` (names are case-sensitive, as in njs).
    pub fn named(name: &str) -> Option<Encoding> {
        match name {
            "utf8" | "utf-8" => Some(Encoding::Utf8),
            "hex" => Some(Encoding::Hex),
            "base64" => Some(Encoding::Base64),
            "base64url" => Some(Encoding::Base64Url),
            _ => None,
        }
    }
}

/// The bytes a string stands for in `encoding`.
pub fn decode(text: &str, encoding: Encoding) -> Vec<u8> {
    let decoded = match encoding {
        Encoding::Utf8 => return text.as_bytes().to_vec(),
        Encoding::Hex => decode_hex(text),
        Encoding::Base64 => decode_base64(text, false),
        Encoding::Base64Url => decode_base64(text, true),
    };
    decoded.unwrap_or_else(|| text.as_bytes().to_vec())
}

/// `None` when the string holds no whole byte (njs then keeps the string's own bytes).
fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if bytes.len() < 2 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 2);
    for pair in bytes.chunks_exact(2) {
        match (hex_value(pair[0]), hex_value(pair[1])) {
            (Some(high), Some(low)) => out.push(high << 4 | low),
            _ => break,
        }
    }
    Some(out)
}

fn hex_value(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

fn decode_base64(text: &str, url: bool) -> Option<Vec<u8>> {
    let valid = |b: &u8| b.is_ascii_alphanumeric() || if url { b"-_".contains(b) } else { b"+/".contains(b) };
    let run = text.as_bytes().iter().take_while(|b| valid(b)).count();
    let mut digits = text.as_bytes()[..run].to_vec();
    if !url {
        for b in &mut digits {
            *b = match *b {
                b'+' => b'-',
                b'/' => b'_',
                other => other,
            };
        }
    }
    // A lone trailing digit carries no whole byte.
    if digits.len() % 4 == 1 {
        digits.pop();
    }
    if digits.is_empty() {
        return None;
    }
    let lenient = base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(true),
    );
    lenient.decode(&digits).ok()
}

/// The text of `bytes` in `encoding`; invalid UTF-8 becomes U+FFFD.
pub fn encode(bytes: &[u8], encoding: Encoding) -> String {
    match encoding {
        Encoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
        Encoding::Hex => bytes.iter().map(|b| format!("{b:02x}")).collect(),
        Encoding::Base64 => STANDARD.encode(bytes),
        Encoding::Base64Url => URL_SAFE_NO_PAD.encode(bytes),
    }
}

/// The UTF-8 bytes of a JavaScript string given as UTF-16 code units; a lone surrogate becomes
/// U+FFFD, as in `TextEncoder` and njs's `Buffer.from`.
pub fn utf8_of_utf16(units: &[u16]) -> Vec<u8> {
    char::decode_utf16(units.iter().copied())
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect::<String>()
        .into_bytes()
}

/// `btoa`: each code unit must be below U+0100 and stands for one byte.
pub fn btoa(units: &[u16]) -> Result<String, String> {
    let mut bytes = Vec::with_capacity(units.len());
    for &unit in units {
        if unit > 0xFF {
            return Err("invalid character (>= U+00FF)".into());
        }
        bytes.push(unit as u8);
    }
    Ok(STANDARD.encode(bytes))
}

/// `atob`: forgiving base64 (ASCII whitespace ignored, padding optional); each byte becomes
/// one code unit.
pub fn atob(text: &str) -> Result<Vec<u16>, String> {
    let error = || "the string to be decoded is not correctly encoded".to_string();
    let mut digits: Vec<u8> = text.bytes().filter(|b| !b" \t\n\x0c\r".contains(b)).collect();
    if digits.len().is_multiple_of(4) {
        for _ in 0..2 {
            if digits.last() == Some(&b'=') {
                digits.pop();
            }
        }
    }
    if digits.len() % 4 == 1 || digits.iter().any(|b| !(b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')) {
        return Err(error());
    }
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(true),
    );
    let bytes = engine.decode(&digits).map_err(|_| error())?;
    Ok(bytes.into_iter().map(u16::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(text: &str, encoding: Encoding) -> String {
        encode(&decode(text, encoding), Encoding::Hex)
    }

    #[test]
    fn decoding_follows_njs() {
        assert_eq!(hex("YWJj", Encoding::Base64), "616263");
        assert_eq!(hex("YWJj ", Encoding::Base64), "616263");
        assert_eq!(hex("YWJj====", Encoding::Base64), "616263");
        assert_eq!(hex("Y", Encoding::Base64), "59");
        assert_eq!(hex("YW", Encoding::Base64), "61");
        assert_eq!(hex("YW-j", Encoding::Base64), "61");
        assert_eq!(hex("YW_j", Encoding::Base64Url), "616fe3");
        assert_eq!(hex(" YWJj", Encoding::Base64), "2059574a6a");
        assert_eq!(hex("", Encoding::Base64), "");
        assert_eq!(hex("a", Encoding::Hex), "61");
        assert_eq!(hex("0g", Encoding::Hex), "");
        assert_eq!(hex("abc", Encoding::Hex), "ab");
        assert_eq!(hex("0A0b", Encoding::Hex), "0a0b");
        assert_eq!(encode(&[251, 255], Encoding::Base64), "+/8=");
        assert_eq!(encode(&[251, 255], Encoding::Base64Url), "-_8");
        assert_eq!(encode(&[0xff, 0xfe, 0x41], Encoding::Utf8), "\u{fffd}\u{fffd}A");
        assert_eq!(encode(&utf8_of_utf16(&[0xd800, 0x78]), Encoding::Hex), "efbfbd78");
    }

    #[test]
    fn atob_and_btoa() {
        let units = |s: &str| s.encode_utf16().collect::<Vec<u16>>();
        assert_eq!(atob(" aG k= ").unwrap(), units("hi"));
        assert_eq!(atob("/w==").unwrap(), vec![0xff]);
        assert!(atob("a").is_err());
        assert!(atob("YW-j").is_err());
        assert!(atob("YWJjZ").is_err());
        assert_eq!(btoa(&units("é")).unwrap(), "6Q==");
        assert!(btoa(&units("\u{100}")).is_err());
    }
}
