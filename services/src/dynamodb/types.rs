//! The structures and enumerations that DynamoDB operations share, with the service model's
//! member names.
//!
//! **Enumerations** (`KeyType`, `BillingMode`, `TableStatus`, ...) are Rust enums with an
//! `Unknown(String)` fallback, as in aws-sdk-dynamodb: matching is checked by the compiler,
//! yet a value a newer service sends (or a caller passes) is kept, round-trips unchanged, and
//! never fails deserialization. Each converts from `&str`/`String`, so `.key_type("HASH")` and
//! `.key_type(KeyType::Hash)` both work, and [`as_str`](KeyType::as_str) gives the wire text.
//!
//! **Structures** shared by inputs and outputs accept unknown members when deserialized, so a
//! response carrying members newer than this crate still parses. Members this crate does not
//! model yet (for example `Replicas` or `VectorIndexes` of a table) are skipped in outputs.
//!
//! ```
//! use ziggurat_services::dynamodb::types::{KeySchemaElement, KeyType, TableStatus};
//!
//! let k = KeySchemaElement::new("pk", KeyType::Hash);
//! assert_eq!(serde_json::to_string(&k).unwrap(), r#"{"AttributeName":"pk","KeyType":"HASH"}"#);
//! let status: TableStatus = serde_json::from_str(r#""SOMETHING_NEW""#).unwrap();
//! assert_eq!(status, TableStatus::Unknown("SOMETHING_NEW".into()));
//! assert_eq!(TableStatus::from("ACTIVE"), TableStatus::Active);
//! ```
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::AttributeValue;
use crate::types::DateTime;

/// Defines a string enumeration with an `Unknown(String)` fallback.
macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $wire:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vm])* $variant,)*
            /// A value this version does not know, kept as sent.
            Unknown(String),
        }

        impl $name {
            /// The wire text.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)*
                    $name::Unknown(s) => s,
                }
            }
            /// The values the service model knows.
            pub const fn values() -> &'static [&'static str] {
                &[$($wire),*]
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($wire => $name::$variant,)*
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match s.as_str() {
                    $($wire => $name::$variant,)*
                    _ => $name::Unknown(s),
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok($name::from(s))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map($name::from)
            }
        }
    };
}

string_enum! {
    /// The role of a key attribute.
    KeyType {
        /// The partition key.
        Hash = "HASH",
        /// The sort key.
        Range = "RANGE",
    }
}

string_enum! {
    /// The type of a key attribute.
    ScalarAttributeType {
        /// String.
        S = "S",
        /// Number.
        N = "N",
        /// Binary.
        B = "B",
    }
}

string_enum! {
    /// How reads and writes are billed.
    BillingMode {
        /// Provisioned capacity.
        Provisioned = "PROVISIONED",
        /// On demand.
        PayPerRequest = "PAY_PER_REQUEST",
    }
}

string_enum! {
    /// The state of a table.
    TableStatus {
        /// Being created.
        Creating = "CREATING",
        /// Being updated.
        Updating = "UPDATING",
        /// Being deleted.
        Deleting = "DELETING",
        /// Ready.
        Active = "ACTIVE",
        /// Its KMS key is inaccessible.
        InaccessibleEncryptionCredentials = "INACCESSIBLE_ENCRYPTION_CREDENTIALS",
        /// Being archived.
        Archiving = "ARCHIVING",
        /// Archived.
        Archived = "ARCHIVED",
        /// Replication is not authorized.
        ReplicationNotAuthorized = "REPLICATION_NOT_AUTHORIZED",
    }
}

string_enum! {
    /// The state of an index.
    IndexStatus {
        /// Being created.
        Creating = "CREATING",
        /// Being updated.
        Updating = "UPDATING",
        /// Being deleted.
        Deleting = "DELETING",
        /// Ready.
        Active = "ACTIVE",
    }
}

string_enum! {
    /// Which item attributes a write returns.
    ReturnValue {
        /// Nothing.
        None = "NONE",
        /// The whole item as it was before.
        AllOld = "ALL_OLD",
        /// The updated attributes as they were before.
        UpdatedOld = "UPDATED_OLD",
        /// The whole item as it is after.
        AllNew = "ALL_NEW",
        /// The updated attributes as they are after.
        UpdatedNew = "UPDATED_NEW",
    }
}

