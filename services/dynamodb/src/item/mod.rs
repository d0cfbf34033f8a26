//! Your serde types as DynamoDB items: [`to_item`] and [`from_item`].
//!
//! DynamoDB speaks in [`AttributeValue`]s, one tagged value per attribute (`{"S": "Ada"}`,
//! `{"N": "36"}`); writing them by hand for every struct is long and easy to get wrong. This
//! module is a serde `Serializer` into attribute values and a `Deserializer` out of them, like
//! the Go SDK's `attributevalue` package, so any `Serialize` / `Deserialize` type is an item.
//! Unlike going through `serde_json::Value`, numbers keep every digit: integers are written
//! with `itoa` and read by parsing the `N` text straight into the field's type, floats are
//! written in their shortest text that reads back as the same float, and [`Number`] keeps an
//! `N` as its text, for numbers wider than any Rust type.
//!
//! ```
//! use std::collections::HashMap;
//! use ziggurat_dynamodb::item::{from_item, to_item, StringSet};
//! use ziggurat_dynamodb::types::AttributeValue;
//!
//! #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
//! struct User {
//!     #[serde(rename = "pk")]
//!     id: String,
//!     age: u8,
//!     nickname: Option<String>,
//!     roles: StringSet,
//!     address: HashMap<String, String>,
//! }
//!
//! let user = User {
//!     id: "user#1".into(),
//!     age: 36,
//!     nickname: None,
//!     roles: StringSet(["admin".to_owned()].into()),
//!     address: HashMap::from([("city".to_owned(), "London".to_owned())]),
//! };
//! let item = to_item(&user)?;
//! assert_eq!(item["pk"], AttributeValue::S("user#1".into()));
//! assert_eq!(item["age"], AttributeValue::N("36".into()));
//! assert_eq!(item["roles"], AttributeValue::Ss(vec!["admin".into()]));
//! assert!(!item.contains_key("nickname")); // None is an absent attribute
//!
//! let back: User = from_item(item)?;
//! assert_eq!(back, user);
//! # Ok::<(), ziggurat_dynamodb::item::Error>(())
//! ```
//!
//! With the client, `to_item` gives `PutItem` its item and `from_item` reads `GetItem`'s:
//!
//! ```no_run
//! # #[derive(serde::Serialize, serde::Deserialize)] struct User { pk: String }
//! # async fn run(client: ziggurat_dynamodb::Client, user: User) -> Result<(), Box<dyn std::error::Error>> {
//! use ziggurat_dynamodb::item::{from_item, to_item};
//!
//! client.put_item().table_name("users").set_item(to_item(&user)?).send().await?;
//! let out = client.get_item().table_name("users").key("pk", "user#1").send().await?;
//! let user: Option<User> = out.item.map(from_item).transpose()?;
//! # Ok(()) }
//! ```
//!
//! # How serde types map to attribute values
//!
//! | Rust / serde | attribute value |
//! |---|---|
//! | `bool` | `BOOL` |
//! | integers, floats | `N` (NaN and infinities are errors) |
//! | [`Number`] | `N`, its text as it is |
//! | `String`, `&str`, `char` | `S` |
//! | bytes (`serialize_bytes`: `serde_bytes`, `bytes::Bytes` with its `serde` feature) | `B` |
//! | `Vec<T>`, slices, tuples, `HashSet<T>` | `L` (a plain `Vec<u8>` too, as in every serde format) |
//! | [`StringSet`], [`NumberSet`], [`BinarySet`] | `SS`, `NS`, `BS` |
//! | structs, maps with string keys | `M` (other keys are errors) |
//! | `Option::None` | no attribute in a struct or map; `NULL` in a list |
//! | `()`, unit structs | `NULL` |
//! | enums | externally tagged, as in `serde_json`: `S` for a unit variant, else `M` of one entry |
//!
//! Reading is the other way round, and also takes `NULL` as `None` and a `B` as a `Vec<u8>`.
//! `deserialize_any` works, so self-describing targets read items too (`serde_json::Value`,
//! untagged enums, `#[serde(flatten)]`); there an `N` becomes an `i64`, a `u64` or else an
//! `f64`, and a `B` a sequence of byte values, as `serde_json` writes bytes (targets that ask
//! for bytes get them whole).
//!
//! Errors say what went wrong and where: ``number 300 does not fit in u8 at `scores[2]` ``
//! ([`Error::path`], [`Error::kind`]).
mod de;
mod error;
mod number;
mod ser;
mod set;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use error::{Error, ErrorKind};
pub use number::Number;
pub use set::{BinarySet, NumberSet, StringSet};

