//! awsQuery (STS, SNS, IAM) and ec2Query (EC2): form-encoded `POST /` requests
//! (`Action=GetCallerIdentity&Version=2011-06-15&...`), XML responses.
//!
//! Request parameters are named by the members' wire names joined with `.`: lists are
//! `Name.member.N` (flattened `Name.N`), maps `Name.entry.N.key` / `Name.entry.N.value`
//! (flattened `Name.N.key`). ec2Query names a member by its `queryName`, else its wire name
//! with the first letter uppercased, and always writes lists as `Name.N`.
//!
//! ```
//! use ziggurat_core::schema::{prelude, Member, Schema};
//! use ziggurat_core::schema::ser::{SerializeShape, SerializeValue, ShapeSerializer, SerResult};
//! use ziggurat_layers::protocol::query::QuerySerializer;
//!
//! static TAGS: [Member; 1] = [Member::new("member", &prelude::STRING)];
//! static TAG_LIST: Schema = Schema::list("TagList", &TAGS);
//! static MEMBERS: [Member; 2] = [
//!     Member::new("Name", &prelude::STRING),
//!     Member::new("Tags", &TAG_LIST),
//! ];
//! static INPUT: Schema = Schema::structure("TagInput", &MEMBERS);
//! struct Input { name: Option<String>, tags: Vec<String> }
//! impl SerializeShape for Input {
//!     fn schema(&self) -> &'static Schema { &INPUT }
//!     fn serialize_members(&self, s: &mut dyn ShapeSerializer) -> SerResult {
//!         self.name.serialize_member(&MEMBERS[0], s)?;
//!         self.tags.serialize_member(&MEMBERS[1], s)
//!     }
//! }
//! let input = Input { name: Some("a b".into()), tags: vec!["x".into(), "y".into()] };
//! let mut s = QuerySerializer::aws_query("Tag", "2020-01-08");
//! input.serialize_members(&mut s).unwrap();
//! assert_eq!(
//!     s.finish(),
//!     "Action=Tag&Version=2020-01-08&Name=a%20b&Tags.member.1=x&Tags.member.2=y"
//! );
//! ```
use std::fmt::Write as _;

use http::HeaderValue;
use ziggurat_core::body::Body;
use ziggurat_core::error::{ApiError, Fault, SdkError};
use ziggurat_core::schema::error::{CodecError, CodecResult};
use ziggurat_core::schema::ser::{SerResult, SerializeShape, SerializeValue, ShapeSerializer};
use ziggurat_core::schema::{
    DateTime, Document, Member, OperationSchema, Protocol, ServiceSchema, TimestampFormat,
};
use ziggurat_core::stack::ResponseBody;

use super::ReadFn;
use super::xml::{self, Element, XmlDeserializer};

/// The content type of query requests.
const FORM_URLENCODED: &str = "application/x-www-form-urlencoded";

/// Serializes an awsQuery or ec2Query request: `POST /` with the form-encoded parameters of
/// `input` after `Action` and `Version`.
pub fn serialize_request(
    service: &'static ServiceSchema,
    op: &'static OperationSchema,
    input: &mut dyn SerializeShape,
) -> Result<http::Request<Body>, SdkError> {
    let mut s = match service.protocol {
        Protocol::Ec2Query => QuerySerializer::ec2_query(op.name, service.api_version),
        _ => QuerySerializer::aws_query(op.name, service.api_version),
    };
    input
        .serialize_members(&mut s)
        .map_err(|e| SdkError::construction(format!("{}: {e}", op.name)))?;
    let body = s.finish();
    let len = body.len();
    let mut req = http::Request::new(Body::from(body.into_bytes()));
    *req.method_mut() = http::Method::POST;
    *req.uri_mut() = http::Uri::from_static("/");
    let headers = req.headers_mut();
    headers.reserve(12);
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(FORM_URLENCODED),
    );
    headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from(len));
    Ok(req)
}

/// Reads an awsQuery or ec2Query response: a successful one through `read`, from
/// `<{Op}Response><{Op}Result>` (the operation's result wrapper) for awsQuery and from
/// `<{Op}Response>` for ec2Query; a failed one into its service error, with the modeled
/// structure when the operation declares the code.
pub fn deserialize_response(
    service: &'static ServiceSchema,
    op: &'static OperationSchema,
    parts: &http::response::Parts,
    body: ResponseBody,
    read: &mut ReadFn<'_>,
) -> Result<(), SdkError> {
    let bytes = super::buffered(&body);
    if !parts.status.is_success() {
        return Err(SdkError::service(error_with_modeled(op, parts, &bytes)));
    }
    let result = if bytes.trim_ascii().is_empty() {
        read(&mut XmlDeserializer::empty())
    } else {
        let root =
            xml::parse(&bytes).map_err(|e| SdkError::response(format!("{}: {e}", op.name)))?;
        let at = match service.protocol {
            Protocol::Ec2Query => &root,
            _ => result_element(op, &root),
        };
        read(&mut XmlDeserializer::new(at))
    };
    result.map_err(|e| {
        SdkError::response(format!(
            "{}: the response is not the expected XML: {e}",
            op.name
        ))
    })
}

