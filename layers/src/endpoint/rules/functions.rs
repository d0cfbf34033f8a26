//! The rules engine's string functions: `substring`, `uriEncode`, `parseURL`,
//! `isValidHostLabel`, `split` and `aws.isVirtualHostableS3Bucket` (`aws.partition` is in
//! [`partition`](super::partition), `aws.parseArn` in [`arn`](super::arn)).
use std::collections::BTreeMap;
use std::net::Ipv6Addr;

use super::value::Value;

/// `substring(input, start, stop, reverse)`: the characters `start..stop`, counted from the
/// end when `reverse`. `None` when the input has non-ASCII characters, `start >= stop`, or
/// `stop` is past the end.
pub fn substring(input: &str, start: usize, stop: usize, reverse: bool) -> Option<&str> {
    if !input.is_ascii() || start >= stop || stop > input.len() {
        return None;
    }
    let (from, to) = if reverse {
        (input.len() - stop, input.len() - start)
    } else {
        (start, stop)
    };
    input.get(from..to)
}

/// `split(input, delimiter, limit)` (rules engine 1.1): the parts between the delimiters;
/// `limit` 0 splits everywhere, `n` makes at most `n` parts (the last keeps the rest).
/// `None` for an empty delimiter.
pub fn split<'a>(input: &'a str, delimiter: &str, limit: usize) -> Option<Vec<&'a str>> {
    if delimiter.is_empty() {
        return None;
    }
    Some(match limit {
        0 => input.split(delimiter).collect(),
        n => input.splitn(n, delimiter).collect(),
    })
}

/// `uriEncode(value)`: percent-encodes every byte of the UTF-8 text except the unreserved
/// characters `A-Z a-z 0-9 - _ . ~`, with upper-case hex digits.
pub fn uri_encode(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len());
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
    }
    out
}

/// Four `.`-separated decimal numbers, each at most 255 (leading zeros allowed): an IPv4
/// address as `parseURL`'s `isIp` sees it.
fn is_dotted_quad(host: &str) -> bool {
    let mut parts = 0;
    for part in host.split('.') {
        parts += 1;
        if part.is_empty()
            || !part.bytes().all(|b| b.is_ascii_digit())
            || part.parse::<u16>().map_or(true, |n| n > 255)
        {
            return false;
        }
    }
    parts == 4
}

/// A URL parsed by `parseURL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// `http` or `https`.
    pub scheme: String,
    /// The host and port, as written (`[::1]:8080`).
    pub authority: String,
    /// The path as written: empty when there is none.
    pub path: String,
    /// The path with a leading and a trailing `/` (`/` when there is no path).
    pub normalized_path: String,
    /// Whether the host is an IPv4 or (bracketed) IPv6 address.
    pub is_ip: bool,
}

impl Url {
    /// The record the rules see: `scheme`, `authority`, `path`, `normalizedPath`, `isIp`.
    pub fn to_value(&self) -> Value {
        let mut r = BTreeMap::new();
        r.insert("scheme".to_owned(), Value::String(self.scheme.clone()));
        r.insert(
            "authority".to_owned(),
            Value::String(self.authority.clone()),
        );
        r.insert("path".to_owned(), Value::String(self.path.clone()));
        r.insert(
            "normalizedPath".to_owned(),
            Value::String(self.normalized_path.clone()),
        );
        r.insert("isIp".to_owned(), Value::Bool(self.is_ip));
        Value::Record(r)
    }
}

/// `parseURL(value)`: an `http` or `https` URL with a host, an optional numeric port and an
/// optional path; `None` for anything else: a URL with a query (as the spec says), and also
/// one with a fragment or user info, which the rules' templates would silently drop.
/// The authority is kept as written (`example.com:443` keeps its port, as the conformance
/// tests expect).
pub fn parse_url(value: &str) -> Option<Url> {
    let (scheme, rest) = value.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    if rest.contains(['?', '#']) {
        return None;
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    if authority.contains(['@', ' ']) {
        return None;
    }
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let end = inner.find(']')?;
        let (addr, after) = (&inner[..end], &inner[end + 1..]);
        addr.parse::<Ipv6Addr>().ok()?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (authority.get(..end + 2)?, port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    if let Some(port) = port {
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        port.parse::<u16>().ok()?;
    }
    let is_ip = host.starts_with('[') || is_dotted_quad(host);
    let normalized_path = if path.is_empty() {
        "/".to_owned()
    } else if path.ends_with('/') {
        path.to_owned()
    } else {
        format!("{path}/")
    };
    Some(Url {
        scheme: scheme.to_owned(),
        authority: authority.to_owned(),
        path: path.to_owned(),
        normalized_path,
        is_ip,
    })
}

/// One DNS label: 1 to 63 letters, digits and `-`, not starting with `-`.
fn is_host_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    match bytes.first() {
        Some(first) if first.is_ascii_alphanumeric() => {}
        _ => return false,
    }
    bytes.len() <= 63
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
}

/// `isValidHostLabel(value, allowSubDomains)`: a valid DNS label, or with `allow_subdomains`
/// a `.`-separated sequence of them.
pub fn is_valid_host_label(value: &str, allow_subdomains: bool) -> bool {
    if allow_subdomains {
        value.split('.').all(is_host_label)
    } else {
        is_host_label(value)
    }
}

/// `aws.isVirtualHostableS3Bucket(value, allowSubDomains)`: a bucket name usable as a host
/// label: 3 to 63 lower-case letters, digits and `-` (and `.` with `allow_subdomains`, each
/// label then valid), starting and ending with a letter or digit, no `.-` or `-.`, and not
/// an IPv4 address (four numbers up to 255: `999.1.1.1` is a name).
pub fn is_virtual_hostable_s3_bucket(value: &str, allow_subdomains: bool) -> bool {
    let bytes = value.as_bytes();
    if !(3..=63).contains(&bytes.len()) || !is_valid_host_label(value, allow_subdomains) {
        return false;
    }
    let edge = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    edge(bytes.first())
        && edge(bytes.last())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-' || *b == b'.')
        && !value.contains(".-")
        && !value.contains("-.")
        && !is_dotted_quad(value)
}
