//! The effective document of a running configuration, whole or as the keys where it differs
//! from a [`SharedDocument`] that many configurations point to.
//!
//! A fleet runs thousands of stations of one config: their effective documents differ in a
//! handful of keys (ChargePointId, ChargeBoxSerialNumber, CentralSystemURI), and a whole
//! document is about 15 kB of JSON tree per station. Kept over a shared document, a station
//! holds only those keys. Reading is the same either way; a change builds the whole document,
//! checks it as before, and keeps the new one over the same shared document.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::section::Section;
use super::validate::active_sections;

/// An effective configuration document that configurations may be kept over
/// ([`Configuration::share_document`](super::Configuration::share_document)); cheap to clone.
#[derive(Debug, Clone)]
pub struct SharedDocument(Arc<Value>);

impl SharedDocument {
    /// The document of `config` as it is now, to share with others of its kind.
    pub fn of(config: &super::Configuration) -> SharedDocument {
        SharedDocument(Arc::new(config.document().to_value()))
    }
}

/// The effective document of one configuration.
#[derive(Debug)]
pub(crate) struct EffectiveDocument {
    /// The shared document `own` is kept over, if any.
    base: Option<SharedDocument>,
    /// Without `base`: the whole document. With it: by section, the keys whose value differs
    /// from the base's (and whole sections the base does not have).
    own: Map<String, Value>,
    /// The sections in effect, worked out once per document.
    active: Vec<Section>,
}

impl EffectiveDocument {
    /// `document` kept whole. A document that is not an object has no sections.
    pub(crate) fn whole(document: Value) -> EffectiveDocument {
        let active = active_sections(&document);
        let own = match document {
            Value::Object(own) => own,
            _ => Map::new(),
        };
        EffectiveDocument {
            base: None,
            own,
            active,
        }
    }

    /// `document` kept over `base` when it can be said as additions and changes to it: every
    /// section and key of the base is in `document` too, and no value is null. Otherwise whole.
    pub(crate) fn over(document: Value, base: Option<&SharedDocument>) -> EffectiveDocument {
        let Some(base) = base else {
            return Self::whole(document);
        };
        match delta(&document, &base.0) {
            Some(own) => EffectiveDocument {
                active: active_sections(&document),
                base: Some(base.clone()),
                own,
            },
            None => Self::whole(document),
        }
    }

    /// The shared document this one is kept over, if any.
    pub(crate) fn base(&self) -> Option<&SharedDocument> {
        self.base.as_ref()
    }

    /// The sections in effect (reported and changeable).
    pub(crate) fn active_sections(&self) -> &[Section] {
        &self.active
    }

    /// Whether the document has `section`.
    pub(crate) fn has_section(&self, section: &str) -> bool {
        self.own.contains_key(section) || self.base_section(section).is_some()
    }

    /// The value of `key` in `section`.
    pub(crate) fn get(&self, section: &str, key: &str) -> Option<&Value> {
        self.own
            .get(section)
            .and_then(|keys| keys.get(key))
            .or_else(|| self.base_section(section)?.get(key))
    }

    /// The keys of `section` with their values, in key order (the order GetConfiguration
    /// reports in, as libocpp).
    pub(crate) fn entries(&self, section: &str) -> Vec<(&str, &Value)> {
        let own = self.own.get(section).and_then(Value::as_object);
        let Some(base) = self.base_section(section) else {
            return own
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.as_str(), v))
                .collect();
        };
        let mut merged: std::collections::BTreeMap<&str, &Value> =
            base.iter().map(|(k, v)| (k.as_str(), v)).collect();
        merged.extend(own.into_iter().flatten().map(|(k, v)| (k.as_str(), v)));
        merged.into_iter().collect()
    }

    /// The whole document.
    pub(crate) fn to_value(&self) -> Value {
        let Some(base) = &self.base else {
            return Value::Object(self.own.clone());
        };
        let mut whole = (*base.0).clone();
        if let Value::Object(sections) = &mut whole {
            for (name, keys) in &self.own {
                match (sections.get_mut(name), keys) {
                    (Some(Value::Object(to)), Value::Object(from)) => {
                        to.extend(from.iter().map(|(k, v)| (k.clone(), v.clone())));
                    }
                    _ => {
                        sections.insert(name.clone(), keys.clone());
                    }
                }
            }
        }
        whole
    }

    fn base_section(&self, section: &str) -> Option<&Map<String, Value>> {
        self.base.as_ref()?.0.get(section)?.as_object()
    }
}

