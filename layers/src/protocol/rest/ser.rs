//! Requests: an input's members bound to the URI, the query string, headers and the body.
use bytes::Bytes;
use http::{HeaderName, HeaderValue};
use ziggurat_core::body::Body;
use ziggurat_core::error::SdkError;
use ziggurat_core::schema::error::{CodecError, CodecResult};
use ziggurat_core::schema::ser::{SerResult, SerializeShape, SerializeValue, ShapeSerializer};
use ziggurat_core::schema::{
    DateTime, Document, Location, Member, OperationSchema, ServiceSchema, ShapeType,
    TimestampFormat, flag,
};

use super::codec::BodyCodec;
use super::text::{Scalars, join_header_list};
use crate::endpoint::HostPrefix;
use crate::protocol::rest_xml::{encode_greedy_label, encode_label, encode_query};

/// What the body of the request is.
enum Payload {
    /// A document encoded by the body codec (a structure, union or document payload).
    Document(Vec<u8>),
    /// A string payload.
    Text(String),
    /// A blob payload.
    Bytes(Bytes),
}

/// The serializer the input's top-level members are written to.
struct Bindings {
    codec: BodyCodec,
    labels: Vec<(&'static str, String)>,
    query: Vec<(String, String)>,
    /// `QueryParams` entries: added unless a named query member set the same name.
    query_map: Vec<(String, String)>,
    headers: http::HeaderMap,
    host_labels: Vec<(&'static Member, String)>,
    payload: Option<Payload>,
    /// Whether a body member was written (restXml sends no body without one).
    body_written: bool,
}

fn header_name(member: &'static Member, name: &str) -> CodecResult<HeaderName> {
    HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
        CodecError::new(format!(
            "`{}`: `{name}` is not a valid header name",
            member.name
        ))
    })
}

fn header_value(member: &'static Member, value: &str) -> CodecResult<HeaderValue> {
    // UTF-8 beyond ASCII goes as its bytes (S3 metadata); control characters cannot.
    let mut v = HeaderValue::from_bytes(value.as_bytes()).map_err(|_| {
        CodecError::new(format!(
            "the value of `{}` cannot be sent in a header (it holds a control character)",
            member.name
        ))
    })?;
    // A secret (an SSE-C key) is never shown when the request is logged.
    if member.is_sensitive() {
        v.set_sensitive(true);
    }
    Ok(v)
}

impl Bindings {
    /// Writes a scalar or list member through `write` into wherever its location puts it.
    fn bind(
        &mut self,
        member: &'static Member,
        write: &mut dyn FnMut(&mut dyn ShapeSerializer) -> SerResult,
    ) -> SerResult {
        let default_format = match member.location {
            Location::Header | Location::PrefixHeaders => TimestampFormat::HttpDate,
            _ => TimestampFormat::DateTime,
        };
        if member.has(flag::HOST_LABEL) {
            let mut s = Scalars::new(member, default_format);
            write(&mut s)?;
            let value = s.items.first().map(|s| s.text.clone()).unwrap_or_default();
            if value.is_empty() {
                return Err(CodecError::new(format!(
                    "the host label `{}` must not be empty",
                    member.name
                )));
            }
            let valid = value.len() <= 63
                && !value.starts_with('-')
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
            if !valid {
                return Err(CodecError::new(format!(
                    "the host label `{}` is not a valid host label: {value:?}",
                    member.name
                )));
            }
            self.host_labels.push((member, value));
        }
        match member.location {
            Location::Body => {
                self.body_written = true;
                Ok(())
            }
            Location::StatusCode => Ok(()),
            Location::Label => {
                let mut s = Scalars::new(member, default_format);
                write(&mut s)?;
                let value = s
                    .items
                    .into_iter()
                    .next()
                    .map(|s| s.text)
                    .unwrap_or_default();
                if value.is_empty() {
                    return Err(CodecError::new(format!(
                        "the URI label `{}` must not be empty",
                        member.name
                    )));
                }
                self.labels.push((member.wire_name, value));
                Ok(())
            }
            Location::Query => {
                let mut s = Scalars::new(member, default_format);
                write(&mut s)?;
                for item in s.items {
                    self.query.push((member.wire_name.to_owned(), item.text));
                }
                Ok(())
            }
            Location::Header => {
                let mut s = Scalars::new(member, default_format);
                write(&mut s)?;
                // An empty list is an empty header (Smithy's `NullAndEmptyHeaders`).
                let text = if s.was_list {
                    join_header_list(&s.items)
                } else {
                    s.items
                        .into_iter()
                        .next()
                        .map(|s| s.text)
                        .unwrap_or_default()
                };
                let name = header_name(member, member.wire_name)?;
                self.headers.insert(name, header_value(member, &text)?);
                Ok(())
            }
            Location::Payload => {
                let mut s = Scalars::new(member, default_format);
                write(&mut s)?;
                let text = s
                    .items
                    .into_iter()
                    .next()
                    .map(|s| s.text)
                    .unwrap_or_default();
                self.payload = Some(Payload::Text(text));
                Ok(())
            }
            Location::PrefixHeaders | Location::QueryParams => Err(CodecError::new(format!(
                "`{}` is bound to {:?} but is not a map",
                member.name, member.location
            ))),
        }
    }
}

