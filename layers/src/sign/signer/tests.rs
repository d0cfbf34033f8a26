//! Unit tests of the public API.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, HeaderValue, Method, Request, Uri};

use super::*;

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "AQoDYXdzEPT//////////wEXAMPLEtoken+/=";

/// 2015-08-30T12:36:00Z, the time of the AWS test suite.
fn suite_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160)
}

fn params<'a>(settings: &'a SigningSettings, token: Option<&'a str>) -> SigningParams<'a> {
    SigningParams {
        identity: SigningIdentity::new(AKID, SECRET, token),
        region: "us-east-1",
        service: "service",
        time: suite_time(),
        settings,
    }
}

fn get(uri: &str) -> Request<()> {
    Request::builder().uri(uri).body(()).unwrap()
}

fn sign_request(
    request: &Request<()>,
    settings: &SigningSettings,
    token: Option<&str>,
) -> Result<SigningOutput, SigningError> {
    let signable = SignableRequest::from_request(request, Payload::Bytes(b""));
    sign(&signable, &params(settings, token), None)
}

fn header<'a>(output: &'a SigningOutput, name: &str) -> Option<&'a HeaderValue> {
    output
        .headers
        .iter()
        .find(|(n, _)| n.as_str() == name)
        .map(|(_, v)| v)
}

/// The same scenario as the module documentation example, which only runs as a doctest
/// of the real crate.
#[test]
fn module_doc_example() {
    let mut request = get("https://example.amazonaws.com/?Param1=value1");
    let settings = SigningSettings::default();
    let params = params(&settings, None);
    let cache = SigningKeyCache::new();
    let signable = SignableRequest::from_request(&request, Payload::Bytes(b""));
    let output = sign(&signable, &params, Some(&cache)).unwrap();
    assert_eq!(
        output.signature,
        "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"
    );
    output.apply_to_request(&mut request).unwrap();
    assert_eq!(request.headers()["x-amz-date"], "20150830T123600Z");
    assert!(
        request.headers()["authorization"]
            .to_str()
            .unwrap()
            .starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/")
    );
}

#[test]
fn presign_expiry_is_bounded() {
    let request = get("https://example.amazonaws.com/");
    let mut settings = SigningSettings::default();
    for seconds in [1, 3600, 604_800] {
        settings.location = SignatureLocation::Query {
            expires_in: Duration::from_secs(seconds),
        };
        let output = sign_request(&request, &settings, None).unwrap();
        assert!(
            output
                .query
                .contains(&("X-Amz-Expires".to_owned(), seconds.to_string()))
        );
    }
    for expires_in in [
        Duration::from_secs(604_801),
        Duration::from_millis(604_800_001),
        Duration::MAX,
    ] {
        settings.location = SignatureLocation::Query { expires_in };
        let error = sign_request(&request, &settings, None).unwrap_err();
        assert_eq!(error, SigningError::ExpiresInTooLong { expires_in });
        assert!(error.to_string().contains("exceeds the maximum"), "{error}");
    }
    settings.location = SignatureLocation::Query {
        expires_in: Duration::from_millis(999),
    };
    assert_eq!(
        sign_request(&request, &settings, None).unwrap_err(),
        SigningError::ExpiresInTooShort
    );
}

