//! S3 Express One Zone session auth (hand-written): requests to a directory bucket
//! (`name--usw2-az1--x-s3`) are signed with that bucket's session credentials, which
//! `CreateSession` hands out for five minutes, instead of the caller's own.
//!
//! The endpoint rule set decides it: a directory bucket's endpoint has the `sigv4-s3express`
//! auth scheme unless `disable_s3_express_session_auth` is set (and `CreateSession` itself is
//! always plain SigV4 for `s3express`). For such a call, the [`S3ExpressAuth`] entry (Build
//! step, after the checksum entry) makes the call's identity the bucket's session: a provider
//! that resolves the caller's credentials (the client's, or the call's own), then returns the
//! session cached for that bucket and access key, or calls `CreateSession` for a new one.
//! SigV4 then sends the session token in `x-amz-s3session-token` (see
//! [`S3ExpressSession`]). Sessions are refreshed a minute before they expire; one
//! `CreateSession` at a time per bucket and access key, so concurrent calls share it; at most
//! [`MAX_SESSIONS`] are kept. Calls to other buckets pay one check of the endpoint's auth
//! scheme.
//!
//! ```
//! use ziggurat_core::config::SdkConfig;
//! use ziggurat_core::context::Region;
//!
//! let sdk = SdkConfig::builder().region(Region::from_static("us-west-2")).build();
//! let s3 = ziggurat_s3::Client::new(&sdk);
//! // Every call to a directory bucket uses its session: nothing to set up.
//! let stack = s3.stack().expect("the stack compiles").describe().to_string();
//! assert!(stack.contains(ziggurat_s3::S3_EXPRESS_AUTH));
//! ```
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, SystemTime};

use ziggurat_core::context::Region;
use ziggurat_core::credentials::{
    Credentials, CredentialsError, ProvideCredentials, ProvideCredentialsFuture,
    SharedCredentialsProvider,
};
use ziggurat_core::error::SdkError;
use ziggurat_core::hook::{HttpRequest, RequestHook};
use ziggurat_layers::endpoint::{EndpointAuth, EndpointUrl, S3Bucket};
pub use ziggurat_layers::sign::S3ExpressSession;

use crate::customize::Config;

/// The id of the [`S3ExpressAuth`] entry (Build step).
pub const S3_EXPRESS_AUTH: &str = "S3ExpressAuth";

/// The most sessions a client keeps (buckets × access keys).
pub const MAX_SESSIONS: usize = 100;

/// A session is renewed when it has less than this left.
const REFRESH_BEFORE: Duration = Duration::from_secs(60);

/// The stack entry: gives a call to a directory bucket its session credentials.
pub struct S3ExpressAuth {
    sessions: Arc<Sessions>,
}

impl S3ExpressAuth {
    /// The entry of a client with this configuration (its `CreateSession` calls go through a
    /// client of the same configuration, built at the first directory bucket).
    pub fn new(config: &Config) -> Self {
        S3ExpressAuth {
            sessions: Arc::new(Sessions {
                config: config.clone(),
                client: OnceLock::new(),
                cache: Mutex::new(HashMap::new()),
            }),
        }
    }
}

impl fmt::Debug for S3ExpressAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("S3ExpressAuth")
    }
}

impl RequestHook for S3ExpressAuth {
    fn on_request(&self, req: &mut HttpRequest<'_>) -> Result<(), SdkError> {
        let Some(ctx) = req.context_mut() else {
            return Ok(());
        };
        if !ctx
            .get::<Arc<EndpointAuth>>()
            .is_some_and(|auth| auth.s3_express)
        {
            return Ok(());
        }
        let Some(bucket) = ctx.get::<S3Bucket>().map(|b| b.0.clone()) else {
            return Ok(());
        };
        let base = ctx
            .identity_override()
            .or(self.sessions.config.sdk_config().credentials())
            .cloned();
        let Some(base) = base else {
            // No credentials at all: signing says so.
            return Ok(());
        };
        // `CreateSession` goes where the call goes: its region and endpoint override.
        let region = ctx.region().cloned();
        let endpoint_url = ctx.get::<EndpointUrl>().map(|u| u.0.to_url());
        ctx.set_identity_override(Some(SharedCredentialsProvider::new(SessionCredentials {
            base,
            bucket,
            region,
            endpoint_url,
            sessions: self.sessions.clone(),
        })));
        ctx.insert(S3ExpressSession);
        Ok(())
    }
}

