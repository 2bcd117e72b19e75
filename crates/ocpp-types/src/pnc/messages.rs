//! The nine ISO 15118 messages of Plug&Charge for OCPP 1.6, requests and responses, exactly as
//! the OCPP 2.0.1 schemas define them.

use serde::{Deserialize, Serialize};

use super::common::{
    BoundedVec, CustomData, IdTokenInfo, OcspRequestData, PncCertificateHashData, PncIdToken,
    StatusInfo,
};
use crate::{BoundedString, NonEmptyVec};

// ---------------------------------------------------------------------------------------------
// Authorize (charge point → CSMS)

/// `AuthorizeCertificateStatusEnumType`: the CSMS's verdict on the contract certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuthorizeCertificateStatusEnum {
    /// Every certificate is valid.
    Accepted,
    /// A signature does not verify.
    SignatureError,
    /// A certificate has expired.
    CertificateExpired,
    /// A certificate has been revoked.
    CertificateRevoked,
    /// The CSMS has no certificate to check against.
    NoCertificateAvailable,
    /// The chain is broken.
    CertChainError,
    /// The contract has been cancelled.
    ContractCancelled,
}

/// AuthorizeRequest (Plug&Charge): the charge point asks the CSMS to authorize the contract
/// (eMAID) of an EV, with the contract certificate or the OCSP data of its chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PncAuthorizeRequest {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// The identifier to authorize (for Plug&Charge, the eMAID).
    pub id_token: PncIdToken,
    /// The contract certificate the EV presented, PEM (at most 5500 characters); sent when the
    /// charge point cannot check it itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<BoundedString<5500>>,
    /// OCSP data of the certificates of the contract chain (1 to 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iso15118_certificate_hash_data: Option<BoundedVec<OcspRequestData, 4>>,
}

/// AuthorizeResponse (Plug&Charge): the verdict on the idToken and on the certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PncAuthorizeResponse {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// The verdict on the idToken.
    pub id_token_info: IdTokenInfo,
    /// The verdict on the certificate (when one was sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_status: Option<AuthorizeCertificateStatusEnum>,
}

// ---------------------------------------------------------------------------------------------
// GetCertificateStatus (charge point → CSMS)

/// `GetCertificateStatusEnumType`: whether the CSMS obtained the OCSP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GetCertificateStatusEnum {
    /// `ocspResult` holds the OCSP response.
    Accepted,
    /// The status could not be obtained.
    Failed,
}

/// GetCertificateStatusRequest: the charge point asks the CSMS for the OCSP status of a
/// certificate (of its own V2G chain), to staple it in the ISO 15118 handshake.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetCertificateStatusRequest {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// The certificate to ask about.
    pub ocsp_request_data: OcspRequestData,
}

/// GetCertificateStatusResponse: the OCSP response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetCertificateStatusResponse {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// Whether the status was obtained.
    pub status: GetCertificateStatusEnum,
    /// More about the status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_info: Option<StatusInfo>,
    /// The DER OCSPResponse (RFC 6960), base64 (at most 5500 characters); may only be absent
    /// when the status is not Accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocsp_result: Option<BoundedString<5500>>,
}

// ---------------------------------------------------------------------------------------------
// Get15118EVCertificate (charge point → CSMS)

/// `CertificateActionEnumType`: whether the EV wants a contract certificate installed or updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CertificateActionEnum {
    /// CertificateInstallationReq.
    Install,
    /// CertificateUpdateReq.
    Update,
}

/// `Iso15118EVCertificateStatusEnumType`: whether the CSMS processed the EV's request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Iso15118EVCertificateStatusEnum {
    /// `exiResponse` holds the answer for the EV.
    Accepted,
    /// The request could not be processed.
    Failed,
}

/// Get15118EVCertificateRequest: the charge point forwards the EV's EXI-encoded
/// CertificateInstallationReq / CertificateUpdateReq to the CSMS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Get15118EVCertificateRequest {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// The ISO 15118 schema version of the session, needed to parse the EXI stream (at most 50
    /// characters).
    pub iso15118_schema_version: BoundedString<50>,
    /// Install or update.
    pub action: CertificateActionEnum,
    /// The raw request of the EV, base64 (at most 5600 characters).
    pub exi_request: BoundedString<5600>,
}

/// Get15118EVCertificateResponse: the EXI-encoded answer for the EV.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Get15118EVCertificateResponse {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// Whether the request was processed.
    pub status: Iso15118EVCertificateStatusEnum,
    /// More about the status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_info: Option<StatusInfo>,
    /// The raw response for the EV, base64 (at most 7500 characters).
    pub exi_response: BoundedString<7500>,
}

// ---------------------------------------------------------------------------------------------
// SignCertificate (charge point → CSMS) and CertificateSigned (CSMS → charge point)