impl ShapeSerializer for Bindings {
    fn write_struct(&mut self, member: &'static Member, value: &dyn SerializeShape) -> SerResult {
        match member.location {
            Location::Body => {
                self.body_written = true;
                Ok(())
            }
            Location::Payload => {
                let doc = self.codec.encode_payload(member, value)?;
                self.payload = Some(Payload::Document(doc));
                Ok(())
            }
            _ => self.bind(member, &mut |s| s.write_struct(member, value)),
        }
    }

    fn write_list(
        &mut self,
        member: &'static Member,
        items: &mut dyn ExactSizeIterator<Item = &dyn SerializeValue>,
    ) -> SerResult {
        self.bind(member, &mut |s| s.write_list(member, items))
    }

    fn write_map(
        &mut self,
        member: &'static Member,
        entries: &mut dyn ExactSizeIterator<Item = (&str, &dyn SerializeValue)>,
    ) -> SerResult {
        let value_member = member.target.element();
        match (member.location, value_member) {
            (Location::PrefixHeaders, Some(value_member)) => {
                for (key, value) in entries {
                    let mut s = Scalars::new(value_member, TimestampFormat::HttpDate);
                    value.serialize_value(value_member, &mut s)?;
                    let text = if s.was_list {
                        join_header_list(&s.items)
                    } else {
                        s.items
                            .into_iter()
                            .next()
                            .map(|s| s.text)
                            .unwrap_or_default()
                    };
                    let name = format!("{}{key}", member.wire_name);
                    self.headers
                        .insert(header_name(member, &name)?, header_value(member, &text)?);
                }
                Ok(())
            }
            (Location::QueryParams, Some(value_member)) => {
                for (key, value) in entries {
                    let mut s = Scalars::new(value_member, TimestampFormat::DateTime);
                    value.serialize_value(value_member, &mut s)?;
                    for item in s.items {
                        self.query_map.push((key.to_owned(), item.text));
                    }
                }
                Ok(())
            }
            _ => self.bind(member, &mut |s| s.write_map(member, entries)),
        }
    }

    fn write_bool(&mut self, member: &'static Member, value: bool) -> SerResult {
        self.bind(member, &mut |s| s.write_bool(member, value))
    }
    fn write_byte(&mut self, member: &'static Member, value: i8) -> SerResult {
        self.bind(member, &mut |s| s.write_byte(member, value))
    }
    fn write_short(&mut self, member: &'static Member, value: i16) -> SerResult {
        self.bind(member, &mut |s| s.write_short(member, value))
    }
    fn write_integer(&mut self, member: &'static Member, value: i32) -> SerResult {
        self.bind(member, &mut |s| s.write_integer(member, value))
    }
    fn write_long(&mut self, member: &'static Member, value: i64) -> SerResult {
        self.bind(member, &mut |s| s.write_long(member, value))
    }
    fn write_float(&mut self, member: &'static Member, value: f32) -> SerResult {
        self.bind(member, &mut |s| s.write_float(member, value))
    }
    fn write_double(&mut self, member: &'static Member, value: f64) -> SerResult {
        self.bind(member, &mut |s| s.write_double(member, value))
    }
    fn write_big_number(&mut self, member: &'static Member, value: &str) -> SerResult {
        self.bind(member, &mut |s| s.write_big_number(member, value))
    }
    fn write_string(&mut self, member: &'static Member, value: &str) -> SerResult {
        self.bind(member, &mut |s| s.write_string(member, value))
    }
    fn write_blob(&mut self, member: &'static Member, value: &[u8]) -> SerResult {
        if member.location == Location::Payload {
            self.payload = Some(Payload::Bytes(Bytes::copy_from_slice(value)));
            return Ok(());
        }
        self.bind(member, &mut |s| s.write_blob(member, value))
    }
    fn write_timestamp(&mut self, member: &'static Member, value: &DateTime) -> SerResult {
        self.bind(member, &mut |s| s.write_timestamp(member, value))
    }
    fn write_document(&mut self, member: &'static Member, value: &Document) -> SerResult {
        match member.location {
            Location::Body => {
                self.body_written = true;
                Ok(())
            }
            Location::Payload => {
                self.payload = Some(Payload::Document(
                    self.codec.encode_document(member, value)?,
                ));
                Ok(())
            }
            _ => self.bind(member, &mut |s| s.write_document(member, value)),
        }
    }
    fn write_null(&mut self, member: &'static Member) -> SerResult {
        if member.location == Location::Body {
            self.body_written = true;
        }
        Ok(())
    }
    fn write_stream(&mut self, _member: &'static Member, _body: &Body) -> SerResult {
        // The stream was taken out of the input before it was serialized.
        Ok(())
    }
    fn validates(&self) -> bool {
        true
    }
}

