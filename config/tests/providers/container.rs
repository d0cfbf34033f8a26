//! The container provider against a loopback server playing the ECS / EKS agent.
use ziggurat_config::provider::ContainerCredentialsProvider;
use ziggurat_config::{Env, Fs};
use ziggurat_core::credentials::ProvideCredentials;

use crate::support::{Server, assert_hidden, ok, status};

const CREDS: &str = r#"{"AccessKeyId":"ASIACONTAINER","SecretAccessKey":"container-secret",
  "Token":"container-session-token","Expiration":"2030-01-01T00:00:00Z","RoleArn":"arn:x"}"#;

fn provider(env: &[(&str, String)], fs: Fs) -> ContainerCredentialsProvider {
    ContainerCredentialsProvider::builder()
        .env(Env::from_pairs(env.iter().cloned()))
        .fs(fs)
        .build()
}

#[tokio::test]
async fn full_uri_with_an_authorization_token() {
    let server = Server::start(|req, _| match req.header("authorization") {
        Some("auth-token-very-secret") if req.path == "/creds?a=1" => ok(CREDS),
        _ => status(401),
    })
    .await;
    let p = provider(
        &[
            (
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                format!("{}/creds?a=1", server.url()),
            ),
            (
                "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                "auth-token-very-secret".into(),
            ),
        ],
        Fs::from_pairs::<&str, &str>([]),
    );
    let c = p.provide_credentials().await.unwrap();
    assert_eq!(c.access_key_id(), "ASIACONTAINER");
    assert_eq!(c.session_token(), Some("container-session-token"));
    let expiry = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_893_456_000);
    assert_eq!(c.expiry(), Some(expiry));
    assert_hidden(
        &[format!("{c:?}"), format!("{p:?}")],
        &[
            "container-secret",
            "container-session-token",
            "auth-token-very-secret",
        ],
    );
}

#[tokio::test]
async fn the_token_file_wins_and_is_read_on_every_fetch() {
    let server = Server::start(|req, _| match req.header("authorization") {
        Some("file-token-1" | "file-token-2") => ok(CREDS),
        _ => status(401),
    })
    .await;
    let fs = Fs::from_pairs([("/var/run/token", "file-token-1\n")]);
    let p = provider(
        &[
            (
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                format!("{}/v1/credentials", server.url()),
            ),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "env-token".into()),
            (
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                "/var/run/token".into(),
            ),
        ],
        fs.clone(),
    );
    p.provide_credentials().await.unwrap();
    fs.write("/var/run/token", "file-token-2").unwrap();
    p.provide_credentials().await.unwrap();
    let tokens: Vec<_> = server
        .seen()
        .iter()
        .map(|s| s.header("authorization").unwrap_or("").to_owned())
        .collect();
    assert_eq!(tokens, ["file-token-1", "file-token-2"]);
}

#[tokio::test]
async fn server_errors_are_retried_and_client_errors_are_not() {
    let server = Server::start(|req, seen| match req.path.as_str() {
        "/flaky" if seen.is_empty() => status(500),
        "/flaky" => ok(CREDS),
        _ => status(403),
    })
    .await;
    let full = |path: &str| {
        vec![(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            format!("{}{path}", server.url()),
        )]
    };
    let none = || Fs::from_pairs::<&str, &str>([]);
    provider(&full("/flaky"), none())
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(server.seen().len(), 2);
    let mut env = full("/denied");
    env.push((
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        "auth-token-very-secret".into(),
    ));
    let e = provider(&env, none()).credentials().await.unwrap_err();
    assert_eq!(e.status(), Some(403));
    assert_eq!(server.seen().len(), 3, "a 403 is not retried");
    assert_hidden(
        &[e.to_string(), format!("{e:?}")],
        &["auth-token-very-secret"],
    );
}

#[tokio::test]
async fn without_variables_the_provider_does_not_apply() {
    let p = provider(&[], Fs::from_pairs::<&str, &str>([]));
    let e = p.credentials().await.unwrap_err();
    assert!(e.is_not_configured(), "{e}");
    assert!(p.provide_credentials().await.is_err());
}

#[tokio::test]
async fn plain_http_to_a_remote_host_is_refused_before_any_request() {
    let p = provider(
        &[(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://192.0.2.1/creds".into(),
        )],
        Fs::from_pairs::<&str, &str>([]),
    );
    let e = p.credentials().await.unwrap_err();
    assert!(e.is_invalid_config(), "{e}");
}