/// `CertificateSigningUseEnumType`: which certificate a CSR / signed chain is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CertificateSigningUseEnum {
    /// The certificate for the connection to the CSMS.
    ChargingStationCertificate,
    /// The SECC certificate for ISO 15118 (the one Plug&Charge over 1.6 is about).
    V2GCertificate,
}

/// `GenericStatusEnumType`: whether the CSMS will process a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GenericStatusEnum {
    /// It will.
    Accepted,
    /// It will not.
    Rejected,
}

/// SignCertificateRequest (Plug&Charge): the charge point sends a CSR for its V2G (SECC)
/// certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PncSignCertificateRequest {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// The PKCS#10 certificate signing request, PEM (at most 5500 characters).
    pub csr: BoundedString<5500>,
    /// The certificate it is for; absent means both uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_type: Option<CertificateSigningUseEnum>,
}

impl PncSignCertificateRequest {
    /// A CSR for the V2G certificate, as libocpp sends it over 1.6.
    pub fn v2g(csr: BoundedString<5500>) -> Self {
        PncSignCertificateRequest {
            custom_data: None,
            csr,
            certificate_type: Some(CertificateSigningUseEnum::V2GCertificate),
        }
    }
}

/// SignCertificateResponse (Plug&Charge): whether the CSMS will have the CSR signed (the chain
/// follows in a CertificateSigned).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PncSignCertificateResponse {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// Whether the CSR is accepted for signing.
    pub status: GenericStatusEnum,
    /// More about the status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_info: Option<StatusInfo>,
}

/// `CertificateSignedStatusEnumType`: whether the charge point accepted a signed chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CertificateSignedStatusEnum {
    /// Installed.
    Accepted,
    /// Refused (invalid, wrong type, chain too long, ...).
    Rejected,
}

/// CertificateSignedRequest (Plug&Charge): the CSMS sends the signed V2G certificate chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PncCertificateSignedRequest {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// The signed certificate, PEM, possibly followed by its sub-CA certificates from the leaf
    /// up (at most 10000 characters).
    pub certificate_chain: BoundedString<10000>,
    /// The certificate it is; over 1.6 only `V2GCertificate` is meaningful (libocpp rejects any
    /// other value with status Rejected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_type: Option<CertificateSigningUseEnum>,
}

/// CertificateSignedResponse (Plug&Charge): whether the chain was installed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PncCertificateSignedResponse {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// The outcome.
    pub status: CertificateSignedStatusEnum,
    /// More about the status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_info: Option<StatusInfo>,
}

// ---------------------------------------------------------------------------------------------
// InstallCertificate, DeleteCertificate, GetInstalledCertificateIds (CSMS → charge point)

/// `InstallCertificateUseEnumType`: the kind of root certificate to install.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InstallCertificateUseEnum {
    /// A V2G root (for the SECC certificate chain).
    V2GRootCertificate,
    /// A mobility-operator root (for contract certificates).
    MORootCertificate,
    /// A root for the CSMS's TLS certificate.
    CSMSRootCertificate,
    /// A manufacturer root (for firmware signatures).
    ManufacturerRootCertificate,
}

/// `InstallCertificateStatusEnumType`: the outcome of an InstallCertificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InstallCertificateStatusEnum {
    /// Installed.
    Accepted,
    /// Refused (e.g. invalid certificate).
    Rejected,
    /// Failed to install (e.g. storage full).
    Failed,
}

/// InstallCertificateRequest (Plug&Charge): the CSMS sends a root certificate to install.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PncInstallCertificateRequest {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// The kind of certificate.
    pub certificate_type: InstallCertificateUseEnum,
    /// The certificate, PEM (at most 5500 characters).
    pub certificate: BoundedString<5500>,
}

/// InstallCertificateResponse (Plug&Charge).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PncInstallCertificateResponse {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// The outcome.
    pub status: InstallCertificateStatusEnum,
    /// More about the status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_info: Option<StatusInfo>,
}

/// `DeleteCertificateStatusEnumType`: the outcome of a DeleteCertificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DeleteCertificateStatusEnum {
    /// Deleted.
    Accepted,
    /// Could not be deleted.
    Failed,
    /// No such certificate.
    NotFound,
}

/// DeleteCertificateRequest (Plug&Charge): the CSMS asks to delete an installed certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PncDeleteCertificateRequest {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// The certificate to delete.
    pub certificate_hash_data: PncCertificateHashData,
}

/// DeleteCertificateResponse (Plug&Charge).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PncDeleteCertificateResponse {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// The outcome.
    pub status: DeleteCertificateStatusEnum,
    /// More about the status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_info: Option<StatusInfo>,
}

/// `GetCertificateIdUseEnumType`: a kind of installed certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GetCertificateIdUseEnum {
    /// V2G root certificates.
    V2GRootCertificate,
    /// Mobility-operator root certificates.
    MORootCertificate,
    /// Roots for the CSMS's TLS certificate.
    CSMSRootCertificate,
    /// The station's V2G (SECC) certificate chain.
    V2GCertificateChain,
    /// Manufacturer root certificates.
    ManufacturerRootCertificate,
}

