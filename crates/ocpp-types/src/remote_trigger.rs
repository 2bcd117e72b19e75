//! The Remote Trigger profile (OCPP 1.6 §5.17): the central system asks the charge point to send
//! one of its own messages now.

use serde::{Deserialize, Serialize};

/// A message TriggerMessage can ask for (OCPP 1.6 MessageTrigger).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MessageTrigger {
    /// Send a BootNotification.
    BootNotification,
    /// Send a DiagnosticsStatusNotification with the current upload status.
    DiagnosticsStatusNotification,
    /// Send a FirmwareStatusNotification with the current update status.
    FirmwareStatusNotification,
    /// Send a Heartbeat.
    Heartbeat,
    /// Send MeterValues with the configured MeterValuesSampledData (of the given connector).
    MeterValues,
    /// Send a StatusNotification (of the given connector, or of every connector).
    StatusNotification,
}

/// TriggerMessage.req (OCPP 1.6 §5.17): the central system asks for a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TriggerMessageRequest {
    /// The message to send.
    pub requested_message: MessageTrigger,
    /// The connector the message should be about; absent means the charge point as a whole
    /// (or every connector, for StatusNotification and MeterValues).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector_id: Option<i32>,
}

/// Answer to a TriggerMessage or an ExtendedTriggerMessage (OCPP 1.6 TriggerMessageStatus;
/// the Security whitepaper's TriggerMessageStatusEnumType has the same values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TriggerMessageStatus {
    /// The message will be sent.
    Accepted,
    /// The message will not be sent (e.g. the connector does not exist).
    Rejected,
    /// The requested message is not implemented.
    NotImplemented,
}

/// TriggerMessage.conf (OCPP 1.6 §5.17): whether the message will be sent. The charge point
/// sends this answer before the triggered message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TriggerMessageResponse {
    /// The answer.
    pub status: TriggerMessageStatus,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{encode, CallErrorCode, Violation};

    use crate::test_util::{ok, refused as err};

    #[test]
    fn trigger_message_decodes_every_value_and_round_trips() {
        for (s, want) in [
            ("BootNotification", MessageTrigger::BootNotification),
            (
                "DiagnosticsStatusNotification",
                MessageTrigger::DiagnosticsStatusNotification,
            ),
            (
                "FirmwareStatusNotification",
                MessageTrigger::FirmwareStatusNotification,
            ),
            ("Heartbeat", MessageTrigger::Heartbeat),
            ("MeterValues", MessageTrigger::MeterValues),
            ("StatusNotification", MessageTrigger::StatusNotification),
        ] {
            let req: TriggerMessageRequest = ok(&format!(r#"{{"requestedMessage":"{s}"}}"#));
            assert_eq!(req.requested_message, want);
            assert_eq!(req.connector_id, None);
            assert_eq!(encode(&req), serde_json::json!({ "requestedMessage": s }));
        }
        let req: TriggerMessageRequest =
            ok(r#"{"requestedMessage":"StatusNotification","connectorId":2}"#);
        assert_eq!(req.connector_id, Some(2));
        let back: TriggerMessageRequest = ok(&encode(&req).to_string());
        assert_eq!(back, req);

        for (s, want) in [
            ("Accepted", TriggerMessageStatus::Accepted),
            ("Rejected", TriggerMessageStatus::Rejected),
            ("NotImplemented", TriggerMessageStatus::NotImplemented),
        ] {
            let resp: TriggerMessageResponse = ok(&format!(r#"{{"status":"{s}"}}"#));
            assert_eq!(resp.status, want);
            assert_eq!(encode(&resp), serde_json::json!({ "status": s }));
        }
    }

    #[test]
    fn refusals_get_their_codes() {
        let e = err::<TriggerMessageRequest>(r#"{"connectorId":1}"#);
        assert_eq!(e.violation, Violation::MissingField);
        assert_eq!(e.code, CallErrorCode::FormationViolation);

        let e = err::<TriggerMessageRequest>(r#"{"requestedMessage":"Heartbeat","evseId":1}"#);
        assert_eq!(e.violation, Violation::UnknownField);
        assert_eq!(e.code, CallErrorCode::FormationViolation);

        // Only ExtendedTriggerMessage (Security whitepaper) may ask for these.
        for s in [
            "LogStatusNotification",
            "SignChargePointCertificate",
            "heartbeat",
        ] {
            let e = err::<TriggerMessageRequest>(&format!(r#"{{"requestedMessage":"{s}"}}"#));
            assert_eq!(e.violation, Violation::UnknownEnumValue, "{s}");
            assert_eq!(e.code, CallErrorCode::PropertyConstraintViolation);
        }

        let e =
            err::<TriggerMessageRequest>(r#"{"requestedMessage":"Heartbeat","connectorId":"1"}"#);
        assert_eq!(e.violation, Violation::WrongType);
        assert_eq!(e.code, CallErrorCode::FormationViolation);
    }
}