/// An input seen through a filter that passes on only its body members: what the codec
/// encodes as the body document.
pub(crate) struct BodyMembers<'a>(pub(crate) &'a dyn SerializeShape);

impl SerializeShape for BodyMembers<'_> {
    fn schema(&self) -> &'static ziggurat_core::schema::Schema {
        self.0.schema()
    }
    fn serialize_members(&self, s: &mut dyn ShapeSerializer) -> SerResult {
        self.0.serialize_members(&mut OnlyBody(s))
    }
}

/// Passes on the writes of body members only.
struct OnlyBody<'a>(&'a mut dyn ShapeSerializer);

impl OnlyBody<'_> {
    fn skip(member: &'static Member) -> bool {
        member.location != Location::Body
    }
}

macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method(&mut self, member: &'static Member, $($arg: $ty),*) -> SerResult {
            if Self::skip(member) {
                return Ok(());
            }
            self.0.$method(member, $($arg),*)
        }
    )*};
}

impl ShapeSerializer for OnlyBody<'_> {
    forward! {
        write_struct(value: &dyn SerializeShape);
        write_list(items: &mut dyn ExactSizeIterator<Item = &dyn SerializeValue>);
        write_map(entries: &mut dyn ExactSizeIterator<Item = (&str, &dyn SerializeValue)>);
        write_bool(value: bool);
        write_byte(value: i8);
        write_short(value: i16);
        write_integer(value: i32);
        write_long(value: i64);
        write_float(value: f32);
        write_double(value: f64);
        write_big_number(value: &str);
        write_string(value: &str);
        write_blob(value: &[u8]);
        write_timestamp(value: &DateTime);
        write_document(value: &Document);
        write_stream(body: &Body);
    }
    fn write_null(&mut self, member: &'static Member) -> SerResult {
        if Self::skip(member) {
            return Ok(());
        }
        self.0.write_null(member)
    }
    fn validates(&self) -> bool {
        self.0.validates()
    }
}

fn construction(op: &'static OperationSchema, e: impl std::fmt::Display) -> SdkError {
    SdkError::construction(format!("{}: {e}", op.name))
}

