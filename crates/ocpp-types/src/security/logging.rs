//! Logging of the Security white paper (use cases A04, N01): GetLog, LogStatusNotification and
//! SecurityEventNotification.

use serde::{Deserialize, Serialize};

use crate::{BoundedString, DateTime};

/// Which log GetLog asks for (white paper LogEnumType).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LogType {
    /// The diagnostics log (what GetDiagnostics uploads in OCPP 1.6).
    DiagnosticsLog,
    /// The security log, where every security event is recorded.
    SecurityLog,
}

/// Where to upload a log and which period it should cover (white paper LogParametersType).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LogParameters {
    /// URL the log file is to be uploaded to (e.g. `ftp://user:pass@host/path`).
    pub remote_location: BoundedString<512>,
    /// Oldest moment the log should cover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oldest_timestamp: Option<DateTime>,
    /// Latest moment the log should cover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_timestamp: Option<DateTime>,
}

/// GetLog.req (white paper §5.9): the central system asks for a log file to be uploaded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetLogRequest {
    /// The log and where to upload it.
    pub log: LogParameters,
    /// Which log.
    pub log_type: LogType,
    /// Id of this request, repeated in every LogStatusNotification about the upload.
    pub request_id: i32,
    /// How many times to retry a failed upload; absent leaves it to the charge point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<i32>,
    /// Seconds between retries; absent leaves it to the charge point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_interval: Option<i32>,
}

/// Answer to a GetLog (white paper LogStatusEnumType).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LogStatus {
    /// The upload will start.
    Accepted,
    /// The request is refused.
    Rejected,
    /// The upload will start, and an upload in progress has been cancelled for it.
    AcceptedCanceled,
}

/// GetLog.conf (white paper §5.10).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetLogResponse {
    /// Whether the upload will start.
    pub status: LogStatus,
    /// Name of the file that will be uploaded (JSON name `filename`, all lower case); absent
    /// when there is no log information.
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "filename")]
    pub filename: Option<BoundedString<255>>,
}

/// Progress of a log upload (white paper UploadLogStatusEnumType).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UploadLogStatus {
    /// A badly formatted packet or other protocol incompatibility was detected.
    BadMessage,
    /// Not uploading; only sent when answering an ExtendedTriggerMessage.
    Idle,
    /// The server does not support the operation.
    NotSupportedOperation,
    /// Insufficient permissions for the upload.
    PermissionDenied,
    /// The file has been uploaded.
    Uploaded,
    /// The upload failed.
    UploadFailure,
    /// The file is being uploaded.
    Uploading,
}

/// LogStatusNotification.req (white paper §5.13): the charge point reports the progress of a
/// log upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LogStatusNotificationRequest {
    /// The upload's status.
    pub status: UploadLogStatus,
    /// The `requestId` of the GetLog that started the upload; only absent when triggered by
    /// ExtendedTriggerMessage with no upload in progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<i32>,
}

/// LogStatusNotification.conf (white paper §5.14): empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LogStatusNotificationResponse {}

/// SecurityEventNotification.req (white paper §5.15): the charge point reports a security event
/// (sent for critical events, queued while offline; see the white paper's list in §8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecurityEventNotificationRequest {
    /// The event, e.g. `FirmwareUpdated`, `StartupOfTheDevice`, `TamperDetectionActivated`
    /// (JSON name `type`).
    #[serde(rename = "type")]
    pub kind: BoundedString<50>,
    /// When the event happened.
    pub timestamp: DateTime,
    /// Free-form technical details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tech_info: Option<BoundedString<255>>,
}

/// SecurityEventNotification.conf (white paper §5.16): empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecurityEventNotificationResponse {}

#[cfg(test)]
mod tests {
    use super::super::test_util::{err, ok};
    use super::*;
    use crate::{encode, CallErrorCode, Violation};