/// One bucket's session for one access key; its lock is held while it is being created.
type Slot = Arc<tokio::sync::Mutex<Option<Credentials>>>;

/// The client's sessions, by bucket and access key.
struct Sessions {
    config: Config,
    client: OnceLock<crate::Client>,
    cache: Mutex<HashMap<(String, String), Slot>>,
}

impl Sessions {
    /// The slot of one bucket and access key; a full cache first drops what has expired, and
    /// everything if that is not enough.
    fn slot(&self, key: (String, String)) -> Slot {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if !cache.contains_key(&key) && cache.len() >= MAX_SESSIONS {
            let now = SystemTime::now();
            cache.retain(|_, slot| {
                slot.try_lock()
                    .map_or(true, |s| s.as_ref().is_some_and(|c| fresh(c, now)))
            });
            if cache.len() >= MAX_SESSIONS {
                cache.clear();
            }
        }
        cache.entry(key).or_default().clone()
    }

    /// A new session for `call`'s bucket, asked for with `base`.
    async fn create(
        &self,
        call: &SessionCredentials,
        base: Credentials,
    ) -> Result<Credentials, CredentialsError> {
        let bucket = call.bucket.as_str();
        let client = self
            .client
            .get_or_init(|| crate::Client::from_conf(self.config.clone()));
        let out = client
            .create_session()
            .bucket(bucket)
            .customize(|o| {
                let mut o = o.credentials(base);
                if let Some(region) = call.region.clone() {
                    o = o.region(region);
                }
                if let Some(url) = call.endpoint_url.clone() {
                    o = o.endpoint_url(url);
                }
                o
            })
            .send()
            .await
            .map_err(|e| {
                CredentialsError::provider_error(
                    format!("could not create an S3 Express session for bucket `{bucket}`"),
                    e,
                )
            })?;
        let c = out.credentials;
        Ok(
            Credentials::new(c.access_key_id, c.secret_access_key, Some(c.session_token))
                .with_expiry(Some(c.expiration.to_system_time())),
        )
    }
}

/// Whether a session is good for another minute.
fn fresh(session: &Credentials, now: SystemTime) -> bool {
    session.expiry().is_some_and(|e| {
        e.duration_since(now)
            .is_ok_and(|left| left > REFRESH_BEFORE)
    })
}

/// One call's identity: the session of its bucket, for the caller's credentials.
struct SessionCredentials {
    base: SharedCredentialsProvider,
    bucket: String,
    /// The call's region and endpoint override, for its `CreateSession`.
    region: Option<Region>,
    endpoint_url: Option<String>,
    sessions: Arc<Sessions>,
}

impl fmt::Debug for SessionCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3ExpressSessionCredentials")
            .field("bucket", &self.bucket)
            .finish_non_exhaustive()
    }
}

impl ProvideCredentials for SessionCredentials {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        ProvideCredentialsFuture::new(async move {
            let base = self.base.provide_credentials().await?;
            let slot = self
                .sessions
                .slot((self.bucket.clone(), base.access_key_id().to_owned()));
            let mut session = slot.lock().await;
            if let Some(s) = session.as_ref().filter(|s| fresh(s, SystemTime::now())) {
                return Ok(s.clone());
            }
            let created = self.sessions.create(self, base).await?;
            *session = Some(created.clone());
            Ok(created)
        })
    }
}
