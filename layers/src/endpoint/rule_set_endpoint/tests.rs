use super::*;
use crate::endpoint::rules::{Partitions, RuleSet};
use ziggurat_core::body::Body;
use ziggurat_core::schema::prelude;

/// A rule set whose endpoint echoes its parameters: `https://{Region}.example.com`, with
/// headers and auth schemes chosen by `Mode`.
const RULES: &str = r#"{"version": "1.0",
  "parameters": {
    "Region": {"type": "string", "builtIn": "AWS::Region", "required": false},
    "Endpoint": {"type": "string", "builtIn": "SDK::Endpoint", "required": false},
    "UseFIPS": {"type": "boolean", "builtIn": "AWS::UseFIPS", "required": true, "default": false},
    "Mode": {"type": "string", "required": false},
    "Unread": {"type": "string", "required": false}
  },
  "rules": [
    {"conditions": [{"fn": "isSet", "argv": [{"ref": "Endpoint"}]}], "type": "endpoint",
     "endpoint": {"url": {"ref": "Endpoint"}}},
    {"conditions": [{"fn": "booleanEquals", "argv": [{"ref": "UseFIPS"}, true]}], "type": "error",
     "error": "FIPS is not supported here"},
    {"conditions": [{"fn": "stringEquals", "argv": [{"ref": "Mode"}, "v4a"]}], "type": "endpoint",
     "endpoint": {"url": "https://global.example.com",
       "properties": {"authSchemes": [{"name": "sigv4a", "signingName": "svc", "signingRegionSet": ["*"]}]}}},
    {"conditions": [{"fn": "stringEquals", "argv": [{"ref": "Mode"}, "other-name"]}], "type": "endpoint",
     "endpoint": {"url": "https://other.example.com",
       "properties": {"authSchemes": [{"name": "sigv4", "signingName": "other", "signingRegion": "us-east-1"}]}}},
    {"conditions": [{"fn": "stringEquals", "argv": [{"ref": "Mode"}, "bad-header"]}], "type": "endpoint",
     "endpoint": {"url": "https://h.example.com", "headers": {"x-bad": ["a\nb"]}}},
    {"conditions": [{"fn": "stringEquals", "argv": [{"ref": "Mode"}, "bad-url"]}], "type": "endpoint",
     "endpoint": {"url": "not a url"}},
    {"conditions": [{"fn": "isSet", "argv": [{"ref": "Region"}]}], "type": "endpoint",
     "endpoint": {"url": "https://{Region}.example.com",
       "headers": {"x-served-by": ["rules"]},
       "properties": {"authSchemes": [{"name": "sigv4", "signingName": "svc", "signingRegion": "{Region}"}]}}},
    {"conditions": [], "type": "error", "error": "no region"}
  ]}"#;

/// A rule set parsed once into `cell`, with no partitions.
fn parsed_once(
    cell: &'static std::sync::OnceLock<(RuleSet, Partitions)>,
    json: &str,
) -> RuleSetResolver {
    let (rules, partitions) = cell.get_or_init(|| {
        (
            RuleSet::from_json(json).unwrap(),
            Partitions::from_json(r#"{"partitions": []}"#).unwrap(),
        )
    });
    RuleSetResolver::new(rules, partitions)
}

fn resolver() -> RuleSetResolver {
    static PARSED: std::sync::OnceLock<(RuleSet, Partitions)> = std::sync::OnceLock::new();
    parsed_once(&PARSED, RULES)
}

fn op(params: &'static [EndpointParam]) -> &'static OperationSchema {
    Box::leak(Box::new(OperationSchema {
        name: "Op",
        method: "GET",
        uri: "/",
        success_status: None,
        input: &prelude::UNIT,
        output: &prelude::UNIT,
        result_wrapper: None,
        errors: &[],
        host_prefix: None,
        flags: 0,
        endpoint_params: params,
    }))
}

fn ctx(region: &'static str) -> Context {
    let mut ctx = Context::new("Svc", "Op");
    ctx.set_region(Some(Region::from_static(region)));
    ctx
}

/// Runs the hook on a request to `/path`, as the stack does; the URI and headers it left.
fn run(
    hook: &RuleSetEndpoint,
    ctx: &mut Context,
    op: Option<&'static OperationSchema>,
) -> Result<http::request::Parts, SdkError> {
    let (mut parts, ()) = http::Request::get("/path?q=1").body(())?.into_parts();
    let mut body = Body::empty();
    hook.resolve(&mut HttpRequest::new(&mut parts, &mut body, Some(ctx)), op)?;
    Ok(parts)
}

#[test]
fn resolves_applies_headers_and_adds_no_auth_when_the_client_signs_the_same() {
    let hook = RuleSetEndpoint::new(resolver(), "svc");
    let mut ctx = ctx("eu-west-1");
    let parts = run(&hook, &mut ctx, None).unwrap();
    assert_eq!(parts.uri, "https://eu-west-1.example.com/path?q=1");
    assert_eq!(parts.headers["x-served-by"], "rules");
    assert!(ctx.get::<Arc<EndpointAuth>>().is_none());
}

#[test]
fn auth_schemes_that_differ_reach_the_context() {
    let hook = RuleSetEndpoint::new(resolver(), "svc");
    let static_mode = |mode: &'static str| {
        let params: &'static [EndpointParam] = Box::leak(Box::new([EndpointParam {
            name: "Mode",
            value: EndpointParamValue::String(mode),
        }]));
        op(params)
    };
    let mut c = ctx("eu-west-1");
    run(&hook, &mut c, Some(static_mode("v4a"))).unwrap();
    let auth = c.get::<Arc<EndpointAuth>>().unwrap();
    assert!(auth.sigv4a);
    assert_eq!(auth.signing_region_set.as_deref(), Some("*"));
    assert_eq!(
        auth.signing_name, None,
        "the client's own name is not repeated"
    );

    let mut c = ctx("eu-west-1");
    run(&hook, &mut c, Some(static_mode("other-name"))).unwrap();
    let auth = c.get::<Arc<EndpointAuth>>().unwrap();
    assert!(!auth.sigv4a);
    assert_eq!(auth.signing_name.as_deref(), Some("other"));
    assert_eq!(
        auth.signing_region.as_ref().map(Region::as_str),
        Some("us-east-1")
    );
}

