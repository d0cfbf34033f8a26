//! `GetItem`: one item by its full primary key.
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
use super::types::{ConsumedCapacity, ReturnConsumedCapacity};
use super::{AttributeValue, buffered, json_request, require_non_empty};
use crate::runtime::{FluentBuilder, fluent_setters, has_metadata, operation_error};

/// The `GetItem` operation.
#[derive(Debug)]
pub struct GetItem;

/// Input of [`GetItem`].
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct GetItemInput {
    /// The table (name or ARN).
    pub table_name: String,
    /// The item's full primary key.
    pub key: HashMap<String, AttributeValue>,
    /// Legacy: the attributes to return (prefer `ProjectionExpression`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes_to_get: Option<Vec<String>>,
    /// Read the latest write (strongly consistent) instead of eventually consistent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consistent_read: Option<bool>,
    /// Report consumed capacity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_consumed_capacity: Option<ReturnConsumedCapacity>,
    /// The attributes to return (`a, b.c, #n`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projection_expression: Option<String>,
    /// Substitutes for attribute names in expressions (`#n` → `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression_attribute_names: Option<HashMap<String, String>>,
}

/// Output of [`GetItem`].
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetItemOutput {
    /// The item; `None` when no item has that key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<HashMap<String, AttributeValue>>,
    /// The capacity consumed, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumed_capacity: Option<ConsumedCapacity>,
    /// Request id, attempts and timings.
    #[serde(skip)]
    pub response_metadata: Metadata,
}
has_metadata!(GetItemOutput);

operation_error! {
    /// Errors of [`GetItem`].
    GetItemError {
        /// The table does not exist, or is not `ACTIVE` yet.
        ResourceNotFoundException,
        /// The table's provisioned throughput is exhausted.
        ProvisionedThroughputExceededException,
        /// The account's request rate is exceeded.
        RequestLimitExceeded,
        /// The request was throttled.
        ThrottlingException,
        /// The service failed.
        InternalServerError,
    }
}

fluent_setters!(GetItem {
    /// The table (name or ARN).
    req table_name: String,
    /// Strongly consistent read.
    opt consistent_read: bool,
    /// Report consumed capacity.
    opt return_consumed_capacity: ReturnConsumedCapacity,
    /// The attributes to return.
    opt projection_expression: String,
});

map_setters!(GetItem {
    /// Adds one substitute for an attribute name (`#n` → `name`).
    expression_attribute_names,
    set_expression_attribute_names: String,
});

impl FluentBuilder<GetItem> {
    /// Adds one attribute of the primary key.
    pub fn key(mut self, name: impl Into<String>, value: impl Into<AttributeValue>) -> Self {
        self.input_mut().key.insert(name.into(), value.into());
        self
    }
    /// Sets the whole primary key.
    pub fn set_key(mut self, key: HashMap<String, AttributeValue>) -> Self {
        self.input_mut().key = key;
        self
    }
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

impl Operation for GetItem {
    type Input = GetItemInput;
    type Output = GetItemOutput;
    type Error = GetItemError;
    const SERVICE: &'static str = "DynamoDB";
    const NAME: &'static str = "GetItem";

    fn serialize(i: &mut GetItemInput, _: &mut Context) -> Result<http::Request<Body>, SdkError> {
        crate::runtime::require(&i.table_name, "TableName")?;
        require_non_empty(i.key.is_empty(), "Key")?;
        json_request("DynamoDB_20120810.GetItem", serde_json::to_vec(i))
    }

    fn deserialize(
        parts: http::response::Parts,
        body: ResponseBody,
        _: &mut Context,
    ) -> Result<GetItemOutput, SdkError> {
        aws_json::deserialize(&parts, &buffered(body)?)
    }

    fn spec() -> &'static OperationSpec {
        static SPEC: OperationSpec = OperationSpec::of::<GetItem>();
        &SPEC
    }
}
