use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, UNIX_EPOCH};

use ziggurat_core::body::Body;
use ziggurat_core::context::{Context, Region};
use ziggurat_core::credentials::Credentials;
use ziggurat_core::error::{BoxError, SdkError};
use ziggurat_core::hook::{HttpRequest, RequestHook};
use ziggurat_core::time::{SharedTimeSource, StaticTimeSource};

use super::*;
use crate::sign::SigV4;

fn sigv4() -> SigV4 {
    SigV4::new("service").with_time_source(SharedTimeSource::new(StaticTimeSource::new(
        UNIX_EPOCH + Duration::from_secs(1_440_938_160),
    )))
}

fn ctx(operation: &'static str, credentials: bool) -> Context {
    let mut ctx = Context::new("Service", operation);
    ctx.set_region(Some(Region::from_static("us-east-1")));
    if credentials {
        // What "GetIdentity" leaves for the attempt.
        ctx.set_identity(Some(Credentials::new("AKID", "SECRET", None)));
    }
    ctx
}

fn run(auth: &Authenticate, ctx: &mut Context) -> Result<http::request::Parts, SdkError> {
    let (mut parts, ()) = http::Request::get("https://service.us-east-1.amazonaws.com/")
        .body(())
        .unwrap()
        .into_parts();
    auth.on_request(&mut HttpRequest::new(
        &mut parts,
        &mut Body::empty(),
        Some(ctx),
    ))?;
    Ok(parts)
}

fn authorization(parts: &http::request::Parts) -> Option<&str> {
    parts
        .headers
        .get(http::header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap())
}

/// A stand-in for the SigV4a signer: marks the request.
#[derive(Debug)]
struct FakeSigV4a(Arc<AtomicU32>);

impl Sign for FakeSigV4a {
    fn sign(&self, req: &mut HttpRequest<'_>, identity: &Identity) -> Result<(), SdkError> {
        let creds = identity
            .as_credentials()
            .ok_or_else(|| SdkError::construction("no creds"))?;
        self.0.fetch_add(1, Ordering::SeqCst);
        let value = format!(
            "AWS4-ECDSA-P256-SHA256 Credential={}/scope",
            creds.access_key_id()
        );
        req.headers_mut()
            .insert(http::header::AUTHORIZATION, value.parse().unwrap());
        Ok(())
    }
}

#[test]
fn sigv4_signs_with_the_credentials_get_identity_resolved() {
    let auth = Authenticate::new([AuthScheme::sigv4(sigv4())]);
    let parts = run(&auth, &mut ctx("GetThing", true)).unwrap();
    assert!(
        authorization(&parts).unwrap().starts_with(
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request"
        )
    );
    assert_eq!(parts.headers["x-amz-date"], "20150830T123600Z");
    // Without credentials, SigV4 has no identity and nothing else is configured.
    let err = run(&auth, &mut ctx("GetThing", false)).unwrap_err();
    assert!(err.to_string().contains("tried aws.auth#sigv4"), "{err}");
}

#[test]
fn bearer_sets_a_sensitive_authorization_header() {
    let auth = Authenticate::new([AuthScheme::bearer(Token::new("tok-123", None))]);
    let parts = run(&auth, &mut ctx("ListSpaces", false)).unwrap();
    assert_eq!(authorization(&parts), Some("Bearer tok-123"));
    assert!(parts.headers["authorization"].is_sensitive());
    assert!(!format!("{parts:?}").contains("tok-123"));
    // A bearer signer given credentials refuses.
    let err = BearerAuth
        .sign(
            &mut HttpRequest::new(
                &mut http::Request::new(()).into_parts().0,
                &mut Body::empty(),
                None,
            ),
            &Identity::Credentials(Credentials::new("A", "S", None)),
        )
        .unwrap_err();
    assert!(err.to_string().contains("was given credentials"), "{err}");
}

#[test]
fn anonymous_leaves_the_request_unsigned() {
    let auth = Authenticate::new([AuthScheme::anonymous()]);
    let parts = run(&auth, &mut ctx("AssumeRoleWithWebIdentity", true)).unwrap();
    assert_eq!(authorization(&parts), None);
    assert!(!parts.headers.contains_key("x-amz-date"));
}

