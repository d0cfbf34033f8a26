//! The AWS SigV4 signing test suite (aws-c-auth), plus the extra cases smithy-rs keeps.
//!
//! The suite lives outside the repository: `$ZIGGURAT_CONFORMANCE`, or the first
//! `shared/conformance` found walking up from `CARGO_MANIFEST_DIR`. If it is missing the
//! test prints `SKIPPED: ...` and passes.
//!
//! Input conventions:
//! * `request.txt` is an HTTP/1.1 request; continuation lines (leading whitespace) are
//!   appended to the previous header value, without the line break.
//! * The URI is `https://<Host header><request target>`; the `Host` header is also kept.
//! * Three cases (`get-space-*`, and the smithy-rs copy of `get-space-normalized`) have a
//!   target `http::Uri` cannot hold as is (a literal space, or a `%20` standing for it).
//!   aws-c-auth encodes its raw path exactly once; the wire form of that path (space as
//!   `%20`) signed with [`UriEncoding::Single`] is the same computation, so those cases
//!   use it. Every other case uses [`UriEncoding::Double`] like the aws-c-auth harness.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use http::{HeaderValue, Request};

use super::*;

/// Where the suite is, or `None` after saying where it was looked for.
fn suite_dir() -> Option<PathBuf> {
    let conformance = match std::env::var_os("ZIGGURAT_CONFORMANCE") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .map(|dir| dir.join("shared").join("conformance"))
            .find(|dir| dir.is_dir()),
    };
    let suite = conformance.map(|dir| dir.join("sigv4-signing-test-suite"));
    match suite {
        Some(suite) if suite.join("v4").is_dir() => Some(suite),
        other => {
            eprintln!(
                "SKIPPED: sigv4 suite not found at {} (set ZIGGURAT_CONFORMANCE, or put it in \
                 shared/conformance/sigv4-signing-test-suite above {})",
                other.map_or_else(|| "<nowhere>".to_owned(), |p| p.display().to_string()),
                env!("CARGO_MANIFEST_DIR"),
            );
            None
        }
    }
}

fn read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|text| text.replace("\r\n", "\n"))
}

/// Expected-file contents without the final newline some files have.
fn read_expected(path: &Path) -> Option<String> {
    read(path).map(|text| text.strip_suffix('\n').map(str::to_owned).unwrap_or(text))
}

/// A request as written in a suite file.
struct RawRequest {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn parse_request(text: &str) -> RawRequest {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or_default();
    let (method, rest) = request_line.split_once(' ').unwrap_or((request_line, "/"));
    let target = rest.strip_suffix(" HTTP/1.1").unwrap_or(rest);
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push_str(line);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.to_owned(), value.to_owned()));
        }
    }
    RawRequest {
        method: method.to_owned(),
        target: target.to_owned(),
        headers,
        body: body.as_bytes().to_vec(),
    }
}

/// The request target as it can go on the wire, and whether it had to be encoded.
fn wire_target(target: &str) -> (String, bool) {
    if target.parse::<http::uri::PathAndQuery>().is_ok() {
        return (target.to_owned(), false);
    }
    let mut wire = String::with_capacity(target.len() * 3);
    for character in target.chars() {
        if character.is_ascii_control() || character == ' ' {
            let _ = write!(wire, "%{:02X}", u32::from(character));
        } else {
            wire.push(character);
        }
    }
    (wire, true)
}

/// The suite request as an `http::Request`, and whether its target had to be encoded.
fn build_request(raw: &RawRequest) -> (Request<Vec<u8>>, bool) {
    let host = raw
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("host"))
        .map(|(_, value)| value.trim())
        .unwrap_or_default();
    let (target, encoded) = wire_target(&raw.target);
    let mut builder = Request::builder()
        .method(raw.method.as_str())
        .uri(format!("https://{host}{target}"));
    for (name, value) in &raw.headers {
        builder = builder.header(
            name.as_str(),
            HeaderValue::from_bytes(value.as_bytes()).unwrap(),
        );
    }
    (builder.body(raw.body.clone()).unwrap(), encoded)
}

/// A request reduced to what signing may change, for comparison.
#[derive(Debug, PartialEq, Eq)]
struct Comparable {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Comparable {
    fn new(method: &str, target: &str, headers: Vec<(String, String)>, body: &[u8]) -> Self {
        let mut headers = headers;
        // Stable: keeps the order of the values of one header.
        headers.sort_by(|a, b| a.0.cmp(&b.0));
        Self {
            method: method.to_owned(),
            target: target.to_owned(),
            headers,
            body: body.to_vec(),
        }
    }

