//! Plug&Charge for OCPP 1.6 ("Using ISO 15118 Plug & Charge with OCPP 1.6", OCA whitepaper):
//! the ISO 15118 certificate and authorization messages of OCPP 2.0.1, carried in DataTransfer.
//!
//! Every message travels as `DataTransfer.req` with vendorId [`VENDOR_ID`]
//! (`org.openchargealliance.iso15118pnc`), messageId the message name ([`PncMessageId`]) and
//! `data` the OCPP 2.0.1 request serialized to a JSON *string*; the answer is
//! `DataTransfer.conf(Accepted)` with the 2.0.1 response as JSON text in its `data`.
//!
//! | messageId                    | sent by        | request / response types |
//! |------------------------------|----------------|--------------------------|
//! | `Authorize`                  | charge point   | [`PncAuthorizeRequest`] / [`PncAuthorizeResponse`] |
//! | `GetCertificateStatus`       | charge point   | [`GetCertificateStatusRequest`] / [`GetCertificateStatusResponse`] |
//! | `Get15118EVCertificate`      | charge point   | [`Get15118EVCertificateRequest`] / [`Get15118EVCertificateResponse`] |
//! | `SignCertificate`            | charge point   | [`PncSignCertificateRequest`] / [`PncSignCertificateResponse`] |
//! | `CertificateSigned`          | central system | [`PncCertificateSignedRequest`] / [`PncCertificateSignedResponse`] |
//! | `InstallCertificate`         | central system | [`PncInstallCertificateRequest`] / [`PncInstallCertificateResponse`] |
//! | `DeleteCertificate`          | central system | [`PncDeleteCertificateRequest`] / [`PncDeleteCertificateResponse`] |
//! | `GetInstalledCertificateIds` | central system | [`PncGetInstalledCertificateIdsRequest`] / [`PncGetInstalledCertificateIdsResponse`] |
//! | `TriggerMessage`             | central system | [`PncTriggerMessageRequest`] / [`PncTriggerMessageResponse`] |
//!
//! The payloads match the official OCPP 2.0.1 JSON schemas exactly, as libocpp uses its v2 types
//! for them: property names, required fields, `maxLength`, enum spellings, `minItems` /
//! `maxItems`, and an optional `customData` on every object ([`CustomData`]: a `vendorId` plus
//! any other properties, kept as received). Every object other than customData refuses unknown
//! properties, as the schemas' `additionalProperties: false` does. OCPP 2.0.1 strings are
//! case-sensitive ([`crate::BoundedString`]) except where the schema calls them case-insensitive
//! identifiers (`idToken`, `additionalIdToken`, `reasonCode`: [`crate::CiString`]).
//!
//! Types with a namesake in OCPP 1.6 or its Security whitepaper carry a `Pnc` prefix; the others
//! are named after their 2.0.1 schema (`javaType`) names.
//!
//! Wrapping and unwrapping is shared with California Pricing, see
//! [`crate::data_transfer_payload`]: every request type implements
//! [`DataTransferMessage`] (`to_data_transfer`, `from_data_transfer`) and [`PncRequest`], every
//! response type [`DataTransferReply`]; [`AnyPncRequest`] decodes whichever message a
//! DataTransfer carries.

mod common;
mod messages;
#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

pub use common::{
    AdditionalInfo, AuthorizationStatusEnum, BoundedVec, CustomData, HashAlgorithm, IdTokenEnum,
    IdTokenInfo, MessageContent, MessageFormatEnum, OccurrenceError, OcspRequestData,
    PncCertificateHashData, PncIdToken, StatusInfo,
};
pub use messages::{
    AuthorizeCertificateStatusEnum, CertificateActionEnum, CertificateHashDataChain,
    CertificateSignedStatusEnum, CertificateSigningUseEnum, DeleteCertificateStatusEnum, Evse,
    GenericStatusEnum, Get15118EVCertificateRequest, Get15118EVCertificateResponse,
    GetCertificateIdUseEnum, GetCertificateStatusEnum, GetCertificateStatusRequest,
    GetCertificateStatusResponse, GetInstalledCertificateStatusEnum, InstallCertificateStatusEnum,
    InstallCertificateUseEnum, Iso15118EVCertificateStatusEnum, MessageTriggerEnum,
    PncAuthorizeRequest, PncAuthorizeResponse, PncCertificateSignedRequest,
    PncCertificateSignedResponse, PncDeleteCertificateRequest, PncDeleteCertificateResponse,
    PncGetInstalledCertificateIdsRequest, PncGetInstalledCertificateIdsResponse,
    PncInstallCertificateRequest, PncInstallCertificateResponse, PncSignCertificateRequest,
    PncSignCertificateResponse, PncTriggerMessageRequest, PncTriggerMessageResponse,
    TriggerMessageStatusEnum,
};

