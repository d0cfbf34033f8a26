//! S3 listings against moto server, which keeps keys like `a//b` intact in listings (s3s-fs
//! cannot, its objects are files).
use crate::support;

use support::peers::{peer_url, unique};
use ziggurat::prelude::*;
use ziggurat::s3::Client;

#[tokio::test]
async fn keys_that_need_encoding_round_trip_through_listings() {
    let Some(url) = peer_url("ZIGGURAT_MOTO_URL", "s3 listing against moto") else {
        return;
    };
    let config = SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new("testing", "testing", None))
        .endpoint_url(url)
        .build();
    let s3 = Client::new(&config);
    let bucket = unique("keys");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let keys = [
        "with space.txt",
        "ünïcödé/日本語.txt",
        "plus+sign",
        "equals=sign",
        "amp&ersand",
        "tilde~star*quote'",
        "a//double/slash",
    ];
    for key in keys {
        s3.put_object()
            .bucket(&bucket)
            .key(key)
            .body(Body::from(key.to_owned()))
            .content_type("application/octet-stream")
            .send()
            .await
            .unwrap_or_else(|e| panic!("put {key}: {e:?}"));
    }
    for key in keys {
        let got = s3
            .get_object()
            .bucket(&bucket)
            .key(key)
            .send()
            .await
            .unwrap();
        assert_eq!(got.body.collect().await.unwrap(), key);
    }
    let mut listed: Vec<String> = s3
        .list_objects_v2()
        .bucket(&bucket)
        .send()
        .await
        .unwrap()
        .contents
        .into_iter()
        .flatten()
        .filter_map(|o| o.key)
        .collect();
    listed.sort();
    let mut expected: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    expected.sort();
    assert_eq!(listed, expected);

    // Paging with continuation tokens.
    let mut token = None;
    let mut paged = Vec::new();
    loop {
        let mut call = s3.list_objects_v2().bucket(&bucket).max_keys(3);
        if let Some(t) = token.take() {
            call = call.continuation_token(t);
        }
        let page = call.send().await.unwrap();
        paged.extend(page.contents.into_iter().flatten().filter_map(|o| o.key));
        match page.next_continuation_token {
            Some(t) if page.is_truncated == Some(true) => token = Some(t),
            _ => break,
        }
    }
    paged.sort();
    assert_eq!(paged, expected);
}
