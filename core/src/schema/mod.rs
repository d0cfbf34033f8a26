//! Shape schemas: what the codecs need to know about every shape of a service model, as
//! compact `static` data, and the object-safe traits through which a value writes itself to a
//! codec ([`ShapeSerializer`](ser::ShapeSerializer)) and reads itself from one ([`ShapeDeserializer`](de::ShapeDeserializer)).
//!
//! Per shape, generated code holds one [`Schema`] (its type, flags and members) and two short
//! functions: `serialize_members` (one line per member) and `deserialize_value` (one match arm per
//! member). Everything a protocol does (JSON, XML, query strings, CBOR, REST bindings) lives in
//! one codec per protocol, written and compiled once, that walks values through these traits.
//! So code grows as *shapes + codecs*, not *shapes × codecs*, and adding an operation never
//! recompiles a codec.
//!
//! A member is addressed by its [`Member`]: its name in the model, its target schema, where it
//! goes on the wire ([`Location`]) and under which name, and its flags. Lists have one member
//! (the element), maps two (key, value).
//!
//! ```
//! use ziggurat_core::schema::{prelude, flag, Member, Schema, ShapeType};
//! use ziggurat_core::schema::ser::{SerializeShape, SerializeValue, ShapeSerializer, SerResult};
//!
//! static PING_MEMBERS: [Member; 2] = [
//!     Member::new("Name", &prelude::STRING).required(),
//!     Member::new("Count", &prelude::INTEGER),
//! ];
//! static PING: Schema = Schema::structure("Ping", &PING_MEMBERS);
//!
//! struct Ping { name: String, count: Option<i32> }
//! impl SerializeShape for Ping {
//!     fn schema(&self) -> &'static Schema { &PING }
//!     fn serialize_members(&self, s: &mut dyn ShapeSerializer) -> SerResult {
//!         self.name.serialize_value(&PING_MEMBERS[0], s)?;
//!         self.count.serialize_member(&PING_MEMBERS[1], s)
//!     }
//! }
//! let ping = Ping { name: "a".into(), count: None };
//! assert_eq!(ziggurat_core::schema::debug::to_debug_string(&ping), r#"Ping { Name: "a" }"#);
//! assert!(PING.members[0].is_required());
//! assert_eq!(PING.shape_type, ShapeType::Structure);
//! # let _ = flag::SENSITIVE;
//! ```
pub mod datetime;
pub mod de;
pub mod debug;
pub mod document;
pub mod error;
pub mod operation;
pub mod prelude;
pub mod ser;

pub use datetime::DateTime;
pub use document::Document;
pub use error::CodecError;
pub use operation::{
    EndpointParam, EndpointParamValue, ErrorSchema, OperationSchema, Protocol, ServiceSchema,
};

/// The type of a shape, as the Smithy data model names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ShapeType {
    /// `true` or `false`.
    Boolean,
    /// An 8-bit signed integer.
    Byte,
    /// A 16-bit signed integer.
    Short,
    /// A 32-bit signed integer.
    Integer,
    /// A 64-bit signed integer.
    Long,
    /// A 32-bit float.
    Float,
    /// A 64-bit float.
    Double,
    /// An arbitrarily large integer, carried as its decimal text.
    BigInteger,
    /// An arbitrary-precision decimal, carried as its text.
    BigDecimal,
    /// UTF-8 text.
    String,
    /// A string with a closed set of values (which a client must still accept unknown ones of).
    Enum,
    /// An integer with a closed set of values.
    IntEnum,
    /// Bytes.
    Blob,
    /// A point in time.
    Timestamp,
    /// An untyped JSON-like value.
    Document,
    /// A list; its one member is the element.
    List,
    /// A map with string keys; its two members are the key and the value.
    Map,
    /// A structure; its members are the fields.
    Structure,
    /// A tagged union: exactly one of its members is set.
    Union,
}

/// The wire formats of a timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimestampFormat {
    /// RFC 3339 (`1985-04-12T23:20:50.52Z`).
    DateTime,
    /// An HTTP date (`Tue, 29 Apr 2014 18:30:38 GMT`).
    HttpDate,
    /// Seconds since the Unix epoch, possibly fractional.
    EpochSeconds,
}

/// Where a member of an operation's input or output goes in the HTTP message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Location {
    /// In the body, encoded by the protocol's codec (the default).
    Body,
    /// One header, named by [`Member::wire_name`].
    Header,
    /// Every header whose name starts with [`Member::wire_name`] (a map member).
    PrefixHeaders,
    /// One query-string parameter, named by [`Member::wire_name`].
    Query,
    /// Every query-string parameter not bound otherwise (a map member).
    QueryParams,
    /// A label of the request URI (`{Bucket}`, or greedy `{Key+}`).
    Label,
    /// The HTTP status code (an integer member of an output).
    StatusCode,
    /// The whole body: a structure encoded alone, or a string or blob sent as it is.
    Payload,
}

