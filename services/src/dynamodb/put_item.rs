//! `PutItem`: writes a whole item, optionally only if a condition holds.
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
    ConditionalOperator, ConsumedCapacity, ExpectedAttributeValue, ItemCollectionMetrics,
    ReturnConsumedCapacity, ReturnItemCollectionMetrics, ReturnValue,
    ReturnValuesOnConditionCheckFailure,
};
use super::{AttributeValue, buffered, json_request, require_non_empty};
use crate::runtime::{FluentBuilder, fluent_setters, has_metadata, operation_error};

/// The `PutItem` operation.
#[derive(Debug)]
pub struct PutItem;

/// Input of [`PutItem`].
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct PutItemInput {
    /// The table (name or ARN).
    pub table_name: String,
    /// The item, including its full primary key.
    pub item: HashMap<String, AttributeValue>,
    /// Legacy conditions (prefer `ConditionExpression`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<HashMap<String, ExpectedAttributeValue>>,
    /// Return the item as it was (`ALL_OLD`) or nothing (`NONE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_values: Option<ReturnValue>,
    /// Report consumed capacity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_consumed_capacity: Option<ReturnConsumedCapacity>,
    /// Report item collection metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_item_collection_metrics: Option<ReturnItemCollectionMetrics>,
    /// Legacy: how `Expected` conditions combine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditional_operator: Option<ConditionalOperator>,
    /// Write only if this holds (`attribute_not_exists(pk)`); else
    /// `ConditionalCheckFailedException`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition_expression: Option<String>,
    /// Substitutes for attribute names in expressions (`#n` → `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression_attribute_names: Option<HashMap<String, String>>,
    /// Values for placeholders in expressions (`:v`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression_attribute_values: Option<HashMap<String, AttributeValue>>,
    /// Whether a failed condition returns the item as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_values_on_condition_check_failure: Option<ReturnValuesOnConditionCheckFailure>,
}

/// Output of [`PutItem`].
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutItemOutput {
    /// The replaced item, with `ReturnValues: ALL_OLD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<HashMap<String, AttributeValue>>,
    /// The capacity consumed, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumed_capacity: Option<ConsumedCapacity>,
    /// Item collection metrics, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_collection_metrics: Option<ItemCollectionMetrics>,
    /// Request id, attempts and timings.
    #[serde(skip)]
    pub response_metadata: Metadata,
}
has_metadata!(PutItemOutput);

operation_error! {
    /// Errors of [`PutItem`].
    PutItemError {
        /// The `ConditionExpression` (or `Expected`) did not hold; nothing was written.
        ConditionalCheckFailedException,
        /// The table's provisioned throughput is exhausted.
        ProvisionedThroughputExceededException,
        /// The table does not exist, or is not `ACTIVE` yet.
        ResourceNotFoundException,
        /// An item collection (a partition with local secondary indexes) exceeds 10 GB.
        ItemCollectionSizeLimitExceededException,
        /// A transaction is writing the item.
        TransactionConflictException,
        /// The account's request rate is exceeded.
        RequestLimitExceeded,
        /// The service failed.
        InternalServerError,
        /// Another Region is writing the item.
        ReplicatedWriteConflictException,
        /// The request was throttled.
        ThrottlingException,
    }
}

fluent_setters!(PutItem {
    /// The table (name or ARN).
    req table_name: String,
    /// `ALL_OLD` to get the replaced item back.
    opt return_values: ReturnValue,
    /// Report consumed capacity.
    opt return_consumed_capacity: ReturnConsumedCapacity,
    /// Report item collection metrics.
    opt return_item_collection_metrics: ReturnItemCollectionMetrics,
    /// Legacy: how `Expected` conditions combine.
    opt conditional_operator: ConditionalOperator,
    /// Write only if this holds.
    opt condition_expression: String,
    /// Whether a failed condition returns the item.
    opt return_values_on_condition_check_failure: ReturnValuesOnConditionCheckFailure,
});

map_setters!(PutItem {
    /// Legacy: adds one condition on an attribute.
    expected,
    set_expected: ExpectedAttributeValue,
    /// Adds one substitute for an attribute name (`#n` → `name`).
    expression_attribute_names,
    set_expression_attribute_names: String,
    /// Adds one value for a placeholder (`:v`).
    expression_attribute_values,
    set_expression_attribute_values: AttributeValue,
});

impl FluentBuilder<PutItem> {
    /// Adds one attribute to the item.
    pub fn item(mut self, name: impl Into<String>, value: impl Into<AttributeValue>) -> Self {
        self.input_mut().item.insert(name.into(), value.into());
        self
    }
    /// Sets the whole item.
    pub fn set_item(mut self, item: HashMap<String, AttributeValue>) -> Self {
        self.input_mut().item = item;
        self
    }
}

impl Operation for PutItem {
    type Input = PutItemInput;
    type Output = PutItemOutput;
    type Error = PutItemError;
    const SERVICE: &'static str = "DynamoDB";
    const NAME: &'static str = "PutItem";

    fn serialize(i: &mut PutItemInput, _: &mut Context) -> Result<http::Request<Body>, SdkError> {
        crate::runtime::require(&i.table_name, "TableName")?;
        require_non_empty(i.item.is_empty(), "Item")?;
        json_request("DynamoDB_20120810.PutItem", serde_json::to_vec(i))
    }

    fn deserialize(
        parts: http::response::Parts,
        body: ResponseBody,
        _: &mut Context,
    ) -> Result<PutItemOutput, SdkError> {
        aws_json::deserialize(&parts, &buffered(body)?)
    }

    fn spec() -> &'static OperationSpec {
        static SPEC: OperationSpec = OperationSpec::of::<PutItem>();
        &SPEC
    }
}
