//! Where the generated clients send requests, from their services' endpoint rule sets: S3
//! virtual hosts, path style, access point and Multi-Region Access Point ARNs, accelerate,
//! Object Lambda; DynamoDB FIPS and dual-stack, and its account endpoints (from the
//! credentials' account id, or from table ARNs the operations' `operationContextParams`
//! paths read); STS's legacy global endpoint; error rules; custom resolvers; and how the
//! endpoint's auth scheme changes the signature. A mock transport records each request:
//! nothing reaches the network.
//!
//! The official endpoint tests of the eight generated services run through the clients by one
//! runner ([`official_cases`]): a case's built-ins become client settings, its
//! `operationInputs` a real call; a case with parameters only calls an operation whose input
//! sets exactly those parameters ([`call_setting`]). Cases that cannot be run that way are
//! skipped with their reason printed (`--nocapture`) and counted.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ziggurat::config::{SdkConfig, StsRegionalEndpoints};
use ziggurat::layers::endpoint::resolver::RuleSetResolver;
use ziggurat::layers::endpoint::rules::{Endpoint, Params, ResolveError, Value};
use ziggurat::layers::protocol::json::{JsonDeserializer, JsonOptions};
use ziggurat::prelude::*;
use ziggurat::runtime::{ClientHandle, OperationEntry, ServiceConfig};
use ziggurat::stack::Stack;
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

/// One service's official endpoint tests (`endpoint-rules/botocore/<dir>`), run through its
/// generated client: each case's built-ins become client settings, its operation parameters
/// the input of a real call (read as the command line reads `--input-json`), and a transport
/// records the request (URL, headers, signature) or its absence when an error is expected.
struct Suite {
    /// The folder of the rule set and its tests.
    dir: &'static str,
    /// The client's operations.
    operations: &'static [OperationEntry],
    /// The client's stack, from the shared configuration and the case's built-ins (a service's
    /// own settings, such as S3's addressing ones).
    stack: fn(&SdkConfig, &Json) -> Result<Stack, String>,
    /// Built-ins this service's client sets beyond the shared ones.
    own_built_ins: &'static [&'static str],
    /// Parameters without a built-in that the client sets from its configuration (S3's
    /// `DisableS3ExpressSessionAuth`), passed to `stack` by their name.
    client_params: &'static [&'static str],
    /// The call of a case without `operationInputs` whose parameters are all built-ins: an
    /// operation that sets no endpoint parameter, and its input.
    default_call: (&'static str, &'static str),
    /// What the transport answers: content type and body.
    response: (&'static str, &'static str),
    /// The service's rule set, to tell a parameter set to `false` from one left unset.
    rules: &'static ziggurat::runtime::endpoint::EmbeddedRuleSet,
    /// Values for required members that are neither strings nor numbers, as JSON, when an
    /// operation is picked to set a case's parameters (`Member`, or `Map.*` for the values of
    /// a map whose keys a path reads).
    placeholders: &'static [(&'static str, &'static str)],
    /// The fewest cases that must run (so a suite that stops finding its cases fails).
    at_least: usize,
}

type Json = serde_json::Value;

/// The built-ins every client sets from [`SdkConfig`].
const SHARED_BUILT_INS: &[&str] = &[
    "AWS::Region",
    "AWS::UseFIPS",
    "AWS::UseDualStack",
    "SDK::Endpoint",
    "AWS::STS::UseGlobalEndpoint",
    "AWS::Auth::AccountId",
    "AWS::Auth::AccountIdEndpointMode",
];

fn s3_stack(sdk: &SdkConfig, built_ins: &Json) -> Result<Stack, String> {
    let flag = |name: &str| built_ins.get(name).and_then(Json::as_bool);
    let mut config = ziggurat::s3::Config::new(sdk)
        .force_path_style(flag("AWS::S3::ForcePathStyle").unwrap_or(false))
        .accelerate(flag("AWS::S3::Accelerate").unwrap_or(false))
        .use_global_endpoint(flag("AWS::S3::UseGlobalEndpoint").unwrap_or(false))
        .disable_multi_region_access_points(
            flag("AWS::S3::DisableMultiRegionAccessPoints").unwrap_or(false),
        );
    if let Some(yes) = flag("AWS::S3::UseArnRegion") {
        config = config.use_arn_region(yes);
    }
    if let Some(yes) = flag("DisableS3ExpressSessionAuth") {
        config = config.disable_s3_express_session_auth(yes);
    }
    ziggurat::s3::stack(&config)
}