use crate::core::{DataTransferRequest, DataTransferResponse};
use crate::data_transfer_payload::{
    check_vendor_id, decode_data, unwrap_response, DataTransferMessage, DataTransferReply,
    UnwrapError,
};
use crate::{decode, PayloadError};

/// The vendorId of Plug&Charge DataTransfer messages.
pub const VENDOR_ID: &str = "org.openchargealliance.iso15118pnc";

/// A messageId that is not one of the nine Plug&Charge messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Plug&Charge messageId {0:?}")]
pub struct UnknownPncMessageId(pub String);

/// A Plug&Charge request type: its message and the type of its response.
pub trait PncRequest: DataTransferMessage {
    /// The message.
    const MESSAGE: PncMessageId;
    /// The response that answers it.
    type Response: DataTransferReply;
}

macro_rules! pnc_messages {
    ($( $name:ident => $req:ident, $resp:ident, $by_cp:literal; )*) => {
        /// The messageId of a Plug&Charge DataTransfer: the name of the OCPP 2.0.1 message.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum PncMessageId {
            $(
                #[doc = concat!("`", stringify!($name), "`")]
                $name,
            )*
        }

        impl PncMessageId {
            /// All nine.
            pub const ALL: [PncMessageId; 9] = [$(PncMessageId::$name,)*];

            /// The messageId as sent.
            pub fn as_str(self) -> &'static str {
                match self { $(PncMessageId::$name => stringify!($name),)* }
            }

            /// Whether the charge point sends the request (the central system otherwise).
            pub fn sent_by_charge_point(self) -> bool {
                match self { $(PncMessageId::$name => $by_cp,)* }
            }
        }

        $(
            impl DataTransferMessage for $req {
                const VENDOR_ID: &'static str = VENDOR_ID;
                const MESSAGE_ID: &'static str = stringify!($name);
            }
            impl PncRequest for $req {
                const MESSAGE: PncMessageId = PncMessageId::$name;
                type Response = $resp;
            }
            impl DataTransferReply for $resp {}
        )*

        /// A decoded Plug&Charge request of any message.
        #[derive(Debug, Clone, PartialEq)]
        #[allow(clippy::large_enum_variant)]
        pub enum AnyPncRequest {
            $(
                #[doc = concat!("A `", stringify!($name), "` request.")]
                $name($req),
            )*
        }

        impl AnyPncRequest {
            /// Decodes the (already parsed) `data` of a DataTransfer with messageId `id`.
            pub fn decode(id: PncMessageId, payload: &serde_json::Value) -> Result<Self, PayloadError> {
                Ok(match id { $(PncMessageId::$name => AnyPncRequest::$name(decode(payload)?),)* })
            }

            /// Decodes `data` given as the JSON text of the DataTransfer.
            pub fn decode_data(id: PncMessageId, data: Option<&str>) -> Result<Self, PayloadError> {
                Ok(match id { $(PncMessageId::$name => AnyPncRequest::$name(decode_data(data)?),)* })
            }

            /// The message.
            pub fn message_id(&self) -> PncMessageId {
                match self { $(AnyPncRequest::$name(_) => PncMessageId::$name,)* }
            }

            /// The payload as JSON.
            pub fn to_json(&self) -> serde_json::Value {
                match self { $(AnyPncRequest::$name(m) => crate::encode(m),)* }
            }

            /// Wraps the request into a DataTransfer.
            pub fn to_data_transfer(&self) -> DataTransferRequest {
                match self { $(AnyPncRequest::$name(m) => m.to_data_transfer(),)* }
            }
        }

        /// A decoded Plug&Charge response of any message.
        #[derive(Debug, Clone, PartialEq)]
        #[allow(clippy::large_enum_variant)]
        pub enum AnyPncResponse {
            $(
                #[doc = concat!("A `", stringify!($name), "` response.")]
                $name($resp),
            )*
        }

        impl AnyPncResponse {
            /// Decodes the (already parsed) `data` of a DataTransfer.conf answering `id`.
            pub fn decode(id: PncMessageId, payload: &serde_json::Value) -> Result<Self, PayloadError> {
                Ok(match id { $(PncMessageId::$name => AnyPncResponse::$name(decode(payload)?),)* })
            }

            /// Takes the response to a request `id` out of a DataTransfer.conf (which must be
            /// `Accepted`).
            pub fn from_data_transfer_response(
                id: PncMessageId,
                response: &DataTransferResponse,
            ) -> Result<Self, UnwrapError> {
                Ok(match id {
                    $(PncMessageId::$name => AnyPncResponse::$name(unwrap_response(response)?),)*
                })
            }

            /// The message it answers.
            pub fn message_id(&self) -> PncMessageId {
                match self { $(AnyPncResponse::$name(_) => PncMessageId::$name,)* }
            }

            /// The payload as JSON.
            pub fn to_json(&self) -> serde_json::Value {
                match self { $(AnyPncResponse::$name(m) => crate::encode(m),)* }
            }

            /// Wraps the response into an `Accepted` DataTransfer.conf.
            pub fn to_data_transfer_response(&self) -> DataTransferResponse {
                match self { $(AnyPncResponse::$name(m) => m.to_data_transfer_response(),)* }
            }
        }
    };
}

