//! The JSON-schema subset our profile schema files (config/profile_schemas/) are written in, and a
//! validator for it whose messages name the JSON path and the reason in plain words.
//!
//! Standard draft-07 keywords understood: `type` (one of object, array, string, integer, number,
//! boolean), `properties`, `required`, `additionalProperties` (boolean), `items`, `minItems`,
//! `maxItems`, `minimum`, `maximum`, `minLength`, `maxLength` (in characters), `enum`, `default`,
//! `readOnly`, `writeOnly`, `definitions` and `$ref` to `#/definitions/<name>` of the same file.
//! `$schema`, `$comment`, `description` and `title` are annotations. Any other keyword is an error
//! when the schema is read, so a typo in a schema file cannot silently switch a check off.
//!
//! ferrocharge keywords, for what OCPP needs beyond JSON schema:
//!
//! - `x-list`: the string holds an OCPP comma-separated list (CSL). `items` is the schema of each
//!   member (members are trimmed; an empty string is the empty list), `maxItemsKey` names the
//!   `<Key>MaxLength` key bounding the member count, `subsetOfKey` a key whose list every member
//!   must appear in (`MeterValuesSampledData` and `SupportedMeasurands`). The cross-key parts are
//!   checked by the document validator (validate.rs), the members here.
//! - `x-rebootRequired`: a ChangeConfiguration of the key answers RebootRequired.
//! - `x-format`: a form checked only on ChangeConfiguration (see formats.rs): `phaseRotation`,
//!   `timeOffset`, `dateTime`. Only there because libocpp checks them only there, and its own example
//!   configs hold values that fail them.
//! - `x-reportedAs`: the key is reported under other names; `MeterPublicKey[<connector>]` (one key
//!   per array element) and `DefaultPriceText,<language>` (one key per price text), as libocpp.
//!
//! Integers are OCPP integers: 32-bit signed, whatever `minimum` and `maximum` say (libocpp reads
//! them as `int32_t`).

use serde_json::{Map, Value};

/// A schema that cannot be read: the file, the JSON pointer inside it and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("schema {file}: {pointer}: {reason}")]
pub struct SchemaError {
    /// The schema file (or "Custom schema" for one given at run time).
    pub file: String,
    /// Where in the file, as a JSON pointer.
    pub pointer: String,
    /// What is wrong.
    pub reason: String,
}

/// The JSON type a schema requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    /// A JSON object.
    Object,
    /// A JSON array.
    Array,
    /// A string.
    String,
    /// A whole number (an OCPP integer: 32-bit signed).
    Integer,
    /// Any finite number.
    Number,
    /// `true` or `false`.
    Boolean,
}

impl JsonType {
    fn parse(name: &str) -> Option<JsonType> {
        Some(match name {
            "object" => JsonType::Object,
            "array" => JsonType::Array,
            "string" => JsonType::String,
            "integer" => JsonType::Integer,
            "number" => JsonType::Number,
            "boolean" => JsonType::Boolean,
            _ => return None,
        })
    }

    /// The type as a noun for messages ("an integer").
    pub fn noun(self) -> &'static str {
        match self {
            JsonType::Object => "an object",
            JsonType::Array => "an array",
            JsonType::String => "a string",
            JsonType::Integer => "an integer",
            JsonType::Number => "a number",
            JsonType::Boolean => "a boolean (true or false)",
        }
    }
}

/// The `x-format` forms, checked on ChangeConfiguration only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `<connector>.<rotation>` members (OCPP 1.6 §9.1.8).
    PhaseRotation,
    /// A time offset such as `+01:00`.
    TimeOffset,
    /// A date-time in the future.
    DateTime,
}

/// How a key is reported under other names (`x-reportedAs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportedAs {
    /// `MeterPublicKey<n>`, one per element of the array, from 1 (the schema's marker keeps
    /// its older spelling `MeterPublicKey[<connector>]`).
    MeterPublicKey,
    /// `DefaultPriceText,<language>`, one per element of `priceTexts`.
    DefaultPriceText,
}

/// `x-list`: a comma-separated list held in a string.
#[derive(Debug, Clone, PartialEq)]
pub struct ListSchema {
    /// The schema of each member.
    pub items: Box<Schema>,
    /// The key whose integer value bounds the number of members, if any.
    pub max_items_key: Option<String>,
    /// The key whose list must contain every member, if any.
    pub subset_of_key: Option<String>,
}

