//! The central system's side of Plug&Charge's Authorize (OCPP 2.0.1 C07 in a DataTransfer,
//! vendorId `org.openchargealliance.iso15118pnc`, messageId `Authorize`): the eMAID is looked up
//! in the tag list like an OCPP 1.6 idTag, so a contract is authorized when its eMAID is a known
//! tag (the development PKI's `DEFRCC00000001` is one of the default tags). The dev CSMS does not
//! check contract certificates or OCSP data itself (it has no OCSP responder), so its answer
//! carries no certificateStatus, which C07 makes optional.
//!
//! Get15118EVCertificate (OCPP 2.0.1 M01/M02 in a DataTransfer): the dev CSMS has no contract
//! certificate pool nor an EXI codec, so it cannot build a real CertificateInstallationRes. An
//! Install is answered Accepted with a stand-in exiResponse, [`STAND_IN_EXI_RESPONSE`] base64
//! (ferrocharge's simulated car does not decode it; a real car would find no ISO 15118
//! message in it); an Update is answered Failed (not offered by the dev CSMS).

use ocpp_types::core::{DataTransferRequest, DataTransferResponse, DataTransferStatus};
use ocpp_types::data_transfer_payload::{DataTransferMessage, DataTransferReply};
use ocpp_types::id_tag::AuthorizationStatus;
use ocpp_types::pnc::{
    AuthorizationStatusEnum, CertificateActionEnum, Get15118EVCertificateRequest,
    Get15118EVCertificateResponse, IdTokenInfo, Iso15118EVCertificateStatusEnum,
    PncAuthorizeRequest, PncAuthorizeResponse, VENDOR_ID,
};
use ocpp_types::BoundedString;

/// The text whose base64 is the exiResponse of an accepted Get15118EVCertificate Install (a
/// stand-in: see the module docs).
pub const STAND_IN_EXI_RESPONSE: &str = "ferrocharge dev CSMS simulated CertificateInstallationRes";

use super::core::id_tag_info;
use super::Ctx;

/// The answer to a PnC Authorize DataTransfer, `None` for any other DataTransfer. One whose
/// data does not decode as a 2.0.1 AuthorizeRequest is `Rejected`.
pub(crate) fn on_pnc_authorize(
    ctx: &mut Ctx<'_>,
    request: &DataTransferRequest,
) -> Option<DataTransferResponse> {
    let is_authorize = request.vendor_id == VENDOR_ID
        && request
            .message_id
            .as_ref()
            .is_some_and(|m| *m == PncAuthorizeRequest::MESSAGE_ID);
    if !is_authorize {
        return None;
    }
    let authorize = match PncAuthorizeRequest::from_data_transfer(request) {
        Ok(authorize) => authorize,
        Err(e) => {
            tracing::info!("{} → PnC Authorize refused: {e}", ctx.cp);
            return Some(DataTransferResponse {
                status: DataTransferStatus::Rejected,
                data: None,
            });
        }
    };
    let emaid = authorize.id_token.id_token.as_str();
    let info = id_tag_info(ctx.state, emaid, ctx.now);
    let status = match info.status {
        AuthorizationStatus::Accepted => AuthorizationStatusEnum::Accepted,
        AuthorizationStatus::Blocked => AuthorizationStatusEnum::Blocked,
        AuthorizationStatus::Expired => AuthorizationStatusEnum::Expired,
        AuthorizationStatus::Invalid => AuthorizationStatusEnum::Invalid,
        AuthorizationStatus::ConcurrentTx => AuthorizationStatusEnum::ConcurrentTx,
    };
    tracing::info!(
        "{} → PnC Authorize eMAID {emaid} (certificate {}, OCSP data {}) ⇒ {status:?}",
        ctx.cp,
        authorize.certificate.is_some(),
        authorize.iso15118_certificate_hash_data.is_some(),
    );
    let response = PncAuthorizeResponse {
        custom_data: None,
        id_token_info: IdTokenInfo::with_status(status),
        certificate_status: None,
    };
    Some(response.to_data_transfer_response())
}

/// The answer to a PnC Get15118EVCertificate DataTransfer, `None` for any other DataTransfer.
/// One whose data does not decode as a 2.0.1 Get15118EVCertificateRequest is `Rejected`.
pub(crate) fn on_get_15118_ev_certificate(
    ctx: &mut Ctx<'_>,
    request: &DataTransferRequest,
) -> Option<DataTransferResponse> {
    let is_get_certificate = request.vendor_id == VENDOR_ID
        && request
            .message_id
            .as_ref()
            .is_some_and(|m| *m == Get15118EVCertificateRequest::MESSAGE_ID);
    if !is_get_certificate {
        return None;
    }
    let get = match Get15118EVCertificateRequest::from_data_transfer(request) {
        Ok(get) => get,
        Err(e) => {
            tracing::info!("{} → Get15118EVCertificate refused: {e}", ctx.cp);
            return Some(DataTransferResponse {
                status: DataTransferStatus::Rejected,
                data: None,
            });
        }
    };
    let (status, exi_response) = match get.action {
        CertificateActionEnum::Install => {
            use base64::Engine as _;
            let exi = base64::engine::general_purpose::STANDARD.encode(STAND_IN_EXI_RESPONSE);
            (Iso15118EVCertificateStatusEnum::Accepted, exi)
        }
        CertificateActionEnum::Update => (Iso15118EVCertificateStatusEnum::Failed, String::new()),
    };
    tracing::info!(
        "{} → Get15118EVCertificate {:?} schema {} ({} characters of EXI) ⇒ {status:?}",
        ctx.cp,
        get.action,
        get.iso15118_schema_version.as_str(),
        get.exi_request.as_str().len(),
    );
    let exi_response = match BoundedString::<7500>::new(exi_response) {
        Ok(exi) => exi,
        Err(_) => return None,
    };
    let response = Get15118EVCertificateResponse {
        custom_data: None,
        status,
        status_info: None,
        exi_response,
    };
    Some(response.to_data_transfer_response())
}
