//! Registration, liveness and restarting: BootNotification (OCPP 1.6 §4.2, §6.7-6.8),
//! Heartbeat (§4.6, §6.25-6.26) and Reset (§5.14, §6.39-6.40).

use serde::{Deserialize, Serialize};

use crate::{CiString20, CiString25, CiString50, DateTime};

/// The central system's answer to a BootNotification (OCPP 1.6 §7.41).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RegistrationStatus {
    /// The charge point is registered; `interval` is the heartbeat interval.
    Accepted,
    /// The central system is not ready yet; it may query and configure the charge point, which
    /// must boot again after `interval` seconds.
    Pending,
    /// The charge point is not accepted; it must boot again after `interval` seconds and send
    /// nothing else until then.
    Rejected,
}

/// BootNotification.req: the charge point announces itself after (re)booting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BootNotificationRequest {
    /// chargePointVendor: the vendor of the charge point.
    pub charge_point_vendor: CiString20,
    /// chargePointModel: the model of the charge point.
    pub charge_point_model: CiString20,
    /// chargePointSerialNumber: the serial number of the charge point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charge_point_serial_number: Option<CiString25>,
    /// chargeBoxSerialNumber: the serial number of the charge box (deprecated in 1.6, use
    /// chargePointSerialNumber).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charge_box_serial_number: Option<CiString25>,
    /// firmwareVersion: the firmware version of the charge point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware_version: Option<CiString50>,
    /// iccid: the ICCID of the modem's SIM card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iccid: Option<CiString20>,
    /// imsi: the IMSI of the modem's SIM card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imsi: Option<CiString20>,
    /// meterType: the type of the main electrical meter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meter_type: Option<CiString25>,
    /// meterSerialNumber: the serial number of the main electrical meter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meter_serial_number: Option<CiString25>,
}

/// BootNotification.conf: whether the charge point is accepted, and the central system's time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BootNotificationResponse {
    /// status: whether the charge point is registered.
    pub status: RegistrationStatus,
    /// currentTime: the central system's current time, to set the charge point's clock.
    pub current_time: DateTime,
    /// interval: seconds; the heartbeat interval when Accepted, otherwise the delay before the
    /// next BootNotification (0 lets the charge point choose).
    pub interval: i32,
}

/// Heartbeat.req: the charge point tells the central system it is alive (no fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HeartbeatRequest {}

/// Heartbeat.conf: the central system's current time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HeartbeatResponse {
    /// currentTime: the central system's current time, to synchronize the charge point's clock.
    pub current_time: DateTime,
}

/// The kind of reset requested (OCPP 1.6 §7.44).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ResetType {
    /// Restart the hardware (or the whole software stack), without stopping transactions
    /// gracefully.
    Hard,
    /// Stop transactions gracefully, then restart the application software.
    Soft,
}

/// Whether the charge point will reset (OCPP 1.6 §7.37).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ResetStatus {
    /// The reset will be performed.
    Accepted,
    /// The reset will not be performed.
    Rejected,
}

/// Reset.req: the central system asks the charge point to restart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResetRequest {
    /// type: a hard or a soft reset.
    #[serde(rename = "type")]
    pub kind: ResetType,
}

/// Reset.conf: whether the charge point will reset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResetResponse {
    /// status: whether the reset is accepted.
    pub status: ResetStatus,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_util::{ok, refused, round_trip};
    use crate::{CallErrorCode, Violation};

    #[test]
    fn boot_notification_request_decodes_and_round_trips() {
        let req: BootNotificationRequest = round_trip(
            r#"{"chargePointVendor":"VendorX","chargePointModel":"SingleSocketCharger",
                "chargePointSerialNumber":"SN-0001","firmwareVersion":"1.2.3",
                "iccid":"8931440400012345678","imsi":"262011234567890",
                "meterType":"DZG DVH4013","meterSerialNumber":"MS-42"}"#,
        );
        assert_eq!(req.charge_point_vendor.as_str(), "VendorX");
        assert_eq!(
            req.charge_point_model, "singlesocketcharger",
            "CiStrings ignore case"
        );
        assert_eq!(req.charge_box_serial_number, None);
        assert_eq!(
            req.firmware_version.as_ref().map(|v| v.as_str()),
            Some("1.2.3")
        );

        let minimal: BootNotificationRequest =
            round_trip(r#"{"chargePointVendor":"V","chargePointModel":"M"}"#);
        assert_eq!(minimal.meter_serial_number, None);
    }

    #[test]
    fn boot_notification_response_decodes_and_round_trips() {
        let resp: BootNotificationResponse = round_trip(
            r#"{"status":"Accepted","currentTime":"2026-11-24T06:00:00.000Z","interval":300}"#,
        );
        assert_eq!(resp.status, RegistrationStatus::Accepted);
        assert_eq!(resp.interval, 300);
        let pending: BootNotificationResponse =
            ok(r#"{"status":"Pending","currentTime":"2026-11-24T07:00:00+01:00","interval":0}"#);
        assert_eq!(pending.current_time, resp.current_time);
    }

    #[test]
    fn heartbeat_and_reset_round_trip() {
        let _: HeartbeatRequest = round_trip("{}");
        let hb: HeartbeatResponse = round_trip(r#"{"currentTime":"2026-11-24T06:00:00.123Z"}"#);
        assert_eq!(hb.current_time.to_string(), "2026-11-24T06:00:00.123Z");
        let reset: ResetRequest = round_trip(r#"{"type":"Soft"}"#);
        assert_eq!(reset.kind, ResetType::Soft);
        let resp: ResetResponse = round_trip(r#"{"status":"Rejected"}"#);
        assert_eq!(resp.status, ResetStatus::Rejected);
    }

    #[test]
    fn refusals() {
        refused::<BootNotificationRequest>(
            r#"{"chargePointVendor":"V"}"#,
            Violation::MissingField,
            CallErrorCode::FormationViolation,
            ".",
        );
        refused::<BootNotificationRequest>(
            r#"{"chargePointVendor":"V","chargePointModel":"ModelNameLongerThan20"}"#,
            Violation::StringTooLong,
            CallErrorCode::FormationViolation,
            "chargePointModel",
        );
        refused::<HeartbeatRequest>(
            r#"{"now":true}"#,
            Violation::UnknownField,
            CallErrorCode::FormationViolation,
            "now",
        );
        refused::<BootNotificationResponse>(
            r#"{"status":"Accepted","currentTime":"2026-11-24 06:00","interval":300}"#,
            Violation::InvalidDateTime,
            CallErrorCode::FormationViolation,
            "currentTime",
        );
        refused::<BootNotificationResponse>(
            r#"{"status":"accepted","currentTime":"2026-11-24T06:00:00Z","interval":300}"#,
            Violation::UnknownEnumValue,
            CallErrorCode::PropertyConstraintViolation,
            "status",
        );
        refused::<ResetRequest>(
            r#"{"type":"Warm"}"#,
            Violation::UnknownEnumValue,
            CallErrorCode::PropertyConstraintViolation,
            "type",
        );
    }
}
