//! Responses: an output's (or an error's) members read from the headers, the status code and
//! the body.
use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use ziggurat_core::body::Body;
use ziggurat_core::schema::de::{MemberConsumer, ShapeDeserializer};
use ziggurat_core::schema::error::{CodecError, CodecResult};
use ziggurat_core::schema::{
    DateTime, Document, Location, Member, Schema, ShapeType, TimestampFormat,
};
use ziggurat_core::stack::ResponseBody;

use super::codec::BodyCodec;
use super::text::split_header_list;

/// A deserializer positioned at a whole response: `read_struct` of the output (or error)
/// structure reads every member from where its binding puts it.
pub(crate) struct ResponseDeserializer<'a> {
    pub(crate) codec: BodyCodec,
    pub(crate) parts: &'a http::response::Parts,
    /// The buffered body (empty for a streaming output).
    pub(crate) bytes: Bytes,
    /// The unread body of a streaming output, until its payload member takes it.
    pub(crate) stream: Option<Body>,
    /// Whether the body members are those of an error (inside XML's `<Error>`).
    pub(crate) error: bool,
}

fn not_a(what: &str, member: &'static Member) -> CodecError {
    CodecError::new(format!(
        "`{}` cannot be read as a {what} from an HTTP response",
        member.name
    ))
}

/// Whether a member of an output is read from the body: body members, and members bound to
/// the URI or the query string (those bindings apply to requests only).
fn in_body(member: &Member) -> bool {
    matches!(
        member.location,
        Location::Body | Location::Label | Location::Query | Location::QueryParams
    )
}

/// Whether the body holds nothing but whitespace.
fn is_blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

impl ResponseDeserializer<'_> {
    fn read_body_members(
        &mut self,
        schema: &'static Schema,
        consumer: &mut MemberConsumer<'_>,
    ) -> CodecResult {
        if !schema.members.iter().any(in_body) || is_blank(&self.bytes) {
            return Ok(());
        }
        let mut filtered = |i: usize, d: &mut dyn ShapeDeserializer| -> CodecResult {
            match schema.members.get(i) {
                Some(m) if in_body(m) => consumer(i, d),
                // A body field named like a member bound elsewhere: left unread (both codecs
                // skip what a consumer does not read).
                _ => Ok(()),
            }
        };
        let mut read = |d: &mut dyn ShapeDeserializer| d.read_struct(schema, &mut filtered);
        if self.error {
            self.codec.read_error(&self.bytes, &mut read)
        } else {
            self.codec.read_root(&self.bytes, &mut read)
        }
    }

    fn read_payload(
        &mut self,
        index: usize,
        member: &'static Member,
        consumer: &mut MemberConsumer<'_>,
    ) -> CodecResult {
        use ziggurat_core::schema::flag::{EVENT_STREAM, STREAMING};
        // An event stream is read as it arrives, like a streaming blob.
        if member.has(STREAMING) || member.target.has(STREAMING) || member.target.has(EVENT_STREAM)
        {
            let body = self
                .stream
                .take()
                .unwrap_or_else(|| Body::from(self.bytes.clone()));
            return consumer(index, &mut StreamValue(Some(body)));
        }
        if self.bytes.is_empty() {
            return Ok(());
        }
        match member.target.shape_type {
            ShapeType::Structure | ShapeType::Union | ShapeType::Document => {
                if is_blank(&self.bytes) {
                    return Ok(());
                }
                self.codec
                    .read_root(&self.bytes, &mut |d| consumer(index, d))
            }
            _ => consumer(index, &mut RawValue(self.bytes.clone())),
        }
    }
}