/// One parsed schema node.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    /// `type`.
    pub json_type: Option<JsonType>,
    /// `minimum`.
    pub minimum: Option<f64>,
    /// `maximum`.
    pub maximum: Option<f64>,
    /// `minLength`, in characters.
    pub min_length: Option<usize>,
    /// `maxLength`, in characters.
    pub max_length: Option<usize>,
    /// `enum`.
    pub enumeration: Option<Vec<Value>>,
    /// `items`.
    pub items: Option<Box<Schema>>,
    /// `minItems`.
    pub min_items: Option<usize>,
    /// `maxItems`.
    pub max_items: Option<usize>,
    /// `properties`, ordered by name.
    pub properties: Vec<(String, Schema)>,
    /// `required`.
    pub required: Vec<String>,
    /// `additionalProperties` (true when absent, as JSON schema says).
    pub additional_properties: bool,
    /// `default`.
    pub default: Option<Value>,
    /// `readOnly`.
    pub read_only: bool,
    /// `writeOnly`.
    pub write_only: bool,
    /// `description`.
    pub description: Option<String>,
    /// `x-list`.
    pub list: Option<ListSchema>,
    /// `x-rebootRequired`.
    pub reboot_required: bool,
    /// `x-format`.
    pub format: Option<Format>,
    /// `x-reportedAs`.
    pub reported_as: Option<ReportedAs>,
}

/// A value that breaks its schema: where (a JSON path) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The JSON path of the offending value, e.g. `$.Core.HeartbeatInterval`.
    pub path: String,
    /// Why it is refused.
    pub reason: String,
}

const MAX_REF_DEPTH: usize = 8;

/// Reads schemas of one file, resolving `$ref`s against its `definitions`.
pub(crate) struct Reader<'a> {
    file: &'a str,
    definitions: Option<&'a Map<String, Value>>,
}

impl<'a> Reader<'a> {
    /// A reader for the schema file `file` whose root object is `root`.
    pub(crate) fn new(file: &'a str, root: &'a Value) -> Self {
        Reader {
            file,
            definitions: root.get("definitions").and_then(Value::as_object),
        }
    }

    fn error(&self, pointer: &str, reason: impl Into<String>) -> SchemaError {
        SchemaError {
            file: self.file.to_string(),
            pointer: pointer.to_string(),
            reason: reason.into(),
        }
    }

    /// Parses the schema node at `pointer`.
    pub(crate) fn parse(&self, node: &Value, pointer: &str) -> Result<Schema, SchemaError> {
        self.parse_depth(node, pointer, 0)
    }

    fn parse_depth(
        &self,
        node: &Value,
        pointer: &str,
        depth: usize,
    ) -> Result<Schema, SchemaError> {
        let obj = node
            .as_object()
            .ok_or_else(|| self.error(pointer, "a schema must be an object"))?;
        // A $ref is replaced by its definition; keywords beside it add to (or override) it.
        let mut schema = match obj.get("$ref") {
            Some(r) => {
                if depth >= MAX_REF_DEPTH {
                    return Err(self.error(pointer, "$ref nested too deeply"));
                }
                let target = r
                    .as_str()
                    .and_then(|r| r.strip_prefix("#/definitions/"))
                    .ok_or_else(|| self.error(pointer, "$ref must be #/definitions/<name>"))?;
                let def = self
                    .definitions
                    .and_then(|d| d.get(target))
                    .ok_or_else(|| self.error(pointer, format!("no definition {target}")))?;
                self.parse_depth(def, &format!("/definitions/{target}"), depth + 1)?
            }
            None => Schema {
                additional_properties: true,
                ..Schema::default()
            },
        };
        for (keyword, value) in obj {
            let at = format!("{pointer}/{keyword}");
            self.keyword(&mut schema, keyword, value, &at, depth)?;
        }
        Ok(schema)
    }

