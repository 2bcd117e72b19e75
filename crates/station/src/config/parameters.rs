//! Parameter checks: the parameters a module or implementation is given, against the ones its
//! module type declares (name, type, minimum and maximum, allowed values, length), with the
//! declared defaults filled in for the ones not given.

use serde_yaml_ng::Value;

use super::error::ConfigError;
use super::model::{ParamValue, Parameters};
use super::raw::Entries;
use crate::module_types::{DefaultValue, Param, ParamKind};

pub(super) fn check_parameters(
    module: &str,
    scope: &str,
    declared_by: &str,
    decls: &'static [Param],
    given: Option<&Entries<Value>>,
) -> Result<Parameters, ConfigError> {
    let given: &[(String, Value)] = given.map(|e| e.0.as_slice()).unwrap_or(&[]);
    for (name, _) in given {
        if !decls.iter().any(|d| d.name == name) {
            return Err(ConfigError::UnknownParameter {
                module: module.to_owned(),
                scope: scope.to_owned(),
                name: name.clone(),
                declared_by: declared_by.to_owned(),
            });
        }
    }
    let mut out = Vec::with_capacity(decls.len());
    for decl in decls {
        let value = match given.iter().find(|(n, _)| n == decl.name) {
            Some((_, v)) => check_value(decl, v).map_err(|problem| ConfigError::BadParameter {
                module: module.to_owned(),
                scope: scope.to_owned(),
                name: decl.name.to_owned(),
                problem,
            })?,
            None => match decl.default {
                Some(DefaultValue::Bool(b)) => ParamValue::Bool(b),
                Some(DefaultValue::Integer(i)) => ParamValue::Integer(i),
                Some(DefaultValue::Number(n)) => ParamValue::Number(n),
                Some(DefaultValue::String(s)) => ParamValue::String(s.to_owned()),
                None => {
                    return Err(ConfigError::MissingParameter {
                        module: module.to_owned(),
                        scope: scope.to_owned(),
                        name: decl.name.to_owned(),
                        kind: decl.kind.name(),
                    })
                }
            },
        };
        out.push((decl.name, value));
    }
    Ok(Parameters(out))
}

pub(super) fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) if n.is_f64() => format!("number {n}"),
        Value::Number(n) => format!("integer {n}"),
        Value::String(s) => format!("string '{s}'"),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a mapping".into(),
        Value::Tagged(t) => format!("tagged value {}", t.tag),
    }
}

fn check_value(decl: &Param, v: &Value) -> Result<ParamValue, String> {
    let wrong = || format!("expected {}, found {}", decl.kind.name(), describe(v));
    let value = match (decl.kind, v) {
        (ParamKind::Bool, Value::Bool(b)) => ParamValue::Bool(*b),
        (ParamKind::Integer, Value::Number(n)) => {
            ParamValue::Integer(n.as_i64().ok_or_else(wrong)?)
        }
        (ParamKind::Number, Value::Number(n)) => ParamValue::Number(n.as_f64().ok_or_else(wrong)?),
        (ParamKind::String, Value::String(s)) => ParamValue::String(s.clone()),
        _ => return Err(wrong()),
    };
    let numeric = match &value {
        ParamValue::Integer(i) => Some(*i as f64),
        ParamValue::Number(n) => Some(*n),
        _ => None,
    };
    if let Some(n) = numeric {
        if let Some(min) = decl.minimum {
            if n < min {
                return Err(format!("{} is below the minimum {min}", display_num(v)));
            }
        }
        if let Some(max) = decl.maximum {
            if n > max {
                return Err(format!("{} is above the maximum {max}", display_num(v)));
            }
        }
    }
    if let ParamValue::String(s) = &value {
        if !decl.one_of.is_empty() && !decl.one_of.contains(&s.as_str()) {
            return Err(format!("'{s}' is not one of {}", decl.one_of.join(", ")));
        }
        let len = s.chars().count();
        if let Some(min) = decl.min_len {
            if len < min {
                return Err(format!("'{s}' is shorter than {min} characters"));
            }
        }
        if let Some(max) = decl.max_len {
            if len > max {
                return Err(format!("'{s}' is longer than {max} characters"));
            }
        }
    }
    Ok(value)
}

fn display_num(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        other => describe(other),
    }
}