string_enum! {
    /// Whether a failed condition returns the item.
    ReturnValuesOnConditionCheckFailure {
        /// The item as it was.
        AllOld = "ALL_OLD",
        /// Nothing.
        None = "NONE",
    }
}

string_enum! {
    /// Which attributes a read returns.
    Select {
        /// All attributes.
        AllAttributes = "ALL_ATTRIBUTES",
        /// All attributes projected into the index.
        AllProjectedAttributes = "ALL_PROJECTED_ATTRIBUTES",
        /// The attributes named in `ProjectionExpression` or `AttributesToGet`.
        SpecificAttributes = "SPECIFIC_ATTRIBUTES",
        /// Only the count of matching items.
        Count = "COUNT",
    }
}

string_enum! {
    /// How much consumed capacity a response reports.
    ReturnConsumedCapacity {
        /// The total and per index.
        Indexes = "INDEXES",
        /// The total only.
        Total = "TOTAL",
        /// None.
        None = "NONE",
    }
}

string_enum! {
    /// Whether a write reports item collection metrics.
    ReturnItemCollectionMetrics {
        /// Report sizes.
        Size = "SIZE",
        /// Report nothing.
        None = "NONE",
    }
}

string_enum! {
    /// How legacy conditions combine.
    ConditionalOperator {
        /// All must hold.
        And = "AND",
        /// One must hold.
        Or = "OR",
    }
}

string_enum! {
    /// A legacy condition's comparison.
    ComparisonOperator {
        /// Equal.
        Eq = "EQ",
        /// Not equal.
        Ne = "NE",
        /// One of.
        In = "IN",
        /// Less than or equal.
        Le = "LE",
        /// Less than.
        Lt = "LT",
        /// Greater than or equal.
        Ge = "GE",
        /// Greater than.
        Gt = "GT",
        /// Between two values, inclusive.
        Between = "BETWEEN",
        /// The attribute exists.
        NotNull = "NOT_NULL",
        /// The attribute does not exist.
        Null = "NULL",
        /// Contains.
        Contains = "CONTAINS",
        /// Does not contain.
        NotContains = "NOT_CONTAINS",
        /// Starts with.
        BeginsWith = "BEGINS_WITH",
    }
}

string_enum! {
    /// Which attributes an index holds.
    ProjectionType {
        /// All attributes.
        All = "ALL",
        /// The keys only.
        KeysOnly = "KEYS_ONLY",
        /// The keys and `NonKeyAttributes`.
        Include = "INCLUDE",
    }
}

string_enum! {
    /// A table's storage class.
    TableClass {
        /// Standard.
        Standard = "STANDARD",
        /// Standard-Infrequent Access.
        StandardInfrequentAccess = "STANDARD_INFREQUENT_ACCESS",
    }
}

string_enum! {
    /// What a stream record holds.
    StreamViewType {
        /// The item after the change.
        NewImage = "NEW_IMAGE",
        /// The item before the change.
        OldImage = "OLD_IMAGE",
        /// Both.
        NewAndOldImages = "NEW_AND_OLD_IMAGES",
        /// The keys only.
        KeysOnly = "KEYS_ONLY",
    }
}

string_enum! {
    /// Server-side encryption type.
    SseType {
        /// AES-256 (not settable).
        Aes256 = "AES256",
        /// AWS KMS.
        Kms = "KMS",
    }
}

