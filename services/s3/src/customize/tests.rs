use ziggurat_core::error::ApiError;
use ziggurat_core::operation::Operation;
use ziggurat_layers::endpoint::HostPrefix;

use super::*;
use crate::{
    GetBucketLocation, GetObject, GetObjectError, GetObjectInput, ListObjectsV2,
    WriteGetObjectResponse, WriteGetObjectResponseInput,
};

fn parts(status: u16) -> http::response::Parts {
    let (mut parts, _) = http::Response::new(()).into_parts();
    parts.status = http::StatusCode::from_u16(status).unwrap();
    parts
}

fn read<O: Operation>(status: u16, body: &'static str) -> Result<O::Output, SdkError> {
    O::deserialize(
        parts(status),
        ResponseBody::Buffered(Bytes::from_static(body.as_bytes())),
        &mut Context::new("S3", O::NAME),
    )
}

#[test]
fn list_objects_v2_parses_a_listing() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bucket</Name><Prefix></Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated><NextContinuationToken>tok</NextContinuationToken>
<Contents><Key>a b+c</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified><ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag><Size>434234</Size><StorageClass>STANDARD</StorageClass></Contents>
<Contents><Key>x&amp;y</Key><Size>0</Size></Contents>
<CommonPrefixes><Prefix>photos/</Prefix></CommonPrefixes></ListBucketResult>"#;
    let out = read::<ListObjectsV2>(200, xml).unwrap();
    assert_eq!(out.name.as_deref(), Some("bucket"));
    assert_eq!(out.is_truncated, Some(true));
    assert_eq!(out.next_continuation_token.as_deref(), Some("tok"));
    let contents = out.contents.unwrap();
    assert_eq!(contents.len(), 2);
    assert_eq!(contents[0].key.as_deref(), Some("a b+c"));
    assert_eq!(
        contents[0].e_tag.as_deref(),
        Some("\"fba9dede5f27731c9771645a39863328\"")
    );
    assert_eq!(contents[0].size, Some(434234));
    assert_eq!(
        contents[0].last_modified.unwrap().epoch_seconds(),
        1255369830
    );
    assert_eq!(contents[1].key.as_deref(), Some("x&y"));
    assert_eq!(
        out.common_prefixes.unwrap()[0].prefix.as_deref(),
        Some("photos/")
    );
}

#[test]
fn url_encoded_listing_is_decoded() {
    let xml = "<ListBucketResult><EncodingType>url</EncodingType><Prefix>p%2F</Prefix><Contents><Key>a%20b%2Bc</Key></Contents></ListBucketResult>";
    let out = read::<ListObjectsV2>(200, xml).unwrap();
    assert_eq!(out.contents.unwrap()[0].key.as_deref(), Some("a b+c"));
    assert_eq!(out.prefix.as_deref(), Some("p/"));
    // Not asked for: kept as sent.
    let xml = "<ListBucketResult><Contents><Key>a%20b</Key></Contents></ListBucketResult>";
    let out = read::<ListObjectsV2>(200, xml).unwrap();
    assert_eq!(out.contents.unwrap()[0].key.as_deref(), Some("a%20b"));
}

#[test]
fn a_200_with_an_error_body_is_a_service_error() {
    let xml = "<?xml version=\"1.0\"?>\n<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>";
    let err = read::<ListObjectsV2>(200, xml).unwrap_err();
    assert_eq!(err.code(), Some("InternalError"));
    let err = read::<crate::CompleteMultipartUpload>(200, xml).unwrap_err();
    assert_eq!(err.code(), Some("InternalError"));
}

#[test]
fn get_bucket_location_reads_its_bare_element() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">eu-west-1</LocationConstraint>"#;
    let out = read::<GetBucketLocation>(200, xml).unwrap();
    assert_eq!(
        out.location_constraint.as_ref().map(|l| l.as_str()),
        Some("eu-west-1")
    );
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
    assert_eq!(req.uri(), "/b/a%20b/c%2Bd");
    assert_eq!(ctx.get::<S3Bucket>().map(|b| b.0.as_str()), Some("b"));
    let mut bad = GetObjectInput {
        bucket: "".into(),
        key: "k".into(),
        ..Default::default()
    };
    let err = GetObject::serialize(&mut bad, &mut ctx).unwrap_err();
    assert!(err.to_string().contains("`Bucket`"), "{err}");
    let mut bad = GetObjectInput {
        bucket: "b".into(),
        key: "".into(),
        ..Default::default()
    };
    assert!(GetObject::serialize(&mut bad, &mut ctx).is_err());
    let mut bad = GetObjectInput {
        bucket: "a/b".into(),
        key: "k".into(),
        ..Default::default()
    };
    let err = GetObject::serialize(&mut bad, &mut ctx).unwrap_err();
    assert!(err.to_string().contains("must not contain `/`"), "{err}");
}

#[test]
fn sse_c_keys_are_sensitive_headers() {
    let mut input = GetObjectInput {
        bucket: "b".into(),
        key: "k".into(),
        sse_customer_algorithm: Some("AES256".into()),
        sse_customer_key: Some("c2VjcmV0".into()),
        ..Default::default()
    };
    let req = GetObject::serialize(&mut input, &mut Context::new("S3", "GetObject")).unwrap();
    let key = &req.headers()["x-amz-server-side-encryption-customer-key"];
    assert!(key.is_sensitive());
    assert!(!req.headers()["x-amz-server-side-encryption-customer-algorithm"].is_sensitive());
}

#[test]
fn write_get_object_response_has_its_host_prefix() {
    let mut input = WriteGetObjectResponseInput {
        request_route: "route-1".into(),
        request_token: "t".into(),
        ..Default::default()
    };
    let mut ctx = Context::new("S3", "WriteGetObjectResponse");
    let req = WriteGetObjectResponse::serialize(&mut input, &mut ctx).unwrap();
    assert_eq!(
        req.extensions().get::<HostPrefix>(),
        Some(&HostPrefix("route-1.".into()))
    );
    let mut empty = WriteGetObjectResponseInput::default();
    assert!(WriteGetObjectResponse::serialize(&mut empty, &mut ctx).is_err());
}

#[test]
fn typed_errors_come_from_codes() {
    assert!(matches!(
        GetObjectError::from(ApiError::new("NoSuchKey", 404)),
        GetObjectError::NoSuchKey(_)
    ));
    assert!(matches!(
        GetObjectError::from(ApiError::new("Other", 500)),
        GetObjectError::Unhandled(_)
    ));
}