    fn from_raw(raw: &RawRequest) -> Self {
        let headers = raw
            .headers
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        Self::new(&raw.method, &wire_target(&raw.target).0, headers, &raw.body)
    }

    fn from_http(request: &Request<Vec<u8>>) -> Self {
        let headers = request
            .headers()
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes());
                (name.as_str().to_owned(), value.trim().to_owned())
            })
            .collect();
        let target = request
            .uri()
            .path_and_query()
            .map_or("/", |target| target.as_str());
        Self::new(request.method().as_str(), target, headers, request.body())
    }
}

/// `context.json`.
struct Context {
    access_key_id: String,
    secret_access_key: String,
    token: Option<String>,
    expiration_in_seconds: u64,
    normalize: bool,
    region: String,
    service: String,
    sign_body: bool,
    omit_session_token: bool,
    time: SystemTime,
}

fn parse_time(text: &str) -> SystemTime {
    let time =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).unwrap();
    SystemTime::from(time)
}

fn load_context(path: &Path) -> Context {
    let json: serde_json::Value = serde_json::from_str(&read(path).unwrap()).unwrap();
    let text = |value: &serde_json::Value| value.as_str().unwrap_or_default().to_owned();
    let flag = |name: &str| json[name].as_bool().unwrap_or(false);
    let credentials = &json["credentials"];
    Context {
        access_key_id: text(&credentials["access_key_id"]),
        secret_access_key: text(&credentials["secret_access_key"]),
        token: credentials["token"].as_str().map(str::to_owned),
        expiration_in_seconds: json["expiration_in_seconds"].as_u64().unwrap_or(3600),
        normalize: flag("normalize"),
        region: text(&json["region"]),
        service: text(&json["service"]),
        sign_body: flag("sign_body"),
        omit_session_token: flag("omit_session_token"),
        time: parse_time(json["timestamp"].as_str().unwrap()),
    }
}

impl Context {
    fn settings(&self, location: SignatureLocation, uri_encoding: UriEncoding) -> SigningSettings {
        SigningSettings {
            uri_encoding,
            normalize_path: self.normalize,
            payload_checksum_kind: if self.sign_body {
                PayloadChecksumKind::XAmzContentSha256
            } else {
                PayloadChecksumKind::NoHeader
            },
            session_token_mode: if self.omit_session_token {
                SessionTokenMode::AfterSigning
            } else {
                SessionTokenMode::Include
            },
            location,
            excluded_headers: Vec::new(),
        }
    }

    fn params<'a>(&'a self, settings: &'a SigningSettings) -> SigningParams<'a> {
        SigningParams {
            identity: SigningIdentity::new(
                &self.access_key_id,
                &self.secret_access_key,
                self.token.as_deref(),
            ),
            region: &self.region,
            service: &self.service,
            time: self.time,
            settings,
        }
    }
}

/// Collects results across cases.
#[derive(Default)]
struct Report {
    checks: usize,
    failures: Vec<String>,
    notes: Vec<String>,
}

impl Report {
    fn compare<T: PartialEq + std::fmt::Debug>(
        &mut self,
        case: &str,
        what: &str,
        expected: Option<T>,
        actual: T,
    ) {
        let Some(expected) = expected else {
            self.failures
                .push(format!("{case}: {what}: expected file missing"));
            return;
        };
        self.checks += 1;
        if expected != actual {
            self.failures.push(format!(
                "{case}: {what} mismatch\n  expected: {expected:?}\n  actual:   {actual:?}"
            ));
        }
    }
}

fn sign_suite_request(
    request: &Request<Vec<u8>>,
    params: &SigningParams<'_>,
    cache: &SigningKeyCache,
) -> Result<SigningOutput, SigningError> {
    let signable = SignableRequest::from_request(request, Payload::Bytes(request.body()));
    sign(&signable, params, Some(cache))
}

