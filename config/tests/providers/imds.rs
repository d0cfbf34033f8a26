//! The IMDS client and its providers against a loopback server playing IMDS.
use std::time::{Duration, Instant};

use ziggurat_config::Env;
use ziggurat_config::imds::{Client, ImdsCredentialsProvider, ImdsRegionProvider};
use ziggurat_core::credentials::ProvideCredentials;
use ziggurat_core::time::SharedTimeSource;

use crate::support::{ManualClock, Reply, Server, assert_hidden, ok, status};

const TOKEN: &str = "imds-token-very-secret";
const TOKEN_PATH: &str = "/latest/api/token";
const REGION_PATH: &str = "/latest/meta-data/placement/region";
const CREDS: &str = r#"{"Code":"Success","LastUpdated":"2021-09-20T21:42:26Z","Type":"AWS-HMAC",
  "AccessKeyId":"ASIARTEST","SecretAccessKey":"imds-secret-key","Token":"imds-session-token",
  "Expiration":"2021-09-21T04:16:53Z","AccountId":"123456789012"}"#;

/// IMDS with tokens: PUT gives `TOKEN`, a GET without it is 401, then `get` answers.
fn imds(
    get: impl Fn(&str) -> Reply + Send + Sync + 'static,
) -> impl Fn(&crate::support::Seen, &[crate::support::Seen]) -> Reply + Send + Sync + 'static {
    move |req, _| {
        if req.method == "PUT" && req.path == TOKEN_PATH {
            assert_eq!(
                req.header("x-aws-ec2-metadata-token-ttl-seconds"),
                Some("21600")
            );
            return ok(TOKEN);
        }
        if req.header("x-aws-ec2-metadata-token") != Some(TOKEN) {
            return status(401);
        }
        get(&req.path)
    }
}

fn client(server: &Server) -> Client {
    Client::builder()
        .env(Env::from_pairs([(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            server.url(),
        )]))
        .build()
}

#[tokio::test]
async fn token_is_fetched_once_and_reused() {
    let server = Server::start(imds(|_| ok("eu-west-3"))).await;
    let region = ImdsRegionProvider::new(client(&server));
    for _ in 0..3 {
        assert_eq!(region.region().await.unwrap().as_str(), "eu-west-3");
    }
    assert_eq!(server.count("PUT", TOKEN_PATH), 1);
    assert_eq!(server.count("GET", REGION_PATH), 3);
}

#[tokio::test]
async fn token_is_refreshed_shortly_before_its_ttl_ends() {
    let server = Server::start(move |req, _| {
        if req.method == "PUT" {
            assert_eq!(
                req.header("x-aws-ec2-metadata-token-ttl-seconds"),
                Some("600")
            );
            ok(TOKEN)
        } else {
            ok("us-east-1")
        }
    })
    .await;
    let clock = ManualClock::new();
    let client = Client::builder()
        // A fixed environment: the test command disables IMDS in the process's own.
        .env(Env::from_pairs::<&str, &str>([]))
        .endpoint(server.url())
        .token_ttl(Duration::from_secs(600))
        .time_source(SharedTimeSource::new(clock.clone()))
        .build();
    client.get(REGION_PATH).await.unwrap();
    clock.advance(Duration::from_secs(400));
    client.get(REGION_PATH).await.unwrap();
    assert_eq!(
        server.count("PUT", TOKEN_PATH),
        1,
        "still well within the TTL"
    );
    clock.advance(Duration::from_secs(100)); // 500 s: within 120 s of the end
    client.get(REGION_PATH).await.unwrap();
    assert_eq!(server.count("PUT", TOKEN_PATH), 2);
}

#[tokio::test]
async fn server_errors_are_retried_then_succeed() {
    let server = Server::start(|req, seen| {
        let earlier = seen.iter().filter(|s| s.method == req.method).count();
        match (req.method.as_str(), earlier) {
            ("PUT", 0) => status(503),
            ("PUT", _) => ok(TOKEN),
            ("GET", 0) => status(500),
            _ => ok("ap-south-1"),
        }
    })
    .await;
    let region = ImdsRegionProvider::new(client(&server))
        .region()
        .await
        .unwrap();
    assert_eq!(region.as_str(), "ap-south-1");
    assert_eq!(server.count("PUT", TOKEN_PATH), 2);
    assert_eq!(server.count("GET", REGION_PATH), 2);
}

#[tokio::test]
async fn retries_are_bounded() {
    let server = Server::start(|_, _| status(503)).await;
    let e = client(&server).get(REGION_PATH).await.unwrap_err();
    assert_eq!(e.status(), Some(503), "{e}");
    assert_eq!(server.count("PUT", TOKEN_PATH), 3);
}

#[tokio::test]
async fn a_stalled_server_is_bounded_by_the_attempt_timeout() {
    let server = Server::start(|_, _| Reply::Hang).await;
    let client = Client::builder()
        // A fixed environment: the test command disables IMDS in the process's own.
        .env(Env::from_pairs::<&str, &str>([]))
        .endpoint(server.url())
        .attempt_timeout(Duration::from_millis(200))
        .max_attempts(2)
        .build();
    let started = Instant::now();
    let e = client.get(REGION_PATH).await.unwrap_err();
    assert!(e.is_timeout(), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.count("PUT", TOKEN_PATH), 2);
}

