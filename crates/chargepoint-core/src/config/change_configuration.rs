//! ChangeConfiguration (OCPP 1.6 §5.3): NotSupported for a key the station does not have,
//! Rejected for a read-only key or an invalid value, RebootRequired for keys that take effect
//! only after a restart, otherwise Accepted — persisted first, then applied at once; the
//! returned [`ConfigChange`] tells the runtime what to re-arm (heartbeat timer, reconnect ...).
//!
//! As libocpp: a key is supported when its section is in effect and the key is present (optional
//! keys such as BlinkRepeat are NotSupported when the configuration leaves them out), except that
//! AuthorizationKey may be set when absent; an AuthorizationKey in hex notation is stored decoded.
//! Unlike libocpp: key names are matched exactly (OCPP's `CiString50` would suggest ignoring
//! case, which libocpp does; the issue asks for exact names), values are checked against the full
//! schema (libocpp skips checks for several keys), AuthorizationKey needs 16 bytes (the Security
//! whitepaper's minimum; libocpp asks for 8).

use chrono::{DateTime, Utc};
use ocpp_types::core::{ChangeConfigurationRequest, ConfigurationStatus};
use serde_json::{Map, Value};

use super::configuration::{ChangeError, ChangeOrigin, ConfigChange, Configuration};
use super::formats::{
    check_future_date_time, check_phase_rotation, check_time_offset, decode_authorization_key,
};
use super::get_configuration::split_reported_name;
use super::registry::KeySpec;
use super::schema::{split_list, Format};
use super::section::Section;
use super::value::parse_ocpp_string;

/// The Security whitepaper's minimum length of the AuthorizationKey, in bytes.
pub const AUTHORIZATION_KEY_MIN_BYTES: usize = 16;

/// Decides whether the station can switch to a higher security profile: the certificates it
/// needs are installed (profiles 2 and 3: a CentralSystemRootCertificate; profile 3: a charge
/// point certificate). The transport provides it; the configuration checks the rest (only
/// upwards, at most 3, an AuthorizationKey for profiles 1 and 2).
pub trait SecurityProfileGate {
    /// `Ok` if the station could connect with `profile`; otherwise why not.
    fn check(&self, profile: u8) -> Result<(), String>;
}

impl<F: Fn(u8) -> Result<(), String>> SecurityProfileGate for F {
    fn check(&self, profile: u8) -> Result<(), String> {
        self(profile)
    }
}

/// What a ChangeConfiguration needs from its caller besides the request.
pub struct ChangeContext<'a> {
    /// The current time (NextTimeOffsetTransitionDateTime must lie after it).
    pub now: DateTime<Utc>,
    /// The prerequisite check for SecurityProfile.
    pub security_profile: &'a dyn SecurityProfileGate,
}

/// The answer to a ChangeConfiguration, and what changed.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeOutcome {
    /// The status to answer with.
    pub status: ConfigurationStatus,
    /// What changed (Accepted and RebootRequired only; `None` also when the key already had
    /// the value, which is answered as usual but changes nothing). After an accepted SecurityProfile the
    /// runtime reconnects with the new profile once the answer is sent, and calls
    /// [`Configuration::set_by_station`] with the old one if it cannot connect within
    /// SwitchSecurityProfileConnectionTimeout; after an AuthorizationKey on profile 1 or 2 it
    /// reconnects with the new key.
    pub change: Option<ConfigChange>,
    /// Why the change was refused (Rejected and NotSupported), for logs.
    pub reason: Option<String>,
}

impl ChangeOutcome {
    fn refused(status: ConfigurationStatus, reason: String) -> Self {
        ChangeOutcome {
            status,
            change: None,
            reason: Some(reason),
        }
    }
}

/// Which part of a stored key a ChangeConfiguration names.
enum Part {
    Whole,
    Language(String),
}

impl Configuration {
    /// Answers a ChangeConfiguration.req, changing the configuration when it answers Accepted or
    /// RebootRequired.
    pub fn change_configuration(
        &mut self,
        request: &ChangeConfigurationRequest,
        context: &ChangeContext<'_>,
    ) -> ChangeOutcome {
        let name = request.key.as_str();
        let text = request.value.as_str();
        let outcome = self.change(name, text, context);
        match &outcome.reason {
            Some(reason) => {
                tracing::info!(key = name, status = ?outcome.status, "ChangeConfiguration refused: {reason}")
            }
            None => tracing::debug!(key = name, status = ?outcome.status, "ChangeConfiguration"),
        }
        outcome
    }

    fn change(&mut self, name: &str, text: &str, context: &ChangeContext<'_>) -> ChangeOutcome {
        use ConfigurationStatus::{Accepted, NotSupported, RebootRequired, Rejected};
        let Some((spec, part)) = self.change_target(name) else {
            return ChangeOutcome::refused(
                NotSupported,
                format!("{name} is not a configuration key of this station"),
            );
        };
        if spec.read_only() {
            return ChangeOutcome::refused(Rejected, format!("{name} is read-only"));
        }
        let value = match part {
            Part::Whole => self.new_value(&spec, text, context),
            Part::Language(language) => self.new_price_text(&language, text),
        };
        let value = match value {
            Ok(v) => v,
            Err(reason) => return ChangeOutcome::refused(Rejected, reason),
        };
        match self.commit(&spec, name, value, ChangeOrigin::CentralSystem) {
            // The value the key already has is answered as any other: it may still wait for
            // the reboot an earlier change of it asked for.
            Ok(change) => ChangeOutcome {
                status: if spec.reboot_required() {
                    RebootRequired
                } else {
                    Accepted
                },
                change,
                reason: None,
            },
            Err(ChangeError::Store(e)) => {
                tracing::error!("user config not written, change refused: {e}");
                ChangeOutcome::refused(Rejected, format!("the change could not be stored: {e}"))
            }
            Err(e) => ChangeOutcome::refused(Rejected, e.to_string()),
        }
    }

