//! The 39 OCPP 1.6J actions: their names, feature profiles and initiators, the [`Request`] /
//! [`Response`] traits tying each request type to its action and response type, and the
//! [`AnyRequest`] / [`AnyResponse`] enums that decode a payload by action name.

use std::fmt;
use std::str::FromStr;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::PayloadError;
use crate::{
    core, decode, firmware, local_auth_list, remote_trigger, reservation, security, smart_charging,
};

/// A feature profile of OCPP 1.6 (§3), plus the Security whitepaper's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FeatureProfile {
    /// Basic charge point functionality.
    Core,
    /// Firmware update and diagnostics upload.
    FirmwareManagement,
    /// The local authorization list.
    LocalAuthListManagement,
    /// Reservations.
    Reservation,
    /// Charging profiles and composite schedules.
    SmartCharging,
    /// TriggerMessage.
    RemoteTrigger,
    /// The messages of the "Improved security for OCPP 1.6-J" whitepaper.
    Security,
}

impl FeatureProfile {
    /// The name used in SupportedFeatureProfiles.
    pub fn as_str(self) -> &'static str {
        match self {
            FeatureProfile::Core => "Core",
            FeatureProfile::FirmwareManagement => "FirmwareManagement",
            FeatureProfile::LocalAuthListManagement => "LocalAuthListManagement",
            FeatureProfile::Reservation => "Reservation",
            FeatureProfile::SmartCharging => "SmartCharging",
            FeatureProfile::RemoteTrigger => "RemoteTrigger",
            FeatureProfile::Security => "Security",
        }
    }
}

/// Which side sends the CALL of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Initiator {
    /// The charge point sends the request (BootNotification, MeterValues, ...).
    ChargePoint,
    /// The central system sends the request (Reset, SetChargingProfile, ...).
    CentralSystem,
    /// Either side may (DataTransfer).
    Both,
}

impl Initiator {
    /// Whether the charge point may receive this action's CALL.
    pub fn central_system_may_send(self) -> bool {
        matches!(self, Initiator::CentralSystem | Initiator::Both)
    }

    /// Whether the central system may receive this action's CALL.
    pub fn charge_point_may_send(self) -> bool {
        matches!(self, Initiator::ChargePoint | Initiator::Both)
    }
}

/// A request payload of one action.
pub trait Request: Serialize + DeserializeOwned + fmt::Debug + Clone + Send + 'static {
    /// The action this request belongs to.
    const ACTION: Action;
    /// The payload of the CALLRESULT that answers it.
    type Response: Response;
}

/// A response (CALLRESULT) payload.
pub trait Response: Serialize + DeserializeOwned + fmt::Debug + Clone + Send + 'static {}

/// An action name that is not one of OCPP 1.6J's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown OCPP 1.6 action {0:?}")]
pub struct UnknownAction(pub String);