/// A structure with the model's member names; add `#[derive(Default)]` where every member has
/// a default.
macro_rules! shape {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
        #[serde(rename_all = "PascalCase")]
        pub struct $name {
            $($(#[$fm])* pub $field: $ty,)*
        }
    };
}

shape! {
    /// One attribute of a table's key schema.
    KeySchemaElement {
        /// The attribute's name.
        attribute_name: String,
        /// Partition (`HASH`) or sort (`RANGE`) key.
        key_type: KeyType,
    }
}

impl KeySchemaElement {
    /// A key schema element.
    pub fn new(attribute_name: impl Into<String>, key_type: impl Into<KeyType>) -> Self {
        KeySchemaElement {
            attribute_name: attribute_name.into(),
            key_type: key_type.into(),
        }
    }
}

shape! {
    /// The type of one key attribute.
    AttributeDefinition {
        /// The attribute's name.
        attribute_name: String,
        /// `S`, `N` or `B`.
        attribute_type: ScalarAttributeType,
    }
}

impl AttributeDefinition {
    /// An attribute definition.
    pub fn new(
        attribute_name: impl Into<String>,
        attribute_type: impl Into<ScalarAttributeType>,
    ) -> Self {
        AttributeDefinition {
            attribute_name: attribute_name.into(),
            attribute_type: attribute_type.into(),
        }
    }
}

shape! {
    /// Provisioned read and write capacity.
    #[derive(Default)]
    ProvisionedThroughput {
        /// Reads per second.
        read_capacity_units: i64,
        /// Writes per second.
        write_capacity_units: i64,
    }
}

impl ProvisionedThroughput {
    /// Provisioned capacity.
    pub fn new(read_capacity_units: i64, write_capacity_units: i64) -> Self {
        ProvisionedThroughput {
            read_capacity_units,
            write_capacity_units,
        }
    }
}

shape! {
    /// Maximum on-demand throughput.
    #[derive(Default)]
    OnDemandThroughput {
        /// Maximum read request units.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_read_request_units: Option<i64>,
        /// Maximum write request units.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_write_request_units: Option<i64>,
    }
}

shape! {
    /// Pre-warmed throughput.
    #[derive(Default)]
    WarmThroughput {
        /// Reads per second.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        read_units_per_second: Option<i64>,
        /// Writes per second.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        write_units_per_second: Option<i64>,
    }
}

shape! {
    /// Which attributes an index holds.
    #[derive(Default)]
    Projection {
        /// `ALL`, `KEYS_ONLY` or `INCLUDE`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        projection_type: Option<ProjectionType>,
        /// The non-key attributes of an `INCLUDE` projection.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        non_key_attributes: Option<Vec<String>>,
    }
}

shape! {
    /// A local secondary index to create.
    #[derive(Default)]
    LocalSecondaryIndex {
        /// The index name.
        index_name: String,
        /// Its key schema.
        key_schema: Vec<KeySchemaElement>,
        /// Its projection.
        projection: Projection,
    }
}

shape! {
    /// A global secondary index to create.
    #[derive(Default)]
    GlobalSecondaryIndex {
        /// The index name.
        index_name: String,
        /// Its key schema.
        key_schema: Vec<KeySchemaElement>,
        /// Its projection.
        projection: Projection,
        /// Its provisioned capacity.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        provisioned_throughput: Option<ProvisionedThroughput>,
        /// Its on-demand limits.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on_demand_throughput: Option<OnDemandThroughput>,
        /// Its pre-warmed throughput.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warm_throughput: Option<WarmThroughput>,
    }
}

shape! {
    /// DynamoDB Streams settings.
    #[derive(Default)]
    StreamSpecification {
        /// Whether the stream is enabled.
        stream_enabled: bool,
        /// What stream records hold.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stream_view_type: Option<StreamViewType>,
    }
}

shape! {
    /// Server-side encryption settings.
    #[derive(Default)]
    SseSpecification {
        /// Whether to use a KMS key (`true`) or an AWS-owned key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        enabled: Option<bool>,
        /// `KMS`.
        #[serde(rename = "SSEType", default, skip_serializing_if = "Option::is_none")]
        sse_type: Option<SseType>,
        /// The KMS key.
        #[serde(rename = "KMSMasterKeyId", default, skip_serializing_if = "Option::is_none")]
        kms_master_key_id: Option<String>,
    }
}

shape! {
    /// A resource tag.
    #[derive(Default)]
    Tag {
        /// The key.
        key: String,
        /// The value.
        value: String,
    }
}

impl Tag {
    /// A tag.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Tag {
            key: key.into(),
            value: value.into(),
        }
    }
}

shape! {
    /// A legacy key or filter condition (prefer condition expressions).
    Condition {
        /// The operand(s).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        attribute_value_list: Option<Vec<AttributeValue>>,
        /// The comparison.
        comparison_operator: ComparisonOperator,
    }
}

