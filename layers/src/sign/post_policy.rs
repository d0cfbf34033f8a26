//! Presigned POST: an HTML form that lets a browser upload one object straight to S3, within
//! limits the policy sets, without credentials and without passing through your server.
//!
//! A presigned URL ([`presign`](super::presign)) authorizes one exact request. A browser form
//! upload needs something looser: the browser picks the file, so the key, size and content type
//! are not known when the form is made. S3's answer is the *POST policy*, a JSON document of
//! conditions (the bucket, a key or key prefix, a size range, fields that must be equal or start
//! with a prefix) and an expiry, base64-encoded and signed with SigV4. The form carries the policy,
//! its signature and the signing scope as hidden fields; S3 checks the upload against every
//! condition.
//!
//! [`PostPolicy`] states the conditions; [`PresignStack::presign_post`](super::presign::PresignStack::presign_post)
//! signs it with the identity, region and clock the client's stack resolves, and addresses it
//! the way the stack addresses the bucket (virtual-hosted or path style, endpoint overrides).
//! The result is a [`PresignedPost`]: the URL to post to and the form fields to send, in order,
//! before the `file` field.
//!
//! ```
//! use ziggurat_layers::sign::post_policy::PostPolicy;
//!
//! let policy = PostPolicy::new("uploads")
//!     .key_starts_with("user/42/")
//!     .content_length_range(1, 10 * 1024 * 1024)
//!     .starts_with("Content-Type", "image/")
//!     .field("success_action_status", "201");
//! assert_eq!(policy.bucket(), "uploads");
//! // `PresignClient::post_object` (in ziggurat-s3) signs it.
//! ```
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use http::Uri;
use serde_json::{Value, json};
use ziggurat_core::error::SdkError;

use super::signer::SigningIdentity;
use super::signer::post::PostSignature;

/// The form fields the signing writes; a policy cannot set them itself.
const RESERVED_FIELDS: [&str; 9] = [
    "key",
    "bucket",
    "file",
    "policy",
    "x-amz-algorithm",
    "x-amz-credential",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-signature",
];

/// How the object key is chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
enum KeyRule {
    /// This exact key.
    Exact(String),
    /// Any key with this prefix; the form's key is `prefix${filename}`, which S3 fills with
    /// the name of the file the browser sends.
    StartsWith(String),
}

/// One condition of the policy besides bucket and key.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Condition {
    /// The field must equal this value (the form carries it).
    Equals(String, String),
    /// The field must start with this prefix (the form's user fills it in).
    StartsWith(String, String),
    /// The file's size in bytes must lie in this range, both ends included.
    ContentLengthRange(u64, u64),
}

/// The conditions of a browser upload (see the [module documentation](self)).
///
/// Field names are matched as S3 matches them, case-insensitively; a condition on a field the
/// signing writes itself (`policy`, `x-amz-*` signing fields, `key`, `bucket`, `file`) is refused
/// when the policy is signed, as is a policy with no key rule or an empty size range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostPolicy {
    bucket: String,
    key: Option<KeyRule>,
    conditions: Vec<Condition>,
}

