//! The typed smaller sections: FirmwareManagement, Security, LocalAuthListManagement,
//! Reservation, SmartCharging, PnC and CostAndPrice.

use std::fmt;

use ocpp_types::charging_profile::ChargingRateUnit;
use serde::{Deserialize, Serialize};

use super::csl;

/// A secret (the AuthorizationKey) that debug output never shows.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl Secret {
    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The FirmwareManagement profile's keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirmwareManagement {
    /// SupportedFileTransferProtocols.
    #[serde(
        rename = "SupportedFileTransferProtocols",
        default,
        with = "csl::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub supported_file_transfer_protocols: Option<Vec<String>>,
}

/// The Security whitepaper's keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Security {
    /// AdditionalRootCertificateCheck.
    #[serde(
        rename = "AdditionalRootCertificateCheck",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub additional_root_certificate_check: Option<bool>,
    /// AuthorizationKey (decoded; never reported by GetConfiguration).
    #[serde(
        rename = "AuthorizationKey",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub authorization_key: Option<Secret>,
    /// CertificateSignedMaxChainSize, characters.
    #[serde(
        rename = "CertificateSignedMaxChainSize",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub certificate_signed_max_chain_size: Option<i32>,
    /// CertificateStoreMaxLength.
    #[serde(
        rename = "CertificateStoreMaxLength",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub certificate_store_max_length: Option<u32>,
    /// CpoName.
    #[serde(rename = "CpoName", default, skip_serializing_if = "Option::is_none")]
    pub cpo_name: Option<String>,
    /// SecurityProfile, 0 to 3.
    #[serde(rename = "SecurityProfile")]
    pub security_profile: u8,
    /// DisableSecurityEventNotifications.
    #[serde(rename = "DisableSecurityEventNotifications")]
    pub disable_security_event_notifications: bool,
}

/// The LocalAuthListManagement profile's keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalAuthListManagement {
    /// LocalAuthListEnabled.
    #[serde(rename = "LocalAuthListEnabled")]
    pub local_auth_list_enabled: bool,
    /// LocalAuthListMaxLength.
    #[serde(rename = "LocalAuthListMaxLength")]
    pub local_auth_list_max_length: u32,
    /// SendLocalListMaxLength.
    #[serde(rename = "SendLocalListMaxLength")]
    pub send_local_list_max_length: u32,
}

/// The Reservation profile's keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reservation {
    /// ReserveConnectorZeroSupported.
    #[serde(
        rename = "ReserveConnectorZeroSupported",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub reserve_connector_zero_supported: Option<bool>,
}

/// The SmartCharging profile's keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmartCharging {
    /// ChargeProfileMaxStackLevel.
    #[serde(rename = "ChargeProfileMaxStackLevel")]
    pub charge_profile_max_stack_level: u32,
    /// ChargingScheduleAllowedChargingRateUnit (Current is A, Power is W).
    #[serde(rename = "ChargingScheduleAllowedChargingRateUnit", with = "csl")]
    pub charging_schedule_allowed_charging_rate_unit: Vec<ChargingRateUnit>,
    /// ChargingScheduleMaxPeriods.
    #[serde(rename = "ChargingScheduleMaxPeriods")]
    pub charging_schedule_max_periods: u32,
    /// ConnectorSwitch3to1PhaseSupported.
    #[serde(
        rename = "ConnectorSwitch3to1PhaseSupported",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub connector_switch_3to1_phase_supported: Option<bool>,
    /// MaxChargingProfilesInstalled.
    #[serde(rename = "MaxChargingProfilesInstalled")]
    pub max_charging_profiles_installed: u32,
}