/// `GetInstalledCertificateStatusEnumType`: whether certificates of the requested kinds exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GetInstalledCertificateStatusEnum {
    /// `certificateHashDataChain` lists them.
    Accepted,
    /// None installed.
    NotFound,
}

/// `CertificateHashDataChainType`: one installed certificate with its sub-CA certificates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CertificateHashDataChain {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// The certificate.
    pub certificate_hash_data: PncCertificateHashData,
    /// Its kind.
    pub certificate_type: GetCertificateIdUseEnum,
    /// Its sub-CA certificates (1 to 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child_certificate_hash_data: Option<BoundedVec<PncCertificateHashData, 4>>,
}

/// GetInstalledCertificateIdsRequest (Plug&Charge): the CSMS asks which certificates are
/// installed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PncGetInstalledCertificateIdsRequest {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// The kinds asked for (at least one when present); absent means all kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_type: Option<NonEmptyVec<GetCertificateIdUseEnum>>,
}

/// GetInstalledCertificateIdsResponse (Plug&Charge).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PncGetInstalledCertificateIdsResponse {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// Whether any were found.
    pub status: GetInstalledCertificateStatusEnum,
    /// More about the status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_info: Option<StatusInfo>,
    /// The certificates found (at least one when present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_hash_data_chain: Option<NonEmptyVec<CertificateHashDataChain>>,
}

// ---------------------------------------------------------------------------------------------
// TriggerMessage (CSMS → charge point)

/// `MessageTriggerEnumType` of OCPP 2.0.1: a message TriggerMessage can ask for.
///
/// Over 1.6 only [`MessageTriggerEnum::SignV2GCertificate`] is meaningful; see
/// [`PncTriggerMessageRequest`] for why the other values are still accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MessageTriggerEnum {
    /// BootNotification.
    BootNotification,
    /// LogStatusNotification.
    LogStatusNotification,
    /// FirmwareStatusNotification.
    FirmwareStatusNotification,
    /// Heartbeat.
    Heartbeat,
    /// MeterValues.
    MeterValues,
    /// SignCertificate for the charging-station certificate.
    SignChargingStationCertificate,
    /// SignCertificate for the V2G certificate: the Plug&Charge trigger.
    SignV2GCertificate,
    /// StatusNotification.
    StatusNotification,
    /// TransactionEvent.
    TransactionEvent,
    /// SignCertificate for a certificate used for both purposes.
    SignCombinedCertificate,
    /// PublishFirmwareStatusNotification.
    PublishFirmwareStatusNotification,
}

/// `EVSEType`: an EVSE, optionally one connector of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Evse {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// The EVSE (> 0).
    pub id: i32,
    /// A connector of the EVSE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector_id: Option<i32>,
}

/// `TriggerMessageStatusEnumType` of OCPP 2.0.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TriggerMessageStatusEnum {
    /// The message will be sent.
    Accepted,
    /// It will not.
    Rejected,
    /// The requested message is not implemented.
    NotImplemented,
}

/// TriggerMessageRequest (Plug&Charge): the CSMS asks the charge point to send a
/// SignCertificate for its V2G certificate now.
///
/// Why `requestedMessage` takes every OCPP 2.0.1 value although the whitepaper only defines
/// `SignV2GCertificate` for this channel: libocpp carries the payload in its v2
/// `TriggerMessageRequest` type (whose enum has all of them), the payload is defined by the
/// 2.0.1 schema and must validate against it both ways, and a request for another message is a
/// well-formed request the charge point can answer properly with a
/// [`PncTriggerMessageResponse`] of status `NotImplemented` (or `Rejected`), instead of refusing
/// the whole DataTransfer. Use [`PncTriggerMessageRequest::is_sign_v2g_certificate`] to tell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PncTriggerMessageRequest {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// The EVSE the message should be about (unused for SignV2GCertificate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evse: Option<Evse>,
    /// The message to send.
    pub requested_message: MessageTriggerEnum,
}

impl PncTriggerMessageRequest {
    /// The request the whitepaper defines: trigger a SignCertificate for the V2G certificate.
    pub fn sign_v2g_certificate() -> Self {
        PncTriggerMessageRequest {
            custom_data: None,
            evse: None,
            requested_message: MessageTriggerEnum::SignV2GCertificate,
        }
    }

    /// Whether this is the one trigger Plug&Charge over 1.6 defines.
    pub fn is_sign_v2g_certificate(&self) -> bool {
        self.requested_message == MessageTriggerEnum::SignV2GCertificate
    }
}

/// TriggerMessageResponse (Plug&Charge).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PncTriggerMessageResponse {
    /// Vendor-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomData>,
    /// Whether the message will be sent.
    pub status: TriggerMessageStatusEnum,
    /// More about the status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_info: Option<StatusInfo>,
}
