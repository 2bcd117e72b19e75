//! The central system's side of Plug&Charge's Authorize (OCPP 2.0.1 C07 in a DataTransfer,
//! vendorId `org.openchargealliance.iso15118pnc`, messageId `Authorize`): the eMAID is looked up
//! in the tag list like an OCPP 1.6 idTag, so a contract is authorized when its eMAID is a known
//! tag (the development PKI's `DEFRCC00000001` is one of the default tags). The dev CSMS does not
//! check contract certificates or OCSP data itself (it has no OCSP responder), so its answer
//! carries no certificateStatus, which C07 makes optional.

use ocpp_types::core::{DataTransferRequest, DataTransferResponse, DataTransferStatus};
use ocpp_types::data_transfer_payload::{DataTransferMessage, DataTransferReply};
use ocpp_types::id_tag::AuthorizationStatus;
use ocpp_types::pnc::{
    AuthorizationStatusEnum, IdTokenInfo, PncAuthorizeRequest, PncAuthorizeResponse, VENDOR_ID,
};

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
