//! Where the generated clients send requests, from their services' endpoint rule sets: S3
//! virtual hosts, path style, access point and Multi-Region Access Point ARNs, accelerate,
//! Object Lambda; DynamoDB FIPS and dual-stack; STS's legacy global endpoint; error rules;
//! custom resolvers; and how the endpoint's auth scheme changes the signature. A mock
//! transport records each request: nothing reaches the network.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ziggurat::config::{SdkConfig, StsRegionalEndpoints};
use ziggurat::layers::endpoint::resolver::RuleSetResolver;
use ziggurat::layers::endpoint::rules::{Endpoint, Params, ResolveError, Value};
use ziggurat::prelude::*;
use ziggurat_core::transport::{Rule, TestTransport};

fn sdk(region: &'static str, transport: &TestTransport) -> ziggurat::config::SdkConfigBuilder {
    SdkConfig::builder()
        .region(Region::from_static(region))
        .credentials(Credentials::new("AKID", "SECRET", None))
        .http_client(transport.clone().into_http_client())
}

fn answering(status: u16, content_type: &'static str, body: &'static str) -> TestTransport {
    TestTransport::new().rule(Rule::any().respond(status, &[("content-type", content_type)], body))
}

fn s3_transport() -> TestTransport {
    answering(200, "application/xml", "")
}

fn ddb_transport() -> TestTransport {
    answering(200, "application/x-amz-json-1.0", "{}")
}

/// The one request `transport` got: its URI and its `Authorization` header.
fn sent(transport: &TestTransport) -> (String, String) {
    let requests = transport.requests();
    assert_eq!(requests.len(), 1, "one request expected");
    let req = &requests[0];
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (req.uri().to_string(), auth)
}

async fn get_object(client: &ziggurat::s3::Client, bucket: &str, key: &str) {
    client
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn s3_addresses_a_bucket_as_a_virtual_host_of_its_region() {
    let transport = s3_transport();
    let s3 = ziggurat::s3::Client::new(&sdk("us-west-2", &transport).build());
    get_object(&s3, "bucket", "a/b.txt").await;
    let (uri, auth) = sent(&transport);
    assert_eq!(uri, "https://bucket.s3.us-west-2.amazonaws.com/a/b.txt");
    assert!(auth.contains("/us-west-2/s3/aws4_request"), "{auth}");
}

#[tokio::test]
async fn s3_uses_path_style_when_forced_or_when_the_bucket_cannot_be_a_host() {
    let transport = s3_transport();
    let config =
        ziggurat::s3::Config::new(&sdk("us-west-2", &transport).build()).force_path_style(true);
    let s3 = ziggurat::s3::Client::from_conf(config);
    get_object(&s3, "bucket", "k").await;
    assert_eq!(
        sent(&transport).0,
        "https://s3.us-west-2.amazonaws.com/bucket/k"
    );

    // Dots would break the certificate of a virtual host over https.
    let transport = s3_transport();
    let s3 = ziggurat::s3::Client::new(&sdk("eu-west-1", &transport).build());
    get_object(&s3, "my.dotted.bucket", "k").await;
    assert_eq!(
        sent(&transport).0,
        "https://s3.eu-west-1.amazonaws.com/my.dotted.bucket/k"
    );

    // A bucket-level call keeps its query on the bucket, without a trailing slash.
    let transport = s3_transport();
    let s3 = ziggurat::s3::Client::from_conf(
        ziggurat::s3::Config::new(&sdk("us-west-2", &transport).build()).force_path_style(true),
    );
    s3.get_bucket_acl().bucket("bucket").send().await.unwrap();
    assert_eq!(
        sent(&transport).0,
        "https://s3.us-west-2.amazonaws.com/bucket?acl"
    );
}

#[tokio::test]
async fn s3_sends_an_access_point_arn_to_its_access_point_host() {
    let transport = s3_transport();
    let s3 = ziggurat::s3::Client::new(&sdk("us-west-2", &transport).build());
    get_object(
        &s3,
        "arn:aws:s3:us-west-2:123456789012:accesspoint:myendpoint",
        "k",
    )
    .await;
    assert_eq!(
        sent(&transport).0,
        "https://myendpoint-123456789012.s3-accesspoint.us-west-2.amazonaws.com/k"
    );
}

#[tokio::test]
async fn s3_signs_a_multi_region_access_point_with_sigv4a_for_every_region() {
    let transport = s3_transport();
    let s3 = ziggurat::s3::Client::new(&sdk("us-west-2", &transport).build());
    get_object(
        &s3,
        "arn:aws:s3::123456789012:accesspoint:mfzwi23gnjvgw.mrap",
        "k",
    )
    .await;
    let requests = transport.requests();
    let (uri, auth) = sent(&transport);
    assert_eq!(
        uri,
        "https://mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com/k"
    );
    assert!(auth.starts_with("AWS4-ECDSA-P256-SHA256 "), "{auth}");
    assert!(auth.contains("/s3/aws4_request"), "{auth}");
    assert_eq!(requests[0].headers()["x-amz-region-set"], "*");

    // Turned off, the same ARN is an error before anything is sent.
    let transport = s3_transport();
    let s3 = ziggurat::s3::Client::from_conf(
        ziggurat::s3::Config::new(&sdk("us-west-2", &transport).build())
            .disable_multi_region_access_points(true),
    );
    let err = s3
        .get_object()
        .bucket("arn:aws:s3::123456789012:accesspoint:mfzwi23gnjvgw.mrap")
        .key("k")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Construction);
    assert!(
        err.to_string()
            .contains("Multi-Region Access Point ARNs are disabled"),
        "{err}"
    );
    assert!(transport.requests().is_empty());
}

