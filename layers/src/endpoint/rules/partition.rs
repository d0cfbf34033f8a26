//! `aws.partition`: which partition a region is in, from `partitions.json`.
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde_json::Value as Json;

use super::region_regex::RegionRegex;
use super::value::Value;

/// A `partitions.json` that could not be used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionsError(String);

impl fmt::Display for PartitionsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid partitions: {}", self.0)
    }
}

impl std::error::Error for PartitionsError {}

#[derive(Debug, Clone)]
struct Partition {
    id: String,
    region_regex: RegionRegex,
    outputs: Value,
}

/// The partitions of `partitions.json`, parsed once: what `aws.partition` returns for a region.
#[derive(Debug, Clone)]
pub struct Partitions {
    partitions: Vec<Partition>,
    /// Every listed region (the first partition to list it wins): its partition's outputs
    /// with the region's own overrides, so a listed region costs one lookup.
    regions: HashMap<String, Value>,
}

impl Partitions {
    /// Parses `partitions.json` (`{"partitions": [{id, regionRegex, regions, outputs}]}`).
    pub fn from_json(json: &str) -> Result<Self, PartitionsError> {
        let doc: Json =
            serde_json::from_str(json).map_err(|e| PartitionsError(format!("not JSON: {e}")))?;
        let list = doc
            .get("partitions")
            .and_then(Json::as_array)
            .ok_or_else(|| PartitionsError("no `partitions` array".into()))?;
        let mut partitions = Vec::with_capacity(list.len());
        let mut regions = HashMap::new();
        for p in list {
            let id = p
                .get("id")
                .and_then(Json::as_str)
                .ok_or_else(|| PartitionsError("a partition without a string `id`".into()))?;
            let pattern = p.get("regionRegex").and_then(Json::as_str).ok_or_else(|| {
                PartitionsError(format!("partition `{id}` has no string `regionRegex`"))
            })?;
            let region_regex = RegionRegex::new(pattern)
                .map_err(|e| PartitionsError(format!("partition `{id}`: {e}")))?;
            let mut outputs = match p.get("outputs").and_then(Value::from_json) {
                Some(Value::Record(r)) => r,
                _ => {
                    return Err(PartitionsError(format!(
                        "partition `{id}` has no `outputs` object"
                    )));
                }
            };
            outputs
                .entry("name".to_owned())
                .or_insert_with(|| Value::from(id));
            if let Some(listed) = p.get("regions") {
                let listed = listed.as_object().ok_or_else(|| {
                    PartitionsError(format!("partition `{id}`: `regions` is not an object"))
                })?;
                for (name, overrides) in listed {
                    let mut merged: BTreeMap<String, Value> = outputs.clone();
                    if let Some(o) = overrides.as_object() {
                        for (k, v) in o {
                            if k != "description"
                                && let Some(v) = Value::from_json(v)
                            {
                                merged.insert(k.clone(), v);
                            }
                        }
                    }
                    regions.entry(name.clone()).or_insert(Value::Record(merged));
                }
            }
            partitions.push(Partition {
                id: id.to_owned(),
                region_regex,
                outputs: Value::Record(outputs),
            });
        }
        Ok(Partitions {
            partitions,
            regions,
        })
    }

    /// `aws.partition(region)`: the outputs (`name`, `dnsSuffix`, `dualStackDnsSuffix`,
    /// `supportsFIPS`, `supportsDualStack`, `implicitGlobalRegion`) of the partition that
    /// lists the region, else of the first whose `regionRegex` matches it, else of `aws`.
    pub fn resolve(&self, region: &str) -> Option<&Value> {
        self.regions
            .get(region)
            .or_else(|| {
                self.partitions
                    .iter()
                    .find(|p| p.region_regex.is_match(region))
                    .map(|p| &p.outputs)
            })
            .or_else(|| {
                self.partitions
                    .iter()
                    .find(|p| p.id == "aws")
                    .map(|p| &p.outputs)
            })
    }

    /// The partition ids, in file order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.partitions.iter().map(|p| p.id.as_str())
    }
}
