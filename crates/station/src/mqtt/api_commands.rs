//! The command topics of EVerest's API module, `everest_api/<evse_manager>/cmd/...`
//! (modules/API/API/README.md): each payload read as `API.cpp` reads it, then carried out by
//! the station's own commands ([`StationControl`]).

use serde::Deserialize;

use super::commands::PayloadError;
use crate::control_api::{
    ControlError, EnableDisable, EnableSource, EnableState, ExternalLimit, Outcome, StationControl,
    StopTransaction, API_PRIORITY,
};
use crate::sim::evse_manager::random_delay::RandomDelayCommand;

/// A command topic of the API module, for the EVSE at a connector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiTopic {
    /// `cmd/enable_disable`: `{"connector_id", "source", "state", "priority"}`.
    EnableDisable,
    /// `cmd/enable`: a connector id (legacy).
    Enable,
    /// `cmd/disable`: a connector id (legacy).
    Disable,
    /// `cmd/pause_charging`: any payload.
    PauseCharging,
    /// `cmd/resume_charging`: any payload.
    ResumeCharging,
    /// `cmd/stop_charging`: any payload; the transaction stops with reason Local.
    StopCharging,
    /// `cmd/force_unlock`: a connector id (1 when absent or not a number).
    ForceUnlock,
    /// `cmd/set_limit_amps`: a number, A per phase.
    SetLimitAmps,
    /// `cmd/set_limit_watts`: a number, W.
    SetLimitWatts,
    /// `cmd/set_limit_amps_phases`: `{"amps": number, "phases": 1|3}`.
    SetLimitAmpsPhases,
    /// `cmd/uk_random_delay`: `enable`, `disable` or `cancel`.
    UkRandomDelay,
    /// `cmd/uk_random_delay_set_max_duration_s`: whole seconds.
    UkRandomDelaySetMaxDuration,
}

impl ApiTopic {
    /// Every command topic, with its last topic level.
    pub const ALL: [(&'static str, ApiTopic); 12] = [
        ("enable_disable", ApiTopic::EnableDisable),
        ("enable", ApiTopic::Enable),
        ("disable", ApiTopic::Disable),
        ("pause_charging", ApiTopic::PauseCharging),
        ("resume_charging", ApiTopic::ResumeCharging),
        ("stop_charging", ApiTopic::StopCharging),
        ("force_unlock", ApiTopic::ForceUnlock),
        ("set_limit_amps", ApiTopic::SetLimitAmps),
        ("set_limit_watts", ApiTopic::SetLimitWatts),
        ("set_limit_amps_phases", ApiTopic::SetLimitAmpsPhases),
        ("uk_random_delay", ApiTopic::UkRandomDelay),
        (
            "uk_random_delay_set_max_duration_s",
            ApiTopic::UkRandomDelaySetMaxDuration,
        ),
    ];

    /// Whether the topic needs the API module's energy sink for the EVSE.
    pub fn needs_sink(self) -> bool {
        matches!(
            self,
            ApiTopic::SetLimitAmps | ApiTopic::SetLimitWatts | ApiTopic::SetLimitAmpsPhases
        )
    }

    /// Whether the topic needs the API module's `random_delay` connection to the EVSE's
    /// EvseManager.
    pub fn needs_random_delay(self) -> bool {
        matches!(
            self,
            ApiTopic::UkRandomDelay | ApiTopic::UkRandomDelaySetMaxDuration
        )
    }
}

/// A command of the API module, checked.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiCommand {
    /// Enable / disable by source.
    EnableDisable(EnableDisable),
    /// Pause charging.
    PauseCharging,
    /// Resume charging.
    ResumeCharging,
    /// Stop the transaction (Local).
    StopCharging,
    /// Unlock the connector.
    ForceUnlock,
    /// A limit on the EVSE's energy sink.
    SetLimit(ExternalLimit),
    /// A command of the EVSE's UK random delay.
    RandomDelay(RandomDelayCommand),
}