/// The cases of one suite that ran, were skipped (with why), and failed.
#[derive(Default)]
struct Outcome {
    ran: usize,
    skipped: Vec<String>,
    failures: Vec<String>,
}

fn conformance_file(path: &str) -> Option<Json> {
    let dir = std::env::var_os("ZIGGURAT_CONFORMANCE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance")
        });
    let text = std::fs::read_to_string(dir.join(path)).ok()?;
    Some(serde_json::from_str(&text).unwrap())
}

/// Runs every case of `suite` it can through the client, and reports: cases named in the
/// failures, skipped ones with their reason. Panics on any failure, or on fewer cases run
/// than the suite expects.
async fn official_cases(suite: &Suite) {
    let base = format!("endpoint-rules/botocore/{}", suite.dir);
    let Some(tests) = conformance_file(&format!("{base}/endpoint-tests-1.json")) else {
        eprintln!("SKIPPED: no endpoint tests at {base}");
        return;
    };
    let rules = conformance_file(&format!("{base}/endpoint-rule-set-1.json")).unwrap();
    let built_in_of = |param: &str| rules["parameters"][param]["builtIn"].as_str();
    let default_op = suite
        .operations
        .iter()
        .find(|e| e.schema.name == suite.default_call.0);
    assert!(
        default_op.is_some_and(|e| e.schema.endpoint_params.is_empty()),
        "{}: the default call must be an operation that sets no endpoint parameter",
        suite.dir
    );
    let mut out = Outcome::default();
    for case in tests["testCases"].as_array().unwrap() {
        let name = case["documentation"].as_str().unwrap_or("?");
        let calls: Vec<Json> = match case["operationInputs"].as_array() {
            Some(inputs) => inputs.clone(),
            None => {
                // Parameters only: built-ins and client settings as they are, the rest from
                // the input of an operation that sets exactly those (the default call when
                // there are none).
                let params = case["params"].as_object().cloned().unwrap_or_default();
                let mut settings = serde_json::Map::new();
                let mut from_input = serde_json::Map::new();
                for (param, value) in params {
                    match built_in_of(&param) {
                        Some(built_in) => {
                            settings.insert(built_in.to_owned(), value);
                        }
                        None if suite.client_params.contains(&param.as_str()) => {
                            settings.insert(param, value);
                        }
                        None => {
                            from_input.insert(param, value);
                        }
                    }
                }
                // A `false` the rules read exactly as no value (S3's
                // `UseS3ExpressControlEndpoint`) needs no operation that sets it.
                let resolver = suite.rules.resolver().unwrap();
                let evaluate = |params: &serde_json::Map<String, Json>| {
                    let mut p = Params::new();
                    for (k, v) in params {
                        if let Some(v) = Value::from_json(v) {
                            p.insert(k.as_str(), v);
                        }
                    }
                    resolver.resolve(&p)
                };
                let all = case["params"].as_object().cloned().unwrap_or_default();
                let falses: Vec<String> = from_input
                    .iter()
                    .filter(|(_, v)| v.as_bool() == Some(false))
                    .map(|(k, _)| k.clone())
                    .collect();
                for param in falses {
                    let mut without = all.clone();
                    without.remove(&param);
                    if evaluate(&without) == evaluate(&all) {
                        from_input.remove(&param);
                    }
                }
                let (op, input) = if from_input.is_empty() {
                    let (op, input) = suite.default_call;
                    (op, serde_json::from_str::<Json>(input).unwrap())
                } else if let Some(call) = call_setting(suite, &from_input) {
                    call
                } else {
                    let names: Vec<&str> = from_input.keys().map(String::as_str).collect();
                    out.skipped.push(format!(
                        "{name}: sets {} directly, and no operation's input sets exactly that \
                         (the rules' own tests evaluate it)",
                        names.join(", ")
                    ));
                    continue;
                };
                vec![serde_json::json!({
                    "builtInParams": settings,
                    "operationName": op,
                    "operationParams": input,
                })]
            }
        };
        for call in &calls {
            let unknown: Vec<&str> = call["builtInParams"]
                .as_object()
                .into_iter()
                .flat_map(|m| m.keys())
                .map(String::as_str)
                .filter(|b| {
                    !SHARED_BUILT_INS.contains(b)
                        && !suite.own_built_ins.contains(b)
                        && !suite.client_params.contains(b)
                })
                .collect();
            if !unknown.is_empty() {
                out.skipped.push(format!(
                    "{name}: built-ins {} have no client setting",
                    unknown.join(", ")
                ));
                continue;
            }
            let region = call["builtInParams"].get("AWS::Region");
            let signing_region = case["expect"]["endpoint"]["properties"]["authSchemes"]
                .get(0)
                .and_then(|s| s.get("signingRegion"));
            if case["expect"].get("endpoint").is_some()
                && region.is_none()
                && signing_region.is_none()
            {
                out.skipped.push(format!(
                    "{name}: no region to sign for (the endpoint resolves, but SigV4 needs a \
                     region, and neither the case nor its endpoint gives one)"
                ));
                continue;
            }
            out.ran += 1;
            if let Err(why) = run_case(suite, call, &case["expect"]).await {
                out.failures.push(format!(
                    "{name} ({}): {why}",
                    call["operationName"].as_str().unwrap_or("?")
                ));
            }
        }
    }
    println!(
        "{}: {} cases ran through the client, {} skipped",
        suite.dir,
        out.ran,
        out.skipped.len()
    );
    for why in &out.skipped {
        println!("  skipped: {why}");
    }
    assert!(
        out.ran >= suite.at_least,
        "{}: only {} cases ran",
        suite.dir,
        out.ran
    );
    assert!(
        out.failures.is_empty(),
        "{}: {} of {} cases failed:\n{}",
        suite.dir,
        out.failures.len(),
        out.ran,
        out.failures.join("\n")
    );
}