use crate::types::AttributeValue;

/// A DynamoDB item: its attributes by name.
pub type Item = HashMap<String, AttributeValue>;

/// Writes a value as an item: it must serialize as a struct or a map with string keys.
///
/// ```
/// use ziggurat_dynamodb::item::to_item;
/// use ziggurat_dynamodb::types::AttributeValue;
///
/// #[derive(serde::Serialize)]
/// struct Order { pk: String, total: f64 }
///
/// let item = to_item(&Order { pk: "order#7".into(), total: 12.5 })?;
/// assert_eq!(item["total"], AttributeValue::N("12.5".into()));
/// assert!(to_item(&42).is_err()); // an item is a map
/// # Ok::<(), ziggurat_dynamodb::item::Error>(())
/// ```
pub fn to_item<T: Serialize + ?Sized>(value: &T) -> Result<Item, Error> {
    match value.serialize(ser::ValueSerializer)? {
        Some(AttributeValue::M(item)) => Ok(item),
        other => Err(Error::new(
            ErrorKind::NotAnItem,
            format!(
                "an item must be a struct or a map, found {}",
                other.as_ref().map_or("nothing (None)", error::describe)
            ),
        )),
    }
}

/// Reads an item into a value.
///
/// ```
/// use std::collections::HashMap;
/// use ziggurat_dynamodb::item::from_item;
/// use ziggurat_dynamodb::types::AttributeValue;
///
/// #[derive(serde::Deserialize)]
/// struct Order { pk: String, total: f64, note: Option<String> }
///
/// let item = HashMap::from([
///     ("pk".to_owned(), AttributeValue::S("order#7".into())),
///     ("total".to_owned(), AttributeValue::N("12.5".into())),
/// ]);
/// let order: Order = from_item(item)?;
/// assert_eq!((order.pk.as_str(), order.total, order.note), ("order#7", 12.5, None));
/// # Ok::<(), ziggurat_dynamodb::item::Error>(())
/// ```
pub fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, Error> {
    T::deserialize(de::ValueDeserializer(AttributeValue::M(item)))
}

/// Writes one value as an attribute value (an expression's value, say). `None` is `NULL`.
///
/// ```
/// use ziggurat_dynamodb::item::to_attribute_value;
/// use ziggurat_dynamodb::types::AttributeValue;
///
/// assert_eq!(to_attribute_value(&u64::MAX)?, AttributeValue::N("18446744073709551615".into()));
/// assert_eq!(
///     to_attribute_value(&vec!["a", "b"])?,
///     AttributeValue::L(vec![AttributeValue::S("a".into()), AttributeValue::S("b".into())])
/// );
/// assert!(to_attribute_value(&f64::NAN).is_err());
/// # Ok::<(), ziggurat_dynamodb::item::Error>(())
/// ```
pub fn to_attribute_value<T: Serialize + ?Sized>(value: &T) -> Result<AttributeValue, Error> {
    Ok(value
        .serialize(ser::ValueSerializer)?
        .unwrap_or(AttributeValue::Null(true)))
}

/// Reads one attribute value into a value.
///
/// ```
/// use ziggurat_dynamodb::item::{from_attribute_value, ErrorKind};
/// use ziggurat_dynamodb::types::AttributeValue;
///
/// let n: i64 = from_attribute_value(AttributeValue::N("-9223372036854775808".into()))?;
/// assert_eq!(n, i64::MIN);
/// let err = from_attribute_value::<u8>(AttributeValue::N("300".into())).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::NumberOutOfRange);
/// assert_eq!(err.to_string(), "number 300 does not fit in u8");
/// # Ok::<(), ziggurat_dynamodb::item::Error>(())
/// ```
pub fn from_attribute_value<T: DeserializeOwned>(value: AttributeValue) -> Result<T, Error> {
    T::deserialize(de::ValueDeserializer(value))
}
