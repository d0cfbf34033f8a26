//! What the wire log shows of headers, URIs and canonical requests: secrets replaced by
//! [`REDACTED`], the rest as it is.
use std::borrow::Cow;

/// What a secret prints as.
pub const REDACTED: &str = "** redacted **";

/// Headers whose whole value is secret: credentials, cookies, and every header member the
/// service models mark `@sensitive` (the SSE-C keys, the KMS key id and encryption context;
/// `tests/integration/wire_log.rs` checks this list against all eight models).
const SECRET_HEADERS: &[&str] = &[
    "x-amz-security-token",
    "x-amz-s3session-token",
    "x-amz-server-side-encryption-customer-key",
    "x-amz-copy-source-server-side-encryption-customer-key",
    "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-context",
    "x-amz-fwd-header-x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-sso_bearer_token",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

/// Query parameters whose value is secret (presigned URLs).
const SECRET_QUERY: &[&str] = &[
    "x-amz-signature",
    "x-amz-security-token",
    "x-amz-s3session-token",
    "x-amz-credential",
    "signature",
];

/// Whether the whole value of header `name` is secret.
pub fn is_secret_header(name: &str) -> bool {
    SECRET_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
}

/// A header value as the log shows it.
///
/// `Authorization` keeps its algorithm, scope and signed headers, and loses the access key id
/// and the signature (any other scheme, such as `Bearer`, keeps only its name).
pub fn header_value<'a>(name: &str, value: &'a [u8]) -> Cow<'a, str> {
    let Ok(text) = std::str::from_utf8(value) else {
        return Cow::Owned(format!("<{} bytes, not text>", value.len()));
    };
    if name.eq_ignore_ascii_case("authorization") {
        return Cow::Owned(authorization(text));
    }
    if is_secret_header(name) {
        return Cow::Borrowed(REDACTED);
    }
    Cow::Borrowed(text)
}

fn authorization(value: &str) -> String {
    let Some(rest) = value.strip_prefix("AWS4-") else {
        let scheme = value.split(' ').next().unwrap_or_default();
        return format!("{scheme} {REDACTED}");
    };
    let (algorithm, params) = rest.split_once(' ').unwrap_or((rest, ""));
    let params: Vec<String> = params
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            // The scope (date, region, service) helps debugging; the key id does not.
            Some(("Credential", credential)) => match credential.split_once('/') {
                Some((_, scope)) => format!("Credential={REDACTED}/{scope}"),
                None => format!("Credential={REDACTED}"),
            },
            Some(("SignedHeaders", _)) => p.to_owned(),
            Some((key, _)) => format!("{key}={REDACTED}"),
            None => REDACTED.to_owned(),
        })
        .collect();
    format!("AWS4-{algorithm} {}", params.join(", "))
}

/// A query string (without `?`) with the values of secret parameters replaced.
pub fn query(query: &str) -> Cow<'_, str> {
    let secret = |pair: &str| {
        let name = pair.split('=').next().unwrap_or_default();
        SECRET_QUERY.iter().any(|s| s.eq_ignore_ascii_case(name))
    };
    if !query.split('&').any(secret) {
        return Cow::Borrowed(query);
    }
    let pairs: Vec<Cow<'_, str>> = query
        .split('&')
        .map(|pair| {
            if secret(pair) {
                let name = pair.split('=').next().unwrap_or_default();
                Cow::Owned(format!("{name}={REDACTED}"))
            } else {
                Cow::Borrowed(pair)
            }
        })
        .collect();
    Cow::Owned(pairs.join("&"))
}

/// A path and query as the log shows it.
pub fn path_and_query(uri: &http::Uri) -> String {
    let path = uri.path();
    match uri.query() {
        Some(q) => format!("{path}?{}", query(q)),
        None => path.to_owned(),
    }
}

/// A canonical request (SigV4's text: method, path, query, headers, signed headers, payload
/// hash) with the secret query values and header values replaced.
pub fn canonical_request(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match (i, line.split_once(':')) {
            (2, _) => out.push_str(&query(line)),
            (3.., Some((name, _))) if is_secret_header(name) => {
                out.push_str(name);
                out.push(':');
                out.push_str(REDACTED);
            }
            _ => out.push_str(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_keeps_the_scope_and_loses_the_key_and_signature() {
        let v = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
                 SignedHeaders=host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
        let shown = header_value("Authorization", v.as_bytes());
        assert_eq!(
            shown,
            "AWS4-HMAC-SHA256 Credential=** redacted **/20150830/us-east-1/iam/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=** redacted **"
        );
        assert_eq!(
            header_value("authorization", b"Bearer abc.def"),
            "Bearer ** redacted **"
        );
        assert_eq!(
            header_value("X-Amz-Security-Token", b"FQoGZXIvYXdz"),
            REDACTED
        );
        assert_eq!(
            header_value("x-amz-server-side-encryption-customer-key", b"a2V5"),
            REDACTED
        );
        assert_eq!(
            header_value("x-amz-date", b"20150830T123600Z"),
            "20150830T123600Z"
        );
        assert_eq!(header_value("x-bin", &[0xff, 0xfe]), "<2 bytes, not text>");
    }

    #[test]
    fn presigned_queries_lose_their_secrets() {
        let q = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20150830&X-Amz-Security-Token=tok&X-Amz-Signature=abc&x-id=GetObject";
        assert_eq!(
            query(q),
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=** redacted **&X-Amz-Security-Token=** redacted **&X-Amz-Signature=** redacted **&x-id=GetObject"
        );
        assert!(matches!(query("list-type=2"), Cow::Borrowed(_)));
    }

    #[test]
    fn canonical_requests_lose_tokens_in_query_and_headers() {
        let text = "GET\n/k\nX-Amz-Security-Token=tok&a=b\nhost:h\nx-amz-security-token:tok\n\nhost;x-amz-security-token\nUNSIGNED-PAYLOAD";
        let shown = canonical_request(text);
        assert!(
            !shown.contains("tok&") && !shown.contains(":tok"),
            "{shown}"
        );
        assert!(shown.contains("host;x-amz-security-token"), "{shown}");
        assert!(shown.starts_with("GET\n/k\nX-Amz-Security-Token=** redacted **&a=b\nhost:h\n"));
    }
}