macro_rules! actions {
    ($( $profile:ident { $( $name:ident => $module:ident :: $req:ident, $resp:ident, $init:ident; )* } )*) => {
        /// An OCPP 1.6J action (the name in a CALL).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $($(
                #[doc = concat!("`", stringify!($name), "` (", stringify!($profile), ")")]
                $name,
            )*)*
        }

        impl Action {
            /// Every action, grouped by feature profile.
            pub const ALL: &'static [Action] = &[$($(Action::$name,)*)*];

            /// The action name as it appears in a CALL.
            pub fn as_str(self) -> &'static str {
                match self { $($(Action::$name => stringify!($name),)*)* }
            }

            /// The feature profile that defines the action.
            pub fn profile(self) -> FeatureProfile {
                match self { $($(Action::$name => FeatureProfile::$profile,)*)* }
            }

            /// Which side sends the CALL.
            pub fn initiator(self) -> Initiator {
                match self { $($(Action::$name => Initiator::$init,)*)* }
            }
        }

        impl FromStr for Action {
            type Err = UnknownAction;
            /// Action names are matched exactly: OCPP-J action names are case-sensitive.
            fn from_str(s: &str) -> Result<Action, UnknownAction> {
                match s {
                    $($(stringify!($name) => Ok(Action::$name),)*)*
                    _ => Err(UnknownAction(s.to_owned())),
                }
            }
        }

        $($(
            impl Request for $module::$req {
                const ACTION: Action = Action::$name;
                type Response = $module::$resp;
            }
            impl Response for $module::$resp {}
        )*)*

        /// A decoded request of any action; match on it to handle each action in one place.
        #[derive(Debug, Clone)]
        #[allow(clippy::large_enum_variant)]
        pub enum AnyRequest {
            $($(
                #[doc = concat!("A `", stringify!($name), "` request.")]
                $name($module::$req),
            )*)*
        }

        impl AnyRequest {
            /// Decodes the payload of a CALL for `action`.
            pub fn decode(action: Action, payload: &serde_json::Value) -> Result<AnyRequest, PayloadError> {
                Ok(match action { $($(Action::$name => AnyRequest::$name(decode(payload)?),)*)* })
            }

            /// The action of this request.
            pub fn action(&self) -> Action {
                match self { $($(AnyRequest::$name(_) => Action::$name,)*)* }
            }

            /// The payload as JSON.
            pub fn to_json(&self) -> serde_json::Value {
                match self { $($(AnyRequest::$name(m) => crate::encode(m),)*)* }
            }
        }

        /// A decoded response of any action.
        #[derive(Debug, Clone)]
        #[allow(clippy::large_enum_variant)]
        pub enum AnyResponse {
            $($(
                #[doc = concat!("A `", stringify!($name), "` response.")]
                $name($module::$resp),
            )*)*
        }

        impl AnyResponse {
            /// Decodes the payload of a CALLRESULT answering a CALL of `action`.
            pub fn decode(action: Action, payload: &serde_json::Value) -> Result<AnyResponse, PayloadError> {
                Ok(match action { $($(Action::$name => AnyResponse::$name(decode(payload)?),)*)* })
            }

            /// The action this response answers.
            pub fn action(&self) -> Action {
                match self { $($(AnyResponse::$name(_) => Action::$name,)*)* }
            }

            /// The payload as JSON.
            pub fn to_json(&self) -> serde_json::Value {
                match self { $($(AnyResponse::$name(m) => crate::encode(m),)*)* }
            }
        }
    };
}

