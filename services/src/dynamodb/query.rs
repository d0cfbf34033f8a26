//! `Query`: the items of one partition, in sort key order, a page at a time.
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use ziggurat_core::body::Body;
use ziggurat_core::context::Context;
use ziggurat_core::error::SdkError;
use ziggurat_core::metadata::Metadata;
use ziggurat_core::operation::Operation;
use ziggurat_core::stack::{OperationSpec, ResponseBody};
use ziggurat_layers::protocol::aws_json;

use super::map_setters;
use super::types::{
    Condition, ConditionalOperator, ConsumedCapacity, ReturnConsumedCapacity, Select,
};
use super::{AttributeValue, buffered, json_request};
use crate::runtime::{FluentBuilder, fluent_setters, has_metadata, operation_error};

/// The `Query` operation: the items of one partition, in sort key order, a page at a time.
///
/// A page ends after `Limit` items or 1 MB; `LastEvaluatedKey` is then set, and passing it back
/// as `ExclusiveStartKey` reads the next page:
///
/// ```no_run
/// # use ziggurat_services::dynamodb::{AttributeValue, Client};
/// # async fn run(client: Client) -> Result<(), Box<dyn std::error::Error>> {
/// let mut start = None;
/// loop {
///     let page = client.query().table_name("music")
///         .key_condition_expression("artist = :a")
///         .expression_attribute_values(":a", AttributeValue::S("Arturus".into()))
///         .limit(25)
///         .set_exclusive_start_key(start)
///         .send().await?;
///     for item in &page.items { println!("{item:?}"); }
///     match page.last_evaluated_key {
///         Some(key) => start = Some(key),
///         None => break,
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Query;

/// Input of [`Query`].
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct QueryInput {
    /// The table (name or ARN).
    pub table_name: String,
    /// Query this secondary index instead of the table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_name: Option<String>,
    /// Which attributes to return, or `COUNT` for the count only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select: Option<Select>,
    /// Legacy: the attributes to return (prefer `ProjectionExpression`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes_to_get: Option<Vec<String>>,
    /// At most this many items are evaluated for the page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i32>,
    /// Strongly consistent read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consistent_read: Option<bool>,
    /// Legacy key conditions (prefer `KeyConditionExpression`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_conditions: Option<HashMap<String, Condition>>,
    /// Legacy filter conditions (prefer `FilterExpression`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_filter: Option<HashMap<String, Condition>>,
    /// Legacy: how `QueryFilter` conditions combine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditional_operator: Option<ConditionalOperator>,
    /// Ascending sort key order (`true`, the default) or descending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_index_forward: Option<bool>,
    /// Where the previous page ended (its `LastEvaluatedKey`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclusive_start_key: Option<HashMap<String, AttributeValue>>,
    /// Report consumed capacity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_consumed_capacity: Option<ReturnConsumedCapacity>,
    /// The attributes to return (`a, b.c, #n`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projection_expression: Option<String>,
    /// Drops matching items after they are read (they still count against `Limit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_expression: Option<String>,
    /// The partition (and optionally sort key range) to read: `pk = :p AND sk > :s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_condition_expression: Option<String>,
    /// Substitutes for attribute names in expressions (`#n` → `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression_attribute_names: Option<HashMap<String, String>>,
    /// Values for placeholders in expressions (`:v`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression_attribute_values: Option<HashMap<String, AttributeValue>>,
}

/// Output of [`Query`].
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueryOutput {
    /// The items of this page (none with `Select: COUNT`).
    #[serde(default)]
    pub items: Vec<HashMap<String, AttributeValue>>,
    /// How many items matched, after the filter.
    #[serde(default)]
    pub count: i32,
    /// How many items were read, before the filter.
    #[serde(default)]
    pub scanned_count: i32,
    /// Where this page ended; `None` on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_evaluated_key: Option<HashMap<String, AttributeValue>>,
    /// The capacity consumed, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumed_capacity: Option<ConsumedCapacity>,
    /// Request id, attempts and timings.
    #[serde(skip)]
    pub response_metadata: Metadata,
}
has_metadata!(QueryOutput);

operation_error! {
    /// Errors of [`Query`].
    QueryError {
        /// The table's provisioned throughput is exhausted.
        ProvisionedThroughputExceededException,
        /// The table or index does not exist, or is not `ACTIVE` yet.
        ResourceNotFoundException,
        /// The account's request rate is exceeded.
        RequestLimitExceeded,
        /// The request was throttled.
        ThrottlingException,
        /// The service failed.
        InternalServerError,
    }
}

fluent_setters!(Query {
    /// The table (name or ARN).
    req table_name: String,
    /// Query this secondary index.
    opt index_name: String,
    /// Which attributes to return.
    opt select: Select,
    /// At most this many items per page.
    opt limit: i32,
    /// Strongly consistent read.
    opt consistent_read: bool,
    /// Legacy: how `QueryFilter` conditions combine.
    opt conditional_operator: ConditionalOperator,
    /// Ascending (`true`) or descending sort key order.
    opt scan_index_forward: bool,
    /// Report consumed capacity.
    opt return_consumed_capacity: ReturnConsumedCapacity,
    /// The attributes to return.
    opt projection_expression: String,
    /// Drops matching items after they are read.
    opt filter_expression: String,
    /// The partition and sort key range to read.
    opt key_condition_expression: String,
});

map_setters!(Query {
    /// Legacy: adds one key condition.
    key_conditions,
    set_key_conditions: Condition,
    /// Legacy: adds one filter condition.
    query_filter,
    set_query_filter: Condition,
    /// Adds one attribute of the key the previous page ended at.
    exclusive_start_key,
    set_exclusive_start_key: AttributeValue,
    /// Adds one substitute for an attribute name (`#n` → `name`).
    expression_attribute_names,
    set_expression_attribute_names: String,
    /// Adds one value for a placeholder (`:v`).
    expression_attribute_values,
    set_expression_attribute_values: AttributeValue,
});

impl FluentBuilder<Query> {
    /// Legacy: adds one attribute to return.
    pub fn attributes_to_get(mut self, name: impl Into<String>) -> Self {
        self.input_mut()
            .attributes_to_get
            .get_or_insert_with(Vec::new)
            .push(name.into());
        self
    }
    /// Legacy: sets the attributes to return.
    pub fn set_attributes_to_get(mut self, names: Option<Vec<String>>) -> Self {
        self.input_mut().attributes_to_get = names;
        self
    }
}

impl Operation for Query {
    type Input = QueryInput;
    type Output = QueryOutput;
    type Error = QueryError;
    const SERVICE: &'static str = "DynamoDB";
    const NAME: &'static str = "Query";

    fn serialize(i: &mut QueryInput, _: &mut Context) -> Result<http::Request<Body>, SdkError> {
        crate::runtime::require(&i.table_name, "TableName")?;
        json_request("DynamoDB_20120810.Query", serde_json::to_vec(i))
    }

    fn deserialize(
        parts: http::response::Parts,
        body: ResponseBody,
        _: &mut Context,
    ) -> Result<QueryOutput, SdkError> {
        aws_json::deserialize(&parts, &buffered(body)?)
    }

    fn spec() -> &'static OperationSpec {
        static SPEC: OperationSpec = OperationSpec::of::<Query>();
        &SPEC
    }
}
