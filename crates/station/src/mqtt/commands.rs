//! What arrives on a command topic, checked ([`parse`]) and carried out ([`execute`]) by the
//! same station commands the control API calls ([`StationControl`]): MQTT adds no behaviour of
//! its own. Every payload is hostile input: it is bounded, must be what EVerest's module takes
//! on that topic, and a payload that is not changes nothing (the refusal is logged, as
//! EVerest's modules log "command ignored").

use serde::Deserialize;

use super::api_commands::{ApiCommand, ApiTopic};

use crate::control_api::{CarScript, ControlError, HardwareError, Outcome, StationControl, Token};

/// What a command topic does, with the station's names for its targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// OCPP `everest_api/ocpp/cmd/connect` (EnableExternalWebsocketControl).
    OcppConnect,
    /// OCPP `everest_api/ocpp/cmd/disconnect`.
    OcppDisconnect,
    /// OCPP `everest_api/ocpp/cmd/restart`: disconnect, then connect.
    OcppRestart,
    /// DummyTokenProviderManual's `mqtt_topic`: a `ProvidedIdToken`, read by this module.
    ProvideToken {
        /// The provider's module id.
        provider: String,
    },
    /// EvManager `.../carsim/cmd/enable`: `true` or anything else (false).
    CarEnable(u32),
    /// EvManager `.../carsim/cmd/execute_charging_session`: a car script, refused while one runs.
    CarExecute(u32),
    /// EvManager `.../carsim/cmd/modify_charging_session`: a car script replacing the running one.
    CarModify(u32),
    /// YetiSimulator `.../carsim/error`: `{"error_type": ..., "raise": "true"|"false"}`.
    BoardError(u32),
    /// API `everest_api/<evse_manager>/cmd/...` of the EVSE at a connector.
    Api(u32, ApiTopic),
}

/// A command, checked, for the station.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Connect to the CSMS.
    OcppConnect,
    /// Disconnect from the CSMS.
    OcppDisconnect,
    /// Disconnect and connect again.
    OcppRestart,
    /// A token presented.
    Token(Token),
    /// The car simulation of a connector enabled or disabled.
    CarEnable(u32, bool),
    /// A car script.
    CarScript(u32, CarScript),
    /// A hardware error raised or cleared.
    HardwareError(u32, HardwareError),
    /// A command of the API module for the EVSE at a connector.
    Api(u32, ApiCommand),
}

/// Why a payload was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// Not UTF-8 text.
    #[error("the payload is not UTF-8 text")]
    NotText,
    /// Longer than the topic takes.
    #[error("the payload has {len} bytes; this topic takes at most {max}")]
    TooLong {
        /// Its length.
        len: usize,
        /// The most.
        max: usize,
    },
    /// Not what the topic takes.
    #[error("{0}")]
    Invalid(String),
}

/// The most bytes a command payload may have (a car script of a long session is a few
/// hundred bytes; EVerest's ProvidedIdToken with a certificate up to 5500 characters).
pub const MAX_PAYLOAD: usize = 8 * 1024;

/// The command `payload` asks for on a topic of `route`.
pub fn parse(route: &Route, payload: &[u8]) -> Result<Command, PayloadError> {
    if payload.len() > MAX_PAYLOAD {
        return Err(PayloadError::TooLong {
            len: payload.len(),
            max: MAX_PAYLOAD,
        });
    }
    let text = std::str::from_utf8(payload).map_err(|_| PayloadError::NotText)?;
    Ok(match route {
        // EVerest's handlers ignore the payload ("on", "off", anything).
        Route::OcppConnect => Command::OcppConnect,
        Route::OcppDisconnect => Command::OcppDisconnect,
        Route::OcppRestart => Command::OcppRestart,
        Route::ProvideToken { provider } => Command::Token(provided_token(text, provider)?),
        // EvManager: `message == "true"`, anything else disables.
        Route::CarEnable(c) => Command::CarEnable(*c, text == "true"),
        Route::CarExecute(c) | Route::CarModify(c) => Command::CarScript(
            *c,
            CarScript {
                script: text.to_owned(),
                replace: matches!(route, Route::CarModify(_)),
            },
        ),
        Route::BoardError(c) => Command::HardwareError(*c, board_error(text)?),
        Route::Api(c, topic) => Command::Api(*c, super::api_commands::parse(*topic, text)?),
    })
}