    /// The key a ChangeConfiguration may change, if the station has it.
    fn change_target(&self, name: &str) -> Option<(KeySpec, Part)> {
        let active = self.active_sections();
        if let Some((storage, part)) = split_reported_name(name) {
            let spec = self.registry().key(storage)?;
            if !active.contains(&spec.section) {
                return None;
            }
            return match storage {
                // Read-only, but exists: Rejected rather than NotSupported.
                "MeterPublicKeys" => {
                    let index: usize = part.parse().ok().filter(|i| *i >= 1)?;
                    let count = self.stored(spec.section, storage)?.as_array()?.len();
                    (index <= count).then(|| (spec.clone(), Part::Whole))
                }
                _ => (!part.is_empty()).then(|| (spec.clone(), Part::Language(part.to_string()))),
            };
        }
        let spec = match self.registry().key(name) {
            Some(spec) => spec.clone(),
            None => self.custom_spec(name)?,
        };
        let present = self.stored(spec.section, name).is_some();
        let settable_when_absent = spec.name == "AuthorizationKey";
        let addressable = spec.reported_as().is_none();
        (active.contains(&spec.section) && (present || settable_when_absent) && addressable)
            .then_some((spec, Part::Whole))
    }

    /// The stored value a ChangeConfiguration of a whole key asks for, with the checks only
    /// ChangeConfiguration makes (forms, AuthorizationKey, SecurityProfile); the schema checks
    /// follow in `commit`.
    fn new_value(
        &self,
        spec: &KeySpec,
        text: &str,
        context: &ChangeContext<'_>,
    ) -> Result<Value, String> {
        if spec.name == "AuthorizationKey" {
            let key = decode_authorization_key(text);
            if key.len() < AUTHORIZATION_KEY_MIN_BYTES {
                return Err(format!(
                    "AuthorizationKey must be at least {AUTHORIZATION_KEY_MIN_BYTES} bytes (Security whitepaper), got {}",
                    key.len()
                ));
            }
            return Ok(Value::String(key));
        }
        let value = parse_ocpp_string(spec, text)?;
        match spec.format() {
            Some(Format::PhaseRotation) => {
                check_phase_rotation(text, self.core().number_of_connectors)?
            }
            Some(Format::TimeOffset) => check_time_offset(text)?,
            Some(Format::DateTime) => check_future_date_time(text, context.now)?,
            None => {}
        }
        if spec.name == "SecurityProfile" {
            self.check_security_profile(&value, context)?;
        }
        Ok(value)
    }

    /// SecurityProfile may only be raised (Security whitepaper: "it SHALL NOT be possible to
    /// revert to a lower security profile"), to at most 3, with an AuthorizationKey for profiles
    /// 1 and 2 and whatever the gate says about certificates, as libocpp checks.
    fn check_security_profile(
        &self,
        value: &Value,
        context: &ChangeContext<'_>,
    ) -> Result<(), String> {
        let current = self.security().security_profile;
        let requested = value.as_i64().ok_or("SecurityProfile must be an integer")?;
        if requested <= i64::from(current) {
            return Err(format!(
                "SecurityProfile may only be raised (it is {current}, {requested} requested)"
            ));
        }
        let profile = u8::try_from(requested)
            .ok()
            .filter(|p| *p <= 3)
            .ok_or_else(|| format!("security profile {requested} does not exist (0 to 3)"))?;
        if matches!(profile, 1 | 2) && self.security().authorization_key.is_none() {
            return Err(format!(
                "security profile {profile} needs an AuthorizationKey, and none is set"
            ));
        }
        context
            .security_profile
            .check(profile)
            .map_err(|why| format!("security profile {profile} cannot be used: {why}"))
    }

    /// DefaultPriceText with the text for `language` set from `text` (JSON with priceText and
    /// optionally priceTextOffline), as libocpp's setDefaultPriceText: the language must be one
    /// of SupportedLanguages.
    fn new_price_text(&self, language: &str, text: &str) -> Result<Value, String> {
        let supported = self
            .stored(Section::CostAndPrice, "SupportedLanguages")
            .and_then(Value::as_str)
            .map(split_list)
            .unwrap_or_default();
        if !supported.contains(&language) {
            return Err(format!(
                "language {language:?} is not in SupportedLanguages ({})",
                supported.join(",")
            ));
        }
        let mut entry = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err("expected a JSON object with priceText".to_string()),
            Err(e) => return Err(format!("not valid JSON: {e}")),
        };
        entry.insert("language".to_string(), Value::from(language));
        let mut current = self
            .stored(Section::CostAndPrice, "DefaultPriceText")
            .cloned()
            .unwrap_or_else(|| Value::Object(Map::new()));
        let texts = current
            .as_object_mut()
            .ok_or("DefaultPriceText is not an object")?
            .entry("priceTexts")
            .or_insert_with(|| Value::Array(Vec::new()))
            .as_array_mut()
            .ok_or("DefaultPriceText.priceTexts is not an array")?;
        let entry = Value::Object(entry);
        match texts
            .iter_mut()
            .find(|t| t.get("language").and_then(Value::as_str) == Some(language))
        {
            Some(existing) => *existing = entry,
            None => texts.push(entry),
        }
        Ok(current)
    }
}

#[cfg(test)]
mod tests;
