//! The requests the `sigv4_compare` benchmark signs, and how each signer signs them.
//!
//! Both sides start from the same `http::Request` and stop at what the caller applies to it
//! (headers or query parameters), each through its ordinary API:
//!
//! * ziggurat: [`SignableRequest::from_request`] borrows the request, [`sign`] with a shared
//!   [`SigningKeyCache`], as the `SigV4` hook of the stack does;
//! * aws-sigv4: its `SignableRequest` from the method, the URI string and the headers as
//!   `(&str, &str)` pairs, then `sign`, as the smithy-rs orchestrator does. Its signing key
//!   is derived on every call: the crate has no cache.
//!
//! [`mismatches`] checks that both produce the same signature for every scenario.
//!
//! ```
//! let scenario = sigv4_compare::Scenario::dynamodb_put_item();
//! let signers = sigv4_compare::Signers::new();
//! assert_eq!(signers.ours(&scenario), signers.aws(&scenario));
//! ```

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request as aws;
use aws_sigv4::sign::v4 as aws_v4;
use aws_smithy_runtime_api::client::identity::Identity;
use ziggurat_layers::sign::signer::{
    Payload, SignableRequest, SignatureLocation, SigningIdentity, SigningKeyCache, SigningParams,
    SigningSettings, sign,
};

/// The access key id both sides sign with.
pub const ACCESS_KEY_ID: &str = "AKIDEXAMPLE";
/// The secret both sides sign with.
pub const SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// 2024-05-17T10:20:30Z.
pub fn signing_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_715_941_230)
}

/// What kind of signing a scenario needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// DynamoDB: header signing, double URI encoding, the body hashed.
    DynamoDb,
    /// S3: header signing, single encoding, no normalization, `x-amz-content-sha256`.
    S3,
    /// S3 presigned URL (15 minutes), `UNSIGNED-PAYLOAD`.
    S3Presign,
}

/// One request to sign.
#[derive(Debug)]
pub struct Scenario {
    /// The benchmark id.
    pub name: &'static str,
    /// The request.
    pub request: http::Request<Vec<u8>>,
    /// The URI as a string (aws-sigv4 takes one; smithy-rs keeps it ready, so it is made
    /// outside the measurement).
    pub uri: String,
    /// How to sign it.
    pub kind: Kind,
}

/// The headers every SDK request carries besides the operation's own.
fn sdk_headers(builder: http::request::Builder, service: &str) -> http::request::Builder {
    builder
        .header("user-agent", "aws-sdk-rust/1.3.0 os/linux lang/rust/1.95.0")
        .header(
            "x-amz-user-agent",
            format!("aws-sdk-rust/1.3.0 ua/2.1 api/{service}/1.50.0 os/linux lang/rust/1.95.0 m/E"),
        )
        .header(
            "amz-sdk-invocation-id",
            "9b2c3f4e-6a1d-4c8e-b7f0-2d5e8a9c1b3f",
        )
        .header("amz-sdk-request", "attempt=1; max=3")
}

/// The S3 key that needs encoding: spaces, a `+`, parentheses, non-ASCII.
const S3_PATH: &str = "/photos/2024/summer%20trip/caf%C3%A9%20%2B%20friends%20%281%29.jpg";

impl Scenario {
    /// DynamoDB `PutItem` with a 1 KiB JSON body and the full SDK header set.
    pub fn dynamodb_put_item() -> Self {
        let mut body = String::from(
            r#"{"TableName":"orders","Item":{"pk":{"S":"customer#8812"},"sk":{"S":"order#2024-05-17#0001"},"note":{"S":""#,
        );
        let tail = r#""},"total":{"N":"129.95"}},"ReturnValues":"NONE"}"#;
        while body.len() + tail.len() < 1024 {
            body.push('x');
        }
        body.push_str(tail);
        let uri = "https://dynamodb.us-east-1.amazonaws.com/";
        let request = sdk_headers(http::Request::post(uri), "dynamodb")
            .header("host", "dynamodb.us-east-1.amazonaws.com")
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", "DynamoDB_20120810.PutItem")
            .header("content-length", body.len().to_string())
            .body(body.into_bytes())
            .unwrap_or_default();
        Self {
            name: "dynamodb_put_item_1k",
            uri: uri.to_owned(),
            request,
            kind: Kind::DynamoDb,
        }
    }

    /// S3 `GetObject` of a key that needs encoding, with the SDK header set.
    pub fn s3_get_object() -> Self {
        let uri =
            format!("https://examplebucket.s3.us-east-1.amazonaws.com{S3_PATH}?x-id=GetObject");
        let request = sdk_headers(http::Request::get(&uri), "s3")
            .header("host", "examplebucket.s3.us-east-1.amazonaws.com")
            .body(Vec::new())
            .unwrap_or_default();
        Self {
            name: "s3_get_object_encoded_key",
            uri,
            request,
            kind: Kind::S3,
        }
    }