actions! {
    Core {
        Authorize => core::AuthorizeRequest, AuthorizeResponse, ChargePoint;
        BootNotification => core::BootNotificationRequest, BootNotificationResponse, ChargePoint;
        ChangeAvailability => core::ChangeAvailabilityRequest, ChangeAvailabilityResponse, CentralSystem;
        ChangeConfiguration => core::ChangeConfigurationRequest, ChangeConfigurationResponse, CentralSystem;
        ClearCache => core::ClearCacheRequest, ClearCacheResponse, CentralSystem;
        DataTransfer => core::DataTransferRequest, DataTransferResponse, Both;
        GetConfiguration => core::GetConfigurationRequest, GetConfigurationResponse, CentralSystem;
        Heartbeat => core::HeartbeatRequest, HeartbeatResponse, ChargePoint;
        MeterValues => core::MeterValuesRequest, MeterValuesResponse, ChargePoint;
        RemoteStartTransaction => core::RemoteStartTransactionRequest, RemoteStartTransactionResponse, CentralSystem;
        RemoteStopTransaction => core::RemoteStopTransactionRequest, RemoteStopTransactionResponse, CentralSystem;
        Reset => core::ResetRequest, ResetResponse, CentralSystem;
        StartTransaction => core::StartTransactionRequest, StartTransactionResponse, ChargePoint;
        StatusNotification => core::StatusNotificationRequest, StatusNotificationResponse, ChargePoint;
        StopTransaction => core::StopTransactionRequest, StopTransactionResponse, ChargePoint;
        UnlockConnector => core::UnlockConnectorRequest, UnlockConnectorResponse, CentralSystem;
    }
    FirmwareManagement {
        GetDiagnostics => firmware::GetDiagnosticsRequest, GetDiagnosticsResponse, CentralSystem;
        DiagnosticsStatusNotification => firmware::DiagnosticsStatusNotificationRequest, DiagnosticsStatusNotificationResponse, ChargePoint;
        FirmwareStatusNotification => firmware::FirmwareStatusNotificationRequest, FirmwareStatusNotificationResponse, ChargePoint;
        UpdateFirmware => firmware::UpdateFirmwareRequest, UpdateFirmwareResponse, CentralSystem;
    }
    LocalAuthListManagement {
        GetLocalListVersion => local_auth_list::GetLocalListVersionRequest, GetLocalListVersionResponse, CentralSystem;
        SendLocalList => local_auth_list::SendLocalListRequest, SendLocalListResponse, CentralSystem;
    }
    Reservation {
        CancelReservation => reservation::CancelReservationRequest, CancelReservationResponse, CentralSystem;
        ReserveNow => reservation::ReserveNowRequest, ReserveNowResponse, CentralSystem;
    }
    SmartCharging {
        ClearChargingProfile => smart_charging::ClearChargingProfileRequest, ClearChargingProfileResponse, CentralSystem;
        GetCompositeSchedule => smart_charging::GetCompositeScheduleRequest, GetCompositeScheduleResponse, CentralSystem;
        SetChargingProfile => smart_charging::SetChargingProfileRequest, SetChargingProfileResponse, CentralSystem;
    }
    RemoteTrigger {
        TriggerMessage => remote_trigger::TriggerMessageRequest, TriggerMessageResponse, CentralSystem;
    }
    Security {
        CertificateSigned => security::CertificateSignedRequest, CertificateSignedResponse, CentralSystem;
        DeleteCertificate => security::DeleteCertificateRequest, DeleteCertificateResponse, CentralSystem;
        ExtendedTriggerMessage => security::ExtendedTriggerMessageRequest, ExtendedTriggerMessageResponse, CentralSystem;
        GetInstalledCertificateIds => security::GetInstalledCertificateIdsRequest, GetInstalledCertificateIdsResponse, CentralSystem;
        GetLog => security::GetLogRequest, GetLogResponse, CentralSystem;
        InstallCertificate => security::InstallCertificateRequest, InstallCertificateResponse, CentralSystem;
        LogStatusNotification => security::LogStatusNotificationRequest, LogStatusNotificationResponse, ChargePoint;
        SecurityEventNotification => security::SecurityEventNotificationRequest, SecurityEventNotificationResponse, ChargePoint;
        SignCertificate => security::SignCertificateRequest, SignCertificateResponse, ChargePoint;
        SignedFirmwareStatusNotification => security::SignedFirmwareStatusNotificationRequest, SignedFirmwareStatusNotificationResponse, ChargePoint;
        SignedUpdateFirmware => security::SignedUpdateFirmwareRequest, SignedUpdateFirmwareResponse, CentralSystem;
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_nine_actions_in_their_profiles() {
        assert_eq!(Action::ALL.len(), 39);
        let count = |p| Action::ALL.iter().filter(|a| a.profile() == p).count();
        assert_eq!(count(FeatureProfile::Core), 16);
        assert_eq!(count(FeatureProfile::FirmwareManagement), 4);
        assert_eq!(count(FeatureProfile::LocalAuthListManagement), 2);
        assert_eq!(count(FeatureProfile::Reservation), 2);
        assert_eq!(count(FeatureProfile::SmartCharging), 3);
        assert_eq!(count(FeatureProfile::RemoteTrigger), 1);
        assert_eq!(count(FeatureProfile::Security), 11);
        for a in Action::ALL {
            assert_eq!(a.as_str().parse::<Action>(), Ok(*a));
        }
        assert!(
            "heartbeat".parse::<Action>().is_err(),
            "names are case-sensitive"
        );
    }
}
