//! `DescribeTable`: a table's schema, state and size; poll it after `CreateTable` until
//! `TableStatus` is `ACTIVE`.
use serde::{Deserialize, Serialize};
use ziggurat_core::body::Body;
use ziggurat_core::context::Context;
use ziggurat_core::error::SdkError;
use ziggurat_core::metadata::Metadata;
use ziggurat_core::operation::Operation;
use ziggurat_core::stack::{OperationSpec, ResponseBody};
use ziggurat_layers::protocol::aws_json;

use super::types::TableDescription;
use super::{buffered, json_request};
use crate::runtime::{fluent_setters, has_metadata, operation_error};

/// The `DescribeTable` operation.
#[derive(Debug)]
pub struct DescribeTable;

/// Input of [`DescribeTable`].
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeTableInput {
    /// The table (name or ARN).
    pub table_name: String,
}

/// Output of [`DescribeTable`].
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeTableOutput {
    /// The table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<TableDescription>,
    /// Request id, attempts and timings.
    #[serde(skip)]
    pub response_metadata: Metadata,
}
has_metadata!(DescribeTableOutput);

operation_error! {
    /// Errors of [`DescribeTable`].
    DescribeTableError {
        /// The table does not exist.
        ResourceNotFoundException,
        /// The service failed.
        InternalServerError,
    }
}

fluent_setters!(DescribeTable {
    /// The table (name or ARN).
    req table_name: String,
});

impl Operation for DescribeTable {
    type Input = DescribeTableInput;
    type Output = DescribeTableOutput;
    type Error = DescribeTableError;
    const SERVICE: &'static str = "DynamoDB";
    const NAME: &'static str = "DescribeTable";

    fn serialize(
        i: &mut DescribeTableInput,
        _: &mut Context,
    ) -> Result<http::Request<Body>, SdkError> {
        crate::runtime::require(&i.table_name, "TableName")?;
        json_request("DynamoDB_20120810.DescribeTable", serde_json::to_vec(i))
    }

    fn deserialize(
        parts: http::response::Parts,
        body: ResponseBody,
        _: &mut Context,
    ) -> Result<DescribeTableOutput, SdkError> {
        aws_json::deserialize(&parts, &buffered(body)?)
    }

    fn spec() -> &'static OperationSpec {
        static SPEC: OperationSpec = OperationSpec::of::<DescribeTable>();
        &SPEC
    }
}
