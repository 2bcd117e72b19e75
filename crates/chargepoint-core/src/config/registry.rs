//! The key registry: every configuration key with its section, type, constraints, default and
//! OCPP flags, read from our schema files (this crate's config/profile_schemas/, embedded at
//! build time; the repository's top-level config/profile_schemas links to them) so the schema
//! files stay the one source of truth.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

use super::schema::{Format, JsonType, ListSchema, Reader, ReportedAs, Schema, SchemaError};
use super::section::Section;

/// The top-level schema file (sections, required sections).
pub const CONFIG_SCHEMA: &str = include_str!("../../config/profile_schemas/Config.json");

/// The schema file of each section, as shipped in this crate's config/profile_schemas/.
pub const SECTION_SCHEMAS: [(Section, &str); 10] = [
    (
        Section::Internal,
        include_str!("../../config/profile_schemas/Internal.json"),
    ),
    (
        Section::Core,
        include_str!("../../config/profile_schemas/Core.json"),
    ),
    (
        Section::FirmwareManagement,
        include_str!("../../config/profile_schemas/FirmwareManagement.json"),
    ),
    (
        Section::Security,
        include_str!("../../config/profile_schemas/Security.json"),
    ),
    (
        Section::LocalAuthListManagement,
        include_str!("../../config/profile_schemas/LocalAuthListManagement.json"),
    ),
    (
        Section::Reservation,
        include_str!("../../config/profile_schemas/Reservation.json"),
    ),
    (
        Section::SmartCharging,
        include_str!("../../config/profile_schemas/SmartCharging.json"),
    ),
    (
        Section::PnC,
        include_str!("../../config/profile_schemas/PnC.json"),
    ),
    (
        Section::CostAndPrice,
        include_str!("../../config/profile_schemas/CostAndPrice.json"),
    ),
    (
        Section::Custom,
        include_str!("../../config/profile_schemas/Custom.json"),
    ),
];

/// One configuration key and everything known about it.
#[derive(Debug, Clone, PartialEq)]
pub struct KeySpec {
    /// The section (and so the profile) the key belongs to.
    pub section: Section,
    /// The key name, exactly as OCPP spells it.
    pub name: String,
    /// Required in its section (when the section exists).
    pub required: bool,
    /// The key's schema: type, constraints, default and flags.
    pub schema: Schema,
    /// False for a key of the Custom section that no schema declares; its type is then that of
    /// its current value.
    pub declared: bool,
}

impl KeySpec {
    /// The JSON type of the value (keys without a declared type hold strings).
    pub fn json_type(&self) -> JsonType {
        self.schema.json_type.unwrap_or(JsonType::String)
    }

    /// The default filled in when the key is absent from an existing section.
    pub fn default(&self) -> Option<&Value> {
        self.schema.default.as_ref()
    }

    /// ChangeConfiguration may not change it (reported `readonly`).
    pub fn read_only(&self) -> bool {
        self.schema.read_only
    }

    /// Never reported by GetConfiguration (AuthorizationKey).
    pub fn write_only(&self) -> bool {
        self.schema.write_only
    }

    /// A change takes effect only after a reboot (ChangeConfiguration answers RebootRequired).
    pub fn reboot_required(&self) -> bool {
        self.schema.reboot_required
    }

    /// The comma-separated-list form of a string key, if it has one.
    pub fn list(&self) -> Option<&ListSchema> {
        self.schema.list.as_ref()
    }

    /// The form checked on ChangeConfiguration, if any.
    pub fn format(&self) -> Option<Format> {
        self.schema.format
    }

    /// How the key is reported under other names, if it is.
    pub fn reported_as(&self) -> Option<ReportedAs> {
        self.schema.reported_as
    }

    /// A key of the Custom section that no schema declares: read-write, typed by its value.
    pub fn inferred(name: &str, value: &Value) -> KeySpec {
        let json_type = match value {
            Value::Bool(_) => JsonType::Boolean,
            Value::Number(n) if n.is_i64() || n.is_u64() => JsonType::Integer,
            Value::Number(_) => JsonType::Number,
            Value::Array(_) => JsonType::Array,
            Value::Object(_) => JsonType::Object,
            Value::String(_) | Value::Null => JsonType::String,
        };
        KeySpec {
            section: Section::Custom,
            name: name.to_string(),
            required: false,
            schema: Schema {
                json_type: Some(json_type),
                additional_properties: true,
                ..Schema::default()
            },
            declared: false,
        }
    }
}

