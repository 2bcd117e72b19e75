//! Connector state: ChangeAvailability (OCPP 1.6 §5.2, §6.5-6.6), StatusNotification (§4.9,
//! §6.47-6.48) and UnlockConnector (§5.18, §6.51-6.52).

use serde::{Deserialize, Serialize};

use crate::{CiString255, CiString50, DateTime};

/// The availability the central system asks for (OCPP 1.6 §7.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AvailabilityType {
    /// Not available for charging.
    Inoperative,
    /// Available for charging.
    Operative,
}

/// Whether a ChangeAvailability is applied (OCPP 1.6 §7.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AvailabilityStatus {
    /// The change is applied now.
    Accepted,
    /// The change cannot be applied.
    Rejected,
    /// The change will be applied when the running transaction(s) end.
    Scheduled,
}

/// ChangeAvailability.req: the central system makes a connector (or the whole charge point)
/// operative or inoperative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangeAvailabilityRequest {
    /// connectorId: the connector; 0 means the whole charge point.
    pub connector_id: i32,
    /// type: the availability wanted.
    #[serde(rename = "type")]
    pub kind: AvailabilityType,
}

/// ChangeAvailability.conf: whether the change is applied now, later or not at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangeAvailabilityResponse {
    /// status: whether the change is applied.
    pub status: AvailabilityStatus,
}

/// The error a StatusNotification reports (OCPP 1.6 §7.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChargePointErrorCode {
    /// Failure to lock or unlock the connector.
    ConnectorLockFailure,
    /// Communication failure with the vehicle (e.g. Mode 3); the connector goes to
    /// SuspendedEVSE, not Faulted.
    EVCommunicationError,
    /// The ground fault circuit interrupter has tripped.
    GroundFailure,
    /// The temperature inside the charge point is too high.
    HighTemperature,
    /// Error in an internal hardware or software component.
    InternalError,
    /// Authorization information from the central system conflicts with the local list.
    LocalListConflict,
    /// No error to report.
    NoError,
    /// Another error; details in vendorErrorCode.
    OtherError,
    /// The over-current protection device has tripped.
    OverCurrentFailure,
    /// Failure to read the electrical/energy/power meter.
    PowerMeterFailure,
    /// Failure to control the power switch.
    PowerSwitchFailure,
    /// Failure of the idTag reader.
    ReaderFailure,
    /// A reset could not be performed.
    ResetFailure,
    /// The voltage has dropped below an acceptable level.
    UnderVoltage,
    /// The voltage has risen above an acceptable level.
    OverVoltage,
    /// The wireless communication device reports a weak signal.
    WeakSignal,
}

/// The state of a connector (or, for connector 0, of the charge point) (OCPP 1.6 §7.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChargePointStatus {
    /// Available for a new user.
    Available,
    /// A user has presented a tag, plugged in a cable or otherwise started preparing to charge.
    Preparing,
    /// The contactor is closed and energy may flow to the EV.
    Charging,
    /// The EV is connected but the EVSE is not offering energy (e.g. a smart charging limit of 0).
    SuspendedEVSE,
    /// The EVSE offers energy but the EV is not taking it.
    SuspendedEV,
    /// The transaction has ended but the connector is not yet available (cable still plugged in).
    Finishing,
    /// Reserved by a ReserveNow.
    Reserved,
    /// Not available for charging (made Inoperative by ChangeAvailability).
    Unavailable,
    /// Not available because of a fault.
    Faulted,
}

/// StatusNotification.req: the charge point reports a status change or error of a connector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatusNotificationRequest {
    /// connectorId: the connector; 0 means the charge point as a whole.
    pub connector_id: i32,
    /// errorCode: the error, or NoError.
    pub error_code: ChargePointErrorCode,
    /// info: free-form additional information about the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<CiString50>,
    /// status: the current status of the connector.
    pub status: ChargePointStatus,
    /// timestamp: when the status was reported; absent means the time of receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<DateTime>,
    /// vendorId: identifies the vendor-specific implementation of vendorErrorCode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_id: Option<CiString255>,
    /// vendorErrorCode: the vendor-specific error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_error_code: Option<CiString50>,
}