/// `document` as sections of the keys that differ from `base`'s, or `None` when it cannot be
/// said so (a section or key of the base missing, a value that is null, not objects).
fn delta(document: &Value, base: &Value) -> Option<Map<String, Value>> {
    let (sections, base_sections) = (document.as_object()?, base.as_object()?);
    if base_sections.keys().any(|s| !sections.contains_key(s)) {
        return None;
    }
    let mut own = Map::new();
    for (name, keys) in sections {
        let keys = keys.as_object()?;
        if keys.values().any(Value::is_null) {
            return None;
        }
        let Some(base_keys) = base_sections.get(name) else {
            own.insert(name.clone(), Value::Object(keys.clone()));
            continue;
        };
        let base_keys = base_keys.as_object()?;
        if base_keys.keys().any(|k| !keys.contains_key(k)) {
            return None;
        }
        let differing: Map<String, Value> = keys
            .iter()
            .filter(|(k, v)| base_keys.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !differing.is_empty() {
            own.insert(name.clone(), Value::Object(differing));
        }
    }
    Some(own)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn shared(value: Value) -> SharedDocument {
        SharedDocument(Arc::new(value))
    }

    #[test]
    fn a_document_over_a_shared_one_keeps_only_what_differs_and_reads_the_same() {
        let base = shared(json!({
            "Internal": {"ChargePointId": "cp00001", "LogMessages": true},
            "Core": {"HeartbeatInterval": 60, "NumberOfConnectors": 1},
        }));
        let document = json!({
            "Internal": {"ChargePointId": "cp00002", "LogMessages": true},
            "Core": {"HeartbeatInterval": 60, "NumberOfConnectors": 1, "Extra": [1]},
            "Custom": {"Mine": "x"},
        });
        let kept = EffectiveDocument::over(document.clone(), Some(&base));
        assert!(kept.base().is_some());
        assert_eq!(
            Value::Object(kept.own.clone()),
            json!({
                "Internal": {"ChargePointId": "cp00002"},
                "Core": {"Extra": [1]},
                "Custom": {"Mine": "x"},
            })
        );
        assert_eq!(kept.to_value(), document);
        assert_eq!(
            kept.get("Internal", "ChargePointId"),
            Some(&json!("cp00002"))
        );
        assert_eq!(kept.get("Internal", "LogMessages"), Some(&json!(true)));
        assert_eq!(kept.get("Custom", "Mine"), Some(&json!("x")));
        assert_eq!(kept.get("Core", "Missing"), None);
        assert!(kept.has_section("Custom") && kept.has_section("Core"));
        assert!(!kept.has_section("PnC"));
        let keys: Vec<&str> = kept.entries("Core").into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["Extra", "HeartbeatInterval", "NumberOfConnectors"]);
        let whole = EffectiveDocument::whole(document);
        for section in ["Internal", "Core", "Custom", "PnC"] {
            assert_eq!(kept.entries(section), whole.entries(section), "{section}");
        }
    }

    #[test]
    fn a_document_that_lacks_what_the_shared_one_has_is_kept_whole() {
        let base = shared(json!({"Internal": {"A": 1, "B": 2}, "Core": {"C": 3}}));
        for document in [
            json!({"Internal": {"A": 1}, "Core": {"C": 3}}),
            json!({"Internal": {"A": 1, "B": 2}}),
            json!({"Internal": {"A": 1, "B": null}, "Core": {"C": 3}}),
            json!({"Internal": {"A": 1, "B": 2}, "Core": "not keys"}),
        ] {
            let kept = EffectiveDocument::over(document.clone(), Some(&base));
            assert!(kept.base().is_none(), "{document}");
            assert_eq!(kept.to_value(), document);
        }
    }
}
