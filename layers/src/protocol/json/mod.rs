//! The JSON codec: a [`ShapeSerializer`](ziggurat_core::schema::ser::ShapeSerializer)
//! ([`JsonSerializer`]) and a [`ShapeDeserializer`](ziggurat_core::schema::de::ShapeDeserializer)
//! ([`JsonDeserializer`], on a hand-written scanner) for awsJson and restJson bodies, and for
//! the command line's JSON input and output.
//!
//! Smithy's JSON rules: structures are objects keyed by the member's wire name (botocore's
//! `locationName`); blobs are base64; timestamps are epoch seconds (a number) unless a member
//! says otherwise; `NaN`, `Infinity` and `-Infinity` are strings; nulls are not written for
//! unset members, and read as unset; unknown keys are skipped.
//!
//! ```
//! use ziggurat_core::schema::{prelude, Member, Schema};
//! use ziggurat_core::schema::ser::{SerializeShape, SerializeValue, ShapeSerializer, SerResult};
//! use ziggurat_layers::protocol::json::{self, JsonOptions};
//!
//! static MEMBERS: [Member; 2] = [
//!     Member::new("TableName", &prelude::STRING),
//!     Member::new("Limit", &prelude::INTEGER),
//! ];
//! static SCAN: Schema = Schema::structure("ScanInput", &MEMBERS);
//! struct Scan { table: String, limit: Option<i32> }
//! impl SerializeShape for Scan {
//!     fn schema(&self) -> &'static Schema { &SCAN }
//!     fn serialize_members(&self, s: &mut dyn ShapeSerializer) -> SerResult {
//!         self.table.serialize_member(&MEMBERS[0], s)?;
//!         self.limit.serialize_member(&MEMBERS[1], s)
//!     }
//! }
//! let body = json::to_vec(&Scan { table: "music".into(), limit: Some(2) }, JsonOptions::WIRE).unwrap();
//! assert_eq!(body, br#"{"TableName":"music","Limit":2}"#);
//! ```
mod de;
mod scan;
mod ser;
mod special;

pub use de::{JsonDeserializer, from_slice};
pub use ser::{JsonSerializer, to_vec, to_vec_pretty};

use ziggurat_core::schema::{Location, Member, TimestampFormat};

/// Which name a member has as a JSON key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Names {
    /// The wire name ([`Member::wire_name`]); only body members are read. What services
    /// send and receive.
    Wire,
    /// The model name ([`Member::name`]), for every member whatever its location; timestamps
    /// always in the default format. What the command line reads and prints, as the aws CLI
    /// does.
    Model,
}

/// How the JSON codec writes and reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JsonOptions {
    /// The format of timestamps whose member sets none.
    pub default_timestamp: TimestampFormat,
    /// Which names members have.
    pub names: Names,
}

impl JsonOptions {
    /// What awsJson and restJson services speak: wire names, epoch-seconds timestamps.
    pub const WIRE: JsonOptions = JsonOptions {
        default_timestamp: TimestampFormat::EpochSeconds,
        names: Names::Wire,
    };
    /// What the command line reads and prints: model names, ISO 8601 timestamps.
    pub const CLI: JsonOptions = JsonOptions {
        default_timestamp: TimestampFormat::DateTime,
        names: Names::Model,
    };

    /// The key of `member`.
    pub(crate) fn key(&self, member: &'static Member) -> &'static str {
        match self.names {
            Names::Wire => member.wire_name,
            Names::Model => member.name,
        }
    }

    /// Whether `member` of a structure is read from a JSON object.
    pub(crate) fn reads(&self, member: &Member) -> bool {
        match self.names {
            Names::Wire => member.location == Location::Body,
            Names::Model => true,
        }
    }

    /// The timestamp format of `member`.
    pub(crate) fn timestamp_format(&self, member: &'static Member) -> TimestampFormat {
        match self.names {
            Names::Wire => member.timestamp_format_or(self.default_timestamp),
            Names::Model => self.default_timestamp,
        }
    }
}

impl Default for JsonOptions {
    fn default() -> Self {
        JsonOptions::WIRE
    }
}

#[cfg(test)]
mod tests;
