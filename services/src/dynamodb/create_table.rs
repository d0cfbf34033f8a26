//! `CreateTable`: the table starts `CREATING`; poll [`DescribeTable`](super::DescribeTable)
//! until it is `ACTIVE` before using it.
use serde::{Deserialize, Serialize};
use ziggurat_core::body::Body;
use ziggurat_core::context::Context;
use ziggurat_core::error::SdkError;
use ziggurat_core::metadata::Metadata;
use ziggurat_core::operation::Operation;
use ziggurat_core::stack::{OperationSpec, ResponseBody};
use ziggurat_layers::protocol::aws_json;

use super::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, LocalSecondaryIndex,
    OnDemandThroughput, ProvisionedThroughput, SseSpecification, StreamSpecification, TableClass,
    TableDescription, Tag, WarmThroughput,
};
use super::{buffered, json_request};
use crate::runtime::{FluentBuilder, fluent_setters, has_metadata, operation_error};

/// The `CreateTable` operation. The table starts `CREATING`; poll
/// [`DescribeTable`](super::DescribeTable) until it is `ACTIVE` before using it.
#[derive(Debug)]
pub struct CreateTable;

/// Input of [`CreateTable`].
///
/// Not modeled yet: `VectorIndexes`, `GlobalTableSourceArn` and
/// `GlobalTableSettingsReplicationMode` (input JSON naming them is rejected, not silently cut).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateTableInput {
    /// The types of the key attributes (of the table and its indexes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute_definitions: Option<Vec<AttributeDefinition>>,
    /// The table's name.
    pub table_name: String,
    /// The primary key: a `HASH` attribute, optionally a `RANGE` one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_schema: Option<Vec<KeySchemaElement>>,
    /// Local secondary indexes (same partition key, another sort key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_secondary_indexes: Option<Vec<LocalSecondaryIndex>>,
    /// Global secondary indexes (any key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global_secondary_indexes: Option<Vec<GlobalSecondaryIndex>>,
    /// `PROVISIONED` (the default) or `PAY_PER_REQUEST`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_mode: Option<BillingMode>,
    /// The capacity, required with `PROVISIONED` billing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioned_throughput: Option<ProvisionedThroughput>,
    /// DynamoDB Streams settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_specification: Option<StreamSpecification>,
    /// Server-side encryption settings.
    #[serde(
        rename = "SSESpecification",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub sse_specification: Option<SseSpecification>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
    /// The storage class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_class: Option<TableClass>,
    /// Refuse `DeleteTable` while set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_protection_enabled: Option<bool>,
    /// Pre-warmed throughput.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warm_throughput: Option<WarmThroughput>,
    /// A resource-based policy document (JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_policy: Option<String>,
    /// Maximum on-demand throughput.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_demand_throughput: Option<OnDemandThroughput>,
}

/// Output of [`CreateTable`].
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateTableOutput {
    /// The new table, usually `CREATING`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_description: Option<TableDescription>,
    /// Request id, attempts and timings.
    #[serde(skip)]
    pub response_metadata: Metadata,
}
has_metadata!(CreateTableOutput);

operation_error! {
    /// Errors of [`CreateTable`].
    CreateTableError {
        /// A table with that name exists already.
        ResourceInUseException,
        /// Too many tables or concurrent table operations.
        LimitExceededException,
        /// The service failed.
        InternalServerError,
    }
}

fluent_setters!(CreateTable {
    /// The table's name.
    req table_name: String,
    /// `PROVISIONED` or `PAY_PER_REQUEST`.
    opt billing_mode: BillingMode,
    /// The capacity, with `PROVISIONED` billing.
    opt provisioned_throughput: ProvisionedThroughput,
    /// DynamoDB Streams settings.
    opt stream_specification: StreamSpecification,
    /// Server-side encryption settings.
    opt sse_specification: SseSpecification,
    /// The storage class.
    opt table_class: TableClass,
    /// Refuse `DeleteTable` while set.
    opt deletion_protection_enabled: bool,
    /// Pre-warmed throughput.
    opt warm_throughput: WarmThroughput,
    /// A resource-based policy document.
    opt resource_policy: String,
    /// Maximum on-demand throughput.
    opt on_demand_throughput: OnDemandThroughput,
});

/// `name(one)` pushes one element to an optional list member, `set_name(all)` replaces it.
macro_rules! list_members {
    ($($(#[$m:meta])* $field:ident, $set:ident: $ty:ty;)*) => {
        impl FluentBuilder<CreateTable> {
            $(
                $(#[$m])*
                pub fn $field(mut self, value: $ty) -> Self {
                    self.input_mut().$field.get_or_insert_with(Vec::new).push(value);
                    self
                }
                #[doc = concat!("Replaces all of `", stringify!($field), "`.")]
                pub fn $set(mut self, values: Option<Vec<$ty>>) -> Self {
                    self.input_mut().$field = values;
                    self
                }
            )*
        }
    };
}

list_members! {
    /// Adds the type of one key attribute.
    attribute_definitions, set_attribute_definitions: AttributeDefinition;
    /// Adds one attribute of the primary key.
    key_schema, set_key_schema: KeySchemaElement;
    /// Adds one local secondary index.
    local_secondary_indexes, set_local_secondary_indexes: LocalSecondaryIndex;
    /// Adds one global secondary index.
    global_secondary_indexes, set_global_secondary_indexes: GlobalSecondaryIndex;
    /// Adds one tag.
    tags, set_tags: Tag;
}

impl Operation for CreateTable {
    type Input = CreateTableInput;
    type Output = CreateTableOutput;
    type Error = CreateTableError;
    const SERVICE: &'static str = "DynamoDB";
    const NAME: &'static str = "CreateTable";

    fn serialize(
        i: &mut CreateTableInput,
        _: &mut Context,
    ) -> Result<http::Request<Body>, SdkError> {
        crate::runtime::require(&i.table_name, "TableName")?;
        json_request("DynamoDB_20120810.CreateTable", serde_json::to_vec(i))
    }

    fn deserialize(
        parts: http::response::Parts,
        body: ResponseBody,
        _: &mut Context,
    ) -> Result<CreateTableOutput, SdkError> {
        aws_json::deserialize(&parts, &buffered(body)?)
    }

    fn spec() -> &'static OperationSpec {
        static SPEC: OperationSpec = OperationSpec::of::<CreateTable>();
        &SPEC
    }
}
