//! The 11 actions of the OCA white paper "Improved security for OCPP 1.6-J" (edition 3), taken
//! from OCPP 2.0.1 and, where their names clash with OCPP 1.6, renamed (ExtendedTriggerMessage,
//! SignedUpdateFirmware, SignedFirmwareStatusNotification).
//!
//! - Certificate management: [`CertificateSignedRequest`], [`DeleteCertificateRequest`],
//!   [`GetInstalledCertificateIdsRequest`], [`InstallCertificateRequest`],
//!   [`SignCertificateRequest`].
//! - Logging: [`GetLogRequest`], [`LogStatusNotificationRequest`],
//!   [`SecurityEventNotificationRequest`].
//! - Secure firmware update: [`SignedUpdateFirmwareRequest`],
//!   [`SignedFirmwareStatusNotificationRequest`].
//! - [`ExtendedTriggerMessageRequest`], whose answer reuses
//!   [`crate::remote_trigger::TriggerMessageStatus`].
//! - [`decode_hex_notation`]: the AuthorizationKey as a ChangeConfiguration carries it.
//!
//! Unlike OCPP 1.6's CiStrings, most strings of the white paper are plain `string[N]`: they are
//! [`BoundedString`](crate::BoundedString)s, compared exactly. Only the hashes and serial number
//! of [`CertificateHashData`] are case-insensitive (hexadecimal), as edition 3 corrected them to.

mod authorization_key;
mod certificates;
mod firmware;
mod logging;
mod trigger;

pub use authorization_key::decode_hex_notation;
pub use certificates::{
    CertificateHashData, CertificateSignedRequest, CertificateSignedResponse,
    CertificateSignedStatus, CertificateUse, DeleteCertificateRequest, DeleteCertificateResponse,
    DeleteCertificateStatus, GenericStatus, GetInstalledCertificateIdsRequest,
    GetInstalledCertificateIdsResponse, GetInstalledCertificateStatus, HashAlgorithm,
    InstallCertificateRequest, InstallCertificateResponse, InstallCertificateStatus,
    SignCertificateRequest, SignCertificateResponse,
};
pub use firmware::{
    Firmware, SignedFirmwareStatus, SignedFirmwareStatusNotificationRequest,
    SignedFirmwareStatusNotificationResponse, SignedUpdateFirmwareRequest,
    SignedUpdateFirmwareResponse, UpdateFirmwareStatus,
};
pub use logging::{
    GetLogRequest, GetLogResponse, LogParameters, LogStatus, LogStatusNotificationRequest,
    LogStatusNotificationResponse, LogType, SecurityEventNotificationRequest,
    SecurityEventNotificationResponse, UploadLogStatus,
};
pub use trigger::{
    ExtendedMessageTrigger, ExtendedTriggerMessageRequest, ExtendedTriggerMessageResponse,
};

/// Decoding helpers shared by the tests of the submodules.
#[cfg(test)]
mod test_util {
    pub(super) use crate::test_util::{ok, refused as err};
}
