//! The running configuration: the effective document, its typed view, and the user config that
//! records every change, persisted through an [`OverlayStore`] before the change takes effect.

use serde_json::{Map, Value};

use super::load::{effective, ConfigError, Document, Problem};
use super::registry::{KeySpec, Registry};
use super::section::Section;
use super::shared_document::{EffectiveDocument, SharedDocument};
use super::typed::{Core, Internal, OcppConfig, Security};
use super::user_overlay::{OverlayError, OverlayStore};
use super::validate::validate;
use super::value::ConfigValue;

/// The OCPP configuration of a running station.
pub struct Configuration {
    registry: Registry,
    document: EffectiveDocument,
    typed: OcppConfig,
    overlay: Value,
    store: Box<dyn OverlayStore>,
}

impl std::fmt::Debug for Configuration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the document: it holds the AuthorizationKey.
        f.debug_struct("Configuration")
            .field("typed", &self.typed)
            .field("store", &self.store.label())
            .finish_non_exhaustive()
    }
}

/// Who made a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeOrigin {
    /// A ChangeConfiguration from the central system.
    CentralSystem,
    /// The station itself (BootNotification data, meter keys, a security profile fallback ...).
    Station,
}

/// What a change did, for the runtime to apply at once (new heartbeat timer, reconnect, ...) or,
/// when `reboot_required`, after the next start. This is the contract between the configuration
/// and the runtime.
#[derive(Clone, PartialEq)]
pub struct ConfigChange {
    /// The section of the key.
    pub section: Section,
    /// The key as stored (`DefaultPriceText` for a change of `DefaultPriceText,en`).
    pub key: String,
    /// The key as the central system named it.
    pub ocpp_key: String,
    /// The value before, if the key had one.
    pub old: Option<ConfigValue>,
    /// The value now in the configuration.
    pub new: ConfigValue,
    /// The change takes effect only after a reboot.
    pub reboot_required: bool,
    /// Who changed it.
    pub origin: ChangeOrigin,
    /// The values are secret (AuthorizationKey): debug output leaves them out.
    pub secret: bool,
}

impl ConfigChange {
    /// Whether this change is of the key `name`.
    pub fn is(&self, name: &str) -> bool {
        self.key == name
    }
}

impl std::fmt::Debug for ConfigChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("ConfigChange");
        d.field("section", &self.section)
            .field("key", &self.key)
            .field("ocpp_key", &self.ocpp_key);
        if self.secret {
            d.field("old", &"<redacted>").field("new", &"<redacted>");
        } else {
            d.field("old", &self.old).field("new", &self.new);
        }
        d.field("reboot_required", &self.reboot_required)
            .field("origin", &self.origin)
            .finish()
    }
}

/// Why a change could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// No such key (or its section is not in the configuration).
    #[error("unknown configuration key {0}")]
    UnknownKey(String),
    /// The value breaks the key's rules.
    #[error("{0}")]
    Invalid(String),
    /// The user config could not be written, so nothing was changed.
    #[error("the change could not be stored: {0}")]
    Store(#[from] OverlayError),
}

impl Configuration {
    /// Loads `base`, merges the user config from `store` over it and validates the result.
    pub fn load(
        registry: Registry,
        base: &Document,
        store: Box<dyn OverlayStore>,
    ) -> Result<Configuration, ConfigError> {
        let label = store.label();
        let overlay = store
            .load()
            .map_err(|e| Problem {
                file: label.clone(),
                path: "$".to_string(),
                reason: e.reason(),
            })?
            .unwrap_or_else(|| Value::Object(Map::new()));
        let user = Document {
            label,
            value: overlay.clone(),
        };
        let document = effective(&registry, base, Some(&user))?;
        let typed = OcppConfig::from_document(&document).map_err(|e| Problem {
            file: base.label.clone(),
            path: "$".to_string(),
            reason: e.to_string(),
        })?;
        Ok(Configuration {
            registry,
            document: EffectiveDocument::whole(document),
            typed,
            overlay,
            store,
        })
    }

