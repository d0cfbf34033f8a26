//! Event streams: the body of an event-stream output read as a sequence of typed events.
//!
//! An event stream (Lambda `InvokeWithResponseStream`, S3 `SelectObjectContent`) answers
//! `200` and then sends messages in the AWS event stream encoding ([`frame`]): each message
//! says by its headers what it is (`:message-type` `event`, `exception` or `error`) and which
//! member of the stream's union it carries (`:event-type`). This module holds the part that is
//! the same for every stream, compiled once:
//!
//! - [`MessageDecoder`] cuts messages out of the body as frames arrive and checks both CRCs;
//! - [`EventReader`] owns the body and a union [`Schema`], and hands each event to a callback
//!   as a [`ShapeDeserializer`] positioned at the union: the member named by `:event-type` is
//!   read from the message — `eventheader` members from its headers, the `eventpayload` member
//!   from the payload (raw bytes or text for a blob or string, else decoded), other members from
//!   the payload document.
//!
//! The typed step (a generated union read through [`DeserializeValue`](ziggurat_core::schema::de::DeserializeValue))
//! is `ziggurat_runtime::EventStream<T>`, one small generic wrapper over [`EventReader`].
//!
//! **The payload codec** is chosen by the message's `:content-type`, which every AWS service
//! sends with a structure payload (`application/json` for restJson1, `text/xml` or
//! `application/xml` for restXml); without one, a payload starting with `<` is XML and any other
//! JSON. That needs no protocol passed from the response binder to the stream.
//!
//! **Errors.** A framing error (CRC, length, truncation) ends the stream with a response error.
//! An `error` message is an [`ApiError`] with its `:error-code` and `:error-message`. An
//! `exception` message is an [`ApiError`] with the `:exception-type` code and the payload's
//! `message`; when the union has a member of that name, the reader also hands it to the
//! callback, so the typed layer can attach the union value (holding the modeled error
//! structure) to the error. Events of a type the union does not know are skipped.
//!
//! ```
//! use ziggurat_layers::protocol::event_stream::{HeaderValue, Message, MessageDecoder};
//!
//! let msg = Message {
//!     headers: vec![(":event-type".into(), HeaderValue::String("Chunk".into()))],
//!     payload: bytes::Bytes::from_static(b"hi"),
//! };
//! let bytes = msg.encode();
//! let mut decoder = MessageDecoder::new();
//! decoder.push(&bytes[..5]);
//! assert_eq!(decoder.next_message().unwrap(), None);
//! decoder.push(&bytes[5..]);
//! assert_eq!(decoder.next_message().unwrap(), Some(msg));
//! ```
pub mod frame;

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http_body::Body as _;
use ziggurat_core::body::Body;
use ziggurat_core::error::{ApiError, SdkError};
use ziggurat_core::schema::de::{MemberConsumer, ShapeDeserializer};
use ziggurat_core::schema::error::{CodecError, CodecResult};
use ziggurat_core::schema::{DateTime, Document, Member, Schema, ShapeType, flag};

pub use frame::{FrameError, HeaderValue, MAX_MESSAGE_LEN, Message, MessageDecoder};

use super::ReadFn;
use super::json::{JsonDeserializer, JsonOptions};

/// What [`EventReader::poll_event`] read.
#[derive(Debug)]
#[non_exhaustive]
pub enum Delivered {
    /// An event: the callback read it.
    Event,
    /// An `exception` or `error` message. `with_value` is `true` when the callback also read
    /// the exception as the union member of its name (a modeled error).
    Error {
        /// The service error.
        error: ApiError,
        /// Whether the callback read the exception's union member.
        with_value: bool,
    },
}

/// The non-generic reader of an event stream: the body, the framing, and the union the events
/// are members of.
pub struct EventReader {
    body: Body,
    decoder: MessageDecoder,
    schema: &'static Schema,
    /// Set once the body ended or failed: nothing more is read.
    done: bool,
}

impl std::fmt::Debug for EventReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventReader")
            .field("schema", &self.schema.name)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

fn framing(e: FrameError) -> SdkError {
    SdkError::response(e)
}

impl EventReader {
    /// A reader of `body`, whose events are members of the union `schema`.
    pub fn new(body: Body, schema: &'static Schema) -> Self {
        EventReader {
            body,
            decoder: MessageDecoder::new(),
            schema,
            done: false,
        }
    }