/// The element holding an awsQuery output: the result wrapper below the root (the model's
/// `resultWrapper`, else `{Op}Result`), or the root itself when there is none.
fn result_element<'a>(op: &'static OperationSchema, root: &'a Element) -> &'a Element {
    let found = match op.result_wrapper {
        Some(wrapper) => root.child(wrapper),
        None => root
            .children()
            .iter()
            .find(|c| c.name().strip_suffix("Result") == Some(op.name)),
    };
    found.unwrap_or(root)
}

/// The service error of a failed query response: code and message from the `<Error>`
/// element, the fault from its `Type` (`Sender` / `Receiver`) or the status, the request id
/// from `x-amzn-RequestId` or the document. A body that is not an error document gets a code
/// from the status.
pub fn parse_error(parts: &http::response::Parts, body: &[u8]) -> ApiError {
    let root = xml::parse(body).ok();
    error_from(parts, root.as_ref())
}

fn error_from(parts: &http::response::Parts, root: Option<&Element>) -> ApiError {
    let error = root.and_then(xml::error_element);
    let field = |name: &str| {
        error
            .and_then(|e| e.child_text(name))
            .filter(|t| !t.is_empty())
    };
    let code = field("Code")
        .map(str::to_owned)
        .unwrap_or_else(|| super::code_from_status(parts.status));
    let request_id = super::request_id(&parts.headers).or_else(|| {
        let root = root?;
        root.child_text("RequestId")
            .or_else(|| root.child_text("RequestID"))
            .or_else(|| error?.child_text("RequestId"))
            .map(str::to_owned)
    });
    let mut err = ApiError::new(code, parts.status.as_u16()).with_request_id(request_id);
    match field("Type") {
        Some("Sender") => err = err.with_fault(Fault::Client),
        Some("Receiver") => err = err.with_fault(Fault::Server),
        _ => {}
    }
    if let Some(m) = field("Message").or_else(|| field("message")) {
        err = err.with_message(m);
    }
    err
}

fn error_with_modeled(
    op: &'static OperationSchema,
    parts: &http::response::Parts,
    body: &[u8],
) -> ApiError {
    let root = xml::parse(body).ok();
    let err = error_from(parts, root.as_ref());
    let Some(error) = root.as_ref().and_then(xml::error_element) else {
        return err;
    };
    super::with_modeled_error(op, err, &mut |read| read(&mut XmlDeserializer::new(error)))
}

/// Percent-encodes a query parameter name or value: everything but the RFC 3986 unreserved
/// characters.
fn encode_into(out: &mut String, value: &str) {
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// The [`ShapeSerializer`] of the query protocols: writes `&Name=value` pairs, nested names
/// joined with `.`.
#[derive(Debug)]
pub struct QuerySerializer {
    out: String,
    /// The name of the structure being written (empty at the top).
    prefix: String,
    /// The full name the next value is written under (list items, map values).
    key: Option<String>,
    ec2: bool,
}

impl QuerySerializer {
    fn new(ec2: bool, action: &str, version: &str) -> Self {
        let mut out = String::with_capacity(128);
        out.push_str("Action=");
        encode_into(&mut out, action);
        out.push_str("&Version=");
        encode_into(&mut out, version);
        QuerySerializer {
            out,
            prefix: String::new(),
            key: None,
            ec2,
        }
    }

    /// An awsQuery request body for `action` of API `version`; it builds a request (required
    /// members are checked, idempotency tokens filled).
    pub fn aws_query(action: &str, version: &str) -> Self {
        QuerySerializer::new(false, action, version)
    }

    /// An ec2Query request body for `action` of API `version`.
    pub fn ec2_query(action: &str, version: &str) -> Self {
        QuerySerializer::new(true, action, version)
    }

    /// The form-encoded body.
    pub fn finish(self) -> String {
        self.out
    }

    /// The name of `member` as a parameter (one segment).
    fn segment(&self, member: &'static Member) -> String {
        if !self.ec2 {
            return member.wire_name.to_owned();
        }
        if let Some(q) = member.query_name {
            return q.to_owned();
        }
        let mut chars = member.wire_name.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => String::new(),
        }
    }

    /// The full parameter name of the value written as `member`.
    fn key(&mut self, member: &'static Member) -> String {
        if let Some(k) = self.key.take() {
            return k;
        }
        let segment = self.segment(member);
        if self.prefix.is_empty() {
            segment
        } else {
            format!("{}.{segment}", self.prefix)
        }
    }

    fn param(&mut self, key: &str, value: &str) {
        self.out.push('&');
        encode_into(&mut self.out, key);
        self.out.push('=');
        encode_into(&mut self.out, value);
    }

    fn scalar(&mut self, member: &'static Member, value: &str) -> SerResult {
        let key = self.key(member);
        self.param(&key, value);
        Ok(())
    }

    /// Writes `v` as `member` under the full name `key`.
    fn nested(
        &mut self,
        key: String,
        member: &'static Member,
        v: &dyn SerializeValue,
    ) -> SerResult {
        self.key = Some(key);
        let r = v.serialize_value(member, self);
        self.key = None;
        r
    }
}