impl ShapeDeserializer for ResponseDeserializer<'_> {
    fn read_struct(
        &mut self,
        schema: &'static Schema,
        consumer: &mut MemberConsumer<'_>,
    ) -> CodecResult {
        self.read_body_members(schema, consumer)?;
        let headers = &self.parts.headers;
        read_header_members(schema, headers, consumer)?;
        for (i, member) in schema.members.iter().enumerate() {
            match member.location {
                // Read from the body with the body members (HTTP bindings of requests are
                // ignored in outputs); header members just above.
                Location::Body
                | Location::Label
                | Location::Query
                | Location::QueryParams
                | Location::Header => {}
                Location::PrefixHeaders => {
                    let prefix = member.wire_name.to_ascii_lowercase();
                    let mut entries: Vec<(String, String)> = Vec::new();
                    for name in headers.keys() {
                        let Some(suffix) = name.as_str().strip_prefix(prefix.as_str()) else {
                            continue;
                        };
                        entries.push((suffix.to_owned(), value_text(headers, name)));
                    }
                    // Always a map, empty when no header has the prefix (as botocore reads it).
                    consumer(i, &mut PrefixHeadersDe(entries))?;
                }
                Location::StatusCode => {
                    consumer(i, &mut StatusDe(self.parts.status.as_u16()))?;
                }
                Location::Payload => self.read_payload(i, member, consumer)?,
            }
        }
        Ok(())
    }
    fn read_list(
        &mut self,
        member: &'static Member,
        _consumer: &mut dyn FnMut(&mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        Err(not_a("list", member))
    }
    fn read_map(
        &mut self,
        member: &'static Member,
        _consumer: &mut dyn FnMut(String, &mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        Err(not_a("map", member))
    }
    fn read_bool(&mut self, member: &'static Member) -> CodecResult<bool> {
        Err(not_a("boolean", member))
    }
    fn read_long(&mut self, member: &'static Member) -> CodecResult<i64> {
        Err(not_a("number", member))
    }
    fn read_double(&mut self, member: &'static Member) -> CodecResult<f64> {
        Err(not_a("number", member))
    }
    fn read_big_number(&mut self, member: &'static Member) -> CodecResult<String> {
        Err(not_a("number", member))
    }
    fn read_string(&mut self, member: &'static Member) -> CodecResult<String> {
        Err(not_a("string", member))
    }
    fn read_blob(&mut self, member: &'static Member) -> CodecResult<Bytes> {
        Err(not_a("blob", member))
    }
    fn read_timestamp(&mut self, member: &'static Member) -> CodecResult<DateTime> {
        Err(not_a("timestamp", member))
    }
    fn read_document(&mut self, member: &'static Member) -> CodecResult<Document> {
        Err(not_a("document", member))
    }
    fn read_null(&mut self) -> bool {
        false
    }
}

/// Hands the header-bound members of `schema` that the response has to `consumer`.
///
/// The response's headers are walked once and each is matched to the members by name (a
/// length compare rules out nearly all): an output has few headers and may bind many
/// (GetObject binds over 30), and looking each member's name up in the map would parse and
/// hash every one of them (a third of a whole GetObject call, measured).
fn read_header_members(
    schema: &'static Schema,
    headers: &http::HeaderMap,
    consumer: &mut MemberConsumer<'_>,
) -> CodecResult {
    if headers.is_empty() {
        return Ok(());
    }
    for name in headers.keys() {
        let text = name.as_str();
        for (i, member) in schema.members.iter().enumerate() {
            if member.location == Location::Header
                && member.wire_name.len() == text.len()
                && member.wire_name.eq_ignore_ascii_case(text)
            {
                consumer(i, &mut HeaderValueDe(&header_text(headers, name)))?;
            }
        }
    }
    Ok(())
}

/// The value of header `name`: all its values joined by `, ` as one header when it has
/// several; bytes that are not UTF-8 (a header is not required to be) are replaced, not an
/// error. A single UTF-8 value is borrowed.
fn header_text<'h>(headers: &'h http::HeaderMap, name: &http::HeaderName) -> Cow<'h, str> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (Some(value), None) => String::from_utf8_lossy(value.as_bytes()),
        (None, _) => Cow::Borrowed(""),
        (Some(_), Some(_)) => Cow::Owned(value_text(headers, name)),
    }
}

/// All the values of header `name`, joined by `, ` as one header; bytes that are not UTF-8
/// (a header is not required to be) are replaced, not an error.
fn value_text(headers: &http::HeaderMap, name: &http::HeaderName) -> String {
    let mut out = String::new();
    for (i, v) in headers.get_all(name).iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&String::from_utf8_lossy(v.as_bytes()));
    }
    out
}

fn parse_number<T: std::str::FromStr>(text: &str, member: &'static Member) -> CodecResult<T> {
    text.trim().parse().map_err(|_| {
        CodecError::new(format!(
            "`{text}` is not a valid {} for `{}`",
            member.target.name, member.name
        ))
    })
}