#[tokio::test]
async fn an_error_rule_fails_the_call_before_sending() {
    let transport = s3_transport();
    let config = sdk("us-west-2", &transport).use_fips(true).build();
    let s3 = ziggurat::s3::Client::from_conf(ziggurat::s3::Config::new(&config).accelerate(true));
    let err = s3
        .get_object()
        .bucket("bucket")
        .key("k")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Construction);
    assert!(
        err.to_string()
            .contains("Accelerate cannot be used with FIPS"),
        "{err}"
    );
    assert!(transport.requests().is_empty());
}

#[tokio::test]
async fn s3_accelerate_and_dual_stack_hosts() {
    let transport = s3_transport();
    let config = sdk("us-west-2", &transport).use_dual_stack(true).build();
    let s3 = ziggurat::s3::Client::from_conf(ziggurat::s3::Config::new(&config).accelerate(true));
    get_object(&s3, "bucket", "k").await;
    assert_eq!(
        sent(&transport).0,
        "https://bucket.s3-accelerate.dualstack.amazonaws.com/k"
    );
}

#[tokio::test]
async fn dynamodb_fips_and_dual_stack_endpoints() {
    for (fips, dual, host) in [
        (false, false, "dynamodb.us-east-1.amazonaws.com"),
        (true, false, "dynamodb-fips.us-east-1.amazonaws.com"),
        (false, true, "dynamodb.us-east-1.api.aws"),
        (true, true, "dynamodb-fips.us-east-1.api.aws"),
    ] {
        let transport = ddb_transport();
        let config = sdk("us-east-1", &transport)
            .use_fips(fips)
            .use_dual_stack(dual)
            .build();
        let ddb = ziggurat::dynamodb::Client::new(&config);
        ddb.describe_limits().send().await.unwrap();
        assert_eq!(sent(&transport).0, format!("https://{host}/"));
    }
    // Another partition's DNS suffix.
    let transport = ddb_transport();
    let ddb = ziggurat::dynamodb::Client::new(&sdk("cn-north-1", &transport).build());
    ddb.describe_limits().send().await.unwrap();
    assert_eq!(
        sent(&transport).0,
        "https://dynamodb.cn-north-1.amazonaws.com.cn/"
    );
}

