//! Presigned S3 requests: [`PresignClient`].
use std::fmt;

use ziggurat_core::config::SdkConfig;
use ziggurat_core::context::{Context, Region};
use ziggurat_core::error::SdkError;
use ziggurat_core::hook::Input;
use ziggurat_core::operation::Operation;
use ziggurat_core::stack::{OperationSpec, Stack};
pub use ziggurat_layers::sign::post_policy::{PostPolicy, PresignedPost};
use ziggurat_layers::sign::presign::{PresignStack, SigV4Presign};
pub use ziggurat_layers::sign::presign::{PresignedRequest, PresigningConfig};

use crate::{
    Config, DeleteObject, DeleteObjectInput, GetObject, GetObjectInput, HeadBucket,
    HeadBucketInput, HeadObject, HeadObjectInput, PutObject, PutObjectInput, UploadPart,
    UploadPartInput, stack,
};
use ziggurat_runtime::BoxFuture;

/// Presigned S3 requests (the Go SDK's `PresignClient`): a URL that lets whoever holds it
/// get, put, head or delete one object, upload one part, or make any other S3 request
/// ([`presign`](Self::presign)), without credentials, until it expires; and browser upload
/// forms ([`post_object`](Self::post_object)).
///
/// A [`PresignClient`] runs each operation through the S3 client's own stack (serializer,
/// virtual-hosted or path-style addressing, endpoint overrides, the client's stack edits,
/// credential resolution) and stops at signing, which it does into the query string with
/// `UNSIGNED-PAYLOAD`; see [`ziggurat_layers::sign::presign`] for how the stack is edited.
/// The result is a [`PresignedRequest`]: the method, the URL, and the headers the request
/// must carry (those the input asked for, such as `Content-Type` or `x-amz-meta-*`).
///
/// Build the presign client once ([`Client::presigned`](crate::Client::presigned) or
/// [`PresignClient::new`]) and reuse it: it compiles its stack when built. Presigning
/// sends nothing, so it works offline:
///
/// ```
/// use std::time::Duration;
/// use ziggurat_core::config::SdkConfig;
/// use ziggurat_core::context::Region;
/// use ziggurat_core::credentials::Credentials;
/// use ziggurat_s3::{GetObjectInput, PresignClient, PresigningConfig};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
/// let config = SdkConfig::builder()
///     .region(Region::from_static("eu-west-1"))
///     .credentials(Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None))
///     .build();
/// let presigner = PresignClient::new(&config);
/// let input = GetObjectInput {
///     bucket: "photos".into(),
///     key: "2024/cat 1.jpg".into(),
///     ..Default::default()
/// };
/// let request = presigner
///     .get_object(input, PresigningConfig::expires_in(Duration::from_secs(3600))?)
///     .await?;
/// assert_eq!(request.method(), "GET");
/// let url = request.uri().to_string();
/// assert!(url.starts_with("https://photos.s3.eu-west-1.amazonaws.com/2024/cat%201.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&"));
/// assert!(url.contains("&X-Amz-Expires=3600&"));
///
/// // More than 7 days is refused up front.
/// assert!(PresigningConfig::expires_in(Duration::from_secs(8 * 24 * 3600)).is_err());
/// # Ok(()) }
/// ```
///
/// Cheap to clone.
#[derive(Clone)]
pub struct PresignClient {
    presigner: Result<PresignStack, String>,
    region: Option<Region>,
}

impl PresignClient {
    /// A presign client from shared configuration.
    pub fn new(config: &SdkConfig) -> Self {
        Self::from_conf(Config::new(config))
    }

    /// A presign client from S3 configuration: the same stack as
    /// [`Client::from_conf`](crate::Client::from_conf) would build, edited for presigning.
    /// Never fails; a stack that cannot be built is reported by every presigning.
    pub fn from_conf(config: Config) -> Self {
        let sdk = config.sdk_config();
        let presign = SigV4Presign::s3()
            .with_time_source(sdk.time_source().clone())
            .with_log_mode(sdk.log_mode().unwrap_or_default());
        let presigner = stack(&config).and_then(|stack| {
            PresignStack::new(&stack, presign).map_err(|e| format!("cannot presign: {e}"))
        });
        PresignClient {
            presigner,
            region: sdk.region().cloned(),
        }
    }

    /// The presigning stack (`describe()` lists it).
    pub fn stack(&self) -> Option<&Stack> {
        self.presigner.as_ref().ok().map(PresignStack::stack)
    }