shape! {
    /// A legacy write condition on one attribute (prefer `ConditionExpression`).
    #[derive(Default)]
    ExpectedAttributeValue {
        /// The value to compare with.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<AttributeValue>,
        /// Whether the attribute must exist.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exists: Option<bool>,
        /// The comparison.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comparison_operator: Option<ComparisonOperator>,
        /// The operand(s).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        attribute_value_list: Option<Vec<AttributeValue>>,
    }
}

// ---- outputs ----

shape! {
    /// Capacity units consumed on a table or index.
    #[derive(Default)]
    Capacity {
        /// Read units.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        read_capacity_units: Option<f64>,
        /// Write units.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        write_capacity_units: Option<f64>,
        /// Total units.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        capacity_units: Option<f64>,
    }
}

shape! {
    /// Capacity an operation consumed (when `ReturnConsumedCapacity` asked for it).
    #[derive(Default)]
    ConsumedCapacity {
        /// The table.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        table_name: Option<String>,
        /// Total units.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        capacity_units: Option<f64>,
        /// Read units.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        read_capacity_units: Option<f64>,
        /// Write units.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        write_capacity_units: Option<f64>,
        /// Units on the table itself.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        table: Option<Capacity>,
        /// Units per local secondary index.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        local_secondary_indexes: Option<HashMap<String, Capacity>>,
        /// Units per global secondary index.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        global_secondary_indexes: Option<HashMap<String, Capacity>>,
    }
}

shape! {
    /// The size of the item collection a write touched.
    #[derive(Default)]
    ItemCollectionMetrics {
        /// The partition key of the collection.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        item_collection_key: Option<HashMap<String, AttributeValue>>,
        /// Lower and upper bound of its size, in GB.
        #[serde(rename = "SizeEstimateRangeGB", default, skip_serializing_if = "Option::is_none")]
        size_estimate_range_gb: Option<Vec<f64>>,
    }
}

shape! {
    /// A table's provisioned capacity and its recent changes.
    #[derive(Default)]
    ProvisionedThroughputDescription {
        /// Last increase.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_increase_date_time: Option<DateTime>,
        /// Last decrease.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_decrease_date_time: Option<DateTime>,
        /// Decreases so far today.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        number_of_decreases_today: Option<i64>,
        /// Reads per second.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        read_capacity_units: Option<i64>,
        /// Writes per second.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        write_capacity_units: Option<i64>,
    }
}

shape! {
    /// A table's billing mode.
    #[derive(Default)]
    BillingModeSummary {
        /// The billing mode.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        billing_mode: Option<BillingMode>,
        /// When it last switched to on demand.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_update_to_pay_per_request_date_time: Option<DateTime>,
    }
}

shape! {
    /// A local secondary index of a table.
    #[derive(Default)]
    LocalSecondaryIndexDescription {
        /// The index name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index_name: Option<String>,
        /// Its key schema.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key_schema: Option<Vec<KeySchemaElement>>,
        /// Its projection.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        projection: Option<Projection>,
        /// Its size in bytes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index_size_bytes: Option<i64>,
        /// Its item count.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        item_count: Option<i64>,
        /// Its ARN.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index_arn: Option<String>,
    }
}

shape! {
    /// A global secondary index of a table.
    #[derive(Default)]
    GlobalSecondaryIndexDescription {
        /// The index name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index_name: Option<String>,
        /// Its key schema.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key_schema: Option<Vec<KeySchemaElement>>,
        /// Its projection.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        projection: Option<Projection>,
        /// Its state.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index_status: Option<IndexStatus>,
        /// Whether it is being filled from the table.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        backfilling: Option<bool>,
        /// Its provisioned capacity.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        provisioned_throughput: Option<ProvisionedThroughputDescription>,
        /// Its size in bytes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index_size_bytes: Option<i64>,
        /// Its item count.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        item_count: Option<i64>,
        /// Its ARN.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index_arn: Option<String>,
        /// Its on-demand limits.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on_demand_throughput: Option<OnDemandThroughput>,
    }
}

