//! The primitive data types of OCPP 1.6 (§7): bounded case-insensitive strings, date-times,
//! decimals with one decimal place, and arrays with a minimum number of elements.
//!
//! Each type refuses, while deserializing, the values the schemas refuse, with an error message
//! that [`crate::error`] maps to the right CALLERROR code. A value of one of these types is
//! therefore always valid to send.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::str::FromStr;

use chrono::{SecondsFormat, TimeZone, Utc};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A string of at most `N` characters that compares case-insensitively (OCPP's `CiStringNType`).
///
/// The maximum is counted in characters (Unicode scalar values), as JSON schema's `maxLength`
/// counts them. Comparison and hashing ignore ASCII case, as OCPP requires for identifiers such
/// as idTags; the original spelling is kept and sent unchanged.
#[derive(Clone, Default)]
pub struct CiString<const N: usize>(String);

/// `CiString20Type`.
pub type CiString20 = CiString<20>;
/// `CiString25Type`.
pub type CiString25 = CiString<25>;
/// `CiString50Type`.
pub type CiString50 = CiString<50>;
/// `CiString255Type`.
pub type CiString255 = CiString<255>;
/// `CiString500Type`.
pub type CiString500 = CiString<500>;

/// A string was longer than its type allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("string too long: {len} characters, at most {max} allowed")]
pub struct StringTooLong {
    /// Characters in the refused string.
    pub len: usize,
    /// The maximum of the type.
    pub max: usize,
}

impl<const N: usize> CiString<N> {
    /// The maximum length in characters.
    pub const MAX_LEN: usize = N;

    /// Wraps `s` if it has at most `N` characters.
    pub fn new(s: impl Into<String>) -> Result<Self, StringTooLong> {
        let s = s.into();
        let len = s.chars().count();
        if len > N {
            return Err(StringTooLong { len, max: N });
        }
        Ok(CiString(s))
    }

    /// Wraps `s`, cutting it to `N` characters (for text the station composes itself, such as an
    /// error description, where losing the tail is better than not reporting at all).
    pub fn truncating(s: &str) -> Self {
        CiString(s.chars().take(N).collect())
    }

    /// The string as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The owned string as given.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl<const N: usize> Deref for CiString<N> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<const N: usize> AsRef<str> for CiString<N> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<const N: usize> PartialEq for CiString<N> {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl<const N: usize> Eq for CiString<N> {}

impl<const N: usize> PartialEq<str> for CiString<N> {
    fn eq(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

impl<const N: usize> PartialEq<&str> for CiString<N> {
    fn eq(&self, other: &&str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

impl<const N: usize> Hash for CiString<N> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for b in self.0.bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
        state.write_u8(0xff);
    }
}

impl<const N: usize> fmt::Debug for CiString<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl<const N: usize> fmt::Display for CiString<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<const N: usize> FromStr for CiString<N> {
    type Err = StringTooLong;
    fn from_str(s: &str) -> Result<Self, StringTooLong> {
        CiString::new(s)
    }
}

impl<const N: usize> TryFrom<&str> for CiString<N> {
    type Error = StringTooLong;
    fn try_from(s: &str) -> Result<Self, StringTooLong> {
        CiString::new(s)
    }
}

impl<const N: usize> TryFrom<String> for CiString<N> {
    type Error = StringTooLong;
    fn try_from(s: String) -> Result<Self, StringTooLong> {
        CiString::new(s)
    }
}

impl<const N: usize> Serialize for CiString<N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de, const N: usize> Deserialize<'de> for CiString<N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        CiString::new(s).map_err(de::Error::custom)
    }
}

/// A string of at most `N` characters compared exactly (the Security whitepaper's plain
/// `string[N]` fields, such as certificates and URLs, which are not case-insensitive).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct BoundedString<const N: usize>(String);

impl<const N: usize> BoundedString<N> {
    /// Wraps `s` if it has at most `N` characters.
    pub fn new(s: impl Into<String>) -> Result<Self, StringTooLong> {
        let s = s.into();
        let len = s.chars().count();
        if len > N {
            return Err(StringTooLong { len, max: N });
        }
        Ok(BoundedString(s))
    }

    /// The string as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl<const N: usize> Deref for BoundedString<N> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<const N: usize> fmt::Debug for BoundedString<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl<const N: usize> fmt::Display for BoundedString<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<const N: usize> TryFrom<&str> for BoundedString<N> {
    type Error = StringTooLong;
    fn try_from(s: &str) -> Result<Self, StringTooLong> {
        BoundedString::new(s)
    }
}

impl<const N: usize> Serialize for BoundedString<N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de, const N: usize> Deserialize<'de> for BoundedString<N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        BoundedString::new(s).map_err(de::Error::custom)
    }
}

