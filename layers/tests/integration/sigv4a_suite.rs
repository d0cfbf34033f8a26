//! The SigV4a half of the AWS signing test suite (aws-c-auth `v4a/`), header and query
//! signing, through the public API.
//!
//! ECDSA signatures are not repeatable, so for every complete case this test:
//! * compares the canonical request and the string to sign byte for byte;
//! * derives the key pair from the credentials and compares it with `public-key.json`;
//! * verifies our signature, the suite's `*-signature.txt`, and the signature inside the
//!   suite's `*-signed-request.txt`, against that public key;
//! * compares the signed request with `*-signed-request.txt`, signature values aside.
//!
//! Cases without expected files (`get-vanilla-query-order-key`, `...-order-value`: aws-c-auth
//! does not run them either) are skipped with a printed reason. The suite lives outside the
//! repository: `$ZIGGURAT_CONFORMANCE`, or the first `shared/conformance` found walking up
//! from this crate; without it the test prints `SKIPPED: ...` and passes.
//!
//! Request conventions are those of the SigV4 suite test (`signer/suite_tests.rs`):
//! continuation lines are appended to the previous header value; a request target that
//! `http::Uri` cannot hold (`get-space-*`: a literal space) is signed in its wire form with
//! `UriEncoding::Single`, which is what aws-c-auth's single encoding of the raw path gives.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use http::{HeaderValue, Request};
use ziggurat_layers::sign::signer::{
    Payload, PayloadChecksumKind, SessionTokenMode, SigV4aKey, SigV4aKeyCache, SigV4aPublicKey,
    SignableRequest, SignatureLocation, SigningIdentity, SigningParams, SigningSettings,
    UriEncoding, sign_v4a,
};

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
        Some(suite) if suite.join("v4a").is_dir() => Some(suite),
        other => {
            // Straight to stderr: the test harness captures `eprintln!`.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: sigv4a suite not found at {} (set ZIGGURAT_CONFORMANCE, or put it in \
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

fn read_expected(path: &Path) -> Option<String> {
    read(path).map(|text| text.strip_suffix('\n').map(str::to_owned).unwrap_or(text))
}

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

/// The target as it can go on the wire, and whether it had to be encoded for that.
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

fn load_context(path: &Path) -> Context {
    let json: serde_json::Value = serde_json::from_str(&read(path).unwrap()).unwrap();
    let text = |value: &serde_json::Value| value.as_str().unwrap().to_owned();
    let flag = |name: &str| json[name].as_bool().unwrap_or(false);
    let credentials = &json["credentials"];
    let time = time::OffsetDateTime::parse(
        json["timestamp"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    Context {
        access_key_id: text(&credentials["access_key_id"]),
        secret_access_key: text(&credentials["secret_access_key"]),
        token: credentials["token"].as_str().map(str::to_owned),
        expiration_in_seconds: json["expiration_in_seconds"].as_u64().unwrap(),
        normalize: json["normalize"].as_bool().unwrap_or(true),
        region: text(&json["region"]),
        service: text(&json["service"]),
        sign_body: flag("sign_body"),
        omit_session_token: flag("omit_session_token"),
        time: SystemTime::from(time),
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
            // SigV4a: the region set.
            region: &self.region,
            service: &self.service,
            time: self.time,
            settings,
        }
    }
}

fn load_public_key(path: &Path) -> Option<(SigV4aPublicKey, String, String)> {
    let json: serde_json::Value = serde_json::from_str(&read(path)?).ok()?;
    let x = json["X"].as_str()?.to_ascii_lowercase();
    let y = json["Y"].as_str()?.to_ascii_lowercase();
    let x_bytes: [u8; 32] = hex::decode(&x).ok()?.try_into().ok()?;
    let y_bytes: [u8; 32] = hex::decode(&y).ok()?.try_into().ok()?;
    Some((SigV4aPublicKey::from_coordinates(&x_bytes, &y_bytes)?, x, y))
}

/// A request reduced to what signing may change, with signature values masked.
#[derive(Debug, PartialEq, Eq)]
struct Comparable {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Replaces the value after `marker` (up to the next `&`, `,`, space or end) by `<sig>`.
fn mask_after(text: &str, marker: &str) -> (String, Option<String>) {
    let Some(start) = text.find(marker).map(|at| at + marker.len()) else {
        return (text.to_owned(), None);
    };
    let rest = &text[start..];
    let end = rest.find(['&', ',', ' ']).unwrap_or(rest.len());
    let signature = rest[..end].to_owned();
    (
        format!("{}<sig>{}", &text[..start], &rest[end..]),
        Some(signature),
    )
}

impl Comparable {
    /// The comparable form, and the signature it carried.
    fn new(
        method: &str,
        target: &str,
        headers: Vec<(String, String)>,
        body: &[u8],
    ) -> (Self, Option<String>) {
        let (target, mut signature) = mask_after(target, "X-Amz-Signature=");
        let mut headers: Vec<(String, String)> = headers
            .into_iter()
            .map(|(name, value)| {
                if name == "authorization" {
                    let (masked, found) = mask_after(&value, "Signature=");
                    signature = signature.take().or(found);
                    (name, masked)
                } else {
                    (name, value)
                }
            })
            .collect();
        headers.sort_by(|a, b| a.0.cmp(&b.0));
        let comparable = Self {
            method: method.to_owned(),
            target,
            headers,
            body: body.to_vec(),
        };
        (comparable, signature)
    }

    fn from_raw(raw: &RawRequest) -> (Self, Option<String>) {
        let headers = raw
            .headers
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        Self::new(&raw.method, &wire_target(&raw.target).0, headers, &raw.body)
    }

    fn from_http(request: &Request<Vec<u8>>) -> (Self, Option<String>) {
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

#[derive(Default)]
struct Report {
    checks: usize,
    failures: Vec<String>,
}

impl Report {
    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        self.checks += 1;
        if !ok {
            self.failures.push(what());
        }
    }

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
        self.check(expected == actual, || {
            format!("{case}: {what} mismatch\n  expected: {expected:?}\n  actual:   {actual:?}")
        });
    }
}

fn run_case(report: &mut Report, cache: &SigV4aKeyCache, name: &str, dir: &Path) {
    let context = load_context(&dir.join("context.json"));
    let raw = parse_request(&read(&dir.join("request.txt")).unwrap());
    let (request, target_encoded) = build_request(&raw);
    let uri_encoding = if target_encoded {
        UriEncoding::Single
    } else {
        UriEncoding::Double
    };

    // The key pair.
    let Some((public_key, x, y)) = load_public_key(&dir.join("public-key.json")) else {
        report
            .failures
            .push(format!("{name}: public-key.json missing or invalid"));
        return;
    };
    let derived = SigV4aKey::derive(&context.access_key_id, &context.secret_access_key)
        .unwrap()
        .public_key();
    report.compare(
        name,
        "derived public key (x, y)",
        Some((x, y)),
        (hex::encode(derived.x()), hex::encode(derived.y())),
    );

    let locations = [
        ("header", SignatureLocation::Headers),
        (
            "query",
            SignatureLocation::Query {
                expires_in: Duration::from_secs(context.expiration_in_seconds),
            },
        ),
    ];
    for (prefix, location) in locations {
        let case = format!("{name} ({prefix})");
        let settings = context.settings(location, uri_encoding);
        let params = context.params(&settings);
        let signable = SignableRequest::from_request(&request, Payload::Bytes(request.body()));
        let output = match sign_v4a(&signable, &params, Some(cache)) {
            Ok(output) => output,
            Err(error) => {
                report
                    .failures
                    .push(format!("{case}: signing failed: {error}"));
                continue;
            }
        };
        let expected = |file: &str| read_expected(&dir.join(format!("{prefix}-{file}")));
        let expected_string_to_sign = expected("string-to-sign.txt");
        report.compare(
            &case,
            "canonical request",
            expected("canonical-request.txt"),
            output.canonical_request.clone(),
        );
        report.compare(
            &case,
            "string to sign",
            expected_string_to_sign.clone(),
            output.string_to_sign.clone(),
        );
        report.check(
            public_key.verify_signature(&output.string_to_sign, &output.signature),
            || format!("{case}: our signature does not verify with public-key.json"),
        );
        report.check(
            derived.verify_signature(&output.string_to_sign, &output.signature),
            || format!("{case}: our signature does not verify with the derived key"),
        );
        let string_to_sign = expected_string_to_sign.unwrap_or_default();
        let suite_signature = expected("signature.txt").unwrap_or_default();
        report.check(
            public_key.verify_signature(&string_to_sign, &suite_signature),
            || format!("{case}: the suite's {prefix}-signature.txt does not verify"),
        );

        let mut signed = request.clone();
        output.apply_to_request(&mut signed).unwrap();
        let (actual, _) = Comparable::from_http(&signed);
        match expected("signed-request.txt") {
            Some(text) => {
                let (expected, suite_signature) = Comparable::from_raw(&parse_request(&text));
                report.compare(&case, "signed request", Some(expected), actual);
                let suite_signature = suite_signature.unwrap_or_default();
                report.check(
                    public_key.verify_signature(&string_to_sign, &suite_signature),
                    || {
                        format!(
                            "{case}: the signature in {prefix}-signed-request.txt does not verify"
                        )
                    },
                );
            }
            None => report
                .failures
                .push(format!("{case}: signed request: expected file missing")),
        }
    }
}

#[test]
fn sigv4a_signing_test_suite() {
    let Some(suite) = suite_dir() else {
        return;
    };
    let mut cases: Vec<PathBuf> = std::fs::read_dir(suite.join("v4a"))
        .unwrap()
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.is_dir())
        .collect();
    cases.sort();

    let mut report = Report::default();
    let cache = SigV4aKeyCache::new();
    let mut complete = 0;
    let mut skipped = Vec::new();
    for dir in &cases {
        let name = format!("v4a/{}", dir.file_name().unwrap().to_string_lossy());
        if !dir.join("header-canonical-request.txt").is_file() {
            skipped.push(name);
            continue;
        }
        complete += 1;
        run_case(&mut report, &cache, &name, dir);
    }
    let mut stderr = std::io::stderr();
    for name in &skipped {
        let _ = writeln!(
            stderr,
            "skipped {name}: incomplete case (context.json and request.txt only, no expected \
             output); aws-c-auth does not run it either"
        );
    }
    let _ = writeln!(
        stderr,
        "sigv4a suite: {complete} complete cases, {} skipped, {} checks, {} failures, {} key \
         derivations",
        skipped.len(),
        report.checks,
        report.failures.len(),
        cache.derivations()
    );
    assert!(complete >= 38, "only {complete} complete v4a cases found");
    assert!(
        report.failures.is_empty(),
        "{} sigv4a suite failures:\n{}",
        report.failures.len(),
        report.failures.join("\n")
    );
}

#[test]
fn region_sets_and_tampering() {
    let request = Request::get("https://example.amazonaws.com/?a=b")
        .body(())
        .unwrap();
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160);
    let settings = SigningSettings::default();
    let cache = SigV4aKeyCache::new();
    let key = cache.get_or_derive("AKID", "SECRET").unwrap().public_key();
    for region_set in ["*", "us-east-1,us-west-2", "eu-*"] {
        let params = SigningParams {
            identity: SigningIdentity::new("AKID", "SECRET", None),
            region: region_set,
            service: "s3",
            time,
            settings: &settings,
        };
        let signable = SignableRequest::from_request(&request, Payload::Unsigned);
        let output = sign_v4a(&signable, &params, Some(&cache)).unwrap();
        let region_header = output
            .headers
            .iter()
            .find(|(name, _)| name == "x-amz-region-set")
            .map(|(_, value)| value.to_str().unwrap());
        assert_eq!(region_header, Some(region_set));
        assert!(
            output
                .canonical_request
                .contains(&format!("\nx-amz-region-set:{region_set}\n"))
        );
        assert!(key.verify_signature(&output.string_to_sign, &output.signature));
        let tampered = output.string_to_sign.replace("20150830T", "20150831T");
        assert!(!key.verify_signature(&tampered, &output.signature));
    }
    assert_eq!(cache.derivations(), 1);

    // Query signing: the region set goes into the URL, before the signature.
    let query_settings = SigningSettings {
        location: SignatureLocation::Query {
            expires_in: Duration::from_secs(60),
        },
        ..SigningSettings::default()
    };
    let params = SigningParams {
        identity: SigningIdentity::new("AKID", "SECRET", None),
        region: "us-east-1,us-west-2",
        service: "s3",
        time,
        settings: &query_settings,
    };
    let signable = SignableRequest::from_request(&request, Payload::Unsigned);
    let output = sign_v4a(&signable, &params, None).unwrap();
    let names: Vec<&str> = output.query.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "X-Amz-Algorithm",
            "X-Amz-Credential",
            "X-Amz-Date",
            "X-Amz-SignedHeaders",
            "X-Amz-Expires",
            "X-Amz-Region-Set",
            "X-Amz-Signature"
        ]
    );
    assert_eq!(output.query[5].1, "us-east-1%2Cus-west-2");

    // A region set that cannot be a header value, and a URI that already carries one.
    let params = SigningParams {
        region: "us east",
        ..params
    };
    let error = sign_v4a(&signable, &params, None).unwrap_err();
    assert!(error.to_string().contains("region set"), "{error}");
    let presigned = Request::get("https://example.amazonaws.com/?X-Amz-Region-Set=*")
        .body(())
        .unwrap();
    let params = SigningParams {
        region: "*",
        ..params
    };
    let signable = SignableRequest::from_request(&presigned, Payload::Unsigned);
    assert!(sign_v4a(&signable, &params, None).is_err());
}
