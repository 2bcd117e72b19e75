//! Secure firmware update of the Security white paper (use case L01): SignedUpdateFirmware and
//! SignedFirmwareStatusNotification, which replace OCPP 1.6's UpdateFirmware and
//! FirmwareStatusNotification on a charge point that implements them.

use serde::{Deserialize, Serialize};

use crate::{BoundedString, DateTime};

/// The firmware to install and how to verify it (white paper FirmwareType).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Firmware {
    /// URI the firmware is to be downloaded from.
    pub location: BoundedString<512>,
    /// From when the charge point may download the firmware.
    pub retrieve_date_time: DateTime,
    /// When to install it; absent means as soon as it is downloaded and verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_date_time: Option<DateTime>,
    /// The PEM-encoded X.509 certificate the firmware was signed with.
    pub signing_certificate: BoundedString<5500>,
    /// The Base64-encoded signature of the firmware file.
    pub signature: BoundedString<800>,
}

/// SignedUpdateFirmware.req (white paper §5.21): the central system asks the charge point to
/// download, verify and install signed firmware.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignedUpdateFirmwareRequest {
    /// How many times to retry a failed download; absent leaves it to the charge point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<i32>,
    /// Seconds between retries; absent leaves it to the charge point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_interval: Option<i32>,
    /// Id of this request, repeated in every SignedFirmwareStatusNotification about it.
    pub request_id: i32,
    /// The firmware.
    pub firmware: Firmware,
}

/// Answer to a SignedUpdateFirmware (white paper UpdateFirmwareStatusEnumType).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UpdateFirmwareStatus {
    /// The update process will start.
    Accepted,
    /// The request is refused.
    Rejected,
    /// The update process will start, and an update in progress has been cancelled for it.
    AcceptedCanceled,
    /// The signing certificate is invalid.
    InvalidCertificate,
    /// The signing certificate has been revoked.
    RevokedCertificate,
}

/// SignedUpdateFirmware.conf (white paper §5.22).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignedUpdateFirmwareResponse {
    /// Whether the update will start.
    pub status: UpdateFirmwareStatus,
}

/// Progress of a signed firmware update (white paper FirmwareStatusEnumType, a superset of
/// OCPP 1.6's [`FirmwareStatus`](crate::firmware::FirmwareStatus)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SignedFirmwareStatus {
    /// The new firmware has been downloaded.
    Downloaded,
    /// The download failed (end state).
    DownloadFailed,
    /// The firmware is being downloaded.
    Downloading,
    /// The download has been scheduled (e.g. until charging ends).
    DownloadScheduled,
    /// The download has been paused (e.g. for tasks of higher priority).
    DownloadPaused,
    /// No update in progress; only sent when answering an ExtendedTriggerMessage.
    Idle,
    /// The installation failed (end state).
    InstallationFailed,
    /// The firmware is being installed.
    Installing,
    /// The new firmware has been installed (successful end state).
    Installed,
    /// The charge point is about to reboot to activate the new firmware.
    InstallRebooting,
    /// The installation is scheduled for the request's `installDateTime`.
    InstallScheduled,
    /// Verifying the new firmware (checksum or other) failed (end state).
    InstallVerificationFailed,
    /// The firmware's signature is not valid (end state).
    InvalidSignature,
    /// The firmware's signature has been verified.
    SignatureVerified,
}

/// SignedFirmwareStatusNotification.req (white paper §5.19): the charge point reports the
/// progress of a signed firmware update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignedFirmwareStatusNotificationRequest {
    /// The update's status.
    pub status: SignedFirmwareStatus,
    /// The `requestId` of the SignedUpdateFirmware that started the update; only absent when
    /// status is Idle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<i32>,
}

/// SignedFirmwareStatusNotification.conf (white paper §5.20): empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignedFirmwareStatusNotificationResponse {}

#[cfg(test)]
mod tests {
    use super::super::test_util::{err, ok};
    use super::*;
    use crate::{encode, CallErrorCode, Violation};

