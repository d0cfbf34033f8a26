//! The body codec of a REST protocol: JSON for restJson1, XML for restXml. The HTTP binding
//! code calls only these few functions, so it does not depend on either codec's internals.
use ziggurat_core::schema::de::ShapeDeserializer;
use ziggurat_core::schema::error::CodecResult;
use ziggurat_core::schema::ser::{SerializeShape, ShapeSerializer};
use ziggurat_core::schema::{Document, Member, Protocol, Schema};

use crate::protocol::json::{JsonDeserializer, JsonOptions, JsonSerializer};
use crate::protocol::xml;

/// A callback given a deserializer positioned at a value of the body.
pub(crate) type WithDeserializer<'a> = dyn FnMut(&mut dyn ShapeDeserializer) -> CodecResult + 'a;

/// Which codec encodes the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyCodec {
    /// restJson1.
    Json,
    /// restXml.
    Xml,
}

/// The XML element name of a payload `member`: its own `locationName` when the model sets one,
/// else its target's XML name (`xmlName`, or the shape name).
fn payload_element_name(member: &'static Member) -> &'static str {
    if member.wire_name != member.name {
        member.wire_name
    } else {
        member.target.xml_element_name()
    }
}

impl BodyCodec {
    /// The codec of `protocol` (restXml is XML, everything else here JSON).
    pub(crate) fn of(protocol: Protocol) -> Self {
        match protocol {
            Protocol::RestXml => BodyCodec::Xml,
            _ => BodyCodec::Json,
        }
    }

    /// The content type of a body document.
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            BodyCodec::Json => "application/json",
            BodyCodec::Xml => "application/xml",
        }
    }

    /// The body document of an input's body members (`input` writes only those): a JSON
    /// object (`{}` when none is set), or the input's XML element.
    pub(crate) fn encode_body(self, input: &dyn SerializeShape) -> CodecResult<Vec<u8>> {
        match self {
            BodyCodec::Json => {
                let mut s = JsonSerializer::begin_object(JsonOptions::WIRE).validating(true);
                input.serialize_members(&mut s)?;
                Ok(s.finish())
            }
            BodyCodec::Xml => {
                let schema: &'static Schema = input.schema();
                xml::serialize_root(input, schema.xml_element_name(), schema.xml_namespace)
                    .map(String::into_bytes)
            }
        }
    }

    /// The body document of a structure or union payload `member`.
    pub(crate) fn encode_payload(
        self,
        member: &'static Member,
        value: &dyn SerializeShape,
    ) -> CodecResult<Vec<u8>> {
        match self {
            BodyCodec::Json => {
                let mut s = JsonSerializer::new(JsonOptions::WIRE).validating(true);
                s.write_struct(member, value)?;
                Ok(s.finish())
            }
            BodyCodec::Xml => xml::serialize_root(
                value,
                payload_element_name(member),
                member.xml_namespace.or(member.target.xml_namespace),
            )
            .map(String::into_bytes),
        }
    }

    /// A document payload (JSON only; XML has no documents).
    pub(crate) fn encode_document(
        self,
        member: &'static Member,
        value: &Document,
    ) -> CodecResult<Vec<u8>> {
        let mut s = JsonSerializer::new(JsonOptions::WIRE).validating(true);
        s.write_document(member, value)?;
        Ok(s.finish())
    }

    /// Calls `f` with a deserializer positioned at the body's root value.
    pub(crate) fn read_root(self, body: &[u8], f: &mut WithDeserializer<'_>) -> CodecResult {
        match self {
            BodyCodec::Json => {
                let mut d = JsonDeserializer::new(body, JsonOptions::WIRE);
                f(&mut d)?;
                d.finish()
            }
            BodyCodec::Xml => xml::read_root(body, f),
        }
    }

    /// Calls `f` with a deserializer positioned at the structure of an error response:
    /// the JSON object, or XML's `<Error>` (inside `<ErrorResponse>` or alone, as S3 sends it).
    pub(crate) fn read_error(self, body: &[u8], f: &mut WithDeserializer<'_>) -> CodecResult {
        match self {
            BodyCodec::Json => self.read_root(body, f),
            BodyCodec::Xml => xml::read_error(body, f),
        }
    }
}