#[test]
fn debug_output_never_shows_secrets() {
    let identity = SigningIdentity::new(AKID, SECRET, Some(TOKEN));
    let shown = format!("{identity:?}");
    assert!(shown.contains(AKID), "{shown}");
    assert!(shown.contains("** redacted **"), "{shown}");
    assert!(!shown.contains(SECRET) && !shown.contains(TOKEN), "{shown}");

    let cache = SigningKeyCache::new();
    let settings = SigningSettings::default();
    let request = get("https://example.amazonaws.com/");
    let signable = SignableRequest::from_request(&request, Payload::Bytes(b""));
    let output = sign(&signable, &params(&settings, Some(TOKEN)), Some(&cache)).unwrap();
    let shown = format!("{cache:?}");
    assert_eq!(shown, "SigningKeyCache { cached_keys: 1, derivations: 1 }");

    let shown = format!("{output:?}");
    assert!(!shown.contains(&output.signature), "{shown}");
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(shown.contains("x-amz-date"), "{shown}");
    let authorization = header(&output, "authorization").unwrap();
    assert!(authorization.is_sensitive());
    assert!(
        header(&output, "x-amz-security-token")
            .unwrap()
            .is_sensitive()
    );
    assert!(!header(&output, "x-amz-date").unwrap().is_sensitive());

    let presign = SigningSettings {
        location: SignatureLocation::Query {
            expires_in: Duration::from_secs(60),
        },
        ..SigningSettings::default()
    };
    let output = sign_request(&request, &presign, Some(TOKEN)).unwrap();
    let shown = format!("{output:?}");
    assert!(!shown.contains(&output.signature), "{shown}");
    assert!(!shown.contains("EXAMPLEtoken"), "{shown}");
    assert!(shown.contains("X-Amz-Credential"), "{shown}");

    let shown = format!("{:?}", Payload::Bytes(b"secret body"));
    assert_eq!(shown, "Bytes(<11 bytes>)");
}

#[test]
fn key_cache_is_reused() {
    let cache = SigningKeyCache::new();
    let settings = SigningSettings::default();
    let request = get("https://example.amazonaws.com/");
    let signable = SignableRequest::from_request(&request, Payload::Bytes(b""));
    let uncached = sign(&signable, &params(&settings, None), None).unwrap();
    for _ in 0..5 {
        let cached = sign(&signable, &params(&settings, None), Some(&cache)).unwrap();
        assert_eq!(cached, uncached);
    }
    assert_eq!(cache.derivations(), 1);

    // A different service, or a later day, derives a new key; a later second does not.
    let mut other = params(&settings, None);
    other.time += Duration::from_secs(60);
    sign(&signable, &other, Some(&cache)).unwrap();
    assert_eq!(cache.derivations(), 1);
    other.service = "other";
    sign(&signable, &other, Some(&cache)).unwrap();
    assert_eq!(cache.derivations(), 2);
    other.time += Duration::from_secs(86_400);
    sign(&signable, &other, Some(&cache)).unwrap();
    assert_eq!(cache.derivations(), 3);
    let other_secret = SigningParams {
        identity: SigningIdentity::new(AKID, "another secret", None),
        ..params(&settings, None)
    };
    let output = sign(&signable, &other_secret, Some(&cache)).unwrap();
    assert_eq!(cache.derivations(), 4);
    assert_ne!(output.signature, uncached.signature);

    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SigningKeyCache>();
    assert_send_sync::<SigningOutput>();
    assert_send_sync::<SigningError>();
}

#[test]
fn host_comes_from_the_authority_without_default_ports() {
    let settings = SigningSettings::default();
    let host_line = |uri: &str| {
        let output = sign_request(&get(uri), &settings, None).unwrap();
        output
            .canonical_request
            .lines()
            .find(|line| line.starts_with("host:"))
            .unwrap()
            .to_owned()
    };
    assert_eq!(host_line("https://localhost:443/"), "host:localhost");
    assert_eq!(host_line("http://localhost:80/"), "host:localhost");
    assert_eq!(host_line("https://localhost:80/"), "host:localhost:80");
    assert_eq!(host_line("http://localhost:443/"), "host:localhost:443");
    assert_eq!(host_line("http://localhost:1234/"), "host:localhost:1234");
    assert_eq!(host_line("https://user:pw@[::1]:8443/"), "host:[::1]:8443");

    let mut request = get("https://ignored.example.com/");
    request
        .headers_mut()
        .insert("host", HeaderValue::from_static("real.example.com"));
    let output = sign_request(&request, &settings, None).unwrap();
    assert!(
        output
            .canonical_request
            .contains("\nhost:real.example.com\n")
    );

    assert_eq!(
        sign_request(&get("/no/authority"), &settings, None).unwrap_err(),
        SigningError::MissingHost
    );
}

