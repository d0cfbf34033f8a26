//! Which headers are signed, and their canonical form.

use http::header::GetAll;
use http::{HeaderMap, HeaderName, HeaderValue};

use super::error::SigningError;

pub(crate) static HOST: HeaderName = http::header::HOST;
pub(crate) static AUTHORIZATION: HeaderName = http::header::AUTHORIZATION;
pub(crate) static X_AMZ_DATE: HeaderName = HeaderName::from_static("x-amz-date");
pub(crate) static X_AMZ_SECURITY_TOKEN: HeaderName =
    HeaderName::from_static("x-amz-security-token");
pub(crate) static X_AMZ_CONTENT_SHA256: HeaderName =
    HeaderName::from_static("x-amz-content-sha256");
pub(crate) static X_AMZ_REGION_SET: HeaderName = HeaderName::from_static("x-amz-region-set");

/// Headers never signed: hop-by-hop headers that proxies and HTTP stacks add, change or
/// drop, headers that change on every attempt, and `authorization` itself. The union of
/// what aws-c-auth and the AWS SDKs skip.
fn is_never_signed(name: &str) -> bool {
    matches!(
        name,
        "authorization"
            | "connection"
            | "expect"
            | "sec-websocket-key"
            | "sec-websocket-protocol"
            | "sec-websocket-version"
            | "transfer-encoding"
            | "upgrade"
            | "user-agent"
            | "x-amzn-trace-id"
    )
}

/// Headers not signed into a presigned URL, because whoever uses the URL will not send
/// them (as in the AWS SDK for Rust).
fn is_never_presigned(name: &str) -> bool {
    matches!(name, "x-amz-user-agent" | "x-amz-checksum-mode")
}

/// Where the values of a canonical header line come from.
pub(crate) enum LineValues<'a> {
    /// The only value of a request header.
    One(&'a HeaderValue),
    /// All values of a request header that has several, in order.
    Many(GetAll<'a, HeaderValue>),
    /// A value the signer supplies.
    Added(&'a str),
}

/// One line of the canonical headers block.
pub(crate) struct HeaderLine<'a> {
    pub(crate) name: &'a HeaderName,
    pub(crate) values: LineValues<'a>,
}

/// Values the signer signs on top of (or instead of) the request's own headers.
pub(crate) struct AddedHeaders<'a> {
    /// `host`, when the request has no `Host` header.
    pub(crate) host: Option<&'a str>,
    /// `x-amz-date` (header signing).
    pub(crate) date: Option<&'a str>,
    /// `x-amz-security-token` (header signing, [`SessionTokenMode::Include`](super::SessionTokenMode::Include)).
    pub(crate) security_token: Option<&'a str>,
    /// `x-amz-content-sha256` (header signing, asked for by the settings).
    pub(crate) content_sha256: Option<&'a str>,
    /// `x-amz-region-set` (SigV4a header signing).
    pub(crate) region_set: Option<&'a str>,
}

/// How request headers are filtered.
pub(crate) struct HeaderFilter<'a> {
    /// Presigning: also skip [`is_never_presigned`] headers.
    pub(crate) presigning: bool,
    /// Skip the request's own `x-amz-security-token` (the identity has a token, or tokens
    /// are never signed).
    pub(crate) skip_security_token: bool,
    /// Skip the request's own `x-amz-region-set` (SigV4a sets it).
    pub(crate) skip_region_set: bool,
    /// Extra names from the settings.
    pub(crate) excluded: &'a [HeaderName],
}

/// How many lines [`Lines`] holds without allocating.
const INLINE_LINES: usize = 16;