    /// The typed view.
    pub fn typed(&self) -> &OcppConfig {
        &self.typed
    }

    /// The Internal section.
    pub fn internal(&self) -> &Internal {
        &self.typed.internal
    }

    /// The Core section.
    pub fn core(&self) -> &Core {
        &self.typed.core
    }

    /// The Security section.
    pub fn security(&self) -> &Security {
        &self.typed.security
    }

    /// The effective configuration as JSON, with defaults filled in. It holds the
    /// AuthorizationKey: do not log it.
    pub fn to_document(&self) -> Value {
        self.document.to_value()
    }

    /// The effective document, whole or over a shared one.
    pub(crate) fn document(&self) -> &EffectiveDocument {
        &self.document
    }

    /// Keeps the effective document as the keys where it differs from `shared` (the effective
    /// document of another station of the same config, [`SharedDocument::of`]), here and after
    /// every change: what it reads and reports is the same, and a fleet of thousands of
    /// stations of one config keeps one document instead of one each (about 15 kB a station).
    /// A document that cannot be said as changes to `shared` stays whole.
    pub fn share_document(&mut self, shared: &SharedDocument) {
        let whole = self.document.to_value();
        self.document = EffectiveDocument::over(whole, Some(shared));
    }

    /// Whether the effective document is kept over a shared one ([`Self::share_document`]).
    pub fn shares_document(&self) -> bool {
        self.document.base().is_some()
    }

    /// The user config: every change made so far, as a merge patch of the base config.
    pub fn overlay(&self) -> &Value {
        &self.overlay
    }

    /// The key registry in use.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The sections whose keys are in effect (reported and changeable).
    pub fn active_sections(&self) -> Vec<Section> {
        self.document.active_sections().to_vec()
    }

    /// The stored value of `key` in `section`, if set.
    pub(crate) fn stored(&self, section: Section, key: &str) -> Option<&Value> {
        self.document.get(section.as_str(), key)
    }

    /// The spec of a key present in the Custom section (declared, or typed by its value).
    pub(crate) fn custom_spec(&self, key: &str) -> Option<KeySpec> {
        let value = self.stored(Section::Custom, key)?;
        match self.registry.key(key) {
            Some(spec) if spec.section == Section::Custom => Some(spec.clone()),
            Some(_) => None,
            None => Some(KeySpec::inferred(key, value)),
        }
    }

    /// A change the station makes itself (read-only keys included, e.g. FirmwareVersion after an
    /// update, MeterPublicKeys, or SecurityProfile falling back after a failed switch): checked
    /// against the schemas, stored in the user config, then applied. `None` when the key
    /// already had this value: nothing changed, so there is nothing to apply or announce.
    pub fn set_by_station(
        &mut self,
        key: &str,
        value: Value,
    ) -> Result<Option<ConfigChange>, ChangeError> {
        let spec = self.station_spec(key)?;
        self.commit(&spec, key, value, ChangeOrigin::Station)
    }