#[test]
fn skips_unsignable_headers_and_replaces_its_own() {
    let mut settings = SigningSettings::default();
    settings
        .excluded_headers
        .push(http::HeaderName::from_static("x-custom-skip"));
    let mut request = Request::builder()
        .uri("https://example.amazonaws.com/")
        .header("authorization", "old")
        .header("user-agent", "ua")
        .header("x-amzn-trace-id", "trace")
        .header("transfer-encoding", "chunked")
        .header("expect", "100-continue")
        .header("connection", "keep-alive")
        .header("content-length", "0")
        .header("x-amz-user-agent", "ua")
        .header("x-custom-skip", "1")
        .header("x-amz-date", "19990101T000000Z")
        .header("x-amz-security-token", "stale")
        .body(())
        .unwrap();
    let output = sign_request(&request, &settings, Some(TOKEN)).unwrap();
    let signed = output.canonical_request.lines().nth_back(1).unwrap();
    assert_eq!(
        signed,
        "content-length;host;x-amz-date;x-amz-security-token;x-amz-user-agent"
    );
    assert!(!output.canonical_request.contains("19990101"));
    assert!(!output.canonical_request.contains("stale"));

    output.apply_to_request(&mut request).unwrap();
    assert_eq!(request.headers()["x-amz-date"], "20150830T123600Z");
    assert_eq!(request.headers()["x-amz-security-token"], TOKEN);
    assert_eq!(request.headers().get_all("x-amz-date").iter().count(), 1);
    assert_ne!(request.headers()["authorization"], "old");

    settings.location = SignatureLocation::Query {
        expires_in: Duration::from_secs(60),
    };
    let output = sign_request(&get("https://example.amazonaws.com/"), &settings, None).unwrap();
    assert!(output.headers.is_empty());
    let request = Request::builder()
        .uri("https://example.amazonaws.com/")
        .header("x-amz-user-agent", "ua")
        .header("x-amz-checksum-mode", "ENABLED")
        .header("content-type", "text/plain")
        .body(())
        .unwrap();
    let output = sign_request(&request, &settings, None).unwrap();
    assert!(output.query.contains(&(
        "X-Amz-SignedHeaders".to_owned(),
        "content-type%3Bhost".to_owned()
    )));
}

#[test]
fn session_token_modes() {
    let request = get("https://example.amazonaws.com/");
    let mut settings = SigningSettings::default();
    let included = sign_request(&request, &settings, Some(TOKEN)).unwrap();
    assert!(included.canonical_request.contains("x-amz-security-token:"));

    settings.session_token_mode = SessionTokenMode::AfterSigning;
    let after = sign_request(&request, &settings, Some(TOKEN)).unwrap();
    let without = sign_request(&request, &settings, None).unwrap();
    assert_eq!(after.signature, without.signature);
    assert_eq!(header(&after, "x-amz-security-token").unwrap(), TOKEN);
    assert!(header(&without, "x-amz-security-token").is_none());

    settings.location = SignatureLocation::Query {
        expires_in: Duration::from_secs(60),
    };
    let after = sign_request(&request, &settings, Some(TOKEN)).unwrap();
    assert!(!after.canonical_request.contains("Security-Token"));
    let names: Vec<&str> = after.query.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "X-Amz-Algorithm",
            "X-Amz-Credential",
            "X-Amz-Date",
            "X-Amz-SignedHeaders",
            "X-Amz-Expires",
            "X-Amz-Security-Token",
            "X-Amz-Signature"
        ]
    );
    assert_eq!(
        after.query[5].1,
        "AQoDYXdzEPT%2F%2F%2F%2F%2F%2F%2F%2F%2F%2FwEXAMPLEtoken%2B%2F%3D"
    );

    // An empty token is no token.
    settings.location = SignatureLocation::Headers;
    settings.session_token_mode = SessionTokenMode::Include;
    let empty = sign_request(&request, &settings, Some("")).unwrap();
    let none = sign_request(&request, &settings, None).unwrap();
    assert_eq!(empty, none);
    assert_eq!(
        sign_request(&request, &settings, Some("bad\ntoken")).unwrap_err(),
        SigningError::InvalidSessionToken
    );
}