/// The first operation whose input sets exactly the rule-set parameters `params` (its static
/// ones equal to theirs, its members and `keys(..)` paths set to theirs, no other parameter),
/// with that input: its other required members get placeholders, which set no parameter.
fn call_setting(
    suite: &Suite,
    params: &serde_json::Map<String, Json>,
) -> Option<(&'static str, Json)> {
    use ziggurat::schema::{EndpointParamValue, ShapeType, flag};
    let placeholder = |name: &str| {
        suite
            .placeholders
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, json)| serde_json::from_str::<Json>(json).unwrap())
    };
    'operations: for entry in suite.operations {
        let declared = entry.schema.endpoint_params;
        let required = |member: &str| {
            entry
                .schema
                .input
                .members
                .iter()
                .any(|m| m.name == member && m.flags & flag::REQUIRED != 0)
        };
        let mut input = serde_json::Map::new();
        for (name, value) in params {
            let Some(p) = declared.iter().find(|p| p.name == name) else {
                continue 'operations;
            };
            match (p.value, value) {
                (EndpointParamValue::Bool(b), _) if value.as_bool() == Some(b) => {}
                (EndpointParamValue::String(s), _) if value.as_str() == Some(s) => {}
                // A required member left empty is one the client refuses as unset.
                (EndpointParamValue::Member(member), Json::String(v))
                    if !(v.is_empty() && required(member)) =>
                {
                    input.insert(member.to_owned(), value.clone());
                }
                (EndpointParamValue::Path(path), Json::Array(keys)) if !keys.is_empty() => {
                    let Some(map) = path.strip_prefix("keys(").and_then(|p| p.strip_suffix(')'))
                    else {
                        continue 'operations;
                    };
                    let Some(item) = placeholder(&format!("{map}.*")) else {
                        continue 'operations;
                    };
                    let keys = keys
                        .iter()
                        .filter_map(|k| Some((k.as_str()?.to_owned(), item.clone())));
                    input.insert(map.to_owned(), Json::Object(keys.collect()));
                }
                _ => continue 'operations,
            }
        }
        let unset_static = declared.iter().any(|p| {
            !params.contains_key(p.name)
                && matches!(
                    p.value,
                    EndpointParamValue::Bool(_) | EndpointParamValue::String(_)
                )
        });
        if unset_static {
            continue;
        }
        for m in entry.schema.input.members {
            if m.flags & flag::REQUIRED == 0 || input.contains_key(m.name) {
                continue;
            }
            let sets_a_param = declared.iter().any(|p| match p.value {
                EndpointParamValue::Member(n) => n == m.name,
                EndpointParamValue::Path(path) => path.contains(m.name),
                _ => false,
            });
            let value = match m.target.shape_type {
                _ if sets_a_param => continue 'operations,
                ShapeType::String => Json::from("placeholder"),
                ShapeType::Boolean => Json::from(false),
                ShapeType::Integer | ShapeType::Long => Json::from(1),
                _ => match placeholder(m.name) {
                    Some(value) => value,
                    None => continue 'operations,
                },
            };
            input.insert(m.name.to_owned(), value);
        }
        return Some((entry.schema.name, Json::Object(input)));
    }
    None
}