    /// The union the events are members of.
    pub fn schema(&self) -> &'static Schema {
        self.schema
    }

    /// The next message of the stream; `None` at its end. After an error, `None`.
    pub fn poll_message(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Option<Message>, SdkError>> {
        loop {
            if self.done {
                return Poll::Ready(Ok(None));
            }
            match self.decoder.next_message() {
                Ok(Some(m)) => return Poll::Ready(Ok(Some(m))),
                Ok(None) => {}
                Err(e) => {
                    self.done = true;
                    return Poll::Ready(Err(framing(e)));
                }
            }
            match ready!(Pin::new(&mut self.body).poll_frame(cx)) {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        self.decoder.push(&data);
                    }
                }
                Some(Err(e)) => {
                    self.done = true;
                    return Poll::Ready(Err(SdkError::response(format!(
                        "the event stream failed: {e}"
                    ))));
                }
                None => {
                    self.done = true;
                    return Poll::Ready(self.decoder.finish().map(|()| None).map_err(framing));
                }
            }
        }
    }

    /// The next event of the stream, read by `read` from a deserializer positioned at the
    /// union; `None` at the end of the stream. Events the union does not know are skipped.
    pub fn poll_event(
        &mut self,
        cx: &mut Context<'_>,
        read: &mut ReadFn<'_>,
    ) -> Poll<Result<Option<Delivered>, SdkError>> {
        loop {
            let Some(msg) = ready!(self.poll_message(cx))? else {
                return Poll::Ready(Ok(None));
            };
            if let Some(delivered) = read_message(self.schema, &msg, read)? {
                return Poll::Ready(Ok(Some(delivered)));
            }
        }
    }
}

/// Reads one message of a stream of `schema` events through `read`: `None` for an event the
/// union does not know (or a message of another type), to be skipped.
pub fn read_message(
    schema: &'static Schema,
    msg: &Message,
    read: &mut ReadFn<'_>,
) -> Result<Option<Delivered>, SdkError> {
    let bad = |e: CodecError| {
        SdkError::response(format!(
            "an event of `{}` is not the expected shape: {e}",
            schema.name
        ))
    };
    match msg.header_str(":message-type").unwrap_or("event") {
        "event" => {
            let Some(ty) = msg.header_str(":event-type") else {
                return Err(SdkError::response(
                    "an event stream message has no `:event-type` header",
                ));
            };
            let Some((index, _)) = schema.member(ty) else {
                return Ok(None);
            };
            read(&mut UnionDe { msg, index }).map_err(bad)?;
            Ok(Some(Delivered::Event))
        }
        "exception" => {
            let code = msg.header_str(":exception-type").unwrap_or("Unknown");
            let mut error = ApiError::new(code, 200);
            if let Some(m) = payload_message(msg) {
                error = error.with_message(m);
            }
            let mut with_value = false;
            if let Some((index, _)) = schema.member(code) {
                // The modeled error; one that cannot be read keeps its code and message.
                with_value = read(&mut UnionDe { msg, index }).is_ok();
            }
            Ok(Some(Delivered::Error { error, with_value }))
        }
        "error" => {
            let code = msg.header_str(":error-code").unwrap_or("Unknown");
            let mut error = ApiError::new(code, 200);
            if let Some(m) = msg.header_str(":error-message") {
                error = error.with_message(m);
            }
            Ok(Some(Delivered::Error {
                error,
                with_value: false,
            }))
        }
        _ => Ok(None),
    }
}

/// The `message` (or `Message`) of an exception's JSON or XML payload.
fn payload_message(msg: &Message) -> Option<String> {
    if is_xml(msg) {
        let text = std::str::from_utf8(&msg.payload).ok()?;
        let start = text.find("<Message>")? + "<Message>".len();
        let end = start + text.get(start..)?.find("</Message>")?;
        return text.get(start..end).map(str::to_owned);
    }
    let v: serde_json::Value = serde_json::from_slice(&msg.payload).ok()?;
    let o = v.as_object()?;
    o.get("message")
        .or_else(|| o.get("Message"))
        .and_then(|m| m.as_str())
        .map(str::to_owned)
}

