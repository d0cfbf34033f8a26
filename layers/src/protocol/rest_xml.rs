//! restXml (S3): URI encoding for labels, and errors.
use std::fmt::Write as _;

use quick_xml::Reader;
use quick_xml::events::Event;
use ziggurat_core::error::ApiError;

/// Percent-encodes one path label (`{Bucket}`): everything but the RFC 3986 unreserved set.
pub fn encode_label(value: &str) -> String {
    encode(value, false)
}

/// Percent-encodes a greedy path label (`{Key+}`): like [`encode_label`], but `/` is kept.
pub fn encode_greedy_label(value: &str) -> String {
    encode(value, true)
}

/// Percent-encodes a query string name or value.
pub fn encode_query(value: &str) -> String {
    encode(value, false)
}

fn encode(value: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The fields of an S3-style `<Error>` document.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ErrorDocument {
    /// `Code`.
    pub code: Option<String>,
    /// `Message`.
    pub message: Option<String>,
    /// `RequestId`.
    pub request_id: Option<String>,
    /// `HostId`.
    pub host_id: Option<String>,
}

/// Reads `<Error>` (or `<ErrorResponse><Error>`) from a body; `None` if the body is not one.
pub fn parse_error_document(body: &[u8]) -> Option<ErrorDocument> {
    let mut reader = Reader::from_reader(body);
    let mut doc = ErrorDocument::default();
    let mut path: Vec<Vec<u8>> = Vec::new();
    let mut text = String::new();
    let mut seen_error = false;
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let name = e.local_name().as_ref().to_vec();
                if path.is_empty() && name != b"Error" && name != b"ErrorResponse" {
                    return None;
                }
                seen_error |= name == b"Error";
                path.push(name);
                text.clear();
            }
            Ok(Event::Text(t)) => text.push_str(&t.decode().ok()?),
            Ok(Event::CData(t)) => text.push_str(std::str::from_utf8(&t).ok()?),
            Ok(Event::GeneralRef(r)) => {
                let name = r.decode().ok()?;
                text.push_str(&resolve_entity(&name)?);
            }
            Ok(Event::End(_)) => {
                let field = path.pop()?;
                let parent = path.last().map(Vec::as_slice);
                let in_error = parent == Some(b"Error")
                    || (parent == Some(b"ErrorResponse") && path.len() == 1);
                if in_error {
                    let slot = match field.as_slice() {
                        b"Code" => Some(&mut doc.code),
                        b"Message" => Some(&mut doc.message),
                        b"RequestId" => Some(&mut doc.request_id),
                        b"HostId" => Some(&mut doc.host_id),
                        _ => None,
                    };
                    if let Some(slot) = slot {
                        *slot = Some(text.trim().to_owned());
                    }
                }
                text.clear();
            }
            Ok(Event::Eof) => break,
            Err(_) => return None,
            _ => {}
        }
        buf.clear();
    }
    seen_error.then_some(doc)
}

fn resolve_entity(name: &str) -> Option<String> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix('x') {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code).map(String::from);
    }
    quick_xml::escape::resolve_predefined_entity(name).map(str::to_owned)
}

/// Whether a successful (200) body is actually an error document, as S3 sends for some
/// operations (`CopyObject`, `CompleteMultipartUpload`) that fail after the status was written.
pub fn is_error_document(body: &[u8]) -> bool {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let rest = body.get(start..).unwrap_or_default();
    let rest = if rest.starts_with(b"<?xml") {
        match rest.windows(2).position(|w| w == b"?>") {
            Some(i) => rest.get(i + 2..).unwrap_or_default(),
            None => rest,
        }
    } else {
        rest
    };
    let rest = rest.trim_ascii_start();
    rest.starts_with(b"<Error>") || rest.starts_with(b"<Error ")
}

/// The service error of a failed response. A response without an error document (every `HEAD`)
/// gets a code from its status: `NotFound`, `Forbidden`, `BadRequest`, ...
pub fn parse_error(parts: &http::response::Parts, body: &[u8]) -> ApiError {
    let doc = parse_error_document(body).unwrap_or_default();
    let code = doc
        .code
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| super::code_from_status(parts.status));
    let mut err = ApiError::new(code, parts.status.as_u16())
        .with_request_id(super::request_id(&parts.headers).or(doc.request_id))
        .with_host_id(super::extended_request_id(&parts.headers).or(doc.host_id));
    if let Some(m) = doc.message {
        err = err.with_message(m);
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(status: u16, headers: &[(&str, &str)]) -> http::response::Parts {
        let mut b = http::Response::builder().status(status);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn s3_error_document() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>NoSuchKey</Code><Message>The resource you requested does not exist &amp; never did</Message><Key>a</Key><RequestId>4442587FB7D0A2F9</RequestId><HostId>host/id=</HostId></Error>"#;
        let e = parse_error(&parts(404, &[]), body);
        assert_eq!(e.code(), "NoSuchKey");
        assert_eq!(
            e.message(),
            Some("The resource you requested does not exist & never did")
        );
        assert_eq!(e.request_id(), Some("4442587FB7D0A2F9"));
        assert_eq!(e.host_id(), Some("host/id="));
        assert!(is_error_document(body));
    }

    #[test]
    fn wrapped_error_response_and_headers_win() {
        let body = b"<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameterValue</Code><Message>m</Message></Error><RequestId>r-body</RequestId></ErrorResponse>";
        let e = parse_error(
            &parts(400, &[("x-amz-request-id", "r-hdr"), ("x-amz-id-2", "h")]),
            body,
        );
        assert_eq!(e.code(), "InvalidParameterValue");
        assert_eq!(e.request_id(), Some("r-hdr"));
        assert_eq!(e.host_id(), Some("h"));
    }

    #[test]
    fn head_errors_without_body_get_a_code_from_the_status() {
        assert_eq!(parse_error(&parts(404, &[]), b"").code(), "NotFound");
        assert_eq!(parse_error(&parts(403, &[]), b"").code(), "Forbidden");
        assert_eq!(
            parse_error(&parts(503, &[]), b"not xml").code(),
            "ServiceUnavailable"
        );
        assert!(!is_error_document(b"<ListBucketResult/>"));
    }

    #[test]
    fn label_encoding() {
        assert_eq!(
            encode_greedy_label("a b/c+d=e&f~g*h'i//j"),
            "a%20b/c%2Bd%3De%26f~g%2Ah%27i//j"
        );
        assert_eq!(encode_label("a/b"), "a%2Fb");
        assert_eq!(encode_greedy_label("ü"), "%C3%BC");
    }
}