/// The keys of one section and the section-level rules of its schema.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionSpec {
    /// Which section.
    pub section: Section,
    /// Its keys, ordered by name (serde_json reads objects into sorted maps).
    pub keys: Vec<KeySpec>,
    /// Whether keys the schema does not declare are allowed (only Custom).
    pub additional_keys: bool,
}

/// Every key of every section. Read-only once built, and shared: a clone is a reference count
/// (every charge point's configuration holds its registry, and a fleet runs thousands of charge
/// points in one process).
#[derive(Debug, Clone, PartialEq)]
pub struct Registry {
    specs: std::sync::Arc<Specs>,
}

/// What a [`Registry`] holds.
#[derive(Debug, PartialEq)]
struct Specs {
    sections: Vec<SectionSpec>,
    required_sections: Vec<Section>,
    by_name: HashMap<String, (usize, usize)>,
}

fn parse_json(file: &str, text: &str) -> Result<Value, SchemaError> {
    serde_json::from_str(text).map_err(|e| SchemaError {
        file: file.to_string(),
        pointer: String::new(),
        reason: format!("not valid JSON: {e}"),
    })
}

fn section_spec(section: Section, file: &str, root: &Value) -> Result<SectionSpec, SchemaError> {
    let top = Reader::new(file, root).parse(root, "")?;
    let keys = top
        .properties
        .iter()
        .map(|(name, schema)| KeySpec {
            section,
            name: name.clone(),
            required: top.required.contains(name),
            schema: schema.clone(),
            declared: true,
        })
        .collect();
    Ok(SectionSpec {
        section,
        keys,
        additional_keys: top.additional_properties,
    })
}

impl Registry {
    /// The registry of our embedded schema files, read once.
    pub fn embedded() -> Result<&'static Registry, SchemaError> {
        static EMBEDDED: OnceLock<Result<Registry, SchemaError>> = OnceLock::new();
        EMBEDDED
            .get_or_init(|| Registry::build(None))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The embedded registry with the Custom section's schema replaced by `custom_schema` (the
    /// text of a schema file declaring integrator-specific keys).
    pub fn with_custom_schema(custom_schema: &str) -> Result<Registry, SchemaError> {
        Registry::build(Some(custom_schema))
    }