    #[test]
    fn get_log_decodes_and_round_trips() {
        let req: GetLogRequest = ok(r#"{"logType":"SecurityLog","requestId":12,"retries":1,
            "log":{"remoteLocation":"ftp://u:p@logs.example.com/cp1/",
                   "oldestTimestamp":"2026-11-01T00:00:00Z"}}"#);
        assert_eq!(req.log_type, LogType::SecurityLog);
        assert_eq!(req.request_id, 12);
        assert_eq!(req.retries, Some(1));
        assert_eq!(req.retry_interval, None);
        assert_eq!(
            req.log.remote_location.as_str(),
            "ftp://u:p@logs.example.com/cp1/"
        );
        assert!(req.log.oldest_timestamp.is_some());
        assert_eq!(req.log.latest_timestamp, None);
        assert_eq!(
            encode(&req),
            serde_json::json!({
                "log": {"remoteLocation": "ftp://u:p@logs.example.com/cp1/",
                        "oldestTimestamp": "2026-11-01T00:00:00.000Z"},
                "logType": "SecurityLog",
                "requestId": 12,
                "retries": 1
            })
        );
        let back: GetLogRequest = ok(&encode(&req).to_string());
        assert_eq!(back, req);

        let resp: GetLogResponse = ok(r#"{"status":"AcceptedCanceled","filename":"security.log"}"#);
        assert_eq!(resp.status, LogStatus::AcceptedCanceled);
        assert_eq!(resp.filename.as_deref(), Some("security.log"));
        assert_eq!(
            encode(&resp),
            serde_json::json!({"status": "AcceptedCanceled", "filename": "security.log"})
        );
        // OCPP 1.6's GetDiagnostics spelling is not this message's.
        let e = err::<GetLogResponse>(r#"{"status":"Accepted","fileName":"x"}"#);
        assert_eq!(e.violation, Violation::UnknownField);
    }

    #[test]
    fn log_status_notification_decodes_every_value() {
        for (s, want) in [
            ("BadMessage", UploadLogStatus::BadMessage),
            ("Idle", UploadLogStatus::Idle),
            (
                "NotSupportedOperation",
                UploadLogStatus::NotSupportedOperation,
            ),
            ("PermissionDenied", UploadLogStatus::PermissionDenied),
            ("Uploaded", UploadLogStatus::Uploaded),
            ("UploadFailure", UploadLogStatus::UploadFailure),
            ("Uploading", UploadLogStatus::Uploading),
        ] {
            let req: LogStatusNotificationRequest =
                ok(&format!(r#"{{"status":"{s}","requestId":12}}"#));
            assert_eq!(req.status, want);
            assert_eq!(req.request_id, Some(12));
            assert_eq!(
                encode(&req),
                serde_json::json!({ "status": s, "requestId": 12 })
            );
        }
        let idle: LogStatusNotificationRequest = ok(r#"{"status":"Idle"}"#);
        assert_eq!(idle.request_id, None);
        let _: LogStatusNotificationResponse = ok("{}");
    }

    #[test]
    fn security_event_notification_decodes_and_round_trips() {
        let req: SecurityEventNotificationRequest = ok(
            r#"{"type":"SettingSystemTime","timestamp":"2026-11-24T06:00:00.5Z","techInfo":"NTP step +3s"}"#,
        );
        assert_eq!(req.kind.as_str(), "SettingSystemTime");
        assert_eq!(req.timestamp.to_string(), "2026-11-24T06:00:00.500Z");
        assert_eq!(req.tech_info.as_deref(), Some("NTP step +3s"));
        assert_eq!(
            encode(&req),
            serde_json::json!({
                "type": "SettingSystemTime",
                "timestamp": "2026-11-24T06:00:00.500Z",
                "techInfo": "NTP step +3s"
            })
        );
        let back: SecurityEventNotificationRequest = ok(&encode(&req).to_string());
        assert_eq!(back, req);
        let _: SecurityEventNotificationResponse = ok("{}");
    }

    #[test]
    fn refusals_get_their_codes() {
        let e = err::<GetLogRequest>(
            r#"{"logType":"DiagnosticsLog","requestId":1,"log":{"oldestTimestamp":"2026-11-01T00:00:00Z"}}"#,
        );
        assert_eq!(e.violation, Violation::MissingField);
        assert_eq!(e.code, CallErrorCode::FormationViolation);
        assert_eq!(e.path, "log");

        let e = err::<SecurityEventNotificationRequest>(r#"{"type":"ResetOrReboot"}"#);
        assert_eq!(e.violation, Violation::MissingField);

        let e = err::<SecurityEventNotificationRequest>(
            r#"{"kind":"ResetOrReboot","timestamp":"2026-11-24T06:00:00Z"}"#,
        );
        assert_eq!(e.violation, Violation::UnknownField);
        assert_eq!(e.code, CallErrorCode::FormationViolation);

        let e = err::<GetLogRequest>(&format!(
            r#"{{"logType":"DiagnosticsLog","requestId":1,"log":{{"remoteLocation":"ftp://h/{}"}}}}"#,
            "p".repeat(507)
        ));
        assert_eq!(e.violation, Violation::StringTooLong);
        assert_eq!(e.path, "log.remoteLocation");
        let e = err::<SecurityEventNotificationRequest>(&format!(
            r#"{{"type":"{}","timestamp":"2026-11-24T06:00:00Z"}}"#,
            "T".repeat(51)
        ));
        assert_eq!(e.violation, Violation::StringTooLong);
        assert_eq!(e.code, CallErrorCode::FormationViolation);
        assert_eq!(e.path, "type");

        let e = err::<GetLogRequest>(
            r#"{"logType":"DataCollectorLog","requestId":1,"log":{"remoteLocation":"ftp://h/"}}"#,
        );
        assert_eq!(e.violation, Violation::UnknownEnumValue);
        assert_eq!(e.code, CallErrorCode::PropertyConstraintViolation);
        // The 1.6 DiagnosticsStatus spelling is not an UploadLogStatus.
        let e = err::<LogStatusNotificationRequest>(r#"{"status":"UploadFailed"}"#);
        assert_eq!(e.code, CallErrorCode::PropertyConstraintViolation);
    }
}