/// Signs one suite case both ways and compares everything the suite provides.
fn run_case(
    report: &mut Report,
    cache: &SigningKeyCache,
    name: &str,
    expected_dir: &Path,
    context: &Context,
    request_text: &str,
    force_single: bool,
) {
    let raw = parse_request(request_text);
    let (request, target_encoded) = build_request(&raw);
    let uri_encoding = if target_encoded || force_single {
        report.notes.push(format!(
            "{name}: signed with UriEncoding::Single: the suite path is raw (a literal space) \
             and aws-c-auth encodes it once, the same as signing its wire form {:?} with Single",
            wire_target(&raw.target).0
        ));
        UriEncoding::Single
    } else {
        UriEncoding::Double
    };
    let locations = [
        ("header", SignatureLocation::Headers),
        (
            "query",
            SignatureLocation::Query {
                expires_in: std::time::Duration::from_secs(context.expiration_in_seconds),
            },
        ),
    ];
    for (prefix, location) in locations {
        let case = format!("{name} ({prefix})");
        let settings = context.settings(location, uri_encoding);
        let params = context.params(&settings);
        let output = match sign_suite_request(&request, &params, cache) {
            Ok(output) => output,
            Err(error) => {
                report
                    .failures
                    .push(format!("{case}: signing failed: {error}"));
                continue;
            }
        };
        let expected = |file: &str| read_expected(&expected_dir.join(format!("{prefix}-{file}")));
        report.compare(
            &case,
            "canonical request",
            expected("canonical-request.txt"),
            output.canonical_request.clone(),
        );
        report.compare(
            &case,
            "string to sign",
            expected("string-to-sign.txt"),
            output.string_to_sign.clone(),
        );
        report.compare(
            &case,
            "signature",
            expected("signature.txt").map(|s| s.trim().to_owned()),
            output.signature.clone(),
        );

        // Host from the URI authority instead of the Host header: same result.
        let mut without_host = request.clone();
        without_host.headers_mut().remove(http::header::HOST);
        match sign_suite_request(&without_host, &params, cache) {
            Ok(other) => report.compare(
                &case,
                "signature with host taken from the uri",
                Some(output.signature.clone()),
                other.signature,
            ),
            Err(error) => report.failures.push(format!(
                "{case}: signing without host header failed: {error}"
            )),
        }

        let mut signed = request.clone();
        match output.apply_to_request(&mut signed) {
            Ok(()) => report.compare(
                &case,
                "signed request",
                expected("signed-request.txt")
                    .map(|text| Comparable::from_raw(&parse_request(&text))),
                Comparable::from_http(&signed),
            ),
            Err(error) => report
                .failures
                .push(format!("{case}: apply failed: {error}")),
        }
    }
}

/// The `Signature=` of the `Authorization` header of a signed-request file.
fn authorization_signature(signed_request: &str) -> Option<String> {
    let raw = parse_request(signed_request);
    let (_, value) = raw
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))?;
    Some(value.rsplit_once("Signature=")?.1.trim().to_owned())
}