/// EVerest's `ProvidedIdToken` (types/authorization.yaml): the fields the station uses, and
/// the others it accepts and does not use (an OCPP 1.6 station has no use for a token type,
/// a parent token or ISO 15118 certificate data).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvidedIdToken {
    id_token: IdTokenObject,
    #[allow(dead_code)] // required by EVerest's schema, not used by OCPP 1.6
    authorization_type: AuthorizationType,
    #[serde(default)]
    connectors: Option<Vec<u32>>,
    #[serde(default)]
    prevalidated: Option<bool>,
    #[serde(default, rename = "request_id")]
    _request_id: Option<i64>,
    #[serde(default, rename = "parent_id_token")]
    _parent_id_token: Option<IdTokenObject>,
    #[serde(default, rename = "certificate")]
    _certificate: Option<String>,
    #[serde(default, rename = "iso15118CertificateHashData")]
    _hash_data: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdTokenObject {
    value: String,
    #[serde(rename = "type")]
    #[allow(dead_code)] // required by EVerest's schema; OCPP 1.6 has no token type
    kind: IdTokenType,
    #[serde(default, rename = "additional_info")]
    _additional_info: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
enum AuthorizationType {
    #[serde(rename = "OCPP")]
    Ocpp,
    #[serde(rename = "RFID")]
    Rfid,
    Autocharge,
    PlugAndCharge,
    BankCard,
}

#[derive(Debug, Deserialize)]
enum IdTokenType {
    Central,
    #[serde(rename = "eMAID")]
    EMaid,
    MacAddress,
    #[serde(rename = "ISO14443")]
    Iso14443,
    #[serde(rename = "ISO15693")]
    Iso15693,
    KeyCode,
    Local,
    NoAuthorization,
}

fn provided_token(text: &str, provider: &str) -> Result<Token, PayloadError> {
    let token: ProvidedIdToken = serde_json::from_str(text)
        .map_err(|e| PayloadError::Invalid(format!("not a ProvidedIdToken: {e}")))?;
    Ok(Token {
        id_tag: Some(token.id_token.value),
        connectors: token.connectors,
        prevalidated: token.prevalidated.unwrap_or(false),
        provider: Some(provider.to_owned()),
    })
}

/// YetiSimulator's error payload (`util/errors.cpp`, `parse_error_type`): `error_type` as
/// the simulator names it (a bare evse_board_support name, `ac_rcd_<name>`,
/// `lock_<name>`, `powermeter/CommunicationFault`; ferrocharge also takes `<group>/<name>`),
/// `raise` the text `"true"` (anything else, or none, clears; a JSON boolean is taken too).
fn board_error(text: &str) -> Result<HardwareError, PayloadError> {
    #[derive(Deserialize)]
    struct Payload {
        error_type: String,
        #[serde(default)]
        raise: Option<serde_json::Value>,
    }
    let payload: Payload = serde_json::from_str(text)
        .map_err(|e| PayloadError::Invalid(format!("not a simulator error: {e}")))?;
    let name = &payload.error_type;
    let error_type = if name.contains('/') {
        name.clone()
    } else if let Some(rcd) = name.strip_prefix("ac_rcd_") {
        format!("ac_rcd/{rcd}")
    } else if let Some(lock) = name.strip_prefix("lock_") {
        format!("connector_lock/{lock}")
    } else {
        format!("evse_board_support/{name}")
    };
    if !crate::control_api::ERROR_TYPES.contains(&error_type.as_str()) {
        return Err(PayloadError::Invalid(format!(
            "unknown error_type '{name}' (the simulator's names: DiodeFault, ..., ac_rcd_DC, lock_ConnectorLockFailedLock, powermeter/CommunicationFault)"
        )));
    }
    let raise = match payload.raise {
        Some(serde_json::Value::String(s)) => s == "true",
        Some(serde_json::Value::Bool(b)) => b,
        _ => false,
    };
    Ok(HardwareError { error_type, raise })
}

/// Carries out `command` with the station's own commands; the station's answer, or why it
/// refused.
pub async fn execute(
    command: Command,
    control: &dyn StationControl,
) -> Result<Outcome, ControlError> {
    match command {
        Command::OcppConnect => control.ocpp_connect().await,
        Command::OcppDisconnect => control.ocpp_disconnect().await,
        Command::OcppRestart => {
            // Offline already is fine for a restart: it connects.
            match control.ocpp_disconnect().await {
                Ok(_) | Err(ControlError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
            control.ocpp_connect().await
        }
        Command::Token(token) => control.token(token).await,
        Command::CarEnable(c, enable) => control.car_enable(c, enable).await,
        Command::CarScript(c, script) => control.car_script(c, script).await,
        Command::HardwareError(c, error) => control.hardware_error(c, error).await,
        Command::Api(c, command) => super::api_commands::execute(c, command, control).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provide(payload: &str) -> Result<Command, PayloadError> {
        parse(
            &Route::ProvideToken {
                provider: "token_provider_1".into(),
            },
            payload.as_bytes(),
        )
    }

    #[test]
    fn a_provided_token_as_everest_testing_sends_it_presents_its_value() {
        let cmd = provide(
            r#"{"id_token":{"value":"RFID1","type":"ISO14443"},"authorization_type":"RFID","connectors":[1]}"#,
        )
        .unwrap();
        assert_eq!(
            cmd,
            Command::Token(Token {
                id_tag: Some("RFID1".into()),
                connectors: Some(vec![1]),
                prevalidated: false,
                provider: Some("token_provider_1".into()),
            })
        );
        let cmd = provide(
            r#"{"id_token":{"value":"PNC1","type":"eMAID"},"authorization_type":"PlugAndCharge","prevalidated":true,"request_id":4}"#,
        )
        .unwrap();
        assert!(matches!(
            cmd,
            Command::Token(Token {
                prevalidated: true,
                ..
            })
        ));
    }

    #[test]
    fn a_token_that_is_not_everests_shape_is_refused() {
        for bad in [
            "DEADBEEF",
            r#"{"id_token":"RFID1","authorization_type":"RFID"}"#,
            r#"{"id_token":{"value":"RFID1","type":"ISO14443"}}"#,
            r#"{"id_token":{"value":"RFID1","type":"Card"},"authorization_type":"RFID"}"#,
            r#"{"id_token":{"value":"RFID1","type":"ISO14443"},"authorization_type":"RFID","extra":1}"#,
            r#"{"id_token":{"value":"RFID1","type":"ISO14443"},"authorization_type":"RFID","connectors":[-1]}"#,
        ] {
            assert!(
                matches!(provide(bad), Err(PayloadError::Invalid(_))),
                "{bad}"
            );
        }
        assert_eq!(
            provide(&"x".repeat(MAX_PAYLOAD + 1)),
            Err(PayloadError::TooLong {
                len: MAX_PAYLOAD + 1,
                max: MAX_PAYLOAD
            })
        );
        assert_eq!(
            parse(&Route::CarExecute(1), &[0xff, 0xfe]),
            Err(PayloadError::NotText)
        );
    }

    #[test]
    fn simulator_error_names_map_to_everest_types() {
        let cases = [
            (
                r#"{"error_type":"DiodeFault","raise":"true"}"#,
                "evse_board_support/DiodeFault",
                true,
            ),
            (
                r#"{"error_type":"MREC2GroundFailure","raise":"false"}"#,
                "evse_board_support/MREC2GroundFailure",
                false,
            ),
            (
                r#"{"error_type":"ac_rcd_DC","raise":"true"}"#,
                "ac_rcd/DC",
                true,
            ),
            (
                r#"{"error_type":"lock_ConnectorLockFailedLock","raise":true}"#,
                "connector_lock/ConnectorLockFailedLock",
                true,
            ),
            (
                r#"{"error_type":"powermeter/CommunicationFault"}"#,
                "powermeter/CommunicationFault",
                false,
            ),
        ];
        for (payload, error_type, raise) in cases {
            assert_eq!(
                parse(&Route::BoardError(2), payload.as_bytes()),
                Ok(Command::HardwareError(
                    2,
                    HardwareError {
                        error_type: error_type.into(),
                        raise
                    }
                )),
                "{payload}"
            );
        }
        assert!(matches!(
            parse(
                &Route::BoardError(1),
                br#"{"error_type":"NoSuchFault","raise":"true"}"#
            ),
            Err(PayloadError::Invalid(_))
        ));
    }

    #[test]
    fn car_topics_take_the_text_as_evmanager_does() {
        assert_eq!(
            parse(&Route::CarEnable(1), b"true"),
            Ok(Command::CarEnable(1, true))
        );
        assert_eq!(
            parse(&Route::CarEnable(1), b"yes"),
            Ok(Command::CarEnable(1, false))
        );
        assert_eq!(
            parse(&Route::CarModify(2), b"unplug"),
            Ok(Command::CarScript(
                2,
                CarScript {
                    script: "unplug".into(),
                    replace: true
                }
            ))
        );
        assert_eq!(
            parse(&Route::OcppDisconnect, b"off"),
            Ok(Command::OcppDisconnect)
        );
    }
}
