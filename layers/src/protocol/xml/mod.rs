//! The XML codec: an [`XmlSerializer`] and an [`XmlDeserializer`] for restXml bodies and the
//! query protocols' responses, written once and driven by the shapes' schemas.
//!
//! Elements are named by their member's [`wire_name`](ziggurat_core::schema::Member::wire_name);
//! members flagged [`XML_ATTRIBUTE`](ziggurat_core::schema::flag::XML_ATTRIBUTE) are attributes of
//! the enclosing element. Lists are `<Name><member>..</member></Name>` (the element member's
//! wire name), or, flattened, the element `Name` repeated; maps are
//! `<Name><entry><key>..</key><value>..</value></entry></Name>`, or, flattened, `Name` repeated
//! without `entry`. Timestamps are ISO 8601 unless the member says otherwise, blobs base64.
//!
//! ```
//! use ziggurat_core::schema::{prelude, Member, Schema};
//! use ziggurat_core::schema::de::{ShapeDeserializer, member};
//! use ziggurat_core::schema::ser::{SerializeShape, SerializeValue, ShapeSerializer, SerResult};
//! use ziggurat_layers::protocol::xml;
//!
//! static MEMBERS: [Member; 1] = [Member::new("Name", &prelude::STRING)];
//! static PING: Schema = Schema::structure("Ping", &MEMBERS);
//! struct Ping { name: Option<String> }
//! impl SerializeShape for Ping {
//!     fn schema(&self) -> &'static Schema { &PING }
//!     fn serialize_members(&self, s: &mut dyn ShapeSerializer) -> SerResult {
//!         self.name.serialize_member(&MEMBERS[0], s)
//!     }
//! }
//! let body = xml::serialize_root(&Ping { name: Some("a<b".into()) }, "PingRequest", None).unwrap();
//! assert_eq!(body, "<PingRequest><Name>a&lt;b</Name></PingRequest>");
//!
//! let mut name = None;
//! xml::read_at(body.as_bytes(), &["PingRequest"], &mut |d| {
//!     d.read_struct(&PING, &mut |i, d| {
//!         name = Some(member::<String>(&PING, i, d)?);
//!         Ok(())
//!     })
//! })
//! .unwrap();
//! assert_eq!(name.as_deref(), Some("a<b"));
//! ```
mod de;
mod ser;
#[cfg(test)]
mod tests;

pub use de::{Element, XmlDeserializer, error_element, parse, read_at, read_error, read_root};
pub use ser::{XmlSerializer, serialize_root};

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use ziggurat_core::schema::error::{CodecError, CodecResult};

/// Standard base64 with padding, as the AWS protocols send it.
const BASE64: GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Standard base64 that accepts a missing or present padding.
const BASE64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Encodes bytes as standard base64 (shared by the query serializer).
pub fn encode_base64(bytes: &[u8]) -> String {
    BASE64.encode(bytes)
}

/// Decodes standard base64, ignoring ASCII whitespace (line breaks in long values) and
/// tolerating missing padding.
pub fn decode_base64(text: &str) -> CodecResult<Vec<u8>> {
    let decoded = if text.bytes().any(|b| b.is_ascii_whitespace()) {
        let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        BASE64_LENIENT.decode(compact)
    } else {
        BASE64_LENIENT.decode(text)
    };
    decoded.map_err(|e| CodecError::new(format!("the blob is not valid base64: {e}")))
}

/// Formats a float as the AWS protocols write it: `NaN`, `Infinity`, `-Infinity`, or its
/// shortest decimal text.
pub fn fmt_float<F: Into<f64> + std::fmt::Display + Copy>(value: F) -> String {
    let wide: f64 = value.into();
    if wide.is_nan() {
        "NaN".to_owned()
    } else if wide.is_infinite() {
        if wide > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else {
        value.to_string()
    }
}
