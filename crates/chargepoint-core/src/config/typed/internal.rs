//! The typed Internal section (see config/profile_schemas/Internal.json for each key's meaning).

use ocpp_types::charging_profile::ChargingProfilePurpose;
use ocpp_types::meter::Measurand;
use serde::{Deserialize, Serialize};

use super::csl;

/// Station identity, connection and behaviour settings. Keys with a default are plain values;
/// optional keys without one are `Option`s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Internal {
    /// ChargePointId.
    #[serde(rename = "ChargePointId")]
    pub charge_point_id: String,
    /// CentralSystemURI.
    #[serde(rename = "CentralSystemURI")]
    pub central_system_uri: String,
    /// ChargeBoxSerialNumber.
    #[serde(rename = "ChargeBoxSerialNumber")]
    pub charge_box_serial_number: String,
    /// ChargePointModel.
    #[serde(rename = "ChargePointModel")]
    pub charge_point_model: String,
    /// ChargePointSerialNumber.
    #[serde(
        rename = "ChargePointSerialNumber",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub charge_point_serial_number: Option<String>,
    /// ChargePointVendor.
    #[serde(rename = "ChargePointVendor")]
    pub charge_point_vendor: String,
    /// FirmwareVersion.
    #[serde(rename = "FirmwareVersion")]
    pub firmware_version: String,
    /// ICCID.
    #[serde(rename = "ICCID", default, skip_serializing_if = "Option::is_none")]
    pub iccid: Option<String>,
    /// HostName.
    #[serde(rename = "HostName", default, skip_serializing_if = "Option::is_none")]
    pub host_name: Option<String>,
    /// IFace.
    #[serde(rename = "IFace", default, skip_serializing_if = "Option::is_none")]
    pub iface: Option<String>,
    /// IMSI.
    #[serde(rename = "IMSI", default, skip_serializing_if = "Option::is_none")]
    pub imsi: Option<String>,
    /// MeterSerialNumber.
    #[serde(
        rename = "MeterSerialNumber",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub meter_serial_number: Option<String>,
    /// MeterType.
    #[serde(rename = "MeterType", default, skip_serializing_if = "Option::is_none")]
    pub meter_type: Option<String>,
    /// SupportedCiphers12.
    #[serde(rename = "SupportedCiphers12")]
    pub supported_ciphers12: Vec<String>,
    /// SupportedCiphers13.
    #[serde(rename = "SupportedCiphers13")]
    pub supported_ciphers13: Vec<String>,
    /// UseTPM.
    #[serde(rename = "UseTPM")]
    pub use_tpm: bool,
    /// CertificateSigningKeyType: `ECDSA_P256`, `ECDSA_P384` or `RSA_2048` (the schema refuses
    /// others).
    #[serde(rename = "CertificateSigningKeyType")]
    pub certificate_signing_key_type: String,
    /// UseTPMSeccLeafCertificate.
    #[serde(rename = "UseTPMSeccLeafCertificate")]
    pub use_tpm_secc_leaf_certificate: bool,
    /// RetryBackoffRandomRange, seconds.
    #[serde(rename = "RetryBackoffRandomRange")]
    pub retry_backoff_random_range: i32,
    /// RetryBackoffRepeatTimes.
    #[serde(rename = "RetryBackoffRepeatTimes")]
    pub retry_backoff_repeat_times: i32,
    /// RetryBackoffWaitMinimum, seconds.
    #[serde(rename = "RetryBackoffWaitMinimum")]
    pub retry_backoff_wait_minimum: i32,
    /// AuthorizeConnectorZeroOnConnectorOne.
    #[serde(rename = "AuthorizeConnectorZeroOnConnectorOne")]
    pub authorize_connector_zero_on_connector_one: bool,
    /// LogMessages.
    #[serde(rename = "LogMessages")]
    pub log_messages: bool,
    /// LogMessagesRaw.
    #[serde(rename = "LogMessagesRaw")]
    pub log_messages_raw: bool,
    /// LogMessagesFormat.
    #[serde(rename = "LogMessagesFormat")]
    pub log_messages_format: Vec<String>,
    /// LogRotation.
    #[serde(rename = "LogRotation")]
    pub log_rotation: bool,
    /// LogRotationDateSuffix.
    #[serde(rename = "LogRotationDateSuffix")]
    pub log_rotation_date_suffix: bool,
    /// LogRotationMaximumFileSize, bytes.
    #[serde(rename = "LogRotationMaximumFileSize")]
    pub log_rotation_maximum_file_size: u32,
    /// LogRotationMaximumFileCount.
    #[serde(rename = "LogRotationMaximumFileCount")]
    pub log_rotation_maximum_file_count: u32,
    /// SupportedChargingProfilePurposeTypes.
    #[serde(rename = "SupportedChargingProfilePurposeTypes")]
    pub supported_charging_profile_purpose_types: Vec<ChargingProfilePurpose>,
    /// IgnoredProfilePurposesOffline.
    #[serde(
        rename = "IgnoredProfilePurposesOffline",
        default,
        with = "csl::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub ignored_profile_purposes_offline: Option<Vec<ChargingProfilePurpose>>,
    /// MaxCompositeScheduleDuration, seconds.
    #[serde(rename = "MaxCompositeScheduleDuration")]
    pub max_composite_schedule_duration: i32,
    /// CompositeScheduleDefaultLimitAmps.
    #[serde(rename = "CompositeScheduleDefaultLimitAmps")]
    pub composite_schedule_default_limit_amps: f64,
    /// CompositeScheduleDefaultLimitWatts.
    #[serde(rename = "CompositeScheduleDefaultLimitWatts")]
    pub composite_schedule_default_limit_watts: f64,
    /// CompositeScheduleDefaultNumberPhases.
    #[serde(rename = "CompositeScheduleDefaultNumberPhases")]
    pub composite_schedule_default_number_phases: f64,
    /// SupplyVoltage, volts.
    #[serde(rename = "SupplyVoltage")]
    pub supply_voltage: f64,
    /// WebsocketPingPayload.
    #[serde(rename = "WebsocketPingPayload")]
    pub websocket_ping_payload: String,
    /// WebsocketPongTimeout, seconds.
    #[serde(rename = "WebsocketPongTimeout")]
    pub websocket_pong_timeout: i32,
    /// UseSslDefaultVerifyPaths.
    #[serde(rename = "UseSslDefaultVerifyPaths")]
    pub use_ssl_default_verify_paths: bool,
    /// VerifyCsmsCommonName.
    #[serde(rename = "VerifyCsmsCommonName")]
    pub verify_csms_common_name: bool,
    /// VerifyCsmsAllowWildcards.
    #[serde(rename = "VerifyCsmsAllowWildcards")]
    pub verify_csms_allow_wildcards: bool,
    /// OcspRequestInterval, seconds.
    #[serde(rename = "OcspRequestInterval")]
    pub ocsp_request_interval: u32,
    /// SeccLeafSubjectCommonName.
    #[serde(
        rename = "SeccLeafSubjectCommonName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub secc_leaf_subject_common_name: Option<String>,
    /// SeccLeafSubjectCountry.
    #[serde(
        rename = "SeccLeafSubjectCountry",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub secc_leaf_subject_country: Option<String>,
    /// SeccLeafSubjectOrganization.
    #[serde(
        rename = "SeccLeafSubjectOrganization",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub secc_leaf_subject_organization: Option<String>,
    /// ConnectorEvseIds, for connectors 1, 2, ...
    #[serde(
        rename = "ConnectorEvseIds",
        default,
        with = "csl::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub connector_evse_ids: Option<Vec<String>>,
    /// AllowChargingProfileWithoutStartSchedule.
    #[serde(
        rename = "AllowChargingProfileWithoutStartSchedule",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub allow_charging_profile_without_start_schedule: Option<bool>,
    /// WaitForStopTransactionsOnResetTimeout, seconds.
    #[serde(rename = "WaitForStopTransactionsOnResetTimeout")]
    pub wait_for_stop_transactions_on_reset_timeout: u32,
    /// QueueAllMessages.
    #[serde(
        rename = "QueueAllMessages",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub queue_all_messages: Option<bool>,
    /// MessageTypesDiscardForQueueing.
    #[serde(
        rename = "MessageTypesDiscardForQueueing",
        default,
        with = "csl::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub message_types_discard_for_queueing: Option<Vec<String>>,
    /// MessageQueueSizeThreshold.
    #[serde(
        rename = "MessageQueueSizeThreshold",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub message_queue_size_threshold: Option<u32>,
    /// SupportedMeasurands.
    #[serde(rename = "SupportedMeasurands", with = "csl")]
    pub supported_measurands: Vec<Measurand>,
    /// MaxMessageSize, bytes.
    #[serde(rename = "MaxMessageSize")]
    pub max_message_size: u32,
    /// TLSKeylogFile.
    #[serde(rename = "TLSKeylogFile")]
    pub tls_keylog_file: String,
    /// EnableTLSKeylog.
    #[serde(rename = "EnableTLSKeylog")]
    pub enable_tls_keylog: bool,
    /// StopTransactionIfUnlockNotSupported.
    #[serde(rename = "StopTransactionIfUnlockNotSupported")]
    pub stop_transaction_if_unlock_not_supported: bool,
    /// MeterPublicKeys, the first for connector 1.
    #[serde(
        rename = "MeterPublicKeys",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub meter_public_keys: Option<Vec<String>>,
    /// RejectRemoteStartTransactionWithoutConnectorId.
    #[serde(
        rename = "RejectRemoteStartTransactionWithoutConnectorId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub reject_remote_start_transaction_without_connector_id: Option<bool>,
    /// RemoteStartTransactionWithoutConnectorIdFindFirst.
    #[serde(
        rename = "RemoteStartTransactionWithoutConnectorIdFindFirst",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub remote_start_transaction_without_connector_id_find_first: Option<bool>,
    /// SwitchSecurityProfileConnectionTimeout, seconds.
    #[serde(
        rename = "SwitchSecurityProfileConnectionTimeout",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub switch_security_profile_connection_timeout: Option<u32>,
    /// ReportClearedErrors.
    #[serde(
        rename = "ReportClearedErrors",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub report_cleared_errors: Option<bool>,
    /// ReportSuspendedEVSEReasonChange.
    #[serde(rename = "ReportSuspendedEVSEReasonChange")]
    pub report_suspended_evse_reason_change: bool,
}