/// A point in time, always UTC.
///
/// Sent as RFC 3339 with exactly three fractional digits and `Z` (`2026-11-24T06:00:00.000Z`),
/// as libocpp sends it. Any valid RFC 3339 date-time with a time zone (offset or `Z`, any number
/// of fractional digits) is accepted and converted to UTC; a date-time without a time zone is
/// refused, because its meaning would depend on a clock setting the sender cannot know.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime(chrono::DateTime<Utc>);

/// A date-time that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid date-time {text:?}: {reason}")]
pub struct InvalidDateTime {
    /// The refused text.
    pub text: String,
    /// Why it was refused.
    pub reason: String,
}

impl DateTime {
    /// Wraps a chrono UTC time, keeping at most millisecond precision (what goes on the wire).
    pub fn from_utc(t: chrono::DateTime<Utc>) -> Self {
        let millis = t.timestamp_millis();
        DateTime(Utc.timestamp_millis_opt(millis).single().unwrap_or(t))
    }

    /// The time as milliseconds since the Unix epoch.
    pub fn from_unix_millis(millis: i64) -> Option<Self> {
        Utc.timestamp_millis_opt(millis).single().map(DateTime)
    }

    /// Milliseconds since the Unix epoch.
    pub fn unix_millis(self) -> i64 {
        self.0.timestamp_millis()
    }

    /// The chrono value.
    pub fn to_chrono(self) -> chrono::DateTime<Utc> {
        self.0
    }

    /// Parses an RFC 3339 date-time with a time zone.
    pub fn parse(text: &str) -> Result<Self, InvalidDateTime> {
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|t| DateTime::from_utc(t.with_timezone(&Utc)))
            .map_err(|e| InvalidDateTime {
                text: text.chars().take(64).collect(),
                reason: e.to_string(),
            })
    }
}

impl From<chrono::DateTime<Utc>> for DateTime {
    fn from(t: chrono::DateTime<Utc>) -> Self {
        DateTime::from_utc(t)
    }
}

impl FromStr for DateTime {
    type Err = InvalidDateTime;
    fn from_str(s: &str) -> Result<Self, InvalidDateTime> {
        DateTime::parse(s)
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Millis, true))
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = DateTime;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 date-time string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DateTime, E> {
                DateTime::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(V)
    }
}

/// Serde helpers for OCPP `decimal` fields that the schemas restrict to one decimal place
/// (`multipleOf: 0.1`: charging limits and minChargingRate).
///
/// Values are kept as `f64`. On output they are rounded to one decimal place so the JSON
/// satisfies `multipleOf: 0.1`; on input any number is accepted unchanged, as libocpp does,
/// so that a limit of 6.66 A is not silently raised to 6.7 A.
pub mod one_decimal {
    use serde::Serializer;

    /// Rounds to one decimal place.
    pub fn round(v: f64) -> f64 {
        (v * 10.0).round() / 10.0
    }