#[test]
fn the_first_declared_scheme_with_an_identity_wins() {
    let v4a_calls = Arc::new(AtomicU32::new(0));
    let all = Authenticate::new([
        AuthScheme::sigv4(sigv4()),
        AuthScheme::bearer(Token::new("tok", None)),
        AuthScheme::anonymous(),
    ]);
    const V4A_THEN_V4: &[AuthSchemeId] = &[AuthSchemeId::SIGV4A, AuthSchemeId::SIGV4];
    const V4_OR_NONE: &[AuthSchemeId] = &[AuthSchemeId::SIGV4, AuthSchemeId::NO_AUTH];

    // SigV4a preferred but not configured: SigV4.
    let mut c = ctx("GetObject", true);
    c.insert(AuthSchemeOptions::new(V4A_THEN_V4));
    assert!(
        authorization(&run(&all, &mut c).unwrap())
            .unwrap()
            .starts_with("AWS4-HMAC-SHA256 ")
    );

    // The SigV4a slot filled: SigV4a, with the same credentials.
    let with_v4a = Authenticate::new([
        AuthScheme::sigv4(sigv4()),
        AuthScheme::new(
            AuthSchemeId::SIGV4A,
            None,
            Arc::new(FakeSigV4a(v4a_calls.clone())),
        ),
    ]);
    let parts = run(&with_v4a, &mut c).unwrap();
    assert!(
        authorization(&parts)
            .unwrap()
            .starts_with("AWS4-ECDSA-P256-SHA256 Credential=AKID/")
    );
    assert_eq!(v4a_calls.load(Ordering::SeqCst), 1);

    // SigV4 or nothing, without credentials: nothing.
    let mut c = ctx("GetObject", false);
    c.insert(AuthSchemeOptions::new(V4_OR_NONE));
    assert_eq!(authorization(&run(&all, &mut c).unwrap()), None);

    // Undeclared: every configured scheme in order (SigV4 has no credentials, so bearer).
    assert_eq!(
        authorization(&run(&all, &mut ctx("Other", false)).unwrap()),
        Some("Bearer tok")
    );

    // A declared scheme that is not configured: an error naming what was tried.
    let v4_only = Authenticate::new([AuthScheme::sigv4(sigv4())]);
    let mut c = ctx("ListSpaces", true);
    c.insert(AuthSchemeOptions::new(&[AuthSchemeId::HTTP_BEARER]));
    let err = run(&v4_only, &mut c).unwrap_err();
    assert!(
        err.to_string().contains("tried smithy.api#httpBearerAuth"),
        "{err}"
    );
}

#[test]
fn operations_can_be_declared_on_the_hook_and_the_context_wins() {
    let auth = Authenticate::new([AuthScheme::sigv4(sigv4()), AuthScheme::anonymous()])
        .with_operation(
            "AssumeRoleWithWebIdentity",
            AuthSchemeOptions::new(&[AuthSchemeId::NO_AUTH]),
        );
    let parts = run(&auth, &mut ctx("AssumeRoleWithWebIdentity", true)).unwrap();
    assert_eq!(authorization(&parts), None);
    let parts = run(&auth, &mut ctx("GetCallerIdentity", true)).unwrap();
    assert!(authorization(&parts).is_some());
    let mut c = ctx("AssumeRoleWithWebIdentity", true);
    c.insert(AuthSchemeOptions::from_vec(vec![AuthSchemeId::SIGV4]));
    assert!(authorization(&run(&auth, &mut c).unwrap()).is_some());
}

#[test]
fn resolvers_that_fail_or_must_wait_fail_the_attempt() {
    #[derive(Debug)]
    struct Failing;
    impl ResolveIdentity for Failing {
        fn resolve_identity(&self) -> IdentityFuture<'_> {
            IdentityFuture::ready(Err(BoxError::from("token file not found")))
        }
    }
    #[derive(Debug)]
    struct Waiting;
    impl ResolveIdentity for Waiting {
        fn resolve_identity(&self) -> IdentityFuture<'_> {
            IdentityFuture::new(async {
                tokio::task::yield_now().await;
                Ok(Identity::Anonymous)
            })
        }
    }
    #[derive(Debug)]
    struct Immediate;
    impl ResolveIdentity for Immediate {
        fn resolve_identity(&self) -> IdentityFuture<'_> {
            IdentityFuture::new(async { Ok(Identity::Token(Token::new("boxed", None))) })
        }
    }
    let err = run(
        &Authenticate::new([AuthScheme::bearer(Failing)]),
        &mut ctx("Op", false),
    )
    .unwrap_err();
    assert!(err.to_string().contains("token file not found"), "{err}");
    let err = run(
        &Authenticate::new([AuthScheme::bearer(Waiting)]),
        &mut ctx("Op", false),
    )
    .unwrap_err();
    assert!(err.to_string().contains("needs to wait"), "{err}");
    // A boxed future that completes at once is fine.
    let parts = run(
        &Authenticate::new([AuthScheme::bearer(Immediate)]),
        &mut ctx("Op", false),
    )
    .unwrap();
    assert_eq!(authorization(&parts), Some("Bearer boxed"));
}