/// Flags of shapes and members.
pub mod flag {
    /// The value must not appear in logs or `Debug` output.
    pub const SENSITIVE: u32 = 1;
    /// A member the caller must set.
    pub const REQUIRED: u32 = 1 << 1;
    /// A member filled with a fresh UUIDv4 when the caller leaves it unset.
    pub const IDEMPOTENCY_TOKEN: u32 = 1 << 2;
    /// XML: the member is an attribute of its parent element.
    pub const XML_ATTRIBUTE: u32 = 1 << 3;
    /// XML and query: a list or map written without a wrapping element.
    pub const FLATTENED: u32 = 1 << 4;
    /// A member that also fills a label of the endpoint's host prefix.
    pub const HOST_LABEL: u32 = 1 << 5;
    /// A header member whose value is JSON text, base64-encoded.
    pub const JSON_VALUE: u32 = 1 << 6;
    /// A blob payload that streams (a `Body`, not bytes in memory).
    pub const STREAMING: u32 = 1 << 7;
    /// A greedy URI label (`{Key+}`): `/` stays unencoded.
    pub const GREEDY: u32 = 1 << 8;
    /// A structure that is an error.
    pub const ERROR: u32 = 1 << 9;
    /// A list or map whose values may be null.
    pub const SPARSE: u32 = 1 << 10;
    /// An event stream (a union of events).
    pub const EVENT_STREAM: u32 = 1 << 11;
    /// A member of an event that is carried as an event header.
    pub const EVENT_HEADER: u32 = 1 << 12;
    /// A member of an event that is the event's payload.
    pub const EVENT_PAYLOAD: u32 = 1 << 13;
}

/// An XML namespace declaration: `xmlns[:prefix]="uri"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct XmlNamespace {
    /// The prefix, or `None` for the default namespace.
    pub prefix: Option<&'static str>,
    /// The namespace URI.
    pub uri: &'static str,
}

/// A shape's schema. Generated code holds one `static` per shape that needs its own; plain
/// strings, numbers and the like share the [`prelude`] schemas.
#[derive(Debug)]
pub struct Schema {
    /// The shape's name in the model (`GetItemInput`).
    pub name: &'static str,
    /// The shape's type.
    pub shape_type: ShapeType,
    /// [`flag`]s.
    pub flags: u32,
    /// Structure and union fields; a list's element; a map's key and value.
    pub members: &'static [Member],
    /// The timestamp format of a timestamp shape, when the model sets one.
    pub timestamp_format: Option<TimestampFormat>,
    /// The XML element name of a structure, when it differs from the shape name.
    pub xml_name: Option<&'static str>,
    /// The XML namespace a structure declares on its element.
    pub xml_namespace: Option<XmlNamespace>,
}

impl Schema {
    /// A schema of `shape_type` with no members and no flags.
    pub const fn new(name: &'static str, shape_type: ShapeType) -> Schema {
        Schema {
            name,
            shape_type,
            flags: 0,
            members: &[],
            timestamp_format: None,
            xml_name: None,
            xml_namespace: None,
        }
    }
    /// A structure.
    pub const fn structure(name: &'static str, members: &'static [Member]) -> Schema {
        Schema {
            members,
            ..Schema::new(name, ShapeType::Structure)
        }
    }
    /// A union.
    pub const fn union(name: &'static str, members: &'static [Member]) -> Schema {
        Schema {
            members,
            ..Schema::new(name, ShapeType::Union)
        }
    }
    /// A list; `element` is its one member.
    pub const fn list(name: &'static str, element: &'static [Member; 1]) -> Schema {
        Schema {
            members: element,
            ..Schema::new(name, ShapeType::List)
        }
    }
    /// A map; `entry` is its key and value members.
    pub const fn map(name: &'static str, entry: &'static [Member; 2]) -> Schema {
        Schema {
            members: entry,
            ..Schema::new(name, ShapeType::Map)
        }
    }
    /// The same schema with `flags` added.
    pub const fn with_flags(mut self, flags: u32) -> Schema {
        self.flags |= flags;
        self
    }
    /// The same schema with a timestamp format.
    pub const fn with_timestamp_format(mut self, format: TimestampFormat) -> Schema {
        self.timestamp_format = Some(format);
        self
    }
    /// The same schema with an XML element name.
    pub const fn with_xml_name(mut self, name: &'static str) -> Schema {
        self.xml_name = Some(name);
        self
    }
    /// The same schema with an XML namespace.
    pub const fn with_xml_namespace(mut self, ns: XmlNamespace) -> Schema {
        self.xml_namespace = Some(ns);
        self
    }
    /// Whether `flag` is set.
    pub const fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }
    /// Whether values of this shape are redacted in logs and `Debug` output.
    pub const fn is_sensitive(&self) -> bool {
        self.has(flag::SENSITIVE)
    }
    /// Whether this shape, or any shape it holds, is sensitive (or has a sensitive member):
    /// what a log must not show of a value of it.
    pub fn contains_sensitive(&'static self) -> bool {
        let mut seen: Vec<*const Schema> = Vec::new();
        let mut todo: Vec<&'static Schema> = vec![self];
        while let Some(schema) = todo.pop() {
            if schema.is_sensitive() {
                return true;
            }
            if seen.contains(&(schema as *const Schema)) {
                continue;
            }
            seen.push(schema);
            for member in schema.members {
                if member.has(flag::SENSITIVE) {
                    return true;
                }
                todo.push(member.target);
            }
        }
        false
    }
    /// A list's element member, or a map's value member.
    pub fn element(&self) -> Option<&'static Member> {
        match self.shape_type {
            ShapeType::List => self.members.first(),
            ShapeType::Map => self.members.get(1),
            _ => None,
        }
    }
    /// A map's key member.
    pub fn map_key(&self) -> Option<&'static Member> {
        match self.shape_type {
            ShapeType::Map => self.members.first(),
            _ => None,
        }
    }
    /// The member named `name` (its model name), with its index.
    pub fn member(&self, name: &str) -> Option<(usize, &'static Member)> {
        self.members
            .iter()
            .enumerate()
            .find(|(_, m)| m.name == name)
    }
    /// The XML element name: [`xml_name`](Schema::xml_name) or the shape name.
    pub fn xml_element_name(&self) -> &'static str {
        self.xml_name.unwrap_or(self.name)
    }
}

