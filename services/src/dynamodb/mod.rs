//! Amazon DynamoDB (awsJson1_0): a typed client and its stack.
//!
//! DynamoDB speaks awsJson1_0: every call is `POST /` with an `X-Amz-Target:
//! DynamoDB_20120810.<Operation>` header and a JSON body whose members are the service model's
//! (`TableName`, `KeyConditionExpression`, ...). So an operation's input serializes to the wire
//! with serde as it is, and the same JSON is what the `zig` command line reads; items are maps
//! of [`AttributeValue`], whose serde form is DynamoDB's (`{"S": "x"}`). The stack is the
//! default stack with DynamoDB's endpoint (`dynamodb.{region}.amazonaws.com`, or the configured
//! endpoint URL, as for DynamoDB Local or dynalite) and SigV4 for the `dynamodb` signing name.
//!
//! Service errors arrive as `{"__type": "...#ResourceNotFoundException", "message": ...}` and
//! become each operation's typed error enum (`GetItemError::ResourceNotFoundException`), with
//! the request id from `x-amzn-RequestId`.
//!
//! ```no_run
//! use ziggurat_core::config::SdkConfig;
//! use ziggurat_services::dynamodb::{AttributeValue, Client, GetItemError};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new(&SdkConfig::from_env());
//! client.put_item().table_name("music")
//!     .item("artist", AttributeValue::S("Arturus".into()))
//!     .item("plays", AttributeValue::N("42".into()))
//!     .condition_expression("attribute_not_exists(artist)")
//!     .send().await?;
//! match client.get_item().table_name("music")
//!     .key("artist", AttributeValue::S("Arturus".into()))
//!     .send().await
//! {
//!     Ok(out) => println!("{:?}", out.item),
//!     Err(e) if matches!(e.as_service_error(), Some(GetItemError::ResourceNotFoundException(_))) => {
//!         println!("no such table");
//!     }
//!     Err(e) => return Err(e.into()),
//! }
//! # Ok(()) }
//! ```
mod attribute_value;
mod create_table;
mod delete_table;
mod describe_table;
mod get_item;
mod put_item;
mod query;
pub mod types;

use std::sync::Arc;

pub use attribute_value::AttributeValue;
pub use create_table::*;
pub use delete_table::*;
pub use describe_table::*;
pub use get_item::*;
pub use put_item::*;
pub use query::*;

use ziggurat_core::body::Body;
use ziggurat_core::config::SdkConfig;
use ziggurat_core::error::SdkError;
use ziggurat_core::stack::{ResponseBody, Stack};
use ziggurat_layers::endpoint::ResolveEndpoint;
use ziggurat_layers::protocol::aws_json::{self, JsonVersion};
use ziggurat_layers::sign::SigV4;

use crate::runtime::{
    ClientHandle, FluentBuilder, ServiceConfig, ServiceInfo, base_endpoint, default_stack,
};

/// DynamoDB's service metadata.
pub const SERVICE: ServiceInfo = ServiceInfo {
    service_id: "DynamoDB",
    endpoint_prefix: "dynamodb",
};

/// DynamoDB configuration: the shared [`SdkConfig`] and the client's stack edits.
pub type Config = ServiceConfig;

/// The DynamoDB stack for a configuration.
pub fn stack(config: &Config) -> Result<Stack, String> {
    let endpoint = ResolveEndpoint::new(SERVICE.endpoint_prefix)
        .with_base_endpoint(base_endpoint(config.sdk_config())?);
    default_stack(&SERVICE, config, endpoint, SigV4::new("dynamodb"))
}

/// A DynamoDB client. Cheap to clone; clones share one compiled stack and connection pool.
#[derive(Debug, Clone)]
pub struct Client {
    handle: Arc<ClientHandle>,
}

impl Client {
    /// A client from shared configuration.
    pub fn new(config: &SdkConfig) -> Self {
        Self::from_conf(Config::new(config))
    }

