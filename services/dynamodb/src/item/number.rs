//! [`Number`]: a DynamoDB number kept as its text.
use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

use super::error::{Error, ErrorKind};
use crate::types::AttributeValue;

/// The newtype name by which the item serializer and deserializer know a [`Number`].
pub(crate) const NUMBER_TOKEN: &str = "\u{0}ziggurat_dynamodb::item::Number";

/// A DynamoDB number (`N`) kept exactly as its text.
///
/// DynamoDB numbers have up to 38 significant digits, more than `i64`, `u64` or `f64` hold. A
/// `Number` field reads an `N` without parsing it, and writes it back unchanged, so no digit is
/// lost; parse it when you need arithmetic (`number.as_str().parse::<i128>()`, or a decimal
/// crate). Other serde formats see it as a string.
///
/// ```
/// use std::collections::HashMap;
/// use ziggurat_dynamodb::item::{from_item, to_item, Number};
/// use ziggurat_dynamodb::types::AttributeValue;
///
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Account { balance: Number }
///
/// let exact = "12345678901234567890123456789.123456789";
/// let item = HashMap::from([("balance".to_owned(), AttributeValue::N(exact.to_owned()))]);
/// let account: Account = from_item(item)?;
/// assert_eq!(account.balance.as_str(), exact);
/// assert_eq!(to_item(&account)?["balance"], AttributeValue::N(exact.to_owned()));
///
/// assert!("12e3".parse::<Number>().is_ok());
/// assert!("twelve".parse::<Number>().is_err());
/// # Ok::<(), ziggurat_dynamodb::item::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Number(String);

impl Number {
    /// The number's text, as DynamoDB sent it or as it was made.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number's text, owned.
    pub fn into_string(self) -> String {
        self.0
    }

    /// The number of a float, in its shortest text that reads back as the same float, or an
    /// error for NaN and infinities, which DynamoDB cannot store.
    pub fn from_f64(value: f64) -> Result<Number, Error> {
        if value.is_finite() {
            Ok(Number(ryu::Buffer::new().format_finite(value).to_owned()))
        } else {
            Err(non_finite(value))
        }
    }
}

pub(crate) fn non_finite(value: impl fmt::Display) -> Error {
    Error::new(
        ErrorKind::NonFiniteNumber,
        format!("{value} cannot be stored: DynamoDB numbers are finite"),
    )
}

/// Whether `text` is a decimal number: an optional sign, digits with an optional fraction (or a
/// fraction alone), and an optional exponent (`-12`, `3.25`, `.5`, `1E-7`).
pub(crate) fn is_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let mut mantissa = digits(&mut i);
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return false;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == bytes.len()
}

impl FromStr for Number {
    type Err = Error;

    fn from_str(text: &str) -> Result<Number, Error> {
        Number::try_from(text.to_owned())
    }
}

impl TryFrom<String> for Number {
    type Error = Error;

    fn try_from(text: String) -> Result<Number, Error> {
        if is_number(&text) {
            Ok(Number(text))
        } else {
            Err(Error::new(
                ErrorKind::InvalidNumber,
                format!("`{text}` is not a number"),
            ))
        }
    }
}

macro_rules! from_integer {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(value: $t) -> Number {
                Number(itoa::Buffer::new().format(value).to_owned())
            }
        }
    )*};
}
from_integer!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Number> for AttributeValue {
    fn from(number: Number) -> AttributeValue {
        AttributeValue::N(number.0)
    }
}

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(NUMBER_TOKEN, &self.0)
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Number, D::Error> {
        deserializer.deserialize_newtype_struct(NUMBER_TOKEN, NumberVisitor)
    }
}

/// Reads a number from the item deserializer (an `N`'s text) or from any other format (a
/// string or a number).
struct NumberVisitor;

impl<'de> Visitor<'de> for NumberVisitor {
    type Value = Number;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Number, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Number, E> {
        self.visit_string(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Number, E> {
        Number::try_from(v).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
        Ok(Number::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
        Ok(Number::from(v))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Number, E> {
        Ok(Number::from(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Number, E> {
        Ok(Number::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
        Number::from_f64(v).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_texts_are_numbers_and_others_are_not() {
        for ok in [
            "0", "-12", "+7", "3.25", "3.", ".5", "1e5", "1E-7", "-2.5e+30",
        ] {
            assert!(is_number(ok), "{ok}");
        }
        for bad in [
            "", "-", ".", "e5", "1e", "1e+", "1.2.3", "0x10", "NaN", "inf", " 1", "1 ", "1_000",
        ] {
            assert!(!is_number(bad), "{bad}");
        }
    }

    #[test]
    fn integers_and_floats_become_their_exact_text() {
        assert_eq!(Number::from(u128::MAX).as_str(), u128::MAX.to_string());
        assert_eq!(Number::from(i64::MIN).as_str(), "-9223372036854775808");
        assert_eq!(Number::from_f64(0.1).unwrap().as_str(), "0.1");
        assert_eq!(
            Number::from_f64(f64::NAN).unwrap_err().kind(),
            ErrorKind::NonFiniteNumber
        );
    }

    #[test]
    fn other_formats_see_a_number_as_a_string_and_read_it_back() {
        let n: Number = "12.50".parse().unwrap();
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(json, "\"12.50\"");
        assert_eq!(serde_json::from_str::<Number>(&json).unwrap(), n);
        assert_eq!(serde_json::from_str::<Number>("42").unwrap().as_str(), "42");
        assert!(serde_json::from_str::<Number>("\"forty\"").is_err());
    }
}