    fn build(custom: Option<&str>) -> Result<Registry, SchemaError> {
        let top = parse_json("Config.json", CONFIG_SCHEMA)?;
        let required_sections = top
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|v| {
                v.as_str()
                    .and_then(Section::from_name)
                    .ok_or_else(|| SchemaError {
                        file: "Config.json".to_string(),
                        pointer: "/required".to_string(),
                        reason: format!("{v} is not a section"),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut sections = Vec::new();
        for (section, text) in SECTION_SCHEMAS {
            let (file, text) = match (section, custom) {
                (Section::Custom, Some(c)) => ("Custom schema".to_string(), c),
                _ => (format!("{section}.json"), text),
            };
            let root = parse_json(&file, text)?;
            sections.push(section_spec(section, &file, &root)?);
        }
        let mut by_name = HashMap::new();
        for (si, s) in sections.iter().enumerate() {
            for (ki, k) in s.keys.iter().enumerate() {
                if by_name.insert(k.name.clone(), (si, ki)).is_some() {
                    // Keys are looked up by name alone (ChangeConfiguration carries no section).
                    return Err(SchemaError {
                        file: format!("{}.json", s.section),
                        pointer: format!("/properties/{}", k.name),
                        reason: "the key is declared in two sections".to_string(),
                    });
                }
            }
        }
        Ok(Registry {
            specs: std::sync::Arc::new(Specs {
                sections,
                required_sections,
                by_name,
            }),
        })
    }

    /// The sections every configuration must have.
    pub fn required_sections(&self) -> &[Section] {
        &self.specs.required_sections
    }

    /// The rules of one section.
    pub fn section(&self, section: Section) -> Option<&SectionSpec> {
        self.specs.sections.iter().find(|s| s.section == section)
    }

    /// Every section, in [`Section::ALL`] order.
    pub fn sections(&self) -> &[SectionSpec] {
        &self.specs.sections
    }

    /// The declared key named exactly `name` (case-sensitive).
    pub fn key(&self, name: &str) -> Option<&KeySpec> {
        let (s, k) = *self.specs.by_name.get(name)?;
        self.specs.sections.get(s)?.keys.get(k)
    }

    /// Every declared key, section by section, by name within a section.
    pub fn keys(&self) -> impl Iterator<Item = &KeySpec> {
        self.specs.sections.iter().flat_map(|s| s.keys.iter())
    }

    /// A declared key whose name equals `name` ignoring ASCII case, for "did you mean" hints.
    pub fn key_ignoring_case(&self, name: &str) -> Option<&KeySpec> {
        self.keys().find(|k| k.name.eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_schemas_declare_131_keys() {
        let r = Registry::embedded().unwrap();
        assert_eq!(r.keys().count(), 131);
        let per_section: Vec<(Section, usize)> = r
            .sections()
            .iter()
            .map(|s| (s.section, s.keys.len()))
            .collect();
        assert_eq!(
            per_section,
            [
                (Section::Internal, 62),
                (Section::Core, 34),
                (Section::FirmwareManagement, 1),
                (Section::Security, 7),
                (Section::LocalAuthListManagement, 3),
                (Section::Reservation, 1),
                (Section::SmartCharging, 5),
                (Section::PnC, 6),
                (Section::CostAndPrice, 12),
                (Section::Custom, 0),
            ]
        );
        assert_eq!(
            r.required_sections(),
            [Section::Internal, Section::Core, Section::Security]
        );
    }

    #[test]
    fn flags_come_from_the_schemas() {
        let r = Registry::embedded().unwrap();
        let auth = r.key("AuthorizationKey").unwrap();
        assert!(auth.write_only() && !auth.read_only());
        assert_eq!(auth.section, Section::Security);
        let hb = r.key("HeartbeatInterval").unwrap();
        assert!(hb.required && !hb.read_only() && hb.json_type() == JsonType::Integer);
        assert!(r.key("NumberOfConnectors").unwrap().read_only());
        assert!(r.key("ConnectorEvseIds").unwrap().reboot_required());
        let sampled = r.key("MeterValuesSampledData").unwrap().list().unwrap();
        assert_eq!(
            sampled.subset_of_key.as_deref(),
            Some("SupportedMeasurands")
        );
        assert_eq!(
            sampled.max_items_key.as_deref(),
            Some("MeterValuesSampledDataMaxLength")
        );
        assert_eq!(
            r.key("SecurityProfile").unwrap().default(),
            Some(&Value::from(0))
        );
        assert_eq!(
            r.key("MeterPublicKeys").unwrap().reported_as(),
            Some(ReportedAs::MeterPublicKey)
        );
        assert!(r.key("heartbeatinterval").is_none());
        assert_eq!(
            r.key_ignoring_case("heartbeatinterval")
                .map(|k| k.name.as_str()),
            Some("HeartbeatInterval")
        );
        assert!(r.section(Section::Custom).unwrap().additional_keys);
        assert!(!r.section(Section::Security).unwrap().additional_keys);
    }

    #[test]
    fn the_measurand_enums_are_ocpps() {
        let r = Registry::embedded().unwrap();
        let wire: Vec<Value> = ocpp_types::meter::Measurand::ALL
            .iter()
            .map(|m| Value::from(m.as_str()))
            .collect();
        for key in [
            "SupportedMeasurands",
            "MeterValuesSampledData",
            "StopTxnAlignedData",
        ] {
            let mut listed = r
                .key(key)
                .unwrap()
                .list()
                .unwrap()
                .items
                .enumeration
                .clone()
                .unwrap();
            let mut expected = wire.clone();
            listed.sort_by_key(|v| v.to_string());
            expected.sort_by_key(|v| v.to_string());
            assert_eq!(listed, expected, "{key}");
        }
    }

    #[test]
    fn custom_schemas_declare_custom_keys() {
        let r = Registry::with_custom_schema(
            r#"{"type": "object", "properties": {
                "DisplayBrightness": {"type": "integer", "minimum": 0, "maximum": 10, "x-rebootRequired": true}}}"#,
        )
        .unwrap();
        let k = r.key("DisplayBrightness").unwrap();
        assert_eq!(k.section, Section::Custom);
        assert!(k.reboot_required());
        let clash = Registry::with_custom_schema(
            r#"{"type": "object", "properties": {"HeartbeatInterval": {"type": "integer"}}}"#,
        );
        assert!(clash.unwrap_err().reason.contains("two sections"));
        assert!(Registry::with_custom_schema("{").is_err());
    }
}
