//! Loading: a base configuration file, the user config merged over it (RFC 7396), validation of
//! the result, and problems that name the file, the JSON path and the reason on one line.

use std::fmt;

use serde_json::Value;

use super::merge_patch;
use super::registry::Registry;
use super::schema::{SchemaError, Violation};
use super::validate::validate;

/// One configuration document and the name it is reported under (usually its path).
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The file name used in messages.
    pub label: String,
    /// The parsed JSON.
    pub value: Value,
}

impl Document {
    /// Parses `text`, read from the file named `label`.
    pub fn parse(label: impl Into<String>, text: &str) -> Result<Document, Problem> {
        let label = label.into();
        match serde_json::from_str(text) {
            Ok(value) => Ok(Document { label, value }),
            Err(e) => Err(Problem {
                file: label,
                path: "$".to_string(),
                reason: format!(
                    "not valid JSON: {} (line {}, column {})",
                    json_reason(&e),
                    e.line(),
                    e.column()
                ),
            }),
        }
    }
}

/// serde_json's message without its trailing " at line L column C" (we say it our way).
fn json_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.find(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// One reason a configuration is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file the offending value comes from.
    pub file: String,
    /// The JSON path of the key, e.g. `$.Core.HeartbeatInterval`.
    pub path: String,
    /// Why it is refused.
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.path, self.reason)
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The configuration is invalid; every problem found, one per line.
    #[error("invalid OCPP configuration:\n{}", lines(.0))]
    Invalid(Vec<Problem>),
    /// One of our own schema files cannot be read (a bug, caught by the unit tests).
    #[error(transparent)]
    Schema(#[from] SchemaError),
}

fn lines(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl ConfigError {
    /// Every problem, one line each (a schema error is one problem of its own).
    pub fn problems(&self) -> Vec<String> {
        match self {
            ConfigError::Invalid(p) => p.iter().map(Problem::to_string).collect(),
            ConfigError::Schema(e) => vec![e.to_string()],
        }
    }
}

impl From<Problem> for ConfigError {
    fn from(p: Problem) -> Self {
        ConfigError::Invalid(vec![p])
    }
}

/// Merges `user` over `base`, fills in defaults and validates; the effective configuration, or
/// every problem, each attributed to the file its value comes from.
pub fn effective(
    registry: &Registry,
    base: &Document,
    user: Option<&Document>,
) -> Result<Value, ConfigError> {
    let mut merged = base.value.clone();
    if let Some(user) = user {
        if !user.value.is_object() {
            return Err(Problem {
                file: user.label.clone(),
                path: "$".to_string(),
                reason: "the user config must be a JSON object (a merge patch of the base config)"
                    .to_string(),
            }
            .into());
        }
        merge_patch::apply(&mut merged, &user.value);
    }
    let checked = validate(registry, &merged);
    // The base file must be a valid configuration on its own, as every libocpp config is: a
    // broken value in it is refused even where the user config overrides the key (otherwise a
    // bad base goes unnoticed until someone deletes the user config, e.g. on a fresh station).
    let base_violations = match user {
        Some(_) => validate(registry, &base.value).violations,
        None => Vec::new(),
    };
    if checked.violations.is_empty() && base_violations.is_empty() {
        return Ok(checked.document);
    }
    let mut problems: Vec<Problem> = base_violations
        .into_iter()
        .map(|v| attribute(v, base, None))
        .collect();
    for problem in checked
        .violations
        .into_iter()
        .map(|v| attribute(v, base, user))
    {
        if !problems.contains(&problem) {
            problems.push(problem);
        }
    }
    Err(ConfigError::Invalid(problems))
}

/// Names the user config as the source when it sets the section or key the path points into
/// (including setting it to null, which removes it), the base config otherwise.
fn attribute(v: Violation, base: &Document, user: Option<&Document>) -> Problem {
    let mut segments = v
        .path
        .strip_prefix("$.")
        .unwrap_or("")
        .split(['.', '['])
        .filter(|s| !s.is_empty());
    let from_user = user.is_some_and(|u| {
        let Some(section) = segments.next() else {
            return false;
        };
        match (u.value.get(section), segments.next()) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(Value::Object(keys)), Some(key)) => keys.contains_key(key),
            (Some(_), Some(_)) => true,
        }
    });
    let file = match (from_user, user) {
        (true, Some(u)) => u.label.clone(),
        _ => base.label.clone(),
    };
    Problem {
        file,
        path: v.path,
        reason: v.reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Document {
        Document::parse("base.json", super::super::DEFAULT_CONFIG).unwrap()
    }

    #[test]
    fn the_shipped_default_config_is_valid() {
        let r = Registry::embedded().unwrap();
        let eff = effective(r, &base(), None).unwrap();
        assert_eq!(eff["Internal"]["ChargePointId"], json!("cp001"));
        assert_eq!(
            eff["Internal"]["CentralSystemURI"],
            json!("127.0.0.1:8180/steve/websocket/CentralSystemService/")
        );
    }

    #[test]
    fn a_broken_base_value_is_refused_even_where_the_user_config_overrides_it() {
        let r = Registry::embedded().unwrap();
        let mut b = base();
        b.value["Core"]["HeartbeatInterval"] = json!("often");
        // The CSMS's BootNotification interval, persisted in the user config by an earlier run.
        let user = Document {
            label: "user.json".into(),
            value: json!({"Core": {"HeartbeatInterval": 300}}),
        };
        let err = effective(r, &b, Some(&user)).unwrap_err();
        assert_eq!(
            err.problems(),
            ["base.json: $.Core.HeartbeatInterval: expected an integer, found the string \"often\""]
        );
    }

    #[test]
    fn user_config_overlays_and_is_blamed_for_its_values() {
        let r = Registry::embedded().unwrap();
        let user = Document {
            label: "user.json".into(),
            value: json!({"Core": {"HeartbeatInterval": 30}}),
        };
        let eff = effective(r, &base(), Some(&user)).unwrap();
        assert_eq!(eff["Core"]["HeartbeatInterval"], json!(30));

        let user = Document {
            label: "user.json".into(),
            value: json!({"Core": {"HeartbeatInterval": -1, "ResetRetries": null}}),
        };
        let mut b = base();
        b.value["Core"]["LightIntensity"] = json!(300);
        let err = effective(r, &b, Some(&user)).unwrap_err();
        let mut lines = err.problems();
        lines.sort();
        assert_eq!(
            lines,
            [
                "base.json: $.Core.LightIntensity: 300 is above the maximum 100",
                "user.json: $.Core.HeartbeatInterval: -1 is below the minimum 0",
                "user.json: $.Core.ResetRetries: required key is missing",
            ]
        );
        let not_object = Document {
            label: "user.json".into(),
            value: json!([1]),
        };
        assert!(effective(r, &base(), Some(&not_object)).is_err());
    }

    #[test]
    fn bad_json_names_line_and_column() {
        let p = Document::parse("x.json", "{\n  \"Core\": ,\n}").unwrap_err();
        assert_eq!(p.file, "x.json");
        assert_eq!(p.path, "$");
        assert!(
            p.reason
                .starts_with("not valid JSON: expected value (line 2, column"),
            "{p}"
        );
    }
}