/// `double-encode-path` and `double-url-encode`: old-format cases without `context.json`.
/// Their canonical requests were produced at 2021-05-11T15:40:45Z (the date in them);
/// their signed requests with the credentials named in them.
fn run_smithy_extras(report: &mut Report, cache: &SigningKeyCache, extras: &Path) {
    let settings = SigningSettings::default();
    let canonical_time = parse_time("2021-05-11T15:40:45Z");

    // double-encode-path: signed with the AWS SDK for Rust test credentials
    // (`Credentials::for_tests()`) at the suite time, us-east-1/service.
    let dir = extras.join("double-encode-path");
    let Some(request_text) = read(&dir.join("request.txt")) else {
        report
            .failures
            .push("double-encode-path: request.txt missing".to_owned());
        return;
    };
    let (request, _) = build_request(&parse_request(&request_text));
    let identity = SigningIdentity::new("ANOTREAL", "notrealrnrELgWzOk3IfjzDKtFBhDby", None);
    let params = SigningParams {
        identity,
        region: "us-east-1",
        service: "service",
        time: canonical_time,
        settings: &settings,
    };
    let case = "smithy-rs-extras/double-encode-path (header)";
    match sign_suite_request(&request, &params, cache) {
        Ok(output) => report.compare(
            case,
            "canonical request",
            read_expected(&dir.join("header-canonical-request.txt")),
            output.canonical_request,
        ),
        Err(error) => report
            .failures
            .push(format!("{case}: signing failed: {error}")),
    }
    let params = SigningParams {
        time: parse_time("2015-08-30T12:36:00Z"),
        ..params
    };
    let expected_signed = read(&dir.join("header-signed-request.txt"));
    match sign_suite_request(&request, &params, cache) {
        Ok(output) => {
            report.compare(
                case,
                "signature",
                expected_signed.as_deref().and_then(authorization_signature),
                output.signature.clone(),
            );
            let mut signed = request.clone();
            output.apply_to_request(&mut signed).unwrap();
            report.compare(
                case,
                "signed request",
                expected_signed.map(|text| Comparable::from_raw(&parse_request(&text))),
                Comparable::from_http(&signed),
            );
        }
        Err(error) => report
            .failures
            .push(format!("{case}: signing failed: {error}")),
    }

    // double-url-encode: canonical request and string to sign at 2021-05-11T15:40:45Z in
    // us-east-2/lambda; the signed request carries that credential scope for AKIDEXAMPLE.
    let dir = extras.join("double-url-encode");
    let Some(request_text) = read(&dir.join("request.txt")) else {
        report
            .failures
            .push("double-url-encode: request.txt missing".to_owned());
        return;
    };
    let (request, _) = build_request(&parse_request(&request_text));
    let params = SigningParams {
        identity: SigningIdentity::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            None,
        ),
        region: "us-east-2",
        service: "lambda",
        time: canonical_time,
        settings: &settings,
    };
    let case = "smithy-rs-extras/double-url-encode (header)";
    match sign_suite_request(&request, &params, cache) {
        Ok(output) => {
            report.compare(
                case,
                "canonical request",
                read_expected(&dir.join("header-canonical-request.txt")),
                output.canonical_request.clone(),
            );
            report.compare(
                case,
                "string to sign",
                read_expected(&dir.join("header-string-to-sign.txt")),
                output.string_to_sign.clone(),
            );
            let expected_signed = read(&dir.join("header-signed-request.txt"));
            let expected_signature = expected_signed.as_deref().and_then(authorization_signature);
            if expected_signature.as_deref() == Some(output.signature.as_str()) {
                let mut signed = request.clone();
                output.apply_to_request(&mut signed).unwrap();
                report.compare(
                    case,
                    "signed request",
                    expected_signed.map(|text| Comparable::from_raw(&parse_request(&text))),
                    Comparable::from_http(&signed),
                );
            } else {
                report.notes.push(format!(
                    "{case}: signed request not compared: its signature does not come from the \
                     suite's example secret, and no other secret is recorded"
                ));
            }
        }
        Err(error) => report
            .failures
            .push(format!("{case}: signing failed: {error}")),
    }
}

#[test]
fn sigv4_signing_test_suite() {
    let Some(suite) = suite_dir() else {
        return;
    };
    let mut report = Report::default();
    let cache = SigningKeyCache::new();

    let mut cases: Vec<PathBuf> = std::fs::read_dir(suite.join("v4"))
        .unwrap()
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 38, "only {} v4 cases found", cases.len());
    for dir in &cases {
        let name = format!("v4/{}", dir.file_name().unwrap().to_string_lossy());
        let context = load_context(&dir.join("context.json"));
        let request_text = read(&dir.join("request.txt")).unwrap();
        run_case(
            &mut report,
            &cache,
            &name,
            dir,
            &context,
            &request_text,
            false,
        );
    }

    let extras = suite.join("smithy-rs-extras").join("v4");
    let space = "get-space-normalized";
    match read(&extras.join(space).join("request.txt")) {
        Some(request_text) => {
            let dir = suite.join("v4").join(space);
            let context = load_context(&dir.join("context.json"));
            let name = format!("smithy-rs-extras/{space}");
            run_case(
                &mut report,
                &cache,
                &name,
                &dir,
                &context,
                &request_text,
                true,
            );
        }
        None => report
            .failures
            .push(format!("smithy-rs-extras/{space}: request.txt missing")),
    }
    run_smithy_extras(&mut report, &cache, &extras);

    for note in &report.notes {
        eprintln!("note: {note}");
    }
    eprintln!(
        "sigv4 suite: {} cases + smithy-rs extras, {} comparisons, {} failures, {} key \
         derivations",
        cases.len(),
        report.checks,
        report.failures.len(),
        cache.derivations()
    );
    assert!(
        report.failures.is_empty(),
        "{} sigv4 suite failures:\n{}",
        report.failures.len(),
        report.failures.join("\n")
    );
}
