//! `DeleteTable`: deletes a table and its items; it is `DELETING` for a while.
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

/// The `DeleteTable` operation.
#[derive(Debug)]
pub struct DeleteTable;

/// Input of [`DeleteTable`].
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DeleteTableInput {
    /// The table (name or ARN).
    pub table_name: String,
}

/// Output of [`DeleteTable`].
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteTableOutput {
    /// The table, usually `DELETING`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_description: Option<TableDescription>,
    /// Request id, attempts and timings.
    #[serde(skip)]
    pub response_metadata: Metadata,
}
has_metadata!(DeleteTableOutput);

operation_error! {
    /// Errors of [`DeleteTable`].
    DeleteTableError {
        /// The table is being created or updated, or deletion protection is on.
        ResourceInUseException,
        /// The table does not exist.
        ResourceNotFoundException,
        /// Too many concurrent table operations.
        LimitExceededException,
        /// The service failed.
        InternalServerError,
    }
}

fluent_setters!(DeleteTable {
    /// The table (name or ARN).
    req table_name: String,
});

impl Operation for DeleteTable {
    type Input = DeleteTableInput;
    type Output = DeleteTableOutput;
    type Error = DeleteTableError;
    const SERVICE: &'static str = "DynamoDB";
    const NAME: &'static str = "DeleteTable";

    fn serialize(
        i: &mut DeleteTableInput,
        _: &mut Context,
    ) -> Result<http::Request<Body>, SdkError> {
        crate::runtime::require(&i.table_name, "TableName")?;
        json_request("DynamoDB_20120810.DeleteTable", serde_json::to_vec(i))
    }

    fn deserialize(
        parts: http::response::Parts,
        body: ResponseBody,
        _: &mut Context,
    ) -> Result<DeleteTableOutput, SdkError> {
        aws_json::deserialize(&parts, &buffered(body)?)
    }

    fn spec() -> &'static OperationSpec {
        static SPEC: OperationSpec = OperationSpec::of::<DeleteTable>();
        &SPEC
    }
}
