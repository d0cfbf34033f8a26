//! [`EventStream`]: an event-stream output member as a stream of typed events.
//!
//! The framing, the CRC checks and the reading of each message into the union's member are
//! [`EventReader`]'s, compiled once for every stream; `EventStream<T>` only adds the one generic
//! step, reading the union `T` from the deserializer the reader hands over.
use std::future::poll_fn;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use ziggurat_core::body::Body;
use ziggurat_core::error::SdkError;
use ziggurat_core::schema::de::{DeserializeValue, ShapeDeserializer, deserialize_root};
use ziggurat_core::schema::error::CodecResult;
use ziggurat_core::schema::ser::{SerResult, SerializeValue, ShapeSerializer};
use ziggurat_core::schema::{Member, Schema, prelude};
use ziggurat_layers::protocol::event_stream::{Delivered, EventReader};

/// The events of an event-stream output, in the order the service sent them, each read into
/// the stream's union `T`.
///
/// Receive them with [`recv`](EventStream::recv), or use the stream as a
/// [`futures_util::Stream`] of `Result<T, SdkError>`. A message whose framing or CRCs are
/// wrong ends the stream with a response error. An `exception` message is a service error with
/// the exception's code; when `T` has a member of that name (the modeled error), the error
/// carries the union value holding it ([`ApiError::modeled::<T>()`](ziggurat_core::error::ApiError::modeled)).
/// An `error` message is a service error with its `:error-code` and `:error-message`. Events
/// of types this client does not know are skipped.
///
/// ```no_run
/// # async fn run(mut events: ziggurat_runtime::EventStream<String>) -> Result<(), ziggurat_core::error::SdkError> {
/// while let Some(event) = events.recv().await? {
///     println!("{event:?}");
/// }
/// # Ok(()) }
/// ```
pub struct EventStream<T> {
    reader: EventReader,
    _events: PhantomData<fn() -> T>,
}

impl<T> EventStream<T> {
    /// The events of `body`, members of the union `schema` (`T`'s schema).
    pub fn new(body: Body, schema: &'static Schema) -> Self {
        EventStream {
            reader: EventReader::new(body, schema),
            _events: PhantomData,
        }
    }
}

/// A stream with no events.
impl<T> Default for EventStream<T> {
    fn default() -> Self {
        EventStream::new(Body::empty(), &prelude::UNIT)
    }
}

impl<T> std::fmt::Debug for EventStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("EventStream")
            .field(&self.reader.schema().name)
            .finish()
    }
}

impl<T: DeserializeValue + Send + Sync + 'static> EventStream<T> {
    /// The next event; `None` once the stream has ended (and after an error).
    pub async fn recv(&mut self) -> Result<Option<T>, SdkError> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next event: [`recv`](Self::recv) without a future.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<T>, SdkError>> {
        let mut value = None;
        let mut read = |d: &mut dyn ShapeDeserializer| -> CodecResult {
            value = Some(deserialize_root::<T>(d)?);
            Ok(())
        };
        let delivered = ready!(self.reader.poll_event(cx, &mut read));
        Poll::Ready(match delivered {
            Ok(None) => Ok(None),
            Ok(Some(Delivered::Error { error, with_value })) => {
                let error = match value.take() {
                    Some(v) if with_value => error.with_modeled(Box::new(v)),
                    _ => error,
                };
                Err(SdkError::service(error))
            }
            Ok(Some(_)) => value
                .map(Some)
                .ok_or_else(|| SdkError::response("an event was read but yielded no value")),
            Err(e) => Err(e),
        })
    }
}

impl<T: DeserializeValue + Send + Sync + 'static> futures_util::Stream for EventStream<T> {
    type Item = Result<T, SdkError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_recv(cx).map(Result::transpose)
    }
}

/// An event-stream member reads the unread body of its response.
impl<T> DeserializeValue for EventStream<T> {
    fn deserialize_value(
        member: &'static Member,
        d: &mut dyn ShapeDeserializer,
    ) -> CodecResult<Self> {
        let body = d.read_stream(member)?;
        Ok(EventStream::new(body, member.target))
    }
}

/// The events are not values to write: requests do not send them, and `Debug` output of an
/// output leaves the stream out.
impl<T> SerializeValue for EventStream<T> {
    fn serialize_value(&self, _member: &'static Member, _s: &mut dyn ShapeSerializer) -> SerResult {
        Ok(())
    }
}