fn parse_float(text: &str, member: &'static Member) -> CodecResult<f64> {
    match text.trim() {
        "NaN" => Ok(f64::NAN),
        "Infinity" => Ok(f64::INFINITY),
        "-Infinity" => Ok(f64::NEG_INFINITY),
        t => parse_number(t, member),
    }
}

fn parse_bool(text: &str, member: &'static Member) -> CodecResult<bool> {
    match text.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        t => Err(CodecError::new(format!(
            "`{t}` is not a boolean for `{}`",
            member.name
        ))),
    }
}

fn parse_timestamp(
    text: &str,
    member: &'static Member,
    default: TimestampFormat,
) -> CodecResult<DateTime> {
    let format = member.timestamp_format_or(default);
    let strict = match format {
        TimestampFormat::DateTime => DateTime::parse_rfc3339(text),
        TimestampFormat::HttpDate => DateTime::parse_http_date(text),
        TimestampFormat::EpochSeconds => DateTime::parse_epoch_seconds(text),
    };
    strict
        .or_else(|| DateTime::parse_lenient(text))
        .ok_or_else(|| {
            CodecError::new(format!("`{text}` is not a timestamp for `{}`", member.name))
        })
}

/// A header's value (or one item of a header list).
struct HeaderValueDe<'a>(&'a str);

