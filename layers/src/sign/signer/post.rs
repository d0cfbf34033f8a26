//! The SigV4 signature of a browser-upload POST policy: the HMAC of the base64 policy with the
//! signing key, no canonical request.

use std::time::SystemTime;

use hmac::Mac;

use super::date::AmzDate;
use super::error::SigningError;
use super::key::mac_over;
use super::params::SigningIdentity;

/// What a POST form carries besides the policy: the signing time and scope, and the signature.
pub(crate) struct PostSignature {
    /// `x-amz-date`, `YYYYMMDD'T'HHMMSS'Z'`.
    pub(crate) amz_date: String,
    /// `x-amz-credential`, `AKID/YYYYMMDD/region/service/aws4_request`.
    pub(crate) credential: String,
}

impl PostSignature {
    /// The date and credential scope a policy signed at `time` names.
    pub(crate) fn scope(
        identity: &SigningIdentity<'_>,
        region: &str,
        service: &str,
        time: SystemTime,
    ) -> Result<Self, SigningError> {
        let date = AmzDate::new(time)?;
        Ok(Self {
            amz_date: date.date_time().to_owned(),
            credential: format!(
                "{}/{}/{region}/{service}/aws4_request",
                identity.access_key_id,
                date.date()
            ),
        })
    }

    /// The hex signature of `policy_base64`, for the date of this scope.
    pub(crate) fn sign(
        &self,
        identity: &SigningIdentity<'_>,
        region: &str,
        service: &str,
        policy_base64: &str,
    ) -> String {
        let date = self.amz_date.get(..8).unwrap_or_default();
        let mac = mac_over(
            None,
            identity.secret_access_key,
            date,
            region,
            service,
            policy_base64.as_bytes(),
        );
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    /// The example of the S3 documentation's "Example: Browser-Based Upload using HTTP POST
    /// (Using AWS Signature Version 4)": its policy, credentials and date give its signature.
    #[test]
    fn signs_the_documented_example() {
        let policy = "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9";
        let identity = SigningIdentity::new(
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            None,
        );
        // 2015-12-29T00:00:00Z
        let time = UNIX_EPOCH + Duration::from_secs(1_451_347_200);
        let scope = PostSignature::scope(&identity, "us-east-1", "s3", time).unwrap();
        assert_eq!(scope.amz_date, "20151229T000000Z");
        assert_eq!(
            scope.credential,
            "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"
        );
        assert_eq!(
            scope.sign(&identity, "us-east-1", "s3", policy),
            "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e"
        );
    }
}