/// The configuration a case's built-ins describe, sending through `transport`.
fn case_config(built_ins: &Json, transport: &TestTransport) -> Result<SdkConfig, String> {
    let text = |name: &str| built_ins.get(name).and_then(Json::as_str);
    let flag = |name: &str| built_ins.get(name).and_then(Json::as_bool);
    let credentials = Credentials::new("AKID", "SECRET", None)
        .with_account_id(text("AWS::Auth::AccountId").map(str::to_owned));
    let mut sdk = SdkConfig::builder()
        .region(text("AWS::Region").map(|r| Region::new(r.to_owned())))
        .credentials(credentials)
        .http_client(transport.clone().into_http_client())
        .use_fips(flag("AWS::UseFIPS"))
        .use_dual_stack(flag("AWS::UseDualStack"));
    if let Some(url) = text("SDK::Endpoint") {
        sdk = sdk.endpoint_url(url);
    }
    if flag("AWS::STS::UseGlobalEndpoint") == Some(true) {
        sdk = sdk.sts_regional_endpoints(StsRegionalEndpoints::Legacy);
    }
    if let Some(mode) = text("AWS::Auth::AccountIdEndpointMode") {
        sdk = sdk.account_id_endpoint_mode(mode.parse()?);
    }
    Ok(sdk.build())
}

/// Mistakes the client refuses before its rule set sees them, with its own error: a part of
/// the rule set's message, and of the client's.
const EARLIER_ERRORS: &[(&str, &str)] = &[
    // No region and no endpoint URL: the client's error says how to set one.
    ("Missing Region", "no region is configured"),
    ("A region must be set", "no region is configured"),
    // An endpoint URL that is not http(s) fails when the client is built.
    ("was not a valid URI", "must use http or https"),
    // A bucket with `/` cannot be put in a request's path.
    ("must be a valid bucket name", "it must not contain `/`"),
];