/// Fills the labels of a path template; a label without a value is an error.
fn fill_path(
    op: &'static OperationSchema,
    template: &str,
    labels: &[(&'static str, String)],
) -> Result<String, SdkError> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(rest.get(..open).unwrap_or_default());
        let after = rest.get(open + 1..).unwrap_or_default();
        let Some(close) = after.find('}') else {
            return Err(construction(op, "the URI template has an unclosed `{`"));
        };
        let label = after.get(..close).unwrap_or_default();
        let (name, greedy) = match label.strip_suffix('+') {
            Some(name) => (name, true),
            None => (label, false),
        };
        let value = labels
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
            .ok_or_else(|| construction(op, format!("the URI label `{name}` is not set")))?;
        out.push_str(&if greedy {
            encode_greedy_label(value)
        } else {
            encode_label(value)
        });
        rest = after.get(close + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    Ok(out)
}

/// Whether `schema`'s members put anything in the body (body members, not a payload).
fn has_body_members(input: &'static ziggurat_core::schema::Schema) -> bool {
    input.members.iter().any(|m| m.location == Location::Body)
}

/// Serializes a restJson1 or restXml request.
pub fn serialize_request(
    service: &'static ServiceSchema,
    op: &'static OperationSchema,
    input: &mut dyn SerializeShape,
) -> Result<http::Request<Body>, SdkError> {
    let stream = input.take_stream();
    let codec = BodyCodec::of(service.protocol);
    let mut b = Bindings {
        codec,
        labels: Vec::new(),
        query: Vec::new(),
        query_map: Vec::new(),
        headers: http::HeaderMap::with_capacity(16),
        host_labels: Vec::new(),
        payload: None,
        body_written: false,
    };
    input
        .serialize_members(&mut b)
        .map_err(|e| construction(op, e))?;
    let schema = input.schema();

    // The URI: path labels, the template's literal query, then the bound parameters.
    let (path_template, literal_query) = match op.uri.split_once('?') {
        Some((p, q)) => (p, q),
        None => (op.uri, ""),
    };
    let mut uri = fill_path(op, path_template, &b.labels)?;
    let mut params: Vec<String> = Vec::new();
    if !literal_query.is_empty() {
        params.push(literal_query.to_owned());
    }
    for (k, v) in &b.query {
        params.push(format!("{}={}", encode_query(k), encode_query(v)));
    }
    for (k, v) in &b.query_map {
        if b.query.iter().any(|(named, _)| named == k) {
            continue;
        }
        params.push(format!("{}={}", encode_query(k), encode_query(v)));
    }
    if !params.is_empty() {
        uri.push('?');
        uri.push_str(&params.join("&"));
    }

    // The body.
    let payload_member = schema
        .members
        .iter()
        .find(|m| m.location == Location::Payload);
    let mut headers = b.headers;
    let set_type = |headers: &mut http::HeaderMap, t: &'static str| {
        if !headers.contains_key(http::header::CONTENT_TYPE) {
            headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(t));
        }
    };
    let body = if let Some(stream) = stream {
        set_type(&mut headers, "application/octet-stream");
        stream
    } else {
        match b.payload {
            Some(Payload::Document(doc)) => {
                set_type(&mut headers, codec.content_type());
                Body::from(doc)
            }
            Some(Payload::Text(text)) => {
                set_type(&mut headers, "text/plain");
                Body::from(text)
            }
            Some(Payload::Bytes(bytes)) => {
                set_type(&mut headers, "application/octet-stream");
                Body::from(bytes)
            }
            None => match payload_member {
                // An unset structure payload is an empty JSON object (restJson); restXml
                // sends nothing.
                Some(m)
                    if codec == BodyCodec::Json && m.target.shape_type == ShapeType::Structure =>
                {
                    set_type(&mut headers, codec.content_type());
                    Body::from("{}")
                }
                Some(_) => Body::default(),
                None if has_body_members(schema)
                    && (codec == BodyCodec::Json || b.body_written) =>
                {
                    let doc = codec
                        .encode_body(&BodyMembers(&*input))
                        .map_err(|e| construction(op, e))?;
                    set_type(&mut headers, codec.content_type());
                    Body::from(doc)
                }
                None => Body::default(),
            },
        }
    };

    let mut req = http::Request::new(body);
    *req.method_mut() = http::Method::from_bytes(op.method.as_bytes())
        .map_err(|_| construction(op, format!("`{}` is not an HTTP method", op.method)))?;
    *req.uri_mut() = uri
        .parse()
        .map_err(|e| construction(op, format!("the request URI `{uri}` is invalid: {e}")))?;
    *req.headers_mut() = headers;
    if let Some(prefix) = op.host_prefix {
        let filled = fill_host_prefix(op, prefix, &b.host_labels)?;
        req.extensions_mut().insert(HostPrefix(filled));
    }
    Ok(req)
}

/// Fills the `{Label}`s of a host prefix (`{AccountId}.`) from the host-label members.
fn fill_host_prefix(
    op: &'static OperationSchema,
    prefix: &str,
    labels: &[(&'static Member, String)],
) -> Result<String, SdkError> {
    let mut out = String::with_capacity(prefix.len() + 16);
    let mut rest = prefix;
    while let Some(open) = rest.find('{') {
        out.push_str(rest.get(..open).unwrap_or_default());
        let after = rest.get(open + 1..).unwrap_or_default();
        let close = after
            .find('}')
            .ok_or_else(|| construction(op, "the host prefix has an unclosed `{`"))?;
        let name = after.get(..close).unwrap_or_default();
        let value = labels
            .iter()
            .find(|(m, _)| m.name == name || m.wire_name == name)
            .map(|(_, v)| v)
            .ok_or_else(|| construction(op, format!("the host label `{name}` is not set")))?;
        out.push_str(value);
        rest = after.get(close + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    Ok(out)
}