shape! {
    /// A table's server-side encryption.
    #[derive(Default)]
    SseDescription {
        /// `ENABLING`, `ENABLED`, ...
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<String>,
        /// The encryption type.
        #[serde(rename = "SSEType", default, skip_serializing_if = "Option::is_none")]
        sse_type: Option<SseType>,
        /// The KMS key.
        #[serde(rename = "KMSMasterKeyArn", default, skip_serializing_if = "Option::is_none")]
        kms_master_key_arn: Option<String>,
        /// Since when the key has been inaccessible.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        inaccessible_encryption_date_time: Option<DateTime>,
    }
}

shape! {
    /// A table's storage class.
    #[derive(Default)]
    TableClassSummary {
        /// The class.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        table_class: Option<TableClass>,
        /// When it last changed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_update_date_time: Option<DateTime>,
    }
}

shape! {
    /// Where a restored table came from.
    #[derive(Default)]
    RestoreSummary {
        /// The backup.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source_backup_arn: Option<String>,
        /// The source table.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source_table_arn: Option<String>,
        /// The point in time restored.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        restore_date_time: Option<DateTime>,
        /// Whether the restore is still running.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        restore_in_progress: Option<bool>,
    }
}

shape! {
    /// Why and when a table was archived.
    #[derive(Default)]
    ArchivalSummary {
        /// When.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        archival_date_time: Option<DateTime>,
        /// Why.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        archival_reason: Option<String>,
        /// The backup taken.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        archival_backup_arn: Option<String>,
    }
}

shape! {
    /// A table's pre-warmed throughput and its state.
    #[derive(Default)]
    TableWarmThroughputDescription {
        /// Reads per second.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        read_units_per_second: Option<i64>,
        /// Writes per second.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        write_units_per_second: Option<i64>,
        /// Its state.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<TableStatus>,
    }
}

shape! {
    /// A table: its schema, state, size and settings. `CreationDateTime` comes as epoch
    /// seconds. Not modeled yet (skipped when present): `Replicas`, `GlobalTableWitnesses`,
    /// `VectorIndexes`.
    #[derive(Default)]
    TableDescription {
        /// Its key attributes' types.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        attribute_definitions: Option<Vec<AttributeDefinition>>,
        /// Its name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        table_name: Option<String>,
        /// Its primary key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key_schema: Option<Vec<KeySchemaElement>>,
        /// Its state.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        table_status: Option<TableStatus>,
        /// When it was created.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        creation_date_time: Option<DateTime>,
        /// Its provisioned capacity.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        provisioned_throughput: Option<ProvisionedThroughputDescription>,
        /// Its size in bytes (updated about every six hours).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        table_size_bytes: Option<i64>,
        /// Its item count (updated about every six hours).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        item_count: Option<i64>,
        /// Its ARN.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        table_arn: Option<String>,
        /// Its unique id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        table_id: Option<String>,
        /// Its billing mode.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        billing_mode_summary: Option<BillingModeSummary>,
        /// Its local secondary indexes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        local_secondary_indexes: Option<Vec<LocalSecondaryIndexDescription>>,
        /// Its global secondary indexes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        global_secondary_indexes: Option<Vec<GlobalSecondaryIndexDescription>>,
        /// Its stream settings.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stream_specification: Option<StreamSpecification>,
        /// Its latest stream's label.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        latest_stream_label: Option<String>,
        /// Its latest stream's ARN.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        latest_stream_arn: Option<String>,
        /// The global tables version, for a global table.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        global_table_version: Option<String>,
        /// Where it was restored from.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        restore_summary: Option<RestoreSummary>,
        /// Its encryption.
        #[serde(rename = "SSEDescription", default, skip_serializing_if = "Option::is_none")]
        sse_description: Option<SseDescription>,
        /// Its archival.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        archival_summary: Option<ArchivalSummary>,
        /// Its storage class.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        table_class_summary: Option<TableClassSummary>,
        /// Whether deletion protection is on.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deletion_protection_enabled: Option<bool>,
        /// Its on-demand limits.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on_demand_throughput: Option<OnDemandThroughput>,
        /// Its pre-warmed throughput.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warm_throughput: Option<TableWarmThroughputDescription>,
        /// The consistency mode of a multi-Region table.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        multi_region_consistency: Option<String>,
    }
}
