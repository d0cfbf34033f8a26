//! The body codec of a REST protocol: JSON for restJson1, XML for restXml. The HTTP binding
//! code calls only these few functions, so it does not depend on either codec's internals.
use ziggurat_core::schema::de::ShapeDeserializer;
use ziggurat_core::schema::error::{CodecError, CodecResult};
use ziggurat_core::schema::ser::SerializeShape;
use ziggurat_core::schema::{Document, Member, Protocol, ServiceSchema};

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
    /// object, or the input's XML element.
    pub(crate) fn encode_body(
        self,
        service: &'static ServiceSchema,
        input: &dyn SerializeShape,
    ) -> CodecResult<Vec<u8>> {
        let _ = (service, input);
        Err(self.missing())
    }

    /// The body document of a structure or union payload `member`.
    pub(crate) fn encode_payload(
        self,
        service: &'static ServiceSchema,
        member: &'static Member,
        value: &dyn SerializeShape,
    ) -> CodecResult<Vec<u8>> {
        let _ = (service, member, value);
        Err(self.missing())
    }

    /// A document payload.
    pub(crate) fn encode_document(self, value: &Document) -> CodecResult<Vec<u8>> {
        let _ = value;
        Err(self.missing())
    }

    /// Calls `f` with a deserializer positioned at the body's root value.
    pub(crate) fn read_root(self, body: &[u8], f: &mut WithDeserializer<'_>) -> CodecResult {
        let _ = (body, f);
        Err(self.missing())
    }

    /// Calls `f` with a deserializer positioned at the structure of an error response:
    /// the JSON object, or XML's `<Error>` (inside `<ErrorResponse>` or alone, as S3 sends it).
    pub(crate) fn read_error(self, body: &[u8], f: &mut WithDeserializer<'_>) -> CodecResult {
        let _ = (body, f);
        Err(self.missing())
    }

    fn missing(self) -> CodecError {
        CodecError::new(format!("the {self:?} body codec is not available yet"))
    }
}