    /// `serialize_with` for an `f64` field.
    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(round(*v))
    }

    /// `serialize_with` for an `Option<f64>` field (use with `skip_serializing_if`).
    pub mod option {
        use serde::Serializer;

        /// Serializes `Some(v)` rounded to one decimal place, `None` as null.
        pub fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
            match v {
                Some(v) => s.serialize_f64(super::round(*v)),
                None => s.serialize_none(),
            }
        }
    }
}

/// A list with at least one element (schema `minItems: 1`).
#[derive(Debug, Clone, PartialEq)]
pub struct NonEmptyVec<T>(Vec<T>);

/// The list given to [`NonEmptyVec::new`] was empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("occurrence constraint: the list needs at least one element")]
pub struct EmptyList;

impl<T> NonEmptyVec<T> {
    /// Wraps `items` if there is at least one.
    pub fn new(items: Vec<T>) -> Result<Self, EmptyList> {
        if items.is_empty() {
            Err(EmptyList)
        } else {
            Ok(NonEmptyVec(items))
        }
    }

    /// A list of one.
    pub fn one(item: T) -> Self {
        NonEmptyVec(vec![item])
    }

    /// The first element (there always is one).
    pub fn first(&self) -> &T {
        &self.0[0]
    }

    /// The elements.
    pub fn into_vec(self) -> Vec<T> {
        self.0
    }
}

impl<T> Deref for NonEmptyVec<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T: Serialize> Serialize for NonEmptyVec<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for NonEmptyVec<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let items = Vec::<T>::deserialize(deserializer)?;
        NonEmptyVec::new(items).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{classify, Violation};

    #[test]
    fn cistring_limits_and_compares_case_insensitively() {
        assert!(CiString20::new("12345678901234567890").is_ok());
        let err = CiString20::new("123456789012345678901").unwrap_err();
        assert_eq!(err, StringTooLong { len: 21, max: 20 });
        assert_eq!(classify(&err.to_string()), Violation::StringTooLong);
        // Characters, not bytes: 20 two-byte characters fit.
        assert!(CiString20::new("é".repeat(20)).is_ok());
        let a = CiString20::new("DEADBEEF").unwrap_or_default();
        let b = CiString20::new("deadbeef").unwrap_or_default();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "DEADBEEF");
        use std::collections::hash_map::DefaultHasher;
        let h = |s: &CiString20| {
            let mut h = DefaultHasher::new();
            s.hash(&mut h);
            h.finish()
        };
        assert_eq!(h(&a), h(&b));
        assert_eq!(CiString::<3>::truncating("abcdef").as_str(), "abc");
    }

    #[test]
    fn date_time_output_has_milliseconds_and_z() {
        let t =
            DateTime::parse("2026-11-24T07:00:00.123456+01:00").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.to_string(), "2026-11-24T06:00:00.123Z");
        let t = DateTime::parse("2026-11-24T06:00:00Z").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            serde_json::to_string(&t).unwrap_or_default(),
            "\"2026-11-24T06:00:00.000Z\""
        );
    }

    #[test]
    fn date_time_without_zone_or_garbage_is_refused() {
        for bad in [
            "2026-11-24T06:00:00",
            "2026-13-01T00:00:00Z",
            "yesterday",
            "",
        ] {
            let err = DateTime::parse(bad).unwrap_err();
            assert_eq!(
                classify(&err.to_string()),
                Violation::InvalidDateTime,
                "{bad}"
            );
        }
    }

    #[test]
    fn one_decimal_rounds_on_output() {
        assert_eq!(one_decimal::round(16.04), 16.0);
        assert_eq!(one_decimal::round(6.66), 6.7);
        assert_eq!(one_decimal::round(32.0), 32.0);
    }

    #[test]
    fn empty_list_is_an_occurrence_violation() {
        let err = serde_json::from_str::<NonEmptyVec<i32>>("[]").unwrap_err();
        assert_eq!(classify(&err.to_string()), Violation::Occurrence);
        let ok: NonEmptyVec<i32> = serde_json::from_str("[1,2]").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(*ok.first(), 1);
    }
}