pnc_messages! {
    Authorize => PncAuthorizeRequest, PncAuthorizeResponse, true;
    GetCertificateStatus => GetCertificateStatusRequest, GetCertificateStatusResponse, true;
    Get15118EVCertificate => Get15118EVCertificateRequest, Get15118EVCertificateResponse, true;
    SignCertificate => PncSignCertificateRequest, PncSignCertificateResponse, true;
    CertificateSigned => PncCertificateSignedRequest, PncCertificateSignedResponse, false;
    InstallCertificate => PncInstallCertificateRequest, PncInstallCertificateResponse, false;
    DeleteCertificate => PncDeleteCertificateRequest, PncDeleteCertificateResponse, false;
    GetInstalledCertificateIds => PncGetInstalledCertificateIdsRequest, PncGetInstalledCertificateIdsResponse, false;
    TriggerMessage => PncTriggerMessageRequest, PncTriggerMessageResponse, false;
}

impl FromStr for PncMessageId {
    type Err = UnknownPncMessageId;
    /// Matches ignoring ASCII case: the messageId of a DataTransfer is a CiString50.
    fn from_str(s: &str) -> Result<PncMessageId, UnknownPncMessageId> {
        PncMessageId::ALL
            .into_iter()
            .find(|id| id.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownPncMessageId(s.to_owned()))
    }
}

impl fmt::Display for PncMessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AnyPncRequest {
    /// Takes whichever Plug&Charge request a DataTransfer carries out of it: vendorId must be
    /// [`VENDOR_ID`], messageId one of [`PncMessageId`] and `data` that message.
    pub fn from_data_transfer(request: &DataTransferRequest) -> Result<Self, UnwrapError> {
        check_vendor_id(VENDOR_ID, request)?;
        let id = request
            .message_id
            .as_ref()
            .and_then(|id| id.as_str().parse::<PncMessageId>().ok())
            .ok_or_else(|| UnwrapError::UnknownMessageId {
                vendor_id: VENDOR_ID,
                expected: "one of the nine Plug&Charge messages",
                found: request.message_id.as_ref().map(|id| id.as_str().to_owned()),
            })?;
        Ok(AnyPncRequest::decode_data(id, request.data.as_deref())?)
    }
}