impl PostPolicy {
    /// A policy for uploads to `bucket`; set a key rule with [`key`](Self::key) or
    /// [`key_starts_with`](Self::key_starts_with).
    #[must_use]
    pub fn new(bucket: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
            key: None,
            conditions: Vec::new(),
        }
    }

    /// The bucket.
    #[must_use]
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The upload goes to exactly this key.
    #[must_use]
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(KeyRule::Exact(key.into()));
        self
    }

    /// The upload goes to a key starting with `prefix`: the form's `key` field is
    /// `prefix${filename}`, which S3 replaces with the uploaded file's name; a user who edits
    /// the field can choose another name, but not another prefix.
    #[must_use]
    pub fn key_starts_with(mut self, prefix: impl Into<String>) -> Self {
        self.key = Some(KeyRule::StartsWith(prefix.into()));
        self
    }

    /// The file must have between `min` and `max` bytes, both included.
    #[must_use]
    pub fn content_length_range(mut self, min: u64, max: u64) -> Self {
        self.conditions
            .retain(|c| !matches!(c, Condition::ContentLengthRange(..)));
        self.conditions
            .push(Condition::ContentLengthRange(min, max));
        self
    }

    /// A form field with a fixed value, which the upload must carry unchanged: `Content-Type`,
    /// `acl`, `success_action_status`, `x-amz-meta-*`, `x-amz-server-side-encryption`, ...
    #[must_use]
    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.conditions
            .push(Condition::Equals(name.into(), value.into()));
        self
    }

    /// A field the form's user fills in, which must start with `prefix` (`""` allows any
    /// value). It is not among [`PresignedPost::fields`]: the form supplies it.
    #[must_use]
    pub fn starts_with(mut self, name: impl Into<String>, prefix: impl Into<String>) -> Self {
        self.conditions
            .push(Condition::StartsWith(name.into(), prefix.into()));
        self
    }

    fn check(&self) -> Result<(), SdkError> {
        let invalid = |message: String| Err(SdkError::construction(message));
        if self.bucket.is_empty() {
            return invalid("a POST policy needs a bucket".to_owned());
        }
        if self.key.is_none() {
            return invalid(
                "a POST policy needs a key rule: PostPolicy::key or PostPolicy::key_starts_with"
                    .to_owned(),
            );
        }
        for condition in &self.conditions {
            match condition {
                Condition::Equals(name, _) | Condition::StartsWith(name, _) => {
                    if name.is_empty() {
                        return invalid("a POST policy field needs a name".to_owned());
                    }
                    if RESERVED_FIELDS.iter().any(|r| r.eq_ignore_ascii_case(name)) {
                        return invalid(format!(
                            "the POST policy field `{name}` is written by the signing or the key rule, not set by a condition"
                        ));
                    }
                }
                Condition::ContentLengthRange(min, max) if min > max => {
                    return invalid(format!(
                        "the POST policy's content length range is empty ({min} > {max})"
                    ));
                }
                Condition::ContentLengthRange(..) => {}
            }
        }
        Ok(())
    }

    /// Signs the policy: the form for `url`, valid from `time` for `expires_in`.
    pub(crate) fn sign(
        &self,
        url: &Uri,
        identity: &SigningIdentity<'_>,
        region: &str,
        service: &str,
        time: SystemTime,
        expires_in: Duration,
    ) -> Result<PresignedPost, SdkError> {
        self.check()?;
        let scope = PostSignature::scope(identity, region, service, time)
            .map_err(SdkError::construction)?;
        let expiration = expiration(time, expires_in)?;

        let mut fields: Vec<(String, String)> = Vec::new();
        let mut conditions: Vec<Value> = vec![json!({ "bucket": self.bucket })];
        match &self.key {
            Some(KeyRule::Exact(key)) => {
                conditions.push(json!({ "key": key }));
                fields.push(("key".to_owned(), key.clone()));
            }
            Some(KeyRule::StartsWith(prefix)) => {
                conditions.push(json!(["starts-with", "$key", prefix]));
                fields.push(("key".to_owned(), format!("{prefix}${{filename}}")));
            }
            None => {}
        }
        for condition in &self.conditions {
            match condition {
                Condition::Equals(name, value) => {
                    conditions.push(json!({ name.as_str(): value }));
                    fields.push((name.clone(), value.clone()));
                }
                Condition::StartsWith(name, prefix) => {
                    conditions.push(json!(["starts-with", format!("${name}"), prefix]));
                }
                Condition::ContentLengthRange(min, max) => {
                    conditions.push(json!(["content-length-range", min, max]));
                }
            }
        }
        let signing = [
            ("x-amz-algorithm", "AWS4-HMAC-SHA256"),
            ("x-amz-credential", scope.credential.as_str()),
            ("x-amz-date", scope.amz_date.as_str()),
        ];
        for (name, value) in signing.into_iter().chain(
            identity
                .token()
                .map(|token| ("x-amz-security-token", token)),
        ) {
            conditions.push(json!({ name: value }));
            fields.push((name.to_owned(), value.to_owned()));
        }
        let document = json!({ "expiration": expiration, "conditions": conditions });
        let policy = base64::engine::general_purpose::STANDARD.encode(document.to_string());
        let signature = scope.sign(identity, region, service, &policy);
        fields.push(("policy".to_owned(), policy));
        fields.push(("x-amz-signature".to_owned(), signature));

        let mut parts = url.clone().into_parts();
        parts.path_and_query = Some(
            http::uri::PathAndQuery::from_maybe_shared(bytes::Bytes::copy_from_slice(
                url.path().as_bytes(),
            ))
            .map_err(SdkError::construction)?,
        );
        let url = Uri::from_parts(parts).map_err(SdkError::construction)?;
        Ok(PresignedPost { url, fields })
    }
}