/// The Plug&Charge keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PnC {
    /// ISO15118CertificateManagementEnabled.
    #[serde(rename = "ISO15118CertificateManagementEnabled")]
    pub iso15118_certificate_management_enabled: bool,
    /// ISO15118PnCEnabled.
    #[serde(rename = "ISO15118PnCEnabled")]
    pub iso15118_pnc_enabled: bool,
    /// CentralContractValidationAllowed.
    #[serde(
        rename = "CentralContractValidationAllowed",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub central_contract_validation_allowed: Option<bool>,
    /// CertSigningWaitMinimum, seconds.
    #[serde(
        rename = "CertSigningWaitMinimum",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub cert_signing_wait_minimum: Option<u32>,
    /// CertSigningRepeatTimes.
    #[serde(
        rename = "CertSigningRepeatTimes",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub cert_signing_repeat_times: Option<u32>,
    /// ContractValidationOffline.
    #[serde(rename = "ContractValidationOffline")]
    pub contract_validation_offline: bool,
}

/// The California Pricing keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostAndPrice {
    /// CustomDisplayCostAndPrice.
    #[serde(rename = "CustomDisplayCostAndPrice")]
    pub custom_display_cost_and_price: bool,
    /// NumberOfDecimalsForCostValues.
    #[serde(
        rename = "NumberOfDecimalsForCostValues",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub number_of_decimals_for_cost_values: Option<i32>,
    /// DefaultPrice.
    #[serde(
        rename = "DefaultPrice",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub default_price: Option<DefaultPrice>,
    /// DefaultPriceText.
    #[serde(
        rename = "DefaultPriceText",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub default_price_text: Option<DefaultPriceText>,
    /// TimeOffset.
    #[serde(
        rename = "TimeOffset",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub time_offset: Option<String>,
    /// NextTimeOffsetTransitionDateTime.
    #[serde(
        rename = "NextTimeOffsetTransitionDateTime",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_time_offset_transition_date_time: Option<String>,
    /// TimeOffsetNextTransition.
    #[serde(
        rename = "TimeOffsetNextTransition",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub time_offset_next_transition: Option<String>,
    /// CustomIdleFeeAfterStop.
    #[serde(
        rename = "CustomIdleFeeAfterStop",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub custom_idle_fee_after_stop: Option<bool>,
    /// SupportedLanguages.
    #[serde(
        rename = "SupportedLanguages",
        default,
        with = "csl::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub supported_languages: Option<Vec<String>>,
    /// CustomMultiLanguageMessages.
    #[serde(
        rename = "CustomMultiLanguageMessages",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub custom_multi_language_messages: Option<bool>,
    /// Language.
    #[serde(rename = "Language", default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// WaitForSetUserPriceTimeout, milliseconds.
    #[serde(
        rename = "WaitForSetUserPriceTimeout",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub wait_for_set_user_price_timeout: Option<u32>,
}

/// The DefaultPrice object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DefaultPrice {
    /// Prices for sessions started offline.
    #[serde(
        rename = "chargingPrice",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub charging_price: Option<ChargingPrice>,
    /// Text shown for the price.
    #[serde(rename = "priceText")]
    pub price_text: String,
    /// Text shown while offline.
    #[serde(
        rename = "priceTextOffline",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub price_text_offline: Option<String>,
}

/// The price components of DefaultPrice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChargingPrice {
    /// Price per kWh.
    #[serde(rename = "kWhPrice", default, skip_serializing_if = "Option::is_none")]
    pub kwh_price: Option<f64>,
    /// Price per hour.
    #[serde(rename = "hourPrice", default, skip_serializing_if = "Option::is_none")]
    pub hour_price: Option<f64>,
    /// Flat fee per session.
    #[serde(rename = "flatFee", default, skip_serializing_if = "Option::is_none")]
    pub flat_fee: Option<f64>,
}

/// The DefaultPriceText object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DefaultPriceText {
    /// One text per language.
    #[serde(
        rename = "priceTexts",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub price_texts: Option<Vec<PriceText>>,
}

/// A price text in one language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceText {
    /// Text shown for the price.
    #[serde(rename = "priceText")]
    pub price_text: String,
    /// Text shown while offline.
    #[serde(
        rename = "priceTextOffline",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub price_text_offline: Option<String>,
    /// RFC 5646 language code.
    pub language: String,
}
