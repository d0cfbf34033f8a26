pub mod peers;
pub mod s3_server;

/// Puts `body` at `bucket`/`key`, then reads it back whole.
pub async fn s3_put_and_get(
    s3: &ziggurat::s3::Client,
    bucket: &str,
    key: &str,
    body: ziggurat::body::Body,
) -> bytes::Bytes {
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{key}: {e}"));
    s3.get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap()
}