#[test]
fn bad_endpoints_and_error_rules_are_construction_errors() {
    let hook = RuleSetEndpoint::new(resolver(), "svc");
    for (mode, message) in [("bad-header", "header `x-bad`"), ("bad-url", "not a url")] {
        let params: &'static [EndpointParam] = Box::leak(Box::new([EndpointParam {
            name: "Mode",
            value: EndpointParamValue::String(mode),
        }]));
        let err = run(&hook, &mut ctx("eu-west-1"), Some(op(params))).unwrap_err();
        assert_eq!(err.kind(), ziggurat_core::error::ErrorKind::Construction);
        assert!(err.to_string().contains(message), "{mode}: {err}");
    }
    let fips = RuleSetEndpoint::new(resolver(), "svc")
        .with_client_params(&ClientEndpointParams::new().built_in("AWS::UseFIPS", true));
    let err = run(&fips, &mut ctx("eu-west-1"), None).unwrap_err();
    assert_eq!(err.kind(), ziggurat_core::error::ErrorKind::Construction);
    assert!(
        err.to_string().contains("FIPS is not supported here"),
        "{err}"
    );
    // Without a region or endpoint: the SDK's message, not the rule set's.
    let err = run(&hook, &mut Context::new("Svc", "Op"), None).unwrap_err();
    assert!(err.to_string().contains("AWS_REGION"), "{err}");
}

#[test]
fn client_params_bind_by_built_in_or_name_and_later_ones_win() {
    let hook = RuleSetEndpoint::new(resolver(), "svc").with_client_params(
        &ClientEndpointParams::new()
            .built_in("AWS::UseFIPS", true)
            .built_in("AWS::NotDeclared", true)
            .param("UseFIPS", false)
            .built_in("SDK::Endpoint", "http://127.0.0.1:9000/base"),
    );
    // No region needed with an endpoint URL; FIPS was turned off again by name.
    let parts = run(&hook, &mut Context::new("Svc", "Op"), None).unwrap();
    assert_eq!(parts.uri, "http://127.0.0.1:9000/base/path?q=1");
}

#[test]
fn cache_keys_leave_out_parameters_no_rule_reads_and_hold_any_number() {
    let hook = RuleSetEndpoint::new(resolver(), "svc");
    let members: &'static [EndpointParam] = &[
        EndpointParam {
            name: "Unread",
            value: EndpointParamValue::Member("Unread"),
        },
        EndpointParam {
            name: "Mode",
            value: EndpointParamValue::Member("Mode"),
        },
    ];
    let op = op(members);
    let with = |unread: &str| {
        let mut c = ctx("eu-west-1");
        c.set_endpoint_params(OperationEndpointParams(vec![
            ("Unread", unread.into()),
            ("Mode", "plain".into()),
        ]));
        c
    };
    let a = hook.endpoint_for(Some(&with("a")), Some(op)).unwrap();
    let b = hook.endpoint_for(Some(&with("b")), Some(op)).unwrap();
    assert!(Arc::ptr_eq(&a, &b), "`Unread` is not part of the key");
    assert_eq!(hook.cache.len(), 1);

    // More parameters than fit on the stack: still resolved, and cached.
    let many: &'static [EndpointParam] = Box::leak(
        (0..MAX_CALL_PARAMS + 4)
            .map(|_| EndpointParam {
                name: "Mode",
                value: EndpointParamValue::String("plain"),
            })
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    );
    let op = self::op(many);
    let first = hook
        .endpoint_for(Some(&ctx("us-west-2")), Some(op))
        .unwrap();
    assert_eq!(first.base().to_url(), "https://us-west-2.example.com");
    let again = hook
        .endpoint_for(Some(&ctx("us-west-2")), Some(op))
        .unwrap();
    assert!(Arc::ptr_eq(&first, &again));
}