/// Whether a message's payload is XML: by its `:content-type`, else by its first byte.
fn is_xml(msg: &Message) -> bool {
    match msg.header_str(":content-type") {
        Some(ct) => ct.contains("xml"),
        None => msg.payload.trim_ascii_start().first() == Some(&b'<'),
    }
}

/// Calls `f` with a deserializer at the root of a message's payload document.
fn read_payload_document(msg: &Message, f: &mut ReadFn<'_>) -> CodecResult {
    if is_xml(msg) {
        super::xml::read_root(&msg.payload, f)
    } else {
        let mut d = JsonDeserializer::new(&msg.payload, JsonOptions::WIRE);
        f(&mut d)?;
        d.finish()
    }
}

fn not_a(what: &str, member: &'static Member) -> CodecError {
    CodecError::new(format!(
        "`{}` cannot be read as a {what} from an event stream message",
        member.name
    ))
}

/// The methods of a deserializer that reads only some kinds of values.
macro_rules! refuse {
    ($($method:ident -> $ty:ty, $what:literal;)*) => {$(
        fn $method(&mut self, member: &'static Member) -> CodecResult<$ty> {
            Err(not_a($what, member))
        }
    )*};
}

/// A deserializer at the union of a message: its one member is the event.
struct UnionDe<'a> {
    msg: &'a Message,
    index: usize,
}

impl ShapeDeserializer for UnionDe<'_> {
    fn read_struct(
        &mut self,
        _schema: &'static Schema,
        consumer: &mut MemberConsumer<'_>,
    ) -> CodecResult {
        consumer(self.index, &mut EventDe { msg: self.msg })
    }
    fn read_list(
        &mut self,
        member: &'static Member,
        _: &mut dyn FnMut(&mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        Err(not_a("list", member))
    }
    fn read_map(
        &mut self,
        member: &'static Member,
        _: &mut dyn FnMut(String, &mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        Err(not_a("map", member))
    }
    refuse! {
        read_bool -> bool, "boolean";
        read_long -> i64, "number";
        read_double -> f64, "number";
        read_big_number -> String, "number";
        read_string -> String, "string";
        read_blob -> Bytes, "blob";
        read_timestamp -> DateTime, "timestamp";
        read_document -> Document, "document";
    }
    fn read_null(&mut self) -> bool {
        false
    }
}

/// Whether a member of an event is read from the payload document (neither a header nor
/// the payload itself).
fn in_document(m: &Member) -> bool {
    !m.has(flag::EVENT_HEADER) && !m.has(flag::EVENT_PAYLOAD)
}

/// A deserializer at the event of a message (the structure the union member targets).
struct EventDe<'a> {
    msg: &'a Message,
}

impl ShapeDeserializer for EventDe<'_> {
    fn read_struct(
        &mut self,
        schema: &'static Schema,
        consumer: &mut MemberConsumer<'_>,
    ) -> CodecResult {
        let msg = self.msg;
        if schema.members.iter().any(in_document) && !msg.payload.is_empty() {
            let mut filtered = |i: usize, d: &mut dyn ShapeDeserializer| -> CodecResult {
                match schema.members.get(i) {
                    Some(m) if in_document(m) => consumer(i, d),
                    _ => Ok(()),
                }
            };
            read_payload_document(msg, &mut |d| d.read_struct(schema, &mut filtered))?;
        }
        for (i, m) in schema.members.iter().enumerate() {
            if m.has(flag::EVENT_HEADER) {
                if let Some(v) = msg.header(m.wire_name) {
                    consumer(i, &mut HeaderDe(v))?;
                }
            } else if m.has(flag::EVENT_PAYLOAD) {
                match m.target.shape_type {
                    ShapeType::Blob | ShapeType::String => {
                        consumer(i, &mut RawDe(msg.payload.clone()))?;
                    }
                    _ if msg.payload.is_empty() => {}
                    _ => read_payload_document(msg, &mut |d| consumer(i, d))?,
                }
            }
        }
        Ok(())
    }
    fn read_list(
        &mut self,
        member: &'static Member,
        _: &mut dyn FnMut(&mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        Err(not_a("list", member))
    }
    fn read_map(
        &mut self,
        member: &'static Member,
        _: &mut dyn FnMut(String, &mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        Err(not_a("map", member))
    }
    refuse! {
        read_bool -> bool, "boolean";
        read_long -> i64, "number";
        read_double -> f64, "number";
        read_big_number -> String, "number";
        read_string -> String, "string";
        read_blob -> Bytes, "blob";
        read_timestamp -> DateTime, "timestamp";
        read_document -> Document, "document";
    }
    fn read_null(&mut self) -> bool {
        false
    }
}

/// A header's value.
struct HeaderDe<'a>(&'a HeaderValue);

