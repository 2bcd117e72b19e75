//! The Firmware Management profile (OCPP 1.6 §4.4, §4.5, §5.9, §5.19): uploading diagnostics and
//! installing new firmware, with the status notifications the charge point sends meanwhile.

use serde::{Deserialize, Serialize};

use crate::{CiString255, DateTime};

/// GetDiagnostics.req (OCPP 1.6 §5.9): the central system asks for a diagnostics file to be
/// uploaded to `location`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetDiagnosticsRequest {
    /// Directory URI (e.g. `ftp://user:pass@host/path/`) the file is to be uploaded to.
    pub location: String,
    /// How many times to retry a failed upload; absent leaves it to the charge point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<i32>,
    /// Seconds between retries; absent leaves it to the charge point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_interval: Option<i32>,
    /// Oldest moment the diagnostics should cover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<DateTime>,
    /// Latest moment the diagnostics should cover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_time: Option<DateTime>,
}

/// GetDiagnostics.conf (OCPP 1.6 §5.9): the name of the file that will be uploaded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetDiagnosticsResponse {
    /// Name of the diagnostics file; absent when there is no diagnostics information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<CiString255>,
}

/// Progress of a diagnostics upload (OCPP 1.6 DiagnosticsStatus).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DiagnosticsStatus {
    /// Not uploading; only sent when answering a TriggerMessage.
    Idle,
    /// The file has been uploaded.
    Uploaded,
    /// The upload failed.
    UploadFailed,
    /// The file is being uploaded.
    Uploading,
}

/// DiagnosticsStatusNotification.req (OCPP 1.6 §4.4): the charge point reports the progress of
/// the upload started by GetDiagnostics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DiagnosticsStatusNotificationRequest {
    /// The upload's status.
    pub status: DiagnosticsStatus,
}

/// DiagnosticsStatusNotification.conf (OCPP 1.6 §4.4): empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DiagnosticsStatusNotificationResponse {}

/// Progress of a firmware update started by UpdateFirmware (OCPP 1.6 FirmwareStatus).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FirmwareStatus {
    /// The new firmware has been downloaded.
    Downloaded,
    /// The download failed.
    DownloadFailed,
    /// The firmware is being downloaded.
    Downloading,
    /// No update in progress; only sent when answering a TriggerMessage.
    Idle,
    /// The installation failed.
    InstallationFailed,
    /// The firmware is being installed.
    Installing,
    /// The new firmware has been installed.
    Installed,
}

/// FirmwareStatusNotification.req (OCPP 1.6 §4.5): the charge point reports the progress of a
/// firmware update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FirmwareStatusNotificationRequest {
    /// The update's status.
    pub status: FirmwareStatus,
}

/// FirmwareStatusNotification.conf (OCPP 1.6 §4.5): empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FirmwareStatusNotificationResponse {}

/// UpdateFirmware.req (OCPP 1.6 §5.19): the central system tells the charge point to download
/// and install new firmware.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateFirmwareRequest {
    /// URI the firmware is to be downloaded from.
    pub location: String,
    /// How many times to retry a failed download; absent leaves it to the charge point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<i32>,
    /// From when the charge point may retrieve the firmware.
    pub retrieve_date: DateTime,
    /// Seconds between retries; absent leaves it to the charge point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_interval: Option<i32>,
}