/// StatusNotification.conf: an empty acknowledgement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatusNotificationResponse {}

/// UnlockConnector.req: the central system asks the charge point to unlock a connector's cable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UnlockConnectorRequest {
    /// connectorId: the connector to unlock (greater than 0).
    pub connector_id: i32,
}

/// The result of an UnlockConnector (OCPP 1.6 §7.48).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UnlockStatus {
    /// The connector has been unlocked.
    Unlocked,
    /// Unlocking failed.
    UnlockFailed,
    /// The connector has no lock that can be unlocked remotely.
    NotSupported,
}

/// UnlockConnector.conf: whether the connector was unlocked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UnlockConnectorResponse {
    /// status: the result of the unlock attempt.
    pub status: UnlockStatus,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_util::{refused, round_trip};
    use crate::{CallErrorCode, Violation};

    #[test]
    fn change_availability_round_trips() {
        let req: ChangeAvailabilityRequest =
            round_trip(r#"{"connectorId":0,"type":"Inoperative"}"#);
        assert_eq!(req.connector_id, 0);
        assert_eq!(req.kind, AvailabilityType::Inoperative);
        let resp: ChangeAvailabilityResponse = round_trip(r#"{"status":"Scheduled"}"#);
        assert_eq!(resp.status, AvailabilityStatus::Scheduled);
    }

    #[test]
    fn status_notification_round_trips() {
        let req: StatusNotificationRequest = round_trip(
            r#"{"connectorId":1,"errorCode":"EVCommunicationError","info":"CP state E",
                "status":"SuspendedEVSE","timestamp":"2026-11-24T06:00:00.000Z",
                "vendorId":"com.example","vendorErrorCode":"E-17"}"#,
        );
        assert_eq!(req.error_code, ChargePointErrorCode::EVCommunicationError);
        assert_eq!(req.status, ChargePointStatus::SuspendedEVSE);
        assert_eq!(
            req.vendor_error_code.as_ref().map(|c| c.as_str()),
            Some("E-17")
        );

        let minimal: StatusNotificationRequest =
            round_trip(r#"{"connectorId":2,"errorCode":"NoError","status":"Available"}"#);
        assert_eq!(minimal.timestamp, None);
        assert_eq!(minimal.info, None);
        let _: StatusNotificationResponse = round_trip("{}");
    }

    #[test]
    fn unlock_connector_round_trips() {
        let req: UnlockConnectorRequest = round_trip(r#"{"connectorId":1}"#);
        assert_eq!(req.connector_id, 1);
        let resp: UnlockConnectorResponse = round_trip(r#"{"status":"UnlockFailed"}"#);
        assert_eq!(resp.status, UnlockStatus::UnlockFailed);
    }

    #[test]
    fn refusals() {
        refused::<StatusNotificationRequest>(
            r#"{"connectorId":1,"status":"Available"}"#,
            Violation::MissingField,
            CallErrorCode::FormationViolation,
            ".",
        );
        refused::<StatusNotificationRequest>(
            r#"{"connectorId":1,"errorCode":"NoError","status":"Charging","reason":"x"}"#,
            Violation::UnknownField,
            CallErrorCode::FormationViolation,
            "reason",
        );
        refused::<StatusNotificationRequest>(
            &format!(
                r#"{{"connectorId":1,"errorCode":"OtherError","status":"Faulted","info":"{}"}}"#,
                "i".repeat(51)
            ),
            Violation::StringTooLong,
            CallErrorCode::FormationViolation,
            "info",
        );
        refused::<StatusNotificationRequest>(
            r#"{"connectorId":1,"errorCode":"NoError","status":"Occupied"}"#,
            Violation::UnknownEnumValue,
            CallErrorCode::PropertyConstraintViolation,
            "status",
        );
        refused::<ChangeAvailabilityRequest>(
            r#"{"connectorId":"1","type":"Operative"}"#,
            Violation::WrongType,
            CallErrorCode::FormationViolation,
            "connectorId",
        );
        refused::<UnlockConnectorRequest>(
            r#"{"connectorId":4294967296}"#,
            Violation::InvalidValue,
            CallErrorCode::PropertyConstraintViolation,
            "connectorId",
        );
    }
}
