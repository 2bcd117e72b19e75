//! Validation of a whole configuration document: sections, required and unknown keys, defaults,
//! each key against its schema, and the rules that span keys (measurand lists against
//! SupportedMeasurands, list lengths against their MaxLength keys, SupportedFeatureProfiles
//! against the sections present).

use serde_json::{Map, Value};

use super::registry::{KeySpec, Registry};
use super::schema::{split_list, Violation};
use super::section::{ProfileName, Section};

/// The longest key name OCPP can carry (`CiString50Type`).
pub const MAX_KEY_NAME: usize = 50;

/// A validated document: with defaults filled in and sections of listed profiles added.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The effective configuration (meaningful only when `violations` is empty).
    pub document: Value,
    /// Every problem found.
    pub violations: Vec<Violation>,
}

fn violation(path: impl Into<String>, reason: impl Into<String>) -> Violation {
    Violation {
        path: path.into(),
        reason: reason.into(),
    }
}

/// The value of the key `name` in `doc`, wherever its section is.
pub fn lookup<'a>(registry: &Registry, doc: &'a Value, name: &str) -> Option<&'a Value> {
    let section = registry.key(name)?.section;
    doc.get(section.as_str())?.get(name)
}

/// The profiles `SupportedFeatureProfiles` lists that we know (unknown names are the schema's
/// business).
pub fn listed_profiles(doc: &Value) -> Vec<ProfileName> {
    doc.get("Core")
        .and_then(|c| c.get("SupportedFeatureProfiles"))
        .and_then(Value::as_str)
        .map(|s| {
            split_list(s)
                .into_iter()
                .filter_map(ProfileName::from_name)
                .collect()
        })
        .unwrap_or_default()
}

/// The sections whose keys are in effect: those present that are either always in effect or
/// listed in SupportedFeatureProfiles (see [`Section::active_without_listing`]).
pub fn active_sections(doc: &Value) -> Vec<Section> {
    let listed: Vec<Section> = listed_profiles(doc)
        .into_iter()
        .filter_map(ProfileName::section)
        .collect();
    Section::ALL
        .into_iter()
        .filter(|s| doc.get(s.as_str()).is_some_and(Value::is_object))
        .filter(|s| s.active_without_listing() || listed.contains(s))
        .collect()
}

/// Validates `merged` (the base config with the user config applied) and fills in defaults.
pub fn validate(registry: &Registry, merged: &Value) -> Checked {
    let mut out = Vec::new();
    let Some(top) = merged.as_object() else {
        return Checked {
            document: merged.clone(),
            violations: vec![violation("$", "the configuration must be a JSON object")],
        };
    };
    let mut doc = top.clone();
    for (name, value) in top {
        match Section::from_name(name) {
            None => {
                let known: Vec<&str> = Section::ALL.iter().map(|s| s.as_str()).collect();
                out.push(violation(
                    format!("$.{name}"),
                    format!("unknown section (sections are {})", known.join(", ")),
                ));
                doc.remove(name);
            }
            Some(_) if !value.is_object() => {
                out.push(violation(
                    format!("$.{name}"),
                    format!(
                        "expected an object, found {}",
                        super::schema::describe(value)
                    ),
                ));
                doc.remove(name);
            }
            Some(_) => {}
        }
    }
    for section in registry.required_sections() {
        if !doc.contains_key(section.as_str()) && top.get(section.as_str()).is_none() {
            out.push(violation(
                format!("$.{section}"),
                "required section is missing",
            ));
        }
    }
    add_listed_sections(registry, &mut doc, &mut out);
    for spec in registry.sections() {
        if let Some(Value::Object(keys)) = doc.get_mut(spec.section.as_str()) {
            fill_defaults(spec.keys.iter(), keys);
        }
    }
    let document = Value::Object(doc);
    for spec in registry.sections() {
        if let Some(Value::Object(keys)) = document.get(spec.section.as_str()) {
            check_section(registry, &document, spec.section, keys, &mut out);
        }
    }
    Checked {
        document,
        violations: out,
    }
}