async fn run_case(suite: &Suite, call: &Json, expect: &Json) -> Result<(), String> {
    let op = call["operationName"].as_str().unwrap_or_default();
    let entry = suite
        .operations
        .iter()
        .find(|e| e.schema.name == op)
        .ok_or_else(|| format!("the client has no operation {op}"))?;
    let (content_type, body) = suite.response;
    // An S3 directory bucket's session comes first: `CreateSession` answers with one.
    let transport = TestTransport::new()
        .rule(crate::support::s3_server::create_session_rule(
            "SESSIONKEY",
            "SESSIONSECRET",
            "SESSIONTOKEN",
        ))
        .rule(Rule::any().respond(200, &[("content-type", content_type)], body));
    let sdk = case_config(&call["builtInParams"], &transport)?;
    let params = match &call["operationParams"] {
        Json::Null => Json::Object(Default::default()),
        params => params.clone(),
    };
    let text = params.to_string();
    let mut d = JsonDeserializer::new(text.as_bytes(), JsonOptions::CLI);
    let input = (entry.read_input)(&mut d)
        .and_then(|input| d.finish().map(|()| input))
        .map_err(|e| format!("cannot read the operation parameters {text}: {e}"))?;
    let handle = ClientHandle::new((suite.stack)(&sdk, &call["builtInParams"]), &sdk);
    let result = handle.invoke((entry.spec)(), input, None).await;
    let requests = transport.requests();
    if let Some(message) = expect["error"].as_str() {
        let err = match result {
            Ok(_) => return Err(format!("expected the error {message:?}, got a response")),
            Err(e) => e,
        };
        let text = err.to_string();
        let earlier = EARLIER_ERRORS
            .iter()
            .any(|(rules, client)| message.contains(rules) && text.contains(client));
        if err.kind() != ErrorKind::Construction || !(text.contains(message) || earlier) {
            return Err(format!("expected the error {message:?}, got {text}"));
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
    // The operation's host prefix (S3 `WriteGetObjectResponse`'s `{RequestRoute}.`) goes
    // before the endpoint's host, its labels filled from the input.
    let url = match entry.schema.host_prefix {
        Some(prefix) => {
            let mut host = prefix.to_owned();
            for (member, value) in params.as_object().into_iter().flatten() {
                if let Some(value) = value.as_str() {
                    host = host.replace(&format!("{{{member}}}"), value);
                }
            }
            url.replacen("://", &format!("://{host}"), 1)
        }
        None => url.to_owned(),
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
    for (name, values) in expect["endpoint"]["headers"]
        .as_object()
        .into_iter()
        .flatten()
    {
        let sent: Vec<&str> = req
            .headers()
            .get_all(name.as_str())
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let wanted: Vec<&str> = values
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
            .collect();
        if sent != wanted {
            return Err(format!("header {name}: sent {sent:?}, expected {wanted:?}"));
        }
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
                    .filter_map(Json::as_str)
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
async fn s3_official_endpoint_tests_pass_through_the_client() {
    official_cases(&Suite {
        dir: "s3",
        operations: ziggurat::s3::OPERATIONS,
        stack: s3_stack,
        own_built_ins: &[
            "AWS::S3::ForcePathStyle",
            "AWS::S3::Accelerate",
            "AWS::S3::UseGlobalEndpoint",
            "AWS::S3::DisableMultiRegionAccessPoints",
            "AWS::S3::UseArnRegion",
        ],
        client_params: &["DisableS3ExpressSessionAuth"],
        default_call: ("ListBuckets", "{}"),
        response: ("application/xml", ""),
        rules: &ziggurat::s3::ENDPOINT_RULES,
        placeholders: &[],
        at_least: 215,
    })
    .await;
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

#[tokio::test]
async fn dynamodb_official_endpoint_tests_pass_through_the_client() {
    official_cases(&Suite {
        dir: "dynamodb",
        operations: ziggurat::dynamodb::OPERATIONS,
        stack: |sdk, _| ziggurat::dynamodb::stack(&ServiceConfig::new(sdk)),
        own_built_ins: &[],
        client_params: &[],
        default_call: ("ListTables", "{}"),
        response: ("application/x-amz-json-1.0", "{}"),
        rules: &ziggurat::dynamodb::ENDPOINT_RULES,
        placeholders: &[
            ("SearchVector", r#"[{"N": "1.0"}]"#),
            ("RequestItems.*", r#"{"Keys": [{"pk": {"S": "v"}}]}"#),
        ],
        at_least: 250,
    })
    .await;
}

#[tokio::test]
async fn sts_official_endpoint_tests_pass_through_the_client() {
    official_cases(&Suite {
        dir: "sts",
        operations: ziggurat::sts::OPERATIONS,
        stack: |sdk, _| ziggurat::sts::stack(&ServiceConfig::new(sdk)),
        own_built_ins: &[],
        client_params: &[],
        default_call: ("GetCallerIdentity", "{}"),
        response: (
            "text/xml",
            "<GetCallerIdentityResponse><GetCallerIdentityResult><Account>1</Account>\
             </GetCallerIdentityResult></GetCallerIdentityResponse>",
        ),
        rules: &ziggurat::sts::ENDPOINT_RULES,
        placeholders: &[],
        at_least: 60,
    })
    .await;
}

#[tokio::test]
async fn lambda_official_endpoint_tests_pass_through_the_client() {
    official_cases(&Suite {
        dir: "lambda",
        operations: ziggurat::lambda::OPERATIONS,
        stack: |sdk, _| ziggurat::lambda::stack(&ServiceConfig::new(sdk)),
        own_built_ins: &[],
        client_params: &[],
        default_call: ("ListFunctions", "{}"),
        response: ("application/json", "{}"),
        rules: &ziggurat::lambda::ENDPOINT_RULES,
        placeholders: &[],
        at_least: 60,
    })
    .await;
}

#[tokio::test]
async fn sqs_official_endpoint_tests_pass_through_the_client() {
    official_cases(&Suite {
        dir: "sqs",
        operations: ziggurat::sqs::OPERATIONS,
        stack: |sdk, _| ziggurat::sqs::stack(&ServiceConfig::new(sdk)),
        own_built_ins: &[],
        client_params: &[],
        default_call: ("ListQueues", "{}"),
        response: ("application/x-amz-json-1.0", "{}"),
        rules: &ziggurat::sqs::ENDPOINT_RULES,
        placeholders: &[],
        at_least: 40,
    })
    .await;
}

#[tokio::test]
async fn sns_official_endpoint_tests_pass_through_the_client() {
    official_cases(&Suite {
        dir: "sns",
        operations: ziggurat::sns::OPERATIONS,
        stack: |sdk, _| ziggurat::sns::stack(&ServiceConfig::new(sdk)),
        own_built_ins: &[],
        client_params: &[],
        default_call: ("ListTopics", "{}"),
        response: (
            "text/xml",
            "<ListTopicsResponse><ListTopicsResult></ListTopicsResult></ListTopicsResponse>",
        ),
        rules: &ziggurat::sns::ENDPOINT_RULES,
        placeholders: &[],
        at_least: 40,
    })
    .await;
}

#[tokio::test]
async fn sso_official_endpoint_tests_pass_through_the_client() {
    official_cases(&Suite {
        dir: "sso",
        operations: ziggurat::sso::OPERATIONS,
        stack: |sdk, _| ziggurat::sso::stack(&ServiceConfig::new(sdk)),
        own_built_ins: &[],
        client_params: &[],
        default_call: ("ListAccounts", r#"{"accessToken": "token"}"#),
        response: ("application/json", "{}"),
        rules: &ziggurat::sso::ENDPOINT_RULES,
        placeholders: &[],
        at_least: 35,
    })
    .await;
}

#[tokio::test]
async fn sso_oidc_official_endpoint_tests_pass_through_the_client() {
    official_cases(&Suite {
        dir: "sso-oidc",
        operations: ziggurat::ssooidc::OPERATIONS,
        stack: |sdk, _| ziggurat::ssooidc::stack(&ServiceConfig::new(sdk)),
        own_built_ins: &[],
        client_params: &[],
        default_call: (
            "RegisterClient",
            r#"{"clientName": "c", "clientType": "public"}"#,
        ),
        response: ("application/json", "{}"),
        rules: &ziggurat::ssooidc::ENDPOINT_RULES,
        placeholders: &[],
        at_least: 35,
    })
    .await;
}

/// Every `operationContextParams` path of the generated services' models is in its
/// operation's schema, as written there, and parses.
#[test]
fn every_operation_context_param_path_is_generated_and_parses() {
    let mut paths = 0;
    for (model, operations) in [
        ("s3/2006-03-01", ziggurat::s3::OPERATIONS),
        ("dynamodb/2012-08-10", ziggurat::dynamodb::OPERATIONS),
        ("lambda/2015-03-31", ziggurat::lambda::OPERATIONS),
        ("sqs/2012-11-05", ziggurat::sqs::OPERATIONS),
        ("sns/2010-03-31", ziggurat::sns::OPERATIONS),
        ("sts/2011-06-15", ziggurat::sts::OPERATIONS),
        ("sso/2019-06-10", ziggurat::sso::OPERATIONS),
        ("sso-oidc/2019-06-10", ziggurat::ssooidc::OPERATIONS),
    ] {
        let Some(m) = conformance_file(&format!("botocore-models/{model}/service-2.json")) else {
            eprintln!("SKIPPED: no botocore model {model}");
            return;
        };
        for entry in operations {
            let name = entry.schema.name;
            let wanted: Vec<(String, String)> = m["operations"][name]["operationContextParams"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(param, p)| (param.clone(), p["path"].as_str().unwrap().to_owned()))
                .collect();
            let generated: Vec<(String, String)> = entry
                .schema
                .endpoint_params
                .iter()
                .filter_map(|p| match p.value {
                    ziggurat::schema::EndpointParamValue::Path(path) => {
                        Some((p.name.to_owned(), path.to_owned()))
                    }
                    _ => None,
                })
                .collect();
            assert_eq!(generated, wanted, "{model} {name}");
            for (_, path) in &generated {
                ziggurat::runtime::waiter::jmespath::Expression::parse(path)
                    .unwrap_or_else(|e| panic!("{model} {name}: {e}"));
            }
            paths += generated.len();
        }
    }
    // DynamoDB's BatchGetItem, BatchWriteItem, ImportTable, TransactGetItems and
    // TransactWriteItems.
    assert_eq!(paths, 5);
}

/// DynamoDB's rule set sends a call to the endpoint of the account its tables belong to, read
/// from the input by the operation's paths: the transactions' table names (`TransactItems[*]
/// .Get.TableName`, and the multi-select of the four kinds of write) and an import's
/// `TableCreationParameters.TableName`.
#[tokio::test]
async fn dynamodb_paths_over_the_input_choose_the_accounts_endpoint() {
    let arn = |account: &str| format!("arn:aws:dynamodb:us-east-1:{account}:table/t");
    let calls: [(&str, String); 4] = [
        (
            "TransactGetItems",
            format!(
                r#"{{"TransactItems": [{{"Get": {{"TableName": "{}", "Key": {{"pk": {{"S": "v"}}}}}}}}]}}"#,
                arn("111111111111")
            ),
        ),
        (
            "TransactWriteItems",
            format!(
                r#"{{"TransactItems": [{{"Delete": {{"TableName": "{}", "Key": {{"pk": {{"S": "v"}}}}}}}},
                                      {{"Put": {{"TableName": "{}", "Item": {{"pk": {{"S": "v"}}}}}}}}]}}"#,
                arn("222222222222"),
                arn("222222222222")
            ),
        ),
        (
            "ImportTable",
            format!(
                r#"{{"InputFormat": "CSV", "S3BucketSource": {{"S3Bucket": "b"}},
                    "TableCreationParameters": {{"TableName": "{}", "KeySchema": [{{"AttributeName": "pk", "KeyType": "HASH"}}],
                    "AttributeDefinitions": [{{"AttributeName": "pk", "AttributeType": "S"}}]}}}}"#,
                arn("333333333333")
            ),
        ),
        (
            "BatchWriteItem",
            format!(
                r#"{{"RequestItems": {{"{}": [{{"PutRequest": {{"Item": {{"pk": {{"S": "v"}}}}}}}}]}}}}"#,
                arn("444444444444")
            ),
        ),
    ];
    for (op, input) in calls {
        let transport = ddb_transport();
        let sdk = sdk("us-east-1", &transport).build();
        let entry = ziggurat::dynamodb::OPERATIONS
            .iter()
            .find(|e| e.schema.name == op)
            .unwrap();
        let mut d = JsonDeserializer::new(input.as_bytes(), JsonOptions::CLI);
        let input = (entry.read_input)(&mut d).unwrap();
        let handle = ClientHandle::new(ziggurat::dynamodb::stack(&ServiceConfig::new(&sdk)), &sdk);
        handle.invoke((entry.spec)(), input, None).await.unwrap();
        let account = match op {
            "TransactGetItems" => "111111111111",
            "TransactWriteItems" => "222222222222",
            "ImportTable" => "333333333333",
            _ => "444444444444",
        };
        assert_eq!(
            sent(&transport).0,
            format!("https://{account}.ddb.us-east-1.amazonaws.com/"),
            "{op}"
        );
    }
}

/// Counts the resolutions of static credentials.
#[derive(Debug, Clone, Default)]
struct CountingCredentials(Arc<AtomicUsize>);

impl ziggurat_core::credentials::ProvideCredentials for CountingCredentials {
    fn provide_credentials(&self) -> ziggurat_core::credentials::ProvideCredentialsFuture<'_> {
        self.0.fetch_add(1, Ordering::SeqCst);
        ziggurat_core::credentials::ProvideCredentialsFuture::ready(Ok(Credentials::new(
            "AKID", "SECRET", None,
        )
        .with_account_id(Some("123456789012".into()))))
    }
}

/// The credentials the endpoint entry resolves before the first attempt sign that attempt:
/// one resolution for a call that succeeds at once, and one more for each retry.
#[tokio::test]
async fn credentials_resolved_for_the_endpoint_are_not_resolved_again_for_the_first_attempt() {
    let json = |status: u16, body: &'static str| {
        http::Response::builder()
            .status(status)
            .header("content-type", "application/x-amz-json-1.0")
            .body(bytes::Bytes::from_static(body.as_bytes()))
            .unwrap()
    };
    let transport = TestTransport::replay([
        json(200, "{}"),
        json(
            500,
            r#"{"__type":"InternalServerError","message":"try again"}"#,
        ),
        json(200, "{}"),
    ]);
    let counter = CountingCredentials::default();
    let config = sdk("us-east-1", &transport)
        .credentials(ziggurat_core::credentials::SharedCredentialsProvider::new(
            counter.clone(),
        ))
        .retry_config(
            ziggurat::retry::RetryConfig::standard()
                .with_max_backoff(std::time::Duration::from_millis(2)),
        )
        .build();
    let ddb = ziggurat::dynamodb::Client::new(&config);
    ddb.list_tables().send().await.unwrap();
    assert_eq!(counter.0.load(Ordering::SeqCst), 1, "one call, one attempt");
    let out = ddb.list_tables().send().await.unwrap();
    assert_eq!(out.response_metadata().attempts(), 2);
    assert_eq!(
        counter.0.load(Ordering::SeqCst),
        3,
        "the retry resolves the credentials again"
    );
    let requests = transport.requests();
    assert_eq!(requests.len(), 3);
    for req in &requests {
        assert_eq!(
            req.uri().host(),
            Some("123456789012.ddb.us-east-1.amazonaws.com")
        );
        let auth = req.headers()["authorization"].to_str().unwrap();
        assert!(auth.contains("Credential=AKID/"), "{auth}");
    }
}

/// The account id of the credentials picks DynamoDB's account endpoint, unless the mode is
/// `disabled`; `required` without one fails before sending. Only clients whose rule set reads
/// the account id resolve credentials before the endpoint.
#[tokio::test]
async fn the_credentials_account_id_picks_the_account_endpoint_as_the_mode_says() {
    use ziggurat::config::AccountIdEndpointMode;

    let with_account = |mode, account: Option<&str>, transport: &TestTransport| {
        sdk("us-east-1", transport)
            .credentials(
                Credentials::new("AKID", "SECRET", None).with_account_id(account.map(Into::into)),
            )
            .account_id_endpoint_mode(mode)
            .build()
    };
    for (mode, account, host) in [
        (
            AccountIdEndpointMode::Preferred,
            Some("123456789012"),
            "123456789012.ddb.us-east-1.amazonaws.com",
        ),
        (
            AccountIdEndpointMode::Required,
            Some("123456789012"),
            "123456789012.ddb.us-east-1.amazonaws.com",
        ),
        (
            AccountIdEndpointMode::Disabled,
            Some("123456789012"),
            "dynamodb.us-east-1.amazonaws.com",
        ),
        (
            AccountIdEndpointMode::Preferred,
            None,
            "dynamodb.us-east-1.amazonaws.com",
        ),
    ] {
        let transport = ddb_transport();
        let ddb = ziggurat::dynamodb::Client::new(&with_account(mode, account, &transport));
        ddb.list_tables().send().await.unwrap();
        assert_eq!(sent(&transport).0, format!("https://{host}/"), "{mode:?}");
        let resolves_early = ddb
            .stack()
            .unwrap()
            .step(ziggurat::stack::StepName::Serialize)
            .list()
            .contains(&ziggurat::stack::ids::ENDPOINT_IDENTITY);
        assert_eq!(
            resolves_early,
            mode != AccountIdEndpointMode::Disabled,
            "{mode:?}"
        );
    }
    // A per-call identity is the one whose account counts.
    let transport = ddb_transport();
    let ddb = ziggurat::dynamodb::Client::new(&with_account(
        AccountIdEndpointMode::Preferred,
        Some("123456789012"),
        &transport,
    ));
    ddb.list_tables()
        .customize(|o| {
            o.credentials(
                Credentials::new("AKID2", "SECRET2", None)
                    .with_account_id(Some("210987654321".into())),
            )
        })
        .send()
        .await
        .unwrap();
    assert_eq!(
        sent(&transport).0,
        "https://210987654321.ddb.us-east-1.amazonaws.com/"
    );

    let transport = ddb_transport();
    let ddb = ziggurat::dynamodb::Client::new(&with_account(
        AccountIdEndpointMode::Required,
        None,
        &transport,
    ));
    let err = ddb.list_tables().send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Construction);
    assert!(
        err.to_string()
            .contains("AccountIdEndpointMode is required but no AccountID was provided"),
        "{err}"
    );
    assert!(transport.requests().is_empty());

    // Rule sets without the account id: no early identity, whatever the mode.
    let transport = s3_transport();
    let s3 = ziggurat::s3::Client::new(&with_account(
        AccountIdEndpointMode::Required,
        Some("123456789012"),
        &transport,
    ));
    assert!(
        !s3.stack()
            .unwrap()
            .step(ziggurat::stack::StepName::Serialize)
            .list()
            .contains(&ziggurat::stack::ids::ENDPOINT_IDENTITY)
    );
}
