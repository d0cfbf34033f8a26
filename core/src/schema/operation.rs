//! Schemas of services and operations: the protocol, the HTTP binding of each operation, and
//! the errors it declares.
use std::any::Any;

use super::Schema;
use super::de::{ShapeDeserializer, deserialize_root};
use super::error::CodecResult;

/// The AWS wire protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Protocol {
    /// awsJson1_0: `POST /`, `X-Amz-Target`, a JSON body (DynamoDB, SQS).
    AwsJson1_0,
    /// awsJson1_1: the same with content type `application/x-amz-json-1.1`.
    AwsJson1_1,
    /// restJson1: HTTP bindings, JSON bodies (Lambda, SSO).
    RestJson1,
    /// restXml: HTTP bindings, XML bodies (S3).
    RestXml,
    /// awsQuery: form-encoded requests, XML responses (STS, SNS).
    AwsQuery,
    /// ec2Query: like awsQuery, with EC2's naming rules.
    Ec2Query,
    /// Smithy RPC v2 CBOR.
    RpcV2Cbor,
}

/// What a client needs to know about its service.
#[derive(Debug)]
pub struct ServiceSchema {
    /// The service id (`DynamoDB`).
    pub service_id: &'static str,
    /// The protocol.
    pub protocol: Protocol,
    /// The API version (`2012-08-10`), sent by the query protocols.
    pub api_version: &'static str,
    /// The `X-Amz-Target` prefix of awsJson (`DynamoDB_20120810`), or the service name of
    /// RPC v2 CBOR.
    pub target_prefix: &'static str,
    /// The name requests are signed for (`dynamodb`).
    pub signing_name: &'static str,
    /// The hostname prefix of the service's endpoints (`dynamodb`).
    pub endpoint_prefix: &'static str,
    /// The XML namespace of query responses and restXml bodies.
    pub xml_namespace: Option<&'static str>,
    /// Whether an awsJson service also answers with awsQuery error codes
    /// (`x-amzn-query-error`).
    pub query_compatible: bool,
}

/// Flags of operations.
pub mod op_flag {
    /// The output's payload is a stream handed to the caller unread.
    pub const STREAMING_OUTPUT: u32 = 1;
    /// The input's payload is a stream.
    pub const STREAMING_INPUT: u32 = 1 << 1;
    /// A checksum of the body must be sent (`Content-MD5` or a flexible checksum: see
    /// [`CONTENT_MD5`]).
    pub const CHECKSUM_REQUIRED: u32 = 1 << 2;
    /// The payload is not signed (`UNSIGNED-PAYLOAD`).
    pub const UNSIGNED_PAYLOAD: u32 = 1 << 3;
    /// The operation is called without authentication.
    pub const NO_AUTH: u32 = 1 << 4;
    /// The operation is idempotent.
    pub const IDEMPOTENT: u32 = 1 << 5;
    /// The output is an event stream.
    pub const EVENT_STREAM_OUTPUT: u32 = 1 << 6;
    /// The request may carry a flexible checksum of its body (`httpChecksum` names a request
    /// algorithm member, bound to the `x-amz-sdk-checksum-algorithm` header).
    pub const REQUEST_CHECKSUM: u32 = 1 << 7;
    /// The response carries checksums of its body when the request asks for them
    /// (`httpChecksum` names a validation-mode member, bound to the `x-amz-checksum-mode`
    /// header).
    pub const RESPONSE_CHECKSUM: u32 = 1 << 8;
    /// The required checksum is `Content-MD5`: the operation has the older
    /// `httpChecksumRequired` trait and no flexible `httpChecksum` (operations with one get a
    /// flexible checksum instead, CRC32 by default, as the AWS SDKs send since 2025).
    pub const CONTENT_MD5: u32 = 1 << 9;
}

/// One operation: its HTTP binding, its input and output, its errors.
#[derive(Debug)]
pub struct OperationSchema {
    /// The operation name (`GetItem`).
    pub name: &'static str,
    /// The HTTP method.
    pub method: &'static str,
    /// The request URI template (`/{Bucket}/{Key+}?uploads`).
    pub uri: &'static str,
    /// The status code of a successful response, when the model sets one.
    pub success_status: Option<u16>,
    /// The input.
    pub input: &'static Schema,
    /// The output (the unit schema when the operation has none).
    pub output: &'static Schema,
    /// The element wrapping a query protocol's result (`GetCallerIdentityResult`).
    pub result_wrapper: Option<&'static str>,
    /// The errors the operation declares.
    pub errors: &'static [ErrorSchema],
    /// The endpoint's host prefix (`{RequestRoute}.`), when the model sets one.
    pub host_prefix: Option<&'static str>,
    /// [`op_flag`]s.
    pub flags: u32,
    /// The endpoint rule-set parameters the operation sets (Smithy's `staticContextParams`,
    /// `contextParam` and `operationContextParams`): S3's `Bucket` and `Key`, DynamoDB's
    /// `ResourceArn` and `ResourceArnList`.
    pub endpoint_params: &'static [EndpointParam],
}

/// An endpoint rule-set parameter that an operation sets: a fixed value, or one read from a
/// member of its input. Endpoint resolution reads these; the rest of the stack ignores them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointParam {
    /// The rule-set parameter (`Bucket`, `UseObjectLambdaEndpoint`).
    pub name: &'static str,
    /// Where its value comes from.
    pub value: EndpointParamValue,
}

/// Where an [`EndpointParam`]'s value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointParamValue {
    /// The input's top-level string member of this name (`contextParam`); unset when the
    /// member is.
    Member(&'static str),
    /// A fixed boolean (`staticContextParams`).
    Bool(bool),
    /// A fixed string (`staticContextParams`).
    String(&'static str),
    /// A JMESPath expression over the input (`operationContextParams`: DynamoDB
    /// `BatchGetItem`'s `keys(RequestItems)`), evaluated by the runtime on the input as a
    /// document; unset when it finds nothing, a string or a list of strings otherwise.
    Path(&'static str),
}

impl OperationSchema {
    /// Whether `flag` is set.
    pub const fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }
    /// The declared error for `code`: its wire code, or its shape name (awsQuery-compatible
    /// services answer with either).
    pub fn error(&self, code: &str) -> Option<&'static ErrorSchema> {
        self.errors
            .iter()
            .find(|e| e.code == code || e.schema.name == code)
    }
}

/// A modeled error, read into its typed structure.
pub type ErasedError = Box<dyn Any + Send + Sync>;

/// One error an operation declares.
#[derive(Debug)]
pub struct ErrorSchema {
    /// The error's code on the wire (the shape name, or the query protocols' `code`).
    pub code: &'static str,
    /// The error's shape.
    pub schema: &'static Schema,
    /// The HTTP status the model gives it.
    pub status: Option<u16>,
    /// Whether it is the server's fault.
    pub server_fault: bool,
    /// Reads the error's structure.
    pub deserialize: fn(&mut dyn ShapeDeserializer) -> CodecResult<ErasedError>,
}

/// [`ErrorSchema::deserialize`] for a typed error structure.
pub fn deserialize_error<T>(d: &mut dyn ShapeDeserializer) -> CodecResult<ErasedError>
where
    T: super::de::DeserializeValue + Send + Sync + 'static,
{
    deserialize_root::<T>(d).map(|e| Box::new(e) as ErasedError)
}
