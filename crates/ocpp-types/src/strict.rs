//! A deserializer over `serde_json::Value` that accepts a struct only from a JSON object.
//!
//! serde's derived `Deserialize` for a struct also accepts a JSON array of the field values in
//! order (`["04A2"]` would read as an Authorize request). OCPP payloads are objects at every
//! level, so [`StrictValue`] refuses an array wherever a struct is expected, at any depth, with
//! serde's usual "invalid type" message (a FormationViolation). Everything else behaves as
//! deserializing from `&serde_json::Value` does.

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, Unexpected, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::{Map, Number, Value};

type Error = serde_json::Error;

/// Deserializes from a borrowed JSON value, refusing arrays in place of structs.
pub(crate) struct StrictValue<'a>(pub(crate) &'a Value);

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                Unexpected::Unsigned(u)
            } else if let Some(i) = n.as_i64() {
                Unexpected::Signed(i)
            } else {
                Unexpected::Float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

fn visit_number<'de, V: Visitor<'de>>(n: &Number, visitor: V) -> Result<V::Value, Error> {
    if let Some(u) = n.as_u64() {
        visitor.visit_u64(u)
    } else if let Some(i) = n.as_i64() {
        visitor.visit_i64(i)
    } else {
        visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
    }
}

impl<'de> Deserializer<'de> for StrictValue<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => visit_number(n, visitor),
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => visitor.visit_seq(SeqAccess(items.iter())),
            Value::Object(map) => visitor.visit_map(MapAccess::new(map)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(map) => visitor.visit_map(MapAccess::new(map)),
            other => Err(de::Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        // OCPP enums are strings; every enum of this crate has unit variants only.
        match self.0 {
            Value::String(s) => {
                visitor.visit_enum(IntoDeserializer::<Error>::into_deserializer(s.as_str()))
            }
            other => Err(de::Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

struct SeqAccess<'a>(std::slice::Iter<'a, Value>);

impl<'de> de::SeqAccess<'de> for SeqAccess<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|v| seed.deserialize(StrictValue(v)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct MapAccess<'a> {
    entries: serde_json::map::Iter<'a>,
    value: Option<&'a Value>,
}

impl<'a> MapAccess<'a> {
    fn new(map: &'a Map<String, Value>) -> Self {
        MapAccess {
            entries: map.iter(),
            value: None,
        }
    }
}

impl<'de> de::MapAccess<'de> for MapAccess<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.entries.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(BorrowedStrDeserializer::<Error>::new(k))
                    .map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(v) => seed.deserialize(StrictValue(v)),
            None => Err(de::Error::custom("value requested before key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use crate::error::Violation;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Inner {
        id_tag: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Outer {
        inner: Option<Inner>,
        list: Vec<Inner>,
        n: i32,
    }

    #[test]
    fn objects_decode_as_before() {
        let v = json!({"inner": {"idTag": "a"}, "list": [{"idTag": "b"}], "n": 3});
        let o: Outer = crate::decode(&v).unwrap();
        assert_eq!(o.list[0].id_tag, "b");
        assert_eq!(o.inner, Some(Inner { id_tag: "a".into() }));
    }

    #[test]
    fn arrays_in_place_of_structs_are_refused_at_any_depth() {
        for (v, path) in [
            (json!(["a"]), "."),
            (json!({"inner": ["a"], "list": [], "n": 1}), "inner"),
            (json!({"list": [["b"]], "n": 1}), "list[0]"),
        ] {
            let err = crate::decode::<Outer>(&v).unwrap_err();
            assert_eq!(err.violation, Violation::WrongType, "{v}");
            assert_eq!(err.path, path);
        }
    }

    #[test]
    fn numbers_keep_serde_semantics() {
        let err = crate::decode::<Outer>(&json!({"list": [], "n": 1.5})).unwrap_err();
        assert_eq!(err.violation, Violation::WrongType);
        let err = crate::decode::<Outer>(&json!({"list": [], "n": 5_000_000_000u64})).unwrap_err();
        assert_eq!(err.violation, Violation::InvalidValue);
    }
}
