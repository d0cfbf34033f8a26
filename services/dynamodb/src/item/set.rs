//! [`StringSet`], [`NumberSet`] and [`BinarySet`]: the wrappers that make a collection a
//! DynamoDB set (`SS`, `NS`, `BS`) instead of a list (`L`).
use std::collections::BTreeSet;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

use serde::de::{Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

use super::number::Number;

pub(crate) const STRING_SET_TOKEN: &str = "\u{0}ziggurat_dynamodb::item::StringSet";
pub(crate) const NUMBER_SET_TOKEN: &str = "\u{0}ziggurat_dynamodb::item::NumberSet";
pub(crate) const BINARY_SET_TOKEN: &str = "\u{0}ziggurat_dynamodb::item::BinarySet";

macro_rules! set_type {
    ($(#[$doc:meta])* $name:ident, $default:ty, $token:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name<T = $default>(pub T);

        impl<T> $name<T> {
            /// The collection inside.
            pub fn into_inner(self) -> T {
                self.0
            }
        }

        impl<T> From<T> for $name<T> {
            fn from(inner: T) -> Self {
                $name(inner)
            }
        }

        impl<T> Deref for $name<T> {
            type Target = T;
            fn deref(&self) -> &T {
                &self.0
            }
        }

        impl<T> DerefMut for $name<T> {
            fn deref_mut(&mut self) -> &mut T {
                &mut self.0
            }
        }

        impl<'de, T: Deserialize<'de>> Deserialize<'de> for $name<T> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_newtype_struct($token, Inner(PhantomData)).map($name)
            }
        }
    };
}

set_type!(
    /// A string set (`SS`): any collection of strings that serde writes as a sequence
    /// (`BTreeSet<String>` by default, or `HashSet<String>`, `Vec<String>`, …).
    ///
    /// Without the wrapper a collection is a list (`L`). An empty set, or one that holds the
    /// same string twice, is an error when it is written: DynamoDB stores neither, so make a set
    /// that may be empty an `Option` and leave it `None`. Other serde formats see the collection
    /// alone.
    ///
    /// ```
    /// use ziggurat_dynamodb::item::{to_attribute_value, StringSet};
    /// use ziggurat_dynamodb::types::AttributeValue;
    ///
    /// let tags: StringSet = StringSet(["red".to_owned(), "blue".to_owned()].into());
    /// assert_eq!(
    ///     to_attribute_value(&tags)?,
    ///     AttributeValue::Ss(vec!["blue".into(), "red".into()])
    /// );
    /// # Ok::<(), ziggurat_dynamodb::item::Error>(())
    /// ```
    StringSet,
    BTreeSet<String>,
    STRING_SET_TOKEN
);

set_type!(
    /// A number set (`NS`): any collection of numbers that serde writes as a sequence
    /// (`BTreeSet<`[`Number`]`>` by default, or `Vec<f64>`, `BTreeSet<i64>`, …).
    ///
    /// An empty set, or one that holds the same text twice, is an error when it is written
    /// (DynamoDB also rejects `1` and `1.0` together, which this cannot see).
    ///
    /// ```
    /// use ziggurat_dynamodb::item::{from_attribute_value, to_attribute_value, NumberSet};
    /// use ziggurat_dynamodb::types::AttributeValue;
    ///
    /// let scores = NumberSet(vec![3_u32, 10]);
    /// let value = to_attribute_value(&scores)?;
    /// assert_eq!(value, AttributeValue::Ns(vec!["3".into(), "10".into()]));
    /// assert_eq!(from_attribute_value::<NumberSet<Vec<u32>>>(value)?, scores);
    /// # Ok::<(), ziggurat_dynamodb::item::Error>(())
    /// ```
    NumberSet,
    BTreeSet<Number>,
    NUMBER_SET_TOKEN
);

set_type!(
    /// A binary set (`BS`): any collection of byte strings (`BTreeSet<Vec<u8>>` by default, or
    /// `Vec<bytes::Bytes>`, `HashSet<Vec<u8>>`, …): its members are written as binary (`B`)
    /// whatever their type, and read back into any type that reads from bytes or a sequence
    /// of `u8`.
    ///
    /// An empty set, or one that holds the same bytes twice, is an error when it is written.
    ///
    /// ```
    /// use ziggurat_dynamodb::item::{from_attribute_value, to_attribute_value, BinarySet};
    /// use ziggurat_dynamodb::types::AttributeValue;
    ///
    /// let keys: BinarySet = BinarySet([vec![1_u8, 2], vec![3]].into_iter().collect());
    /// let value = to_attribute_value(&keys)?;
    /// assert_eq!(
    ///     value,
    ///     AttributeValue::Bs(vec![vec![1_u8, 2].into(), vec![3_u8].into()])
    /// );
    /// assert_eq!(from_attribute_value::<BinarySet>(value)?, keys);
    /// # Ok::<(), ziggurat_dynamodb::item::Error>(())
    /// ```
    BinarySet,
    BTreeSet<Vec<u8>>,
    BINARY_SET_TOKEN
);

impl<T: Serialize> Serialize for StringSet<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(STRING_SET_TOKEN, &self.0)
    }
}

impl<T: Serialize> Serialize for NumberSet<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(NUMBER_SET_TOKEN, &self.0)
    }
}

impl<T> Serialize for BinarySet<T>
where
    for<'a> &'a T: IntoIterator,
    for<'a> <&'a T as IntoIterator>::Item: AsRef<[u8]>,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(BINARY_SET_TOKEN, &Members(&self.0))
    }
}

/// A binary set's members, each written with `serialize_bytes` (a `Vec<u8>` alone would be a
/// sequence of numbers).
struct Members<'a, T>(&'a T);

impl<T> Serialize for Members<'_, T>
where
    for<'a> &'a T: IntoIterator,
    for<'a> <&'a T as IntoIterator>::Item: AsRef<[u8]>,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.into_iter().map(AsBytes))
    }
}

struct AsBytes<M>(M);

impl<M: AsRef<[u8]>> Serialize for AsBytes<M> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.0.as_ref())
    }
}

/// Reads the collection inside a set's newtype.
struct Inner<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for Inner<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a set")
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::deserialize(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_formats_see_the_collection_alone() {
        let tags = StringSet(vec!["a".to_owned(), "b".to_owned()]);
        let json = serde_json::to_string(&tags).unwrap();
        assert_eq!(json, r#"["a","b"]"#);
        assert_eq!(
            serde_json::from_str::<StringSet<Vec<String>>>(&json).unwrap(),
            tags
        );
        let blobs: BinarySet<Vec<Vec<u8>>> = BinarySet(vec![vec![1, 2]]);
        assert_eq!(serde_json::to_string(&blobs).unwrap(), "[[1,2]]");
    }

    #[test]
    fn a_set_derefs_to_its_collection() {
        let mut tags: StringSet = StringSet::default();
        tags.insert("x".to_owned());
        assert!(tags.contains("x"));
        assert_eq!(tags.into_inner().len(), 1);
    }
}