fn fill_defaults<'a>(specs: impl Iterator<Item = &'a KeySpec>, keys: &mut Map<String, Value>) {
    for spec in specs {
        if let (false, Some(default)) = (keys.contains_key(&spec.name), spec.default()) {
            keys.insert(spec.name.clone(), default.clone());
        }
    }
}

/// A profile listed in SupportedFeatureProfiles needs its section. A missing section is added
/// empty (and so filled with defaults) when every required key of it has a default, as for
/// FirmwareManagement and Reservation (libocpp's examples list Reservation without a section);
/// otherwise the configuration is refused, where libocpp would fail only when a key of the
/// profile is first read.
fn add_listed_sections(
    registry: &Registry,
    doc: &mut Map<String, Value>,
    out: &mut Vec<Violation>,
) {
    let snapshot = Value::Object(doc.clone());
    let listed = listed_profiles(&snapshot);
    if snapshot.get("Core").is_some_and(Value::is_object)
        && snapshot["Core"].get("SupportedFeatureProfiles").is_some()
        && !listed.contains(&ProfileName::Core)
    {
        out.push(violation(
            "$.Core.SupportedFeatureProfiles",
            "must list Core (every charge point supports the Core profile)",
        ));
    }
    for profile in listed {
        let Some(section) = profile.section() else {
            continue;
        };
        if doc.contains_key(section.as_str()) {
            continue;
        }
        let Some(spec) = registry.section(section) else {
            continue;
        };
        let needed: Vec<&str> = spec
            .keys
            .iter()
            .filter(|k| k.required && k.default().is_none())
            .map(|k| k.name.as_str())
            .collect();
        if needed.is_empty() {
            tracing::warn!(
                "SupportedFeatureProfiles lists {profile} but the configuration has no {section} \
                 section: using the defaults of its keys"
            );
            doc.insert(section.as_str().to_string(), Value::Object(Map::new()));
        } else {
            out.push(violation(
                format!("$.{section}"),
                format!(
                    "SupportedFeatureProfiles lists {profile}, but the section {section} is missing (it needs {})",
                    needed.join(", ")
                ),
            ));
        }
    }
}

fn check_section(
    registry: &Registry,
    doc: &Value,
    section: Section,
    keys: &Map<String, Value>,
    out: &mut Vec<Violation>,
) {
    let Some(spec) = registry.section(section) else {
        return;
    };
    for key in spec.keys.iter().filter(|k| k.required) {
        if !keys.contains_key(&key.name) {
            out.push(violation(
                format!("$.{section}.{}", key.name),
                "required key is missing",
            ));
        }
    }
    for (name, value) in keys {
        let path = format!("$.{section}.{name}");
        match spec.keys.iter().find(|k| &k.name == name) {
            Some(key) => check_key(registry, doc, key, value, &path, out),
            None if spec.additional_keys => check_custom_name(registry, name, &path, out),
            None => {
                let hint = match registry.key_ignoring_case(name) {
                    Some(k) => format!(" (did you mean {}.{}?)", k.section, k.name),
                    None => match registry.key(name) {
                        Some(k) => format!(" (it belongs in section {})", k.section),
                        None => String::new(),
                    },
                };
                out.push(violation(path, format!("unknown key{hint}")));
            }
        }
    }
}

fn check_custom_name(registry: &Registry, name: &str, path: &str, out: &mut Vec<Violation>) {
    if let Some(k) = registry.key(name) {
        out.push(violation(
            path,
            format!(
                "a key of section {} cannot be redefined in Custom",
                k.section
            ),
        ));
    } else if name.chars().count() > MAX_KEY_NAME {
        out.push(violation(
            path,
            format!("key names are at most {MAX_KEY_NAME} characters (OCPP's CiString50)"),
        ));
    }
}