    fn keyword(
        &self,
        s: &mut Schema,
        keyword: &str,
        value: &Value,
        at: &str,
        depth: usize,
    ) -> Result<(), SchemaError> {
        let bad = |what: &str| self.error(at, format!("{keyword} must be {what}"));
        match keyword {
            "$schema" | "$comment" | "title" | "$ref" | "definitions" => {}
            "description" => s.description = value.as_str().map(str::to_string),
            "type" => {
                let t = value.as_str().and_then(JsonType::parse);
                s.json_type = Some(t.ok_or_else(|| bad("one JSON type name"))?);
            }
            "minimum" => s.minimum = Some(value.as_f64().ok_or_else(|| bad("a number"))?),
            "maximum" => s.maximum = Some(value.as_f64().ok_or_else(|| bad("a number"))?),
            "minLength" => s.min_length = Some(count(value).ok_or_else(|| bad("a count"))?),
            "maxLength" => s.max_length = Some(count(value).ok_or_else(|| bad("a count"))?),
            "minItems" => s.min_items = Some(count(value).ok_or_else(|| bad("a count"))?),
            "maxItems" => s.max_items = Some(count(value).ok_or_else(|| bad("a count"))?),
            "enum" => {
                s.enumeration = Some(value.as_array().ok_or_else(|| bad("an array"))?.clone())
            }
            "items" => s.items = Some(Box::new(self.parse_depth(value, at, depth)?)),
            "properties" => {
                let props = value.as_object().ok_or_else(|| bad("an object"))?;
                s.properties = props
                    .iter()
                    .map(|(k, v)| {
                        Ok((k.clone(), self.parse_depth(v, &format!("{at}/{k}"), depth)?))
                    })
                    .collect::<Result<_, SchemaError>>()?;
            }
            "required" => {
                let names = value.as_array().ok_or_else(|| bad("an array of names"))?;
                s.required = names
                    .iter()
                    .map(|n| {
                        n.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| bad("an array of names"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "additionalProperties" => {
                s.additional_properties = value.as_bool().ok_or_else(|| bad("a boolean"))?;
            }
            "default" => s.default = Some(value.clone()),
            "readOnly" => s.read_only = value.as_bool().ok_or_else(|| bad("a boolean"))?,
            "writeOnly" => s.write_only = value.as_bool().ok_or_else(|| bad("a boolean"))?,
            "x-rebootRequired" => {
                s.reboot_required = value.as_bool().ok_or_else(|| bad("a boolean"))?;
            }
            "x-format" => {
                s.format = Some(match value.as_str() {
                    Some("phaseRotation") => Format::PhaseRotation,
                    Some("timeOffset") => Format::TimeOffset,
                    Some("dateTime") => Format::DateTime,
                    _ => return Err(bad("phaseRotation, timeOffset or dateTime")),
                });
            }
            "x-reportedAs" => {
                s.reported_as = Some(match value.as_str() {
                    Some("MeterPublicKey[<connector>]") => ReportedAs::MeterPublicKey,
                    Some("DefaultPriceText,<language>") => ReportedAs::DefaultPriceText,
                    _ => {
                        return Err(bad(
                            "MeterPublicKey[<connector>] or DefaultPriceText,<language>",
                        ))
                    }
                });
            }
            "x-list" => s.list = Some(self.list(value, at, depth)?),
            other => return Err(self.error(at, format!("unsupported keyword {other}"))),
        }
        Ok(())
    }

    fn list(&self, value: &Value, at: &str, depth: usize) -> Result<ListSchema, SchemaError> {
        let obj = value
            .as_object()
            .ok_or_else(|| self.error(at, "x-list must be an object"))?;
        let mut list = ListSchema {
            items: Box::new(Schema {
                json_type: Some(JsonType::String),
                additional_properties: true,
                ..Schema::default()
            }),
            max_items_key: None,
            subset_of_key: None,
        };
        for (k, v) in obj {
            let here = format!("{at}/{k}");
            match k.as_str() {
                "items" => list.items = Box::new(self.parse_depth(v, &here, depth)?),
                "maxItemsKey" | "subsetOfKey" => {
                    let name = v
                        .as_str()
                        .ok_or_else(|| self.error(&here, "must be a key name"))?
                        .to_string();
                    if k == "maxItemsKey" {
                        list.max_items_key = Some(name);
                    } else {
                        list.subset_of_key = Some(name);
                    }
                }
                other => {
                    return Err(self.error(&here, format!("unsupported x-list keyword {other}")))
                }
            }
        }
        Ok(list)
    }
}

fn count(v: &Value) -> Option<usize> {
    v.as_u64().and_then(|n| usize::try_from(n).ok())
}

/// Splits an OCPP comma-separated list into its members, trimmed; the empty (or blank) string is
/// the empty list.
pub fn split_list(s: &str) -> Vec<&str> {
    if s.trim().is_empty() {
        return Vec::new();
    }
    s.split(',').map(str::trim).collect()
}

/// A short rendering of a value for messages (long strings are cut).
pub(crate) fn describe(value: &Value) -> String {
    let what = match value {
        Value::Null => return "null".to_string(),
        Value::Bool(_) => "the boolean",
        Value::Number(_) => "the number",
        Value::String(_) => "the string",
        Value::Array(_) => return "an array".to_string(),
        Value::Object(_) => return "an object".to_string(),
    };
    let mut text = value.to_string();
    if text.chars().count() > 60 {
        text = text.chars().take(57).collect::<String>() + "...";
    }
    format!("{what} {text}")
}

fn enum_text(values: &[Value]) -> String {
    values
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

impl Schema {
    /// Checks `value` against this schema; every violation is added to `out` with its path.
    pub fn check(&self, value: &Value, path: &str, out: &mut Vec<Violation>) {
        let mut fail = |reason: String| {
            out.push(Violation {
                path: path.to_string(),
                reason,
            })
        };
        if let Some(t) = self.json_type {
            if let Some(reason) = type_mismatch(t, value) {
                fail(reason);
                return;
            }
        }
        if let Some(values) = &self.enumeration {
            if !values.contains(value) {
                let shown = describe(value);
                fail(format!("{shown} is not one of {}", enum_text(values)));
                return;
            }
        }
        match value {
            Value::Number(n) => {
                let x = n.as_f64().unwrap_or(f64::NAN);
                if let Some(min) = self.minimum.filter(|m| x < *m) {
                    fail(format!("{n} is below the minimum {}", number_text(min)));
                }
                if let Some(max) = self.maximum.filter(|m| x > *m) {
                    fail(format!("{n} is above the maximum {}", number_text(max)));
                }
            }
            Value::String(s) => {
                let len = s.chars().count();
                if let Some(min) = self.min_length.filter(|m| len < *m) {
                    fail(format!("{len} characters, at least {min} required"));
                }
                if let Some(max) = self.max_length.filter(|m| len > *m) {
                    fail(format!("{len} characters, at most {max} allowed"));
                }
                if let Some(list) = &self.list {
                    list.check_members(s, path, out);
                }
            }
            Value::Array(items) => self.check_array(items, path, out),
            Value::Object(map) => self.check_object(map, path, out),
            _ => {}
        }
    }

    fn check_array(&self, items: &[Value], path: &str, out: &mut Vec<Violation>) {
        let n = items.len();
        let mut fail = |reason: String| {
            out.push(Violation {
                path: path.to_string(),
                reason,
            })
        };
        if let Some(min) = self.min_items.filter(|m| n < *m) {
            fail(format!("{n} elements, at least {min} required"));
        }
        if let Some(max) = self.max_items.filter(|m| n > *m) {
            fail(format!("{n} elements, at most {max} allowed"));
        }
        if let Some(item_schema) = &self.items {
            for (i, item) in items.iter().enumerate() {
                item_schema.check(item, &format!("{path}[{i}]"), out);
            }
        }
    }

    fn check_object(&self, map: &Map<String, Value>, path: &str, out: &mut Vec<Violation>) {
        for name in &self.required {
            if !map.contains_key(name) {
                out.push(Violation {
                    path: format!("{path}.{name}"),
                    reason: "required key is missing".to_string(),
                });
            }
        }
        for (k, v) in map {
            let here = format!("{path}.{k}");
            match self.properties.iter().find(|(name, _)| name == k) {
                Some((_, s)) => s.check(v, &here, out),
                None if !self.additional_properties => out.push(Violation {
                    path: here,
                    reason: "unknown key".to_string(),
                }),
                None => {}
            }
        }
    }

    /// The schema of the property `name`, if declared.
    pub fn property(&self, name: &str) -> Option<&Schema> {
        self.properties
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, s)| s)
    }
}

impl ListSchema {
    fn check_members(&self, text: &str, path: &str, out: &mut Vec<Violation>) {
        for (i, member) in split_list(text).into_iter().enumerate() {
            if member.is_empty() {
                out.push(Violation {
                    path: path.to_string(),
                    reason: format!("member {} of the list is empty", i + 1),
                });
                continue;
            }
            let mut inner = Vec::new();
            self.items
                .check(&Value::String(member.to_string()), path, &mut inner);
            out.extend(inner.into_iter().map(|v| Violation {
                path: v.path,
                reason: format!("list member {:?}: {}", member, v.reason),
            }));
        }
    }
}

fn type_mismatch(t: JsonType, value: &Value) -> Option<String> {
    let ok = match t {
        JsonType::Object => value.is_object(),
        JsonType::Array => value.is_array(),
        JsonType::String => value.is_string(),
        JsonType::Boolean => value.is_boolean(),
        JsonType::Number => value.as_f64().is_some_and(f64::is_finite),
        JsonType::Integer => {
            if let Some(i) = value.as_i64() {
                // OCPP integers are 32-bit (libocpp reads them as int32_t).
                if i32::try_from(i).is_err() {
                    return Some(format!(
                        "{i} does not fit an OCPP integer (32-bit, -2147483648 to 2147483647)"
                    ));
                }
                true
            } else if value.is_u64() {
                return Some(format!(
                    "{value} does not fit an OCPP integer (32-bit, -2147483648 to 2147483647)"
                ));
            } else {
                false
            }
        }
    };
    (!ok).then(|| format!("expected {}, found {}", t.noun(), describe(value)))
}

#[cfg(test)]
mod tests;
