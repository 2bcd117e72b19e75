//! The effective configuration as readable JSON, for `ferrocharge config show`: sections in the
//! order of the issue (serde_json's own output would sort them alphabetically), one key a line.

use serde_json::Value;

use super::registry::Registry;
use super::section::Section;

/// What [`pretty`] does with the values of write-only keys (AuthorizationKey).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secrets {
    /// Print [`HIDDEN`] instead: the output is often pasted into bug reports.
    Hide,
    /// Print the values as they are.
    Show,
}

/// The value printed in place of a write-only key's value.
pub const HIDDEN: &str = "<hidden: write-only key>";

/// Renders `doc` (an effective configuration) with sections in [`Section::ALL`] order and the
/// declared keys in registry order (by name); keys no schema declares (Custom) follow, sorted.
/// Values are compact JSON, one key per line.
pub fn pretty(registry: &Registry, doc: &Value, secrets: Secrets) -> String {
    let mut sections = Vec::new();
    for section in Section::ALL {
        let Some(Value::Object(keys)) = doc.get(section.as_str()) else {
            continue;
        };
        let declared: Vec<&str> = registry
            .section(section)
            .map(|s| s.keys.iter().map(|k| k.name.as_str()).collect())
            .unwrap_or_default();
        let mut names: Vec<&str> = declared
            .iter()
            .copied()
            .filter(|k| keys.contains_key(*k))
            .collect();
        names.extend(
            keys.keys()
                .map(String::as_str)
                .filter(|k| !declared.contains(k)),
        );
        let lines: Vec<String> = names
            .into_iter()
            .map(|k| {
                let hide = secrets == Secrets::Hide
                    && registry.key(k).is_some_and(|spec| spec.write_only());
                let value = if hide {
                    Value::from(HIDDEN)
                } else {
                    keys[k].clone()
                };
                format!("    {}: {value}", Value::from(k))
            })
            .collect();
        let body = if lines.is_empty() {
            "{}".to_string()
        } else {
            format!("{{\n{}\n  }}", lines.join(",\n"))
        };
        sections.push(format!("  {}: {body}", Value::from(section.as_str())));
    }
    format!("{{\n{}\n}}\n", sections.join(",\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schema_order_and_valid_json() {
        let r = Registry::embedded().unwrap();
        let doc = json!({
            "Security": {"SecurityProfile": 0, "CpoName": "x"},
            "Internal": {"FirmwareVersion": "1", "ChargePointId": "cp001"},
            "Custom": {"b": 1, "a": [1, 2]},
            "PnC": {}
        });
        let text = pretty(r, &doc, Secrets::Show);
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, doc);
        let pos = |s: &str| text.find(s).unwrap();
        assert!(pos("\"Internal\"") < pos("\"Security\""));
        assert!(pos("\"ChargePointId\"") < pos("\"FirmwareVersion\""));
        assert!(pos("\"CpoName\"") < pos("\"SecurityProfile\""));
        assert!(pos("\"a\"") < pos("\"b\""));
        assert!(text.contains("\"PnC\": {}"));
    }

    #[test]
    fn write_only_keys_are_hidden_unless_asked_for() {
        let r = Registry::embedded().unwrap();
        let doc =
            json!({"Security": {"AuthorizationKey": "0123456789abcdef", "SecurityProfile": 1}});
        let hidden: Value = serde_json::from_str(&pretty(r, &doc, Secrets::Hide)).unwrap();
        assert_eq!(hidden["Security"]["AuthorizationKey"], HIDDEN);
        assert_eq!(hidden["Security"]["SecurityProfile"], 1);
        let shown: Value = serde_json::from_str(&pretty(r, &doc, Secrets::Show)).unwrap();
        assert_eq!(shown, doc);
    }
}
