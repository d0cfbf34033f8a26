use super::*;
use ziggurat_core::body::Body;
use ziggurat_core::context::Context;

fn resolve(hook: &ResolveEndpoint, path: &str, ctx: &mut Context) -> Result<String, SdkError> {
    let (mut parts, _) = http::Request::get(path).body(()).unwrap().into_parts();
    let mut body = Body::empty();
    hook.on_request(&mut HttpRequest::new(&mut parts, &mut body, Some(ctx)))?;
    Ok(parts.uri.to_string())
}

fn s3_ctx(region: &'static str, bucket: &str) -> Context {
    let mut ctx = Context::new("S3", "GetObject");
    ctx.set_region(Some(Region::from_static(region)));
    ctx.insert(S3Bucket(bucket.to_owned()));
    ctx
}

#[test]
fn regional_default_and_china_partition() {
    let hook = ResolveEndpoint::new("dynamodb");
    let mut ctx = Context::new("DynamoDB", "GetItem");
    ctx.set_region(Some(Region::from_static("us-west-2")));
    assert_eq!(
        resolve(&hook, "/", &mut ctx).unwrap(),
        "https://dynamodb.us-west-2.amazonaws.com/"
    );
    ctx.set_region(Some(Region::from_static("cn-north-1")));
    assert_eq!(
        resolve(&hook, "/", &mut ctx).unwrap(),
        "https://dynamodb.cn-north-1.amazonaws.com.cn/"
    );
}

#[test]
fn missing_region_is_a_construction_error() {
    let hook = ResolveEndpoint::new("dynamodb");
    let err = resolve(&hook, "/", &mut Context::new("DynamoDB", "GetItem")).unwrap_err();
    assert_eq!(err.kind(), ziggurat_core::error::ErrorKind::Construction);
    assert!(err.to_string().contains("AWS_REGION"), "{err}");
    let mut ctx = Context::new("DynamoDB", "GetItem");
    ctx.set_region(Some(Region::new("us-east-1/../evil".to_owned())));
    assert!(resolve(&hook, "/", &mut ctx).is_err());
}

#[test]
fn s3_uses_virtual_hosts_when_the_bucket_allows() {
    let hook = ResolveEndpoint::new("s3").with_s3_addressing(S3Addressing::default());
    assert_eq!(
        resolve(
            &hook,
            "/my-bucket/a/b.txt?x-id=GetObject",
            &mut s3_ctx("eu-west-1", "my-bucket")
        )
        .unwrap(),
        "https://my-bucket.s3.eu-west-1.amazonaws.com/a/b.txt?x-id=GetObject"
    );
    assert_eq!(
        resolve(
            &hook,
            "/my-bucket?list-type=2",
            &mut s3_ctx("eu-west-1", "my-bucket")
        )
        .unwrap(),
        "https://my-bucket.s3.eu-west-1.amazonaws.com/?list-type=2"
    );
    // Dots over HTTPS and upper case force path style.
    assert_eq!(
        resolve(&hook, "/my.bucket/k", &mut s3_ctx("eu-west-1", "my.bucket")).unwrap(),
        "https://s3.eu-west-1.amazonaws.com/my.bucket/k"
    );
    assert_eq!(
        resolve(&hook, "/MyBucket/k", &mut s3_ctx("eu-west-1", "MyBucket")).unwrap(),
        "https://s3.eu-west-1.amazonaws.com/MyBucket/k"
    );
}

#[test]
fn s3_path_style_is_forced_by_setting_ip_and_localhost() {
    let forced = ResolveEndpoint::new("s3").with_s3_addressing(S3Addressing {
        force_path_style: true,
    });
    assert_eq!(
        resolve(&forced, "/b1b/k", &mut s3_ctx("us-east-1", "b1b")).unwrap(),
        "https://s3.us-east-1.amazonaws.com/b1b/k"
    );
    for (endpoint, expect) in [
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000/b1b/k"),
        ("http://localhost:9000/", "http://localhost:9000/b1b/k"),
        ("http://[::1]:9000", "http://[::1]:9000/b1b/k"),
        (
            "http://minio.internal:9000/base",
            "http://b1b.minio.internal:9000/base/k",
        ),
    ] {
        let hook = ResolveEndpoint::new("s3")
            .with_s3_addressing(S3Addressing::default())
            .with_base_endpoint(Some(BaseEndpoint::parse(endpoint).unwrap()));
        assert_eq!(
            resolve(&hook, "/b1b/k", &mut s3_ctx("us-east-1", "b1b")).unwrap(),
            expect,
            "{endpoint}"
        );
    }
}

#[test]
fn per_call_endpoint_overrides_the_client_one() {
    let hook = ResolveEndpoint::new("dynamodb")
        .with_base_endpoint(Some(BaseEndpoint::parse("http://127.0.0.1:1").unwrap()));
    let mut ctx = Context::new("DynamoDB", "GetItem");
    ctx.insert(EndpointUrl(
        BaseEndpoint::parse("http://127.0.0.1:2").unwrap(),
    ));
    assert_eq!(
        resolve(&hook, "/", &mut ctx).unwrap(),
        "http://127.0.0.1:2/"
    );
}