#[tokio::test]
async fn the_auth_scheme_signing_region_and_name_are_signed_with() {
    // STS's legacy global endpoint signs for us-east-1 whatever the client's region.
    let transport = answering(
        200,
        "text/xml",
        "<GetCallerIdentityResponse><GetCallerIdentityResult><Account>1</Account>\
         </GetCallerIdentityResult></GetCallerIdentityResponse>",
    );
    let config = sdk("us-west-2", &transport)
        .sts_regional_endpoints(StsRegionalEndpoints::Legacy)
        .build();
    let sts = ziggurat::sts::Client::new(&config);
    sts.get_caller_identity().send().await.unwrap();
    let (uri, auth) = sent(&transport);
    assert_eq!(uri, "https://sts.amazonaws.com/");
    assert!(auth.contains("/us-east-1/sts/aws4_request"), "{auth}");

    // S3 Object Lambda: its own signing name, and the operation's host prefix.
    let transport = s3_transport();
    let s3 = ziggurat::s3::Client::new(&sdk("us-west-2", &transport).build());
    s3.write_get_object_response()
        .request_route("route")
        .request_token("token")
        .send()
        .await
        .unwrap();
    let (uri, auth) = sent(&transport);
    assert_eq!(
        uri,
        "https://route.s3-object-lambda.us-west-2.amazonaws.com/WriteGetObjectResponse"
    );
    assert!(
        auth.contains("/us-west-2/s3-object-lambda/aws4_request"),
        "{auth}"
    );
}