/// `time + expires_in` as the policy writes it: `2026-12-03T15:00:00.000Z`.
fn expiration(time: SystemTime, expires_in: Duration) -> Result<String, SdkError> {
    let seconds = time
        .checked_add(expires_in)
        .and_then(|end| end.duration_since(UNIX_EPOCH).ok())
        .and_then(|since| i64::try_from(since.as_secs()).ok())
        .and_then(|secs| time::OffsetDateTime::from_unix_timestamp(secs).ok())
        .ok_or_else(|| SdkError::construction("the POST policy's expiry is out of range"))?;
    Ok(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
        seconds.year(),
        u8::from(seconds.month()),
        seconds.day(),
        seconds.hour(),
        seconds.minute(),
        seconds.second()
    ))
}

/// A signed browser-upload form: the URL to `POST` to and its fields.
///
/// Send the fields in order as `multipart/form-data`, then the file as the last field, named
/// `file`; fields of [`PostPolicy::starts_with`] conditions go anywhere before it. `Debug`
/// redacts the signature, the session token and the policy (which holds the token).
#[derive(Clone, PartialEq, Eq)]
pub struct PresignedPost {
    url: Uri,
    fields: Vec<(String, String)>,
}

impl PresignedPost {
    /// The URL the form posts to (the bucket's address).
    #[must_use]
    pub fn url(&self) -> &Uri {
        &self.url
    }

    /// The form fields, in the order to send them.
    #[must_use]
    pub fn fields(&self) -> &[(String, String)] {
        &self.fields
    }

    /// The value of one field, by name (case-insensitively).
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The URL and the fields.
    #[must_use]
    pub fn into_parts(self) -> (Uri, Vec<(String, String)>) {
        (self.url, self.fields)
    }
}

