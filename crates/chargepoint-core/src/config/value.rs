//! Configuration values in OCPP's string form (GetConfiguration's `value`, ChangeConfiguration's
//! `value`) and as typed values for the change events the runtime applies.

use std::fmt;

use serde_json::{Number, Value};

use super::registry::KeySpec;
use super::schema::{split_list, JsonType};

/// Renders a stored value as GetConfiguration reports it: booleans `true`/`false`, numbers in
/// decimal (whole numbers without a fraction), strings as they are, arrays as comma-separated
/// lists (libocpp's `to_csl`) and objects as compact JSON.
pub fn to_ocpp_string(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number_text(n),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => to_ocpp_string(other),
            })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => value.to_string(),
    }
}

fn number_text(n: &Number) -> String {
    match n.as_f64() {
        Some(f) if !n.is_i64() && !n.is_u64() && f.fract() == 0.0 && f.abs() < 9e15 => {
            format!("{}", f as i64)
        }
        _ => n.to_string(),
    }
}

/// Parses the string a ChangeConfiguration carries into the JSON value stored for `spec`, or
/// says why it cannot be one. Only the type is checked here; ranges and lists are the schema's.
///
/// Booleans are accepted in any letter case (as libocpp's `isBool`) and stored as JSON booleans;
/// integers must be plain decimal digits with an optional sign; numbers may have a fraction (the
/// schemas say `number`; libocpp takes only integers for those keys); lists of an array key are
/// comma-separated; objects are JSON text.
pub fn parse_ocpp_string(spec: &KeySpec, text: &str) -> Result<Value, String> {
    match spec.json_type() {
        JsonType::Boolean => {
            if text.eq_ignore_ascii_case("true") {
                Ok(Value::Bool(true))
            } else if text.eq_ignore_ascii_case("false") {
                Ok(Value::Bool(false))
            } else {
                Err(format!("{text:?} is not a boolean (true or false)"))
            }
        }
        JsonType::Integer => {
            let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("{text:?} is not an integer"));
            }
            text.parse::<i64>()
                .map(Value::from)
                .map_err(|_| format!("{text:?} does not fit an OCPP integer (32-bit)"))
        }
        JsonType::Number => {
            let x: f64 = text
                .parse()
                .ok()
                .filter(|x: &f64| x.is_finite())
                .filter(|_| !text.trim().is_empty() && text.trim() == text)
                .ok_or_else(|| format!("{text:?} is not a number"))?;
            // Whole numbers are stored as integers so the file keeps "48", not "48.0".
            if x.fract() == 0.0 && x.abs() < 9e15 {
                Ok(Value::from(x as i64))
            } else {
                Number::from_f64(x)
                    .map(Value::Number)
                    .ok_or_else(|| format!("{text:?} is not a number"))
            }
        }
        JsonType::String => Ok(Value::String(text.to_string())),
        JsonType::Array => Ok(Value::Array(
            split_list(text)
                .into_iter()
                .map(|s| Value::String(s.to_string()))
                .collect(),
        )),
        JsonType::Object => match serde_json::from_str::<Value>(text) {
            Ok(v @ Value::Object(_)) => Ok(v),
            Ok(_) => Err("expected a JSON object".to_string()),
            Err(e) => Err(format!("not valid JSON: {e}")),
        },
    }
}

/// A configuration value as the runtime reads it from a change event.
#[derive(Clone, PartialEq)]
pub enum ConfigValue {
    /// A boolean key.
    Bool(bool),
    /// An integer key.
    Integer(i64),
    /// A number key.
    Number(f64),
    /// A plain string key.
    Text(String),
    /// A comma-separated list (a string key with a list form) or an array of strings, by member.
    List(Vec<String>),
    /// An object (DefaultPrice ...) or anything else, as JSON.
    Json(Value),
}