#[test]
fn s3_settings() {
    let settings = SigningSettings::s3();
    assert_eq!(settings.uri_encoding, UriEncoding::Single);
    assert!(!settings.normalize_path);
    assert_eq!(
        settings.payload_checksum_kind,
        PayloadChecksumKind::XAmzContentSha256
    );
    let request = get("https://bucket.s3.amazonaws.com/a%20b//./c%3D");
    let signable = SignableRequest::from_request(&request, Payload::Unsigned);
    let output = sign(&signable, &params(&settings, None), None).unwrap();
    let mut lines = output.canonical_request.lines();
    assert_eq!(lines.nth(1), Some("/a%20b//./c%3D"));
    assert!(
        output
            .canonical_request
            .contains("\nx-amz-content-sha256:UNSIGNED-PAYLOAD\n")
    );
    assert!(output.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
    assert_eq!(
        header(&output, "x-amz-content-sha256").unwrap(),
        "UNSIGNED-PAYLOAD"
    );

    let signable =
        SignableRequest::from_request(&request, Payload::Precomputed(STREAMING_SIGNED_PAYLOAD));
    let output = sign(&signable, &params(&settings, None), None).unwrap();
    assert!(output.canonical_request.ends_with(STREAMING_SIGNED_PAYLOAD));
    for bad in ["", "has space", "new\nline"] {
        let signable = SignableRequest::from_request(&request, Payload::Precomputed(bad));
        assert_eq!(
            sign(&signable, &params(&settings, None), None).unwrap_err(),
            SigningError::InvalidPayloadHash
        );
    }
}

#[test]
fn presigning_appends_to_an_existing_query() {
    let mut request = get("https://example.amazonaws.com/path?b=2&a=1");
    let settings = SigningSettings {
        location: SignatureLocation::Query {
            expires_in: Duration::from_secs(3600),
        },
        ..SigningSettings::default()
    };
    let output = sign_request(&request, &settings, None).unwrap();
    let signature = output.signature.clone();
    output.apply_to_request(&mut request).unwrap();
    let query = request.uri().query().unwrap();
    assert!(query.starts_with("b=2&a=1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&"), "{query}");
    assert!(query.ends_with(&format!("&X-Amz-Signature={signature}")));
    assert_eq!(request.uri().path(), "/path");
    assert_eq!(request.uri().host(), Some("example.amazonaws.com"));

    let already = get("https://example.amazonaws.com/?x-amz-signature=abc");
    assert_eq!(
        sign_request(&already, &settings, None).unwrap_err(),
        SigningError::ForbiddenQueryParameter {
            name: "x-amz-signature".to_owned()
        }
    );
}

#[test]
fn rejects_bad_inputs_without_panicking() {
    let settings = SigningSettings::default();
    let request = get("https://example.amazonaws.com/");
    let signable = SignableRequest::from_request(&request, Payload::Bytes(b""));
    let mut bad = params(&settings, None);
    bad.region = "us/east";
    assert_eq!(
        sign(&signable, &bad, None).unwrap_err(),
        SigningError::InvalidScope { field: "region" }
    );
    bad = params(&settings, None);
    bad.service = "";
    assert_eq!(
        sign(&signable, &bad, None).unwrap_err(),
        SigningError::InvalidScope { field: "service" }
    );
    bad = params(&settings, None);
    bad.identity.access_key_id = "AKID\n";
    assert_eq!(
        sign(&signable, &bad, None).unwrap_err(),
        SigningError::InvalidScope {
            field: "access key id"
        }
    );
    bad = params(&settings, None);
    bad.time = SystemTime::UNIX_EPOCH + Duration::from_secs(300_000_000_000);
    assert_eq!(
        sign(&signable, &bad, None).unwrap_err(),
        SigningError::InvalidTime
    );

    let mut headers = HeaderMap::new();
    headers.insert("x-bin", HeaderValue::from_bytes(b"\xff\xfe").unwrap());
    let uri = Uri::from_static("https://example.amazonaws.com/");
    let signable = SignableRequest {
        method: &Method::GET,
        uri: &uri,
        headers: &headers,
        payload: Payload::Bytes(b""),
    };
    let error = sign(&signable, &params(&settings, None), None).unwrap_err();
    assert_eq!(
        error,
        SigningError::InvalidHeaderValue {
            name: http::HeaderName::from_static("x-bin")
        }
    );
    assert_eq!(
        error.to_string(),
        "value of header `x-bin` is not valid utf-8"
    );

    // UTF-8 (obs-text) header values are signed as they are.
    headers.clear();
    headers.insert("x-utf8", HeaderValue::from_str("テスト").unwrap());
    let output = sign(
        &signable_with(&uri, &headers),
        &params(&settings, None),
        None,
    )
    .unwrap();
    assert!(output.canonical_request.contains("\nx-utf8:テスト\n"));

    // Odd but valid URIs.
    for uri in [
        "https://example.amazonaws.com",
        "https://example.amazonaws.com/%",
        "https://example.amazonaws.com/?%",
        "https://example.amazonaws.com/?=&&=",
        "https://example.amazonaws.com/{\"a\":1}/../..?a=%zz&ሴ",
        "http://example.amazonaws.com:0/",
    ] {
        let request = get(uri);
        sign_request(&request, &settings, None).unwrap();
        let s3 = SigningSettings::s3();
        sign_request(&request, &s3, None).unwrap();
    }
}

fn signable_with<'a>(uri: &'a Uri, headers: &'a HeaderMap) -> SignableRequest<'a> {
    SignableRequest {
        method: &Method::GET,
        uri,
        headers,
        payload: Payload::Bytes(b""),
    }
}

#[test]
fn error_messages_are_lowercase_without_trailing_period() {
    let errors = [
        SigningError::ExpiresInTooLong {
            expires_in: Duration::from_secs(604_801),
        },
        SigningError::ExpiresInTooShort,
        SigningError::InvalidHeaderValue {
            name: http::HeaderName::from_static("x-a"),
        },
        SigningError::InvalidSessionToken,
        SigningError::InvalidPayloadHash,
        SigningError::InvalidScope { field: "region" },
        SigningError::InvalidTime,
        SigningError::MissingHost,
        SigningError::ForbiddenQueryParameter {
            name: "X-Amz-Date".to_owned(),
        },
        SigningError::InvalidUri {
            reason: "bad".to_owned(),
        },
        SigningError::V4aKeyDerivation,
        SigningError::V4aSignature,
    ];
    for error in errors {
        let message = error.to_string();
        let first = message.chars().next().unwrap();
        assert!(first.is_lowercase(), "{message}");
        assert!(!message.ends_with('.'), "{message}");
    }
}

/// Informal timing of header signing with a warm key cache. Run with
/// `cargo test --release -- --ignored --nocapture signing_speed` for a meaningful number.
#[test]
#[ignore = "timing, not a correctness test"]
fn signing_speed() {
    let small_get = get("https://example.amazonaws.com/");
    let json_post = Request::builder()
        .method("POST")
        .uri("https://dynamodb.us-east-1.amazonaws.com/")
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", "DynamoDB_20120810.GetItem")
        .header("content-length", "2")
        .body(())
        .unwrap();
    let settings = SigningSettings::default();
    let cases = [
        (
            "GET, no headers, no token",
            &small_get,
            b"".as_slice(),
            None,
        ),
        (
            "POST, 3 headers, token",
            &json_post,
            b"{}".as_slice(),
            Some(TOKEN),
        ),
    ];
    for (name, request, body, token) in cases {
        let cache = SigningKeyCache::new();
        let signable = SignableRequest::from_request(request, Payload::Bytes(body));
        let params = params(&settings, token);
        let time = |iterations: u32, cache: Option<&SigningKeyCache>| {
            for _ in 0..iterations / 10 {
                std::hint::black_box(sign(&signable, &params, cache).unwrap());
            }
            let start = std::time::Instant::now();
            for _ in 0..iterations {
                let signable = std::hint::black_box(&signable);
                std::hint::black_box(sign(signable, &params, cache).unwrap());
            }
            start.elapsed() / iterations
        };
        let warm = time(200_000, Some(&cache));
        let uncached = time(20_000, None);
        eprintln!("{name}: {warm:?} per request with a warm key cache, {uncached:?} without");
        assert_eq!(cache.derivations(), 1);
    }
}

/// The middleware's path (buffers reused from call to call on a thread) signs exactly as the
/// public function does, whatever the previous request on the thread was: a long one with a
/// token and a body, then a short one, then a presigned one, then the long one again.
#[test]
fn reused_buffers_sign_like_fresh_ones() {
    let header_settings = SigningSettings::default();
    let presign_settings = SigningSettings {
        location: SignatureLocation::Query {
            expires_in: Duration::from_secs(300),
        },
        ..SigningSettings::default()
    };
    let long = Request::post("https://example.amazonaws.com/a/much/longer/path?x=1&y=two")
        .header("x-amz-target", "Service.Operation")
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-custom", "  several   spaces  ")
        .body(())
        .unwrap();
    let short = get("https://example.amazonaws.com/");
    type Case<'a> = (
        &'a Request<()>,
        &'a SigningSettings,
        Option<&'a str>,
        &'a [u8],
    );
    let cases: [Case<'_>; 4] = [
        (&long, &header_settings, Some(TOKEN), b"{\"a\":1}"),
        (&short, &header_settings, None, b""),
        (&short, &presign_settings, Some(TOKEN), b""),
        (&long, &header_settings, Some(TOKEN), b"{\"a\":1}"),
    ];
    for (request, settings, token, body) in cases {
        let signable = SignableRequest::from_request(request, Payload::Bytes(body));
        let params = params(settings, token);
        let fresh = sign(&signable, &params, None).unwrap();
        let reused = signing::sign_reusing(
            &signable,
            &params,
            signing::Algorithm::V4 { key_cache: None },
            None,
        )
        .unwrap();
        assert_eq!(reused.signature.as_str(), fresh.signature);
        let headers = reused
            .headers
            .map(signing::SignatureHeaders::into_pairs)
            .unwrap_or_default();
        assert_eq!(headers, fresh.headers);
        assert_eq!(reused.query, fresh.query);
    }
}

/// More headers than the signer keeps inline: all of them are signed, sorted by name.
#[test]
fn many_headers_are_all_signed_in_order() {
    let mut builder = Request::get("https://example.amazonaws.com/");
    // Added in reverse order, so that sorting matters.
    for i in (0..40).rev() {
        builder = builder.header(format!("x-h{i:02}"), format!("v{i}"));
    }
    let request = builder.body(()).unwrap();
    let output = sign_request(&request, &SigningSettings::default(), None).unwrap();
    let lines: Vec<&str> = output
        .canonical_request
        .lines()
        .filter(|line| line.starts_with("x-h"))
        .collect();
    let expected: Vec<String> = (0..40).map(|i| format!("x-h{i:02}:v{i}")).collect();
    assert_eq!(lines, expected);
    let signed = output.canonical_request.lines().nth_back(1).unwrap();
    assert_eq!(signed.split(';').count(), 42, "{signed}"); // + host, x-amz-date
}