impl ShapeDeserializer for HeaderValueDe<'_> {
    fn read_struct(
        &mut self,
        schema: &'static Schema,
        _consumer: &mut MemberConsumer<'_>,
    ) -> CodecResult {
        Err(CodecError::new(format!(
            "`{}` cannot be read from a header",
            schema.name
        )))
    }
    fn read_list(
        &mut self,
        member: &'static Member,
        consumer: &mut dyn FnMut(&mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        let element = member
            .target
            .element()
            .ok_or_else(|| not_a("list", member))?;
        let http_dates = element.target.shape_type == ShapeType::Timestamp
            && element
                .timestamp_format
                .or(element.target.timestamp_format)
                .or(member.timestamp_format)
                .unwrap_or(TimestampFormat::HttpDate)
                == TimestampFormat::HttpDate;
        for item in split_header_list(self.0, http_dates)? {
            consumer(&mut HeaderValueDe(&item))?;
        }
        Ok(())
    }
    fn read_map(
        &mut self,
        member: &'static Member,
        _consumer: &mut dyn FnMut(String, &mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        Err(not_a("map", member))
    }
    fn read_bool(&mut self, member: &'static Member) -> CodecResult<bool> {
        parse_bool(self.0, member)
    }
    fn read_long(&mut self, member: &'static Member) -> CodecResult<i64> {
        parse_number(self.0, member)
    }
    fn read_float(&mut self, member: &'static Member) -> CodecResult<f32> {
        match self.0.trim() {
            "NaN" => Ok(f32::NAN),
            "Infinity" => Ok(f32::INFINITY),
            "-Infinity" => Ok(f32::NEG_INFINITY),
            t => parse_number(t, member),
        }
    }
    fn read_double(&mut self, member: &'static Member) -> CodecResult<f64> {
        parse_float(self.0, member)
    }
    fn read_big_number(&mut self, _member: &'static Member) -> CodecResult<String> {
        Ok(self.0.trim().to_owned())
    }
    fn read_string(&mut self, member: &'static Member) -> CodecResult<String> {
        if member.has(ziggurat_core::schema::flag::JSON_VALUE) {
            let bytes = STANDARD.decode(self.0.trim()).map_err(|_| {
                CodecError::new(format!("the header of `{}` is not base64", member.name))
            })?;
            return String::from_utf8(bytes).map_err(|_| {
                CodecError::new(format!("the header of `{}` is not UTF-8 JSON", member.name))
            });
        }
        Ok(self.0.to_owned())
    }
    fn read_blob(&mut self, member: &'static Member) -> CodecResult<Bytes> {
        STANDARD
            .decode(self.0.trim())
            .map(Bytes::from)
            .map_err(|_| CodecError::new(format!("the header of `{}` is not base64", member.name)))
    }
    fn read_timestamp(&mut self, member: &'static Member) -> CodecResult<DateTime> {
        parse_timestamp(self.0, member, TimestampFormat::HttpDate)
    }
    fn read_document(&mut self, member: &'static Member) -> CodecResult<Document> {
        Err(not_a("document", member))
    }
    fn read_null(&mut self) -> bool {
        false
    }
}

/// The headers with a prefix, as a map from the rest of their names to their values.
struct PrefixHeadersDe(Vec<(String, String)>);

impl ShapeDeserializer for PrefixHeadersDe {
    fn read_struct(
        &mut self,
        schema: &'static Schema,
        _consumer: &mut MemberConsumer<'_>,
    ) -> CodecResult {
        Err(CodecError::new(format!(
            "`{}` cannot be read from prefixed headers",
            schema.name
        )))
    }
    fn read_list(
        &mut self,
        member: &'static Member,
        _consumer: &mut dyn FnMut(&mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        Err(not_a("list", member))
    }
    fn read_map(
        &mut self,
        _member: &'static Member,
        consumer: &mut dyn FnMut(String, &mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        for (k, v) in std::mem::take(&mut self.0) {
            consumer(k, &mut HeaderValueDe(&v))?;
        }
        Ok(())
    }
    fn read_bool(&mut self, member: &'static Member) -> CodecResult<bool> {
        Err(not_a("boolean", member))
    }
    fn read_long(&mut self, member: &'static Member) -> CodecResult<i64> {
        Err(not_a("number", member))
    }
    fn read_double(&mut self, member: &'static Member) -> CodecResult<f64> {
        Err(not_a("number", member))
    }
    fn read_big_number(&mut self, member: &'static Member) -> CodecResult<String> {
        Err(not_a("number", member))
    }
    fn read_string(&mut self, member: &'static Member) -> CodecResult<String> {
        Err(not_a("string", member))
    }
    fn read_blob(&mut self, member: &'static Member) -> CodecResult<Bytes> {
        Err(not_a("blob", member))
    }
    fn read_timestamp(&mut self, member: &'static Member) -> CodecResult<DateTime> {
        Err(not_a("timestamp", member))
    }
    fn read_document(&mut self, member: &'static Member) -> CodecResult<Document> {
        Err(not_a("document", member))
    }
    fn read_null(&mut self) -> bool {
        false
    }
}

/// The HTTP status code.
struct StatusDe(u16);

impl ShapeDeserializer for StatusDe {
    fn read_struct(
        &mut self,
        schema: &'static Schema,
        _consumer: &mut MemberConsumer<'_>,
    ) -> CodecResult {
        Err(CodecError::new(format!(
            "`{}` cannot be read from the status code",
            schema.name
        )))
    }
    fn read_list(
        &mut self,
        member: &'static Member,
        _consumer: &mut dyn FnMut(&mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        Err(not_a("list", member))
    }
    fn read_map(
        &mut self,
        member: &'static Member,
        _consumer: &mut dyn FnMut(String, &mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        Err(not_a("map", member))
    }
    fn read_bool(&mut self, member: &'static Member) -> CodecResult<bool> {
        Err(not_a("boolean", member))
    }
    fn read_long(&mut self, _member: &'static Member) -> CodecResult<i64> {
        Ok(i64::from(self.0))
    }
    fn read_double(&mut self, _member: &'static Member) -> CodecResult<f64> {
        Ok(f64::from(self.0))
    }
    fn read_big_number(&mut self, _member: &'static Member) -> CodecResult<String> {
        Ok(self.0.to_string())
    }
    fn read_string(&mut self, member: &'static Member) -> CodecResult<String> {
        Err(not_a("string", member))
    }
    fn read_blob(&mut self, member: &'static Member) -> CodecResult<Bytes> {
        Err(not_a("blob", member))
    }
    fn read_timestamp(&mut self, member: &'static Member) -> CodecResult<DateTime> {
        Err(not_a("timestamp", member))
    }
    fn read_document(&mut self, member: &'static Member) -> CodecResult<Document> {
        Err(not_a("document", member))
    }
    fn read_null(&mut self) -> bool {
        false
    }
}

/// A string or blob payload: the body's bytes.
struct RawValue(Bytes);

impl ShapeDeserializer for RawValue {
    fn read_struct(
        &mut self,
        schema: &'static Schema,
        _consumer: &mut MemberConsumer<'_>,
    ) -> CodecResult {
        Err(CodecError::new(format!(
            "`{}` cannot be read from a raw payload",
            schema.name
        )))
    }
    fn read_list(
        &mut self,
        member: &'static Member,
        _consumer: &mut dyn FnMut(&mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        Err(not_a("list", member))
    }
    fn read_map(
        &mut self,
        member: &'static Member,
        _consumer: &mut dyn FnMut(String, &mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        Err(not_a("map", member))
    }
    fn read_bool(&mut self, member: &'static Member) -> CodecResult<bool> {
        parse_bool(&self.read_string(member)?, member)
    }
    fn read_long(&mut self, member: &'static Member) -> CodecResult<i64> {
        parse_number(&self.read_string(member)?, member)
    }
    fn read_double(&mut self, member: &'static Member) -> CodecResult<f64> {
        parse_float(&self.read_string(member)?, member)
    }
    fn read_big_number(&mut self, member: &'static Member) -> CodecResult<String> {
        self.read_string(member)
    }
    fn read_string(&mut self, member: &'static Member) -> CodecResult<String> {
        String::from_utf8(self.0.to_vec()).map_err(|_| {
            CodecError::new(format!(
                "the payload of `{}` is not UTF-8 text",
                member.name
            ))
        })
    }
    fn read_blob(&mut self, _member: &'static Member) -> CodecResult<Bytes> {
        Ok(self.0.clone())
    }
    fn read_timestamp(&mut self, member: &'static Member) -> CodecResult<DateTime> {
        parse_timestamp(
            &self.read_string(member)?,
            member,
            TimestampFormat::DateTime,
        )
    }
    fn read_document(&mut self, member: &'static Member) -> CodecResult<Document> {
        Err(not_a("document", member))
    }
    fn read_stream(&mut self, _member: &'static Member) -> CodecResult<Body> {
        Ok(Body::from(self.0.clone()))
    }
    fn read_null(&mut self) -> bool {
        false
    }
}

/// A streaming payload: the unread body.
struct StreamValue(Option<Body>);

impl ShapeDeserializer for StreamValue {
    fn read_struct(
        &mut self,
        schema: &'static Schema,
        _consumer: &mut MemberConsumer<'_>,
    ) -> CodecResult {
        Err(CodecError::new(format!(
            "`{}` cannot be read from a streaming payload",
            schema.name
        )))
    }
    fn read_list(
        &mut self,
        member: &'static Member,
        _consumer: &mut dyn FnMut(&mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        Err(not_a("list", member))
    }
    fn read_map(
        &mut self,
        member: &'static Member,
        _consumer: &mut dyn FnMut(String, &mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        Err(not_a("map", member))
    }
    fn read_bool(&mut self, member: &'static Member) -> CodecResult<bool> {
        Err(not_a("boolean", member))
    }
    fn read_long(&mut self, member: &'static Member) -> CodecResult<i64> {
        Err(not_a("number", member))
    }
    fn read_double(&mut self, member: &'static Member) -> CodecResult<f64> {
        Err(not_a("number", member))
    }
    fn read_big_number(&mut self, member: &'static Member) -> CodecResult<String> {
        Err(not_a("number", member))
    }
    fn read_string(&mut self, member: &'static Member) -> CodecResult<String> {
        Err(not_a("string", member))
    }
    fn read_blob(&mut self, member: &'static Member) -> CodecResult<Bytes> {
        // A streaming member read into memory (a buffered response).
        match self.0.take().map(Body::try_into_bytes) {
            Some(Ok(bytes)) => Ok(bytes),
            _ => Err(not_a("blob in memory", member)),
        }
    }
    fn read_timestamp(&mut self, member: &'static Member) -> CodecResult<DateTime> {
        Err(not_a("timestamp", member))
    }
    fn read_document(&mut self, member: &'static Member) -> CodecResult<Document> {
        Err(not_a("document", member))
    }
    fn read_stream(&mut self, member: &'static Member) -> CodecResult<Body> {
        self.0
            .take()
            .ok_or_else(|| CodecError::new(format!("`{}` was already read", member.name)))
    }
    fn read_null(&mut self) -> bool {
        false
    }
}

/// The response deserializer of a successful response.
pub(crate) fn response_deserializer<'a>(
    codec: BodyCodec,
    parts: &'a http::response::Parts,
    body: ResponseBody,
    error: bool,
) -> ResponseDeserializer<'a> {
    let (bytes, stream) = match body {
        ResponseBody::Buffered(b) => (b, None),
        ResponseBody::Streaming(s) => (Bytes::new(), Some(s)),
    };
    ResponseDeserializer {
        codec,
        parts,
        bytes,
        stream,
        error,
    }
}
