//! [`ReplayBody`]: request bodies that can be sent more than once.
use bytes::Bytes;
use ziggurat_core::body::Body;

/// A request body that [`Retry`](super::Retry) may send again.
///
/// A retry needs a copy of the request for the next attempt, taken before the current one is
/// sent. [`Body`] decides at run time ([`Body::try_clone`]: in-memory bytes always, a stream
/// only when it can be rewound); the usual in-memory body types can always be copied. A body
/// whose [`try_replay`](ReplayBody::try_replay) returns `None` is sent once, and a retryable
/// failure is then returned with the reason
/// ([`RetryStop::BodyNotRewindable`](ziggurat_core::error::RetryStop::BodyNotRewindable))
/// instead of being retried with a missing or empty body.
///
/// A `Clone` body type of your own takes two lines:
///
/// ```
/// use ziggurat_layers::retry::ReplayBody;
///
/// #[derive(Clone)]
/// struct Json(String);
///
/// impl ReplayBody for Json {
///     fn try_replay(&self) -> Option<Self> {
///         Some(self.clone())
///     }
/// }
/// # assert!(Json("{}".into()).is_replayable());
/// ```
pub trait ReplayBody: Sized {
    /// A copy of the body from its start, or `None` when it cannot be sent again.
    fn try_replay(&self) -> Option<Self>;

    /// Whether [`try_replay`](ReplayBody::try_replay) may succeed, known without copying; the
    /// default says yes.
    fn is_replayable(&self) -> bool {
        true
    }
}

impl ReplayBody for Body {
    fn try_replay(&self) -> Option<Self> {
        self.try_clone()
    }

    fn is_replayable(&self) -> bool {
        Body::is_replayable(self)
    }
}

macro_rules! replay_by_clone {
    ($($ty:ty),* $(,)?) => {$(
        impl ReplayBody for $ty {
            fn try_replay(&self) -> Option<Self> {
                Some(self.clone())
            }
        }
    )*};
}

replay_by_clone!(Bytes, String, Vec<u8>, &'static str, &'static [u8], ());

impl<D: bytes::Buf + Clone> ReplayBody for http_body_util::Full<D> {
    fn try_replay(&self) -> Option<Self> {
        Some(self.clone())
    }
}

impl<D> ReplayBody for http_body_util::Empty<D> {
    fn try_replay(&self) -> Option<Self> {
        Some(http_body_util::Empty::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_memory_bodies_replay_and_one_shot_streams_do_not() {
        assert_eq!(String::from("a").try_replay().as_deref(), Some("a"));
        assert!(http_body_util::Full::new(Bytes::from_static(b"x")).is_replayable());
        let bytes = Body::from("hello");
        assert!(ReplayBody::is_replayable(&bytes));
        assert_eq!(
            bytes
                .try_replay()
                .and_then(|b| b.bytes().map(<[u8]>::to_vec)),
            Some(b"hello".to_vec())
        );
        let stream = Body::from_stream(http_body_util::Full::new(Bytes::from_static(b"x")));
        assert!(!ReplayBody::is_replayable(&stream));
        assert!(stream.try_replay().is_none());
    }
}