#[test]
fn bad_endpoint_urls_are_rejected() {
    for bad in [
        "127.0.0.1:9000",
        "ftp://x",
        "http://",
        "http://h/?q=1",
        "not a url",
    ] {
        assert!(BaseEndpoint::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn virtual_host_rules() {
    assert!(is_virtual_hostable_bucket("abc", true));
    assert!(!is_virtual_hostable_bucket("ab", true));
    assert!(!is_virtual_hostable_bucket("a.b.c", true));
    assert!(is_virtual_hostable_bucket("a.b.c", false));
    assert!(!is_virtual_hostable_bucket("192.168.1.1", false));
    assert!(!is_virtual_hostable_bucket("-abc", false));
    assert!(!is_virtual_hostable_bucket("a..b", false));
}

/// Requests to `/` take the prebuilt URI of their endpoint; every other path and query is
/// kept as serialized. Both agree for every way the endpoint is chosen.
#[test]
fn requests_to_the_root_and_elsewhere_resolve_alike() {
    let base = BaseEndpoint::parse("http://127.0.0.1:8000").unwrap();
    let cached =
        ResolveEndpoint::new("sqs").with_cached_region(Some(&Region::from_static("eu-west-1")));
    let with_base = ResolveEndpoint::new("sqs").with_base_endpoint(Some(base));
    let mut ctx = Context::new("SQS", "SendMessage");
    ctx.set_region(Some(Region::from_static("eu-west-1")));
    let cases = [
        (&cached, "https://sqs.eu-west-1.amazonaws.com"),
        (&with_base, "http://127.0.0.1:8000"),
    ];
    for (hook, root) in cases {
        for path in ["/", "/?Action=List", "/queue/1", "/a%20b?x=1&y"] {
            assert_eq!(
                resolve(hook, path, &mut ctx).unwrap(),
                format!("{root}{path}")
            );
        }
    }
    // Another region than the cached one, and a per-call override.
    let mut other = Context::new("SQS", "SendMessage");
    other.set_region(Some(Region::from_static("us-east-2")));
    assert_eq!(
        resolve(&cached, "/", &mut other).unwrap(),
        "https://sqs.us-east-2.amazonaws.com/"
    );
    other.insert(EndpointUrl(
        BaseEndpoint::parse("http://localhost:4566/").unwrap(),
    ));
    assert_eq!(
        resolve(&cached, "/", &mut other).unwrap(),
        "http://localhost:4566/"
    );
    // A base path is prefixed, also to the root.
    let with_path = ResolveEndpoint::new("sqs").with_base_endpoint(Some(
        BaseEndpoint::parse("https://proxy.example/base/").unwrap(),
    ));
    assert_eq!(
        resolve(&with_path, "/", &mut ctx).unwrap(),
        "https://proxy.example/base/"
    );
}

#[test]
fn an_operation_host_prefix_goes_before_the_host() {
    let run = |hook: &ResolveEndpoint| {
        let (mut parts, _) = http::Request::post("/WriteGetObjectResponse")
            .extension(HostPrefix("route-1.".into()))
            .body(())
            .unwrap()
            .into_parts();
        let mut body = Body::empty();
        let mut ctx = Context::new("S3", "WriteGetObjectResponse");
        ctx.set_region(Some(Region::from_static("us-east-1")));
        hook.on_request(&mut HttpRequest::new(&mut parts, &mut body, Some(&mut ctx)))
            .map(|()| parts.uri.to_string())
    };
    let hook = ResolveEndpoint::new("s3").with_s3_addressing(S3Addressing::default());
    assert_eq!(
        run(&hook).unwrap(),
        "https://route-1.s3.us-east-1.amazonaws.com/WriteGetObjectResponse"
    );
    let hook = hook.with_base_endpoint(Some(
        BaseEndpoint::parse("http://example.com:8080").unwrap(),
    ));
    assert_eq!(
        run(&hook).unwrap(),
        "http://route-1.example.com:8080/WriteGetObjectResponse"
    );
    // An IP address has no subdomains.
    let hook = ResolveEndpoint::new("s3")
        .with_base_endpoint(Some(BaseEndpoint::parse("http://127.0.0.1:9000").unwrap()));
    assert_eq!(
        run(&hook).unwrap(),
        "http://127.0.0.1:9000/WriteGetObjectResponse"
    );
}

#[test]
fn user_info_in_an_endpoint_url_never_reaches_debug_output_or_errors() {
    use super::{BaseEndpoint, ClientEndpointParams, shown_url};
    let url = "http://user:s3cr3t@127.0.0.1:9000/base";
    assert_eq!(shown_url(url), "http://** redacted **@127.0.0.1:9000/base");
    assert_eq!(
        shown_url("https://example.com/a@b"),
        "https://example.com/a@b"
    );
    let base = BaseEndpoint::parse(url).unwrap();
    let params = ClientEndpointParams::new().built_in("SDK::Endpoint", url);
    let err = BaseEndpoint::parse("ftp://user:s3cr3t@host/").unwrap_err();
    for shown in [
        format!("{base:?}"),
        format!("{params:?}"),
        err.to_string(),
        format!("{:?}", super::EndpointUrl(base.clone())),
    ] {
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("redacted"), "{shown}");
    }
}