impl fmt::Debug for PresignedPost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Fields<'a>(&'a [(String, String)]);
        impl fmt::Debug for Fields<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut map = f.debug_map();
                for (name, value) in self.0 {
                    // The policy is base64 text of the conditions, the session token among
                    // them.
                    let secret = ["x-amz-signature", "x-amz-security-token", "policy"]
                        .iter()
                        .any(|secret| name.eq_ignore_ascii_case(secret));
                    map.entry(name, if secret { &"** redacted **" } else { value });
                }
                map.finish()
            }
        }
        f.debug_struct("PresignedPost")
            .field("url", &self.url)
            .field("fields", &Fields(&self.fields))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIME: u64 = 1_451_347_200; // 2015-12-29T00:00:00Z

    fn sign(policy: &PostPolicy, token: Option<&str>) -> Result<PresignedPost, SdkError> {
        let identity = SigningIdentity::new(
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            token,
        );
        policy.sign(
            &"https://b.s3.us-east-1.amazonaws.com/?x-id=HeadBucket"
                .parse()
                .unwrap(),
            &identity,
            "us-east-1",
            "s3",
            UNIX_EPOCH + Duration::from_secs(TIME),
            Duration::from_secs(3600),
        )
    }

    fn document(post: &PresignedPost) -> Value {
        let policy = base64::engine::general_purpose::STANDARD
            .decode(post.field("policy").unwrap())
            .unwrap();
        serde_json::from_slice(&policy).unwrap()
    }

    #[test]
    fn the_policy_holds_every_condition_and_the_form_every_fixed_field() {
        let policy = PostPolicy::new("b")
            .key_starts_with("user/1/")
            .content_length_range(1, 1024)
            .starts_with("Content-Type", "image/")
            .field("x-amz-meta-uuid", "14365123651274");
        let post = sign(&policy, Some("SESSION")).unwrap();
        assert_eq!(
            post.url().to_string(),
            "https://b.s3.us-east-1.amazonaws.com/"
        );
        assert_eq!(
            document(&post),
            json!({
                "expiration": "2015-12-29T01:00:00.000Z",
                "conditions": [
                    {"bucket": "b"},
                    ["starts-with", "$key", "user/1/"],
                    ["content-length-range", 1, 1024],
                    ["starts-with", "$Content-Type", "image/"],
                    {"x-amz-meta-uuid": "14365123651274"},
                    {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
                    {"x-amz-credential": "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"},
                    {"x-amz-date": "20151229T000000Z"},
                    {"x-amz-security-token": "SESSION"},
                ]
            })
        );
        let names: Vec<&str> = post.fields().iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "key",
                "x-amz-meta-uuid",
                "x-amz-algorithm",
                "x-amz-credential",
                "x-amz-date",
                "x-amz-security-token",
                "policy",
                "x-amz-signature"
            ]
        );
        assert_eq!(post.field("key"), Some("user/1/${filename}"));
        assert_eq!(post.field("x-amz-signature").map(str::len), Some(64));
    }

    #[test]
    fn debug_redacts_the_signature_the_token_and_the_policy_that_holds_it() {
        let post = sign(&PostPolicy::new("b").key("k"), Some("SESSION-TOKEN")).unwrap();
        let signature = post.field("x-amz-signature").unwrap().to_owned();
        let policy = post.field("policy").unwrap().to_owned();
        let debug = format!("{post:?}");
        assert!(!debug.contains(&signature), "{debug}");
        assert!(!debug.contains(&policy), "{debug}");
        assert!(!debug.contains("SESSION-TOKEN"), "{debug}");
        assert!(debug.contains("** redacted **"), "{debug}");
        assert!(debug.contains("AKIAIOSFODNN7EXAMPLE/20151229"), "{debug}");
    }

    #[test]
    fn bad_policies_are_refused_with_the_reason() {
        let cases = [
            (PostPolicy::new("b"), "needs a key rule"),
            (PostPolicy::new("").key("k"), "needs a bucket"),
            (
                PostPolicy::new("b").key("k").content_length_range(10, 1),
                "range is empty (10 > 1)",
            ),
            (
                PostPolicy::new("b").key("k").field("Policy", "x"),
                "field `Policy` is written by the signing",
            ),
            (
                PostPolicy::new("b")
                    .key("k")
                    .starts_with("X-Amz-Signature", ""),
                "field `X-Amz-Signature`",
            ),
            (PostPolicy::new("b").key("k").field("", "x"), "needs a name"),
        ];
        for (policy, message) in cases {
            let error = sign(&policy, None).unwrap_err().to_string();
            assert!(error.contains(message), "{error} should say {message}");
        }
    }

    #[test]
    fn values_are_escaped_as_json() {
        let policy = PostPolicy::new("b").key("a \"quoted\"\nkey");
        let post = sign(&policy, None).unwrap();
        assert_eq!(document(&post)["conditions"][1]["key"], "a \"quoted\"\nkey");
        assert!(post.field("x-amz-security-token").is_none());
    }
}