/// Checks one key's value: its schema, then the rules that refer to other keys of `doc`.
pub fn check_key(
    registry: &Registry,
    doc: &Value,
    key: &KeySpec,
    value: &Value,
    path: &str,
    out: &mut Vec<Violation>,
) {
    let before = out.len();
    key.schema.check(value, path, out);
    if out.len() > before {
        return;
    }
    let (Some(list), Some(text)) = (key.list(), value.as_str()) else {
        return;
    };
    let members = split_list(text);
    if let Some(max_key) = &list.max_items_key {
        if let Some(max) = lookup(registry, doc, max_key).and_then(Value::as_u64) {
            if members.len() as u64 > max {
                out.push(violation(
                    path,
                    format!(
                        "{} members, at most {max} allowed ({max_key})",
                        members.len()
                    ),
                ));
            }
        }
    }
    if let Some(set_key) = &list.subset_of_key {
        let allowed: Vec<&str> = lookup(registry, doc, set_key)
            .and_then(Value::as_str)
            .map(split_list)
            .unwrap_or_default();
        for member in members.iter().filter(|m| !allowed.contains(m)) {
            out.push(violation(
                path,
                format!("{member:?} is not in {set_key} ({})", allowed.join(",")),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn minimal() -> Value {
        json!({
            "Internal": {"ChargePointId": "cp001", "CentralSystemURI": "127.0.0.1:8180/steve/",
                         "ChargeBoxSerialNumber": "cp001", "ChargePointModel": "M",
                         "ChargePointVendor": "V", "FirmwareVersion": "1"},
            "Core": {"AuthorizeRemoteTxRequests": false, "ClockAlignedDataInterval": 900,
                     "ConnectionTimeOut": 30, "ConnectorPhaseRotation": "0.RST",
                     "GetConfigurationMaxKeys": 100, "HeartbeatInterval": 86400,
                     "LocalAuthorizeOffline": false, "LocalPreAuthorize": false,
                     "MeterValuesAlignedData": "Energy.Active.Import.Register",
                     "MeterValuesSampledData": "Energy.Active.Import.Register",
                     "MeterValueSampleInterval": 60, "NumberOfConnectors": 1, "ResetRetries": 1,
                     "StopTransactionOnInvalidId": true, "StopTxnAlignedData": "",
                     "StopTxnSampledData": "", "SupportedFeatureProfiles": "Core",
                     "TransactionMessageAttempts": 1, "TransactionMessageRetryInterval": 10,
                     "UnlockConnectorOnEVSideDisconnect": true},
            "Security": {}
        })
    }

    fn problems(doc: &Value) -> Vec<String> {
        let r = Registry::embedded().unwrap();
        validate(r, doc)
            .violations
            .into_iter()
            .map(|v| format!("{}: {}", v.path, v.reason))
            .collect()
    }

    #[test]
    fn minimal_config_is_valid_and_gets_defaults() {
        let r = Registry::embedded().unwrap();
        let checked = validate(r, &minimal());
        assert_eq!(checked.violations, []);
        assert_eq!(checked.document["Security"]["SecurityProfile"], json!(0));
        assert_eq!(
            checked.document["Internal"]["WebsocketPongTimeout"],
            json!(5)
        );
        assert!(checked.document["Internal"].get("HostName").is_none());
        assert_eq!(
            active_sections(&checked.document),
            [Section::Internal, Section::Core, Section::Security]
        );
    }

    #[test]
    fn each_rule_is_named() {
        let mut doc = minimal();
        doc["Core"]["HeartbeatInterval"] = json!("60");
        doc["Core"]["LightIntensity"] = json!(101);
        doc["Core"]["HeartbeatIntervall"] = json!(1);
        doc["Core"]["heartbeatinterval"] = json!(1);
        doc["Internal"]["LogMessagesFormat"] = json!(["html", "pdf"]);
        doc["Core"].as_object_mut().unwrap().remove("ResetRetries");
        doc["Core"]["MeterValuesSampledData"] = json!("Energy.Active.Import.Register,RPM");
        doc["Surprise"] = json!({});
        let p = problems(&doc);
        let expected = [
            "$.Surprise: unknown section (sections are Internal, Core, FirmwareManagement, Security, LocalAuthListManagement, Reservation, SmartCharging, PnC, CostAndPrice, Custom)",
            "$.Core.ResetRetries: required key is missing",
            "$.Core.HeartbeatInterval: expected an integer, found the string \"60\"",
            "$.Core.HeartbeatIntervall: unknown key",
            "$.Core.LightIntensity: 101 is above the maximum 100",
            "$.Core.MeterValuesSampledData: \"RPM\" is not in SupportedMeasurands (Energy.Active.Import.Register,Energy.Active.Export.Register,Power.Active.Import,Voltage,Current.Import,Frequency,Current.Offered,Power.Offered,SoC,Temperature)",
            "$.Core.heartbeatinterval: unknown key (did you mean Core.HeartbeatInterval?)",
            "$.Internal.LogMessagesFormat[1]: the string \"pdf\" is not one of console, console_detailed, log, html, session_logging, callback, security",
        ];
        for e in expected {
            assert!(p.contains(&e.to_string()), "missing {e:?} in {p:#?}");
        }
        assert_eq!(p.len(), expected.len(), "{p:#?}");
    }

    #[test]
    fn feature_profiles_and_sections() {
        let mut doc = minimal();
        doc["Core"]["SupportedFeatureProfiles"] =
            json!("Core,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger");
        let r = Registry::embedded().unwrap();
        let checked = validate(r, &doc);
        let p: Vec<String> = checked
            .violations
            .iter()
            .map(|v| format!("{}: {}", v.path, v.reason))
            .collect();
        assert_eq!(p, ["$.LocalAuthListManagement: SupportedFeatureProfiles lists LocalAuthListManagement, but the section LocalAuthListManagement is missing (it needs LocalAuthListEnabled, LocalAuthListMaxLength, SendLocalListMaxLength)"]);
        // Reservation and SmartCharging are completed from defaults.
        assert_eq!(checked.document["Reservation"], json!({}));
        assert_eq!(
            checked.document["SmartCharging"]["ChargingScheduleMaxPeriods"],
            json!(1440)
        );

        doc["Core"]["SupportedFeatureProfiles"] = json!("SmartCharging,Teleportation");
        let p = problems(&doc);
        assert!(p.contains(&"$.Core.SupportedFeatureProfiles: must list Core (every charge point supports the Core profile)".to_string()), "{p:?}");
        assert!(
            p.iter()
                .any(|s| s.contains("list member \"Teleportation\"")),
            "{p:?}"
        );
    }

    #[test]
    fn list_lengths_and_custom_keys() {
        let mut doc = minimal();
        doc["Core"]["MeterValuesSampledDataMaxLength"] = json!(1);
        doc["Core"]["MeterValuesSampledData"] = json!("Energy.Active.Import.Register,SoC");
        doc["Custom"] = json!({"HeartbeatInterval": 5, "Fine": "x", "K".repeat(51): 1});
        let p = problems(&doc);
        assert!(p.contains(&"$.Core.MeterValuesSampledData: 2 members, at most 1 allowed (MeterValuesSampledDataMaxLength)".to_string()), "{p:?}");
        assert!(
            p.contains(
                &"$.Custom.HeartbeatInterval: a key of section Core cannot be redefined in Custom"
                    .to_string()
            ),
            "{p:?}"
        );
        assert!(
            p.iter().any(|s| s.contains("at most 50 characters")),
            "{p:?}"
        );
        assert_eq!(p.len(), 3, "{p:?}");
    }

    #[test]
    fn missing_sections_and_non_objects() {
        let p = problems(&json!({"Core": 5}));
        assert!(
            p.contains(&"$.Core: expected an object, found the number 5".to_string()),
            "{p:?}"
        );
        assert!(
            p.contains(&"$.Internal: required section is missing".to_string()),
            "{p:?}"
        );
        assert!(
            !p.iter().any(|s| s == "$.Core: required section is missing"),
            "{p:?}"
        );
        assert_eq!(
            problems(&json!([])),
            ["$: the configuration must be a JSON object"]
        );
    }
}
