//! ExtendedTriggerMessage of the Security white paper (OCPP 2.0.1's TriggerMessage, renamed so
//! as not to clash with OCPP 1.6's): it can also trigger the white paper's own messages.

use serde::{Deserialize, Serialize};

use crate::remote_trigger::TriggerMessageStatus;

/// A message ExtendedTriggerMessage can ask for (white paper MessageTriggerEnumType).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExtendedMessageTrigger {
    /// Send a BootNotification.
    BootNotification,
    /// Send a LogStatusNotification with the current log upload status.
    LogStatusNotification,
    /// Send a SignedFirmwareStatusNotification (not OCPP 1.6's FirmwareStatusNotification) with
    /// the current signed firmware update status.
    FirmwareStatusNotification,
    /// Send a Heartbeat.
    Heartbeat,
    /// Send MeterValues.
    MeterValues,
    /// Send a SignCertificate with a new CSR for the charge point certificate (renew it).
    SignChargePointCertificate,
    /// Send a StatusNotification.
    StatusNotification,
}

/// ExtendedTriggerMessage.req (white paper §5.5): the central system asks for a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExtendedTriggerMessageRequest {
    /// The message to send.
    pub requested_message: ExtendedMessageTrigger,
    /// The connector the message should be about (the white paper says > 0, the schema does not
    /// enforce it); absent means the charge point as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector_id: Option<i32>,
}

/// ExtendedTriggerMessage.conf (white paper §5.6): whether the message will be sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExtendedTriggerMessageResponse {
    /// The answer (same values as TriggerMessage's).
    pub status: TriggerMessageStatus,
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{err, ok};
    use super::*;
    use crate::{encode, CallErrorCode, Violation};

    #[test]
    fn extended_trigger_message_decodes_every_value_and_round_trips() {
        use ExtendedMessageTrigger::*;
        for (s, want) in [
            ("BootNotification", BootNotification),
            ("LogStatusNotification", LogStatusNotification),
            ("FirmwareStatusNotification", FirmwareStatusNotification),
            ("Heartbeat", Heartbeat),
            ("MeterValues", MeterValues),
            ("SignChargePointCertificate", SignChargePointCertificate),
            ("StatusNotification", StatusNotification),
        ] {
            let req: ExtendedTriggerMessageRequest =
                ok(&format!(r#"{{"requestedMessage":"{s}"}}"#));
            assert_eq!(req.requested_message, want);
            assert_eq!(encode(&req), serde_json::json!({ "requestedMessage": s }));
        }
        let req: ExtendedTriggerMessageRequest =
            ok(r#"{"requestedMessage":"MeterValues","connectorId":1}"#);
        assert_eq!(req.connector_id, Some(1));
        let back: ExtendedTriggerMessageRequest = ok(&encode(&req).to_string());
        assert_eq!(back, req);

        let resp: ExtendedTriggerMessageResponse = ok(r#"{"status":"NotImplemented"}"#);
        assert_eq!(resp.status, TriggerMessageStatus::NotImplemented);
        assert_eq!(
            encode(&resp),
            serde_json::json!({"status": "NotImplemented"})
        );
    }

    #[test]
    fn refusals_get_their_codes() {
        let e = err::<ExtendedTriggerMessageRequest>(r#"{"connectorId":1}"#);
        assert_eq!(e.violation, Violation::MissingField);
        assert_eq!(e.code, CallErrorCode::FormationViolation);

        let e = err::<ExtendedTriggerMessageRequest>(
            r#"{"requestedMessage":"Heartbeat","evse":{"id":1}}"#,
        );
        assert_eq!(e.violation, Violation::UnknownField);
        assert_eq!(e.code, CallErrorCode::FormationViolation);

        // 1.6's DiagnosticsStatusNotification is not triggerable here, nor 2.0.1's names.
        for s in [
            "DiagnosticsStatusNotification",
            "SignV2GCertificate",
            "PublishFirmwareStatusNotification",
        ] {
            let e =
                err::<ExtendedTriggerMessageRequest>(&format!(r#"{{"requestedMessage":"{s}"}}"#));
            assert_eq!(e.violation, Violation::UnknownEnumValue, "{s}");
            assert_eq!(e.code, CallErrorCode::PropertyConstraintViolation);
        }

        let e = err::<ExtendedTriggerMessageResponse>(r#"{"status":"Pending"}"#);
        assert_eq!(e.code, CallErrorCode::PropertyConstraintViolation);
    }
}