    /// A presigned S3 `GetObject` URL for the same key.
    pub fn s3_presigned_get() -> Self {
        let uri =
            format!("https://examplebucket.s3.us-east-1.amazonaws.com{S3_PATH}?x-id=GetObject");
        let request = http::Request::get(&uri)
            .header("host", "examplebucket.s3.us-east-1.amazonaws.com")
            .body(Vec::new())
            .unwrap_or_default();
        Self {
            name: "s3_presigned_get_url",
            uri,
            request,
            kind: Kind::S3Presign,
        }
    }

    /// The three scenarios.
    pub fn all() -> [Self; 3] {
        [
            Self::dynamodb_put_item(),
            Self::s3_get_object(),
            Self::s3_presigned_get(),
        ]
    }
}

/// Both signers, with what they keep between calls.
pub struct Signers {
    keys: SigningKeyCache,
    dynamodb: SigningSettings,
    s3: SigningSettings,
    s3_presign: SigningSettings,
    identity: Identity,
}

impl Default for Signers {
    fn default() -> Self {
        Self::new()
    }
}

impl Signers {
    /// Both signers, ready.
    pub fn new() -> Self {
        Self {
            keys: SigningKeyCache::new(),
            dynamodb: SigningSettings::default(),
            s3: SigningSettings::s3(),
            s3_presign: SigningSettings {
                location: SignatureLocation::Query {
                    expires_in: Duration::from_secs(900),
                },
                ..SigningSettings::s3()
            },
            identity: Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None, None, "bench")
                .into(),
        }
    }

    /// ziggurat: returns the signature.
    pub fn ours(&self, scenario: &Scenario) -> String {
        let (settings, service, payload) = match scenario.kind {
            Kind::DynamoDb => (
                &self.dynamodb,
                "dynamodb",
                Payload::Bytes(scenario.request.body()),
            ),
            Kind::S3 => (&self.s3, "s3", Payload::Bytes(scenario.request.body())),
            Kind::S3Presign => (&self.s3_presign, "s3", Payload::Unsigned),
        };
        let params = SigningParams {
            identity: SigningIdentity::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None),
            region: "us-east-1",
            service,
            time: signing_time(),
            settings,
        };
        let signable = SignableRequest::from_request(&scenario.request, payload);
        match sign(&signable, &params, Some(&self.keys)) {
            Ok(output) => output.signature,
            Err(error) => format!("error: {error}"),
        }
    }

    /// aws-sigv4: returns the signature.
    pub fn aws(&self, scenario: &Scenario) -> String {
        let mut settings = aws::SigningSettings::default();
        let (service, body) = match scenario.kind {
            Kind::DynamoDb => (
                "dynamodb",
                aws::SignableBody::Bytes(scenario.request.body()),
            ),
            Kind::S3 => {
                settings.percent_encoding_mode = aws::PercentEncodingMode::Single;
                settings.uri_path_normalization_mode = aws::UriPathNormalizationMode::Disabled;
                settings.payload_checksum_kind = aws::PayloadChecksumKind::XAmzSha256;
                ("s3", aws::SignableBody::Bytes(scenario.request.body()))
            }
            Kind::S3Presign => {
                settings.percent_encoding_mode = aws::PercentEncodingMode::Single;
                settings.uri_path_normalization_mode = aws::UriPathNormalizationMode::Disabled;
                settings.signature_location = aws::SignatureLocation::QueryParams;
                settings.expires_in = Some(Duration::from_secs(900));
                ("s3", aws::SignableBody::UnsignedPayload)
            }
        };
        let params = match aws_v4::SigningParams::builder()
            .identity(&self.identity)
            .region("us-east-1")
            .name(service)
            .time(signing_time())
            .settings(settings)
            .build()
        {
            Ok(params) => params.into(),
            Err(error) => return format!("error: {error}"),
        };
        let headers = scenario
            .request
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str(), value.to_str().unwrap_or_default()));
        let signable = match aws::SignableRequest::new(
            scenario.request.method().as_str(),
            scenario.uri.as_str(),
            headers,
            body,
        ) {
            Ok(signable) => signable,
            Err(error) => return format!("error: {error}"),
        };
        match aws::sign(signable, &params) {
            Ok(output) => output.signature().to_owned(),
            Err(error) => format!("error: {error}"),
        }
    }
}

/// Whether both signers agree on every scenario; the mismatches otherwise.
pub fn mismatches() -> Vec<String> {
    let signers = Signers::new();
    Scenario::all()
        .iter()
        .filter_map(|scenario| {
            let (ours, aws) = (signers.ours(scenario), signers.aws(scenario));
            (ours != aws).then(|| format!("{}: ours {ours}, aws-sigv4 {aws}", scenario.name))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_signers_agree() {
        assert_eq!(super::mismatches(), Vec::<String>::new());
    }
}