impl ConfigValue {
    /// The typed form of `value` stored for `spec`.
    pub fn from_json(spec: &KeySpec, value: &Value) -> ConfigValue {
        match value {
            Value::Bool(b) => ConfigValue::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) if spec.json_type() == JsonType::Integer => ConfigValue::Integer(i),
                _ => ConfigValue::Number(n.as_f64().unwrap_or_default()),
            },
            Value::String(s) if spec.list().is_some() => {
                ConfigValue::List(split_list(s).into_iter().map(str::to_string).collect())
            }
            Value::String(s) => ConfigValue::Text(s.clone()),
            Value::Array(items) if items.iter().all(Value::is_string) => ConfigValue::List(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
            ),
            other => ConfigValue::Json(other.clone()),
        }
    }

    /// The integer, if this is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            ConfigValue::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            ConfigValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The text, if this is a plain string.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            ConfigValue::Text(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Debug for ConfigValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigValue::Bool(b) => write!(f, "{b}"),
            ConfigValue::Integer(i) => write!(f, "{i}"),
            ConfigValue::Number(x) => write!(f, "{x}"),
            ConfigValue::Text(s) => write!(f, "{s:?}"),
            ConfigValue::List(items) => f.debug_list().entries(items).finish(),
            ConfigValue::Json(v) => write!(f, "{v}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::registry::Registry;
    use serde_json::json;

    fn spec(name: &str) -> KeySpec {
        Registry::embedded().unwrap().key(name).unwrap().clone()
    }

    #[test]
    fn ocpp_string_form() {
        assert_eq!(to_ocpp_string(&json!(true)), "true");
        assert_eq!(to_ocpp_string(&json!(false)), "false");
        assert_eq!(to_ocpp_string(&json!(300)), "300");
        assert_eq!(to_ocpp_string(&json!(230.0)), "230");
        assert_eq!(to_ocpp_string(&json!(10.5)), "10.5");
        assert_eq!(to_ocpp_string(&json!(["log", "html"])), "log,html");
        assert_eq!(to_ocpp_string(&json!("A,B")), "A,B");
        assert_eq!(
            to_ocpp_string(&json!({"priceText": "x"})),
            r#"{"priceText":"x"}"#
        );
    }

    #[test]
    fn parsing_by_type() {
        let b = spec("LocalPreAuthorize");
        assert_eq!(parse_ocpp_string(&b, "TRUE"), Ok(json!(true)));
        assert_eq!(parse_ocpp_string(&b, "false"), Ok(json!(false)));
        assert!(parse_ocpp_string(&b, "1").is_err());
        let i = spec("HeartbeatInterval");
        assert_eq!(parse_ocpp_string(&i, "60"), Ok(json!(60)));
        assert_eq!(parse_ocpp_string(&i, "-5"), Ok(json!(-5)));
        for bad in ["", "6O", "1.5", " 60", "0x10", "99999999999999999999"] {
            assert!(parse_ocpp_string(&i, bad).is_err(), "{bad}");
        }
        let n = spec("SupplyVoltage");
        assert_eq!(parse_ocpp_string(&n, "230"), Ok(json!(230)));
        assert_eq!(parse_ocpp_string(&n, "229.5"), Ok(json!(229.5)));
        assert!(parse_ocpp_string(&n, "NaN").is_err());
        assert!(parse_ocpp_string(&n, "inf").is_err());
        let o = spec("DefaultPrice");
        assert!(parse_ocpp_string(&o, r#"{"priceText": "x"}"#).is_ok());
        assert!(parse_ocpp_string(&o, "[1]").is_err());
        assert!(parse_ocpp_string(&o, "{").is_err());
        let a = spec("LogMessagesFormat");
        assert_eq!(
            parse_ocpp_string(&a, "log, html"),
            Ok(json!(["log", "html"]))
        );
    }

    #[test]
    fn typed_values() {
        let sampled = spec("MeterValuesSampledData");
        assert_eq!(
            ConfigValue::from_json(&sampled, &json!("Energy.Active.Import.Register, SoC")),
            ConfigValue::List(vec!["Energy.Active.Import.Register".into(), "SoC".into()])
        );
        assert_eq!(
            ConfigValue::from_json(&spec("HeartbeatInterval"), &json!(60)).as_i64(),
            Some(60)
        );
        assert_eq!(
            ConfigValue::from_json(&spec("SupplyVoltage"), &json!(230)),
            ConfigValue::Number(230.0)
        );
        assert_eq!(
            ConfigValue::from_json(&spec("CpoName"), &json!("x")).as_text(),
            Some("x")
        );
    }
}