    /// Several changes the station makes itself at once, as [`Self::set_by_station`] makes
    /// one: the document is checked with every key set, and the user config written once for
    /// all of them (one write and one flush to disk instead of one per key). Nothing changes
    /// if any key is unknown or any value refused. The changes, in the order given, leave out
    /// the keys that already had their value; a key given twice takes its last value.
    pub fn set_all_by_station(
        &mut self,
        entries: Vec<(String, Value)>,
    ) -> Result<Vec<ConfigChange>, ChangeError> {
        let mut specs = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let spec = self.station_spec(&key)?;
            specs.push((spec, key, value));
        }
        self.commit_all(specs, ChangeOrigin::Station)
    }

    /// The spec of a key the station may set: any key of a section the document has.
    fn station_spec(&self, key: &str) -> Result<KeySpec, ChangeError> {
        match self.registry.key(key) {
            Some(spec) if self.document.has_section(spec.section.as_str()) => Ok(spec.clone()),
            Some(_) => Err(ChangeError::UnknownKey(key.to_string())),
            None => self
                .custom_spec(key)
                .ok_or_else(|| ChangeError::UnknownKey(key.to_string())),
        }
    }

    /// Checks the document with `key` set to `value`, stores the new user config, and only then
    /// makes it the running configuration. Nothing changes if any step fails. `None` when the
    /// key already had `value` (a CSMS setting it again, BootNotification.conf repeating the
    /// interval at every boot): the value is still checked and recorded in the user config, as
    /// libocpp records every accepted value, but it is no change to log or to apply.
    pub(crate) fn commit(
        &mut self,
        spec: &KeySpec,
        ocpp_key: &str,
        value: Value,
        origin: ChangeOrigin,
    ) -> Result<Option<ConfigChange>, ChangeError> {
        let changes = self.commit_all(vec![(spec.clone(), ocpp_key.to_string(), value)], origin)?;
        Ok(changes.into_iter().next())
    }

    /// [`Self::commit`] for several keys at once: one check of the document with all of them
    /// set, one write of the user config (none when every value is in effect and recorded).
    fn commit_all(
        &mut self,
        entries: Vec<(KeySpec, String, Value)>,
        origin: ChangeOrigin,
    ) -> Result<Vec<ConfigChange>, ChangeError> {
        // A key given twice: its last value.
        let mut latest: Vec<(KeySpec, String, Value)> = Vec::with_capacity(entries.len());
        for entry in entries {
            latest.retain(|(spec, _, _)| {
                spec.section != entry.0.section || spec.name != entry.0.name
            });
            latest.push(entry);
        }
        let mut candidate = self.document.to_value();
        let mut olds = Vec::with_capacity(latest.len());
        for (spec, _, value) in &latest {
            let old = candidate
                .get_mut(spec.section.as_str())
                .and_then(Value::as_object_mut)
                .and_then(|keys| keys.insert(spec.name.clone(), value.clone()));
            olds.push(old);
        }
        let checked = validate(&self.registry, &candidate);
        if !checked.violations.is_empty() {
            let reasons: Vec<String> = checked
                .violations
                .iter()
                .map(|v| format!("{}: {}", v.path, v.reason))
                .collect();
            return Err(ChangeError::Invalid(reasons.join("; ")));
        }
        let typed = OcppConfig::from_document(&checked.document)
            .map_err(|e| ChangeError::Invalid(e.to_string()))?;
        let recorded = |spec: &KeySpec, value: &Value| {
            self.overlay
                .get(spec.section.as_str())
                .and_then(|keys| keys.get(&spec.name))
                == Some(value)
        };
        let all_recorded = latest
            .iter()
            .zip(&olds)
            .all(|((spec, _, value), old)| old.as_ref() == Some(value) && recorded(spec, value));
        if all_recorded {
            // Already in effect and in the user config: writing the file again would only wear
            // the station's flash.
            for (spec, _, _) in &latest {
                tracing::debug!(key = %spec.name, ?origin, "configuration key set to the value it has");
            }
            return Ok(Vec::new());
        }
        let mut overlay = self.overlay.clone();
        if !overlay.is_object() {
            overlay = Value::Object(Map::new());
        }
        if let Some(top) = overlay.as_object_mut() {
            for (spec, _, value) in &latest {
                let entry = top
                    .entry(spec.section.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !entry.is_object() {
                    *entry = Value::Object(Map::new());
                }
                if let Some(keys) = entry.as_object_mut() {
                    keys.insert(spec.name.clone(), value.clone());
                }
            }
        }
        // Persisted before it is acted upon: a change the station forgets at the next start must
        // not be applied (or acknowledged) now.
        self.store.save(&overlay)?;
        self.document = EffectiveDocument::over(checked.document, self.document.base());
        self.typed = typed;
        self.overlay = overlay;
        let mut changes = Vec::new();
        for ((spec, ocpp_key, value), old) in latest.into_iter().zip(olds) {
            if old.as_ref() == Some(&value) {
                tracing::debug!(key = %spec.name, ?origin, "configuration key set to the value it has");
                continue;
            }
            let change = ConfigChange {
                section: spec.section,
                old: old.as_ref().map(|v| ConfigValue::from_json(&spec, v)),
                new: ConfigValue::from_json(&spec, &value),
                reboot_required: spec.reboot_required(),
                origin,
                secret: spec.write_only(),
                key: spec.name,
                ocpp_key,
            };
            tracing::info!(?change, "configuration changed");
            changes.push(change);
        }
        Ok(changes)
    }
}