#[tokio::test]
async fn a_custom_resolver_wraps_the_default_and_is_cached_per_parameters() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let resolver =
        move |params: &Params, default: &RuleSetResolver| -> Result<Endpoint, ResolveError> {
            counted.fetch_add(1, Ordering::SeqCst);
            let mut endpoint = default.resolve(params)?;
            if params.get("Bucket") == Some(&Value::from("proxied")) {
                endpoint.url = "https://proxy.example.com/s3".to_owned();
                endpoint
                    .headers
                    .push(("x-proxy".to_owned(), vec!["yes".to_owned()]));
            }
            Ok(endpoint)
        };
    let transport = s3_transport();
    let s3 = ziggurat::s3::Client::from_conf(
        ziggurat::s3::Config::new(&sdk("us-west-2", &transport).build())
            .endpoint_resolver(resolver),
    );
    get_object(&s3, "proxied", "one").await;
    get_object(&s3, "proxied", "two").await;
    get_object(&s3, "bucket", "one").await;
    let requests = transport.requests();
    let uris: Vec<String> = requests.iter().map(|r| r.uri().to_string()).collect();
    assert_eq!(
        uris,
        [
            "https://proxy.example.com/s3/one",
            "https://proxy.example.com/s3/two",
            "https://bucket.s3.us-west-2.amazonaws.com/one",
        ]
    );
    assert_eq!(requests[0].headers()["x-proxy"], "yes");
    assert!(requests[2].headers().get("x-proxy").is_none());
    // The key is not a parameter the rules read: one resolution per bucket.
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_per_call_region_or_endpoint_resolves_anew() {
    let transport = ddb_transport();
    let ddb = ziggurat::dynamodb::Client::new(&sdk("us-east-1", &transport).build());
    ddb.describe_limits()
        .customize(|o| o.region(Region::from_static("eu-west-1")))
        .send()
        .await
        .unwrap();
    ddb.describe_limits()
        .customize(|o| o.endpoint_url("http://127.0.0.1:8000"))
        .send()
        .await
        .unwrap();
    ddb.describe_limits().send().await.unwrap();
    let requests = transport.requests();
    let uris: Vec<String> = requests.iter().map(|r| r.uri().to_string()).collect();
    assert_eq!(
        uris,
        [
            "https://dynamodb.eu-west-1.amazonaws.com/",
            "http://127.0.0.1:8000/",
            "https://dynamodb.us-east-1.amazonaws.com/",
        ]
    );
    let auth = |i: usize| {
        requests[i].headers()["authorization"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert!(auth(0).contains("/eu-west-1/dynamodb/"), "{}", auth(0));
    assert!(auth(2).contains("/us-east-1/dynamodb/"), "{}", auth(2));
}

#[tokio::test]
async fn without_a_region_or_endpoint_the_call_fails_with_a_clear_error() {
    let transport = ddb_transport();
    let config = SdkConfig::builder()
        .credentials(Credentials::new("AKID", "SECRET", None))
        .http_client(transport.clone().into_http_client())
        .build();
    let err = ziggurat::dynamodb::Client::new(&config)
        .describe_limits()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Construction);
    assert!(err.to_string().contains("AWS_REGION"), "{err}");
    assert!(transport.requests().is_empty());
}

/// S3's official endpoint tests, driven through the client: every case with
/// `operationInputs` (built-ins as client settings, operation parameters as the input) sends
/// its request to the expected URL, signed for the expected name and region, or fails with
/// the expected error before sending.
#[tokio::test]
async fn s3_official_endpoint_tests_pass_through_the_client() {
    let path = std::env::var_os("ZIGGURAT_CONFORMANCE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance")
        })
        .join("endpoint-rules/botocore/s3/endpoint-tests-1.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("SKIPPED: no S3 endpoint tests at {}", path.display());
        return;
    };
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let (mut ran, mut failures) = (0, Vec::new());
    for case in doc["testCases"].as_array().unwrap() {
        let name = case["documentation"].as_str().unwrap_or("?");
        for input in case["operationInputs"].as_array().into_iter().flatten() {
            ran += 1;
            if let Err(why) = run_s3_case(input, &case["expect"]).await {
                failures.push(format!("{name}: {why}"));
            }
        }
    }
    assert!(ran >= 200, "only {ran} cases ran");
    assert!(
        failures.is_empty(),
        "{} of {ran} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// An operation's error as its kind and text.
fn erase<E>(e: SdkError<E>) -> (ErrorKind, String)
where
    SdkError<E>: std::fmt::Display,
{
    (e.kind(), e.to_string())
}

async fn run_s3_case(input: &serde_json::Value, expect: &serde_json::Value) -> Result<(), String> {
    let built_in = |name: &str| input["builtInParams"].get(name);
    let flag = |name: &str| built_in(name).and_then(serde_json::Value::as_bool);
    // A directory bucket's session comes first: `CreateSession` answers with one.
    let transport = TestTransport::new()
        .rule(
            Rule::when(|r| r.uri().query() == Some("session")).respond(
                200,
                &[("content-type", "application/xml")],
                "<CreateSessionResult><Credentials><SessionToken>SESSIONTOKEN</SessionToken>\
                 <SecretAccessKey>SESSIONSECRET</SecretAccessKey><AccessKeyId>SESSIONKEY</AccessKeyId>\
                 <Expiration>2100-01-01T00:00:00Z</Expiration></Credentials></CreateSessionResult>",
            ),
        )
        .rule(Rule::any().respond(200, &[("content-type", "application/xml")], ""));
    let region = built_in("AWS::Region")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("us-east-1")
        .to_owned();
    let mut sdk = SdkConfig::builder()
        .region(Region::new(region))
        .credentials(Credentials::new("AKID", "SECRET", None))
        .http_client(transport.clone().into_http_client())
        .use_fips(flag("AWS::UseFIPS"))
        .use_dual_stack(flag("AWS::UseDualStack"));
    if let Some(url) = built_in("SDK::Endpoint").and_then(serde_json::Value::as_str) {
        sdk = sdk.endpoint_url(url);
    }
    let mut config = ziggurat::s3::Config::new(&sdk.build())
        .force_path_style(flag("AWS::S3::ForcePathStyle").unwrap_or(false))
        .accelerate(flag("AWS::S3::Accelerate").unwrap_or(false))
        .use_global_endpoint(flag("AWS::S3::UseGlobalEndpoint").unwrap_or(false))
        .disable_multi_region_access_points(
            flag("AWS::S3::DisableMultiRegionAccessPoints").unwrap_or(false),
        );
    if let Some(yes) = flag("AWS::S3::UseArnRegion") {
        config = config.use_arn_region(yes);
    }
    let s3 = ziggurat::s3::Client::from_conf(config);
    let param = |name: &str| {
        input["operationParams"][name]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let op = input["operationName"].as_str().unwrap_or_default();
    let result = match op {
        "GetObject" => s3
            .get_object()
            .bucket(param("Bucket"))
            .key(param("Key"))
            .send()
            .await
            .map(drop)
            .map_err(erase),
        "CreateBucket" => s3
            .create_bucket()
            .bucket(param("Bucket"))
            .send()
            .await
            .map(drop)
            .map_err(erase),
        "ListBuckets" => s3.list_buckets().send().await.map(drop).map_err(erase),
        "ListObjects" => s3
            .list_objects()
            .bucket(param("Bucket"))
            .prefix(param("Prefix"))
            .send()
            .await
            .map(drop)
            .map_err(erase),
        "WriteGetObjectResponse" => s3
            .write_get_object_response()
            .request_route(param("RequestRoute"))
            .request_token(param("RequestToken"))
            .send()
            .await
            .map(drop)
            .map_err(erase),
        "ListDirectoryBuckets" => s3
            .list_directory_buckets()
            .send()
            .await
            .map(drop)
            .map_err(erase),
        other => return Err(format!("no driver for {other}")),
    };
    let requests = transport.requests();
    if let Some(message) = expect["error"].as_str() {
        let (kind, err) = match result {
            Ok(()) => return Err(format!("expected the error {message:?}, got a response")),
            Err(e) => e,
        };
        if kind != ErrorKind::Construction || !err.contains(message) {
            return Err(format!("expected the error {message:?}, got {err}"));
        }
        if !requests.is_empty() {
            return Err("a request was sent".to_owned());
        }
        return Ok(());
    }
    // The operation's request: the last one (after a directory bucket's `CreateSession`).
    let req = requests
        .last()
        .ok_or_else(|| format!("no request sent: {:?}", result.as_ref().err()))?;
    if let Err(e) = &result {
        return Err(format!("the call failed: {e:?}"));
    }
    let url = expect["endpoint"]["url"].as_str().unwrap_or_default();
    let uri = req.uri().to_string();
    // The operation's host prefix (`{RequestRoute}.`) goes before the endpoint's host.
    let url = match op {
        "WriteGetObjectResponse" => {
            url.replacen("://", &format!("://{}.", param("RequestRoute")), 1)
        }
        _ => url.to_owned(),
    };
    let url = url.trim_end_matches('/');
    let rest = uri
        .get(..url.len())
        .filter(|head| head.eq_ignore_ascii_case(url))
        .and_then(|_| uri.get(url.len()..))
        .ok_or_else(|| format!("sent to {uri}, expected {url}"))?;
    if !(rest.is_empty() || rest.starts_with('/') || rest.starts_with('?')) {
        return Err(format!("sent to {uri}, expected {url}"));
    }
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if let Some(scheme) = expect["endpoint"]["properties"]["authSchemes"].get(0) {
        let signing_name = scheme["signingName"].as_str().unwrap_or_default();
        match scheme["name"].as_str() {
            Some("sigv4a") => {
                if !auth.starts_with("AWS4-ECDSA-P256-SHA256 ")
                    || !auth.contains(&format!("/{signing_name}/aws4_request"))
                {
                    return Err(format!("expected SigV4a for {signing_name}: {auth}"));
                }
                let set: Vec<&str> = scheme["signingRegionSet"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(serde_json::Value::as_str)
                    .collect();
                let sent = req
                    .headers()
                    .get("x-amz-region-set")
                    .and_then(|v| v.to_str().ok());
                if sent != Some(set.join(",").as_str()) {
                    return Err(format!("region set {sent:?}, expected {set:?}"));
                }
            }
            name => {
                let region = scheme["signingRegion"].as_str().unwrap_or_default();
                let scope = format!("/{region}/{signing_name}/aws4_request");
                if !auth.starts_with("AWS4-HMAC-SHA256 ") || !auth.contains(&scope) {
                    return Err(format!("expected a SigV4 scope {scope}: {auth}"));
                }
                // S3 Express session auth: signed with the session, its token in its header.
                let express = name == Some("sigv4-s3express");
                let session = req.headers().get("x-amz-s3session-token");
                if express
                    != (session.is_some_and(|t| t == "SESSIONTOKEN")
                        && auth.contains("Credential=SESSIONKEY/"))
                {
                    return Err(format!(
                        "S3 Express session auth {}expected: {auth}, token {session:?}",
                        if express { "" } else { "not " }
                    ));
                }
                let sessions = requests
                    .iter()
                    .filter(|r| r.uri().query() == Some("session"))
                    .count();
                if sessions != usize::from(express) {
                    return Err(format!("{sessions} CreateSession calls"));
                }
            }
        }
    }
    Ok(())
}

#[tokio::test]
async fn presigned_urls_sign_for_the_endpoints_auth_scheme() {
    let config = SdkConfig::builder()
        .region(Region::from_static("aws-global"))
        .credentials(Credentials::new("AKID", "SECRET", None))
        .build();
    let presigner = ziggurat::s3::PresignClient::new(&config);
    let expires =
        ziggurat::s3::PresigningConfig::expires_in(std::time::Duration::from_secs(60)).unwrap();
    let input = |bucket: &str| ziggurat::s3::GetObjectInput {
        bucket: bucket.into(),
        key: "k".into(),
        ..Default::default()
    };
    // `aws-global` is the global endpoint, signed for us-east-1.
    let url = presigner
        .get_object(input("bucket"), expires)
        .await
        .unwrap()
        .uri()
        .to_string();
    assert!(
        url.starts_with("https://bucket.s3.amazonaws.com/k?"),
        "{url}"
    );
    assert!(url.contains("%2Fus-east-1%2Fs3%2Faws4_request"), "{url}");
    // A Multi-Region Access Point: SigV4a for every region, its signature valid for the
    // canonical request rebuilt here from the URL alone.
    let url = presigner
        .get_object(
            input("arn:aws:s3::123456789012:accesspoint:mfzwi23gnjvgw.mrap"),
            expires,
        )
        .await
        .unwrap()
        .uri()
        .clone();
    assert_eq!(
        url.host(),
        Some("mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com")
    );
    let query: Vec<(&str, &str)> = url
        .query()
        .unwrap()
        .split('&')
        .map(|kv| kv.split_once('=').unwrap_or((kv, "")))
        .collect();
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("no {name} in {url}"))
    };
    assert_eq!(param("X-Amz-Algorithm"), "AWS4-ECDSA-P256-SHA256");
    assert_eq!(param("X-Amz-Region-Set"), "%2A");
    let date = param("X-Amz-Date");
    let scope = format!("{}/s3/aws4_request", &date[..8]);
    assert_eq!(
        param("X-Amz-Credential"),
        format!("AKID/{scope}").replace('/', "%2F")
    );
    let mut signed: Vec<(&str, &str)> = query
        .iter()
        .copied()
        .filter(|(k, _)| *k != "X-Amz-Signature")
        .collect();
    signed.sort();
    let canonical_query: Vec<String> = signed.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let canonical_request = format!(
        "GET\n{}\n{}\nhost:{}\n\nhost\nUNSIGNED-PAYLOAD",
        url.path(),
        canonical_query.join("&"),
        url.host().unwrap()
    );
    let string_to_sign = format!(
        "AWS4-ECDSA-P256-SHA256\n{date}\n{scope}\n{}",
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
            canonical_request.as_bytes()
        ))
    );
    let key = ziggurat::layers::sign::signer::SigV4aKey::derive("AKID", "SECRET").unwrap();
    assert!(
        key.public_key()
            .verify_signature(&string_to_sign, param("X-Amz-Signature")),
        "the signature of {url} does not verify for\n{canonical_request}"
    );
}
