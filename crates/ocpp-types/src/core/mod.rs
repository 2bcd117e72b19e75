//! The 16 actions of the Core feature profile (OCPP 1.6 §4, §5 and §6): booting, authorizing,
//! transactions and meter values, connector status and availability, configuration, reset,
//! unlocking and vendor-specific data transfer.
//!
//! The types live in submodules by topic and are all re-exported here, so every type's path is
//! `crate::core::<Name>` (e.g. [`StartTransactionRequest`]).

mod boot;
mod configuration;
mod connector;
mod data_transfer;
mod transactions;

pub use boot::{
    BootNotificationRequest, BootNotificationResponse, HeartbeatRequest, HeartbeatResponse,
    RegistrationStatus, ResetRequest, ResetResponse, ResetStatus, ResetType,
};
pub use configuration::{
    ChangeConfigurationRequest, ChangeConfigurationResponse, ClearCacheRequest, ClearCacheResponse,
    ClearCacheStatus, ConfigurationStatus, GetConfigurationRequest, GetConfigurationResponse,
    KeyValue,
};
pub use connector::{
    AvailabilityStatus, AvailabilityType, ChangeAvailabilityRequest, ChangeAvailabilityResponse,
    ChargePointErrorCode, ChargePointStatus, StatusNotificationRequest, StatusNotificationResponse,
    UnlockConnectorRequest, UnlockConnectorResponse, UnlockStatus,
};
pub use data_transfer::{DataTransferRequest, DataTransferResponse, DataTransferStatus};
pub use transactions::{
    AuthorizeRequest, AuthorizeResponse, MeterValuesRequest, MeterValuesResponse, Reason,
    RemoteStartStopStatus, RemoteStartTransactionRequest, RemoteStartTransactionResponse,
    RemoteStopTransactionRequest, RemoteStopTransactionResponse, StartTransactionRequest,
    StartTransactionResponse, StopTransactionRequest, StopTransactionResponse,
};

/// Helpers shared by the unit tests of the Core messages.
#[cfg(test)]
mod test_util {
    use std::fmt::Debug;

    use serde::de::DeserializeOwned;

    use crate::{decode_str, CallErrorCode, Violation};

    pub(super) use crate::test_util::{ok, round_trip};

    /// Decodes `json`, which must be refused with `violation` and CALLERROR `code` at `path`.
    pub(super) fn refused<T>(json: &str, violation: Violation, code: CallErrorCode, path: &str)
    where
        T: DeserializeOwned + Debug,
    {
        let err = match decode_str::<T>(json) {
            Ok(v) => panic!("{json} was accepted as {v:?}"),
            Err(e) => e,
        };
        assert_eq!(err.violation, violation, "{json}: {err}");
        assert_eq!(err.code, code, "{json}: {err}");
        assert_eq!(err.path, path, "{json}: {err}");
    }
}