impl ShapeDeserializer for HeaderDe<'_> {
    fn read_struct(&mut self, schema: &'static Schema, _: &mut MemberConsumer<'_>) -> CodecResult {
        Err(CodecError::new(format!(
            "`{}` cannot be read from an event header",
            schema.name
        )))
    }
    fn read_list(
        &mut self,
        member: &'static Member,
        _: &mut dyn FnMut(&mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        Err(not_a("list", member))
    }
    fn read_map(
        &mut self,
        member: &'static Member,
        _: &mut dyn FnMut(String, &mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        Err(not_a("map", member))
    }
    fn read_bool(&mut self, member: &'static Member) -> CodecResult<bool> {
        match self.0 {
            HeaderValue::Bool(b) => Ok(*b),
            _ => Err(not_a("boolean", member)),
        }
    }
    fn read_long(&mut self, member: &'static Member) -> CodecResult<i64> {
        self.0.as_i64().ok_or_else(|| not_a("number", member))
    }
    fn read_double(&mut self, member: &'static Member) -> CodecResult<f64> {
        // Headers carry integers only; a float member from one is that integer.
        self.0
            .as_i64()
            .map(|v| v as f64)
            .ok_or_else(|| not_a("number", member))
    }
    fn read_big_number(&mut self, member: &'static Member) -> CodecResult<String> {
        match self.0 {
            HeaderValue::String(s) => Ok(s.clone()),
            v => v
                .as_i64()
                .map(|v| v.to_string())
                .ok_or_else(|| not_a("number", member)),
        }
    }
    fn read_string(&mut self, member: &'static Member) -> CodecResult<String> {
        match self.0 {
            HeaderValue::String(s) => Ok(s.clone()),
            HeaderValue::Uuid(u) => Ok(u.iter().map(|b| format!("{b:02x}")).collect()),
            _ => Err(not_a("string", member)),
        }
    }
    fn read_blob(&mut self, member: &'static Member) -> CodecResult<Bytes> {
        match self.0 {
            HeaderValue::Bytes(b) => Ok(b.clone()),
            HeaderValue::Uuid(u) => Ok(Bytes::copy_from_slice(u)),
            _ => Err(not_a("blob", member)),
        }
    }
    fn read_timestamp(&mut self, member: &'static Member) -> CodecResult<DateTime> {
        self.0
            .as_timestamp()
            .ok_or_else(|| not_a("timestamp", member))
    }
    fn read_document(&mut self, member: &'static Member) -> CodecResult<Document> {
        Err(not_a("document", member))
    }
    fn read_null(&mut self) -> bool {
        false
    }
}

/// A blob or string payload: the payload's bytes.
struct RawDe(Bytes);

impl ShapeDeserializer for RawDe {
    fn read_struct(&mut self, schema: &'static Schema, _: &mut MemberConsumer<'_>) -> CodecResult {
        Err(CodecError::new(format!(
            "`{}` cannot be read from a raw event payload",
            schema.name
        )))
    }
    fn read_list(
        &mut self,
        member: &'static Member,
        _: &mut dyn FnMut(&mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        Err(not_a("list", member))
    }
    fn read_map(
        &mut self,
        member: &'static Member,
        _: &mut dyn FnMut(String, &mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        Err(not_a("map", member))
    }
    refuse! {
        read_bool -> bool, "boolean";
        read_long -> i64, "number";
        read_double -> f64, "number";
        read_big_number -> String, "number";
        read_timestamp -> DateTime, "timestamp";
        read_document -> Document, "document";
    }
    fn read_string(&mut self, member: &'static Member) -> CodecResult<String> {
        String::from_utf8(self.0.to_vec()).map_err(|_| {
            CodecError::new(format!(
                "the event payload of `{}` is not UTF-8 text",
                member.name
            ))
        })
    }
    fn read_blob(&mut self, _member: &'static Member) -> CodecResult<Bytes> {
        Ok(self.0.clone())
    }
    fn read_null(&mut self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests;