    /// A presigned `GetObject`: a URL to download the object.
    pub fn get_object(
        &self,
        input: GetObjectInput,
        config: PresigningConfig,
    ) -> BoxFuture<'_, Result<PresignedRequest, SdkError>> {
        self.presign_erased(GetObject::spec(), Box::new(input), config)
    }

    /// A presigned `PutObject`: a URL to upload the object's body (its headers, such as
    /// `Content-Type`, must be sent as [`PresignedRequest::headers`] lists them). The
    /// input's body is not signed: the holder of the URL sends one, of any length (an
    /// in-memory input body comes back as [`PresignedRequest::body`]).
    pub fn put_object(
        &self,
        input: PutObjectInput,
        config: PresigningConfig,
    ) -> BoxFuture<'_, Result<PresignedRequest, SdkError>> {
        self.presign_erased(PutObject::spec(), Box::new(input), config)
    }

    /// A presigned `HeadObject`: a URL to read the object's metadata.
    pub fn head_object(
        &self,
        input: HeadObjectInput,
        config: PresigningConfig,
    ) -> BoxFuture<'_, Result<PresignedRequest, SdkError>> {
        self.presign_erased(HeadObject::spec(), Box::new(input), config)
    }

    /// A presigned `DeleteObject`: a URL to delete the object.
    pub fn delete_object(
        &self,
        input: DeleteObjectInput,
        config: PresigningConfig,
    ) -> BoxFuture<'_, Result<PresignedRequest, SdkError>> {
        self.presign_erased(DeleteObject::spec(), Box::new(input), config)
    }

    /// A presigned `UploadPart`: a URL to upload one part of a multipart upload. The
    /// input's body is not signed, as for [`put_object`](Self::put_object).
    pub fn upload_part(
        &self,
        input: UploadPartInput,
        config: PresigningConfig,
    ) -> BoxFuture<'_, Result<PresignedRequest, SdkError>> {
        self.presign_erased(UploadPart::spec(), Box::new(input), config)
    }

    /// Any S3 operation, presigned: `presign::<ListObjectsV2>(input, config)`, for the
    /// operations without a convenience method above (`HeadBucket`, `ListObjectsV2`,
    /// `GetObjectTagging`, `PutBucketTagging`, ...). An operation that sends a body in memory
    /// (an XML document) returns it as [`PresignedRequest::body`]: the holder of the URL must
    /// send exactly those bytes. The generic part is one line; the work is shared.
    ///
    /// # Errors
    ///
    /// A construction error for an operation of another service, and whatever presigning
    /// reports (missing members, no credentials, no region).
    pub fn presign<O>(
        &self,
        input: O::Input,
        config: PresigningConfig,
    ) -> BoxFuture<'_, Result<PresignedRequest, SdkError>>
    where
        O: Operation,
    {
        if O::SERVICE != GetObject::SERVICE {
            return Box::pin(std::future::ready(Err(SdkError::construction(format!(
                "an S3 presign client cannot presign {}.{}",
                O::SERVICE,
                O::NAME
            )))));
        }
        self.presign_erased(O::spec(), Box::new(input), config)
    }

    /// A presigned POST form for browser uploads to the policy's bucket: the URL and the
    /// fields an HTML `<form method="post" enctype="multipart/form-data">` sends, with the
    /// file last. S3 checks every condition of the policy (key or key prefix, size range,
    /// fixed and prefixed fields) and its expiry.
    ///
    /// ```
    /// use std::time::Duration;
    /// use ziggurat_core::config::SdkConfig;
    /// use ziggurat_core::context::Region;
    /// use ziggurat_core::credentials::Credentials;
    /// use ziggurat_s3::{PostPolicy, PresignClient, PresigningConfig};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    /// let config = SdkConfig::builder()
    ///     .region(Region::from_static("eu-west-1"))
    ///     .credentials(Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None))
    ///     .build();
    /// let policy = PostPolicy::new("photos")
    ///     .key_starts_with("uploads/")
    ///     .content_length_range(1, 5 * 1024 * 1024)
    ///     .starts_with("Content-Type", "image/");
    /// let form = PresignClient::new(&config)
    ///     .post_object(policy, PresigningConfig::expires_in(Duration::from_secs(600))?)
    ///     .await?;
    /// assert_eq!(form.url().to_string(), "https://photos.s3.eu-west-1.amazonaws.com/");
    /// assert_eq!(form.field("key"), Some("uploads/${filename}"));
    /// assert!(form.field("policy").is_some() && form.field("x-amz-signature").is_some());
    /// # Ok(()) }
    /// ```
    pub fn post_object(
        &self,
        policy: PostPolicy,
        config: PresigningConfig,
    ) -> BoxFuture<'_, Result<PresignedPost, SdkError>> {
        let spec = HeadBucket::spec();
        Box::pin(async move {
            let presigner = self.presigner(spec)?;
            let input = HeadBucketInput {
                bucket: policy.bucket().to_owned(),
                ..Default::default()
            };
            presigner
                .presign_post(spec, Box::new(input), self.context(spec), policy, config)
                .await
        })
    }

    fn presigner(&self, spec: &'static OperationSpec) -> Result<&PresignStack, SdkError> {
        self.presigner.as_ref().map_err(|e| {
            SdkError::construction(format!("the presign client could not be built: {e}"))
                .with_operation(spec.service, spec.operation)
        })
    }

    fn context(&self, spec: &'static OperationSpec) -> Context {
        let mut ctx = Context::new(spec.service, spec.operation);
        ctx.set_region(self.region.clone());
        ctx
    }

    /// The one (non-generic) path every operation takes.
    fn presign_erased(
        &self,
        spec: &'static OperationSpec,
        input: Input,
        config: PresigningConfig,
    ) -> BoxFuture<'_, Result<PresignedRequest, SdkError>> {
        Box::pin(async move {
            let presigner = self.presigner(spec)?;
            presigner
                .presign(spec, input, self.context(spec), config)
                .await
        })
    }
}

impl fmt::Debug for PresignClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresignClient")
            .field("region", &self.region)
            .field("ready", &self.presigner.is_ok())
            .finish()
    }
}