/// The lines of the canonical headers block: inline for the usual dozen, on the heap beyond.
/// It lives on the stack for one signing; the large inline variant is the point.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Lines<'a> {
    Inline(arrayvec::ArrayVec<HeaderLine<'a>, INLINE_LINES>),
    Heap(Vec<HeaderLine<'a>>),
}

impl<'a> Lines<'a> {
    pub(crate) fn new() -> Self {
        Lines::Inline(arrayvec::ArrayVec::new())
    }

    fn push(&mut self, line: HeaderLine<'a>) {
        match self {
            Lines::Inline(inline) => {
                if let Err(full) = inline.try_push(line) {
                    let mut heap = Vec::with_capacity(INLINE_LINES * 2);
                    heap.extend(inline.drain(..));
                    heap.push(full.element());
                    *self = Lines::Heap(heap);
                }
            }
            Lines::Heap(heap) => heap.push(line),
        }
    }
}

impl<'a> std::ops::Deref for Lines<'a> {
    type Target = [HeaderLine<'a>];

    fn deref(&self) -> &[HeaderLine<'a>] {
        match self {
            Lines::Inline(inline) => inline,
            Lines::Heap(heap) => heap,
        }
    }
}

impl std::ops::DerefMut for Lines<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match self {
            Lines::Inline(inline) => inline,
            Lines::Heap(heap) => heap,
        }
    }
}

/// Fills `lines` (empty) with the signed headers, sorted by name; returns a capacity hint for
/// the canonical block.
pub(crate) fn select_headers<'a>(
    lines: &mut Lines<'a>,
    headers: &'a HeaderMap,
    added: &AddedHeaders<'a>,
    filter: &HeaderFilter<'_>,
) -> usize {
    let mut size = 0;
    // `HeaderMap::iter` yields all values of a name one after the other, so a repeated name
    // is spotted by comparing with the previous line, without hashing any name.
    let mut previous: Option<&HeaderName> = None;
    for (name, value) in headers {
        if previous.is_some_and(|previous| previous == name) {
            size += value.len() + 1;
            if let Some(line) = lines.last_mut()
                && matches!(line.values, LineValues::One(_))
            {
                line.values = LineValues::Many(headers.get_all(name));
            }
            continue;
        }
        previous = Some(name);
        let text = name.as_str();
        let skip = is_never_signed(text)
            || (filter.presigning && is_never_presigned(text))
            || (added.date.is_some() && *name == X_AMZ_DATE)
            || (added.content_sha256.is_some() && *name == X_AMZ_CONTENT_SHA256)
            || (filter.skip_security_token && *name == X_AMZ_SECURITY_TOKEN)
            || (filter.skip_region_set && *name == X_AMZ_REGION_SET)
            || (*name != HOST && filter.excluded.contains(name));
        if skip {
            continue;
        }
        size += text.len() + 2 + value.len();
        lines.push(HeaderLine {
            name,
            values: LineValues::One(value),
        });
    }
    let added_lines = [
        (&HOST, added.host),
        (&X_AMZ_DATE, added.date),
        (&X_AMZ_SECURITY_TOKEN, added.security_token),
        (&X_AMZ_CONTENT_SHA256, added.content_sha256),
        (&X_AMZ_REGION_SET, added.region_set),
    ];
    for (name, value) in added_lines {
        if let Some(value) = value {
            size += name.as_str().len() + value.len() + 2;
            lines.push(HeaderLine {
                name,
                values: LineValues::Added(value),
            });
        }
    }
    lines.sort_unstable_by(|a, b| a.name.as_str().cmp(b.name.as_str()));
    size
}

