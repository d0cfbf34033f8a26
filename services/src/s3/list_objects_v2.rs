//! `ListObjectsV2`.
use serde::{Deserialize, Serialize};
use ziggurat_core::body::Body;
use ziggurat_core::context::Context;
use ziggurat_core::error::SdkError;
use ziggurat_core::metadata::Metadata;
use ziggurat_core::operation::Operation;
use ziggurat_core::stack::{OperationSpec, ResponseBody};

use super::{bucket_path, check, push_query};
use crate::runtime::{fluent_setters, has_metadata, operation_error};
use crate::types::DateTime;

/// The `ListObjectsV2` operation.
#[derive(Debug)]
pub struct ListObjectsV2;

/// Input of [`ListObjectsV2`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ListObjectsV2Input {
    /// The bucket.
    pub bucket: String,
    /// Only keys that start with this.
    pub prefix: Option<String>,
    /// Groups keys up to this character into `CommonPrefixes`.
    pub delimiter: Option<String>,
    /// At most this many keys (the service caps it at 1000).
    pub max_keys: Option<i32>,
    /// Where the previous page ended (`NextContinuationToken`).
    pub continuation_token: Option<String>,
    /// Start after this key.
    pub start_after: Option<String>,
    /// Ask the service to URL-encode keys in the response (`url`); decoded again here.
    pub encoding_type: Option<String>,
    /// Include object owners.
    pub fetch_owner: Option<bool>,
}

/// One object in a listing.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Object {
    /// The key.
    pub key: String,
    /// When it was last written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<DateTime>,
    /// The entity tag.
    #[serde(rename = "ETag", skip_serializing_if = "Option::is_none")]
    pub e_tag: Option<String>,
    /// The size in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    /// The storage class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
}

/// A group of keys sharing a prefix up to the delimiter.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct CommonPrefix {
    /// The prefix.
    pub prefix: String,
}

/// Output of [`ListObjectsV2`].
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListObjectsV2Output {
    /// The bucket.
    #[serde(default)]
    pub name: Option<String>,
    /// The prefix asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// The delimiter asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// The page size asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_keys: Option<i32>,
    /// How many keys this page holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_count: Option<i32>,
    /// Whether more pages follow.
    #[serde(default)]
    pub is_truncated: Option<bool>,
    /// The token of this page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
    /// The token of the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_continuation_token: Option<String>,
    /// The start key asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_after: Option<String>,
    /// The encoding the service applied to keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding_type: Option<String>,
    /// The objects.
    #[serde(default)]
    pub contents: Vec<Object>,
    /// The grouped prefixes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub common_prefixes: Vec<CommonPrefix>,
    /// Request id, attempts and timings.
    #[serde(skip)]
    pub response_metadata: Metadata,
}
has_metadata!(ListObjectsV2Output);

operation_error! {
    /// Errors of [`ListObjectsV2`].
    ListObjectsV2Error {
        /// The bucket does not exist.
        NoSuchBucket,
    }
}

fluent_setters!(ListObjectsV2 {
    /// The bucket.
    req bucket: String,
    /// Only keys that start with this.
    opt prefix: String,
    /// Groups keys up to this character.
    opt delimiter: String,
    /// At most this many keys.
    opt max_keys: i32,
    /// Where the previous page ended.
    opt continuation_token: String,
    /// Start after this key.
    opt start_after: String,
    /// `url` to have keys URL-encoded on the wire.
    opt encoding_type: String,
    /// Include object owners.
    opt fetch_owner: bool,
});

fn url_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

impl Operation for ListObjectsV2 {
    type Input = ListObjectsV2Input;
    type Output = ListObjectsV2Output;
    type Error = ListObjectsV2Error;
    const SERVICE: &'static str = "S3";
    const NAME: &'static str = "ListObjectsV2";

    fn serialize(
        i: &mut ListObjectsV2Input,
        ctx: &mut Context,
    ) -> Result<http::Request<Body>, SdkError> {
        let mut path = bucket_path(&i.bucket, ctx)?;
        path.push_str("?list-type=2");
        push_query(
            &mut path,
            "continuation-token",
            i.continuation_token.as_deref(),
        );
        push_query(&mut path, "delimiter", i.delimiter.as_deref());
        push_query(&mut path, "encoding-type", i.encoding_type.as_deref());
        push_query(
            &mut path,
            "fetch-owner",
            i.fetch_owner.map(|b| if b { "true" } else { "false" }),
        );
        let max_keys = i.max_keys.map(|m| m.to_string());
        push_query(&mut path, "max-keys", max_keys.as_deref());
        push_query(&mut path, "prefix", i.prefix.as_deref());
        push_query(&mut path, "start-after", i.start_after.as_deref());
        Ok(http::Request::get(path).body(Body::empty())?)
    }

    fn deserialize(
        parts: http::response::Parts,
        body: ResponseBody,
        _: &mut Context,
    ) -> Result<ListObjectsV2Output, SdkError> {
        let ResponseBody::Buffered(bytes) = check(&parts, body)? else {
            return Err(SdkError::response("ListObjectsV2 expects a buffered body"));
        };
        let text = std::str::from_utf8(&bytes)
            .map_err(|e| SdkError::response(format!("the listing is not UTF-8: {e}")))?;
        let mut out: ListObjectsV2Output = quick_xml::de::from_str(text)
            .map_err(|e| SdkError::response(format!("the listing is not the expected XML: {e}")))?;
        if out.encoding_type.as_deref() == Some("url") {
            for o in &mut out.contents {
                o.key = url_decode(&o.key);
            }
            for p in &mut out.common_prefixes {
                p.prefix = url_decode(&p.prefix);
            }
            for v in [&mut out.prefix, &mut out.delimiter, &mut out.start_after]
                .into_iter()
                .flatten()
            {
                *v = url_decode(v);
            }
        }
        Ok(out)
    }

    fn spec() -> &'static OperationSpec {
        static SPEC: OperationSpec = OperationSpec::of::<ListObjectsV2>();
        &SPEC
    }
}