    const UPDATE: &str = r#"{"requestId":7,"retries":3,"retryInterval":120,"firmware":{
        "location":"https://fw.example.com/cp-2.1.0.bin",
        "retrieveDateTime":"2026-11-24T06:00:00Z",
        "installDateTime":"2026-11-25T02:00:00Z",
        "signingCertificate":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
        "signature":"c2lnbmF0dXJl"}}"#;

    #[test]
    fn signed_update_firmware_decodes_and_round_trips() {
        let req: SignedUpdateFirmwareRequest = ok(UPDATE);
        assert_eq!(req.request_id, 7);
        assert_eq!(req.retries, Some(3));
        assert_eq!(req.retry_interval, Some(120));
        assert_eq!(
            req.firmware.location.as_str(),
            "https://fw.example.com/cp-2.1.0.bin"
        );
        assert_eq!(
            req.firmware
                .install_date_time
                .map(|t| t.to_string())
                .as_deref(),
            Some("2026-11-25T02:00:00.000Z")
        );
        assert_eq!(req.firmware.signature.as_str(), "c2lnbmF0dXJl");
        let json = encode(&req);
        assert_eq!(
            json["firmware"]["retrieveDateTime"],
            "2026-11-24T06:00:00.000Z"
        );
        let back: SignedUpdateFirmwareRequest = ok(&json.to_string());
        assert_eq!(back, req);

        for (s, want) in [
            ("Accepted", UpdateFirmwareStatus::Accepted),
            ("Rejected", UpdateFirmwareStatus::Rejected),
            ("AcceptedCanceled", UpdateFirmwareStatus::AcceptedCanceled),
            (
                "InvalidCertificate",
                UpdateFirmwareStatus::InvalidCertificate,
            ),
            (
                "RevokedCertificate",
                UpdateFirmwareStatus::RevokedCertificate,
            ),
        ] {
            let resp: SignedUpdateFirmwareResponse = ok(&format!(r#"{{"status":"{s}"}}"#));
            assert_eq!(resp.status, want);
            assert_eq!(encode(&resp), serde_json::json!({ "status": s }));
        }
    }

    #[test]
    fn signed_firmware_status_notification_decodes_every_value() {
        use SignedFirmwareStatus::*;
        for (s, want) in [
            ("Downloaded", Downloaded),
            ("DownloadFailed", DownloadFailed),
            ("Downloading", Downloading),
            ("DownloadScheduled", DownloadScheduled),
            ("DownloadPaused", DownloadPaused),
            ("Idle", Idle),
            ("InstallationFailed", InstallationFailed),
            ("Installing", Installing),
            ("Installed", Installed),
            ("InstallRebooting", InstallRebooting),
            ("InstallScheduled", InstallScheduled),
            ("InstallVerificationFailed", InstallVerificationFailed),
            ("InvalidSignature", InvalidSignature),
            ("SignatureVerified", SignatureVerified),
        ] {
            let req: SignedFirmwareStatusNotificationRequest =
                ok(&format!(r#"{{"status":"{s}","requestId":7}}"#));
            assert_eq!(req.status, want);
            assert_eq!(
                encode(&req),
                serde_json::json!({ "status": s, "requestId": 7 })
            );
        }
        let idle: SignedFirmwareStatusNotificationRequest = ok(r#"{"status":"Idle"}"#);
        assert_eq!(idle.request_id, None);
        assert_eq!(encode(&idle), serde_json::json!({"status": "Idle"}));
        let _: SignedFirmwareStatusNotificationResponse = ok("{}");
    }

    #[test]
    fn refusals_get_their_codes() {
        let e = err::<SignedUpdateFirmwareRequest>(
            &UPDATE.replace(r#""signature":"c2lnbmF0dXJl""#, r#""x":1"#),
        );
        assert_eq!(e.violation, Violation::UnknownField);
        assert_eq!(e.code, CallErrorCode::FormationViolation);
        assert_eq!(e.path, "firmware.x");

        let mut without_signature: serde_json::Value = ok(UPDATE);
        if let Some(fw) = without_signature["firmware"].as_object_mut() {
            fw.remove("signature");
        }
        let e = err::<SignedUpdateFirmwareRequest>(&without_signature.to_string());
        assert_eq!(e.violation, Violation::MissingField);
        assert_eq!(e.code, CallErrorCode::FormationViolation);

        let e =
            err::<SignedUpdateFirmwareRequest>(&UPDATE.replace("c2lnbmF0dXJl", &"A".repeat(801)));
        assert_eq!(e.violation, Violation::StringTooLong);
        assert_eq!(e.code, CallErrorCode::FormationViolation);
        assert_eq!(e.path, "firmware.signature");

        let e = err::<SignedUpdateFirmwareRequest>(
            &UPDATE.replace("2026-11-24T06:00:00Z", "2026-11-24"),
        );
        assert_eq!(e.violation, Violation::InvalidDateTime);
        assert_eq!(e.path, "firmware.retrieveDateTime");

        // Status values of OCPP 2.0.1's and the white paper's other enums are refused.
        for s in ["InvalidCertificate", "CertificateVerified", "downloaded"] {
            let e =
                err::<SignedFirmwareStatusNotificationRequest>(&format!(r#"{{"status":"{s}"}}"#));
            assert_eq!(e.violation, Violation::UnknownEnumValue, "{s}");
            assert_eq!(e.code, CallErrorCode::PropertyConstraintViolation);
        }
    }
}