/// Appends the names of `lines` joined with `;`.
pub(crate) fn write_signed_headers(out: &mut String, lines: &[HeaderLine<'_>]) {
    for (index, line) in lines.iter().enumerate() {
        if index > 0 {
            out.push(';');
        }
        out.push_str(line.name.as_str());
    }
}

/// The length of what [`write_signed_headers`] writes.
pub(crate) fn signed_headers_len(lines: &[HeaderLine<'_>]) -> usize {
    lines.iter().map(|line| line.name.as_str().len() + 1).sum()
}

/// Appends `name:value\n` for every line; multiple values are joined with `,`.
pub(crate) fn write_canonical_headers(
    out: &mut String,
    lines: &[HeaderLine<'_>],
) -> Result<(), SigningError> {
    for line in lines {
        out.push_str(line.name.as_str());
        out.push(':');
        match &line.values {
            LineValues::Added(value) => push_normalized_value(out, value),
            LineValues::One(value) => push_request_value(out, line.name, value)?,
            LineValues::Many(values) => {
                for (index, value) in values.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    push_request_value(out, line.name, value)?;
                }
            }
        }
        out.push('\n');
    }
    Ok(())
}

/// Appends a request header value, normalized; it must be UTF-8.
fn push_request_value(
    out: &mut String,
    name: &HeaderName,
    value: &HeaderValue,
) -> Result<(), SigningError> {
    let value = std::str::from_utf8(value.as_bytes())
        .map_err(|_| SigningError::InvalidHeaderValue { name: name.clone() })?;
    push_normalized_value(out, value);
    Ok(())
}

/// Appends `value` without leading or trailing whitespace and with every inner run of
/// spaces and tabs collapsed to one space.
fn push_normalized_value(out: &mut String, value: &str) {
    if is_normalized(value.as_bytes()) {
        out.push_str(value);
        return;
    }
    let mut words = value.split([' ', '\t']).filter(|word| !word.is_empty());
    if let Some(first) = words.next() {
        out.push_str(first);
        for word in words {
            out.push(' ');
            out.push_str(word);
        }
    }
}

/// No tab, no leading, trailing or double space: the common case. Eight bytes at a time
/// (SWAR): header values are short, and a call into a vectorized search costs more than
/// the whole scan.
fn is_normalized(value: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (value.first(), value.last()) else {
        return true;
    };
    if matches!(first, b' ' | b'\t') || matches!(last, b' ' | b'\t') {
        return false;
    }
    let mut chunks = value.chunks_exact(8);
    // Whether the byte before the current chunk is a space.
    let mut after_space = false;
    for chunk in chunks.by_ref() {
        let mut word = [0_u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let spaces = bytes_equal_to(word, b' ');
        if bytes_equal_to(word, b'\t') != 0
            || spaces & (spaces >> 8) != 0
            || (after_space && spaces & 0x80 != 0)
        {
            return false;
        }
        after_space = spaces >> 63 != 0;
    }
    for &byte in chunks.remainder() {
        let space = byte == b' ';
        if byte == b'\t' || (space && after_space) {
            return false;
        }
        after_space = space;
    }
    true
}

/// The high bit of each byte of `word` that equals `byte`, exactly (no false positives).
#[inline]
fn bytes_equal_to(word: u64, byte: u8) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = word ^ (u64::from(byte) * 0x0101_0101_0101_0101);
    // A byte of `x` is zero exactly when adding 0x7f to its low 7 bits, or-ed with the byte
    // itself, leaves the high bit clear.
    !(((x & LOW7) + LOW7) | x | LOW7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_trimmed_and_collapsed() {
        let cases = [
            ("value1", "value1"),
            ("  a   b   c  ", "a b c"),
            ("\"a   b   c\"", "\"a b c\""),
            ("\ta\t\t b\t", "a b"),
            ("   ", ""),
            (" ", ""),
            ("a ", "a"),
            (" a", "a"),
            ("a b", "a b"),
            ("a  b", "a b"),
            ("", ""),
            ("a\tb", "a b"),
            (
                "a b c d e f g h i j k l m n o p q r s t u v w x y z  end",
                "a b c d e f g h i j k l m n o p q r s t u v w x y z end",
            ),
            ("\t", ""),
            ("x\t", "x"),
        ];
        for (input, expected) in cases {
            let mut out = String::new();
            push_normalized_value(&mut out, input);
            assert_eq!(out, expected, "{input:?}");
        }
    }

    /// The fast check agrees with the definition on every string of up to five characters
    /// over `a`, space and tab.
    #[test]
    fn the_normalized_check_matches_its_definition() {
        fn by_definition(value: &str) -> bool {
            value.trim_matches([' ', '\t']) == value
                && !value.contains('\t')
                && !value.contains("  ")
        }
        let alphabet = ['a', ' ', '\t'];
        let mut strings = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> = strings
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            strings.extend(longer);
        }
        strings.sort();
        strings.dedup();
        assert_eq!(strings.len(), 1 + 3 + 9 + 27 + 81 + 243);
        for value in &strings {
            assert_eq!(
                is_normalized(value.as_bytes()),
                by_definition(value),
                "{value:?}"
            );
        }
    }
}