/// A member of a structure, union, list or map.
#[derive(Debug)]
pub struct Member {
    /// The member's name in the model (`TableName`; `member`, `key`, `value` for collections).
    pub name: &'static str,
    /// The schema of the member's value.
    pub target: &'static Schema,
    /// Where the member goes in an HTTP message.
    pub location: Location,
    /// The member's name on the wire (the model's `locationName`): the header or query
    /// parameter name, the XML element or JSON key. Defaults to [`name`](Member::name).
    pub wire_name: &'static str,
    /// ec2Query's `queryName`, when set.
    pub query_name: Option<&'static str>,
    /// [`flag`]s.
    pub flags: u32,
    /// The member's timestamp format, when the model sets one here.
    pub timestamp_format: Option<TimestampFormat>,
    /// The XML namespace the member's element declares.
    pub xml_namespace: Option<XmlNamespace>,
}

impl Member {
    /// A body member named `name` targeting `target`.
    pub const fn new(name: &'static str, target: &'static Schema) -> Member {
        Member {
            name,
            target,
            location: Location::Body,
            wire_name: name,
            query_name: None,
            flags: 0,
            timestamp_format: None,
            xml_namespace: None,
        }
    }
    /// The same member under another wire name.
    pub const fn wire(mut self, wire_name: &'static str) -> Member {
        self.wire_name = wire_name;
        self
    }
    /// The same member at another location.
    pub const fn at(mut self, location: Location) -> Member {
        self.location = location;
        self
    }
    /// The same member at another location, under `wire_name`.
    pub const fn at_named(mut self, location: Location, wire_name: &'static str) -> Member {
        self.location = location;
        self.wire_name = wire_name;
        self
    }
    /// The same member with `flags` added.
    pub const fn with_flags(mut self, flags: u32) -> Member {
        self.flags |= flags;
        self
    }
    /// The same member, required.
    pub const fn required(self) -> Member {
        self.with_flags(flag::REQUIRED)
    }
    /// The same member with ec2Query's `queryName`.
    pub const fn with_query_name(mut self, name: &'static str) -> Member {
        self.query_name = Some(name);
        self
    }
    /// The same member with a timestamp format.
    pub const fn with_timestamp_format(mut self, format: TimestampFormat) -> Member {
        self.timestamp_format = Some(format);
        self
    }
    /// The same member with an XML namespace.
    pub const fn with_xml_namespace(mut self, ns: XmlNamespace) -> Member {
        self.xml_namespace = Some(ns);
        self
    }
    /// Whether `flag` is set on the member.
    pub const fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }
    /// Whether the member is required.
    pub const fn is_required(&self) -> bool {
        self.has(flag::REQUIRED)
    }
    /// Whether the member's value is redacted: the member or its target is sensitive.
    pub const fn is_sensitive(&self) -> bool {
        self.has(flag::SENSITIVE) || self.target.is_sensitive()
    }
    /// Whether a list or map member is flattened (on the member or on its target).
    pub const fn is_flattened(&self) -> bool {
        self.has(flag::FLATTENED) || self.target.has(flag::FLATTENED)
    }
    /// The member's timestamp format: its own, its target's, or `default`.
    pub fn timestamp_format_or(&self, default: TimestampFormat) -> TimestampFormat {
        self.timestamp_format
            .or(self.target.timestamp_format)
            .unwrap_or(default)
    }
}