impl OverlayError {
    /// The reason without the file name, for a [`Problem`] that names the file itself.
    pub fn reason(&self) -> String {
        match self {
            OverlayError::Io { action, source, .. } => format!("{action}: {source}"),
            OverlayError::Json { message, .. } => format!("not valid JSON: {message}"),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::user_overlay::MemoryOverlay;
    use crate::config::DEFAULT_CONFIG;
    use serde_json::json;

    /// The shipped default config with `patch` merged into it, over a memory overlay holding
    /// `overlay`.
    pub(crate) fn config_with(patch: Value, overlay: Option<Value>) -> Configuration {
        let mut base = Document::parse("ocpp-config.json", DEFAULT_CONFIG).unwrap();
        crate::config::merge_patch::apply(&mut base.value, &patch);
        let store = MemoryOverlay {
            value: overlay,
            ..MemoryOverlay::default()
        };
        Configuration::load(
            Registry::embedded().unwrap().clone(),
            &base,
            Box::new(store),
        )
        .unwrap()
    }

    #[test]
    fn the_overlay_is_merged_on_start() {
        let cfg = config_with(json!({}), Some(json!({"Core": {"HeartbeatInterval": 42}})));
        assert_eq!(cfg.core().heartbeat_interval, 42);
        assert_eq!(cfg.internal().charge_point_id, "cp001");
        assert_eq!(cfg.security().security_profile, 0);
    }

    #[test]
    fn an_invalid_overlay_is_refused_with_its_name() {
        let mut base = Document::parse("ocpp-config.json", DEFAULT_CONFIG).unwrap();
        base.label = "base.json".into();
        let store = MemoryOverlay::with(json!({"Core": {"HeartbeatInterval": "soon"}}));
        let err = Configuration::load(
            Registry::embedded().unwrap().clone(),
            &base,
            Box::new(store),
        )
        .unwrap_err();
        assert_eq!(
            err.problems(),
            ["user config (in memory): $.Core.HeartbeatInterval: expected an integer, found the string \"soon\""]
        );
    }

    #[test]
    fn station_changes_may_touch_read_only_keys_and_are_stored() {
        let mut cfg = config_with(json!({}), None);
        let change = cfg
            .set_by_station("FirmwareVersion", json!("2.0.0"))
            .unwrap()
            .expect("a change");
        assert_eq!(change.origin, ChangeOrigin::Station);
        assert_eq!(change.old, Some(ConfigValue::Text("0.1.0".into())));
        assert_eq!(cfg.internal().firmware_version, "2.0.0");
        assert_eq!(
            cfg.overlay(),
            &json!({"Internal": {"FirmwareVersion": "2.0.0"}})
        );
        assert!(matches!(
            cfg.set_by_station("FirmwareVersion", json!("x".repeat(51))),
            Err(ChangeError::Invalid(_))
        ));
        assert!(matches!(
            cfg.set_by_station("NoSuchKey", json!(1)),
            Err(ChangeError::UnknownKey(_))
        ));
        assert_eq!(cfg.internal().firmware_version, "2.0.0");
    }

    #[test]
    fn secrets_are_redacted_in_change_events() {
        let mut cfg = config_with(json!({}), None);
        let change = cfg
            .set_by_station("AuthorizationKey", json!("0123456789abcdef"))
            .unwrap()
            .expect("a change");
        let shown = format!("{change:?}");
        assert!(!shown.contains("0123456789abcdef"), "{shown}");
        assert!(shown.contains("<redacted>"));
        assert!(!format!("{cfg:?}").contains("0123456789abcdef"));
    }

    #[test]
    fn setting_the_value_a_key_has_is_no_change() {
        let mut cfg = config_with(json!({"Core": {"HeartbeatInterval": 300}}), None);
        // In effect but not yet in the user config: recorded there, yet no change.
        assert_eq!(
            cfg.set_by_station("HeartbeatInterval", json!(300)).unwrap(),
            None
        );
        assert_eq!(cfg.overlay(), &json!({"Core": {"HeartbeatInterval": 300}}));
        assert_eq!(
            cfg.set_by_station("HeartbeatInterval", json!(300)).unwrap(),
            None
        );
        let change = cfg
            .set_by_station("HeartbeatInterval", json!(60))
            .unwrap()
            .expect("a change");
        assert_eq!(change.old, Some(ConfigValue::Integer(300)));
        assert_eq!(change.new, ConfigValue::Integer(60));
        assert_eq!(cfg.core().heartbeat_interval, 60);
    }
    /// An overlay store whose saves the test counts after handing it over.
    struct CountingOverlay {
        saves: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    }

    impl OverlayStore for CountingOverlay {
        fn label(&self) -> String {
            "counted".to_string()
        }

        fn load(&self) -> Result<Option<Value>, OverlayError> {
            Ok(None)
        }

        fn save(&mut self, _overlay: &Value) -> Result<(), OverlayError> {
            self.saves.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        }
    }

    fn counted_config() -> (
        Configuration,
        std::sync::Arc<std::sync::atomic::AtomicUsize>,
    ) {
        let base = Document::parse("ocpp-config.json", DEFAULT_CONFIG).unwrap();
        let saves = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let store = CountingOverlay {
            saves: saves.clone(),
        };
        let cfg = Configuration::load(
            Registry::embedded().unwrap().clone(),
            &base,
            Box::new(store),
        )
        .unwrap();
        (cfg, saves)
    }

    #[test]
    fn keys_set_together_are_stored_with_one_write() {
        let (mut cfg, saves) = counted_config();
        let changes = cfg
            .set_all_by_station(vec![
                ("ChargePointId".into(), json!("cp00042")),
                ("HeartbeatInterval".into(), json!(77)),
                (
                    "CentralSystemURI".into(),
                    json!("ws://127.0.0.1:9000/ocpp/"),
                ),
            ])
            .unwrap();
        assert_eq!(saves.load(std::sync::atomic::Ordering::SeqCst), 1);
        let keys: Vec<&str> = changes.iter().map(|c| c.ocpp_key.as_str()).collect();
        assert_eq!(
            keys,
            ["ChargePointId", "HeartbeatInterval", "CentralSystemURI"]
        );
        assert_eq!(changes[1].old, Some(ConfigValue::Integer(86400)));
        assert_eq!(changes[1].new, ConfigValue::Integer(77));
        assert_eq!(
            changes
                .iter()
                .filter(|c| c.origin == ChangeOrigin::Station)
                .count(),
            3
        );
        assert_eq!(cfg.internal().charge_point_id, "cp00042");
        assert_eq!(cfg.core().heartbeat_interval, 77);
        assert_eq!(
            cfg.overlay(),
            &json!({
                "Internal": {"ChargePointId": "cp00042", "CentralSystemURI": "ws://127.0.0.1:9000/ocpp/"},
                "Core": {"HeartbeatInterval": 77}
            })
        );
        // The same values again (a restart of the station): in effect and recorded, no write.
        let again = cfg
            .set_all_by_station(vec![
                ("ChargePointId".into(), json!("cp00042")),
                ("HeartbeatInterval".into(), json!(77)),
            ])
            .unwrap();
        assert!(again.is_empty());
        assert_eq!(saves.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn keys_set_together_change_nothing_when_one_is_refused() {
        let (mut cfg, saves) = counted_config();
        let refused = cfg.set_all_by_station(vec![
            ("HeartbeatInterval".into(), json!(77)),
            ("FirmwareVersion".into(), json!("x".repeat(51))),
        ]);
        assert!(
            matches!(refused, Err(ChangeError::Invalid(_))),
            "{refused:?}"
        );
        let unknown = cfg.set_all_by_station(vec![
            ("HeartbeatInterval".into(), json!(77)),
            ("NoSuchKey".into(), json!(1)),
        ]);
        assert!(
            matches!(&unknown, Err(ChangeError::UnknownKey(k)) if k == "NoSuchKey"),
            "{unknown:?}"
        );
        assert_eq!(saves.load(std::sync::atomic::Ordering::SeqCst), 0);
        assert_eq!(cfg.core().heartbeat_interval, 86400);
        assert_eq!(cfg.overlay(), &json!({}));
    }

    #[test]
    fn a_configuration_kept_over_a_shared_document_reads_reports_and_changes_as_a_whole_one() {
        use crate::config::{ChangeContext, SharedDocument};
        use ocpp_types::core::GetConfigurationRequest;
        use ocpp_types::core::{ChangeConfigurationRequest, ConfigurationStatus};

        let first = config_with(json!({}), None);
        let shared = SharedDocument::of(&first);
        let own = json!({"Internal": {"ChargePointId": "cp00002"}, "Custom": {"Mine": 5}});
        let mut whole = config_with(json!({}), Some(own.clone()));
        let mut kept = config_with(json!({}), Some(own));
        kept.share_document(&shared);
        assert!(kept.shares_document() && !whole.shares_document());
        let all = GetConfigurationRequest { key: None };
        let same = |whole: &Configuration, kept: &Configuration| {
            assert_eq!(kept.to_document(), whole.to_document());
            assert_eq!(kept.active_sections(), whole.active_sections());
            assert_eq!(
                kept.get_configuration(&all).unwrap(),
                whole.get_configuration(&all).unwrap()
            );
            assert_eq!(kept.typed(), whole.typed());
            assert_eq!(kept.overlay(), whole.overlay());
        };
        same(&whole, &kept);
        assert_eq!(kept.internal().charge_point_id, "cp00002");
        assert_eq!(kept.reported_value("Mine").as_deref(), Some("5"));

        let gate = |_: u8| Err("no switch here".to_string());
        let context = ChangeContext {
            now: chrono::Utc::now(),
            security_profile: &gate,
        };
        for (key, value) in [("MeterValueSampleInterval", "10"), ("Mine", "6")] {
            let request: ChangeConfigurationRequest =
                ocpp_types::decode_str(&format!(r#"{{"key": "{key}", "value": "{value}"}}"#))
                    .unwrap();
            let (a, b) = (
                whole.change_configuration(&request, &context),
                kept.change_configuration(&request, &context),
            );
            assert_eq!(b.status, ConfigurationStatus::Accepted, "{key}");
            assert_eq!(a.status, b.status);
            assert_eq!(a.change, b.change);
        }
        whole
            .set_by_station("HeartbeatInterval", json!(30))
            .unwrap();
        kept.set_by_station("HeartbeatInterval", json!(30)).unwrap();
        assert!(kept.shares_document());
        same(&whole, &kept);
        assert_eq!(kept.core().meter_value_sample_interval, 10);
        assert_eq!(
            kept.reported_value("HeartbeatInterval").as_deref(),
            Some("30")
        );
    }
}