/// UpdateFirmware.conf (OCPP 1.6 §5.19): empty; progress follows in
/// FirmwareStatusNotification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateFirmwareResponse {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{encode, CallErrorCode, Violation};

    use crate::test_util::{ok, refused as err};

    #[test]
    fn get_diagnostics_decodes_and_round_trips() {
        let json = r#"{"location":"ftp://diag.example.com/up/","retries":3,"retryInterval":60,
            "startTime":"2026-01-01T00:00:00Z","stopTime":"2026-01-02T00:00:00.000Z"}"#;
        let req: GetDiagnosticsRequest = ok(json);
        assert_eq!(req.location, "ftp://diag.example.com/up/");
        assert_eq!(req.retries, Some(3));
        assert_eq!(req.retry_interval, Some(60));
        assert_eq!(
            req.start_time.map(|t| t.to_string()).as_deref(),
            Some("2026-01-01T00:00:00.000Z")
        );
        let back: GetDiagnosticsRequest = ok(&encode(&req).to_string());
        assert_eq!(back, req);

        let minimal: GetDiagnosticsRequest = ok(r#"{"location":"http://x/"}"#);
        assert_eq!(
            encode(&minimal),
            serde_json::json!({"location": "http://x/"})
        );

        let resp: GetDiagnosticsResponse = ok(r#"{"fileName":"diag-2026.tar.gz"}"#);
        assert_eq!(resp.file_name.as_deref(), Some("diag-2026.tar.gz"));
        let empty: GetDiagnosticsResponse = ok("{}");
        assert_eq!(encode(&empty), serde_json::json!({}));
    }

    #[test]
    fn update_firmware_decodes_and_round_trips() {
        let req: UpdateFirmwareRequest = ok(
            r#"{"location":"https://fw.example.com/v2.bin","retrieveDate":"2026-03-01T12:00:00+01:00","retries":2}"#,
        );
        assert_eq!(req.retrieve_date.to_string(), "2026-03-01T11:00:00.000Z");
        assert_eq!(req.retries, Some(2));
        assert_eq!(req.retry_interval, None);
        assert_eq!(
            encode(&req),
            serde_json::json!({
                "location": "https://fw.example.com/v2.bin",
                "retries": 2,
                "retrieveDate": "2026-03-01T11:00:00.000Z"
            })
        );
        let _: UpdateFirmwareResponse = ok("{}");
    }

    #[test]
    fn status_notifications_decode_every_value() {
        for (s, want) in [
            ("Idle", DiagnosticsStatus::Idle),
            ("Uploaded", DiagnosticsStatus::Uploaded),
            ("UploadFailed", DiagnosticsStatus::UploadFailed),
            ("Uploading", DiagnosticsStatus::Uploading),
        ] {
            let req: DiagnosticsStatusNotificationRequest = ok(&format!(r#"{{"status":"{s}"}}"#));
            assert_eq!(req.status, want);
            assert_eq!(encode(&req), serde_json::json!({ "status": s }));
        }
        for (s, want) in [
            ("Downloaded", FirmwareStatus::Downloaded),
            ("DownloadFailed", FirmwareStatus::DownloadFailed),
            ("Downloading", FirmwareStatus::Downloading),
            ("Idle", FirmwareStatus::Idle),
            ("InstallationFailed", FirmwareStatus::InstallationFailed),
            ("Installing", FirmwareStatus::Installing),
            ("Installed", FirmwareStatus::Installed),
        ] {
            let req: FirmwareStatusNotificationRequest = ok(&format!(r#"{{"status":"{s}"}}"#));
            assert_eq!(req.status, want);
            assert_eq!(encode(&req), serde_json::json!({ "status": s }));
        }
        let _: DiagnosticsStatusNotificationResponse = ok("{}");
        let _: FirmwareStatusNotificationResponse = ok("{}");
    }

    #[test]
    fn refusals_get_their_codes() {
        let e = err::<UpdateFirmwareRequest>(r#"{"location":"http://x/"}"#);
        assert_eq!(e.violation, Violation::MissingField);
        assert_eq!(e.code, CallErrorCode::FormationViolation);

        let e = err::<GetDiagnosticsRequest>(r#"{"location":"http://x/","foo":1}"#);
        assert_eq!(e.violation, Violation::UnknownField);
        assert_eq!(e.code, CallErrorCode::FormationViolation);

        let e = err::<FirmwareStatusNotificationResponse>(r#"{"status":"Accepted"}"#);
        assert_eq!(e.violation, Violation::UnknownField);

        let long = "f".repeat(256);
        let e = err::<GetDiagnosticsResponse>(&format!(r#"{{"fileName":"{long}"}}"#));
        assert_eq!(e.violation, Violation::StringTooLong);
        assert_eq!(e.code, CallErrorCode::FormationViolation);
        assert_eq!(e.path, "fileName");

        // The signed-firmware statuses of the Security whitepaper are not part of 1.6's enum.
        let e = err::<FirmwareStatusNotificationRequest>(r#"{"status":"SignatureVerified"}"#);
        assert_eq!(e.violation, Violation::UnknownEnumValue);
        assert_eq!(e.code, CallErrorCode::PropertyConstraintViolation);
        let e = err::<DiagnosticsStatusNotificationRequest>(r#"{"status":"uploaded"}"#);
        assert_eq!(e.code, CallErrorCode::PropertyConstraintViolation);

        let e = err::<UpdateFirmwareRequest>(
            r#"{"location":"http://x/","retrieveDate":"2026-03-01T12:00:00"}"#,
        );
        assert_eq!(e.violation, Violation::InvalidDateTime);
        assert_eq!(e.path, "retrieveDate");
    }
}