#[test]
fn a_custom_resolver_sees_the_parameters_and_can_call_the_default() {
    let hook = RuleSetEndpoint::new(resolver(), "svc").with_resolver(Some(
        SharedEndpointResolver::new(|params: &Params, default: &RuleSetResolver| {
            if params.get("Region") == Some(&Value::from("local")) {
                let mut e = default.resolve(&Params::new().set("Region", "us-east-1"))?;
                e.url = "http://127.0.0.1:4566".to_owned();
                return Ok(e);
            }
            default.resolve(params)
        }),
    ));
    let parts = run(&hook, &mut ctx("local"), None).unwrap();
    assert_eq!(parts.uri, "http://127.0.0.1:4566/path?q=1");
    let parts = run(&hook, &mut ctx("eu-west-1"), None).unwrap();
    assert_eq!(parts.uri, "https://eu-west-1.example.com/path?q=1");
}

/// A rule set that reads the credentials' account id and a `stringArray` parameter:
/// `https://{AccountId}.example.com` when the mode allows and the account is known, else the
/// first table of `Tables`' host, else the regional one.
const ACCOUNT_RULES: &str = r#"{"version": "1.0",
  "parameters": {
    "Region": {"type": "string", "builtIn": "AWS::Region", "required": true},
    "AccountId": {"type": "string", "builtIn": "AWS::Auth::AccountId", "required": false},
    "AccountIdEndpointMode": {"type": "string", "builtIn": "AWS::Auth::AccountIdEndpointMode",
                              "required": true, "default": "preferred"},
    "Tables": {"type": "stringArray", "required": false}
  },
  "rules": [
    {"conditions": [{"fn": "isSet", "argv": [{"ref": "AccountId"}]},
                    {"fn": "not", "argv": [{"fn": "stringEquals", "argv": [{"ref": "AccountIdEndpointMode"}, "disabled"]}]}],
     "type": "endpoint", "endpoint": {"url": "https://{AccountId}.example.com"}},
    {"conditions": [{"fn": "isSet", "argv": [{"ref": "Tables"}]},
                    {"fn": "getAttr", "argv": [{"ref": "Tables"}, "[0]"], "assign": "first"}],
     "type": "endpoint", "endpoint": {"url": "https://{first}.example.com"}},
    {"conditions": [], "type": "endpoint", "endpoint": {"url": "https://{Region}.example.com"}}
  ]}"#;

fn account_resolver() -> RuleSetResolver {
    static PARSED: std::sync::OnceLock<(RuleSet, Partitions)> = std::sync::OnceLock::new();
    parsed_once(&PARSED, ACCOUNT_RULES)
}

#[test]
fn the_account_id_comes_from_the_identity_unless_the_mode_disables_it() {
    use ziggurat_core::credentials::Credentials;

    let hook = RuleSetEndpoint::new(account_resolver(), "svc");
    assert!(hook.reads_account_id());
    let mut c = ctx("eu-west-1");
    let url = |hook: &RuleSetEndpoint, c: &Context| {
        hook.endpoint_for(Some(c), None).unwrap().base().to_url()
    };
    assert_eq!(url(&hook, &c), "https://eu-west-1.example.com");
    c.set_identity(Some(
        Credentials::new("A", "S", None).with_account_id(Some("123456789012".into())),
    ));
    assert_eq!(url(&hook, &c), "https://123456789012.example.com");

    let disabled = RuleSetEndpoint::new(account_resolver(), "svc").with_client_params(
        &ClientEndpointParams::new().built_in(ACCOUNT_ID_ENDPOINT_MODE, "disabled"),
    );
    assert!(!disabled.reads_account_id());
    assert_eq!(url(&disabled, &c), "https://eu-west-1.example.com");
    // A rule set without the built-in never asks for it.
    assert!(!RuleSetEndpoint::new(resolver(), "svc").reads_account_id());
}

#[test]
fn string_array_parameters_reach_the_rules_and_key_the_cache() {
    static TABLES: [EndpointParam; 1] = [EndpointParam {
        name: "Tables",
        value: EndpointParamValue::Path("Tables[*].Name"),
    }];
    let hook = RuleSetEndpoint::new(account_resolver(), "svc");
    let op = op(&TABLES);
    let with = |tables: &[&str]| {
        let mut c = ctx("eu-west-1");
        let list: Vec<String> = tables.iter().map(|t| (*t).to_owned()).collect();
        c.set_endpoint_params(OperationEndpointParams(vec![("Tables", list.into())]));
        c
    };
    let a = hook
        .endpoint_for(Some(&with(&["a", "b"])), Some(op))
        .unwrap();
    assert_eq!(a.base().to_url(), "https://a.example.com");
    let again = hook
        .endpoint_for(Some(&with(&["a", "b"])), Some(op))
        .unwrap();
    assert!(Arc::ptr_eq(&a, &again), "the same list hits the cache");
    let b = hook
        .endpoint_for(Some(&with(&["b", "a"])), Some(op))
        .unwrap();
    assert_eq!(b.base().to_url(), "https://b.example.com");
    assert_eq!(hook.cache.len(), 2);
}
