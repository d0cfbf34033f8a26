//! Percent-encoding as SigV4 defines it: the RFC 3986 unreserved characters
//! (`A-Z a-z 0-9 - _ . ~`) pass through, every other byte becomes `%XX` (uppercase hex).

use std::borrow::Cow;

/// RFC 3986 unreserved characters.
#[inline]
pub(crate) const fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~')
}

/// Characters that may appear unescaped in an RFC 3986 path (`pchar` and `/`), plus `%`
/// so that existing escapes are kept.
#[inline]
const fn is_path_char(byte: u8) -> bool {
    is_unreserved(byte)
        || matches!(
            byte,
            b'/' | b'%'
                | b':'
                | b'@'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
        )
}

#[inline]
fn hex_digit(nibble: u8) -> char {
    char::from(if nibble < 10 {
        b'0' + nibble
    } else {
        b'A' + (nibble - 10)
    })
}

#[inline]
fn push_escaped(out: &mut String, byte: u8) {
    out.push('%');
    out.push(hex_digit(byte >> 4));
    out.push(hex_digit(byte & 0x0f));
}

/// Appends `input`, escaping the bytes `keep` rejects. Runs of kept bytes (ASCII) are
/// copied at once.
#[inline]
fn encode_with(out: &mut String, input: &[u8], keep: impl Fn(u8) -> bool) {
    let mut rest = input;
    loop {
        let run = rest
            .iter()
            .position(|&byte| !keep(byte))
            .unwrap_or(rest.len());
        let Some((plain, tail)) = rest.split_at_checked(run) else {
            return;
        };
        if let Ok(plain) = std::str::from_utf8(plain) {
            out.push_str(plain);
        }
        let Some((&byte, tail)) = tail.split_first() else {
            return;
        };
        push_escaped(out, byte);
        rest = tail;
    }
}

/// Appends `input` with every byte outside the unreserved set escaped.
pub(crate) fn encode_into(out: &mut String, input: &[u8]) {
    encode_with(out, input, is_unreserved);
}

/// Returns `input` with every byte outside the unreserved set escaped, borrowing when
/// nothing needs escaping.
pub(crate) fn encode(input: &str) -> Cow<'_, str> {
    if input.bytes().all(is_unreserved) {
        Cow::Borrowed(input)
    } else {
        let mut out = String::with_capacity(input.len() * 3);
        encode_into(&mut out, input.as_bytes());
        Cow::Owned(out)
    }
}

/// Appends a path segment (or a whole path, `/` is kept) encoded once more: every byte
/// outside the unreserved set and `/` is escaped, including the `%` of existing escapes.
pub(crate) fn double_encode_path_into(out: &mut String, path: &str) {
    encode_with(out, path.as_bytes(), |b| is_unreserved(b) || b == b'/');
}

/// Appends a wire path (or segment) as is, escaping only bytes a URI path cannot hold.
pub(crate) fn single_encode_path_into(out: &mut String, path: &str) {
    if path.bytes().all(is_path_char) {
        out.push_str(path);
    } else {
        encode_with(out, path.as_bytes(), is_path_char);
    }
}

/// The canonical form of a query parameter name or value: percent-decoded, then encoded.
/// Malformed escapes (`%` not followed by two hex digits) are taken literally; `+` is a
/// literal plus sign, not a space.
pub(crate) fn canonical_query_component(raw: &str) -> Cow<'_, str> {
    if raw.bytes().all(is_unreserved) {
        return Cow::Borrowed(raw);
    }
    let decoded: Cow<'_, [u8]> = percent_encoding::percent_decode(raw.as_bytes()).into();
    let mut out = String::with_capacity(decoded.len() * 3);
    encode_into(&mut out, &decoded);
    Cow::Owned(out)
}

/// The two lowercase hex digits of every byte.
static HEX_PAIRS: [[u8; 2]; 256] = {
    let digits = *b"0123456789abcdef";
    let mut pairs = [[0_u8; 2]; 256];
    let mut byte = 0;
    while byte < 256 {
        pairs[byte] = [digits[byte >> 4], digits[byte & 0x0f]];
        byte += 1;
    }
    pairs
};

/// Writes `bytes` as lowercase hex into the start of `out`, as far as it has room.
pub(crate) fn encode_lower_hex(bytes: &[u8], out: &mut [u8]) {
    for (pair, &byte) in out.chunks_exact_mut(2).zip(bytes) {
        pair.copy_from_slice(&HEX_PAIRS[usize::from(byte)]);
    }
}

/// Appends `bytes` as lowercase hex.
pub(crate) fn push_lower_hex(out: &mut String, bytes: &[u8]) {
    let mut buffer = [0_u8; 64];
    for chunk in bytes.chunks(buffer.len() / 2) {
        let digits = buffer.get_mut(..chunk.len() * 2).unwrap_or_default();
        encode_lower_hex(chunk, digits);
        if let Ok(digits) = std::str::from_utf8(digits) {
            out.push_str(digits);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lowercase_and_complete() {
        let bytes: Vec<u8> = (0..=255).collect();
        let mut out = String::new();
        push_lower_hex(&mut out, &bytes);
        assert_eq!(out, hex::encode(&bytes));
    }

    #[test]
    fn encodes_everything_but_the_unreserved_set() {
        let all: Vec<u8> = (0..=255).collect();
        let mut out = String::new();
        encode_into(&mut out, &all);
        let expected: String = all
            .iter()
            .map(|&b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        assert_eq!(out, expected);
        assert_eq!(encode("a b/c"), "a%20b%2Fc");
        assert!(matches!(encode("plain-text_1.~"), Cow::Borrowed(_)));
        let mut out = String::new();
        double_encode_path_into(&mut out, "/a%2Fb c/");
        assert_eq!(out, "/a%252Fb%20c/");
    }
}
