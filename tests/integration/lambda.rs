//! Lambda (restJson1) through the generated client: functions on moto server at
//! `$ZIGGURAT_MOTO_URL` (create from a zip built here, get, list, update, delete), and `Invoke`
//! against a loopback stub (moto needs Docker to run code).
use crate::fault_server::{Action, FaultServer};
use crate::support::peers::{peer_config, peer_url, unique};
use ziggurat::lambda::types::{Environment, FunctionCode, InvocationType, Runtime};
use ziggurat::lambda::{Client, GetFunctionError};
use ziggurat::prelude::*;

/// CRC-32 (IEEE), bit by bit: enough for a test's zip file.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A zip archive holding one stored (uncompressed) file.
pub(crate) fn zip_one(name: &str, data: &[u8]) -> Vec<u8> {
    let crc = crc32(data);
    let (n, len) = (name.len() as u16, data.len() as u32);
    let mut out = Vec::new();
    let mut local = Vec::new();
    local.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    local.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    local.extend_from_slice(&crc.to_le_bytes());
    local.extend_from_slice(&len.to_le_bytes());
    local.extend_from_slice(&len.to_le_bytes());
    local.extend_from_slice(&n.to_le_bytes());
    local.extend_from_slice(&0u16.to_le_bytes());
    local.extend_from_slice(name.as_bytes());
    out.extend_from_slice(&local);
    out.extend_from_slice(data);
    let central_at = out.len() as u32;
    let mut central = Vec::new();
    central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
    central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    central.extend_from_slice(&crc.to_le_bytes());
    central.extend_from_slice(&len.to_le_bytes());
    central.extend_from_slice(&len.to_le_bytes());
    central.extend_from_slice(&n.to_le_bytes());
    central.extend_from_slice(&[0; 12]);
    central.extend_from_slice(&0u32.to_le_bytes());
    central.extend_from_slice(name.as_bytes());
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&central_at.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// Creates an IAM role on moto (which checks that a function's role exists) with a plain
/// form-encoded request, and returns its ARN. No IAM client is generated: this is test setup.
pub(crate) async fn moto_role(url: &str, name: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let enc: String = policy
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let body = format!(
        "Action=CreateRole&Version=2010-05-08&RoleName={name}&AssumeRolePolicyDocument={enc}"
    );
    let addr = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let start = response
        .find("<Arn>")
        .expect("CreateRole answered with an ARN")
        + 5;
    let end = response[start..].find("</Arn>").unwrap() + start;
    response[start..end].to_owned()
}

#[tokio::test]
async fn a_function_is_created_read_listed_updated_and_deleted() {
    let Some(url) = peer_url("ZIGGURAT_MOTO_URL", "lambda against moto") else {
        return;
    };
    let role = moto_role(&url, &unique("role")).await;
    let lambda = Client::new(&peer_config(url));
    let name = unique("fn");
    let code = zip_one(
        "index.py",
        b"def handler(event, context):\n    return {'ok': True}\n",
    );
    let created = lambda
        .create_function()
        .function_name(&name)
        .runtime(Runtime::Python312)
        .role(&role)
        .handler("index.handler")
        .code(FunctionCode {
            zip_file: Some(code.clone().into()),
            ..Default::default()
        })
        .timeout(10)
        .send()
        .await
        .unwrap();
    assert_eq!(created.function_name.as_deref(), Some(name.as_str()));
    assert_eq!(created.runtime, Some(Runtime::Python312));
    assert_eq!(created.code_size, Some(code.len() as i64));

    let got = lambda
        .get_function()
        .function_name(&name)
        .send()
        .await
        .unwrap();
    let conf = got.configuration.unwrap();
    assert_eq!(conf.handler.as_deref(), Some("index.handler"));
    assert_eq!(conf.timeout, Some(10));

    // Every page: other tests make functions on the same server.
    let listed: Vec<_> = futures_util::TryStreamExt::try_collect(
        lambda.list_functions().into_paginator().send().items(),
    )
    .await
    .unwrap();
    assert!(
        listed
            .iter()
            .any(|f| f.function_name.as_deref() == Some(name.as_str()))
    );

    let updated = lambda
        .update_function_configuration()
        .function_name(&name)
        .timeout(30)
        .memory_size(256)
        .environment(Environment {
            variables: Some([("STAGE".to_owned(), "test".to_owned())].into()),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(updated.timeout, Some(30));
    assert_eq!(updated.memory_size, Some(256));

    lambda
        .delete_function()
        .function_name(&name)
        .send()
        .await
        .unwrap();
    let err = lambda
        .get_function()
        .function_name(&name)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.as_service_error(),
            Some(GetFunctionError::ResourceNotFoundException(_))
        ),
        "{err:?}"
    );
    assert_eq!(
        err.as_service_error().map(|e| e.api_error().status()),
        Some(404)
    );
}

#[tokio::test]
async fn invoke_sends_the_payload_and_reads_status_headers_and_body() {
    let server = FaultServer::always(Action::respond(
        200,
        &[
            ("content-type", "application/json"),
            ("x-amz-executed-version", "$LATEST"),
            ("x-amz-function-error", "Unhandled"),
            ("x-amzn-requestid", "req-1"),
        ],
        r#"{"errorMessage":"boom"}"#,
    ))
    .await;
    let lambda = Client::new(&peer_config(server.url()));
    let out = lambda
        .invoke()
        .function_name("my-fn")
        .invocation_type(InvocationType::RequestResponse)
        .payload(bytes::Bytes::from_static(br#"{"x":1}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status_code, Some(200));
    assert_eq!(out.executed_version.as_deref(), Some("$LATEST"));
    assert_eq!(out.function_error.as_deref(), Some("Unhandled"));
    assert_eq!(
        out.payload.as_deref(),
        Some(&br#"{"errorMessage":"boom"}"#[..])
    );
    assert_eq!(out.response_metadata().request_id(), Some("req-1"));
    // The payload is sensitive: Debug output does not show it.
    assert!(!format!("{out:?}").contains("boom"));

    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].path, "/2015-03-31/functions/my-fn/invocations");
    assert_eq!(
        seen[0].header("x-amz-invocation-type"),
        Some("RequestResponse")
    );
    assert_eq!(seen[0].body, br#"{"x":1}"#);
}