fn collection_member(member: &'static Member) -> CodecResult<&'static Member> {
    member.target.element().ok_or_else(|| {
        CodecError::new(format!(
            "`{}` is not a list or map in the model",
            member.target.name
        ))
    })
}

impl ShapeSerializer for QuerySerializer {
    fn write_struct(&mut self, member: &'static Member, value: &dyn SerializeShape) -> SerResult {
        let key = self.key(member);
        let outer = std::mem::replace(&mut self.prefix, key);
        let r = value.serialize_members(self);
        self.prefix = outer;
        r
    }

    fn write_list(
        &mut self,
        member: &'static Member,
        items: &mut dyn ExactSizeIterator<Item = &dyn SerializeValue>,
    ) -> SerResult {
        let item = collection_member(member)?;
        let key = self.key(member);
        if items.len() == 0 {
            if !self.ec2 {
                self.param(&key, "");
            }
            return Ok(());
        }
        let base = if self.ec2 || member.is_flattened() {
            key
        } else {
            format!("{key}.{}", item.wire_name)
        };
        for (i, v) in items.enumerate() {
            self.nested(format!("{base}.{}", i + 1), item, v)?;
        }
        Ok(())
    }

    fn write_map(
        &mut self,
        member: &'static Member,
        entries: &mut dyn ExactSizeIterator<Item = (&str, &dyn SerializeValue)>,
    ) -> SerResult {
        let value_member = collection_member(member)?;
        let key_member = member.target.map_key().ok_or_else(|| {
            CodecError::new(format!(
                "`{}` is not a map in the model",
                member.target.name
            ))
        })?;
        let key = self.key(member);
        let base = if member.is_flattened() {
            key
        } else {
            format!("{key}.entry")
        };
        // Sorted by key, so a request (and its signature) does not depend on hash order.
        let mut entries: Vec<(&str, &dyn SerializeValue)> = entries.collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        for (i, (k, v)) in entries.into_iter().enumerate() {
            let entry = format!("{base}.{}", i + 1);
            self.param(&format!("{entry}.{}", key_member.wire_name), k);
            self.nested(
                format!("{entry}.{}", value_member.wire_name),
                value_member,
                v,
            )?;
        }
        Ok(())
    }

    fn write_bool(&mut self, member: &'static Member, value: bool) -> SerResult {
        self.scalar(member, if value { "true" } else { "false" })
    }

    fn write_long(&mut self, member: &'static Member, value: i64) -> SerResult {
        self.scalar(member, itoa::Buffer::new().format(value))
    }

    fn write_float(&mut self, member: &'static Member, value: f32) -> SerResult {
        self.scalar(member, &xml::fmt_float(value))
    }

    fn write_double(&mut self, member: &'static Member, value: f64) -> SerResult {
        self.scalar(member, &xml::fmt_float(value))
    }

    fn write_big_number(&mut self, member: &'static Member, value: &str) -> SerResult {
        self.scalar(member, value)
    }

    fn write_string(&mut self, member: &'static Member, value: &str) -> SerResult {
        self.scalar(member, value)
    }

    fn write_blob(&mut self, member: &'static Member, value: &[u8]) -> SerResult {
        self.scalar(member, &xml::encode_base64(value))
    }

    fn write_timestamp(&mut self, member: &'static Member, value: &DateTime) -> SerResult {
        let text = value.fmt_as(member.timestamp_format_or(TimestampFormat::DateTime));
        self.scalar(member, &text)
    }

    fn write_document(&mut self, member: &'static Member, _value: &Document) -> SerResult {
        Err(CodecError::new(format!(
            "`{}`: documents cannot be sent in a query request",
            member.name
        )))
    }

    fn write_null(&mut self, _member: &'static Member) -> SerResult {
        self.key = None;
        Ok(())
    }

    /// Query serializers build requests.
    fn validates(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ziggurat_core::schema::{Schema, prelude};

    fn parts(status: u16, headers: &[(&str, &str)]) -> http::response::Parts {
        let mut b = http::Response::builder().status(status);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn aws_query_error() {
        let body = b"<ErrorResponse>\n <Error><Type>Receiver</Type><Code>Throttling</Code><Message>slow &amp; down</Message></Error>\n <RequestId>r-body</RequestId></ErrorResponse>";
        let e = parse_error(&parts(400, &[]), body);
        assert_eq!(e.code(), "Throttling");
        assert_eq!(e.message(), Some("slow & down"));
        assert_eq!(e.fault(), Fault::Server);
        assert_eq!(e.request_id(), Some("r-body"));
        let e = parse_error(&parts(400, &[("x-amzn-requestid", "r-hdr")]), body);
        assert_eq!(e.request_id(), Some("r-hdr"));
    }

    #[test]
    fn ec2_query_error() {
        let body = b"<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>no</Message></Error></Errors><RequestID>r-1</RequestID></Response>";
        let e = parse_error(&parts(400, &[]), body);
        assert_eq!(e.code(), "InvalidInstanceID.NotFound");
        assert_eq!(e.message(), Some("no"));
        assert_eq!(e.fault(), Fault::Client);
        assert_eq!(e.request_id(), Some("r-1"));
    }

    #[test]
    fn not_an_error_document() {
        for body in [&b""[..], b"<html>busy</html>", b"<<<", b"\xff\xfe"] {
            let e = parse_error(&parts(503, &[]), body);
            assert_eq!(e.code(), "ServiceUnavailable");
            assert_eq!(e.fault(), Fault::Server);
        }
    }

    static ELEM: [Member; 1] = [Member::new("member", &prelude::STRING).wire("item")];
    static LIST: Schema = Schema::list("L", &ELEM);
    static MAP_M: [Member; 2] = [
        Member::new("key", &prelude::STRING),
        Member::new("value", &prelude::INTEGER),
    ];
    static MAP: Schema = Schema::map("M", &MAP_M);
    static NESTED_M: [Member; 1] = [Member::new("inner", &prelude::BOOLEAN)];
    static NESTED: Schema = Schema::structure("N", &NESTED_M);
    static MEMBERS: [Member; 6] = [
        Member::new("list", &LIST),
        Member::new("empty", &LIST),
        Member::new("map", &MAP),
        Member::new("nested", &NESTED),
        Member::new("named", &prelude::STRING).with_query_name("QN"),
        Member::new("when", &prelude::TIMESTAMP),
    ];
    static INPUT: Schema = Schema::structure("I", &MEMBERS);
    struct Nested;
    ziggurat_core::shape_value!(Nested);
    impl SerializeShape for Nested {
        fn schema(&self) -> &'static Schema {
            &NESTED
        }
        fn serialize_members(&self, s: &mut dyn ShapeSerializer) -> SerResult {
            true.serialize_member(&NESTED_M[0], s)
        }
    }
    struct Input;
    impl SerializeShape for Input {
        fn schema(&self) -> &'static Schema {
            &INPUT
        }
        fn serialize_members(&self, s: &mut dyn ShapeSerializer) -> SerResult {
            vec!["a".to_owned(), "b/c".to_owned()].serialize_member(&MEMBERS[0], s)?;
            Vec::<String>::new().serialize_member(&MEMBERS[1], s)?;
            std::collections::HashMap::from([("z".to_owned(), 2), ("y".to_owned(), 1)])
                .serialize_member(&MEMBERS[2], s)?;
            Nested.serialize_member(&MEMBERS[3], s)?;
            "v".to_owned().serialize_member(&MEMBERS[4], s)?;
            DateTime::from_secs(1422172800).serialize_member(&MEMBERS[5], s)
        }
    }

    fn body(mut s: QuerySerializer) -> String {
        Input.serialize_members(&mut s).unwrap();
        s.finish()
    }

    #[test]
    fn aws_query_names() {
        assert_eq!(
            body(QuerySerializer::aws_query("Op", "1")),
            "Action=Op&Version=1&list.item.1=a&list.item.2=b%2Fc&empty=\
             &map.entry.1.key=y&map.entry.1.value=1&map.entry.2.key=z&map.entry.2.value=2\
             &nested.inner=true&named=v&when=2015-01-25T08%3A00%3A00Z"
        );
    }

    #[test]
    fn ec2_query_names() {
        assert_eq!(
            body(QuerySerializer::ec2_query("Op", "1")),
            "Action=Op&Version=1&List.1=a&List.2=b%2Fc\
             &Map.entry.1.key=y&Map.entry.1.value=1&Map.entry.2.key=z&Map.entry.2.value=2\
             &Nested.Inner=true&QN=v&When=2015-01-25T08%3A00%3A00Z"
        );
    }
}