/// The command `text` asks for on `topic`.
pub fn parse(topic: ApiTopic, text: &str) -> Result<ApiCommand, PayloadError> {
    let invalid = |m: String| PayloadError::Invalid(m);
    Ok(match topic {
        ApiTopic::EnableDisable => {
            if text.is_empty() {
                return Err(invalid("enable_disable: no argument".into()));
            }
            ApiCommand::EnableDisable(enable_disable(text)?)
        }
        ApiTopic::Enable | ApiTopic::Disable => {
            let connector_id: u32 = text.trim().parse().map_err(|_| {
                invalid(format!(
                    "'{text}' is not a connector id (0: the whole EVSE)"
                ))
            })?;
            ApiCommand::EnableDisable(EnableDisable {
                connector_id,
                source: EnableSource::LocalApi,
                state: if topic == ApiTopic::Enable {
                    EnableState::Enable
                } else {
                    EnableState::Disable
                },
                priority: API_PRIORITY,
            })
        }
        ApiTopic::PauseCharging => ApiCommand::PauseCharging,
        ApiTopic::ResumeCharging => ApiCommand::ResumeCharging,
        ApiTopic::StopCharging => ApiCommand::StopCharging,
        // EVerest falls back to connector 1 for a payload that is no number; the EVSE has
        // one connector, so the number changes nothing here.
        ApiTopic::ForceUnlock => ApiCommand::ForceUnlock,
        ApiTopic::SetLimitAmps | ApiTopic::SetLimitWatts => {
            let value: f64 = text
                .trim()
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| invalid(format!("'{text}' is not a number")))?;
            ApiCommand::SetLimit(if topic == ApiTopic::SetLimitAmps {
                ExternalLimit {
                    amps: Some(value),
                    ..ExternalLimit::default()
                }
            } else {
                ExternalLimit {
                    watts: Some(value),
                    ..ExternalLimit::default()
                }
            })
        }
        ApiTopic::SetLimitAmpsPhases => {
            #[derive(Deserialize)]
            struct AmpsPhases {
                amps: f64,
                phases: i64,
            }
            let limit: AmpsPhases = serde_json::from_str(text).map_err(|e| {
                invalid(format!(
                    "expected {{\"amps\": number, \"phases\": 1|3}}: {e}"
                ))
            })?;
            let phases = u8::try_from(limit.phases)
                .ok()
                .filter(|p| [1, 3].contains(p))
                .ok_or_else(|| invalid(format!("Invalid phase count {}", limit.phases)))?;
            ApiCommand::SetLimit(ExternalLimit {
                amps: Some(limit.amps),
                watts: None,
                phases: Some(phases),
            })
        }
        ApiTopic::UkRandomDelay => ApiCommand::RandomDelay(match text {
            "enable" => RandomDelayCommand::Enable,
            "disable" => RandomDelayCommand::Disable,
            "cancel" => RandomDelayCommand::Cancel,
            other => {
                return Err(invalid(format!(
                    "'{other}' is not enable, disable or cancel"
                )))
            }
        }),
        // EVerest takes 600 s for a payload that is no number; here it changes nothing, as
        // any payload that is not what the command takes (docs/mqtt.md).
        ApiTopic::UkRandomDelaySetMaxDuration => {
            let seconds: u32 = text
                .trim()
                .parse()
                .map_err(|_| invalid(format!("'{text}' is not a whole number of seconds")))?;
            ApiCommand::RandomDelay(RandomDelayCommand::SetMaxDuration(seconds))
        }
    })
}

/// EVerest's `enable_disable` payload: every field optional, a JSON object.
fn enable_disable(text: &str) -> Result<EnableDisable, PayloadError> {
    // The README spells the states in lower case, EVerest's type in title case: both go.
    let mut value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| PayloadError::Invalid(format!("enable_disable: {e}")))?;
    if let Some(state) = value.get_mut("state") {
        if let Some(s) = state.as_str() {
            let title = match s {
                "enable" => "Enable",
                "disable" => "Disable",
                "unassigned" => "Unassigned",
                other => other,
            };
            *state = serde_json::Value::String(title.to_owned());
        }
    }
    serde_json::from_value(value).map_err(|e| PayloadError::Invalid(format!("enable_disable: {e}")))
}

