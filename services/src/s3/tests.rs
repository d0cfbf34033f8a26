use super::*;
use ziggurat_core::operation::Operation;

#[test]
fn list_objects_v2_parses_a_listing() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bucket</Name><Prefix></Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated><NextContinuationToken>tok</NextContinuationToken>
<Contents><Key>a b+c</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified><ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag><Size>434234</Size><StorageClass>STANDARD</StorageClass></Contents>
<Contents><Key>x&amp;y</Key><Size>0</Size></Contents>
<CommonPrefixes><Prefix>photos/</Prefix></CommonPrefixes></ListBucketResult>"#;
    let (parts, _) = http::Response::new(()).into_parts();
    let out = ListObjectsV2::deserialize(
        parts,
        ResponseBody::Buffered(xml.into()),
        &mut Context::new("S3", "ListObjectsV2"),
    )
    .unwrap();
    assert_eq!(out.name.as_deref(), Some("bucket"));
    assert_eq!(out.is_truncated, Some(true));
    assert_eq!(out.next_continuation_token.as_deref(), Some("tok"));
    assert_eq!(out.contents.len(), 2);
    assert_eq!(out.contents[0].key, "a b+c");
    assert_eq!(
        out.contents[0].e_tag.as_deref(),
        Some("\"fba9dede5f27731c9771645a39863328\"")
    );
    assert_eq!(out.contents[0].size, Some(434234));
    assert_eq!(
        out.contents[0].last_modified.unwrap().epoch_seconds(),
        1255369830
    );
    assert_eq!(out.contents[1].key, "x&y");
    assert_eq!(out.common_prefixes[0].prefix, "photos/");
}

#[test]
fn url_encoded_listing_is_decoded() {
    let xml = "<ListBucketResult><EncodingType>url</EncodingType><Contents><Key>a%20b%2Bc</Key></Contents></ListBucketResult>";
    let (parts, _) = http::Response::new(()).into_parts();
    let out = ListObjectsV2::deserialize(
        parts,
        ResponseBody::Buffered(xml.into()),
        &mut Context::new("S3", "ListObjectsV2"),
    )
    .unwrap();
    assert_eq!(out.contents[0].key, "a b+c");
}

#[test]
fn a_200_with_an_error_body_is_a_service_error() {
    let xml = "<?xml version=\"1.0\"?>\n<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>";
    let (parts, _) = http::Response::new(()).into_parts();
    let err = ListObjectsV2::deserialize(
        parts,
        ResponseBody::Buffered(xml.into()),
        &mut Context::new("S3", "ListObjectsV2"),
    )
    .unwrap_err();
    assert_eq!(err.code(), Some("InternalError"));
}

#[test]
fn keys_are_encoded_and_buckets_checked() {
    let mut ctx = Context::new("S3", "GetObject");
    let mut input = GetObjectInput {
        bucket: "b".into(),
        key: "a b/c+d".into(),
        ..Default::default()
    };
    let req = GetObject::serialize(&mut input, &mut ctx).unwrap();
    assert_eq!(req.uri(), "/b/a%20b/c%2Bd?x-id=GetObject");
    assert_eq!(ctx.get::<S3Bucket>().map(|b| b.0.as_str()), Some("b"));
    let mut bad = GetObjectInput {
        bucket: "".into(),
        key: "k".into(),
        ..Default::default()
    };
    let err = GetObject::serialize(&mut bad, &mut ctx).unwrap_err();
    assert!(err.to_string().contains("`Bucket` is required"), "{err}");
    let mut bad = GetObjectInput {
        bucket: "b".into(),
        key: "".into(),
        ..Default::default()
    };
    assert!(GetObject::serialize(&mut bad, &mut ctx).is_err());
}

#[test]
fn typed_errors_come_from_codes() {
    use ziggurat_core::error::ApiError;
    assert!(matches!(
        GetObjectError::from(ApiError::new("NoSuchKey", 404)),
        GetObjectError::NoSuchKey(_)
    ));
    assert!(matches!(
        GetObjectError::from(ApiError::new("Other", 500)),
        GetObjectError::Unhandled(_)
    ));
}
