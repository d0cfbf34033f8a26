//! `aws.parseArn`: an ARN's parts, the resource split on `:` and `/`.
use std::collections::BTreeMap;

use super::value::Value;

/// A parsed ARN, `arn:partition:service:region:account-id:resource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn {
    /// The partition (`aws`, `aws-cn`, ...), never empty.
    pub partition: String,
    /// The service namespace (`s3`), never empty.
    pub service: String,
    /// The region, possibly empty.
    pub region: String,
    /// The account id, possibly empty.
    pub account_id: String,
    /// The resource split on every `:` and `/` (`accesspoint/name` → `["accesspoint", "name"]`).
    pub resource_id: Vec<String>,
}

impl Arn {
    /// Parses an ARN; `None` unless it starts with `arn:`, has all six parts, and its
    /// partition, service and resource are not empty.
    pub fn parse(value: &str) -> Option<Arn> {
        let mut parts = value.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        let partition = parts.next()?;
        let service = parts.next()?;
        let region = parts.next()?;
        let account_id = parts.next()?;
        let resource = parts.next()?;
        if partition.is_empty() || service.is_empty() || resource.is_empty() {
            return None;
        }
        Some(Arn {
            partition: partition.to_owned(),
            service: service.to_owned(),
            region: region.to_owned(),
            account_id: account_id.to_owned(),
            resource_id: resource.split([':', '/']).map(str::to_owned).collect(),
        })
    }

    /// The record the rules see: `partition`, `service`, `region`, `accountId` and
    /// `resourceId` (an array of strings).
    pub fn to_value(&self) -> Value {
        let mut r = BTreeMap::new();
        r.insert("partition".to_owned(), Value::from(self.partition.as_str()));
        r.insert("service".to_owned(), Value::from(self.service.as_str()));
        r.insert("region".to_owned(), Value::from(self.region.as_str()));
        r.insert(
            "accountId".to_owned(),
            Value::from(self.account_id.as_str()),
        );
        r.insert(
            "resourceId".to_owned(),
            Value::from(self.resource_id.clone()),
        );
        Value::Record(r)
    }
}