#[tokio::test]
async fn standalone_layer_signs_with_its_own_identities() {
    use tower::{Layer, ServiceExt, service_fn};
    let svc = AuthenticateLayer::new(Authenticate::new([AuthScheme::sigv4_with(
        sigv4().with_region(Region::from_static("eu-west-1")),
        Credentials::new("AKIDLAYER", "S", None),
    )]))
    .layer(service_fn(|req: http::Request<String>| async move {
        let auth = req.headers()["authorization"].to_str().unwrap().to_owned();
        Ok::<_, std::convert::Infallible>(http::Response::new(auth))
    }));
    let req = http::Request::get("https://service.eu-west-1.amazonaws.com/")
        .body(String::new())
        .unwrap();
    let auth = svc.oneshot(req).await.unwrap().into_body();
    assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDLAYER/20150830/eu-west-1/service/"));
}

#[test]
fn identities_and_schemes_never_show_secrets() {
    let creds = Credentials::new("AKID", "very-secret", Some("session-token".into()));
    let token = Token::new("bearer-secret", Some(UNIX_EPOCH));
    let auth = Authenticate::new([
        AuthScheme::sigv4_with(sigv4(), creds.clone()),
        AuthScheme::bearer(token.clone()),
        AuthScheme::anonymous(),
    ]);
    let shown = format!(
        "{:?} {:?} {:?} {token} {auth:?} {auth:#?}",
        Identity::from(creds),
        Identity::from(token.clone()),
        token
    );
    for secret in ["very-secret", "session-token", "bearer-secret"] {
        assert!(!shown.contains(secret), "{secret} shown: {shown}");
    }
    assert!(shown.contains("AKID") && shown.contains("smithy.api#httpBearerAuth"));
}

#[test]
fn the_real_sigv4a_scheme_signs_a_verifiable_signature_for_the_region_set() {
    use crate::sign::signer::{
        Payload, SigV4aKey, SignableRequest, SigningIdentity, SigningParams, SigningSettings,
        sign_v4a,
    };
    let signer = SigV4::v4a("service", Some("us-east-1,us-west-2".into())).with_time_source(
        SharedTimeSource::new(StaticTimeSource::new(
            UNIX_EPOCH + Duration::from_secs(1_440_938_160),
        )),
    );
    assert!(format!("{signer:?}").contains("AWS4-ECDSA-P256-SHA256"));
    let auth = Authenticate::new([AuthScheme::sigv4a(signer), AuthScheme::sigv4(sigv4())]);
    let parts = run(&auth, &mut ctx("GetThing", true)).unwrap();
    let header = authorization(&parts).unwrap();
    assert!(
        header.starts_with("AWS4-ECDSA-P256-SHA256 Credential=AKID/20150830/service/aws4_request"),
        "{header}"
    );
    assert_eq!(parts.headers["x-amz-region-set"], "us-east-1,us-west-2");

    // The same request through the pure signer gives the string to sign; the hook's signature
    // verifies against the public key derived from the credentials.
    let (mut unsigned, ()) = http::Request::get("https://service.us-east-1.amazonaws.com/")
        .body(())
        .unwrap()
        .into_parts();
    unsigned
        .headers
        .insert("x-amz-date", "20150830T123600Z".parse().unwrap());
    let settings = SigningSettings::default();
    let expected = sign_v4a(
        &SignableRequest {
            method: &unsigned.method,
            uri: &unsigned.uri,
            headers: &unsigned.headers,
            payload: Payload::Bytes(b""),
        },
        &SigningParams {
            identity: SigningIdentity::new("AKID", "SECRET", None),
            region: "us-east-1,us-west-2",
            service: "service",
            time: UNIX_EPOCH + Duration::from_secs(1_440_938_160),
            settings: &settings,
        },
        None,
    )
    .unwrap();
    let signature = header.rsplit("Signature=").next().unwrap();
    let key = SigV4aKey::derive("AKID", "SECRET").unwrap().public_key();
    assert!(key.verify_signature(&expected.string_to_sign, signature));
    assert!(!key.verify_signature(
        &expected.string_to_sign.replace("20150830", "20150831"),
        signature
    ));
}