    /// A client from DynamoDB configuration.
    pub fn from_conf(config: Config) -> Self {
        Client {
            handle: Arc::new(ClientHandle::new(stack(&config), config.sdk_config())),
        }
    }

    /// The client's stack (`describe()` lists it).
    pub fn stack(&self) -> Option<&Stack> {
        self.handle.stack()
    }

    /// Creates a table; it starts `CREATING` and is usable once `ACTIVE`
    /// (see [`describe_table`](Client::describe_table)).
    pub fn create_table(&self) -> FluentBuilder<CreateTable> {
        FluentBuilder::new(self.handle.clone())
    }
    /// Describes a table: its schema, status and size.
    pub fn describe_table(&self) -> FluentBuilder<DescribeTable> {
        FluentBuilder::new(self.handle.clone())
    }
    /// Deletes a table and all its items.
    pub fn delete_table(&self) -> FluentBuilder<DeleteTable> {
        FluentBuilder::new(self.handle.clone())
    }
    /// Writes an item, replacing any item with the same key, optionally on a condition.
    pub fn put_item(&self) -> FluentBuilder<PutItem> {
        FluentBuilder::new(self.handle.clone())
    }
    /// Reads one item by its primary key.
    pub fn get_item(&self) -> FluentBuilder<GetItem> {
        FluentBuilder::new(self.handle.clone())
    }
    /// Reads the items of one partition, a page at a time.
    pub fn query(&self) -> FluentBuilder<Query> {
        FluentBuilder::new(self.handle.clone())
    }
}

// ---- helpers shared by the operations (not generic: compiled once) ----

/// A `POST /` request for `target` with a JSON body already serialized by the operation.
fn json_request(
    target: &'static str,
    body: Result<Vec<u8>, serde_json::Error>,
) -> Result<http::Request<Body>, SdkError> {
    let body = body.map_err(|e| {
        SdkError::construction(format!("the input could not be serialized to JSON: {e}"))
    })?;
    aws_json::request(JsonVersion::V1_0, target, body)
}

/// The buffered body of a response; every DynamoDB output is buffered.
fn buffered(body: ResponseBody) -> Result<bytes::Bytes, SdkError> {
    match body {
        ResponseBody::Buffered(b) => Ok(b),
        ResponseBody::Streaming(_) => Err(SdkError::response(
            "a DynamoDB response must be buffered, not streamed",
        )),
    }
}

/// A required map or list member that is empty: a construction error naming it (DynamoDB never
/// accepts an empty `Key` or `Item`).
fn require_non_empty(is_empty: bool, member: &'static str) -> Result<(), SdkError> {
    if is_empty {
        Err(SdkError::construction(format!(
            "the input member `{member}` is required"
        )))
    } else {
        Ok(())
    }
}

/// Inserts one entry into an optional map member.
/// Adds, for optional map members, an adder `field(name, value)` that inserts one entry and a
/// setter `set_field(Option<HashMap>)` that replaces them all, as aws-sdk-dynamodb does.
macro_rules! map_setters {
    ($op:ty { $($(#[$m:meta])* $field:ident, $setter:ident: $v:ty,)* }) => {
        impl $crate::runtime::FluentBuilder<$op> {
            $(
                $(#[$m])*
                pub fn $field(mut self, name: impl Into<String>, value: impl Into<$v>) -> Self {
                    self.input_mut()
                        .$field
                        .get_or_insert_with(Default::default)
                        .insert(name.into(), value.into());
                    self
                }
                #[doc = concat!("Replaces every entry of `", stringify!($field), "` (`None` removes the member).")]
                pub fn $setter(
                    mut self,
                    all: Option<::std::collections::HashMap<String, $v>>,
                ) -> Self {
                    self.input_mut().$field = all;
                    self
                }
            )*
        }
    };
}
pub(crate) use map_setters;

#[cfg(test)]
mod tests;
