//! The typed Core section (OCPP 1.6 §9.1; config/profile_schemas/Core.json).

use ocpp_types::meter::Measurand;
use serde::{Deserialize, Serialize};

use super::csl;
use crate::config::section::ProfileName;

/// The Core profile's keys. Intervals and timeouts are in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Core {
    /// AllowOfflineTxForUnknownId (absent: not supported).
    #[serde(
        rename = "AllowOfflineTxForUnknownId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub allow_offline_tx_for_unknown_id: Option<bool>,
    /// AuthorizationCacheEnabled (absent: no cache).
    #[serde(
        rename = "AuthorizationCacheEnabled",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub authorization_cache_enabled: Option<bool>,
    /// AuthorizeRemoteTxRequests.
    #[serde(rename = "AuthorizeRemoteTxRequests")]
    pub authorize_remote_tx_requests: bool,
    /// BlinkRepeat.
    #[serde(
        rename = "BlinkRepeat",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub blink_repeat: Option<u32>,
    /// ClockAlignedDataInterval; 0 is off.
    #[serde(rename = "ClockAlignedDataInterval")]
    pub clock_aligned_data_interval: u32,
    /// ConnectionTimeOut.
    #[serde(rename = "ConnectionTimeOut")]
    pub connection_time_out: u32,
    /// ConnectorPhaseRotation, by member.
    #[serde(rename = "ConnectorPhaseRotation", with = "csl")]
    pub connector_phase_rotation: Vec<String>,
    /// ConnectorPhaseRotationMaxLength.
    #[serde(
        rename = "ConnectorPhaseRotationMaxLength",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub connector_phase_rotation_max_length: Option<u32>,
    /// GetConfigurationMaxKeys.
    #[serde(rename = "GetConfigurationMaxKeys")]
    pub get_configuration_max_keys: u32,
    /// HeartbeatInterval.
    #[serde(rename = "HeartbeatInterval")]
    pub heartbeat_interval: u32,
    /// LightIntensity, percent.
    #[serde(
        rename = "LightIntensity",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub light_intensity: Option<u32>,
    /// LocalAuthorizeOffline.
    #[serde(rename = "LocalAuthorizeOffline")]
    pub local_authorize_offline: bool,
    /// LocalPreAuthorize.
    #[serde(rename = "LocalPreAuthorize")]
    pub local_pre_authorize: bool,
    /// MaxEnergyOnInvalidId, Wh.
    #[serde(
        rename = "MaxEnergyOnInvalidId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub max_energy_on_invalid_id: Option<u32>,
    /// MeterValuesAlignedData.
    #[serde(rename = "MeterValuesAlignedData", with = "csl")]
    pub meter_values_aligned_data: Vec<Measurand>,
    /// MeterValuesAlignedDataMaxLength.
    #[serde(
        rename = "MeterValuesAlignedDataMaxLength",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub meter_values_aligned_data_max_length: Option<u32>,
    /// MeterValuesSampledData.
    #[serde(rename = "MeterValuesSampledData", with = "csl")]
    pub meter_values_sampled_data: Vec<Measurand>,
    /// MeterValuesSampledDataMaxLength.
    #[serde(
        rename = "MeterValuesSampledDataMaxLength",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub meter_values_sampled_data_max_length: Option<u32>,
    /// MeterValueSampleInterval; 0 is off.
    #[serde(rename = "MeterValueSampleInterval")]
    pub meter_value_sample_interval: u32,
    /// MinimumStatusDuration.
    #[serde(
        rename = "MinimumStatusDuration",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub minimum_status_duration: Option<u32>,
    /// NumberOfConnectors.
    #[serde(rename = "NumberOfConnectors")]
    pub number_of_connectors: u32,
    /// ResetRetries.
    #[serde(rename = "ResetRetries")]
    pub reset_retries: u32,
    /// StopTransactionOnEVSideDisconnect.
    #[serde(
        rename = "StopTransactionOnEVSideDisconnect",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub stop_transaction_on_ev_side_disconnect: Option<bool>,
    /// StopTransactionOnInvalidId.
    #[serde(rename = "StopTransactionOnInvalidId")]
    pub stop_transaction_on_invalid_id: bool,
    /// StopTxnAlignedData.
    #[serde(rename = "StopTxnAlignedData", with = "csl")]
    pub stop_txn_aligned_data: Vec<Measurand>,
    /// StopTxnAlignedDataMaxLength.
    #[serde(
        rename = "StopTxnAlignedDataMaxLength",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub stop_txn_aligned_data_max_length: Option<u32>,
    /// StopTxnSampledData.
    #[serde(rename = "StopTxnSampledData", with = "csl")]
    pub stop_txn_sampled_data: Vec<Measurand>,
    /// StopTxnSampledDataMaxLength.
    #[serde(
        rename = "StopTxnSampledDataMaxLength",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub stop_txn_sampled_data_max_length: Option<u32>,
    /// SupportedFeatureProfiles.
    #[serde(rename = "SupportedFeatureProfiles", with = "csl")]
    pub supported_feature_profiles: Vec<ProfileName>,
    /// SupportedFeatureProfilesMaxLength.
    #[serde(
        rename = "SupportedFeatureProfilesMaxLength",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub supported_feature_profiles_max_length: Option<u32>,
    /// TransactionMessageAttempts.
    #[serde(rename = "TransactionMessageAttempts")]
    pub transaction_message_attempts: u32,
    /// TransactionMessageRetryInterval.
    #[serde(rename = "TransactionMessageRetryInterval")]
    pub transaction_message_retry_interval: u32,
    /// UnlockConnectorOnEVSideDisconnect.
    #[serde(rename = "UnlockConnectorOnEVSideDisconnect")]
    pub unlock_connector_on_ev_side_disconnect: bool,
    /// WebSocketPingInterval; 0 is off (absent: no pings configured).
    #[serde(
        rename = "WebSocketPingInterval",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub web_socket_ping_interval: Option<u32>,
}

impl Core {
    /// Whether SupportedFeatureProfiles lists `profile`.
    pub fn supports(&self, profile: ProfileName) -> bool {
        self.supported_feature_profiles.contains(&profile)
    }
}