#[tokio::test]
async fn forbidden_token_means_imds_is_disabled_and_is_not_retried() {
    let server = Server::start(|_, _| status(403)).await;
    let provider = ImdsCredentialsProvider::new(client(&server));
    let e = provider.provide_credentials().await.unwrap_err();
    assert!(
        e.to_string()
            .contains("request forbidden: IMDS is disabled"),
        "{e}"
    );
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn token_404_falls_back_to_imdsv1_unless_v1_is_disabled() {
    let server = Server::start(|req, _| match req.method.as_str() {
        "PUT" => status(404),
        _ if req.headers.contains_key("x-aws-ec2-metadata-token") => status(400),
        _ => ok("us-west-2"),
    })
    .await;
    let c = client(&server);
    assert_eq!(c.get(REGION_PATH).await.unwrap(), "us-west-2");
    assert_eq!(c.get(REGION_PATH).await.unwrap(), "us-west-2");
    assert_eq!(
        server.count("PUT", TOKEN_PATH),
        1,
        "the fallback is remembered"
    );

    let strict = Client::builder()
        .env(Env::from_pairs([
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url()),
            ("AWS_EC2_METADATA_V1_DISABLED", "true".to_owned()),
        ]))
        .build();
    assert_eq!(
        strict.get(REGION_PATH).await.unwrap_err().status(),
        Some(404)
    );
}

#[tokio::test]
async fn a_rejected_token_is_replaced() {
    let server = Server::start(|req, seen| {
        let puts = seen.iter().filter(|s| s.method == "PUT").count();
        match req.method.as_str() {
            "PUT" if puts == 0 => ok("old-token"),
            "PUT" => ok(TOKEN),
            _ if req.header("x-aws-ec2-metadata-token") == Some(TOKEN) => ok("eu-north-1"),
            _ => status(401),
        }
    })
    .await;
    assert_eq!(
        client(&server).get(REGION_PATH).await.unwrap(),
        "eu-north-1"
    );
    assert_eq!(server.count("PUT", TOKEN_PATH), 2);
}

#[tokio::test]
async fn credentials_come_from_the_extended_api() {
    let server = Server::start(imds(|path| match path {
        "/latest/meta-data/iam/security-credentials-extended/" => ok("my-role\n"),
        "/latest/meta-data/iam/security-credentials-extended/my-role" => ok(CREDS),
        _ => status(404),
    }))
    .await;
    let provider = ImdsCredentialsProvider::new(client(&server));
    let c = provider.provide_credentials().await.unwrap();
    assert_eq!(c.access_key_id(), "ASIARTEST");
    assert_eq!(c.secret_access_key(), "imds-secret-key");
    assert_eq!(c.session_token(), Some("imds-session-token"));
    assert_eq!(c.account_id(), Some("123456789012"));
    assert_eq!(
        c.expiry(),
        Some(std::time::UNIX_EPOCH + Duration::from_secs(1_632_197_813))
    );
    assert_hidden(
        &[format!("{c:?}"), format!("{provider:?}")],
        &["imds-secret-key", "imds-session-token", TOKEN],
    );
}

#[tokio::test]
async fn credentials_fall_back_to_the_legacy_api_and_remember_it() {
    let server = Server::start(imds(|path| match path {
        "/latest/meta-data/iam/security-credentials/" => ok("legacy-role"),
        "/latest/meta-data/iam/security-credentials/legacy-role" => ok(CREDS),
        _ => status(404),
    }))
    .await;
    let provider = ImdsCredentialsProvider::new(client(&server));
    for _ in 0..2 {
        let c = provider.provide_credentials().await.unwrap();
        assert_eq!(c.access_key_id(), "ASIARTEST");
    }
    let extended = "/latest/meta-data/iam/security-credentials-extended/";
    assert_eq!(server.count("GET", extended), 1);
    assert_eq!(
        server.count("GET", "/latest/meta-data/iam/security-credentials/"),
        2
    );
}

#[tokio::test]
async fn an_instance_without_a_role_has_no_credentials_to_offer() {
    let server = Server::start(imds(|_| status(404))).await;
    let e = ImdsCredentialsProvider::new(client(&server))
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no IAM role"), "{e}");
}

#[tokio::test]
async fn errors_and_debug_never_show_secrets() {
    // A credentials document with a mistyped field: the error names the field only.
    let server = Server::start(imds(|path| match path {
        "/latest/meta-data/iam/security-credentials-extended/" => ok("r"),
        _ => ok(r#"{"Code":"Success","AccessKeyId":"ASIA","SecretAccessKey":"imds-secret-key","Token":["imds-session-token"]}"#),
    }))
    .await;
    let client = client(&server);
    let provider = ImdsCredentialsProvider::new(client.clone());
    let e = provider.provide_credentials().await.unwrap_err();
    assert!(e.to_string().contains("`Token`"), "{e}");
    assert_hidden(
        &[
            e.to_string(),
            format!("{e:?}"),
            format!("{client:?}"),
            format!("{provider:?}"),
        ],
        &["imds-secret-key", "imds-session-token", TOKEN],
    );
}

#[tokio::test]
async fn a_disabled_imds_is_never_asked() {
    // The default endpoint (169.254.169.254) would be used: the client must not send anything.
    let env = Env::from_pairs([("AWS_EC2_METADATA_DISABLED", "true")]);
    let client = Client::builder().env(env).build();
    assert!(client.is_disabled());
    let e = ImdsCredentialsProvider::new(client.clone())
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("disabled"), "{e}");
    assert!(
        ImdsRegionProvider::new(client)
            .region()
            .await
            .unwrap_err()
            .is_disabled()
    );
}