/// Carries out `command` at the EVSE of `connector` with the station's own commands.
pub async fn execute(
    connector: u32,
    command: ApiCommand,
    control: &dyn StationControl,
) -> Result<Outcome, ControlError> {
    match command {
        ApiCommand::EnableDisable(request) => control.enable_disable(connector, request).await,
        ApiCommand::PauseCharging => control.pause_charging(connector).await,
        ApiCommand::ResumeCharging => control.resume_charging(connector).await,
        ApiCommand::StopCharging => {
            let request = StopTransaction {
                reason: "Local".to_owned(),
            };
            control.stop_transaction(connector, request).await
        }
        ApiCommand::ForceUnlock => control.force_unlock(connector).await,
        ApiCommand::SetLimit(limit) => control.set_limit(connector, limit).await,
        ApiCommand::RandomDelay(command) => control.random_delay(connector, command).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enable_disable_takes_everests_and_the_readmes_spellings_with_api_defaults() {
        assert_eq!(
            parse(
                ApiTopic::EnableDisable,
                r#"{"connector_id": 0, "source": "LocalAPI", "state": "disable", "priority": 42}"#
            ),
            Ok(ApiCommand::EnableDisable(EnableDisable {
                connector_id: 0,
                source: EnableSource::LocalApi,
                state: EnableState::Disable,
                priority: 42
            }))
        );
        assert_eq!(
            parse(
                ApiTopic::EnableDisable,
                r#"{"source": "ServiceTechnician", "state": "Unassigned"}"#
            ),
            Ok(ApiCommand::EnableDisable(EnableDisable {
                connector_id: 0,
                source: EnableSource::ServiceTechnician,
                state: EnableState::Unassigned,
                priority: API_PRIORITY
            }))
        );
        for bad in [
            "",
            "x",
            r#"{"source": "Nobody"}"#,
            r#"{"priority": -1}"#,
            r#"{"other": 1}"#,
        ] {
            assert!(parse(ApiTopic::EnableDisable, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn legacy_enable_and_disable_take_a_connector_id() {
        assert_eq!(
            parse(ApiTopic::Disable, "1"),
            Ok(ApiCommand::EnableDisable(EnableDisable {
                connector_id: 1,
                source: EnableSource::LocalApi,
                state: EnableState::Disable,
                priority: API_PRIORITY
            }))
        );
        assert!(parse(ApiTopic::Enable, "").is_err());
        assert!(parse(ApiTopic::Enable, "one").is_err());
    }

    #[test]
    fn limits_are_numbers_and_phases_one_or_three() {
        assert_eq!(
            parse(ApiTopic::SetLimitAmps, "16.5"),
            Ok(ApiCommand::SetLimit(ExternalLimit {
                amps: Some(16.5),
                watts: None,
                phases: None
            }))
        );
        assert_eq!(
            parse(ApiTopic::SetLimitWatts, "-3000"),
            Ok(ApiCommand::SetLimit(ExternalLimit {
                amps: None,
                watts: Some(-3000.0),
                phases: None
            }))
        );
        assert_eq!(
            parse(
                ApiTopic::SetLimitAmpsPhases,
                r#"{"amps": 8.0, "phases": 1}"#
            ),
            Ok(ApiCommand::SetLimit(ExternalLimit {
                amps: Some(8.0),
                watts: None,
                phases: Some(1)
            }))
        );
        for (topic, bad) in [
            (ApiTopic::SetLimitAmps, "lots"),
            (ApiTopic::SetLimitAmps, "NaN"),
            (ApiTopic::SetLimitWatts, "inf"),
            (
                ApiTopic::SetLimitAmpsPhases,
                r#"{"amps": 8.0, "phases": 2}"#,
            ),
            (ApiTopic::SetLimitAmpsPhases, r#"{"amps": 8.0}"#),
        ] {
            assert!(parse(topic, bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse(ApiTopic::ForceUnlock, "abc"),
            Ok(ApiCommand::ForceUnlock)
        );
        assert_eq!(
            parse(ApiTopic::StopCharging, ""),
            Ok(ApiCommand::StopCharging)
        );
    }

    #[test]
    fn uk_random_delay_takes_everests_words_and_whole_seconds() {
        assert_eq!(
            parse(ApiTopic::UkRandomDelay, "cancel"),
            Ok(ApiCommand::RandomDelay(RandomDelayCommand::Cancel))
        );
        assert_eq!(
            parse(ApiTopic::UkRandomDelaySetMaxDuration, "30"),
            Ok(ApiCommand::RandomDelay(RandomDelayCommand::SetMaxDuration(
                30
            )))
        );
        for (topic, bad) in [
            (ApiTopic::UkRandomDelay, "Enable"),
            (ApiTopic::UkRandomDelay, ""),
            (ApiTopic::UkRandomDelaySetMaxDuration, "-1"),
            (ApiTopic::UkRandomDelaySetMaxDuration, "ten"),
        ] {
            assert!(parse(topic, bad).is_err(), "{bad}");
        }
    }
}
